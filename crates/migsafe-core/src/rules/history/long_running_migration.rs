//! `long-running-migration`: its documentation (the source of `docs/rules/long-running-migration.md` and
//! `migsafe explain long-running-migration`) and the snapshot of its bad example as
//! `migsafe check` prints it. The check that raises it is the
//! `history` pass ([`super`]).

use super::NOT_RUN;
use crate::report::Severity;
use crate::rules::{Category, Rule, RuleId};

pub static LONG_RUNNING_MIGRATION: Rule = Rule {
    id: RuleId::LongRunningMigration,
    severity: Severity::Warning,
    category: Category::History,
    summary: "an applied migration that ran longer than the configured threshold",
    what: "With a database URL: a migration whose `_prisma_migrations` row shows it ran (from \
`started_at` to `finished_at`) longer than `[database] long-running-threshold-ms` of `migsafe.toml` \
(60 s by default).",
    why: "The release-safety process alerts on slow migrations: a long migration usually held a lock \
the whole time, and the next one like it (on a bigger table, in production) will take longer. It is \
the signal to batch the change or use the non-blocking forms.",
    bad: NOT_RUN,
    good: NOT_RUN,
};

#[cfg(test)]
mod tests {
    #[test]
    fn bad_example_as_printed() {
        insta::assert_snapshot!(crate::rules::rendered_example(
            &super::LONG_RUNNING_MIGRATION
        ));
    }
}
