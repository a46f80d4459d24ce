//! `unused-override`: its documentation (the source of `docs/rules/unused-override.md` and
//! `migsafe explain unused-override`) and the snapshot of its bad example as
//! `migsafe check` prints it. Its check is here; the `safety` pass ([`super`]) runs it on each
//! statement with the annotations in force.

use super::Step;
use crate::engine::{FileCtx, Sink};
use crate::report::Severity;
use crate::rules::{Category, Example, Rule, RuleId};

pub static UNUSED_OVERRIDE: Rule = Rule {
    id: RuleId::UnusedOverride,
    severity: Severity::Info,
    category: Category::Safety,
    summary: "an override annotation on statements that do not need one",
    what: "An override annotation above an expand or neutral statement, or a file-scope override in a \
file with no contract or dangerous statement.",
    why: "An override that allows nothing is noise today and a trap tomorrow: when someone later adds a \
destructive statement to the file, a stale file-scope override silently allows it.",
    bad: Example {
        migrations: &[(
            "20260101000000_add_index",
            "-- @override-destructive\nCREATE INDEX users_email_idx ON users (email);\n",
        )],
        config: "",
        checked: true,
    },
    good: Example {
        migrations: &[(
            "20260101000000_add_index",
            "CREATE INDEX users_email_idx ON users (email);\n",
        )],
        config: "",
        checked: true,
    },
};

/// An override on a statement that needs none.
pub(super) fn check(step: &Step<'_>, sink: &mut Sink<'_>) {
    if step.class.needs_override() {
        return;
    }
    let Some(o) = step
        .ctx
        .annotations
        .statements
        .get(step.index)
        .and_then(|a| a.overrides.first())
    else {
        return;
    };
    sink.emit(
        &UNUSED_OVERRIDE,
        format!(
            "`@{}` has no effect: {} is {}",
            o.value,
            step.title(),
            step.class
        ),
        |d| d.at(o.pos.line, o.pos.column).help("remove the annotation"),
    );
}

/// A file-scope override in a file with no contract or dangerous
/// statement.
pub(super) fn check_file_scope(ctx: &FileCtx<'_>, sink: &mut Sink<'_>) {
    let Some(o) = ctx.annotations.file.overrides.first() else {
        return;
    };
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

#[cfg(test)]
mod tests {
    #[test]
    fn bad_example_as_printed() {
        insta::assert_snapshot!(crate::rules::rendered_example(&super::UNUSED_OVERRIDE));
    }
}
