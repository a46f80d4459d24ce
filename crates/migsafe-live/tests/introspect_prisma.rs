#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

//! `introspect()` against Prisma's own DDL.
//!
//! Each `migsafe-prisma/tests/fixtures/models/NAME/` holds a
//! `schema.prisma` and `expected.sql`, the SQL Prisma Migrate creates from
//! it. This test runs that SQL into a fresh database of the shared test
//! server, introspects it, and requires `migsafe_schema::diff::diff`
//! between `migsafe_prisma::load(schema).to_model()` and the live model to
//! be empty, and the columns to come in the same order.
//!
//! One step stands between the catalog and the comparison:
//! `Connection::reconcile_defaults`, which lets PostgreSQL decide whether a
//! constant default written one way (`'2024-01-01 00:00:00 +02:00'`) is the
//! value the catalog stores (`'2023-12-31 22:00:00+00'`). Only the columns
//! listed in `RECONCILED` may be aligned that way: anything else it aligns
//! fails the test.

use std::path::{Path, PathBuf};

use migsafe_schema::diff::{Labels, diff};
use migsafe_schema::{QualName, SchemaModel};
use migsafe_testpg::require_pg;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../migsafe-prisma/tests/fixtures/models")
}

/// Extensions a fixture's SQL needs that its schema does not declare
/// (Prisma's SQL uses `CITEXT` and `gist_trgm_ops` without creating them).
const PREREQUISITES: &[(&str, &[&str])] =
    &[("native_types", &["citext"]), ("indexes", &["pg_trgm"])];

/// A statement of Prisma's SQL that PostgreSQL refuses, and the table it
/// would have created (left out of the comparison).
struct KnownInvalid {
    fixture: &'static str,
    statement_starts: &'static str,
    message: &'static str,
    table: &'static str,
}

/// `long_names`: two column names that truncate to the same 63 bytes; the
/// index on the table fails in turn.
const KNOWN_INVALID: &[KnownInvalid] = &[
    KnownInvalid {
        fixture: "long_names",
        statement_starts: "CREATE TABLE \"Short\"",
        message: "specified more than once",
        table: "Short",
    },
    KnownInvalid {
        fixture: "long_names",
        statement_starts: "CREATE INDEX \"Short_",
        message: "does not exist",
        table: "Short",
    },
];

fn statements(sql: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for line in sql.lines() {
        if line.trim_start().starts_with("--") && cur.trim().is_empty() {
            continue;
        }
        cur.push_str(line);
        cur.push('\n');
        if line.trim_end().ends_with(';') {
            out.push(std::mem::take(&mut cur).trim().to_owned());
        }
    }
    if !cur.trim().is_empty() {
        out.push(cur.trim().to_owned());
    }
    out
}

fn compare(label: &str, expected: &SchemaModel, actual: &SchemaModel) -> Vec<String> {
    let labels = Labels::new("the Prisma schema says", "the database has");
    let mut failures: Vec<String> = diff(expected, actual)
        .iter()
        .map(|d| format!("{label}: {}", d.message(&labels)))
        .collect();
    for (name, t) in &expected.tables {
        if let Some(a) = actual.tables.get(name) {
            let e: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
            let g: Vec<&str> = a.columns.iter().map(|c| c.name.as_str()).collect();
            if e != g {
                failures.push(format!("{label}: {name}: column order {e:?} vs {g:?}"));
            }
        }
    }
    failures
}

/// Columns whose default Prisma writes differently from the catalog, with
/// the same value: timestamps keep their offset in Prisma's SQL, the catalog
/// stores the instant (`timestamptz`) or drops the offset (`timestamp`).
const RECONCILED: &[(&str, &str)] = &[
    ("defaults", "\"Defaults\".\"dt\""),
    ("defaults", "\"Defaults\".\"dtz\""),
    ("defaults", "\"Defaults\".\"dates\""),
];

struct Loaded {
    prisma: SchemaModel,
    live: SchemaModel,
}

/// Runs the fixture's SQL into a fresh database and introspects it.
fn load(pg: &migsafe_testpg::TestPg, dir: &Path, failures: &mut Vec<String>) -> Loaded {
    let label = dir.file_name().unwrap().to_string_lossy().into_owned();
    let schema = migsafe_prisma::load(&dir.join("schema.prisma")).expect("load");
    assert!(
        schema.diagnostics().is_empty(),
        "{}",
        schema.render_diagnostics()
    );
    let mut prisma = schema.to_model();
    let (_, url) = pg.fresh_database(&label);
    let mut admin = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let prerequisites: &[&str] = PREREQUISITES
        .iter()
        .find(|(f, _)| *f == label)
        .map_or(&[], |(_, e)| e);
    for ext in prerequisites {
        admin
            .batch_execute(&format!("CREATE EXTENSION \"{ext}\""))
            .unwrap();
    }
    let sql = std::fs::read_to_string(dir.join("expected.sql")).unwrap();
    let known: Vec<&KnownInvalid> = KNOWN_INVALID
        .iter()
        .filter(|k| k.fixture == label)
        .collect();
    let mut refused = Vec::new();
    for stmt in statements(&sql) {
        if let Err(e) = admin.batch_execute(&stmt) {
            let msg = e
                .as_db_error()
                .map_or_else(|| e.to_string(), |d| d.message().to_owned());
            match known
                .iter()
                .find(|k| stmt.starts_with(k.statement_starts) && msg.contains(k.message))
            {
                Some(k) => refused.push(k.statement_starts),
                None => failures.push(format!("{label}: PostgreSQL refused `{stmt}`: {msg}")),
            }
        }
    }
    for k in &known {
        assert!(
            refused.contains(&k.statement_starts),
            "{label}: PostgreSQL no longer refuses `{}`",
            k.statement_starts
        );
        prisma.tables.remove(&QualName::public(k.table));
    }
    // Prisma Migrate does not create views: create the schema's views so
    // their introspection is compared too.
    for name in prisma.views.keys() {
        admin
            .batch_execute(&format!("CREATE VIEW {name} AS SELECT 1 AS one"))
            .unwrap();
    }
    let schemas: Vec<&str> = prisma.schemas.iter().map(String::as_str).collect();
    let mut conn = migsafe_live::connect(&url).unwrap();
    let mut live = conn.introspect(&schemas).unwrap();
    for column in conn.reconcile_defaults(&prisma, &mut live).unwrap() {
        if !RECONCILED.contains(&(label.as_str(), column.as_str())) {
            failures.push(format!(
                "{label}: the default of {column} was reconciled; add it to RECONCILED if that is right"
            ));
        }
    }
    // The prerequisites are in the database but not in the schema.
    for ext in prerequisites {
        assert!(
            live.extensions.remove(*ext),
            "{label}: extension {ext} not introspected"
        );
    }
    Loaded { prisma, live }
}

fn fixture_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(fixtures())
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("schema.prisma").is_file() && p.join("expected.sql").is_file())
        .collect();
    dirs.sort();
    dirs
}

#[test]
fn introspection_equals_the_prisma_model_for_every_fixture() {
    let pg = require_pg!();
    let dirs = fixture_dirs();
    assert!(
        dirs.len() >= 10,
        "expected the model fixtures, found {dirs:?}"
    );
    let mut failures = Vec::new();
    for dir in &dirs {
        let label = dir.file_name().unwrap().to_string_lossy().into_owned();
        let Loaded { prisma, live } = load(pg, dir, &mut failures);
        assert!(
            !live.tables.is_empty() || prisma.tables.is_empty(),
            "{label}: nothing introspected"
        );
        failures.extend(compare(&label, &prisma, &live));
    }
    assert!(
        failures.is_empty(),
        "{} differences:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The comparison is not trivially equal: each change made to the database
/// after Prisma's SQL is one difference of the right kind.
#[test]
fn a_changed_database_is_a_difference() {
    let pg = require_pg!();
    let dir = fixtures().join("relations");
    let mut failures = Vec::new();
    let Loaded { prisma, live } = load(pg, &dir, &mut failures);
    assert!(failures.is_empty(), "{failures:?}");
    assert!(compare("relations", &prisma, &live).is_empty());

    let schema = migsafe_prisma::load(&dir.join("schema.prisma")).unwrap();
    let (db, url) = pg.fresh_database("relations_changed");
    pg.psql(
        &db,
        &std::fs::read_to_string(dir.join("expected.sql")).unwrap(),
    )
    .unwrap();
    pg.psql(
        &db,
        r#"
        ALTER TABLE "Membership" ALTER COLUMN "role" TYPE VARCHAR(20);
        ALTER TABLE "Membership" ALTER COLUMN "role" SET DEFAULT 'owner';
        ALTER TABLE "Post" ALTER COLUMN "authorId" SET NOT NULL;
        DROP INDEX "Profile_userId_key";
        ALTER TABLE "Post" DROP CONSTRAINT "Post_authorId_fkey";
        ALTER TABLE "Post" ADD CONSTRAINT "Post_authorId_fkey" FOREIGN KEY ("authorId")
            REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE NO ACTION;
        CREATE TABLE "Extra" (id int);
        "#,
    )
    .unwrap();
    let mut conn = migsafe_live::connect(&url).unwrap();
    let mut changed = conn.introspect(&["public"]).unwrap();
    let expected = schema.to_model();
    assert!(
        conn.reconcile_defaults(&expected, &mut changed)
            .unwrap()
            .is_empty()
    );
    let found: Vec<(String, Vec<migsafe_schema::diff::Aspect>)> = diff(&expected, &changed)
        .into_iter()
        .map(|d| (d.path, d.changes))
        .collect();
    use migsafe_schema::diff::Aspect;
    assert_eq!(
        found,
        [
            (
                "column \"Membership\".\"role\"".to_owned(),
                vec![Aspect::Type, Aspect::Default]
            ),
            (
                "column \"Post\".\"authorId\"".to_owned(),
                vec![Aspect::Nullability]
            ),
            (
                "foreign key \"Post\".\"Post_authorId_fkey\"".to_owned(),
                vec![Aspect::OnDelete]
            ),
            (
                "index \"Profile\".\"Profile_userId_key\"".to_owned(),
                vec![]
            ),
            ("table \"Extra\"".to_owned(), vec![]),
        ]
    );
}

/// Reconciliation aligns equal values only.
#[test]
fn reconciliation_needs_equal_values() {
    let pg = require_pg!();
    let (db, url) = pg.fresh_database("reconcile");
    pg.psql(
        &db,
        "CREATE TABLE t (
           a timestamptz DEFAULT '2024-01-01 00:00:00+00',
           b timestamp(3) DEFAULT '2024-01-01 10:00:00',
           c integer DEFAULT 1,
           d timestamptz DEFAULT now());",
    )
    .unwrap();
    let mut conn = migsafe_live::connect(&url).unwrap();
    let live = conn.introspect(&["public"]).unwrap();
    let mut expected = live.clone();
    let t = expected.tables.get_mut(&QualName::public("t")).unwrap();
    let set = |t: &mut migsafe_schema::Table, c: &str, v: &str| {
        t.column_mut(c).unwrap().default = Some(migsafe_schema::types::normalize_default(v));
    };
    // The same instant with an offset: equal.
    set(t, "a", "'2024-01-01 02:00:00 +02:00'");
    // A different instant: not equal.
    set(t, "b", "'2024-01-01 10:00:01 +00:00'");
    // Not the same number.
    set(t, "c", "2");
    // Functions are never evaluated.
    set(t, "d", "'2024-01-01'");
    let mut aligned_model = live.clone();
    let aligned = conn
        .reconcile_defaults(&expected, &mut aligned_model)
        .unwrap();
    assert_eq!(aligned, ["\"t\".\"a\""]);
    let left: Vec<String> = diff(&expected, &aligned_model)
        .into_iter()
        .map(|d| d.path)
        .collect();
    assert_eq!(
        left,
        [
            "column \"t\".\"b\"",
            "column \"t\".\"c\"",
            "column \"t\".\"d\""
        ]
    );
}
