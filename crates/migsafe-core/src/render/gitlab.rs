//! `--format gitlab`: a GitLab Code Quality report (the subset of the Code
//! Climate issue format GitLab reads from `artifacts:reports:codequality`):
//! one issue per finding, with `description`, `check_name`, `fingerprint`,
//! `severity` and `location` (`path`, `lines.begin`).
//!
//! The fingerprint identifies a finding across pipelines, so that GitLab
//! shows what a merge request adds or fixes: it hashes the rule, the path,
//! the message and the finding's rank among identical ones, not the line
//! (a line moves when something is inserted above it). Identical findings
//! get distinct fingerprints: GitLab shows only one issue per fingerprint.

use std::collections::HashMap;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::report::{Report, Severity};

#[derive(Serialize)]
struct Issue<'a> {
    description: String,
    check_name: &'a str,
    fingerprint: String,
    severity: &'static str,
    location: Location<'a>,
}

#[derive(Serialize)]
struct Location<'a> {
    path: &'a str,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    end: Option<u32>,
}

/// GitLab's scale is info, minor, major, critical, blocker; an error stops
/// the merge (as a failing check), so it ranks above warnings.
fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "critical",
        Severity::Warning => "minor",
        Severity::Info => "info",
    }
}

pub fn render(report: &Report) -> String {
    let mut rank: HashMap<(&str, &str, &str), usize> = HashMap::new();
    let issues: Vec<Issue<'_>> = report
        .diagnostics
        .iter()
        .map(|d| {
            let n = rank
                .entry((d.rule.as_str(), d.path.as_str(), d.message.as_str()))
                .or_insert(0);
            *n += 1;
            let mut h = Sha256::new();
            for part in [d.rule.as_str(), &d.path, &d.message, &n.to_string()] {
                h.update(part.as_bytes());
                h.update([0]);
            }
            let fingerprint: String = h
                .finalize()
                .iter()
                .take(16)
                .map(|b| format!("{b:02x}"))
                .collect();
            let mut description = d.message.clone();
            if let Some(help) = &d.help {
                description.push_str(" (help: ");
                description.push_str(help);
                description.push(')');
            }
            let begin = d.line.unwrap_or(1).max(1);
            Issue {
                description,
                check_name: d.rule.as_str(),
                fingerprint,
                severity: severity(d.severity),
                location: Location {
                    path: &d.path,
                    lines: Lines {
                        begin,
                        end: d.end_line.filter(|&e| e > begin),
                    },
                },
            }
        })
        .collect();
    let mut out = serde_json::to_string_pretty(&issues).unwrap_or_else(|_| "[]".to_owned());
    out.push('\n');
    out
}
