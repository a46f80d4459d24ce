//! Schema drift for migsafe, without a database: the Prisma schema file
//! against the schema the migrations produce when replayed.
//!
//! The engine (`migsafe-core`) calls, for a project:
//!
//! 1. [`replay`] on every migration's analyzed statements, in order: the
//!    replayed model, the migration that last touched every object, and the
//!    statements replay could not apply;
//! 2. [`replay_findings`]: one `replay-failed` error per migration
//!    PostgreSQL would roll back (at the statement it refuses; an
//!    `outside-history` warning when that statement names a table no
//!    migration creates, which a baseline outside the history may hold), one
//!    `unevaluable-guard` warning per `DO` block condition replay could not
//!    answer;
//! 3. [`schema_vs_migrations`]: one `schema-drift` error per difference
//!    between the schema file and the replayed model, compared the way
//!    Prisma Migrate compares them (what Prisma ignores is ignored here:
//!    views, sequences, check constraints, partial indexes, schemas the
//!    datasource does not manage, …; see [`comparable_models`]);
//! 4. [`lock_provider`]: `migration_lock.toml` against the datasource
//!    provider (`provider-mismatch`);
//! 5. [`client_outdated`]: the generated Prisma Client's copy of the schema
//!    against the schema (`client-outdated`).
//!
//! ```
//! use migsafe_drift::{MigrationInput, replay, schema_vs_migrations};
//! use migsafe_prisma::{SourceFile, parse};
//!
//! let schema = parse(&[SourceFile::new("prisma/schema.prisma", r#"
//! datasource db {
//!   provider = "postgresql"
//! }
//! model User {
//!   id  Int    @id @default(autoincrement())
//!   bio String @default("")
//! }
//! "#)]);
//! let sql = r#"CREATE TABLE "User" ("id" SERIAL NOT NULL, CONSTRAINT "User_pkey" PRIMARY KEY ("id"));"#;
//! let statements = migsafe_classify::analyze(sql).statements;
//! let replayed = replay(&[MigrationInput {
//!     name: "20260101000000_init",
//!     path: "prisma/migrations/20260101000000_init/migration.sql",
//!     statements: &statements,
//! }]);
//! let findings = schema_vs_migrations(&schema, &replayed);
//! assert_eq!(findings.len(), 1);
//! assert_eq!(
//!     findings[0].message,
//!     r#"column "User"."bio": schema says text NOT NULL DEFAULT '', migrations produce no such column"#
//! );
//! assert_eq!((findings[0].path.as_str(), findings[0].line), ("prisma/schema.prisma", Some(7)));
//! ```

mod client;
mod lock;
mod schema;

use serde::Serialize;

pub use client::client_outdated;
pub use lock::lock_provider;
pub use migsafe_schema::diff::Difference;
pub use migsafe_schema::replay::{
    Action, IssueKind, MigrationInput, Origin, Provenance, ReplayIssue, Replayed, Touch,
};
pub use schema::{comparable_models, last_touch, schema_vs_migrations};

/// The rule a drift finding is of; serialized as its id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DriftRule {
    /// A difference between the schema file and the migrations.
    SchemaDrift,
    /// A migration statement PostgreSQL would refuse.
    ReplayFailed,
    /// A statement on a table no migration creates.
    OutsideHistory,
    /// A `DO` block condition the replay cannot evaluate.
    UnevaluableGuard,
    /// A `migration_lock.toml` written for another provider.
    ProviderMismatch,
    /// A generated Prisma Client older than the schema.
    ClientOutdated,
}

impl DriftRule {
    /// The rule id: `schema-drift`.
    pub fn id(self) -> &'static str {
        match self {
            DriftRule::SchemaDrift => "schema-drift",
            DriftRule::ReplayFailed => "replay-failed",
            DriftRule::OutsideHistory => "outside-history",
            DriftRule::UnevaluableGuard => "unevaluable-guard",
            DriftRule::ProviderMismatch => "provider-mismatch",
            DriftRule::ClientOutdated => "client-outdated",
        }
    }
}

pub const SCHEMA_DRIFT: DriftRule = DriftRule::SchemaDrift;
pub const REPLAY_FAILED: DriftRule = DriftRule::ReplayFailed;
pub const OUTSIDE_HISTORY: DriftRule = DriftRule::OutsideHistory;
pub const UNEVALUABLE_GUARD: DriftRule = DriftRule::UnevaluableGuard;
pub const PROVIDER_MISMATCH: DriftRule = DriftRule::ProviderMismatch;
pub const CLIENT_OUTDATED: DriftRule = DriftRule::ClientOutdated;

/// How bad a finding is by default (the engine's configuration may change
/// it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Reported; the exit code stays 0.
    Warning,
    /// Fails the check (exit code 1).
    Error,
}

/// One drift finding, ready for a report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// [`SCHEMA_DRIFT`], [`REPLAY_FAILED`], [`PROVIDER_MISMATCH`] or
    /// [`CLIENT_OUTDATED`].
    pub rule: DriftRule,
    /// The rule's default severity.
    pub severity: Severity,
    /// The file the finding points at: the schema file's declaration of the
    /// object when there is one, else the migration that last touched it.
    pub path: String,
    /// 1-based line in `path`, when the finding points at a place.
    pub line: Option<u32>,
    /// 1-based column in `path`.
    pub column: Option<u32>,
    /// What is wrong: `column "User"."bio": schema says text NOT NULL
    /// DEFAULT '', migrations produce no such column`.
    pub message: String,
    /// What to do about it.
    pub help: Option<String>,
    /// What else is known: which migration last touched the object.
    pub note: Option<String>,
    /// The migration the finding belongs to, when it belongs to one.
    pub migration: Option<String>,
    /// For `schema-drift`: the difference itself (object kind, path, both
    /// sides), for tools that read the JSON.
    pub difference: Option<Difference>,
}

/// Replays the migrations in order onto an empty database; see
/// [`migsafe_schema::replay`].
pub fn replay(migrations: &[MigrationInput<'_>]) -> Replayed {
    migsafe_schema::replay::replay(migrations)
}

/// One `replay-failed` error per migration PostgreSQL would roll back,
/// pointing at the statement it refuses, and one `unevaluable-guard`
/// warning per `DO` block condition replay could not answer.
pub fn replay_findings(replayed: &Replayed) -> Vec<Finding> {
    const ROLLED_BACK: &str = "PostgreSQL runs the file as one transaction and rolls all of it back: the replay applied none of this migration, and replayed the later ones without it; drift findings about the same objects may follow from it";
    replayed
        .issues
        .iter()
        .map(|i| {
            let (rule, severity, message, help, note) = match i.kind {
                IssueKind::Refused => (
                    REPLAY_FAILED,
                    Severity::Error,
                    format!(
                        "{} in migration {} cannot be replayed: {}",
                        i.operation, i.origin.migration, i.message
                    ),
                    Some("fix the statement or the history before it: PostgreSQL would refuse it, so a database built from these migrations fails here"),
                    ROLLED_BACK,
                ),
                IssueKind::OutsideHistory => (
                    OUTSIDE_HISTORY,
                    Severity::Warning,
                    format!(
                        "{} in migration {} cannot be replayed: {}",
                        i.operation, i.origin.migration, i.message
                    ),
                    Some("no migration creates it: if the history starts from a baseline, add the baseline as the first migration (Prisma: `prisma migrate diff --from-empty --to-schema-datamodel … --script`), so a fresh database can be built from the migrations"),
                    ROLLED_BACK,
                ),
                IssueKind::Unevaluable => (
                    UNEVALUABLE_GUARD,
                    Severity::Warning,
                    format!("in migration {}: {}", i.origin.migration, i.message),
                    None,
                    "drift findings about the objects the block touches may follow from the guess",
                ),
            };
            Finding {
                rule,
                severity,
                path: i.origin.path.to_string(),
                line: Some(i.origin.line),
                column: Some(i.origin.column),
                message,
                help: i.help.clone().or_else(|| help.map(str::to_owned)),
                note: Some(note.to_owned()),
                migration: Some(i.origin.migration.to_string()),
                difference: None,
            }
        })
        .collect()
}
