#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

//! `to_model` against Prisma's own SQL.
//!
//! Each `tests/fixtures/models/NAME/` holds a `schema.prisma` and the SQL
//! Prisma Migrate creates from it (`expected.sql`: `migrate diff
//! --from-empty`, see the README there). This test analyzes that SQL with
//! `migsafe_classify::analyze`, replays it with
//! `migsafe_schema::replay::replay` onto an empty database, and requires
//! `migsafe_schema::diff::diff` between the replayed model and `to_model`
//! to be empty: every table, column (and column order), type, nullability,
//! default, key, index, foreign key, enum, schema and serial sequence must
//! agree, and the replay must apply every statement without an issue.

use std::path::{Path, PathBuf};

use migsafe_schema::diff::{Labels, diff};
use migsafe_schema::replay::{MigrationInput, Replayed, replay};
use migsafe_schema::{QualName, SchemaModel};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/models")
}

/// Replays Prisma's `migrate diff --from-empty` SQL statement by statement
/// (each as its own migration): a statement PostgreSQL refuses (see
/// [`KNOWN_INVALID_SQL`]) leaves out only itself, not the whole file as a
/// deploy would, so the rest can still be compared with the model.
fn replay_sql(name: &str, path: &str, sql: &str) -> Replayed {
    let statements = migsafe_classify::analyze(sql).statements;
    let inputs: Vec<MigrationInput<'_>> = (0..statements.len())
        .map(|i| MigrationInput {
            name,
            path,
            statements: &statements[i..=i],
        })
        .collect();
    replay(&inputs)
}

/// A statement of Prisma's SQL that PostgreSQL itself refuses: the replay
/// must report it, and the table it creates is left out of the comparison.
struct KnownInvalid {
    fixture: &'static str,
    line: u32,
    message: &'static str,
    table: &'static str,
}

/// `long_names`: two columns whose names (66 and 67 bytes) both truncate to
/// the same 62-byte name; PostgreSQL 15 answers `ERROR: column "é…é"
/// specified more than once` to Prisma's `CREATE TABLE "Short"`.
const KNOWN_INVALID_SQL: &[KnownInvalid] = &[KnownInvalid {
    fixture: "long_names",
    line: 30,
    message: "specified more than once",
    table: "Short",
}];

fn model_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(fixtures())
        .expect("fixtures/models")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("schema.prisma").is_file())
        .collect();
    dirs.sort();
    dirs
}

/// Every difference between the replayed SQL and `to_model`, and every
/// column order mismatch, as lines.
fn compare(label: &str, expected: &SchemaModel, actual: &SchemaModel) -> Vec<String> {
    let labels = Labels::new("Prisma's SQL has", "to_model has");
    let mut failures: Vec<String> = diff(expected, actual)
        .iter()
        .map(|d| format!("{label}: {}", d.message(&labels)))
        .collect();
    // Column order is creation order: it must match too.
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

#[test]
fn to_model_matches_replayed_prisma_sql_for_every_fixture() {
    let dirs = model_dirs();
    assert!(
        dirs.len() >= 10,
        "expected the model fixtures, found {dirs:?}"
    );
    let mut failures = Vec::new();
    for dir in &dirs {
        let label = dir
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("?")
            .to_owned();
        let schema = migsafe_prisma::load(&dir.join("schema.prisma")).expect("load");
        assert!(
            schema.diagnostics().is_empty(),
            "{}: {}",
            dir.display(),
            schema.render_diagnostics()
        );
        let sql_path = dir.join("expected.sql");
        let sql = std::fs::read_to_string(&sql_path).expect("expected.sql");
        let replayed = replay_sql(&label, &sql_path.to_string_lossy(), &sql);
        let known = KNOWN_INVALID_SQL.iter().find(|k| k.fixture == label);
        for issue in &replayed.issues {
            // The refused statement, and those on the table it would have
            // created (PostgreSQL refuses them too).
            if known.is_some_and(|k| {
                (k.line == issue.origin.line && issue.message.contains(k.message))
                    || issue.message == format!("relation \"{}\" does not exist", k.table)
            }) {
                continue;
            }
            failures.push(format!(
                "{label}: replay issue at line {}: {}",
                issue.origin.line, issue.message
            ));
        }
        if let Some(k) = known {
            assert!(
                replayed
                    .issues
                    .iter()
                    .any(|i| i.origin.line == k.line && i.message.contains(k.message)),
                "{label}: replay no longer reports that line {} fails on PostgreSQL: {:?}",
                k.line,
                replayed.issues
            );
        }
        assert!(
            !replayed.model.tables.is_empty() || label == "views",
            "{label}: the replay produced no table"
        );
        let mut actual = schema.to_model();
        // Views are not created by Prisma Migrate: they are in `views`, not
        // in Prisma's SQL.
        actual.views.clear();
        let mut expected = replayed.model;
        if let Some(k) = known {
            let t = QualName::public(k.table);
            expected.tables.remove(&t);
            actual.tables.remove(&t);
        }
        failures.extend(compare(&label, &expected, &actual));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The replayed model is not trivially equal: a wrong type, a lost
/// default or a missing index in the SQL is found.
#[test]
fn a_changed_statement_is_a_difference() {
    let dir = fixtures().join("basic");
    let schema = migsafe_prisma::load(&dir.join("schema.prisma")).expect("load");
    let sql = std::fs::read_to_string(dir.join("expected.sql")).expect("expected.sql");
    let actual = schema.to_model();
    let baseline = replay_sql("basic", "expected.sql", &sql);
    assert!(compare("basic", &baseline.model, &actual).is_empty());

    let first_index = sql.find("CREATE UNIQUE INDEX").expect("a unique index");
    let end = first_index + sql[first_index..].find(';').expect(";") + 1;
    let without_index = format!("{}{}", &sql[..first_index], &sql[end..]);
    let r = replay_sql("basic", "expected.sql", &without_index);
    let d = compare("basic", &r.model, &actual);
    assert_eq!(d.len(), 1, "{d:#?}");
    assert!(d[0].contains("index"), "{}", d[0]);

    let retyped = sql.replacen("TEXT NOT NULL", "VARCHAR(10) NOT NULL", 1);
    let r = replay_sql("basic", "expected.sql", &retyped);
    let d = compare("basic", &r.model, &actual);
    assert_eq!(d.len(), 1, "{d:#?}");
    assert!(d[0].contains("type differs"), "{}", d[0]);
}

#[test]
fn views_are_views_not_tables() {
    let schema = migsafe_prisma::load(&fixtures().join("views/schema.prisma")).expect("load");
    let m = schema.to_model();
    assert!(m.views.contains_key(&QualName::public("UserInfo")));
    assert!(!m.tables.contains_key(&QualName::public("UserInfo")));
}

#[test]
fn relation_mode_prisma_creates_no_foreign_keys() {
    let schema =
        migsafe_prisma::load(&fixtures().join("relation_mode/schema.prisma")).expect("load");
    let m = schema.to_model();
    assert!(m.tables.values().all(|t| t.foreign_keys.is_empty()));
    assert!(m.tables.contains_key(&QualName::public("_TagToUser")));
}

/// For comparisons against the oracle by hand: with `MIGSAFE_SCHEMA` (a
/// schema file or folder) and `MIGSAFE_EXPECTED_SQL` (Prisma's
/// `migrate diff --from-empty` output for it), prints every difference.
/// `cargo test -p migsafe-prisma --test models -- --ignored --nocapture`
#[test]
#[ignore = "needs MIGSAFE_SCHEMA and MIGSAFE_EXPECTED_SQL"]
fn compare_with_sql_from_env() {
    let (Ok(schema), Ok(sql_path)) = (
        std::env::var("MIGSAFE_SCHEMA"),
        std::env::var("MIGSAFE_EXPECTED_SQL"),
    ) else {
        println!("skipped: MIGSAFE_SCHEMA and MIGSAFE_EXPECTED_SQL are not set");
        return;
    };
    let parsed = migsafe_prisma::load(Path::new(&schema)).expect("load");
    println!("{}", parsed.render_diagnostics());
    let sql = std::fs::read_to_string(&sql_path).expect("sql");
    let replayed = replay_sql("expected", &sql_path, &sql);
    for i in &replayed.issues {
        println!("replay issue at line {}: {}", i.origin.line, i.message);
    }
    let expected = replayed.model;
    let mut actual = parsed.to_model();
    actual.views.clear();
    let diffs = compare("schema", &expected, &actual);
    for d in &diffs {
        println!("{d}");
    }
    let cols: usize = expected.tables.values().map(|t| t.columns.len()).sum();
    let idx: usize = expected.tables.values().map(|t| t.indexes.len()).sum();
    let fks: usize = expected.tables.values().map(|t| t.foreign_keys.len()).sum();
    println!(
        "{} tables, {cols} columns, {idx} indexes, {fks} foreign keys, {} enums; {} differences",
        expected.tables.len(),
        expected.enums.len(),
        diffs.len()
    );
}
