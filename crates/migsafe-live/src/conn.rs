//! The session: connecting, read-only transactions, errors.

use std::time::Duration;

use postgres::{Client, IsolationLevel, Transaction};
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::tls::{self, Roots};
use crate::url::{self, SslMode, redact, scrub};

/// How long a connection attempt may take when the URL does not say
/// (`connect_timeout`).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Settings of every read transaction: a fixed `search_path` and time zone
/// so the catalog spells names and timestamps the same way on every
/// server, and timeouts so a busy production database is never held up.
const TRANSACTION_SETTINGS: &str = "SET LOCAL search_path TO public; \
     SET LOCAL TimeZone TO 'UTC'; \
     SET LOCAL DateStyle TO 'ISO, YMD'; \
     SET LOCAL IntervalStyle TO 'postgres'; \
     SET LOCAL extra_float_digits TO 1; \
     SET LOCAL statement_timeout TO '60s'; \
     SET LOCAL lock_timeout TO '5s'; \
     SET LOCAL idle_in_transaction_session_timeout TO '60s'";

/// Why a database could not be read. Every message names the database by
/// its [`redact`]ed URL and never holds the password.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LiveError {
    /// The URL cannot be used (wrong scheme, unknown parameter, bad
    /// `sslmode`, an unreadable `sslrootcert`).
    #[error("invalid database URL `{url}`: {reason}")]
    InvalidUrl {
        /// The redacted URL.
        url: String,
        /// What is wrong.
        reason: String,
        /// What to do.
        help: Option<String>,
    },
    /// The server could not be reached, refused TLS or the login.
    #[error("cannot connect to `{url}`: {reason}")]
    Connect {
        /// The redacted URL.
        url: String,
        /// The driver's or the server's reason.
        reason: String,
        /// What to do.
        help: Option<String>,
    },
    /// A catalog query failed.
    #[error("cannot read {what} from `{url}`: {reason}")]
    Query {
        /// The redacted URL.
        url: String,
        /// What was being read: `the schema`, `Prisma's migration history`.
        what: String,
        /// The server's message.
        reason: String,
        /// What to do.
        help: Option<String>,
    },
}

impl LiveError {
    /// A help line, when there is one.
    pub fn help(&self) -> Option<&str> {
        match self {
            LiveError::InvalidUrl { help, .. }
            | LiveError::Connect { help, .. }
            | LiveError::Query { help, .. } => help.as_deref(),
        }
    }

    /// The redacted URL of the database.
    pub fn url(&self) -> &str {
        match self {
            LiveError::InvalidUrl { url, .. }
            | LiveError::Connect { url, .. }
            | LiveError::Query { url, .. } => url,
        }
    }
}

/// A read-only session with a live database.
pub struct Connection {
    pub(crate) client: Client,
    url: String,
    schema: Option<String>,
    sslmode: SslMode,
    secrets: Vec<String>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("url", &self.url)
            .field("schema", &self.schema)
            .field("sslmode", &self.sslmode)
            .finish_non_exhaustive()
    }
}

/// Connects to the database at `url`, read-only.
///
/// `url` is `postgres://` or `postgresql://` with the parameters of libpq
/// that the driver knows, plus:
///
/// - `sslmode`: `disable`, `allow`/`prefer` (the default: TLS when the
///   server offers it), `require` (TLS, certificate not verified),
///   `verify-ca` (chain verified), `verify-full` (chain and host name
///   verified); `PGSSLMODE` when the URL has none;
/// - `sslrootcert`: a PEM file of trusted roots for `verify-*`, or
///   `system` for the bundled Mozilla roots; `PGSSLROOTCERT` when the URL
///   has none;
/// - `schema`: Prisma's schema, see [`Connection::url_schema`];
/// - Prisma's client parameters (`connection_limit`, `pgbouncer`, …),
///   ignored.
///
/// `application_name` is always `migsafe`; `connect_timeout` defaults to
/// 10 seconds; `options` gets `-c default_transaction_read_only=on`.
///
/// # Errors
///
/// [`LiveError::InvalidUrl`] for a URL that cannot be used,
/// [`LiveError::Connect`] when the server cannot be reached, refuses TLS or
/// the login. No message holds the password.
pub fn connect(url: &str) -> Result<Connection, LiveError> {
    open(url, true, None)
}

/// [`connect`], read-only or (for a scratch database migsafe created
/// itself, see [`crate::scratch`]) not, to `dbname` instead of the URL's
/// database when given.
pub(crate) fn open(
    url: &str,
    read_only: bool,
    dbname: Option<&str>,
) -> Result<Connection, LiveError> {
    let shown = redact(url.trim());
    let invalid =
        |reason: String, help: Option<String>, secrets: &[String]| LiveError::InvalidUrl {
            url: shown.clone(),
            reason: scrub(&reason, secrets),
            help,
        };
    let parsed = url::parse(url).map_err(|reason| {
        let help = if reason.contains("unencoded `@`") {
            Some("percent-encode the password: `@` is `%40`, `:` is `%3A`, `/` is `%2F`".to_owned())
        } else if reason.contains("sslmode") {
            Some("write `?sslmode=require` (encrypt) or `?sslmode=verify-full` (encrypt and verify the server)".to_owned())
        } else {
            Some("write it as postgres://USER:PASSWORD@HOST:PORT/DATABASE".to_owned())
        };
        invalid(reason, help, &[])
    })?;
    let secrets = parsed.secrets.clone();
    let mut config: postgres::Config = parsed.driver_url.parse().map_err(|e: postgres::Error| {
        let reason = error_chain(&e);
        let option = reason
            .split('`')
            .nth(1)
            .map(str::to_owned)
            .unwrap_or_default();
        let help = if reason.contains("unknown option") {
            format!("remove `{option}` from the URL: migsafe accepts libpq's connection parameters and Prisma's client options")
        } else if reason.contains("invalid value") {
            format!("fix the value of `{option}` in the URL")
        } else {
            "write it as postgres://USER:PASSWORD@HOST:PORT/DATABASE?PARAMETER=VALUE".to_owned()
        };
        let help = Some(help);
        invalid(reason, help, &secrets)
    })?;
    let sslmode = match parsed.sslmode {
        Some(m) => m,
        None => match std::env::var("PGSSLMODE") {
            Ok(v) if !v.trim().is_empty() => {
                url::parse(&format!("postgres://h?sslmode={}", v.trim()))
                    .ok()
                    .and_then(|p| p.sslmode)
                    .ok_or_else(|| {
                        invalid(
                    format!("PGSSLMODE `{}` is not a valid sslmode", v.trim()),
                    Some(
                        "expected disable, allow, prefer, require, verify-ca or verify-full"
                            .to_owned(),
                    ),
                    &secrets,
                )
                    })?
            }
            _ => SslMode::Prefer,
        },
    };
    let rootcert = parsed.sslrootcert.clone().or_else(|| {
        std::env::var("PGSSLROOTCERT")
            .ok()
            .filter(|s| !s.is_empty())
    });
    config.ssl_mode(match sslmode {
        SslMode::Disable => postgres::config::SslMode::Disable,
        SslMode::Allow | SslMode::Prefer => postgres::config::SslMode::Prefer,
        SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => {
            postgres::config::SslMode::Require
        }
    });
    config.application_name("migsafe");
    if read_only {
        let mut options = parsed.options.clone().unwrap_or_default();
        if !options.is_empty() {
            options.push(' ');
        }
        options.push_str("-c default_transaction_read_only=on");
        config.options(&options);
    } else if let Some(o) = &parsed.options {
        config.options(o);
    }
    if let Some(d) = dbname {
        config.dbname(d);
    }
    if !parsed.has_connect_timeout {
        config.connect_timeout(CONNECT_TIMEOUT);
    }
    let (tls_config, roots) =
        tls::client_config(sslmode, rootcert.as_deref()).map_err(|reason| {
            invalid(
                reason,
                Some(
                    "point sslrootcert at a readable PEM file with the server's CA certificate"
                        .to_owned(),
                ),
                &secrets,
            )
        })?;
    let client = config
        .connect(MakeRustlsConnect::new(tls_config))
        .map_err(|e| connect_error(&e, &shown, &config, sslmode, &roots, &secrets))?;
    Ok(Connection {
        client,
        url: shown,
        schema: parsed.schema,
        sslmode,
        secrets,
    })
}

fn hosts(config: &postgres::Config) -> String {
    let ports = config.get_ports();
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let host = match h {
                postgres::config::Host::Tcp(h) => h.clone(),
                postgres::config::Host::Unix(p) => p.display().to_string(),
            };
            let port = ports.get(i).or(ports.first()).copied().unwrap_or(5432);
            format!("{host}:{port}")
        })
        .collect();
    if hosts.is_empty() {
        "the default host".to_owned()
    } else {
        hosts.join(", ")
    }
}

fn connect_error(
    e: &postgres::Error,
    shown: &str,
    config: &postgres::Config,
    sslmode: SslMode,
    roots: &Roots,
    secrets: &[String],
) -> LiveError {
    let reason = scrub(&error_chain(e), secrets);
    let lower = reason.to_ascii_lowercase();
    let code = e.as_db_error().map(|d| d.code().code().to_owned());
    let help = match code.as_deref() {
        Some("28P01" | "28000") => Some(
            "check the user name and password in the URL (percent-encode special characters in the password)".to_owned(),
        ),
        Some("3D000") => Some("check the database name at the end of the URL".to_owned()),
        Some("53300") => Some("the server has no free connection slot: try again later".to_owned()),
        Some("57P03") => Some("the server is starting up or shutting down: try again in a moment".to_owned()),
        _ if lower.contains("does not support tls") || lower.contains("does not support ssl") => Some(format!(
            "the server does not offer TLS; sslmode={sslmode} requires it: use sslmode=prefer or sslmode=disable only on a trusted network"
        )),
        _ if lower.contains("certificate") || lower.contains("unknownissuer") || lower.contains("notvalidforname") => {
            Some(match roots {
                Roots::File(p) => format!(
                    "the server's certificate does not verify against {} (sslmode={sslmode}): check the CA file and the host name",
                    p.display()
                ),
                _ => format!(
                    "the server's certificate does not verify against the bundled Mozilla roots (sslmode={sslmode}): add sslrootcert=/path/to/ca.pem, or use sslmode=require to encrypt without verifying"
                ),
            })
        }
        _ if lower.contains("timed out") || lower.contains("timeout") => Some(format!(
            "{} did not answer in time: check the host, the port and any firewall, or raise connect_timeout",
            hosts(config)
        )),
        _ if lower.contains("failed to lookup") || lower.contains("name or service not known") => Some(format!(
            "the host name does not resolve ({}): check the host in the URL",
            hosts(config)
        )),
        _ if lower.contains("refused") || lower.contains("error connecting") => Some(format!(
            "check that a PostgreSQL server runs at {} and accepts TCP connections from this machine",
            hosts(config)
        )),
        _ => None,
    };
    LiveError::Connect {
        url: shown.to_owned(),
        reason,
        help,
    }
}

/// The error and its sources, without repeating a source the message
/// already holds.
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    if let Some(db) = e
        .downcast_ref::<postgres::Error>()
        .and_then(|p| p.as_db_error())
    {
        out = format!("{} ({}): {}", db.severity(), db.code().code(), db.message());
        if let Some(d) = db.detail() {
            out.push_str(&format!("; {d}"));
        }
        if let Some(h) = db.hint() {
            out.push_str(&format!("; hint: {h}"));
        }
        return out;
    }
    let mut source = e.source();
    while let Some(s) = source {
        let m = s.to_string();
        if !out.contains(&m) {
            out.push_str(": ");
            out.push_str(&m);
        }
        source = s.source();
    }
    out
}

impl Connection {
    /// The URL with its password replaced by `***`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Prisma's `?schema=` parameter: the schema Prisma's own table
    /// (`_prisma_migrations`) lives in and the default for introspection.
    pub fn url_schema(&self) -> Option<&str> {
        self.schema.as_deref()
    }

    /// The `sslmode` in effect.
    pub fn sslmode(&self) -> SslMode {
        self.sslmode
    }

    /// Runs `f` in a fresh `READ ONLY`, `REPEATABLE READ` transaction (one
    /// snapshot for every query), with [`TRANSACTION_SETTINGS`], and rolls
    /// it back.
    pub(crate) fn read<T>(
        &mut self,
        what: &str,
        f: impl FnOnce(&mut Transaction<'_>) -> Result<T, postgres::Error>,
    ) -> Result<T, LiveError> {
        let result = (|| {
            let mut tx = self
                .client
                .build_transaction()
                .read_only(true)
                .isolation_level(IsolationLevel::RepeatableRead)
                .start()?;
            tx.batch_execute(TRANSACTION_SETTINGS)?;
            // Take the snapshot now: from here on the transaction can no
            // longer be switched to read-write.
            tx.execute("SELECT 1", &[])?;
            let value = f(&mut tx)?;
            tx.rollback()?;
            Ok(value)
        })();
        result.map_err(|e: postgres::Error| self.query_error(what, &e))
    }

    pub(crate) fn query_error(&self, what: &str, e: &postgres::Error) -> LiveError {
        let reason = scrub(&error_chain(e), &self.secrets);
        let code = e.as_db_error().map(|d| d.code().code().to_owned());
        let help = match code.as_deref() {
            Some("25006") => Some(
                "migsafe only reads: every query runs in a read-only transaction".to_owned(),
            ),
            Some("42501") => Some(
                "the user may not read the catalog or this table: connect as a user with read access (SELECT on the table, USAGE on its schema)".to_owned(),
            ),
            Some("57014") => Some("the query was cancelled (statement_timeout of 60 s): try again when the database is less busy".to_owned()),
            Some("55P03") => Some("a lock was held for more than 5 s (lock_timeout), probably by a running migration: try again when it has finished".to_owned()),
            _ if e.is_closed() => Some("the connection was closed: connect again".to_owned()),
            _ => None,
        };
        LiveError::Query {
            url: self.url.clone(),
            what: what.to_owned(),
            reason,
            help,
        }
    }

    /// Whether the connection to the server is gone.
    pub fn is_closed(&self) -> bool {
        self.client.is_closed()
    }

    /// The server's version (`SHOW server_version`): `15.8 (Debian 15.8-1)`.
    ///
    /// # Errors
    ///
    /// [`LiveError::Query`] when the query fails.
    pub fn server_version(&mut self) -> Result<String, LiveError> {
        self.read("the server version", |tx| {
            tx.query_one("SHOW server_version", &[])?
                .try_get::<_, String>(0)
        })
    }

    /// The planner's row estimate (`pg_class.reltuples`) of every table and
    /// materialized view, by `name` (or `schema.name` outside `public`);
    /// tables never analyzed (`-1`) are left out.
    ///
    /// # Errors
    ///
    /// [`LiveError::Query`] when the query fails.
    pub fn table_rows(&mut self) -> Result<std::collections::BTreeMap<String, u64>, LiveError> {
        self.read("the table sizes", |tx| {
            let mut out = std::collections::BTreeMap::new();
            for r in tx.query(
                "SELECT n.nspname::text, c.relname::text, c.reltuples::float8 \
                 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
                 WHERE c.relkind IN ('r', 'p', 'm') AND n.nspname <> 'information_schema' \
                   AND n.nspname !~ '^pg_' AND c.reltuples >= 0",
                &[],
            )? {
                let (schema, name, rows): (String, String, f64) =
                    (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?);
                let label = if schema == "public" {
                    name
                } else {
                    format!("{schema}.{name}")
                };
                // A row estimate: a float the planner keeps; whole rows.
                out.insert(label, rows.max(0.0).round() as u64);
            }
            Ok(out)
        })
    }

    /// Whether this session is encrypted (`pg_stat_ssl`).
    ///
    /// # Errors
    ///
    /// [`LiveError::Query`] when the query fails.
    pub fn tls_in_use(&mut self) -> Result<bool, LiveError> {
        self.read("the TLS status", |tx| {
            match tx.query_opt(
                "SELECT ssl FROM pg_catalog.pg_stat_ssl WHERE pid = pg_catalog.pg_backend_pid()",
                &[],
            )? {
                Some(r) => r.try_get::<_, bool>(0),
                None => Ok(false),
            }
        })
    }

    /// Runs one SQL statement in a read-only transaction and returns how
    /// many rows it returned. For probes (`SELECT 1`, a custom health
    /// query); the statement is sent with the extended protocol, so only one
    /// statement is accepted, and anything that writes fails with
    /// [`LiveError::Query`] (`cannot execute … in a read-only transaction`).
    ///
    /// # Errors
    ///
    /// [`LiveError::Query`] with the server's message.
    pub fn run_read_only(&mut self, sql: &str) -> Result<u64, LiveError> {
        self.read("the result of a query", |tx| tx.execute(sql, &[]))
    }
}
