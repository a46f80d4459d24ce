//! A scratch database: created by migsafe on a server the user names, used
//! to prove a rollback plan, and dropped. The only place migsafe writes,
//! and only to a database it created in the same run.

use std::sync::atomic::{AtomicU32, Ordering};

use crate::conn::{Connection, LiveError, open};
use crate::url::redact;
use migsafe_model::SchemaModel;

/// The comment on every scratch database: what made it, so a person who
/// finds one left behind (a killed run) knows it is safe to drop.
pub const SCRATCH_COMMENT: &str = "created by migsafe rollback verify; safe to drop";

/// The prefix of every scratch database's name.
pub const SCRATCH_PREFIX: &str = "migsafe_scratch_";

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A database migsafe created; dropped when this is dropped.
pub struct Scratch {
    admin: Connection,
    db: Option<Connection>,
    name: String,
}

impl std::fmt::Debug for Scratch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scratch")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// Why a script failed on the scratch database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptError {
    /// `ERROR (42P07): relation "x" already exists`.
    pub message: String,
    /// The 1-based character position in the script PostgreSQL reported.
    pub position: Option<u32>,
}

/// Creates a scratch database on the server of `url` (its own database is
/// only used to run `CREATE DATABASE` and `DROP DATABASE`; nothing else
/// is done there).
///
/// # Errors
///
/// [`LiveError`] when the server cannot be reached or refuses to create a
/// database (the user needs `CREATEDB`).
pub fn create_scratch(url: &str) -> Result<Scratch, LiveError> {
    let mut admin = open(url, false, None)?;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let name = format!(
        "{SCRATCH_PREFIX}{}_{}_{nanos:x}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    // The name is ours: letters, digits and `_` only, so it needs no
    // quoting beyond the double quotes.
    let create = format!("CREATE DATABASE \"{name}\" TEMPLATE template0");
    if let Err(e) = admin.client.batch_execute(&create) {
        return Err(admin.query_error("a scratch database (CREATE DATABASE)", &e));
    }
    let comment = format!("COMMENT ON DATABASE \"{name}\" IS '{SCRATCH_COMMENT}'");
    let mut scratch = Scratch {
        admin,
        db: None,
        name,
    };
    if let Err(e) = scratch.admin.client.batch_execute(&comment) {
        return Err(scratch
            .admin
            .query_error("the scratch database's comment", &e));
    }
    scratch.db = Some(open(url, false, Some(&scratch.name))?);
    scratch.check_ours()?;
    Ok(scratch)
}

impl Scratch {
    /// The scratch database's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    fn db(&mut self) -> Result<&mut Connection, LiveError> {
        match self.db.as_mut() {
            Some(d) => Ok(d),
            None => Err(LiveError::Query {
                url: redact(self.admin.url()),
                what: "the scratch database".to_owned(),
                reason: "the scratch database is closed".to_owned(),
                help: None,
            }),
        }
    }

    /// The session is on the database this run created, with its comment:
    /// nothing is ever run anywhere else.
    fn check_ours(&mut self) -> Result<(), LiveError> {
        let name = self.name.clone();
        let db = self.db()?;
        let row = db.client.query_one(
            "SELECT current_database()::text, coalesce(shobj_description(d.oid, 'pg_database'), '') \
             FROM pg_catalog.pg_database d WHERE d.datname = current_database()",
            &[],
        );
        match row {
            Ok(r) => {
                let (current, comment): (String, String) = (r.get(0), r.get(1));
                if current == name && comment == SCRATCH_COMMENT {
                    Ok(())
                } else {
                    Err(LiveError::Query {
                        url: db.url().to_owned(),
                        what: "the scratch database".to_owned(),
                        reason: format!(
                            "the session is on `{current}`, not on the database migsafe created (`{name}`): refusing to run anything"
                        ),
                        help: None,
                    })
                }
            }
            Err(e) => Err(db.query_error("the scratch database", &e)),
        }
    }

    /// Runs `sql` the way Prisma runs a `migration.sql`: as one simple
    /// query, so PostgreSQL runs it in one implicit transaction and one
    /// failing statement rolls the whole script back.
    ///
    /// # Errors
    ///
    /// The server's error for the script, or [`LiveError`] when the session
    /// is gone.
    pub fn run_script(&mut self, sql: &str) -> Result<Result<(), ScriptError>, LiveError> {
        self.check_ours()?;
        let db = self.db()?;
        match db.client.batch_execute(sql) {
            Ok(()) => Ok(Ok(())),
            Err(e) => match e.as_db_error() {
                Some(d) => Ok(Err(ScriptError {
                    message: format!("{} ({}): {}", d.severity(), d.code().code(), d.message()),
                    position: match d.position() {
                        Some(postgres::error::ErrorPosition::Original(p)) => Some(*p),
                        _ => None,
                    },
                })),
                None => Err(db.query_error("a script on the scratch database", &e)),
            },
        }
    }

    /// The scratch database's schema (see [`Connection::introspect`]).
    ///
    /// # Errors
    ///
    /// [`LiveError::Query`] when a catalog query fails.
    pub fn introspect(&mut self, schemas: &[&str]) -> Result<SchemaModel, LiveError> {
        self.db()?.introspect(schemas)
    }

    /// The read side of the scratch session: [`Connection::introspect`],
    /// [`Connection::reconcile_defaults`].
    ///
    /// # Errors
    ///
    /// [`LiveError::Query`] when the session is closed.
    pub fn connection(&mut self) -> Result<&mut Connection, LiveError> {
        self.db()
    }

    /// Drops the scratch database (also done on drop, errors ignored).
    ///
    /// # Errors
    ///
    /// [`LiveError::Query`] when `DROP DATABASE` fails.
    pub fn finish(mut self) -> Result<(), LiveError> {
        self.drop_database()
    }

    fn drop_database(&mut self) -> Result<(), LiveError> {
        let Some(db) = self.db.take() else {
            return Ok(());
        };
        drop(db);
        // Only ever the name this run created.
        debug_assert!(self.name.starts_with(SCRATCH_PREFIX));
        let sql = format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name);
        self.admin.client.batch_execute(&sql).map_err(|e| {
            self.admin
                .query_error("the scratch database (DROP DATABASE)", &e)
        })
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = self.drop_database();
    }
}
