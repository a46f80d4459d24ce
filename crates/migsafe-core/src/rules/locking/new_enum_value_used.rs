//! `new-enum-value-used`: its documentation (the source of `docs/rules/new-enum-value-used.md` and
//! `migsafe explain new-enum-value-used`) and the snapshot of its bad example as
//! `migsafe check` prints it. Its check is here; the `locking` pass ([`super`]) runs it on each
//! statement with the replayed schema's lock facts.

use crate::report::Severity;
use crate::rules::{Category, Example, Rule, RuleId};
use migsafe_classify::OpKind;

use super::{Step, string_literals};
use crate::engine::Sink;

pub static NEW_ENUM_VALUE_USED: Rule = Rule {
    id: RuleId::NewEnumValueUsed,
    severity: Severity::Error,
    category: Category::Locking,
    summary: "an enum value added and used in the same transaction",
    what: "`ALTER TYPE … ADD VALUE 'v'` followed, in the same transaction (the same Prisma migration), by \
a statement that uses `'v'`: a default, an `UPDATE`, an `INSERT`, a check.",
    why: "PostgreSQL refuses to use an enum value before the transaction that added it commits (`unsafe \
use of new value`), and rolls the whole migration back. Add the value in one migration and use it in \
the next.",
    bad: Example {
        migrations: &[(
            "20260105120000_archived",
            "ALTER TYPE \"Status\" ADD VALUE 'ARCHIVED';\nALTER TABLE \"posts\" ALTER COLUMN \"status\" SET DEFAULT 'ARCHIVED';\n",
        )],
        config: "",
        checked: true,
    },
    good: Example {
        migrations: &[
            (
                "20260105120000_archived",
                "ALTER TYPE \"Status\" ADD VALUE 'ARCHIVED';\n",
            ),
            (
                "20260105120100_archived_default",
                "ALTER TABLE \"posts\" ALTER COLUMN \"status\" SET DEFAULT 'ARCHIVED';\n",
            ),
        ],
        config: "",
        checked: true,
    },
};

/// A value added to an enum, used later in the same transaction (adding
/// the same label to another enum is no use of it).
pub(super) fn check(step: &Step<'_>, sink: &mut Sink<'_>) {
    let s = step.statement;
    let enum_ddl = s.ops.iter().all(|o| {
        matches!(
            o.kind,
            OpKind::AddEnumValue { .. }
                | OpKind::RenameEnumValue { .. }
                | OpKind::CreateEnum { .. }
        )
    });
    if !step.one_tx || enum_ddl || step.tx.enum_values.is_empty() {
        return;
    }
    let text = step.migration.text.get(s.span.clone()).unwrap_or("");
    let literals = string_literals(text);
    for (ty, value, line) in &step.tx.enum_values {
        if *line < s.line && literals.iter().any(|l| l == value) {
            sink.emit(
                &NEW_ENUM_VALUE_USED,
                format!(
                    "'{value}' was added to enum {ty} at line {line} in this same transaction: PostgreSQL refuses to use it before that transaction commits"
                ),
                |d| {
                    step.at(d)
                        .note("unsafe use of new value: the whole migration is rolled back")
                        .help("add the value in one migration and use it in the next")
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
        insta::assert_snapshot!(crate::rules::rendered_example(&super::NEW_ENUM_VALUE_USED));
    }
}
