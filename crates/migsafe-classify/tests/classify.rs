//! Every row of the contract's classification table, the seed document's
//! examples, and the forms Prisma generates.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use migsafe_classify::{Class, Rollback, analyze};

/// (sql, operation, class, rollback, parsed)
fn one(sql: &str) -> (String, Class, Rollback, bool) {
    let f = analyze(sql);
    assert_eq!(f.statements.len(), 1, "{sql}: {:?}", f.statements);
    let s = &f.statements[0];
    let op = s
        .primary()
        .map(|o| o.kind.name().to_owned())
        .unwrap_or_default();
    (op, s.class(), s.rollback(), s.parsed)
}

fn check(sql: &str, op: &str, class: Class, rollback: Rollback) {
    let (o, c, r, _) = one(sql);
    assert_eq!((o.as_str(), c, r), (op, class, rollback), "{sql}");
}

use Class::*;
use Rollback::*;

#[test]
fn contract_table() {
    check(
        "CREATE TABLE users (id SERIAL PRIMARY KEY, email VARCHAR(255) UNIQUE NOT NULL);",
        "create_table",
        Expand,
        Simple,
    );
    check(
        "ALTER TABLE users ADD COLUMN created_at TIMESTAMP DEFAULT NOW();",
        "add_column",
        Expand,
        Simple,
    );
    check(
        "CREATE INDEX idx_users_email ON users(email);",
        "create_index",
        Expand,
        Simple,
    );
    check(
        "ALTER TABLE users ADD CONSTRAINT users_email_check CHECK (email LIKE '%@%');",
        "add_constraint",
        Expand,
        Simple,
    );
    check(
        "DROP INDEX IF EXISTS idx_users_email;",
        "drop_index",
        Contract,
        Simple,
    );
    check(
        "ALTER TABLE users DROP CONSTRAINT users_email_unique;",
        "drop_constraint",
        Contract,
        Complex,
    );
    check(
        "ALTER TABLE users ALTER CONSTRAINT users_fk DEFERRABLE;",
        "modify_constraint",
        Contract,
        Complex,
    );
    check(
        "DROP TABLE IF EXISTS old_user_data;",
        "drop_table",
        Dangerous,
        Impossible,
    );
    check(
        "ALTER TABLE users DROP COLUMN old_field;",
        "drop_column",
        Dangerous,
        Impossible,
    );
    check(
        "ALTER TABLE users ALTER COLUMN age TYPE INTEGER;",
        "alter_column_type",
        Dangerous,
        Impossible,
    );
    check(
        "ALTER TABLE \"User\" ALTER COLUMN \"age\" SET DATA TYPE BIGINT;",
        "alter_column_type",
        Dangerous,
        Impossible,
    );
    check(
        "ALTER TABLE users RENAME TO accounts;",
        "rename_table",
        Dangerous,
        Complex,
    );
    check(
        "ALTER TABLE users RENAME COLUMN age TO user_age;",
        "rename_column",
        Dangerous,
        Complex,
    );
    check(
        "TRUNCATE TABLE temp_data;",
        "truncate",
        Dangerous,
        Impossible,
    );
}

#[test]
fn modify_constraint_by_drop_and_re_add() {
    let f = analyze(
        "ALTER TABLE users DROP CONSTRAINT users_email_unique;\nALTER TABLE users ADD CONSTRAINT users_email_unique UNIQUE (email);",
    );
    let ops: Vec<_> = f
        .statements
        .iter()
        .map(|s| s.primary().map(|o| o.kind.name()))
        .collect();
    assert_eq!(ops, vec![Some("modify_constraint"), Some("add_constraint")]);
    assert_eq!(f.statements[0].class(), Contract);
    assert_eq!(f.statements[0].rollback(), Complex);
    // A different name is a plain drop.
    let f = analyze(
        "ALTER TABLE users DROP CONSTRAINT a;\nALTER TABLE users ADD CONSTRAINT b UNIQUE (email);",
    );
    assert_eq!(
        f.statements[0].primary().map(|o| o.kind.name()),
        Some("drop_constraint")
    );
}

#[test]
fn multi_action_alter_takes_the_worst() {
    let (op, c, r, _) = one("ALTER TABLE t ADD COLUMN a INT, DROP COLUMN b;");
    assert_eq!((op.as_str(), c, r), ("drop_column", Dangerous, Impossible));
    let f = analyze("ALTER TABLE t ADD COLUMN a INT, DROP COLUMN b;");
    assert_eq!(f.statements[0].ops.len(), 2);
    assert_eq!(f.statements[0].objects(), vec!["t.a", "t.b"]);
}

#[test]
fn quoted_qualified_and_any_case() {
    check(
        "drop table \"public\".\"User\";",
        "drop_table",
        Dangerous,
        Impossible,
    );
    check(
        "Alter Table Public.Users Drop Column X;",
        "drop_column",
        Dangerous,
        Impossible,
    );
    let f = analyze("DROP TABLE \"public\".\"User\";");
    assert_eq!(f.statements[0].objects(), vec!["public.\"User\""]);
}

#[test]
fn prisma_forms() {
    check(
        "ALTER INDEX \"a_key\" RENAME TO \"b_key\";",
        "rename_index",
        Neutral,
        Simple,
    );
    check(
        "ALTER TABLE \"T\" RENAME CONSTRAINT \"a_pkey\" TO \"b_pkey\";",
        "rename_constraint",
        Neutral,
        Simple,
    );
    check(
        "ALTER TYPE \"Role\" RENAME TO \"UserRole\";",
        "rename_type",
        Dangerous,
        Complex,
    );
    check(
        "ALTER TYPE \"Role\" ADD VALUE 'OWNER';",
        "add_enum_value",
        Expand,
        Complex,
    );
    check(
        "ALTER TYPE \"Role\" RENAME VALUE 'A' TO 'B';",
        "rename_enum_value",
        Dangerous,
        Complex,
    );
    check(
        "CREATE TYPE \"Role\" AS ENUM ('USER', 'ADMIN');",
        "create_enum",
        Expand,
        Simple,
    );
    check(
        "ALTER TABLE \"T\" ALTER COLUMN \"a\" SET NOT NULL;",
        "set_not_null",
        Expand,
        Simple,
    );
    check(
        "ALTER TABLE \"T\" ALTER COLUMN \"a\" DROP NOT NULL;",
        "drop_not_null",
        Expand,
        Complex,
    );
    check(
        "ALTER TABLE \"T\" ALTER COLUMN \"a\" SET DEFAULT 0;",
        "set_default",
        Neutral,
        Simple,
    );
    check(
        "ALTER TABLE \"T\" ADD CONSTRAINT \"T_a_fkey\" FOREIGN KEY (\"a\") REFERENCES \"U\"(\"id\") ON DELETE RESTRICT ON UPDATE CASCADE;",
        "add_constraint",
        Expand,
        Simple,
    );
    check(
        "CREATE UNIQUE INDEX \"T_a_key\" ON \"T\"(\"a\");",
        "create_index",
        Expand,
        Simple,
    );
}

#[test]
fn prisma_enum_swap_is_one_dangerous_change() {
    let sql = r#"-- AlterEnum
BEGIN;
CREATE TYPE "Role_new" AS ENUM ('USER', 'ADMIN');
ALTER TABLE "User" ALTER COLUMN "role" DROP DEFAULT;
ALTER TABLE "User" ALTER COLUMN "role" TYPE "Role_new" USING ("role"::text::"Role_new");
ALTER TYPE "Role" RENAME TO "Role_old";
ALTER TYPE "Role_new" RENAME TO "Role";
DROP TYPE "Role_old";
ALTER TABLE "User" ALTER COLUMN "role" SET DEFAULT 'USER';
COMMIT;
"#;
    let f = analyze(sql);
    let classes: Vec<(String, Class)> = f
        .statements
        .iter()
        .map(|s| {
            (
                s.primary()
                    .map(|o| o.kind.name().to_owned())
                    .unwrap_or_default(),
                s.class(),
            )
        })
        .collect();
    assert_eq!(
        classes,
        vec![
            ("transaction".into(), Neutral),
            ("create_enum".into(), Expand),
            ("drop_default".into(), Neutral),
            ("alter_column_type".into(), Dangerous),
            ("rename_type".into(), Neutral),
            ("rename_type".into(), Neutral),
            ("drop_type".into(), Neutral),
            ("set_default".into(), Neutral),
            ("transaction".into(), Neutral),
        ]
    );
}

#[test]
fn unparsable_statements_are_classified_from_tokens() {
    let (op, c, r, parsed) = one("DROP INDEX CONCURRENTLY IF EXISTS \"a_idx\";");
    assert_eq!(
        (op.as_str(), c, r, parsed),
        ("drop_index", Contract, Simple, false)
    );
    let (op, c, _, parsed) = one("ALTER TABLE t SET SCHEMA archive;");
    assert_eq!(
        (op.as_str(), c, parsed),
        ("set_table_schema", Dangerous, false)
    );
    let (op, c, _, _) = one("REINDEX INDEX CONCURRENTLY a_idx;");
    assert_eq!((op.as_str(), c), ("maintenance", Neutral));
}

#[test]
fn parse_errors_point_into_the_file() {
    let f = analyze("SELECT 1;\n\nDROP INDEX CONCURRENTLY IF EXISTS x;");
    let e = f.statements[1].parse_error.clone().unwrap_or_default();
    assert!(e.ends_with("at 3:25"), "{e}");
}

#[test]
fn do_blocks_are_classified_by_their_ddl() {
    let sql = r#"DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'x_fkey') THEN
        ALTER TABLE "T" ADD CONSTRAINT "x_fkey" FOREIGN KEY ("a") REFERENCES "U"("id");
    END IF;
END $$;"#;
    let f = analyze(sql);
    let s = &f.statements[0];
    assert_eq!(s.ops[0].kind.name(), "do_block");
    assert!(
        s.ops.iter().any(|o| o.kind.name() == "add_constraint"),
        "{:?}",
        s.ops
    );
    assert_eq!(s.class(), Expand);
    let f = analyze("DO $$ BEGIN EXECUTE 'x'; DROP TABLE old; END $$;");
    assert_eq!(f.statements[0].class(), Dangerous);
}

#[test]
fn other_operations_a_reviewer_would_flag() {
    check(
        "DROP SCHEMA legacy CASCADE;",
        "drop_schema",
        Dangerous,
        Impossible,
    );
    check("DROP TYPE mood;", "drop_type", Dangerous, Complex);
    check("DROP VIEW v;", "drop_view", Dangerous, Complex);
    check("DELETE FROM users;", "delete", Dangerous, Impossible);
    check("UPDATE users SET a = 1;", "update", Dangerous, Impossible);
    check(
        "DELETE FROM users WHERE id = 1;",
        "delete",
        Neutral,
        Complex,
    );
    check(
        "UPDATE users SET a = 1 WHERE id = 1;",
        "update",
        Neutral,
        Complex,
    );
    check(
        "INSERT INTO users (id) VALUES (1);",
        "insert",
        Neutral,
        Simple,
    );
    check("COMMENT ON TABLE users IS 'x';", "comment", Neutral, Simple);
    check("SET statement_timeout = 0;", "set", Neutral, Simple);
    check("BEGIN;", "transaction", Neutral, Simple);
    check("COMMIT;", "transaction", Neutral, Simple);
    check(
        "CREATE EXTENSION IF NOT EXISTS pg_trgm;",
        "create_extension",
        Expand,
        Simple,
    );
    check(
        "DROP EXTENSION pg_trgm;",
        "drop_extension",
        Dangerous,
        Complex,
    );
    check("DROP SEQUENCE s;", "drop_sequence", Dangerous, Complex);
    check("DROP FUNCTION f();", "drop_function", Contract, Complex);
    check(
        "CREATE POLICY p ON t USING (true);",
        "other",
        Expand,
        Simple,
    );
    check("DROP POLICY p ON t;", "other", Contract, Complex);
}

#[test]
fn spans_point_at_the_statement_not_its_comments() {
    let f = analyze("-- @override-destructive\n-- DropTable\n  DROP TABLE x;\n");
    let s = &f.statements[0];
    assert_eq!((s.line, s.column, s.end_line), (3, 3, 3));
}

#[test]
fn backfill_of_a_new_column_is_not_data_loss() {
    let f = analyze(
        "ALTER TABLE \"User\" ADD COLUMN \"slug\" TEXT;\nUPDATE \"User\" SET \"slug\" = lower(\"name\");\nUPDATE \"User\" SET \"name\" = '';\n",
    );
    let got: Vec<(Class, Rollback)> = f
        .statements
        .iter()
        .map(|s| (s.class(), s.rollback()))
        .collect();
    assert_eq!(
        got,
        vec![(Expand, Simple), (Neutral, Simple), (Dangerous, Impossible)]
    );
    // Inside a DO block too.
    let f = analyze("DO $$ BEGIN ALTER TABLE t ADD COLUMN c text; UPDATE t SET c = 'x'; END $$;");
    assert_eq!(f.statements[0].class(), Expand);
    // An unparsable UPDATE still reads its SET list.
    let f = analyze("ALTER TABLE t ADD COLUMN c int;\nUPDATE t SET (c) = (1) , ;");
    assert_eq!(f.statements[1].class(), Neutral);
}

#[test]
fn data_modifying_ctes_count() {
    check(
        "WITH gone AS (DELETE FROM t RETURNING *) SELECT count(*) FROM gone;",
        "delete",
        Dangerous,
        Impossible,
    );
    check(
        "WITH x AS (UPDATE t SET a = 1 WHERE id = 2 RETURNING id) SELECT * FROM x;",
        "update",
        Neutral,
        Complex,
    );
    check(
        "WITH x AS (SELECT 1) SELECT * FROM x;",
        "select",
        Neutral,
        Simple,
    );
}

/// The guard of a statement in a long `IF … ELSIF … ELSE` chain grows with
/// the chain, not exponentially (22 branches took 2 GB when each branch's
/// guard nested the previous one's); repeated `ELSE` (which PostgreSQL
/// rejects) likewise.
#[test]
fn long_elsif_chains_have_linear_guards() {
    let mut body = String::from(
        "DO $$\nBEGIN\n  IF EXISTS (SELECT 1 FROM pg_tables WHERE tablename = 't0') THEN\n    ALTER TABLE t0 ADD COLUMN c int;\n",
    );
    for i in 1..60 {
        body.push_str(&format!(
            "  ELSIF EXISTS (SELECT 1 FROM pg_tables WHERE tablename = 't{i}') THEN\n    ALTER TABLE t{i} ADD COLUMN c int;\n"
        ));
    }
    body.push_str("  ELSE\n    CREATE TABLE t (id int);\n");
    body.push_str(&"  ELSE\n".repeat(40));
    body.push_str("  ALTER TABLE t ADD COLUMN d int;\n  END IF;\nEND $$;\n");
    let a = analyze(&body);
    let ops: Vec<_> = a.statements.iter().flat_map(|s| &s.ops).collect();
    let guards: Vec<String> = ops
        .iter()
        .filter_map(|o| o.in_do.as_ref())
        .map(|d| format!("{:?}", d.guard))
        .collect();
    assert_eq!(guards.len(), 62, "{ops:#?}");
    let longest = guards.iter().map(String::len).max().unwrap_or(0);
    assert!(longest < 40_000, "a guard of {longest} bytes");
}
