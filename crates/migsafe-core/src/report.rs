//! The report: what a check found. Its JSON form is the contract's.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use migsafe_classify::{Class, Rollback};
use serde::Serialize;

/// The JSON report's shape version. Bump when the shape changes.
pub const SCHEMA_VERSION: u32 = 2;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub rule: crate::rules::RuleId,
    pub severity: Severity,
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_column: Option<u32>,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// Why it matters, or what else is known (rollback complexity, lock).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// A short label printed under the caret in text output.
    #[serde(skip)]
    pub label: Option<String>,
    /// The migration the finding belongs to, when it belongs to one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub migration: Option<String>,
    /// For a lock finding: the tables whose lock it is about (as `locks`
    /// names them), so that a database's table sizes can weigh it.
    #[serde(skip)]
    pub tables: Vec<String>,
}

impl Diagnostic {
    pub fn new(
        rule: crate::rules::RuleId,
        severity: Severity,
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            rule,
            severity,
            path: path.into(),
            line: None,
            column: None,
            end_line: None,
            end_column: None,
            message: message.into(),
            help: None,
            note: None,
            label: None,
            migration: None,
            tables: Vec::new(),
        }
    }

    pub fn at(mut self, line: u32, column: u32) -> Self {
        self.line = Some(line);
        self.column = Some(column);
        self
    }

    pub fn span_end(mut self, end_line: u32, end_column: u32) -> Self {
        self.end_line = Some(end_line);
        self.end_column = Some(end_column);
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }

    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    pub fn migration(mut self, name: impl Into<String>) -> Self {
        self.migration = Some(name.into());
        self
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

impl Default for Tool {
    fn default() -> Self {
        Self {
            name: "migsafe",
            version: env!("CARGO_PKG_VERSION"),
        }
    }
}

/// One statement of a migration, as reported.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StatementReport {
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub operation: String,
    pub class: Class,
    pub rollback: Rollback,
    pub objects: Vec<String>,
    pub overridden: bool,
    pub rollback_plan: Option<String>,
    pub parsed: bool,
    /// Every operation when the statement does more than one thing.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub operations: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub approved_by: Vec<String>,
    /// What it locks, per table (schema_version 2); absent when migsafe
    /// does not know.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locks: Option<Vec<migsafe_schema::locks::TableLock>>,
}

/// One migration, as reported.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MigrationReport {
    pub path: String,
    pub name: String,
    pub class: Class,
    pub rollback: Rollback,
    pub statements: Vec<StatementReport>,
    /// The down script, when the migration has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub down: Option<String>,
    /// How the migration can be rolled back (when the rollback check ran).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rollback_path: Option<crate::rules::rollback::RollbackPath>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub migrations: usize,
    pub statements: usize,
    pub errors: usize,
    pub warnings: usize,
    #[serde(skip_serializing_if = "is_zero")]
    pub infos: usize,
    /// Statements sqlparser read (the rest were classified from tokens).
    pub parsed_statements: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// A `-- migsafe-ignore` comment: where, which rules, why, and how many
/// findings it silenced.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IgnoreUse {
    pub migration: String,
    pub path: String,
    pub line: u32,
    /// `migsafe-ignore-file`: the whole file.
    pub file: bool,
    pub rules: Vec<String>,
    pub reason: String,
    pub silenced: usize,
}

/// Everything a check found.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Report {
    pub schema_version: u32,
    pub tool: Tool,
    pub migrations: Vec<MigrationReport>,
    pub diagnostics: Vec<Diagnostic>,
    pub summary: Summary,
    /// `migsafe status`: the database, its migration history metrics and
    /// drift count.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<serde_json::Value>,
    /// Every `-- migsafe-ignore` comment of the run, with its reason and
    /// how many findings it silenced (also in the audit log).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ignores: Vec<IgnoreUse>,
    /// File contents by reported path, for renderers that show source lines.
    #[serde(skip)]
    pub sources: BTreeMap<String, Arc<str>>,
}

impl Report {
    /// Puts the findings in report order: by migration (a down script with
    /// its migration), then position, then rule.
    pub fn sort_diagnostics(&mut self) {
        let mut order: BTreeMap<String, usize> = BTreeMap::new();
        for (i, m) in self.migrations.iter().enumerate() {
            order.insert(m.path.clone(), i);
            if let Some(d) = &m.down {
                order.insert(d.clone(), i);
            }
        }
        crate::engine::sort_diagnostics(&mut self.diagnostics, &order);
    }

    pub fn new() -> Self {
        Self {
            schema_version: SCHEMA_VERSION,
            ..Self::default()
        }
    }

    /// Recomputes the summary from migrations and diagnostics.
    pub fn finish(&mut self) {
        let count = |s| self.diagnostics.iter().filter(|d| d.severity == s).count();
        self.summary = Summary {
            migrations: self.migrations.len(),
            statements: self.migrations.iter().map(|m| m.statements.len()).sum(),
            errors: count(Severity::Error),
            warnings: count(Severity::Warning),
            infos: count(Severity::Info),
            parsed_statements: self
                .migrations
                .iter()
                .flat_map(|m| m.statements.iter())
                .filter(|s| s.parsed)
                .count(),
        };
    }

    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
    }

    /// The process exit code of the contract: 1 with an error, else 0.
    pub fn exit_code(&self) -> i32 {
        i32::from(self.has_errors())
    }
}
