//! `unparsable-statement`: its documentation (the source of `docs/rules/unparsable-statement.md` and
//! `migsafe explain unparsable-statement`) and the snapshot of its bad example as
//! `migsafe check` prints it. The check that raises it is the
//! `integrity` pass ([`super`]).

use crate::report::Severity;
use crate::rules::{Category, Example, Rule, RuleId};

pub static UNPARSABLE_STATEMENT: Rule = Rule {
    id: RuleId::UnparsableStatement,
    severity: Severity::Warning,
    category: Category::Integrity,
    summary: "a statement the SQL parser cannot read; it is still classified from its tokens",
    what: "A statement that sqlparser (PostgreSQL dialect) does not read, such as `DO` blocks, `DROP \
INDEX CONCURRENTLY`, `ALTER TABLE … SET SCHEMA` or newer syntax. migsafe classifies it from its leading \
keywords and names (`DROP INDEX CONCURRENTLY IF EXISTS x` is still a `drop_index`), and looks inside \
`DO` bodies for DDL; the finding says what it concluded.",
    why: "A token-level reading knows the operation and its objects but not every detail (column types \
and defaults may be missing for replay). The warning tells you where migsafe's reading is shallower, \
so you can review those statements yourself or turn the rule off.",
    bad: Example {
        migrations: &[(
            "20260105120000_drop_idx",
            "-- @override-destructive\nDROP INDEX CONCURRENTLY IF EXISTS \"users_email_idx\";\n",
        )],
        config: "",
        checked: true,
    },
    good: Example {
        migrations: &[(
            "20260105120000_drop_idx",
            "-- @override-destructive\nDROP INDEX IF EXISTS \"users_email_idx\";\n",
        )],
        config: "",
        checked: true,
    },
};

#[cfg(test)]
mod tests {
    #[test]
    fn bad_example_as_printed() {
        insta::assert_snapshot!(crate::rules::rendered_example(&super::UNPARSABLE_STATEMENT));
    }
}
