//! `outside-history`: its documentation (the source of `docs/rules/outside-history.md` and
//! `migsafe explain outside-history`) and the snapshot of its bad example as
//! `migsafe check` prints it. The check that raises it is the
//! `drift` pass ([`super`]).

use crate::report::Severity;
use crate::rules::{Category, Example, Rule, RuleId};

pub static OUTSIDE_HISTORY: Rule = Rule {
    id: RuleId::OutsideHistory,
    severity: Severity::Warning,
    category: Category::Drift,
    summary: "a migration statement on a table no migration creates",
    what: "Replaying the history, a statement names a table that no earlier migration creates, renames \
or drops. PostgreSQL refuses it on a database built from these migrations and rolls the whole file \
back; the replay does the same. It is a warning rather than a `replay-failed` error because the table \
may come from outside the history: a database that existed before the migrations did (a baseline).",
    why: "A fresh database (a new environment, CI, a developer's machine) cannot be built from the \
migrations alone: `prisma migrate deploy` on an empty database stops at this migration.",
    bad: Example {
        migrations: &[(
            "20260101000000_add_bio",
            "ALTER TABLE \"User\" ADD COLUMN \"bio\" TEXT;\n",
        )],
        config: "",
        checked: true,
    },
    good: Example {
        migrations: &[
            (
                "20260101000000_init",
                "CREATE TABLE \"User\" (\"id\" INTEGER);\n",
            ),
            (
                "20260102000000_add_bio",
                "ALTER TABLE \"User\" ADD COLUMN \"bio\" TEXT;\n",
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
        insta::assert_snapshot!(crate::rules::rendered_example(&super::OUTSIDE_HISTORY));
    }
}
