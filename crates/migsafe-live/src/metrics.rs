//! Migration metrics for `migsafe status`: success rate, durations,
//! rollbacks, long-running migrations (the release-safety guide's
//! "Migration Metrics" and "Alert Conditions").

use std::collections::BTreeSet;

use serde::Serialize;

use crate::history::{AppliedMigration, LocalMigration};
use crate::timestamp::Timestamp;

/// The default threshold above which a migration counts as long-running:
/// five minutes.
pub const DEFAULT_LONG_RUNNING_MS: u64 = 5 * 60 * 1000;

/// A summary of the migration history.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Metrics {
    /// Migrations whose changes are in the database (finished, not rolled
    /// back), counted once each.
    pub applied: usize,
    /// Local migrations not applied and not failed: what the next deploy
    /// runs.
    pub pending: usize,
    /// Migrations with an unresolved failed attempt.
    pub failed: usize,
    /// Attempts marked rolled back.
    pub rolled_back: usize,
    /// Every row of the history: one per attempt.
    pub attempts: usize,
    /// Successful attempts over all attempts, from 0 to 1; `None` without
    /// any attempt. Attempts marked applied by hand count as successful.
    pub success_rate: Option<f64>,
    /// Attempts marked rolled back over all attempts; `None` without any
    /// attempt.
    pub rollback_rate: Option<f64>,
    /// Durations of the migrations Prisma ran (not those marked applied by
    /// hand, which have none); `None` when there is none.
    pub durations: Option<Durations>,
    /// The threshold used for [`Metrics::long_running`], in milliseconds.
    pub long_running_threshold_ms: u64,
    /// Successful attempts that took longer than the threshold, slowest
    /// first.
    pub long_running: Vec<LongRunning>,
    /// The migration that finished last.
    pub last_applied: Option<LastApplied>,
}

/// Statistics of migration durations, in milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Durations {
    /// How many durations.
    pub count: usize,
    /// The median (the mean of the two middle values for an even count).
    pub median_ms: u64,
    /// The 95th percentile (nearest rank).
    pub p95_ms: u64,
    /// The longest.
    pub max_ms: u64,
    /// The sum.
    pub total_ms: u64,
}

/// A migration that ran longer than the threshold.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LongRunning {
    /// The migration's name.
    pub name: String,
    /// How long it ran.
    pub duration_ms: u64,
    /// When it started.
    pub started_at: Timestamp,
}

/// The last applied migration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LastApplied {
    /// The migration's name.
    pub name: String,
    /// When it finished.
    pub finished_at: Timestamp,
}

/// Sums up `applied` (the rows of `_prisma_migrations`) against `local`,
/// with `long_running_ms` as the long-running threshold.
pub fn metrics(
    applied: &[AppliedMigration],
    local: &[LocalMigration<'_>],
    long_running_ms: u64,
) -> Metrics {
    let done: BTreeSet<&str> = applied
        .iter()
        .filter(|r| r.is_applied())
        .map(|r| r.migration_name.as_str())
        .collect();
    let failed: BTreeSet<&str> = applied
        .iter()
        .filter(|r| r.is_failed())
        .map(|r| r.migration_name.as_str())
        .collect();
    let pending = local
        .iter()
        .map(|l| l.name)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .filter(|n| !done.contains(n) && !failed.contains(n))
        .count();
    let attempts = applied.len();
    let succeeded = applied.iter().filter(|r| r.is_applied()).count();
    let rolled_back = applied.iter().filter(|r| r.is_rolled_back()).count();
    let ratio = |n: usize| {
        (attempts > 0).then(|| {
            // Counts are far below 2^52: the conversion is exact.
            #[allow(clippy::cast_precision_loss)]
            let r = n as f64 / attempts as f64;
            r
        })
    };

    let mut timed: Vec<(&AppliedMigration, u64)> = applied
        .iter()
        .filter(|r| r.is_applied())
        .filter_map(|r| r.duration_ms().map(|d| (r, d)))
        .collect();
    let mut values: Vec<u64> = timed.iter().map(|(_, d)| *d).collect();
    values.sort_unstable();
    let durations = durations(&values);

    timed.retain(|(_, d)| *d > long_running_ms);
    timed.sort_by(|a, b| {
        b.1.cmp(&a.1)
            .then(a.0.migration_name.cmp(&b.0.migration_name))
    });
    let long_running = timed
        .into_iter()
        .map(|(r, d)| LongRunning {
            name: r.migration_name.clone(),
            duration_ms: d,
            started_at: r.started_at,
        })
        .collect();

    let last_applied = applied
        .iter()
        .filter(|r| r.is_applied())
        .filter_map(|r| r.finished_at.map(|f| (f, r)))
        .max_by(|a, b| {
            a.0.cmp(&b.0)
                .then(a.1.migration_name.cmp(&b.1.migration_name))
        })
        .map(|(finished_at, r)| LastApplied {
            name: r.migration_name.clone(),
            finished_at,
        });

    Metrics {
        applied: done.len(),
        pending,
        failed: failed.len(),
        rolled_back,
        attempts,
        success_rate: ratio(succeeded),
        rollback_rate: ratio(rolled_back),
        durations,
        long_running_threshold_ms: long_running_ms,
        long_running,
        last_applied,
    }
}

/// Statistics of sorted values.
fn durations(sorted: &[u64]) -> Option<Durations> {
    let n = sorted.len();
    let max_ms = *sorted.last()?;
    let median_ms = if n % 2 == 1 {
        sorted[n / 2]
    } else {
        let (a, b) = (sorted[n / 2 - 1], sorted[n / 2]);
        a / 2 + b / 2 + (a % 2 + b % 2) / 2
    };
    // Nearest rank: the smallest value with at least 95 % at or below it.
    let rank = (n * 95).div_ceil(100).max(1);
    let p95_ms = sorted[rank - 1];
    Some(Durations {
        count: n,
        median_ms,
        p95_ms,
        max_ms,
        total_ms: sorted.iter().fold(0u64, |acc, d| acc.saturating_add(*d)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles() {
        assert_eq!(durations(&[]), None);
        let d = durations(&[7]).unwrap_or_else(|| unreachable!());
        assert_eq!((d.median_ms, d.p95_ms, d.max_ms, d.total_ms), (7, 7, 7, 7));
        let d = durations(&[1, 3]).unwrap_or_else(|| unreachable!());
        assert_eq!((d.median_ms, d.p95_ms), (2, 3));
        let values: Vec<u64> = (1..=100).collect();
        let d = durations(&values).unwrap_or_else(|| unreachable!());
        assert_eq!(
            (d.median_ms, d.p95_ms, d.max_ms, d.total_ms),
            (50, 95, 100, 5050)
        );
        let d = durations(&[u64::MAX, u64::MAX]).unwrap_or_else(|| unreachable!());
        assert_eq!(d.median_ms, u64::MAX);
        assert_eq!(d.total_ms, u64::MAX);
    }
}
