//! `migsafe rollback plan | emit-down | verify` against a real PostgreSQL
//! (a throwaway server on a free loopback port; skipped with a reason when
//! PostgreSQL is not installed, failing under `CI=true`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;
use support::{deploy, example, migsafe};

use std::path::Path;
use std::process::Output;

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn names(project: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(project.join("prisma/migrations"))
        .expect("read_dir")
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// The scratch database a `rollback verify` printed is gone (other tests
/// may have theirs open at the same time).
fn assert_dropped(pg: &migsafe_testpg::TestPg, out: &str) {
    let name = out
        .split("scratch database ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .unwrap_or_else(|| panic!("no scratch database named in {out}"));
    assert!(name.starts_with("migsafe_scratch_"), "{name}");
    let left = pg
        .psql(
            "postgres",
            &format!("SELECT count(*) FROM pg_database WHERE datname = '{name}'"),
        )
        .expect("query");
    assert_eq!(left.trim(), "0", "{name} was left behind");
}

/// Every point of the example history: the plan restores the replayed
/// schema of that point exactly on PostgreSQL, or names the statements whose
/// data loss makes it impossible (and then the roll-forward it prints
/// restores the structure exactly). No scratch database is left behind.
#[test]
fn verify_every_point_of_the_example_history() {
    let pg = migsafe_testpg::require_pg!();
    let p = example();
    let url = pg.database_url("postgres");
    let all = names(p.path());
    let mut points: Vec<String> = vec!["0".to_owned()];
    points.extend(all.iter().cloned());
    let mut restored = 0;
    let mut impossible = 0;
    for to in &points {
        let o = migsafe(
            p.path(),
            &["rollback", "verify", "--to", to, "--scratch-url", &url],
        );
        let out = text(&o);
        assert_dropped(pg, &out);
        if out.contains("rollback impossible") {
            impossible += 1;
            assert_eq!(o.status.code(), Some(1), "--to {to}: {out}");
            assert!(
                out.contains("20260107090000_drop_audit_log"),
                "--to {to}: the DROP TABLE of drop_audit_log is what blocks: {out}"
            );
            assert!(
                out.contains("ok: the roll-forward restores the schema"),
                "--to {to}: {out}"
            );
        } else {
            restored += 1;
            assert_eq!(o.status.code(), Some(0), "--to {to}: {out}");
            assert!(
                out.contains("ok: the plan restores the schema"),
                "--to {to}: {out}"
            );
        }
    }
    // Back to the newest migration: nothing to undo; everything older
    // crosses the DROP TABLE of the last migration.
    assert_eq!(restored, 1, "only --to the newest needs no roll-forward");
    assert_eq!(impossible, points.len() - 1);
}

/// A history whose every migration SQL can undo: each point restores exactly
/// with the generated plan; a placeholder plan does not count as a plan.
#[test]
fn generated_plans_restore_every_point_and_placeholders_block() {
    let pg = migsafe_testpg::require_pg!();
    let d = tempfile::tempdir().unwrap();
    let m = d.path().join("prisma/migrations");
    let files = [
        (
            "20260101000000_init",
            "CREATE TYPE \"Role\" AS ENUM ('USER', 'ADMIN');\nCREATE TABLE \"User\" (\"id\" SERIAL NOT NULL, \"email\" TEXT NOT NULL, \"role\" \"Role\" NOT NULL DEFAULT 'USER', CONSTRAINT \"User_pkey\" PRIMARY KEY (\"id\"));\nCREATE UNIQUE INDEX \"User_email_key\" ON \"User\"(\"email\");\n",
        ),
        (
            "20260102000000_posts",
            "CREATE TABLE \"Post\" (\"id\" SERIAL NOT NULL, \"authorId\" INTEGER NOT NULL, \"title\" VARCHAR(200), CONSTRAINT \"Post_pkey\" PRIMARY KEY (\"id\"));\nALTER TABLE \"Post\" ADD CONSTRAINT \"Post_authorId_fkey\" FOREIGN KEY (\"authorId\") REFERENCES \"User\"(\"id\") ON DELETE RESTRICT ON UPDATE CASCADE;\nCREATE INDEX \"Post_authorId_idx\" ON \"Post\"(\"authorId\");\n",
        ),
        (
            "20260103000000_tweaks",
            "ALTER TABLE \"Post\" ALTER COLUMN \"title\" SET DEFAULT 'untitled';\nALTER TABLE \"Post\" ALTER COLUMN \"title\" SET NOT NULL;\nDROP INDEX \"Post_authorId_idx\";\nALTER TABLE \"User\" RENAME COLUMN \"email\" TO \"mail\";\nALTER INDEX \"User_email_key\" RENAME TO \"User_mail_key\";\n",
        ),
        (
            "20260104000000_more",
            "ALTER TABLE \"User\" ADD COLUMN \"bio\" TEXT;\nALTER TABLE \"Post\" DROP CONSTRAINT \"Post_authorId_fkey\";\nALTER TABLE \"Post\" ADD CONSTRAINT \"Post_authorId_fkey\" FOREIGN KEY (\"authorId\") REFERENCES \"User\"(\"id\") ON DELETE CASCADE ON UPDATE CASCADE;\nALTER TABLE \"Post\" ALTER COLUMN \"title\" DROP DEFAULT;\n",
        ),
    ];
    for (n, sql) in files {
        std::fs::create_dir_all(m.join(n)).unwrap();
        std::fs::write(m.join(n).join("migration.sql"), sql).unwrap();
    }
    std::fs::write(m.join("migration_lock.toml"), "provider = \"postgresql\"\n").unwrap();
    let url = pg.database_url("postgres");
    for to in [
        "0",
        "20260101000000_init",
        "20260102000000_posts",
        "20260103000000_tweaks",
    ] {
        let o = migsafe(
            d.path(),
            &["rollback", "verify", "--to", to, "--scratch-url", &url],
        );
        assert_eq!(o.status.code(), Some(0), "--to {to}: {}", text(&o));
        assert!(
            text(&o).contains("ok: the plan restores the schema"),
            "{}",
            text(&o)
        );
        assert_dropped(pg, &text(&o));
    }
    // Every generated down script is accepted by PostgreSQL: the plans above
    // ran them; emit-down prints the same statements.
    let o = migsafe(
        d.path(),
        &["rollback", "emit-down", "20260103000000_tweaks"],
    );
    let down = text(&o);
    assert_eq!(o.status.code(), Some(0), "{down}");
    for want in [
        "ALTER INDEX \"User_mail_key\" RENAME TO \"User_email_key\";",
        "ALTER TABLE \"User\" RENAME COLUMN mail TO email;",
        "CREATE INDEX \"Post_authorId_idx\" ON \"Post\" (\"authorId\");",
        "ALTER TABLE \"Post\" ALTER COLUMN title DROP NOT NULL;",
        "ALTER TABLE \"Post\" ALTER COLUMN title DROP DEFAULT;",
    ] {
        assert!(down.contains(want), "missing {want:?} in\n{down}");
    }
    // The statements come newest first.
    let pos = |s: &str| down.find(s).unwrap();
    assert!(
        pos("RENAME TO \"User_email_key\"") < pos("DROP NOT NULL"),
        "{down}"
    );

    // A DROP COLUMN with a placeholder plan blocks the rollback; with a
    // real plan it is a manual step.
    let drop = m.join("20260105000000_drop_bio");
    std::fs::create_dir_all(&drop).unwrap();
    std::fs::write(
        drop.join("migration.sql"),
        "-- @override-destructive\n-- @rollback-plan: TODO\nALTER TABLE \"User\" DROP COLUMN \"bio\";\n",
    )
    .unwrap();
    let o = migsafe(d.path(), &["rollback", "plan"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("ROLLBACK IMPOSSIBLE"), "{}", text(&o));
    assert!(
        text(&o).contains("ALTER TABLE \"User\" ADD COLUMN bio text;"),
        "the roll-forward re-adds the column: {}",
        text(&o)
    );
    std::fs::write(
        drop.join("migration.sql"),
        "-- @override-destructive\n-- @rollback-plan: restore bio from the pre-release backup\nALTER TABLE \"User\" DROP COLUMN \"bio\";\n",
    )
    .unwrap();
    let o = migsafe(d.path(), &["rollback", "plan"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains("-- MANUAL STEP: the data it deletes is gone; its rollback plan: restore bio from the pre-release backup"),
        "{}",
        text(&o)
    );
}

/// A database where the 4th migration failed (Prisma's failed row): the plan
/// names it and prints the `migrate resolve` step; nothing applied after the
/// last good state is left to undo.
#[test]
fn plan_on_a_database_with_a_failed_migration() {
    let pg = migsafe_testpg::require_pg!();
    let (db, url) = pg.fresh_database("rollback_failed");
    let p = example();
    let all = names(p.path());
    deploy(pg, &db, p.path(), 3);
    let failed = &all[3];
    pg.psql(
        &db,
        &format!(
            "INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, logs, started_at, applied_steps_count) \
             VALUES ('00000000-0000-0000-0000-000000000099', 'x', NULL, '{failed}', 'ERROR: lock timeout', now(), 0);"
        ),
    )
    .unwrap();
    let o = migsafe(p.path(), &["rollback", "plan", "--database-url", &url]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(
        out.contains(&format!("-- current state: {}", all[2])),
        "{out}"
    );
    assert!(
        out.contains(&format!("-- last good state: {}", all[2])),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "npx prisma migrate resolve --rolled-back \"{failed}\""
        )),
        "{out}"
    );
    assert!(out.contains("Nothing to undo"), "{out}");

    // Back to the first migration: the two after it are undone, newest first,
    // and each is marked rolled back in `_prisma_migrations`.
    let o = migsafe(
        p.path(),
        &["rollback", "plan", "--database-url", &url, "--to", &all[0]],
    );
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    let a = out
        .find(&format!("undo {}", all[2]))
        .expect("step for the 3rd");
    let b = out
        .find(&format!("undo {}", all[1]))
        .expect("step for the 2nd");
    assert!(a < b, "newest first: {out}");
    assert!(
        out.contains(&format!(
            "UPDATE \"_prisma_migrations\" SET \"rolled_back_at\" = now() WHERE \"migration_name\" = '{}'",
            all[1]
        )),
        "{out}"
    );
    // The script runs on that database (in a copy made for the test) and
    // leaves the first migration's schema; migsafe itself wrote nothing.
    let before = pg
        .psql(
            &db,
            "SELECT count(*) FROM _prisma_migrations WHERE rolled_back_at IS NOT NULL",
        )
        .unwrap();
    assert_eq!(before.trim(), "0", "migsafe must not write to the database");
    pg.psql(&db, &format!("BEGIN;\n{out}\nCOMMIT;"))
        .expect("the plan runs");
    let marked = pg
        .psql(
            &db,
            "SELECT count(*) FROM _prisma_migrations WHERE rolled_back_at IS NOT NULL",
        )
        .unwrap();
    assert_eq!(marked.trim(), "2");

    // A --to the database never applied is refused with the reason.
    let o = migsafe(
        p.path(),
        &["rollback", "plan", "--database-url", &url, "--to", &all[5]],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("the database has not applied this migration"),
        "{}",
        text(&o)
    );
}

/// On a history whose newest migration is dangerous, the plan prints the
/// roll-forward; `--output` never overwrites a file.
#[test]
fn plan_on_a_dangerous_migration_prints_the_roll_forward() {
    let p = example();
    let o = migsafe(p.path(), &["rollback", "plan"]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("ROLLBACK IMPOSSIBLE"), "{out}");
    assert!(out.contains("Roll-forward"), "{out}");
    assert!(out.contains("CREATE TABLE \"AuditLog\""), "{out}");
    let target = p
        .path()
        .join("prisma/migrations/20260101090000_init/migration.sql");
    let before = std::fs::read(&target).unwrap();
    let o = migsafe(
        p.path(),
        &["rollback", "plan", "--output", target.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("never overwrites"), "{}", text(&o));
    assert_eq!(std::fs::read(&target).unwrap(), before);
    let out_file = p.path().join("rollback.sql");
    let o = migsafe(
        p.path(),
        &["rollback", "plan", "--output", out_file.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        std::fs::read_to_string(&out_file)
            .unwrap()
            .contains("Roll-forward")
    );
}

/// `rollback-check` prints each migration's way back as a tree before its
/// findings; JSON holds the same paths.
#[test]
fn rollback_check_prints_the_table_of_ways_back() {
    let p = example();
    let o = migsafe(p.path(), &["rollback-check"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    let table: String = out.split("\n\n").next().unwrap_or("").to_owned();
    insta::assert_snapshot!(table, @r"
    prisma/migrations
    ├── 20260101090000_init                  expand     simple      generated (7 statements)
    ├── 20260102090000_add_user_bio          expand     simple      generated (1 statement)
    ├── 20260103090000_index_post_author     expand     simple      generated (1 statement)
    ├── 20260104090000_drop_published_index  contract   simple      generated (1 statement)
    ├── 20260105090000_drop_post_views       dangerous  impossible  plan: Views are recomputed from the analytics warehous…
    ├── 20260106090000_rename_user_name      dangerous  complex     generated (1 statement)
    └── 20260107090000_drop_audit_log        dangerous  impossible  none
    ");
    assert!(out.contains("error[missing-rollback-path]"), "{out}");
    // --quiet and the machine formats leave the table out.
    let o = migsafe(p.path(), &["rollback-check", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let kinds: Vec<&str> = v["migrations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["rollback_path"]["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "generated",
            "generated",
            "generated",
            "generated",
            "manual",
            "generated",
            "incomplete"
        ]
    );
}

/// A database that applied every migration of the example, the newest a
/// `DROP TABLE` with no plan: `rollback plan --database-url` prints the
/// roll-forward, and the roll-forward it prints runs on that database and
/// brings the table back. migsafe itself wrote nothing, and `verify` leaves
/// the database of its URL as it found it.
#[test]
fn plan_on_a_database_whose_newest_migration_is_dangerous() {
    let pg = migsafe_testpg::require_pg!();
    let (db, url) = pg.fresh_database("rollback_dangerous");
    let p = example();
    deploy(pg, &db, p.path(), names(p.path()).len());
    let tables = |pg: &migsafe_testpg::TestPg| {
        pg.psql(&db, "SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables WHERE schemaname = 'public'")
            .unwrap()
    };
    let before = tables(pg);
    let o = migsafe(p.path(), &["rollback", "plan", "--database-url", &url]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("ROLLBACK IMPOSSIBLE"), "{out}");
    assert!(out.contains("20260107090000_drop_audit_log"), "{out}");
    assert!(out.contains("CREATE TABLE \"AuditLog\""), "{out}");
    assert_eq!(tables(pg), before, "migsafe must not write to the database");
    // The roll-forward runs there and the table is back.
    let script = String::from_utf8_lossy(&o.stdout).into_owned();
    pg.psql(&db, &format!("BEGIN;\n{script}\nCOMMIT;"))
        .expect("the roll-forward runs");
    assert!(tables(pg).contains("AuditLog"), "{}", tables(pg));

    // verify never touches the database of its URL.
    let after = tables(pg);
    let o = migsafe(
        p.path(),
        &[
            "rollback",
            "verify",
            "--to",
            "20260103090000_index_post_author",
            "--scratch-url",
            &url,
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert_dropped(pg, &text(&o));
    assert_eq!(tables(pg), after, "verify wrote to the database of its URL");
}
