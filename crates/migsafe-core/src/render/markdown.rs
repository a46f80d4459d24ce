//! `--format markdown`: a report a pull-request comment or a GitHub job
//! summary (`$GITHUB_STEP_SUMMARY`) can hold: the verdict, the statements by
//! class, a table of the findings, and each finding's help in a collapsed
//! section.
//!
//! Everything from the input (paths, identifiers, messages quoting SQL) is
//! escaped: it cannot open HTML, a link, an image or a table cell, cannot
//! mention anyone (`@name`), and cannot end the line it is on.

use std::fmt::Write as _;

use crate::report::{Report, Severity};

/// Text from the input as literal Markdown text.
fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 8);
    for c in super::visible(s).chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '|' => o.push_str("&#124;"),
            // A zero-width space after `@`: shown as written, never a mention.
            '@' => o.push_str("@\u{200B}"),
            // Emphasis, code, links, strikethrough, math. (No input text
            // starts a line, so `#`, `-` and `1.` cannot start a block.)
            '\\' | '`' | '*' | '_' | '[' | ']' | '~' | '$' => {
                o.push('\\');
                o.push(c);
            }
            '\t' => o.push(' '),
            c => o.push(c),
        }
    }
    o
}

fn icon(s: Severity) -> &'static str {
    match s {
        Severity::Error => "❌ error",
        Severity::Warning => "⚠️ warning",
        Severity::Info => "ℹ️ info",
    }
}

fn place(d: &crate::report::Diagnostic) -> String {
    match (d.line, d.column) {
        (Some(l), Some(c)) => format!("{}:{l}:{c}", d.path),
        (Some(l), None) => format!("{}:{l}", d.path),
        _ => d.path.clone(),
    }
}

pub fn render(report: &Report) -> String {
    let s = &report.summary;
    let mut out = String::new();
    let verdict = if s.errors > 0 {
        "❌ blocked"
    } else if s.warnings > 0 {
        "⚠️ passed with warnings"
    } else {
        "✅ passed"
    };
    let _ = writeln!(out, "## migsafe: {verdict}\n");
    let plain = super::text::TextOptions {
        color: false,
        quiet: false,
    };
    let line = super::text::summary_line(report, plain);
    let _ = writeln!(
        out,
        "{}\n",
        esc(line.strip_prefix("migsafe: ").unwrap_or(&line))
    );
    let classes = super::text::class_counts(report);
    if !classes.is_empty() {
        out.push_str("| class | statements |\n|---|---:|\n");
        for (c, n) in &classes {
            let _ = writeln!(out, "| {c} | {n} |");
        }
        out.push('\n');
    }
    if report.diagnostics.is_empty() {
        return out;
    }
    out.push_str("| severity | rule | where | finding |\n|---|---|---|---|\n");
    for d in &report.diagnostics {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            icon(d.severity),
            esc(d.rule.as_str()),
            esc(&place(d)),
            esc(&d.message)
        );
    }
    let with_help: Vec<_> = report
        .diagnostics
        .iter()
        .filter(|d| d.help.is_some() || d.note.is_some())
        .collect();
    if !with_help.is_empty() {
        let _ = writeln!(
            out,
            "\n<details><summary>What to do ({} findings)</summary>\n",
            with_help.len()
        );
        for d in with_help {
            let _ = writeln!(
                out,
                "- **{}** {}: {}",
                esc(d.rule.as_str()),
                esc(&place(d)),
                esc(&d.message)
            );
            if let Some(n) = &d.note {
                let _ = writeln!(out, "  - note: {}", esc(n));
            }
            if let Some(h) = &d.help {
                let _ = writeln!(out, "  - help: {}", esc(h));
            }
            let _ = writeln!(
                out,
                "  - more: `migsafe explain {}`",
                d.rule.as_str().replace('`', "")
            );
        }
        out.push_str("\n</details>\n");
    }
    out
}
