//! `edited-migration`: its documentation (the source of `docs/rules/edited-migration.md` and
//! `migsafe explain edited-migration`) and the snapshot of its bad example as
//! `migsafe check` prints it. The check that raises it is the
//! `workflow` pass ([`super`]).

use crate::report::Severity;
use crate::rules::{Category, Example, Rule, RuleId};

pub static EDITED_MIGRATION: Rule = Rule {
    id: RuleId::EditedMigration,
    severity: Severity::Error,
    category: Category::Workflow,
    summary: "a migration that already existed was changed or deleted",
    what: "With `--since REF` (or in the pre-commit hook, against `HEAD`): a migration file that existed \
at REF and has been modified, renamed or deleted since. New migrations are what a change should add; \
old ones are history.",
    why: "A migration runs once per database. Every database that already applied it keeps the old \
version: the edit reaches only fresh databases, so environments silently diverge (Prisma reports a \
checksum mismatch and refuses to deploy). Deleting one leaves applied history that no file explains.",
    bad: Example {
        migrations: &[(
            "20260101000000_init",
            "-- edited after it was merged and deployed:\nCREATE TABLE users (id int, email text);\n",
        )],
        config: "",
        checked: false,
    },
    good: Example {
        migrations: &[
            ("20260101000000_init", "CREATE TABLE users (id int);\n"),
            (
                "20260301000000_add_email",
                "ALTER TABLE users ADD COLUMN email text;\n",
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
        insta::assert_snapshot!(crate::rules::rendered_example(&super::EDITED_MIGRATION));
    }
}
