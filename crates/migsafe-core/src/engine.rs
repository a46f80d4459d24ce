//! The check pipeline: migrations in, [`Report`] out.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use migsafe_annotations::{Annotations, CommentInput, Resolved, StatementInput};
use migsafe_classify::{AnalyzedFile, CommentKind, analyze};
use rayon::prelude::*;

use crate::config::{Config, Level};
use crate::discover::Layout;
use crate::report::{Diagnostic, MigrationReport, Report, StatementReport};
use crate::rules::{self, Rule};

/// One migration's text, from disk or from memory.
#[derive(Clone, Debug)]
pub struct MigrationSource {
    /// `20260104000000_drop_legacy`.
    pub name: String,
    /// The up script's path as reported.
    pub path: String,
    pub up: Vec<u8>,
    /// The down script: reported path and bytes.
    pub down: Option<(String, Vec<u8>)>,
    pub layout: Layout,
}

impl MigrationSource {
    /// An in-memory Prisma-layout migration.
    pub fn prisma(name: &str, up: &str) -> Self {
        Self {
            name: name.to_owned(),
            path: format!("prisma/migrations/{name}/migration.sql"),
            up: up.as_bytes().to_vec(),
            down: None,
            layout: Layout::Prisma,
        }
    }
}

/// Collects diagnostics, applying the configured levels.
pub(crate) struct Sink<'a> {
    config: &'a Config,
    pub(crate) out: Vec<Diagnostic>,
    path: String,
    migration: Option<String>,
}

impl<'a> Sink<'a> {
    pub(crate) fn new(config: &'a Config, path: &str, migration: Option<&str>) -> Self {
        Self {
            config,
            out: Vec::new(),
            path: path.to_owned(),
            migration: migration.map(str::to_owned),
        }
    }

    /// Emits a finding of `rule`; `f` fills in position, help and notes.
    pub(crate) fn emit(
        &mut self,
        rule: &Rule,
        message: impl Into<String>,
        f: impl FnOnce(Diagnostic) -> Diagnostic,
    ) {
        let Level::On(sev) = self.config.level(rule.id, rule.severity) else {
            return;
        };
        let mut d = Diagnostic::new(rule.id, sev, self.path.clone(), message);
        if let Some(m) = &self.migration {
            d = d.migration(m.clone());
        }
        self.out.push(f(d));
    }
}

/// What the rules of one file see.
pub(crate) struct FileCtx<'a> {
    pub(crate) text: &'a str,
    pub(crate) file: &'a AnalyzedFile,
    pub(crate) annotations: &'a Resolved,
    /// Annotations in force for each statement (own + file scope).
    pub(crate) effective: Vec<Annotations>,
    pub(crate) config: &'a Config,
}

impl FileCtx<'_> {
    /// The end column (exclusive, characters) of a statement on its first
    /// line: where the statement ends if it ends there, else the line's
    /// end; a trailing `--` comment and whitespace excluded (the comment is
    /// not the statement's, and an underline over it would say it is).
    pub(crate) fn first_line_end(&self, stmt: &migsafe_classify::Statement) -> u32 {
        let li = &self.file.split.lines;
        let r = li.line_range(self.text, stmt.line);
        let end = r.end.min(stmt.span.end.max(r.start));
        let line = self.text.get(r.start..end).unwrap_or("");
        let code_end = migsafe_classify::lex::lex(line)
            .tokens
            .iter()
            .find(|t| t.kind == migsafe_classify::lex::TokenKind::LineComment)
            .map_or(line.len(), |t| t.start as usize);
        let code = line.get(..code_end).unwrap_or(line);
        code.trim_end().chars().count() as u32 + 1
    }
}

/// The analysis of one migration, kept for later phases (replay, rollback).
pub struct AnalyzedMigration {
    pub source: MigrationSource,
    pub text: Arc<str>,
    pub file: AnalyzedFile,
    /// The annotations in force for each statement.
    pub effective: Vec<Annotations>,
    pub report: MigrationReport,
    pub diagnostics: Vec<Diagnostic>,
}

/// The text of a UTF-16 file (with a BOM, or without one when every other
/// byte of its start is zero, as ASCII-heavy SQL in UTF-16 is), and which
/// byte order it has.
fn utf16(bytes: &[u8]) -> Option<(String, &'static str, bool)> {
    let (body, big, bom) = if let Some(b) = bytes.strip_prefix(b"\xFE\xFF") {
        (b, true, true)
    } else if let Some(b) = bytes.strip_prefix(b"\xFF\xFE") {
        (b, false, true)
    } else {
        let head = &bytes[..bytes.len().min(64) & !1];
        if head.len() < 4 {
            return None;
        }
        let even_zero = head.iter().step_by(2).all(|b| *b == 0);
        let odd_zero = head.iter().skip(1).step_by(2).all(|b| *b == 0);
        match (even_zero, odd_zero) {
            (true, false) => (bytes, true, false),
            (false, true) => (bytes, false, false),
            _ => return None,
        }
    };
    let units: Vec<u16> = body
        .chunks_exact(2)
        .map(|c| {
            if big {
                u16::from_be_bytes([c[0], c[1]])
            } else {
                u16::from_le_bytes([c[0], c[1]])
            }
        })
        .collect();
    let text = String::from_utf16_lossy(&units);
    Some((text, if big { "big-endian" } else { "little-endian" }, bom))
}

fn decode(source: &MigrationSource, sink: &mut Sink<'_>) -> Arc<str> {
    let bytes = source
        .up
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(&source.up);
    // UTF-16 (a file saved by some Windows editors): never a silent pass on
    // NUL-padded bytes; the decoded text is what gets checked.
    if (bytes.contains(&0) || bytes.starts_with(b"\xFE\xFF") || bytes.starts_with(b"\xFF\xFE"))
        && let Some((text, order, bom)) = utf16(bytes)
    {
        sink.emit(
            &rules::integrity::INVALID_ENCODING,
            format!(
                "file is UTF-16 ({order}{}), not UTF-8",
                if bom {
                    ""
                } else {
                    ", without a byte order mark"
                }
            ),
            |d| {
                d.at(1, 1)
                    .note("PostgreSQL cannot run it as it is; migsafe checked its decoded text")
                    .help("re-save the file as UTF-8")
            },
        );
        return Arc::from(text);
    }
    if let Some(at) = bytes.iter().position(|b| *b == 0) {
        let prefix = String::from_utf8_lossy(&bytes[..at]);
        let li = migsafe_classify::LineIndex::new(&prefix);
        let (line, column) = li.line_col(&prefix, prefix.len());
        sink.emit(
            &rules::integrity::INVALID_ENCODING,
            format!("file holds a NUL byte at {line}:{column}"),
            |d| {
                d.at(line, column)
                    .note("a query cannot hold NUL: the script is cut there or refused; migsafe checks the rest with the NUL bytes removed")
                    .help("remove the NUL bytes (is the file binary, or in another encoding?)")
            },
        );
        let cleaned: Vec<u8> = bytes.iter().copied().filter(|b| *b != 0).collect();
        return Arc::from(String::from_utf8_lossy(&cleaned).into_owned());
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => Arc::from(s),
        Err(e) => {
            let valid = e.valid_up_to();
            let prefix = std::str::from_utf8(&bytes[..valid]).unwrap_or("");
            let li = migsafe_classify::LineIndex::new(prefix);
            let (line, column) = li.line_col(prefix, prefix.len());
            let byte = bytes.get(valid).copied().unwrap_or(0);
            sink.emit(
                &rules::integrity::INVALID_ENCODING,
                format!("file is not valid UTF-8: byte 0x{byte:02x} at {line}:{column}"),
                |d| {
                    d.at(line, column)
                        .note("PostgreSQL rejects the script or stores garbled text; migsafe checks the rest with the bad bytes replaced")
                        .help("re-save the file as UTF-8")
                },
            );
            Arc::from(String::from_utf8_lossy(bytes).into_owned())
        }
    }
}

/// The annotations of a file's comments, each assigned to its scope (the
/// statement below it, or the file).
pub fn resolve_annotations(text: &str, file: &AnalyzedFile, config: &Config) -> Resolved {
    let comments: Vec<CommentInput<'_>> = file
        .split
        .comments
        .iter()
        .filter(|c| c.kind == CommentKind::Line)
        .map(|c| CommentInput {
            offset: c.span.start,
            line: c.line,
            column: c.column,
            body: c.body(text),
            own_line: c.own_line,
        })
        .collect();
    let stmts: Vec<StatementInput> = file
        .statements
        .iter()
        .map(|s| StatementInput {
            start: s.span.start,
            end: s.span.end,
            line: s.line,
            end_line: s.end_line,
        })
        .collect();
    migsafe_annotations::resolve(&config.grammar(), &comments, &stmts)
}

/// Analyzes one migration and runs the per-file rules.
pub fn analyze_migration(source: MigrationSource, config: &Config) -> AnalyzedMigration {
    let mut sink = Sink::new(config, &source.path, Some(&source.name));
    let text = decode(&source, &mut sink);
    let file = analyze(&text);
    let resolved = resolve_annotations(&text, &file, config);
    let effective: Vec<Annotations> = (0..file.statements.len())
        .map(|i| resolved.effective(i))
        .collect();

    let ctx = FileCtx {
        text: &text,
        file: &file,
        annotations: &resolved,
        effective,
        config,
    };
    rules::check_integrity(&ctx, &mut sink);
    rules::check_safety(&ctx, &mut sink);
    rules::check_annotations(&ctx, &mut sink);

    let statements: Vec<StatementReport> = file
        .statements
        .iter()
        .zip(&ctx.effective)
        .map(|(s, ann)| {
            let primary = s.primary();
            StatementReport {
                line: s.line,
                column: s.column,
                end_line: s.end_line,
                operation: primary
                    .map(|o| o.kind.name().to_owned())
                    .unwrap_or_default(),
                class: s.class(),
                rollback: s.rollback(),
                objects: s.objects(),
                overridden: ann.is_overridden(),
                rollback_plan: ann.plan().map(str::to_owned),
                parsed: s.parsed,
                operations: if s.ops.len() > 1 {
                    s.ops.iter().map(|o| o.kind.name().to_owned()).collect()
                } else {
                    Vec::new()
                },
                approved_by: ann.approved_by.iter().map(|a| a.value.clone()).collect(),
                // Filled by the history pass (`rules::locking`).
                locks: None,
            }
        })
        .collect();
    let report = MigrationReport {
        path: source.path.clone(),
        name: source.name.clone(),
        class: statements
            .iter()
            .map(|s| s.class)
            .max()
            .unwrap_or(migsafe_classify::Class::Neutral),
        rollback: statements
            .iter()
            .map(|s| s.rollback)
            .max()
            .unwrap_or(migsafe_classify::Rollback::Simple),
        statements,
        down: source.down.as_ref().map(|(p, _)| p.clone()),
        rollback_path: None,
    };
    let diagnostics = sink.out;
    let effective = ctx.effective;
    let mut file = file;
    // The tokens served the analysis; the passes after it read statements,
    // comments and lines (a 4 MB history has more than a million tokens).
    file.split.tokens = Vec::new();
    AnalyzedMigration {
        source,
        text,
        file,
        effective,
        report,
        diagnostics,
    }
}

/// Analyzes every migration (in parallel, results in input order) and runs
/// the rules that look across migrations.
pub fn analyze_all(sources: Vec<MigrationSource>, config: &Config) -> Vec<AnalyzedMigration> {
    sources
        .into_par_iter()
        .map(|s| analyze_migration(s, config))
        .collect()
}

/// Builds the report for validated migrations: per-file findings, naming
/// and duplicate checks, in a stable order.
pub fn validate_report(
    migrations: &[AnalyzedMigration],
    config: &Config,
    extra: Vec<Diagnostic>,
) -> Report {
    let mut report = Report::new();
    let mut diags = Vec::new();
    let mut order: BTreeMap<String, usize> = BTreeMap::new();
    for (i, m) in migrations.iter().enumerate() {
        order.insert(m.source.path.clone(), i);
        report.migrations.push(m.report.clone());
        report.sources.insert(m.source.path.clone(), m.text.clone());
        diags.extend(m.diagnostics.iter().cloned());
    }
    diags.extend(rules::integrity::check_names(migrations, config));
    diags.extend(extra);
    sort_diagnostics(&mut diags, &order);
    report.diagnostics = diags;
    report.finish();
    report
}

/// The lock facts and the lock rules' findings, from a replay of the whole
/// history in order (`observed`: what it showed of each migration; `None`:
/// replay it here), for the migrations the report holds.
pub(crate) fn add_lock_facts(
    report: &mut Report,
    migrations: &[AnalyzedMigration],
    observed: Option<Vec<rules::locking::Observed>>,
    config: &Config,
) {
    let observed = observed.unwrap_or_else(|| rules::locking::observe_history(migrations, config));
    let (locks, diags) = rules::locking::check_observed(migrations, observed, config);
    let by_path: HashMap<&str, &Vec<Option<Vec<migsafe_schema::locks::TableLock>>>> = migrations
        .iter()
        .zip(&locks)
        .map(|(m, l)| (m.source.path.as_str(), l))
        .collect();
    for r in &mut report.migrations {
        if let Some(l) = by_path.get(r.path.as_str()) {
            for (s, l) in r.statements.iter_mut().zip(l.iter()) {
                s.locks.clone_from(l);
            }
        }
    }
    let reported: std::collections::HashSet<&str> =
        report.migrations.iter().map(|m| m.path.as_str()).collect();
    let kept: Vec<Diagnostic> = diags
        .into_iter()
        .filter(|d| reported.contains(d.path.as_str()))
        .collect();
    report.diagnostics.extend(kept);
    report.sort_diagnostics();
    report.finish();
}

/// Migration order first, then position, then rule.
pub fn sort_diagnostics(diags: &mut [Diagnostic], order: &BTreeMap<String, usize>) {
    // The migration's position is looked up once per finding, not twice per
    // comparison.
    let mut keyed: Vec<(usize, u32, u32, usize)> = diags
        .iter()
        .enumerate()
        .map(|(i, d)| {
            (
                order.get(&d.path).copied().unwrap_or(usize::MAX),
                d.line.unwrap_or(0),
                d.column.unwrap_or(0),
                i,
            )
        })
        .collect();
    keyed.sort_by(|x, y| {
        x.0.cmp(&y.0)
            .then_with(|| diags[x.3].path.cmp(&diags[y.3].path))
            .then((x.1, x.2).cmp(&(y.1, y.2)))
            .then_with(|| diags[x.3].rule.as_str().cmp(diags[y.3].rule.as_str()))
            .then(x.3.cmp(&y.3))
    });
    // The findings move into place by swaps along the permutation's
    // cycles: none is copied.
    let mut placed = vec![false; keyed.len()];
    for start in 0..keyed.len() {
        let mut at = start;
        while !placed[at] {
            placed[at] = true;
            let from = keyed[at].3;
            if from == start {
                break;
            }
            diags.swap(at, from);
            at = from;
        }
    }
}
