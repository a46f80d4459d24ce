//! Naming and file integrity.

mod duplicate_migration_timestamp;
mod empty_migration;
mod invalid_encoding;
mod invalid_migration_name;
mod no_migrations;
mod unparsable_statement;
mod unterminated_literal;
pub use duplicate_migration_timestamp::DUPLICATE_MIGRATION_TIMESTAMP;
pub use empty_migration::EMPTY_MIGRATION;
pub use invalid_encoding::INVALID_ENCODING;
pub use invalid_migration_name::INVALID_MIGRATION_NAME;
pub use no_migrations::NO_MIGRATIONS;
pub use unparsable_statement::UNPARSABLE_STATEMENT;
pub use unterminated_literal::UNTERMINATED_LITERAL;

use crate::config::Config;
use crate::engine::{AnalyzedMigration, FileCtx, Sink};
use crate::report::Diagnostic;

pub(crate) fn check_statements(ctx: &FileCtx<'_>, sink: &mut Sink<'_>) {
    empty_migration::check(ctx, sink);
    unterminated_literal::check(ctx, sink);
    unparsable_statement::check(ctx, sink);
}

/// Naming and duplicate timestamps, across migrations.
pub(crate) fn check_names(migrations: &[AnalyzedMigration], config: &Config) -> Vec<Diagnostic> {
    let mut out = invalid_migration_name::check(migrations, config);
    out.extend(duplicate_migration_timestamp::check(migrations, config));
    out
}
