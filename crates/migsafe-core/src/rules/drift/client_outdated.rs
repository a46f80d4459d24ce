//! `client-outdated`: its documentation (the source of `docs/rules/client-outdated.md` and
//! `migsafe explain client-outdated`) and the snapshot of its bad example as
//! `migsafe check` prints it. The check that raises it is the
//! `drift` pass ([`super`]).

use crate::report::Severity;
use crate::rules::{Category, Example, Rule, RuleId};

pub static CLIENT_OUTDATED: Rule = Rule {
    id: RuleId::ClientOutdated,
    severity: Severity::Warning,
    category: Category::Drift,
    summary: "the generated Prisma Client was generated from another version of the schema",
    what: "The copy of the schema that `prisma generate` leaves next to the generated client (the \
generator's `output`, or `node_modules/.prisma/client/schema.prisma`) differs from the schema.",
    why: "The application's queries are built from the client: fields that exist in the schema but not \
in the client are invisible to the code, and removed ones are still queried.",
    bad: Example {
        migrations: &[(
            "20260101000000_init",
            "-- node_modules/.prisma/client/schema.prisma is older than prisma/schema.prisma\nSELECT 1;\n",
        )],
        config: "",
        checked: false,
    },
    good: Example {
        migrations: &[(
            "20260101000000_init",
            "-- `prisma generate` ran after the last schema change\nSELECT 1;\n",
        )],
        config: "",
        checked: true,
    },
};

#[cfg(test)]
mod tests {
    #[test]
    fn bad_example_as_printed() {
        insta::assert_snapshot!(crate::rules::rendered_example(&super::CLIENT_OUTDATED));
    }
}
