//! Live database checks (feature `live`): Prisma's migration history
//! against the files, and the database's schema against the migrations.
//! migsafe never writes to the database: the connection is read-only.

use std::collections::BTreeSet;

use migsafe_live::{AppliedMigration, Connection, LocalMigration};
use migsafe_schema::diff::{Labels, diff};
use migsafe_schema::replay::{MigrationInput, Replayer};
use serde::Serialize;

use crate::config::Config;
use crate::engine::Sink;
use crate::report::Diagnostic;
use crate::rules;
use crate::{Error, Validated};

pub use migsafe_live::redact;

/// What `migsafe status` shows besides the findings.
#[derive(Clone, Debug, Serialize)]
pub struct Status {
    /// The database, password redacted.
    pub database: String,
    pub server_version: String,
    /// Whether the database has Prisma's `_prisma_migrations` table.
    pub prisma_history: bool,
    pub metrics: Option<migsafe_live::Metrics>,
    /// Differences between the database and the applied migrations.
    pub drift: usize,
    /// Row estimates of the database's tables (for [`weigh_lock_findings`]).
    #[serde(skip)]
    pub table_rows: std::collections::BTreeMap<String, u64>,
}

/// Lock findings on a table of the database with at least `[rules]
/// large-table-rows` rows become errors, and say the size.
pub fn weigh_lock_findings(report: &mut crate::Report, status: &Status, config: &Config) {
    let locking: Vec<rules::RuleId> = rules::ALL
        .iter()
        .filter(|r| r.category == rules::Category::Locking)
        .map(|r| r.id)
        .collect();
    for d in &mut report.diagnostics {
        if !locking.contains(&d.rule) || d.severity == crate::Severity::Info {
            continue;
        }
        let biggest = d
            .tables
            .iter()
            .filter_map(|t| status.table_rows.get(t).map(|n| (t, *n)))
            .max_by_key(|(_, n)| *n);
        let Some((table, rows)) = biggest else {
            continue;
        };
        if rows < config.large_table_rows {
            continue;
        }
        d.severity = crate::Severity::Error;
        let size = format!(
            "{table} has about {} rows in the database (pg_class.reltuples), at least [rules] large-table-rows = {}: an error there",
            group_digits(rows),
            group_digits(config.large_table_rows)
        );
        d.note = Some(match d.note.take() {
            Some(n) => format!("{n}; {size}"),
            None => size,
        });
    }
}

fn group_digits(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn db_error(e: &migsafe_live::LiveError) -> Error {
    Error::Database {
        message: e.to_string(),
        help: e.help().map(str::to_owned),
    }
}

/// Runs the history and drift checks against the database at `url`.
/// `history_dir` names the migrations directory in findings about
/// migrations that have no file.
pub fn check(
    v: &Validated,
    url: &str,
    config: &Config,
) -> Result<(Vec<Diagnostic>, Status), Error> {
    let mut conn: Connection = migsafe_live::connect(url).map_err(|e| db_error(&e))?;
    let server_version = conn.server_version().map_err(|e| db_error(&e))?;
    let database = migsafe_live::redact(url);
    let history = conn.prisma_history().map_err(|e| db_error(&e))?;
    let local: Vec<LocalMigration<'_>> = v
        .analyzed
        .iter()
        .map(|m| LocalMigration {
            name: &m.source.name,
            path: &m.source.path,
            script: &m.source.up,
        })
        .collect();
    let dir = v
        .migration_paths
        .first()
        .map(|p| crate::discover::display_path(p))
        .unwrap_or_else(|| "prisma/migrations".to_owned());
    let mut diags = Vec::new();
    let mut metrics = None;
    if let Some(applied) = &history {
        for f in migsafe_live::check_history(applied, &local, &dir) {
            let mut sink = Sink::new(config, &f.path, f.migration.as_deref());
            sink.emit(rules::history::rule(f.rule), f.message, |mut d| {
                if let Some(l) = f.line {
                    d = d.at(l, 1);
                }
                d.help = f.help;
                d.note = f.note;
                d
            });
            diags.extend(sink.out);
        }
        let m = migsafe_live::metrics(applied, &local, config.long_running_ms);
        for slow in &m.long_running {
            let path = local.iter().find(|l| l.name == slow.name).map_or_else(
                || format!("{dir}/{}/migration.sql", slow.name),
                |l| l.path.to_owned(),
            );
            let mut sink = Sink::new(config, &path, Some(&slow.name));
            sink.emit(
                &rules::history::LONG_RUNNING_MIGRATION,
                format!(
                    "migration `{}` ran for {:.1} s (started {}), longer than the {:.1} s threshold",
                    slow.name,
                    slow.duration_ms as f64 / 1000.0,
                    slow.started_at,
                    config.long_running_ms as f64 / 1000.0
                ),
                |d| {
                    d.note("a long migration usually holds a lock for its whole run")
                        .help("batch the change, or use the non-blocking forms (CONCURRENTLY, NOT VALID then VALIDATE)")
                },
            );
            diags.extend(sink.out);
        }
        metrics = Some(m);
    }

    // The schema the applied migrations produce (all of them when the
    // database keeps no Prisma history).
    let applied_names: Option<BTreeSet<&str>> =
        history.as_ref().map(|rows: &Vec<AppliedMigration>| {
            rows.iter()
                .filter(|r| r.is_applied())
                .map(|r| r.migration_name.as_str())
                .collect()
        });
    let mut replayer = Replayer::new();
    for m in &v.analyzed {
        if applied_names
            .as_ref()
            .is_some_and(|a| !a.contains(m.source.name.as_str()))
        {
            continue;
        }
        replayer.apply_migration(&MigrationInput {
            name: &m.source.name,
            path: &m.source.path,
            statements: &m.file.statements,
        });
    }
    let replayed = replayer.finish();
    let mut live = conn.introspect(&[]).map_err(|e| db_error(&e))?;
    conn.reconcile_defaults(&replayed.model, &mut live)
        .map_err(|e| db_error(&e))?;
    let labels = Labels::new("migrations produce", "the database has");
    let differences = diff(&replayed.model, &live);
    let drift = differences.len();
    for d in differences {
        // Point at the migration that last touched the object, when one did.
        let touch = migsafe_drift::last_touch(&d, &replayed)
            .or_else(|| d.table.as_ref().and_then(|t| replayed.provenance.table(t)));
        let (path, line, migration) = match touch {
            Some(t) => (
                t.origin.path.to_string(),
                Some(t.origin.line),
                Some(t.origin.migration.to_string()),
            ),
            None => (database.clone(), None, None),
        };
        let mut sink = Sink::new(config, &path, migration.as_deref());
        let note = touch.map(|t| format!("last {} by {}", t.action.word(), t.origin));
        sink.emit(&rules::drift::SCHEMA_DRIFT, d.message(&labels), |mut x| {
            if let Some(l) = line {
                x = x.at(l, 1);
            }
            x.note = Some(match note {
                Some(n) => format!("in the database at {database}; {n}"),
                None => format!("in the database at {database}"),
            });
            x.help = Some(
                "a change made by hand in the database, or a migration that did not run as written: \
                 bring the database back in line with a new migration, or capture the change in one"
                    .to_owned(),
            );
            x
        });
        diags.extend(sink.out);
    }
    let table_rows = conn.table_rows().map_err(|e| db_error(&e))?;
    Ok((
        diags,
        Status {
            database,
            server_version,
            prisma_history: history.is_some(),
            metrics,
            drift,
            table_rows,
        },
    ))
}
