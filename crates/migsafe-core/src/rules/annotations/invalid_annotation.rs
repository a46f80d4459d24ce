//! `invalid-annotation`: its documentation (the source of `docs/rules/invalid-annotation.md` and
//! `migsafe explain invalid-annotation`) and the snapshot of its bad example as
//! `migsafe check` prints it. Its check is here; the `annotations` pass ([`super`]) runs it.

use crate::report::Severity;
use crate::rules::{Category, Example, Rule, RuleId};
use migsafe_annotations::IssueKind;

use crate::engine::{FileCtx, Sink};

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

/// An annotation with no value, or one after the last statement.
pub(super) fn check(ctx: &FileCtx<'_>, sink: &mut Sink<'_>) {
    for issue in &ctx.annotations.issues {
        let pos = issue.pos;
        match &issue.kind {
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
            IssueKind::LikelyTypo { .. } => {}
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn bad_example_as_printed() {
        insta::assert_snapshot!(crate::rules::rendered_example(&super::INVALID_ANNOTATION));
    }
}
