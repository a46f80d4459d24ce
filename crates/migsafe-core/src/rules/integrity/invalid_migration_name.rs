//! `invalid-migration-name`: its documentation (the source of `docs/rules/invalid-migration-name.md` and
//! `migsafe explain invalid-migration-name`) and the snapshot of its bad example as
//! `migsafe check` prints it. Its check is here; the `integrity` pass ([`super`]) runs it.

use crate::config::Config;
use crate::engine::{AnalyzedMigration, Sink};
use crate::naming::{suggest_description, valid_timestamp};
use crate::report::Diagnostic;
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

/// A migration whose name breaks the naming convention.
pub(super) fn check(migrations: &[AnalyzedMigration], config: &Config) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for m in migrations {
        let mut sink = Sink::new(config, &m.source.path, Some(&m.source.name));
        let name = &m.source.name;
        // diesel, dbmate and Flyway name migrations their own way: with the
        // default convention, each is checked as its tool checks it.
        if config.naming.is_default()
            && let Some(tool) = tool_naming(m.source.layout, name)
        {
            if let Err((why, expected)) = tool {
                sink.emit(
                    &INVALID_MIGRATION_NAME,
                    format!("migration name `{name}` is not one {why}"),
                    |d| {
                        d.help(format!(
                            "name it `{expected}` (migsafe never renames files itself)"
                        ))
                    },
                );
            }
            out.extend(sink.out);
            continue;
        }
        if let Err(why) = config.naming.check(name) {
            let help = if config.naming.is_default() {
                let digits: String = name.chars().take_while(char::is_ascii_digit).collect();
                let ts = if digits.len() == 14 && valid_timestamp(&digits).is_ok() {
                    digits.clone()
                } else {
                    "YYYYMMDDHHMMSS".to_owned()
                };
                let desc = suggest_description(name.get(digits.len()..).unwrap_or(""));
                let desc = if desc.is_empty() {
                    "description".to_owned()
                } else {
                    desc
                };
                format!("rename it to `{ts}_{desc}` (migsafe never renames files itself)")
            } else {
                format!("rename it to match `{}`", config.naming)
            };
            sink.emit(
                &INVALID_MIGRATION_NAME,
                format!("migration name `{name}` breaks the naming convention: {why}"),
                |d| d.help(help),
            );
        }
        out.extend(sink.out);
    }
    out
}

/// The name check of a layout whose tool has its own version format:
/// `Some(Ok)` when the name is one the tool runs, `Some(Err((why,
/// expected)))` when not, `None` for the layouts of the default convention.
fn tool_naming(
    layout: crate::discover::Layout,
    name: &str,
) -> Option<Result<(), (&'static str, &'static str)>> {
    use crate::discover::Layout;
    let described = |version: &str, rest: &str| !version.is_empty() && !rest.is_empty();
    Some(match layout {
        Layout::Prisma | Layout::Flat => return None,
        // `2026-01-05-120000_add_users` (diesel CLI) or digits.
        Layout::Diesel => match name.split_once('_') {
            Some((v, rest))
                if described(v, rest) && v.bytes().all(|b| b.is_ascii_digit() || b == b'-') =>
            {
                Ok(())
            }
            _ => Err((
                "diesel runs: a version (digits and dashes) then `_` and a name",
                "YYYY-MM-DD-HHMMSS_description",
            )),
        },
        // `20260105120000_add_users`.
        Layout::Dbmate => match name.split_once('_') {
            Some((v, rest)) if described(v, rest) && v.bytes().all(|b| b.is_ascii_digit()) => {
                Ok(())
            }
            _ => Err((
                "dbmate runs: a numeric version then `_` and a name",
                "YYYYMMDDHHMMSS_description",
            )),
        },
        // `V1_2__add_users`, or a repeatable `R__views`.
        Layout::Flyway => {
            if crate::discover::flyway_version(name).is_some_and(|_| name.starts_with('V'))
                || name.strip_prefix("R__").is_some_and(|d| !d.is_empty())
            {
                Ok(())
            } else {
                Err((
                    "Flyway runs: `V<version>__<description>` (or `R__<description>`)",
                    "V1__description",
                ))
            }
        }
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn bad_example_as_printed() {
        insta::assert_snapshot!(crate::rules::rendered_example(
            &super::INVALID_MIGRATION_NAME
        ));
    }
}
