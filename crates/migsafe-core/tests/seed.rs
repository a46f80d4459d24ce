//! The release-safety document's rules and every SQL example in it, run
//! through the engine: class, rollback complexity and findings.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use migsafe_classify::{Class, Rollback};
use migsafe_core::{Config, MigrationSource, Report, Severity, validate_sources};

fn check(sql: &str) -> Report {
    validate_sources(
        vec![MigrationSource::prisma("20260101000000_example", sql)],
        &Config::default(),
    )
}

fn errors(r: &Report) -> Vec<(String, u32)> {
    r.diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| (d.rule.as_str().to_owned(), d.line.unwrap_or(0)))
        .collect()
}

fn classes(r: &Report) -> Vec<(String, Class, Rollback)> {
    r.migrations[0]
        .statements
        .iter()
        .map(|s| (s.operation.clone(), s.class, s.rollback))
        .collect()
}

fn op(o: &str, c: Class, r: Rollback) -> (String, Class, Rollback) {
    (o.to_owned(), c, r)
}

use Class::*;
use Rollback::*;

#[test]
fn expand_examples_are_safe() {
    let r = check(
        "-- ✅ Safe: Adding new table
CREATE TABLE users (
  id SERIAL PRIMARY KEY,
  email VARCHAR(255) UNIQUE NOT NULL
);

-- ✅ Safe: Adding new column
ALTER TABLE users ADD COLUMN created_at TIMESTAMP DEFAULT NOW();

-- ✅ Safe: Adding index
CREATE INDEX idx_users_email ON users(email);
",
    );
    assert_eq!(
        classes(&r),
        vec![
            op("create_table", Expand, Simple),
            op("add_column", Expand, Simple),
            op("create_index", Expand, Simple)
        ]
    );
    assert_eq!(errors(&r), vec![]);
    assert_eq!(r.migrations[0].class, Expand);
    assert_eq!(r.exit_code(), 0);
}

#[test]
fn contract_examples_need_an_override() {
    let annotated = check(
        "-- ⚠️ Requires override: Dropping index
-- @override-destructive
DROP INDEX IF EXISTS idx_users_email;

-- ⚠️ Requires override: Dropping constraint
-- @override-destructive
ALTER TABLE users DROP CONSTRAINT users_email_unique;
",
    );
    assert_eq!(
        classes(&annotated),
        vec![
            op("drop_index", Contract, Simple),
            op("drop_constraint", Contract, Complex)
        ]
    );
    assert!(
        annotated.migrations[0]
            .statements
            .iter()
            .all(|s| s.overridden)
    );
    assert_eq!(errors(&annotated), vec![]);

    let bare = check(
        "DROP INDEX IF EXISTS idx_users_email;\nALTER TABLE users DROP CONSTRAINT users_email_unique;\n",
    );
    assert_eq!(
        errors(&bare),
        vec![
            ("missing-override".into(), 1),
            ("missing-override".into(), 2)
        ]
    );
    let d = &bare.diagnostics[0];
    assert_eq!(
        d.message,
        "DROP INDEX is contract and has no override annotation"
    );
    assert_eq!(
        d.help.as_deref(),
        Some("add `-- @override-destructive` above the statement")
    );
    // Contract statements do not need a rollback plan.
    assert!(
        !bare
            .diagnostics
            .iter()
            .any(|d| d.rule == "missing-rollback-plan")
    );
}

#[test]
fn dangerous_examples_need_override_and_plan() {
    let annotated = check(
        "-- ❌ Dangerous: Dropping table (blocked without override)
-- @override-destructive
-- @rollback-plan: Restore from backup before this migration
DROP TABLE IF EXISTS old_user_data;

-- ❌ Dangerous: Changing column type (blocked without override)
-- @override-destructive
-- @rollback-plan: Create backup table, migrate data, verify, then drop backup
ALTER TABLE users ALTER COLUMN age TYPE INTEGER;

-- ❌ Dangerous: Renaming column (blocked without override)
-- @override-destructive
-- @rollback-plan: Update application code, then rename back if needed
ALTER TABLE users RENAME COLUMN age TO user_age;
",
    );
    assert_eq!(
        classes(&annotated),
        vec![
            op("drop_table", Dangerous, Impossible),
            op("alter_column_type", Dangerous, Impossible),
            op("rename_column", Dangerous, Complex)
        ]
    );
    assert_eq!(errors(&annotated), vec![]);
    let plans: Vec<Option<String>> = annotated.migrations[0]
        .statements
        .iter()
        .map(|s| s.rollback_plan.clone())
        .collect();
    assert_eq!(
        plans[0].as_deref(),
        Some("Restore from backup before this migration")
    );
    assert_eq!(annotated.migrations[0].class, Dangerous);
    assert_eq!(annotated.migrations[0].rollback, Impossible);

    let bare = check("DROP TABLE IF EXISTS old_user_data;\n");
    assert_eq!(errors(&bare), vec![("missing-override".into(), 1)]);
    assert_eq!(
        bare.diagnostics[0].message,
        "DROP TABLE is dangerous and has no override annotation"
    );
    assert_eq!(
        bare.diagnostics[0].help.as_deref(),
        Some("add `-- @override-destructive` and `-- @rollback-plan: …` above the statement")
    );

    let no_plan = check("-- @override-destructive\nALTER TABLE users DROP COLUMN old_field;\n");
    assert_eq!(errors(&no_plan), vec![("missing-rollback-plan".into(), 2)]);
}

#[test]
fn each_override_spelling_works() {
    for word in [
        "override-destructive",
        "migration-override",
        "allow-destructive",
    ] {
        let r = check(&format!(
            "-- @{word}\n-- @rollback-plan: 1) Create backup table, 2) Migrate data, 3) Verify, 4) Drop backup\nALTER TABLE users DROP COLUMN old_field;\n"
        ));
        assert_eq!(errors(&r), vec![], "{word}");
        assert!(r.migrations[0].statements[0].overridden, "{word}");
    }
}

#[test]
fn statement_scope_does_not_leak_to_the_next_statement() {
    let r = check(
        "-- @override-destructive
DROP INDEX idx_a;
DROP INDEX idx_b;
",
    );
    assert_eq!(errors(&r), vec![("missing-override".into(), 3)]);
    let ov: Vec<bool> = r.migrations[0]
        .statements
        .iter()
        .map(|s| s.overridden)
        .collect();
    assert_eq!(ov, vec![true, false]);
}

#[test]
fn file_scope_override_covers_every_statement() {
    let r = check(
        "-- Retire the legacy reporting tables.
-- @override-destructive
-- @rollback-plan: Restore both tables from the pre-release backup

-- DropTable
DROP TABLE legacy_reports;

-- DropTable
DROP TABLE legacy_report_rows;
",
    );
    assert_eq!(errors(&r), vec![]);
    assert!(r.migrations[0].statements.iter().all(|s| s.overridden
        && s.rollback_plan.as_deref() == Some("Restore both tables from the pre-release backup")));
}

#[test]
fn annotations_in_strings_and_block_comments_do_not_count() {
    let r = check(
        "/* -- @override-destructive */
INSERT INTO notes (body) VALUES ('-- @override-destructive');
DROP TABLE notes;
",
    );
    assert_eq!(errors(&r), vec![("missing-override".into(), 3)]);
    let r = check("DO $$ BEGIN\n-- @override-destructive\nNULL; END $$;\nDROP TABLE notes;\n");
    assert_eq!(errors(&r), vec![("missing-override".into(), 4)]);
}

#[test]
fn allowed_with_override_section() {
    let r = check(
        "-- Remove index
-- @override-destructive
DROP INDEX IF EXISTS idx_users_old_field;

-- Remove constraint
-- @override-destructive
ALTER TABLE users DROP CONSTRAINT users_email_check;

-- Modify constraint
-- @override-destructive
ALTER TABLE users DROP CONSTRAINT users_email_unique;
ALTER TABLE users ADD CONSTRAINT users_email_unique UNIQUE (email);
",
    );
    assert_eq!(
        classes(&r),
        vec![
            op("drop_index", Contract, Simple),
            op("drop_constraint", Contract, Complex),
            op("modify_constraint", Contract, Complex),
            op("add_constraint", Expand, Simple)
        ]
    );
    assert_eq!(errors(&r), vec![]);
}

#[test]
fn always_allowed_section_has_no_errors() {
    let r = check(
        "-- Add new table
CREATE TABLE audit_logs (
  id SERIAL PRIMARY KEY,
  action VARCHAR(100) NOT NULL,
  created_at TIMESTAMP DEFAULT NOW()
);

-- Add new column with default
ALTER TABLE users ADD COLUMN last_login TIMESTAMP DEFAULT NOW();

-- Add new index
CREATE INDEX idx_users_created_at ON users(created_at);

-- Add new constraint (if data allows)
ALTER TABLE users ADD CONSTRAINT users_email_check CHECK (email LIKE '%@%');
",
    );
    assert!(r.migrations[0].statements.iter().all(|s| s.class == Expand));
    assert_eq!(errors(&r), vec![]);
    // Lock findings about safe statements are warnings.
    let warnings: Vec<&str> = r.diagnostics.iter().map(|d| d.rule.as_str()).collect();
    // Prisma runs the file as one transaction: the ACCESS EXCLUSIVE lock of
    // the ADD COLUMN is held through the index build and the check's scan.
    assert_eq!(
        warnings,
        vec![
            "missing-lock-timeout",
            "lock-held-during-slow-step",
            "require-concurrent-index",
            "constraint-missing-not-valid",
            "lock-held-during-slow-step"
        ]
    );
}

#[test]
fn forbidden_section_passes_with_override_and_plan() {
    let r = check(
        "-- Drop table
-- @override-destructive
-- @rollback-plan: Restore from backup taken before migration
DROP TABLE IF EXISTS deprecated_table;

-- Drop column
-- @override-destructive
-- @rollback-plan: Create backup table, copy data, verify, then restore if needed
ALTER TABLE users DROP COLUMN old_field;

-- Change column type
-- @override-destructive
-- @rollback-plan: Create backup, migrate data with transformation, verify
ALTER TABLE users ALTER COLUMN age TYPE INTEGER;

-- Rename table
-- @override-destructive
-- @rollback-plan: Update all application code, test thoroughly
ALTER TABLE users RENAME TO accounts;

-- Truncate table
-- @override-destructive
-- @rollback-plan: Data will be lost - ensure this is intended
TRUNCATE TABLE temp_data;
",
    );
    assert_eq!(
        classes(&r),
        vec![
            op("drop_table", Dangerous, Impossible),
            op("drop_column", Dangerous, Impossible),
            op("alter_column_type", Dangerous, Impossible),
            op("rename_table", Dangerous, Complex),
            op("truncate", Dangerous, Impossible)
        ]
    );
    assert_eq!(errors(&r), vec![]);
}

#[test]
fn roll_forward_example_is_allowed() {
    let r = check(
        "-- Original migration failed partially
-- Roll-forward fix migration
ALTER TABLE users ADD COLUMN backup_email VARCHAR(255);
UPDATE users SET backup_email = email WHERE email IS NOT NULL;
ALTER TABLE users ALTER COLUMN email SET NOT NULL;
",
    );
    assert_eq!(
        classes(&r),
        vec![
            op("add_column", Expand, Simple),
            op("update", Neutral, Complex),
            op("set_not_null", Expand, Simple)
        ]
    );
    assert_eq!(errors(&r), vec![]);
    assert!(r.diagnostics.iter().any(|d| d.rule == "set-not-null-scan"));
}

#[test]
fn rollback_example_as_a_migration_is_blocked() {
    let r = check(
        "-- Simple rollback (safe)
DROP TABLE new_feature_table;

-- Complex rollback (requires planning)
-- 1. Create backup of data
-- 2. Restore original structure
-- 3. Migrate data back
-- 4. Verify integrity
",
    );
    assert_eq!(errors(&r), vec![("missing-override".into(), 2)]);
}

#[test]
fn quick_reference_table() {
    for (sql, class, rollback, needs_override) in [
        ("CREATE TABLE t (id int);", Expand, Simple, false),
        ("ALTER TABLE t ADD COLUMN c int;", Expand, Simple, false),
        ("CREATE INDEX i ON t (c);", Expand, Simple, false),
        ("DROP INDEX i;", Contract, Simple, true),
        ("ALTER TABLE t DROP CONSTRAINT k;", Contract, Complex, true),
        ("ALTER TABLE t DROP COLUMN c;", Dangerous, Impossible, true),
        ("DROP TABLE t;", Dangerous, Impossible, true),
        (
            "ALTER TABLE t ALTER COLUMN c TYPE text;",
            Dangerous,
            Impossible,
            true,
        ),
        ("ALTER TABLE t RENAME TO u;", Dangerous, Complex, true),
        (
            "ALTER TABLE t RENAME COLUMN c TO d;",
            Dangerous,
            Complex,
            true,
        ),
        ("TRUNCATE TABLE t;", Dangerous, Impossible, true),
    ] {
        let r = check(sql);
        let s = &r.migrations[0].statements[0];
        assert_eq!((s.class, s.rollback), (class, rollback), "{sql}");
        assert_eq!(
            r.diagnostics.iter().any(|d| d.rule == "missing-override"),
            needs_override,
            "{sql}"
        );
    }
}

#[test]
fn json_report_has_the_contract_fields() {
    let r = check(
        "-- @override-destructive\n-- @rollback-plan: Restore from backup taken before migration\n\nDROP TABLE deprecated_table;\n",
    );
    let v: serde_json::Value =
        serde_json::from_str(&migsafe_core::render::json::render(&r)).expect("valid JSON");
    assert_eq!(v["schema_version"], 2);
    assert_eq!(v["tool"]["name"], "migsafe");
    let m = &v["migrations"][0];
    assert_eq!(m["name"], "20260101000000_example");
    assert_eq!(
        m["path"],
        "prisma/migrations/20260101000000_example/migration.sql"
    );
    assert_eq!(m["class"], "dangerous");
    assert_eq!(m["rollback"], "impossible");
    let s = &m["statements"][0];
    assert_eq!(s["line"], 4);
    assert_eq!(s["column"], 1);
    assert_eq!(s["end_line"], 4);
    assert_eq!(s["operation"], "drop_table");
    assert_eq!(s["objects"], serde_json::json!(["deprecated_table"]));
    assert_eq!(s["overridden"], true);
    assert_eq!(
        s["rollback_plan"],
        "Restore from backup taken before migration"
    );
    assert_eq!(s["parsed"], true);
    assert_eq!(v["summary"]["migrations"], 1);
    assert_eq!(v["summary"]["statements"], 1);
    assert_eq!(v["summary"]["errors"], 0);
    assert_eq!(v["summary"]["warnings"], 0);
}

#[test]
fn every_allowed_seed_example_passes_the_whole_gate() {
    // `migsafe check` (validate + rollback + drift) on the examples the
    // document shows as allowed: no error.
    use migsafe_core::check::Checks;
    for sql in [
        "-- @override-destructive\nDROP INDEX IF EXISTS idx_users_old_field;\n\n-- @override-destructive\nALTER TABLE users DROP CONSTRAINT users_email_check;\n\n-- @override-destructive\nALTER TABLE users DROP CONSTRAINT users_email_unique;\nALTER TABLE users ADD CONSTRAINT users_email_unique UNIQUE (email);\n",
        "ALTER TABLE users ADD COLUMN backup_email VARCHAR(255);\nUPDATE users SET backup_email = email WHERE email IS NOT NULL;\nALTER TABLE users ALTER COLUMN email SET NOT NULL;\n",
        "-- @override-destructive\n-- @rollback-plan: Restore from backup taken before migration\nDROP TABLE IF EXISTS deprecated_table;\n\n-- @override-destructive\n-- @rollback-plan: Update all application code, test thoroughly\nALTER TABLE users RENAME TO accounts;\n",
        "CREATE TABLE audit_logs (\n  id SERIAL PRIMARY KEY,\n  action VARCHAR(100) NOT NULL,\n  created_at TIMESTAMP DEFAULT NOW()\n);\nCREATE INDEX idx_users_created_at ON users(created_at);\n",
    ] {
        let r = migsafe_core::check_sources(
            vec![MigrationSource::prisma("20260101000000_example", sql)],
            &Config::default(),
            Checks::ALL,
        );
        assert_eq!(errors(&r), vec![], "{sql}");
        assert_eq!(r.exit_code(), 0);
    }
}
