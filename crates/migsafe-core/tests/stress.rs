#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

//! Memory stays bounded on big inputs (not timed: memory, measured as the
//! process's peak resident size, which this binary's one test owns).

use migsafe_core::{Config, MigrationSource};

mod support;

#[test]
fn twelve_thousand_tables_in_one_file_stay_within_200_mb() {
    let Some(before) = support::peak_kib() else {
        return;
    };
    let sql: String = (0..12_000)
        .map(|i| format!("CREATE TABLE t{i} (id integer PRIMARY KEY, name text);\n"))
        .collect();
    let report = migsafe_core::validate_sources(
        vec![MigrationSource::prisma("20260101000000_many", &sql)],
        &Config::default(),
    );
    assert_eq!(report.summary.statements, 12_000);
    let peak = support::peak_kib().unwrap_or(0);
    println!(
        "12,000 CREATE TABLE: peak resident size {} MiB",
        peak / 1024
    );
    assert!(
        peak < 200 * 1024,
        "peak resident size {} MiB (before: {} MiB)",
        peak / 1024,
        before / 1024
    );
}
