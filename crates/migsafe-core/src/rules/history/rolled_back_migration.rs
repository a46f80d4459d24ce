//! `rolled-back-migration`: its documentation (the source of `docs/rules/rolled-back-migration.md` and
//! `migsafe explain rolled-back-migration`) and the snapshot of its bad example as
//! `migsafe check` prints it. The check that raises it is the
//! `history` pass ([`super`]).

use super::NOT_RUN;
use crate::report::Severity;
use crate::rules::{Category, Rule, RuleId};

pub static ROLLED_BACK_MIGRATION: Rule = Rule {
    id: RuleId::RolledBackMigration,
    severity: Severity::Warning,
    category: Category::History,
    summary: "an attempt to apply a migration failed and was marked rolled back",
    what: "A row of `_prisma_migrations` with `rolled_back_at` set (`prisma migrate resolve \
--rolled-back`).",
    why: "The release-safety process asks to track how often rollbacks happen; a rolled-back attempt \
also means part of a script may have run before it failed.",
    bad: NOT_RUN,
    good: NOT_RUN,
};

#[cfg(test)]
mod tests {
    #[test]
    fn bad_example_as_printed() {
        insta::assert_snapshot!(crate::rules::rendered_example(
            &super::ROLLED_BACK_MIGRATION
        ));
    }
}
