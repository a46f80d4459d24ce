//! `unevaluable-guard`: its documentation (the source of `docs/rules/unevaluable-guard.md` and
//! `migsafe explain unevaluable-guard`) and the snapshot of its bad example as
//! `migsafe check` prints it. The check that raises it is the
//! `drift` pass ([`super`]).

use crate::report::Severity;
use crate::rules::{Category, Example, Rule, RuleId};

pub static UNEVALUABLE_GUARD: Rule = Rule {
    id: RuleId::UnevaluableGuard,
    severity: Severity::Warning,
    category: Category::Drift,
    summary: "a `DO` block condition the replay cannot answer without a database",
    what: "A `DO` block runs a statement under an `IF` whose condition migsafe cannot evaluate from \
the replayed schema (a query of data, a function call, a catalog it does not model). The replay assumes \
the condition holds and applies what it guards; migsafe answers `IF [NOT] EXISTS (SELECT … FROM \
information_schema.columns / tables / table_constraints, pg_constraint, pg_indexes, pg_class, pg_tables, \
pg_type, pg_enum WHERE … = '…')` itself.",
    why: "Whether the guarded statement ran depends on the database: the replayed schema, and every \
drift finding built on it, may not be what a fresh database gets.",
    bad: Example {
        migrations: &[(
            "20260101000000_guarded",
            "CREATE TABLE \"User\" (\"id\" INTEGER);\nDO $$ BEGIN IF (SELECT count(*) FROM \"User\") = 0 THEN ALTER TABLE \"User\" ADD COLUMN \"bio\" TEXT; END IF; END $$;\n",
        )],
        config: "",
        checked: true,
    },
    good: Example {
        migrations: &[(
            "20260101000000_guarded",
            "CREATE TABLE \"User\" (\"id\" INTEGER);\nDO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'User' AND column_name = 'bio') THEN ALTER TABLE \"User\" ADD COLUMN \"bio\" TEXT; END IF; END $$;\n",
        )],
        config: "",
        checked: true,
    },
};

#[cfg(test)]
mod tests {
    #[test]
    fn bad_example_as_printed() {
        insta::assert_snapshot!(crate::rules::rendered_example(&super::UNEVALUABLE_GUARD));
    }
}
