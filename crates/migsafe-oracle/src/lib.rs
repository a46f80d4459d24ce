//! Test support: PostgreSQL as the oracle for migsafe's static replay.
//!
//! A migration history is applied to a database of the throwaway server of
//! [`migsafe_testpg`] exactly the way the migration tool applies it, then
//! read back with `migsafe-live`'s introspection and compared with
//! `migsafe_schema::replay` of the same files:
//!
//! - [`apply_prisma`]: `prisma migrate deploy`. Each `migration.sql` is sent
//!   as ONE simple-query message, so PostgreSQL runs it as one implicit
//!   transaction and one failing statement rolls the whole file back; each
//!   applied file gets its `_prisma_migrations` row with Prisma's checksum;
//!   the first failing file gets a failed row and ends the deploy.
//! - [`compare_down_scripts`]: every down script run right after its up, on
//!   a copy of the database, judged by PostgreSQL and by migsafe.
//!
//! [`compare`] replays the files PostgreSQL accepted and returns every
//! difference between the replayed model and the database, each message
//! naming both sides.

use std::fmt;
use std::path::{Path, PathBuf};

use migsafe_classify::Statement;
use migsafe_schema::diff::{Difference, Labels, diff};
use migsafe_schema::model::SchemaModel;
use migsafe_schema::replay::{MigrationInput, Replayed, Replayer};

pub mod generate;

pub use migsafe_testpg::{TestPg, require_corpora, require_pg};

/// One migration file of a history.
#[derive(Clone, Debug)]
pub struct Migration {
    /// `20260105090000_add_bio`.
    pub name: String,
    /// The path to show in messages.
    pub path: String,
    /// The file's text.
    pub sql: String,
    /// The down script beside it, when there is one.
    pub down: Option<String>,
}

/// What PostgreSQL did with one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Every statement ran and the implicit transaction committed.
    Applied,
    /// PostgreSQL rejected the file: nothing of it remains.
    Failed(String),
    /// Not sent: an earlier file failed and the tool stops there.
    NotRun,
}

/// A history applied to a database.
#[derive(Debug)]
pub struct Applied {
    /// The database, on the throwaway server.
    pub database: String,
    /// Its URL.
    pub url: String,
    /// Per migration, in order.
    pub outcomes: Vec<(Migration, Outcome)>,
}

impl Applied {
    /// The migrations PostgreSQL applied, in order.
    pub fn applied(&self) -> impl Iterator<Item = &Migration> {
        self.outcomes
            .iter()
            .filter(|(_, o)| *o == Outcome::Applied)
            .map(|(m, _)| m)
    }

    /// The migrations PostgreSQL saw, applied or rolled back, in order (what
    /// a replay replays: a failed file must fail in the replay too).
    pub fn sent(&self) -> impl Iterator<Item = &Migration> {
        self.outcomes
            .iter()
            .filter(|(_, o)| *o != Outcome::NotRun)
            .map(|(m, _)| m)
    }

    /// The migrations PostgreSQL rejected, with its message.
    pub fn failed(&self) -> impl Iterator<Item = (&Migration, &str)> {
        self.outcomes.iter().filter_map(|(m, o)| match o {
            Outcome::Failed(e) => Some((m, e.as_str())),
            _ => None,
        })
    }
}

/// An error of the harness itself (not of a migration).
#[derive(Debug)]
pub struct HarnessError(pub String);

impl fmt::Display for HarnessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for HarnessError {}

fn err(context: &str, e: impl fmt::Display) -> HarnessError {
    HarnessError(format!("{context}: {e}"))
}

/// The message of a PostgreSQL error, with its detail, as `psql` shows it.
pub fn pg_message(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => {
            let mut s = format!("{}: {}", db.severity(), db.message());
            if let Some(d) = db.detail() {
                s.push_str(" (");
                s.push_str(d);
                s.push(')');
            }
            s
        }
        None => e.to_string(),
    }
}

/// A writable connection to a database of the throwaway server (the
/// harness writes; migsafe itself never does).
pub fn connect(url: &str) -> Result<postgres::Client, HarnessError> {
    postgres::Client::connect(url, postgres::NoTls).map_err(|e| err("connect", e))
}

/// Prisma's history table, as its schema engine creates it.
pub const PRISMA_MIGRATIONS_TABLE: &str = r#"CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
);"#;

/// Applies a history to a fresh database as `prisma migrate deploy` does.
pub fn apply_prisma(
    pg: &TestPg,
    prefix: &str,
    migrations: &[Migration],
) -> Result<Applied, HarnessError> {
    apply_prisma_after(pg, prefix, "", migrations)
}

/// [`apply_prisma`] on a database where `setup` ran first (objects a
/// history expects but does not create).
pub fn apply_prisma_after(
    pg: &TestPg,
    prefix: &str,
    setup: &str,
    migrations: &[Migration],
) -> Result<Applied, HarnessError> {
    let (database, url) = pg.fresh_database(prefix);
    let mut client = connect(&url)?;
    if !setup.is_empty() {
        client
            .batch_execute(setup)
            .map_err(|e| err("setup", pg_message(&e)))?;
    }
    client
        .batch_execute(PRISMA_MIGRATIONS_TABLE)
        .map_err(|e| err("create _prisma_migrations", pg_message(&e)))?;
    let mut outcomes = Vec::with_capacity(migrations.len());
    let mut stopped = false;
    for (i, m) in migrations.iter().enumerate() {
        if stopped {
            outcomes.push((m.clone(), Outcome::NotRun));
            continue;
        }
        let checksum = migsafe_live::checksum(m.sql.as_bytes());
        let id = format!("{:08x}-0000-4000-8000-{:012x}", i, i);
        let outcome = match client.batch_execute(&m.sql) {
            Ok(()) => {
                client
                    .execute(
                        "INSERT INTO _prisma_migrations (id, checksum, migration_name, finished_at, applied_steps_count) \
                         VALUES ($1, $2, $3, now(), 1)",
                        &[&id, &checksum, &m.name],
                    )
                    .map_err(|e| err("record a migration", pg_message(&e)))?;
                Outcome::Applied
            }
            Err(e) => {
                let msg = pg_message(&e);
                client
                    .execute(
                        "INSERT INTO _prisma_migrations (id, checksum, migration_name, logs) VALUES ($1, $2, $3, $4)",
                        &[&id, &checksum, &m.name, &msg],
                    )
                    .map_err(|e| err("record a failed migration", pg_message(&e)))?;
                stopped = true;
                Outcome::Failed(msg)
            }
        };
        outcomes.push((m.clone(), outcome));
    }
    Ok(Applied {
        database,
        url,
        outcomes,
    })
}

/// Applies every file of a history to a fresh database, each as one
/// simple query (one implicit transaction), and goes on after a file
/// PostgreSQL rejects: the later files run on the state the rollback left.
/// (No tool table: this is for testing the failure model, not a tool.)
pub fn apply_each(
    pg: &TestPg,
    prefix: &str,
    migrations: &[Migration],
) -> Result<Applied, HarnessError> {
    let (database, url) = pg.fresh_database(prefix);
    let mut client = connect(&url)?;
    let outcomes = migrations
        .iter()
        .map(|m| {
            let outcome = match client.batch_execute(&m.sql) {
                Ok(()) => Outcome::Applied,
                Err(e) => Outcome::Failed(pg_message(&e)),
            };
            (m.clone(), outcome)
        })
        .collect();
    Ok(Applied {
        database,
        url,
        outcomes,
    })
}

/// The analyzed statements of each migration.
pub fn analyze(migrations: &[&Migration]) -> Vec<Vec<Statement>> {
    migrations
        .iter()
        .map(|m| migsafe_classify::analyze(&m.sql).statements)
        .collect()
}

/// The replay of the given migrations, in order.
pub fn replay(migrations: &[&Migration]) -> Replayed {
    let analyzed = analyze(migrations);
    let mut r = Replayer::new();
    for (m, statements) in migrations.iter().zip(&analyzed) {
        r.apply_migration(&MigrationInput {
            name: &m.name,
            path: &m.path,
            statements,
        });
    }
    r.finish()
}

/// The database's schema as `migsafe-live` reads it, defaults reconciled
/// against `expected` by the server the way `drift-check` does it.
pub fn introspect(url: &str, expected: &SchemaModel) -> Result<SchemaModel, HarnessError> {
    let mut conn = migsafe_live::connect(url).map_err(|e| err("connect read-only", e))?;
    let mut live = conn.introspect(&[]).map_err(|e| err("introspect", e))?;
    conn.reconcile_defaults(expected, &mut live)
        .map_err(|e| err("reconcile defaults", e))?;
    Ok(live)
}

/// The comparison of a replay with a database.
#[derive(Debug)]
pub struct Comparison {
    pub replayed: Replayed,
    pub live: SchemaModel,
    pub differences: Vec<Difference>,
    /// The migrations PostgreSQL rolled back, with its message.
    pub failed: Vec<(String, String)>,
}

impl Comparison {
    /// One line per difference, both sides named, with the migration that
    /// last touched the object where the replay knows it.
    pub fn describe(&self) -> String {
        let labels = Labels::new("the replay has", "PostgreSQL has");
        let mut s = String::new();
        for d in &self.differences {
            s.push_str("  - ");
            s.push_str(&d.message(&labels));
            if let Some(t) = d
                .table
                .as_ref()
                .and_then(|t| self.replayed.provenance.table(t))
            {
                s.push_str(&format!(
                    " [table last touched by {} line {}]",
                    t.origin.migration, t.origin.line
                ));
            }
            s.push('\n');
        }
        for i in &self.replayed.issues {
            let verdict = match self.failed.iter().find(|(m, _)| **m == *i.origin.migration) {
                Some(_) => "as PostgreSQL",
                None => "PostgreSQL applied it",
            };
            s.push_str(&format!(
                "  - replay issue in {} line {} ({verdict}): {}\n",
                i.origin.migration, i.origin.line, i.message
            ));
        }
        for (m, e) in &self.failed {
            if !self
                .replayed
                .issues
                .iter()
                .any(|i| *i.origin.migration == **m)
            {
                s.push_str(&format!(
                    "  - PostgreSQL rolled back {m}, the replay applied it: {e}\n"
                ));
            }
        }
        s
    }

    /// No differences, and the replay's issues are exactly one per
    /// migration PostgreSQL rolled back (none when it applied everything).
    pub fn is_equal(&self) -> bool {
        let issues: Vec<&str> = self
            .replayed
            .issues
            .iter()
            .map(|i| &*i.origin.migration)
            .collect();
        let failed: Vec<&str> = self.failed.iter().map(|(m, _)| m.as_str()).collect();
        self.differences.is_empty() && issues == failed
    }

    /// How many views had their query compared (its canonical form known
    /// on both sides).
    pub fn definitions(&self) -> usize {
        self.live
            .views
            .iter()
            .filter(|(n, v)| {
                v.definition.is_some()
                    && self
                        .replayed
                        .model
                        .views
                        .get(*n)
                        .is_some_and(|r| r.definition.is_some())
            })
            .count()
    }

    /// How many tables, columns, indexes, constraints, triggers, enums,
    /// functions and views were compared (those of the database).
    pub fn objects(&self) -> usize {
        let m = &self.live;
        m.tables.len()
            + m.tables
                .values()
                .map(|t| {
                    t.columns.len()
                        + t.indexes.len()
                        + t.foreign_keys.len()
                        + t.checks.len()
                        + t.triggers.len()
                        + usize::from(t.primary_key.is_some())
                })
                .sum::<usize>()
            + m.enums.len()
            + m.functions.len()
            + m.views.len()
    }
}

/// Replays what PostgreSQL applied and compares it with the database.
pub fn compare(applied: &Applied) -> Result<Comparison, HarnessError> {
    let ms: Vec<&Migration> = applied.sent().collect();
    let replayed = replay(&ms);
    let live = introspect(&applied.url, &replayed.model)?;
    let differences = diff(&replayed.model, &live);
    Ok(Comparison {
        replayed,
        live,
        differences,
        failed: applied
            .failed()
            .map(|(m, e)| (m.name.clone(), e.to_owned()))
            .collect(),
    })
}

/// The migrations of a directory, in name order: Prisma's
/// `<name>/migration.sql` (with `<name>/down.sql`), or flat `*.up.sql` /
/// `*_up.sql` / `<name>.sql` files (with `*.down.sql` / `*_down.sql`).
pub fn read_dir(dir: &Path) -> Result<Vec<Migration>, HarnessError> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| err(&dir.display().to_string(), e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    let read = |p: &Path| std::fs::read_to_string(p).map_err(|e| err(&p.display().to_string(), e));
    let read_opt = |p: PathBuf| -> Result<Option<String>, HarnessError> {
        if p.is_file() {
            read(&p).map(Some)
        } else {
            Ok(None)
        }
    };
    let mut out = Vec::new();
    for p in entries {
        let file_name = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let (name, file, down) = if p.is_dir() {
            let f = p.join("migration.sql");
            if !f.is_file() {
                continue;
            }
            let down = read_opt(p.join("down.sql"))?;
            (file_name, f, down)
        } else if let Some(stem) = file_name.strip_suffix(".up.sql") {
            let down = read_opt(dir.join(format!("{stem}.down.sql")))?;
            (stem.to_owned(), p.clone(), down)
        } else if let Some(stem) = file_name.strip_suffix("_up.sql") {
            let down = read_opt(dir.join(format!("{stem}_down.sql")))?;
            (stem.to_owned(), p.clone(), down)
        } else if let Some(stem) = file_name.strip_suffix(".sql")
            && !file_name.ends_with(".down.sql")
            && !file_name.ends_with("_down.sql")
        {
            let down = read_opt(dir.join(format!("{stem}.down.sql")))?;
            (stem.to_owned(), p.clone(), down)
        } else {
            continue;
        };
        out.push(Migration {
            name,
            path: file.display().to_string(),
            sql: read(&file)?,
            down,
        });
    }
    Ok(out)
}

/// What a down script does, run right after its up script on the schema
/// of every earlier migration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DownVerdict {
    /// The schema is the one before the migration again.
    Restores,
    /// It runs, and these objects differ from the schema before the
    /// migration (difference paths, sorted).
    DoesNotRestore(Vec<String>),
    /// PostgreSQL rejects it (migsafe: the replay cannot apply it).
    Fails(String),
}

impl DownVerdict {
    /// The verdict without its details.
    pub fn kind(&self) -> &'static str {
        match self {
            DownVerdict::Restores => "restores",
            DownVerdict::DoesNotRestore(_) => "does not restore",
            DownVerdict::Fails(_) => "fails",
        }
    }
}

/// PostgreSQL's and migsafe's verdict on one down script.
#[derive(Clone, Debug)]
pub struct DownComparison {
    pub migration: String,
    pub postgres: DownVerdict,
    pub migsafe: DownVerdict,
}

impl DownComparison {
    /// Same verdict, and for a down script that does not restore, the same
    /// objects left different.
    pub fn agrees(&self) -> bool {
        match (&self.postgres, &self.migsafe) {
            (DownVerdict::Fails(_), DownVerdict::Fails(_)) => true,
            (a, b) => a == b,
        }
    }
}

fn paths(d: &[Difference]) -> Vec<String> {
    let mut p: Vec<String> = d.iter().map(|d| d.path.clone()).collect();
    p.sort();
    p.dedup();
    p
}

fn introspect_plain(url: &str) -> Result<SchemaModel, HarnessError> {
    let mut conn = migsafe_live::connect(url).map_err(|e| err("connect read-only", e))?;
    conn.introspect(&[]).map_err(|e| err("introspect", e))
}

/// Applies the ups of a history one by one to a database (after `setup`,
/// the runner's own tables) and, for every migration with a down script,
/// runs the down on a copy of the database right after its up
/// (`CREATE DATABASE … TEMPLATE`): PostgreSQL's verdict (the schema after
/// the down against the schema before the up) next to migsafe's
/// (`migsafe_rollback::verify_down` on the replay).
pub fn compare_down_scripts(
    pg: &TestPg,
    prefix: &str,
    setup: &str,
    migrations: &[Migration],
) -> Result<Vec<DownComparison>, HarnessError> {
    let (base, base_url) = pg.fresh_database(prefix);
    let copy = format!("{base}_down");
    let admin_url = pg.database_url("postgres");
    let mut admin = connect(&admin_url)?;
    connect(&base_url)?
        .batch_execute(setup)
        .map_err(|e| err("setup", pg_message(&e)))?;
    let analyzed: Vec<Vec<Statement>> = migrations
        .iter()
        .map(|m| migsafe_classify::analyze(&m.sql).statements)
        .collect();
    let mut replayer = Replayer::new();
    let mut before_live = introspect_plain(&base_url)?;
    let mut out = Vec::new();
    for (m, statements) in migrations.iter().zip(&analyzed) {
        let before_model = replayer.model().clone();
        {
            let mut c = connect(&base_url)?;
            c.batch_execute(&m.sql).map_err(|e| {
                err(
                    &format!("the up script of {} (the history must apply)", m.name),
                    pg_message(&e),
                )
            })?;
        }
        replayer.apply_migration(&MigrationInput {
            name: &m.name,
            path: &m.path,
            statements,
        });
        if let Some(down) = &m.down {
            // The base database has no session now: it can be a template.
            // (Two messages: a multi-statement query is one transaction,
            // and neither statement runs inside one.)
            for sql in [
                format!("DROP DATABASE IF EXISTS \"{copy}\""),
                format!("CREATE DATABASE \"{copy}\" TEMPLATE \"{base}\""),
            ] {
                admin
                    .batch_execute(&sql)
                    .map_err(|e| err("copy the database", pg_message(&e)))?;
            }
            let copy_url = pg.database_url(&copy);
            let postgres = match connect(&copy_url)?.batch_execute(down) {
                Err(e) => DownVerdict::Fails(pg_message(&e)),
                Ok(()) => {
                    let after = introspect_plain(&copy_url)?;
                    let d = paths(&diff(&before_live, &after));
                    if d.is_empty() {
                        DownVerdict::Restores
                    } else {
                        DownVerdict::DoesNotRestore(d)
                    }
                }
            };
            let down_statements = migsafe_classify::analyze(down).statements;
            let check = migsafe_rollback::verify_down(
                &before_model,
                &replayer,
                &MigrationInput {
                    name: &m.name,
                    path: &m.path,
                    statements: &down_statements,
                },
            );
            let migsafe = if let Some(i) = check.issues.first() {
                DownVerdict::Fails(i.message.clone())
            } else if check.differences.is_empty() {
                DownVerdict::Restores
            } else {
                DownVerdict::DoesNotRestore(paths(&check.differences))
            };
            out.push(DownComparison {
                migration: m.name.clone(),
                postgres,
                migsafe,
            });
        }
        before_live = introspect_plain(&base_url)?;
    }
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS \"{copy}\""))
        .map_err(|e| err("drop the copy", pg_message(&e)))?;
    Ok(out)
}

/// The lock a statement that cannot run in a transaction (`CREATE INDEX
/// CONCURRENTLY`, `VACUUM`) asks for on `table`: another session holds
/// SHARE UPDATE EXCLUSIVE on it, the statement waits, and `pg_locks` shows
/// what it waits for; then the other session lets it through and it runs
/// to its end.
///
/// # Errors
///
/// A message when the statement fails or never waits for the lock.
pub fn requested_lock(
    url: &str,
    sql: &str,
    table: &str,
) -> Result<migsafe_schema::locks::LockMode, String> {
    use migsafe_schema::locks::LockMode;
    let mut blocker = connect(url).map_err(|e| e.0)?;
    let mut watcher = connect(url).map_err(|e| e.0)?;
    let mut tx = blocker.transaction().map_err(|e| e.to_string())?;
    tx.batch_execute(&format!(
        "LOCK TABLE \"{table}\" IN SHARE UPDATE EXCLUSIVE MODE"
    ))
    .map_err(|e| e.to_string())?;
    let url2 = url.to_owned();
    let sql2 = sql.to_owned();
    let runner = std::thread::spawn(move || -> Result<(), String> {
        let mut c = connect(&url2).map_err(|e| e.0)?;
        c.batch_execute(&sql2).map_err(|e| pg_message(&e))
    });
    // Wait for the statement to queue behind the blocker (a condition, not
    // a time; the bound only turns a hang into a failure).
    let started = std::time::Instant::now();
    let mode = loop {
        let rows = watcher
            .query(
                "SELECT l.mode::text FROM pg_catalog.pg_locks l \
                 JOIN pg_catalog.pg_class c ON c.oid = l.relation \
                 WHERE NOT l.granted AND c.relname = $1 \
                   AND l.database = (SELECT d.oid FROM pg_catalog.pg_database d \
                                     WHERE d.datname = pg_catalog.current_database())",
                &[&table],
            )
            .map_err(|e| e.to_string())?;
        if let Some(r) = rows.first() {
            break LockMode::from_pg_name(r.get::<_, &str>(0)).ok_or("lock mode")?;
        }
        if runner.is_finished() {
            return Err("the statement finished without waiting for the lock".to_owned());
        }
        if started.elapsed() > std::time::Duration::from_secs(300) {
            return Err("the statement never queued for the lock".to_owned());
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    };
    tx.commit().map_err(|e| e.to_string())?;
    runner.join().map_err(|_| "runner panicked".to_owned())??;
    Ok(mode)
}
