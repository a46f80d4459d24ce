//! `unterminated-literal`: its documentation (the source of `docs/rules/unterminated-literal.md` and
//! `migsafe explain unterminated-literal`) and the snapshot of its bad example as
//! `migsafe check` prints it. The check that raises it is the
//! `integrity` pass ([`super`]).

use crate::report::Severity;
use crate::rules::{Category, Example, Rule, RuleId};

pub static UNTERMINATED_LITERAL: Rule = Rule {
    id: RuleId::UnterminatedLiteral,
    severity: Severity::Error,
    category: Category::Integrity,
    summary: "a string, quoted name, dollar-quoted body or block comment that never ends",
    what: "A `'…'` string, `\"…\"` identifier, `$tag$ … $tag$` body or `/* … */` comment that is still \
open at the end of the file.",
    why: "Everything after the opening quote is swallowed into it: the statements that follow are not \
run (or the whole script fails), and a truncated file looks complete in review.",
    bad: Example {
        migrations: &[(
            "20260105120000_seed",
            "INSERT INTO settings (key) VALUES ('theme);\nCREATE INDEX settings_key_idx ON settings (key);\n",
        )],
        config: "",
        checked: true,
    },
    good: Example {
        migrations: &[(
            "20260105120000_seed",
            "INSERT INTO settings (key) VALUES ('theme');\nCREATE INDEX settings_key_idx ON settings (key);\n",
        )],
        config: "",
        checked: true,
    },
};

#[cfg(test)]
mod tests {
    #[test]
    fn bad_example_as_printed() {
        insta::assert_snapshot!(crate::rules::rendered_example(&super::UNTERMINATED_LITERAL));
    }
}
