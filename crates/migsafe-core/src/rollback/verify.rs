//! `migsafe rollback verify`: a plan proven on a scratch database migsafe
//! creates on the given server (and drops): the history applied as Prisma
//! applies it, the plan run, the result introspected and compared with the
//! replay of the history up to the target.

use migsafe_schema::diff::{Difference, diff};
use migsafe_schema::replay::{MigrationInput, Replayer};
use serde::Serialize;

use super::plan::{PlanRequest, RollbackPlan, plan};
use crate::Error;
use crate::engine::AnalyzedMigration;

/// What the verification found.
#[derive(Clone, Debug, Serialize)]
pub struct Verified {
    /// The scratch database's name (dropped by the time this is returned).
    pub scratch: String,
    pub plan: RollbackPlan,
    /// Migrations applied to reach the current state.
    pub applied: usize,
    /// A migration of the history PostgreSQL refused (the current state
    /// could not be built): its name and the server's error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history_failed: Option<(String, String)>,
    /// The plan's (or, when blocked, the fix-forward's) error on the server.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan_failed: Option<String>,
    /// How the database after the plan differs from the replay of the
    /// history up to the target (expected: the replay).
    pub differences: Vec<Difference>,
}

impl Verified {
    /// The plan ran and left exactly the target schema, and no statement
    /// blocks the rollback.
    pub fn restores(&self) -> bool {
        self.restores_but_left_behind() && self.differences.is_empty()
    }

    /// The plan ran, no statement blocks it, and what differs from the
    /// target is only what it leaves behind on purpose: enum values
    /// PostgreSQL cannot remove.
    pub fn restores_but_left_behind(&self) -> bool {
        use migsafe_schema::diff::{DiffKind, ObjectKind};
        self.history_failed.is_none()
            && self.plan_failed.is_none()
            && self.plan.blocked.is_empty()
            && self
                .differences
                .iter()
                .all(|d| d.object == ObjectKind::EnumValue && d.kind == DiffKind::ExtraInActual)
    }
}

fn db_error(e: &migsafe_live::LiveError) -> Error {
    Error::Database {
        message: e.to_string(),
        help: e.help().map(str::to_owned),
    }
}

/// Builds the plan for `req` and proves it on a scratch database on the
/// server of `scratch_url`; `setup` runs first (the tables a migration
/// runner keeps for itself, which the history may touch).
///
/// # Errors
///
/// [`Error::Config`] for a `--to` that names no migration;
/// [`Error::Database`] when the server cannot be reached or does not let
/// migsafe create a database.
pub fn verify(
    migrations: &[AnalyzedMigration],
    req: PlanRequest<'_>,
    scratch_url: &str,
    setup: Option<&str>,
) -> Result<Verified, Error> {
    let p = plan(migrations, req)?;
    let mut scratch = migsafe_live::create_scratch(scratch_url).map_err(|e| db_error(&e))?;
    // What the history expects to find before its first migration (a
    // migration runner's own table), outside what is compared... unless it
    // is in the replay's schema too: it is created the same way there.
    let mut prelude = Vec::new();
    if let Some(sql) = setup {
        if let Err(e) = scratch.run_script(sql).map_err(|e| db_error(&e))? {
            return Err(Error::Other(format!(
                "the setup script fails on PostgreSQL: {}",
                e.message
            )));
        }
        prelude = migsafe_classify::analyze(sql).statements;
    }
    let name = scratch.name().to_owned();
    let mut out = Verified {
        scratch: name,
        plan: p,
        applied: 0,
        history_failed: None,
        plan_failed: None,
        differences: Vec::new(),
    };
    // The expected schema: the replay (after the setup) up to the target.
    let mut replayer = Replayer::new();
    replayer.apply_migration(&MigrationInput {
        name: "setup",
        path: "setup.sql",
        statements: &prelude,
    });
    let keep = out
        .plan
        .target
        .as_deref()
        .and_then(|t| migrations.iter().position(|m| m.source.name == t));
    if let Some(k) = keep {
        for m in &migrations[..=k] {
            replayer.apply_migration(&MigrationInput {
                name: &m.source.name,
                path: &m.source.path,
                statements: &m.file.statements,
            });
        }
    }
    let expected = replayer.finished_model();
    for m in migrations {
        let text = String::from_utf8_lossy(&m.source.up);
        match scratch.run_script(&text).map_err(|e| db_error(&e))? {
            Ok(()) => out.applied += 1,
            Err(e) => {
                out.history_failed = Some((m.source.name.clone(), e.message));
                scratch.finish().map_err(|e| db_error(&e))?;
                return Ok(out);
            }
        }
    }
    let sql = out.plan.executable();
    if let Err(e) = scratch.run_script(&sql).map_err(|e| db_error(&e))? {
        out.plan_failed = Some(e.message);
    } else {
        let conn = scratch.connection().map_err(|e| db_error(&e))?;
        let mut live = conn.introspect(&[]).map_err(|e| db_error(&e))?;
        conn.reconcile_defaults(&expected, &mut live)
            .map_err(|e| db_error(&e))?;
        out.differences = diff(&expected, &live);
    }
    scratch.finish().map_err(|e| db_error(&e))?;
    Ok(out)
}

/// The rows of `_prisma_migrations` of the database at `url` (read-only),
/// as the plan needs them; `None` when the database has no Prisma history.
///
/// # Errors
///
/// [`Error::Database`] when the database cannot be read.
pub fn history(url: &str) -> Result<Option<Vec<super::HistoryRow>>, Error> {
    let mut conn = migsafe_live::connect(url).map_err(|e| db_error(&e))?;
    let rows = conn.prisma_history().map_err(|e| db_error(&e))?;
    Ok(rows.map(|rows| {
        rows.iter()
            .map(|r| super::HistoryRow {
                migration_name: r.migration_name.clone(),
                applied: r.is_applied(),
                failed: r.is_failed(),
            })
            .collect()
    }))
}

/// How a verification names the two sides of a difference.
pub fn labels() -> migsafe_schema::diff::Labels {
    migsafe_schema::diff::Labels::new("the target state has", "after the plan the database has")
}
