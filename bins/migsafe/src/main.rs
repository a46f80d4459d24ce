//! The `migsafe` command line: arguments in, one `migsafe-core` call, report
//! out, exit code.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// mimalloc: the analysis allocates many small short-lived values (tokens,
/// expression trees, findings); glibc's allocator took a third of the time
/// of `validate` on 10,000 migrations.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use migsafe_core::check::Checks;
use migsafe_core::render::Format;
use migsafe_core::render::text::TextOptions;
use migsafe_core::{Config, Error, Report};

#[derive(Parser, Debug)]
#[command(
    name = "migsafe",
    version,
    about = "A migration safety gate for PostgreSQL projects that use Prisma or plain SQL migrations",
    long_about = "migsafe classifies every migration statement as expand, contract or dangerous, \
enforces override annotations and rollback plans, checks naming and file integrity, and reports \
in text, JSON, SARIF, GitHub annotations, JUnit, GitLab Code Quality or Markdown.\n\nExit codes: 0 no error-level finding, 1 at least \
one error, 2 migsafe could not do its job.",
    propagate_version = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    global: Global,
}

#[derive(Args, Debug, Clone)]
struct Global {
    /// Output format [default: text; github under GITHUB_ACTIONS=true].
    #[arg(long, global = true, value_enum)]
    format: Option<FormatArg>,
    /// The config file (default: migsafe.toml found by walking up from the working directory).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// A migrations directory or .sql file (the same as a PATH).
    #[arg(long = "migrations", global = true, value_name = "DIR")]
    migrations: Vec<PathBuf>,
    /// The Prisma schema: a file or a folder of .prisma files.
    #[arg(long, global = true, value_name = "FILE|DIR")]
    schema: Option<PathBuf>,
    /// When to colour the output: auto (a terminal, unless NO_COLOR is set; CLICOLOR_FORCE
    /// forces it), always, never.
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t = ColorArg::Auto)]
    color: ColorArg,
    /// The same as --color never.
    #[arg(long, global = true)]
    no_color: bool,
    /// Print findings only: no summary line, no info findings.
    #[arg(short, long, global = true)]
    quiet: bool,
    /// Statement rules only for migrations added or changed since this git ref (the whole
    /// history is still replayed); changed old migrations are errors.
    #[arg(long, global = true, value_name = "GIT_REF")]
    since: Option<String>,
    /// A PostgreSQL database to check too (read-only): Prisma's migration history and
    /// the live schema. Its password never appears in any output.
    #[arg(
        long,
        global = true,
        value_name = "URL",
        env = "DATABASE_URL",
        hide_env_values = true
    )]
    database_url: Option<String>,
    /// Append one JSON line about this run to FILE (also: [audit] log in migsafe.toml).
    #[arg(long, global = true, value_name = "FILE")]
    audit_log: Option<PathBuf>,
    /// Log what migsafe does (repeat for more; RUST_LOG also works).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum ColorArg {
    Auto,
    Always,
    Never,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum FormatArg {
    Text,
    Json,
    Sarif,
    Github,
    Junit,
    /// GitLab Code Quality JSON (`artifacts:reports:codequality`).
    Gitlab,
    /// Markdown for a pull-request comment or `$GITHUB_STEP_SUMMARY`.
    Markdown,
    /// Prometheus text format (`migsafe status` only): metrics and alerts.
    Prometheus,
}

impl Global {
    /// The chosen format: the flag, else GitHub annotations inside GitHub
    /// Actions, else text.
    fn format(&self) -> Format {
        match self.format {
            Some(FormatArg::Text) => Format::Text,
            Some(FormatArg::Json) => Format::Json,
            Some(FormatArg::Sarif) => Format::Sarif,
            Some(FormatArg::Github) => Format::Github,
            Some(FormatArg::Junit) => Format::Junit,
            Some(FormatArg::Gitlab) => Format::Gitlab,
            Some(FormatArg::Markdown) => Format::Markdown,
            Some(FormatArg::Prometheus) => Format::Prometheus,
            None if std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true") => Format::Github,
            None => Format::Text,
        }
    }
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Every check: classification, annotations, naming, file integrity, rollback paths,
    /// and drift against the Prisma schema when one is found.
    Check(PathsArg),
    /// Statement classification, annotations, naming and file integrity.
    Validate(PathsArg),
    /// A rollback path for every migration; down scripts replayed and verified.
    RollbackCheck(PathsArg),
    /// Emergency rollback: a reviewable rollback script, a migration's generated down
    /// script, and the proof of a plan on a scratch database.
    Rollback {
        #[command(subcommand)]
        action: RollbackCommand,
    },
    /// The Prisma schema against the schema the migrations produce when replayed; with
    /// --database-url, the live database too.
    DriftCheck(PathsArg),
    /// Migration history health and metrics of a live database (needs --database-url).
    Status(PathsArg),
    /// Every rule: id, default severity, one-line summary.
    Rules,
    /// A rule's documentation with a bad and a good example; also
    /// `classification` and operation names such as `drop_view`.
    Explain {
        /// A rule id (`missing-override`), an operation (`drop_table`) or `classification`.
        rule: String,
    },
    /// Install or remove the git pre-commit hook that checks staged migrations.
    Hooks {
        #[command(subcommand)]
        action: HooksCommand,
    },
    /// Write a commented migsafe.toml in the working directory.
    Init {
        /// Overwrite an existing migsafe.toml.
        #[arg(long)]
        force: bool,
    },
    /// Shell completions on stdout (e.g. `migsafe completions bash >
    /// ~/.local/share/bash-completion/completions/migsafe`).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// The manual page (roff) on stdout: `migsafe man | man -l -`; `migsafe man check`
    /// for a command's page (`migsafe-check(1)`).
    Man {
        /// A command (`check`, `rollback plan`, …); none: migsafe's page.
        command: Vec<String>,
    },
}

#[derive(Args, Debug)]
struct PathsArg {
    /// Migration directories or single .sql files (default: from migsafe.toml, then
    /// prisma/migrations, then migrations/).
    paths: Vec<PathBuf>,
    /// Check the staged content against HEAD (what the pre-commit hook runs).
    #[arg(long)]
    staged: bool,
}

#[derive(Subcommand, Debug)]
enum RollbackCommand {
    /// From the current state back to the last good one, newest migration first, as one
    /// script to review and run (migsafe never runs it). With --database-url, the current
    /// state and failed migrations come from `_prisma_migrations`.
    Plan {
        /// The migration to go back to (kept); `0`: before the first. Default: the one
        /// before the first failed migration, else the one before the newest.
        #[arg(long, value_name = "MIGRATION")]
        to: Option<String>,
        /// Write the script to FILE (a new file: an existing one is never overwritten).
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
        #[command(flatten)]
        paths: PathsArg,
    },
    /// The generated down script of one migration, to save as down.sql (Prisma) or
    /// .down.sql (flat); what cannot be inverted is a comment that says why.
    EmitDown {
        /// The migration (directory name or file stem).
        migration: String,
        /// Write the script to FILE (a new file: an existing one is never overwritten).
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
        #[command(flatten)]
        paths: PathsArg,
    },
    /// Prove a plan: on a database migsafe creates on the server of URL (and drops), apply
    /// the history, run the plan, and compare the result with the replay up to the target.
    Verify {
        /// The migration to go back to (kept); `0`: before the first.
        #[arg(long, value_name = "MIGRATION")]
        to: Option<String>,
        /// A PostgreSQL server migsafe may create a scratch database on (needs CREATEDB);
        /// nothing runs in the URL's own database.
        #[arg(long, value_name = "URL")]
        scratch_url: String,
        /// SQL run on the scratch database before the history: what it expects to exist
        /// (a migration runner's own table).
        #[arg(long, value_name = "FILE")]
        setup: Option<PathBuf>,
        #[command(flatten)]
        paths: PathsArg,
    },
}

#[derive(Subcommand, Debug)]
enum HooksCommand {
    /// Install the git pre-commit hook (an existing hook is kept and still runs first).
    Install,
    /// Remove migsafe's pre-commit hook (and restore the hook it chained, if any).
    Uninstall,
}

fn init_tracing(verbose: u8, ansi: bool) {
    use tracing_subscriber::EnvFilter;
    let filter = if let Ok(f) = EnvFilter::try_from_default_env() {
        f
    } else {
        EnvFilter::new(match verbose {
            0 => "warn",
            1 => "info",
            2 => "debug",
            _ => "trace",
        })
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi)
        .with_target(false)
        .try_init();
}

/// Colour as the conventions say: `--color always|never` first; then
/// `NO_COLOR` set and not empty turns it off (no-color.org), `CLICOLOR_FORCE`
/// set and not `0` turns it on (bixense.com/clicolors); else colour on a
/// terminal.
fn color_on(g: &Global, stream_is_tty: bool) -> bool {
    let set = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    match (g.no_color, g.color) {
        (true, _) | (_, ColorArg::Never) => false,
        (_, ColorArg::Always) => true,
        (_, ColorArg::Auto) => {
            if set("NO_COLOR").is_some() {
                false
            } else if set("CLICOLOR_FORCE").is_some_and(|v| v != "0") {
                true
            } else {
                stream_is_tty
            }
        }
    }
}

/// Prints a tool failure the way rustc prints an error, and returns 2.
fn fail(e: &Error, g: &Global) -> ExitCode {
    let color = color_on(g, std::io::stderr().is_terminal());
    let (red, bold, reset) = if color {
        ("\x1b[1;31m", "\x1b[1m", "\x1b[0m")
    } else {
        ("", "", "")
    };
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{red}error{reset}{bold}: {e}{reset}");
    if let Some(h) = e.help() {
        let _ = writeln!(err, "  = help: {h}");
    }
    ExitCode::from(2)
}

fn load_config(g: &Global, cwd: &Path) -> Result<Config, Error> {
    match &g.config {
        Some(p) => {
            if !p.is_file() {
                return Err(Error::Path {
                    path: p.display().to_string(),
                    message: "config file not found".into(),
                });
            }
            Config::load(p)
        }
        None => match Config::find(cwd) {
            Some(p) => {
                let rel = relative_to(&p, cwd);
                tracing::info!("using config {}", rel.display());
                Config::load(&rel)
            }
            None => Ok(Config::default()),
        },
    }
}

/// `p` relative to `base` when `p` is under one of its ancestors.
fn relative_to(p: &Path, base: &Path) -> PathBuf {
    let mut up = PathBuf::new();
    let mut anc = Some(base);
    while let Some(a) = anc {
        if let Ok(rest) = p.strip_prefix(a) {
            return if up.as_os_str().is_empty() {
                rest.to_path_buf()
            } else {
                up.join(rest)
            };
        }
        up.push("..");
        anc = a.parent();
    }
    p.to_path_buf()
}

/// Prints the report. `must_check` (every checking command but the
/// hook's `--staged` and `status`): a run that found no migration at all
/// checked nothing, and says so with exit code 2 instead of passing.
fn emit(report: &Report, g: &Global, must_check: bool) -> ExitCode {
    let out = migsafe_core::render::render(
        report,
        g.format(),
        TextOptions {
            color: color_on(g, std::io::stdout().is_terminal()),
            quiet: g.quiet,
        },
    );
    let mut stdout = std::io::stdout().lock();
    let written = stdout
        .write_all(out.as_bytes())
        .and_then(|()| stdout.flush());
    drop(stdout);
    match written {
        Ok(()) => {}
        // A closed pipe (`migsafe check | head`) is not a failure of the check.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        // A full disk or a closed file: the report did not reach its reader,
        // so the run did not do its job.
        Err(e) => {
            eprintln!("error: cannot write the report: {e}");
            return ExitCode::from(2);
        }
    }
    if must_check && report.migrations.is_empty() {
        eprintln!(
            "error: nothing was checked: no migration was found in the paths given\n  = help: name the migrations directory (prisma/migrations, or the paths of [migrations] in migsafe.toml)"
        );
        return ExitCode::from(2);
    }
    // The metrics' consumer alerts on the seed's conditions; the run says
    // so too (a cron job or a CI step fails while one holds).
    if g.format() == Format::Prometheus
        && migsafe_core::render::prometheus::alerts(report)
            .iter()
            .any(|(_, on)| *on)
    {
        return ExitCode::from(1);
    }
    ExitCode::from(report.exit_code() as u8)
}

fn run_validate(
    command: &str,
    checks: Checks,
    paths: &PathsArg,
    g: &Global,
) -> Result<(Report, Audited), Error> {
    let cwd = std::env::current_dir().map_err(|e| Error::Other(e.to_string()))?;
    let config = load_config(g, &cwd)?;
    let mut given = paths.paths.clone();
    given.extend(g.migrations.iter().cloned());
    let opts = migsafe_core::Options {
        cwd: cwd.clone(),
        paths: given,
        since: g.since.clone(),
        staged: paths.staged,
        schema: g.schema.clone(),
    };
    if checks == Checks::DRIFT
        && g.database_url.is_none()
        && migsafe_core::rules::drift::find_schema(
            g.schema.as_deref(),
            &config,
            &migsafe_core::resolve_migration_paths(&cwd, &opts.paths, &config)?,
            &cwd,
        )
        .is_none()
    {
        return Err(Error::Other(
            "no Prisma schema found: pass --schema FILE|DIR or set [schema] path in migsafe.toml (or --database-url to compare a database)"
                .into(),
        ));
    }
    let report = match migsafe_core::check::run(&opts, &config, checks) {
        Ok(v) => with_database(v, command, g, &config)?,
        // The hook in a repository without migrations has nothing to check.
        Err(Error::NoMigrations(_)) if paths.staged => {
            let mut r = Report::new();
            r.finish();
            r
        }
        Err(e) => return Err(e),
    };
    // The audit line is written after the report is printed (a failed
    // write must not swallow the report): see `audit`.
    let audit = match (&g.audit_log, &config.audit_log) {
        (Some(log), _) => Some(Audit {
            path: log.clone(),
            root: None,
        }),
        (None, Some(log)) => Some(Audit {
            path: log.clone(),
            root: config.audit_log_confined.then(|| config.base.clone()),
        }),
        (None, None) => None,
    };
    Ok((report, audit.map(|a| (a, command.to_owned(), cwd))))
}

/// Where the audit line goes; `root`: only inside it (the config's log).
struct Audit {
    path: PathBuf,
    root: Option<PathBuf>,
}

type Audited = Option<(Audit, String, PathBuf)>;

/// Appends the audit line of a run whose report was printed; a failure is
/// exit code 2 with the reason.
fn audit(report: &Report, audited: Audited, code: ExitCode) -> ExitCode {
    let Some((a, command, cwd)) = audited else {
        return code;
    };
    let entry =
        migsafe_core::audit::Entry::new(&command, report, migsafe_core::git::head_info(&cwd));
    let written = match &a.root {
        Some(root) => entry.append_within(&a.path, root),
        None => entry.append(&a.path),
    };
    match written {
        Ok(()) => {
            tracing::info!("audit entry appended to {}", a.path.display());
            code
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

/// Ends the process with exit code 2 and a message unless disarmed in time.
struct Watchdog {
    done: std::sync::mpsc::Sender<()>,
}

impl Watchdog {
    fn arm(timeout: std::time::Duration, message: String) -> Watchdog {
        let (done, rx) = std::sync::mpsc::channel::<()>();
        std::thread::spawn(move || {
            if let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = rx.recv_timeout(timeout) {
                use std::io::Write as _;
                let mut err = std::io::stderr().lock();
                let _ = err.write_all(message.as_bytes());
                let _ = err.flush();
                std::process::exit(2);
            }
        });
        Watchdog { done }
    }

    fn disarm(self) {
        // The watchdog ends either way; a closed channel also disarms it.
        let _ = self.done.send(());
    }
}

/// Adds the live checks when a database URL is given (always for `status`).
fn with_database(
    v: migsafe_core::Validated,
    command: &str,
    g: &Global,
    config: &Config,
) -> Result<Report, Error> {
    let Some(url) = g.database_url.as_deref().filter(|u| !u.is_empty()) else {
        if command == "status" {
            return Err(Error::Other(
                "migsafe status needs a database: pass --database-url URL or set DATABASE_URL"
                    .into(),
            ));
        }
        return Ok(v.report);
    };
    tracing::info!(
        "checking the database at {}",
        migsafe_core::live::redact(url)
    );
    // A server that accepts the connection and then never answers (or
    // stalls after login) must not hang a CI job: past the deadline the
    // whole run stops with exit code 2.
    let watchdog = Watchdog::arm(
        std::time::Duration::from_millis(config.database_timeout_ms),
        format!(
            "error: the database at {} did not answer within {:.1} s (connect, TLS, login or a query stalled)\n  = help: check that the URL names a PostgreSQL server that is up and not overloaded; `[database] timeout-ms` in migsafe.toml sets the limit\n",
            migsafe_core::live::redact(url),
            config.database_timeout_ms as f64 / 1000.0
        ),
    );
    let checked = migsafe_core::live::check(&v, url, config);
    watchdog.disarm();
    let (diags, status) = checked?;
    let mut report = v.report;
    report.diagnostics.extend(diags);
    migsafe_core::live::weigh_lock_findings(&mut report, &status, config);
    report.sort_diagnostics();
    report.status = serde_json::to_value(&status).ok();
    report.finish();
    Ok(report)
}

fn rules_list(g: &Global) -> ExitCode {
    let mut out = String::new();
    match g.format() {
        Format::Json | Format::Sarif | Format::Junit | Format::Gitlab | Format::Prometheus => {
            let v: Vec<serde_json::Value> = migsafe_core::rules::ALL
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "id": r.id,
                        "severity": r.severity.as_str(),
                        "category": r.category.as_str(),
                        "summary": r.summary,
                    })
                })
                .collect();
            out = serde_json::to_string_pretty(&v).unwrap_or_default();
            out.push('\n');
        }
        Format::Text | Format::Github | Format::Markdown => {
            let w = migsafe_core::rules::ALL
                .iter()
                .map(|r| r.id.as_str().len())
                .max()
                .unwrap_or(0);
            for r in migsafe_core::rules::ALL {
                out.push_str(&format!(
                    "{:<w$}  {:<7}  {:<11}  {}\n",
                    r.id,
                    r.severity.as_str(),
                    r.category.as_str(),
                    r.summary
                ));
            }
        }
    }
    let _ = std::io::stdout().lock().write_all(out.as_bytes());
    ExitCode::SUCCESS
}

fn explain(rule: &str, g: &Global) -> ExitCode {
    let text = if rule == "classification" {
        Some(migsafe_core::classification::explain())
    } else if let Some(r) = migsafe_core::rules::by_id(rule) {
        Some(r.explain() + "\n")
    } else {
        migsafe_core::classification::explain_operation(rule)
    };
    match text {
        Some(t) => {
            let _ = std::io::stdout().lock().write_all(t.as_bytes());
            ExitCode::SUCCESS
        }
        None => {
            let help = match migsafe_core::rules::suggest(rule) {
                Some(s) => format!("did you mean `{s}`? `migsafe rules` lists every rule"),
                None => "`migsafe rules` lists every rule; `migsafe explain classification` every operation".into(),
            };
            fail(
                &Error::Config {
                    path: String::new(),
                    line: None,
                    column: None,
                    message: format!("unknown rule or operation `{rule}`"),
                    help: Some(help),
                },
                g,
            )
        }
    }
}

fn init(force: bool, g: &Global) -> ExitCode {
    let path = Path::new(migsafe_core::config::FILE_NAME);
    if path.exists() && !force {
        return fail(
            &Error::Other(format!(
                "{} already exists; pass --force to overwrite it",
                path.display()
            )),
            g,
        );
    }
    match std::fs::write(path, migsafe_core::config::TEMPLATE) {
        Ok(()) => {
            if !g.quiet {
                println!("wrote {}", path.display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail(
            &Error::Other(format!("cannot write {}: {e}", path.display())),
            g,
        ),
    }
}

fn hooks(action: &HooksCommand, g: &Global) -> ExitCode {
    let cwd = match std::env::current_dir() {
        Ok(c) => c,
        Err(e) => return fail(&Error::Other(e.to_string()), g),
    };
    let result = match action {
        HooksCommand::Install => {
            let exe = std::env::current_exe().ok();
            migsafe_core::hooks::install(&cwd, exe.as_deref())
        }
        HooksCommand::Uninstall => migsafe_core::hooks::uninstall(&cwd),
    };
    match result {
        Ok(msg) => {
            if !g.quiet {
                println!("{msg}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e, g),
    }
}

/// The whole local history, analyzed.
fn history_of(paths: &PathsArg, g: &Global) -> Result<Vec<migsafe_core::AnalyzedMigration>, Error> {
    let cwd = std::env::current_dir().map_err(|e| Error::Other(e.to_string()))?;
    let config = load_config(g, &cwd)?;
    let mut given = paths.paths.clone();
    given.extend(g.migrations.iter().cloned());
    let opts = migsafe_core::Options {
        cwd,
        paths: given,
        since: None,
        staged: paths.staged,
        schema: g.schema.clone(),
    };
    let v = migsafe_core::check::run(&opts, &config, Checks::NONE)?;
    if v.analyzed.is_empty() {
        return Err(Error::NoMigrations(
            "no migration was found in the paths given".to_owned(),
        ));
    }
    Ok(v.analyzed)
}

/// Prints `text`, or writes it to a new file (never over an existing one:
/// that could be a migration).
fn deliver(text: &str, output: Option<&Path>, g: &Global) -> Result<(), Error> {
    match output {
        None => {
            let mut out = std::io::stdout().lock();
            match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                Err(e) => Err(Error::Other(format!("cannot write the script: {e}"))),
            }
        }
        Some(p) => {
            let file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(p);
            let mut f = file.map_err(|e| Error::Path {
                path: p.display().to_string(),
                message: if e.kind() == std::io::ErrorKind::AlreadyExists {
                    "already exists: migsafe never overwrites a file (it could be a migration); choose a new name".to_owned()
                } else {
                    format!("cannot create it: {e}")
                },
            })?;
            f.write_all(text.as_bytes())
                .and_then(|()| f.sync_all())
                .map_err(|e| Error::Path {
                    path: p.display().to_string(),
                    message: format!("cannot write it: {e}"),
                })?;
            if !g.quiet {
                eprintln!("wrote {}", p.display());
            }
            Ok(())
        }
    }
}

fn rollback(action: &RollbackCommand, g: &Global) -> ExitCode {
    match rollback_run(action, g) {
        Ok(code) => code,
        Err(e) => fail(&e, g),
    }
}

fn rollback_run(action: &RollbackCommand, g: &Global) -> Result<ExitCode, Error> {
    use migsafe_core::rollback::{PlanRequest, plan::plan};
    let json = matches!(g.format, Some(FormatArg::Json));
    match action {
        RollbackCommand::Plan { to, output, paths } => {
            let migrations = history_of(paths, g)?;
            let history = match g.database_url.as_deref().filter(|u| !u.is_empty()) {
                Some(url) => Some(
                    migsafe_core::rollback::verify::history(url)?.ok_or_else(|| {
                        Error::Other(
                            "the database has no _prisma_migrations table: without Prisma's history, name the last good state with --to".to_owned(),
                        )
                    })?,
                ),
                None => None,
            };
            let p = plan(
                &migrations,
                PlanRequest {
                    to: to.as_deref(),
                    history: history.as_deref(),
                },
            )?;
            let text = if json {
                serde_json::to_string_pretty(&p).map_err(|e| Error::Other(e.to_string()))? + "\n"
            } else {
                p.script(true)
            };
            deliver(&text, output.as_deref(), g)?;
            // A plan that cannot roll back is a finding: exit 1.
            Ok(if p.blocked.is_empty() {
                ExitCode::SUCCESS
            } else {
                eprintln!(
                    "error: rollback is impossible: {} statement{} deleted data no SQL brings back; the script holds the roll-forward instead",
                    p.blocked.len(),
                    if p.blocked.len() == 1 { "" } else { "s" }
                );
                ExitCode::from(1)
            })
        }
        RollbackCommand::EmitDown {
            migration,
            output,
            paths,
        } => {
            let migrations = history_of(paths, g)?;
            let text = migsafe_core::rollback::emit_down(&migrations, migration)?;
            deliver(&text, output.as_deref(), g)?;
            Ok(ExitCode::SUCCESS)
        }
        RollbackCommand::Verify {
            to,
            scratch_url,
            setup,
            paths,
        } => {
            let migrations = history_of(paths, g)?;
            let setup = match setup {
                Some(p) => Some(std::fs::read_to_string(p).map_err(|e| Error::Path {
                    path: p.display().to_string(),
                    message: format!("cannot read the setup script: {e}"),
                })?),
                None => None,
            };
            let v = migsafe_core::rollback::verify::verify(
                &migrations,
                PlanRequest {
                    to: to.as_deref(),
                    history: None,
                },
                scratch_url,
                setup.as_deref(),
            )?;
            let text = if json {
                serde_json::to_string_pretty(&v).map_err(|e| Error::Other(e.to_string()))? + "\n"
            } else {
                verify_text(&v)
            };
            deliver(&text, None, g)?;
            Ok(if v.restores_but_left_behind() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
    }
}

fn verify_text(v: &migsafe_core::rollback::verify::Verified) -> String {
    use migsafe_core::rollback::WayBack;
    let mut o = String::new();
    let target = v
        .plan
        .target
        .as_deref()
        .unwrap_or("before the first migration");
    o.push_str(&format!(
        "scratch database {} (created and dropped): {} migration{} applied\n",
        v.scratch,
        v.applied,
        if v.applied == 1 { "" } else { "s" }
    ));
    if let Some((m, e)) = &v.history_failed {
        o.push_str(&format!(
            "error: the history does not apply on PostgreSQL: {m}: {e}\n"
        ));
        return o;
    }
    for s in &v.plan.steps {
        let way = match &s.way {
            WayBack::DownScript { path, .. } => format!("down script {path}"),
            WayBack::Generated { .. } => "generated".to_owned(),
            WayBack::Plan { .. } => "generated, with manual steps".to_owned(),
        };
        o.push_str(&format!("  undo {} ({way})\n", s.migration));
    }
    for b in &v.plan.blocked {
        o.push_str(&format!(
            "error: rollback impossible: {}:{}: {} ({}): {}\n",
            b.path, b.line, b.title, b.migration, b.why
        ));
    }
    let what = if v.plan.blocked.is_empty() {
        "the plan"
    } else {
        "the roll-forward"
    };
    if let Some(e) = &v.plan_failed {
        o.push_str(&format!("error: {what} fails on PostgreSQL: {e}\n"));
        return o;
    }
    if v.differences.is_empty() {
        o.push_str(&format!(
            "ok: {what} restores the schema of {target} exactly\n"
        ));
    } else if v.restores_but_left_behind() {
        let labels = migsafe_core::rollback::verify::labels();
        o.push_str(&format!(
            "ok: {what} restores the schema of {target}, but for {} enum value{} PostgreSQL cannot remove (left behind):\n",
            v.differences.len(),
            if v.differences.len() == 1 { "" } else { "s" }
        ));
        for d in &v.differences {
            o.push_str(&format!("  {}\n", d.message(&labels)));
        }
    } else {
        let labels = migsafe_core::rollback::verify::labels();
        o.push_str(&format!(
            "error: {what} leaves {} difference{} from the schema of {target}:\n",
            v.differences.len(),
            if v.differences.len() == 1 { "" } else { "s" }
        ));
        for d in &v.differences {
            o.push_str(&format!("  {}\n", d.message(&labels)));
        }
    }
    o
}

/// The options every command has on its command line (the fields of
/// [`Global`], and `--staged`).
const SHARED_OPTIONS: &[&str] = &[
    "format",
    "config",
    "migrations",
    "schema",
    "color",
    "no_color",
    "quiet",
    "since",
    "database_url",
    "audit_log",
    "verbose",
    "staged",
];

/// The options a command reads (ids of [`Global`]'s fields, and `staged`),
/// and the formats it writes. Every other option is hidden from the
/// command's help and refused on its command line.
fn options_of(cmd: &str) -> (&'static [&'static str], &'static [&'static str]) {
    const REPORT_FORMATS: &[&str] = &[
        "text", "json", "sarif", "github", "junit", "gitlab", "markdown",
    ];
    const LOOK: &[&str] = &["color", "no_color", "verbose"];
    match cmd {
        "check" | "validate" | "rollback-check" | "drift-check" => (SHARED_OPTIONS, REPORT_FORMATS),
        "status" => (
            &[
                "format",
                "config",
                "migrations",
                "color",
                "no_color",
                "quiet",
                "database_url",
                "audit_log",
                "verbose",
            ],
            &["text", "json", "prometheus"],
        ),
        "rollback plan" | "rollback emit-down" | "rollback verify" => (
            &[
                "format",
                "config",
                "migrations",
                "color",
                "no_color",
                "quiet",
                "database_url",
                "verbose",
            ],
            &["text", "json"],
        ),
        "rules" => (
            &["format", "color", "no_color", "verbose"],
            &["text", "json"],
        ),
        "hooks install" | "hooks uninstall" | "init" => {
            (&["color", "no_color", "quiet", "verbose"], &[])
        }
        _ => (LOOK, &[]),
    }
}

/// The command line definition with each command's options only.
fn command_line() -> clap::Command {
    use clap::CommandFactory;
    use clap::builder::{PossibleValuesParser, TypedValueParser};
    let mut cmd = Cli::command();
    cmd.build();
    fn restrict(c: clap::Command, path: &str) -> clap::Command {
        let subs: Vec<String> = c
            .get_subcommands()
            .map(|s| s.get_name().to_owned())
            .collect();
        let mut c = c;
        if !subs.is_empty() || path.is_empty() {
            // Commands with subcommands (`rollback`, `hooks`) take none.
            c = c.mut_args(|a| {
                if SHARED_OPTIONS.contains(&a.get_id().as_str()) {
                    a.hide(true)
                } else {
                    a
                }
            });
        } else {
            let (allowed, formats) = options_of(path);
            // In place (`mut_args` keeps the order the built command's
            // keys point to).
            c = c.mut_args(|a| {
                let id = a.get_id().as_str().to_owned();
                if !SHARED_OPTIONS.contains(&id.as_str()) {
                    a
                } else if !allowed.contains(&id.as_str()) {
                    a.hide(true)
                } else if id == "format" {
                    a.value_parser(
                        PossibleValuesParser::new(formats.to_vec())
                            .try_map(|v| <FormatArg as ValueEnum>::from_str(&v, true)),
                    )
                } else {
                    a
                }
            });
        }
        for name in subs {
            let child = if path.is_empty() {
                name.clone()
            } else {
                format!("{path} {name}")
            };
            c = c.mut_subcommand(&name, |sc| restrict(sc, &child));
        }
        c
    }
    cmd = restrict(cmd, "");
    cmd
}

/// The deepest command given and its matches.
fn command_path(m: &clap::ArgMatches) -> (String, &clap::ArgMatches) {
    let mut path = String::new();
    let mut at = m;
    while let Some((name, sub)) = at.subcommand() {
        if !path.is_empty() {
            path.push(' ');
        }
        path.push_str(name);
        at = sub;
    }
    (path, at)
}

fn main() -> ExitCode {
    use clap::FromArgMatches;
    let matches = command_line().get_matches();
    let (path, leaf) = command_path(&matches);
    let (allowed, _) = options_of(&path);
    for id in leaf.ids() {
        let id = id.as_str();
        if SHARED_OPTIONS.contains(&id)
            && !allowed.contains(&id)
            && leaf.value_source(id) == Some(clap::parser::ValueSource::CommandLine)
        {
            eprintln!(
                "error: --{} means nothing to `migsafe {path}`\n  = help: `migsafe {path} --help` lists its options",
                id.replace('_', "-")
            );
            return ExitCode::from(2);
        }
    }
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => e.exit(),
    };
    // A format given before the command (`migsafe --format sarif rules`)
    // was read by the top level's parser: held to the command's formats too.
    if let Some(f) = cli.global.format.and_then(|f| f.to_possible_value()) {
        let (_, formats) = options_of(&path);
        if !formats.contains(&f.get_name()) {
            eprintln!(
                "error: `migsafe {path}` does not write --format {}{}",
                f.get_name(),
                if formats.is_empty() {
                    String::new()
                } else {
                    format!("\n  = help: its formats: {}", formats.join(", "))
                }
            );
            return ExitCode::from(2);
        }
    }
    init_tracing(
        cli.global.verbose,
        color_on(&cli.global, std::io::stderr().is_terminal()),
    );
    let g = &cli.global;
    match &cli.command {
        Command::Check(p) => match run_validate("check", Checks::ALL, p, g) {
            Ok((r, a)) => {
                let code = emit(&r, g, !p.staged);
                audit(&r, a, code)
            }
            Err(e) => fail(&e, g),
        },
        Command::Validate(p) => match run_validate("validate", Checks::VALIDATE, p, g) {
            Ok((r, a)) => {
                let code = emit(&r, g, !p.staged);
                audit(&r, a, code)
            }
            Err(e) => fail(&e, g),
        },
        Command::RollbackCheck(p) => match run_validate("rollback-check", Checks::ROLLBACK, p, g) {
            Ok((r, a)) => {
                if g.format() == Format::Text && !g.quiet {
                    let table = migsafe_core::render::text::rollback_table(
                        &r,
                        color_on(g, std::io::stdout().is_terminal()),
                    );
                    let _ = std::io::stdout().lock().write_all(table.as_bytes());
                }
                let code = emit(&r, g, !p.staged);
                audit(&r, a, code)
            }
            Err(e) => fail(&e, g),
        },
        Command::DriftCheck(p) => match run_validate("drift-check", Checks::DRIFT, p, g) {
            Ok((r, a)) => {
                let code = emit(&r, g, !p.staged);
                audit(&r, a, code)
            }
            Err(e) => fail(&e, g),
        },
        Command::Status(p) => match run_validate("status", Checks::NONE, p, g) {
            Ok((r, a)) => {
                let code = emit(&r, g, false);
                audit(&r, a, code)
            }
            Err(e) => fail(&e, g),
        },
        Command::Rollback { action } => rollback(action, g),
        Command::Hooks { action } => hooks(action, g),
        Command::Rules => rules_list(g),
        Command::Explain { rule } => explain(rule, g),
        Command::Init { force } => init(*force, g),
        Command::Completions { shell } => {
            let mut out = Vec::new();
            clap_complete::generate(*shell, &mut command_line(), "migsafe", &mut out);
            write_stdout(&out)
        }
        Command::Man { command } => {
            let mut page = command_line();
            page.build();
            let mut title = "migsafe".to_owned();
            for (i, name) in command.iter().enumerate() {
                let Some(sub) = page.find_subcommand(name).cloned() else {
                    eprintln!(
                        "error: `migsafe {}` is not a command\n  = help: `migsafe --help` lists them",
                        command[..=i].join(" ")
                    );
                    return ExitCode::from(2);
                };
                // The page's title names the whole command: migsafe-rollback-plan.
                title = format!("{title}-{name}");
                page = sub;
            }
            let mut out = Vec::new();
            match clap_mangen::Man::new(page).title(title).render(&mut out) {
                Ok(()) => write_stdout(&out),
                Err(e) => {
                    eprintln!("error: cannot render the manual page: {e}");
                    ExitCode::from(2)
                }
            }
        }
    }
}

/// Writes `bytes` to stdout: exit 0, or 2 when the write fails (a full
/// disk, a closed pipe), never a silent success.
fn write_stdout(bytes: &[u8]) -> ExitCode {
    let mut o = std::io::stdout().lock();
    match o.write_all(bytes).and_then(|()| o.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: cannot write to stdout: {e}");
            ExitCode::from(2)
        }
    }
}
