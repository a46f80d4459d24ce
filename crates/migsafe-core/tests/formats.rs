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

/// A history whose names and SQL try to break out of the formats: HTML, a
/// table cell, a mention, a link, a line break.
fn hostile() -> Report {
    validate_sources(
        vec![
            MigrationSource::prisma("20260101000000_init", "CREATE TABLE \"a|b\" (id int);\n"),
            MigrationSource::prisma(
                "20260102000000_x<script>alert(1)</script>@octocat",
                "DROP TABLE \"[click](https://example.com) @octocat <img src=x>\nnext|cell\";\nDROP TABLE \"a|b\";\n",
            ),
        ],
        &Config::default(),
    )
}

#[test]
fn gitlab_code_quality_has_what_gitlab_reads() {
    // GitLab's Code Quality format (docs.gitlab.com/ci/testing/code_quality,
    // "Code Quality report format"): an array of issues, each with these
    // fields; severity one of GitLab's five.
    let schema = serde_json::json!({
        "type": "array",
        "items": {
            "type": "object",
            "required": ["description", "check_name", "fingerprint", "severity", "location"],
            "properties": {
                "description": {"type": "string", "minLength": 1},
                "check_name": {"type": "string", "minLength": 1},
                "fingerprint": {"type": "string", "pattern": "^[0-9a-f]{32}$"},
                "severity": {"enum": ["info", "minor", "major", "critical", "blocker"]},
                "location": {
                    "type": "object",
                    "required": ["path", "lines"],
                    "properties": {
                        "path": {"type": "string", "minLength": 1},
                        "lines": {
                            "type": "object",
                            "required": ["begin"],
                            "properties": {"begin": {"type": "integer", "minimum": 1}}
                        }
                    }
                }
            }
        }
    });
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    for r in [report(), hostile()] {
        let out = render::render(&r, Format::Gitlab, TextOptions::default());
        let doc: serde_json::Value = serde_json::from_str(&out).expect("JSON");
        let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{errors:#?}\n{out}");
        let issues = doc.as_array().expect("array");
        assert_eq!(issues.len(), r.diagnostics.len());
        // GitLab shows one issue per fingerprint: every finding its own.
        let mut prints: Vec<&str> = issues
            .iter()
            .map(|i| i["fingerprint"].as_str().unwrap())
            .collect();
        prints.sort_unstable();
        prints.dedup();
        assert_eq!(prints.len(), issues.len(), "{out}");
        for (i, d) in issues.iter().zip(&r.diagnostics) {
            assert_eq!(i["check_name"], d.rule.as_str());
            assert_eq!(i["location"]["path"], d.path.as_str());
            let sev = match d.severity {
                migsafe_core::Severity::Error => "critical",
                migsafe_core::Severity::Warning => "minor",
                migsafe_core::Severity::Info => "info",
            };
            assert_eq!(i["severity"], sev);
            if let Some(l) = d.line {
                assert_eq!(i["location"]["lines"]["begin"], l);
            }
        }
    }
    // The fingerprint does not move with the line: the same finding one
    // line lower keeps it.
    let at = |sql: &str| {
        let r = validate_sources(
            vec![MigrationSource::prisma("20260101000000_a", sql)],
            &Config::default(),
        );
        let out = render::render(&r, Format::Gitlab, TextOptions::default());
        let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
        doc.as_array()
            .unwrap()
            .iter()
            .find(|i| i["check_name"] == "missing-override")
            .map(|i| {
                (
                    i["fingerprint"].clone(),
                    i["location"]["lines"]["begin"].clone(),
                )
            })
            .unwrap()
    };
    let (a, la) = at("DROP TABLE t;\n");
    let (b, lb) = at("\nDROP TABLE t;\n");
    assert_eq!(a, b);
    assert_ne!(la, lb);
}

#[test]
fn markdown_is_a_table_a_parser_reads_and_input_stays_text() {
    use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
    for r in [report(), hostile()] {
        let out = render::render(&r, Format::Markdown, TextOptions::default());
        let parser = Parser::new_ext(&out, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH);
        let (mut rows, mut cells, mut links, mut html) = (0, Vec::new(), 0, Vec::new());
        let mut in_row = 0;
        for ev in parser {
            match ev {
                Event::Start(Tag::TableRow | Tag::TableHead) => in_row = 0,
                Event::End(TagEnd::TableRow | TagEnd::TableHead) => {
                    rows += 1;
                    cells.push(in_row);
                }
                Event::End(TagEnd::TableCell) => in_row += 1,
                Event::Start(Tag::Link { .. } | Tag::Image { .. }) => links += 1,
                Event::Html(h) | Event::InlineHtml(h) => html.push(h.to_string()),
                _ => {}
            }
        }
        // The class table and the findings table, each with its header:
        // every row has the header's cells, one row per class and finding.
        let classes = r
            .migrations
            .iter()
            .flat_map(|m| &m.statements)
            .map(|s| s.class)
            .collect::<std::collections::BTreeSet<_>>()
            .len();
        assert_eq!(rows, 1 + classes + 1 + r.diagnostics.len(), "{out}");
        assert!(cells.iter().all(|&c| c == 2 || c == 4), "{cells:?}\n{out}");
        assert_eq!(
            cells.iter().filter(|&&c| c == 4).count(),
            r.diagnostics.len() + 1
        );
        assert_eq!(links, 0, "{out}");
        // The only HTML is the collapsible section migsafe writes.
        assert!(
            html.iter().all(|h| h.starts_with("<details>")
                || h.starts_with("</details>")
                || h.starts_with("\n</details>")),
            "{html:?}"
        );
        let rendered = {
            let mut s = String::new();
            pulldown_cmark::html::push_html(&mut s, Parser::new_ext(&out, Options::ENABLE_TABLES));
            s
        };
        assert!(!rendered.contains("<script"), "{rendered}");
        assert!(!rendered.contains("<img"), "{rendered}");
        assert!(!out.contains("@octocat"), "a mention: {out}");
        assert!(out.contains(&format!("{} error", r.summary.errors)) || r.summary.errors == 0);
    }
}

/// `migsafe status --format prometheus`: every line is one the exposition
/// format's parser reads (none ignored), the values are the status's, the
/// alerts follow the seed's conditions, and a hostile database name stays
/// one label value.
#[test]
fn prometheus_exposition_parses_and_carries_the_status() {
    use prometheus_parse::{LineInfo, Scrape, Value};
    let status = |name: &str| {
        let mut r = Report::new();
        r.status = Some(serde_json::json!({
            "database": name,
            "server_version": "15.4",
            "prisma_history": true,
            "metrics": {
                "applied": 6, "pending": 1, "failed": 1, "rolled_back": 2, "attempts": 9,
                "success_rate": 0.75, "rollback_rate": 0.25,
                "durations": {"count": 6, "median_ms": 2000, "p95_ms": 4500, "max_ms": 5000, "total_ms": 15000},
                "long_running_threshold_ms": 300000,
                "long_running": [],
                "last_applied": {"name": "20260106090000_x", "finished_at": "2026-01-06T09:00:02.500Z"}
            },
            "drift": 0,
            "table_rows": {}
        }));
        r.finish();
        r
    };
    let out = render::render(&status("shop"), Format::Prometheus, TextOptions::default());
    for line in out.lines() {
        assert!(
            !matches!(LineInfo::parse(line), LineInfo::Ignored),
            "a line the parser ignores: {line:?}\n{out}"
        );
    }
    let scrape = Scrape::parse(out.lines().map(|l| Ok(l.to_owned()))).expect("parses");
    let get = |name: &str, label: Option<(&str, &str)>| {
        scrape
            .samples
            .iter()
            .find(|s| s.metric == name && label.is_none_or(|(k, v)| s.labels.get(k) == Some(v)))
            .map(|s| s.value.clone())
            .unwrap_or_else(|| panic!("{name} {label:?} missing:\n{out}"))
    };
    assert_eq!(
        get("migsafe_migrations", Some(("state", "applied"))),
        Value::Gauge(6.0)
    );
    assert_eq!(
        get("migsafe_migrations", Some(("state", "failed"))),
        Value::Gauge(1.0)
    );
    assert_eq!(
        get("migsafe_migration_success_ratio", None),
        Value::Gauge(0.75)
    );
    assert_eq!(
        get("migsafe_last_applied_timestamp_seconds", None),
        Value::Gauge(1_767_690_002.5)
    );
    match get("migsafe_migration_duration_seconds", None) {
        Value::Summary(q) => {
            let at = |x: f64| q.iter().find(|c| c.quantile == x).map(|c| c.count);
            assert_eq!(
                (at(0.5), at(0.95), at(1.0)),
                (Some(2.0), Some(4.5), Some(5.0)),
                "{q:?}"
            );
        }
        v => panic!("durations are not a summary: {v:?}"),
    }
    assert_eq!(
        get("migsafe_alert", Some(("condition", "migration_failure"))),
        Value::Gauge(1.0)
    );
    assert_eq!(
        get("migsafe_alert", Some(("condition", "rollback_used"))),
        Value::Gauge(1.0)
    );
    assert_eq!(
        get("migsafe_alert", Some(("condition", "schema_drift"))),
        Value::Gauge(0.0)
    );
    assert!(
        scrape
            .samples
            .iter()
            .all(|s| s.labels.get("database") == Some("shop")),
        "{out}"
    );
    // A hostile database name stays inside its label value, escaped as the
    // format says: the same lines, none of its own.
    let hostile = render::render(
        &status("shop\"\n} 1\nfake_metric 2\\"),
        Format::Prometheus,
        TextOptions::default(),
    );
    assert_eq!(hostile.lines().count(), out.lines().count(), "{hostile}");
    assert!(
        hostile
            .lines()
            .all(|l| l.starts_with("# ") || l.starts_with("migsafe_")),
        "{hostile}"
    );
    assert!(
        hostile.contains(r#"{database="shop\"\n} 1\nfake_metric 2\\""#),
        "{hostile}"
    );
    // Without a database there is nothing to expose.
    let empty = render::render(&report(), Format::Prometheus, TextOptions::default());
    assert!(empty.is_empty());
}

/// Carets count display columns: a wide character takes two, as the
/// terminal shows it, so the underline ends where the statement does.
#[test]
fn carets_follow_display_width() {
    let r = validate_sources(
        vec![MigrationSource::prisma(
            "20260101000000_a",
            "CREATE TABLE \"ユーザー\" (id int);\nDROP TABLE \"ユーザー\"; DROP TABLE \"é\";\n",
        )],
        &Config::default(),
    );
    let out = render::render(&r, Format::Text, TextOptions::default());
    let carets: Vec<(usize, usize)> = out
        .lines()
        .filter(|l| l.contains('^'))
        .map(|l| {
            let bar = l.find('|').unwrap() + 2;
            let body = &l[bar..];
            let lead = body.chars().take_while(|c| *c == ' ').count();
            (
                lead,
                body.chars().skip(lead).take_while(|c| *c == '^').count(),
            )
        })
        .collect();
    // `DROP TABLE "ユーザー";` is 22 columns wide (4 wide characters); the
    // second statement starts at column 24.
    assert!(carets.contains(&(23, 15)), "{carets:?}\n{out}");
    assert!(
        carets.iter().any(|&(lead, n)| lead == 0 && n >= 22),
        "{carets:?}\n{out}"
    );
}

/// The underline is the statement's: it stops before a trailing comment and
/// at the statement's end when another follows on the line; a finding about
/// a comment still underlines the comment.
#[test]
fn underline_stops_where_the_statement_does() {
    let r = validate_sources(
        vec![MigrationSource::prisma(
            "20260101000000_a",
            "CREATE TABLE t (id int);\nDROP TABLE t; -- gone for good\nDROP TABLE \"a--b\"; DROP TABLE x;\n-- @overide-destructive\nSELECT 1;\n",
        )],
        &Config::default(),
    );
    let ends: Vec<(u32, u32, Option<u32>)> = r
        .diagnostics
        .iter()
        .filter(|d| d.rule == *"missing-override")
        .map(|d| (d.line.unwrap(), d.column.unwrap(), d.end_column))
        .collect();
    assert_eq!(
        ends,
        [(2, 1, Some(14)), (3, 1, Some(19)), (3, 20, Some(33))],
        "{:#?}",
        r.diagnostics
    );
    let out = render::render(&r, Format::Text, TextOptions::default());
    assert!(
        out.contains("2 | DROP TABLE t; -- gone for good\n  | ^^^^^^^^^^^^^ "),
        "{out}"
    );
    let typo = r
        .diagnostics
        .iter()
        .find(|d| d.rule == *"unknown-annotation")
        .expect("the typo");
    assert_eq!(typo.line, Some(4));
    assert!(
        out.contains("4 | -- @overide-destructive\n  |    ^"),
        "{out}"
    );
}
