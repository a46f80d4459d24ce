//! `unparsable-statement`: its documentation (the source of `docs/rules/unparsable-statement.md` and
//! `migsafe explain unparsable-statement`) and the snapshot of its bad example as
//! `migsafe check` prints it. Its check is here; the `integrity` pass ([`super`]) runs it.

use crate::engine::{FileCtx, Sink};
use crate::report::Severity;
use crate::rules::{Category, Example, Rule, RuleId};

pub static UNPARSABLE_STATEMENT: Rule = Rule {
    id: RuleId::UnparsableStatement,
    severity: Severity::Warning,
    category: Category::Integrity,
    summary: "a statement the SQL parser cannot read; it is still classified from its tokens",
    what: "A statement that sqlparser (PostgreSQL dialect) does not read, such as `DO` blocks, `DROP \
INDEX CONCURRENTLY`, `ALTER TABLE … SET SCHEMA` or newer syntax. migsafe classifies it from its leading \
keywords and names (`DROP INDEX CONCURRENTLY IF EXISTS x` is still a `drop_index`), and looks inside \
`DO` bodies for DDL; the finding says what it concluded.",
    why: "A token-level reading knows the operation and its objects but not every detail (column types \
and defaults may be missing for replay). The warning tells you where migsafe's reading is shallower, \
so you can review those statements yourself or turn the rule off.",
    bad: Example {
        migrations: &[(
            "20260105120000_drop_idx",
            "-- @override-destructive\nDROP INDEX CONCURRENTLY IF EXISTS \"users_email_idx\";\n",
        )],
        config: "",
        checked: true,
    },
    good: Example {
        migrations: &[(
            "20260105120000_drop_idx",
            "-- @override-destructive\nDROP INDEX IF EXISTS \"users_email_idx\";\n",
        )],
        config: "",
        checked: true,
    },
};

/// A statement sqlparser cannot read (classified from its tokens).
pub(super) fn check(ctx: &FileCtx<'_>, sink: &mut Sink<'_>) {
    for s in &ctx.file.statements {
        if s.parsed {
            continue;
        }
        let Some(primary) = s.primary() else { continue };
        let err = s.parse_error.clone().unwrap_or_default();
        let objects = s.objects();
        let on = if objects.is_empty() {
            String::new()
        } else {
            format!(" on {}", objects.join(", "))
        };
        let end = ctx.first_line_end(s);
        sink.emit(
            &UNPARSABLE_STATEMENT,
            format!(
                "the SQL parser cannot read this statement; classified from its tokens as {} ({}){on}",
                primary.kind.name(),
                s.class()
            ),
            |d| {
                d.at(s.line, s.column)
                    .span_end(s.line, end)
                    .note(format!("parser: {err}"))
            },
        );
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn bad_example_as_printed() {
        insta::assert_snapshot!(crate::rules::rendered_example(&super::UNPARSABLE_STATEMENT));
    }
}
