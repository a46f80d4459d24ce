#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

//! Big schemas parse, validate and map in linear time (not timed: these
//! sizes took minutes when a pass was quadratic — 50,000 models 55 s,
//! 8,000 `@@index` 5.5 s in a release build — and now take a moment).

use migsafe_prisma::{SourceFile, parse};

const HEADER: &str =
    "datasource db {\n  provider = \"postgresql\"\n  url = env(\"DATABASE_URL\")\n}\n\n";

#[test]
fn fifty_thousand_models() {
    let mut text = HEADER.to_owned();
    for i in 0..50_000 {
        text.push_str(&format!(
            "model M{i} {{\n  id Int @id\n  name String\n  other M{}? @relation(fields: [otherId], references: [id])\n  otherId Int? @unique\n  back M{}?\n  @@index([name])\n}}\n\n",
            (i + 1) % 50_000,
            (i + 49_999) % 50_000
        ));
    }
    let parsed = parse(&[SourceFile::new("schema.prisma", text)]);
    assert!(!parsed.has_errors(), "{}", parsed.render_diagnostics());
    let model = parsed.to_model();
    assert_eq!(model.tables.len(), 50_000);
    assert!(model.tables.values().all(|t| t.foreign_keys.len() == 1));
}

#[test]
fn eight_thousand_indexes_on_one_model() {
    let mut text = HEADER.to_owned();
    text.push_str("model Big {\n  id Int @id\n");
    for c in 0..100 {
        text.push_str(&format!("  c{c} Int\n"));
    }
    let mut n = 0;
    'outer: for a in 0..100 {
        for b in 0..100 {
            if a != b {
                text.push_str(&format!("  @@index([c{a}, c{b}])\n"));
                n += 1;
                if n == 8_000 {
                    break 'outer;
                }
            }
        }
    }
    text.push_str("}\n");
    let parsed = parse(&[SourceFile::new("schema.prisma", text)]);
    assert!(!parsed.has_errors(), "{}", parsed.render_diagnostics());
    let model = parsed.to_model();
    let big = model.tables.values().next().unwrap();
    assert_eq!(big.indexes.len(), 8_000);
}
