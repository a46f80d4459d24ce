//! `unused-override`: its documentation (the source of `docs/rules/unused-override.md` and
//! `migsafe explain unused-override`) and the snapshot of its bad example as
//! `migsafe check` prints it. The check that raises it is the
//! `safety` pass ([`super`]).

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

#[cfg(test)]
mod tests {
    #[test]
    fn bad_example_as_printed() {
        insta::assert_snapshot!(crate::rules::rendered_example(&super::UNUSED_OVERRIDE));
    }
}
