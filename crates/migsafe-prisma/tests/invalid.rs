#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

//! migsafe's verdict on broken (and tricky valid) schemas against Prisma's.
//!
//! Each `tests/fixtures/invalid/NAME.prisma` has beside it
//! `NAME.expected.json`: what Prisma's validator (`psl.mjs --compact` of the
//! prisma-oracle tool) said: `valid`, and for an invalid schema the line,
//! column and message of its first error. migsafe must agree on valid vs
//! invalid and report its first error on the same line.

use std::path::{Path, PathBuf};

use migsafe_prisma::Severity;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/invalid")
}

fn field<'a>(json: &'a str, key: &str) -> Option<&'a str> {
    let pat = format!("\"{key}\": ");
    let start = json.find(&pat)? + pat.len();
    let rest = &json[start..];
    let end = rest.find([',', '\n']).unwrap_or(rest.len());
    Some(rest[..end].trim())
}

#[test]
fn verdicts_and_lines_match_prisma() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(fixtures())
        .expect("fixtures/invalid")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "prisma"))
        .collect();
    files.sort();
    assert!(files.len() >= 50, "found only {} fixtures", files.len());
    let mut failures = Vec::new();
    let (mut valid, mut invalid) = (0, 0);
    for path in &files {
        let json = std::fs::read_to_string(path.with_extension("expected.json"))
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let expect_valid = field(&json, "valid") == Some("true");
        let expect_line: Option<u32> = field(&json, "line").and_then(|l| l.parse().ok());
        let schema = migsafe_prisma::load(path).expect("load");
        let errors: Vec<_> = schema
            .diagnostics()
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .collect();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("?");
        if expect_valid {
            valid += 1;
            if !errors.is_empty() {
                failures.push(format!(
                    "{name}: Prisma accepts it, migsafe says:\n{}",
                    schema.render_diagnostics()
                ));
            }
        } else {
            invalid += 1;
            match errors.first() {
                None => failures.push(format!("{name}: Prisma rejects it, migsafe accepts it")),
                Some(first) => {
                    if let Some(line) = expect_line
                        && first.line != line
                    {
                        failures.push(format!(
                            "{name}: Prisma's first error is on line {line}, migsafe's on line {}: {}",
                            first.line, first.message
                        ));
                    }
                }
            }
        }
    }
    println!("{valid} valid and {invalid} invalid schemas checked against Prisma's verdicts");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
