//! `missing-rollback-plan`: its documentation (the source of `docs/rules/missing-rollback-plan.md` and
//! `migsafe explain missing-rollback-plan`) and the snapshot of its bad example as
//! `migsafe check` prints it. Its check is here; the `safety` pass ([`super`]) runs it on each
//! statement with the annotations in force.

use super::Step;
use crate::engine::Sink;
use crate::report::Severity;
use crate::rules::{Category, Example, Rule, RuleId};

pub static MISSING_ROLLBACK_PLAN: Rule = Rule {
    id: RuleId::MissingRollbackPlan,
    severity: Severity::Error,
    category: Category::Safety,
    summary: "a dangerous statement with an override but no `@rollback-plan`",
    what: "A dangerous statement (or, as configured in `[annotations] require-rollback-plan`, a statement \
of another class) whose override annotation has no `-- @rollback-plan: TEXT` next to it, in the \
statement's comment block or the file's leading block.",
    why: "Dangerous changes cannot be undone by running the inverse statement: the data is gone. \
Whoever is on call when the release goes wrong needs to know, before it happens, how to get back: \
restore a backup, copy data from a shadow column, redeploy the old code. The plan belongs next to the \
statement it undoes.",
    bad: Example {
        migrations: &[(
            "20260101000000_drop_old_field",
            "-- @override-destructive\nALTER TABLE users DROP COLUMN old_field;\n",
        )],
        config: "",
        checked: true,
    },
    good: Example {
        migrations: &[(
            "20260101000000_drop_old_field",
            "-- @override-destructive\n-- @rollback-plan: 1) Create backup table, 2) Migrate data, 3) Verify, 4) Drop backup\nALTER TABLE users DROP COLUMN old_field;\n",
        )],
        config: "",
        checked: true,
    },
};

/// An overridden statement whose class needs a rollback plan, with none.
pub(super) fn check(step: &Step<'_>, sink: &mut Sink<'_>) {
    let class = step.class;
    if !class.needs_override()
        || !step.annotations.is_overridden()
        || !step.needs_plan
        || step.annotations.plan().is_some()
    {
        return;
    }
    sink.emit(
        &MISSING_ROLLBACK_PLAN,
        format!(
            "{} is {class} and its override has no rollback plan",
            step.title()
        ),
        |d| {
            step.at(d)
                .label(format!("{class}: {}", step.primary.kind.reason()))
                .help("add `-- @rollback-plan: <how to undo this>` above the statement")
        },
    );
}

#[cfg(test)]
mod tests {
    #[test]
    fn bad_example_as_printed() {
        insta::assert_snapshot!(crate::rules::rendered_example(
            &super::MISSING_ROLLBACK_PLAN
        ));
    }
}
