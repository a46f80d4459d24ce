//! `missing-approval`: its documentation (the source of `docs/rules/missing-approval.md` and
//! `migsafe explain missing-approval`) and the snapshot of its bad example as
//! `migsafe check` prints it. Its check is here; the `safety` pass ([`super`]) runs it on each
//! statement with the annotations in force.

use super::Step;
use crate::engine::Sink;
use crate::report::Severity;
use crate::rules::{Category, Example, Rule, RuleId};

pub static MISSING_APPROVAL: Rule = Rule {
    id: RuleId::MissingApproval,
    severity: Severity::Error,
    category: Category::Safety,
    summary: "an overridden statement without the `@approved-by` the config requires",
    what: "When `[annotations] require-approval` names a class (for example `[\"dangerous\"]`), every \
overridden statement of that class needs `-- @approved-by: NAME[, NAME]` in force. Off by default: \
with the default config nothing requires approval.",
    why: "The release-safety process asks for team-lead approval of contract changes and full-team \
approval of dangerous ones. Recording who approved in the migration itself puts the approval next to \
the change, in version control, where the audit trail can read it.",
    bad: Example {
        migrations: &[(
            "20260101000000_drop_sessions",
            "-- @override-destructive\n-- @rollback-plan: Sessions are recreated on the next login\nDROP TABLE sessions;\n",
        )],
        config: "[annotations]\nrequire-approval = [\"dangerous\"]",
        checked: true,
    },
    good: Example {
        migrations: &[(
            "20260101000000_drop_sessions",
            "-- @override-destructive\n-- @rollback-plan: Sessions are recreated on the next login\n-- @approved-by: alice, bob\nDROP TABLE sessions;\n",
        )],
        config: "[annotations]\nrequire-approval = [\"dangerous\"]",
        checked: true,
    },
};

/// An overridden statement whose class needs `@approved-by`, with none.
pub(super) fn check(step: &Step<'_>, sink: &mut Sink<'_>) {
    let class = step.class;
    if !class.needs_override()
        || !step.annotations.is_overridden()
        || !step.ctx.config.require_approval.contains(&class)
        || !step.annotations.approved_by.is_empty()
    {
        return;
    }
    sink.emit(
        &MISSING_APPROVAL,
        format!("{} is {class} and has no `@approved-by`", step.title()),
        |d| {
            step.at(d)
                .note(format!(
                    "migsafe.toml requires approval for {class} statements"
                ))
                .help("add `-- @approved-by: NAME` above the statement")
        },
    );
}

#[cfg(test)]
mod tests {
    #[test]
    fn bad_example_as_printed() {
        insta::assert_snapshot!(crate::rules::rendered_example(&super::MISSING_APPROVAL));
    }
}
