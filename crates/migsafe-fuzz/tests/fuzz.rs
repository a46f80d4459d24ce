//! The fuzz runs: one test per target, seeded from the repository's
//! fixtures, regressions first.
//!
//! CI runs a bounded number of inputs per target (deterministic: the same
//! inputs every run). Longer on demand, in a release build:
//!
//! ```text
//! MIGSAFE_FUZZ_SECONDS=600 cargo test -p migsafe-fuzz --release -- --nocapture
//! MIGSAFE_FUZZ_INPUTS=1000000 MIGSAFE_FUZZ_SEED=7 cargo test -p migsafe-fuzz --release pipeline
//! ```
//!
//! A failing input is shrunk and written to `target/fuzz-crashes/`; keep
//! it as `regressions/<target>/<name>` once fixed.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use migsafe_fuzz::{Budget, Target};

fn env_u64(name: &str) -> Option<u64> {
    let v = std::env::var(name).ok()?;
    match v.trim().parse() {
        Ok(n) => Some(n),
        Err(_) => panic!("{name}={v:?} is not a number"),
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn go(target: Target, default_inputs: u64) {
    let budget = Budget {
        inputs: env_u64("MIGSAFE_FUZZ_INPUTS").unwrap_or(default_inputs),
        seconds: env_u64("MIGSAFE_FUZZ_SECONDS"),
    };
    let seed = env_u64("MIGSAFE_FUZZ_SEED").unwrap_or(20_261_201);
    let seeds = migsafe_fuzz::seeds(target, &root());
    let regressions = migsafe_fuzz::regressions(target, Path::new(env!("CARGO_MANIFEST_DIR")));
    assert!(
        !seeds.is_empty(),
        "no seeds for {} in the repository's fixtures",
        target.name()
    );
    let crash_dir = root().join("target/fuzz-crashes");
    let started = std::time::Instant::now();
    let out = migsafe_fuzz::fuzz(target, &seeds, &regressions, budget, seed, &crash_dir);
    println!(
        "fuzz {}: {} regressions, {} seeds, {} mutated inputs (longest {} bytes, seed {seed}) in {:.1} s: {} failures",
        target.name(),
        out.regressions,
        out.seeds,
        out.inputs,
        out.longest,
        started.elapsed().as_secs_f64(),
        out.failures.len()
    );
    let report: Vec<String> = out
        .failures
        .iter()
        .map(|f| {
            format!(
                "{} ({} bytes, saved as {}): {:?}",
                f.message,
                f.input.len(),
                f.saved
                    .as_deref()
                    .map_or("(not saved)".into(), |p| p.display().to_string()),
                String::from_utf8_lossy(&f.input[..f.input.len().min(300)])
            )
        })
        .collect();
    assert!(
        out.failures.is_empty(),
        "{} failing inputs for {}:\n{}",
        out.failures.len(),
        target.name(),
        report.join("\n")
    );
}

#[test]
fn lexer() {
    go(Target::Lexer, 3000);
}

#[test]
fn split() {
    go(Target::Split, 3000);
}

#[test]
fn annotations() {
    go(Target::Annotations, 2000);
}

#[test]
fn prisma() {
    go(Target::Prisma, 2000);
}

#[test]
fn config() {
    go(Target::Config, 3000);
}

#[test]
fn naming() {
    go(Target::Naming, 3000);
}

#[test]
fn pipeline() {
    go(Target::Pipeline, 600);
}

/// The mutator is deterministic and keeps to the length limit.
#[test]
fn mutations_are_reproducible_and_bounded() {
    let seeds = vec![b"CREATE TABLE t (id int);".to_vec(), b"-- x\n".to_vec()];
    let run = |s| {
        let mut rng = migsafe_fuzz::Rng::new(s);
        (0..500)
            .map(|i| migsafe_fuzz::mutate(&mut rng, &seeds[i % 2], &seeds, 1000))
            .collect::<Vec<_>>()
    };
    let a = run(1);
    assert_eq!(a, run(1));
    assert_ne!(a, run(2));
    assert!(a.iter().all(|m| m.len() <= 1000));
    assert!(a.iter().any(|m| m.len() > 500), "no long input made");
}

/// A planted bug is found and shrunk: the fuzzer can fail.
#[test]
fn a_broken_invariant_is_found_and_shrunk() {
    // The lexer's invariant holds for every input; the shrinker is checked
    // on a predicate that fails for inputs holding `\r`.
    let input = b"SELECT 1; -- note\rDROP TABLE users;".to_vec();
    let small = migsafe_fuzz::shrink_by(&input, |b| b.contains(&b'\r'));
    assert_eq!(small, b"\r");
}
