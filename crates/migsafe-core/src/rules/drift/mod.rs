//! Drift rules: the Prisma schema file, the migrations and (with a
//! database URL) the live database must agree.

mod client_outdated;
mod outside_history;
mod prisma_schema_invalid;
mod provider_mismatch;
mod replay_failed;
mod schema_drift;
mod unevaluable_guard;
pub use client_outdated::CLIENT_OUTDATED;
pub use outside_history::OUTSIDE_HISTORY;
pub use prisma_schema_invalid::PRISMA_SCHEMA_INVALID;
pub use provider_mismatch::PROVIDER_MISMATCH;
pub use replay_failed::REPLAY_FAILED;
pub use schema_drift::SCHEMA_DRIFT;
pub use unevaluable_guard::UNEVALUABLE_GUARD;

use std::path::{Path, PathBuf};

use migsafe_drift::{Finding, MigrationInput};
use migsafe_prisma::ParsedSchema;

use super::Rule;
use crate::config::Config;
use crate::engine::{AnalyzedMigration, Sink};
use crate::report::{Diagnostic, Severity};

/// The rules of this module: what the repository's history and schema
/// say, as opposed to what a change adds.
pub static RULES: [&Rule; 7] = [
    &SCHEMA_DRIFT,
    &REPLAY_FAILED,
    &OUTSIDE_HISTORY,
    &UNEVALUABLE_GUARD,
    &PRISMA_SCHEMA_INVALID,
    &PROVIDER_MISMATCH,
    &CLIENT_OUTDATED,
];

/// Where the schema is: the given path, the config's, next to the first
/// migrations directory (`prisma/migrations` → `prisma/schema.prisma`),
/// then `prisma/schema.prisma` and `prisma/schema/` under `cwd`.
pub fn find_schema(
    given: Option<&Path>,
    config: &Config,
    migration_paths: &[PathBuf],
    cwd: &Path,
) -> Option<PathBuf> {
    if let Some(g) = given {
        return Some(g.to_path_buf());
    }
    if let Some(s) = &config.schema {
        return Some(s.clone());
    }
    let mut candidates: Vec<PathBuf> = Vec::new();
    for m in migration_paths {
        let abs = if m.is_absolute() {
            m.clone()
        } else {
            cwd.join(m)
        };
        if let Some(parent) = abs.parent() {
            let shown = m.parent().map(Path::to_path_buf).unwrap_or_default();
            if parent.join("schema.prisma").is_file() {
                candidates.push(shown.join("schema.prisma"));
            } else if parent.join("schema").is_dir() {
                candidates.push(shown.join("schema"));
            }
        }
    }
    candidates.extend(
        ["prisma/schema.prisma", "prisma/schema"]
            .iter()
            .map(PathBuf::from)
            .filter(|p| cwd.join(p).exists()),
    );
    candidates.into_iter().next()
}

fn to_diag(f: Finding, config: &Config) -> Vec<Diagnostic> {
    use migsafe_drift::DriftRule;
    let rule = match f.rule {
        DriftRule::SchemaDrift => &SCHEMA_DRIFT,
        DriftRule::ReplayFailed => &REPLAY_FAILED,
        DriftRule::UnevaluableGuard => &UNEVALUABLE_GUARD,
        DriftRule::OutsideHistory => &OUTSIDE_HISTORY,
        DriftRule::ProviderMismatch => &PROVIDER_MISMATCH,
        DriftRule::ClientOutdated => &CLIENT_OUTDATED,
    };
    let mut sink = Sink::new(config, &f.path, f.migration.as_deref());
    sink.emit(rule, f.message, |mut d| {
        if let Some(l) = f.line {
            d = d.at(l, f.column.unwrap_or(1));
        }
        d.help = f.help;
        d.note = f.note;
        d
    });
    sink.out
}

/// The project root of a schema: the nearest ancestor with a
/// `package.json`, else the directory above `prisma/`.
fn project_root(schema: &Path, cwd: &Path) -> PathBuf {
    let abs = if schema.is_absolute() {
        schema.to_path_buf()
    } else {
        cwd.join(schema)
    };
    let mut dir = abs.parent();
    while let Some(d) = dir {
        if d.join("package.json").is_file() {
            return d.to_path_buf();
        }
        dir = d.parent();
    }
    let mut dir = abs.parent();
    while let Some(d) = dir {
        if d.file_name().is_some_and(|n| n == "prisma") {
            return d
                .parent()
                .map_or_else(|| cwd.to_path_buf(), Path::to_path_buf);
        }
        dir = d.parent();
    }
    cwd.to_path_buf()
}

/// A loaded schema, or the findings that stop the comparison.
pub(crate) fn load_schema(path: &Path, config: &Config) -> (Option<ParsedSchema>, Vec<Diagnostic>) {
    match migsafe_prisma::load(path) {
        Ok(s) => {
            let mut diags = Vec::new();
            for d in s.diagnostics() {
                let mut sink = Sink::new(config, &crate::discover::display_path(&d.path), None);
                let sev = match d.severity {
                    migsafe_prisma::Severity::Error => Severity::Error,
                    migsafe_prisma::Severity::Warning => Severity::Warning,
                };
                let level = config.level(PRISMA_SCHEMA_INVALID.id, PRISMA_SCHEMA_INVALID.severity);
                sink.emit(&PRISMA_SCHEMA_INVALID, d.message.clone(), |x| {
                    let mut x = x.at(d.line, d.column).span_end(d.end_line, d.end_column);
                    // A schema warning stays a warning unless the rule is off.
                    if sev == Severity::Warning && level != crate::config::Level::Off {
                        x.severity = Severity::Warning;
                    }
                    x
                });
                diags.extend(sink.out);
            }
            (Some(s), diags)
        }
        Err(e) => {
            let mut sink = Sink::new(config, &crate::discover::display_path(path), None);
            sink.emit(
                &PRISMA_SCHEMA_INVALID,
                format!("cannot read the Prisma schema: {e}"),
                |d| d,
            );
            (None, sink.out)
        }
    }
}

/// Schema file vs migrations: replay, compare, and the project checks.
pub(crate) fn check(
    migrations: &[AnalyzedMigration],
    schema: Option<(&Path, &ParsedSchema)>,
    lock_files: &[PathBuf],
    cwd: &Path,
    config: &Config,
    replayed: Option<migsafe_drift::Replayed>,
) -> (migsafe_drift::Replayed, Vec<Diagnostic>) {
    // The rollback check, when it ran, already replayed the history.
    let replayed = replayed.unwrap_or_else(|| {
        let inputs: Vec<MigrationInput<'_>> = migrations
            .iter()
            .map(|m| MigrationInput {
                name: &m.source.name,
                path: &m.source.path,
                statements: &m.file.statements,
            })
            .collect();
        migsafe_drift::replay(&inputs)
    });
    let mut out = Vec::new();
    for f in migsafe_drift::replay_findings(&replayed) {
        out.extend(to_diag(f, config));
    }
    if let Some((path, s)) = schema {
        if !s.has_errors() {
            for f in migsafe_drift::schema_vs_migrations(s, &replayed) {
                out.extend(to_diag(f, config));
            }
        }
        for lock in lock_files {
            if let Some(f) = migsafe_drift::lock_provider(lock, s) {
                out.extend(to_diag(f, config));
            }
        }
        if let Some(f) = migsafe_drift::client_outdated(s, &project_root(path, cwd)) {
            out.extend(to_diag(f, config));
        }
    }
    (replayed, out)
}
