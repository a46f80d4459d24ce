//! `unterminated-literal`: its documentation (the source of `docs/rules/unterminated-literal.md` and
//! `migsafe explain unterminated-literal`) and the snapshot of its bad example as
//! `migsafe check` prints it. Its check is here; the `integrity` pass ([`super`]) runs it.

use crate::report::Severity;
use crate::rules::{Category, Example, Rule, RuleId};
use migsafe_classify::lex::LexErrorKind;

use crate::engine::{FileCtx, Sink};

pub static UNTERMINATED_LITERAL: Rule = Rule {
    id: RuleId::UnterminatedLiteral,
    severity: Severity::Error,
    category: Category::Integrity,
    summary: "a string, quoted name, dollar-quoted body or block comment that never ends",
    what: "A `'…'` string, `\"…\"` identifier, `$tag$ … $tag$` body or `/* … */` comment that is still \
open at the end of the file.",
    why: "Everything after the opening quote is swallowed into it: the statements that follow are not \
run (or the whole script fails), and a truncated file looks complete in review.",
    bad: Example {
        migrations: &[(
            "20260105120000_seed",
            "INSERT INTO settings (key) VALUES ('theme);\nCREATE INDEX settings_key_idx ON settings (key);\n",
        )],
        config: "",
        checked: true,
    },
    good: Example {
        migrations: &[(
            "20260105120000_seed",
            "INSERT INTO settings (key) VALUES ('theme');\nCREATE INDEX settings_key_idx ON settings (key);\n",
        )],
        config: "",
        checked: true,
    },
};

/// A literal, quoted name or comment the file ends inside.
pub(super) fn check(ctx: &FileCtx<'_>, sink: &mut Sink<'_>) {
    for e in &ctx.file.split.errors {
        let (line, column) = ctx.file.split.lines.line_col(ctx.text, e.start);
        let what = e.kind.describe();
        let closer = match &e.kind {
            LexErrorKind::UnterminatedString => "`'`".to_owned(),
            LexErrorKind::UnterminatedQuotedIdent => "`\"`".to_owned(),
            LexErrorKind::UnterminatedBlockComment => "`*/`".to_owned(),
            LexErrorKind::UnterminatedDollarQuote { tag } => format!("`${tag}$`"),
        };
        sink.emit(&UNTERMINATED_LITERAL, what.clone(), |d| {
            d.at(line, column)
                .span_end(line, column + 1)
                .label("starts here and runs to the end of the file")
                .note("every statement after this point is swallowed by it")
                .help(format!("close it with {closer}"))
        });
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn bad_example_as_printed() {
        insta::assert_snapshot!(crate::rules::rendered_example(&super::UNTERMINATED_LITERAL));
    }
}
