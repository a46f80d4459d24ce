//! `lock-held-during-slow-step`: its documentation (the source of `docs/rules/lock-held-during-slow-step.md` and
//! `migsafe explain lock-held-during-slow-step`) and the snapshot of its bad example as
//! `migsafe check` prints it. Its check is here; the `locking` pass ([`super`]) runs it on each
//! statement with the replayed schema's lock facts.

use super::Step;
use crate::engine::Sink;
use crate::report::Severity;
use crate::rules::{Category, Example, Rule, RuleId};

pub static LOCK_HELD_DURING_SLOW_STEP: Rule = Rule {
    id: RuleId::LockHeldDuringSlowStep,
    severity: Severity::Warning,
    category: Category::Locking,
    summary: "a scan, index build or rewrite of a table this transaction already holds ACCESS EXCLUSIVE on",
    what: "A statement that reads a whole table, builds an index on it or rewrites it, after an earlier \
statement of the same transaction (the same Prisma migration) took ACCESS EXCLUSIVE on that table.",
    why: "Locks are held until the transaction ends. Once any statement of the file has taken ACCESS \
EXCLUSIVE on the table — even an instant one, like `ADD COLUMN` — every later slow step runs while \
reads and writes of the table wait: a `CREATE INDEX` that alone would block only writes now blocks \
reads too.",
    bad: Example {
        migrations: &[(
            "20260105120000_add_phone",
            "ALTER TABLE \"users\" ADD COLUMN \"phone\" TEXT;\nCREATE INDEX \"users_phone_idx\" ON \"users\"(\"phone\");\n",
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

/// A scan, index build or rewrite of a table an earlier statement of the
/// same transaction took ACCESS EXCLUSIVE on.
pub(super) fn check(step: &Step<'_>, sink: &mut Sink<'_>) {
    if !step.one_tx {
        return;
    }
    for l in step.locks.iter().filter(|l| l.scan || l.rewrite) {
        if let Some(line) = step.tx.exclusive.get(&l.table) {
            let what = if l.rewrite {
                "rewrites"
            } else {
                "reads all of"
            };
            sink.emit(
                &LOCK_HELD_DURING_SLOW_STEP,
                format!(
                    "this statement {what} {} while the ACCESS EXCLUSIVE lock taken at line {line} is still held: reads and writes of {} wait until the migration ends",
                    l.table, l.table
                ),
                |d| {
                    step.at(d).label("slow step under ACCESS EXCLUSIVE").help(
                        "move this statement into a migration of its own (the lock of the earlier statement is held until the whole file commits)",
                    )
                },
            );
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn bad_example_as_printed() {
        insta::assert_snapshot!(crate::rules::rendered_example(
            &super::LOCK_HELD_DURING_SLOW_STEP
        ));
    }
}
