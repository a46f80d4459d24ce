//! `migsafe.toml`: every key, bad values, unknown keys, and severity
//! changes that turn an error into a warning and back.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use migsafe_classify::Class;
use migsafe_core::config::{Config, LayoutSetting, Level};
use migsafe_core::{Error, MigrationSource, Severity, validate_sources};

fn parse(text: &str) -> Result<Config, Error> {
    Config::parse(text, Path::new("/project"))
}

fn err(text: &str) -> (Option<u32>, Option<u32>, String, Option<String>) {
    match parse(text) {
        Err(Error::Config {
            line,
            column,
            message,
            help,
            ..
        }) => (line, column, message, help),
        Err(e) => panic!("unexpected error kind: {e}"),
        Ok(_) => panic!("config should be rejected: {text}"),
    }
}

#[test]
fn every_key() {
    let c = parse(
        r#"
[migrations]
paths = ["db/migrations", "/abs/other"]
layout = "flat"
naming = "{number}_{description}"

[schema]
path = "db/schema.prisma"

[annotations]
overrides = ["@dba-approved", "ALLOW-DROP"]
require-rollback-plan = ["dangerous", "contract"]
require-approval = ["dangerous"]

[rules]
require-concurrent-index = "error"
unused-override = "off"
missing-override = "warning"
unparsable-statement = "info"

[database]
postgres-version = 14
long-running-threshold-ms = 5000
timeout-ms = 2500

[audit]
log = "logs/audit.jsonl"
"#,
    )
    .unwrap();
    assert_eq!(
        c.migration_paths,
        vec![
            PathBuf::from("/project/db/migrations"),
            PathBuf::from("/abs/other")
        ]
    );
    assert_eq!(c.layout, LayoutSetting::Flat);
    assert!(c.naming.check("0001_init").is_ok());
    assert!(
        c.naming.check("20260101000000_init").is_ok(),
        "digits are a number too"
    );
    assert!(c.naming.check("init").is_err());
    assert_eq!(c.schema, Some(PathBuf::from("/project/db/schema.prisma")));
    assert_eq!(c.overrides, vec!["dba-approved", "allow-drop"]);
    assert_eq!(
        c.require_rollback_plan,
        vec![Class::Dangerous, Class::Contract]
    );
    assert_eq!(c.require_approval, vec![Class::Dangerous]);
    assert_eq!(
        c.level(
            migsafe_core::rules::RuleId::RequireConcurrentIndex,
            Severity::Warning
        ),
        Level::On(Severity::Error)
    );
    assert_eq!(
        c.level(migsafe_core::rules::RuleId::UnusedOverride, Severity::Info),
        Level::Off
    );
    assert_eq!(
        c.level(
            migsafe_core::rules::RuleId::MissingOverride,
            Severity::Error
        ),
        Level::On(Severity::Warning)
    );
    assert_eq!(
        c.level(
            migsafe_core::rules::RuleId::UnparsableStatement,
            Severity::Warning
        ),
        Level::On(Severity::Info)
    );
    assert_eq!(
        c.level(migsafe_core::rules::RuleId::EmptyMigration, Severity::Error),
        Level::On(Severity::Error)
    );
    assert_eq!(c.postgres_version, 14);
    assert_eq!(c.long_running_ms, 5000);
    assert_eq!(c.database_timeout_ms, 2500);
    assert_eq!(
        c.audit_log,
        Some(PathBuf::from("/project/logs/audit.jsonl"))
    );
}

#[test]
fn defaults_and_empty_file() {
    let c = parse("").unwrap();
    assert!(c.migration_paths.is_empty());
    assert_eq!(c.layout, LayoutSetting::Auto);
    assert!(c.naming.is_default());
    assert_eq!(c.overrides.len(), 3);
    assert_eq!(c.require_rollback_plan, vec![Class::Dangerous]);
    assert!(c.require_approval.is_empty());
    assert_eq!(c.postgres_version, 15);
    // The template `migsafe init` writes parses to the defaults.
    let t = parse(migsafe_core::config::TEMPLATE).unwrap();
    assert_eq!(t.overrides, c.overrides);
    assert_eq!(t.require_rollback_plan, c.require_rollback_plan);
    assert!(t.naming.is_default());
    assert!(t.rule_levels.is_empty());
}

#[test]
fn bad_values_point_at_the_value() {
    let (l, c, m, h) = err("[migrations]\nlayout = \"weird\"\n");
    assert_eq!((l, c), (Some(2), Some(10)), "{m}");
    assert!(m.contains("weird") || m.contains("variant"), "{m}");
    assert!(h.is_none() || h.is_some());

    let (l, _, m, _) = err("[migrations]\nnaming = \"{date}_{description}\"\n");
    assert_eq!(l, Some(2));
    assert!(m.contains("unknown placeholder `{date}`"), "{m}");

    let (l, _, m, h) = err("[annotations]\noverrides = []\n");
    assert_eq!(l, Some(2));
    assert!(m.contains("at least one"), "{m}");
    assert!(h.unwrap_or_default().contains("override-destructive"));

    let (l, c, m, h) = err("[annotations]\nrequire-rollback-plan = [\"dangerous\", \"fatal\"]\n");
    assert_eq!((l, c), (Some(2), Some(39)));
    assert_eq!(m, "unknown class `fatal`");
    assert!(
        h.unwrap_or_default()
            .contains("\"dangerous\", \"contract\"")
    );

    let (l, c, m, h) = err("[rules]\nmissing-override = \"loud\"\n");
    assert_eq!((l, c), (Some(2), Some(20)));
    assert_eq!(m, "invalid level `loud` for rule `missing-override`");
    assert!(h.unwrap_or_default().contains("\"warning\""));

    let (l, _, m, _) = err("[database]\npostgres-version = 3\n");
    assert_eq!(l, Some(2));
    assert!(m.contains("unsupported PostgreSQL version 3"), "{m}");

    let (l, _, m, _) = err("[migrations]\npaths = \"db\"\n");
    assert_eq!(l, Some(2));
    assert!(m.contains("sequence") || m.contains("array"), "{m}");

    let (l, c, m, _) = err("[database]\ntimeout-ms = 0\n");
    assert_eq!((l, c), (Some(2), Some(14)), "{m}");
    assert!(m.contains("timeout-ms must be more than 0"), "{m}");

    let (l, _, _, _) = err("[migrations\npaths = []\n");
    assert_eq!(l, Some(1), "a syntax error has a position");
}

#[test]
fn unknown_keys_get_a_suggestion() {
    let (l, c, m, h) = err("[migration]\npaths = []\n");
    assert_eq!((l, c), (Some(1), Some(2)));
    assert_eq!(m, "unknown key `migration`");
    assert_eq!(h.as_deref(), Some("did you mean `migrations`?"));

    let (l, _, m, h) = err("[annotations]\nrequire-rollback-plans = [\"dangerous\"]\n");
    assert_eq!(l, Some(2));
    assert_eq!(m, "unknown key `require-rollback-plans`");
    assert_eq!(h.as_deref(), Some("did you mean `require-rollback-plan`?"));

    let (_, _, m, h) = err("[database]\nurl = \"postgres://x\"\n");
    assert_eq!(m, "unknown key `url`");
    assert!(
        h.unwrap_or_default().starts_with("expected"),
        "no close match: list the keys"
    );

    let (l, _, m, h) = err("[rules]\nrequire-concurent-index = \"error\"\n");
    assert_eq!(l, Some(2));
    assert_eq!(m, "unknown rule `require-concurent-index` in [rules]");
    assert!(
        h.unwrap_or_default()
            .contains("did you mean `require-concurrent-index`?")
    );
}

fn run(config: &str, sql: &str) -> (i32, Vec<(String, Severity)>) {
    let c = parse(config).unwrap();
    let r = validate_sources(vec![MigrationSource::prisma("20260101000000_x", sql)], &c);
    (
        r.exit_code(),
        r.diagnostics
            .iter()
            .map(|d| (d.rule.as_str().to_owned(), d.severity))
            .collect(),
    )
}

#[test]
fn severity_changes_turn_errors_into_warnings_and_back() {
    let drop = "DROP TABLE t;\n";
    assert_eq!(
        run("", drop),
        (1, vec![("missing-override".into(), Severity::Error)])
    );
    assert_eq!(
        run("[rules]\nmissing-override = \"warning\"\n", drop),
        (0, vec![("missing-override".into(), Severity::Warning)])
    );
    assert_eq!(
        run("[rules]\nmissing-override = \"off\"\n", drop),
        (0, vec![])
    );
    assert_eq!(
        run("[rules]\nmissing-override = \"error\"\n", drop),
        (1, vec![("missing-override".into(), Severity::Error)])
    );
    let idx = "CREATE INDEX i ON t (c);\n";
    assert_eq!(
        run("", idx),
        (
            0,
            vec![
                ("missing-lock-timeout".into(), Severity::Warning),
                ("require-concurrent-index".into(), Severity::Warning)
            ]
        )
    );
    assert_eq!(
        run(
            "[rules]\nrequire-concurrent-index = \"error\"\nmissing-lock-timeout = \"off\"\n",
            idx
        ),
        (
            1,
            vec![("require-concurrent-index".into(), Severity::Error)]
        )
    );
}

#[test]
fn annotation_settings_change_what_is_required() {
    // Custom override words.
    let sql = "-- @dba-approved\nDROP INDEX i;\n";
    assert_eq!(
        run("[annotations]\noverrides = [\"dba-approved\"]\n", sql).0,
        0
    );
    assert_eq!(run("", sql).0, 1);
    // Contract statements can be made to need a plan.
    let sql = "-- @override-destructive\nDROP INDEX i;\n";
    assert_eq!(run("", sql).0, 0);
    let (code, found) = run(
        "[annotations]\nrequire-rollback-plan = [\"contract\", \"dangerous\"]\n",
        sql,
    );
    assert_eq!(
        (code, found),
        (1, vec![("missing-rollback-plan".into(), Severity::Error)])
    );
    // Approval.
    let sql = "-- @override-destructive\n-- @rollback-plan: restore\nDROP TABLE t;\n";
    assert_eq!(run("", sql).0, 0);
    let (code, found) = run("[annotations]\nrequire-approval = [\"dangerous\"]\n", sql);
    assert_eq!(
        (code, found),
        (1, vec![("missing-approval".into(), Severity::Error)])
    );
    let approved = "-- @override-destructive\n-- @rollback-plan: restore\n-- @approved-by: lead\nDROP TABLE t;\n";
    assert_eq!(
        run(
            "[annotations]\nrequire-approval = [\"dangerous\"]\n",
            approved
        )
        .0,
        0
    );
}

#[test]
fn postgres_version_changes_lock_facts() {
    let sql = "SET lock_timeout = '5s';\nALTER TABLE t ADD COLUMN c int DEFAULT 0;\n";
    assert_eq!(run("", sql), (0, vec![]));
    assert_eq!(
        run("[database]\npostgres-version = 10\n", sql),
        (0, vec![("add-column-rewrite".into(), Severity::Warning)])
    );
}

#[test]
fn layout_setting_forces_the_layout() {
    let d = std::env::temp_dir().join(format!("migsafe-layout-test-{}", std::process::id()));
    std::fs::create_dir_all(d.join("20260101000000_a")).unwrap();
    std::fs::write(d.join("20260101000000_a/migration.sql"), "SELECT 1;").unwrap();
    std::fs::write(d.join("20260102000000_b.sql"), "SELECT 2;").unwrap();
    let names = |layout: &str| {
        let c = parse(&format!("[migrations]\nlayout = \"{layout}\"\n")).unwrap();
        migsafe_core::validate_paths(std::slice::from_ref(&d), &c)
            .unwrap()
            .migrations
            .into_iter()
            .map(|m| m.name)
            .collect::<Vec<_>>()
    };
    assert_eq!(names("prisma"), vec!["20260101000000_a"]);
    assert_eq!(names("flat"), vec!["20260102000000_b"]);
    assert_eq!(names("auto"), vec!["20260101000000_a"]);
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn naming_pattern_setting() {
    let c = parse("[migrations]\nnaming = \"{number}_{description}\"\n").unwrap();
    let r = validate_sources(vec![MigrationSource::prisma("0001_init", "SELECT 1;")], &c);
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    let r = validate_sources(
        vec![MigrationSource::prisma("0001_init", "SELECT 1;")],
        &Config::default(),
    );
    assert_eq!(r.diagnostics[0].rule, "invalid-migration-name");
}

#[test]
fn load_reports_the_file() {
    let d = std::env::temp_dir().join(format!("migsafe-config-test-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    let f = d.join("migsafe.toml");
    std::fs::write(&f, "[rules]\nnope = \"off\"\n").unwrap();
    let e = Config::load(&f).unwrap_err();
    let shown = e.to_string();
    assert!(
        shown.ends_with("migsafe.toml:2:1: unknown rule `nope` in [rules]"),
        "{shown}"
    );
    assert_eq!(Config::find(&d.join("sub")), Some(f.clone()));
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn large_table_rows_is_a_row_count() {
    assert_eq!(parse("").unwrap().large_table_rows, 1_000_000);
    assert_eq!(
        parse("[rules]\nlarge-table-rows = 5000\n")
            .unwrap()
            .large_table_rows,
        5000
    );
    for bad in [
        "[rules]\nlarge-table-rows = \"big\"\n",
        "[rules]\nlarge-table-rows = -1\n",
        "[rules]\nrequire-concurrent-index = 3\n",
    ] {
        assert!(parse(bad).is_err(), "{bad}");
    }
}
