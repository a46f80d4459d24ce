#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

//! The server starts on loopback, serves databases, and is gone afterwards:
//! dropped servers stop at once, the shared one when the process exits.

use std::net::TcpStream;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use migsafe_testpg::{TestPg, require_pg, skip_or_fail};

fn accepts(port: u16) -> bool {
    TcpStream::connect(("127.0.0.1", port)).is_ok()
}

/// The process runs (a zombie, which nobody may reap in a container, has
/// ended).
fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // `pid (comm) state …`: comm may hold spaces and parentheses.
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| !matches!(rest.trim_start().chars().next(), Some('Z' | 'X'))),
        Err(_) => false,
    }
}

/// Waits for `cond`; the servers stop asynchronously. The bound only turns
/// a server that never stops into a failure instead of a hang: on a busy
/// machine the watchdog may take many seconds, so it is generous.
fn eventually(mut cond: impl FnMut() -> bool) -> bool {
    let until = Instant::now() + Duration::from_secs(300);
    while Instant::now() < until {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    cond()
}

#[test]
fn a_dropped_server_is_stopped_and_removed() {
    let pg = match TestPg::start() {
        Ok(pg) => pg,
        Err(reason) => return skip_or_fail(&reason),
    };
    assert!(pg.url.starts_with("postgres://postgres@127.0.0.1:"));
    assert!(pg.url.ends_with(&format!(":{}/postgres", pg.port)));
    assert!(accepts(pg.port));
    let url = pg.create_database("lifecycle");
    assert!(url.ends_with("/lifecycle"));
    assert_eq!(pg.psql("lifecycle", "SELECT 40 + 2;").unwrap().trim(), "42");
    // Only loopback.
    let listen = pg.psql("postgres", "SHOW listen_addresses;").unwrap();
    assert_eq!(listen.trim(), "127.0.0.1");
    // A failing statement is an error with PostgreSQL's message.
    let err = pg.psql("lifecycle", "SELECT * FROM nope;").unwrap_err();
    assert!(err.contains("\"nope\" does not exist"), "{err}");

    let port = pg.port;
    let data = pg.data_dir();
    assert!(data.join("PG_VERSION").is_file());
    drop(pg);
    // `pg_ctl -w stop` returned: nothing listens any more.
    assert!(!accepts(port));
    assert!(!data.exists());
}

#[test]
fn fresh_databases_are_distinct() {
    let pg = require_pg!();
    let (a, url_a) = pg.fresh_database("Fresh-One");
    let (b, _) = pg.fresh_database("Fresh-One");
    assert_ne!(a, b);
    assert!(a.starts_with("freshone_"), "{a}");
    assert!(url_a.ends_with(&format!("/{a}")));
    pg.psql(&a, "CREATE TABLE t (x int);").unwrap();
    // The other database does not see it.
    let err = pg.psql(&b, "SELECT * FROM t;").unwrap_err();
    assert!(err.contains("does not exist"), "{err}");
    // Re-creating drops the old one.
    pg.create_database(&a);
    assert!(pg.psql(&a, "SELECT * FROM t;").is_err());
}

/// Child half of `the_shared_server_stops_when_the_process_exits`: starts the
/// shared server, prints where it is, and exits without any cleanup code.
#[test]
#[ignore = "run by the_shared_server_stops_when_the_process_exits"]
fn child_prints_shared_server() {
    let pg = require_pg!();
    let pid = std::fs::read_to_string(pg.data_dir().join("postmaster.pid")).unwrap();
    let pid = pid.lines().next().unwrap().trim().to_owned();
    println!("SHARED {} {} {}", pg.port, pid, pg.data_dir().display());
}

#[test]
fn the_shared_server_stops_when_the_process_exits() {
    // The shared server of this process must exist too (and is checked by
    // the others); here a child process starts its own.
    let _ = require_pg!();
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_prints_shared_server",
            "--ignored",
            "--nocapture",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("SHARED "))
        .unwrap_or_else(|| panic!("no SHARED line in {stdout}"));
    let mut parts = line.splitn(3, ' ');
    let (Some(port), Some(pid), Some(data)) = (parts.next(), parts.next(), parts.next()) else {
        panic!("malformed SHARED line: {line}");
    };
    let _: u16 = port.parse().unwrap();
    let pid: u32 = pid.parse().unwrap();
    let dir = Path::new(data).parent().unwrap().to_owned();
    // The child is gone; its watchdog stops the server (the postmaster
    // process ends) and then removes the whole directory. Each is waited
    // for as a condition: `rm -rf` may still be running when the data
    // directory inside is already gone, and the port may be taken again
    // by another test's server, so the process itself is what is checked.
    assert!(
        eventually(|| !alive(pid)),
        "the postmaster (pid {pid}) still runs"
    );
    assert!(
        eventually(|| !dir.exists()),
        "{} still exists",
        dir.display()
    );
}

/// Runs one ignored child test of this binary with `env` set and `CI=true`
/// or no `CI`, without `--nocapture` (a skip must be visible in a normal
/// run): whether it passed, and everything it printed.
fn run_child(test: &str, env: (&str, &str), ci: bool) -> (bool, String) {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args(["--exact", test, "--ignored"]).env(env.0, env.1);
    if ci {
        cmd.env("CI", "true");
    } else {
        cmd.env_remove("CI");
    }
    let out = cmd.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// Child half of `without_postgres_tests_skip_except_under_ci`.
#[test]
#[ignore = "run by without_postgres_tests_skip_except_under_ci"]
fn child_requires_pg() {
    let _pg = require_pg!();
    println!("RAN WITH A SERVER");
}

#[test]
fn without_postgres_tests_skip_except_under_ci() {
    let child = |ci: bool| {
        run_child(
            "child_requires_pg",
            ("MIGSAFE_PG_BIN", "/nonexistent/bin"),
            ci,
        )
    };
    let (ok, text) = child(false);
    assert!(ok, "{text}");
    assert!(
        text.contains(
            "skipped: child_requires_pg: MIGSAFE_PG_BIN=/nonexistent/bin does not hold initdb"
        ),
        "{text}"
    );
    assert!(!text.contains("RAN WITH A SERVER"), "{text}");

    let (ok, text) = child(true);
    assert!(!ok, "{text}");
    assert!(
        text.contains("required under CI=true but unavailable: MIGSAFE_PG_BIN"),
        "{text}"
    );
    assert!(!text.contains("RAN WITH A SERVER"), "{text}");
}

/// Child half of `without_corpora_tests_skip_except_under_ci`.
#[test]
#[ignore = "run by without_corpora_tests_skip_except_under_ci"]
fn child_requires_corpora() {
    let _dir = migsafe_testpg::require_corpora!();
    println!("RAN WITH THE CORPORA");
}

#[test]
fn without_corpora_tests_skip_except_under_ci() {
    let child = |ci: bool| {
        run_child(
            "child_requires_corpora",
            ("MIGSAFE_CORPORA", "/nonexistent/corpora"),
            ci,
        )
    };
    let (ok, text) = child(false);
    assert!(ok, "{text}");
    assert!(
        text.contains("skipped: child_requires_corpora: the public migration histories are not at /nonexistent/corpora"),
        "{text}"
    );
    assert!(!text.contains("RAN WITH THE CORPORA"), "{text}");
    let (ok, text) = child(true);
    assert!(!ok, "{text}");
    assert!(
        text.contains("required under CI=true but unavailable"),
        "{text}"
    );
    assert!(!text.contains("RAN WITH THE CORPORA"), "{text}");
}
