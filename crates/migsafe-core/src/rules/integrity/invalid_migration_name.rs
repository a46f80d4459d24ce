//! `invalid-migration-name`: its documentation (the source of `docs/rules/invalid-migration-name.md` and
//! `migsafe explain invalid-migration-name`) and the snapshot of its bad example as
//! `migsafe check` prints it. The check that raises it is the
//! `integrity` pass ([`super`]).

use crate::report::Severity;
use crate::rules::{Category, Example, Rule, RuleId};

pub static INVALID_MIGRATION_NAME: Rule = Rule {
    id: RuleId::InvalidMigrationName,
    severity: Severity::Error,
    category: Category::Integrity,
    summary: "a migration whose name breaks the naming convention",
    what: "A migration (Prisma directory or flat file) whose name is not `<timestamp>_<description>`: a \
14-digit `YYYYMMDDHHMMSS` that forms a real date and time, an underscore, and lower-case letters, \
digits and underscores. A project with another convention sets `[migrations] naming` in \
`migsafe.toml` (for example `{number}_{description}`).",
    why: "Migrations run in the order of their names. A name without a proper timestamp sorts in the \
wrong place, runs before the migration it depends on, or collides with a colleague's; a description \
with spaces or capitals breaks tools and shell scripts that handle the files.",
    bad: Example {
        migrations: &[("2026-01-05_Add-Users", "CREATE TABLE users (id int);\n")],
        config: "",
        checked: true,
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
        insta::assert_snapshot!(crate::rules::rendered_example(
            &super::INVALID_MIGRATION_NAME
        ));
    }
}
