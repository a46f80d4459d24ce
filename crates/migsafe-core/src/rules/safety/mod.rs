//! The release-safety rules: overrides, rollback plans, approvals.

mod missing_approval;
mod missing_override;
mod missing_rollback_plan;
mod unused_override;
pub use missing_approval::MISSING_APPROVAL;
pub use missing_override::MISSING_OVERRIDE;
pub use missing_rollback_plan::MISSING_ROLLBACK_PLAN;
pub use unused_override::UNUSED_OVERRIDE;

use crate::engine::{FileCtx, Sink};

fn first_override(ctx: &FileCtx<'_>) -> String {
    ctx.config
        .overrides
        .first()
        .cloned()
        .unwrap_or_else(|| "override-destructive".to_owned())
}

/// What a safety rule sees of one statement.
pub(super) struct Step<'a> {
    pub(super) ctx: &'a FileCtx<'a>,
    pub(super) index: usize,
    pub(super) statement: &'a migsafe_classify::Statement,
    pub(super) primary: &'a migsafe_classify::Operation,
    pub(super) class: migsafe_classify::Class,
    /// The annotations in force for it (its own and the file's).
    pub(super) annotations: &'a migsafe_annotations::Annotations,
    /// Its class needs a rollback plan (`[annotations] require-rollback-plan`).
    pub(super) needs_plan: bool,
    /// The override word to suggest.
    pub(super) word: &'a str,
    end: u32,
}

impl Step<'_> {
    pub(super) fn title(&self) -> String {
        self.primary.kind.title()
    }

    /// The statement's SQL as written.
    pub(super) fn sql(&self) -> &str {
        self.ctx.text.get(self.statement.span.clone()).unwrap_or("")
    }

    pub(super) fn at(&self, d: crate::report::Diagnostic) -> crate::report::Diagnostic {
        d.at(self.statement.line, self.statement.column)
            .span_end(self.statement.line, self.end)
    }
}

pub(crate) fn check(ctx: &FileCtx<'_>, sink: &mut Sink<'_>) {
    let word = first_override(ctx);
    let mut file_scope_used = false;
    for (i, s) in ctx.file.statements.iter().enumerate() {
        let Some(primary) = s.primary() else { continue };
        let class = s.class();
        let step = Step {
            ctx,
            index: i,
            statement: s,
            primary,
            class,
            annotations: &ctx.effective[i],
            needs_plan: ctx.config.require_rollback_plan.contains(&class),
            word: &word,
            end: ctx.first_line_end(s),
        };
        if class.needs_override() && !ctx.annotations.file.overrides.is_empty() {
            file_scope_used = true;
        }
        missing_override::check(&step, sink);
        missing_rollback_plan::check(&step, sink);
        missing_approval::check(&step, sink);
        unused_override::check(&step, sink);
    }
    if !file_scope_used {
        unused_override::check_file_scope(ctx, sink);
    }
}

pub(super) fn rollback_note(r: migsafe_classify::Rollback) -> &'static str {
    match r {
        migsafe_classify::Rollback::Simple => ": one statement undoes it",
        migsafe_classify::Rollback::Complex => {
            ": undoing it takes more than one statement (a saved definition, data moved back, or code deployed in step)"
        }
        migsafe_classify::Rollback::Impossible => ": only a backup brings the data back",
    }
}
