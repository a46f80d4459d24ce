//! `--format text`: diagnostics the way rustc prints them.

use std::fmt::Write as _;

use migsafe_classify::Class;

use super::visible;
use crate::report::{Diagnostic, Report, Severity};

/// Text rendering options.
#[derive(Clone, Copy, Debug, Default)]
pub struct TextOptions {
    /// ANSI colours.
    pub color: bool,
    /// Leave out info findings and the summary line.
    pub quiet: bool,
}

struct Paint {
    on: bool,
}

impl Paint {
    fn wrap(&self, code: &str, s: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_owned()
        }
    }
    fn sev(&self, sev: Severity, s: &str) -> String {
        self.wrap(
            match sev {
                Severity::Error => "1;31",
                Severity::Warning => "1;33",
                Severity::Info => "1;36",
            },
            s,
        )
    }
    fn blue(&self, s: &str) -> String {
        self.wrap("1;34", s)
    }
    fn bold(&self, s: &str) -> String {
        self.wrap("1", s)
    }
}

fn expand_tabs(s: &str) -> String {
    s.replace('\t', "    ")
}

/// Display width of the first `n` characters of `line` with tabs as 4.
/// The display width of the first `n` characters of `line`, as a terminal
/// shows them: a tab is 4 columns (as `expand_tabs` prints it), a wide
/// character (CJK, most emoji) 2, a combining mark 0.
fn width_of(line: &str, n: usize) -> usize {
    use unicode_width::UnicodeWidthChar;
    line.chars()
        .take(n)
        .map(|c| if c == '\t' { 4 } else { c.width().unwrap_or(0) })
        .sum()
}

/// Renders one diagnostic.
pub fn render_diagnostic(
    out: &mut String,
    d: &Diagnostic,
    source: Option<&str>,
    opts: TextOptions,
) {
    let line = source
        .zip(d.line)
        .map(|(src, l)| src.lines().nth(l.saturating_sub(1) as usize).unwrap_or(""));
    render_at_line(out, d, line, opts);
}

/// Renders one diagnostic, given the text of the line it points at.
fn render_at_line(out: &mut String, d: &Diagnostic, source_line: Option<&str>, opts: TextOptions) {
    let p = Paint { on: opts.color };
    let head = format!("{}[{}]", d.severity, d.rule);
    let _ = writeln!(
        out,
        "{}{} {}",
        p.sev(d.severity, &head),
        p.bold(":"),
        p.bold(&visible(&d.message))
    );
    let path = visible(&d.path);
    let line_no = d.line.unwrap_or(0);
    let gutter = if line_no > 0 {
        line_no.to_string().len()
    } else {
        1
    };
    let pad = " ".repeat(gutter);
    match (d.line, d.column) {
        (Some(l), Some(c)) => {
            let _ = writeln!(out, "{pad}{} {path}:{l}:{c}", p.blue("-->"));
        }
        _ => {
            let _ = writeln!(out, "{pad}{} {path}", p.blue("-->"));
        }
    }
    if let (Some(line), Some(l), Some(c)) = (source_line, d.line, d.column) {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let start = c.saturating_sub(1) as usize;
        let given_end = match (d.end_line, d.end_column) {
            (Some(el), Some(ec)) if el == l && ec as usize > c as usize => {
                Some(ec.saturating_sub(1) as usize)
            }
            _ => None,
        };
        // A long line is shown as a window around the span.
        let (line, start, cut_end) = migsafe_model::snippet::window(
            line,
            start,
            given_end.unwrap_or(start),
            migsafe_model::snippet::MAX_SHOWN,
        );
        let given_end = given_end.map(|_| cut_end);
        // A lone CR or an escape sequence in the file must not redraw the
        // terminal line (a flagged DROP TABLE could erase itself).
        let line = visible(&line);
        let line: &str = &line;
        let len_chars = line.chars().count();
        let end = match given_end {
            Some(e) if e > start => e.min(len_chars.max(start + 1)),
            _ => {
                // To the end of the line, trailing whitespace and a
                // trailing `--` comment excluded (PostgreSQL's comment
                // boundaries: the lexer's), unless the finding is about
                // the comment itself.
                let from = line
                    .char_indices()
                    .nth(start)
                    .map_or(line.len(), |(b, _)| b);
                let code_end = migsafe_classify::lex::lex(line)
                    .tokens
                    .iter()
                    .find(|t| {
                        t.kind == migsafe_classify::lex::TokenKind::LineComment
                            && t.start as usize > from
                    })
                    .map_or(line.len(), |t| t.start as usize);
                let code = line.get(..code_end).unwrap_or(line);
                code.trim_end().chars().count().max(start + 1)
            }
        };
        let lead = width_of(line, start);
        let span = width_of(line, end).saturating_sub(lead).max(1);
        let _ = writeln!(out, "{pad} {}", p.blue("|"));
        let _ = writeln!(
            out,
            "{} {} {}",
            p.blue(&l.to_string()),
            p.blue("|"),
            expand_tabs(line).trim_end()
        );
        let carets = "^".repeat(span);
        let label = d
            .label
            .as_deref()
            .map(|s| format!(" {}", visible(s)))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "{pad} {} {}{}",
            p.blue("|"),
            " ".repeat(lead),
            p.sev(d.severity, &format!("{carets}{label}"))
        );
        let _ = writeln!(out, "{pad} {}", p.blue("|"));
    }
    if let Some(n) = &d.note {
        let _ = writeln!(
            out,
            "{pad} {} {}: {}",
            p.blue("="),
            p.bold("note"),
            visible(n)
        );
    }
    if let Some(h) = &d.help {
        let _ = writeln!(
            out,
            "{pad} {} {}: {}",
            p.blue("="),
            p.bold("help"),
            visible(h)
        );
    }
    // As rustc points to `--explain`: the rule's page, with a bad and a
    // good example.
    let _ = writeln!(
        out,
        "{pad} {} {}: for more, run `migsafe explain {}`",
        p.blue("="),
        p.bold("help"),
        d.rule
    );
    out.push('\n');
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn ms(v: &serde_json::Value) -> String {
    match v.as_u64() {
        Some(n) if n >= 60_000 => format!("{}m{:02}s", n / 60_000, n % 60_000 / 1000),
        Some(n) if n >= 1000 => format!("{:.1} s", n as f64 / 1000.0),
        Some(n) => format!("{n} ms"),
        None => "-".to_owned(),
    }
}

/// The `migsafe status` block.
fn render_status(out: &mut String, s: &serde_json::Value, p: &Paint) {
    let key = |k: &str| p.bold(&format!("{k:<13}"));
    let _ = writeln!(
        out,
        "{}{} (PostgreSQL {})",
        key("database"),
        visible(s["database"].as_str().unwrap_or("")),
        s["server_version"].as_str().unwrap_or("?")
    );
    let m = &s["metrics"];
    if m.is_object() {
        let n = |k: &str| m[k].as_u64().unwrap_or(0);
        let rate = m["success_rate"]
            .as_f64()
            .map(|r| format!(", success rate {:.1}%", r * 100.0))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "{}{} applied, {} pending, {} failed, {} rolled back{rate}",
            key("history"),
            n("applied"),
            n("pending"),
            n("failed"),
            n("rolled_back")
        );
        let d = &m["durations"];
        if d["count"].as_u64().unwrap_or(0) > 0 {
            let _ = writeln!(
                out,
                "{}median {}, p95 {}, max {}, total {} over {} migrations",
                key("durations"),
                ms(&d["median_ms"]),
                ms(&d["p95_ms"]),
                ms(&d["max_ms"]),
                ms(&d["total_ms"]),
                d["count"]
            );
        }
        for l in m["long_running"].as_array().into_iter().flatten() {
            let _ = writeln!(
                out,
                "{}{} took {}",
                key("long-running"),
                visible(l["name"].as_str().unwrap_or("")),
                ms(&l["duration_ms"])
            );
        }
        if let Some(last) = m["last_applied"].as_object() {
            let _ = writeln!(
                out,
                "{}{} at {}",
                key("last applied"),
                visible(last.get("name").and_then(|v| v.as_str()).unwrap_or("")),
                last.get("finished_at")
                    .and_then(|v| v.as_str())
                    .unwrap_or("")
            );
        }
    } else {
        let _ = writeln!(
            out,
            "{}no _prisma_migrations table: not a Prisma-managed database",
            key("history")
        );
    }
    let drift = s["drift"].as_u64().unwrap_or(0);
    let _ = writeln!(
        out,
        "{}{}\n",
        key("drift"),
        if drift == 0 {
            "none: the database matches its applied migrations".to_owned()
        } else {
            format!(
                "{} between the database and its applied migrations",
                plural(drift as usize, "difference", "differences")
            )
        }
    );
}

/// Renders the whole report: each finding, then a summary line.
pub fn render(report: &Report, opts: TextOptions) -> String {
    let mut out = String::new();
    if let Some(s) = &report.status {
        render_status(&mut out, s, &Paint { on: opts.color });
    }
    // Each source split into lines once: 40,000 findings in one file stay
    // linear.
    let mut lines: std::collections::HashMap<&str, Vec<&str>> = std::collections::HashMap::new();
    for d in &report.diagnostics {
        if opts.quiet && d.severity == Severity::Info {
            continue;
        }
        let line = match (report.sources.get(&d.path), d.line) {
            (Some(src), Some(l)) => {
                let v = lines
                    .entry(d.path.as_str())
                    .or_insert_with(|| src.lines().collect());
                Some(v.get(l.saturating_sub(1) as usize).copied().unwrap_or(""))
            }
            _ => None,
        };
        render_at_line(&mut out, d, line, opts);
    }
    if !opts.quiet {
        out.push_str(&summary_line(report, opts));
        out.push('\n');
    }
    out
}

/// How many statements of each class the report holds, in the order expand,
/// contract, dangerous, neutral; classes without statements left out.
pub(crate) fn class_counts(report: &Report) -> Vec<(Class, usize)> {
    const ORDER: [Class; 4] = [
        Class::Expand,
        Class::Contract,
        Class::Dangerous,
        Class::Neutral,
    ];
    let mut n = [0usize; 4];
    for st in report.migrations.iter().flat_map(|m| &m.statements) {
        if let Some(i) = ORDER.iter().position(|c| *c == st.class) {
            n[i] += 1;
        }
    }
    ORDER.into_iter().zip(n).filter(|(_, k)| *k > 0).collect()
}

/// `migsafe: 3 migrations, 12 statements (9 expand, 2 dangerous): 2 errors, 1 warning`
pub fn summary_line(report: &Report, opts: TextOptions) -> String {
    let p = Paint { on: opts.color };
    let s = &report.summary;
    let classes: Vec<String> = class_counts(report)
        .into_iter()
        .map(|(class, n)| format!("{n} {class}"))
        .collect();
    let mut line = format!(
        "{}, {}",
        plural(s.migrations, "migration", "migrations"),
        plural(s.statements, "statement", "statements")
    );
    if !classes.is_empty() {
        let _ = write!(line, " ({})", classes.join(", "));
    }
    let verdict = if s.errors == 0 && s.warnings == 0 && s.infos == 0 {
        p.wrap("1;32", "no findings")
    } else if s.errors == 0 && s.warnings == 0 {
        // Info findings were printed above: "no findings" would contradict
        // them.
        format!(
            "{}, {}",
            p.wrap("1;32", "no errors or warnings"),
            p.sev(Severity::Info, &plural(s.infos, "info", "infos"))
        )
    } else {
        let mut parts = Vec::new();
        if s.errors > 0 {
            parts.push(p.sev(Severity::Error, &plural(s.errors, "error", "errors")));
        }
        if s.warnings > 0 {
            parts.push(p.sev(
                Severity::Warning,
                &plural(s.warnings, "warning", "warnings"),
            ));
        }
        parts.join(", ")
    };
    format!("{} {line}: {verdict}", p.bold("migsafe:"))
}

/// The rollback path of every migration, as `migsafe rollback-check` prints
/// it before its findings: a tree per migrations directory, one line per
/// migration with its class, its rollback complexity and its way back.
///
/// ```text
/// prisma/migrations
/// ├── 20260101090000_init             expand     complex     generated (7 statements)
/// ├── 20260105090000_drop_post_views  dangerous  impossible  plan: Views are recomputed…
/// └── 20260107090000_drop_audit_log   dangerous  impossible  none
/// ```
pub fn rollback_table(report: &Report, color: bool) -> String {
    let p = Paint { on: color };
    let rows: Vec<&crate::report::MigrationReport> = report
        .migrations
        .iter()
        .filter(|m| m.rollback_path.is_some())
        .collect();
    if rows.is_empty() {
        return String::new();
    }
    let root = |m: &crate::report::MigrationReport| -> String {
        m.path
            .find(&m.name)
            .map(|i| m.path[..i].trim_end_matches('/').to_owned())
            .filter(|r| !r.is_empty())
            .unwrap_or_else(|| ".".to_owned())
    };
    let width = rows
        .iter()
        .map(|m| m.name.chars().count())
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    let mut i = 0;
    while i < rows.len() {
        let dir = root(rows[i]);
        let group: Vec<&crate::report::MigrationReport> = rows[i..]
            .iter()
            .take_while(|m| root(m) == dir)
            .copied()
            .collect();
        i += group.len();
        let _ = writeln!(out, "{}", p.bold(&dir));
        for (k, m) in group.iter().enumerate() {
            let branch = if k + 1 == group.len() {
                "└──"
            } else {
                "├──"
            };
            let class = format!("{:<9}", m.class.as_str());
            let class = match m.class {
                Class::Dangerous => p.wrap("31", &class),
                Class::Contract => p.wrap("33", &class),
                Class::Expand => p.wrap("32", &class),
                Class::Neutral => class,
            };
            let path = match m.rollback_path.as_ref().map(|r| r.kind) {
                Some("down_script") => format!(
                    "down script {}",
                    m.down.as_deref().unwrap_or("(beside the migration)")
                ),
                Some("generated") => {
                    let n = m
                        .rollback_path
                        .as_ref()
                        .and_then(|r| r.generated_down.as_deref())
                        .map_or(0, |d| migsafe_classify::analyze(d).statements.len());
                    if n == 0 {
                        "generated (nothing to undo)".to_owned()
                    } else {
                        format!("generated ({})", plural(n, "statement", "statements"))
                    }
                }
                Some("manual") => {
                    match m.statements.iter().find_map(|s| s.rollback_plan.as_deref()) {
                        Some(plan) => {
                            let mut shown: String = plan.chars().take(48).collect();
                            if plan.chars().count() > 48 {
                                shown.push('…');
                            }
                            format!("plan: {}", visible(&shown))
                        }
                        None => "plan".to_owned(),
                    }
                }
                _ => p.wrap("1;31", "none"),
            };
            let _ = writeln!(
                out,
                "{branch} {:<width$}  {class}  {:<10}  {path}",
                visible(&m.name),
                m.rollback.as_str(),
            );
        }
    }
    out.push('\n');
    out
}
