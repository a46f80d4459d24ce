#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

//! One minimal history per class of replay bug the differential tests
//! found (`tests/fixtures/histories/<class>/`, Prisma layout, an optional
//! `setup.txt` (SQL) for what the migration tool creates itself): PostgreSQL
//! applies every file, and the replay equals the database.

use std::path::Path;

use migsafe_oracle::{apply_prisma_after, compare, read_dir, require_pg};

#[test]
fn every_fixture_history_replays_to_the_database() {
    let pg = require_pg!();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/histories");
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 7, "{} fixture histories", dirs.len());
    let mut failures = Vec::new();
    for dir in &dirs {
        let label = dir.file_name().unwrap().to_string_lossy().into_owned();
        let setup = std::fs::read_to_string(dir.join("setup.txt")).unwrap_or_default();
        let migrations = read_dir(dir).unwrap();
        assert!(!migrations.is_empty(), "{label}: no migrations");
        let applied = apply_prisma_after(pg, &label, &setup, &migrations).unwrap();
        if let Some((m, e)) = applied.failed().next() {
            failures.push(format!("{label}: PostgreSQL rejected {}: {e}", m.name));
            continue;
        }
        let cmp = compare(&applied).unwrap();
        if !cmp.is_equal() {
            failures.push(format!("{label}:\n{}", cmp.describe()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
