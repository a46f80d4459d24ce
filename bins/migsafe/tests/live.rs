//! Against a real PostgreSQL (a throwaway server on a free loopback port,
//! skipped with a reason when PostgreSQL is not installed, failing under
//! `CI=true`): `migsafe status`, `drift-check` and `check` with a database
//! URL, Prisma's migration history, and the password never shown.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;
use support::*;

use std::process::Command;

#[test]
fn status_reports_history_metrics_and_no_drift() {
    let pg = migsafe_testpg::require_pg!();
    let (db, url) = pg.fresh_database("status");
    let p = example();
    deploy(pg, &db, p.path(), 6);

    let o = migsafe(p.path(), &["status", "--database-url", &url]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("6 applied, 1 pending, 0 failed, 0 rolled back, success rate 100.0%"),
        "{out}"
    );
    assert!(
        out.contains("none: the database matches its applied migrations"),
        "{out}"
    );
    assert!(out.contains("info[pending-migration]"), "{out}");

    let v = json(&migsafe(
        p.path(),
        &["status", "--database-url", &url, "--format", "json"],
    ));
    let m = &v["status"]["metrics"];
    assert_eq!(m["applied"], 6);
    assert_eq!(m["pending"], 1);
    assert_eq!(m["durations"]["count"], 6);
    assert_eq!(m["durations"]["median_ms"], 2000);
    assert_eq!(m["last_applied"]["name"], "20260106090000_rename_user_name");
    assert_eq!(v["status"]["drift"], 0);
    assert_eq!(rules(&v), vec!["pending-migration"]);

    // The same history for monitoring: Prometheus's text format, exit 0
    // while no alert condition holds.
    let prom = |p: &std::path::Path| {
        let o = migsafe(
            p,
            &["status", "--database-url", &url, "--format", "prometheus"],
        );
        let text = stdout(&o);
        let scrape = prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_owned())))
            .expect("Prometheus text format");
        let value = |name: &str, label: (&str, &str)| {
            scrape
                .samples
                .iter()
                .find(|s| s.metric == name && s.labels.get(label.0) == Some(label.1))
                .map(|s| s.value.clone())
                .unwrap_or_else(|| panic!("{name} {label:?} missing:\n{text}"))
        };
        (
            o.status.code(),
            value("migsafe_migrations", ("state", "applied")),
            value("migsafe_migrations", ("state", "pending")),
            value("migsafe_alert", ("condition", "long_running_migration")),
        )
    };
    use prometheus_parse::Value::Gauge;
    assert_eq!(
        prom(p.path()),
        (Some(0), Gauge(6.0), Gauge(1.0), Gauge(0.0))
    );
    let o = migsafe(
        p.path(),
        &["check", "--database-url", &url, "--format", "prometheus"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("possible values: text, json, sarif"),
        "{}",
        stderr(&o)
    );

    // Every migration took 2 s: over a 1.5 s threshold, each is an alert.
    std::fs::write(
        p.path().join("migsafe.toml"),
        "[database]\nlong-running-threshold-ms = 1500\n",
    )
    .unwrap();
    let v = json(&migsafe(
        p.path(),
        &["status", "--database-url", &url, "--format", "json"],
    ));
    let slow = rules(&v)
        .iter()
        .filter(|r| *r == "long-running-migration")
        .count();
    assert_eq!(slow, 6, "{}", v["status"]);
    assert_eq!(
        v["status"]["metrics"]["long_running"]
            .as_array()
            .map(Vec::len),
        Some(6)
    );
    // An alert condition: the metrics say so, and the run exits 1.
    assert_eq!(
        prom(p.path()),
        (Some(1), Gauge(6.0), Gauge(1.0), Gauge(1.0))
    );

    // Without a URL, status cannot run.
    let o = migsafe(p.path(), &["status"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("needs a database"));
}

#[test]
fn edited_failed_and_hand_changed_databases_are_reported() {
    let pg = migsafe_testpg::require_pg!();
    let (db, url) = pg.fresh_database("history");
    let p = example();
    deploy(pg, &db, p.path(), 7);
    // Edited after it was applied.
    let bio = p
        .path()
        .join("prisma/migrations/20260102090000_add_user_bio/migration.sql");
    std::fs::write(
        &bio,
        "-- AlterTable\nALTER TABLE \"User\" ADD COLUMN \"bio\" VARCHAR(500);\n",
    )
    .expect("edit");
    // A change made by hand.
    pg.psql(&db, "ALTER TABLE \"User\" ADD COLUMN \"hacked\" TEXT;")
        .expect("hand change");
    // A failed attempt of a migration that does not exist locally.
    pg.psql(
        &db,
        "INSERT INTO _prisma_migrations (id, checksum, migration_name, logs, started_at, applied_steps_count) \
         VALUES ('ffffffff-0000-0000-0000-000000000000', 'abc', '20260108090000_broken', 'ERROR: column \"x\" does not exist', now(), 0);",
    )
    .expect("failed row");

    let o = migsafe(
        p.path(),
        &["status", "--database-url", &url, "--format", "json"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v = json(&o);
    let mut found = rules(&v);
    found.sort();
    assert_eq!(
        found,
        // The edited file also replays to another schema than the database
        // has: that is drift too.
        vec![
            "checksum-mismatch",
            "failed-migration",
            "missing-migration-file",
            "schema-drift",
            "schema-drift"
        ],
        "{v}"
    );
    let mut drift: Vec<&serde_json::Value> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["rule"] == "schema-drift")
        .collect();
    drift.sort_by_key(|d| d["message"].as_str().unwrap_or("").to_owned());
    assert_eq!(
        drift[0]["message"],
        "column \"User\".\"bio\": migrations produce character varying(500), the database has text (type differs)"
    );
    // It points at the statement that last changed the column.
    assert_eq!(
        drift[0]["path"],
        "prisma/migrations/20260102090000_add_user_bio/migration.sql"
    );
    assert_eq!(drift[0]["line"], 2);
    assert_eq!(
        drift[1]["message"],
        "column \"User\".\"hacked\": migrations produce no such column, the database has text"
    );
    let cm = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["rule"] == "checksum-mismatch")
        .unwrap();
    assert_eq!(
        cm["path"],
        "prisma/migrations/20260102090000_add_user_bio/migration.sql"
    );

    // check with DATABASE_URL runs the live checks with the static ones.
    let o = Command::new(env!("CARGO_BIN_EXE_migsafe"))
        .current_dir(p.path())
        .args(["check", "--format", "json"])
        .env("DATABASE_URL", &url)
        .output()
        .expect("runs");
    let all = rules(&json(&o));
    assert!(all.contains(&"checksum-mismatch".to_owned()), "{all:?}");
    assert!(all.contains(&"missing-override".to_owned()), "{all:?}");

    // migsafe never writes: the history and the schema are as they were.
    let rows = pg
        .psql(&db, "SELECT count(*) FROM _prisma_migrations;")
        .expect("count");
    assert!(rows.contains('8'), "{rows}");
}

#[test]
fn drift_check_compares_the_database_with_the_applied_migrations() {
    let pg = migsafe_testpg::require_pg!();
    let (db, url) = pg.fresh_database("drift");
    let p = example();
    deploy(pg, &db, p.path(), 7);
    let o = migsafe(
        p.path(),
        &["drift-check", "--database-url", &url, "--format", "json"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    pg.psql(&db, "DROP INDEX \"Post_authorId_idx\";")
        .expect("drop");
    let o = migsafe(
        p.path(),
        &["drift-check", "--database-url", &url, "--format", "json"],
    );
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    assert_eq!(rules(&v), vec!["schema-drift"]);
    let d = &v["diagnostics"][0];
    assert!(
        d["message"]
            .as_str()
            .unwrap()
            .starts_with("index \"Post\".\"Post_authorId_idx\": migrations produce"),
        "{d}"
    );
    // It points at the migration that created the index's table last.
    assert!(
        d["note"]
            .as_str()
            .unwrap()
            .contains("in the database at postgres://postgres@127.0.0.1:"),
        "{d}"
    );

    // A database without Prisma's history: every migration is compared.
    let (db2, url2) = pg.fresh_database("nohistory");
    for dir in migration_dirs(p.path()) {
        let sql = std::fs::read_to_string(dir.join("migration.sql")).unwrap();
        pg.psql(&db2, &sql).unwrap();
    }
    let o = migsafe(p.path(), &["status", "--database-url", &url2]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("no _prisma_migrations table"));
}

#[test]
fn a_password_never_appears() {
    let p = example();
    let secret = "s3cr3t-Pa55";
    // Nothing listens on port 1.
    let url = format!("postgres://admin:{secret}@127.0.0.1:1/app?sslmode=disable");
    for args in [
        vec!["status", "--database-url", url.as_str()],
        vec!["check", "--database-url", url.as_str(), "--format", "json"],
        vec!["drift-check", "--database-url", url.as_str(), "-vv"],
    ] {
        let o = migsafe(p.path(), &args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let all = stdout(&o) + &stderr(&o);
        assert!(!all.contains(secret), "{args:?}: {all}");
        assert!(
            all.contains("127.0.0.1:1"),
            "the error names the server: {all}"
        );
    }
    // From the environment too, and not in --help.
    let o = Command::new(env!("CARGO_BIN_EXE_migsafe"))
        .current_dir(p.path())
        .args(["status"])
        .env("DATABASE_URL", &url)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(!(stdout(&o) + &stderr(&o)).contains(secret));
    let o = Command::new(env!("CARGO_BIN_EXE_migsafe"))
        .args(["check", "--help"])
        .env("DATABASE_URL", &url)
        .output()
        .unwrap();
    assert!(!stdout(&o).contains(secret));
}

/// A hand-edited history row with `infinity` timestamps does not stop the
/// live checks: the row reads as the latest (or earliest) instant.
#[test]
fn infinite_timestamps_in_the_history_are_read() {
    let pg = migsafe_testpg::require_pg!();
    let (db, url) = pg.fresh_database("infinity");
    let p = example();
    deploy(pg, &db, p.path(), 2);
    pg.psql(
        &db,
        "UPDATE _prisma_migrations SET finished_at = 'infinity' WHERE id LIKE '%0001'; \
         UPDATE _prisma_migrations SET started_at = '-infinity' WHERE id LIKE '%0000';",
    )
    .unwrap();
    let o = migsafe(
        p.path(),
        &["status", "--database-url", &url, "--format", "json"],
    );
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let v = json(&o);
    assert_eq!(v["status"]["metrics"]["applied"], 2, "{v}");
    let last = v["status"]["metrics"]["last_applied"]["finished_at"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(last.starts_with("9999-12-31"), "{last}");
}

/// With a database, a lock finding on a table the database holds many rows
/// of is an error that says the size; below `[rules] large-table-rows` it
/// stays a warning.
#[test]
fn lock_findings_on_large_tables_are_errors() {
    let pg = migsafe_testpg::require_pg!();
    let (db, url) = pg.fresh_database("large");
    let p = example();
    deploy(pg, &db, p.path(), 6);
    // Rows in "Post" and statistics, as a production table has them.
    pg.psql(
        &db,
        "INSERT INTO \"User\" (email) VALUES ('a@x');
         INSERT INTO \"Post\" (title, \"authorId\") SELECT 't' || g, 1 FROM generate_series(1, 5000) g;
         ANALYZE \"Post\";",
    )
    .expect("rows");
    let dir = p
        .path()
        .join("prisma/migrations/20260201000000_index_title");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("migration.sql"),
        "SET lock_timeout = '5s';\nCREATE INDEX \"Post_title_idx\" ON \"Post\"(\"title\");\n",
    )
    .unwrap();
    let finding = |config: &str| {
        std::fs::write(p.path().join("migsafe.toml"), config).unwrap();
        let v = json(&migsafe(
            p.path(),
            &["check", "--database-url", &url, "--format", "json"],
        ));
        v["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| {
                d["rule"] == "require-concurrent-index"
                    && d["path"].as_str().unwrap_or("").contains("index_title")
            })
            .cloned()
            .unwrap_or_else(|| panic!("no finding: {v}"))
    };
    let big = finding("[rules]\nlarge-table-rows = 1000\n");
    assert_eq!(big["severity"], "error", "{big}");
    let note = big["note"].as_str().unwrap_or("");
    assert!(note.contains("Post has about 5,000 rows"), "{note}");
    let small = finding("[rules]\nlarge-table-rows = 1000000\n");
    assert_eq!(small["severity"], "warning", "{small}");
}
