//! The machine formats: SARIF validates against the SARIF 2.1.0 schema,
//! GitHub workflow commands are escaped, JUnit is well-formed.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use migsafe_core::render::{self, Format, text::TextOptions};
use migsafe_core::{Config, MigrationSource, Report, validate_sources};

fn report() -> Report {
    validate_sources(
        vec![
            MigrationSource::prisma(
                "20260101000000_init",
                "CREATE TABLE \"User\" (\"id\" TEXT NOT NULL, CONSTRAINT \"User_pkey\" PRIMARY KEY (\"id\"));\n",
            ),
            MigrationSource::prisma(
                "20260102000000_risky",
                "-- @overide-destructive\nDROP TABLE \"Legacy\";\nCREATE INDEX \"i\" ON \"Us%er, <x>\"(\"id\");\n",
            ),
            MigrationSource::prisma("2026_bad name", "SELECT 1;\n"),
        ],
        &Config::default(),
    )
}

#[test]
fn sarif_validates_against_the_schema() {
    let r = report();
    let out = render::render(&r, Format::Sarif, TextOptions::default());
    let doc: serde_json::Value = serde_json::from_str(&out).expect("SARIF is JSON");
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("fixtures/sarif-2.1.0.json")).expect("schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");

    let run = &doc["runs"][0];
    assert_eq!(doc["version"], "2.1.0");
    assert_eq!(run["tool"]["driver"]["name"], "migsafe");
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    assert!(
        rules
            .iter()
            .any(|r| r["id"] == "missing-override" && r["help"]["text"].is_string())
    );
    let results = run["results"].as_array().expect("results");
    assert_eq!(results.len(), r.diagnostics.len());
    let mo = results
        .iter()
        .find(|x| x["ruleId"] == "missing-override")
        .expect("result");
    assert_eq!(mo["level"], "error");
    let loc = &mo["locations"][0]["physicalLocation"];
    assert_eq!(
        loc["artifactLocation"]["uri"],
        "prisma/migrations/20260102000000_risky/migration.sql"
    );
    assert_eq!(loc["region"]["startLine"], 2);
    assert_eq!(loc["region"]["startColumn"], 1);
    let idx = mo["ruleIndex"].as_u64().expect("index") as usize;
    assert_eq!(rules[idx]["id"], "missing-override");
    // A path with a space is a valid URI reference.
    assert!(results.iter().any(|x| {
        x["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .is_some_and(|u| u.contains("2026_bad%20name"))
    }));
}

#[test]
fn github_commands_are_escaped() {
    let r = report();
    let out = render::render(&r, Format::Github, TextOptions::default());
    let line = out
        .lines()
        .find(|l| l.contains("missing-override"))
        .expect("a missing-override command");
    assert!(
        line.starts_with(
            "::error file=prisma/migrations/20260102000000_risky/migration.sql,line=2,col=1,"
        ),
        "{line}"
    );
    assert!(line.contains("title=migsafe missing-override::"), "{line}");
    // Newlines in the message are escaped, so one finding is one line.
    assert!(line.contains("%0Ahelp: "), "{line}");
    let idx = out
        .lines()
        .find(|l| l.contains("require-concurrent-index"))
        .expect("index warning");
    assert!(idx.contains("Us%25er, <x>"), "{idx}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("::warning ") && l.contains("unknown-annotation"))
    );
    assert_eq!(
        out.lines().filter(|l| l.starts_with("::")).count(),
        r.diagnostics.len()
    );
}

#[test]
fn junit_is_well_formed() {
    let r = report();
    let out = render::render(&r, Format::Junit, TextOptions::default());
    assert!(out.starts_with("<?xml"));
    assert!(
        out.contains("<testsuites name=\"migsafe\" tests=\"3\" failures=\"2\""),
        "{out}"
    );
    assert!(out.contains("<failure type=\"missing-override\""));
    assert!(out.contains("&quot;Us%er, &lt;x&gt;&quot;"), "{out}");
    // Balanced tags.
    for tag in ["testsuites", "testsuite", "testcase"] {
        assert_eq!(
            out.matches(&format!("<{tag} ")).count(),
            out.matches(&format!("</{tag}>")).count(),
            "{tag}"
        );
    }
}
