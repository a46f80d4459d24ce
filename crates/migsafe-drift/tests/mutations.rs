//! A project without drift (`tests/fixtures/blog`: a schema and the
//! migrations Prisma generated for it, with one hand-edited rename; Prisma's
//! `migrate diff --from-migrations … --to-schema … --exit-code` says they
//! agree), and single edits of its schema: each yields exactly one precise
//! `schema-drift` finding and nothing else. Each edit was also run through
//! the oracle: Prisma answers with the statement(s) for that one object
//! (`DROP COLUMN "name"`, `ADD COLUMN "nickname" VARCHAR(40)`, `SET DATA
//! TYPE VARCHAR(100)`, `SET NOT NULL`, `DROP INDEX`, drop and re-create of
//! the index, the enum swap to `('USER', 'OWNER', 'GUEST')`, `ADD VALUE
//! 'BANNED'`, the enum swap without `GUEST`, drop and re-add of
//! `Post_authorId_fkey` with `ON DELETE RESTRICT`, `SET DEFAULT true`).

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

mod support;

use std::path::{Path, PathBuf};

use migsafe_drift::{
    Finding, Replayed, SCHEMA_DRIFT, Severity, replay_findings, schema_vs_migrations,
};
use migsafe_prisma::{SourceFile, parse};
use migsafe_schema::diff::{Aspect, DiffKind, ObjectKind};

fn project() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/blog/prisma")
}

const SCHEMA_PATH: &str = "prisma/schema.prisma";

fn schema_text() -> String {
    std::fs::read_to_string(project().join("schema.prisma")).unwrap()
}

fn replayed() -> Replayed {
    support::replay_dir(&project().join("migrations"))
}

/// Every finding for the schema text against the fixture's migrations.
fn findings(schema: &str) -> Vec<Finding> {
    let parsed = parse(&[SourceFile::new(SCHEMA_PATH, schema)]);
    assert!(!parsed.has_errors(), "{}", parsed.render_diagnostics());
    let r = replayed();
    let mut out = replay_findings(&r);
    out.extend(schema_vs_migrations(&parsed, &r));
    out
}

/// The schema with `from` replaced by `to` (which must occur once).
fn edited(from: &str, to: &str) -> String {
    let text = schema_text();
    assert_eq!(text.matches(from).count(), 1, "{from:?}");
    text.replacen(from, to, 1)
}

fn line_of(text: &str, needle: &str) -> u32 {
    let i = text
        .lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle:?} not in the schema"));
    u32::try_from(i + 1).unwrap()
}

/// Exactly one finding, a `schema-drift` error.
fn single(schema: &str) -> Finding {
    let f = findings(schema);
    assert_eq!(f.len(), 1, "{f:#?}");
    let f = f.into_iter().next().unwrap();
    assert_eq!((f.rule, f.severity), (SCHEMA_DRIFT, Severity::Error));
    assert!(
        f.help.as_deref().unwrap().contains("prisma migrate dev"),
        "{f:?}"
    );
    f
}

#[test]
fn the_fixture_has_no_drift() {
    let r = replayed();
    assert!(r.issues.is_empty(), "{:#?}", r.issues);
    assert_eq!(r.migrations, 3);
    assert!(findings(&schema_text()).is_empty());
}

#[test]
fn removed_field() {
    let schema = edited("  name      String?\n", "");
    let f = single(&schema);
    assert_eq!(
        f.message,
        r#"column "User"."name": schema says no such column, migrations produce text"#
    );
    let d = f.difference.as_ref().unwrap();
    assert_eq!(
        (d.object, d.kind),
        (ObjectKind::Column, DiffKind::ExtraInActual)
    );
    // The schema has no declaration: the finding points at the migration
    // that created the column.
    assert!(
        f.path.ends_with("20260101000000_init/migration.sql"),
        "{}",
        f.path
    );
    assert_eq!(f.line, Some(8));
    assert_eq!(f.migration.as_deref(), Some("20260101000000_init"));
    assert!(
        f.note
            .as_deref()
            .unwrap()
            .starts_with("last changed by 20260101000000_init ("),
        "{f:?}"
    );
    assert!(f.help.as_deref().unwrap().contains("drops the column"));
}

#[test]
fn added_field() {
    let schema = edited(
        "  bio       String    @default(\"\")\n",
        "  bio       String    @default(\"\")\n  nickname  String?   @db.VarChar(40)\n",
    );
    let f = single(&schema);
    assert_eq!(
        f.message,
        r#"column "User"."nickname": schema says character varying(40), migrations produce no such column"#
    );
    assert_eq!(f.path, SCHEMA_PATH);
    assert_eq!(f.line, Some(line_of(&schema, "nickname")));
    assert_eq!(f.column, Some(3));
    assert_eq!(f.note.as_deref(), Some("no migration creates this column"));
    assert!(f.help.as_deref().unwrap().contains("creates the column"));
}

#[test]
fn retyped_field() {
    let schema = edited(
        "  headline  String    @db.VarChar(200)",
        "  headline  String    @db.VarChar(100)",
    );
    let f = single(&schema);
    assert_eq!(
        f.message,
        r#"column "Post"."headline": schema says character varying(100) NOT NULL, migrations produce character varying(200) NOT NULL (type differs)"#
    );
    assert_eq!(f.difference.as_ref().unwrap().changes, [Aspect::Type]);
    assert_eq!(f.line, Some(line_of(&schema, "headline")));
    // The last statement that touched the column is the hand-edited rename.
    let note = f.note.as_deref().unwrap();
    assert!(
        note.starts_with("last changed by 20260110120000_rename_title (")
            && note.ends_with("20260110120000_rename_title/migration.sql:4), which renamed it"),
        "{note}"
    );
}

#[test]
fn optional_field_made_required() {
    let schema = edited("  name      String?\n", "  name      String\n");
    let f = single(&schema);
    assert_eq!(
        f.message,
        r#"column "User"."name": schema says text NOT NULL, migrations produce text (nullability differs)"#
    );
}

#[test]
fn dropped_index() {
    let schema = edited("  @@index([authorId, published])\n", "");
    let f = single(&schema);
    assert_eq!(
        f.message,
        r#"index "Post"."Post_authorId_published_idx": schema says no such index, migrations produce INDEX ("authorId", "published")"#
    );
    // No declaration in the schema: the migration that created it.
    assert!(f.path.ends_with("20260101000000_init/migration.sql"));
    assert_eq!(f.line, Some(48));
}

#[test]
fn changed_index() {
    let schema = edited(
        "  @@index([authorId, published])",
        "  @@index([authorId, published(sort: Desc)])",
    );
    let f = single(&schema);
    assert_eq!(
        f.message,
        r#"index "Post"."Post_authorId_published_idx": schema says INDEX ("authorId", "published" DESC), migrations produce INDEX ("authorId", "published") (columns differs)"#
    );
    assert_eq!(f.line, Some(line_of(&schema, "@@index([authorId")));
}

#[test]
fn renamed_enum_value() {
    let schema = edited("  ADMIN\n", "  OWNER\n");
    let f = single(&schema);
    assert_eq!(
        f.message,
        r#"enum value "Role"."OWNER": schema says the value 'OWNER', migrations produce the value 'ADMIN' (name differs)"#
    );
    assert_eq!(f.line, Some(line_of(&schema, "OWNER")));
    assert!(
        f.note
            .as_deref()
            .unwrap()
            .starts_with("last changed by 20260101000000_init ("),
        "{f:?}"
    );
}

#[test]
fn added_enum_value() {
    let schema = edited("  GUEST\n", "  GUEST\n  BANNED\n");
    let f = single(&schema);
    assert_eq!(
        f.message,
        r#"enum value "Role"."BANNED": schema says the value 'BANNED', migrations produce no such enum value"#
    );
}

#[test]
fn removed_enum_value() {
    let schema = edited("  GUEST\n", "");
    let f = single(&schema);
    assert_eq!(
        f.message,
        r#"enum value "Role"."GUEST": schema says no such enum value, migrations produce the value 'GUEST'"#
    );
    assert!(
        f.note
            .as_deref()
            .unwrap()
            .starts_with("last changed by 20260105090000_add_bio ("),
        "{f:?}"
    );
}

#[test]
fn changed_on_delete() {
    let schema = edited(
        "@relation(fields: [authorId], references: [id], onDelete: Cascade)",
        "@relation(fields: [authorId], references: [id], onDelete: Restrict)",
    );
    let f = single(&schema);
    assert_eq!(
        f.message,
        r#"foreign key "Post"."Post_authorId_fkey": schema says FOREIGN KEY ("authorId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE, migrations produce FOREIGN KEY ("authorId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE (ON DELETE differs)"#
    );
    assert_eq!(f.difference.as_ref().unwrap().changes, [Aspect::OnDelete]);
    // The relation attribute that declares the foreign key.
    let line = f.line.unwrap();
    let text_line = schema.lines().nth(line as usize - 1).unwrap();
    assert!(text_line.contains("onDelete: Restrict"), "{text_line}");
}

#[test]
fn changed_default() {
    let schema = edited("@default(false)", "@default(true)");
    let f = single(&schema);
    assert_eq!(
        f.message,
        r#"column "Post"."published": schema says boolean NOT NULL DEFAULT true, migrations produce boolean NOT NULL DEFAULT false (default differs)"#
    );
}

#[test]
fn removed_model() {
    let text = schema_text();
    let start = text.find("model Tag {").unwrap();
    let end = start + text[start..].find("}\n").unwrap() + 2;
    let schema = format!("{}{}", &text[..start], &text[end..]).replace("  tags      Tag[]\n", "");
    let f = findings(&schema);
    // The table and its many-to-many join table.
    let paths: Vec<&str> = f
        .iter()
        .map(|x| x.difference.as_ref().unwrap().path.as_str())
        .collect();
    assert_eq!(paths, [r#"table "Tag""#, r#"table "_PostToTag""#]);
}

/// A migration the schema has not seen yet: the migrations produce more.
#[test]
fn migration_ahead_of_the_schema() {
    let r = replayed();
    let mut inputs_sql = vec![];
    let extra =
        migsafe_classify::analyze(r#"ALTER TABLE "User" ADD COLUMN "avatar" TEXT;"#).statements;
    inputs_sql.push(extra);
    let loaded = support::load_migrations(&project().join("migrations"));
    let mut inputs = support::inputs(&loaded);
    inputs.push(migsafe_drift::MigrationInput {
        name: "20260120000000_avatar",
        path: "prisma/migrations/20260120000000_avatar/migration.sql",
        statements: &inputs_sql[0],
    });
    let r2 = migsafe_drift::replay(&inputs);
    let parsed = parse(&[SourceFile::new(SCHEMA_PATH, schema_text())]);
    let f = schema_vs_migrations(&parsed, &r2);
    assert_eq!(f.len(), 1);
    assert_eq!(
        f[0].message,
        r#"column "User"."avatar": schema says no such column, migrations produce text"#
    );
    assert_eq!(
        f[0].path,
        "prisma/migrations/20260120000000_avatar/migration.sql"
    );
    assert_eq!(
        f[0].note.as_deref(),
        Some(
            "last changed by 20260120000000_avatar (prisma/migrations/20260120000000_avatar/migration.sql:1), which created it"
        )
    );
    assert!(r.issues.is_empty());
}
