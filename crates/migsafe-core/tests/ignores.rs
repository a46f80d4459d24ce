//! Inline suppressions: `-- migsafe-ignore: RULE -- reason` on a statement,
//! `-- migsafe-ignore-file:` for a file; errors stay; an ignore that
//! silences nothing is itself a finding; every ignore reaches the report
//! and the audit line with its reason.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use migsafe_core::check::Checks;
use migsafe_core::{Config, MigrationSource, Report, check_sources};

fn run(sql: &str) -> Report {
    check_sources(
        vec![
            MigrationSource::prisma(
                "20260101000000_init",
                "CREATE TABLE t (id int, c int);\nCREATE TABLE u (id int);\n",
            ),
            MigrationSource::prisma("20260102000000_change", sql),
        ],
        &Config::default(),
        Checks::ALL,
    )
}

/// (rule, line) of the findings in the second migration.
fn found(r: &Report) -> Vec<(String, u32)> {
    r.diagnostics
        .iter()
        .filter(|d| d.path.contains("20260102000000_change"))
        .map(|d| (d.rule.as_str().to_owned(), d.line.unwrap_or(0)))
        .collect()
}

#[test]
fn an_ignore_silences_its_rules_on_its_statement_only() {
    let plain = run("CREATE INDEX i ON t (c);\nCREATE INDEX j ON u (id);\n");
    let before = found(&plain);
    assert!(
        before.contains(&("require-concurrent-index".into(), 1)),
        "{before:?}"
    );
    assert!(
        before.contains(&("require-concurrent-index".into(), 2)),
        "{before:?}"
    );

    let r = run(
        "-- migsafe-ignore: require-concurrent-index, missing-lock-timeout -- t is empty in every environment\n\
CREATE INDEX i ON t (c);\nCREATE INDEX j ON u (id);\n",
    );
    let after = found(&r);
    assert!(
        !after.iter().any(|(_, l)| *l == 2),
        "statement 1 silenced: {after:?}"
    );
    assert!(
        after.contains(&("require-concurrent-index".into(), 3)),
        "statement 2 kept: {after:?}"
    );
    assert!(
        !after.iter().any(|(rule, _)| rule == "unused-ignore"),
        "{after:?}"
    );
    assert_eq!(r.ignores.len(), 1);
    assert_eq!(r.ignores[0].reason, "t is empty in every environment");
    assert_eq!(
        r.ignores[0].rules,
        ["require-concurrent-index", "missing-lock-timeout"]
    );
    assert!(r.ignores[0].silenced >= 2, "{:?}", r.ignores);

    // On the statement's own line, after it.
    let r = run("CREATE INDEX i ON t (c); -- migsafe-ignore: require-concurrent-index -- empty\n");
    assert!(
        !found(&r).contains(&("require-concurrent-index".into(), 1)),
        "{:?}",
        found(&r)
    );

    // The file form: every statement.
    let r = run(
        "-- migsafe-ignore-file: require-concurrent-index -- both tables are empty\n\
CREATE INDEX i ON t (c);\nCREATE INDEX j ON u (id);\n",
    );
    assert!(
        !found(&r)
            .iter()
            .any(|(rule, _)| rule == "require-concurrent-index"),
        "{:?}",
        found(&r)
    );
}

#[test]
fn errors_stay_and_idle_ignores_are_reported() {
    // An error of the release-safety rules needs its annotation.
    let r = run("-- migsafe-ignore: missing-override -- we know\nDROP TABLE u;\n");
    let f = found(&r);
    assert!(f.contains(&("missing-override".into(), 2)), "{f:?}");
    let d = r
        .diagnostics
        .iter()
        .find(|d| d.rule == *"unused-ignore")
        .expect("unused-ignore");
    assert!(
        d.message.contains("cannot silence an error"),
        "{}",
        d.message
    );
    assert!(
        d.help
            .as_deref()
            .unwrap_or("")
            .contains("@override-destructive"),
        "{d:?}"
    );
    assert_eq!(r.exit_code(), 1);

    // Silences nothing; names a rule that does not exist (with a guess);
    // names none; applies to no statement.
    let r = run(
        "-- migsafe-ignore: table-rewrite -- habit\nCREATE TABLE v (id int);\n\
CREATE INDEX i ON t (c); -- migsafe-ignore: require-concurent-index -- typo\n\
-- migsafe-ignore:\nSELECT 1;\n-- migsafe-ignore: missing-lock-timeout -- at the end\n",
    );
    let idle: Vec<(&str, u32)> = r
        .diagnostics
        .iter()
        .filter(|d| d.rule == *"unused-ignore")
        .map(|d| (d.message.as_str(), d.line.unwrap_or(0)))
        .collect();
    assert!(
        idle.iter()
            .any(|(m, l)| *l == 1 && m.contains("silences nothing")),
        "{idle:?}"
    );
    let typo = r
        .diagnostics
        .iter()
        .find(|d| d.rule == *"unused-ignore" && d.line == Some(3))
        .expect("the typo");
    assert!(typo.message.contains("no rule is named"), "{typo:?}");
    assert_eq!(
        typo.help.as_deref(),
        Some("did you mean `require-concurrent-index`?")
    );
    assert!(
        idle.iter()
            .any(|(m, l)| *l == 4 && m.contains("names no rule")),
        "{idle:?}"
    );
    assert!(
        idle.iter()
            .any(|(m, l)| *l == 6 && m.contains("applies to no statement")),
        "{idle:?}"
    );
    // The misspelt ignore silenced nothing: the finding it meant is there.
    assert!(found(&r).contains(&("require-concurrent-index".into(), 3)));
}

#[test]
fn the_audit_line_records_every_ignore_with_its_reason() {
    let r = run(
        "-- migsafe-ignore: require-concurrent-index -- t is empty\nCREATE INDEX i ON t (c);\n",
    );
    let e = migsafe_core::audit::Entry::new("check", &r, None);
    let line = serde_json::to_value(&e).unwrap();
    let ig = &line["ignores"][0];
    assert_eq!(ig["reason"], "t is empty");
    assert_eq!(ig["rules"][0], "require-concurrent-index");
    assert_eq!(ig["line"], 1);
    assert_eq!(ig["silenced"], 1);
    assert_eq!(ig["migration"], "20260102000000_change");
    // A run without ignores keeps its audit line as it was.
    let plain = migsafe_core::audit::Entry::new("check", &run("SELECT 1;\n"), None);
    assert!(
        serde_json::to_value(&plain)
            .unwrap()
            .get("ignores")
            .is_none()
    );
}
