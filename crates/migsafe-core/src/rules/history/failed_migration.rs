//! `failed-migration`: its documentation (the source of `docs/rules/failed-migration.md` and
//! `migsafe explain failed-migration`) and the snapshot of its bad example as
//! `migsafe check` prints it. The check that raises it is the
//! `history` pass ([`super`]).

use super::NOT_RUN;
use crate::report::Severity;
use crate::rules::{Category, Rule, RuleId};

pub static FAILED_MIGRATION: Rule = Rule {
    id: RuleId::FailedMigration,
    severity: Severity::Error,
    category: Category::History,
    summary: "a migration started but neither finished nor was rolled back",
    what: "A row of `_prisma_migrations` with no `finished_at` and no `rolled_back_at`: the migration \
failed part-way (or is still running). Its error log is quoted.",
    why: "Prisma refuses to apply further migrations until it is resolved (P3009), and the database is \
in a state between two versions: part of the script ran. The release-safety process's roll-forward or \
rollback decision starts here.",
    bad: NOT_RUN,
    good: NOT_RUN,
};

#[cfg(test)]
mod tests {
    #[test]
    fn bad_example_as_printed() {
        insta::assert_snapshot!(crate::rules::rendered_example(&super::FAILED_MIGRATION));
    }
}
