//! `add-column-rewrite`: its documentation (the source of `docs/rules/add-column-rewrite.md` and
//! `migsafe explain add-column-rewrite`) and the snapshot of its bad example as
//! `migsafe check` prints it. Its check is here; the `locking` pass ([`super`]) runs it on each
//! statement with the replayed schema's lock facts.

use crate::report::Severity;
use crate::rules::{Category, Example, Rule, RuleId};
use migsafe_classify::OpKind;

use super::Step;
use crate::engine::Sink;

pub static ADD_COLUMN_REWRITE: Rule = Rule {
    id: RuleId::AddColumnRewrite,
    severity: Severity::Warning,
    category: Category::Locking,
    summary: "a column added with a volatile default, serial or identity rewrites the whole table",
    what: "`ADD COLUMN` on an existing table whose default is volatile (`gen_random_uuid()`, \
`random()`, `clock_timestamp()`, `nextval(…)`), or whose type is `SERIAL`, or that is an identity or \
stored generated column.",
    why: "Since PostgreSQL 11 a constant default is stored once and the table is not touched. A \
volatile default has to be computed for every row, so the table is rewritten under an ACCESS \
EXCLUSIVE lock: no reads, no writes, for as long as the rewrite takes.",
    bad: Example {
        migrations: &[(
            "20260105120000_add_uuid",
            "ALTER TABLE \"users\" ADD COLUMN \"public_id\" UUID NOT NULL DEFAULT gen_random_uuid();\n",
        )],
        config: "",
        checked: true,
    },
    good: Example {
        migrations: &[(
            "20260105120000_add_uuid",
            "ALTER TABLE \"users\" ADD COLUMN \"public_id\" UUID;\n-- backfill in batches from the application, then:\n-- ALTER TABLE \"users\" ALTER COLUMN \"public_id\" SET DEFAULT gen_random_uuid();\n",
        )],
        config: "",
        checked: true,
    },
};

/// `ADD COLUMN` that rewrites a table this migration did not create (the
/// lock facts say so: a volatile default, a serial, an identity, a
/// generated column, any default before PostgreSQL 11).
pub(super) fn check(step: &Step<'_>, op: &OpKind, sink: &mut Sink<'_>) {
    let OpKind::AddColumn { table, column, .. } = op else {
        return;
    };
    if !step.existing(table) || !step.lock_on(table).is_some_and(|l| l.rewrite) {
        return;
    }
    let why = if migsafe_schema::types::is_serial(&column.data_type) {
        "a SERIAL column takes its values from a sequence, row by row".to_owned()
    } else if column.identity {
        "an identity column is filled row by row".to_owned()
    } else if column.generated.is_some() {
        "a stored generated column is computed row by row".to_owned()
    } else if step.version < 11 {
        "before PostgreSQL 11 every default is written into every row".to_owned()
    } else {
        format!(
            "its default `{}` is volatile (evaluated for every row)",
            column.default.clone().unwrap_or_default()
        )
    };
    sink.emit(
        &ADD_COLUMN_REWRITE,
        format!(
            "adding column `{}` rewrites {table} under an ACCESS EXCLUSIVE lock: {why}",
            column.name
        ),
        |d| {
            step.at(d).help(
                "add the column without a default, backfill it in batches, then set the default",
            )
        },
    );
}

#[cfg(test)]
mod tests {
    /// In an `ALTER TABLE` of several actions, the finding points at the
    /// action that rewrites.
    #[test]
    fn points_at_the_action() {
        let report = crate::validate_sources(
            vec![crate::MigrationSource::prisma(
                "20260101000000_two",
                "SET lock_timeout = '5s';\nALTER TABLE \"users\"\n  ADD COLUMN \"a\" INTEGER,\n  ADD COLUMN \"b\" UUID DEFAULT gen_random_uuid();\n",
            )],
            &crate::Config::default(),
        );
        let d = report
            .diagnostics
            .iter()
            .find(|d| d.rule == super::ADD_COLUMN_REWRITE.id)
            .expect("a finding");
        assert_eq!(
            (d.line, d.column, d.end_column),
            (Some(4), Some(3), Some(48))
        );
    }

    #[test]
    fn bad_example_as_printed() {
        insta::assert_snapshot!(crate::rules::rendered_example(&super::ADD_COLUMN_REWRITE));
    }
}
