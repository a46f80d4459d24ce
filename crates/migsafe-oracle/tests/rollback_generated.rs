#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

//! Generated histories, rolled back: a random history PostgreSQL applied
//! (the generator of `generated.rs`), then the plan back to a random earlier
//! point, proven on a scratch database. PostgreSQL's verdict is the one
//! migsafe's replay of the plan predicts (the same refusal, or the same
//! differences left), and a plan migsafe derives whole — every statement
//! undone by SQL, nothing blocked — gives back the schema of that point
//! exactly, in the replay and in PostgreSQL. A failing case is shrunk by
//! proptest and kept in `rollback_generated.proptest-regressions`.
//!
//! `MIGSAFE_ORACLE_CASES` cases (default 48), the same on every run;
//! `MIGSAFE_ORACLE_RANDOM=1` draws new ones.

use migsafe_core::rollback::PlanRequest;
use migsafe_core::rollback::verify::{labels, verify};
use migsafe_oracle::generate::{History, Step};
use migsafe_oracle::{connect, require_pg};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

fn cases() -> u32 {
    std::env::var("MIGSAFE_ORACLE_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(48)
}

#[derive(Default, Clone, Copy)]
struct Tally {
    cases: usize,
    exact: usize,
    left_behind: usize,
    blocked: usize,
    undone: usize,
}

fn check(pg: &migsafe_oracle::TestPg, steps: &[Step], back: u32) -> Result<Tally, String> {
    let (database, url) = pg.fresh_database("rbgen");
    let mut client = connect(&url).map_err(|e| e.to_string())?;
    let history = History::build(steps, |sql| client.batch_execute(sql).is_ok());
    drop(client);
    let _ = pg.psql(
        "postgres",
        &format!("DROP DATABASE IF EXISTS \"{database}\""),
    );
    let mut t = Tally::default();
    if history.files.len() < 2 {
        return Ok(t);
    }
    let sources: Vec<migsafe_core::MigrationSource> = history
        .files
        .iter()
        .enumerate()
        .map(|(i, sql)| migsafe_core::MigrationSource::prisma(&format!("{:04}_gen", i + 1), sql))
        .collect();
    let config = migsafe_core::Config::default();
    let migrations = migsafe_core::engine::analyze_all(sources, &config);
    // Go back one to all-but-one migrations.
    let n = migrations.len();
    let k = n - 2 - (back as usize % (n - 1)).min(n - 2);
    let to = migrations[k].source.name.clone();
    let v = verify(
        &migrations,
        PlanRequest {
            to: Some(&to),
            history: None,
        },
        &pg.database_url("postgres"),
        None,
    )
    .map_err(|e| e.to_string())?;
    let listing = || {
        let mut s = String::new();
        for m in &migrations {
            s.push_str(&format!(
                "-- {}\n{}\n",
                m.source.name,
                String::from_utf8_lossy(&m.source.up)
            ));
        }
        s.push_str(&format!("-- plan back to {to}:\n{}\n", v.plan.executable()));
        s
    };
    let msgs = |d: &[migsafe_schema::diff::Difference]| -> Vec<String> {
        d.iter().map(|x| x.message(&labels())).collect()
    };
    if let Some((m, e)) = &v.history_failed {
        return Err(format!(
            "the generated history does not apply again: {m}: {e}\n{}",
            listing()
        ));
    }
    if v.plan_failed.is_some() != v.plan.predicted_failure.is_some() {
        return Err(format!(
            "PostgreSQL: {:?}; migsafe's replay: {:?}\n{}",
            v.plan_failed,
            v.plan.predicted_failure,
            listing()
        ));
    }
    if v.plan_failed.is_none() {
        let (a, b) = (msgs(&v.differences), msgs(&v.plan.predicted_differences));
        let paths = |d: &[migsafe_schema::diff::Difference]| -> Vec<String> {
            d.iter().map(|x| x.path.clone()).collect()
        };
        if paths(&v.differences) != paths(&v.plan.predicted_differences) {
            return Err(format!(
                "after the plan PostgreSQL has\n  {}\nmigsafe's replay predicts\n  {}\n{}",
                a.join("\n  "),
                b.join("\n  "),
                listing()
            ));
        }
    }
    t.cases = 1;
    t.undone = v.plan.steps.len();
    if !v.plan.blocked.is_empty() {
        t.blocked = 1;
    } else if v.restores() {
        t.exact = 1;
    } else if v.restores_but_left_behind() {
        t.left_behind = 1;
    } else {
        // Derived whole and nothing blocks it: it must restore.
        return Err(format!(
            "a plan migsafe derived whole does not restore {to}: {:?}\n  {}\n{}",
            v.plan_failed,
            msgs(&v.differences).join("\n  "),
            listing()
        ));
    }
    Ok(t)
}

#[test]
fn generated_histories_roll_back_to_the_replayed_schema() {
    let pg = require_pg!();
    let config = Config {
        cases: cases(),
        max_shrink_iters: 300,
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::Direct(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/rollback_generated.proptest-regressions"
            )),
        )),
        ..Config::default()
    };
    let mut runner = if std::env::var("MIGSAFE_ORACLE_RANDOM").is_ok_and(|v| v == "1") {
        TestRunner::new(config)
    } else {
        TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha))
    };
    let total = std::cell::Cell::new(Tally::default());
    let input = (prop::collection::vec(any::<Step>(), 2..20), any::<u32>());
    let result = runner.run(&input, |(steps, back)| {
        let t = check(pg, &steps, back).map_err(TestCaseError::fail)?;
        let mut s = total.get();
        s.cases += t.cases;
        s.exact += t.exact;
        s.left_behind += t.left_behind;
        s.blocked += t.blocked;
        s.undone += t.undone;
        total.set(s);
        Ok(())
    });
    let s = total.get();
    println!(
        "rollback of generated histories: {} cases, {} migrations undone; {} restored exactly, {} but for enum values, {} blocked by data loss (PostgreSQL agreed with the replay on every one)",
        s.cases, s.undone, s.exact, s.left_behind, s.blocked
    );
    if let Err(e) = result {
        panic!("{e}");
    }
    assert!(
        s.exact > 0,
        "no generated plan restored exactly: the test tests nothing"
    );
}
