//! Prisma's migration history (`_prisma_migrations`) against the local
//! migration files.
//!
//! How Prisma writes the table (`prisma-engines`,
//! `schema-engine/connectors/schema-connector/src/migration_persistence.rs`
//! and `checksum.rs`): `migrate deploy` inserts a row when it starts a
//! migration (`checksum`, `migration_name`, `started_at = now()`,
//! `applied_steps_count = 0`), counts the step when the script succeeded
//! and sets `finished_at`; when the script fails it stores the error in
//! `logs` and leaves `finished_at` empty. `migrate resolve --rolled-back`
//! sets `rolled_back_at` on the failed row (a later deploy inserts a new
//! row); `migrate resolve --applied` inserts a row with `started_at =
//! finished_at` and no step.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use postgres::Transaction;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::conn::{Connection, LiveError};
use crate::timestamp::Timestamp;

/// One row of `_prisma_migrations`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AppliedMigration {
    /// A random UUID.
    pub id: String,
    /// [`checksum`] of the script when it was applied (64 hex digits; older
    /// Prisma versions wrote some without zero padding).
    pub checksum: String,
    /// The migration's directory name, `20260104000000_add_users`.
    pub migration_name: String,
    /// The error log of a failed migration.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logs: Option<String>,
    /// When Prisma started applying it.
    pub started_at: Timestamp,
    /// When it finished successfully; `None` while running or after a
    /// failure.
    pub finished_at: Option<Timestamp>,
    /// When a failed attempt was marked rolled back
    /// (`prisma migrate resolve --rolled-back`).
    pub rolled_back_at: Option<Timestamp>,
    /// Steps that succeeded: 1 for a script Prisma ran, 0 for one marked
    /// applied by hand (`prisma migrate resolve --applied`) or a failure.
    pub applied_steps_count: u32,
}

impl AppliedMigration {
    /// Finished and not rolled back: the database holds its changes.
    pub fn is_applied(&self) -> bool {
        self.finished_at.is_some() && self.rolled_back_at.is_none()
    }

    /// Started, neither finished nor rolled back: a failed (or still
    /// running) migration that blocks `prisma migrate deploy`.
    pub fn is_failed(&self) -> bool {
        self.finished_at.is_none() && self.rolled_back_at.is_none()
    }

    /// Marked rolled back.
    pub fn is_rolled_back(&self) -> bool {
        self.rolled_back_at.is_some()
    }

    /// How long it ran, for a finished migration that Prisma ran itself
    /// (not one marked applied by hand).
    pub fn duration_ms(&self) -> Option<u64> {
        let finished = self.finished_at?;
        if self.applied_steps_count == 0 {
            return None;
        }
        u64::try_from(self.started_at.ms_until(finished)).ok()
    }
}

/// A local migration: its name (directory name), the path to report, and
/// the bytes of its `migration.sql`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LocalMigration<'a> {
    /// `20260104000000_add_users`.
    pub name: &'a str,
    /// `prisma/migrations/20260104000000_add_users/migration.sql`, as
    /// given on the command line or discovered.
    pub path: &'a str,
    /// The file's bytes.
    pub script: &'a [u8],
}

/// Prisma's checksum of a migration script: the SHA-256 of the file's bytes
/// as 64 lower-case hex digits.
///
/// This is `render_checksum` of Prisma's schema engine
/// (`schema-engine/connectors/schema-connector/src/checksum.rs`): it hashes
/// the script as read, without normalizing line endings.
///
/// ```
/// assert_eq!(
///     migsafe_live::checksum(b"hello"),
///     "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
/// );
/// ```
pub fn checksum(script: &[u8]) -> String {
    format_checksum(&Sha256::digest(script), true)
}

fn format_checksum(digest: &[u8], padded: bool) -> String {
    let mut s = String::with_capacity(64);
    for b in digest {
        if padded {
            let _ = write!(s, "{b:02x}");
        } else {
            let _ = write!(s, "{b:x}");
        }
    }
    s
}

/// Whether `script` matches a checksum Prisma recorded, the way Prisma
/// decides it (`script_matches_checksum`): the script as it is, with CRLF
/// turned into LF, or with LF turned into CRLF (git may have changed line
/// endings on checkout); and a recorded checksum that is not 64 characters
/// long is compared in the old format without zero padding (Prisma issue
/// prisma-engines#1887).
pub fn checksum_matches(script: &[u8], recorded: &str) -> bool {
    let padded = recorded.is_empty() || recorded.len() == 64;
    let matches = |bytes: &[u8]| format_checksum(&Sha256::digest(bytes), padded) == recorded;
    matches(script)
        || matches(&replace(script, b"\r\n", b"\n"))
        || matches(&replace(script, b"\n", b"\r\n"))
}

fn replace(haystack: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(haystack.len());
    let mut i = 0;
    while i < haystack.len() {
        if haystack[i..].starts_with(from) {
            out.extend_from_slice(to);
            i += from.len();
        } else {
            out.push(haystack[i]);
            i += 1;
        }
    }
    out
}

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// For information: nothing is wrong.
    Info,
    /// Worth a look.
    Warning,
    /// Fails the check (exit code 1).
    Error,
}

impl Severity {
    /// `info`, `warning`, `error`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// One finding about the migration history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The rule: [`CHECKSUM_MISMATCH`], [`FAILED_MIGRATION`], ….
    pub rule: HistoryRuleId,
    /// The rule's default severity.
    pub severity: Severity,
    /// The migration file (for a missing file: where it should be).
    pub path: String,
    /// Always `None`: the findings are about whole files.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// What is wrong, in one line.
    pub message: String,
    /// What to do.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// What else is known: when it was applied, Prisma's log.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The migration's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub migration: Option<String>,
}

/// The rule a history finding is of; serialized as its id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HistoryRuleId {
    /// A migration edited after it was applied.
    ChecksumMismatch,
    /// Started, neither finished nor rolled back.
    FailedMigration,
    /// Applied in the database, absent locally.
    MissingMigrationFile,
    /// Local, not applied yet.
    PendingMigration,
    /// An attempt marked rolled back.
    RolledBackMigration,
}

impl HistoryRuleId {
    /// The rule id: `checksum-mismatch`.
    pub fn id(self) -> &'static str {
        match self {
            HistoryRuleId::ChecksumMismatch => "checksum-mismatch",
            HistoryRuleId::FailedMigration => "failed-migration",
            HistoryRuleId::MissingMigrationFile => "missing-migration-file",
            HistoryRuleId::PendingMigration => "pending-migration",
            HistoryRuleId::RolledBackMigration => "rolled-back-migration",
        }
    }
}

/// `checksum-mismatch`: a migration edited after it was applied.
pub const CHECKSUM_MISMATCH: HistoryRuleId = HistoryRuleId::ChecksumMismatch;
/// `failed-migration`: started, neither finished nor rolled back.
pub const FAILED_MIGRATION: HistoryRuleId = HistoryRuleId::FailedMigration;
/// `missing-migration-file`: applied in the database, absent locally.
pub const MISSING_MIGRATION_FILE: HistoryRuleId = HistoryRuleId::MissingMigrationFile;
/// `pending-migration`: local, not applied yet.
pub const PENDING_MIGRATION: HistoryRuleId = HistoryRuleId::PendingMigration;
/// `rolled-back-migration`: an attempt marked rolled back.
pub const ROLLED_BACK_MIGRATION: HistoryRuleId = HistoryRuleId::RolledBackMigration;

/// A history rule: id, default severity and a one-line summary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct HistoryRule {
    /// The rule.
    pub id: HistoryRuleId,
    /// Its default severity.
    pub severity: Severity,
    /// One line for `migsafe rules`.
    pub summary: &'static str,
}

/// Every history rule, for `migsafe rules` and `migsafe explain`.
pub const HISTORY_RULES: &[HistoryRule] = &[
    HistoryRule {
        id: CHECKSUM_MISMATCH,
        severity: Severity::Error,
        summary: "a migration file was edited after it was applied to the database",
    },
    HistoryRule {
        id: FAILED_MIGRATION,
        severity: Severity::Error,
        summary: "a migration started but neither finished nor was rolled back; Prisma refuses to deploy until it is resolved",
    },
    HistoryRule {
        id: MISSING_MIGRATION_FILE,
        severity: Severity::Error,
        summary: "a migration applied to the database has no local file",
    },
    HistoryRule {
        id: PENDING_MIGRATION,
        severity: Severity::Info,
        summary: "a local migration is not applied yet (normal before a deploy)",
    },
    HistoryRule {
        id: ROLLED_BACK_MIGRATION,
        severity: Severity::Warning,
        summary: "an attempt to apply a migration failed and was marked rolled back",
    },
];

/// The first 8 hex digits of a checksum, for messages.
fn short(c: &str) -> &str {
    c.get(..8).unwrap_or(c)
}

/// The gist of Prisma's log: its first lines that are not part of the
/// indented trace, joined, at most `max` characters.
fn log_summary(s: &str, max: usize) -> String {
    let lines: Vec<&str> = s
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with(char::is_whitespace))
        .take(3)
        .map(str::trim)
        .collect();
    let joined = lines.join(" ");
    if joined.chars().count() > max {
        let cut: String = joined.chars().take(max).collect();
        format!("{cut}…")
    } else {
        joined
    }
}

/// Compares the rows of `_prisma_migrations` with the local migrations and
/// returns the findings in migration order (by name, which starts with the
/// timestamp), then by rule.
///
/// `migrations_dir` is where a missing file is reported
/// (`{migrations_dir}/{name}/migration.sql`).
pub fn check_history(
    applied: &[AppliedMigration],
    local: &[LocalMigration<'_>],
    migrations_dir: &str,
) -> Vec<Finding> {
    let mut rows: BTreeMap<&str, Vec<&AppliedMigration>> = BTreeMap::new();
    for r in applied {
        rows.entry(r.migration_name.as_str()).or_default().push(r);
    }
    for list in rows.values_mut() {
        list.sort_by_key(|r| (r.started_at, r.finished_at));
    }
    let locals: BTreeMap<&str, &LocalMigration<'_>> = local.iter().map(|l| (l.name, l)).collect();
    let last_applied = applied
        .iter()
        .filter(|r| r.is_applied())
        .map(|r| r.migration_name.as_str())
        .max();
    let names: BTreeSet<&str> = rows.keys().chain(locals.keys()).copied().collect();
    let dir = migrations_dir.trim_end_matches('/');

    let mut out = Vec::new();
    for name in names {
        let path = locals
            .get(name)
            .map(|l| l.path.to_owned())
            .unwrap_or_else(|| format!("{dir}/{name}/migration.sql"));
        let finding =
            |rule, severity, message: String, help: Option<String>, note: Option<String>| Finding {
                rule,
                severity,
                path: path.clone(),
                line: None,
                message,
                help,
                note,
                migration: Some(name.to_owned()),
            };
        let history = rows.get(name).map(Vec::as_slice).unwrap_or(&[]);
        let done = history.iter().rev().find(|r| r.is_applied());
        let failed: Vec<&&AppliedMigration> = history.iter().filter(|r| r.is_failed()).collect();
        let rolled_back: Vec<&&AppliedMigration> =
            history.iter().filter(|r| r.is_rolled_back()).collect();
        let file = locals.get(name);

        if let (Some(row), Some(file)) = (done, file)
            && !checksum_matches(file.script, &row.checksum)
        {
            let when = row.finished_at.unwrap_or(row.started_at);
            out.push(finding(
                CHECKSUM_MISMATCH,
                Severity::Error,
                format!(
                    "migration `{name}` was edited after it was applied: the database recorded checksum {}…, the file now has {}…",
                    short(&row.checksum),
                    short(&checksum(file.script)),
                ),
                Some(format!(
                    "restore the applied version from version control (`git log -p -- {}`) and put the change in a new migration",
                    file.path
                )),
                Some(format!(
                    "applied on {when}; the database ran the original script, so this file no longer describes it"
                )),
            ));
        }
        for row in &failed {
            let log = row
                .logs
                .as_deref()
                .map(|l| log_summary(l, 200))
                .filter(|l| !l.is_empty());
            let mut note = format!(
                "Prisma refuses to apply further migrations until it is resolved (error P3009); {} step{} had succeeded",
                row.applied_steps_count,
                if row.applied_steps_count == 1 {
                    ""
                } else {
                    "s"
                }
            );
            if let Some(l) = log {
                let _ = write!(note, "; Prisma's log: {l}");
            }
            out.push(finding(
                FAILED_MIGRATION,
                Severity::Error,
                format!(
                    "migration `{name}` failed: it started on {} and neither finished nor was rolled back",
                    row.started_at
                ),
                Some(format!(
                    "repair the database, then run `prisma migrate resolve --rolled-back {name}` to run it again, or `prisma migrate resolve --applied {name}` if you completed it by hand"
                )),
                Some(note),
            ));
        }
        if file.is_none() && (done.is_some() || !failed.is_empty()) {
            let when = done
                .and_then(|r| r.finished_at)
                .map(|t| format!("applied on {t}"))
                .unwrap_or_else(|| "recorded as failed".to_owned());
            out.push(finding(
                MISSING_MIGRATION_FILE,
                Severity::Error,
                format!(
                    "migration `{name}` is in the database's history but has no local file"
                ),
                Some(format!(
                    "restore `{path}` from version control: an applied migration must never be deleted, or the next deploy may not reproduce this database"
                )),
                Some(format!("{when}; the migrations directory and the database disagree")),
            ));
        }
        if file.is_some() && done.is_none() && failed.is_empty() {
            let note = match last_applied {
                Some(last) if last > name => format!(
                    "it is older than `{last}`, the last applied migration (probably merged from another branch); `prisma migrate deploy` applies it anyway"
                ),
                _ => "`prisma migrate deploy` applies it".to_owned(),
            };
            out.push(finding(
                PENDING_MIGRATION,
                Severity::Info,
                format!("migration `{name}` is not applied to the database yet"),
                None,
                Some(note),
            ));
        }
        if let Some(last) = rolled_back.last() {
            let times: Vec<String> = rolled_back
                .iter()
                .filter_map(|r| r.rolled_back_at.map(|t| t.to_string()))
                .collect();
            let attempts = if times.len() == 1 {
                format!("on {}", times.join(""))
            } else {
                format!(
                    "{} times, last on {}",
                    times.len(),
                    times.last().map_or("", String::as_str)
                )
            };
            let (help, note) = match done {
                Some(r) => (
                    None,
                    format!(
                        "applied again on {}",
                        r.finished_at.map(|t| t.to_string()).unwrap_or_default()
                    ),
                ),
                None => (
                    Some(if file.is_some() {
                        "`prisma migrate deploy` runs it again: make sure the database is back to its state before the migration".to_owned()
                    } else {
                        "its file is gone as well: if the migration was abandoned, nothing is left to do".to_owned()
                    }),
                    "not applied since".to_owned(),
                ),
            };
            let log = last
                .logs
                .as_deref()
                .map(|l| log_summary(l, 200))
                .filter(|l| !l.is_empty())
                .map(|l| format!("; the failed attempt's log: {l}"))
                .unwrap_or_default();
            out.push(finding(
                ROLLED_BACK_MIGRATION,
                Severity::Warning,
                format!("migration `{name}` was rolled back {attempts}"),
                help,
                Some(format!("{note}{log}")),
            ));
        }
    }
    out
}

/// `"public"."_prisma_migrations"` written for SQL.
fn history_table(schema: &str) -> String {
    format!("\"{}\".\"_prisma_migrations\"", schema.replace('"', "\"\""))
}

fn read_history(
    tx: &mut Transaction<'_>,
    schema: &str,
) -> Result<Option<Vec<AppliedMigration>>, postgres::Error> {
    let table = history_table(schema);
    let exists: bool = tx
        .query_one("SELECT pg_catalog.to_regclass($1) IS NOT NULL", &[&table])?
        .get(0);
    if !exists {
        return Ok(None);
    }
    // `infinity` and `-infinity` are valid timestamps (a hand-edited row):
    // they read as the latest and earliest instants, not as an error that
    // stops every live check.
    let ms = |col: &str| {
        format!(
            "CASE WHEN {col} = 'infinity' THEN 253402300799999::bigint \
             WHEN {col} = '-infinity' THEN -62135596800000::bigint \
             ELSE floor(extract(epoch FROM {col}) * 1000)::bigint END"
        )
    };
    let sql = format!(
        "SELECT id::text, checksum::text, migration_name::text, logs::text, {}, {}, {}, \
         applied_steps_count::bigint FROM {table} ORDER BY started_at, migration_name",
        ms("started_at"),
        ms("finished_at"),
        ms("rolled_back_at"),
    );
    let mut out = Vec::new();
    for r in tx.query(sql.as_str(), &[])? {
        out.push(AppliedMigration {
            id: r.try_get::<_, Option<String>>(0)?.unwrap_or_default(),
            checksum: r.try_get::<_, Option<String>>(1)?.unwrap_or_default(),
            migration_name: r.try_get::<_, Option<String>>(2)?.unwrap_or_default(),
            logs: r.try_get(3)?,
            started_at: Timestamp::from_unix_ms(r.try_get::<_, Option<i64>>(4)?.unwrap_or(0)),
            finished_at: r.try_get::<_, Option<i64>>(5)?.map(Timestamp::from_unix_ms),
            rolled_back_at: r.try_get::<_, Option<i64>>(6)?.map(Timestamp::from_unix_ms),
            applied_steps_count: r
                .try_get::<_, Option<i64>>(7)?
                .and_then(|n| u32::try_from(n).ok())
                .unwrap_or(0),
        });
    }
    Ok(Some(out))
}

impl Connection {
    /// Prisma's migration history: the rows of `_prisma_migrations` in the
    /// schema of the URL's `?schema=` (default `public`), oldest first.
    /// `None` when the table does not exist (Prisma Migrate never ran
    /// against this database).
    ///
    /// # Errors
    ///
    /// [`LiveError::Query`] when the table cannot be read.
    pub fn prisma_history(&mut self) -> Result<Option<Vec<AppliedMigration>>, LiveError> {
        let schema = self.url_schema().unwrap_or("public").to_owned();
        self.prisma_history_in(&schema)
    }

    /// [`Connection::prisma_history`] in a given schema.
    ///
    /// # Errors
    ///
    /// [`LiveError::Query`] when the table cannot be read.
    pub fn prisma_history_in(
        &mut self,
        schema: &str,
    ) -> Result<Option<Vec<AppliedMigration>>, LiveError> {
        self.read("Prisma's migration history (_prisma_migrations)", |tx| {
            read_history(tx, schema)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_summaries() {
        let wasm = "external connector error\nNo such table: Nope\n   0: sql_schema_connector::apply\n           with x";
        assert_eq!(
            log_summary(wasm, 200),
            "external connector error No such table: Nope"
        );
        let native = "Database error code: 42P01\n\nDatabase error:\nERROR: relation \"missing\" does not exist\n\nPosition:\n  1\nDbError { severity: \"ERROR\" }";
        assert_eq!(
            log_summary(native, 200),
            "Database error code: 42P01 Database error: ERROR: relation \"missing\" does not exist"
        );
        assert_eq!(log_summary("", 10), "");
        assert_eq!(log_summary("ééééé", 3), "ééé…");
    }

    #[test]
    fn checksum_is_prisma_render_checksum() {
        // The values of Prisma's own test (`format_checksum_does_not_strip_zeros`).
        assert_eq!(
            checksum(b"hello"),
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        );
        assert_eq!(checksum(b"abcd").len(), 64);
        assert_eq!(
            checksum(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn matching_is_line_ending_agnostic_like_prisma() {
        // Prisma's `script_matches_checksum_is_line_ending_agnostic`.
        let groups: [[&[u8]; 2]; 2] = [
            [b"ab\ncd\nef\ngh\rab", b"ab\r\ncd\r\nef\r\ngh\rab"],
            [b"ab\ncd\nef\ngh\rab\n", b"ab\r\ncd\r\nef\r\ngh\rab\r\n"],
        ];
        for group in groups {
            for a in group {
                for b in group {
                    assert!(checksum_matches(a, &checksum(b)));
                }
            }
        }
        // Prisma's `script_matches_checksum_negative`.
        assert!(!checksum_matches(b"abc", &checksum(b"abcd")));
        assert!(!checksum_matches(b"abc\n", &checksum(b"abc")));
    }

    #[test]
    fn old_unpadded_checksums_still_match() {
        // Find a script whose digest has a byte below 0x10.
        let script = (0..1000)
            .map(|i| format!("SELECT {i};\n"))
            .find(|s| Sha256::digest(s.as_bytes()).iter().any(|b| *b < 0x10))
            .unwrap_or_default();
        let old = format_checksum(&Sha256::digest(script.as_bytes()), false);
        assert!(old.len() < 64);
        assert!(checksum_matches(script.as_bytes(), &old));
        assert!(!checksum_matches(b"other", &old));
    }
}
