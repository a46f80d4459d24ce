//! Each statement of a migration and its way back, derived from the
//! schema just before the statement (as the statements before it in the
//! file left it).

use migsafe_classify::{Class, Rollback};
use migsafe_rollback::{Inverse, one_line};
use migsafe_schema::SchemaModel;
use migsafe_schema::replay::{MigrationInput, Replayer};
use serde::Serialize;

use crate::engine::AnalyzedMigration;

/// One statement of a migration and what undoes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Undo {
    /// The statement's index in its migration.
    pub index: usize,
    /// Where it is (1-based).
    pub line: u32,
    /// `DROP COLUMN`, `CREATE TABLE`, …
    pub title: String,
    pub class: Class,
    pub rollback: Rollback,
    /// The statements that undo it, in the order to run them; empty for a
    /// statement that changes nothing (`SELECT`, `SET`).
    pub sql: Vec<String>,
    /// Why no SQL undoes it, when none does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub missing: Option<&'static str>,
    /// What no SQL undoes is only left behind, harmless to the code of
    /// the last good state (an enum value PostgreSQL cannot remove): the
    /// rollback goes on without it.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub left_behind: bool,
    /// Its `@rollback-plan`, when it has one that is a plan.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan: Option<String>,
}

impl Undo {
    /// SQL undoes it, or it needs no undoing.
    pub fn invertible(&self) -> bool {
        self.missing.is_none()
    }

    /// What the way back deletes (the undo of a `CREATE TABLE` drops the
    /// rows written since), or what the statement deleted for good. Worked
    /// out when asked (the plan and the down script ask; the rollback check,
    /// which runs on every `check`, does not).
    pub fn loses_data(&self) -> Option<String> {
        if self.missing.is_some() {
            return (self.rollback == Rollback::Impossible).then(|| {
                format!(
                    "{} deleted data that no statement brings back: only a backup does",
                    self.title
                )
            });
        }
        let lost: Vec<String> = losing_statements(&self.sql.join("\n"))
            .into_iter()
            .map(|(_, what)| what)
            .collect();
        (!lost.is_empty()).then(|| {
            format!(
                "{}, and with it what was written since the migration",
                lost.join("; ")
            )
        })
    }
}

/// The statements of `sql` that delete data, read the way every statement
/// is read: classified; those whose own rollback is impossible (a `DROP
/// TABLE`, a `DROP COLUMN`), as (line, `TITLE: reason`).
pub(crate) fn losing_statements(sql: &str) -> Vec<(u32, String)> {
    migsafe_classify::analyze(sql)
        .statements
        .iter()
        .filter(|s| s.rollback() == Rollback::Impossible)
        .filter_map(|s| {
            s.primary()
                .map(|o| (s.line, format!("{}: {}", o.kind.title(), o.kind.reason())))
        })
        .collect()
}

/// The [`Undo`] of statement `index` of `m`, given the schema just before it.
pub fn undo(m: &AnalyzedMigration, index: usize, before: &SchemaModel) -> Option<Undo> {
    let s = m.file.statements.get(index)?;
    let mut sql = Vec::new();
    let mut missing = None;
    let mut left_behind = true;
    for (oi, o) in s.ops.iter().enumerate() {
        match migsafe_rollback::inverse(&o.kind, before) {
            // A `DROP CONSTRAINT` re-added later in the file is classified
            // as modifying the constraint, whose inverse drops the new one
            // and adds the old: statement by statement, the undo of the
            // re-add already dropped it, so only the `ADD` is left to run.
            Inverse::Sql(text) if re_added_later(m, index, oi, &o.kind) => {
                sql.push(
                    text.split_once('\n')
                        .map_or(text.as_str(), |(_, add)| add)
                        .to_owned(),
                );
            }
            Inverse::Sql(text) => sql.push(text),
            Inverse::NoOp => {}
            Inverse::Unknown { why } => {
                if missing.is_none() {
                    missing = Some(why);
                }
                left_behind &= matches!(o.kind, migsafe_classify::ir::OpKind::AddEnumValue { .. });
            }
        }
    }
    // The operations of one statement are undone last to first.
    sql.reverse();
    let statement_sql = m.text.get(s.span.clone()).unwrap_or("");
    let plan = m
        .effective
        .get(index)
        .and_then(|a| a.plan())
        .filter(|p| migsafe_annotations::placeholder_plan(p, statement_sql).is_none())
        .map(str::to_owned);
    let title = s
        .primary()
        .map(|p| p.kind.title())
        .unwrap_or_else(|| "statement".to_owned());
    Some(Undo {
        index,
        line: s.line,
        title,
        class: s.class(),
        rollback: s.rollback(),
        sql: if missing.is_some() { Vec::new() } else { sql },
        left_behind: left_behind && missing.is_some(),
        missing,
        plan,
    })
}

/// `kind` (operation `op` of statement `index`) is a `ModifyConstraint` whose
/// constraint a later operation of the migration adds again (the
/// classifier's reading of drop + re-add).
fn re_added_later(
    m: &AnalyzedMigration,
    index: usize,
    op: usize,
    kind: &migsafe_classify::ir::OpKind,
) -> bool {
    use migsafe_classify::ir::OpKind;
    let OpKind::ModifyConstraint { table, name } = kind else {
        return false;
    };
    m.file
        .statements
        .iter()
        .enumerate()
        .skip(index)
        .flat_map(|(si, s)| s.ops.iter().enumerate().map(move |(oi, o)| ((si, oi), o)))
        .filter(|(at, _)| *at > (index, op))
        .any(|(_, o)| {
            matches!(&o.kind, OpKind::AddConstraint { table: t, constraint, .. }
                if t.name == table.name && t.schema == table.schema && constraint.name.as_deref() == Some(name.as_str()))
        })
}

/// Applies `m` to `replayer` and returns the way back of each of its
/// statements. `also` sees each statement's schema too (the lock facts'
/// observer).
pub fn apply_and_derive<'a>(
    replayer: &mut Replayer<'a>,
    m: &'a AnalyzedMigration,
    also: &mut dyn FnMut(usize, &SchemaModel),
) -> Vec<Undo> {
    let input = MigrationInput {
        name: &m.source.name,
        path: &m.source.path,
        statements: &m.file.statements,
    };
    let mut out: Vec<Undo> = Vec::with_capacity(m.file.statements.len());
    // The schema before a DO block, until the next statement shows what the
    // block did: its conditions are the replay's to evaluate, so its undo is
    // the way from the schema after it back to the schema before it.
    let mut pending: Option<(usize, SchemaModel)> = None;
    let mut seen = 0;
    {
        let mut observe = |i: usize, model: &SchemaModel| {
            also(i, model);
            // A DO block's inner statements share the block's index: keep
            // the first view of each statement.
            if i >= seen {
                if let Some((at, before)) = pending.take() {
                    undo_block(&mut out[at], model, &before);
                }
                if let Some(u) = undo(m, i, model) {
                    if is_block(m, i) {
                        pending = Some((out.len(), model.clone()));
                    }
                    out.push(u);
                }
                seen = i + 1;
            }
        };
        replayer.apply_migration_observed(&input, &mut observe);
    }
    if let Some((at, before)) = pending.take() {
        let after = replayer.model().clone();
        undo_block(&mut out[at], &after, &before);
    }
    // Statements after one PostgreSQL refuses are never shown to the
    // observer: their way back is derived from the schema the replay stands
    // at (the migration did not apply).
    while seen < m.file.statements.len() {
        if let Some(u) = undo(m, seen, replayer.model()) {
            out.push(u);
        }
        seen += 1;
    }
    out
}

/// Statement `i` of `m` is a `DO` block (its operations run under the
/// block's conditions).
fn is_block(m: &AnalyzedMigration, i: usize) -> bool {
    m.file.statements.get(i).is_some_and(|s| {
        s.ops
            .iter()
            .any(|o| o.in_do.is_some() || matches!(o.kind, migsafe_classify::ir::OpKind::DoBlock))
    })
}

/// The undo of a `DO` block: the statements from the schema after it back
/// to the schema before it (what the block really did, conditions
/// evaluated), or no SQL when they cannot say all of it.
fn undo_block(u: &mut Undo, after: &SchemaModel, before: &SchemaModel) {
    if after == before {
        u.sql.clear();
        u.missing = None;
        u.left_behind = false;
        return;
    }
    let lines = migsafe_rollback::forward(after, before);
    if lines.iter().any(|l| l.starts_with("-- by hand")) {
        u.sql.clear();
        if u.missing.is_none() {
            u.missing = Some("what the DO block changed cannot all be written back in SQL");
        }
        return;
    }
    u.sql = lines.into_iter().filter(|l| !l.starts_with("--")).collect();
    u.missing = None;
    u.left_behind = false;
}

/// The down script of one migration as migsafe derives it, newest
/// statement first; the statements it cannot invert are comments that say
/// why (and carry the statement's `@rollback-plan`).
pub fn down_script(m: &AnalyzedMigration, undos: &[Undo]) -> String {
    let mut out = String::new();
    for u in undos.iter().rev() {
        if u.sql.is_empty() && u.missing.is_none() {
            continue;
        }
        out.push_str(&format!("-- undoes line {}: {}\n", u.line, u.title));
        if let Some(why) = u.missing.filter(|_| u.left_behind) {
            out.push_str(&format!(
                "-- LEFT BEHIND: {why}; the value stays, unused by the code of the last good state\n"
            ));
        } else if let Some(why) = u.missing {
            out.push_str(&format!(
                "-- CANNOT BE INVERTED: {why}; {}\n",
                match &u.plan {
                    Some(p) => format!("its rollback plan: {}", one_line(p)),
                    None => "it has no @rollback-plan".to_owned(),
                }
            ));
            let stmt = m
                .file
                .statements
                .get(u.index)
                .and_then(|s| m.text.get(s.span.clone()))
                .unwrap_or("");
            for l in stmt.lines() {
                out.push_str("--   ");
                out.push_str(&one_line(l));
                out.push('\n');
            }
        } else {
            if let Some(l) = u.loses_data() {
                out.push_str(&format!("-- LOSES DATA: {}\n", one_line(&l)));
            }
            for s in &u.sql {
                out.push_str(s);
                out.push('\n');
            }
        }
        out.push('\n');
    }
    out
}
