//! Rollback rules: every migration has a way back, and down scripts really
//! go back.

mod complex_rollback;
mod down_script_mismatch;
mod missing_rollback_path;
pub use complex_rollback::COMPLEX_ROLLBACK;
pub use down_script_mismatch::DOWN_SCRIPT_MISMATCH;
pub use missing_rollback_path::MISSING_ROLLBACK_PATH;

use migsafe_rollback::verify_down;
use migsafe_schema::SchemaModel;
use migsafe_schema::diff::Labels;
use migsafe_schema::replay::{MigrationInput, Replayer};
use serde::Serialize;

use crate::config::Config;
use crate::engine::{AnalyzedMigration, Sink};
use crate::report::Diagnostic;

/// How a migration can be rolled back, for the JSON report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RollbackPath {
    /// `down_script`; `generated` (migsafe derived the whole down script);
    /// `manual` (every statement that needs one has a `@rollback-plan`, the
    /// rest is undone by one obvious statement); `incomplete`.
    pub kind: &'static str,
    /// The derived down script, when migsafe could write it whole.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generated_down: Option<String>,
}

/// Replays the history and checks each migration's rollback path.
/// `checked` says which migrations get findings (all, or those changed
/// with `--since`); the whole history is replayed regardless.
/// The rollback check's findings, each migration's rollback path, the
/// replayed history, and what the lock facts' observer saw.
pub(crate) type Checked = (
    Vec<Diagnostic>,
    Vec<Option<RollbackPath>>,
    migsafe_schema::replay::Replayed,
    Option<Vec<crate::rules::locking::Observed>>,
);

pub(crate) fn check(
    migrations: &[AnalyzedMigration],
    checked: &dyn Fn(&AnalyzedMigration) -> bool,
    config: &Config,
    safety_rules_ran: bool,
    mut watch: Option<Vec<crate::rules::locking::Observed>>,
) -> Checked {
    let mut diags = Vec::new();
    let mut paths = Vec::with_capacity(migrations.len());
    let mut replayer = Replayer::new();
    for m in migrations {
        let input = MigrationInput {
            name: &m.source.name,
            path: &m.source.path,
            statements: &m.file.statements,
        };
        if !checked(m) {
            apply(&mut replayer, &input, m, watch.as_mut(), config);
            paths.push(None);
            continue;
        }
        let mut sink = Sink::new(config, &m.source.path, Some(&m.source.name));
        if let Some((down_path, bytes)) = &m.source.down {
            // Only a down script needs the schema before and after: clone then.
            let before: SchemaModel = replayer.model().clone();
            apply(&mut replayer, &input, m, watch.as_mut(), config);
            let text = String::from_utf8_lossy(bytes);
            let down = migsafe_classify::analyze(&text);
            let check = verify_down(
                &before,
                &replayer,
                &MigrationInput {
                    name: &m.source.name,
                    path: down_path,
                    statements: &down.statements,
                },
            );
            let mut down_sink = Sink::new(config, down_path, Some(&m.source.name));
            let labels = Labels::new("before the migration:", "after the down script:");
            for d in &check.differences {
                down_sink.emit(
                    &DOWN_SCRIPT_MISMATCH,
                    format!("the down script does not restore {}", d.message(&labels)),
                    |x| x.help("make the down script undo exactly what the migration does"),
                );
            }
            for issue in &check.issues {
                down_sink.emit(
                    &DOWN_SCRIPT_MISMATCH,
                    format!(
                        "{} in the down script cannot run: {}",
                        issue.operation, issue.message
                    ),
                    |x| {
                        let x = x.at(issue.origin.line, issue.origin.column);
                        match &issue.help {
                            Some(h) => x.help(h.clone()),
                            None => x,
                        }
                    },
                );
            }
            diags.extend(down_sink.out);
            paths.push(Some(RollbackPath {
                kind: "down_script",
                generated_down: None,
            }));
            continue;
        }
        // Each statement's way back, from the schema just before it.
        let undos = match watch.as_mut() {
            Some(all) => {
                let mut o = crate::rules::locking::Observed::new(m);
                let u = crate::rollback::apply_and_derive(&mut replayer, m, &mut |i, model| {
                    o.observe(m, i, model, config.postgres_version);
                });
                all.push(o);
                u
            }
            None => crate::rollback::apply_and_derive(&mut replayer, m, &mut |_, _| {}),
        };
        let mut complete = true;
        let mut annotated = true;
        for u in &undos {
            let Some(why) = u.missing else { continue };
            complete = false;
            let Some(s) = m.file.statements.get(u.index) else {
                continue;
            };
            // Covered: a plan, or a statement one obvious statement undoes
            // even if migsafe cannot write it (an INSERT).
            if u.plan.is_some() || u.rollback == migsafe_classify::Rollback::Simple {
                continue;
            }
            let needs_plan = config.require_rollback_plan.contains(&u.class);
            if needs_plan && safety_rules_ran {
                // missing-override / missing-rollback-plan own it.
                annotated = false;
                continue;
            }
            let end = {
                let r = m.file.split.lines.line_range(&m.text, s.line);
                m.text.get(r).unwrap_or("").trim_end().chars().count() as u32 + 1
            };
            // A plan is required only where the configuration requires one
            // (dangerous statements by default); for the rest a missing plan
            // is information.
            let rule = if needs_plan {
                annotated = false;
                &MISSING_ROLLBACK_PATH
            } else {
                &COMPLEX_ROLLBACK
            };
            sink.emit(
                rule,
                format!(
                    "{} has no rollback path: {why}, and there is no `@rollback-plan` or down script",
                    u.title
                ),
                |d| {
                    d.at(s.line, s.column)
                        .span_end(s.line, end)
                        .label(format!("rollback is {}", s.rollback()))
                        .help("add `-- @rollback-plan: <how to undo this>` above the statement, or a down script (`migsafe rollback emit-down` writes what migsafe can derive)")
                },
            );
        }
        diags.extend(sink.out);
        paths.push(Some(if complete {
            RollbackPath {
                kind: "generated",
                generated_down: Some(
                    undos
                        .iter()
                        .rev()
                        .flat_map(|u| u.sql.iter().cloned())
                        .collect::<Vec<_>>()
                        .join("\n"),
                ),
            }
        } else if annotated {
            RollbackPath {
                kind: "manual",
                generated_down: None,
            }
        } else {
            RollbackPath {
                kind: "incomplete",
                generated_down: None,
            }
        }));
    }
    (diags, paths, replayer.finish(), watch)
}

/// Applies one migration, and shows each statement's schema to the lock
/// facts' observer when there is one.
fn apply<'a>(
    replayer: &mut Replayer<'a>,
    input: &MigrationInput<'a>,
    m: &AnalyzedMigration,
    watch: Option<&mut Vec<crate::rules::locking::Observed>>,
    config: &Config,
) {
    match watch {
        Some(all) => {
            let mut o = crate::rules::locking::Observed::new(m);
            replayer.apply_migration_observed(input, &mut |i, model| {
                o.observe(m, i, model, config.postgres_version);
            });
            all.push(o);
        }
        None => replayer.apply_migration(input),
    }
}
