#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

//! `rollback verify` on the shared histories: for a sample of points N of
//! each, the plan back to N, run on PostgreSQL 15 after the whole history,
//! restores the replayed schema of N exactly; or the plan names the
//! statements whose data loss makes a rollback impossible, and then the
//! roll-forward it prints is accepted by PostgreSQL. Either way, what
//! PostgreSQL does with the script is what migsafe's replay of it predicts:
//! the same refusal, or the same differences left.

use migsafe_core::check::{Checks, run};
use migsafe_core::rollback::PlanRequest;
use migsafe_core::rollback::verify::{Verified, labels, verify};
use migsafe_oracle::{require_corpora, require_pg};

fn history(dir: &std::path::Path) -> Vec<migsafe_core::AnalyzedMigration> {
    let opts = migsafe_core::Options {
        cwd: dir.to_path_buf(),
        paths: vec![dir.to_path_buf()],
        since: None,
        staged: false,
        schema: None,
    };
    run(&opts, &migsafe_core::Config::default(), Checks::NONE)
        .unwrap()
        .analyzed
}

/// The points of a history to go back to: spread over it, the newest but
/// one included.
fn points(n: usize, k: usize) -> Vec<usize> {
    let mut v: Vec<usize> = (1..=k).map(|i| n * i / (k + 1)).collect();
    v.push(n.saturating_sub(2));
    v.sort_unstable();
    v.dedup();
    v
}

fn describe(v: &Verified) -> String {
    let l = labels();
    v.differences
        .iter()
        .map(|d| format!("  {}", d.message(&l)))
        .collect::<Vec<_>>()
        .join("\n")
}

fn verify_history(label: &str, dir: &str, k: usize, setup: Option<&str>) {
    let pg = require_pg!();
    let root = require_corpora!();
    let path = root.join(dir);
    let migrations = history(&path);
    assert!(
        migrations.len() > 2,
        "{label}: {} migrations",
        migrations.len()
    );
    let url = pg.database_url("postgres");
    let (mut restored, mut blocked) = (0, 0);
    for at in points(migrations.len(), k) {
        let to = migrations[at].source.name.clone();
        let v = verify(
            &migrations,
            PlanRequest {
                to: Some(&to),
                history: None,
            },
            &url,
            setup,
        )
        .unwrap();
        assert!(
            v.history_failed.is_none(),
            "{label}: the history does not apply: {:?}",
            v.history_failed
        );
        println!(
            "{label}: --to {to} ({} of {}): {} steps, {} blockers, {} differences{}",
            at + 1,
            migrations.len(),
            v.plan.steps.len(),
            v.plan.blocked.len(),
            v.differences.len(),
            v.plan_failed
                .as_deref()
                .map(|e| format!(", failed: {e}"))
                .unwrap_or_default()
        );
        // PostgreSQL's verdict on the plan (or the roll-forward) is the one
        // migsafe's replay predicted: it fails, or leaves exactly the
        // differences the replay leaves.
        assert_eq!(
            v.plan_failed.is_some(),
            v.plan.predicted_failure.is_some(),
            "{label}: --to {to}: PostgreSQL: {:?}, migsafe's replay: {:?}",
            v.plan_failed,
            v.plan.predicted_failure
        );
        if v.plan_failed.is_none() {
            let paths = |d: &[migsafe_schema::diff::Difference]| -> Vec<String> {
                d.iter().map(|x| x.path.clone()).collect()
            };
            assert_eq!(
                paths(&v.differences),
                paths(&v.plan.predicted_differences),
                "{label}: --to {to}: what PostgreSQL is left with after the plan differs from migsafe's replay:\n{}\nmigsafe's replay:\n{}",
                describe(&v),
                v.plan
                    .predicted_differences
                    .iter()
                    .map(|d| format!("  {}", d.message(&labels())))
                    .collect::<Vec<_>>()
                    .join("\n")
            );
        }
        if v.plan.blocked.is_empty() {
            restored += usize::from(v.restores());
        } else {
            blocked += 1;
        }
    }
    println!("{label}: {restored} plans restore exactly, {blocked} blocked by data loss");
}

#[test]
fn langfuse() {
    verify_history(
        "langfuse",
        "langfuse__langfuse/packages/shared/prisma/migrations",
        3,
        None,
    );
}

#[test]
fn trigger_dev_database() {
    verify_history(
        "triggerdev",
        "triggerdotdev__trigger.dev/internal-packages/database/prisma/migrations",
        3,
        None,
    );
}

#[test]
fn trigger_dev_run_ops() {
    verify_history(
        "runops",
        "triggerdotdev__trigger.dev/internal-packages/run-ops-database/prisma/migrations",
        1,
        None,
    );
}

#[test]
fn harness_with_its_down_scripts() {
    verify_history(
        "harness",
        "harness__harness/app/store/database/migrate/postgres",
        3,
        // maragudk/migrate's own table, which the history alters.
        Some("CREATE TABLE migrations (version TEXT NOT NULL);"),
    );
}

/// Every down script migsafe generates whole for a migration of the
/// history (`rollback emit-down`), run right after that migration, is
/// accepted by PostgreSQL (in a transaction rolled back, so the history goes
/// on), and migsafe's replay of it agrees that it runs.
fn every_generated_down_is_accepted(label: &str, dir: &str, setup: Option<&str>) {
    let pg = require_pg!();
    let root = require_corpora!();
    let migrations = history(&root.join(dir));
    let (_db, url) = pg.fresh_database(&format!("downs_{label}"));
    let mut client = migsafe_oracle::connect(&url).unwrap();
    if let Some(s) = setup {
        client.batch_execute(s).unwrap();
    }
    let mut replayer = migsafe_schema::replay::Replayer::new();
    let prelude = setup
        .map(|s| migsafe_classify::analyze(s).statements)
        .unwrap_or_default();
    replayer.apply_migration(&migsafe_schema::replay::MigrationInput {
        name: "setup",
        path: "setup.sql",
        statements: &prelude,
    });
    let (mut run, mut partial) = (0, 0);
    let mut refused = Vec::new();
    for m in &migrations {
        let undos = migsafe_core::rollback::apply_and_derive(&mut replayer, m, &mut |_, _| {});
        client
            .batch_execute(&String::from_utf8_lossy(&m.source.up))
            .unwrap_or_else(|e| panic!("{label}: {} does not apply: {e}", m.source.name));
        if undos.iter().any(|u| !u.invertible()) {
            partial += 1;
            continue;
        }
        let down = migsafe_core::rollback::down_script(m, &undos);
        if down.trim().is_empty() {
            continue;
        }
        // migsafe's own verdict: the replay of the down script on top of the
        // migration.
        let analyzed = migsafe_classify::analyze(&down);
        let mut after = replayer.clone();
        let known = after.issues().len();
        after.apply_migration(&migsafe_schema::replay::MigrationInput {
            name: "down",
            path: "down.sql",
            statements: &analyzed.statements,
        });
        let predicted: Vec<String> = after.issues()[known..]
            .iter()
            .filter(|i| i.kind != migsafe_schema::replay::IssueKind::Unevaluable)
            .map(|i| format!("line {}: {}: {}", i.origin.line, i.operation, i.message))
            .collect();
        let predicted_ok = predicted.is_empty();
        let result = client.batch_execute(&format!("BEGIN;\n{down}\n;\nROLLBACK;"));
        run += 1;
        if let Err(e) = result {
            let _ = client.batch_execute("ROLLBACK");
            refused.push(format!(
                "{}: {} (migsafe's replay: {})\n{down}",
                m.source.name,
                migsafe_oracle::pg_message(&e),
                if predicted_ok { "runs" } else { "refused too" }
            ));
        } else {
            assert!(
                predicted_ok,
                "{label}: {}: PostgreSQL runs the generated down script, migsafe's replay refuses it ({predicted:?}):\n{down}",
                m.source.name
            );
        }
    }
    println!(
        "{label}: {run} generated down scripts run on PostgreSQL after their migration, {partial} migrations with statements no SQL undoes"
    );
    assert!(run > 0, "{label}: no generated down script was tried");
    assert!(
        refused.is_empty(),
        "{label}: PostgreSQL refuses {} generated down scripts:\n{}",
        refused.len(),
        refused.join("\n")
    );
}

#[test]
fn langfuse_generated_downs() {
    every_generated_down_is_accepted(
        "langfuse",
        "langfuse__langfuse/packages/shared/prisma/migrations",
        None,
    );
}

#[test]
fn trigger_dev_generated_downs() {
    every_generated_down_is_accepted(
        "triggerdev",
        "triggerdotdev__trigger.dev/internal-packages/database/prisma/migrations",
        None,
    );
}

#[test]
fn harness_generated_downs() {
    every_generated_down_is_accepted(
        "harness",
        "harness__harness/app/store/database/migrate/postgres",
        Some("CREATE TABLE migrations (version TEXT NOT NULL);"),
    );
}
