//! Rules about the annotations themselves.

use migsafe_annotations::IssueKind;

use super::{Category, Example, Rule, RuleId};
use crate::engine::{FileCtx, Sink};
use crate::report::Severity;

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

pub static INVALID_ANNOTATION: Rule = Rule {
    id: RuleId::InvalidAnnotation,
    severity: Severity::Warning,
    category: Category::Annotations,
    summary: "an annotation without its value, or one that applies to no statement",
    what: "`@rollback-plan:` or `@approved-by:` with nothing after the colon, and annotations after the \
last statement of a file, where no statement follows for them to apply to.",
    why: "An empty rollback plan is not a plan, and an annotation below the last statement is usually \
meant for a statement that was moved or deleted: either way the author believes something is \
recorded that is not.",
    bad: Example {
        migrations: &[(
            "20260101000000_drop_column",
            "-- @override-destructive\n-- @rollback-plan:\nALTER TABLE users DROP COLUMN legacy;\n",
        )],
        config: "",
        checked: true,
    },
    good: Example {
        migrations: &[(
            "20260101000000_drop_column",
            "-- @override-destructive\n-- @rollback-plan: Restore the column from the nightly backup\nALTER TABLE users DROP COLUMN legacy;\n",
        )],
        config: "",
        checked: true,
    },
};

pub(crate) fn check(ctx: &FileCtx<'_>, sink: &mut Sink<'_>) {
    for issue in &ctx.annotations.issues {
        let pos = issue.pos;
        match &issue.kind {
            IssueKind::LikelyTypo { word, suggestion } => sink.emit(
                &UNKNOWN_ANNOTATION,
                format!("unknown annotation `@{word}`"),
                |d| {
                    d.at(pos.line, pos.column)
                        .span_end(pos.line, pos.column + 1 + word.chars().count() as u32)
                        .label("not an annotation: it has no effect")
                        .help(format!("did you mean `@{suggestion}`?"))
                },
            ),
            IssueKind::EmptyValue { directive } => sink.emit(
                &INVALID_ANNOTATION,
                format!("`@{directive}` has no value"),
                |d| {
                    d.at(pos.line, pos.column)
                        .help(if *directive == "approved-by" {
                            "write the approvers after the colon: `-- @approved-by: alice, bob`"
                        } else {
                            "write the plan after the colon: `-- @rollback-plan: how to undo this`"
                        })
                },
            ),
            IssueKind::Orphan => sink.emit(
                &INVALID_ANNOTATION,
                "annotation after the last statement applies to nothing",
                |d| {
                    d.at(pos.line, pos.column)
                        .help("move it into the comment block above the statement it is meant for")
                },
            ),
        }
    }
}
