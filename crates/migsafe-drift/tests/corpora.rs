//! Drift on real Prisma histories, against Prisma's own verdict.
//!
//! For each project the expected drift is the set of objects Prisma's
//! `migrate diff --from-migrations <dir> --to-schema <schema> --exit-code`
//! reports (prisma 7.10.1, through `../shared/tools/prisma-oracle`, on
//! PostgreSQL 15; the schema copied with `url`/`directUrl` and the preview
//! features Prisma 7 no longer knows removed, nothing else changed). The
//! lists below are derived from that output: one entry per object a
//! statement of Prisma's migration names.
//!
//! The corpora live in `../shared/corpora` next to the repository; without
//! them the tests say so and pass.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

mod support;

use std::collections::BTreeSet;

use migsafe_drift::{Finding, SCHEMA_DRIFT, schema_vs_migrations};

/// `foreign key "T"."T_x_fkey"`: the kind and the object, as a finding's
/// difference names it.
fn paths(findings: &[Finding]) -> BTreeSet<String> {
    findings
        .iter()
        .filter(|f| f.rule == SCHEMA_DRIFT)
        .map(|f| {
            f.difference
                .as_ref()
                .map(|d| d.path.clone())
                .unwrap_or_default()
        })
        .collect()
}

fn check_project(dir: &str, expected: &[&str], known_prisma_only: &[&str]) {
    let corpora = migsafe_testpg::require_corpora!();
    let base = corpora.join(dir);
    let schema = migsafe_prisma::load(&base.join("schema.prisma")).expect("schema");
    assert!(!schema.has_errors(), "{}", schema.render_diagnostics());
    let replayed = support::replay_dir(&base.join("migrations"));
    assert!(
        replayed.issues.is_empty(),
        "replay issues: {:#?}",
        replayed.issues
    );
    let findings = schema_vs_migrations(&schema, &replayed);
    let got = paths(&findings);
    let want: BTreeSet<String> = expected.iter().map(|s| (*s).to_owned()).collect();
    let missing: Vec<&String> = want.difference(&got).collect();
    let extra: Vec<&String> = got.difference(&want).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "Prisma reports and migsafe does not: {missing:#?}\nmigsafe reports and Prisma does not: {extra:#?}"
    );
    // One finding per object.
    assert_eq!(findings.len(), want.len());
    for k in known_prisma_only {
        assert!(!got.contains(*k), "{k}");
    }
    for f in &findings {
        assert!(f.line.is_some(), "{f:?}");
        assert!(f.note.is_some() && f.help.is_some(), "{f:?}");
        assert!(
            f.path.ends_with("schema.prisma") || f.path.ends_with("migration.sql"),
            "{f:?}"
        );
    }
}

#[test]
fn langfuse_has_no_drift() {
    check_project("langfuse__langfuse/packages/shared/prisma", &[], &[]);
}

#[test]
fn trigger_dev_run_ops_has_no_drift() {
    check_project(
        "triggerdotdev__trigger.dev/internal-packages/run-ops-database/prisma",
        &[],
        &[],
    );
}

/// Prisma's 45 statements for trigger.dev's main database name 44 objects
/// (a `RenameIndex` names two). migsafe reports 43 of them: the one left is
/// `SecretStore_key_idx`, `@@index([key(ops: raw("text_pattern_ops"))],
/// type: BTree)` in the schema and `CREATE INDEX … ("key" text_pattern_ops)`
/// in the migrations. Both say the same index; Prisma drops and re-creates
/// it on every diff because it does not read operator classes of B-tree
/// indexes back from the database (prisma/prisma#17518, #16275), which is
/// not drift.
const TRIGGER_DEV_DATABASE: &[&str] = &[
    r#"column "FeatureFlag"."updatedAt""#,
    r#"column "IntegrationDeployment"."updatedAt""#,
    r#"index "TaskRun"."TaskRun_runtimeEnvironmentId_createdAt_idx""#,
    r#"index "BackgroundWorkerTask"."BackgroundWorkerTask_runtimeEnvironmentId_slug_triggerSource_id""#,
    r#"index "BackgroundWorkerTask"."BackgroundWorkerTask_runtimeEnvironmentId_slug_triggerSourc_idx""#,
    r#"primary key of "_BackgroundWorkerToBackgroundWorkerFile""#,
    r#"index "_BackgroundWorkerToBackgroundWorkerFile"."_BackgroundWorkerToBackgroundWorkerFile_AB_unique""#,
    r#"primary key of "_BackgroundWorkerToTaskQueue""#,
    r#"index "_BackgroundWorkerToTaskQueue"."_BackgroundWorkerToTaskQueue_AB_unique""#,
    r#"primary key of "_WaitpointRunConnections""#,
    r#"index "_WaitpointRunConnections"."_WaitpointRunConnections_AB_unique""#,
    r#"primary key of "_completedWaitpoints""#,
    r#"index "_completedWaitpoints"."_completedWaitpoints_AB_unique""#,
    r#"foreign key "PlaygroundConversation"."PlaygroundConversation_runId_fkey""#,
    r#"foreign key "TaskRun"."TaskRun_runtimeEnvironmentId_fkey""#,
    r#"foreign key "TaskRun"."TaskRun_projectId_fkey""#,
    r#"foreign key "TaskRun"."TaskRun_lockedById_fkey""#,
    r#"foreign key "TaskRun"."TaskRun_lockedToVersionId_fkey""#,
    r#"foreign key "TaskRun"."TaskRun_rootTaskRunId_fkey""#,
    r#"foreign key "TaskRun"."TaskRun_parentTaskRunId_fkey""#,
    r#"foreign key "TaskRun"."TaskRun_parentTaskRunAttemptId_fkey""#,
    r#"foreign key "TaskRun"."TaskRun_batchId_fkey""#,
    r#"foreign key "TaskRunCheckpoint"."TaskRunCheckpoint_projectId_fkey""#,
    r#"foreign key "TaskRunCheckpoint"."TaskRunCheckpoint_runtimeEnvironmentId_fkey""#,
    r#"foreign key "Waitpoint"."Waitpoint_projectId_fkey""#,
    r#"foreign key "Waitpoint"."Waitpoint_environmentId_fkey""#,
    r#"foreign key "TaskRunWaitpoint"."TaskRunWaitpoint_waitpointId_fkey""#,
    r#"foreign key "TaskRunWaitpoint"."TaskRunWaitpoint_projectId_fkey""#,
    r#"foreign key "WaitpointTag"."WaitpointTag_environmentId_fkey""#,
    r#"foreign key "WaitpointTag"."WaitpointTag_projectId_fkey""#,
    r#"foreign key "TaskRunTag"."TaskRunTag_projectId_fkey""#,
    r#"foreign key "TaskRunAttempt"."TaskRunAttempt_backgroundWorkerId_fkey""#,
    r#"foreign key "TaskRunAttempt"."TaskRunAttempt_backgroundWorkerTaskId_fkey""#,
    r#"foreign key "TaskRunAttempt"."TaskRunAttempt_runtimeEnvironmentId_fkey""#,
    r#"foreign key "TaskRunAttempt"."TaskRunAttempt_queueId_fkey""#,
    r#"foreign key "Checkpoint"."Checkpoint_projectId_fkey""#,
    r#"foreign key "Checkpoint"."Checkpoint_runtimeEnvironmentId_fkey""#,
    r#"foreign key "CheckpointRestoreEvent"."CheckpointRestoreEvent_projectId_fkey""#,
    r#"foreign key "CheckpointRestoreEvent"."CheckpointRestoreEvent_runtimeEnvironmentId_fkey""#,
    r#"foreign key "BulkActionItem"."BulkActionItem_sourceRunId_fkey""#,
    r#"foreign key "BulkActionItem"."BulkActionItem_destinationRunId_fkey""#,
    r#"foreign key "_WaitpointRunConnections"."_WaitpointRunConnections_B_fkey""#,
    r#"foreign key "_completedWaitpoints"."_completedWaitpoints_B_fkey""#,
];

#[test]
fn trigger_dev_database_drift_is_prismas() {
    check_project(
        "triggerdotdev__trigger.dev/internal-packages/database/prisma",
        TRIGGER_DEV_DATABASE,
        &[r#"index "SecretStore"."SecretStore_key_idx""#],
    );
}

/// The findings say which migration dropped the foreign keys the schema
/// still declares, and point at the declaration.
#[test]
fn trigger_dev_findings_name_the_migration() {
    let corpora = migsafe_testpg::require_corpora!();
    let base = corpora.join("triggerdotdev__trigger.dev/internal-packages/database/prisma");
    let schema = migsafe_prisma::load(&base.join("schema.prisma")).expect("schema");
    let replayed = support::replay_dir(&base.join("migrations"));
    let findings = schema_vs_migrations(&schema, &replayed);
    let f = findings
        .iter()
        .find(|f| {
            f.message
                .starts_with(r#"foreign key "TaskRun"."TaskRun_projectId_fkey""#)
        })
        .expect("the TaskRun_projectId_fkey finding");
    assert!(f.path.ends_with("schema.prisma"));
    let text = std::fs::read_to_string(base.join("schema.prisma")).unwrap();
    let line = text.lines().nth(f.line.unwrap() as usize - 1).unwrap();
    assert!(
        line.contains("@relation(") && line.contains("projectId"),
        "{line}"
    );
    let note = f.note.as_deref().unwrap();
    assert!(
        note.starts_with("last changed by 20260401000000_drop_taskrun_foreign_keys (")
            && note.ends_with("migration.sql:3), which dropped it"),
        "{note}"
    );
    assert_eq!(
        f.migration.as_deref(),
        Some("20260401000000_drop_taskrun_foreign_keys")
    );
}

/// Every migration of every corpus replays without a panic; the issues are
/// the ones the histories really have.
#[test]
fn every_corpus_replays() {
    let corpora = migsafe_testpg::require_corpora!();
    let projects: [(&str, &str, usize); 4] = [
        (
            "langfuse",
            "langfuse__langfuse/packages/shared/prisma/migrations",
            0,
        ),
        (
            "trigger.dev database",
            "triggerdotdev__trigger.dev/internal-packages/database/prisma/migrations",
            0,
        ),
        (
            "trigger.dev run-ops",
            "triggerdotdev__trigger.dev/internal-packages/run-ops-database/prisma/migrations",
            0,
        ),
        // `ALTER TABLE migrations ADD PRIMARY KEY (version)`: the table is
        // created by harness's migration runner, not by the history, and a
        // migration tool's own table is left alone.
        (
            "harness",
            "harness__harness/app/store/database/migrate/postgres",
            0,
        ),
    ];
    for (label, dir, issues) in projects {
        let r = support::replay_dir(&corpora.join(dir));
        println!(
            "{label}: {} migrations, {} statements, {} tables, {} replay issues",
            r.migrations,
            r.statements,
            r.model.tables.len(),
            r.issues.len()
        );
        for i in &r.issues {
            println!("  {}:{}: {}", i.origin.migration, i.origin.line, i.message);
        }
        assert!(r.migrations > 0 && !r.model.tables.is_empty(), "{label}");
        assert_eq!(r.issues.len(), issues, "{label}: {:#?}", r.issues);
    }
}

/// The token-level classifier (what a statement sqlparser cannot read is
/// classified with) gives replay the same model as the parser, over whole
/// real histories.
#[test]
fn token_fallback_replays_like_the_parser() {
    let corpora = migsafe_testpg::require_corpora!();
    for dir in [
        "langfuse__langfuse/packages/shared/prisma/migrations",
        "triggerdotdev__trigger.dev/internal-packages/database/prisma/migrations",
        "triggerdotdev__trigger.dev/internal-packages/run-ops-database/prisma/migrations",
        "harness__harness/app/store/database/migrate/postgres",
    ] {
        let (parsed, tokens) = support::replay_both_ways(&corpora.join(dir));
        let d = migsafe_schema::diff::diff(&parsed.model, &tokens.model);
        let labels = migsafe_schema::diff::Labels::new("the parser gives", "the tokens give");
        let lines: Vec<String> = d.iter().map(|x| x.message(&labels)).collect();
        assert!(lines.is_empty(), "{dir}:\n{}", lines.join("\n"));
        let msgs = |r: &migsafe_drift::Replayed| -> Vec<String> {
            r.issues
                .iter()
                .map(|i| format!("{}:{}: {}", i.origin.migration, i.origin.line, i.message))
                .collect()
        };
        assert_eq!(msgs(&parsed), msgs(&tokens), "{dir}");
    }
}
