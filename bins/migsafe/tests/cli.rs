//! The built binary on fixture directories: exit codes, JSON fields and the
//! rendered text.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_migsafe"));
    c.env_remove("RUST_LOG")
        .env_remove("GITHUB_ACTIONS")
        .env("NO_COLOR", "1");
    c
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn run_in(dir: &Path, args: &[&str]) -> Output {
    bin().current_dir(dir).args(args).output().expect("runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("invalid JSON ({e}): {}", stdout(o)))
}

/// Writes `files` (path, content) under a new temporary directory.
fn tree(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let d = tempfile::tempdir().expect("tempdir");
    for (p, content) in files {
        let path = d.path().join(p);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, content).expect("write");
    }
    d
}

#[test]
fn example_project_text_output() {
    let o = run_in(&repo().join("examples/prisma-app"), &["check"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    insta::assert_snapshot!("example_check_text", stdout(&o));
}

#[test]
fn example_project_markdown_and_gitlab_output() {
    let dir = repo().join("examples/prisma-app");
    let o = run_in(&dir, &["check", "--format", "markdown"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    insta::assert_snapshot!("example_check_markdown", stdout(&o));
    let o = run_in(&dir, &["check", "--format", "gitlab"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    insta::assert_snapshot!("example_check_gitlab", stdout(&o));
    // Unknown formats are refused with the ones there are.
    let o = run_in(&dir, &["check", "--format", "gitlab-ci"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("markdown"), "{}", stderr(&o));
}

#[test]
fn example_project_json_output() {
    let o = run_in(
        &repo(),
        &[
            "validate",
            "examples/prisma-app/prisma/migrations",
            "--format",
            "json",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    assert_eq!(v["schema_version"], 2);
    assert_eq!(v["tool"]["name"], "migsafe");
    assert_eq!(v["summary"]["migrations"], 7);
    assert_eq!(v["summary"]["errors"], 2);
    let m = v["migrations"]
        .as_array()
        .expect("migrations")
        .iter()
        .find(|m| m["name"] == "20260105090000_drop_post_views")
        .expect("migration");
    assert_eq!(
        m["path"],
        "examples/prisma-app/prisma/migrations/20260105090000_drop_post_views/migration.sql"
    );
    assert_eq!(m["class"], "dangerous");
    assert_eq!(m["rollback"], "impossible");
    let s = &m["statements"][0];
    assert_eq!(
        (s["line"].as_u64(), s["column"].as_u64()),
        (Some(4), Some(1))
    );
    assert_eq!(s["operation"], "drop_column");
    assert_eq!(s["objects"], serde_json::json!(["\"Post\".views"]));
    assert_eq!(s["overridden"], true);
    assert_eq!(
        s["rollback_plan"],
        "Views are recomputed from the analytics warehouse (job reindex-post-views)"
    );
    let d = v["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .find(|d| d["rule"] == "missing-override")
        .expect("a missing-override");
    assert_eq!(d["severity"], "error");
    assert_eq!(
        d["path"],
        "examples/prisma-app/prisma/migrations/20260106090000_rename_user_name/migration.sql"
    );
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(2), Some(1))
    );
    assert_eq!(
        d["message"],
        "RENAME COLUMN is dangerous and has no override annotation"
    );
    assert!(
        d["help"]
            .as_str()
            .is_some_and(|h| h.contains("@override-destructive"))
    );
}

#[test]
fn clean_migrations_exit_zero() {
    let d = tree(&[(
        "prisma/migrations/20260101000000_init/migration.sql",
        b"CREATE TABLE \"User\" (\"id\" TEXT NOT NULL, CONSTRAINT \"User_pkey\" PRIMARY KEY (\"id\"));\n",
    )]);
    let o = run_in(d.path(), &["check"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("1 migration, 1 statement (1 expand): no findings"));
    let o = run_in(d.path(), &["check", "-q"]);
    assert_eq!(stdout(&o), "");
}

#[test]
fn warnings_alone_exit_zero() {
    let d = tree(&[(
        "migrations/20260101000000_idx.sql",
        b"CREATE INDEX a_idx ON a (b);\n",
    )]);
    let o = run_in(d.path(), &["validate", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0));
    // require-concurrent-index and missing-lock-timeout.
    assert_eq!(json(&o)["summary"]["warnings"], 2);
}

#[test]
fn tool_failures_exit_two() {
    let d = tree(&[]);
    let o = run_in(d.path(), &["check", "does/not/exist"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("does/not/exist"), "{}", stderr(&o));
    // No migrations directory to discover.
    let o = run_in(d.path(), &["check"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no migrations directory found"));
    // Bad arguments.
    let o = run_in(d.path(), &["check", "--format", "xml"]);
    assert_eq!(o.status.code(), Some(2));
    let o = run_in(d.path(), &["frobnicate"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn bad_config_is_reported_with_position() {
    let d = tree(&[
        (
            "migsafe.toml",
            b"[migrations]\nlayout = \"auto\"\npathz = [\"x\"]\n",
        ),
        ("migrations/20260101000000_a.sql", b"SELECT 1;\n"),
    ]);
    let o = run_in(d.path(), &["check"]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(e.contains("migsafe.toml:3:1: unknown key `pathz`"), "{e}");
    assert!(e.contains("did you mean `paths`?"), "{e}");

    let d = tree(&[
        ("migsafe.toml", b"[rules]\nmissing-overide = \"off\"\n"),
        ("migrations/20260101000000_a.sql", b"SELECT 1;\n"),
    ]);
    let o = run_in(d.path(), &["check"]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(
        e.contains("migsafe.toml:2:1: unknown rule `missing-overide`"),
        "{e}"
    );
    assert!(e.contains("did you mean `missing-override`?"), "{e}");
}

#[test]
fn config_found_by_walking_up() {
    let d = tree(&[
        (
            "migsafe.toml",
            b"[migrations]\npaths = [\"db/migrations\"]\n[rules]\nmissing-override = \"warning\"\n",
        ),
        ("db/migrations/20260101000000_drop.sql", b"DROP TABLE t;\n"),
        ("sub/dir/.keep", b""),
    ]);
    let o = run_in(&d.path().join("sub/dir"), &["check", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v = json(&o);
    assert_eq!(v["diagnostics"][0]["rule"], "missing-override");
    assert_eq!(v["diagnostics"][0]["severity"], "warning");
    assert_eq!(
        v["migrations"][0]["path"],
        "../../db/migrations/20260101000000_drop.sql"
    );
}

#[test]
fn integrity_problems_are_diagnostics_and_others_are_still_checked() {
    let d = tree(&[
        ("m/20260101000000_empty.sql", b""),
        (
            "m/20260102000000_comments.sql",
            b"-- nothing here\n/* nor here */\n",
        ),
        (
            "m/20260103000000_latin1.sql",
            b"INSERT INTO c (n) VALUES ('Z\xfcrich');\n",
        ),
        (
            "m/20260104000000_open.sql",
            b"INSERT INTO s (k) VALUES ('x);\nDROP TABLE s;\n",
        ),
        ("m/2026-01-05_Bad-Name.sql", b"CREATE TABLE a (id int);\n"),
        (
            "m/20261340000000_bad_date.sql",
            b"CREATE TABLE b (id int);\n",
        ),
        ("m/20260106000000_dup_a.sql", b"CREATE TABLE c (id int);\n"),
        ("m/20260106000000_dup_b.sql", b"CREATE TABLE d (id int);\n"),
        ("m/20260107000000_drop.sql", b"DROP TABLE e;\n"),
    ]);
    let o = run_in(d.path(), &["validate", "m", "--format", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    let found: Vec<(String, String)> = v["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            (
                d["rule"].as_str().unwrap_or("").to_owned(),
                d["path"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let has = |rule: &str, file: &str| found.iter().any(|(r, p)| r == rule && p.ends_with(file));
    assert!(
        has("empty-migration", "20260101000000_empty.sql"),
        "{found:?}"
    );
    assert!(has("empty-migration", "20260102000000_comments.sql"));
    assert!(has("invalid-encoding", "20260103000000_latin1.sql"));
    assert!(has("unterminated-literal", "20260104000000_open.sql"));
    assert!(has("invalid-migration-name", "2026-01-05_Bad-Name.sql"));
    assert!(has("invalid-migration-name", "20261340000000_bad_date.sql"));
    assert!(has(
        "duplicate-migration-timestamp",
        "20260106000000_dup_b.sql"
    ));
    assert!(has("missing-override", "20260107000000_drop.sql"));
    assert_eq!(v["summary"]["migrations"], 9);
    // The encoding finding points at the bad byte.
    let enc = v["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .find(|d| d["rule"] == "invalid-encoding")
        .expect("encoding");
    assert_eq!(
        (enc["line"].as_u64(), enc["column"].as_u64()),
        (Some(1), Some(29))
    );
}

#[test]
fn flat_layout_with_down_scripts_and_single_files() {
    let d = tree(&[
        (
            "db/20260101000000_users.sql",
            b"CREATE TABLE users (id int);\n",
        ),
        ("db/20260101000000_users.down.sql", b"DROP TABLE users;\n"),
        (
            "db/20260102000000_orders.up.sql",
            b"CREATE TABLE orders (id int);\n",
        ),
    ]);
    let o = run_in(d.path(), &["validate", "db", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let v = json(&o);
    assert_eq!(v["summary"]["migrations"], 2);
    assert_eq!(
        v["migrations"][0]["down"],
        "db/20260101000000_users.down.sql"
    );
    assert_eq!(v["migrations"][1]["name"], "20260102000000_orders");
    // A single file.
    let o = run_in(
        d.path(),
        &[
            "validate",
            "db/20260101000000_users.sql",
            "--format",
            "json",
        ],
    );
    assert_eq!(
        json(&o)["migrations"][0]["path"],
        "db/20260101000000_users.sql"
    );
}

#[test]
fn rules_and_explain() {
    let o = bin().arg("rules").output().expect("runs");
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    for id in [
        "missing-override",
        "missing-rollback-plan",
        "invalid-migration-name",
        "empty-migration",
        "invalid-encoding",
        "unparsable-statement",
    ] {
        assert!(
            out.lines().any(|l| l.starts_with(id)),
            "{id} missing from `migsafe rules`"
        );
    }
    let o = bin()
        .args(["rules", "--format", "json"])
        .output()
        .expect("runs");
    let v = json(&o);
    assert!(v.as_array().is_some_and(|a| {
        a.iter()
            .any(|r| r["id"] == "missing-override" && r["severity"] == "error")
    }));

    let o = bin()
        .args(["explain", "missing-rollback-plan"])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(0));
    let t = stdout(&o);
    assert!(
        t.contains("Bad") && t.contains("Instead") && t.contains("@rollback-plan:"),
        "{t}"
    );

    let o = bin()
        .args(["explain", "classification"])
        .output()
        .expect("runs");
    assert!(stdout(&o).contains("drop_table"));
    let o = bin().args(["explain", "drop_view"]).output().expect("runs");
    assert!(stdout(&o).contains("class: dangerous"));

    let o = bin()
        .args(["explain", "missing-overide"])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("did you mean `missing-override`?"));
}

#[test]
fn init_writes_a_config_that_loads() {
    let d = tree(&[(
        "migrations/20260101000000_a.sql",
        b"CREATE TABLE a (id int);\n",
    )]);
    let o = run_in(d.path(), &["init"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(d.path().join("migsafe.toml").is_file());
    let o = run_in(d.path(), &["check"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = run_in(d.path(), &["init"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--force"));
}

#[test]
fn migrations_flag_is_a_path() {
    let d = tree(&[("x/20260101000000_a.sql", b"TRUNCATE a;\n")]);
    let o = run_in(
        d.path(),
        &["check", "--migrations", "x", "--format", "json"],
    );
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    assert!(
        v["diagnostics"]
            .as_array()
            .is_some_and(|d| d.iter().any(|x| x["rule"] == "missing-override")),
        "{v}"
    );
}

#[test]
fn every_format_from_the_cli() {
    let dir = repo().join("examples/prisma-app");
    let o = run_in(&dir, &["check", "--format", "sarif"]);
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    assert_eq!(v["version"], "2.1.0");
    // 2 errors, require-concurrent-index, missing-lock-timeout on the six
    // migrations that lock an existing table.
    assert_eq!(v["runs"][0]["results"].as_array().map(Vec::len), Some(9));

    let o = run_in(&dir, &["check", "--format", "junit"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("<testsuites name=\"migsafe\" tests=\"7\" failures=\"2\""));

    let o = run_in(&dir, &["check", "--format", "github"]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(out.contains("::error file=prisma/migrations/20260106090000_rename_user_name/migration.sql,line=2,col=1,"), "{out}");

    // Inside GitHub Actions the default is annotations; an explicit format wins.
    let o = bin()
        .current_dir(&dir)
        .args(["check"])
        .env("GITHUB_ACTIONS", "true")
        .output()
        .expect("runs");
    assert!(stdout(&o).starts_with("::"), "{}", stdout(&o));
    let o = bin()
        .current_dir(&dir)
        .args(["check", "--format", "text"])
        .env("GITHUB_ACTIONS", "true")
        .output()
        .expect("runs");
    assert!(
        stdout(&o).starts_with("warning[missing-lock-timeout]"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn rollback_check_verifies_down_scripts_and_paths() {
    let d = tree(&[
        (
            "db/20260101000000_users.sql",
            b"CREATE TABLE users (id int PRIMARY KEY, email text);\nCREATE INDEX users_email_idx ON users (email);\n",
        ),
        ("db/20260101000000_users.down.sql", b"DROP TABLE users;\n"),
        (
            "db/20260102000000_bio.sql",
            b"ALTER TABLE users ADD COLUMN bio text;\nCREATE INDEX users_bio_idx ON users (bio);\n",
        ),
        // Forgets the column and drops an index that does not exist.
        ("db/20260102000000_bio.down.sql", b"DROP INDEX users_bio_idx;\nDROP INDEX users_nope_idx;\n"),
        // No down script: derivable.
        ("db/20260103000000_drop_idx.sql", b"-- @override-destructive\nDROP INDEX users_email_idx;\n"),
        // No down script, nothing derivable, no plan: an error where a plan
        // is required (dangerous), information elsewhere.
        (
            "db/20260104000000_relax.sql",
            b"-- @override-destructive\nALTER TABLE users DROP COLUMN email;\n",
        ),
        (
            "db/20260105000000_mood.sql",
            b"CREATE TYPE mood AS ENUM ('ok');\nALTER TYPE mood ADD VALUE 'sad';\n",
        ),
    ]);
    let o = run_in(d.path(), &["rollback-check", "db", "--format", "json"]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let v = json(&o);
    let diags: Vec<(String, String, Option<u64>)> = v["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            (
                d["rule"].as_str().unwrap_or("").to_owned(),
                d["path"].as_str().unwrap_or("").to_owned(),
                d["line"].as_u64(),
            )
        })
        .collect();
    // The down script's second DROP fails, so PostgreSQL rolls all of it
    // back: neither the column nor the index is restored (two findings),
    // and the failing statement is the third.
    assert_eq!(
        diags,
        vec![
            (
                "down-script-mismatch".into(),
                "db/20260102000000_bio.down.sql".into(),
                None
            ),
            (
                "down-script-mismatch".into(),
                "db/20260102000000_bio.down.sql".into(),
                None
            ),
            (
                "down-script-mismatch".into(),
                "db/20260102000000_bio.down.sql".into(),
                Some(2)
            ),
            (
                "missing-rollback-path".into(),
                "db/20260104000000_relax.sql".into(),
                Some(2)
            ),
            (
                "complex-rollback".into(),
                "db/20260105000000_mood.sql".into(),
                Some(2)
            ),
        ]
    );
    assert_eq!(v["diagnostics"][4]["severity"], "info");
    let msg = v["diagnostics"][0]["message"].as_str().unwrap_or("");
    assert!(msg.contains("bio"), "{msg}");
    let m = &v["migrations"];
    assert_eq!(m[0]["rollback_path"]["kind"], "down_script");
    assert_eq!(m[2]["rollback_path"]["kind"], "generated");
    assert_eq!(
        m[2]["rollback_path"]["generated_down"],
        "CREATE INDEX users_email_idx ON users (email);"
    );
    assert_eq!(m[3]["rollback_path"]["kind"], "incomplete");
    // validate does not look at down scripts or derive inverses; check
    // reports the missing plan once.
    let o = run_in(d.path(), &["validate", "db", "--format", "json"]);
    let rules: Vec<String> = json(&o)["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| d["rule"].as_str().unwrap_or("").to_owned())
        .collect();
    assert_eq!(
        rules,
        vec![
            "missing-lock-timeout",
            "require-concurrent-index",
            "missing-lock-timeout",
            "missing-lock-timeout",
            "missing-rollback-plan"
        ]
    );
    let o = run_in(d.path(), &["check", "db", "--format", "json"]);
    let v = json(&o);
    let n = v["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| d["rule"] == "missing-rollback-path" || d["rule"] == "missing-rollback-plan")
        .count();
    assert_eq!(n, 1, "reported once, by missing-rollback-plan");
}

#[test]
fn drift_against_the_prisma_schema() {
    // The example's schema matches its migrations.
    let o = run_in(
        &repo(),
        &[
            "drift-check",
            "examples/prisma-app/prisma/migrations",
            "--format",
            "json",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert_eq!(json(&o)["diagnostics"], serde_json::json!([]));

    // A copy with a schema change and no migration for it.
    let d = tempfile::tempdir().expect("tempdir");
    let src = repo().join("examples/prisma-app/prisma");
    for entry in walk(&src) {
        let rel = entry.strip_prefix(&src).expect("under src");
        let dst = d.path().join("prisma").join(rel);
        std::fs::create_dir_all(dst.parent().expect("parent")).expect("mkdir");
        std::fs::copy(&entry, &dst).expect("copy");
    }
    let schema = d.path().join("prisma/schema.prisma");
    let text = std::fs::read_to_string(&schema).expect("schema").replace(
        "  bio         String?\n",
        "  bio         String?\n  website     String?\n",
    );
    std::fs::write(&schema, text).expect("write");
    let o = run_in(d.path(), &["check", "--format", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    let drift: Vec<&serde_json::Value> = v["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| d["rule"] == "schema-drift")
        .collect();
    assert_eq!(drift.len(), 1, "{v}");
    assert_eq!(drift[0]["path"], "prisma/schema.prisma");
    assert_eq!(drift[0]["line"], 25);
    assert_eq!(
        drift[0]["message"],
        "column \"User\".\"website\": schema says text, migrations produce no such column"
    );
    // drift-check alone reports only drift.
    let o = run_in(d.path(), &["drift-check", "--format", "json"]);
    let rules: Vec<String> = json(&o)["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| d["rule"].as_str().unwrap_or("").to_owned())
        .collect();
    assert_eq!(rules, vec!["schema-drift"]);

    // No schema to compare with.
    let e = tree(&[("migrations/20260101000000_a.sql", b"SELECT 1;\n")]);
    let o = run_in(e.path(), &["drift-check"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("no Prisma schema found"),
        "{}",
        stderr(&o)
    );
    let o = run_in(e.path(), &["check", "--schema", "nope.prisma"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("nope.prisma"));
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).expect("read_dir").flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn wrong_paths_get_a_clear_answer() {
    let d = tree(&[
        ("README.md", b"# hello\n"),
        (
            "prisma/migrations/20260101000000_a/migration.sql",
            b"SELECT 1;\n",
        ),
    ]);
    let o = run_in(d.path(), &["check", "README.md"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("README.md: not a migration"),
        "{}",
        stderr(&o)
    );
    // Nothing was checked: said so, exit 2, the report still printed.
    let o = run_in(d.path(), &["validate", "prisma", "--format", "json"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("nothing was checked"), "{}", stderr(&o));
    let v = json(&o);
    assert_eq!(v["diagnostics"][0]["rule"], "no-migrations");
    assert_eq!(
        v["diagnostics"][0]["help"],
        "did you mean `prisma/migrations`?"
    );
}

/// One Prisma migration named on the command line (as the pre-commit
/// framework passes it), as a file or as its folder: checked as a Prisma
/// migration (no naming finding for `migration`), with the rest of its
/// history as context (no false drift or replay failure), reported alone.
#[test]
fn a_single_prisma_migration_is_checked_with_its_history() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/prisma-app");
    for arg in [
        "prisma/migrations/20260106090000_rename_user_name/migration.sql",
        "prisma/migrations/20260106090000_rename_user_name",
    ] {
        let o = run_in(&root, &["check", arg, "--format", "json"]);
        assert_eq!(o.status.code(), Some(1), "{arg}: {}", stderr(&o));
        let v = json(&o);
        let migrations = v["migrations"].as_array().unwrap();
        assert_eq!(migrations.len(), 1, "{arg}");
        assert_eq!(migrations[0]["name"], "20260106090000_rename_user_name");
        let rules: Vec<&str> = v["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["rule"].as_str().unwrap())
            .collect();
        assert_eq!(
            rules,
            vec!["missing-lock-timeout", "missing-override"],
            "{arg}: {v}"
        );
    }
    // The same migration twice, and inside its directory: checked once.
    let o = run_in(
        &root,
        &[
            "validate",
            "prisma/migrations/20260102090000_add_user_bio/migration.sql",
            "prisma/migrations/20260102090000_add_user_bio",
            "--format",
            "json",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(json(&o)["migrations"].as_array().unwrap().len(), 1);
}

fn names_and_rules(v: &serde_json::Value) -> (Vec<String>, Vec<(String, String)>) {
    let names = v["migrations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap().to_owned())
        .collect();
    let rules = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["rule"].as_str().unwrap().to_owned(),
                d["migration"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    (names, rules)
}

/// diesel, dbmate and Flyway directories are recognised by `layout =
/// "auto"`, ordered as their tools order them, named as their tools name
/// them, and run as one transaction per file as their tools run them.
#[test]
fn diesel_dbmate_and_flyway_layouts() {
    let d = tree(&[
        (
            "diesel/2026-01-01-000000_create_users/up.sql",
            b"CREATE TABLE users (id integer PRIMARY KEY, email text);\n",
        ),
        (
            "diesel/2026-01-01-000000_create_users/down.sql",
            b"DROP TABLE users;\n",
        ),
        (
            "diesel/2026-01-02-000000_index/up.sql",
            b"SET lock_timeout = '5s';\nCREATE INDEX CONCURRENTLY users_email ON users (email);\nSELECT 1;\n",
        ),
        (
            "dbmate/20260101000000_create.sql",
            b"-- migrate:up\nCREATE TABLE users (id integer PRIMARY KEY);\n\n-- migrate:down\nDROP TABLE users;\n",
        ),
        (
            "dbmate/20260102000000_index.sql",
            b"-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY users_id ON users (id);\nSELECT 1;\n-- migrate:down\nDROP INDEX users_id;\n",
        ),
        (
            "flyway/V1__init.sql",
            b"CREATE TABLE users (id integer PRIMARY KEY, note text);\n",
        ),
        ("flyway/V2__more.sql", b"CREATE TABLE more (id integer);\n"),
        (
            "flyway/V10__drop_note.sql",
            b"ALTER TABLE users DROP COLUMN note;\n",
        ),
        (
            "flyway/U10__drop_note.sql",
            b"ALTER TABLE users ADD COLUMN note text;\n",
        ),
        ("flyway/V3_typo.sql", b"SELECT 1;\n"),
    ]);

    let v = json(&run_in(d.path(), &["check", "diesel", "--format", "json"]));
    let (names, rules) = names_and_rules(&v);
    assert_eq!(
        names,
        vec!["2026-01-01-000000_create_users", "2026-01-02-000000_index"]
    );
    assert!(
        rules.contains(&(
            "concurrently-in-transaction".to_owned(),
            "2026-01-02-000000_index".to_owned()
        )),
        "{v}"
    );
    assert!(
        v["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["message"].as_str().unwrap_or("").contains("diesel runs")),
        "{v}"
    );
    assert!(
        !rules.iter().any(|(r, _)| r == "invalid-migration-name"),
        "{v}"
    );
    assert_eq!(
        v["migrations"][0]["rollback_path"]["kind"], "down_script",
        "{v}"
    );

    // dbmate: the down section is not part of the up script; a file that
    // says `transaction:false` runs its statements one by one.
    let v = json(&run_in(d.path(), &["check", "dbmate", "--format", "json"]));
    let (names, rules) = names_and_rules(&v);
    assert_eq!(names, vec!["20260101000000_create", "20260102000000_index"]);
    assert!(!rules.iter().any(|(r, _)| r == "missing-override"), "{v}");
    assert!(
        !rules
            .iter()
            .any(|(r, _)| r == "concurrently-in-transaction"),
        "{v}"
    );
    assert_eq!(
        v["migrations"][0]["statements"].as_array().map(Vec::len),
        Some(1)
    );
    assert_eq!(
        v["migrations"][0]["rollback_path"]["kind"], "down_script",
        "{v}"
    );

    // Flyway: V2 before V10; U10 is V10's undo; `V3_typo` is no name Flyway
    // runs (it has no version: it sorts last).
    let v = json(&run_in(d.path(), &["check", "flyway", "--format", "json"]));
    let (names, rules) = names_and_rules(&v);
    assert_eq!(
        names,
        vec!["V1__init", "V2__more", "V10__drop_note", "V3_typo"],
        "{v}"
    );
    assert!(
        rules.contains(&("invalid-migration-name".to_owned(), "V3_typo".to_owned())),
        "{v}"
    );
    assert!(
        rules.contains(&("missing-override".to_owned(), "V10__drop_note".to_owned())),
        "{v}"
    );
    assert_eq!(
        v["migrations"][2]["rollback_path"]["kind"], "down_script",
        "{v}"
    );
}

/// Colour follows `--color`, then NO_COLOR (only when not empty), then
/// CLICOLOR_FORCE (when not `0`), then whether stdout is a terminal (it is
/// not, here).
#[test]
fn colour_follows_the_flag_and_the_conventions() {
    let colored = |color: Option<&str>, env: &[(&str, &str)]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_migsafe"));
        c.current_dir(repo())
            .env_remove("RUST_LOG")
            .env_remove("GITHUB_ACTIONS")
            .env_remove("NO_COLOR")
            .env_remove("CLICOLOR_FORCE")
            .args(["validate", "examples/prisma-app/prisma/migrations"]);
        if let Some(w) = color {
            c.args(["--color", w]);
        }
        for (k, v) in env {
            c.env(k, v);
        }
        let o = c.output().expect("runs");
        o.stdout.contains(&0x1b)
    };
    assert!(!colored(None, &[]), "not a terminal: no colour");
    assert!(colored(None, &[("CLICOLOR_FORCE", "1")]));
    assert!(!colored(None, &[("CLICOLOR_FORCE", "0")]));
    assert!(
        colored(None, &[("NO_COLOR", ""), ("CLICOLOR_FORCE", "1")]),
        "an empty NO_COLOR is unset"
    );
    assert!(!colored(
        None,
        &[("NO_COLOR", "1"), ("CLICOLOR_FORCE", "1")]
    ));
    assert!(
        colored(Some("always"), &[("NO_COLOR", "1")]),
        "the flag wins"
    );
    assert!(!colored(Some("never"), &[("CLICOLOR_FORCE", "1")]));
}

/// Every command (as its words), for the tests of help and man pages.
const COMMANDS: &[&[&str]] = &[
    &[],
    &["check"],
    &["validate"],
    &["rollback-check"],
    &["rollback"],
    &["rollback", "plan"],
    &["rollback", "emit-down"],
    &["rollback", "verify"],
    &["drift-check"],
    &["status"],
    &["rules"],
    &["explain"],
    &["hooks"],
    &["init"],
    &["completions"],
];

/// `docs/man/` holds what `migsafe man [COMMAND]` prints, migsafe's page
/// and one per command (`UPDATE_DOCS=1` rewrites them), so the shipped
/// pages never drift from `--help`.
#[test]
fn man_pages_are_current() {
    let pages = COMMANDS;
    let mut stale = Vec::new();
    for p in pages {
        let mut args = vec!["man"];
        args.extend_from_slice(p);
        let o = run_in(&repo(), &args);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        let page = stdout(&o);
        let name = std::iter::once("migsafe")
            .chain(p.iter().copied())
            .collect::<Vec<_>>()
            .join("-");
        assert!(page.contains(&format!(".TH {name} 1")), "{page}");
        let path = repo().join(format!("docs/man/{name}.1"));
        if std::env::var_os("UPDATE_DOCS").is_some() {
            std::fs::write(&path, &page).expect("write the man page");
        }
        if std::fs::read_to_string(&path).unwrap_or_default() != page {
            stale.push(name);
        }
    }
    assert!(
        stale.is_empty(),
        "stale man pages {stale:?}: run `UPDATE_DOCS=1 cargo test -p migsafe --test cli man_pages`"
    );
    let check = std::fs::read_to_string(repo().join("docs/man/migsafe-check.1")).unwrap();
    assert!(
        check.contains("\\-\\-staged") && check.contains("\\-\\-database\\-url"),
        "{check}"
    );
    let o = run_in(&repo(), &["man", "nope"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not a command"));
}

/// Completions for every shell clap knows; the bash one is loaded by bash
/// and completes the subcommands.
#[test]
fn shell_completions() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let o = run_in(&repo(), &["completions", shell]);
        assert_eq!(o.status.code(), Some(0), "{shell}: {}", stderr(&o));
        let s = stdout(&o);
        assert!(
            s.contains("migsafe") && s.contains("rollback-check"),
            "{shell}: {s}"
        );
    }
    let o = run_in(&repo(), &["completions", "tcsh"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("possible values"), "{}", stderr(&o));
    let script = stdout(&run_in(&repo(), &["completions", "bash"]));
    let Ok(b) = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "{script}\nCOMP_WORDS=(migsafe roll); COMP_CWORD=1; _migsafe migsafe roll migsafe; printf '%s\\n' \"${{COMPREPLY[@]}}\""
        ))
        .output()
    else {
        println!("bash is not installed here: the bash completion was not loaded");
        return;
    };
    let words = String::from_utf8_lossy(&b.stdout);
    assert!(
        words.lines().any(|w| w == "rollback") && words.lines().any(|w| w == "rollback-check"),
        "bash completed `migsafe roll` to {words:?} ({})",
        String::from_utf8_lossy(&b.stderr)
    );
}

/// `--help` of migsafe and of every subcommand, as a user reads it (80
/// columns).
#[test]
fn help_of_every_command() {
    let cmds: Vec<&[&str]> = COMMANDS.iter().copied().chain([&["man"][..]]).collect();
    for c in cmds {
        let mut args: Vec<&str> = c.to_vec();
        args.push("--help");
        let o = bin()
            .current_dir(repo())
            .env("COLUMNS", "80")
            .env_remove("DATABASE_URL")
            .args(&args)
            .output()
            .expect("runs");
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        let name = if c.is_empty() {
            "migsafe".to_owned()
        } else {
            c.join("_")
        };
        insta::assert_snapshot!(format!("help_{name}"), stdout(&o));
    }
}

/// Each command lists and accepts only the options that mean something to
/// it, and only the formats it writes.
#[test]
fn each_command_takes_its_own_options() {
    let refused: &[&[&str]] = &[
        &["rules", "--database-url", "postgres://x@127.0.0.1/db"],
        &["rules", "--since", "main"],
        &["status", "--staged"],
        &["status", "--since", "main"],
        &["explain", "missing-override", "--format", "json"],
        &["init", "--schema", "x.prisma"],
        &["hooks", "install", "--format", "json"],
        &["rules", "--format", "sarif"],
        &["--format", "sarif", "rules"],
        &["check", "--format", "prometheus"],
        &[
            "completions",
            "bash",
            "--database-url",
            "postgres://x@127.0.0.1/db",
        ],
    ];
    for args in refused {
        let o = bin()
            .current_dir(repo())
            .env_remove("DATABASE_URL")
            .args(*args)
            .output()
            .expect("runs");
        assert_eq!(
            o.status.code(),
            Some(2),
            "{args:?} was accepted: {}",
            stdout(&o)
        );
        let e = stderr(&o);
        assert!(
            e.contains("means nothing to")
                || e.contains("possible values")
                || e.contains("does not write"),
            "{args:?}: {e}"
        );
    }
    // What a command has is listed; what it has not, not.
    let help = |args: &[&str]| {
        stdout(
            &bin()
                .current_dir(repo())
                .args(args)
                .arg("--help")
                .output()
                .expect("runs"),
        )
    };
    let rules = help(&["rules"]);
    assert!(
        rules.contains("--format") && rules.contains("[possible values: text, json]"),
        "{rules}"
    );
    assert!(
        !rules.contains("--database-url") && !rules.contains("--staged"),
        "{rules}"
    );
    let status = help(&["status"]);
    assert!(
        status.contains("--database-url") && status.contains("prometheus"),
        "{status}"
    );
    assert!(
        !status.contains("--staged") && !status.contains("--since"),
        "{status}"
    );
    let check = help(&["check"]);
    for o in [
        "--staged",
        "--since",
        "--schema",
        "--database-url",
        "--audit-log",
        "markdown",
    ] {
        assert!(check.contains(o), "check --help lacks {o}");
    }
    assert!(!check.contains("prometheus"), "{check}");
    // And what they have still works.
    let o = run_in(&repo(), &["rules", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(json(&o).as_array().is_some_and(|a| !a.is_empty()));
}
