#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

//! `to_model` against Prisma's own SQL.
//!
//! Each `tests/fixtures/models/NAME/` holds a `schema.prisma` and the SQL
//! Prisma Migrate creates from it (`expected.sql`, see the README there).
//! This test reads that SQL with a small reader that knows the exact shapes
//! Prisma writes (`CREATE TABLE`, `CREATE [UNIQUE] INDEX`, `ALTER TABLE …
//! ADD CONSTRAINT … FOREIGN KEY`, `CREATE TYPE … AS ENUM`, `CREATE SCHEMA`)
//! into a `SchemaModel`, and requires `migsafe_schema::diff::diff` between
//! it and `to_model` to be empty: every table, column, type, nullability,
//! default, key, index, foreign key and enum must agree.

use std::path::{Path, PathBuf};

use migsafe_schema::diff::{Labels, diff};
use migsafe_schema::types::normalize_default;
use migsafe_schema::{
    Column, EnumType, ForeignKey, Index, IndexColumn, PrimaryKey, QualName, RefAction, SchemaModel,
    Table, normalize_type,
};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/models")
}

/// Splits `"a"."b"` / `"b"` at the start of `s`; returns the name and the rest.
fn qual_name(s: &str) -> Option<(QualName, &str)> {
    let (first, rest) = quoted(s.trim_start())?;
    if let Some(r) = rest.strip_prefix('.')
        && let Some((second, rest2)) = quoted(r)
    {
        return Some((QualName::new(Some(&first), second), rest2));
    }
    Some((QualName::public(first), rest))
}

fn quoted(s: &str) -> Option<(String, &str)> {
    let s = s.strip_prefix('"')?;
    let end = s.find('"')?;
    Some((s.get(..end)?.to_owned(), s.get(end + 1..)?))
}

/// `("a", "b" DESC, "c" jsonb_path_ops)` → index columns.
fn paren_list(s: &str) -> Option<(Vec<IndexColumn>, &str)> {
    let s = s.trim_start().strip_prefix('(')?;
    let end = s.find(')')?;
    let inner = s.get(..end)?;
    let cols = inner
        .split(',')
        .map(|part| {
            let part = part.trim();
            let (name, rest) = quoted(part).unwrap_or((part.to_owned(), ""));
            let mut ic = IndexColumn::column(name);
            for w in rest.split_whitespace() {
                match w {
                    "DESC" => ic.descending = true,
                    "ASC" => {}
                    op => ic.opclass = Some(op.to_owned()),
                }
            }
            ic
        })
        .collect();
    Some((cols, s.get(end + 1..)?))
}

fn names_of(cols: Vec<IndexColumn>) -> Vec<String> {
    cols.into_iter().map(|c| c.expr).collect()
}

fn action(s: &str) -> RefAction {
    match s {
        "CASCADE" => RefAction::Cascade,
        "RESTRICT" => RefAction::Restrict,
        "SET NULL" => RefAction::SetNull,
        "SET DEFAULT" => RefAction::SetDefault,
        _ => RefAction::NoAction,
    }
}

/// Splits a column definition line at the top level: type, NOT NULL,
/// DEFAULT.
fn column(line: &str, table: &QualName, model: &mut SchemaModel) -> Column {
    let (name, rest) = quoted(line).unwrap_or_default();
    let rest = rest.trim();
    let (before_default, default) = match rest.find(" DEFAULT ") {
        Some(i) => (&rest[..i], Some(rest[i + " DEFAULT ".len()..].trim())),
        None => (rest, None),
    };
    let (ty, not_null) = match before_default.strip_suffix(" NOT NULL") {
        Some(t) => (t, true),
        None => (before_default, false),
    };
    let mut c = Column::new(name.clone(), normalize_type(ty));
    c.nullable = !not_null;
    if migsafe_schema::types::is_serial(ty) {
        c.default = Some(normalize_default("nextval('seq')"));
        c.nullable = false;
        model.sequences.insert(QualName::new(
            Some(&table.schema),
            migsafe_prisma::names::serial_sequence_name(&table.name, &name),
        ));
    } else if let Some(d) = default {
        c.default = Some(normalize_default(d));
    }
    c
}

/// Reads the SQL Prisma writes for `migrate diff --from-empty`.
fn read_prisma_sql(sql: &str) -> SchemaModel {
    let mut m = SchemaModel::default();
    let body: String = sql
        .lines()
        .filter(|l| !l.starts_with("--"))
        .collect::<Vec<_>>()
        .join("\n");
    for stmt in body.split(";\n").map(str::trim).filter(|s| !s.is_empty()) {
        let stmt = stmt.trim_end_matches(';');
        if let Some(r) = stmt.strip_prefix("CREATE SCHEMA IF NOT EXISTS ") {
            let (n, _) = quoted(r).expect("schema name");
            m.schemas.insert(n);
        } else if let Some(r) = stmt.strip_prefix("CREATE TYPE ") {
            let (name, rest) = qual_name(r).expect("enum name");
            let inner = rest
                .trim()
                .strip_prefix("AS ENUM (")
                .and_then(|x| x.strip_suffix(')'))
                .expect("enum values");
            let values = inner
                .split(", ")
                .map(|v| v.trim_matches('\'').replace("''", "'"))
                .collect();
            m.enums.insert(name.clone(), EnumType { name, values });
        } else if let Some(r) = stmt.strip_prefix("CREATE TABLE ") {
            let (name, rest) = qual_name(r).expect("table name");
            let mut t = Table::new(name.clone());
            let inner = rest.trim().strip_prefix('(').expect("(");
            let inner = inner.strip_suffix(')').expect(")");
            for line in inner.lines().map(str::trim).filter(|l| !l.is_empty()) {
                let line = line.trim_end_matches(',');
                if let Some(r) = line.strip_prefix("CONSTRAINT ") {
                    let (cname, rest) = quoted(r).expect("constraint name");
                    let rest = rest.trim().strip_prefix("PRIMARY KEY").expect("pk");
                    let (cols, _) = paren_list(rest).expect("pk columns");
                    t.primary_key = Some(PrimaryKey {
                        name: Some(cname),
                        columns: names_of(cols),
                    });
                } else {
                    let c = column(line, &name, &mut m);
                    t.columns.push(c);
                }
            }
            m.tables.insert(name, t);
        } else if let Some(r) = stmt.strip_prefix("CREATE ") {
            let (unique, r) = match r.strip_prefix("UNIQUE ") {
                Some(x) => (true, x),
                None => (false, r),
            };
            let r = r.strip_prefix("INDEX ").expect("index");
            let (iname, r) = quoted(r).expect("index name");
            let r = r.trim().strip_prefix("ON ").expect("ON");
            let (table, r) = qual_name(r).expect("index table");
            let (method, r) = match r.trim().strip_prefix("USING ") {
                Some(x) => {
                    let (m, rest) = x.split_once(' ').expect("method");
                    (Some(m.to_ascii_lowercase()), rest)
                }
                None => (None, r),
            };
            let (cols, _) = paren_list(r).expect("index columns");
            let t = m.tables.get_mut(&table).expect("index on a known table");
            t.indexes.push(Index {
                name: iname,
                columns: cols,
                unique,
                constraint: false,
                method: method.filter(|x| x != "btree"),
                predicate: None,
                include: Vec::new(),
            });
        } else if let Some(r) = stmt.strip_prefix("ALTER TABLE ") {
            let (table, r) = qual_name(r).expect("fk table");
            let r = r
                .trim()
                .strip_prefix("ADD CONSTRAINT ")
                .expect("add constraint");
            let (fname, r) = quoted(r).expect("fk name");
            let r = r.trim().strip_prefix("FOREIGN KEY").expect("fk");
            let (cols, r) = paren_list(r).expect("fk columns");
            let r = r.trim().strip_prefix("REFERENCES ").expect("references");
            let (rtable, r) = qual_name(r).expect("referenced table");
            let (rcols, r) = paren_list(r).expect("referenced columns");
            let r = r.trim().strip_prefix("ON DELETE ").expect("on delete");
            let (del, upd) = r.split_once(" ON UPDATE ").expect("on update");
            let t = m.tables.get_mut(&table).expect("fk on a known table");
            t.foreign_keys.push(ForeignKey {
                name: Some(fname),
                columns: names_of(cols),
                referenced_table: rtable,
                referenced_columns: names_of(rcols),
                on_delete: action(del.trim()),
                on_update: action(upd.trim()),
            });
        } else {
            panic!("statement the reader does not know: {stmt}");
        }
    }
    m
}

fn model_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(fixtures())
        .expect("fixtures/models")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("schema.prisma").is_file())
        .collect();
    dirs.sort();
    dirs
}

#[test]
fn to_model_matches_prisma_sql_for_every_fixture() {
    let dirs = model_dirs();
    assert!(
        dirs.len() >= 10,
        "expected the model fixtures, found {dirs:?}"
    );
    let labels = Labels::new("Prisma's SQL has", "to_model has");
    let mut failures = Vec::new();
    for dir in &dirs {
        let schema = migsafe_prisma::load(&dir.join("schema.prisma")).expect("load");
        assert!(
            schema.diagnostics().is_empty(),
            "{}: {}",
            dir.display(),
            schema.render_diagnostics()
        );
        let sql = std::fs::read_to_string(dir.join("expected.sql")).expect("expected.sql");
        let expected = read_prisma_sql(&sql);
        let mut actual = schema.to_model();
        // Views are not created by Prisma Migrate: they are in `views`, not
        // in Prisma's SQL.
        actual.views.clear();
        for d in diff(&expected, &actual) {
            failures.push(format!(
                "{}: {}",
                dir.file_name().and_then(|n| n.to_str()).unwrap_or("?"),
                d.message(&labels)
            ));
        }
        // Column order is creation order: it must match too.
        for (name, t) in &expected.tables {
            if let Some(a) = actual.tables.get(name) {
                let e: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
                let g: Vec<&str> = a.columns.iter().map(|c| c.name.as_str()).collect();
                if e != g {
                    failures.push(format!("{name}: column order {e:?} vs {g:?}"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
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
    let (Ok(schema), Ok(sql)) = (
        std::env::var("MIGSAFE_SCHEMA"),
        std::env::var("MIGSAFE_EXPECTED_SQL"),
    ) else {
        println!("skipped: MIGSAFE_SCHEMA and MIGSAFE_EXPECTED_SQL are not set");
        return;
    };
    let parsed = migsafe_prisma::load(Path::new(&schema)).expect("load");
    println!("{}", parsed.render_diagnostics());
    let expected = read_prisma_sql(&std::fs::read_to_string(sql).expect("sql"));
    let mut actual = parsed.to_model();
    actual.views.clear();
    let labels = Labels::new("Prisma's SQL has", "to_model has");
    let diffs = diff(&expected, &actual);
    for d in &diffs {
        println!("{}", d.message(&labels));
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
