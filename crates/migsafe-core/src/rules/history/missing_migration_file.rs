//! `missing-migration-file`: its documentation (the source of `docs/rules/missing-migration-file.md` and
//! `migsafe explain missing-migration-file`) and the snapshot of its bad example as
//! `migsafe check` prints it. The check that raises it is the
//! `history` pass ([`super`]).

use super::NOT_RUN;
use crate::report::Severity;
use crate::rules::{Category, Rule, RuleId};

pub static MISSING_MIGRATION_FILE: Rule = Rule {
    id: RuleId::MissingMigrationFile,
    severity: Severity::Error,
    category: Category::History,
    summary: "a migration applied to the database has no local file",
    what: "A migration recorded as applied in `_prisma_migrations` that does not exist in the migrations \
directory.",
    why: "The history was rewritten (a migration deleted, renamed or squashed) or the code is older \
than the database: deploying it would run against a schema it does not know.",
    bad: NOT_RUN,
    good: NOT_RUN,
};

#[cfg(test)]
mod tests {
    #[test]
    fn bad_example_as_printed() {
        insta::assert_snapshot!(crate::rules::rendered_example(
            &super::MISSING_MIGRATION_FILE
        ));
    }
}
