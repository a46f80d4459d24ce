//! What a statement locks, rewrites and scans, judged as PostgreSQL judges
//! it from the schema before the statement.
//!
//! One entry per table (or view, materialized view) the statement locks:
//! the strongest mode it takes there, named as `pg_locks.mode` names it,
//! whether the table's storage is rewritten (a new `relfilenode`) and
//! whether all its rows are read. The integration test
//! `crates/migsafe-oracle/tests/locks.rs` runs every statement kind on a
//! PostgreSQL 15 table with rows and a foreign-key parent and compares
//! these facts with `pg_locks`, `relfilenode` and the table's
//! `seq_tup_read`; `docs/locks.md` is written from that run.
//!
//! `None` for a statement migsafe does not know (it claims nothing).

use std::collections::BTreeMap;

use migsafe_classify::ir::{ColumnSpec, ConstraintKind, OpKind, TableSource};
use migsafe_classify::{ObjName, Statement};
use serde::Serialize;

use crate::model::{DEFAULT_SCHEMA, QualName, SchemaModel};
use crate::names::truncate_identifier;

/// PostgreSQL's table lock modes, weakest first, named as `pg_locks.mode`
/// names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum LockMode {
    AccessShareLock,
    RowShareLock,
    RowExclusiveLock,
    ShareUpdateExclusiveLock,
    ShareLock,
    ShareRowExclusiveLock,
    ExclusiveLock,
    AccessExclusiveLock,
}

impl LockMode {
    /// The mode as SQL writes it (`LOCK TABLE … IN … MODE`).
    pub fn as_sql(self) -> &'static str {
        match self {
            LockMode::AccessShareLock => "ACCESS SHARE",
            LockMode::RowShareLock => "ROW SHARE",
            LockMode::RowExclusiveLock => "ROW EXCLUSIVE",
            LockMode::ShareUpdateExclusiveLock => "SHARE UPDATE EXCLUSIVE",
            LockMode::ShareLock => "SHARE",
            LockMode::ShareRowExclusiveLock => "SHARE ROW EXCLUSIVE",
            LockMode::ExclusiveLock => "EXCLUSIVE",
            LockMode::AccessExclusiveLock => "ACCESS EXCLUSIVE",
        }
    }

    /// The name `pg_locks.mode` gives it.
    pub fn pg_name(self) -> &'static str {
        match self {
            LockMode::AccessShareLock => "AccessShareLock",
            LockMode::RowShareLock => "RowShareLock",
            LockMode::RowExclusiveLock => "RowExclusiveLock",
            LockMode::ShareUpdateExclusiveLock => "ShareUpdateExclusiveLock",
            LockMode::ShareLock => "ShareLock",
            LockMode::ShareRowExclusiveLock => "ShareRowExclusiveLock",
            LockMode::ExclusiveLock => "ExclusiveLock",
            LockMode::AccessExclusiveLock => "AccessExclusiveLock",
        }
    }

    pub fn from_pg_name(s: &str) -> Option<LockMode> {
        Some(match s {
            "AccessShareLock" => LockMode::AccessShareLock,
            "RowShareLock" => LockMode::RowShareLock,
            "RowExclusiveLock" => LockMode::RowExclusiveLock,
            "ShareUpdateExclusiveLock" => LockMode::ShareUpdateExclusiveLock,
            "ShareLock" => LockMode::ShareLock,
            "ShareRowExclusiveLock" => LockMode::ShareRowExclusiveLock,
            "ExclusiveLock" => LockMode::ExclusiveLock,
            "AccessExclusiveLock" => LockMode::AccessExclusiveLock,
            _ => return None,
        })
    }

    /// Blocks `INSERT`, `UPDATE` and `DELETE`.
    pub fn blocks_writes(self) -> bool {
        self >= LockMode::ShareLock
    }

    /// Blocks `SELECT` too.
    pub fn blocks_reads(self) -> bool {
        self == LockMode::AccessExclusiveLock
    }
}

/// The lock a statement holds on one table, to the end of its transaction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TableLock {
    /// `name`, or `schema.name` outside `public`.
    pub table: String,
    pub mode: LockMode,
    /// The table's storage is rewritten.
    pub rewrite: bool,
    /// All its rows are read.
    pub scan: bool,
}

/// Collects locks, one entry per table, the strongest mode.
#[derive(Default)]
struct Locks(BTreeMap<QualName, (LockMode, bool, bool)>);

impl Locks {
    fn take(&mut self, t: QualName, mode: LockMode, rewrite: bool, scan: bool) {
        let e = self.0.entry(t).or_insert((mode, false, false));
        e.0 = e.0.max(mode);
        e.1 |= rewrite;
        e.2 |= scan;
    }

    fn into_vec(self) -> Vec<TableLock> {
        self.0
            .into_iter()
            .map(|(t, (mode, rewrite, scan))| TableLock {
                table: label(&t),
                mode,
                rewrite,
                scan,
            })
            .collect()
    }
}

/// The relation a statement names, as PostgreSQL resolves it: `public`
/// when unqualified, both parts truncated to 63 bytes.
pub fn qual(o: &ObjName) -> QualName {
    QualName {
        schema: truncate_identifier(o.schema.as_deref().unwrap_or(DEFAULT_SCHEMA)),
        name: truncate_identifier(&o.name),
    }
}

/// How `locks` names a table: `name`, or `schema.name` outside `public`.
pub fn label(t: &QualName) -> String {
    if t.schema == DEFAULT_SCHEMA {
        t.name.clone()
    } else {
        format!("{}.{}", t.schema, t.name)
    }
}

/// Functions that are volatile: a default calling one is evaluated for
/// every row (`ADD COLUMN` rewrites the table).
const VOLATILE_BUILTINS: &[&str] = &[
    "random",
    "gen_random_uuid",
    "uuid_generate_v1",
    "uuid_generate_v1mc",
    "uuid_generate_v4",
    "clock_timestamp",
    "timeofday",
    "nextval",
    "txid_current",
    "setseed",
];

/// True when the expression calls a volatile function: a builtin one, or a
/// function the schema defines as `VOLATILE` (the default) — unless it is
/// a `LANGUAGE sql` function PostgreSQL inlines, whose body then decides.
pub fn calls_volatile(model: &SchemaModel, expr: &str) -> bool {
    volatile_within(model, expr, 0)
}

fn volatile_within(model: &SchemaModel, expr: &str, depth: usize) -> bool {
    let lexed = migsafe_model::lex::lex(expr);
    let toks: Vec<_> = lexed
        .tokens
        .iter()
        .filter(|t| !t.kind.is_trivia())
        .collect();
    toks.windows(2).any(|w| {
        use migsafe_model::lex::TokenKind;
        if w[1].kind != TokenKind::LParen
            || !matches!(w[0].kind, TokenKind::Word | TokenKind::QuotedIdent)
        {
            return false;
        }
        let name = migsafe_model::lex::ident_value(w[0].kind, w[0].text(expr));
        VOLATILE_BUILTINS.contains(&name.as_str())
            || model.functions.values().any(|f| {
                f.name.name == name
                    && f.volatility
                        .as_deref()
                        .is_none_or(|v| v.eq_ignore_ascii_case("volatile"))
                    && match &f.sql_expression {
                        // Inlined: as volatile as its body (a chain of such
                        // functions is followed a few levels deep).
                        Some(body) if depth < 8 => volatile_within(model, body, depth + 1),
                        _ => true,
                    }
            })
    })
}

/// Whether changing a column from type `old` to `new` rewrites the table
/// (PostgreSQL skips the rewrite when the new type is binary coercible
/// from the old and the modifier does not shrink).
pub fn type_change_rewrites(old: &str, new: &str) -> bool {
    if old == new {
        return false;
    }
    if old.ends_with("[]") || new.ends_with("[]") {
        return true;
    }
    let split = |t: &str| -> (String, Option<Vec<u32>>) {
        match (t.find('('), t.find(')')) {
            (Some(o), Some(c)) if c > o => {
                let base = format!("{}{}", &t[..o], &t[c + 1..]);
                let mods = t[o + 1..c]
                    .split(',')
                    .map(|m| m.trim().parse::<u32>().unwrap_or(u32::MAX))
                    .collect();
                (base, Some(mods))
            }
            _ => (t.to_owned(), None),
        }
    };
    let (ob, om) = split(old);
    let (nb, nm) = split(new);
    // A modifier that does not shrink: none at all, or every part at
    // least as large, with the same scale for numeric.
    let widening = |numeric: bool| match (&om, &nm) {
        (_, None) => true,
        (None, Some(_)) => false,
        (Some(o), Some(n)) => {
            if numeric {
                o.len() == n.len()
                    && n.first() >= o.first()
                    && o.get(1).copied().unwrap_or(0) == n.get(1).copied().unwrap_or(0)
            } else {
                n.iter().zip(o.iter()).all(|(a, b)| a >= b)
            }
        }
    };
    match (ob.as_str(), nb.as_str()) {
        ("character varying", "character varying") | ("bit varying", "bit varying") => {
            !widening(false)
        }
        ("character varying", "text") => false,
        ("text", "character varying") => nm.is_some(),
        ("numeric", "numeric") => !widening(true),
        (
            o @ ("timestamp without time zone"
            | "timestamp with time zone"
            | "time without time zone"
            | "time with time zone"
            | "interval"),
            n,
        ) if o == n => !widening(false),
        ("cidr", "inet") => false,
        _ => true,
    }
}

/// The locks of one statement on the schema before it, for PostgreSQL
/// `version`; `None` when migsafe does not know what the statement locks.
pub fn statement_locks(
    model: &SchemaModel,
    stmt: &Statement,
    version: u32,
) -> Option<Vec<TableLock>> {
    statement_and_operation_locks(model, stmt, version).0
}

/// A statement's locks and each of its operations' own, computed once per
/// operation (`None` where not known).
pub fn statement_and_operation_locks(
    model: &SchemaModel,
    stmt: &Statement,
    version: u32,
) -> (Option<Vec<TableLock>>, Vec<Option<Vec<TableLock>>>) {
    let mut all = Some(Locks::default());
    let mut per_op = Vec::with_capacity(stmt.ops.len());
    for op in &stmt.ops {
        let mut own = Locks::default();
        if op_locks(model, &op.kind, version, &mut own).is_none() {
            all = None;
            per_op.push(None);
            continue;
        }
        if let Some(a) = all.as_mut() {
            for (t, (mode, rewrite, scan)) in &own.0 {
                a.take(t.clone(), *mode, *rewrite, *scan);
            }
        }
        per_op.push(Some(own.into_vec()));
    }
    (all.map(Locks::into_vec), per_op)
}

fn column_type<'m>(model: &'m SchemaModel, t: &QualName, col: &str) -> Option<&'m str> {
    model
        .tables
        .get(t)?
        .column(&truncate_identifier(col))
        .map(|c| c.ty.as_str())
}

/// The tables `t`'s foreign keys reference (those on column `col`, when
/// given).
fn parents(model: &SchemaModel, t: &QualName, col: Option<&str>) -> Vec<QualName> {
    model
        .tables
        .get(t)
        .map(|tab| {
            tab.foreign_keys
                .iter()
                .filter(|f| col.is_none_or(|c| f.columns.iter().any(|x| x == c)))
                .map(|f| f.referenced_table.clone())
                .collect()
        })
        .unwrap_or_default()
}

/// The tables whose foreign keys reference `t` (on `cols`, when given).
fn children(model: &SchemaModel, t: &QualName, cols: Option<&[String]>) -> Vec<QualName> {
    model
        .tables
        .values()
        .filter(|o| {
            o.foreign_keys.iter().any(|f| {
                f.referenced_table == *t
                    && cols.is_none_or(|c| f.referenced_columns.iter().any(|r| c.contains(r)))
            })
        })
        .map(|o| o.name.clone())
        .collect()
}

fn op_locks(model: &SchemaModel, op: &OpKind, version: u32, locks: &mut Locks) -> Option<()> {
    use LockMode::*;
    let exists = |t: &QualName| model.tables.contains_key(t) || model.views.contains_key(t);
    match op {
        OpKind::CreateTable {
            table,
            if_not_exists,
            columns,
            constraints,
            source,
            temporary,
            ..
        } => {
            let t = qual(table);
            if exists(&t) && *if_not_exists {
                return Some(());
            }
            if !*temporary {
                locks.take(t.clone(), AccessExclusiveLock, false, false);
            }
            let fk_parents = columns
                .iter()
                .filter_map(|c| c.references.as_ref().map(|f| &f.table))
                .chain(constraints.iter().filter_map(|c| match &c.kind {
                    ConstraintKind::ForeignKey(f) => Some(&f.table),
                    _ => None,
                }));
            for p in fk_parents {
                let p = qual(p);
                if p != t {
                    locks.take(p, ShareRowExclusiveLock, false, false);
                }
            }
            match source {
                Some(TableSource::Like { table, .. }) => {
                    locks.take(qual(table), AccessShareLock, false, false);
                }
                Some(TableSource::Query { from, .. }) => {
                    locks.take(qual(from), AccessShareLock, false, true);
                }
                Some(TableSource::PartitionOf { parent }) => {
                    locks.take(qual(parent), AccessExclusiveLock, false, false);
                }
                None => {}
            }
        }
        OpKind::DropTable {
            tables, cascade, ..
        } => {
            for t in tables {
                let t = qual(t);
                let Some(tab) = model.tables.get(&t) else {
                    continue;
                };
                locks.take(t.clone(), AccessExclusiveLock, false, false);
                for f in &tab.foreign_keys {
                    locks.take(
                        f.referenced_table.clone(),
                        AccessExclusiveLock,
                        false,
                        false,
                    );
                }
                if *cascade {
                    for c in children(model, &t, None) {
                        locks.take(c, AccessExclusiveLock, false, false);
                    }
                    for v in dependent_views(model, &t, None) {
                        locks.take(v, AccessExclusiveLock, false, false);
                    }
                }
            }
        }
        OpKind::RenameTable { table, .. } | OpKind::SetTableSchema { table, .. } => {
            locks.take(qual(table), AccessExclusiveLock, false, false);
        }
        OpKind::AddColumn { table, column, .. } => {
            add_column(model, &qual(table), column, version, locks);
        }
        OpKind::DropColumn {
            table,
            column,
            cascade,
            ..
        } => {
            let t = qual(table);
            let col = truncate_identifier(column);
            locks.take(t.clone(), AccessExclusiveLock, false, false);
            for p in parents(model, &t, Some(&col)) {
                locks.take(p, AccessExclusiveLock, false, false);
            }
            if *cascade {
                for c in children(model, &t, Some(std::slice::from_ref(&col))) {
                    locks.take(c, AccessExclusiveLock, false, false);
                }
                for v in dependent_views(model, &t, Some(&col)) {
                    locks.take(v, AccessExclusiveLock, false, false);
                }
            }
        }
        OpKind::RenameColumn { table, .. }
        | OpKind::DropNotNull { table, .. }
        | OpKind::SetDefault { table, .. }
        | OpKind::DropDefault { table, .. }
        | OpKind::RenameConstraint { table, .. }
        | OpKind::ModifyConstraint { table, .. } => {
            locks.take(qual(table), AccessExclusiveLock, false, false);
        }
        OpKind::AlterColumnType {
            table,
            column,
            data_type,
            using,
            ..
        } => {
            let t = qual(table);
            let new = crate::types::normalize_type(data_type);
            let rewrite = using.is_some()
                || column_type(model, &t, column)
                    .is_none_or(|old| type_change_rewrites(old, new.as_str()));
            // The foreign keys on the column are dropped and added again:
            // their other table is locked too.
            let col = truncate_identifier(column);
            for p in parents(model, &t, Some(&col)) {
                locks.take(p, AccessExclusiveLock, false, false);
            }
            for c in children(model, &t, Some(std::slice::from_ref(&col))) {
                locks.take(c, AccessExclusiveLock, false, false);
            }
            locks.take(t, AccessExclusiveLock, rewrite, rewrite);
        }
        OpKind::SetNotNull { table, column } => {
            let t = qual(table);
            let col = truncate_identifier(column);
            // A validated `CHECK (col IS NOT NULL)` proves it without a
            // scan from PostgreSQL 12 on.
            let proven = version >= 12
                && model.tables.get(&t).is_some_and(|tab| {
                    tab.checks.iter().any(|c| {
                        c.validated != Some(false)
                            && crate::types::normalize_expression(&format!(
                                "{} IS NOT NULL",
                                quote(&col)
                            )) == c.expr
                    })
                });
            locks.take(t, AccessExclusiveLock, false, !proven);
        }
        OpKind::AlterColumnOther { table, what, .. } => {
            let w = what.to_ascii_uppercase();
            let mode = if w.starts_with("SET STATISTICS") {
                ShareUpdateExclusiveLock
            } else {
                AccessExclusiveLock
            };
            locks.take(qual(table), mode, false, false);
        }
        OpKind::AddConstraint {
            table,
            constraint,
            not_valid,
        } => {
            let t = qual(table);
            match &constraint.kind {
                ConstraintKind::ForeignKey(f) => {
                    locks.take(t.clone(), ShareRowExclusiveLock, false, !not_valid);
                    let p = qual(&f.table);
                    locks.take(p, ShareRowExclusiveLock, false, false);
                }
                ConstraintKind::Check { .. } => {
                    locks.take(t, AccessExclusiveLock, false, !not_valid);
                }
                ConstraintKind::UsingIndex { .. } => {
                    locks.take(t, AccessExclusiveLock, false, false);
                }
                _ => locks.take(t, AccessExclusiveLock, false, true),
            }
        }
        OpKind::ValidateConstraint { table, name } => {
            let t = qual(table);
            let n = truncate_identifier(name);
            let tab = model.tables.get(&t);
            let fk = tab.and_then(|x| {
                x.foreign_keys
                    .iter()
                    .find(|f| f.name.as_deref() == Some(&n))
            });
            let check = tab.and_then(|x| x.checks.iter().find(|c| c.name.as_deref() == Some(&n)));
            let unvalidated = fk.is_some_and(|f| f.characteristics.is_some_and(|c| !c.validated))
                || check.is_some_and(|c| c.validated == Some(false));
            locks.take(t, ShareUpdateExclusiveLock, false, unvalidated);
            if let Some(f) = fk
                && unvalidated
            {
                locks.take(f.referenced_table.clone(), RowShareLock, false, false);
            }
        }
        OpKind::DropConstraint {
            table,
            name,
            cascade,
            ..
        } => {
            let t = qual(table);
            let n = truncate_identifier(name);
            locks.take(t.clone(), AccessExclusiveLock, false, false);
            if let Some(tab) = model.tables.get(&t) {
                if let Some(f) = tab
                    .foreign_keys
                    .iter()
                    .find(|f| f.name.as_deref() == Some(&n))
                {
                    locks.take(
                        f.referenced_table.clone(),
                        AccessExclusiveLock,
                        false,
                        false,
                    );
                }
                let key_cols = tab
                    .primary_key
                    .as_ref()
                    .filter(|k| k.name.as_deref() == Some(&n))
                    .map(|k| k.columns.clone())
                    .or_else(|| {
                        tab.indexes
                            .iter()
                            .find(|i| i.name == n && i.constraint)
                            .map(|i| i.columns.iter().map(|c| c.expr.clone()).collect())
                    });
                if let (Some(cols), true) = (key_cols, *cascade) {
                    for c in children(model, &t, Some(&cols)) {
                        locks.take(c, AccessExclusiveLock, false, false);
                    }
                }
            }
        }
        OpKind::CreateIndex {
            table,
            concurrently,
            if_not_exists,
            name,
            ..
        } => {
            // `IF NOT EXISTS` locks the table before it finds the name
            // taken (and then builds nothing).
            let t = qual(table);
            let taken = *if_not_exists
                && name.as_deref().is_some_and(|n| {
                    let n = truncate_identifier(n);
                    model.tables.values().any(|x| {
                        x.name.schema == t.schema
                            && (x.index(&n).is_some()
                                || x.primary_key
                                    .as_ref()
                                    .is_some_and(|k| k.name.as_deref() == Some(&n)))
                    })
                });
            let mode = if *concurrently {
                ShareUpdateExclusiveLock
            } else {
                ShareLock
            };
            locks.take(t, mode, false, !taken);
        }
        OpKind::DropIndex {
            names,
            concurrently,
            ..
        } => {
            for n in names {
                if let Some(t) = index_table(model, n) {
                    let mode = if *concurrently {
                        ShareUpdateExclusiveLock
                    } else {
                        AccessExclusiveLock
                    };
                    locks.take(t, mode, false, false);
                }
            }
        }
        OpKind::RenameIndex { .. } => {}
        OpKind::CreateTrigger { table, .. } => {
            locks.take(qual(table), ShareRowExclusiveLock, false, false);
        }
        OpKind::DropTrigger { table, .. } => {
            if let Some(t) = table {
                locks.take(qual(t), AccessExclusiveLock, false, false);
            }
        }
        OpKind::CreateView {
            name,
            materialized,
            references,
            ..
        } => {
            let v = qual(name);
            locks.take(v.clone(), AccessExclusiveLock, false, false);
            for r in references {
                let r = QualName {
                    schema: DEFAULT_SCHEMA.to_owned(),
                    name: truncate_identifier(r),
                };
                if r != v && exists(&r) {
                    locks.take(r, AccessShareLock, false, *materialized);
                }
            }
        }
        OpKind::DropView { names, .. } => {
            // Views on it go with it (`CASCADE`; without it PostgreSQL
            // refuses).
            for n in names {
                let v = qual(n);
                if model.views.contains_key(&v) {
                    for d in dependent_views(model, &v, None) {
                        locks.take(d, AccessExclusiveLock, false, false);
                    }
                    locks.take(v, AccessExclusiveLock, false, false);
                }
            }
        }
        OpKind::Truncate { tables } => {
            for t in tables {
                locks.take(qual(t), AccessExclusiveLock, true, false);
            }
        }
        OpKind::Insert { table } => {
            if let Some(t) = table {
                locks.take(qual(t), RowExclusiveLock, false, false);
            }
        }
        OpKind::Update {
            table, has_where, ..
        }
        | OpKind::Delete { table, has_where } => {
            if let Some(t) = table {
                locks.take(qual(t), RowExclusiveLock, false, !has_where);
            }
        }
        OpKind::Lock { tables } => {
            // The mode is not in the IR: the default, ACCESS EXCLUSIVE,
            // unless the statement says otherwise (not known here).
            let _ = tables;
            return None;
        }
        OpKind::Comment { table } => {
            if let Some(t) = table {
                locks.take(qual(t), ShareUpdateExclusiveLock, false, false);
            }
        }
        OpKind::Maintenance {
            what,
            target,
            concurrently,
            full,
        } => {
            let w = what.to_ascii_uppercase();
            let Some(target) = target else {
                return None;
            };
            if w.starts_with("REINDEX") {
                let t = if w.contains("INDEX") && !w.contains("TABLE") {
                    index_table(model, target)?
                } else {
                    qual(target)
                };
                let mode = if *concurrently {
                    ShareUpdateExclusiveLock
                } else {
                    ShareLock
                };
                locks.take(t, mode, false, true);
            } else if w.starts_with("VACUUM") {
                if *full {
                    locks.take(qual(target), AccessExclusiveLock, true, true);
                } else {
                    locks.take(qual(target), ShareUpdateExclusiveLock, false, true);
                }
            } else if w.starts_with("CLUSTER") {
                locks.take(qual(target), AccessExclusiveLock, true, true);
            } else if w.starts_with("ANALY") {
                locks.take(qual(target), ShareUpdateExclusiveLock, false, false);
            } else if w.starts_with("REFRESH") {
                let mode = if *concurrently {
                    ExclusiveLock
                } else {
                    AccessExclusiveLock
                };
                let m = qual(target);
                // The query reads its relations in full.
                for r in sources(model, &m) {
                    locks.take(r, AccessShareLock, false, true);
                }
                locks.take(m, mode, !*concurrently, false);
            } else {
                return None;
            }
        }
        OpKind::TableSetting { table, what } => {
            let w = what.to_ascii_uppercase();
            let t = qual(table);
            if w == "SET" || w == "RESET" {
                // `SET (storage_parameter = …)`.
                locks.take(t, ShareUpdateExclusiveLock, false, false);
            } else if w.starts_with("SET UNLOGGED")
                || w.starts_with("SET LOGGED")
                || w.starts_with("SET TABLESPACE")
            {
                locks.take(t, AccessExclusiveLock, true, true);
            } else if w.starts_with("ENABLE TRIGGER")
                || w.starts_with("DISABLE TRIGGER")
                || w.starts_with("ENABLE ALWAYS")
                || w.starts_with("ENABLE REPLICA")
            {
                locks.take(t, ShareRowExclusiveLock, false, false);
            } else if w.starts_with("SET (")
                || w.starts_with("RESET (")
                || w.starts_with("SET WITHOUT CLUSTER")
                || w.starts_with("CLUSTER ON")
            {
                locks.take(t, ShareUpdateExclusiveLock, false, false);
            } else {
                locks.take(t, AccessExclusiveLock, false, false);
            }
        }
        OpKind::AttachPartition { table, partition } => {
            locks.take(qual(table), ShareUpdateExclusiveLock, false, false);
            locks.take(qual(partition), AccessExclusiveLock, false, true);
        }
        OpKind::DetachPartition {
            table,
            partition,
            concurrently,
        } => {
            let mode = if *concurrently {
                ShareUpdateExclusiveLock
            } else {
                AccessExclusiveLock
            };
            locks.take(qual(table), mode, false, false);
            locks.take(qual(partition), mode, false, false);
        }
        OpKind::DropType { names, cascade, .. } => {
            if *cascade {
                for n in names {
                    let ty = qual(n);
                    for tab in model.tables.values() {
                        if tab.columns.iter().any(|c| {
                            c.ty.user_type().is_some_and(|(s, name)| {
                                name == ty.name
                                    && s.as_deref().unwrap_or(DEFAULT_SCHEMA) == ty.schema
                            })
                        }) {
                            locks.take(tab.name.clone(), AccessExclusiveLock, false, false);
                        }
                    }
                }
            }
        }
        OpKind::CreateEnum { .. }
        | OpKind::CreateType { .. }
        | OpKind::AddEnumValue { .. }
        | OpKind::RenameEnumValue { .. }
        | OpKind::RenameType { .. }
        | OpKind::CreateSchema { .. }
        | OpKind::CreateExtension { .. }
        | OpKind::CreateFunction { .. }
        | OpKind::CreateSequence { .. }
        | OpKind::AlterSequence { .. }
        | OpKind::DropSequence { .. }
        | OpKind::Select
        | OpKind::Transaction { .. }
        | OpKind::Set { .. }
        | OpKind::Grant
        | OpKind::Revoke
        | OpKind::DoBlock => {}
        OpKind::DropSchema { .. }
        | OpKind::DropExtension { .. }
        | OpKind::DropFunction { .. }
        | OpKind::Other { .. } => return None,
    }
    Some(())
}

fn add_column(model: &SchemaModel, t: &QualName, c: &ColumnSpec, version: u32, locks: &mut Locks) {
    use LockMode::*;
    let serial = crate::types::is_serial(&c.data_type);
    let volatile = c
        .default
        .as_deref()
        .is_some_and(|d| calls_volatile(model, d));
    let rewrite = serial
        || volatile
        || c.identity
        || c.generated.is_some()
        || (version < 11 && c.default.is_some());
    // A new column's foreign key is checked only when the column gets a
    // value (a default).
    let scan = rewrite
        || c.check.is_some()
        || c.unique
        || c.primary_key
        || (c.references.is_some() && c.default.is_some());
    locks.take(t.clone(), AccessExclusiveLock, rewrite, scan);
    if let Some(f) = &c.references {
        let p = qual(&f.table);
        if p != *t {
            locks.take(p, ShareRowExclusiveLock, false, false);
        }
    }
}

/// The tables and views a view's query names.
fn sources(model: &SchemaModel, view: &QualName) -> Vec<QualName> {
    let Some(v) = model.views.get(view) else {
        return Vec::new();
    };
    v.references
        .iter()
        .map(|r| QualName {
            schema: view.schema.clone(),
            name: r.clone(),
        })
        .filter(|r| r != view && (model.tables.contains_key(r) || model.views.contains_key(r)))
        .collect()
}

/// The views that go with `t` (with its column `col`): those whose query
/// names it, and the views on those, as `DROP … CASCADE` takes them.
fn dependent_views(model: &SchemaModel, t: &QualName, col: Option<&str>) -> Vec<QualName> {
    let mut out: Vec<QualName> = Vec::new();
    let mut todo = vec![(t.clone(), col)];
    while let Some((rel, col)) = todo.pop() {
        for v in model.views.values() {
            if out.contains(&v.name) || v.name == *t {
                continue;
            }
            let names_it = v.references.contains(&rel.name)
                && col.is_none_or(|c| v.references.iter().any(|r| r == c));
            if names_it {
                out.push(v.name.clone());
                todo.push((v.name.clone(), None));
            }
        }
    }
    out
}

/// The table of an index, from the schema.
fn index_table(model: &SchemaModel, index: &ObjName) -> Option<QualName> {
    let n = truncate_identifier(&index.name);
    let schema = index.schema.as_deref().map(truncate_identifier);
    model
        .tables
        .values()
        .find(|t| {
            schema.as_deref().is_none_or(|s| t.name.schema == s)
                && (t.index(&n).is_some()
                    || t.primary_key
                        .as_ref()
                        .is_some_and(|k| k.name.as_deref() == Some(&n)))
        })
        .map(|t| t.name.clone())
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_changes_that_rewrite() {
        let n = |t: &str| crate::types::normalize_type(t).as_str().to_owned();
        for (old, new, rewrite) in [
            ("varchar(10)", "varchar(20)", false),
            ("varchar(20)", "varchar(10)", true),
            ("varchar(10)", "text", false),
            ("varchar", "text", false),
            ("text", "varchar(20)", true),
            ("text", "varchar", false),
            ("numeric(10,2)", "numeric(12,2)", false),
            ("numeric(10,2)", "numeric(12,3)", true),
            ("numeric(10,2)", "numeric", false),
            ("numeric", "numeric(10,2)", true),
            ("integer", "bigint", true),
            ("timestamp(3)", "timestamp(6)", false),
            ("timestamp(6)", "timestamp(3)", true),
            ("integer", "integer", false),
        ] {
            assert_eq!(
                type_change_rewrites(&n(old), &n(new)),
                rewrite,
                "{old} -> {new}"
            );
        }
    }
}
