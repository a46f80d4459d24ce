#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

//! Prisma's history against the local files: rows written by Prisma's own
//! schema engine (see `fixtures/prisma_history/README.md`), read back
//! through a live connection, checked and summed up.

use std::path::{Path, PathBuf};

use migsafe_live::{
    AppliedMigration, CHECKSUM_MISMATCH, FAILED_MIGRATION, LocalMigration, MISSING_MIGRATION_FILE,
    PENDING_MIGRATION, ROLLED_BACK_MIGRATION, Severity, Timestamp, check_history, checksum,
    checksum_matches, connect, metrics,
};
use migsafe_testpg::require_pg;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/prisma_history")
}

/// `(name, path, bytes)` of every local migration.
fn local_files() -> Vec<(String, String, Vec<u8>)> {
    let mut out: Vec<(String, String, Vec<u8>)> = std::fs::read_dir(fixture().join("migrations"))
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let path = format!("prisma/migrations/{name}/migration.sql");
            let bytes = std::fs::read(e.path().join("migration.sql")).unwrap();
            (name, path, bytes)
        })
        .collect();
    out.sort();
    out
}

fn locals(files: &[(String, String, Vec<u8>)]) -> Vec<LocalMigration<'_>> {
    files
        .iter()
        .map(|(name, path, script)| LocalMigration { name, path, script })
        .collect()
}

fn prisma_rows() -> Vec<AppliedMigration> {
    let pg = migsafe_testpg::shared().unwrap();
    let (db, url) = pg.fresh_database("history");
    pg.psql(
        &db,
        &std::fs::read_to_string(fixture().join("history.sql")).unwrap(),
    )
    .unwrap();
    let mut conn = connect(&url).unwrap();
    conn.prisma_history().unwrap().expect("the table exists")
}

#[test]
fn findings_agree_with_prismas_own_diagnosis() {
    let _ = require_pg!();
    let rows = prisma_rows();
    let names: Vec<&str> = rows.iter().map(|r| r.migration_name.as_str()).collect();
    assert_eq!(
        names,
        [
            "20260101000000_init",
            "20260102000000_add_post",
            "20260103000000_broken",
            "20260103000000_broken",
            "20260104000000_fails",
            "20260105000000_manual"
        ]
    );
    let files = local_files();
    let local = locals(&files);
    let findings = check_history(&rows, &local, "prisma/migrations");
    let got: Vec<(migsafe_live::HistoryRuleId, &str)> = findings
        .iter()
        .map(|f| (f.rule, f.migration.as_deref().unwrap()))
        .collect();
    assert_eq!(
        got,
        [
            (CHECKSUM_MISMATCH, "20260101000000_init"),
            (ROLLED_BACK_MIGRATION, "20260103000000_broken"),
            (FAILED_MIGRATION, "20260104000000_fails"),
            (MISSING_MIGRATION_FILE, "20260105000000_manual"),
            (PENDING_MIGRATION, "20260106000000_pending"),
        ],
        "{findings:#?}"
    );

    let f = &findings[0];
    assert_eq!(f.severity, Severity::Error);
    assert_eq!(
        f.path,
        "prisma/migrations/20260101000000_init/migration.sql"
    );
    assert_eq!(f.line, None);
    assert!(
        f.message.contains("481547b0…") && f.message.contains("12cae7a7…"),
        "{}",
        f.message
    );
    assert!(
        f.note
            .as_deref()
            .unwrap()
            .contains("applied on 2026-11-25T19:59:45.472Z")
    );
    assert!(f.help.as_deref().unwrap().contains("git log -p --"));

    let f = &findings[1];
    assert_eq!(f.severity, Severity::Warning);
    assert!(
        f.message
            .contains("rolled back on 2026-11-25T19:59:45.923Z"),
        "{}",
        f.message
    );
    assert!(
        f.note
            .as_deref()
            .unwrap()
            .starts_with("applied again on 2026-11-25T19:59:46.260Z")
    );
    assert!(f.note.as_deref().unwrap().contains("No such table: Nope"));

    let f = &findings[2];
    assert_eq!(f.severity, Severity::Error);
    assert!(
        f.message.contains("started on 2026-11-25T19:59:46.261Z"),
        "{}",
        f.message
    );
    let help = f.help.as_deref().unwrap();
    assert!(help.contains("prisma migrate resolve --rolled-back 20260104000000_fails"));
    assert!(help.contains("prisma migrate resolve --applied 20260104000000_fails"));
    let note = f.note.as_deref().unwrap();
    assert!(note.contains("P3009") && note.contains("0 steps"), "{note}");
    assert!(note.contains("external connector error"), "{note}");

    let f = &findings[3];
    assert_eq!(f.severity, Severity::Error);
    // Where the file should be.
    assert_eq!(
        f.path,
        "prisma/migrations/20260105000000_manual/migration.sql"
    );

    let f = &findings[4];
    assert_eq!(f.severity, Severity::Info);
    assert_eq!(
        f.note.as_deref(),
        Some("`prisma migrate deploy` applies it")
    );
}

#[test]
fn checksums_are_prismas() {
    let _ = require_pg!();
    let rows = prisma_rows();
    let files = local_files();
    let file = |n: &str| &files.iter().find(|f| f.0 == n).unwrap().2;
    let recorded = |n: &str| {
        rows.iter()
            .rev()
            .find(|r| r.migration_name == n)
            .unwrap()
            .checksum
            .clone()
    };
    // Byte for byte, CRLF included: Prisma hashes the file as it is.
    let crlf = file("20260102000000_add_post");
    assert!(crlf.windows(2).any(|w| w == b"\r\n"));
    assert_eq!(checksum(crlf), recorded("20260102000000_add_post"));
    assert_eq!(
        checksum(file("20260103000000_broken")),
        recorded("20260103000000_broken")
    );
    assert_eq!(
        checksum(file("20260104000000_fails")),
        recorded("20260104000000_fails")
    );
    // The same file with LF endings still matches, as it does for Prisma.
    let lf: Vec<u8> = String::from_utf8(crlf.clone())
        .unwrap()
        .replace("\r\n", "\n")
        .into_bytes();
    assert_ne!(checksum(&lf), recorded("20260102000000_add_post"));
    assert!(checksum_matches(&lf, &recorded("20260102000000_add_post")));
    // The edited one does not.
    assert!(!checksum_matches(
        file("20260101000000_init"),
        &recorded("20260101000000_init")
    ));
}

#[test]
fn rows_read_back_as_written() {
    let _ = require_pg!();
    let rows = prisma_rows();
    let failed = rows
        .iter()
        .find(|r| r.migration_name == "20260104000000_fails")
        .unwrap();
    assert_eq!(failed.id, "e3203ca8-c69e-4a0c-831e-950e66ee90b9");
    assert!(failed.is_failed() && !failed.is_applied() && !failed.is_rolled_back());
    assert_eq!(failed.finished_at, None);
    assert_eq!(failed.applied_steps_count, 0);
    assert!(
        failed
            .logs
            .as_deref()
            .unwrap()
            .contains("No such table: missing")
    );
    assert_eq!(failed.started_at.to_string(), "2026-11-25T19:59:46.261Z");

    let init = &rows[0];
    assert!(init.is_applied());
    assert_eq!(init.applied_steps_count, 1);
    assert_eq!(init.duration_ms(), Some(19));

    let manual = rows.last().unwrap();
    assert!(manual.is_applied());
    assert_eq!(manual.logs.as_deref(), Some(""));
    // Marked applied by hand: no duration.
    assert_eq!(manual.duration_ms(), None);

    let m = metrics(&rows, &locals(&local_files()), 15);
    assert_eq!(
        (m.applied, m.pending, m.failed, m.rolled_back, m.attempts),
        (4, 1, 1, 1, 6)
    );
    assert_eq!(m.success_rate, Some(4.0 / 6.0));
    assert_eq!(m.rollback_rate, Some(1.0 / 6.0));
    // init 19 ms, add_post 9 ms, broken (second attempt) 10 ms.
    let d = m.durations.unwrap();
    assert_eq!(
        (d.count, d.median_ms, d.p95_ms, d.max_ms, d.total_ms),
        (3, 10, 19, 19, 38)
    );
    let slow: Vec<(&str, u64)> = m
        .long_running
        .iter()
        .map(|l| (l.name.as_str(), l.duration_ms))
        .collect();
    assert_eq!(slow, [("20260101000000_init", 19)]);
    let last = m.last_applied.unwrap();
    assert_eq!(last.name, "20260105000000_manual");
    assert_eq!(last.finished_at.to_string(), "2026-11-25T19:59:46.566Z");
}

#[test]
fn no_table_and_other_schemas() {
    let pg = require_pg!();
    let (db, url) = pg.fresh_database("nohistory");
    let mut conn = connect(&url).unwrap();
    assert_eq!(conn.prisma_history().unwrap(), None);

    // Prisma keeps its table in the URL's `schema`.
    let sql = std::fs::read_to_string(fixture().join("history.sql"))
        .unwrap()
        .replace("\"_prisma_migrations\"", "app.\"_prisma_migrations\"")
        .replace("public._prisma_migrations", "app._prisma_migrations");
    pg.psql(&db, &format!("CREATE SCHEMA app;\n{sql}")).unwrap();
    assert_eq!(conn.prisma_history().unwrap(), None);
    assert_eq!(conn.prisma_history_in("app").unwrap().unwrap().len(), 6);
    let mut conn = connect(&format!("{url}?schema=app")).unwrap();
    assert_eq!(conn.prisma_history().unwrap().unwrap().len(), 6);
    // The table is never part of the introspected schema.
    let model = conn.introspect(&["app"]).unwrap();
    assert!(model.tables.is_empty());
}

// ----- without a database ---------------------------------------------------

fn row(
    name: &str,
    script: &[u8],
    started: i64,
    finished: Option<i64>,
    rolled_back: Option<i64>,
) -> AppliedMigration {
    AppliedMigration {
        id: format!("id-{name}-{started}"),
        checksum: checksum(script),
        migration_name: name.to_owned(),
        logs: None,
        started_at: Timestamp::from_unix_ms(started),
        finished_at: finished.map(Timestamp::from_unix_ms),
        rolled_back_at: rolled_back.map(Timestamp::from_unix_ms),
        applied_steps_count: u32::from(finished.is_some()),
    }
}

#[test]
fn rolled_back_and_never_reapplied() {
    let a: &[u8] = b"SELECT 1;\n";
    let rows = [
        row("20260101000000_a", a, 0, Some(10), None),
        row("20260102000000_b", b"x", 20, None, Some(30)),
        row("20260103000000_c", b"y", 40, None, Some(50)),
    ];
    let local = [
        LocalMigration {
            name: "20260101000000_a",
            path: "m/a.sql",
            script: a,
        },
        LocalMigration {
            name: "20260102000000_b",
            path: "m/b.sql",
            script: b"x",
        },
    ];
    let f = check_history(&rows, &local, "m/");
    let got: Vec<(migsafe_live::HistoryRuleId, &str)> = f
        .iter()
        .map(|f| (f.rule, f.migration.as_deref().unwrap()))
        .collect();
    // `b` is rolled back and pending again; `c` is rolled back and gone,
    // which is not a missing file (nothing of it is in the database).
    assert_eq!(
        got,
        [
            (PENDING_MIGRATION, "20260102000000_b"),
            (ROLLED_BACK_MIGRATION, "20260102000000_b"),
            (ROLLED_BACK_MIGRATION, "20260103000000_c"),
        ]
    );
    assert!(f[1].help.as_deref().unwrap().contains("runs it again"));
    assert_eq!(f[1].note.as_deref(), Some("not applied since"));
    assert!(f[2].help.as_deref().unwrap().contains("file is gone"));
    assert_eq!(f[2].path, "m/20260103000000_c/migration.sql");
}

#[test]
fn pending_older_than_the_last_applied() {
    let rows = [row("20260105000000_b", b"b", 0, Some(1), None)];
    let local = [
        LocalMigration {
            name: "20260101000000_a",
            path: "a",
            script: b"a",
        },
        LocalMigration {
            name: "20260105000000_b",
            path: "b",
            script: b"b",
        },
    ];
    let f = check_history(&rows, &local, "m");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].rule, PENDING_MIGRATION);
    assert!(
        f[0].note
            .as_deref()
            .unwrap()
            .contains("older than `20260105000000_b`")
    );
}

#[test]
fn everything_in_order_is_silent() {
    let rows = [
        row("20260101000000_a", b"a\n", 0, Some(1), None),
        row("20260102000000_b", b"b\n", 2, Some(3), None),
    ];
    let local = [
        LocalMigration {
            name: "20260101000000_a",
            path: "a",
            script: b"a\r\n",
        },
        LocalMigration {
            name: "20260102000000_b",
            path: "b",
            script: b"b\n",
        },
    ];
    assert!(check_history(&rows, &local, "m").is_empty());
    assert!(check_history(&[], &[], "m").is_empty());
    let m = metrics(&[], &[], 1000);
    assert_eq!((m.applied, m.pending, m.attempts), (0, 0, 0));
    assert_eq!((m.success_rate, m.durations.is_none()), (None, true));
}

#[test]
fn serialized_shapes() {
    let rows = [
        row("20260101000000_a", b"a", 0, Some(600_000), None),
        row("20260102000000_b", b"b", 700_000, None, None),
    ];
    let local = [LocalMigration {
        name: "20260103000000_c",
        path: "c",
        script: b"c",
    }];
    let f = check_history(&rows, &local, "prisma/migrations");
    let v = serde_json::to_value(&f).unwrap();
    assert_eq!(v[0]["rule"], "missing-migration-file");
    assert_eq!(v[0]["severity"], "error");
    assert!(v[0].get("line").is_none());
    assert_eq!(v[0]["migration"], "20260101000000_a");

    let m = metrics(&rows, &local, 5 * 60 * 1000);
    let v = serde_json::to_value(&m).unwrap();
    assert_eq!(v["applied"], 1);
    assert_eq!(v["failed"], 1);
    assert_eq!(v["pending"], 1);
    assert_eq!(v["success_rate"], 0.5);
    assert_eq!(v["durations"]["max_ms"], 600_000);
    assert_eq!(v["long_running"][0]["name"], "20260101000000_a");
    assert_eq!(v["long_running"][0]["started_at"], "1970-01-01T00:00:00Z");
    assert_eq!(v["last_applied"]["finished_at"], "1970-01-01T00:10:00Z");
    assert_eq!(v["long_running_threshold_ms"], 300_000);
}
