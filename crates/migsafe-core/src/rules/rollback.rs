//! Rollback rules: every migration has a way back, and down scripts really
//! go back.

use migsafe_rollback::{Inverse, verify_down};
use migsafe_schema::SchemaModel;
use migsafe_schema::diff::Labels;
use migsafe_schema::replay::{MigrationInput, Replayer};
use serde::Serialize;

use super::{Category, Example, Rule, RuleId};
use crate::config::Config;
use crate::engine::{AnalyzedMigration, Sink};
use crate::report::{Diagnostic, Severity};

pub static MISSING_ROLLBACK_PATH: Rule = Rule {
    id: RuleId::MissingRollbackPath,
    severity: Severity::Error,
    category: Category::Rollback,
    summary: "a statement that needs a rollback plan and has no way back: no down script, no `@rollback-plan`, no derivable inverse",
    what: "`migsafe rollback-check`: a statement of a class that needs a rollback plan (dangerous by \
default; `[annotations] require-rollback-plan` in `migsafe.toml`), in a migration without a down \
script, that migsafe cannot undo with a statement it derives itself and that has no \
`-- @rollback-plan: …`. Under `migsafe check` the same statements are reported once, by \
`missing-override` or `missing-rollback-plan`.",
    why: "The release-safety process guarantees a rollback path for every migration. When a release has \
to be rolled back at 3 a.m., the path must already be written down: a down script, or a plan next to \
the statement that has no mechanical inverse.",
    bad: Example {
        migrations: &[(
            "20260105120000_drop_legacy",
            "-- @override-destructive\nDROP TABLE \"legacy_reports\";\n",
        )],
        config: "",
        checked: true,
    },
    good: Example {
        migrations: &[(
            "20260105120000_drop_legacy",
            "-- @override-destructive\n-- @rollback-plan: restore legacy_reports from the pre-release backup\nDROP TABLE \"legacy_reports\";\n",
        )],
        config: "",
        checked: true,
    },
};

pub static COMPLEX_ROLLBACK: Rule = Rule {
    id: RuleId::ComplexRollback,
    severity: Severity::Info,
    category: Category::Rollback,
    summary: "a statement whose rollback takes planning, with no plan where none is required",
    what: "An expand or neutral statement whose rollback is complex, in a migration without a down script \
and without a `@rollback-plan` for it: `ALTER TYPE … ADD VALUE` (PostgreSQL cannot remove an enum \
value), `DROP NOT NULL` (NULLs written meanwhile block putting it back), `UPDATE`/`DELETE … WHERE` (the \
old values are gone), `CREATE OR REPLACE` (the old definition is in history only).",
    why: "The contract requires no plan for these, so the finding is informational; but whoever rolls \
the release back will have to think here. A one-line plan is the place to write what they should do.",
    bad: Example {
        migrations: &[(
            "20260105120000_add_role",
            "ALTER TYPE \"Role\" ADD VALUE 'AUDITOR';\n",
        )],
        config: "",
        checked: true,
    },
    good: Example {
        migrations: &[(
            "20260105120000_add_role",
            "-- @rollback-plan: leave the value in place; an unused enum value is harmless\nALTER TYPE \"Role\" ADD VALUE 'AUDITOR';\n",
        )],
        config: "",
        checked: true,
    },
};

pub static DOWN_SCRIPT_MISMATCH: Rule = Rule {
    id: RuleId::DownScriptMismatch,
    severity: Severity::Error,
    category: Category::Rollback,
    summary: "a down script that does not bring the schema back to what it was before the migration",
    what: "A migration's down script (`down.sql` beside a Prisma `migration.sql`, or `<name>.down.sql`), \
replayed on top of the migration, leaves a schema that differs from the schema before the migration, \
or has a statement that cannot run (an index that does not exist, a column dropped twice).",
    why: "A down script is only tested the day it is needed. A forgotten column or index means the \
rollback leaves the database in a state no version of the application was written for.",
    bad: Example {
        migrations: &[(
            "20260105120000_add_bio",
            "ALTER TABLE \"users\" ADD COLUMN \"bio\" TEXT;\nCREATE INDEX \"users_bio_idx\" ON \"users\"(\"bio\");\n-- down.sql: DROP INDEX \"users_bio_idx\";\n",
        )],
        config: "",
        checked: false,
    },
    good: Example {
        migrations: &[(
            "20260105120000_add_bio",
            "ALTER TABLE \"users\" ADD COLUMN \"bio\" TEXT;\n-- down.sql: ALTER TABLE \"users\" DROP COLUMN \"bio\";\n",
        )],
        config: "",
        checked: true,
    },
};

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
pub(crate) fn check(
    migrations: &[AnalyzedMigration],
    checked: &dyn Fn(&AnalyzedMigration) -> bool,
    config: &Config,
    safety_rules_ran: bool,
) -> (
    Vec<Diagnostic>,
    Vec<Option<RollbackPath>>,
    migsafe_schema::replay::Replayed,
) {
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
            replayer.apply_migration(&input);
            paths.push(None);
            continue;
        }
        let mut sink = Sink::new(config, &m.source.path, Some(&m.source.name));
        if let Some((down_path, bytes)) = &m.source.down {
            // Only a down script needs the schema before and after: clone then.
            let before: SchemaModel = replayer.model().clone();
            replayer.apply_migration(&input);
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
        // Inverses are derived from the schema before the migration, so
        // before it is applied: no copy of the model needed.
        let before = replayer.model();
        let mut inverses: Vec<String> = Vec::new();
        let mut complete = true;
        let mut annotated = true;
        for (i, s) in m.file.statements.iter().enumerate() {
            let plan = m.effective.get(i).and_then(|a| a.plan()).is_some();
            let mut stmt_inv = Vec::new();
            let mut unknown = None;
            for o in &s.ops {
                match migsafe_rollback::inverse(&o.kind, before) {
                    Inverse::Sql(sql) => stmt_inv.push(sql),
                    Inverse::NoOp => {}
                    Inverse::Unknown { why } => {
                        if unknown.is_none() {
                            unknown = Some((o, why));
                        }
                    }
                }
            }
            // Inner DDL of a DO block is undone by the block's own plan.
            match unknown {
                None => inverses.extend(stmt_inv),
                Some((o, why)) => {
                    complete = false;
                    let class = s.class();
                    // Covered: a plan, or a statement one obvious statement
                    // undoes even if migsafe cannot write it (an INSERT).
                    if plan || s.rollback() == migsafe_classify::Rollback::Simple {
                        continue;
                    }
                    let needs_plan = config.require_rollback_plan.contains(&class);
                    if needs_plan && safety_rules_ran {
                        // missing-override / missing-rollback-plan own it.
                        annotated = false;
                        continue;
                    }
                    let title = o.kind.title();
                    let end = {
                        let r = m.file.split.lines.line_range(&m.text, s.line);
                        m.text.get(r).unwrap_or("").trim_end().chars().count() as u32 + 1
                    };
                    // A plan is required only where the configuration
                    // requires one (dangerous statements by default); for the
                    // rest a missing plan is information.
                    let rule = if needs_plan {
                        annotated = false;
                        &MISSING_ROLLBACK_PATH
                    } else {
                        &COMPLEX_ROLLBACK
                    };
                    sink.emit(
                        rule,
                        format!("{title} has no rollback path: {why}, and there is no `@rollback-plan` or down script"),
                        |d| {
                            d.at(s.line, s.column)
                                .span_end(s.line, end)
                                .label(format!("rollback is {}", s.rollback()))
                                .help("add `-- @rollback-plan: <how to undo this>` above the statement, or a down script")
                        },
                    );
                }
            }
        }
        diags.extend(sink.out);
        replayer.apply_migration(&input);
        inverses.reverse();
        paths.push(Some(if complete {
            RollbackPath {
                kind: "generated",
                generated_down: Some(inverses.join("\n")),
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
    (diags, paths, replayer.finish())
}
