//! `down-script-mismatch`: its documentation (the source of `docs/rules/down-script-mismatch.md` and
//! `migsafe explain down-script-mismatch`) and the snapshot of its bad example as
//! `migsafe check` prints it. The check that raises it is the
//! `rollback` pass ([`super`]).

use crate::report::Severity;
use crate::rules::{Category, Example, Rule, RuleId};

pub static DOWN_SCRIPT_MISMATCH: Rule = Rule {
    id: RuleId::DownScriptMismatch,
    severity: Severity::Error,
    category: Category::Rollback,
    summary: "a down script that does not bring the schema back to what it was before the migration",
    what: "A migration's down script (`down.sql` beside a Prisma `migration.sql`, or `<name>.down.sql`), \
replayed on top of the migration, leaves a schema that differs from the schema before the migration, \
or has a statement that cannot run (an index that does not exist, a column dropped twice).",
    why: "A down script is only tested the day it is needed. A forgotten column or index means the \
rollback leaves the database in a state no version of the application was written for.",
    bad: Example {
        migrations: &[(
            "20260105120000_add_bio",
            "ALTER TABLE \"users\" ADD COLUMN \"bio\" TEXT;\nCREATE INDEX \"users_bio_idx\" ON \"users\"(\"bio\");\n-- down.sql: DROP INDEX \"users_bio_idx\";\n",
        )],
        config: "",
        checked: false,
    },
    good: Example {
        migrations: &[(
            "20260105120000_add_bio",
            "ALTER TABLE \"users\" ADD COLUMN \"bio\" TEXT;\n-- down.sql: ALTER TABLE \"users\" DROP COLUMN \"bio\";\n",
        )],
        config: "",
        checked: true,
    },
};

#[cfg(test)]
mod tests {
    #[test]
    fn bad_example_as_printed() {
        insta::assert_snapshot!(crate::rules::rendered_example(&super::DOWN_SCRIPT_MISMATCH));
    }
}
