//! `provider-mismatch`: its documentation (the source of `docs/rules/provider-mismatch.md` and
//! `migsafe explain provider-mismatch`) and the snapshot of its bad example as
//! `migsafe check` prints it. The check that raises it is the
//! `drift` pass ([`super`]).

use crate::report::Severity;
use crate::rules::{Category, Example, Rule, RuleId};

pub static PROVIDER_MISMATCH: Rule = Rule {
    id: RuleId::ProviderMismatch,
    severity: Severity::Error,
    category: Category::Drift,
    summary: "`migration_lock.toml` names another provider than the schema's datasource",
    what: "The `provider` in `prisma/migrations/migration_lock.toml` differs from the `provider` of the \
schema's `datasource` block (`postgres` and `postgresql` are the same).",
    why: "The migrations were written for another database. Prisma refuses to apply them \
(`P3019`), and SQL written for one database does not run on another.",
    bad: Example {
        migrations: &[(
            "20260101000000_init",
            "-- migration_lock.toml: provider = \"mysql\"\n-- schema.prisma: datasource db { provider = \"postgresql\" }\nSELECT 1;\n",
        )],
        config: "",
        checked: false,
    },
    good: Example {
        migrations: &[(
            "20260101000000_init",
            "-- migration_lock.toml: provider = \"postgresql\"\nSELECT 1;\n",
        )],
        config: "",
        checked: true,
    },
};

#[cfg(test)]
mod tests {
    #[test]
    fn bad_example_as_printed() {
        insta::assert_snapshot!(crate::rules::rendered_example(&super::PROVIDER_MISMATCH));
    }
}
