#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

//! Lock facts, PostgreSQL's word against migsafe's: every statement kind
//! the lock rules speak of runs in a transaction on a PostgreSQL 15
//! database whose tables hold rows and foreign keys; `pg_locks` of that
//! backend, each table's `relfilenode` before and after and its
//! `seq_tup_read` (`pg_stat_xact_user_tables`) say what the statement
//! locked, rewrote and read in full. migsafe's `locks` for the same
//! statement, on the replayed schema, must be exactly that.
//!
//! Hash and merge joins are off in the session, so that a foreign key's
//! check probes the referenced table by its key (as it does on a large
//! table) instead of reading it in full.
//!
//! `docs/locks.md` is written from this run (`UPDATE_DOCS=1`); the test
//! fails when it is out of date.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use migsafe_oracle::{connect, require_pg};
use migsafe_schema::locks::{LockMode, TableLock, statement_locks};
use migsafe_schema::replay::{MigrationInput, Replayer};

const SETUP: &str = r#"
CREATE SCHEMA other;
CREATE TABLE parent (id integer PRIMARY KEY, code text UNIQUE);
CREATE TABLE child (
    id integer PRIMARY KEY,
    parent_id integer REFERENCES parent(id),
    name varchar(10),
    price numeric(10,2),
    note text,
    at timestamp(3),
    flag boolean
);
CREATE INDEX child_name_idx ON child (name);
CREATE TABLE loose (id integer, v text, n integer);
ALTER TABLE loose ADD CONSTRAINT loose_v_not_null CHECK (v IS NOT NULL);
CREATE UNIQUE INDEX loose_n_idx ON loose (n);
CREATE TABLE unvalidated (id integer PRIMARY KEY, parent_id integer);
ALTER TABLE unvalidated ADD CONSTRAINT unvalidated_fk FOREIGN KEY (parent_id) REFERENCES parent(id) NOT VALID;
ALTER TABLE unvalidated ADD CONSTRAINT unvalidated_check CHECK (id > 0) NOT VALID;
CREATE VIEW child_names AS SELECT id, flag FROM child;
CREATE MATERIALIZED VIEW child_totals AS SELECT count(*) AS n FROM child;
CREATE VIEW child_totals_view AS SELECT n FROM child_totals;
CREATE FUNCTION inlined_fn() RETURNS integer LANGUAGE sql AS $$ SELECT 1 $$;
CREATE FUNCTION volatile_sql_fn() RETURNS integer LANGUAGE sql AS $$ SELECT (random() * 10)::integer $$;
CREATE FUNCTION volatile_fn() RETURNS integer LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$;
CREATE FUNCTION stable_fn() RETURNS integer LANGUAGE sql STABLE AS $$ SELECT 1 $$;
CREATE FUNCTION trg() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER child_trg BEFORE UPDATE ON child FOR EACH ROW EXECUTE FUNCTION trg();
CREATE TYPE mood AS ENUM ('a', 'b');
CREATE TABLE moody (id integer, m mood);
CREATE TABLE parted (k integer NOT NULL, v text) PARTITION BY RANGE (k);
CREATE TABLE parted_1 PARTITION OF parted FOR VALUES FROM (0) TO (1000000);
CREATE TABLE standalone (k integer NOT NULL, v text);
"#;

const ROWS: &str = r#"
INSERT INTO parent SELECT g, 'c' || g FROM generate_series(1, 1000) g;
INSERT INTO child SELECT g, g, 'n' || (g % 100), g, 'note', now(), true FROM generate_series(1, 1000) g;
INSERT INTO loose SELECT g, 'v', g FROM generate_series(1, 1000) g;
INSERT INTO unvalidated SELECT g, g FROM generate_series(1, 1000) g;
INSERT INTO moody SELECT g, 'a' FROM generate_series(1, 1000) g;
INSERT INTO parted SELECT g, 'p' FROM generate_series(1, 1000) g;
INSERT INTO standalone SELECT g + 1000000, 'x' FROM generate_series(1, 1000) g;
REFRESH MATERIALIZED VIEW child_totals;
ANALYZE;
"#;

/// The statements, by the kind of thing they do.
const CASES: &[&str] = &[
    // Tables.
    "CREATE TABLE fresh (id integer)",
    "CREATE TABLE fresh (id integer REFERENCES parent(id))",
    "CREATE TABLE fresh (LIKE child)",
    "CREATE TABLE fresh AS SELECT * FROM child",
    "CREATE TABLE parted_2 PARTITION OF parted FOR VALUES FROM (2000000) TO (3000000)",
    "CREATE TABLE IF NOT EXISTS child (id integer)",
    "DROP TABLE loose",
    "DROP TABLE child CASCADE",
    "DROP TABLE parent CASCADE",
    "ALTER TABLE loose RENAME TO loose2",
    "ALTER TABLE loose SET SCHEMA other",
    // Columns added.
    "ALTER TABLE child ADD COLUMN c integer",
    "ALTER TABLE child ADD COLUMN c integer NOT NULL DEFAULT 0",
    "ALTER TABLE child ADD COLUMN c double precision DEFAULT random()",
    "ALTER TABLE child ADD COLUMN c uuid DEFAULT gen_random_uuid()",
    "ALTER TABLE child ADD COLUMN c timestamptz DEFAULT now()",
    "ALTER TABLE child ADD COLUMN c integer DEFAULT volatile_fn()",
    "ALTER TABLE child ADD COLUMN c integer DEFAULT volatile_sql_fn()",
    "ALTER TABLE child ADD COLUMN c integer DEFAULT inlined_fn()",
    "ALTER TABLE child ADD COLUMN c integer DEFAULT 7 REFERENCES parent(id)",
    "ALTER TABLE child ADD COLUMN c integer DEFAULT stable_fn()",
    "ALTER TABLE child ADD COLUMN c serial",
    "ALTER TABLE child ADD COLUMN c integer GENERATED ALWAYS AS IDENTITY",
    "ALTER TABLE child ADD COLUMN c integer GENERATED ALWAYS AS (id * 2) STORED",
    "ALTER TABLE child ADD COLUMN c integer REFERENCES parent(id)",
    "ALTER TABLE child ADD COLUMN c integer UNIQUE",
    "ALTER TABLE child ADD COLUMN c integer CHECK (c > 0)",
    "ALTER TABLE child ADD COLUMN c integer, ADD COLUMN d text",
    // Columns dropped, renamed, changed.
    "ALTER TABLE child DROP COLUMN note",
    "ALTER TABLE child DROP COLUMN flag CASCADE",
    "ALTER TABLE child DROP COLUMN parent_id",
    "ALTER TABLE parent DROP COLUMN id CASCADE",
    "ALTER TABLE child RENAME COLUMN note TO remark",
    "ALTER TABLE loose ALTER COLUMN n TYPE bigint",
    "ALTER TABLE child ALTER COLUMN name TYPE varchar(20)",
    "ALTER TABLE child ALTER COLUMN name TYPE varchar(5)",
    "ALTER TABLE child ALTER COLUMN name TYPE text",
    "ALTER TABLE child ALTER COLUMN note TYPE varchar(20)",
    "ALTER TABLE child ALTER COLUMN price TYPE numeric(12,2)",
    "ALTER TABLE child ALTER COLUMN price TYPE numeric(12,3)",
    "ALTER TABLE child ALTER COLUMN at TYPE timestamp(6)",
    "ALTER TABLE loose ALTER COLUMN n TYPE text USING n::text",
    "ALTER TABLE child ALTER COLUMN parent_id TYPE bigint",
    "ALTER TABLE child ALTER COLUMN name SET NOT NULL",
    "ALTER TABLE loose ALTER COLUMN v SET NOT NULL",
    "ALTER TABLE child ALTER COLUMN name DROP NOT NULL",
    "ALTER TABLE child ALTER COLUMN name SET DEFAULT 'x'",
    "ALTER TABLE child ALTER COLUMN name DROP DEFAULT",
    "ALTER TABLE child ALTER COLUMN name SET STATISTICS 500",
    "ALTER TABLE standalone ALTER COLUMN k ADD GENERATED BY DEFAULT AS IDENTITY",
    // Constraints.
    "ALTER TABLE child ADD CONSTRAINT child_price CHECK (price > 0)",
    "ALTER TABLE child ADD CONSTRAINT child_price CHECK (price > 0) NOT VALID",
    "ALTER TABLE loose ADD CONSTRAINT loose_fk FOREIGN KEY (id) REFERENCES parent(id)",
    "ALTER TABLE loose ADD CONSTRAINT loose_fk FOREIGN KEY (id) REFERENCES parent(id) NOT VALID",
    "ALTER TABLE loose ADD PRIMARY KEY (id)",
    "ALTER TABLE loose ADD CONSTRAINT loose_id_key UNIQUE (id)",
    "ALTER TABLE loose ADD CONSTRAINT loose_n_key UNIQUE USING INDEX loose_n_idx",
    "ALTER TABLE loose ADD CONSTRAINT loose_excl EXCLUDE USING btree (id WITH =)",
    "ALTER TABLE unvalidated VALIDATE CONSTRAINT unvalidated_fk",
    "ALTER TABLE unvalidated VALIDATE CONSTRAINT unvalidated_check",
    "ALTER TABLE child VALIDATE CONSTRAINT child_parent_id_fkey",
    "ALTER TABLE child DROP CONSTRAINT child_parent_id_fkey",
    "ALTER TABLE loose DROP CONSTRAINT loose_v_not_null",
    "ALTER TABLE parent DROP CONSTRAINT parent_pkey CASCADE",
    "ALTER TABLE loose RENAME CONSTRAINT loose_v_not_null TO loose_v_present",
    // Indexes.
    "CREATE INDEX child_note_idx ON child (note)",
    "CREATE UNIQUE INDEX child_note_idx ON child (id, note)",
    "CREATE INDEX IF NOT EXISTS child_name_idx ON child (name)",
    "DROP INDEX child_name_idx",
    "REINDEX INDEX child_name_idx",
    "REINDEX TABLE child",
    "CLUSTER child USING child_pkey",
    // Triggers, views.
    "CREATE TRIGGER child_trg2 AFTER INSERT ON child FOR EACH ROW EXECUTE FUNCTION trg()",
    "DROP TRIGGER child_trg ON child",
    "ALTER TABLE child DISABLE TRIGGER child_trg",
    "CREATE VIEW child_ids AS SELECT id FROM child",
    "CREATE OR REPLACE VIEW child_names AS SELECT id, flag, name FROM child",
    "CREATE MATERIALIZED VIEW child_copy AS SELECT id FROM child",
    "DROP VIEW child_names",
    "DROP MATERIALIZED VIEW child_totals CASCADE",
    "REFRESH MATERIALIZED VIEW child_totals",
    // Data.
    "TRUNCATE loose",
    "INSERT INTO loose VALUES (5000, 'x', 5000)",
    "UPDATE loose SET v = 'y'",
    "UPDATE child SET note = 'y' WHERE id = 1",
    "DELETE FROM loose",
    "DELETE FROM child WHERE id = 1",
    // Table settings, comments, partitions, types.
    "COMMENT ON TABLE child IS 'x'",
    "COMMENT ON COLUMN child.name IS 'x'",
    "ALTER TABLE loose SET UNLOGGED",
    "ALTER TABLE loose SET (fillfactor = 70)",
    "ALTER TABLE loose ENABLE ROW LEVEL SECURITY",
    "ALTER TABLE parted ATTACH PARTITION standalone FOR VALUES FROM (1000000) TO (3000000)",
    "ALTER TABLE parted DETACH PARTITION parted_1",
    "DROP TYPE mood CASCADE",
    "ALTER TYPE mood ADD VALUE 'c'",
    "CREATE TYPE shade AS ENUM ('x')",
    "CREATE FUNCTION f2() RETURNS integer LANGUAGE sql AS $$ SELECT 2 $$",
    "CREATE SEQUENCE seq2",
    "ANALYZE child",
    "GRANT SELECT ON child TO PUBLIC",
];

#[derive(Debug)]
struct Observed {
    locks: Vec<TableLock>,
}

/// Each table's, view's and materialized view's label, `relfilenode` and
/// rows read so far in this transaction, by OID.
fn relations(
    tx: &mut postgres::Transaction<'_>,
) -> Result<BTreeMap<u32, (String, u32, i64)>, String> {
    let rows = tx
        .query(
            "SELECT c.oid, n.nspname::text, c.relname::text, c.relfilenode, \
             COALESCE(s.seq_tup_read, 0)::int8 \
             FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             LEFT JOIN pg_catalog.pg_stat_xact_user_tables s ON s.relid = c.oid \
             WHERE n.nspname IN ('public', 'other') AND c.relkind IN ('r', 'p', 'm', 'v')",
            &[],
        )
        .map_err(|e| e.to_string())?;
    Ok(rows
        .iter()
        .map(|r| {
            let (schema, name): (String, String) = (r.get(1), r.get(2));
            let label = if schema == "public" {
                name
            } else {
                format!("{schema}.{name}")
            };
            (r.get(0), (label, r.get(3), r.get(4)))
        })
        .collect())
}

/// Runs `sql` in a transaction, reads what it did, rolls back.
fn observe(
    client: &mut postgres::Client,
    rows: &BTreeMap<u32, i64>,
    sql: &str,
) -> Result<Observed, String> {
    let mut tx = client.transaction().map_err(|e| e.to_string())?;
    tx.batch_execute("SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off;")
        .map_err(|e| e.to_string())?;
    let before = relations(&mut tx)?;
    tx.batch_execute(sql)
        .map_err(|e| format!("PostgreSQL refused it: {}", migsafe_oracle::pg_message(&e)))?;
    let after = relations(&mut tx)?;
    let held = tx
        .query(
            "SELECT l.relation, l.mode::text FROM pg_catalog.pg_locks l \
             WHERE l.pid = pg_catalog.pg_backend_pid() AND l.locktype = 'relation' AND l.granted",
            &[],
        )
        .map_err(|e| e.to_string())?;
    let mut locks: BTreeMap<String, TableLock> = BTreeMap::new();
    for r in held {
        let oid: u32 = r.get(0);
        let mode = LockMode::from_pg_name(r.get::<_, &str>(1)).ok_or("unknown lock mode")?;
        let (label, rewrite, scan) = match (before.get(&oid), after.get(&oid)) {
            (Some((label, node, read)), a) => {
                let (node_after, read_after) = a.map_or((*node, *read), |(_, n, r)| (*n, *r));
                let full = rows.get(&oid).copied().unwrap_or(0);
                (
                    label.clone(),
                    a.is_some() && node_after != *node,
                    full > 0 && read_after - read >= full,
                )
            }
            (None, Some((label, _, _))) => (label.clone(), false, false),
            (None, None) => continue,
        };
        let e = locks.entry(label.clone()).or_insert(TableLock {
            table: label,
            mode,
            rewrite: false,
            scan: false,
        });
        e.mode = e.mode.max(mode);
        e.rewrite |= rewrite;
        e.scan |= scan;
    }
    tx.rollback().map_err(|e| e.to_string())?;
    Ok(Observed {
        locks: locks.into_values().collect(),
    })
}

fn render(locks: &[TableLock]) -> String {
    if locks.is_empty() {
        return "(no table)".to_owned();
    }
    locks
        .iter()
        .map(|l| {
            let mut s = format!("{} {}", l.table, l.mode.pg_name());
            if l.rewrite {
                s.push_str(" rewrite");
            }
            if l.scan {
                s.push_str(" scan");
            }
            s
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[test]
fn lock_facts_are_postgres_facts() {
    let pg = require_pg!();
    let (db, url) = pg.fresh_database("locks");
    let mut client = connect(&url).unwrap();
    client.batch_execute(SETUP).unwrap();
    client.batch_execute(ROWS).unwrap();
    // Rows per relation with storage.
    let mut rows: BTreeMap<u32, i64> = BTreeMap::new();
    let rels = client
        .query(
            "SELECT c.oid, quote_ident(n.nspname) || '.' || quote_ident(c.relname) FROM pg_catalog.pg_class c \
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname IN ('public', 'other') AND c.relkind IN ('r', 'm')",
            &[],
        )
        .unwrap();
    for r in rels {
        let name: String = r.get(1);
        let n: i64 = client
            .query_one(&format!("SELECT count(*) FROM {name}"), &[])
            .unwrap()
            .get(0);
        rows.insert(r.get(0), n);
    }
    let _ = db;

    // migsafe's side: the setup replayed, each case on that schema.
    let setup = migsafe_classify::analyze(SETUP).statements;
    let mut replayer = Replayer::new();
    replayer.apply_migration(&MigrationInput {
        name: "setup",
        path: "setup.sql",
        statements: &setup,
    });
    let model = replayer.model().clone();
    assert!(replayer.issues().is_empty(), "{:?}", replayer.issues());

    let mut mismatches = Vec::new();
    let mut doc = String::new();
    let mut unclaimed = Vec::new();
    for sql in CASES {
        let observed = match observe(&mut client, &rows, sql) {
            Ok(o) => o,
            Err(e) => {
                mismatches.push(format!("{sql}\n    {e}"));
                continue;
            }
        };
        let analyzed = migsafe_classify::analyze(sql).statements;
        assert_eq!(analyzed.len(), 1, "{sql}");
        let ours = statement_locks(&model, &analyzed[0], 15);
        match &ours {
            Some(l) if *l == observed.locks => {}
            Some(l) => mismatches.push(format!(
                "{sql}\n    PostgreSQL: {}\n    migsafe:    {}",
                render(&observed.locks),
                render(l)
            )),
            None => unclaimed.push(*sql),
        }
        let _ = writeln!(
            doc,
            "| `{sql}` | {} |",
            render(&observed.locks).replace('|', "\\|")
        );
    }
    assert!(
        mismatches.is_empty(),
        "{} of {} statements differ from PostgreSQL:\n{}",
        mismatches.len(),
        CASES.len(),
        mismatches.join("\n")
    );
    assert!(
        unclaimed.is_empty(),
        "migsafe claims nothing for: {unclaimed:?}"
    );
    println!(
        "lock facts: {} statements, all equal to PostgreSQL 15's",
        CASES.len()
    );

    let page = format!(
        "# What each statement locks\n\n\
         Written by `crates/migsafe-oracle/tests/locks.rs` from PostgreSQL 15 itself: each \
         statement ran in a transaction on tables with 1,000 rows and foreign keys, and \
         `pg_locks` of its backend, each table's `relfilenode` before and after, and its \
         `seq_tup_read` say what it did. migsafe's `locks` (JSON report, `schema_version` 2) \
         equal these for every statement below; the test fails otherwise. Regenerate with \
         `UPDATE_DOCS=1 cargo test -p migsafe-oracle --test locks`.\n\n\
         The locks are held until the transaction ends, and a Prisma migration is one \
         transaction: a lock taken by one statement blocks others until the whole file is done.\n\n\
         - mode: the strongest lock on the table, named as `pg_locks.mode` names it. \
         `AccessExclusiveLock` blocks reads and writes; `ShareLock` and `ShareRowExclusiveLock` \
         block writes; `ShareUpdateExclusiveLock` blocks other schema changes and `VACUUM` only.\n\
         - rewrite: the table's storage is written anew (time grows with its size).\n\
         - scan: every row is read while the lock is held.\n\n\
         Tables: `parent` (primary key, unique `code`), `child` (foreign key to `parent`, \
         an index on `name`, a trigger), `loose` (no key, a validated `CHECK (v IS NOT NULL)`, \
         a unique index on `n`), `unvalidated` (a foreign key and a check `NOT VALID`), a view \
         and a materialized view on `child`, a partitioned table `parted`.\n\n\
         | statement | locks |\n|---|---|\n{doc}"
    );
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/locks.md");
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(&path, &page).unwrap();
    } else {
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            current == page,
            "docs/locks.md is out of date: UPDATE_DOCS=1 cargo test -p migsafe-oracle --test locks"
        );
    }
}

/// Statements that cannot run in a transaction: the lock each asks for on
/// its table, read from `pg_locks` while another session makes it wait,
/// is migsafe's.
#[test]
fn lock_facts_outside_a_transaction_are_postgres_facts() {
    let pg = require_pg!();
    let cases: &[(&str, &str)] = &[
        (
            "CREATE INDEX CONCURRENTLY child_note_idx ON child (note)",
            "child",
        ),
        ("DROP INDEX CONCURRENTLY child_name_idx", "child"),
        ("REINDEX INDEX CONCURRENTLY child_name_idx", "child"),
        ("REINDEX TABLE CONCURRENTLY child", "child"),
        ("VACUUM child", "child"),
        ("VACUUM FULL child", "child"),
        (
            "ALTER TABLE parted DETACH PARTITION parted_1 CONCURRENTLY",
            "parted",
        ),
    ];
    let setup = migsafe_classify::analyze(SETUP).statements;
    let mut replayer = Replayer::new();
    replayer.apply_migration(&MigrationInput {
        name: "setup",
        path: "setup.sql",
        statements: &setup,
    });
    let model = replayer.model().clone();
    let mut wrong = Vec::new();
    for (sql, table) in cases {
        // A database of its own for each: the statement runs to its end.
        let (_, url) = pg.fresh_database("locks_alone");
        let mut client = connect(&url).unwrap();
        client.batch_execute(SETUP).unwrap();
        client.batch_execute(ROWS).unwrap();
        let pg_mode = match migsafe_oracle::requested_lock(&url, sql, table) {
            Ok(m) => m,
            Err(e) => {
                wrong.push(format!("{sql}: {e}"));
                continue;
            }
        };
        let analyzed = migsafe_classify::analyze(sql).statements;
        let ours = statement_locks(&model, &analyzed[0], 15)
            .and_then(|l| l.into_iter().find(|l| l.table == *table))
            .map(|l| l.mode);
        if ours != Some(pg_mode) {
            wrong.push(format!(
                "{sql}: PostgreSQL asks for {} on {table}, migsafe says {ours:?}",
                pg_mode.pg_name()
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
