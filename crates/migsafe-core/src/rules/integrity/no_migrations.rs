//! `no-migrations`: its documentation (the source of `docs/rules/no-migrations.md` and
//! `migsafe explain no-migrations`) and the snapshot of its bad example as
//! `migsafe check` prints it. The check that raises it is the
//! `integrity` pass ([`super`]).

use crate::report::Severity;
use crate::rules::{Category, Example, Rule, RuleId};

pub static NO_MIGRATIONS: Rule = Rule {
    id: RuleId::NoMigrations,
    severity: Severity::Warning,
    category: Category::Integrity,
    summary: "a migrations directory with no migration in it",
    what: "A directory given on the command line (or in `migsafe.toml`) that holds neither Prisma \
migration directories nor `.sql` files.",
    why: "Usually a wrong path: the check passes because it checked nothing.",
    bad: Example {
        migrations: &[],
        config: "",
        checked: false,
    },
    good: Example {
        migrations: &[("20260105120000_add_users", "CREATE TABLE users (id int);\n")],
        config: "",
        checked: true,
    },
};

#[cfg(test)]
mod tests {
    #[test]
    fn bad_example_as_printed() {
        insta::assert_snapshot!(crate::rules::rendered_example(&super::NO_MIGRATIONS));
    }
}
