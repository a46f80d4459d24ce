//! `unused-ignore`, and the inline suppressions it holds to account: its
//! documentation (the source of `docs/rules/unused-ignore.md` and `migsafe
//! explain unused-ignore`), the reading of `-- migsafe-ignore` comments,
//! their application to the findings of a run, and the snapshot of its bad
//! example.
//!
//! `-- migsafe-ignore: RULE[, RULE] -- reason` silences warnings and infos
//! of those rules on one statement: the comment is on one of the
//! statement's lines, or between the statement before and this one.
//! `-- migsafe-ignore-file: RULE[, RULE] -- reason` silences them in the
//! whole file. Errors are never silenced this way: the release-safety rules
//! have their annotations (`@override-destructive`, `@rollback-plan`, …),
//! which the audit trail records with their plan and approvers; severity
//! changes for a project belong in `migsafe.toml`.

use crate::engine::AnalyzedMigration;
use crate::report::{Diagnostic, IgnoreUse, Report, Severity};
use crate::rules::{Category, Example, Rule, RuleId};

pub static UNUSED_IGNORE: Rule = Rule {
    id: RuleId::UnusedIgnore,
    severity: Severity::Warning,
    category: Category::Annotations,
    summary: "a `-- migsafe-ignore` comment that silences nothing",
    what: "A `-- migsafe-ignore: RULE -- reason` (or `migsafe-ignore-file:`) comment whose rule raised \
no warning or info where it applies, that names no rule, or that names an error (which an ignore \
cannot silence).",
    why: "An ignore that silences nothing hides the next real finding of its rule on that statement, \
and an ignore aimed at an error gives the reader the wrong idea that it was allowed: errors of \
the release-safety rules need their annotations, which the audit trail records.",
    bad: Example {
        migrations: &[(
            "20260101000000_add_index",
            "-- migsafe-ignore: missing-lock-timeout -- the table is empty\n\
CREATE TABLE audit (id int);\n",
        )],
        config: "",
        checked: true,
    },
    good: Example {
        migrations: &[
            ("20260101000000_audit", "CREATE TABLE audit (id int);\n"),
            (
                "20260102000000_audit_index",
                "-- migsafe-ignore: require-concurrent-index -- audit is written once a day, at night\n\
CREATE INDEX audit_id_idx ON audit (id);\n",
            ),
        ],
        config: "",
        checked: true,
    },
};

/// One `-- migsafe-ignore` comment.
#[derive(Clone, Debug)]
struct Ignore {
    line: u32,
    column: u32,
    /// The statement it applies to (`None`: the file, or no statement).
    statement: Option<usize>,
    file: bool,
    rules: Vec<String>,
    reason: String,
    /// Findings silenced per rule.
    used: Vec<usize>,
    /// An error of the rule was where it applies.
    blocked: Vec<bool>,
}

/// The ignores of one analysed migration.
fn ignores_of(m: &AnalyzedMigration) -> Vec<Ignore> {
    let stmts = &m.file.statements;
    let mut out = Vec::new();
    for c in &m.file.split.comments {
        if c.kind != migsafe_classify::CommentKind::Line {
            continue;
        }
        let body = c.body(&m.text).trim();
        let (file, rest) = if let Some(r) = body.strip_prefix("migsafe-ignore-file:") {
            (true, r)
        } else if let Some(r) = body.strip_prefix("migsafe-ignore:") {
            (false, r)
        } else {
            continue;
        };
        let (names, reason) = match rest.split_once("--") {
            Some((n, r)) => (n, r.trim()),
            None => (rest, ""),
        };
        let rules: Vec<String> = names
            .split(',')
            .map(|r| r.trim().to_owned())
            .filter(|r| !r.is_empty())
            .collect();
        // The statement the comment is on, or the first below it (no
        // statement ends between them).
        let statement = (!file)
            .then(|| stmts.iter().position(|s| s.end_line >= c.line))
            .flatten();
        out.push(Ignore {
            line: c.line,
            column: c.column,
            statement,
            file,
            used: vec![0; rules.len()],
            blocked: vec![false; rules.len()],
            rules,
            reason: reason.to_owned(),
        });
    }
    out
}

/// Removes the findings the run's ignores silence, reports the ignores that
/// silence nothing (`unused-ignore`), and lists every ignore in the report
/// (for the audit trail). `path_of` gives the path a migration's findings
/// carry, `None` for a migration the run did not check (under `--since`,
/// the untouched history: its ignores are not held to account).
pub(crate) fn apply(
    analyzed: &[AnalyzedMigration],
    report: &mut Report,
    config: &crate::Config,
    path_of: &dyn Fn(&AnalyzedMigration) -> Option<String>,
) {
    let mut all: Vec<(usize, String, Vec<Ignore>)> = analyzed
        .iter()
        .enumerate()
        .filter_map(|(i, m)| Some((i, path_of(m)?, ignores_of(m))))
        .filter(|(_, _, ig)| !ig.is_empty())
        .collect();
    if all.is_empty() {
        return;
    }
    let by_path: std::collections::HashMap<String, usize> = all
        .iter()
        .enumerate()
        .map(|(k, (_, p, _))| (p.clone(), k))
        .collect();
    let mut silenced = vec![false; report.diagnostics.len()];
    for (di, d) in report.diagnostics.iter().enumerate() {
        let Some(&k) = by_path.get(d.path.as_str()) else {
            continue;
        };
        let (mi, _, ignores) = &mut all[k];
        let stmts = &analyzed[*mi].file.statements;
        let at = d
            .line
            .and_then(|l| stmts.iter().position(|s| s.line <= l && l <= s.end_line));
        for ig in ignores.iter_mut() {
            if !(ig.file || (ig.statement.is_some() && ig.statement == at)) {
                continue;
            }
            let Some(r) = ig.rules.iter().position(|r| d.rule == *r.as_str()) else {
                continue;
            };
            if d.severity == Severity::Error {
                ig.blocked[r] = true;
            } else {
                ig.used[r] += 1;
                silenced[di] = true;
            }
        }
    }
    let mut kept = Vec::with_capacity(report.diagnostics.len());
    for (d, s) in std::mem::take(&mut report.diagnostics)
        .into_iter()
        .zip(silenced)
    {
        if !s {
            kept.push(d);
        }
    }
    report.diagnostics = kept;
    let mut sink_out: Vec<Diagnostic> = Vec::new();
    for (mi, path, ignores) in &all {
        let m = &analyzed[*mi];
        let mut sink = crate::engine::Sink::new(config, path, Some(&m.source.name));
        for ig in ignores {
            let form = if ig.file {
                "migsafe-ignore-file"
            } else {
                "migsafe-ignore"
            };
            if ig.rules.is_empty() {
                sink.emit(&UNUSED_IGNORE, format!("`{form}` names no rule"), |d| {
                    d.at(ig.line, ig.column)
                        .help("write `-- migsafe-ignore: RULE -- reason` (`migsafe rules` lists the rules)")
                });
            }
            if !ig.file && ig.statement.is_none() {
                sink.emit(
                    &UNUSED_IGNORE,
                    format!("`{form}` applies to no statement: none follows it"),
                    |d| {
                        d.at(ig.line, ig.column)
                            .help("put it on or above the statement it is for")
                    },
                );
                continue;
            }
            for (r, name) in ig.rules.iter().enumerate() {
                if ig.used[r] > 0 {
                    continue;
                }
                let known = crate::rules::by_id(name);
                let (message, help) = match known {
                    None => (
                        format!("`{form}: {name}`: no rule is named `{name}`"),
                        match crate::rules::suggest(name) {
                            Some(s) => format!("did you mean `{s}`?"),
                            None => "`migsafe rules` lists the rules".to_owned(),
                        },
                    ),
                    Some(rule) if ig.blocked[r] => (
                        format!("`{form}: {name}` cannot silence an error"),
                        if rule.category == Category::Safety {
                            "an error of the release-safety rules needs its annotation (`@override-destructive` with a `@rollback-plan`); see `migsafe explain "
                                .to_owned()
                                + name
                                + "`"
                        } else {
                            format!(
                                "fix the statement, or lower the rule for the project in migsafe.toml: `[rules] {name} = \"warning\"`"
                            )
                        },
                    ),
                    Some(_) => (
                        format!(
                            "`{form}: {name}` silences nothing: {name} found nothing {}",
                            if ig.file {
                                "in this file"
                            } else {
                                "on this statement"
                            }
                        ),
                        "remove it, so that it does not hide the next finding".to_owned(),
                    ),
                };
                sink.emit(&UNUSED_IGNORE, message, |d| {
                    d.at(ig.line, ig.column).help(help)
                });
            }
        }
        sink_out.extend(sink.out);
        report.ignores.extend(ignores.iter().map(|ig| IgnoreUse {
            migration: m.source.name.clone(),
            path: path.clone(),
            line: ig.line,
            file: ig.file,
            rules: ig.rules.clone(),
            reason: ig.reason.clone(),
            silenced: ig.used.iter().sum(),
        }));
    }
    report.diagnostics.extend(sink_out);
}

#[cfg(test)]
mod tests {
    #[test]
    fn bad_example_as_printed() {
        insta::assert_snapshot!(crate::rules::rendered_example(&super::UNUSED_IGNORE));
    }
}
