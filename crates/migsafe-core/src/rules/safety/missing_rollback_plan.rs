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
    summary: "a dangerous statement with an override but no `@rollback-plan`, or one that is only a placeholder",
    what: "A dangerous statement (or, as configured in `[annotations] require-rollback-plan`, a statement \
of another class) whose override annotation has no `-- @rollback-plan: TEXT` next to it, in the \
statement's comment block or the file's leading block, or whose plan is not a plan: empty, a \
placeholder (`TODO`, `TBD`, `n/a`, `-`, `none`, `?`), a note still to be written (`TODO: …`), or only \
the words of the statement itself.",
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

/// The help for a statement with no usable plan; where SQL cannot undo the
/// statement, it names the roll-forward strategy.
fn help(step: &Step<'_>) -> String {
    let mut h = "add `-- @rollback-plan: <how to undo this>` above the statement".to_owned();
    if step.statement.rollback() == migsafe_classify::Rollback::Impossible {
        h.push_str(
            "; no SQL brings the data back, so say which backup to restore or how to fix forward, the roll-forward strategy (`migsafe rollback plan` prints what a fix-forward migration needs)",
        );
    }
    h
}

/// An overridden statement whose class needs a rollback plan, with none, or
/// with a placeholder (`TODO`, `n/a`, the statement repeated).
pub(super) fn check(step: &Step<'_>, sink: &mut Sink<'_>) {
    let class = step.class;
    if !class.needs_override() || !step.annotations.is_overridden() || !step.needs_plan {
        return;
    }
    let message = match step.annotations.plan() {
        None => format!(
            "{} is {class} and its override has no rollback plan",
            step.title()
        ),
        Some(plan) => {
            let Some(why) = migsafe_annotations::placeholder_plan(plan, step.sql()) else {
                return;
            };
            let shown: String = plan.chars().take(60).collect();
            format!(
                "{} is {class} and its rollback plan `{shown}` is not a plan: {why}",
                step.title()
            )
        }
    };
    sink.emit(&MISSING_ROLLBACK_PLAN, message, |d| {
        step.at(d)
            .label(format!("{class}: {}", step.primary.kind.reason()))
            .help(help(step))
    });
}

#[cfg(test)]
mod tests {
    #[test]
    fn bad_example_as_printed() {
        insta::assert_snapshot!(crate::rules::rendered_example(
            &super::MISSING_ROLLBACK_PLAN
        ));
    }

    fn findings(plan: &str) -> Vec<(String, String)> {
        let sql = format!(
            "-- @override-destructive\n-- @rollback-plan: {plan}\nALTER TABLE users DROP COLUMN old_field;\n"
        );
        let report = crate::validate_sources(
            vec![crate::MigrationSource::prisma("20260101000000_drop", &sql)],
            &crate::Config::default(),
        );
        report
            .diagnostics
            .iter()
            .map(|d| (d.rule.as_str().to_owned(), d.message.clone()))
            .collect()
    }

    #[test]
    fn a_placeholder_plan_is_a_missing_plan() {
        for plan in [
            "TODO",
            "TBD",
            "n/a",
            "-",
            "none",
            "?",
            "drop column old_field",
        ] {
            let f = findings(plan);
            assert!(
                f.iter()
                    .any(|(r, m)| r == "missing-rollback-plan" && m.contains("is not a plan")),
                "{plan:?}: {f:?}"
            );
        }
    }

    #[test]
    fn a_real_plan_passes_and_an_impossible_rollback_names_roll_forward() {
        assert!(
            findings("restore old_field from the pre-release backup")
                .iter()
                .all(|(r, _)| r != "missing-rollback-plan")
        );
        let report = crate::validate_sources(
            vec![crate::MigrationSource::prisma(
                "20260101000000_drop",
                "-- @override-destructive\n-- @rollback-plan: TODO\nDROP TABLE legacy;\n",
            )],
            &crate::Config::default(),
        );
        let d = report
            .diagnostics
            .iter()
            .find(|d| d.rule == "missing-rollback-plan")
            .expect("the placeholder is reported");
        assert!(
            d.help.as_deref().unwrap_or("").contains("roll-forward"),
            "{d:?}"
        );
        assert_eq!(report.exit_code(), 1);
    }
}
