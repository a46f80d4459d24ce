//! Rules about the annotations themselves.

mod invalid_annotation;
mod unknown_annotation;
pub use invalid_annotation::INVALID_ANNOTATION;
pub use unknown_annotation::UNKNOWN_ANNOTATION;

use migsafe_annotations::IssueKind;

use crate::engine::{FileCtx, Sink};

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
