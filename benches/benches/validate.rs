//! The validate pipeline over a generated set with the statement mix of
//! real Prisma histories: throughput in bytes and in statements.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use migsafe_core::{Config, MigrationSource, validate_sources};

fn sources(count: usize) -> Vec<MigrationSource> {
    migsafe_benches::generate(1, count)
        .into_iter()
        .map(|m| MigrationSource::prisma(&m.name, &m.sql))
        .collect()
}

fn bench(c: &mut Criterion) {
    let set = sources(2000);
    let bytes: usize = set.iter().map(|s| s.up.len()).sum();
    let config = Config::default();
    let statements = validate_sources(set.clone(), &config).summary.statements;

    let mut g = c.benchmark_group("validate");
    g.sample_size(20);
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("2000_migrations_bytes", |b| {
        b.iter(|| validate_sources(set.clone(), &config))
    });
    g.throughput(Throughput::Elements(statements as u64));
    g.bench_function("2000_migrations_statements", |b| {
        b.iter(|| validate_sources(set.clone(), &config))
    });
    g.finish();

    let text: String = set
        .iter()
        .map(|s| String::from_utf8_lossy(&s.up).into_owned())
        .collect::<Vec<_>>()
        .join("\n");
    let mut g = c.benchmark_group("stages");
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.bench_function("split", |b| b.iter(|| migsafe_classify::split(&text)));
    g.bench_function("analyze", |b| b.iter(|| migsafe_classify::analyze(&text)));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
