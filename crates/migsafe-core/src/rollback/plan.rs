//! `migsafe rollback plan`: from the current state back to the last good
//! one, newest migration first, as one script a person reviews and runs.

use migsafe_schema::SchemaModel;
use migsafe_schema::replay::{MigrationInput, Replayer};
use serde::Serialize;

use migsafe_rollback::{literal, one_line};

use super::derive::{Undo, apply_and_derive, losing_statements};
use crate::Error;
use crate::discover::Layout;
use crate::engine::AnalyzedMigration;

/// A row of Prisma's `_prisma_migrations`, as much as the plan needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryRow {
    pub migration_name: String,
    /// Finished and not rolled back: the database holds its changes.
    pub applied: bool,
    /// Started, neither finished nor rolled back.
    pub failed: bool,
}

/// How one migration is undone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum WayBack {
    /// Its down script, as written.
    DownScript { path: String, sql: String },
    /// migsafe derived every statement.
    Generated { sql: String },
    /// Derived where SQL can, the `@rollback-plan` where it cannot: the
    /// script holds the plans as steps for a person.
    Plan { sql: String },
}

/// One migration of the plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StepBack {
    pub migration: String,
    pub path: String,
    pub way: WayBack,
    /// The statements of the way back that delete data, as `line N: what`.
    pub loses_data: Vec<String>,
    /// Record the rollback in `_prisma_migrations` (Prisma layout).
    pub prisma: bool,
}

/// A statement that no SQL undoes and that has no `@rollback-plan`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Blocker {
    pub migration: String,
    pub path: String,
    pub line: u32,
    pub title: String,
    pub why: String,
}

/// The whole plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RollbackPlan {
    /// The last good state: this migration applied and nothing after it;
    /// `None`: before the first migration.
    pub target: Option<String>,
    /// The newest migration the current state holds.
    pub current: Option<String>,
    /// Failed rows of `_prisma_migrations` (PostgreSQL rolled their
    /// transaction back; Prisma needs `migrate resolve --rolled-back`).
    pub failed: Vec<String>,
    /// Newest first. Empty when [`blocked`](Self::blocked) is not.
    pub steps: Vec<StepBack>,
    /// The statements that make a rollback impossible.
    pub blocked: Vec<Blocker>,
    /// When blocked: the statements of a fix-forward migration from the
    /// current schema to the target's.
    pub forward: Vec<String>,
    /// Whether the history is Prisma's (the script records the rollback
    /// in `_prisma_migrations`).
    pub prisma: bool,
    /// migsafe's replay of the plan (or of the roll-forward) on the current
    /// state: the statement PostgreSQL would refuse, which rolls the whole
    /// script back.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub predicted_failure: Option<String>,
    /// migsafe's replay of the plan: how the result differs from the last
    /// good state (expected: the target).
    pub predicted_differences: Vec<migsafe_schema::diff::Difference>,
}

/// Where to go back to.
#[derive(Clone, Copy, Debug)]
pub struct PlanRequest<'a> {
    /// The migration to go back to (kept); `None`: the one before the
    /// first failed migration of the history, else the one before the
    /// newest.
    pub to: Option<&'a str>,
    /// `_prisma_migrations` when a database was given.
    pub history: Option<&'a [HistoryRow]>,
}

/// The migrations the current state holds (by index), in order.
fn current_indexes(migrations: &[AnalyzedMigration], history: Option<&[HistoryRow]>) -> Vec<usize> {
    match history {
        None => (0..migrations.len()).collect(),
        Some(rows) => {
            let applied: std::collections::HashSet<&str> = rows
                .iter()
                .filter(|r| r.applied)
                .map(|r| r.migration_name.as_str())
                .collect();
            migrations
                .iter()
                .enumerate()
                .filter(|(_, m)| applied.contains(m.source.name.as_str()))
                .map(|(i, _)| i)
                .collect()
        }
    }
}

pub(crate) fn unknown(migrations: &[AnalyzedMigration], name: &str, what: &str) -> Error {
    let best = migrations
        .iter()
        .map(|m| (strsim::levenshtein(&m.source.name, name), &m.source.name))
        .min_by_key(|(d, _)| *d)
        .filter(|(d, _)| *d <= name.len() / 4 + 1)
        .map(|(_, n)| n.clone());
    Error::Config {
        path: String::new(),
        line: None,
        column: None,
        message: format!("{what}{name}: no such migration"),
        help: Some(match best {
            Some(b) => format!("did you mean `{b}`?"),
            None => "name a migration directory (or file stem) of the history; `0` goes back to before the first migration".to_owned(),
        }),
    }
}

/// Builds the plan for `migrations` (the whole local history, in order).
///
/// # Errors
///
/// [`Error::Config`] when `--to` names no migration, or names one the
/// database does not hold.
pub fn plan(migrations: &[AnalyzedMigration], req: PlanRequest<'_>) -> Result<RollbackPlan, Error> {
    let current = current_indexes(migrations, req.history);
    let failed: Vec<String> = req
        .history
        .unwrap_or(&[])
        .iter()
        .filter(|r| r.failed)
        .map(|r| r.migration_name.clone())
        .collect();
    // Keep up to and including `keep` (index into `migrations`).
    let keep: Option<usize> = match req.to {
        Some("0") => None,
        Some(name) => {
            let i = migrations
                .iter()
                .position(|m| m.source.name == name)
                .ok_or_else(|| unknown(migrations, name, "--to "))?;
            if req.history.is_some() && !current.contains(&i) {
                return Err(Error::Config {
                    path: String::new(),
                    line: None,
                    column: None,
                    message: format!("--to {name}: the database has not applied this migration"),
                    help: Some(
                        "name a migration that `_prisma_migrations` records as finished".to_owned(),
                    ),
                });
            }
            Some(i)
        }
        None => match failed.first() {
            // The last applied migration before the first failed one.
            Some(f) => {
                let fi = migrations.iter().position(|m| &m.source.name == f);
                current
                    .iter()
                    .copied()
                    .rfind(|&i| fi.is_none_or(|fi| i < fi))
            }
            None => current.len().checked_sub(2).map(|k| current[k]),
        },
    };
    // Undone: what the current state holds after the one kept.
    let undone = |i: usize| keep.is_none_or(|k| i > k);
    let prisma = migrations.iter().any(|m| m.source.layout == Layout::Prisma);

    // Replay the current state, deriving each undone migration's way back
    // from the schema before each of its statements.
    let mut replayer = Replayer::new();
    let mut target_model: Option<SchemaModel> = None;
    let mut steps = Vec::new();
    let mut blocked = Vec::new();
    if keep.is_none() {
        target_model = Some(replayer.finished_model());
    }
    for &i in &current {
        let m = &migrations[i];
        if !undone(i) {
            apply(&mut replayer, m);
            if Some(i) == keep {
                target_model = Some(replayer.finished_model());
            }
            continue;
        }
        let undos = apply_and_derive(&mut replayer, m, &mut |_, _| {});
        steps.push(step_back(m, &undos, prisma, &mut blocked));
    }
    let target_model = target_model.unwrap_or_default();
    steps.reverse();
    let forward = if blocked.is_empty() {
        Vec::new()
    } else {
        steps.clear();
        migsafe_rollback::forward(&replayer.finished_model(), &target_model)
    };
    let mut p = RollbackPlan {
        target: keep.map(|k| migrations[k].source.name.clone()),
        current: current.last().map(|&i| migrations[i].source.name.clone()),
        failed,
        steps,
        blocked,
        forward,
        prisma,
        predicted_failure: None,
        predicted_differences: Vec::new(),
    };
    // The plan replayed as PostgreSQL runs it: one script, one transaction.
    let sql = p.executable();
    let analyzed = migsafe_classify::analyze(&sql);
    let known = replayer.issues().len();
    replayer.apply_migration(&MigrationInput {
        name: "rollback plan",
        path: "rollback.sql",
        statements: &analyzed.statements,
    });
    p.predicted_failure = replayer.issues()[known..]
        .iter()
        .find(|i| i.kind != migsafe_schema::replay::IssueKind::Unevaluable)
        .map(|i| format!("line {}: {}: {}", i.origin.line, i.operation, i.message));
    if p.predicted_failure.is_none() {
        p.predicted_differences =
            migsafe_schema::diff::diff(&target_model, &replayer.finished_model());
    }
    Ok(p)
}

fn apply<'a>(replayer: &mut Replayer<'a>, m: &'a AnalyzedMigration) {
    replayer.apply_migration(&MigrationInput {
        name: &m.source.name,
        path: &m.source.path,
        statements: &m.file.statements,
    });
}

fn step_back(
    m: &AnalyzedMigration,
    undos: &[Undo],
    prisma: bool,
    blocked: &mut Vec<Blocker>,
) -> StepBack {
    let prisma = prisma && m.source.layout == Layout::Prisma;
    if let Some((path, bytes)) = &m.source.down {
        let sql = String::from_utf8_lossy(bytes).into_owned();
        let loses_data = losing_statements(&sql)
            .into_iter()
            .map(|(line, what)| format!("line {line}: {what}"))
            .collect();
        return StepBack {
            migration: m.source.name.clone(),
            path: m.source.path.clone(),
            way: WayBack::DownScript {
                path: path.clone(),
                sql,
            },
            loses_data,
            prisma,
        };
    }
    let mut manual = false;
    for u in undos {
        if let Some(why) = u.missing {
            if u.left_behind {
                continue;
            }
            if u.plan.is_some() {
                manual = true;
            } else {
                blocked.push(Blocker {
                    migration: m.source.name.clone(),
                    path: m.source.path.clone(),
                    line: u.line,
                    title: u.title.clone(),
                    why: why.to_owned(),
                });
            }
        }
    }
    let loses_data = undos
        .iter()
        .filter_map(|u| u.loses_data().map(|l| format!("line {}: {l}", u.line)))
        .collect();
    let sql = super::derive::down_script(m, undos);
    StepBack {
        migration: m.source.name.clone(),
        path: m.source.path.clone(),
        way: if manual {
            WayBack::Plan { sql }
        } else {
            WayBack::Generated { sql }
        },
        loses_data,
        prisma,
    }
}

/// Whether the script's last statement ends with `;` (its trailing
/// comments aside).
fn terminated(sql: &str) -> bool {
    let analyzed = migsafe_classify::analyze(sql);
    match analyzed.statements.last() {
        None => true,
        Some(s) => {
            sql.get(s.span.end..)
                .is_some_and(|rest| rest.trim_start().starts_with(';'))
                || sql
                    .get(..s.span.end)
                    .is_some_and(|t| t.trim_end().ends_with(';'))
        }
    }
}

impl RollbackPlan {
    /// The script: a header with the procedure, then each migration's way
    /// back, newest first; or, when blocked, why and the fix-forward
    /// migration. `record`: add the statements that mark the rollback in
    /// `_prisma_migrations`.
    pub fn script(&self, record: bool) -> String {
        let mut o = String::new();
        let target = self
            .target
            .as_deref()
            .map(|t| format!("{t} (kept: it and everything before it)"))
            .unwrap_or_else(|| "before the first migration".to_owned());
        o.push_str("-- migsafe rollback plan\n");
        o.push_str(&format!(
            "-- current state: {}\n",
            self.current.as_deref().unwrap_or("no migration applied")
        ));
        o.push_str(&format!("-- last good state: {target}\n"));
        o.push_str(
            "--\n-- migsafe never runs this script. Review it, then follow the procedure:\n",
        );
        let mut n = 0;
        let mut item = |o: &mut String, text: &str| {
            n += 1;
            o.push_str(&format!("--   {n}. {text}\n"));
        };
        item(
            &mut o,
            "Stop the deployment and any job that writes to the database.",
        );
        item(
            &mut o,
            "Take a backup first: pg_dump --format=custom --file=before-rollback.dump \"$DATABASE_URL\"",
        );
        if !self.blocked.is_empty() {
            item(
                &mut o,
                "Rollback is impossible (below): fix forward instead. Save the fix-forward migration below as a new migration, review it, test it in staging, deploy it.",
            );
        } else {
            let losing: usize = self.steps.iter().map(|s| s.loses_data.len()).sum();
            if losing > 0 {
                item(
                    &mut o,
                    &format!(
                        "{losing} statement{} below LOSES DATA (marked): what was written since the release is deleted; export it first if it is needed.",
                        if losing == 1 { "" } else { "s" }
                    ),
                );
            }
            if self
                .steps
                .iter()
                .any(|s| matches!(s.way, WayBack::Plan { .. }))
            {
                item(
                    &mut o,
                    "Steps marked MANUAL have no SQL: carry out their rollback plan at that point of the script.",
                );
            }
            if !self.steps.is_empty() {
                item(
                    &mut o,
                    "Run it in one transaction: psql \"$DATABASE_URL\" --single-transaction -v ON_ERROR_STOP=1 --file=rollback.sql",
                );
            }
        }
        for f in &self.failed {
            item(
                &mut o,
                &format!(
                    "{f} failed: PostgreSQL rolled its transaction back; record that: npx prisma migrate resolve --rolled-back \"{f}\""
                ),
            );
        }
        if self.prisma && !self.steps.is_empty() && self.blocked.is_empty() {
            item(
                &mut o,
                if record {
                    "The script marks each migration it undoes as rolled back in _prisma_migrations (prisma migrate resolve only accepts failed migrations). Remove those migrations from the code (or revert the release) before the next prisma migrate deploy, or it applies them again."
                } else {
                    "Mark each undone migration as rolled back in _prisma_migrations, and remove it from the code before the next prisma migrate deploy."
                },
            );
        }
        item(
            &mut o,
            "Verify: migsafe drift-check --database-url \"$DATABASE_URL\" (and the application's health checks).",
        );
        item(&mut o, "Document what happened and why.");
        o.push_str("--\n");
        let what = if self.blocked.is_empty() {
            "this plan"
        } else {
            "the roll-forward"
        };
        match (&self.predicted_failure, self.predicted_differences.len()) {
            (Some(f), _) => o.push_str(&format!(
                "-- migsafe's replay of {what}: PostgreSQL refuses it ({}), and the whole script rolls back: fix that step first\n",
                one_line(f)
            )),
            (None, 0) => o.push_str(&format!(
                "-- migsafe's replay of {what}: it restores the schema of the last good state exactly (prove it: migsafe rollback verify --scratch-url URL)\n"
            )),
            (None, n) => {
                let labels = migsafe_schema::diff::Labels::new("the last good state has", "after it the database has");
                o.push_str(&format!(
                    "-- migsafe's replay of {what}: {n} difference{} from the last good state remain:\n",
                    if n == 1 { "" } else { "s" }
                ));
                for d in &self.predicted_differences {
                    o.push_str(&format!("--   {}\n", one_line(&d.message(&labels))));
                }
            }
        }
        o.push('\n');
        if !self.blocked.is_empty() {
            o.push_str("-- ROLLBACK IMPOSSIBLE: no SQL undoes these statements, and they have no @rollback-plan:\n");
            for b in &self.blocked {
                o.push_str(&format!(
                    "--   {}:{}: {} ({}): {}\n",
                    b.path,
                    b.line,
                    b.title,
                    b.migration,
                    one_line(&b.why)
                ));
            }
            o.push_str("--\n-- Roll-forward: the fix-forward migration from the current schema to the last good state's.\n");
            o.push_str("-- The structure comes back; data the statements above deleted does not: restore it from the backup.\n\n");
            for f in &self.forward {
                o.push_str(f);
                o.push('\n');
            }
            return o;
        }
        if self.steps.is_empty() {
            o.push_str("-- Nothing to undo: the current state is the last good state.\n");
            return o;
        }
        let total = self.steps.len();
        for (k, s) in self.steps.iter().enumerate() {
            let (what, sql) = match &s.way {
                WayBack::DownScript { path, sql } => (format!("its down script {path}"), sql),
                WayBack::Generated { sql } => ("generated by migsafe".to_owned(), sql),
                WayBack::Plan { sql } => (
                    "generated by migsafe, with MANUAL steps from its @rollback-plan".to_owned(),
                    sql,
                ),
            };
            o.push_str(&format!(
                "-- step {} of {total}: undo {} ({what})\n",
                k + 1,
                s.migration
            ));
            for l in &s.loses_data {
                o.push_str(&format!("-- LOSES DATA: {}\n", one_line(l)));
            }
            let sql = sql.replace("-- CANNOT BE INVERTED:", "-- MANUAL STEP:");
            o.push_str(sql.trim_end());
            o.push('\n');
            if !terminated(&sql) {
                // A down script whose last statement has no `;`: end it here,
                // or it runs into the next step.
                o.push_str(";\n");
            }
            if record && s.prisma {
                o.push_str(&format!(
                    "UPDATE \"_prisma_migrations\" SET \"rolled_back_at\" = now() WHERE \"migration_name\" = {} AND \"finished_at\" IS NOT NULL AND \"rolled_back_at\" IS NULL;\n",
                    literal(&s.migration)
                ));
            }
            o.push('\n');
        }
        o
    }

    /// The SQL a verification runs: the steps' statements without the
    /// bookkeeping of `_prisma_migrations`; when blocked, the fix-forward.
    pub fn executable(&self) -> String {
        if !self.blocked.is_empty() {
            return self.forward.join("\n");
        }
        self.steps
            .iter()
            .map(|s| match &s.way {
                WayBack::DownScript { sql, .. }
                | WayBack::Generated { sql }
                | WayBack::Plan { sql } => sql.clone(),
            })
            .collect::<Vec<_>>()
            // A lone `;` is an empty statement: it ends a script whose last
            // statement has none, and changes nothing otherwise.
            .join("\n;\n")
    }
}
