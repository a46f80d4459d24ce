//! History rules: the database's record of applied migrations
//! (`_prisma_migrations`) against the migration files. They run with a
//! database URL (`--database-url`, `DATABASE_URL`, `migsafe status`).

use super::{Category, Example, Rule, RuleId};
use crate::report::Severity;

const NOT_RUN: Example = Example {
    migrations: &[],
    config: "",
    checked: false,
};

pub static CHECKSUM_MISMATCH: Rule = Rule {
    id: RuleId::ChecksumMismatch,
    severity: Severity::Error,
    category: Category::History,
    summary: "a migration edited after it was applied",
    what: "A migration whose `migration.sql` no longer has the checksum the database recorded in \
`_prisma_migrations` when it applied it (Prisma's checksum: the SHA-256 of the file; a file that only \
changed CRLF/LF line endings still matches, as in Prisma).",
    why: "The database ran the original script; the file now describes something else. Fresh \
environments built from the files differ from this one, and `prisma migrate dev` asks to reset the \
development database.",
    bad: Example {
        migrations: &[(
            "20260101000000_init",
            "-- applied as CREATE TABLE users (id int); then edited to:\nCREATE TABLE users (id int, email text);\n",
        )],
        config: "",
        checked: false,
    },
    good: Example {
        migrations: &[
            ("20260101000000_init", "CREATE TABLE users (id int);\n"),
            (
                "20260301000000_add_email",
                "ALTER TABLE users ADD COLUMN email text;\n",
            ),
        ],
        config: "",
        checked: false,
    },
};

pub static FAILED_MIGRATION: Rule = Rule {
    id: RuleId::FailedMigration,
    severity: Severity::Error,
    category: Category::History,
    summary: "a migration started but neither finished nor was rolled back",
    what: "A row of `_prisma_migrations` with no `finished_at` and no `rolled_back_at`: the migration \
failed part-way (or is still running). Its error log is quoted.",
    why: "Prisma refuses to apply further migrations until it is resolved (P3009), and the database is \
in a state between two versions: part of the script ran. The release-safety process's roll-forward or \
rollback decision starts here.",
    bad: NOT_RUN,
    good: NOT_RUN,
};

pub static MISSING_MIGRATION_FILE: Rule = Rule {
    id: RuleId::MissingMigrationFile,
    severity: Severity::Error,
    category: Category::History,
    summary: "a migration applied to the database has no local file",
    what: "A migration recorded as applied in `_prisma_migrations` that does not exist in the migrations \
directory.",
    why: "The history was rewritten (a migration deleted, renamed or squashed) or the code is older \
than the database: deploying it would run against a schema it does not know.",
    bad: NOT_RUN,
    good: NOT_RUN,
};

pub static PENDING_MIGRATION: Rule = Rule {
    id: RuleId::PendingMigration,
    severity: Severity::Info,
    category: Category::History,
    summary: "a local migration not applied to the database yet",
    what: "A migration in the migrations directory with no finished row in `_prisma_migrations`.",
    why: "Normal before a deploy; listed so that a deploy's plan is visible, and so that a migration \
that never gets applied is noticed.",
    bad: NOT_RUN,
    good: NOT_RUN,
};

pub static ROLLED_BACK_MIGRATION: Rule = Rule {
    id: RuleId::RolledBackMigration,
    severity: Severity::Warning,
    category: Category::History,
    summary: "an attempt to apply a migration failed and was marked rolled back",
    what: "A row of `_prisma_migrations` with `rolled_back_at` set (`prisma migrate resolve \
--rolled-back`).",
    why: "The release-safety process asks to track how often rollbacks happen; a rolled-back attempt \
also means part of a script may have run before it failed.",
    bad: NOT_RUN,
    good: NOT_RUN,
};

pub static LONG_RUNNING_MIGRATION: Rule = Rule {
    id: RuleId::LongRunningMigration,
    severity: Severity::Warning,
    category: Category::History,
    summary: "an applied migration that ran longer than the configured threshold",
    what: "With a database URL: a migration whose `_prisma_migrations` row shows it ran (from \
`started_at` to `finished_at`) longer than `[database] long-running-threshold-ms` of `migsafe.toml` \
(60 s by default).",
    why: "The release-safety process alerts on slow migrations: a long migration usually held a lock \
the whole time, and the next one like it (on a bigger table, in production) will take longer. It is \
the signal to batch the change or use the non-blocking forms.",
    bad: NOT_RUN,
    good: NOT_RUN,
};

/// The registry entry of a history finding's rule.
#[cfg(feature = "live")]
pub(crate) fn rule(id: migsafe_live::HistoryRuleId) -> &'static Rule {
    use migsafe_live::HistoryRuleId;
    match id {
        HistoryRuleId::ChecksumMismatch => &CHECKSUM_MISMATCH,
        HistoryRuleId::FailedMigration => &FAILED_MIGRATION,
        HistoryRuleId::MissingMigrationFile => &MISSING_MIGRATION_FILE,
        HistoryRuleId::PendingMigration => &PENDING_MIGRATION,
        HistoryRuleId::RolledBackMigration => &ROLLED_BACK_MIGRATION,
    }
}
