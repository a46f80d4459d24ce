#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

//! Inputs that could hang, exhaust or silently pass migsafe. A database
//! that accepts the connection and never answers, or answers
//! the login and then stalls on the first query, must not hang migsafe:
//! `[database] timeout-ms` bounds the whole live phase, then exit code 2
//! with a message that says so. The fake servers listen on loopback only
//! and serve a bounded number of connections.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Serves up to 8 connections with `serve`, each on its own thread, and
/// keeps every socket open until the test process ends.
fn fake_server(serve: fn(TcpStream)) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(8) {
            let Ok(stream) = stream else { return };
            std::thread::spawn(move || serve(stream));
        }
    });
    port
}

/// Reads nothing, answers nothing, holds the socket.
fn silent(stream: TcpStream) {
    let mut buf = [0u8; 1024];
    let mut s = stream;
    // Read until the peer goes away, never writing.
    while matches!(s.read(&mut buf), Ok(n) if n > 0) {}
}

fn read_message(s: &mut TcpStream) -> Option<Vec<u8>> {
    let mut len = [0u8; 4];
    s.read_exact(&mut len).ok()?;
    let n = u32::from_be_bytes(len) as usize;
    let mut body = vec![0u8; n.saturating_sub(4)];
    s.read_exact(&mut body).ok()?;
    Some(body)
}

/// Refuses TLS, accepts the login without a password, then reads queries
/// and never answers them.
fn stalls_after_login(stream: TcpStream) {
    let mut s = stream;
    let Some(first) = read_message(&mut s) else {
        return;
    };
    // SSLRequest (code 80877103): refuse, then the startup message follows.
    if first.len() == 4
        && u32::from_be_bytes([first[0], first[1], first[2], first[3]]) == 80_877_103
        && (s.write_all(b"N").is_err() || read_message(&mut s).is_none())
    {
        return;
    }
    // AuthenticationOk, ReadyForQuery (idle).
    let mut reply = Vec::new();
    reply.extend_from_slice(&[b'R', 0, 0, 0, 8, 0, 0, 0, 0]);
    reply.extend_from_slice(&[b'Z', 0, 0, 0, 5, b'I']);
    if s.write_all(&reply).is_err() {
        return;
    }
    silent(s);
}

fn run_status(port: u16) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("migsafe.toml"),
        "[database]\ntimeout-ms = 1500\n",
    )
    .unwrap();
    std::fs::create_dir_all(dir.path().join("prisma/migrations")).unwrap();
    run_bounded(
        Command::new(env!("CARGO_BIN_EXE_migsafe"))
            .current_dir(dir.path())
            .args([
                "status",
                "--database-url",
                &format!("postgres://u:secret@127.0.0.1:{port}/db?sslmode=prefer"),
            ])
            .env_remove("DATABASE_URL"),
    )
}

/// Runs migsafe with stdout and stderr in files (a pipe nobody reads would
/// block a chatty child), waiting for it to end; the bound only turns a
/// hang, the bug these tests are about, into a failure.
fn run_bounded(cmd: &mut Command) -> (Option<i32>, String) {
    let out = tempfile::NamedTempFile::new().unwrap();
    let err = tempfile::NamedTempFile::new().unwrap();
    let start = Instant::now();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(out.reopen().unwrap())
        .stderr(err.reopen().unwrap())
        .spawn()
        .unwrap();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break Some(s);
        }
        if start.elapsed() > Duration::from_secs(300) {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let text = format!(
        "{}{}",
        std::fs::read_to_string(out.path()).unwrap_or_default(),
        std::fs::read_to_string(err.path()).unwrap_or_default()
    );
    (status.and_then(|s| s.code()), text)
}

#[test]
fn a_server_that_never_answers_is_exit_2_not_a_hang() {
    let port = fake_server(silent);
    let (code, text) = run_status(port);
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("did not answer within 1.5 s"), "{text}");
    assert!(!text.contains("secret"), "{text}");
}

#[test]
fn a_server_that_stalls_after_login_is_exit_2_not_a_hang() {
    let port = fake_server(stalls_after_login);
    let (code, text) = run_status(port);
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("did not answer within 1.5 s"), "{text}");
    assert!(!text.contains("secret"), "{text}");
}

fn run_check(dir: &std::path::Path, args: &[&str]) -> (Option<i32>, String) {
    run_bounded(
        Command::new(env!("CARGO_BIN_EXE_migsafe"))
            .current_dir(dir)
            .args(args),
    )
}

fn mkfifo(path: &std::path::Path) {
    let ok = Command::new("mkfifo").arg(path).status().unwrap().success();
    assert!(ok, "mkfifo {}", path.display());
}

/// A FIFO or a symlink to a device in a migration's place, as the schema or
/// as the audit log: exit 2 naming the file, never a block or a read
/// without end.
#[test]
fn files_that_are_not_regular_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let m = dir.path().join("prisma/migrations/20260101000000_init");
    std::fs::create_dir_all(&m).unwrap();
    mkfifo(&m.join("migration.sql"));
    let (code, text) = run_check(dir.path(), &["validate", "prisma/migrations"]);
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("not a regular file but a FIFO"), "{text}");

    std::fs::remove_file(m.join("migration.sql")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", m.join("migration.sql")).unwrap();
    let (code, text) = run_check(dir.path(), &["validate", "prisma/migrations"]);
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("a character device"), "{text}");

    std::fs::remove_file(m.join("migration.sql")).unwrap();
    std::fs::write(m.join("migration.sql"), "CREATE TABLE t (id INT);\n").unwrap();
    mkfifo(&dir.path().join("prisma/schema.prisma"));
    let (code, text) = run_check(
        dir.path(),
        &["drift-check", "--schema", "prisma/schema.prisma"],
    );
    // An unreadable schema is an error finding of its own (exit 1).
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("error[prisma-schema-invalid]"), "{text}");
    assert!(text.contains("not a regular file but a FIFO"), "{text}");
    std::fs::remove_file(dir.path().join("prisma/schema.prisma")).unwrap();

    mkfifo(&dir.path().join("audit.jsonl"));
    let (code, text) = run_check(
        dir.path(),
        &[
            "validate",
            "prisma/migrations",
            "--audit-log",
            "audit.jsonl",
        ],
    );
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("not a regular file but a FIFO"), "{text}");
}

/// A dangling symlink, a folder or a socket in a migration's place, and
/// `--staged` outside a repository: the run could not check what it was
/// given, so it is exit 2 with the reason, never a pass.
#[test]
fn what_cannot_be_checked_is_exit_2_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let m = dir.path().join("prisma/migrations/20260101000000_init");
    std::fs::create_dir_all(&m).unwrap();
    let sql = m.join("migration.sql");

    std::os::unix::fs::symlink("/nonexistent/target.sql", &sql).unwrap();
    let (code, text) = run_check(dir.path(), &["check", "prisma/migrations"]);
    assert_eq!(code, Some(2), "{text}");
    assert!(
        text.contains("a symbolic link to `/nonexistent/target.sql`, which does not exist"),
        "{text}"
    );
    std::fs::remove_file(&sql).unwrap();

    std::fs::create_dir(&sql).unwrap();
    let (code, text) = run_check(dir.path(), &["check", "prisma/migrations"]);
    assert_eq!(code, Some(2), "{text}");
    assert!(
        text.contains("not a regular file but a directory"),
        "{text}"
    );
    std::fs::remove_dir(&sql).unwrap();

    let socket = std::os::unix::net::UnixListener::bind(&sql).unwrap();
    let (code, text) = run_check(dir.path(), &["check", "prisma/migrations"]);
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("not a regular file but a socket"), "{text}");
    drop(socket);
    std::fs::remove_file(&sql).unwrap();

    // Not a repository (a temporary folder has no `.git` above it; with
    // and without migrations in it).
    std::fs::write(&sql, "DROP TABLE users;\n").unwrap();
    for cwd in [dir.path().to_path_buf(), dir.path().join("prisma")] {
        for command in ["check", "validate"] {
            let (code, text) = run_check(&cwd, &[command, "--staged"]);
            assert_eq!(
                code,
                Some(2),
                "{command} --staged in {}: {text}",
                cwd.display()
            );
            assert!(text.contains("--staged needs a git repository"), "{text}");
        }
    }
}

#[test]
fn a_file_over_the_size_limit_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let m = dir.path().join("prisma/migrations/20260101000000_init");
    std::fs::create_dir_all(&m).unwrap();
    std::fs::write(
        m.join("migration.sql"),
        "CREATE TABLE t (id INT);\n".repeat(10),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("migsafe.toml"),
        "[migrations]\nmax-file-bytes = 100\n",
    )
    .unwrap();
    let (code, text) = run_check(dir.path(), &["validate", "prisma/migrations"]);
    assert_eq!(code, Some(2), "{text}");
    assert!(
        text.contains("250 bytes, more than the limit of 100 bytes"),
        "{text}"
    );
}

/// A report that cannot be written (a full disk) is exit 2, not a clean
/// pass with an empty file.
#[test]
fn a_report_that_cannot_be_written_is_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let m = dir.path().join("prisma/migrations/20260101000000_init");
    std::fs::create_dir_all(&m).unwrap();
    std::fs::write(m.join("migration.sql"), "CREATE TABLE t (id INT);\n").unwrap();
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_migsafe"))
        .current_dir(dir.path())
        .args(["validate", "prisma/migrations", "--format", "sarif"])
        .stdin(Stdio::null())
        .stdout(full)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("cannot write the report"), "{err}");
}

/// Statements deep or long enough to overflow a recursive parser's stack
/// get a diagnostic and a classification from their tokens, never an
/// abort.
#[test]
fn deep_statements_are_a_diagnostic_not_a_crash() {
    let terms = |n: usize, sep: &str, term: &str| vec![term; n].join(sep);
    let cases = [
        format!("CREATE TABLE t (a INT DEFAULT {});", terms(6000, "+", "1")),
        format!("CREATE TABLE t (a INT{});", "[]".repeat(8650)),
        format!(
            "CREATE TABLE t (a INT CHECK ({}));",
            terms(5400, " OR ", "a = 1")
        ),
        format!(
            "CREATE TABLE t (a INT DEFAULT {}1{});",
            "(".repeat(20_000),
            ")".repeat(20_000)
        ),
        format!("SELECT {};\nDROP TABLE t;", terms(300_000, "+", "1")),
    ];
    for (i, sql) in cases.iter().enumerate() {
        let dir = tempfile::tempdir().unwrap();
        let m = dir.path().join("prisma/migrations/20260101000000_deep");
        std::fs::create_dir_all(&m).unwrap();
        std::fs::write(m.join("migration.sql"), sql).unwrap();
        let (code, text) = run_check(dir.path(), &["check", "prisma/migrations"]);
        assert!(
            matches!(code, Some(0 | 1)),
            "case {i}: exit {code:?}\n{}",
            &text[..text.len().min(2000)]
        );
        assert!(text.contains("classified from its tokens"), "case {i}");
    }
}

/// File names, identifiers and source lines are printed with their control
/// characters made visible: a newline in a folder name cannot start a line
/// GitHub Actions would execute (`::error …`), an escape sequence or a
/// lone CR cannot reach the terminal, and JUnit XML stays well-formed.
#[test]
fn control_characters_in_input_never_reach_the_output() {
    let dir = tempfile::tempdir().unwrap();
    let evil = "20260101000000_x\n::error file=pwned::owned";
    let m = dir.path().join("prisma/migrations").join(evil);
    std::fs::create_dir_all(&m).unwrap();
    std::fs::write(
        m.join("migration.sql"),
        "DROP TABLE \"a\x1b[2K\rb\u{FFFF}\";\n",
    )
    .unwrap();
    for format in ["text", "github", "junit"] {
        let (code, text) = run_check(
            dir.path(),
            &["validate", "prisma/migrations", "--format", format],
        );
        assert_eq!(code, Some(1), "{format}: {text}");
        assert!(
            !text.lines().any(|l| l.starts_with("::error file=pwned")),
            "{format}: {text}"
        );
        assert!(!text.contains('\x1b'), "{format}: {text}");
        assert!(!text.contains('\r'), "{format}: {text}");
        if format == "junit" {
            assert!(!text.contains('\u{FFFF}'), "{text}");
        }
        if format == "text" {
            assert!(text.contains("␊::error file=pwned"), "{text}");
            assert!(text.contains("a␛[2K␍b"), "{text}");
        }
    }
}

/// The repository's `[audit] log` stays inside the repository: no
/// absolute path, no `..`, no symlink out of it; nothing is created
/// outside. A failed audit write is exit 2 and never swallows the report.
#[test]
fn the_configs_audit_log_is_confined_to_the_project() {
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let m = dir.path().join("prisma/migrations/20260101000000_init");
    std::fs::create_dir_all(&m).unwrap();
    std::fs::write(m.join("migration.sql"), "CREATE TABLE t (id INT);\n").unwrap();
    let target = outside.path().join("fake_bashrc");
    for log in [
        "../fake_bashrc".to_owned(),
        target.display().to_string(),
        "a/../../fake_bashrc".to_owned(),
    ] {
        std::fs::write(
            dir.path().join("migsafe.toml"),
            format!("[audit]\nlog = {log:?}\n"),
        )
        .unwrap();
        let (code, text) = run_check(dir.path(), &["validate", "prisma/migrations"]);
        assert_eq!(code, Some(2), "{log}: {text}");
        assert!(text.contains("is outside the project"), "{log}: {text}");
        assert!(text.contains("migsafe.toml:2:"), "{log}: {text}");
    }
    // A symlink inside the project that leads out of it.
    std::os::unix::fs::symlink(outside.path(), dir.path().join(".migsafe")).unwrap();
    std::fs::write(
        dir.path().join("migsafe.toml"),
        "[audit]\nlog = \".migsafe/deep/audit.jsonl\"\n",
    )
    .unwrap();
    let (code, text) = run_check(dir.path(), &["validate", "prisma/migrations"]);
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("is a symlink"), "{text}");
    // The report was printed all the same.
    assert!(text.contains("migsafe: 1 migration"), "{text}");
    assert!(!outside.path().join("deep").exists());
    assert!(std::fs::read_dir(outside.path()).unwrap().next().is_none());
    // On the command line the user may name any file.
    let (code, text) = run_check(
        dir.path(),
        &[
            "validate",
            "prisma/migrations",
            "--audit-log",
            &target.display().to_string(),
        ],
    );
    assert_eq!(code, Some(0), "{text}");
    assert!(target.is_file());
}

/// A UTF-16 file (big-endian without a BOM, little-endian with one)
/// holding a DROP TABLE is an encoding error and its DROP TABLE is still
/// found: never a silent pass on NUL-padded bytes.
#[test]
fn utf16_files_are_decoded_and_flagged() {
    let sql = "DROP TABLE \"users\";\n";
    let be: Vec<u8> = sql.encode_utf16().flat_map(u16::to_be_bytes).collect();
    let mut le: Vec<u8> = vec![0xFF, 0xFE];
    le.extend(sql.encode_utf16().flat_map(u16::to_le_bytes));
    for (label, bytes) in [("be", be), ("le", le)] {
        let dir = tempfile::tempdir().unwrap();
        let m = dir.path().join("prisma/migrations/20260101000000_drop");
        std::fs::create_dir_all(&m).unwrap();
        std::fs::write(m.join("migration.sql"), &bytes).unwrap();
        let (code, text) = run_check(dir.path(), &["validate", "prisma/migrations"]);
        assert_eq!(code, Some(1), "{label}: {text}");
        assert!(
            text.contains("error[invalid-encoding]: file is UTF-16"),
            "{label}: {text}"
        );
        assert!(
            text.contains("error[missing-override]: DROP TABLE"),
            "{label}: {text}"
        );
    }
}
