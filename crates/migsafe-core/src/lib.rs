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

pub mod audit;
pub mod check;
pub mod classification;
pub mod config;
pub mod discover;
pub mod engine;
pub mod git;
pub mod hooks;
#[cfg(feature = "live")]
pub mod live;
pub mod naming;
pub mod render;
pub mod report;
pub mod rollback;
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
    #[error("{0}")]
    Git(String),
    /// The database could not be reached or read (its URL is redacted).
    #[error("{message}")]
    Database {
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
            Error::Config { help, .. } | Error::Database { help, .. } => help.as_deref(),
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
    read_sources_limited(discovered, migsafe_classify::source::DEFAULT_MAX_FILE_BYTES)
}

/// [`read_sources`] with a size limit per file (`[migrations]
/// max-file-bytes`). Only regular files are read: a FIFO, socket, device or
/// directory in a migration's place is an error that names it.
pub fn read_sources_limited(
    discovered: &discover::Discovered,
    limit: u64,
) -> Result<Vec<MigrationSource>, Error> {
    use rayon::prelude::*;
    let read = |path: &Path, display: &str| {
        migsafe_classify::source::read_regular_file(path, limit).map_err(|e| Error::Path {
            path: display.to_owned(),
            message: e.to_string(),
        })
    };
    discovered
        .migrations
        .par_iter()
        .map(|m| {
            let mut up = read(&m.path, &m.display)?;
            let mut down = match (&m.down, &m.down_display) {
                (Some(p), Some(d)) if m.layout != discover::Layout::Dbmate => {
                    Some((d.clone(), read(p, d)?))
                }
                _ => None,
            };
            // dbmate: one file, two sections.
            if m.layout == discover::Layout::Dbmate
                && let Ok(text) = std::str::from_utf8(&up)
                && let Some((u, d)) = discover::dbmate_sections(text)
            {
                down = d.map(|d| (m.display.clone(), d.into_bytes()));
                up = u.into_bytes();
            }
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
        // `prisma/` instead of `prisma/migrations`: say so.
        let inner = Path::new(dir).join("migrations");
        let help = if inner.is_dir() {
            format!("did you mean `{}`?", discover::display_path(&inner))
        } else {
            "check the path: a Prisma migrations directory holds <timestamp>_<name>/migration.sql, a flat one <timestamp>_<name>.sql files".to_owned()
        };
        sink.emit(
            &rules::integrity::NO_MIGRATIONS,
            format!("no migrations found in `{dir}`"),
            |d| d.help(help),
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
    let mut report = engine::validate_report(&analyzed, config, Vec::new());
    engine::add_lock_facts(&mut report, &analyzed, None, config);
    report
}

/// Runs the chosen checks on in-memory migrations (in the order given).
pub fn check_sources(
    sources: Vec<MigrationSource>,
    config: &Config,
    checks: check::Checks,
) -> Report {
    let analyzed = engine::analyze_all(sources, config);
    let report = engine::validate_report(&analyzed, config, Vec::new());
    let v = Validated {
        analyzed,
        report,
        migration_paths: Vec::new(),
        lock_files: Vec::new(),
    };
    check::finish(v, None, Path::new("."), config, checks).report
}

/// Validates the migrations under `paths` (directories or `.sql` files).
pub fn validate_paths(paths: &[PathBuf], config: &Config) -> Result<Report, Error> {
    if paths.is_empty() {
        return Ok(engine::validate_report(&[], config, Vec::new()));
    }
    let opts = Options {
        cwd: PathBuf::from("."),
        paths: paths.to_vec(),
        ..Options::default()
    };
    Ok(validate_with(&opts, config)?.report)
}

/// What to check and how.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The directory relative paths are relative to (the process's working
    /// directory for the CLI).
    pub cwd: PathBuf,
    /// Migration directories or files; empty: from the config, then
    /// `prisma/migrations`, then `migrations/`.
    pub paths: Vec<PathBuf>,
    /// Statement rules only for migrations added or changed since this git
    /// ref; edited and out-of-order migrations are reported.
    pub since: Option<String>,
    /// Check the staged (index) content against `HEAD`: the pre-commit hook.
    pub staged: bool,
    /// The Prisma schema (file or folder); default: the config's, then next
    /// to the migrations directory, then `prisma/schema.prisma`.
    pub schema: Option<PathBuf>,
}

/// What validation found besides the report: the analyses, for replay and
/// rollback, and the project's layout.
pub struct Validated {
    pub analyzed: Vec<AnalyzedMigration>,
    pub report: Report,
    /// The migration paths searched (as given or resolved).
    pub migration_paths: Vec<PathBuf>,
    /// `migration_lock.toml` files found.
    pub lock_files: Vec<PathBuf>,
}

/// The paths to discover, and the up scripts to report on when only some
/// migrations of a Prisma history were named: a `<dir>/<name>/migration.sql`
/// or a `<dir>/<name>` folder becomes its whole `<dir>` (so replay, drift
/// and rollback see the history before it), and the report keeps the named
/// ones. A path given twice (or inside a directory also given) counts once.
fn widen_single_migrations(
    given: &[PathBuf],
) -> (Vec<PathBuf>, std::collections::HashSet<PathBuf>) {
    use std::collections::HashSet;
    let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let is_history = |root: &Path| {
        root.join("migration_lock.toml").is_file()
            || std::fs::read_dir(root).is_ok_and(|rd| {
                rd.filter_map(Result::ok)
                    .filter(|e| e.path().join("migration.sql").symlink_metadata().is_ok())
                    .take(2)
                    .count()
                    >= 2
            })
    };
    let whole: HashSet<PathBuf> = given
        .iter()
        .filter(|p| p.is_dir())
        .map(|p| canon(p))
        .collect();
    let mut out: Vec<PathBuf> = Vec::new();
    let mut seen: HashSet<PathBuf> = HashSet::new();
    let mut focus = HashSet::new();
    let mut push = |p: PathBuf, out: &mut Vec<PathBuf>| {
        if seen.insert(canon(&p)) {
            out.push(p);
        }
    };
    for p in given {
        let single = if p.file_name().is_some_and(|n| n == "migration.sql") {
            p.parent().map(Path::to_path_buf)
        } else if p.is_dir()
            && p.join("migration.sql").symlink_metadata().is_ok()
            && !p.join("migration_lock.toml").exists()
        {
            Some(p.clone())
        } else {
            None
        };
        let Some(dir) = single else {
            push(p.clone(), &mut out);
            continue;
        };
        match dir
            .parent()
            .filter(|r| !r.as_os_str().is_empty() && is_history(r))
        {
            Some(root) if !whole.contains(&canon(root)) => {
                focus.insert(canon(&dir.join("migration.sql")));
                push(root.to_path_buf(), &mut out);
            }
            Some(_) => {}
            None => push(p.clone(), &mut out),
        }
    }
    (out, focus)
}

/// Analyzes the migrations `opts` names, with `--since` / staged
/// filtering applied. Returns the analyses (for replay and rollback) and the
/// validate report.
pub fn validate_with(opts: &Options, config: &Config) -> Result<Validated, Error> {
    let mut v = validate_without_locks(opts, config)?;
    engine::add_lock_facts(&mut v.report, &v.analyzed, None, config);
    Ok(v)
}

/// [`validate_with`] but the lock facts and the lock rules, which need the
/// history replayed: `check` adds them from the replay it does anyway.
pub(crate) fn validate_without_locks(opts: &Options, config: &Config) -> Result<Validated, Error> {
    // Outside a repository `--staged` has nothing to compare with: said
    // before the migrations are looked for (a folder without migrations
    // would otherwise pass as "nothing staged").
    if opts.staged && git::repo_root(&opts.cwd).is_none() {
        return Err(Error::Git(
            "--staged needs a git repository: run it inside one, or check the migrations by path"
                .into(),
        ));
    }
    let paths = resolve_migration_paths(&opts.cwd, &opts.paths, config)?;
    if opts.staged {
        let (analyzed, report) = validate_staged(opts, &paths, config)?;
        return Ok(Validated {
            analyzed,
            report,
            migration_paths: paths,
            lock_files: Vec::new(),
        });
    }
    // Paths are as given, relative to the process's working directory; an
    // embedder with another `cwd` gets them joined and shown relative to it.
    let process_cwd = std::env::current_dir().ok();
    let rebase = !(opts.cwd.as_os_str().is_empty()
        || Some(&opts.cwd) == process_cwd.as_ref()
        || opts.cwd == Path::new("."));
    let given: Vec<PathBuf> = if rebase {
        paths.iter().map(|p| opts.cwd.join(p)).collect()
    } else {
        paths.clone()
    };
    // Single Prisma migrations (what the pre-commit framework passes) are
    // checked with the rest of their history as context.
    let (given, focus) = widen_single_migrations(&given);
    let started = std::time::Instant::now();
    let discovered = discover::discover_with(&given, config.layout)?;
    let mut sources = read_sources_limited(&discovered, config.max_file_bytes)?;
    tracing::info!(
        "read {} migrations from {:?} in {:?}",
        sources.len(),
        given,
        started.elapsed()
    );
    let mut extra = discovery_diagnostics(&discovered, config);
    if rebase {
        for s in &mut sources {
            s.path = relative_display(&opts.cwd, &s.path);
            if let Some((d, _)) = &mut s.down {
                *d = relative_display(&opts.cwd, d);
            }
        }
        for d in &mut extra {
            d.path = relative_display(&opts.cwd, &d.path);
        }
    }
    sources.sort_by(|a, b| {
        a.layout
            .order_key(&a.name)
            .cmp(&b.layout.order_key(&b.name))
            .then(a.path.cmp(&b.path))
    });
    let started = std::time::Instant::now();
    let analyzed = engine::analyze_all(sources, config);
    let mut report = engine::validate_report(&analyzed, config, extra);
    tracing::info!(
        "analyzed {} statements in {:?}",
        report.summary.statements,
        started.elapsed()
    );
    if !focus.is_empty() {
        let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
        let kept: std::collections::HashSet<String> = analyzed
            .iter()
            .filter(|m| focus.contains(&canon(&opts.cwd.join(&m.source.path))))
            .map(|m| m.source.path.clone())
            .collect();
        report.migrations.retain(|m| kept.contains(&m.path));
        report.diagnostics.retain(|d| match &d.migration {
            Some(_) => kept.contains(&d.path),
            None => true,
        });
        report.finish();
    }
    if let Some(r) = &opts.since {
        let changes = git::changes_since(&opts.cwd, r)?;
        rules::workflow::apply_since(
            &mut report,
            &analyzed,
            &paths,
            &changes,
            &opts.cwd,
            &format!("`{r}`"),
            config,
        );
    }
    Ok(Validated {
        analyzed,
        report,
        migration_paths: paths,
        lock_files: discovered.lock_files.clone(),
    })
}

/// A path under `cwd` shown relative to it, as the user would type it.
fn relative_display(cwd: &Path, shown: &str) -> String {
    let p = Path::new(shown);
    if p.is_relative() {
        return shown.to_owned();
    }
    if let Ok(rest) = p.strip_prefix(cwd) {
        return discover::display_path(rest);
    }
    // Above the working directory: `../../db/migrations/…`.
    let mut up = PathBuf::new();
    let mut anc = cwd.parent();
    while let Some(a) = anc {
        up.push("..");
        if let Ok(rest) = p.strip_prefix(a) {
            return discover::display_path(&up.join(rest));
        }
        anc = a.parent();
    }
    shown.to_owned()
}

fn validate_staged(
    opts: &Options,
    paths: &[PathBuf],
    config: &Config,
) -> Result<(Vec<AnalyzedMigration>, Report), Error> {
    let root = git::repo_root(&opts.cwd)
        .ok_or_else(|| Error::Git("--staged needs a git repository".into()))?;
    let root = std::fs::canonicalize(&root).unwrap_or(root);
    let cwd = std::fs::canonicalize(&opts.cwd).unwrap_or_else(|_| opts.cwd.clone());
    let rel: Vec<PathBuf> = paths
        .iter()
        .map(|p| {
            let abs = cwd.join(p);
            let abs = std::fs::canonicalize(&abs).unwrap_or(abs);
            abs.strip_prefix(&root)
                .map(Path::to_path_buf)
                .unwrap_or(abs)
        })
        .collect();
    let tmp = TempDir::new()?;
    git::checkout_index(&root, &rel, tmp.path())?;
    let existing: Vec<PathBuf> = rel
        .iter()
        .map(|r| tmp.path().join(r))
        .filter(|p| p.exists())
        .collect();
    let discovered = discover::discover_with(&existing, config.layout)?;
    let mut sources = read_sources_limited(&discovered, config.max_file_bytes)?;
    let show = |s: &str| {
        let p = Path::new(s);
        let in_repo = p
            .strip_prefix(tmp.path())
            .map(|r| root.join(r))
            .unwrap_or_else(|_| p.to_path_buf());
        relative_display(&cwd, &in_repo.to_string_lossy())
    };
    for s in &mut sources {
        s.path = show(&s.path);
        if let Some((d, _)) = &mut s.down {
            *d = show(d);
        }
    }
    sources.sort_by(|a, b| {
        a.layout
            .order_key(&a.name)
            .cmp(&b.layout.order_key(&b.name))
            .then(a.path.cmp(&b.path))
    });
    let analyzed = engine::analyze_all(sources, config);
    let mut report = engine::validate_report(&analyzed, config, Vec::new());
    let changes = git::staged_changes(&root)?;
    rules::workflow::apply_since(
        &mut report,
        &analyzed,
        paths,
        &changes,
        &cwd,
        "HEAD",
        config,
    );
    Ok((analyzed, report))
}

/// A temporary directory removed on drop (for the staged checkout): created
/// new with a random name and mode 0700 (`tempfile`), never an existing one.
struct TempDir(tempfile::TempDir);

impl TempDir {
    fn new() -> Result<Self, Error> {
        tempfile::Builder::new()
            .prefix("migsafe-staged-")
            .tempdir()
            .map(TempDir)
            .map_err(|e| Error::Other(format!("cannot create a temporary directory: {e}")))
    }

    fn path(&self) -> &Path {
        self.0.path()
    }
}
