//! `validate-in-same-transaction`: its documentation (the source of `docs/rules/validate-in-same-transaction.md` and
//! `migsafe explain validate-in-same-transaction`) and the snapshot of its bad example as
//! `migsafe check` prints it. Its check is here; the `locking` pass ([`super`]) runs it on each
//! statement with the replayed schema's lock facts.

use crate::report::Severity;
use crate::rules::{Category, Example, Rule, RuleId};
use migsafe_classify::OpKind;

use super::{Step, qual};
use crate::engine::Sink;

pub static VALIDATE_IN_SAME_TRANSACTION: Rule = Rule {
    id: RuleId::ValidateInSameTransaction,
    severity: Severity::Warning,
    category: Category::Locking,
    summary: "a constraint added `NOT VALID` and validated in the same transaction",
    what: "`VALIDATE CONSTRAINT` of a constraint that the same transaction (the same Prisma migration) \
added `NOT VALID`.",
    why: "`NOT VALID` makes adding the constraint instant so that the validation can run later under a \
lock that lets writes through. In one transaction the `ADD`'s lock (ACCESS EXCLUSIVE for a check, SHARE \
ROW EXCLUSIVE for a foreign key) is held until the end, through the whole validation scan: the split \
buys nothing.",
    bad: Example {
        migrations: &[(
            "20260105120000_orders_fk",
            "ALTER TABLE \"orders\" ADD CONSTRAINT \"orders_user_id_fkey\" FOREIGN KEY (\"user_id\") REFERENCES \"users\"(\"id\") NOT VALID;\nALTER TABLE \"orders\" VALIDATE CONSTRAINT \"orders_user_id_fkey\";\n",
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

/// `VALIDATE CONSTRAINT` of a constraint the same transaction added `NOT
/// VALID`.
pub(super) fn check(step: &Step<'_>, op: &OpKind, sink: &mut Sink<'_>) {
    let OpKind::ValidateConstraint { table, name } = op else {
        return;
    };
    let key = (
        qual(table),
        migsafe_schema::names::truncate_identifier(name),
    );
    if step.one_tx && step.tx.not_valid.contains(&key) {
        sink.emit(
            &VALIDATE_IN_SAME_TRANSACTION,
            format!(
                "`{name}` was added NOT VALID in this same transaction: its lock is still held while VALIDATE scans {table}"
            ),
            |d| step.at(d).help("move `VALIDATE CONSTRAINT` into the next migration"),
        );
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn bad_example_as_printed() {
        insta::assert_snapshot!(crate::rules::rendered_example(
            &super::VALIDATE_IN_SAME_TRANSACTION
        ));
    }
}
