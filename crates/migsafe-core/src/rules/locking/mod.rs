//! Lock and performance rules. They concern safe (expand) statements, so
//! they are warnings by default; `[rules]` in `migsafe.toml` can raise them.
//!
//! They run over the whole history in order, on the schema the replay has
//! before each statement: what a statement locks, rewrites and scans is
//! [`migsafe_schema::locks`]' answer (checked against PostgreSQL by
//! `crates/migsafe-oracle/tests/locks.rs`), and a table is new when this
//! migration created it (a `CREATE TABLE IF NOT EXISTS` of a table that
//! existed does not make it new). A Prisma migration is one transaction:
//! every lock is held until the file ends.

mod add_column_rewrite;
mod adding_required_column;
mod concurrently_in_transaction;
mod constraint_builds_index;
mod constraint_missing_not_valid;
mod lock_held_during_slow_step;
mod missing_lock_timeout;
mod new_enum_value_used;
mod require_concurrent_index;
mod set_not_null_scan;
mod table_rewrite;
mod validate_in_same_transaction;
pub use add_column_rewrite::ADD_COLUMN_REWRITE;
pub use adding_required_column::ADDING_REQUIRED_COLUMN;
pub use concurrently_in_transaction::CONCURRENTLY_IN_TRANSACTION;
pub use constraint_builds_index::CONSTRAINT_BUILDS_INDEX;
pub use constraint_missing_not_valid::CONSTRAINT_MISSING_NOT_VALID;
pub use lock_held_during_slow_step::LOCK_HELD_DURING_SLOW_STEP;
pub use missing_lock_timeout::MISSING_LOCK_TIMEOUT;
pub use new_enum_value_used::NEW_ENUM_VALUE_USED;
pub use require_concurrent_index::REQUIRE_CONCURRENT_INDEX;
pub use set_not_null_scan::SET_NOT_NULL_SCAN;
pub use table_rewrite::TABLE_REWRITE;
pub use validate_in_same_transaction::VALIDATE_IN_SAME_TRANSACTION;

use std::collections::{HashMap, HashSet};

use migsafe_classify::ir::TxKind;
use migsafe_classify::{ObjName, OpKind, Statement};
use migsafe_schema::QualName;
use migsafe_schema::locks::{LockMode, TableLock, statement_and_operation_locks, statement_locks};
use migsafe_schema::replay::{MigrationInput, Replayer};

use crate::config::Config;
use crate::discover::Layout;
use crate::engine::{AnalyzedMigration, Sink};
use crate::report::Diagnostic;

/// The lock facts of every statement of every migration (`None` where
/// migsafe does not know them), and the lock rules' findings.
pub(crate) type HistoryLocks = Vec<Vec<Option<Vec<TableLock>>>>;

/// Replays the history in order and runs the lock rules on each migration,
/// with the schema as it stands before each statement.
/// What the replay showed of one migration: the lock facts of each
/// statement (and of each operation of a statement of several), and the
/// tables that existed before it.
#[derive(Clone, Debug, Default)]
pub(crate) struct Observed {
    locks: Vec<Option<Vec<TableLock>>>,
    op_locks: Vec<Vec<Option<Vec<TableLock>>>>,
    existing: HashSet<QualName>,
}

impl Observed {
    pub(crate) fn new(m: &AnalyzedMigration) -> Self {
        let n = m.file.statements.len();
        Self {
            locks: vec![None; n],
            op_locks: vec![Vec::new(); n],
            existing: HashSet::new(),
        }
    }

    /// What a [`Replayer`] observer sees before statement `i` of `m`.
    pub(crate) fn observe(
        &mut self,
        m: &AnalyzedMigration,
        i: usize,
        model: &migsafe_schema::SchemaModel,
        version: u32,
    ) {
        if i == 0 {
            // Only the relations this migration creates can be new: which
            // of them existed before it (`CREATE … IF NOT EXISTS`).
            self.existing =
                m.file
                    .statements
                    .iter()
                    .flat_map(|s| &s.ops)
                    .filter_map(|o| match &o.kind {
                        OpKind::CreateTable { table, .. }
                        | OpKind::CreateView { name: table, .. } => Some(qual(table)),
                        _ => None,
                    })
                    .filter(|t| model.tables.contains_key(t) || model.views.contains_key(t))
                    .collect();
        }
        let Some(s) = m.file.statements.get(i) else {
            return;
        };
        // A statement of several operations: each one's, merged (not
        // computed twice).
        if s.ops.len() > 1 {
            let (all, per_op) = statement_and_operation_locks(model, s, version);
            if let Some(slot) = self.locks.get_mut(i) {
                *slot = all;
            }
            if let Some(slot) = self.op_locks.get_mut(i) {
                *slot = per_op;
            }
        } else if let Some(slot) = self.locks.get_mut(i) {
            *slot = statement_locks(model, s, version);
        }
    }
}

/// Replays the history in order, watching each statement.
pub(crate) fn observe_history(migrations: &[AnalyzedMigration], config: &Config) -> Vec<Observed> {
    let mut replayer = Replayer::new();
    migrations
        .iter()
        .map(|m| {
            let mut o = Observed::new(m);
            replayer.apply_migration_observed(
                &MigrationInput {
                    name: &m.source.name,
                    path: &m.source.path,
                    statements: &m.file.statements,
                },
                &mut |i, model| o.observe(m, i, model, config.postgres_version),
            );
            o
        })
        .collect()
}

/// The lock rules on what a replay of the history showed (one [`Observed`]
/// per migration, in order).
pub(crate) fn check_observed(
    migrations: &[AnalyzedMigration],
    observed: Vec<Observed>,
    config: &Config,
) -> (HistoryLocks, Vec<Diagnostic>) {
    let mut all = Vec::with_capacity(migrations.len());
    let mut diags = Vec::new();
    for (m, o) in migrations.iter().zip(observed) {
        let stmts = &m.file.statements;
        let mut sink = Sink::new(config, &m.source.path, Some(&m.source.name));
        check_file(
            m,
            &o.locks,
            &o.op_locks,
            &o.existing,
            config.postgres_version,
            &mut sink,
        );
        // Each finding names the tables its statement holds blocking locks
        // on (for the table sizes of `--database-url`).
        for mut d in sink.out {
            if let Some(i) = stmts
                .iter()
                .position(|s| d.line.is_some_and(|l| s.line <= l && l <= s.end_line))
                && let Some(Some(lk)) = o.locks.get(i)
            {
                d.tables = lk
                    .iter()
                    .filter(|l| l.mode.blocks_writes() || l.scan || l.rewrite)
                    .map(|l| l.table.clone())
                    .collect();
            }
            diags.push(d);
        }
        all.push(o.locks);
    }
    (all, diags)
}

pub(super) use migsafe_schema::locks::{label, qual};

fn lock_on<'l>(locks: &'l [TableLock], t: &QualName) -> Option<&'l TableLock> {
    let l = label(t);
    locks.iter().find(|x| x.table == l)
}

/// What one transaction of a file has done so far.
#[derive(Default)]
pub(super) struct Tx {
    /// Tables it holds ACCESS EXCLUSIVE on, with the line that took it.
    pub(super) exclusive: HashMap<String, u32>,
    /// Constraints it added `NOT VALID`: (table, name).
    pub(super) not_valid: Vec<(QualName, String)>,
    /// Enum values it added: (type, value, line).
    pub(super) enum_values: Vec<(String, String, u32)>,
}

/// What a rule sees of one statement: the statement, what it locks, the
/// transaction so far, and which tables are new.
#[derive(Clone)]
pub(super) struct Step<'a> {
    pub(super) migration: &'a AnalyzedMigration,
    pub(super) statement: &'a Statement,
    /// The statement's index in its file.
    pub(super) index: usize,
    pub(super) locks: &'a [TableLock],
    /// The statement runs in a transaction with others (a Prisma file, or
    /// between `BEGIN` and `COMMIT`).
    pub(super) one_tx: bool,
    /// Between `BEGIN` and `COMMIT`.
    pub(super) in_tx: bool,
    pub(super) tx: &'a Tx,
    pub(super) version: u32,
    existing: &'a HashSet<QualName>,
    created: &'a HashMap<QualName, usize>,
    end: u32,
    /// The operation a per-operation rule looks at, when the statement has
    /// several and it knows where each is written.
    op_span: Option<std::ops::Range<usize>>,
    /// That operation's own locks, when the statement has several.
    op_locks: Option<&'a [TableLock]>,
}

impl Step<'_> {
    /// The table was created by this migration (by this statement or an
    /// earlier one), not only named by it.
    pub(super) fn is_new(&self, t: &QualName) -> bool {
        !self.existing.contains(t) && self.created.get(t).is_some_and(|&at| at <= self.index)
    }

    pub(super) fn is_new_label(&self, label: &str) -> bool {
        let (schema, name) = match label.split_once('.') {
            Some((s, n)) => (Some(s), n),
            None => (None, label),
        };
        self.is_new(&QualName::new(schema, name))
    }

    pub(super) fn existing(&self, t: &ObjName) -> bool {
        !self.is_new(&qual(t))
    }

    /// The lock the operation (the statement, when it does one thing) takes
    /// on `t`.
    pub(super) fn lock_on(&self, t: &ObjName) -> Option<&TableLock> {
        lock_on(self.op_locks.unwrap_or(self.locks), &qual(t))
    }

    /// A finding placed on the operation (an action of a multi-action
    /// `ALTER TABLE`), else on the statement's first line.
    pub(super) fn at(&self, d: Diagnostic) -> Diagnostic {
        let m = self.migration;
        if let Some(span) = &self.op_span {
            let lines = &m.file.split.lines;
            let (line, col) = lines.line_col(&m.text, span.start);
            let (end_line, end_col) = lines.line_col(&m.text, span.end);
            if end_line == line {
                return d.at(line, col).span_end(line, end_col);
            }
            let first = m.text.get(lines.line_range(&m.text, line)).unwrap_or("");
            return d
                .at(line, col)
                .span_end(line, first.trim_end().chars().count() as u32 + 1);
        }
        d.at(self.statement.line, self.statement.column)
            .span_end(self.statement.line, self.end)
    }
}

fn check_file(
    m: &AnalyzedMigration,
    locks: &[Option<Vec<TableLock>>],
    op_locks: &[Vec<Option<Vec<TableLock>>>],
    existing: &HashSet<QualName>,
    version: u32,
    sink: &mut Sink<'_>,
) {
    let stmts = &m.file.statements;
    // The tool runs the file as one transaction (dbmate unless the file
    // says `transaction:false`).
    let dbmate_no_tx = m.source.layout == Layout::Dbmate
        && m.text.lines().any(|l| {
            let l = l.trim_start();
            l.starts_with("--") && l.contains("migrate:up") && l.contains("transaction:false")
        });
    let prisma_multi = m.source.layout.one_transaction() && !dbmate_no_tx && stmts.len() > 1;
    // The first statement of this file that creates each table.
    let mut created: HashMap<QualName, usize> = HashMap::new();
    for (i, s) in stmts.iter().enumerate() {
        for op in &s.ops {
            if let OpKind::CreateTable { table, .. } | OpKind::CreateView { name: table, .. } =
                &op.kind
            {
                created.entry(qual(table)).or_insert(i);
            }
        }
    }
    let mut in_tx = false;
    let mut tx = Tx::default();
    let mut timeout_set = false;
    let mut timeout_reported = false;
    for (i, s) in stmts.iter().enumerate() {
        for op in &s.ops {
            match &op.kind {
                OpKind::Transaction {
                    kind: TxKind::Begin,
                } => {
                    in_tx = true;
                    tx = Tx::default();
                }
                OpKind::Transaction {
                    kind: TxKind::Commit | TxKind::Rollback,
                } => {
                    in_tx = false;
                    tx = Tx::default();
                }
                OpKind::Set { name } if name.eq_ignore_ascii_case("lock_timeout") => {
                    timeout_set = true;
                }
                _ => {}
            }
        }
        let Some(lk) = locks.get(i).and_then(Option::as_ref) else {
            continue;
        };
        let step = Step {
            migration: m,
            statement: s,
            index: i,
            locks: lk,
            one_tx: in_tx || prisma_multi,
            in_tx,
            tx: &tx,
            version,
            existing,
            created: &created,
            end: first_line_end(m, s),
            op_span: None,
            op_locks: None,
        };
        // Rules on the statement as a whole.
        lock_held_during_slow_step::check(&step, sink);
        if !timeout_set && !timeout_reported {
            timeout_reported = missing_lock_timeout::check(&step, sink);
        }
        new_enum_value_used::check(&step, sink);
        // Rules on each of its operations.
        for (k, op) in s.ops.iter().enumerate() {
            let step = Step {
                op_span: op.span.clone(),
                op_locks: op_locks
                    .get(i)
                    .and_then(|v| v.get(k))
                    .and_then(|l| l.as_deref()),
                ..step.clone()
            };
            require_concurrent_index::check(&step, &op.kind, sink);
            constraint_missing_not_valid::check(&step, &op.kind, sink);
            constraint_builds_index::check(&step, &op.kind, sink);
            validate_in_same_transaction::check(&step, &op.kind, sink);
            adding_required_column::check(&step, &op.kind, sink);
            add_column_rewrite::check(&step, &op.kind, sink);
            set_not_null_scan::check(&step, &op.kind, sink);
            table_rewrite::check(&step, &op.kind, sink);
            concurrently_in_transaction::check(&step, &op.kind, sink);
        }
        // What the transaction now holds: its `NOT VALID` constraints, its
        // new enum values, and its ACCESS EXCLUSIVE locks, to its end.
        for op in &s.ops {
            match &op.kind {
                OpKind::AddConstraint {
                    table,
                    constraint,
                    not_valid: true,
                } => {
                    if let Some(n) = &constraint.name {
                        tx.not_valid
                            .push((qual(table), migsafe_schema::names::truncate_identifier(n)));
                    }
                }
                OpKind::AddEnumValue { name, value, .. } => {
                    tx.enum_values
                        .push((name.to_string(), value.clone(), s.line));
                }
                _ => {}
            }
        }
        if in_tx || prisma_multi {
            for l in lk {
                if l.mode == LockMode::AccessExclusiveLock {
                    tx.exclusive.entry(l.table.clone()).or_insert(s.line);
                }
            }
        }
        // Tables this migration created hold no one's rows: not tracked.
        tx.exclusive.retain(|t, _| {
            let (schema, name) = match t.split_once('.') {
                Some((s, n)) => (Some(s), n),
                None => (None, t.as_str()),
            };
            let q = QualName::new(schema, name);
            existing.contains(&q) || created.get(&q).is_none_or(|&at| at > i + 1)
        });
    }
}

pub(super) fn rewrite_help(kind: &OpKind) -> &'static str {
    match kind {
        OpKind::AlterColumnType { .. } => {
            "add a column of the new type, backfill it in batches, switch the application to it, then drop the old one (several migrations)"
        }
        OpKind::Maintenance { .. } => {
            "use `REINDEX … CONCURRENTLY` for bloat, `pg_repack` to rewrite a table online, `REFRESH MATERIALIZED VIEW CONCURRENTLY` (with a unique index) for a view"
        }
        _ => "run it in a maintenance window, or rebuild the table online with `pg_repack`",
    }
}

/// The string literals of a statement, unquoted.
pub(super) fn string_literals(text: &str) -> Vec<String> {
    use migsafe_classify::lex::{TokenKind, lex};
    lex(text)
        .tokens
        .iter()
        .filter(|t| t.kind == TokenKind::String)
        .filter_map(|t| {
            let s = t.text(text);
            s.strip_prefix('\'')
                .and_then(|x| x.strip_suffix('\''))
                .map(|x| x.replace("''", "'"))
        })
        .collect()
}

/// The end column (exclusive, characters) of a statement's first line.
fn first_line_end(m: &AnalyzedMigration, s: &Statement) -> u32 {
    let r = m.file.split.lines.line_range(&m.text, s.line);
    let line = m.text.get(r).unwrap_or("");
    line.trim_end().chars().count() as u32 + 1
}
