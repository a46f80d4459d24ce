//! `set-not-null-scan`: its documentation (the source of `docs/rules/set-not-null-scan.md` and
//! `migsafe explain set-not-null-scan`) and the snapshot of its bad example as
//! `migsafe check` prints it. Its check is here; the `locking` pass ([`super`]) runs it on each
//! statement with the replayed schema's lock facts.

use crate::report::Severity;
use crate::rules::{Category, Example, Rule, RuleId};
use migsafe_classify::OpKind;

use super::Step;
use crate::engine::Sink;

pub static SET_NOT_NULL_SCAN: Rule = Rule {
    id: RuleId::SetNotNullScan,
    severity: Severity::Warning,
    category: Category::Locking,
    summary: "`SET NOT NULL` scans the whole table under an ACCESS EXCLUSIVE lock, and fails on any NULL",
    what: "`ALTER TABLE … ALTER COLUMN … SET NOT NULL` on a table this migration did not create, unless the \
schema before it has a validated `CHECK (col IS NOT NULL)` on the column (PostgreSQL 12 and later).",
    why: "PostgreSQL reads every row to prove there is no NULL, holding a lock that blocks reads and \
writes. On a large table that is an outage; and if a NULL slipped in since the backfill, the migration \
fails in production. From PostgreSQL 12 on, a valid `CHECK (col IS NOT NULL)` lets it skip the scan: \
add the check `NOT VALID` in one migration, then `VALIDATE` it, `SET NOT NULL` and drop the check in \
the next.",
    bad: Example {
        migrations: &[(
            "20260105120000_email_required",
            "ALTER TABLE \"users\" ALTER COLUMN \"email\" SET NOT NULL;\n",
        )],
        config: "",
        checked: true,
    },
    good: Example {
        migrations: &[
            (
                "20260101000000_users",
                "CREATE TABLE \"users\" (\"id\" INTEGER PRIMARY KEY, \"email\" TEXT);\n",
            ),
            (
                "20260105120000_email_not_null_check",
                "ALTER TABLE \"users\" ADD CONSTRAINT \"users_email_not_null\" CHECK (\"email\" IS NOT NULL) NOT VALID;\n",
            ),
            (
                "20260105120100_email_required",
                "ALTER TABLE \"users\" VALIDATE CONSTRAINT \"users_email_not_null\";\nALTER TABLE \"users\" ALTER COLUMN \"email\" SET NOT NULL;\nALTER TABLE \"users\" DROP CONSTRAINT \"users_email_not_null\";\n",
            ),
        ],
        config: "",
        checked: true,
    },
};

/// `SET NOT NULL` that scans a table this migration did not create (no
/// validated `CHECK (col IS NOT NULL)` in the schema before it).
pub(super) fn check(step: &Step<'_>, op: &OpKind, sink: &mut Sink<'_>) {
    let OpKind::SetNotNull { table, column } = op else {
        return;
    };
    if step.existing(table) && step.lock_on(table).is_some_and(|l| l.scan) {
        sink.emit(
            &SET_NOT_NULL_SCAN,
            format!("SET NOT NULL on `{column}` scans all of {table} under an ACCESS EXCLUSIVE lock"),
            |d| {
                step.at(d).label("fails if any row is NULL").help(format!(
                    "add `CONSTRAINT … CHECK (\"{column}\" IS NOT NULL) NOT VALID` in one migration; in the next, VALIDATE it, SET NOT NULL (no scan then, PostgreSQL 12+) and drop the check"
                ))
            },
        );
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn bad_example_as_printed() {
        insta::assert_snapshot!(crate::rules::rendered_example(&super::SET_NOT_NULL_SCAN));
    }
}
