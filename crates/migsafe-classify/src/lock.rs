//! Lock facts: which lock an operation takes on its table, and whether it
//! rewrites or scans the table while holding it (PostgreSQL 11 and later).

use serde::Serialize;

use crate::ir::{ConstraintKind, OpKind};

/// PostgreSQL's table lock modes, weakest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LockLevel {
    None,
    AccessShare,
    RowExclusive,
    ShareUpdateExclusive,
    Share,
    ShareRowExclusive,
    AccessExclusive,
}

impl LockLevel {
    pub fn as_sql(self) -> &'static str {
        match self {
            LockLevel::None => "no lock",
            LockLevel::AccessShare => "ACCESS SHARE",
            LockLevel::RowExclusive => "ROW EXCLUSIVE",
            LockLevel::ShareUpdateExclusive => "SHARE UPDATE EXCLUSIVE",
            LockLevel::Share => "SHARE",
            LockLevel::ShareRowExclusive => "SHARE ROW EXCLUSIVE",
            LockLevel::AccessExclusive => "ACCESS EXCLUSIVE",
        }
    }

    /// Blocks writes (`INSERT`/`UPDATE`/`DELETE`).
    pub fn blocks_writes(self) -> bool {
        self >= LockLevel::Share
    }

    /// Blocks reads too.
    pub fn blocks_reads(self) -> bool {
        self == LockLevel::AccessExclusive
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct LockFacts {
    pub lock: LockLevel,
    /// The whole table is rewritten while the lock is held.
    pub rewrites_table: bool,
    /// The whole table is read while the lock is held.
    pub scans_table: bool,
}

impl LockFacts {
    const fn new(lock: LockLevel, rewrites_table: bool, scans_table: bool) -> Self {
        Self {
            lock,
            rewrites_table,
            scans_table,
        }
    }
}

/// Functions whose call in a column default makes `ADD COLUMN` rewrite the
/// table (PostgreSQL only stores a default without a rewrite when it is not
/// volatile).
const VOLATILE: &[&str] = &[
    "random(",
    "gen_random_uuid(",
    "uuid_generate_v4(",
    "uuid_generate_v1(",
    "clock_timestamp(",
    "timeofday(",
    "nextval(",
];

/// True for a default expression that is volatile (evaluated per row).
pub fn is_volatile_default(expr: &str) -> bool {
    let e = expr.to_ascii_lowercase().replace(' ', "");
    VOLATILE.iter().any(|f| e.contains(f))
}

pub fn lock_facts(op: &OpKind) -> LockFacts {
    use LockLevel::*;
    match op {
        OpKind::CreateIndex {
            concurrently: true, ..
        } => LockFacts::new(ShareUpdateExclusive, false, true),
        OpKind::CreateIndex { .. } => LockFacts::new(Share, false, true),
        OpKind::DropIndex {
            concurrently: true, ..
        } => LockFacts::new(ShareUpdateExclusive, false, false),
        OpKind::AddColumn { column, .. } => {
            let serial = crate::lock::is_serial_type(&column.data_type);
            let volatile = column.default.as_deref().is_some_and(is_volatile_default);
            LockFacts::new(
                AccessExclusive,
                serial || volatile || column.generated.is_some() || column.identity,
                column.not_null || column.check.is_some(),
            )
        }
        OpKind::AlterColumnType { .. } => LockFacts::new(AccessExclusive, true, true),
        OpKind::SetNotNull { .. } => LockFacts::new(AccessExclusive, false, true),
        OpKind::AddConstraint {
            constraint,
            not_valid,
            ..
        } => match &constraint.kind {
            ConstraintKind::ForeignKey(_) => LockFacts::new(ShareRowExclusive, false, !not_valid),
            ConstraintKind::Check { .. } => LockFacts::new(AccessExclusive, false, !not_valid),
            ConstraintKind::UsingIndex { .. } => LockFacts::new(AccessExclusive, false, false),
            _ => LockFacts::new(AccessExclusive, false, true),
        },
        OpKind::ValidateConstraint { .. } => LockFacts::new(ShareUpdateExclusive, false, true),
        OpKind::CreateTable { .. }
        | OpKind::CreateEnum { .. }
        | OpKind::CreateType { .. }
        | OpKind::CreateSchema { .. }
        | OpKind::CreateExtension { .. }
        | OpKind::CreateView { .. }
        | OpKind::CreateFunction { .. }
        | OpKind::CreateSequence { .. }
        | OpKind::AddEnumValue { .. }
        | OpKind::Select
        | OpKind::Transaction { .. }
        | OpKind::Set { .. }
        | OpKind::Comment { .. }
        | OpKind::Grant
        | OpKind::Revoke
        | OpKind::DoBlock => LockFacts::new(None, false, false),
        OpKind::Insert { .. } | OpKind::Update { .. } | OpKind::Delete { .. } => {
            LockFacts::new(RowExclusive, false, false)
        }
        OpKind::CreateTrigger { .. } => LockFacts::new(ShareRowExclusive, false, false),
        OpKind::AttachPartition { .. } => LockFacts::new(ShareUpdateExclusive, false, true),
        _ => LockFacts::new(AccessExclusive, false, false),
    }
}

/// `SERIAL`, `BIGSERIAL`, `SMALLSERIAL` and aliases.
pub fn is_serial_type(ty: &str) -> bool {
    matches!(
        ty.trim().to_ascii_lowercase().as_str(),
        "serial" | "serial4" | "bigserial" | "serial8" | "smallserial" | "serial2"
    )
}
