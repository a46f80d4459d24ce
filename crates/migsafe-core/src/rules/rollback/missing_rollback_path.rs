//! `missing-rollback-path`: its documentation (the source of `docs/rules/missing-rollback-path.md` and
//! `migsafe explain missing-rollback-path`) and the snapshot of its bad example as
//! `migsafe check` prints it. The check that raises it is the
//! `rollback` pass ([`super`]).

use crate::report::Severity;
use crate::rules::{Category, Example, Rule, RuleId};

pub static MISSING_ROLLBACK_PATH: Rule = Rule {
    id: RuleId::MissingRollbackPath,
    severity: Severity::Error,
    category: Category::Rollback,
    summary: "a statement that needs a rollback plan and has no way back: no down script, no `@rollback-plan`, no derivable inverse",
    what: "`migsafe rollback-check`: a statement of a class that needs a rollback plan (dangerous by \
default; `[annotations] require-rollback-plan` in `migsafe.toml`), in a migration without a down \
script, that migsafe cannot undo with a statement it derives itself and that has no \
`-- @rollback-plan: …`. Under `migsafe check` the same statements are reported once, by \
`missing-override` or `missing-rollback-plan`.",
    why: "The release-safety process guarantees a rollback path for every migration. When a release has \
to be rolled back at 3 a.m., the path must already be written down: a down script, or a plan next to \
the statement that has no mechanical inverse.",
    bad: Example {
        migrations: &[(
            "20260105120000_drop_legacy",
            "-- @override-destructive\nDROP TABLE \"legacy_reports\";\n",
        )],
        config: "",
        checked: true,
    },
    good: Example {
        migrations: &[(
            "20260105120000_drop_legacy",
            "-- @override-destructive\n-- @rollback-plan: restore legacy_reports from the pre-release backup\nDROP TABLE \"legacy_reports\";\n",
        )],
        config: "",
        checked: true,
    },
};

#[cfg(test)]
mod tests {
    #[test]
    fn bad_example_as_printed() {
        insta::assert_snapshot!(crate::rules::rendered_example(
            &super::MISSING_ROLLBACK_PATH
        ));
    }
}
