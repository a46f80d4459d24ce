//! History rules: the database's record of applied migrations
//! (`_prisma_migrations`) against the migration files. They run with a
//! database URL (`--database-url`, `DATABASE_URL`, `migsafe status`).

mod checksum_mismatch;
mod failed_migration;
mod long_running_migration;
mod missing_migration_file;
mod pending_migration;
mod rolled_back_migration;
pub use checksum_mismatch::CHECKSUM_MISMATCH;
pub use failed_migration::FAILED_MIGRATION;
pub use long_running_migration::LONG_RUNNING_MIGRATION;
pub use missing_migration_file::MISSING_MIGRATION_FILE;
pub use pending_migration::PENDING_MIGRATION;
pub use rolled_back_migration::ROLLED_BACK_MIGRATION;

use super::Example;

const NOT_RUN: Example = Example {
    migrations: &[],
    config: "",
    checked: false,
};

/// The registry entry of a history finding's rule.
#[cfg(feature = "live")]
pub(crate) fn rule(id: migsafe_live::HistoryRuleId) -> &'static crate::rules::Rule {
    use migsafe_live::HistoryRuleId;
    match id {
        HistoryRuleId::ChecksumMismatch => &CHECKSUM_MISMATCH,
        HistoryRuleId::FailedMigration => &FAILED_MIGRATION,
        HistoryRuleId::MissingMigrationFile => &MISSING_MIGRATION_FILE,
        HistoryRuleId::PendingMigration => &PENDING_MIGRATION,
        HistoryRuleId::RolledBackMigration => &ROLLED_BACK_MIGRATION,
    }
}
