//! `constraint-builds-index`: its documentation (the source of `docs/rules/constraint-builds-index.md` and
//! `migsafe explain constraint-builds-index`) and the snapshot of its bad example as
//! `migsafe check` prints it. Its check is here; the `locking` pass ([`super`]) runs it on each
//! statement with the replayed schema's lock facts.

use crate::report::Severity;
use crate::rules::{Category, Example, Rule, RuleId};
use migsafe_classify::OpKind;
use migsafe_classify::ir::ConstraintKind;

use super::Step;
use crate::engine::Sink;

pub static CONSTRAINT_BUILDS_INDEX: Rule = Rule {
    id: RuleId::ConstraintBuildsIndex,
    severity: Severity::Warning,
    category: Category::Locking,
    summary: "`ADD PRIMARY KEY` / `UNIQUE` / `EXCLUDE` on an existing table builds its index under ACCESS EXCLUSIVE",
    what: "`ALTER TABLE … ADD PRIMARY KEY`, `ADD UNIQUE`, `ADD EXCLUDE`, or `ADD COLUMN … UNIQUE | PRIMARY \
KEY`, on a table this migration did not create, without `USING INDEX`.",
    why: "The constraint's index is built while the table is locked ACCESS EXCLUSIVE: neither reads nor \
writes get through for the whole build. Build the index with `CREATE UNIQUE INDEX CONCURRENTLY` in a \
migration of its own, then attach it in the next: `ADD CONSTRAINT … UNIQUE USING INDEX …` (or `PRIMARY \
KEY USING INDEX`, once the columns are `NOT NULL`), which is instant.",
    bad: Example {
        migrations: &[(
            "20260105120000_unique_email",
            "ALTER TABLE \"users\" ADD CONSTRAINT \"users_email_key\" UNIQUE (\"email\");\n",
        )],
        config: "",
        checked: true,
    },
    good: Example {
        migrations: &[
            (
                "20260105120000_unique_email_index",
                "CREATE UNIQUE INDEX CONCURRENTLY \"users_email_key\" ON \"users\"(\"email\");\n",
            ),
            (
                "20260105120100_unique_email",
                "SET lock_timeout = '5s';\nALTER TABLE \"users\" ADD CONSTRAINT \"users_email_key\" UNIQUE USING INDEX \"users_email_key\";\n",
            ),
        ],
        config: "",
        checked: true,
    },
};

/// A key, unique or exclusion constraint whose index is built under
/// ACCESS EXCLUSIVE on a table this migration did not create.
pub(super) fn check(step: &Step<'_>, op: &OpKind, sink: &mut Sink<'_>) {
    match op {
        OpKind::AddConstraint {
            table, constraint, ..
        } if step.existing(table)
            && matches!(
                constraint.kind,
                ConstraintKind::PrimaryKey { .. }
                    | ConstraintKind::Unique { .. }
                    | ConstraintKind::Exclude
            ) =>
        {
            sink.emit(
                &CONSTRAINT_BUILDS_INDEX,
                format!(
                    "adding {} to {table} builds its index under ACCESS EXCLUSIVE: reads and writes wait for the whole build",
                    constraint.kind.label()
                ),
                |d| {
                    step.at(d).help(
                        "first `CREATE UNIQUE INDEX CONCURRENTLY` in a migration of its own, then `ADD CONSTRAINT … UNIQUE USING INDEX …` (or `PRIMARY KEY USING INDEX`) in the next",
                    )
                },
            );
        }
        OpKind::AddColumn { table, column, .. }
            if step.existing(table) && (column.unique || column.primary_key) =>
        {
            sink.emit(
                &CONSTRAINT_BUILDS_INDEX,
                format!(
                    "adding column `{}` with {} builds an index on {table} under ACCESS EXCLUSIVE",
                    column.name,
                    if column.primary_key { "PRIMARY KEY" } else { "UNIQUE" }
                ),
                |d| {
                    step.at(d).help(
                        "add the column plain, then `CREATE UNIQUE INDEX CONCURRENTLY` in a migration of its own and `ADD CONSTRAINT … USING INDEX` in the next",
                    )
                },
            );
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn bad_example_as_printed() {
        insta::assert_snapshot!(crate::rules::rendered_example(
            &super::CONSTRAINT_BUILDS_INDEX
        ));
    }
}
