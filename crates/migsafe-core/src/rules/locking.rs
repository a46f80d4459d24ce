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

pub static REQUIRE_CONCURRENT_INDEX: Rule = Rule {
    id: RuleId::RequireConcurrentIndex,
    severity: Severity::Warning,
    category: Category::Locking,
    summary: "`CREATE INDEX` without `CONCURRENTLY` on an existing table blocks its writes",
    what: "`CREATE [UNIQUE] INDEX` or `REINDEX` without `CONCURRENTLY` on a table that this migration did \
not create.",
    why: "A plain `CREATE INDEX` holds a SHARE lock for the whole build: every `INSERT`, `UPDATE` and \
`DELETE` on the table waits, for minutes on a large table. `CONCURRENTLY` builds the index without \
blocking writes. It cannot run inside a transaction, so with Prisma it goes in a migration of its own.",
    bad: Example {
        migrations: &[(
            "20260105120000_index_email",
            "CREATE INDEX \"users_email_idx\" ON \"users\"(\"email\");\n",
        )],
        config: "",
        checked: true,
    },
    good: Example {
        migrations: &[(
            "20260105120000_index_email",
            "CREATE INDEX CONCURRENTLY \"users_email_idx\" ON \"users\"(\"email\");\n",
        )],
        config: "",
        checked: true,
    },
};

pub static CONSTRAINT_MISSING_NOT_VALID: Rule = Rule {
    id: RuleId::ConstraintMissingNotValid,
    severity: Severity::Warning,
    category: Category::Locking,
    summary: "a foreign key or check added to an existing table without `NOT VALID`",
    what: "`ALTER TABLE … ADD CONSTRAINT … FOREIGN KEY` or `CHECK` without `NOT VALID`, on a table this \
migration did not create.",
    why: "Adding the constraint validates every existing row while holding a lock that blocks writes \
(SHARE ROW EXCLUSIVE for a foreign key, on both tables; ACCESS EXCLUSIVE for a check). Adding it \
`NOT VALID` is instant; `VALIDATE CONSTRAINT` scans the table under SHARE UPDATE EXCLUSIVE, which \
lets reads and writes through — in a later migration: in the same file (one transaction) the lock \
the `ADD` took is still held while `VALIDATE` scans.",
    bad: Example {
        migrations: &[(
            "20260105120000_orders_fk",
            "ALTER TABLE \"orders\" ADD CONSTRAINT \"orders_user_id_fkey\" FOREIGN KEY (\"user_id\") REFERENCES \"users\"(\"id\");\n",
        )],
        config: "",
        checked: true,
    },
    good: Example {
        migrations: &[
            (
                "20260105120000_orders_fk",
                "ALTER TABLE \"orders\" ADD CONSTRAINT \"orders_user_id_fkey\" FOREIGN KEY (\"user_id\") REFERENCES \"users\"(\"id\") NOT VALID;\n",
            ),
            (
                "20260105120100_orders_fk_validate",
                "ALTER TABLE \"orders\" VALIDATE CONSTRAINT \"orders_user_id_fkey\";\n",
            ),
        ],
        config: "",
        checked: true,
    },
};

pub static ADDING_REQUIRED_COLUMN: Rule = Rule {
    id: RuleId::AddingRequiredColumn,
    severity: Severity::Warning,
    category: Category::Locking,
    summary: "a `NOT NULL` column without a default added to an existing table",
    what: "`ADD COLUMN … NOT NULL` with no `DEFAULT` (and not an identity, serial or generated column) on \
a table this migration did not create.",
    why: "PostgreSQL fails the statement as soon as the table has a row: the migration works on an \
empty development database and fails in production. Prisma warns about the same thing.",
    bad: Example {
        migrations: &[(
            "20260105120000_add_tenant",
            "ALTER TABLE \"users\" ADD COLUMN \"tenant_id\" TEXT NOT NULL;\n",
        )],
        config: "",
        checked: true,
    },
    good: Example {
        migrations: &[(
            "20260105120000_add_tenant",
            "ALTER TABLE \"users\" ADD COLUMN \"tenant_id\" TEXT NOT NULL DEFAULT 'default';\n",
        )],
        config: "",
        checked: true,
    },
};

pub static ADD_COLUMN_REWRITE: Rule = Rule {
    id: RuleId::AddColumnRewrite,
    severity: Severity::Warning,
    category: Category::Locking,
    summary: "a column added with a volatile default, serial or identity rewrites the whole table",
    what: "`ADD COLUMN` on an existing table whose default is volatile (`gen_random_uuid()`, \
`random()`, `clock_timestamp()`, `nextval(…)`), or whose type is `SERIAL`, or that is an identity or \
stored generated column.",
    why: "Since PostgreSQL 11 a constant default is stored once and the table is not touched. A \
volatile default has to be computed for every row, so the table is rewritten under an ACCESS \
EXCLUSIVE lock: no reads, no writes, for as long as the rewrite takes.",
    bad: Example {
        migrations: &[(
            "20260105120000_add_uuid",
            "ALTER TABLE \"users\" ADD COLUMN \"public_id\" UUID NOT NULL DEFAULT gen_random_uuid();\n",
        )],
        config: "",
        checked: true,
    },
    good: Example {
        migrations: &[(
            "20260105120000_add_uuid",
            "ALTER TABLE \"users\" ADD COLUMN \"public_id\" UUID;\n-- backfill in batches from the application, then:\n-- ALTER TABLE \"users\" ALTER COLUMN \"public_id\" SET DEFAULT gen_random_uuid();\n",
        )],
        config: "",
        checked: true,
    },
};

pub static SET_NOT_NULL_SCAN: Rule = Rule {
    id: RuleId::SetNotNullScan,
    severity: Severity::Warning,
    category: Category::Locking,
    summary: "`SET NOT NULL` scans the whole table under an ACCESS EXCLUSIVE lock, and fails on any NULL",
    what: "`ALTER TABLE … ALTER COLUMN … SET NOT NULL` on a table this migration did not create, unless the \
schema before it has a validated `CHECK (col IS NOT NULL)` on the column (PostgreSQL 12 and later).",
    why: "PostgreSQL reads every row to prove there is no NULL, holding a lock that blocks reads and \
writes. On a large table that is an outage; and if a NULL slipped in since the backfill, the migration \
fails in production. From PostgreSQL 12 on, a valid `CHECK (col IS NOT NULL)` lets it skip the scan: \
add the check `NOT VALID` in one migration, then `VALIDATE` it, `SET NOT NULL` and drop the check in \
the next.",
    bad: Example {
        migrations: &[(
            "20260105120000_email_required",
            "ALTER TABLE \"users\" ALTER COLUMN \"email\" SET NOT NULL;\n",
        )],
        config: "",
        checked: true,
    },
    good: Example {
        migrations: &[
            (
                "20260101000000_users",
                "CREATE TABLE \"users\" (\"id\" INTEGER PRIMARY KEY, \"email\" TEXT);\n",
            ),
            (
                "20260105120000_email_not_null_check",
                "ALTER TABLE \"users\" ADD CONSTRAINT \"users_email_not_null\" CHECK (\"email\" IS NOT NULL) NOT VALID;\n",
            ),
            (
                "20260105120100_email_required",
                "ALTER TABLE \"users\" VALIDATE CONSTRAINT \"users_email_not_null\";\nALTER TABLE \"users\" ALTER COLUMN \"email\" SET NOT NULL;\nALTER TABLE \"users\" DROP CONSTRAINT \"users_email_not_null\";\n",
            ),
        ],
        config: "",
        checked: true,
    },
};

pub static CONCURRENTLY_IN_TRANSACTION: Rule = Rule {
    id: RuleId::ConcurrentlyInTransaction,
    severity: Severity::Error,
    category: Category::Locking,
    summary: "a statement that cannot run inside a transaction (`… CONCURRENTLY`, `VACUUM`) where it is in one",
    what: "`CREATE INDEX CONCURRENTLY`, `DROP INDEX CONCURRENTLY`, `REINDEX … CONCURRENTLY` or `VACUUM` \
between `BEGIN` and `COMMIT`, or in a Prisma migration that has other statements too. Prisma sends a \
migration file as one multi-statement script, which PostgreSQL runs as one implicit transaction.",
    why: "PostgreSQL refuses with `cannot run inside a transaction block` and rolls the whole file back: \
the deployment stops at this migration, and none of its statements stay applied.",
    bad: Example {
        migrations: &[(
            "20260105120000_index_phone",
            "ALTER TABLE \"users\" ADD COLUMN \"phone\" TEXT;\nCREATE INDEX CONCURRENTLY \"users_phone_idx\" ON \"users\"(\"phone\");\n",
        )],
        config: "",
        checked: true,
    },
    good: Example {
        migrations: &[
            (
                "20260105120000_add_phone",
                "ALTER TABLE \"users\" ADD COLUMN \"phone\" TEXT;\n",
            ),
            (
                "20260105120100_index_phone",
                "CREATE INDEX CONCURRENTLY \"users_phone_idx\" ON \"users\"(\"phone\");\n",
            ),
        ],
        config: "",
        checked: true,
    },
};

pub static VALIDATE_IN_SAME_TRANSACTION: Rule = Rule {
    id: RuleId::ValidateInSameTransaction,
    severity: Severity::Warning,
    category: Category::Locking,
    summary: "a constraint added `NOT VALID` and validated in the same transaction",
    what: "`VALIDATE CONSTRAINT` of a constraint that the same transaction (the same Prisma migration) \
added `NOT VALID`.",
    why: "`NOT VALID` makes adding the constraint instant so that the validation can run later under a \
lock that lets writes through. In one transaction the `ADD`'s lock (ACCESS EXCLUSIVE for a check, SHARE \
ROW EXCLUSIVE for a foreign key) is held until the end, through the whole validation scan: the split \
buys nothing.",
    bad: Example {
        migrations: &[(
            "20260105120000_orders_fk",
            "ALTER TABLE \"orders\" ADD CONSTRAINT \"orders_user_id_fkey\" FOREIGN KEY (\"user_id\") REFERENCES \"users\"(\"id\") NOT VALID;\nALTER TABLE \"orders\" VALIDATE CONSTRAINT \"orders_user_id_fkey\";\n",
        )],
        config: "",
        checked: true,
    },
    good: Example {
        migrations: &[
            (
                "20260105120000_orders_fk",
                "ALTER TABLE \"orders\" ADD CONSTRAINT \"orders_user_id_fkey\" FOREIGN KEY (\"user_id\") REFERENCES \"users\"(\"id\") NOT VALID;\n",
            ),
            (
                "20260105120100_orders_fk_validate",
                "ALTER TABLE \"orders\" VALIDATE CONSTRAINT \"orders_user_id_fkey\";\n",
            ),
        ],
        config: "",
        checked: true,
    },
};

pub static LOCK_HELD_DURING_SLOW_STEP: Rule = Rule {
    id: RuleId::LockHeldDuringSlowStep,
    severity: Severity::Warning,
    category: Category::Locking,
    summary: "a scan, index build or rewrite of a table this transaction already holds ACCESS EXCLUSIVE on",
    what: "A statement that reads a whole table, builds an index on it or rewrites it, after an earlier \
statement of the same transaction (the same Prisma migration) took ACCESS EXCLUSIVE on that table.",
    why: "Locks are held until the transaction ends. Once any statement of the file has taken ACCESS \
EXCLUSIVE on the table — even an instant one, like `ADD COLUMN` — every later slow step runs while \
reads and writes of the table wait: a `CREATE INDEX` that alone would block only writes now blocks \
reads too.",
    bad: Example {
        migrations: &[(
            "20260105120000_add_phone",
            "ALTER TABLE \"users\" ADD COLUMN \"phone\" TEXT;\nCREATE INDEX \"users_phone_idx\" ON \"users\"(\"phone\");\n",
        )],
        config: "",
        checked: true,
    },
    good: Example {
        migrations: &[
            (
                "20260105120000_add_phone",
                "ALTER TABLE \"users\" ADD COLUMN \"phone\" TEXT;\n",
            ),
            (
                "20260105120100_index_phone",
                "CREATE INDEX CONCURRENTLY \"users_phone_idx\" ON \"users\"(\"phone\");\n",
            ),
        ],
        config: "",
        checked: true,
    },
};

pub static MISSING_LOCK_TIMEOUT: Rule = Rule {
    id: RuleId::MissingLockTimeout,
    severity: Severity::Warning,
    category: Category::Locking,
    summary: "a migration takes a lock that blocks writes on an existing table without setting `lock_timeout`",
    what: "The first statement of a migration that takes a lock blocking writes (SHARE or stronger; \
ACCESS EXCLUSIVE for most `ALTER TABLE`) on a table it did not create, when no `SET lock_timeout` \
comes before it in the file. Turn the rule off (`[rules] missing-lock-timeout = \"off\"`) when the \
migration role or the connection sets it.",
    why: "A lock request waits behind every transaction that holds a conflicting lock — a long report, \
an idle-in-transaction session — and while it waits, every later query on the table waits behind it. \
Even an instant `ALTER TABLE` then stops the table for as long as the oldest transaction runs. With \
`lock_timeout` the migration fails fast instead (and can be retried) while the application goes on.",
    bad: Example {
        migrations: &[(
            "20260105120000_add_phone",
            "ALTER TABLE \"users\" ADD COLUMN \"phone\" TEXT;\n",
        )],
        config: "",
        checked: true,
    },
    good: Example {
        migrations: &[(
            "20260105120000_add_phone",
            "SET lock_timeout = '5s';\nALTER TABLE \"users\" ADD COLUMN \"phone\" TEXT;\n",
        )],
        config: "",
        checked: true,
    },
};

pub static CONSTRAINT_BUILDS_INDEX: Rule = Rule {
    id: RuleId::ConstraintBuildsIndex,
    severity: Severity::Warning,
    category: Category::Locking,
    summary: "`ADD PRIMARY KEY` / `UNIQUE` / `EXCLUDE` on an existing table builds its index under ACCESS EXCLUSIVE",
    what: "`ALTER TABLE … ADD PRIMARY KEY`, `ADD UNIQUE`, `ADD EXCLUDE`, or `ADD COLUMN … UNIQUE | PRIMARY \
KEY`, on a table this migration did not create, without `USING INDEX`.",
    why: "The constraint's index is built while the table is locked ACCESS EXCLUSIVE: neither reads nor \
writes get through for the whole build. Build the index with `CREATE UNIQUE INDEX CONCURRENTLY` in a \
migration of its own, then attach it in the next: `ADD CONSTRAINT … UNIQUE USING INDEX …` (or `PRIMARY \
KEY USING INDEX`, once the columns are `NOT NULL`), which is instant.",
    bad: Example {
        migrations: &[(
            "20260105120000_unique_email",
            "ALTER TABLE \"users\" ADD CONSTRAINT \"users_email_key\" UNIQUE (\"email\");\n",
        )],
        config: "",
        checked: true,
    },
    good: Example {
        migrations: &[
            (
                "20260105120000_unique_email_index",
                "CREATE UNIQUE INDEX CONCURRENTLY \"users_email_key\" ON \"users\"(\"email\");\n",
            ),
            (
                "20260105120100_unique_email",
                "SET lock_timeout = '5s';\nALTER TABLE \"users\" ADD CONSTRAINT \"users_email_key\" UNIQUE USING INDEX \"users_email_key\";\n",
            ),
        ],
        config: "",
        checked: true,
    },
};

pub static TABLE_REWRITE: Rule = Rule {
    id: RuleId::TableRewrite,
    severity: Severity::Warning,
    category: Category::Locking,
    summary: "a statement rewrites a whole existing table under ACCESS EXCLUSIVE",
    what: "A statement that writes the table anew while holding ACCESS EXCLUSIVE: `ALTER COLUMN … TYPE` \
to a type that is not binary compatible with the old one (judged from the column's type before the \
migration: `varchar(10)` → `varchar(20)` or `text` is free, `int` → `bigint` is not), `SET LOGGED` / \
`UNLOGGED`, `SET TABLESPACE`, `VACUUM FULL`, `CLUSTER`, `REFRESH MATERIALIZED VIEW` without \
`CONCURRENTLY`.",
    why: "The table is copied row by row, and its indexes rebuilt, while neither reads nor writes get \
through: minutes on a large table. For a type change, add a new column, backfill it in batches, and \
switch over in later migrations; for maintenance, use `pg_repack` or `REINDEX CONCURRENTLY`.",
    bad: Example {
        migrations: &[
            (
                "20260105120000_orders",
                "CREATE TABLE \"orders\" (\"id\" INTEGER PRIMARY KEY, \"total\" INTEGER);\n",
            ),
            (
                "20260105120100_bigger_total",
                "ALTER TABLE \"orders\" ALTER COLUMN \"total\" TYPE BIGINT;\n",
            ),
        ],
        config: "",
        checked: true,
    },
    good: Example {
        migrations: &[
            (
                "20260105120000_orders",
                "CREATE TABLE \"orders\" (\"id\" INTEGER PRIMARY KEY, \"note\" VARCHAR(10));\n",
            ),
            (
                "20260105120100_longer_note",
                "SET lock_timeout = '5s';\nALTER TABLE \"orders\" ALTER COLUMN \"note\" TYPE VARCHAR(200);\n",
            ),
        ],
        config: "",
        checked: true,
    },
};

pub static NEW_ENUM_VALUE_USED: Rule = Rule {
    id: RuleId::NewEnumValueUsed,
    severity: Severity::Error,
    category: Category::Locking,
    summary: "an enum value added and used in the same transaction",
    what: "`ALTER TYPE … ADD VALUE 'v'` followed, in the same transaction (the same Prisma migration), by \
a statement that uses `'v'`: a default, an `UPDATE`, an `INSERT`, a check.",
    why: "PostgreSQL refuses to use an enum value before the transaction that added it commits (`unsafe \
use of new value`), and rolls the whole migration back. Add the value in one migration and use it in \
the next.",
    bad: Example {
        migrations: &[(
            "20260105120000_archived",
            "ALTER TYPE \"Status\" ADD VALUE 'ARCHIVED';\nALTER TABLE \"posts\" ALTER COLUMN \"status\" SET DEFAULT 'ARCHIVED';\n",
        )],
        config: "",
        checked: true,
    },
    good: Example {
        migrations: &[
            (
                "20260105120000_archived",
                "ALTER TYPE \"Status\" ADD VALUE 'ARCHIVED';\n",
            ),
            (
                "20260105120100_archived_default",
                "ALTER TABLE \"posts\" ALTER COLUMN \"status\" SET DEFAULT 'ARCHIVED';\n",
            ),
        ],
        config: "",
        checked: true,
    },
};

use std::collections::{HashMap, HashSet};

use migsafe_classify::ir::{ConstraintKind, TxKind};
use migsafe_classify::{ObjName, OpKind, Statement};
use migsafe_schema::QualName;
use migsafe_schema::locks::{LockMode, TableLock, statement_locks};
use migsafe_schema::replay::{MigrationInput, Replayer};

use super::{Category, Example, Rule, RuleId};
use crate::config::Config;
use crate::discover::Layout;
use crate::engine::{AnalyzedMigration, Sink};
use crate::report::{Diagnostic, Severity};

/// The lock facts of every statement of every migration (`None` where
/// migsafe does not know them), and the lock rules' findings.
pub(crate) type HistoryLocks = Vec<Vec<Option<Vec<TableLock>>>>;

/// Replays the history in order and runs the lock rules on each migration,
/// with the schema as it stands before each statement.
pub(crate) fn check_history(
    migrations: &[AnalyzedMigration],
    config: &Config,
) -> (HistoryLocks, Vec<Diagnostic>) {
    let mut replayer = Replayer::new();
    let mut all = Vec::with_capacity(migrations.len());
    let mut diags = Vec::new();
    for m in migrations {
        let stmts = &m.file.statements;
        let mut locks: Vec<Option<Vec<TableLock>>> = vec![None; stmts.len()];
        let mut existing: HashSet<QualName> = HashSet::new();
        replayer.apply_migration_observed(
            &MigrationInput {
                name: &m.source.name,
                path: &m.source.path,
                statements: stmts,
            },
            &mut |i, model| {
                if i == 0 {
                    existing = model
                        .tables
                        .keys()
                        .chain(model.views.keys())
                        .cloned()
                        .collect();
                }
                if let (Some(slot), Some(s)) = (locks.get_mut(i), stmts.get(i)) {
                    *slot = statement_locks(model, s, config.postgres_version);
                }
            },
        );
        let mut sink = Sink::new(config, &m.source.path, Some(&m.source.name));
        check_file(m, &locks, &existing, config.postgres_version, &mut sink);
        // Each finding names the tables its statement holds blocking locks
        // on (for the table sizes of `--database-url`).
        for mut d in sink.out {
            if let Some(i) = stmts.iter().position(|s| Some(s.line) == d.line)
                && let Some(Some(lk)) = locks.get(i)
            {
                d.tables = lk
                    .iter()
                    .filter(|l| l.mode.blocks_writes() || l.scan || l.rewrite)
                    .map(|l| l.table.clone())
                    .collect();
            }
            diags.push(d);
        }
        all.push(locks);
    }
    (all, diags)
}

fn qual(o: &ObjName) -> QualName {
    QualName::new(
        o.schema.as_deref(),
        migsafe_schema::names::truncate_identifier(&o.name),
    )
}

/// The label `locks` gives a table.
fn label(t: &QualName) -> String {
    if t.schema == migsafe_schema::DEFAULT_SCHEMA {
        t.name.clone()
    } else {
        format!("{}.{}", t.schema, t.name)
    }
}

fn lock_on<'l>(locks: &'l [TableLock], t: &QualName) -> Option<&'l TableLock> {
    let l = label(t);
    locks.iter().find(|x| x.table == l)
}

/// What one transaction of a file has done so far.
#[derive(Default)]
struct Tx {
    /// Tables it holds ACCESS EXCLUSIVE on, with the line that took it.
    exclusive: HashMap<String, u32>,
    /// Constraints it added `NOT VALID`: (table, name).
    not_valid: Vec<(QualName, String)>,
    /// Enum values it added, with the line.
    enum_values: Vec<(String, String, u32)>,
}

fn check_file(
    m: &AnalyzedMigration,
    locks: &[Option<Vec<TableLock>>],
    existing: &HashSet<QualName>,
    version: u32,
    sink: &mut Sink<'_>,
) {
    let stmts = &m.file.statements;
    let prisma_multi = m.source.layout == Layout::Prisma && stmts.len() > 1;
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
    let is_new =
        |t: &QualName, i: usize| !existing.contains(t) && created.get(t).is_some_and(|&at| at <= i);
    let mut in_tx = false;
    let mut tx = Tx::default();
    let mut timeout_set = false;
    let mut timeout_reported = false;
    for (i, s) in stmts.iter().enumerate() {
        let end = first_line_end(m, s);
        let at = |d: Diagnostic| d.at(s.line, s.column).span_end(s.line, end);
        let one_tx = in_tx || prisma_multi;
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
        let existing_table = |t: &QualName| !is_new(t, i);

        // Slow steps under a lock an earlier statement of the transaction took.
        if one_tx {
            for l in lk.iter().filter(|l| l.scan || l.rewrite) {
                if let Some(line) = tx.exclusive.get(&l.table) {
                    let what = if l.rewrite {
                        "rewrites"
                    } else {
                        "reads all of"
                    };
                    sink.emit(
                        &LOCK_HELD_DURING_SLOW_STEP,
                        format!(
                            "this statement {what} {} while the ACCESS EXCLUSIVE lock taken at line {line} is still held: reads and writes of {} wait until the migration ends",
                            l.table, l.table
                        ),
                        |d| {
                            at(d).label("slow step under ACCESS EXCLUSIVE").help(
                                "move this statement into a migration of its own (the lock of the earlier statement is held until the whole file commits)",
                            )
                        },
                    );
                    break;
                }
            }
        }
        // lock_timeout, once per file; a statement on a table this migration
        // created is not one to warn about (its foreign keys lock their
        // parents only briefly).
        let targets_new = s
            .ops
            .iter()
            .filter_map(|o| o.kind.table())
            .any(|t| is_new(&qual(t), i));
        if !timeout_set
            && !timeout_reported
            && !targets_new
            && let Some(l) = lk.iter().find(|l| {
                l.mode.blocks_writes()
                    && !is_new(
                        &QualName::new(
                            l.table.split_once('.').map(|(s, _)| s),
                            l.table.split_once('.').map_or(l.table.as_str(), |(_, n)| n),
                        ),
                        i,
                    )
            })
        {
            timeout_reported = true;
            let blocks = if l.mode.blocks_reads() {
                "reads and writes"
            } else {
                "writes"
            };
            sink.emit(
                &MISSING_LOCK_TIMEOUT,
                format!(
                    "{} waits for {} on {} with no lock_timeout: while it waits, {blocks} of {} queue behind it",
                    s.primary().map(|o| o.kind.title()).unwrap_or_default(),
                    l.mode.as_sql(),
                    l.table,
                    l.table
                ),
                |d| {
                    at(d).help("start the migration with `SET lock_timeout = '5s';` (retry the deployment when it times out)")
                },
            );
        }

        for op in &s.ops {
            match &op.kind {
                OpKind::CreateIndex {
                    concurrently: false,
                    table,
                    name,
                    ..
                } if existing_table(&qual(table)) => {
                    let what = name
                        .clone()
                        .map_or_else(|| "an index".to_owned(), |n| format!("index `{n}`"));
                    sink.emit(
                        &REQUIRE_CONCURRENT_INDEX,
                        format!("creating {what} without CONCURRENTLY blocks writes to {table} while it builds"),
                        |d| {
                            at(d).label("SHARE lock held for the whole index build")
                                .help("use `CREATE INDEX CONCURRENTLY`, alone in its migration")
                        },
                    );
                }
                OpKind::Maintenance {
                    what,
                    concurrently: false,
                    ..
                } if what.starts_with("REINDEX") => {
                    if let Some(l) = lk.first() {
                        let table = l.table.clone();
                        sink.emit(
                            &REQUIRE_CONCURRENT_INDEX,
                            format!("{what} without CONCURRENTLY blocks writes to {table} while it rebuilds"),
                            |d| {
                                at(d).label("SHARE lock held for the whole rebuild")
                                    .help("use `REINDEX … CONCURRENTLY`, alone in its migration")
                            },
                        );
                    }
                }
                OpKind::AddConstraint {
                    table,
                    constraint,
                    not_valid,
                } => {
                    let t = qual(table);
                    match &constraint.kind {
                        ConstraintKind::ForeignKey(_) | ConstraintKind::Check { .. }
                            if !not_valid && existing_table(&t) =>
                        {
                            let mode =
                                lock_on(lk, &t).map_or(LockMode::AccessExclusiveLock, |l| l.mode);
                            let validate = match &constraint.name {
                                Some(n) => format!("`ALTER TABLE {table} VALIDATE CONSTRAINT \"{n}\";`"),
                                None => "`VALIDATE CONSTRAINT` (name the constraint to validate it by name)".to_owned(),
                            };
                            let shown = constraint
                                .name
                                .clone()
                                .map_or_else(String::new, |n| format!(" `{n}`"));
                            sink.emit(
                                &CONSTRAINT_MISSING_NOT_VALID,
                                format!(
                                    "adding {}{shown} checks every row of {table} under a {} lock",
                                    constraint.kind.label(),
                                    mode.as_sql()
                                ),
                                |d| {
                                    at(d).help(format!(
                                        "add it with `NOT VALID` here, and run {validate} in the next migration (not this one: the lock taken here is held to the end of the file)"
                                    ))
                                },
                            );
                        }
                        ConstraintKind::PrimaryKey { .. }
                        | ConstraintKind::Unique { .. }
                        | ConstraintKind::Exclude
                            if existing_table(&t) =>
                        {
                            sink.emit(
                                &CONSTRAINT_BUILDS_INDEX,
                                format!(
                                    "adding {} to {table} builds its index under ACCESS EXCLUSIVE: reads and writes wait for the whole build",
                                    constraint.kind.label()
                                ),
                                |d| {
                                    at(d).help(
                                        "first `CREATE UNIQUE INDEX CONCURRENTLY` in a migration of its own, then `ADD CONSTRAINT … UNIQUE USING INDEX …` (or `PRIMARY KEY USING INDEX`) in the next",
                                    )
                                },
                            );
                        }
                        _ => {}
                    }
                    if *not_valid && let Some(n) = &constraint.name {
                        tx.not_valid
                            .push((t, migsafe_schema::names::truncate_identifier(n)));
                    }
                }
                OpKind::ValidateConstraint { table, name } => {
                    let key = (
                        qual(table),
                        migsafe_schema::names::truncate_identifier(name),
                    );
                    if one_tx && tx.not_valid.contains(&key) {
                        sink.emit(
                            &VALIDATE_IN_SAME_TRANSACTION,
                            format!(
                                "`{name}` was added NOT VALID in this same transaction: its lock is still held while VALIDATE scans {table}"
                            ),
                            |d| at(d).help("move `VALIDATE CONSTRAINT` into the next migration"),
                        );
                    }
                }
                OpKind::AddColumn { table, column, .. } if existing_table(&qual(table)) => {
                    let t = qual(table);
                    let serial = migsafe_schema::types::is_serial(&column.data_type);
                    if column.not_null
                        && column.default.is_none()
                        && !column.identity
                        && column.generated.is_none()
                        && !serial
                        && !column.primary_key
                    {
                        sink.emit(
                            &ADDING_REQUIRED_COLUMN,
                            format!(
                                "adding NOT NULL column `{}` without a default fails if {table} has any row",
                                column.name
                            ),
                            |d| {
                                at(d).help("add a DEFAULT, or add the column nullable, backfill it, then SET NOT NULL")
                            },
                        );
                    }
                    if lock_on(lk, &t).is_some_and(|l| l.rewrite) {
                        let why = if serial {
                            "a SERIAL column takes its values from a sequence, row by row"
                                .to_owned()
                        } else if column.identity {
                            "an identity column is filled row by row".to_owned()
                        } else if column.generated.is_some() {
                            "a stored generated column is computed row by row".to_owned()
                        } else if version < 11 {
                            "before PostgreSQL 11 every default is written into every row"
                                .to_owned()
                        } else {
                            format!(
                                "its default `{}` is volatile (evaluated for every row)",
                                column.default.clone().unwrap_or_default()
                            )
                        };
                        sink.emit(
                            &ADD_COLUMN_REWRITE,
                            format!(
                                "adding column `{}` rewrites {table} under an ACCESS EXCLUSIVE lock: {why}",
                                column.name
                            ),
                            |d| {
                                at(d).help("add the column without a default, backfill it in batches, then set the default")
                            },
                        );
                    }
                    if column.unique || column.primary_key {
                        sink.emit(
                            &CONSTRAINT_BUILDS_INDEX,
                            format!(
                                "adding column `{}` with {} builds an index on {table} under ACCESS EXCLUSIVE",
                                column.name,
                                if column.primary_key { "PRIMARY KEY" } else { "UNIQUE" }
                            ),
                            |d| {
                                at(d).help(
                                    "add the column plain, then `CREATE UNIQUE INDEX CONCURRENTLY` in a migration of its own and `ADD CONSTRAINT … USING INDEX` in the next",
                                )
                            },
                        );
                    }
                }
                OpKind::SetNotNull { table, column } => {
                    let t = qual(table);
                    if existing_table(&t) && lock_on(lk, &t).is_some_and(|l| l.scan) {
                        sink.emit(
                            &SET_NOT_NULL_SCAN,
                            format!("SET NOT NULL on `{column}` scans all of {table} under an ACCESS EXCLUSIVE lock"),
                            |d| {
                                at(d).label("fails if any row is NULL").help(format!(
                                    "add `CONSTRAINT … CHECK (\"{column}\" IS NOT NULL) NOT VALID` in one migration; in the next, VALIDATE it, SET NOT NULL (no scan then, PostgreSQL 12+) and drop the check"
                                ))
                            },
                        );
                    }
                }
                OpKind::AddEnumValue { name, value, .. } => {
                    tx.enum_values
                        .push((name.to_string(), value.clone(), s.line));
                }
                _ => {}
            }
            // Rewrites other than ADD COLUMN's (its own rule) and TRUNCATE's
            // (instant: the table is emptied).
            if !matches!(op.kind, OpKind::AddColumn { .. } | OpKind::Truncate { .. })
                && let Some(t) = op.kind.table()
                && existing_table(&qual(t))
                && let Some(l) = lock_on(lk, &qual(t)).filter(|l| l.rewrite)
            {
                sink.emit(
                    &TABLE_REWRITE,
                    format!(
                        "{} rewrites {} under {}: reads and writes wait until every row is copied",
                        op.kind.title(),
                        l.table,
                        l.mode.as_sql()
                    ),
                    |d| at(d).help(rewrite_help(&op.kind)),
                );
            }
            if matches!(op.kind, OpKind::Maintenance { .. })
                && let Some(l) = lk.iter().find(|l| l.rewrite)
                && op.kind.table().is_none()
            {
                sink.emit(
                    &TABLE_REWRITE,
                    format!(
                        "{} rewrites {} under {}: reads and writes wait until every row is copied",
                        op.kind.title(),
                        l.table,
                        l.mode.as_sql()
                    ),
                    |d| at(d).help(rewrite_help(&op.kind)),
                );
            }
            let refused = match &op.kind {
                OpKind::CreateIndex {
                    concurrently: true, ..
                }
                | OpKind::DropIndex {
                    concurrently: true, ..
                } => true,
                OpKind::Maintenance {
                    what, concurrently, ..
                } => (what.starts_with("REINDEX") && *concurrently) || what.starts_with("VACUUM"),
                _ => false,
            };
            if refused && one_tx {
                let why = if in_tx {
                    "it stands between BEGIN and COMMIT"
                } else {
                    "Prisma runs this file's statements as one implicit transaction"
                };
                sink.emit(
                    &CONCURRENTLY_IN_TRANSACTION,
                    format!("{} cannot run inside a transaction block: {why}", op.kind.title()),
                    |d| {
                        at(d)
                            .note("PostgreSQL rejects it and rolls the whole file back: the deployment stops at this migration")
                            .help("move it into a migration of its own, with no other statement")
                    },
                );
            }
        }
        // New enum values used later in the same transaction (adding the
        // same label to another enum is no use of it).
        let enum_ddl = s.ops.iter().all(|o| {
            matches!(
                o.kind,
                OpKind::AddEnumValue { .. }
                    | OpKind::RenameEnumValue { .. }
                    | OpKind::CreateEnum { .. }
            )
        });
        if one_tx && !enum_ddl && !tx.enum_values.is_empty() {
            let text = m.text.get(s.span.clone()).unwrap_or("");
            let literals = string_literals(text);
            for (ty, value, line) in &tx.enum_values {
                if *line < s.line && literals.iter().any(|l| l == value) {
                    sink.emit(
                        &NEW_ENUM_VALUE_USED,
                        format!(
                            "'{value}' was added to enum {ty} at line {line} in this same transaction: PostgreSQL refuses to use it before that transaction commits"
                        ),
                        |d| {
                            at(d).note("unsafe use of new value: the whole migration is rolled back")
                                .help("add the value in one migration and use it in the next")
                        },
                    );
                    break;
                }
            }
        }
        // Locks this statement took, held to the end of the transaction.
        if one_tx {
            for l in lk {
                if l.mode == LockMode::AccessExclusiveLock {
                    tx.exclusive.entry(l.table.clone()).or_insert(s.line);
                }
            }
        }
        // Tables this migration created hold no one's rows: not tracked.
        tx.exclusive.retain(|t, _| {
            let q = QualName::new(
                t.split_once('.').map(|(s, _)| s),
                t.split_once('.').map_or(t.as_str(), |(_, n)| n),
            );
            !is_new(&q, i + 1)
        });
    }
}

fn rewrite_help(kind: &OpKind) -> &'static str {
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
fn string_literals(text: &str) -> Vec<String> {
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
