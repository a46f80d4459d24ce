//! `migsafe check`: validate, rollback and drift together, each finding
//! once, one exit code.

use std::collections::HashSet;

use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::engine;
use crate::rules;
use crate::{Error, Options, Validated};

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
    /// Nothing but reading the migrations (for `migsafe status`).
    pub const NONE: Checks = Checks {
        validate: false,
        rollback: false,
        drift: false,
    };
    pub const DRIFT: Checks = Checks {
        validate: false,
        rollback: false,
        drift: true,
    };
}

/// Runs the chosen checks on the migrations `opts` names.
pub fn run(opts: &Options, config: &Config, checks: Checks) -> Result<Validated, Error> {
    let v = crate::validate_without_locks(opts, config)?;
    let schema = if checks.drift {
        rules::drift::find_schema(
            opts.schema.as_deref(),
            config,
            &v.migration_paths,
            &opts.cwd,
        )
    } else {
        None
    };
    if let Some(s) = &schema
        && !opts.cwd.join(s).exists()
    {
        return Err(Error::Path {
            path: crate::discover::display_path(s),
            message: "the Prisma schema does not exist".into(),
        });
    }
    let staged_schema = if opts.staged {
        schema_is_staged(&opts.cwd, schema.as_deref())
    } else {
        false
    };
    let mut done = finish(v, schema, &opts.cwd, config, checks);
    // The hook judges what is staged: drift the repository already had,
    // with neither a migration nor the schema staged, is reported as such
    // (a warning), so that a README-only commit is not blocked.
    if opts.staged && done.report.migrations.is_empty() && !staged_schema {
        for d in &mut done.report.diagnostics {
            if d.severity == crate::report::Severity::Error
                && rules::drift::RULES.iter().any(|r| r.id == d.rule)
            {
                d.severity = crate::report::Severity::Warning;
                let note =
                    "pre-existing: the staged change touches neither a migration nor the schema";
                d.note = Some(match d.note.take() {
                    Some(n) => format!("{n}; {note}"),
                    None => note.to_owned(),
                });
            }
        }
        done.report.finish();
    }
    Ok(done)
}

/// The checks after validation, on its analyses and report. `schema` is
/// the Prisma schema to compare with, when there is one.
pub fn finish(
    v: Validated,
    schema: Option<PathBuf>,
    cwd: &Path,
    config: &Config,
    checks: Checks,
) -> Validated {
    let Validated {
        analyzed,
        mut report,
        migration_paths,
        lock_files,
    } = v;
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
    let mut replayed = None;
    // What the rollback check's replay showed of each statement, for the
    // lock facts (one replay per run).
    let mut observed: Option<Vec<rules::locking::Observed>> = None;
    let started = std::time::Instant::now();
    if checks.rollback {
        let is_checked = |m: &engine::AnalyzedMigration| checked.contains(&m.source.path);
        let watch = checks.validate.then(Vec::new);
        let (diags, paths, r, seen) =
            rules::rollback::check(&analyzed, &is_checked, config, checks.validate, watch);
        observed = seen;
        replayed = Some(r);
        report.diagnostics.extend(diags);
        // Each migration's report found by its path in one map, not by a
        // search per migration (quadratic at 100,000 migrations).
        let at: std::collections::HashMap<&str, usize> = report
            .migrations
            .iter()
            .enumerate()
            .map(|(i, r)| (r.path.as_str(), i))
            .collect();
        let slots: Vec<(usize, _)> = analyzed
            .iter()
            .zip(paths)
            .filter_map(|(m, p)| at.get(m.source.path.as_str()).map(|&i| (i, p)))
            .collect();
        for (i, p) in slots {
            report.migrations[i].rollback_path = p;
        }
    }
    if checks.validate {
        crate::engine::add_lock_facts(&mut report, &analyzed, observed, config);
    }
    if checks.drift {
        let loaded = schema.as_ref().map(|p| {
            let abs = if p.is_absolute() {
                p.clone()
            } else {
                cwd.join(p)
            };
            let (parsed, diags) = rules::drift::load_schema(&abs, config);
            if let Some(ps) = &parsed {
                for f in ps.files() {
                    let shown = relative_to(cwd, &crate::discover::display_path(&f.path));
                    report
                        .sources
                        .insert(shown, std::sync::Arc::from(f.text.as_str()));
                }
            }
            report.diagnostics.extend(diags.into_iter().map(|mut d| {
                d.path = relative_to(cwd, &d.path);
                d
            }));
            (p.clone(), parsed)
        });
        let with_schema = loaded
            .as_ref()
            .and_then(|(p, s)| s.as_ref().map(|s| (p.as_path(), s)));
        let (_, diags) = rules::drift::check(
            &analyzed,
            with_schema,
            &lock_files,
            cwd,
            config,
            replayed.take(),
        );
        report
            .diagnostics
            .extend(diags.into_iter().filter_map(|mut d| {
                // Under --since, replay findings of untouched history are history.
                if (d.rule == rules::drift::REPLAY_FAILED.id
                    || d.rule == rules::drift::OUTSIDE_HISTORY.id
                    || d.rule == rules::drift::UNEVALUABLE_GUARD.id)
                    && !checked.contains(&d.path)
                {
                    return None;
                }
                d.path = relative_to(cwd, &d.path);
                Some(d)
            }));
    }
    tracing::info!(
        "rollback and drift checks in {:?} (schema: {})",
        started.elapsed(),
        schema
            .as_deref()
            .map_or_else(|| "none".to_owned(), crate::discover::display_path)
    );
    rules::annotations::unused_ignore::apply(&analyzed, &mut report, config, &|m| {
        checked
            .contains(&m.source.path)
            .then(|| m.source.path.clone())
    });
    report.sort_diagnostics();
    report.finish();
    Validated {
        analyzed,
        report,
        migration_paths,
        lock_files,
    }
}

/// Whether the index holds a change to the schema file (or a file of a
/// schema folder).
fn schema_is_staged(cwd: &Path, schema: Option<&Path>) -> bool {
    let Some(schema) = schema else { return false };
    let Some(root) = crate::git::repo_root(cwd) else {
        return false;
    };
    let Ok(changes) = crate::git::staged_changes(&root) else {
        // Not knowing is not a reason to let drift through.
        return true;
    };
    let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let schema = canon(schema);
    changes
        .added
        .iter()
        .chain(&changes.modified)
        .chain(&changes.deleted)
        .any(|p| {
            let p = canon(p);
            p == schema || p.starts_with(&schema)
        })
}

/// A path the drift crates report (absolute when the schema path was)
/// shown relative to `cwd` when it is under it.
fn relative_to(cwd: &Path, shown: &str) -> String {
    let p = Path::new(shown);
    match p.strip_prefix(cwd) {
        Ok(rest) if p.is_absolute() => crate::discover::display_path(rest),
        _ => shown.to_owned(),
    }
}
