#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

//! One minimal history per class of replay bug the differential tests
//! found (`tests/fixtures/histories/<class>/`, Prisma layout, an optional
//! `setup.txt` (SQL) for what the migration tool creates itself): PostgreSQL
//! applies every file, and the replay equals the database.

use std::path::Path;

use migsafe_oracle::{apply_prisma_after, compare, read_dir, require_pg};

#[test]
fn every_fixture_history_replays_to_the_database() {
    let pg = require_pg!();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/histories");
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 7, "{} fixture histories", dirs.len());
    let mut failures = Vec::new();
    for dir in &dirs {
        let label = dir.file_name().unwrap().to_string_lossy().into_owned();
        let setup = std::fs::read_to_string(dir.join("setup.txt")).unwrap_or_default();
        let migrations = read_dir(dir).unwrap();
        assert!(!migrations.is_empty(), "{label}: no migrations");
        let applied = apply_prisma_after(pg, &label, &setup, &migrations).unwrap();
        if let Some((m, e)) = applied.failed().next() {
            failures.push(format!("{label}: PostgreSQL rejected {}: {e}", m.name));
            continue;
        }
        let cmp = compare(&applied).unwrap();
        if !cmp.is_equal() {
            failures.push(format!("{label}:\n{}", cmp.describe()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Files PostgreSQL rejects: migsafe's replay reports the migration as
/// failing (`replay-failed`), for the statement PostgreSQL names, and, as
/// PostgreSQL rolls the whole file back, applies none of it: the file after
/// it creates the same table again, which only works on the rolled-back
/// state, and the replay must end where the database ends.
#[test]
fn files_postgres_rejects_are_rolled_back_whole() {
    let pg = require_pg!();
    let cases = [
        "CREATE TABLE t (id INT); CREATE INDEX t_idx ON t (id); DROP INDEX t_idx ON t;",
        "CREATE TABLE t (id INT); ALTER TABLE t ADD COLUMN id INT;",
        "CREATE TABLE t (id INT); CREATE INDEX t_x ON t (nope);",
        "CREATE TABLE t (id INT); ALTER TABLE missing ADD COLUMN x INT;",
        "CREATE TABLE t (id INT); CREATE VIEW v AS SELECT id FROM t; DROP TABLE t;",
        "CREATE TABLE t (id INT, g INT GENERATED ALWAYS AS (id * 2) STORED); ALTER TABLE t DROP COLUMN id;",
        "CREATE TABLE t (id INT); ALTER SEQUENCE nope RENAME TO other;",
        "CREATE TABLE t (id INT); DO $$ BEGIN IF EXISTS (SELECT 1) THEN ALTER TABLE gone ADD COLUMN x INT; END IF; END $$;",
        "ALTER TABLE base ADD COLUMN note TEXT; CREATE TABLE t (id INT); DROP TABLE base;",
        "CREATE TABLE t (id INT); CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$; \
         CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION f(); DROP FUNCTION f();",
        "CREATE TABLE t (id INT); CREATE FUNCTION g() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$; \
         CREATE FUNCTION g() RETURNS int LANGUAGE sql AS $$ SELECT 2 $$;",
        "CREATE TABLE t (id INT); DROP TRIGGER nope ON t;",
        "CREATE TABLE t (id INT); CREATE FUNCTION h(a int) RETURNS int LANGUAGE sql AS $$ SELECT a $$; \
         CREATE OR REPLACE FUNCTION h(a int) RETURNS bigint LANGUAGE sql AS $$ SELECT a::bigint $$;",
        "CREATE TABLE t (id INT); CREATE FUNCTION k(a int) RETURNS int LANGUAGE sql AS $$ SELECT a $$; \
         CREATE FUNCTION k(a text) RETURNS int LANGUAGE sql AS $$ SELECT 1 $$; DROP FUNCTION k;",
        "CREATE TABLE t (id INT); CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$; \
         CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION f(); \
         CREATE TRIGGER tr AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION f();",
        "CREATE FUNCTION code() RETURNS text LANGUAGE sql AS $$ SELECT 'c' $$; \
         CREATE TABLE t (id INT, c TEXT DEFAULT code()); DROP FUNCTION code();",
        "CREATE FUNCTION pos(n int) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$ SELECT n > 0 $$; \
         CREATE TABLE t (id INT CHECK (pos(id))); DROP FUNCTION pos;",
        "CREATE FUNCTION low(s text) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT lower(s) $$; \
         CREATE TABLE t (id INT, s TEXT); CREATE INDEX t_low ON t (low(s)); DROP FUNCTION low(text);",
    ];
    let mut wrong = Vec::new();
    for (i, sql) in cases.iter().enumerate() {
        let m = |n: usize, sql: &str| migsafe_oracle::Migration {
            name: format!("2026010100000{n}_case{i}"),
            path: format!("2026010100000{n}_case{i}/migration.sql"),
            sql: sql.to_owned(),
            down: None,
        };
        let history = [
            m(
                1,
                "CREATE TABLE base (id INT PRIMARY KEY); CREATE TABLE other (id INT REFERENCES base);",
            ),
            m(2, sql),
            m(
                3,
                "CREATE TABLE t (id BIGINT, after_the_failure TEXT); ALTER TABLE base ADD COLUMN note INT;",
            ),
        ];
        let applied = migsafe_oracle::apply_each(pg, "rejected", &history).unwrap();
        let failed: Vec<&str> = applied.failed().map(|(m, _)| m.name.as_str()).collect();
        if failed != [history[1].name.as_str()] {
            wrong.push(format!("{sql}\n  PostgreSQL rolled back {failed:?}"));
            continue;
        }
        let cmp = compare(&applied).unwrap();
        if !cmp.is_equal() {
            wrong.push(format!("{sql}\n{}", cmp.describe()));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Rolling a file back works however long the history before it is, and
/// again after an earlier rollback (the replay undoes from the state after
/// the last failure and replays the migrations since).
#[test]
fn a_failure_late_in_a_long_history_is_undone_exactly() {
    let pg = require_pg!();
    let mut history = Vec::new();
    let mut push = |sql: String| {
        let n = history.len() + 1;
        history.push(migsafe_oracle::Migration {
            name: format!("{n:04}_m"),
            path: format!("{n:04}_m/migration.sql"),
            sql,
            down: None,
        });
    };
    for k in 1..=96 {
        push(format!("CREATE TABLE t{k} (id INT PRIMARY KEY);"));
        if k % 29 == 0 || k == 30 || k == 32 {
            push(format!(
                "ALTER TABLE t{k} ADD COLUMN extra INT; CREATE TABLE t{k}_copy (id INT); \
                 ALTER TABLE t{k} RENAME TO t{k}_renamed; ALTER TABLE missing ADD COLUMN x INT;"
            ));
            push(format!(
                "ALTER TABLE t{k} ADD COLUMN extra TEXT; CREATE TABLE t{k}_copy (id BIGINT);"
            ));
        }
    }
    let applied = migsafe_oracle::apply_each(pg, "longfail", &history).unwrap();
    assert!(applied.failed().count() >= 4);
    let cmp = compare(&applied).unwrap();
    assert!(cmp.is_equal(), "{}", cmp.describe());
}

/// A database changed by hand after its migrations gets exactly the
/// finding for that change, on the aspects the model compares beyond
/// columns and keys.
#[test]
fn a_hand_change_is_exactly_one_difference() {
    let pg = require_pg!();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/histories/constraint_characteristics");
    let migrations = read_dir(&dir).unwrap();
    let changes = [
        (
            "ALTER TABLE child ALTER CONSTRAINT child_parent_id_fkey NOT DEFERRABLE",
            "foreign key \"child\".\"child_parent_id_fkey\"",
            "deferrability",
        ),
        (
            "ALTER TABLE child VALIDATE CONSTRAINT child_n_positive",
            "check constraint \"child\".\"child_n_positive\"",
            "validation",
        ),
        (
            "ALTER TABLE child ALTER CONSTRAINT child_parent_later DEFERRABLE INITIALLY DEFERRED",
            "foreign key \"child\".\"child_parent_later\"",
            "deferrability",
        ),
        (
            "ALTER INDEX child_n_idx SET (fillfactor = 50)",
            "index \"child\".\"child_n_idx\"",
            "storage parameters",
        ),
        (
            "ALTER TABLE child ALTER COLUMN label TYPE TEXT COLLATE \"POSIX\"",
            "column \"child\".\"label\"",
            "collation",
        ),
        (
            "ALTER TABLE child ALTER COLUMN label TYPE TEXT",
            "column \"child\".\"label\"",
            "collation",
        ),
        (
            "DROP INDEX child_n_key; CREATE UNIQUE INDEX child_n_key ON child (n)",
            "index \"child\".\"child_n_key\"",
            "NULLS NOT DISTINCT",
        ),
    ];
    hand_changes(pg, &migrations, &changes);
}

/// Hand changes to functions and triggers are exactly the finding for that
/// change.
#[test]
fn a_hand_change_to_a_function_or_trigger_is_exactly_one_difference() {
    let pg = require_pg!();
    let migrations = fixture("functions_and_triggers");
    let changes = [
        (
            "ALTER FUNCTION add_one(integer) IMMUTABLE",
            "function \"add_one\"(integer)",
            "volatility",
        ),
        (
            "CREATE FUNCTION extra() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$",
            "function \"extra\"()",
            "no such function",
        ),
        (
            "DROP FUNCTION tags",
            "function \"tags\"(text[], text[])",
            "no such function",
        ),
        (
            "DROP TRIGGER \"Account_touch\" ON \"Member\"",
            "trigger \"Member\".\"Account_touch\"",
            "no such trigger",
        ),
        (
            "CREATE OR REPLACE TRIGGER \"Account_touch\" AFTER INSERT ON \"Member\" FOR EACH ROW EXECUTE FUNCTION touch_updated_at()",
            "trigger \"Member\".\"Account_touch\"",
            "timing",
        ),
        (
            "CREATE OR REPLACE TRIGGER account_dedupe BEFORE UPDATE ON \"Member\" FOR EACH STATEMENT EXECUTE FUNCTION touch_updated_at()",
            "trigger \"Member\".\"account_dedupe\"",
            "level",
        ),
    ];
    hand_changes(pg, &migrations, &changes);
}

/// A hand change to a view's columns is exactly that finding.
#[test]
fn a_hand_change_to_a_views_columns_is_exactly_one_difference() {
    let pg = require_pg!();
    let migrations = fixture("view_columns");
    hand_changes(
        pg,
        &migrations,
        &[
            (
                "CREATE OR REPLACE VIEW every_user AS SELECT id, \"emailAddress\" AS email, \"Name\", \"createdAt\", 1 AS more FROM \"User\"",
                "view \"every_user\"",
                "columns",
            ),
            (
                "ALTER TABLE named RENAME COLUMN email_address TO mail2",
                "view \"named\"",
                "columns",
            ),
            (
                "ALTER VIEW qualified RENAME COLUMN headline TO title",
                "view \"qualified\"",
                "columns",
            ),
        ],
    );
}

/// Every view of the fixture has its query compared (the canonical form
/// covers them, on both sides, after renames), and a query changed by hand
/// is exactly that finding.
#[test]
fn view_queries_are_compared_and_a_hand_change_is_one_difference() {
    let pg = require_pg!();
    let migrations = fixture("view_definitions");
    let applied = apply_prisma_after(pg, "viewdefs", "", &migrations).unwrap();
    let cmp = compare(&applied).unwrap();
    assert!(cmp.is_equal(), "{}", cmp.describe());
    assert_eq!(cmp.definitions(), 7, "views whose query was compared");
    hand_changes(
        pg,
        &migrations,
        &[
            (
                "CREATE OR REPLACE VIEW \"ActiveUser\" AS SELECT id, mail AS email FROM \"Member\" WHERE \"removedAt\" IS NOT NULL ORDER BY id DESC",
                "view \"ActiveUser\"",
                "query",
            ),
            (
                "CREATE OR REPLACE VIEW \"OpenInvoice\" AS SELECT DISTINCT \"userId\", state AS status FROM \"Invoice\" WHERE state IN ('open') LIMIT 100 OFFSET 5",
                "view \"OpenInvoice\"",
                "query",
            ),
            (
                "CREATE OR REPLACE VIEW \"Replaced\" AS SELECT id, age + 2 AS next_age FROM \"Member\" WHERE NOT (age IS NULL)",
                "view \"Replaced\"",
                "query",
            ),
        ],
    );
}

fn fixture(name: &str) -> Vec<migsafe_oracle::Migration> {
    read_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/histories")
            .join(name),
    )
    .unwrap()
}

/// Applies the history, then each change by hand on a fresh copy: the
/// comparison must find exactly one difference, at `path`, naming
/// `aspect`.
fn hand_changes(
    pg: &migsafe_oracle::TestPg,
    migrations: &[migsafe_oracle::Migration],
    changes: &[(&str, &str, &str)],
) {
    for (sql, path, aspect) in changes {
        let applied = apply_prisma_after(pg, "hand", "", migrations).unwrap();
        assert!(applied.failed().next().is_none());
        migsafe_oracle::connect(&applied.url)
            .unwrap()
            .batch_execute(sql)
            .unwrap();
        let cmp = compare(&applied).unwrap();
        let labels = migsafe_schema::diff::Labels::new("the replay has", "PostgreSQL has");
        assert_eq!(cmp.differences.len(), 1, "{sql}:\n{}", cmp.describe());
        let d = &cmp.differences[0];
        assert_eq!(d.path, *path, "{sql}");
        assert!(
            d.message(&labels).contains(aspect),
            "{sql}: {}",
            d.message(&labels)
        );
    }
}
