#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

//! Every lock rule's recipe (its documented "write this instead") run in
//! PostgreSQL 15 as the separate migrations it prescribes, each one as
//! Prisma sends it (one simple query: one transaction), on tables with
//! rows: PostgreSQL accepts every step, and the locks each step holds to
//! its end are exactly the ones migsafe reports for it. A step that cannot
//! run in a transaction (`CREATE INDEX CONCURRENTLY`) runs alone, and the
//! lock it asks for is read from `pg_locks` while another session makes it
//! wait. The bad examples of the rules that say PostgreSQL refuses a file
//! are refused by it.

use std::collections::BTreeMap;

use migsafe_core::rules::{ALL, Category};
use migsafe_oracle::{connect, require_pg};
use migsafe_schema::locks::{LockMode, TableLock, statement_locks};
use migsafe_schema::replay::{MigrationInput, Replayer};

/// Tables the examples use, created unless the example creates them.
const TABLES: &[(&str, &str)] = &[
    (
        "Status",
        "CREATE TYPE \"Status\" AS ENUM ('DRAFT', 'PUBLISHED');",
    ),
    (
        "users",
        "CREATE TABLE \"users\" (\"id\" INTEGER PRIMARY KEY, \"email\" TEXT, \"name\" TEXT);
         INSERT INTO \"users\" SELECT g, 'u' || g || '@x', 'n' FROM generate_series(1, 1000) g;",
    ),
    (
        "orders",
        "CREATE TABLE \"orders\" (\"id\" INTEGER PRIMARY KEY, \"user_id\" INTEGER, \"total\" INTEGER, \"note\" VARCHAR(10));
         INSERT INTO \"orders\" SELECT g, g, g, 'n' FROM generate_series(1, 1000) g;",
    ),
    (
        "posts",
        "CREATE TABLE \"posts\" (\"id\" INTEGER PRIMARY KEY, \"status\" \"Status\");
         INSERT INTO \"posts\" SELECT g, 'DRAFT' FROM generate_series(1, 1000) g;",
    ),
];

fn created_by(migrations: &[(&str, &str)]) -> Vec<String> {
    migrations
        .iter()
        .flat_map(|(_, sql)| migsafe_classify::analyze(sql).statements)
        .flat_map(|s| s.ops)
        .filter_map(|o| match o.kind {
            migsafe_classify::OpKind::CreateTable { table, .. } => Some(table.name),
            _ => None,
        })
        .collect()
}

fn merge(into: &mut BTreeMap<String, TableLock>, l: &TableLock) {
    let e = into.entry(l.table.clone()).or_insert(TableLock {
        table: l.table.clone(),
        mode: l.mode,
        rewrite: false,
        scan: false,
    });
    e.mode = e.mode.max(l.mode);
    e.rewrite |= l.rewrite;
    e.scan |= l.scan;
}

/// The locks a transaction holds once `sql` ran in it, by table.
fn held(client: &mut postgres::Client, sql: &str) -> Result<BTreeMap<String, LockMode>, String> {
    let mut tx = client.transaction().map_err(|e| e.to_string())?;
    tx.batch_execute(sql)
        .map_err(|e| migsafe_oracle::pg_message(&e))?;
    let rows = tx
        .query(
            "SELECT c.relname::text, l.mode::text FROM pg_catalog.pg_locks l \
             JOIN pg_catalog.pg_class c ON c.oid = l.relation \
             WHERE l.pid = pg_catalog.pg_backend_pid() AND l.granted \
               AND c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'm', 'v')",
            &[],
        )
        .map_err(|e| e.to_string())?;
    let mut out: BTreeMap<String, LockMode> = BTreeMap::new();
    for r in rows {
        let mode = LockMode::from_pg_name(r.get::<_, &str>(1)).ok_or("lock mode")?;
        let e = out.entry(r.get(0)).or_insert(mode);
        *e = (*e).max(mode);
    }
    tx.commit().map_err(|e| e.to_string())?;
    Ok(out)
}

#[test]
fn every_lock_recipe_runs_in_postgres_with_the_locks_migsafe_reports() {
    let pg = require_pg!();
    let mut failures = Vec::new();
    let mut steps = 0usize;
    for rule in ALL.iter().filter(|r| r.category == Category::Locking) {
        let example = &rule.good;
        let (_, url) = pg.fresh_database(&format!("recipe_{}", rule.id.as_str().replace('-', "_")));
        let mut client = connect(&url).unwrap();
        let own = created_by(example.migrations);
        let mut setup = String::new();
        for (name, sql) in TABLES {
            if !own.iter().any(|o| o == name) {
                setup.push_str(sql);
                setup.push('\n');
            }
        }
        client.batch_execute(&setup).unwrap();
        client.batch_execute("ANALYZE").unwrap();
        let setup_statements = migsafe_classify::analyze(&setup).statements;
        let mut replayer = Replayer::new();
        replayer.apply_migration(&MigrationInput {
            name: "setup",
            path: "setup.sql",
            statements: &setup_statements,
        });
        let analyzed: Vec<_> = example
            .migrations
            .iter()
            .map(|(_, sql)| migsafe_classify::analyze(sql).statements)
            .collect();
        for ((name, sql), statements) in example.migrations.iter().zip(&analyzed) {
            steps += 1;
            // migsafe's locks for the step: every statement's, held to its end.
            let mut ours: BTreeMap<String, TableLock> = BTreeMap::new();
            let mut unknown = false;
            replayer.apply_migration_observed(
                &MigrationInput {
                    name,
                    path: name,
                    statements,
                },
                &mut |i, model| match statement_locks(model, &statements[i], 15) {
                    Some(locks) => locks.iter().for_each(|l| merge(&mut ours, l)),
                    None => unknown = true,
                },
            );
            if unknown {
                failures.push(format!(
                    "{}: {name}: migsafe does not know its locks",
                    rule.id
                ));
                continue;
            }
            let alone = statements.iter().any(|s| {
                s.ops.iter().any(|o| {
                    matches!(
                        o.kind,
                        migsafe_classify::OpKind::CreateIndex {
                            concurrently: true,
                            ..
                        }
                    )
                })
            });
            if alone {
                let Some((table, lock)) = ours.iter().next() else {
                    failures.push(format!("{}: {name}: no lock reported", rule.id));
                    continue;
                };
                match migsafe_oracle::requested_lock(&url, sql, table) {
                    Ok(mode) if mode == lock.mode => {}
                    Ok(mode) => failures.push(format!(
                        "{}: {name}: PostgreSQL asks for {} on {table}, migsafe says {}",
                        rule.id,
                        mode.pg_name(),
                        lock.mode.pg_name()
                    )),
                    Err(e) => failures.push(format!("{}: {name}: {e}", rule.id)),
                }
                continue;
            }
            match held(&mut client, sql) {
                Ok(pg_locks) => {
                    let ours_modes: BTreeMap<String, LockMode> =
                        ours.iter().map(|(t, l)| (t.clone(), l.mode)).collect();
                    if pg_locks != ours_modes {
                        failures.push(format!(
                            "{}: {name}: PostgreSQL holds {pg_locks:?}, migsafe says {ours_modes:?}",
                            rule.id
                        ));
                    }
                }
                Err(e) => failures.push(format!(
                    "{}: {name}: PostgreSQL refused the recipe: {e}",
                    rule.id
                )),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(steps >= 15, "{steps} recipe steps");
    println!("recipes: {steps} migration steps run in PostgreSQL, locks as migsafe says");
}

/// What the bad examples of two rules claim — PostgreSQL refuses the file
/// and rolls it back — PostgreSQL does.
#[test]
fn bad_examples_postgres_refuses_are_refused() {
    let pg = require_pg!();
    for (id, message) in [
        (
            "concurrently-in-transaction",
            "cannot run inside a transaction block",
        ),
        ("new-enum-value-used", "unsafe use of new value"),
    ] {
        let rule = migsafe_core::rules::by_id(id).unwrap();
        let (_, url) = pg.fresh_database(&format!("bad_{}", id.replace('-', "_")));
        let mut client = connect(&url).unwrap();
        let own = created_by(rule.bad.migrations);
        for (name, sql) in TABLES {
            if !own.iter().any(|o| o == name) {
                client.batch_execute(sql).unwrap();
            }
        }
        let (_, sql) = rule.bad.migrations.last().unwrap();
        let err = client.batch_execute(sql).expect_err(id);
        let text = migsafe_oracle::pg_message(&err);
        assert!(text.contains(message), "{id}: {text}");
    }
}

/// Files PostgreSQL accepts get no `new-enum-value-used`: the same label
/// added to two enums, a label used only after the transaction that added
/// it; one it refuses does.
#[test]
fn new_enum_values_flagged_exactly_where_postgres_refuses() {
    let pg = require_pg!();
    let setup = "CREATE TYPE a AS ENUM ('x'); CREATE TYPE b AS ENUM ('x'); CREATE TABLE t (id integer, k a, note text);";
    for (sql, refused) in [
        (
            "ALTER TYPE a ADD VALUE 'new';\nALTER TYPE b ADD VALUE 'new';\n",
            false,
        ),
        (
            "ALTER TYPE a ADD VALUE 'new';\nUPDATE t SET k = 'new';\n",
            true,
        ),
        (
            "ALTER TYPE a ADD VALUE 'new';\nALTER TABLE t ALTER COLUMN k SET DEFAULT 'new';\n",
            true,
        ),
        (
            "ALTER TYPE a ADD VALUE 'new' BEFORE 'x';\nALTER TYPE b ADD VALUE 'new' AFTER 'x';\n",
            false,
        ),
    ] {
        let (_, url) = pg.fresh_database("enum_use");
        let mut client = connect(&url).unwrap();
        client.batch_execute(setup).unwrap();
        client
            .batch_execute("INSERT INTO t VALUES (1, 'x', 'n')")
            .unwrap();
        let pg_refused = client.batch_execute(sql).is_err();
        assert_eq!(pg_refused, refused, "PostgreSQL on {sql}");
        let input = format!("{setup}\n");
        let found = migsafe_core::validate_sources(
            vec![
                migsafe_core::MigrationSource::prisma("20260101000000_setup", &input),
                migsafe_core::MigrationSource::prisma("20260102000000_enum", sql),
            ],
            &migsafe_core::Config::default(),
        )
        .diagnostics
        .iter()
        .any(|d| d.rule == "new-enum-value-used");
        assert_eq!(found, refused, "migsafe on {sql}");
    }
}
