//! `unknown-annotation`: its documentation (the source of `docs/rules/unknown-annotation.md` and
//! `migsafe explain unknown-annotation`) and the snapshot of its bad example as
//! `migsafe check` prints it. Its check is here; the `annotations` pass ([`super`]) runs it.

use crate::report::Severity;
use crate::rules::{Category, Example, Rule, RuleId};
use migsafe_annotations::IssueKind;

use crate::engine::{FileCtx, Sink};

pub static UNKNOWN_ANNOTATION: Rule = Rule {
    id: RuleId::UnknownAnnotation,
    severity: Severity::Warning,
    category: Category::Annotations,
    summary: "an `@word` in a comment that is close to a known annotation: a likely typo",
    what: "A line comment starting with `@word` where the word is not an annotation but is within a few \
edits of one (`@overide-destructive`, `@rollback_plan`, `@destructive-override`). Other `@words` are \
left alone.",
    why: "A misspelt override does not allow anything: the statement under it is still reported as \
missing an override, and the author cannot see why. Saying what the word was probably meant to be \
turns a confusing error into a one-character fix.",
    bad: Example {
        migrations: &[(
            "20260101000000_drop_index",
            "-- @overide-destructive\nDROP INDEX idx_users_email;\n",
        )],
        config: "",
        checked: true,
    },
    good: Example {
        migrations: &[(
            "20260101000000_drop_index",
            "-- @override-destructive\nDROP INDEX idx_users_email;\n",
        )],
        config: "",
        checked: true,
    },
};

/// A comment annotation that is a likely typo of a known one.
pub(super) fn check(ctx: &FileCtx<'_>, sink: &mut Sink<'_>) {
    for issue in &ctx.annotations.issues {
        let pos = issue.pos;
        if let IssueKind::LikelyTypo { word, suggestion } = &issue.kind {
            sink.emit(
                &UNKNOWN_ANNOTATION,
                format!("unknown annotation `@{word}`"),
                |d| {
                    d.at(pos.line, pos.column)
                        .span_end(pos.line, pos.column + 1 + word.chars().count() as u32)
                        .label("not an annotation: it has no effect")
                        .help(format!("did you mean `@{suggestion}`?"))
                },
            );
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn bad_example_as_printed() {
        insta::assert_snapshot!(crate::rules::rendered_example(&super::UNKNOWN_ANNOTATION));
    }
}
