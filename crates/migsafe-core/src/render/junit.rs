//! `--format junit`: a JUnit XML report, one test case per migration, for
//! CI systems that show test reports. Error findings are failures; warnings
//! and infos go to the test case's output.

use std::collections::BTreeMap;

use crate::report::{Diagnostic, Report, Severity};

fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            // Character references: no raw line break, so no line of the
            // file (when it is printed to a CI log) starts with text from
            // the input, such as a workflow command.
            '\n' => o.push_str("&#10;"),
            '\r' => o.push_str("&#13;"),
            // Characters XML 1.0 cannot hold.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => o.push('\u{FFFD}'),
            '\u{FFFE}' | '\u{FFFF}' => o.push('\u{FFFD}'),
            c => o.push(c),
        }
    }
    o
}

fn line(d: &Diagnostic) -> String {
    let at = match (d.line, d.column) {
        (Some(l), Some(c)) => format!("{}:{l}:{c}", d.path),
        _ => d.path.clone(),
    };
    let mut s = format!("{}[{}]: {}\n  --> {at}", d.severity, d.rule, d.message);
    if let Some(n) = &d.note {
        s.push_str(&format!("\n  = note: {n}"));
    }
    if let Some(h) = &d.help {
        s.push_str(&format!("\n  = help: {h}"));
    }
    s
}

pub fn render(report: &Report) -> String {
    // Test cases: every migration, plus one per other path with findings.
    let mut cases: BTreeMap<(usize, String), (String, Vec<&Diagnostic>)> = BTreeMap::new();
    for (i, m) in report.migrations.iter().enumerate() {
        cases.insert((i, m.path.clone()), (m.name.clone(), Vec::new()));
    }
    // A finding's test case by its path in one map (a search of the cases
    // per finding was quadratic).
    let by_path: std::collections::HashMap<String, (usize, String)> = cases
        .keys()
        .map(|(i, p)| (p.clone(), (*i, p.clone())))
        .collect();
    for d in &report.diagnostics {
        let key = by_path
            .get(&d.path)
            .cloned()
            .unwrap_or((usize::MAX, d.path.clone()));
        cases
            .entry(key)
            .or_insert_with(|| {
                (
                    d.migration.clone().unwrap_or_else(|| d.path.clone()),
                    Vec::new(),
                )
            })
            .1
            .push(d);
    }
    let failures = cases
        .values()
        .filter(|(_, ds)| ds.iter().any(|d| d.severity == Severity::Error))
        .count();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"migsafe\" tests=\"{}\" failures=\"{failures}\" errors=\"0\">\n",
        cases.len()
    ));
    out.push_str(&format!(
        "  <testsuite name=\"migsafe\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\">\n",
        cases.len()
    ));
    for ((_, path), (name, ds)) in &cases {
        out.push_str(&format!(
            "    <testcase classname=\"migsafe\" name=\"{}\" file=\"{}\">\n",
            esc(name),
            esc(path)
        ));
        let errors: Vec<&&Diagnostic> = ds
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .collect();
        if !errors.is_empty() {
            let msg = errors
                .iter()
                .map(|d| format!("{}: {}", d.rule, d.message))
                .collect::<Vec<_>>()
                .join("; ");
            let body = errors
                .iter()
                .map(|d| line(d))
                .collect::<Vec<_>>()
                .join("\n\n");
            out.push_str(&format!(
                "      <failure type=\"{}\" message=\"{}\">{}</failure>\n",
                esc(errors[0].rule.as_str()),
                esc(&msg),
                esc(&body)
            ));
        }
        let others: Vec<&&Diagnostic> = ds
            .iter()
            .filter(|d| d.severity != Severity::Error)
            .collect();
        if !others.is_empty() {
            let body = others
                .iter()
                .map(|d| line(d))
                .collect::<Vec<_>>()
                .join("\n\n");
            out.push_str(&format!("      <system-out>{}</system-out>\n", esc(&body)));
        }
        out.push_str("    </testcase>\n");
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}
