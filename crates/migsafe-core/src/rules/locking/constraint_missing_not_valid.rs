//! `constraint-missing-not-valid`: its documentation (the source of `docs/rules/constraint-missing-not-valid.md` and
//! `migsafe explain constraint-missing-not-valid`) and the snapshot of its bad example as
//! `migsafe check` prints it. Its check is here; the `locking` pass ([`super`]) runs it on each
//! statement with the replayed schema's lock facts.

use crate::report::Severity;
use crate::rules::{Category, Example, Rule, RuleId};
use migsafe_classify::OpKind;
use migsafe_classify::ir::ConstraintKind;
use migsafe_schema::locks::LockMode;

use super::Step;
use crate::engine::Sink;

pub static CONSTRAINT_MISSING_NOT_VALID: Rule = Rule {
    id: RuleId::ConstraintMissingNotValid,
    severity: Severity::Warning,
    category: Category::Locking,
    summary: "a foreign key or check added to an existing table without `NOT VALID`",
    what: "`ALTER TABLE … ADD CONSTRAINT … FOREIGN KEY` or `CHECK` without `NOT VALID`, or `ADD COLUMN` \
with an inline `CHECK` (or a `REFERENCES` and a default), on a table this migration did not create.",
    why: "Adding the constraint validates every existing row while holding a lock that blocks writes \
(SHARE ROW EXCLUSIVE for a foreign key, on both tables; ACCESS EXCLUSIVE for a check). Adding it \
`NOT VALID` is instant; `VALIDATE CONSTRAINT` scans the table under SHARE UPDATE EXCLUSIVE, which \
lets reads and writes through — in a later migration: in the same file (one transaction) the lock \
the `ADD` took is still held while `VALIDATE` scans.",
    bad: Example {
        migrations: &[(
            "20260105120000_orders_fk",
            "ALTER TABLE \"orders\" ADD CONSTRAINT \"orders_user_id_fkey\" FOREIGN KEY (\"user_id\") REFERENCES \"users\"(\"id\");\n",
        )],
        config: "",
        checked: true,
    },
    good: Example {
        migrations: &[
            (
                "20260105120000_orders_fk",
                "ALTER TABLE \"orders\" ADD CONSTRAINT \"orders_user_id_fkey\" FOREIGN KEY (\"user_id\") REFERENCES \"users\"(\"id\") NOT VALID;\n",
            ),
            (
                "20260105120100_orders_fk_validate",
                "ALTER TABLE \"orders\" VALIDATE CONSTRAINT \"orders_user_id_fkey\";\n",
            ),
        ],
        config: "",
        checked: true,
    },
};

/// A foreign key or check added without `NOT VALID` to a table this
/// migration did not create.
pub(super) fn check(step: &Step<'_>, op: &OpKind, sink: &mut Sink<'_>) {
    // `ADD COLUMN … CHECK (…)`, or `REFERENCES` with a default: checked
    // on every row, under the column's ACCESS EXCLUSIVE lock.
    if let OpKind::AddColumn { table, column, .. } = op
        && step.existing(table)
        && (column.check.is_some() || (column.references.is_some() && column.default.is_some()))
        && step.lock_on(table).is_some_and(|l| l.scan)
    {
        let what = if column.check.is_some() {
            "a check"
        } else {
            "a foreign key"
        };
        sink.emit(
            &CONSTRAINT_MISSING_NOT_VALID,
            format!(
                "adding column `{}` with {what} checks every row of {table} under an ACCESS EXCLUSIVE lock",
                column.name
            ),
            |d| {
                step.at(d).help(
                    "add the column without it; add the constraint with `ADD CONSTRAINT … NOT VALID`, and VALIDATE it in the next migration",
                )
            },
        );
        return;
    }
    let OpKind::AddConstraint {
        table,
        constraint,
        not_valid: false,
    } = op
    else {
        return;
    };
    if !matches!(
        constraint.kind,
        ConstraintKind::ForeignKey(_) | ConstraintKind::Check { .. }
    ) || !step.existing(table)
    {
        return;
    }
    let mode = step
        .lock_on(table)
        .map_or(LockMode::AccessExclusiveLock, |l| l.mode);
    let validate = match &constraint.name {
        Some(n) => format!("`ALTER TABLE {table} VALIDATE CONSTRAINT \"{n}\";`"),
        None => "`VALIDATE CONSTRAINT` (name the constraint to validate it by name)".to_owned(),
    };
    let shown = constraint
        .name
        .clone()
        .map_or_else(String::new, |n| format!(" `{n}`"));
    sink.emit(
        &CONSTRAINT_MISSING_NOT_VALID,
        format!(
            "adding {}{shown} checks every row of {table} under a {} lock",
            constraint.kind.label(),
            mode.as_sql()
        ),
        |d| {
            step.at(d).help(format!(
                "add it with `NOT VALID` here, and run {validate} in the next migration (not this one: the lock taken here is held to the end of the file)"
            ))
        },
    );
}

#[cfg(test)]
mod tests {
    #[test]
    fn bad_example_as_printed() {
        insta::assert_snapshot!(crate::rules::rendered_example(
            &super::CONSTRAINT_MISSING_NOT_VALID
        ));
    }
}
