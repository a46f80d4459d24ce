//! `concurrently-in-transaction`: its documentation (the source of `docs/rules/concurrently-in-transaction.md` and
//! `migsafe explain concurrently-in-transaction`) and the snapshot of its bad example as
//! `migsafe check` prints it. Its check is here; the `locking` pass ([`super`]) runs it on each
//! statement with the replayed schema's lock facts.

use crate::report::Severity;
use crate::rules::{Category, Example, Rule, RuleId};
use migsafe_classify::OpKind;

use super::Step;
use crate::engine::Sink;

pub static CONCURRENTLY_IN_TRANSACTION: Rule = Rule {
    id: RuleId::ConcurrentlyInTransaction,
    severity: Severity::Error,
    category: Category::Locking,
    summary: "a statement that cannot run inside a transaction (`… CONCURRENTLY`, `VACUUM`) where it is in one",
    what: "`CREATE INDEX CONCURRENTLY`, `DROP INDEX CONCURRENTLY`, `REINDEX … CONCURRENTLY`, `DETACH \
PARTITION … CONCURRENTLY` or `VACUUM` \
between `BEGIN` and `COMMIT`, or in a Prisma migration that has other statements too. Prisma sends a \
migration file as one multi-statement script, which PostgreSQL runs as one implicit transaction.",
    why: "PostgreSQL refuses with `cannot run inside a transaction block` and rolls the whole file back: \
the deployment stops at this migration, and none of its statements stay applied.",
    bad: Example {
        migrations: &[(
            "20260105120000_index_phone",
            "ALTER TABLE \"users\" ADD COLUMN \"phone\" TEXT;\nCREATE INDEX CONCURRENTLY \"users_phone_idx\" ON \"users\"(\"phone\");\n",
        )],
        config: "",
        checked: true,
    },
    good: Example {
        migrations: &[
            (
                "20260105120000_add_phone",
                "ALTER TABLE \"users\" ADD COLUMN \"phone\" TEXT;\n",
            ),
            (
                "20260105120100_index_phone",
                "CREATE INDEX CONCURRENTLY \"users_phone_idx\" ON \"users\"(\"phone\");\n",
            ),
        ],
        config: "",
        checked: true,
    },
};

/// A statement PostgreSQL refuses inside a transaction block, in one.
pub(super) fn check(step: &Step<'_>, op: &OpKind, sink: &mut Sink<'_>) {
    let refused = match op {
        OpKind::CreateIndex {
            concurrently: true, ..
        }
        | OpKind::DropIndex {
            concurrently: true, ..
        } => true,
        OpKind::Maintenance {
            what, concurrently, ..
        } => (what.starts_with("REINDEX") && *concurrently) || what.starts_with("VACUUM"),
        OpKind::DetachPartition {
            concurrently: true, ..
        } => true,
        _ => false,
    };
    if !refused || !step.one_tx {
        return;
    }
    let why = if step.in_tx {
        "it stands between BEGIN and COMMIT".to_owned()
    } else if step.migration.source.layout == crate::discover::Layout::Prisma {
        "Prisma runs this file's statements as one implicit transaction".to_owned()
    } else {
        format!(
            "{} runs this file's statements as one transaction",
            step.migration.source.layout.tool()
        )
    };
    sink.emit(
        &CONCURRENTLY_IN_TRANSACTION,
        format!("{} cannot run inside a transaction block: {why}", op.title()),
        |d| {
            step.at(d)
                .note("PostgreSQL rejects it and rolls the whole file back: the deployment stops at this migration")
                .help("move it into a migration of its own, with no other statement")
        },
    );
}

#[cfg(test)]
mod tests {
    #[test]
    fn bad_example_as_printed() {
        insta::assert_snapshot!(crate::rules::rendered_example(
            &super::CONCURRENTLY_IN_TRANSACTION
        ));
    }
}
