#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

//! One 50 MB migration file (a data migration: a table, an index and
//! 50 MB of multi-row INSERTs, as a seed or backfill migration is) goes
//! through every check within 1 GB of peak resident size. Not timed.

use migsafe_core::check::Checks;
use migsafe_core::{Config, MigrationSource};

mod support;

#[test]
fn a_50_mb_file_is_checked_within_1_gb() {
    if support::peak_kib().is_none() {
        return;
    }
    let mut sql = String::with_capacity(51 * 1024 * 1024);
    sql.push_str(
        "CREATE TABLE \"Item\" (\"id\" INTEGER PRIMARY KEY, \"name\" TEXT NOT NULL, \"price\" NUMERIC(10,2), \"created_at\" TIMESTAMP(3) DEFAULT CURRENT_TIMESTAMP);\n",
    );
    sql.push_str("CREATE INDEX \"Item_name_idx\" ON \"Item\" (\"name\");\n");
    let mut batches = 0usize;
    while sql.len() < 50 * 1024 * 1024 {
        sql.push_str("INSERT INTO \"Item\" (\"id\", \"name\", \"price\", \"created_at\") VALUES\n");
        for j in 0..100 {
            let id = batches * 100 + j;
            if j > 0 {
                sql.push_str(",\n");
            }
            sql.push_str(&format!(
                "({id}, 'item number {id}', {j}.99, '2026-01-01 00:00:00')"
            ));
        }
        sql.push_str(";\n");
        batches += 1;
    }
    let bytes = sql.len();
    let report = migsafe_core::check_sources(
        vec![MigrationSource::prisma("20260101000000_seed_items", &sql)],
        &Config::default(),
        Checks::ALL,
    );
    drop(sql);
    assert_eq!(report.summary.statements, batches + 2);
    assert_eq!(report.summary.parsed_statements, batches + 2);
    let peak = support::peak_kib().unwrap_or(0);
    println!(
        "{} MB file, {} statements: peak resident size {} MiB",
        bytes / 1024 / 1024,
        batches + 2,
        peak / 1024
    );
    assert!(peak < 1024 * 1024, "peak resident size {} MiB", peak / 1024);
}
