//! `--format github`: GitHub Actions workflow commands, so findings show as
//! annotations on the pull request's diff.

use crate::report::{Report, Severity};

/// Escapes a workflow command's message.
fn data(s: &str) -> String {
    // Control characters other than CR and LF (escaped below) never reach
    // the log: an ESC would drive the log viewer's terminal emulation.
    let s: String = s
        .split_inclusive(['\r', '\n'])
        .map(|part| {
            let (body, end) = match part.strip_suffix(['\r', '\n']) {
                Some(b) => (b, &part[b.len()..]),
                None => (part, ""),
            };
            format!("{}{end}", super::visible(body))
        })
        .collect();
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value.
fn prop(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    for d in &report.diagnostics {
        let cmd = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let mut props = vec![format!("file={}", prop(&d.path))];
        if let Some(l) = d.line {
            props.push(format!("line={l}"));
            if let Some(c) = d.column {
                props.push(format!("col={c}"));
            }
            if let (Some(el), Some(ec)) = (d.end_line, d.end_column) {
                props.push(format!("endLine={el}"));
                props.push(format!("endColumn={ec}"));
            }
        }
        props.push(format!("title={}", prop(&format!("migsafe {}", d.rule))));
        let mut msg = d.message.clone();
        if let Some(n) = &d.note {
            msg.push_str(&format!("\nnote: {n}"));
        }
        if let Some(h) = &d.help {
            msg.push_str(&format!("\nhelp: {h}"));
        }
        out.push_str(&format!("::{cmd} {}::{}\n", props.join(","), data(&msg)));
    }
    let s = &report.summary;
    out.push_str(&format!(
        "migsafe: {} migrations, {} statements: {} errors, {} warnings\n",
        s.migrations, s.statements, s.errors, s.warnings
    ));
    out
}
