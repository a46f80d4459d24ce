//! Read-only access to a live PostgreSQL database.
//!
//! - [`connect`] opens a session from a `postgres://` or `postgresql://`
//!   URL (`DATABASE_URL` style, Prisma's extra parameters accepted), with
//!   TLS as `sslmode` asks (see [`SslMode`]), a connect timeout and
//!   `application_name=migsafe`.
//! - [`Connection::introspect`] reads the schema from `pg_catalog` into the
//!   same [`SchemaModel`](migsafe_model::SchemaModel) that the Prisma
//!   schema and the replayed migrations produce, so that
//!   [`migsafe_model::diff::diff`] between them is drift.
//! - [`Connection::prisma_history`] reads Prisma's `_prisma_migrations`;
//!   [`check_history`] compares it with the local migration files
//!   (`checksum-mismatch`, `failed-migration`, `missing-migration-file`,
//!   `pending-migration`, `rolled-back-migration`) and [`metrics`] sums it
//!   up for `migsafe status`.
//!
//! **migsafe never writes to a database** it did not create. The session
//! starts with `default_transaction_read_only=on`, and every query runs in
//! its own `READ ONLY` transaction that is rolled back. The one exception
//! is [`create_scratch`] (`migsafe rollback verify`): a database migsafe
//! creates on the server it is given, runs scripts in, and drops.
//!
//! **A password never appears in an error.** Every message names the
//! database by [`redact`]ed URL, and driver messages are scrubbed of the
//! password.

#![warn(missing_docs)]

mod conn;
mod history;
mod introspect;
mod metrics;
mod scratch;
mod timestamp;
mod tls;
mod url;

pub use conn::{Connection, LiveError, connect};
pub use history::{
    AppliedMigration, CHECKSUM_MISMATCH, FAILED_MIGRATION, Finding, HISTORY_RULES, HistoryRule,
    HistoryRuleId, LocalMigration, MISSING_MIGRATION_FILE, PENDING_MIGRATION,
    ROLLED_BACK_MIGRATION, Severity, check_history, checksum, checksum_matches,
};
pub use introspect::{normalize_catalog_default, normalize_catalog_expression};
pub use metrics::{DEFAULT_LONG_RUNNING_MS, Durations, LastApplied, LongRunning, Metrics, metrics};
pub use scratch::{SCRATCH_COMMENT, SCRATCH_PREFIX, Scratch, ScriptError, create_scratch};
pub use timestamp::Timestamp;
pub use url::{SslMode, redact};
