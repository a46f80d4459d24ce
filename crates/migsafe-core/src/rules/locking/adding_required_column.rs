//! `adding-required-column`: its documentation (the source of `docs/rules/adding-required-column.md` and
//! `migsafe explain adding-required-column`) and the snapshot of its bad example as
//! `migsafe check` prints it. Its check is here; the `locking` pass ([`super`]) runs it on each
//! statement with the replayed schema's lock facts.

use crate::report::Severity;
use crate::rules::{Category, Example, Rule, RuleId};
use migsafe_classify::OpKind;

use super::Step;
use crate::engine::Sink;

pub static ADDING_REQUIRED_COLUMN: Rule = Rule {
    id: RuleId::AddingRequiredColumn,
    severity: Severity::Warning,
    category: Category::Locking,
    summary: "a `NOT NULL` column without a default added to an existing table",
    what: "`ADD COLUMN … NOT NULL` with no `DEFAULT` (and not an identity, serial or generated column) on \
a table this migration did not create.",
    why: "PostgreSQL fails the statement as soon as the table has a row: the migration works on an \
empty development database and fails in production. Prisma warns about the same thing.",
    bad: Example {
        migrations: &[(
            "20260105120000_add_tenant",
            "ALTER TABLE \"users\" ADD COLUMN \"tenant_id\" TEXT NOT NULL;\n",
        )],
        config: "",
        checked: true,
    },
    good: Example {
        migrations: &[(
            "20260105120000_add_tenant",
            "ALTER TABLE \"users\" ADD COLUMN \"tenant_id\" TEXT NOT NULL DEFAULT 'default';\n",
        )],
        config: "",
        checked: true,
    },
};

/// `ADD COLUMN … NOT NULL` with no default on a table this migration did
/// not create.
pub(super) fn check(step: &Step<'_>, op: &OpKind, sink: &mut Sink<'_>) {
    let OpKind::AddColumn { table, column, .. } = op else {
        return;
    };
    let serial = migsafe_schema::types::is_serial(&column.data_type);
    if step.existing(table)
        && column.not_null
        && column.default.is_none()
        && !column.identity
        && column.generated.is_none()
        && !serial
        && !column.primary_key
    {
        sink.emit(
            &ADDING_REQUIRED_COLUMN,
            format!(
                "adding NOT NULL column `{}` without a default fails if {table} has any row",
                column.name
            ),
            |d| {
                step.at(d).help(
                    "add a DEFAULT, or add the column nullable, backfill it, then SET NOT NULL",
                )
            },
        );
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn bad_example_as_printed() {
        insta::assert_snapshot!(crate::rules::rendered_example(
            &super::ADDING_REQUIRED_COLUMN
        ));
    }
}
