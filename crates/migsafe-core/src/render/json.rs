//! `--format json`: the contract's report, one object.

use crate::report::Report;

pub fn render(report: &Report) -> String {
    // Serializing plain data structures cannot fail.
    let mut s = serde_json::to_string_pretty(report)
        .unwrap_or_else(|e| format!("{{\"schema_version\":2,\"error\":{:?}}}", e.to_string()));
    s.push('\n');
    s
}
