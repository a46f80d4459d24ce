//! Replay and drift of a real history: trigger.dev's main database (about
//! 820 Prisma migrations and 2,300 statements) replayed onto an empty model
//! and compared with its schema file. The statements are analyzed once,
//! outside the measurement; `analyze_replay_diff` measures the whole path
//! from SQL text. Skipped, with a message, when `../shared/corpora` is not
//! next to the repository.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use criterion::{Criterion, criterion_group, criterion_main};
use migsafe_drift::{MigrationInput, replay, schema_vs_migrations};

const PROJECT: &str = "triggerdotdev__trigger.dev/internal-packages/database/prisma";

fn project() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/corpora")
        .join(PROJECT);
    p.join("schema.prisma").is_file().then_some(p)
}

/// (name, path, SQL) of every migration, in order.
fn read_migrations(dir: &Path) -> Vec<(String, String, String)> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("migrations")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("migration.sql").is_file())
        .collect();
    dirs.sort();
    dirs.into_iter()
        .map(|d| {
            let file = d.join("migration.sql");
            let sql = String::from_utf8_lossy(&std::fs::read(&file).expect("read")).into_owned();
            (
                d.file_name().unwrap().to_string_lossy().into_owned(),
                file.to_string_lossy().into_owned(),
                sql,
            )
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let Some(base) = project() else {
        eprintln!("replay_diff: skipped, ../shared/corpora/{PROJECT} is not there");
        return;
    };
    let schema = migsafe_prisma::load(&base.join("schema.prisma")).expect("schema");
    let files = read_migrations(&base.join("migrations"));
    let analyzed: Vec<Vec<migsafe_classify::Statement>> = files
        .iter()
        .map(|(_, _, sql)| migsafe_classify::analyze(sql).statements)
        .collect();
    let inputs: Vec<MigrationInput<'_>> = files
        .iter()
        .zip(&analyzed)
        .map(|((name, path, _), statements)| MigrationInput {
            name,
            path,
            statements,
        })
        .collect();
    let findings = schema_vs_migrations(&schema, &replay(&inputs)).len();
    eprintln!(
        "replay_diff: {} migrations, {} statements, {findings} drift findings",
        inputs.len(),
        analyzed.iter().map(Vec::len).sum::<usize>()
    );

    let mut g = c.benchmark_group("replay_diff");
    g.sample_size(30);
    g.bench_function("trigger_dev_database", |b| {
        b.iter(|| schema_vs_migrations(&schema, &replay(&inputs)))
    });
    g.bench_function("trigger_dev_database_replay_only", |b| {
        b.iter(|| replay(&inputs))
    });
    g.bench_function("trigger_dev_database_analyze_replay_diff", |b| {
        b.iter(|| {
            let analyzed: Vec<Vec<migsafe_classify::Statement>> = files
                .iter()
                .map(|(_, _, sql)| migsafe_classify::analyze(sql).statements)
                .collect();
            let inputs: Vec<MigrationInput<'_>> = files
                .iter()
                .zip(&analyzed)
                .map(|((name, path, _), statements)| MigrationInput {
                    name,
                    path,
                    statements,
                })
                .collect();
            schema_vs_migrations(&schema, &replay(&inputs))
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
