#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

//! The session: read-only whatever is sent, `application_name`, TLS as
//! `sslmode` asks, and errors that never hold the password.

use std::net::TcpListener;
use std::path::Path;
use std::process::Command;

use migsafe_live::{LiveError, connect};
use migsafe_testpg::{TestPg, require_pg, skip_or_fail};

/// A loopback port nothing listens on.
fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

fn query_reason(e: &LiveError) -> &str {
    match e {
        LiveError::Query { reason, .. } => reason,
        other => panic!("expected a query error, got {other:?}"),
    }
}

#[test]
fn nothing_is_ever_written() {
    let pg = require_pg!();
    let (db, url) = pg.fresh_database("readonly");
    pg.psql(&db, "CREATE TABLE t (a int); CREATE SEQUENCE s;")
        .unwrap();
    let mut conn = connect(&url).unwrap();
    assert_eq!(conn.run_read_only("SELECT 1").unwrap(), 1);
    assert_eq!(conn.run_read_only("SELECT * FROM t").unwrap(), 0);

    for sql in [
        "INSERT INTO t VALUES (1)",
        "UPDATE t SET a = 2",
        "DELETE FROM t",
        "CREATE TABLE x (a int)",
        "DROP TABLE t",
        "ALTER TABLE t ADD COLUMN b int",
        "TRUNCATE t",
        "SELECT nextval('s')",
        "DO $$ BEGIN CREATE TABLE y (a int); END $$",
        "CREATE TEMP TABLE tmp (a int)",
    ] {
        let err = conn.run_read_only(sql).unwrap_err();
        let reason = query_reason(&err);
        assert!(reason.contains("read-only transaction"), "{sql}: {reason}");
        assert!(reason.contains("25006"), "{sql}: {reason}");
        assert!(err.help().unwrap().contains("read-only"), "{sql}");
    }
    // The transaction cannot be switched to read-write.
    let err = conn
        .run_read_only("SET transaction_read_only = off")
        .unwrap_err();
    assert!(
        query_reason(&err).contains("must be set before any query"),
        "{err}"
    );
    // Only one statement at a time: no `COMMIT; …` escape.
    let err = conn
        .run_read_only("COMMIT; INSERT INTO t VALUES (1)")
        .unwrap_err();
    assert!(query_reason(&err).contains("multiple commands"), "{err}");
    // Changing the session's default does not open a way either: every
    // query starts its own read-only transaction.
    conn.run_read_only("SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE")
        .unwrap();
    conn.run_read_only("SET default_transaction_read_only = off")
        .unwrap();
    let err = conn.run_read_only("CREATE TABLE z (a int)").unwrap_err();
    assert!(
        query_reason(&err).contains("read-only transaction"),
        "{err}"
    );
    // The connection is still usable after every refusal.
    assert_eq!(conn.run_read_only("SELECT 1").unwrap(), 1);

    // Nothing happened.
    assert_eq!(pg.psql(&db, "SELECT count(*) FROM t").unwrap().trim(), "0");
    assert_eq!(
        pg.psql(
            &db,
            "SELECT count(*) FROM pg_class WHERE relname IN ('x', 'y', 'z', 'tmp')"
        )
        .unwrap()
        .trim(),
        "0"
    );
    assert_eq!(
        pg.psql(&db, "SELECT last_value, is_called FROM s")
            .unwrap()
            .trim(),
        "1|f"
    );
}

#[test]
fn the_session_is_named_and_read_only_by_default() {
    let pg = require_pg!();
    let (db, url) = pg.fresh_database("appname");
    let mut conn = connect(&url).unwrap();
    assert_eq!(conn.run_read_only("SELECT 1").unwrap(), 1);
    let seen = pg
        .psql(
            &db,
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'migsafe' AND datname = current_database()",
        )
        .unwrap();
    assert_eq!(seen.trim(), "1");
    // `options` from the URL are kept, and the read-only default added.
    let url = format!("{url}?options=-c%20work_mem%3D7MB&application_name=other");
    let mut conn = connect(&url).unwrap();
    assert_eq!(
        conn.run_read_only("SELECT 1 WHERE current_setting('work_mem') = '7MB' AND current_setting('default_transaction_read_only') = 'on' AND current_setting('application_name') = 'migsafe'")
            .unwrap(),
        1
    );
    assert!(conn.server_version().unwrap().starts_with(&pg.version));
    assert!(!conn.tls_in_use().unwrap());
}

#[test]
fn prisma_urls_are_accepted() {
    let pg = require_pg!();
    let (_, url) = pg.fresh_database("prismaurl");
    let url = url.replacen("postgres://", "postgresql://", 1);
    let conn = connect(&format!(
        "{url}?schema=app&connection_limit=5&pool_timeout=10&pgbouncer=true&sslmode=disable"
    ))
    .unwrap();
    assert_eq!(conn.url_schema(), Some("app"));
    assert_eq!(conn.sslmode(), migsafe_live::SslMode::Disable);
}

/// Passwords that must never be seen in an error.
const SECRETS: &[&str] = &["Sup3r@Secret!", "hunter2-xyz"];

fn assert_no_secret(e: &LiveError) {
    let shown = format!("{e} {} {e:?}", e.help().unwrap_or(""));
    for s in SECRETS {
        assert!(!shown.contains(s), "{s} in {shown}");
    }
    assert!(!shown.contains("Sup3r%40Secret"), "{shown}");
}

/// A port nothing listens on and the error of connecting to it. The port of
/// a listener just closed can be taken by a server another test starts
/// before the connection is made (seen under load): then the connection is
/// not refused, and another port is tried.
fn refused_connection(url_for: impl Fn(u16) -> String) -> (u16, LiveError) {
    let mut last = None;
    for _ in 0..50 {
        let port = closed_port();
        let Err(err) = connect(&url_for(port)) else {
            continue;
        };
        if err.to_string().contains("refused") {
            return (port, err);
        }
        last = Some((port, err));
    }
    last.unwrap_or_else(|| panic!("every port tried accepted the connection"))
}

#[test]
fn connection_errors_never_show_the_password() {
    let (port, err) = refused_connection(|port| {
        format!("postgres://admin:Sup3r%40Secret!@127.0.0.1:{port}/shop?sslmode=disable")
    });
    assert!(matches!(err, LiveError::Connect { .. }), "{err:?}");
    assert_no_secret(&err);
    let text = err.to_string();
    assert!(
        text.starts_with(&format!(
            "cannot connect to `postgres://admin:***@127.0.0.1:{port}/shop?sslmode=disable`: "
        )),
        "{text}"
    );
    assert!(text.contains("refused"), "{text}");
    assert!(
        err.help().unwrap().contains(&format!("127.0.0.1:{port}")),
        "{:?}",
        err.help()
    );
    assert_eq!(
        err.url(),
        format!("postgres://admin:***@127.0.0.1:{port}/shop?sslmode=disable")
    );

    // In the query string.
    let err = connect(&format!(
        "postgres://admin@127.0.0.1:{port}/shop?password=hunter2-xyz&sslmode=disable"
    ))
    .unwrap_err();
    assert_no_secret(&err);
    assert!(err.to_string().contains("password=***"), "{err}");

    // Invalid URLs.
    for url in [
        "postgres://admin:Sup3r@Secret!@127.0.0.1/shop".to_owned(),
        format!("postgres://admin:Sup3r%40Secret!@127.0.0.1:{port}/shop?nonsense=1"),
        format!("postgres://admin:Sup3r%40Secret!@127.0.0.1:{port}/shop?sslmode=always"),
        format!("postgres://admin:Sup3r%40Secret!@127.0.0.1:{port}/shop?port=x"),
        "mysql://admin:Sup3r%40Secret!@127.0.0.1/shop".to_owned(),
        format!(
            "postgres://admin:Sup3r%40Secret!@127.0.0.1:{port}/shop?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem"
        ),
    ] {
        let err = connect(&url).unwrap_err();
        assert!(
            matches!(err, LiveError::InvalidUrl { .. }),
            "{url}: {err:?}"
        );
        assert_no_secret(&err);
        assert!(err.help().is_some(), "{url}: {err}");
    }
}

#[test]
fn server_errors_never_show_the_password() {
    let pg = require_pg!();
    let url = format!(
        "postgres://postgres:hunter2-xyz@127.0.0.1:{}/no_such_database",
        pg.port
    );
    let err = connect(&url).unwrap_err();
    assert_no_secret(&err);
    let text = err.to_string();
    assert!(text.contains("3D000"), "{text}");
    assert!(text.contains("no_such_database"), "{text}");
    assert!(err.help().unwrap().contains("database name"));

    // TLS required by the URL, not offered by the server.
    let url = format!(
        "postgres://postgres:hunter2-xyz@127.0.0.1:{}/postgres?sslmode=require",
        pg.port
    );
    let err = connect(&url).unwrap_err();
    assert_no_secret(&err);
    assert!(err.help().unwrap().contains("does not offer TLS"), "{err}");
}

// ----- TLS ------------------------------------------------------------------

struct Pki {
    dir: std::path::PathBuf,
}

impl Drop for Pki {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn openssl(dir: &Path, args: &[&str]) -> Result<(), String> {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .map_err(|e| format!("cannot run openssl: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// A CA, a server certificate for `localhost` signed by it, and another
/// CA that signed nothing.
fn make_pki() -> Result<Pki, String> {
    let dir = std::env::temp_dir().join(format!("migsafe-live-pki-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let pki = Pki { dir };
    let d = &pki.dir;
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    for ca in ["ca", "other-ca"] {
        let (key, crt) = (format!("{ca}.key"), format!("{ca}.crt"));
        let mut args = vec!["req", "-x509"];
        args.extend(ec);
        args.extend([
            "-keyout",
            &key,
            "-out",
            &crt,
            "-days",
            "3",
            "-subj",
            "/CN=migsafe test CA",
        ]);
        openssl(d, &args)?;
    }
    let mut args = vec!["req"];
    args.extend(ec);
    args.extend([
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=localhost",
    ]);
    openssl(d, &args)?;
    std::fs::write(
        d.join("ext.cnf"),
        "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .map_err(|e| e.to_string())?;
    openssl(
        d,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.crt",
            "-days",
            "3",
            "-extfile",
            "ext.cnf",
        ],
    )?;
    Ok(pki)
}

#[test]
fn tls_follows_sslmode() {
    let _ = require_pg!();
    let pki = match make_pki() {
        Ok(p) => p,
        Err(e) => return skip_or_fail(&migsafe_testpg::Skip(format!("no test certificates: {e}"))),
    };
    let read = |n: &str| std::fs::read(pki.dir.join(n)).unwrap();
    let (crt, key) = (read("server.crt"), read("server.key"));
    let pg = match TestPg::start_with(
        &[
            ("ssl", "on"),
            ("ssl_cert_file", "server.crt"),
            ("ssl_key_file", "server.key"),
        ],
        &[("server.crt", &crt), ("server.key", &key)],
    ) {
        Ok(pg) => pg,
        Err(reason) => return skip_or_fail(&reason),
    };
    let ca = pki.dir.join("ca.crt");
    let other = pki.dir.join("other-ca.crt");
    let url = |host: &str, query: &str| {
        format!(
            "postgres://postgres:hunter2-xyz@{host}:{}/postgres?{query}",
            pg.port
        )
    };
    let tls = |u: String| {
        let mut c = connect(&u).unwrap_or_else(|e| panic!("{u}: {e}"));
        c.tls_in_use().unwrap()
    };
    let refused = |u: String| {
        let e = connect(&u).expect_err(&u);
        assert!(matches!(e, LiveError::Connect { .. }), "{u}: {e:?}");
        assert_no_secret(&e);
        e
    };

    // Encrypted without verification.
    assert!(tls(url("127.0.0.1", "sslmode=require")));
    assert!(tls(url("127.0.0.1", "sslmode=prefer")));
    assert!(tls(url("127.0.0.1", "")));
    assert!(!tls(url("127.0.0.1", "sslmode=disable")));

    // Verified against the CA file.
    let ca_q = format!("sslrootcert={}", ca.display());
    assert!(tls(url(
        "localhost",
        &format!("sslmode=verify-full&{ca_q}")
    )));
    assert!(tls(url("127.0.0.1", &format!("sslmode=verify-ca&{ca_q}"))));
    // The certificate names localhost, not 127.0.0.1.
    let e = refused(url("127.0.0.1", &format!("sslmode=verify-full&{ca_q}")));
    assert!(e.to_string().contains("certificate"), "{e}");
    assert!(e.help().unwrap().contains("ca.crt"), "{:?}", e.help());
    // Another CA, or the bundled roots: not trusted.
    let other_q = format!("sslrootcert={}", other.display());
    refused(url("localhost", &format!("sslmode=verify-ca&{other_q}")));
    let e = refused(url("localhost", "sslmode=verify-full&sslrootcert=system"));
    assert!(e.help().unwrap().contains("sslrootcert"), "{:?}", e.help());
    drop(pg);
}
