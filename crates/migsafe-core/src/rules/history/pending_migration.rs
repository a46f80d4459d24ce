//! `pending-migration`: its documentation (the source of `docs/rules/pending-migration.md` and
//! `migsafe explain pending-migration`) and the snapshot of its bad example as
//! `migsafe check` prints it. The check that raises it is the
//! `history` pass ([`super`]).

use super::NOT_RUN;
use crate::report::Severity;
use crate::rules::{Category, Rule, RuleId};

pub static PENDING_MIGRATION: Rule = Rule {
    id: RuleId::PendingMigration,
    severity: Severity::Info,
    category: Category::History,
    summary: "a local migration not applied to the database yet",
    what: "A migration in the migrations directory with no finished row in `_prisma_migrations`.",
    why: "Normal before a deploy; listed so that a deploy's plan is visible, and so that a migration \
that never gets applied is noticed.",
    bad: NOT_RUN,
    good: NOT_RUN,
};

#[cfg(test)]
mod tests {
    #[test]
    fn bad_example_as_printed() {
        insta::assert_snapshot!(crate::rules::rendered_example(&super::PENDING_MIGRATION));
    }
}
