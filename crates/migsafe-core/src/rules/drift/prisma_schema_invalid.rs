//! `prisma-schema-invalid`: its documentation (the source of `docs/rules/prisma-schema-invalid.md` and
//! `migsafe explain prisma-schema-invalid`) and the snapshot of its bad example as
//! `migsafe check` prints it. The check that raises it is the
//! `drift` pass ([`super`]).

use crate::report::Severity;
use crate::rules::{Category, Example, Rule, RuleId};

pub static PRISMA_SCHEMA_INVALID: Rule = Rule {
    id: RuleId::PrismaSchemaInvalid,
    severity: Severity::Error,
    category: Category::Drift,
    summary: "the Prisma schema does not validate",
    what: "A syntax or validation error in `schema.prisma` (or a folder of `.prisma` files), with the \
messages Prisma's validator prints: an unknown type, a duplicate field, a relation to an unknown \
model, a model without a unique criterion, …",
    why: "`prisma generate` and `prisma migrate` refuse an invalid schema: the build breaks, and no \
drift check can compare it with the migrations.",
    bad: Example {
        migrations: &[(
            "20260101000000_init",
            "-- schema.prisma: model User { id Int @id  posts Post[] }  // no model Post\n",
        )],
        config: "",
        checked: false,
    },
    good: Example {
        migrations: &[(
            "20260101000000_init",
            "CREATE TABLE \"User\" (\"id\" INTEGER NOT NULL);\n",
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
            &super::PRISMA_SCHEMA_INVALID
        ));
    }
}
