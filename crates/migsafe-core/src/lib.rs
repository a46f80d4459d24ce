//! The embeddable migsafe engine.
//!
//! One call turns migrations (paths on disk, or sources in memory) into a
//! [`Report`]: every statement classified as expand / contract / dangerous
//! / neutral with its rollback complexity, and every finding of the rules
//! as a [`Diagnostic`]. A tool that embeds migsafe needs nothing else: no
//! CLI parser, no logger, no database driver.
//!
//! ```
//! use migsafe_core::{validate_sources, Config, MigrationSource};
//!
//! let report = validate_sources(
//!     vec![MigrationSource::prisma("20260101000000_drop_legacy", "DROP TABLE legacy;")],
//!     &Config::default(),
//! );
//! assert_eq!(report.diagnostics[0].rule, "missing-override");
//! assert_eq!(report.exit_code(), 1);
//! ```

use std::path::{Path, PathBuf};

pub mod classification;
pub mod config;
pub mod discover;
pub mod engine;
pub mod naming;
pub mod render;
pub mod report;
pub mod rules;

pub use config::Config;
pub use discover::{Layout, Migration, discover};
pub use engine::{AnalyzedMigration, MigrationSource};
pub use report::{Diagnostic, MigrationReport, Report, Severity, StatementReport, Summary};

/// Why migsafe could not do its job (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: {message}")]
    Path { path: String, message: String },
    #[error("{}{message}", location(path, *line, *column))]
    Config {
        path: String,
        line: Option<u32>,
        column: Option<u32>,
        message: String,
        help: Option<String>,
    },
    #[error("no migrations directory found: {0}")]
    NoMigrations(String),
    #[error("{0}")]
    Other(String),
}

fn location(path: &str, line: Option<u32>, column: Option<u32>) -> String {
    match (path.is_empty(), line, column) {
        (true, _, _) => String::new(),
        (false, Some(l), Some(c)) => format!("{path}:{l}:{c}: "),
        (false, _, _) => format!("{path}: "),
    }
}

impl Error {
    /// A help line, when the error has one.
    pub fn help(&self) -> Option<&str> {
        match self {
            Error::Config { help, .. } => help.as_deref(),
            Error::NoMigrations(_) => Some(
                "pass a directory (`migsafe check prisma/migrations`), use `--migrations DIR`, or set `[migrations] paths` in migsafe.toml",
            ),
            _ => None,
        }
    }

    fn with_path(self, p: &Path) -> Self {
        match self {
            Error::Config {
                line,
                column,
                message,
                help,
                ..
            } => Error::Config {
                path: discover::display_path(p),
                line,
                column,
                message,
                help,
            },
            e => e,
        }
    }
}

/// The migration paths to check: the ones given, else the config's, else
/// `prisma/migrations`, else `migrations/` (relative to `cwd`).
pub fn resolve_migration_paths(
    cwd: &Path,
    given: &[PathBuf],
    config: &Config,
) -> Result<Vec<PathBuf>, Error> {
    if !given.is_empty() {
        return Ok(given.to_vec());
    }
    if !config.migration_paths.is_empty() {
        return Ok(config.migration_paths.clone());
    }
    for candidate in ["prisma/migrations", "migrations"] {
        if cwd.join(candidate).is_dir() {
            return Ok(vec![PathBuf::from(candidate)]);
        }
    }
    Err(Error::NoMigrations(
        "no PATHS given, none in migsafe.toml, and neither prisma/migrations nor migrations/ exists here"
            .to_owned(),
    ))
}

/// Reads the migrations found on disk (files in parallel).
pub fn read_sources(discovered: &discover::Discovered) -> Result<Vec<MigrationSource>, Error> {
    use rayon::prelude::*;
    discovered
        .migrations
        .par_iter()
        .map(|m| {
            let up = std::fs::read(&m.path).map_err(|e| Error::Path {
                path: m.display.clone(),
                message: e.to_string(),
            })?;
            let down = match (&m.down, &m.down_display) {
                (Some(p), Some(d)) => Some((
                    d.clone(),
                    std::fs::read(p).map_err(|e| Error::Path {
                        path: d.clone(),
                        message: e.to_string(),
                    })?,
                )),
                _ => None,
            };
            Ok(MigrationSource {
                name: m.name.clone(),
                path: m.display.clone(),
                up,
                down,
                layout: m.layout,
            })
        })
        .collect()
}

/// Findings about the discovery itself: empty directories, Prisma
/// directories without `migration.sql`.
pub fn discovery_diagnostics(d: &discover::Discovered, config: &Config) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for dir in &d.empty_dirs {
        let mut sink = engine::Sink::new(config, dir, None);
        sink.emit(
            &rules::integrity::NO_MIGRATIONS,
            format!("no migrations found in `{dir}`"),
            |d| d.help("check the path: a Prisma migrations directory holds <timestamp>_<name>/migration.sql"),
        );
        out.extend(sink.out);
    }
    for (dir, name) in &d.missing_up {
        let mut sink = engine::Sink::new(config, dir, Some(name));
        sink.emit(
            &rules::integrity::EMPTY_MIGRATION,
            format!("migration directory `{name}` has no migration.sql"),
            |d| d.help("restore its migration.sql, or delete the directory"),
        );
        out.extend(sink.out);
    }
    out
}

/// Validates in-memory migrations: classification, annotations, naming,
/// integrity. Sources are checked in the order given.
pub fn validate_sources(sources: Vec<MigrationSource>, config: &Config) -> Report {
    let analyzed = engine::analyze_all(sources, config);
    engine::validate_report(&analyzed, config, Vec::new())
}

/// Validates the migrations under `paths` (directories or `.sql` files).
pub fn validate_paths(paths: &[PathBuf], config: &Config) -> Result<Report, Error> {
    let discovered = discover::discover(paths)?;
    let mut sources = read_sources(&discovered)?;
    sources.sort_by(|a, b| a.name.cmp(&b.name).then(a.path.cmp(&b.path)));
    let extra = discovery_diagnostics(&discovered, config);
    let analyzed = engine::analyze_all(sources, config);
    Ok(engine::validate_report(&analyzed, config, extra))
}
