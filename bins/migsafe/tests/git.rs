//! Git workflows in temporary repositories: `--since`, the pre-commit hook,
//! the audit log.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::{Command, Output};

fn git(dir: &Path, args: &[&str]) -> Output {
    Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Ada Lovelace")
        .env("GIT_AUTHOR_EMAIL", "ada@example.com")
        .env("GIT_COMMITTER_NAME", "Ada Lovelace")
        .env("GIT_COMMITTER_EMAIL", "ada@example.com")
        .env("NO_COLOR", "1")
        .output()
        .expect("git runs")
}

fn ok(dir: &Path, args: &[&str]) {
    let o = git(dir, args);
    assert!(
        o.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

fn migsafe(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_migsafe"))
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_ACTIONS")
        .output()
        .expect("runs")
}

fn write(dir: &Path, path: &str, content: &str) {
    let p = dir.join(path);
    std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    std::fs::write(p, content).expect("write");
}

fn repo() -> tempfile::TempDir {
    let d = tempfile::tempdir().expect("tempdir");
    ok(d.path(), &["init", "-q", "-b", "main"]);
    write(
        d.path(),
        "prisma/migrations/migration_lock.toml",
        "provider = \"postgresql\"\n",
    );
    write(
        d.path(),
        "prisma/migrations/20260101000000_init/migration.sql",
        "CREATE TABLE \"User\" (\"id\" TEXT NOT NULL, \"name\" TEXT);\n",
    );
    write(
        d.path(),
        "prisma/migrations/20260301000000_add_email/migration.sql",
        "ALTER TABLE \"User\" ADD COLUMN \"email\" TEXT;\n",
    );
    // An old migration with a finding that --since must not re-report.
    write(
        d.path(),
        "prisma/migrations/20260201000000_legacy/migration.sql",
        "DROP TABLE \"Legacy\";\n",
    );
    ok(d.path(), &["add", "-A"]);
    ok(d.path(), &["commit", "-q", "-m", "init"]);
    d
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "invalid JSON ({e}): {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

fn rules_of(v: &serde_json::Value) -> Vec<(String, String)> {
    v["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|d| {
            (
                d["rule"].as_str().unwrap_or("").to_owned(),
                d["path"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

#[test]
fn since_reports_new_changed_and_out_of_order_migrations() {
    let d = repo();
    let p = d.path();
    ok(p, &["checkout", "-q", "-b", "feature"]);
    // A new migration, committed on the branch.
    write(
        p,
        "prisma/migrations/20260401000000_drop_name/migration.sql",
        "ALTER TABLE \"User\" DROP COLUMN \"name\";\n",
    );
    ok(p, &["add", "-A"]);
    ok(p, &["commit", "-q", "-m", "drop name"]);
    // An edited old migration (uncommitted) and a new out-of-order one (untracked).
    write(
        p,
        "prisma/migrations/20260101000000_init/migration.sql",
        "CREATE TABLE \"User\" (\"id\" TEXT NOT NULL, \"name\" TEXT, \"age\" INT);\n",
    );
    write(
        p,
        "prisma/migrations/20260215000000_add_phone/migration.sql",
        "ALTER TABLE \"User\" ADD COLUMN \"phone\" TEXT;\n",
    );
    let o = migsafe(p, &["check", "--since", "main", "--format", "json"]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v = json(&o);
    let mut found = rules_of(&v);
    found.sort();
    assert_eq!(
        found,
        vec![
            (
                "edited-migration".to_owned(),
                "prisma/migrations/20260101000000_init/migration.sql".to_owned()
            ),
            (
                "missing-lock-timeout".to_owned(),
                "prisma/migrations/20260215000000_add_phone/migration.sql".to_owned()
            ),
            (
                "missing-lock-timeout".to_owned(),
                "prisma/migrations/20260401000000_drop_name/migration.sql".to_owned()
            ),
            (
                "missing-override".to_owned(),
                "prisma/migrations/20260401000000_drop_name/migration.sql".to_owned()
            ),
            (
                "out-of-order-migration".to_owned(),
                "prisma/migrations/20260215000000_add_phone/migration.sql".to_owned()
            ),
        ]
    );
    // Only the changed migrations are reported as checked; the old
    // DROP TABLE is history.
    let names: Vec<&str> = v["migrations"]
        .as_array()
        .expect("migrations")
        .iter()
        .filter_map(|m| m["name"].as_str())
        .collect();
    assert_eq!(
        names,
        vec![
            "20260101000000_init",
            "20260215000000_add_phone",
            "20260401000000_drop_name"
        ]
    );

    // A deleted migration is an edit of history too.
    std::fs::remove_dir_all(p.join("prisma/migrations/20260201000000_legacy")).expect("rm");
    let v = json(&migsafe(
        p,
        &["check", "--since", "main", "--format", "json"],
    ));
    assert!(
        rules_of(&v).iter().any(|(r, path)| r == "edited-migration"
            && path == "prisma/migrations/20260201000000_legacy/migration.sql"),
        "{v}"
    );

    // A bad ref is a tool failure.
    let o = migsafe(p, &["check", "--since", "no-such-branch"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no-such-branch"));
}

#[test]
fn hook_chains_refuses_bad_commits_and_uninstalls_cleanly() {
    let d = repo();
    let p = d.path();
    let hook = p.join(".git/hooks/pre-commit");
    let original =
        "#!/bin/sh\necho original-hook-ran >> \"$(git rev-parse --git-dir)/original.log\"\n";
    std::fs::create_dir_all(hook.parent().expect("parent")).expect("mkdir");
    std::fs::write(&hook, original).expect("write");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }

    let o = migsafe(p, &["hooks", "install"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stdout).contains("still runs first"));
    assert!(p.join(".git/hooks/pre-commit.pre-migsafe").is_file());

    // A bad migration is refused: the staged content is checked.
    write(
        p,
        "prisma/migrations/20260401000000_drop_users/migration.sql",
        "DROP TABLE \"User\";\n",
    );
    ok(p, &["add", "-A"]);
    let o = git(p, &["commit", "-q", "-m", "drop users"]);
    assert!(!o.status.success(), "the commit should be refused");
    let out = String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr);
    assert!(out.contains("missing-override"), "{out}");
    assert!(
        p.join(".git/original.log").is_file(),
        "the original hook ran first"
    );

    // The working tree is fixed but the index is not: still refused.
    write(
        p,
        "prisma/migrations/20260401000000_drop_users/migration.sql",
        "-- @override-destructive\n-- @rollback-plan: restore from backup\nDROP TABLE \"User\";\n",
    );
    assert!(
        !git(p, &["commit", "-q", "-m", "drop users"])
            .status
            .success()
    );
    // Staged: accepted. The old, unannotated DROP TABLE of history does not block.
    ok(p, &["add", "-A"]);
    let o = git(p, &["commit", "-q", "-m", "drop users"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));

    // Uninstall restores the original hook byte for byte.
    let o = migsafe(p, &["hooks", "uninstall"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(std::fs::read_to_string(&hook).expect("hook"), original);
    assert!(!p.join(".git/hooks/pre-commit.pre-migsafe").exists());
    // Uninstalling a hook migsafe did not write is refused.
    let o = migsafe(p, &["hooks", "uninstall"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(std::fs::read_to_string(&hook).expect("hook"), original);
}

#[test]
fn hook_without_existing_hook_installs_and_uninstalls() {
    let d = repo();
    let p = d.path();
    assert_eq!(migsafe(p, &["hooks", "install"]).status.code(), Some(0));
    assert_eq!(
        migsafe(p, &["hooks", "install"]).status.code(),
        Some(0),
        "reinstall updates"
    );
    let hook = std::fs::read_to_string(p.join(".git/hooks/pre-commit")).expect("hook");
    assert!(hook.contains("check --staged"));
    // Committing a file unrelated to migrations passes.
    write(p, "README.md", "hello\n");
    ok(p, &["add", "-A"]);
    assert!(git(p, &["commit", "-q", "-m", "docs"]).status.success());
    assert_eq!(migsafe(p, &["hooks", "uninstall"]).status.code(), Some(0));
    assert!(!p.join(".git/hooks/pre-commit").exists());
}

#[test]
fn audit_log_appends_one_line_per_run() {
    let d = repo();
    let p = d.path();
    write(
        p,
        "prisma/migrations/20260401000000_drop_users/migration.sql",
        "-- @override-destructive\n-- @rollback-plan: restore from backup\n-- @approved-by: grace, linus\nDROP TABLE \"User\";\n",
    );
    std::fs::write(p.join("audit.jsonl"), "{\"earlier\":true}\n").expect("seed");
    for _ in 0..2 {
        migsafe(p, &["check", "--audit-log", "audit.jsonl", "-q"]);
    }
    let log = std::fs::read_to_string(p.join("audit.jsonl")).expect("log");
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.len(), 3, "appended, never truncated: {log}");
    assert_eq!(lines[0], "{\"earlier\":true}");
    let e: serde_json::Value = serde_json::from_str(lines[2]).expect("JSON line");
    assert_eq!(e["command"], "check");
    assert!(
        e["time"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z') && t.len() == 20)
    );
    assert_eq!(e["git"]["author"], "Ada Lovelace <ada@example.com>");
    assert_eq!(e["git"]["branch"], "main");
    assert_eq!(e["git"]["commit"].as_str().map(str::len), Some(40));
    assert_eq!(
        e["result"]["passed"], false,
        "the legacy DROP TABLE has no override"
    );
    assert_eq!(e["migrations"].as_array().map(Vec::len), Some(4));
    let ov = e["overrides"]
        .as_array()
        .expect("overrides")
        .iter()
        .find(|o| o["migration"] == "20260401000000_drop_users")
        .expect("the override");
    assert_eq!(ov["operation"], "drop_table");
    assert_eq!(ov["rollback_plan"], "restore from backup");
    assert_eq!(ov["approved_by"], serde_json::json!(["grace", "linus"]));

    // From the config too.
    write(p, "migsafe.toml", "[audit]\nlog = \"logs/audit.jsonl\"\n");
    migsafe(p, &["validate", "-q"]);
    let log = std::fs::read_to_string(p.join("logs/audit.jsonl")).expect("config log");
    assert_eq!(log.lines().count(), 1);
    assert!(log.contains("\"command\":\"validate\""));
}

/// `hooks install` never writes through a `pre-commit` symlink (a dangling
/// one would create a file outside `.git`): the link is moved aside like
/// any other hook, and restored by `uninstall`. A `--since` ref that looks
/// like an option is a ref.
#[test]
fn hooks_never_write_through_a_symlink_and_refs_are_not_options() {
    let r = repo();
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("planted");
    let hook = r.path().join(".git/hooks/pre-commit");
    std::fs::create_dir_all(hook.parent().unwrap()).unwrap();
    let _ = std::fs::remove_file(&hook);
    std::os::unix::fs::symlink(&target, &hook).unwrap();
    let o = migsafe(r.path(), &["hooks", "install"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(!target.exists(), "wrote through the symlink");
    let meta = std::fs::symlink_metadata(&hook).unwrap();
    assert!(meta.file_type().is_file());
    let aside = r.path().join(".git/hooks/pre-commit.pre-migsafe");
    assert!(
        std::fs::symlink_metadata(&aside)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let o = migsafe(r.path(), &["hooks", "uninstall"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        std::fs::symlink_metadata(&hook)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(!target.exists());

    let o = migsafe(
        r.path(),
        &["check", "--since", "--output=/tmp/migsafe-pwned"],
    );
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(!Path::new("/tmp/migsafe-pwned").exists());
}

/// The hook judges what is staged: drift the repository already has is a
/// warning when the staged change touches neither a migration nor the
/// schema (a README-only commit goes through), and stays an error when it
/// touches the schema.
#[test]
fn preexisting_drift_does_not_block_an_unrelated_commit() {
    let r = repo();
    write(
        r.path(),
        "prisma/schema.prisma",
        "datasource db {\n  provider = \"postgresql\"\n}\n\nmodel User {\n  id    String @id\n  name  String?\n  email String?\n  extra Int\n}\n",
    );
    ok(r.path(), &["add", "-A"]);
    ok(
        r.path(),
        &[
            "-c",
            "user.email=a@b",
            "-c",
            "user.name=a",
            "commit",
            "-qm",
            "init",
            "--no-verify",
        ],
    );
    write(r.path(), "README.md", "# docs\n");
    ok(r.path(), &["add", "README.md"]);
    let o = migsafe(r.path(), &["check", "--staged"]);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(o.status.code(), Some(0), "{text}");
    assert!(text.contains("warning[schema-drift]"), "{text}");
    assert!(text.contains("pre-existing"), "{text}");
    // Staging the schema makes the drift the change's own.
    write(
        r.path(),
        "prisma/schema.prisma",
        "datasource db {\n  provider = \"postgresql\"\n}\n\nmodel User {\n  id    String @id\n  name  String?\n  email String?\n  extra Int\n  more  Int\n}\n",
    );
    ok(r.path(), &["add", "prisma/schema.prisma"]);
    let o = migsafe(r.path(), &["check", "--staged"]);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(o.status.code(), Some(1), "{text}");
    assert!(text.contains("error[schema-drift]"), "{text}");
}
