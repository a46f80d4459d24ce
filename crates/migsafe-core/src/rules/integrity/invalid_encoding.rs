//! `invalid-encoding`: its documentation (the source of `docs/rules/invalid-encoding.md` and
//! `migsafe explain invalid-encoding`) and the snapshot of its bad example as
//! `migsafe check` prints it. The check that raises it is the
//! `integrity` pass ([`super`]).

use crate::report::Severity;
use crate::rules::{Category, Example, Rule, RuleId};

pub static INVALID_ENCODING: Rule = Rule {
    id: RuleId::InvalidEncoding,
    severity: Severity::Error,
    category: Category::Integrity,
    summary: "a file that is not valid UTF-8",
    what: "A migration file containing bytes that are not UTF-8 (often a file saved as Latin-1 or \
UTF-16 by an editor). migsafe still checks the rest of the file with the bad bytes replaced.",
    why: "PostgreSQL reads the script as UTF-8: it rejects it, or stores mis-encoded text in your data.",
    bad: Example {
        migrations: &[(
            "20260105120000_seed",
            "INSERT INTO cities (name) VALUES ('Z\\xfcrich'); -- saved as Latin-1",
        )],
        config: "",
        checked: false,
    },
    good: Example {
        migrations: &[(
            "20260105120000_seed",
            "INSERT INTO cities (name) VALUES ('Zürich');\n",
        )],
        config: "",
        checked: true,
    },
};

#[cfg(test)]
mod tests {
    #[test]
    fn bad_example_as_printed() {
        insta::assert_snapshot!(crate::rules::rendered_example(&super::INVALID_ENCODING));
    }
}
