//! `out-of-order-migration`: its documentation (the source of `docs/rules/out-of-order-migration.md` and
//! `migsafe explain out-of-order-migration`) and the snapshot of its bad example as
//! `migsafe check` prints it. The check that raises it is the
//! `workflow` pass ([`super`]).

use crate::report::Severity;
use crate::rules::{Category, Example, Rule, RuleId};

pub static OUT_OF_ORDER_MIGRATION: Rule = Rule {
    id: RuleId::OutOfOrderMigration,
    severity: Severity::Warning,
    category: Category::Workflow,
    summary: "a new migration whose timestamp sorts before an existing one (the merge race)",
    what: "With `--since REF`: a migration added since REF whose name sorts before the newest migration \
that already existed at REF. It happens when two branches each add a migration and the older one \
merges last.",
    why: "Databases that already ran the newer migration will run this one after it, while a fresh \
database runs it before: two orders, possibly two different schemas. Prisma refuses to apply it on a \
database with later history.",
    bad: Example {
        migrations: &[
            (
                "20260301000000_add_email",
                "-- already on main\nALTER TABLE users ADD COLUMN email text;\n",
            ),
            (
                "20260215000000_add_phone",
                "-- new on this branch, older timestamp\nALTER TABLE users ADD COLUMN phone text;\n",
            ),
        ],
        config: "",
        checked: false,
    },
    good: Example {
        migrations: &[
            (
                "20260301000000_add_email",
                "ALTER TABLE users ADD COLUMN email text;\n",
            ),
            (
                "20260302000000_add_phone",
                "ALTER TABLE users ADD COLUMN phone text;\n",
            ),
        ],
        config: "",
        checked: true,
    },
};

#[cfg(test)]
mod tests {
    #[test]
    fn bad_example_as_printed() {
        insta::assert_snapshot!(crate::rules::rendered_example(
            &super::OUT_OF_ORDER_MIGRATION
        ));
    }
}
