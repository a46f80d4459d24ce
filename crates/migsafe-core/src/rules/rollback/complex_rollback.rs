//! `complex-rollback`: its documentation (the source of `docs/rules/complex-rollback.md` and
//! `migsafe explain complex-rollback`) and the snapshot of its bad example as
//! `migsafe check` prints it. The check that raises it is the
//! `rollback` pass ([`super`]).

use crate::report::Severity;
use crate::rules::{Category, Example, Rule, RuleId};

pub static COMPLEX_ROLLBACK: Rule = Rule {
    id: RuleId::ComplexRollback,
    severity: Severity::Info,
    category: Category::Rollback,
    summary: "a statement whose rollback takes planning, with no plan where none is required",
    what: "An expand or neutral statement whose rollback is complex, in a migration without a down script \
and without a `@rollback-plan` for it: `ALTER TYPE … ADD VALUE` (PostgreSQL cannot remove an enum \
value), `DROP NOT NULL` (NULLs written meanwhile block putting it back), `UPDATE`/`DELETE … WHERE` (the \
old values are gone), `CREATE OR REPLACE` (the old definition is in history only).",
    why: "The contract requires no plan for these, so the finding is informational; but whoever rolls \
the release back will have to think here. A one-line plan is the place to write what they should do.",
    bad: Example {
        migrations: &[(
            "20260105120000_add_role",
            "ALTER TYPE \"Role\" ADD VALUE 'AUDITOR';\n",
        )],
        config: "",
        checked: true,
    },
    good: Example {
        migrations: &[(
            "20260105120000_add_role",
            "-- @rollback-plan: leave the value in place; an unused enum value is harmless\nALTER TYPE \"Role\" ADD VALUE 'AUDITOR';\n",
        )],
        config: "",
        checked: true,
    },
};

#[cfg(test)]
mod tests {
    #[test]
    fn bad_example_as_printed() {
        insta::assert_snapshot!(crate::rules::rendered_example(&super::COMPLEX_ROLLBACK));
    }
}
