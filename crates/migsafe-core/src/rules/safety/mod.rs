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

pub(crate) fn check(ctx: &FileCtx<'_>, sink: &mut Sink<'_>) {
    let word = first_override(ctx);
    let mut file_scope_used = false;
    for (i, s) in ctx.file.statements.iter().enumerate() {
        let class = s.class();
        let ann = &ctx.effective[i];
        let Some(primary) = s.primary() else { continue };
        let title = primary.kind.title();
        let end = ctx.first_line_end(s);
        let needs_plan = ctx.config.require_rollback_plan.contains(&class);
        if class.needs_override() {
            if !ctx.annotations.file.overrides.is_empty() {
                file_scope_used = true;
            }
            if !ann.is_overridden() {
                let others: Vec<String> = s
                    .restricted_ops()
                    .filter(|o| !std::ptr::eq(*o, primary))
                    .map(|o| o.kind.title())
                    .collect();
                let mut msg = format!("{title} is {class} and has no override annotation");
                if !others.is_empty() {
                    msg.push_str(&format!(
                        " (the statement also does: {})",
                        others.join(", ")
                    ));
                }
                let help = if needs_plan {
                    format!("add `-- @{word}` and `-- @rollback-plan: …` above the statement")
                } else {
                    format!("add `-- @{word}` above the statement")
                };
                let rollback = s.rollback();
                sink.emit(&MISSING_OVERRIDE, msg, |d| {
                    d.at(s.line, s.column)
                        .span_end(s.line, end)
                        .label(format!("{class}: {}", primary.kind.reason()))
                        .note(format!("rollback is {rollback}{}", rollback_note(rollback)))
                        .help(help)
                });
            } else if needs_plan && ann.plan().is_none() {
                sink.emit(
                    &MISSING_ROLLBACK_PLAN,
                    format!("{title} is {class} and its override has no rollback plan"),
                    |d| {
                        d.at(s.line, s.column)
                            .span_end(s.line, end)
                            .label(format!("{class}: {}", primary.kind.reason()))
                            .help("add `-- @rollback-plan: <how to undo this>` above the statement")
                    },
                );
            }
            if ann.is_overridden()
                && ctx.config.require_approval.contains(&class)
                && ann.approved_by.is_empty()
            {
                sink.emit(
                    &MISSING_APPROVAL,
                    format!("{title} is {class} and has no `@approved-by`"),
                    |d| {
                        d.at(s.line, s.column)
                            .span_end(s.line, end)
                            .note(format!(
                                "migsafe.toml requires approval for {class} statements"
                            ))
                            .help("add `-- @approved-by: NAME` above the statement")
                    },
                );
            }
        } else if let Some(o) = ctx
            .annotations
            .statements
            .get(i)
            .and_then(|a| a.overrides.first())
        {
            sink.emit(
                &UNUSED_OVERRIDE,
                format!("`@{}` has no effect: {title} is {class}", o.value),
                |d| d.at(o.pos.line, o.pos.column).help("remove the annotation"),
            );
        }
    }
    if !file_scope_used && let Some(o) = ctx.annotations.file.overrides.first() {
        sink.emit(
                &UNUSED_OVERRIDE,
                format!(
                    "file-scope `@{}` has no effect: no statement in this file is contract or dangerous",
                    o.value
                ),
                |d| {
                    d.at(o.pos.line, o.pos.column)
                        .note("a stale file-scope override would silently allow a destructive statement added later")
                        .help("remove the annotation")
                },
            );
    }
}

fn rollback_note(r: migsafe_classify::Rollback) -> &'static str {
    match r {
        migsafe_classify::Rollback::Simple => ": one statement undoes it",
        migsafe_classify::Rollback::Complex => {
            ": undoing it takes more than one statement (a saved definition, data moved back, or code deployed in step)"
        }
        migsafe_classify::Rollback::Impossible => ": only a backup brings the data back",
    }
}
