//! The classification table, computed: one representative statement per
//! operation, run through the classifier. `migsafe explain classification`
//! prints it, so the documentation is the behaviour.

use std::fmt::Write as _;

use migsafe_classify::{Class, Rollback, analyze};

/// Representative statements, one per operation the classifier knows.
pub const EXAMPLES: &[&str] = &[
    "CREATE TABLE t (id int)",
    "ALTER TABLE t ADD COLUMN c int",
    "CREATE INDEX i ON t (c)",
    "ALTER TABLE t ADD CONSTRAINT k CHECK (c > 0)",
    "DROP INDEX i",
    "ALTER TABLE t DROP CONSTRAINT k",
    "ALTER TABLE t ALTER CONSTRAINT k DEFERRABLE",
    "DROP TABLE t",
    "ALTER TABLE t DROP COLUMN c",
    "ALTER TABLE t ALTER COLUMN c TYPE bigint",
    "ALTER TABLE t RENAME TO u",
    "ALTER TABLE t RENAME COLUMN c TO d",
    "TRUNCATE t",
    "ALTER TABLE t SET SCHEMA archive",
    "ALTER TABLE t ALTER COLUMN c SET NOT NULL",
    "ALTER TABLE t ALTER COLUMN c DROP NOT NULL",
    "ALTER TABLE t ALTER COLUMN c SET DEFAULT 0",
    "ALTER TABLE t ALTER COLUMN c DROP DEFAULT",
    "ALTER TABLE t RENAME CONSTRAINT k TO l",
    "ALTER TABLE t VALIDATE CONSTRAINT k",
    "ALTER INDEX i RENAME TO j",
    "CREATE TYPE e AS ENUM ('a')",
    "ALTER TYPE e ADD VALUE 'b'",
    "ALTER TYPE e RENAME VALUE 'a' TO 'c'",
    "ALTER TYPE e RENAME TO f",
    "DROP TYPE e",
    "DROP TYPE e CASCADE",
    "CREATE SCHEMA s",
    "DROP SCHEMA s",
    "CREATE EXTENSION pg_trgm",
    "DROP EXTENSION pg_trgm",
    "CREATE VIEW v AS SELECT 1",
    "CREATE OR REPLACE VIEW v AS SELECT 1",
    "DROP VIEW v",
    "DROP MATERIALIZED VIEW m",
    "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'",
    "DROP FUNCTION f()",
    "CREATE TRIGGER g AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION f()",
    "DROP TRIGGER g ON t",
    "CREATE SEQUENCE q",
    "DROP SEQUENCE q",
    "ALTER SEQUENCE q RESTART",
    "DELETE FROM t",
    "DELETE FROM t WHERE id = 1",
    "UPDATE t SET c = 1",
    "UPDATE t SET c = 1 WHERE id = 1",
    "INSERT INTO t (id) VALUES (1)",
    "SELECT 1",
    "BEGIN",
    "SET statement_timeout = 0",
    "COMMENT ON TABLE t IS 'x'",
    "LOCK TABLE t",
    "GRANT SELECT ON t TO r",
    "VACUUM t",
    "DO $$ BEGIN NULL; END $$",
    "ALTER TABLE t ENABLE ROW LEVEL SECURITY",
    "ALTER TABLE t DETACH PARTITION p",
    "CREATE POLICY p ON t USING (true)",
    "DROP POLICY p ON t",
];

/// One row of the table.
pub struct Row {
    pub example: &'static str,
    pub operation: String,
    pub class: Class,
    pub rollback: Rollback,
    pub reason: &'static str,
}

pub fn rows() -> Vec<Row> {
    EXAMPLES
        .iter()
        .filter_map(|sql| {
            let f = analyze(sql);
            let s = f.statements.first()?;
            let p = s.primary()?;
            Some(Row {
                example: sql,
                operation: p.kind.name().to_owned(),
                class: s.class(),
                rollback: s.rollback(),
                reason: p.kind.reason(),
            })
        })
        .collect()
}

/// The table as `migsafe explain classification` prints it.
pub fn explain() -> String {
    let mut s = String::from(
        "classification: every operation's class, whether it needs an override, and its rollback\n\n\
expand: adds structure; old code keeps working.       contract: removes or restricts structure (override).\n\
dangerous: loses data or breaks running code (override + rollback plan).   neutral: no schema change.\n\
A statement takes the worst class of its operations; a migration the worst of its statements.\n\n",
    );
    let _ = writeln!(
        s,
        "{:<22} {:<10} {:<11} example",
        "operation", "class", "rollback"
    );
    for r in rows() {
        let _ = writeln!(
            s,
            "{:<22} {:<10} {:<11} {}",
            r.operation,
            r.class.as_str(),
            r.rollback.as_str(),
            r.example
        );
    }
    s.push_str(
        "\n`migsafe explain OPERATION` (for example `migsafe explain drop_view`) says why.\n",
    );
    s
}

/// `migsafe explain drop_view`.
pub fn explain_operation(op: &str) -> Option<String> {
    let rows: Vec<Row> = rows().into_iter().filter(|r| r.operation == op).collect();
    if rows.is_empty() {
        return None;
    }
    let mut s = format!("{op}\n\n");
    for r in rows {
        let needs = if r.class.needs_override() {
            if r.class == Class::Dangerous {
                "needs an override and a rollback plan"
            } else {
                "needs an override"
            }
        } else {
            "needs no annotation"
        };
        let _ = writeln!(
            s,
            "  {}\n    class: {}, rollback: {}; {needs}\n    why: {}\n",
            r.example, r.class, r.rollback, r.reason
        );
    }
    Some(s)
}

/// The classification table as a Markdown page.
pub fn markdown() -> String {
    let mut s = String::from(
        "<!-- Generated from crates/migsafe-core/src/classification.rs by `UPDATE_DOCS=1 cargo test -p migsafe-core --test docs`. Do not edit. -->\n\n# Classification\n\nEvery statement becomes one or more operations; each has a class and a rollback complexity. A statement takes the worst of its operations, a migration the worst of its statements. Contract and dangerous operations need an override annotation; dangerous ones also a `@rollback-plan`.\n\n| operation | class | rollback | example | why |\n|---|---|---|---|---|\n",
    );
    for r in rows() {
        let _ = writeln!(
            s,
            "| `{}` | {} | {} | `{}` | {} |",
            r.operation, r.class, r.rollback, r.example, r.reason
        );
    }
    s
}
