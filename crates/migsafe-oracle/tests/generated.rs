#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

//! Generated histories: random valid migration histories applied to
//! PostgreSQL as Prisma applies them, and replayed; the replay must equal
//! the database. A failing case is shrunk to a minimal history by proptest
//! and its seed kept in `generated.proptest-regressions`; the history
//! itself is printed with the difference.
//!
//! CI runs `MIGSAFE_ORACLE_CASES` cases (default 64), the same on every run;
//! `MIGSAFE_ORACLE_RANDOM=1` with a higher count draws thousands of new ones.

use migsafe_oracle::generate::{History, Step};
use migsafe_oracle::{Migration, Outcome, connect, pg_message, require_pg};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

fn cases() -> u32 {
    std::env::var("MIGSAFE_ORACLE_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64)
}

/// Builds the history of `steps` on a fresh database and compares it with
/// the replay; `Err` with both sides and the history when they differ.
fn check(
    pg: &migsafe_oracle::TestPg,
    steps: &[Step],
) -> Result<(usize, usize, usize, usize), String> {
    let (database, url) = pg.fresh_database("gen");
    let mut client = connect(&url).map_err(|e| e.to_string())?;
    let mut rejected = Vec::new();
    let history = History::build(steps, |sql| match client.batch_execute(sql) {
        Ok(()) => true,
        Err(e) => {
            rejected.push(pg_message(&e));
            false
        }
    });
    drop(client);
    // The files PostgreSQL applied, and those made to fail (the replay must
    // roll them back whole); other rejected files (the generator's own
    // mistakes, which no replay can be asked to predict) are left out.
    let mut reasons = rejected.into_iter();
    let outcomes: Vec<(Migration, Outcome)> = history
        .sent
        .iter()
        .filter_map(|f| {
            let outcome = if f.applied {
                Outcome::Applied
            } else {
                let reason = reasons.next().unwrap_or_default();
                if !f.planted {
                    return None;
                }
                Outcome::Failed(reason)
            };
            Some((f.sql.clone(), outcome))
        })
        .enumerate()
        .map(|(i, (sql, outcome))| {
            (
                Migration {
                    name: format!("{:04}_gen", i + 1),
                    path: format!("{:04}_gen/migration.sql", i + 1),
                    sql,
                    down: None,
                },
                outcome,
            )
        })
        .collect();
    let planted = outcomes
        .iter()
        .filter(|(_, o)| matches!(o, Outcome::Failed(_)))
        .count();
    let applied = migsafe_oracle::Applied {
        database,
        url,
        outcomes,
    };
    let cmp = migsafe_oracle::compare(&applied).map_err(|e| e.to_string())?;
    if cmp.is_equal() {
        return Ok((
            history.files.len(),
            planted,
            cmp.objects(),
            cmp.definitions(),
        ));
    }
    let mut listing = String::new();
    for (m, _) in &applied.outcomes {
        listing.push_str(&format!("-- {}\n{}", m.name, m.sql));
    }
    Err(format!(
        "the replay and PostgreSQL differ:\n{}\nhistory ({} files PostgreSQL applied, {planted} rolled back):\n{listing}",
        cmp.describe(),
        history.files.len()
    ))
}

#[test]
fn generated_histories_replay_to_the_database() {
    let pg = require_pg!();
    let config = Config {
        cases: cases(),
        max_shrink_iters: 400,
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::Direct(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/generated.proptest-regressions"
            )),
        )),
        ..Config::default()
    };
    let mut runner = runner(config);
    let files = std::cell::Cell::new(0usize);
    let objects = std::cell::Cell::new(0usize);
    let rolled_back = std::cell::Cell::new(0usize);
    let ran = std::cell::Cell::new(0usize);
    let definitions = std::cell::Cell::new(0usize);
    let steps = prop::collection::vec(any::<Step>(), 1..24);
    let result = runner.run(&steps, |steps| {
        let (f, r, o, d) = check(pg, &steps).map_err(TestCaseError::fail)?;
        definitions.set(definitions.get() + d);
        files.set(files.get() + f);
        rolled_back.set(rolled_back.get() + r);
        objects.set(objects.get() + o);
        ran.set(ran.get() + 1);
        Ok(())
    });
    println!(
        "generated: {} cases passed, {} files applied, {} made to fail and rolled back, {} objects compared ({} view queries)",
        ran.get(),
        files.get(),
        rolled_back.get(),
        objects.get(),
        definitions.get()
    );
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// The same cases on every run unless `MIGSAFE_ORACLE_RANDOM=1`: CI must
/// not turn red by drawing a new case (run random ones on purpose, with a
/// higher `MIGSAFE_ORACLE_CASES`, to look for new bugs; a failure is kept
/// in the regressions file and replayed first on every run).
fn runner(config: Config) -> TestRunner {
    if std::env::var("MIGSAFE_ORACLE_RANDOM").is_ok_and(|v| v == "1") {
        TestRunner::new(config)
    } else {
        TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha))
    }
}
