//! Test support: a throwaway PostgreSQL server on a free loopback port.
//!
//! [`TestPg::start`] creates a temporary data directory, runs `initdb`
//! (trust authentication, superuser `postgres`) and starts `postgres` on a
//! free port of `127.0.0.1`, with its socket in the same directory. Dropping
//! the [`TestPg`] stops the server (`pg_ctl -m fast stop`) and removes the
//! directory.
//!
//! Starting a server takes a second or two, so a test binary normally shares
//! one: [`shared`] starts it on first use, and each test makes its own
//! database with [`TestPg::fresh_database`]. The shared server lives in a
//! `static`, which Rust never drops; a small watchdog process (`sh`, detached
//! from the terminal's process group) holds the read end of a pipe whose
//! write end only the test process holds. When the test process exits, for
//! whatever reason, the kernel closes the pipe and the watchdog stops the
//! server (`pg_ctl -m immediate stop`: the data is thrown away anyway) and
//! removes the directory.
//!
//! When PostgreSQL is not installed or cannot start, tests skip with a
//! reason, except under `CI=true`, where they fail: see [`require_pg!`].
//!
//! PostgreSQL refuses to run as root. When the tests run as root (sessions
//! and CI containers), every server command runs as the `postgres` system
//! user through `runuser`, and the directory is handed to that user.
//!
//! The binaries are found in `$MIGSAFE_PG_BIN`, then the newest
//! `/usr/lib/postgresql/*/bin`, then `pg_config --bindir`, then `PATH`.

#![warn(missing_docs)]

use std::fmt;
use std::io::Write as _;
use std::net::TcpListener;
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};
use std::process::{ChildStdin, Command, Output, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Why no server could be started: PostgreSQL is not installed, `initdb`
/// failed, no port could be bound, ….
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skip(pub String);

impl fmt::Display for Skip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Skip {}

/// A running throwaway PostgreSQL server. Stopped and removed on drop.
#[derive(Debug)]
pub struct TestPg {
    /// `postgres://postgres@127.0.0.1:PORT/postgres`: the superuser, trust
    /// authentication, the default database.
    pub url: String,
    /// The loopback port the server listens on.
    pub port: u16,
    /// The server's major version, from `pg_ctl --version` (`15`).
    pub version: String,
    dir: PathBuf,
    bin: PathBuf,
    as_postgres: bool,
    /// Set for the shared server: the watchdog stops it at process exit.
    watchdog: Option<ChildStdin>,
}

/// How many times a start is retried on another port when the chosen one
/// was taken in between.
const PORT_ATTEMPTS: usize = 5;

static COUNTER: AtomicU32 = AtomicU32::new(0);

impl TestPg {
    /// Creates a data directory and starts a server on a free loopback port.
    ///
    /// # Errors
    ///
    /// A [`Skip`] with the reason when PostgreSQL is not installed, the
    /// directory cannot be prepared, `initdb` fails or the server does not
    /// start (the reason then ends with the server log).
    pub fn start() -> Result<TestPg, Skip> {
        Self::start_with(&[], &[])
    }

    /// Like [`TestPg::start`], with extra server settings (`-c NAME=VALUE`)
    /// and files written into the data directory before the start (owned
    /// by the server's user, mode `0600`): for example `ssl=on` with
    /// `server.crt` and `server.key`. Relative paths in settings such as
    /// `ssl_cert_file` are relative to the data directory.
    ///
    /// # Errors
    ///
    /// As [`TestPg::start`]; also when a file cannot be written.
    pub fn start_with(settings: &[(&str, &str)], files: &[(&str, &[u8])]) -> Result<TestPg, Skip> {
        let bin = find_bin_dir()?;
        let as_postgres = running_as_root();
        let dir = make_temp_dir()?;
        let mut pg = TestPg {
            url: String::new(),
            port: 0,
            version: String::new(),
            dir,
            bin,
            as_postgres,
            watchdog: None,
        };
        // From here on, dropping `pg` removes the directory (and stops the
        // server once it runs).
        if as_postgres {
            let out = run(Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(&pg.dir))
            .map_err(|e| Skip(format!("cannot hand the directory to user `postgres`: {e}")))?;
            if !out.status.success() {
                return Err(Skip(format!(
                    "cannot hand {} to user `postgres` (is there a `postgres` system user?): {}",
                    pg.dir.display(),
                    text(&out)
                )));
            }
        }
        pg.version = pg
            .pg_cmd("pg_ctl", &["--version"])
            .ok()
            .filter(|o| o.status.success())
            .map(|o| major_version(&String::from_utf8_lossy(&o.stdout)))
            .unwrap_or_default();
        let data = pg.data_dir();
        let data_arg = data.to_string_lossy().into_owned();
        let out = pg
            .pg_cmd(
                "initdb",
                &[
                    "-D",
                    &data_arg,
                    "-A",
                    "trust",
                    "-U",
                    "postgres",
                    "-E",
                    "UTF8",
                    "--no-locale",
                    "--no-sync",
                ],
            )
            .map_err(|e| Skip(format!("cannot run initdb: {e}")))?;
        if !out.status.success() {
            return Err(Skip(format!("initdb failed: {}", text(&out))));
        }
        for (name, bytes) in files {
            let path = data.join(name);
            std::fs::write(&path, bytes)
                .and_then(|()| {
                    std::fs::set_permissions(
                        &path,
                        std::os::unix::fs::PermissionsExt::from_mode(0o600),
                    )
                })
                .map_err(|e| Skip(format!("cannot write {}: {e}", path.display())))?;
            if as_postgres {
                let out = run(Command::new("chown").arg("postgres:postgres").arg(&path))
                    .map_err(|e| Skip(format!("cannot run chown: {e}")))?;
                if !out.status.success() {
                    return Err(Skip(format!(
                        "cannot chown {}: {}",
                        path.display(),
                        text(&out)
                    )));
                }
            }
        }
        let extra: String = settings
            .iter()
            .map(|(k, v)| format!(" -c {k}={v}"))
            .collect();
        let mut last = String::new();
        for _ in 0..PORT_ATTEMPTS {
            let port = free_port()?;
            let opts = format!(
                "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off \
                 -c synchronous_commit=off -c full_page_writes=off{extra}",
                pg.dir.display()
            );
            let log = pg.dir.join("server.log");
            let out = pg
                .pg_cmd(
                    "pg_ctl",
                    &[
                        "-D",
                        &data_arg,
                        "-l",
                        &log.to_string_lossy(),
                        "-o",
                        &opts,
                        "-w",
                        "-t",
                        "60",
                        "start",
                    ],
                )
                .map_err(|e| Skip(format!("cannot run pg_ctl: {e}")))?;
            if out.status.success() {
                pg.port = port;
                pg.url = format!("postgres://postgres@127.0.0.1:{port}/postgres");
                return Ok(pg);
            }
            let server_log = std::fs::read_to_string(&log).unwrap_or_default();
            last = format!("{}\n{}", text(&out), tail(&server_log, 20));
            // Only a port taken in between is worth another try.
            if !server_log.contains("could not bind") && !server_log.contains("already in use") {
                break;
            }
        }
        Err(Skip(format!(
            "the PostgreSQL server did not start: {}",
            last.trim()
        )))
    }

    /// The server's data directory.
    pub fn data_dir(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// The URL of database `name` on this server.
    pub fn database_url(&self, name: &str) -> String {
        format!(
            "postgres://postgres@127.0.0.1:{}/{}",
            self.port,
            percent_encode(name)
        )
    }

    /// Creates database `name` (dropping an existing one first) and returns
    /// its URL.
    ///
    /// # Errors
    ///
    /// `psql`'s message when the database cannot be created.
    pub fn try_create_database(&self, name: &str) -> Result<String, String> {
        let ident = quote_ident(name);
        self.psql(
            "postgres",
            &format!("DROP DATABASE IF EXISTS {ident} WITH (FORCE);"),
        )?;
        self.psql("postgres", &format!("CREATE DATABASE {ident};"))?;
        Ok(self.database_url(name))
    }

    /// Creates database `name` (dropping an existing one first) and returns
    /// its URL.
    ///
    /// # Panics
    ///
    /// When the database cannot be created: this is test support, and the
    /// test cannot go on.
    #[allow(clippy::panic, reason = "test support: a failure here fails the test")]
    pub fn create_database(&self, name: &str) -> String {
        match self.try_create_database(name) {
            Ok(url) => url,
            Err(e) => panic!("cannot create test database {name:?}: {e}"),
        }
    }

    /// Creates a database with a name unique in this process, starting
    /// with `prefix` (lower case letters, digits and `_` are kept), and
    /// returns `(name, url)`.
    ///
    /// # Panics
    ///
    /// When the database cannot be created.
    pub fn fresh_database(&self, prefix: &str) -> (String, String) {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let clean: String = prefix
            .chars()
            .map(|c| c.to_ascii_lowercase())
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
            .take(40)
            .collect();
        let name = format!("{clean}_{n}");
        let url = self.create_database(&name);
        (name, url)
    }

    /// Runs `sql` with `psql` (as superuser `postgres`, stopping at the first
    /// error) in `database`, and returns its unaligned, tuples-only output.
    ///
    /// # Errors
    ///
    /// `psql`'s error output when a statement fails or `psql` cannot run.
    pub fn psql(&self, database: &str, sql: &str) -> Result<String, String> {
        let psql = self.bin.join("psql");
        let mut child = Command::new(&psql)
            .args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"])
            .args(["-h", "127.0.0.1", "-U", "postgres"])
            .arg("-p")
            .arg(self.port.to_string())
            .arg("-d")
            .arg(database)
            .args(["-f", "-"])
            .env_remove("PGPASSWORD")
            .env_remove("PGSERVICE")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", psql.display()))?;
        if let Some(mut stdin) = child.stdin.take() {
            stdin
                .write_all(sql.as_bytes())
                .map_err(|e| format!("cannot write to psql: {e}"))?;
        }
        let out = child
            .wait_with_output()
            .map_err(|e| format!("psql did not finish: {e}"))?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        } else {
            Err(text(&out))
        }
    }

    /// Stops the server now (`pg_ctl -m fast stop`). Called by `Drop`.
    fn stop(&mut self) {
        if self.port != 0 {
            let data = self.data_dir().to_string_lossy().into_owned();
            let _ = self.pg_cmd("pg_ctl", &["-D", &data, "-m", "fast", "-w", "stop"]);
            self.port = 0;
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }

    /// Starts the watchdog that stops the server when this process exits.
    fn arm_watchdog(&mut self) -> Result<(), Skip> {
        let data = self.data_dir();
        let pg_ctl = self.bin.join("pg_ctl");
        let stop = format!(
            "{} {} -D {} -m immediate -w stop",
            if self.as_postgres {
                "runuser -u postgres --"
            } else {
                ""
            },
            sh_quote(&pg_ctl.to_string_lossy()),
            sh_quote(&data.to_string_lossy()),
        );
        // `cat` returns at end of file: when the last write end of the pipe
        // closes, that is, when this process is gone.
        let script = format!(
            "cat >/dev/null; {stop} >/dev/null 2>&1; rm -rf {}",
            sh_quote(&self.dir.to_string_lossy())
        );
        let mut cmd = if Path::new("/usr/bin/setsid").exists() || Path::new("/bin/setsid").exists()
        {
            let mut c = Command::new("setsid");
            c.args(["sh", "-c", &script]);
            c
        } else {
            let mut c = Command::new("sh");
            c.args(["-c", &script]);
            c
        };
        let mut child = cmd
            .current_dir(&self.dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| {
                Skip(format!(
                    "cannot start the watchdog that stops the server: {e}"
                ))
            })?;
        let Some(stdin) = child.stdin.take() else {
            return Err(Skip("the watchdog has no stdin pipe".to_owned()));
        };
        self.watchdog = Some(stdin);
        // The child is deliberately not waited for: it outlives us.
        drop(child);
        Ok(())
    }

    fn pg_cmd(&self, program: &str, args: &[&str]) -> std::io::Result<Output> {
        let exe = self.bin.join(program);
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&exe);
            c
        } else {
            Command::new(&exe)
        };
        cmd.args(args)
            .current_dir(&self.dir)
            .env_remove("PGDATA")
            .env_remove("PGPORT")
            .env_remove("PGHOST")
            .env("LC_ALL", "C")
            .stdin(Stdio::null());
        run(&mut cmd)
    }
}

impl Drop for TestPg {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The server shared by every test of this test binary, started on first
/// use and stopped when the process exits (see the [crate](crate) docs).
///
/// # Errors
///
/// The [`Skip`] reason, the same for every caller, when the server could
/// not start.
pub fn shared() -> Result<&'static TestPg, Skip> {
    static SHARED: OnceLock<Result<TestPg, Skip>> = OnceLock::new();
    SHARED
        .get_or_init(|| {
            let mut pg = TestPg::start()?;
            pg.arm_watchdog()?;
            Ok(pg)
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// True when the environment says this is CI (`CI=true` or `CI=1`): there
/// a missing PostgreSQL fails the test instead of skipping it.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| matches!(v.trim(), "true" | "1" | "TRUE" | "True"))
}

/// Reports a test that cannot run: prints `skipped: REASON`, or panics
/// under CI (see [`in_ci`]).
///
/// # Panics
///
/// Under `CI=true`, always: CI must not pass by skipping.
#[allow(clippy::panic, reason = "test support: under CI a skip is a failure")]
pub fn skip_or_fail(reason: &Skip) {
    if in_ci() {
        panic!("required under CI=true but unavailable: {reason}");
    }
    announce_skip(reason);
}

/// Writes `skipped: TEST: REASON` straight to the process's stderr. The test
/// harness captures `println!` and `eprintln!` and shows them only for
/// failing tests; a skip must be visible in every run, so it bypasses the
/// capture.
fn announce_skip(reason: &Skip) {
    let test = std::thread::current().name().unwrap_or("a test").to_owned();
    let line = format!("skipped: {test}: {reason}\n");
    // Nothing sensible is left to do when stderr itself is gone.
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

/// `../shared/corpora`, the public migration histories that live beside the
/// repository (never inside it), or why they are not there.
/// `MIGSAFE_CORPORA` names another folder of the same shape.
///
/// # Errors
///
/// A [`Skip`] naming the directory looked for, when it is absent (a user's
/// clone of the repository).
pub fn corpora() -> Result<PathBuf, Skip> {
    let dir = match std::env::var_os("MIGSAFE_CORPORA") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora"),
    };
    if dir.is_dir() {
        Ok(dir)
    } else {
        Err(Skip(format!(
            "the public migration histories are not at {} (they live beside the repository, not in it)",
            dir.display()
        )))
    }
}

/// `../shared/corpora`, or skip the test (`skipped: …` on stderr); under
/// `CI=true` a missing corpus fails the test instead.
#[macro_export]
macro_rules! require_corpora {
    () => {
        match $crate::corpora() {
            Ok(dir) => dir,
            Err(reason) => {
                $crate::skip_or_fail(&reason);
                return;
            }
        }
    };
}

/// The shared server, or skip the test: prints `skipped: REASON` and
/// returns from the calling test; under `CI=true` fails it instead.
///
/// ```no_run
/// #[test]
/// fn reads_the_catalog() {
///     let pg = migsafe_testpg::require_pg!();
///     let (_, url) = pg.fresh_database("catalog");
///     // …
/// }
/// ```
#[macro_export]
macro_rules! require_pg {
    () => {
        match $crate::shared() {
            Ok(pg) => pg,
            Err(reason) => {
                $crate::skip_or_fail(&reason);
                return;
            }
        }
    };
}

fn run(cmd: &mut Command) -> std::io::Result<Output> {
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).output()
}

fn text(out: &Output) -> String {
    let mut s = String::from_utf8_lossy(&out.stderr).trim().to_owned();
    let o = String::from_utf8_lossy(&out.stdout);
    if !o.trim().is_empty() {
        if !s.is_empty() {
            s.push('\n');
        }
        s.push_str(o.trim());
    }
    if s.is_empty() {
        s = format!("exited with {}", out.status);
    }
    s
}

fn tail(s: &str, lines: usize) -> String {
    let all: Vec<&str> = s.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

fn major_version(s: &str) -> String {
    // `pg_ctl (PostgreSQL) 15.8 (Debian 15.8-1)`
    s.split_whitespace()
        .find(|w| w.starts_with(|c: char| c.is_ascii_digit()))
        .map(|w| w.split('.').next().unwrap_or(w).to_owned())
        .unwrap_or_default()
}

fn running_as_root() -> bool {
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

fn find_bin_dir() -> Result<PathBuf, Skip> {
    let has_all = |d: &Path| {
        ["initdb", "pg_ctl", "postgres", "psql"]
            .iter()
            .all(|b| d.join(b).is_file())
    };
    if let Some(d) = std::env::var_os("MIGSAFE_PG_BIN") {
        let d = PathBuf::from(d);
        return if has_all(&d) {
            Ok(d)
        } else {
            Err(Skip(format!(
                "MIGSAFE_PG_BIN={} does not hold initdb, pg_ctl, postgres and psql",
                d.display()
            )))
        };
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse::<u32>().ok()?;
            Some((v, e.path().join("bin")))
        })
        .filter(|(_, d)| has_all(d))
        .collect();
    versions.sort();
    if let Some((_, d)) = versions.pop() {
        return Ok(d);
    }
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output()
        && out.status.success()
    {
        let d = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if has_all(&d) {
            return Ok(d);
        }
    }
    for d in std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()) {
        if has_all(&d) {
            return Ok(d);
        }
    }
    Err(Skip(
        "PostgreSQL is not installed (no initdb, pg_ctl, postgres and psql in MIGSAFE_PG_BIN, \
         /usr/lib/postgresql/*/bin, pg_config --bindir or PATH)"
            .to_owned(),
    ))
}

fn make_temp_dir() -> Result<PathBuf, Skip> {
    let base = std::env::temp_dir();
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let mut last = None;
    for attempt in 0..100u32 {
        let dir = base.join(format!(
            "migsafe-testpg-{}-{}-{nanos:x}-{attempt}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => {
                return Err(Skip(format!(
                    "cannot create a directory in {}: {e}",
                    base.display()
                )));
            }
        }
    }
    Err(Skip(format!(
        "cannot create a unique directory in {}: {}",
        base.display(),
        last.map(|e| e.to_string()).unwrap_or_default()
    )))
}

fn free_port() -> Result<u16, Skip> {
    let l = TcpListener::bind("127.0.0.1:0")
        .map_err(|e| Skip(format!("cannot bind a loopback port: {e}")))?;
    l.local_addr()
        .map(|a| a.port())
        .map_err(|e| Skip(format!("cannot read the bound port: {e}")))
}

/// `"name"` with inner quotes doubled.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

fn percent_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_and_quoting() {
        assert_eq!(
            major_version("pg_ctl (PostgreSQL) 15.8 (Debian 15.8-1)"),
            "15"
        );
        assert_eq!(major_version("pg_ctl (PostgreSQL) 17devel"), "17devel");
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(sh_quote("it's"), "'it'\\''s'");
        assert_eq!(percent_encode("db é/1"), "db%20%C3%A9%2F1");
        assert_eq!(tail("a\nb\nc", 2), "b\nc");
    }
}
