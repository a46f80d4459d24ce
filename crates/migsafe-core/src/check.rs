//! `migsafe check`: validate, rollback and drift together, each finding
//! once, one exit code.

use std::collections::{BTreeMap, HashSet};

use crate::config::Config;
use crate::engine::{self, AnalyzedMigration};
use crate::report::Report;
use crate::rules;
use crate::{Error, Options};

/// Which checks to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Checks {
    /// Classification, annotations, naming, integrity, locking.
    pub validate: bool,
    /// A rollback path for every migration; down scripts verified.
    pub rollback: bool,
    /// Schema file vs migrations.
    pub drift: bool,
}

impl Checks {
    pub const ALL: Checks = Checks {
        validate: true,
        rollback: true,
        drift: true,
    };
    pub const VALIDATE: Checks = Checks {
        validate: true,
        rollback: false,
        drift: false,
    };
    pub const ROLLBACK: Checks = Checks {
        validate: false,
        rollback: true,
        drift: false,
    };
    pub const DRIFT: Checks = Checks {
        validate: false,
        rollback: false,
        drift: true,
    };
}

/// Runs the chosen checks on the migrations `opts` names.
pub fn run(
    opts: &Options,
    config: &Config,
    checks: Checks,
) -> Result<(Vec<AnalyzedMigration>, Report), Error> {
    let (analyzed, report) = crate::validate_with(opts, config)?;
    Ok(finish(analyzed, report, config, checks))
}

/// The checks after validation, on its analyses and report.
pub fn finish(
    analyzed: Vec<AnalyzedMigration>,
    mut report: Report,
    config: &Config,
    checks: Checks,
) -> (Vec<AnalyzedMigration>, Report) {
    if !checks.validate {
        // Keep the findings about reading the files: they explain gaps in
        // the rollback or drift results.
        report.diagnostics.retain(|d| {
            matches!(
                d.rule.as_str(),
                "invalid-encoding"
                    | "unterminated-literal"
                    | "empty-migration"
                    | "no-migrations"
                    | "edited-migration"
            )
        });
    }
    let checked: HashSet<String> = report.migrations.iter().map(|m| m.path.clone()).collect();
    if checks.rollback {
        let is_checked = |m: &AnalyzedMigration| checked.contains(&m.source.path);
        let (diags, paths) =
            rules::rollback::check(&analyzed, &is_checked, config, checks.validate);
        report.diagnostics.extend(diags);
        for (m, p) in analyzed.iter().zip(paths) {
            if let Some(r) = report
                .migrations
                .iter_mut()
                .find(|r| r.path == m.source.path)
            {
                r.rollback_path = p;
            }
        }
    }
    let mut order: BTreeMap<String, usize> = BTreeMap::new();
    for (i, m) in report.migrations.iter().enumerate() {
        order.insert(m.path.clone(), i);
        if let Some(d) = &m.down {
            order.insert(d.clone(), i);
        }
    }
    engine::sort_diagnostics(&mut report.diagnostics, &order);
    report.finish();
    (analyzed, report)
}
