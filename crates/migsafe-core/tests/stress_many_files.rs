#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

//! 50,000 small migrations (a Prisma migrations folder, read from disk:
//! discovery, reading, every check) within 1 GB of peak resident size.
//! Not timed.

use migsafe_core::check::Checks;
use migsafe_core::{Config, Options};

mod support;

#[test]
fn fifty_thousand_migrations_are_checked_within_1_gb() {
    if support::peak_kib().is_none() {
        return;
    }
    const N: usize = 50_000;
    let dir = tempfile::tempdir().unwrap();
    let migrations = dir.path().join("prisma/migrations");
    for i in 0..N {
        // Valid timestamps: one migration a minute from 2026-01-01.
        let (d, rest) = (i / 1440, i % 1440);
        let (month, day) = (1 + d / 28, 1 + d % 28);
        let name = format!(
            "2026{month:02}{day:02}{:02}{:02}00_m{i}",
            rest / 60,
            rest % 60
        );
        let m = migrations.join(&name);
        std::fs::create_dir_all(&m).unwrap();
        std::fs::write(
            m.join("migration.sql"),
            format!(
                "-- CreateTable\nCREATE TABLE \"T{i}\" (\"id\" SERIAL NOT NULL, \"name\" TEXT, CONSTRAINT \"T{i}_pkey\" PRIMARY KEY (\"id\"));\nCREATE INDEX \"T{i}_name_idx\" ON \"T{i}\"(\"name\");\n"
            ),
        )
        .unwrap();
    }
    let before = support::peak_kib().unwrap_or(0);
    let opts = Options {
        cwd: dir.path().to_path_buf(),
        paths: vec!["prisma/migrations".into()],
        ..Options::default()
    };
    let report = migsafe_core::check::run(&opts, &Config::default(), Checks::ALL)
        .unwrap()
        .report;
    assert_eq!(report.migrations.len(), N);
    assert_eq!(report.summary.statements, 2 * N);
    assert_eq!(report.summary.errors, 0, "{:?}", report.diagnostics.first());
    let peak = support::peak_kib().unwrap_or(0);
    println!(
        "{N} migrations: peak resident size {} MiB (before the check: {} MiB)",
        peak / 1024,
        before / 1024
    );
    assert!(peak < 1024 * 1024, "peak resident size {} MiB", peak / 1024);
}
