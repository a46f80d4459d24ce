//! The rule documentation is generated from the registry and its examples
//! are run through the engine: stale docs or an example that does not do
//! what it says fail here. `UPDATE_DOCS=1` rewrites the generated files.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use migsafe_core::check::Checks;
use migsafe_core::rules::{ALL, Example};
use migsafe_core::{Config, MigrationSource, check_sources};

fn docs_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs")
}

fn check_generated(path: PathBuf, want: &str) -> Option<String> {
    if std::env::var_os("UPDATE_DOCS").is_some() {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).ok()?;
        }
        std::fs::write(&path, want).ok()?;
        return None;
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    (have != want).then(|| path.display().to_string())
}

#[test]
fn generated_docs_are_up_to_date() {
    let mut stale = Vec::new();
    for r in ALL {
        stale.extend(check_generated(
            docs_dir().join("rules").join(format!("{}.md", r.id)),
            &r.markdown(),
        ));
    }
    stale.extend(check_generated(
        docs_dir().join("rules/README.md"),
        &migsafe_core::rules::index_markdown(),
    ));
    stale.extend(check_generated(
        docs_dir().join("classification.md"),
        &migsafe_core::classification::markdown(),
    ));
    // No page for a rule that no longer exists.
    if let Ok(rd) = std::fs::read_dir(docs_dir().join("rules")) {
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if let Some(id) = name.strip_suffix(".md")
                && id != "README"
                && migsafe_core::rules::by_id(id).is_none()
            {
                stale.push(format!("{} documents an unknown rule", e.path().display()));
            }
        }
    }
    assert!(
        stale.is_empty(),
        "generated docs are stale (run `UPDATE_DOCS=1 cargo test -p migsafe-core --test docs`): {stale:?}"
    );
}

fn run(e: &Example, category: migsafe_core::rules::Category) -> Vec<String> {
    let config = if e.config.is_empty() {
        Config::default()
    } else {
        Config::parse(e.config, std::path::Path::new(".")).expect("example config parses")
    };
    let sources = e
        .migrations
        .iter()
        .map(|(name, sql)| MigrationSource::prisma(name, sql))
        .collect();
    // A rule is shown by the command that owns it.
    let checks = match category {
        migsafe_core::rules::Category::Rollback => Checks::ROLLBACK,
        migsafe_core::rules::Category::Drift => Checks::DRIFT,
        _ => Checks::ALL,
    };
    check_sources(sources, &config, checks)
        .diagnostics
        .into_iter()
        .map(|d| d.rule.as_str().to_owned())
        .collect()
}

#[test]
fn every_checked_example_does_what_it_says() {
    let mut wrong = Vec::new();
    for r in ALL {
        if r.bad.checked && !run(&r.bad, r.category).iter().any(|id| id == r.id.as_str()) {
            wrong.push(format!("{}: the bad example does not raise it", r.id));
        }
        if r.good.checked {
            let fired = run(&r.good, r.category);
            if fired.iter().any(|id| id == r.id.as_str()) {
                wrong.push(format!("{}: the good example raises it", r.id));
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn good_examples_of_safety_rules_are_clean() {
    // The "instead" of the core safety rules must pass the whole gate.
    for id in [
        "missing-override",
        "missing-rollback-plan",
        "missing-approval",
    ] {
        let r = migsafe_core::rules::by_id(id).expect("rule exists");
        let errors: Vec<String> = run(&r.good, r.category);
        assert!(
            !errors
                .iter()
                .any(|e| e.starts_with("missing-") && e != "missing-lock-timeout"),
            "{id}: {errors:?}"
        );
    }
}

#[test]
fn every_rule_is_documented_in_full() {
    for r in ALL {
        assert!(
            !r.summary.is_empty() && !r.what.is_empty() && !r.why.is_empty(),
            "{}",
            r.id
        );
        assert!(
            r.id.as_str()
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '-'),
            "{}",
            r.id
        );
        let text = r.explain();
        assert!(text.contains("Bad") && text.contains("Instead"), "{}", r.id);
    }
}
