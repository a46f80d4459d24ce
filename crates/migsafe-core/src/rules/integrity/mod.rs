//! Naming and file integrity.

mod duplicate_migration_timestamp;
mod empty_migration;
mod invalid_encoding;
mod invalid_migration_name;
mod no_migrations;
mod unparsable_statement;
mod unterminated_literal;
pub use duplicate_migration_timestamp::DUPLICATE_MIGRATION_TIMESTAMP;
pub use empty_migration::EMPTY_MIGRATION;
pub use invalid_encoding::INVALID_ENCODING;
pub use invalid_migration_name::INVALID_MIGRATION_NAME;
pub use no_migrations::NO_MIGRATIONS;
pub use unparsable_statement::UNPARSABLE_STATEMENT;
pub use unterminated_literal::UNTERMINATED_LITERAL;

use std::collections::BTreeMap;

use migsafe_classify::lex::LexErrorKind;

use crate::config::Config;
use crate::engine::{AnalyzedMigration, FileCtx, Sink};
use crate::naming::{suggest_description, valid_timestamp, version_of};
use crate::report::Diagnostic;

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
