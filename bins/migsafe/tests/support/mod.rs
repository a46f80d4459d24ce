//! What the CLI tests against a real PostgreSQL share: running the binary,
//! a copy of the example project, and deploying its migrations the way
//! `prisma migrate deploy` does.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn migsafe(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_migsafe"))
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("DATABASE_URL")
        .env_remove("GITHUB_ACTIONS")
        .output()
        .expect("runs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("invalid JSON ({e}): {}{}", stdout(o), stderr(o)))
}

pub fn rules(v: &serde_json::Value) -> Vec<String> {
    v["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|d| d["rule"].as_str().unwrap_or("").to_owned())
        .collect()
}

/// A copy of the example project in a temporary directory.
pub fn example() -> tempfile::TempDir {
    let d = tempfile::tempdir().expect("tempdir");
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/prisma-app/prisma");
    copy(&src, &d.path().join("prisma"));
    d
}

pub fn copy(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).expect("mkdir");
    for e in std::fs::read_dir(src).expect("read_dir").flatten() {
        let p = e.path();
        let t = dst.join(e.file_name());
        if p.is_dir() {
            copy(&p, &t);
        } else {
            std::fs::copy(&p, &t).expect("copy");
        }
    }
}

pub fn migration_dirs(project: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(project.join("prisma/migrations"))
        .expect("read_dir")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    v.sort();
    v
}

/// Prisma's history table, as its schema engine creates it.
pub const PRISMA_TABLE: &str = migsafe_oracle::PRISMA_MIGRATIONS_TABLE;

/// Applies the first `n` migrations the way `prisma migrate deploy` does:
/// each script, then its row in `_prisma_migrations`.
pub fn deploy(pg: &migsafe_testpg::TestPg, db: &str, project: &Path, n: usize) {
    pg.psql(db, PRISMA_TABLE).expect("history table");
    for (i, dir) in migration_dirs(project).into_iter().take(n).enumerate() {
        let script = std::fs::read(dir.join("migration.sql")).expect("script");
        pg.psql(db, &String::from_utf8_lossy(&script))
            .expect("migration runs");
        let name = dir
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        pg.psql(
            db,
            &format!(
                "INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, started_at, applied_steps_count) \
                 VALUES ('00000000-0000-0000-0000-{i:012}', '{}', now() + interval '{i} minutes 2 seconds', '{name}', now() + interval '{i} minutes', 1);",
                migsafe_live::checksum(&script)
            ),
        )
        .expect("history row");
    }
}
