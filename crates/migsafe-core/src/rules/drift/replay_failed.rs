//! `replay-failed`: its documentation (the source of `docs/rules/replay-failed.md` and
//! `migsafe explain replay-failed`) and the snapshot of its bad example as
//! `migsafe check` prints it. The check that raises it is the
//! `drift` pass ([`super`]).

use crate::report::Severity;
use crate::rules::{Category, Example, Rule, RuleId};

pub static REPLAY_FAILED: Rule = Rule {
    id: RuleId::ReplayFailed,
    severity: Severity::Error,
    category: Category::Drift,
    summary: "a migration statement that cannot apply to the schema the earlier migrations produce",
    what: "Replaying the history statement by statement, a statement PostgreSQL would refuse: it alters \
a table that does not exist, adds a column that already exists, drops an index that is not there, is \
written in another database's syntax. PostgreSQL runs a migration file as one transaction, so the whole \
migration rolls back: the replay applies none of it (not even the statements before the refused one) \
and replays the later migrations on the schema without it, as a database would have it.",
    why: "A fresh database (a new environment, CI, a developer's machine) built from these migrations \
fails at this statement, or differs from the databases that were migrated along the way.",
    bad: Example {
        migrations: &[
            (
                "20260101000000_init",
                "CREATE TABLE \"User\" (\"id\" INTEGER, \"bio\" TEXT);\n",
            ),
            (
                "20260102000000_add_bio",
                "ALTER TABLE \"User\" ADD COLUMN \"bio\" TEXT;\n",
            ),
        ],
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
        insta::assert_snapshot!(crate::rules::rendered_example(&super::REPLAY_FAILED));
    }
}
