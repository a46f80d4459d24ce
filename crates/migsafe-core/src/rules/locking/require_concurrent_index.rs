//! `require-concurrent-index`: its documentation (the source of `docs/rules/require-concurrent-index.md` and
//! `migsafe explain require-concurrent-index`) and the snapshot of its bad example as
//! `migsafe check` prints it. Its check is here; the `locking` pass ([`super`]) runs it on each
//! statement with the replayed schema's lock facts.

use crate::report::Severity;
use crate::rules::{Category, Example, Rule, RuleId};
use migsafe_classify::OpKind;

use super::Step;
use crate::engine::Sink;

pub static REQUIRE_CONCURRENT_INDEX: Rule = Rule {
    id: RuleId::RequireConcurrentIndex,
    severity: Severity::Warning,
    category: Category::Locking,
    summary: "`CREATE INDEX` without `CONCURRENTLY` on an existing table blocks its writes",
    what: "`CREATE [UNIQUE] INDEX` or `REINDEX` without `CONCURRENTLY` on a table that this migration did \
not create.",
    why: "A plain `CREATE INDEX` holds a SHARE lock for the whole build: every `INSERT`, `UPDATE` and \
`DELETE` on the table waits, for minutes on a large table. `CONCURRENTLY` builds the index without \
blocking writes. It cannot run inside a transaction, so with Prisma it goes in a migration of its own.",
    bad: Example {
        migrations: &[(
            "20260105120000_index_email",
            "CREATE INDEX \"users_email_idx\" ON \"users\"(\"email\");\n",
        )],
        config: "",
        checked: true,
    },
    good: Example {
        migrations: &[(
            "20260105120000_index_email",
            "CREATE INDEX CONCURRENTLY \"users_email_idx\" ON \"users\"(\"email\");\n",
        )],
        config: "",
        checked: true,
    },
};

/// `CREATE INDEX` without `CONCURRENTLY`, `REINDEX` without it, on a table
/// this migration did not create.
pub(super) fn check(step: &Step<'_>, op: &OpKind, sink: &mut Sink<'_>) {
    match op {
        OpKind::CreateIndex {
            concurrently: false,
            table,
            name,
            ..
        } if step.existing(table) => {
            let what = name
                .clone()
                .map_or_else(|| "an index".to_owned(), |n| format!("index `{n}`"));
            sink.emit(
                &REQUIRE_CONCURRENT_INDEX,
                format!(
                    "creating {what} without CONCURRENTLY blocks writes to {table} while it builds"
                ),
                |d| {
                    step.at(d)
                        .label("SHARE lock held for the whole index build")
                        .help("use `CREATE INDEX CONCURRENTLY`, alone in its migration")
                },
            );
        }
        OpKind::Maintenance {
            what,
            concurrently: false,
            ..
        } if what.starts_with("REINDEX") => {
            if let Some(l) = step.locks.first()
                && !step.is_new_label(&l.table)
            {
                sink.emit(
                    &REQUIRE_CONCURRENT_INDEX,
                    format!(
                        "{what} without CONCURRENTLY blocks writes to {} while it rebuilds",
                        l.table
                    ),
                    |d| {
                        step.at(d)
                            .label("SHARE lock held for the whole rebuild")
                            .help("use `REINDEX … CONCURRENTLY`, alone in its migration")
                    },
                );
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn bad_example_as_printed() {
        insta::assert_snapshot!(crate::rules::rendered_example(
            &super::REQUIRE_CONCURRENT_INDEX
        ));
    }
}
