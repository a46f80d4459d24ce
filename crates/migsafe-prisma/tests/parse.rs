#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

//! The parser's API: multi-file schemas, spans, config blocks, and the
//! places where migsafe deliberately differs from Prisma 7's validator.

use migsafe_prisma::ast::{Arity, Expression, ModelKind};
use migsafe_prisma::{ConfigValue, Severity, SourceFile, load, parse};
use migsafe_schema::{DefaultValue, QualName};
use proptest::prelude::*;

const DS: &str = "datasource db {\n  provider = \"postgresql\"\n}\n";

fn one(text: &str) -> migsafe_prisma::ParsedSchema {
    parse(&[SourceFile::new("schema.prisma", text)])
}

#[test]
fn prisma_5_and_6_datasources_are_accepted() {
    let s = one(
        "datasource db {\n  provider  = \"postgresql\"\n  url       = env(\"DATABASE_URL\")\n  directUrl = env(\"DIRECT_URL\")\n  shadowDatabaseUrl = \"postgresql://localhost/shadow\"\n}\nmodel A {\n  id Int @id\n}\n",
    );
    assert!(s.diagnostics().is_empty(), "{}", s.render_diagnostics());
    let ds = s.datasource().expect("datasource");
    assert_eq!(ds.url, Some(ConfigValue::Env("DATABASE_URL".into())));
    assert_eq!(ds.direct_url, Some(ConfigValue::Env("DIRECT_URL".into())));
    assert_eq!(
        ds.shadow_database_url,
        Some(ConfigValue::Literal("postgresql://localhost/shadow".into()))
    );
    assert_eq!(s.datasource_provider(), Some("postgresql"));
}

#[test]
fn generators_are_read() {
    let s = one(&format!(
        "{DS}generator client {{\n  provider        = \"prisma-client-js\"\n  output          = \"../generated\"\n  previewFeatures = [\"views\", \"metrics\"]\n}}\nmodel A {{\n  id Int @id\n}}\n"
    ));
    assert!(s.diagnostics().is_empty(), "{}", s.render_diagnostics());
    let g = &s.generators()[0];
    assert_eq!(g.name, "client");
    assert_eq!(
        g.provider,
        Some(ConfigValue::Literal("prisma-client-js".into()))
    );
    assert_eq!(g.preview_features, vec!["views", "metrics"]);
}

#[test]
fn a_missing_datasource_is_an_error() {
    let s = one("model A {\n  id Int @id\n}\n");
    let d = &s.diagnostics()[0];
    assert_eq!(d.severity, Severity::Error);
    assert!(d.message.contains("datasource"), "{}", d.message);
    assert_eq!((d.line, d.column), (1, 1));
}

#[test]
fn a_provider_other_than_postgres_is_an_error() {
    let s = one("datasource db {\n  provider = \"mysql\"\n}\nmodel A {\n  id Int @id\n}\n");
    let d = &s.diagnostics()[0];
    assert!(d.message.contains("PostgreSQL"), "{}", d.message);
    assert_eq!((d.line, d.column, d.end_column), (2, 14, 21));
    let s = one("datasource db {\n  provider = \"postgres\"\n}\nmodel A {\n  id Int @id\n}\n");
    assert!(s.diagnostics().is_empty());
    let s = one("datasource db {\n  provider = \"oracle\"\n}\nmodel A {\n  id Int @id\n}\n");
    assert_eq!(
        s.diagnostics()[0].message,
        "Datasource provider not known: \"oracle\"."
    );
}

#[test]
fn a_byte_order_mark_and_crlf_are_fine() {
    let s = one(&format!(
        "\u{feff}{}model A {{\r\n  id Int @id\r\n  x  Foo\r\n}}\r\n",
        DS.replace('\n', "\r\n")
    ));
    let d = &s.diagnostics()[0];
    assert_eq!(s.diagnostics().len(), 1);
    assert_eq!((d.line, d.column, d.end_column), (6, 6, 9));
    assert!(d.message.starts_with("Type \"Foo\" is neither"));
}

#[test]
fn a_folder_schema_is_one_schema() {
    let dir = tempdir();
    std::fs::create_dir_all(dir.join("models")).unwrap();
    std::fs::create_dir_all(dir.join("migrations/1_init")).unwrap();
    std::fs::write(dir.join("schema.prisma"), DS).unwrap();
    std::fs::write(
        dir.join("models/user.prisma"),
        "model User {\n  id    Int    @id\n  posts Post[]\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("models/post.prisma"),
        "model Post {\n  id       Int  @id\n  authorId Int\n  author   User @relation(fields: [authorId], references: [id])\n  bad      Nope\n}\n",
    )
    .unwrap();
    // Not part of the schema.
    std::fs::write(dir.join("migrations/1_init/x.prisma"), "garbage").unwrap();
    let s = load(&dir).expect("load");
    assert_eq!(s.files().len(), 3);
    let d = &s.diagnostics()[0];
    assert_eq!(s.diagnostics().len(), 1, "{}", s.render_diagnostics());
    assert!(
        d.path.ends_with("models/post.prisma"),
        "{}",
        d.path.display()
    );
    assert_eq!((d.line, d.column), (5, 12));
    let m = s.to_model();
    let post = &m.tables[&QualName::public("Post")];
    assert_eq!(
        post.foreign_keys[0].referenced_table,
        QualName::public("User")
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn tempdir() -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!(
        "migsafe-prisma-test-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn load_errors_name_the_path() {
    let e = load(std::path::Path::new("/nonexistent/schema.prisma")).unwrap_err();
    assert!(e.to_string().contains("/nonexistent/schema.prisma"));
}

#[test]
fn spans_are_kept_on_nodes() {
    let text = format!(
        "{DS}/// The users\nmodel User {{\n  /// the key\n  id   Int     @id @default(autoincrement())\n  tags String[] @default([\"a\", \"b\"])\n  bio  String? @db.VarChar(200)\n}}\n"
    );
    let s = one(&text);
    assert!(s.diagnostics().is_empty(), "{}", s.render_diagnostics());
    let m = s.ast().models().next().unwrap();
    assert_eq!(m.kind, ModelKind::Model);
    assert_eq!(m.documentation.as_deref(), Some("The users"));
    assert_eq!((m.span.start.line, m.span.start.column), (5, 1));
    assert_eq!((m.span.end.line, m.span.end.column), (10, 2));
    let id = &m.fields[0];
    assert_eq!(id.documentation.as_deref(), Some("the key"));
    assert_eq!(
        &text[id.span.range()],
        "id   Int     @id @default(autoincrement())"
    );
    let def = id.attribute("default").unwrap();
    assert_eq!(&text[def.span.range()], "@default(autoincrement())");
    assert_eq!((def.span.start.line, def.span.start.column), (7, 20));
    let tags = &m.fields[1];
    assert_eq!(tags.arity, Arity::List);
    let v = tags.attribute("default").unwrap().arguments[0]
        .value
        .as_ref()
        .unwrap();
    assert!(matches!(v, Expression::Array { items, .. } if items.len() == 2));
    assert_eq!(&text[v.span().range()], "[\"a\", \"b\"]");
    let bio = &m.fields[2];
    assert_eq!(bio.arity, Arity::Optional);
    assert_eq!(bio.native_type().unwrap().name.name, "db.VarChar");
}

#[test]
fn diagnostics_render_like_rustc() {
    let s = one(&format!("{DS}model A {{\n  id Int @id @foo\n}}\n"));
    let r = s.render_diagnostics();
    assert_eq!(
        r,
        "error: Attribute not known: \"@foo\".\n  --> schema.prisma:5:14\n  |\n5 |   id Int @id @foo\n  |              ^^^^\n"
    );
    assert_eq!(
        s.diagnostics()[0].to_string(),
        "error: Attribute not known: \"@foo\".\n  --> schema.prisma:5:14"
    );
}

#[test]
fn defaults_map_to_normalized_sql() {
    let s = one(&format!(
        "{DS}model A {{\n  id  Int      @id @default(autoincrement())\n  at  DateTime @default(now())\n  s   String   @default(\"it's\")\n  u   String   @default(uuid())\n  g   String   @default(dbgenerated(\"gen_random_uuid()\")) @db.Uuid\n}}\n"
    ));
    let m = s.to_model();
    let t = &m.tables[&QualName::public("A")];
    let d = |c: &str| t.column(c).unwrap().default.clone();
    assert_eq!(d("id"), Some(DefaultValue::Sequence));
    assert_eq!(
        d("at"),
        Some(DefaultValue::Expression("current_timestamp".into()))
    );
    assert_eq!(d("s"), Some(DefaultValue::Literal("'it''s'".into())));
    assert_eq!(d("u"), None);
    assert_eq!(
        d("g"),
        Some(DefaultValue::Expression("gen_random_uuid()".into()))
    );
    assert!(m.sequences.contains(&QualName::public("A_id_seq")));
    assert_eq!(t.column("g").unwrap().ty.as_str(), "uuid");
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let s = one(&format!(
        "{DS}model A {{\n  id Int @id @default({deep})\n}}\n"
    ));
    assert!(s.has_errors());
}

#[test]
fn many_unclosed_blocks_stay_fast() {
    let text = "model A {\n".repeat(20_000);
    let start = std::time::Instant::now();
    let s = one(&text);
    assert!(s.has_errors());
    assert!(start.elapsed().as_secs() < 10);
}

/// Tokens of the language, to build plausible but broken schemas.
fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("model".to_owned()),
        Just("enum".to_owned()),
        Just("datasource".to_owned()),
        Just("generator".to_owned()),
        Just("view".to_owned()),
        Just("type".to_owned()),
        Just("{".to_owned()),
        Just("}".to_owned()),
        Just("(".to_owned()),
        Just(")".to_owned()),
        Just("[".to_owned()),
        Just("]".to_owned()),
        Just("[]".to_owned()),
        Just("?".to_owned()),
        Just(",".to_owned()),
        Just(":".to_owned()),
        Just("=".to_owned()),
        Just("@".to_owned()),
        Just("@@".to_owned()),
        Just("@id".to_owned()),
        Just("@unique".to_owned()),
        Just("@default(".to_owned()),
        Just("@relation(fields: [".to_owned()),
        Just("references: [".to_owned()),
        Just("@@index([".to_owned()),
        Just("@@id([".to_owned()),
        Just("@@unique([".to_owned()),
        Just("@@map(".to_owned()),
        Just("@@schema(".to_owned()),
        Just("@map(".to_owned()),
        Just("@db.VarChar(".to_owned()),
        Just("@db.Foo".to_owned()),
        Just("autoincrement()".to_owned()),
        Just("now()".to_owned()),
        Just("dbgenerated(".to_owned()),
        Just("Unsupported(".to_owned()),
        Just("String".to_owned()),
        Just("Int".to_owned()),
        Just("DateTime".to_owned()),
        Just("Json".to_owned()),
        Just("Decimal".to_owned()),
        Just("Bytes".to_owned()),
        Just("A".to_owned()),
        Just("B".to_owned()),
        Just("id".to_owned()),
        Just("provider".to_owned()),
        Just("\"postgresql\"".to_owned()),
        Just("\"x".to_owned()),
        Just("\"2020-01-01T00:00:00Z\"".to_owned()),
        Just("\"aGk=\"".to_owned()),
        Just("-1.5".to_owned()),
        Just("42".to_owned()),
        Just("Desc".to_owned()),
        Just("sort:".to_owned()),
        Just("///".to_owned()),
        Just("//".to_owned()),
        Just("/*".to_owned()),
        Just("*/".to_owned()),
        Just("\n".to_owned()),
        Just("\r\n".to_owned()),
        Just(" ".to_owned()),
        Just("\u{feff}".to_owned()),
        Just("é".to_owned()),
        "[a-zA-Z_][a-zA-Z0-9_-]{0,8}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,400}") {
        let s = one(&text);
        let _ = s.to_model();
        let _ = s.render_diagnostics();
    }

    #[test]
    fn token_soup_never_panics(tokens in prop::collection::vec(token(), 0..120)) {
        let text = tokens.join(" ");
        let s = one(&text);
        let _ = s.to_model();
        let _ = s.render_diagnostics();
        // Diagnostics always point inside the file.
        let lines = text.split('\n').count() as u32 + 1;
        for d in s.diagnostics() {
            prop_assert!(d.line >= 1 && d.line <= lines);
            prop_assert!(d.column >= 1);
        }
    }

    #[test]
    fn valid_schema_with_a_token_soup_line_never_panics(
        tokens in prop::collection::vec(token(), 0..30),
        at in 0usize..8,
    ) {
        let mut lines: Vec<String> = format!(
            "{DS}model A {{\n  id Int @id\n  bs B[]\n}}\nmodel B {{\n  id Int @id\n  aId Int\n  a A @relation(fields: [aId], references: [id])\n}}\n"
        )
        .lines()
        .map(str::to_owned)
        .collect();
        let at = (at + 4).min(lines.len());
        lines.insert(at, tokens.join(" "));
        let s = one(&lines.join("\n"));
        let _ = s.to_model();
    }
}

#[test]
fn a_url_with_credentials_in_the_schema_is_a_warning_without_the_secret() {
    let s = one(
        "datasource db {\n  provider = \"postgresql\"\n  url      = \"postgresql://admin:hunter2@db/app\"\n}\nmodel A {\n  id Int @id\n}\n",
    );
    assert!(!s.has_errors());
    let d = &s.diagnostics()[0];
    assert_eq!(d.severity, Severity::Warning);
    assert_eq!((d.line, d.column), (3, 14));
    assert!(!d.message.contains("hunter2"));
    assert!(!s.render_diagnostics().is_empty());
}
