//! `--format sarif`: SARIF 2.1.0, as GitHub code scanning accepts it.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::report::{Report, Severity};
use crate::rules;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const INFO_URI: &str = "https://github.com/migsafe/migsafe";

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn rule_descriptor(r: &rules::Rule) -> Value {
    json!({
        "id": r.id,
        "name": pascal(r.id.as_str()),
        "shortDescription": {"text": r.summary},
        "fullDescription": {"text": format!("{} {}", r.what, r.why)},
        "help": {
            "text": r.explain(),
            "markdown": r.markdown(),
        },
        "helpUri": format!("{INFO_URI}/blob/main/docs/rules/{}.md", r.id),
        "defaultConfiguration": {"level": level(r.severity)},
        "properties": {"tags": [r.category.as_str(), "migrations"]},
    })
}

fn pascal(id: &str) -> String {
    id.split('-')
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

/// A URI reference for a reported path: `/` separators, percent-encoded
/// where a URI needs it.
fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

pub fn render(report: &Report) -> String {
    let index: Vec<&str> = rules::ALL.iter().map(|r| r.id.as_str()).collect();
    let results: Vec<Value> = report
        .diagnostics
        .iter()
        .map(|d| {
            let mut text = d.message.clone();
            if let Some(n) = &d.note {
                text.push_str(&format!("\nnote: {n}"));
            }
            if let Some(h) = &d.help {
                text.push_str(&format!("\nhelp: {h}"));
            }
            let mut region = serde_json::Map::new();
            if let Some(l) = d.line {
                region.insert("startLine".into(), json!(l));
                if let Some(c) = d.column {
                    region.insert("startColumn".into(), json!(c));
                }
                if let (Some(el), Some(ec)) = (d.end_line, d.end_column) {
                    region.insert("endLine".into(), json!(el));
                    region.insert("endColumn".into(), json!(ec));
                }
            }
            let mut physical = json!({
                "artifactLocation": {"uri": uri(&d.path), "uriBaseId": "%SRCROOT%"},
            });
            if !region.is_empty() {
                physical["region"] = Value::Object(region);
            }
            let fingerprint = {
                let mut h = Sha256::new();
                h.update(d.rule.as_str().as_bytes());
                h.update([0]);
                h.update(d.path.as_bytes());
                h.update([0]);
                h.update(d.message.as_bytes());
                let digest = h.finalize();
                digest
                    .iter()
                    .take(16)
                    .map(|b| format!("{b:02x}"))
                    .collect::<String>()
            };
            let mut r = json!({
                "ruleId": d.rule,
                "level": level(d.severity),
                "message": {"text": text},
                "locations": [{"physicalLocation": physical}],
                "partialFingerprints": {"migsafe/v1": fingerprint},
            });
            if let Some(i) = index.iter().position(|id| *id == d.rule) {
                r["ruleIndex"] = json!(i);
            }
            r
        })
        .collect();
    let doc = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "migsafe",
                "version": report.tool.version,
                "semanticVersion": report.tool.version,
                "informationUri": INFO_URI,
                "rules": rules::ALL.iter().map(|r| rule_descriptor(r)).collect::<Vec<_>>(),
            }},
            "columnKind": "unicodeCodePoints",
            "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "The directory migsafe ran in."}}},
            "results": results,
        }],
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}
