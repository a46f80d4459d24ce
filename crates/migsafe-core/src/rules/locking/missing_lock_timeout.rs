//! `missing-lock-timeout`: its documentation (the source of `docs/rules/missing-lock-timeout.md` and
//! `migsafe explain missing-lock-timeout`) and the snapshot of its bad example as
//! `migsafe check` prints it. Its check is here; the `locking` pass ([`super`]) runs it on each
//! statement with the replayed schema's lock facts.

use super::Step;
use crate::engine::Sink;
use crate::report::Severity;
use crate::rules::{Category, Example, Rule, RuleId};

pub static MISSING_LOCK_TIMEOUT: Rule = Rule {
    id: RuleId::MissingLockTimeout,
    severity: Severity::Warning,
    category: Category::Locking,
    summary: "a migration takes a lock that blocks writes on an existing table without setting `lock_timeout`",
    what: "The first statement of a migration that takes a lock blocking writes (SHARE or stronger; \
ACCESS EXCLUSIVE for most `ALTER TABLE`) on a table it did not create, when no `SET lock_timeout` \
comes before it in the file. Turn the rule off (`[rules] missing-lock-timeout = \"off\"`) when the \
migration role or the connection sets it.",
    why: "A lock request waits behind every transaction that holds a conflicting lock — a long report, \
an idle-in-transaction session — and while it waits, every later query on the table waits behind it. \
Even an instant `ALTER TABLE` then stops the table for as long as the oldest transaction runs. With \
`lock_timeout` the migration fails fast instead (and can be retried) while the application goes on.",
    bad: Example {
        migrations: &[(
            "20260105120000_add_phone",
            "ALTER TABLE \"users\" ADD COLUMN \"phone\" TEXT;\n",
        )],
        config: "",
        checked: true,
    },
    good: Example {
        migrations: &[(
            "20260105120000_add_phone",
            "SET lock_timeout = '5s';\nALTER TABLE \"users\" ADD COLUMN \"phone\" TEXT;\n",
        )],
        config: "",
        checked: true,
    },
};

/// The first statement of a file (with no `SET lock_timeout` before it)
/// that takes a lock blocking writes on a table this migration did not
/// create. `true` when it reported (once per file).
pub(super) fn check(step: &Step<'_>, sink: &mut Sink<'_>) -> bool {
    // A statement on a table this migration created is not one to warn
    // about (its foreign keys lock their parents only briefly).
    let on_new = step
        .statement
        .ops
        .iter()
        .filter_map(|o| o.kind.table())
        .any(|t| !step.existing(t));
    if on_new {
        return false;
    }
    let Some(l) = step
        .locks
        .iter()
        .find(|l| l.mode.blocks_writes() && !step.is_new_label(&l.table))
    else {
        return false;
    };
    let blocks = if l.mode.blocks_reads() {
        "reads and writes"
    } else {
        "writes"
    };
    sink.emit(
        &MISSING_LOCK_TIMEOUT,
        format!(
            "{} waits for {} on {} with no lock_timeout: while it waits, {blocks} of {} queue behind it",
            step.statement
                .primary()
                .map(|o| o.kind.title())
                .unwrap_or_default(),
            l.mode.as_sql(),
            l.table,
            l.table
        ),
        |d| {
            step.at(d).help(
                "start the migration with `SET lock_timeout = '5s';` (retry the deployment when it times out)",
            )
        },
    );
    true
}

#[cfg(test)]
mod tests {
    #[test]
    fn bad_example_as_printed() {
        insta::assert_snapshot!(crate::rules::rendered_example(&super::MISSING_LOCK_TIMEOUT));
    }
}
