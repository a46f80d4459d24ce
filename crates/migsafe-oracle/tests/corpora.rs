#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

//! Every Prisma history of `../shared/corpora`, applied to PostgreSQL 15 as
//! `prisma migrate deploy` applies it, equals migsafe's static replay of
//! the same files: zero differences, zero replay issues.

use migsafe_oracle::{apply_prisma, compare, read_dir, require_corpora, require_pg};

fn prisma_history_equals_the_database(label: &str, dir: &str) {
    let pg = require_pg!();
    let root = require_corpora!();
    let migrations = read_dir(&root.join(dir)).unwrap();
    assert!(!migrations.is_empty(), "{label}: no migrations in {dir}");
    let applied = apply_prisma(pg, label, &migrations).unwrap();
    lock_findings_agree_with_postgres(label, &root.join(dir), applied.failed().count());
    let failed: Vec<_> = applied.failed().collect();
    assert!(
        failed.is_empty(),
        "{label}: PostgreSQL rejected {failed:#?}"
    );
    let cmp = compare(&applied).unwrap();
    println!(
        "{label}: {} migrations applied, {} objects compared ({} of {} view queries), {} differences, {} replay issues",
        applied.applied().count(),
        cmp.objects(),
        cmp.definitions(),
        cmp.live.views.len(),
        cmp.differences.len(),
        cmp.replayed.issues.len()
    );
    assert!(
        cmp.is_equal(),
        "{label}: the replay and PostgreSQL differ:\n{}",
        cmp.describe()
    );
}

/// The lock rules on a history PostgreSQL applied: no rule that says
/// PostgreSQL refuses a file fires on a file it accepted, and no lock
/// finding is about a table the same migration created.
fn lock_findings_agree_with_postgres(label: &str, dir: &std::path::Path, failed: usize) {
    use std::collections::BTreeMap;
    let report =
        migsafe_core::validate_paths(&[dir.to_path_buf()], &migsafe_core::Config::default())
            .unwrap();
    let locking: Vec<&str> = migsafe_core::rules::ALL
        .iter()
        .filter(|r| r.category == migsafe_core::rules::Category::Locking)
        .map(|r| r.id.as_str())
        .collect();
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    let mut wrong = Vec::new();
    for d in &report.diagnostics {
        let Some(rule) = locking.iter().find(|r| **r == d.rule) else {
            continue;
        };
        *counts.entry(rule).or_default() += 1;
        if failed == 0 && matches!(*rule, "concurrently-in-transaction" | "new-enum-value-used") {
            wrong.push(format!(
                "{}:{:?} {}: PostgreSQL accepted the file",
                d.path, d.line, d.rule
            ));
        }
        // The statement it is about, and the tables created before it in
        // the same file.
        let Ok(text) = std::fs::read_to_string(&d.path) else {
            continue;
        };
        let statements = migsafe_classify::analyze(&text).statements;
        let Some(at) = statements.iter().position(|s| Some(s.line) == d.line) else {
            continue;
        };
        let created: Vec<String> = statements[..at]
            .iter()
            .flat_map(|s| &s.ops)
            .filter_map(|o| match &o.kind {
                migsafe_classify::OpKind::CreateTable {
                    table,
                    if_not_exists: false,
                    ..
                } => Some(table.name.clone()),
                _ => None,
            })
            .collect();
        let targets: Vec<String> = statements[at]
            .ops
            .iter()
            .filter_map(|o| o.kind.table().map(|t| t.name.clone()))
            .collect();
        if !targets.is_empty() && targets.iter().all(|t| created.contains(t)) {
            wrong.push(format!(
                "{}:{:?} {}: about {targets:?}, created by this migration",
                d.path, d.line, d.rule
            ));
        }
    }
    println!("{label}: lock findings {counts:?}");
    assert!(wrong.is_empty(), "{label}:\n{}", wrong.join("\n"));
}

#[test]
fn langfuse() {
    prisma_history_equals_the_database(
        "langfuse",
        "langfuse__langfuse/packages/shared/prisma/migrations",
    );
}

#[test]
fn trigger_dev_database() {
    prisma_history_equals_the_database(
        "triggerdev",
        "triggerdotdev__trigger.dev/internal-packages/database/prisma/migrations",
    );
}

#[test]
fn trigger_dev_run_ops() {
    prisma_history_equals_the_database(
        "runops",
        "triggerdotdev__trigger.dev/internal-packages/run-ops-database/prisma/migrations",
    );
}

/// harness's up/down history (maragudk/migrate: each file in a
/// transaction, the runner's own `migrations` table first): every down
/// script's verdict — restores, does not restore (and which objects), or
/// fails — is PostgreSQL's.
#[test]
fn harness_down_scripts_get_postgres_verdicts() {
    let pg = require_pg!();
    let root = require_corpora!();
    let migrations =
        read_dir(&root.join("harness__harness/app/store/database/migrate/postgres")).unwrap();
    let downs = migrations.iter().filter(|m| m.down.is_some()).count();
    assert!(downs > 100, "{downs} down scripts");
    let cmp = migsafe_oracle::compare_down_scripts(
        pg,
        "harness",
        "CREATE TABLE migrations (version TEXT NOT NULL);",
        &migrations,
    )
    .unwrap();
    let mut counts = std::collections::BTreeMap::new();
    for c in &cmp {
        *counts.entry(c.postgres.kind()).or_insert(0) += 1;
    }
    println!(
        "harness: {} migrations, {} down scripts: {counts:?}",
        migrations.len(),
        cmp.len()
    );
    let disagree: Vec<_> = cmp.iter().filter(|c| !c.agrees()).collect();
    assert!(
        disagree.is_empty(),
        "{} of {} down scripts get another verdict from migsafe than from PostgreSQL:\n{}",
        disagree.len(),
        cmp.len(),
        disagree
            .iter()
            .map(|c| format!(
                "  - {}: PostgreSQL {:?}, migsafe {:?}",
                c.migration, c.postgres, c.migsafe
            ))
            .collect::<Vec<_>>()
            .join("\n")
    );
}
