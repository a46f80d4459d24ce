//! Naming and file integrity.

use std::collections::BTreeMap;

use migsafe_classify::lex::LexErrorKind;

use super::{Category, Example, Rule, RuleId};
use crate::config::Config;
use crate::engine::{AnalyzedMigration, FileCtx, Sink};
use crate::naming::{suggest_description, valid_timestamp, version_of};
use crate::report::{Diagnostic, Severity};

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

pub static DUPLICATE_MIGRATION_TIMESTAMP: Rule = Rule {
    id: RuleId::DuplicateMigrationTimestamp,
    severity: Severity::Error,
    category: Category::Integrity,
    summary: "two migrations with the same timestamp",
    what: "Two or more migrations whose names start with the same timestamp (or version number).",
    why: "Their order is decided by the description, alphabetically, which nobody chose. Usually it \
means two branches each added a migration and the merge kept both: one of them was written against a \
schema without the other.",
    bad: Example {
        migrations: &[
            ("20260105120000_add_users", "CREATE TABLE users (id int);\n"),
            (
                "20260105120000_add_orders",
                "CREATE TABLE orders (id int);\n",
            ),
        ],
        config: "",
        checked: true,
    },
    good: Example {
        migrations: &[
            ("20260105120000_add_users", "CREATE TABLE users (id int);\n"),
            (
                "20260105120100_add_orders",
                "CREATE TABLE orders (id int);\n",
            ),
        ],
        config: "",
        checked: true,
    },
};

pub static EMPTY_MIGRATION: Rule = Rule {
    id: RuleId::EmptyMigration,
    severity: Severity::Error,
    category: Category::Integrity,
    summary: "an empty or comment-only migration file",
    what: "A migration file with no statement: empty, whitespace only, or comments only; and a Prisma \
migration directory without its `migration.sql`.",
    why: "An empty migration is recorded as applied while doing nothing. It is almost always a \
mistake: a `prisma migrate dev --create-only` whose SQL was never written, a file truncated by a bad \
merge, or content lost in an editor.",
    bad: Example {
        migrations: &[("20260105120000_add_users", "-- TODO: write this\n")],
        config: "",
        checked: true,
    },
    good: Example {
        migrations: &[("20260105120000_add_users", "CREATE TABLE users (id int);\n")],
        config: "",
        checked: true,
    },
};

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

pub static UNPARSABLE_STATEMENT: Rule = Rule {
    id: RuleId::UnparsableStatement,
    severity: Severity::Warning,
    category: Category::Integrity,
    summary: "a statement the SQL parser cannot read; it is still classified from its tokens",
    what: "A statement that sqlparser (PostgreSQL dialect) does not read, such as `DO` blocks, `DROP \
INDEX CONCURRENTLY`, `ALTER TABLE … SET SCHEMA` or newer syntax. migsafe classifies it from its leading \
keywords and names (`DROP INDEX CONCURRENTLY IF EXISTS x` is still a `drop_index`), and looks inside \
`DO` bodies for DDL; the finding says what it concluded.",
    why: "A token-level reading knows the operation and its objects but not every detail (column types \
and defaults may be missing for replay). The warning tells you where migsafe's reading is shallower, \
so you can review those statements yourself or turn the rule off.",
    bad: Example {
        migrations: &[(
            "20260105120000_drop_idx",
            "-- @override-destructive\nDROP INDEX CONCURRENTLY IF EXISTS \"users_email_idx\";\n",
        )],
        config: "",
        checked: true,
    },
    good: Example {
        migrations: &[(
            "20260105120000_drop_idx",
            "-- @override-destructive\nDROP INDEX IF EXISTS \"users_email_idx\";\n",
        )],
        config: "",
        checked: true,
    },
};

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

pub(crate) fn check_statements(ctx: &FileCtx<'_>, sink: &mut Sink<'_>) {
    if ctx.file.statements.is_empty() {
        let only_comments = !ctx.file.split.comments.is_empty();
        sink.emit(
            &EMPTY_MIGRATION,
            if only_comments {
                "migration file contains only comments"
            } else {
                "migration file is empty"
            },
            |d| d.help("write the migration's SQL, or delete the migration if it is not needed"),
        );
    }
    for e in &ctx.file.split.errors {
        let (line, column) = ctx.file.split.lines.line_col(ctx.text, e.start);
        let what = e.kind.describe();
        let closer = match &e.kind {
            LexErrorKind::UnterminatedString => "`'`".to_owned(),
            LexErrorKind::UnterminatedQuotedIdent => "`\"`".to_owned(),
            LexErrorKind::UnterminatedBlockComment => "`*/`".to_owned(),
            LexErrorKind::UnterminatedDollarQuote { tag } => format!("`${tag}$`"),
        };
        sink.emit(&UNTERMINATED_LITERAL, what.clone(), |d| {
            d.at(line, column)
                .span_end(line, column + 1)
                .label("starts here and runs to the end of the file")
                .note("every statement after this point is swallowed by it")
                .help(format!("close it with {closer}"))
        });
    }
    for s in &ctx.file.statements {
        if s.parsed {
            continue;
        }
        let Some(primary) = s.primary() else { continue };
        let err = s.parse_error.clone().unwrap_or_default();
        let objects = s.objects();
        let on = if objects.is_empty() {
            String::new()
        } else {
            format!(" on {}", objects.join(", "))
        };
        let end = ctx.first_line_end(s);
        sink.emit(
            &UNPARSABLE_STATEMENT,
            format!(
                "the SQL parser cannot read this statement; classified from its tokens as {} ({}){on}",
                primary.kind.name(),
                s.class()
            ),
            |d| {
                d.at(s.line, s.column)
                    .span_end(s.line, end)
                    .note(format!("parser: {err}"))
            },
        );
    }
}

/// Naming and duplicate timestamps, across migrations.
pub(crate) fn check_names(migrations: &[AnalyzedMigration], config: &Config) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut by_version: BTreeMap<&str, Vec<&AnalyzedMigration>> = BTreeMap::new();
    for m in migrations {
        let mut sink = Sink::new(config, &m.source.path, Some(&m.source.name));
        let name = &m.source.name;
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
        if let Some(v) = version_of(name) {
            by_version.entry(v).or_default().push(m);
        }
        out.extend(sink.out);
    }
    for (v, ms) in by_version {
        if ms.len() < 2 {
            continue;
        }
        for m in &ms[1..] {
            let mut sink = Sink::new(config, &m.source.path, Some(&m.source.name));
            sink.emit(
                &DUPLICATE_MIGRATION_TIMESTAMP,
                format!(
                    "migration `{}` has the same timestamp `{v}` as `{}`",
                    m.source.name, ms[0].source.name
                ),
                |d| {
                    d.note("the two run in alphabetical order of their descriptions, which nobody chose")
                        .help("give the later migration a later timestamp")
                },
            );
            out.extend(sink.out);
        }
    }
    out
}
