//! `duplicate-migration-timestamp`: its documentation (the source of `docs/rules/duplicate-migration-timestamp.md` and
//! `migsafe explain duplicate-migration-timestamp`) and the snapshot of its bad example as
//! `migsafe check` prints it. The check that raises it is the
//! `integrity` pass ([`super`]).

use crate::report::Severity;
use crate::rules::{Category, Example, Rule, RuleId};

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

#[cfg(test)]
mod tests {
    #[test]
    fn bad_example_as_printed() {
        insta::assert_snapshot!(crate::rules::rendered_example(
            &super::DUPLICATE_MIGRATION_TIMESTAMP
        ));
    }
}
