//! The whole `check` (validate + rollback + drift, the history replayed),
//! as `migsafe check DIR` runs it, and its stages one by one: over the
//! generated 10,000 migrations (seed 42, as `gen-migrations DIR 10000 42`)
//! and over the shared histories when `../shared/corpora` is there. Figures
//! in bytes/s and statements/s.

#![allow(clippy::expect_used)] // a benchmark without its input cannot run: it stops with the reason

use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use migsafe_core::check::{self, Checks};
use migsafe_core::{Config, MigrationSource, Options};

fn options(dir: &Path, schema: Option<PathBuf>) -> Options {
    Options {
        cwd: dir.to_path_buf(),
        paths: vec![dir.to_path_buf()],
        since: None,
        staged: false,
        schema,
    }
}

/// (name, migrations directory, Prisma schema) of each shared history here.
fn corpora() -> Vec<(&'static str, PathBuf, Option<PathBuf>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpora");
    let sets = [
        (
            "langfuse",
            "langfuse__langfuse/packages/shared/prisma/migrations",
        ),
        (
            "trigger_dev",
            "triggerdotdev__trigger.dev/internal-packages/database/prisma/migrations",
        ),
        (
            "harness",
            "harness__harness/app/store/database/migrate/postgres",
        ),
    ];
    let found: Vec<_> = sets
        .into_iter()
        .map(|(n, rel)| (n, root.join(rel)))
        .filter(|(_, d)| d.is_dir())
        .map(|(n, d)| {
            let schema = d.join("../schema.prisma");
            (n, d.clone(), schema.is_file().then_some(schema))
        })
        .collect();
    if found.is_empty() {
        eprintln!(
            "check: the shared histories are not at {}; only the generated set is measured",
            root.display()
        );
    }
    found
}

fn bench(c: &mut Criterion) {
    let config = Config::default();
    let set = migsafe_benches::generate(42, 10_000);
    let bytes: u64 = set.iter().map(|m| m.sql.len() as u64).sum();
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let dir = tmp.path().join("migrations");
    migsafe_benches::write_prisma_dir(&dir, &set).expect("the generated set written");
    let sources: Vec<MigrationSource> = set
        .iter()
        .map(|m| MigrationSource::prisma(&m.name, &m.sql))
        .collect();
    let statements = migsafe_core::validate_sources(sources.clone(), &config)
        .summary
        .statements as u64;

    // The stages, on the text of the 10,000 migrations.
    let mut g = c.benchmark_group("stages_10000");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    g.throughput(Throughput::Bytes(bytes));
    g.bench_function("split", |b| {
        b.iter(|| {
            set.iter()
                .map(|m| migsafe_classify::split(&m.sql).statements.len())
                .sum::<usize>()
        })
    });
    let analyzed: Vec<migsafe_classify::AnalyzedFile> = set
        .iter()
        .map(|m| migsafe_classify::analyze(&m.sql))
        .collect();
    g.bench_function("parse_and_classify", |b| {
        b.iter(|| {
            set.iter()
                .map(|m| migsafe_classify::analyze(&m.sql).statements.len())
                .sum::<usize>()
        })
    });
    g.bench_function("annotations", |b| {
        b.iter(|| {
            set.iter()
                .zip(&analyzed)
                .map(|(m, f)| {
                    migsafe_core::engine::resolve_annotations(&m.sql, f, &config)
                        .statements
                        .len()
                })
                .sum::<usize>()
        })
    });
    let inputs: Vec<migsafe_drift::MigrationInput<'_>> = set
        .iter()
        .zip(&analyzed)
        .map(|(m, f)| migsafe_drift::MigrationInput {
            name: &m.name,
            path: &m.name,
            statements: &f.statements,
        })
        .collect();
    g.bench_function("replay", |b| {
        b.iter(|| migsafe_drift::replay(&inputs).model.tables.len())
    });
    g.throughput(Throughput::Elements(statements));
    g.bench_function("validate_statements", |b| {
        b.iter(|| {
            migsafe_core::validate_sources(sources.clone(), &config)
                .summary
                .errors
        })
    });
    g.finish();

    // The whole check, from the directory on disk.
    let mut g = c.benchmark_group("check");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    g.throughput(Throughput::Bytes(bytes));
    let opts = options(&dir, None);
    g.bench_function("generated_10000", |b| {
        b.iter(|| check::run(&opts, &config, Checks::ALL).map(|v| v.report.summary.errors))
    });
    g.bench_function("generated_10000_validate", |b| {
        b.iter(|| check::run(&opts, &config, Checks::VALIDATE).map(|v| v.report.summary.errors))
    });
    for (name, d, schema) in corpora() {
        let size: u64 = std::fs::read_dir(&d)
            .map(|rd| {
                rd.flatten()
                    .map(|e| {
                        let p = e.path();
                        let f = if p.is_dir() {
                            p.join("migration.sql")
                        } else {
                            p
                        };
                        f.metadata().map(|m| m.len()).unwrap_or(0)
                    })
                    .sum()
            })
            .unwrap_or(0);
        g.throughput(Throughput::Bytes(size));
        let opts = options(&d, schema);
        g.bench_function(name, |b| {
            b.iter(|| check::run(&opts, &config, Checks::ALL).map(|v| v.report.summary.errors))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
