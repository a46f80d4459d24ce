//! `duplicate-migration-timestamp`: its documentation (the source of `docs/rules/duplicate-migration-timestamp.md` and
//! `migsafe explain duplicate-migration-timestamp`) and the snapshot of its bad example as
//! `migsafe check` prints it. Its check is here; the `integrity` pass ([`super`]) runs it.

use crate::report::Severity;
use crate::rules::{Category, Example, Rule, RuleId};
use std::collections::BTreeMap;

use crate::config::Config;
use crate::engine::{AnalyzedMigration, Sink};
use crate::report::Diagnostic;

pub static DUPLICATE_MIGRATION_TIMESTAMP: Rule = Rule {
    id: RuleId::DuplicateMigrationTimestamp,
    severity: Severity::Error,
    category: Category::Integrity,
    summary: "two migrations with the same timestamp",
    what: "Two or more migrations whose names start with the same timestamp (or version number).",
    why: "Their order is decided by the description, alphabetically, which nobody chose. Usually it \
means two branches each added a migration and the merge kept both: one of them was written against a \
schema without the other.",
    bad: Example {
        migrations: &[
            ("20260105120000_add_users", "CREATE TABLE users (id int);\n"),
            (
                "20260105120000_add_orders",
                "CREATE TABLE orders (id int);\n",
            ),
        ],
        config: "",
        checked: true,
    },
    good: Example {
        migrations: &[
            ("20260105120000_add_users", "CREATE TABLE users (id int);\n"),
            (
                "20260105120100_add_orders",
                "CREATE TABLE orders (id int);\n",
            ),
        ],
        config: "",
        checked: true,
    },
};

/// Two migrations with the same timestamp.
pub(super) fn check(migrations: &[AnalyzedMigration], config: &Config) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut by_version: BTreeMap<String, Vec<&AnalyzedMigration>> = BTreeMap::new();
    for m in migrations {
        if let Some(v) = m.source.layout.version(&m.source.name) {
            by_version.entry(v).or_default().push(m);
        }
    }
    for (v, ms) in by_version {
        if ms.len() < 2 {
            continue;
        }
        for m in &ms[1..] {
            let mut sink = Sink::new(config, &m.source.path, Some(&m.source.name));
            sink.emit(
                &DUPLICATE_MIGRATION_TIMESTAMP,
                format!(
                    "migration `{}` has the same timestamp `{v}` as `{}`",
                    m.source.name, ms[0].source.name
                ),
                |d| {
                    d.note("the two run in alphabetical order of their descriptions, which nobody chose")
                        .help("give the later migration a later timestamp")
                },
            );
            out.extend(sink.out);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn bad_example_as_printed() {
        insta::assert_snapshot!(crate::rules::rendered_example(
            &super::DUPLICATE_MIGRATION_TIMESTAMP
        ));
    }
}
