//! `table-rewrite`: its documentation (the source of `docs/rules/table-rewrite.md` and
//! `migsafe explain table-rewrite`) and the snapshot of its bad example as
//! `migsafe check` prints it. Its check is here; the `locking` pass ([`super`]) runs it on each
//! statement with the replayed schema's lock facts.

use crate::report::Severity;
use crate::rules::{Category, Example, Rule, RuleId};
use migsafe_classify::OpKind;

use super::{Step, rewrite_help};
use crate::engine::Sink;

pub static TABLE_REWRITE: Rule = Rule {
    id: RuleId::TableRewrite,
    severity: Severity::Warning,
    category: Category::Locking,
    summary: "a statement rewrites a whole existing table under ACCESS EXCLUSIVE",
    what: "A statement that writes the table anew while holding ACCESS EXCLUSIVE: `ALTER COLUMN … TYPE` \
to a type that is not binary compatible with the old one (judged from the column's type before the \
migration: `varchar(10)` → `varchar(20)` or `text` is free, `int` → `bigint` is not), `SET LOGGED` / \
`UNLOGGED`, `SET TABLESPACE`, `VACUUM FULL`, `CLUSTER`, `REFRESH MATERIALIZED VIEW` without \
`CONCURRENTLY`.",
    why: "The table is copied row by row, and its indexes rebuilt, while neither reads nor writes get \
through: minutes on a large table. For a type change, add a new column, backfill it in batches, and \
switch over in later migrations; for maintenance, use `pg_repack` or `REINDEX CONCURRENTLY`.",
    bad: Example {
        migrations: &[
            (
                "20260105120000_orders",
                "CREATE TABLE \"orders\" (\"id\" INTEGER PRIMARY KEY, \"total\" INTEGER);\n",
            ),
            (
                "20260105120100_bigger_total",
                "ALTER TABLE \"orders\" ALTER COLUMN \"total\" TYPE BIGINT;\n",
            ),
        ],
        config: "",
        checked: true,
    },
    good: Example {
        migrations: &[
            (
                "20260105120000_orders",
                "CREATE TABLE \"orders\" (\"id\" INTEGER PRIMARY KEY, \"note\" VARCHAR(10));\n",
            ),
            (
                "20260105120100_longer_note",
                "SET lock_timeout = '5s';\nALTER TABLE \"orders\" ALTER COLUMN \"note\" TYPE VARCHAR(200);\n",
            ),
        ],
        config: "",
        checked: true,
    },
};

/// A rewrite of a table this migration did not create, other than `ADD
/// COLUMN`'s (its own rule) and `TRUNCATE`'s (instant: the table is
/// emptied).
pub(super) fn check(step: &Step<'_>, op: &OpKind, sink: &mut Sink<'_>) {
    if matches!(op, OpKind::AddColumn { .. } | OpKind::Truncate { .. }) {
        return;
    }
    let rewritten = match op.table() {
        Some(t) if step.existing(t) => step.lock_on(t).filter(|l| l.rewrite),
        Some(_) => None,
        // `VACUUM FULL`, `CLUSTER`, `REFRESH`: the relation they name.
        None if matches!(op, OpKind::Maintenance { .. }) => step
            .locks
            .iter()
            .find(|l| l.rewrite && !step.is_new_label(&l.table)),
        None => None,
    };
    if let Some(l) = rewritten {
        sink.emit(
            &TABLE_REWRITE,
            format!(
                "{} rewrites {} under {}: reads and writes wait until every row is copied",
                op.title(),
                l.table,
                l.mode.as_sql()
            ),
            |d| step.at(d).help(rewrite_help(op)),
        );
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn bad_example_as_printed() {
        insta::assert_snapshot!(crate::rules::rendered_example(&super::TABLE_REWRITE));
    }
}
