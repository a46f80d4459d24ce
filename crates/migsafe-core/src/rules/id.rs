//! Rule identities: one enum, so that every match over rules is
//! exhaustive and no id can fall back silently to another rule.

use std::fmt;

use serde::Serialize;

macro_rules! rule_ids {
    ($($variant:ident => $id:literal,)*) => {
        /// A rule's identity. It prints (and serializes) as its id,
        /// `missing-override`.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum RuleId {
            $($variant,)*
        }

        impl RuleId {
            /// Every rule id.
            pub const ALL: &'static [RuleId] = &[$(RuleId::$variant,)*];

            /// The id as users write it: `missing-override`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(RuleId::$variant => $id,)*
                }
            }

            /// The rule of an id; `None` for an id no rule has.
            pub fn parse(id: &str) -> Option<RuleId> {
                match id {
                    $($id => Some(RuleId::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

rule_ids! {
    UnknownAnnotation => "unknown-annotation",
    InvalidAnnotation => "invalid-annotation",
    SchemaDrift => "schema-drift",
    ReplayFailed => "replay-failed",
    OutsideHistory => "outside-history",
    UnevaluableGuard => "unevaluable-guard",
    PrismaSchemaInvalid => "prisma-schema-invalid",
    ProviderMismatch => "provider-mismatch",
    ClientOutdated => "client-outdated",
    ChecksumMismatch => "checksum-mismatch",
    FailedMigration => "failed-migration",
    MissingMigrationFile => "missing-migration-file",
    PendingMigration => "pending-migration",
    RolledBackMigration => "rolled-back-migration",
    LongRunningMigration => "long-running-migration",
    InvalidMigrationName => "invalid-migration-name",
    DuplicateMigrationTimestamp => "duplicate-migration-timestamp",
    EmptyMigration => "empty-migration",
    InvalidEncoding => "invalid-encoding",
    UnterminatedLiteral => "unterminated-literal",
    UnparsableStatement => "unparsable-statement",
    NoMigrations => "no-migrations",
    RequireConcurrentIndex => "require-concurrent-index",
    ConstraintMissingNotValid => "constraint-missing-not-valid",
    AddingRequiredColumn => "adding-required-column",
    AddColumnRewrite => "add-column-rewrite",
    SetNotNullScan => "set-not-null-scan",
    ConcurrentlyInTransaction => "concurrently-in-transaction",
    ValidateInSameTransaction => "validate-in-same-transaction",
    LockHeldDuringSlowStep => "lock-held-during-slow-step",
    MissingLockTimeout => "missing-lock-timeout",
    ConstraintBuildsIndex => "constraint-builds-index",
    TableRewrite => "table-rewrite",
    NewEnumValueUsed => "new-enum-value-used",
    MissingRollbackPath => "missing-rollback-path",
    ComplexRollback => "complex-rollback",
    DownScriptMismatch => "down-script-mismatch",
    MissingOverride => "missing-override",
    MissingRollbackPlan => "missing-rollback-plan",
    MissingApproval => "missing-approval",
    UnusedOverride => "unused-override",
    UnusedIgnore => "unused-ignore",
    EditedMigration => "edited-migration",
    OutOfOrderMigration => "out-of-order-migration",
}

impl fmt::Display for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl Serialize for RuleId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl PartialEq<str> for RuleId {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for RuleId {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<RuleId> for &str {
    fn eq(&self, other: &RuleId) -> bool {
        *self == other.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_id_parses_back() {
        for r in RuleId::ALL {
            assert_eq!(RuleId::parse(r.as_str()), Some(*r));
        }
        assert_eq!(RuleId::parse("no-such-rule"), None);
    }
}
