//! Errors and warnings about a schema, with their place.

use std::fmt;
use std::path::PathBuf;

use serde::Serialize;

use crate::span::Span;

/// How bad a [`Diagnostic`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The schema is invalid: Prisma would refuse it.
    Error,
    /// The schema is valid but probably not what was meant.
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// An error or warning: what (`message`), where (`path`, 1-based lines and
/// columns in characters, end exclusive), how bad (`severity`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub path: PathBuf,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    /// The message, worded as `prisma validate` words it.
    pub message: String,
    pub severity: Severity,
    /// The span in the schema (`span.file` indexes the parsed files).
    #[serde(skip)]
    pub span: Span,
}

impl Diagnostic {
    /// The diagnostic as rustc prints it, with the source line and a caret
    /// under the span:
    ///
    /// ```text
    /// error: Attribute not known: "@foo".
    ///   --> prisma/schema.prisma:6:14
    ///    |
    ///  6 |   id Int @id @foo
    ///    |              ^^^^
    /// ```
    pub fn render(&self, source: &str) -> String {
        let mut out = format!(
            "{}: {}\n  --> {}:{}:{}\n",
            self.severity,
            self.message,
            self.path.display(),
            self.line,
            self.column
        );
        let text = source.strip_prefix('\u{feff}').unwrap_or(source);
        let Some(line) = text.lines().nth(self.line.saturating_sub(1) as usize) else {
            return out;
        };
        let num = self.line.to_string();
        let pad = " ".repeat(num.len());
        let width = if self.end_line == self.line {
            self.end_column.saturating_sub(self.column).max(1)
        } else {
            (line.chars().count() as u32 + 1)
                .saturating_sub(self.column)
                .max(1)
        };
        let lead: String = line
            .chars()
            .take(self.column.saturating_sub(1) as usize)
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        out.push_str(&format!(
            "{pad} |\n{num} | {line}\n{pad} | {lead}{}\n",
            "^".repeat(width as usize)
        ));
        out
    }
}

impl fmt::Display for Diagnostic {
    /// `error: message\n  --> path:line:column`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}\n  --> {}:{}:{}",
            self.severity,
            self.message,
            self.path.display(),
            self.line,
            self.column
        )
    }
}

/// A diagnostic before its file path is known.
#[derive(Clone, Debug)]
pub(crate) struct RawDiagnostic {
    pub span: Span,
    pub message: String,
    pub severity: Severity,
}

/// Collects diagnostics while parsing and validating.
#[derive(Default, Debug)]
pub(crate) struct Diagnostics {
    pub items: Vec<RawDiagnostic>,
}

impl Diagnostics {
    pub fn error(&mut self, span: Span, message: impl Into<String>) {
        self.items.push(RawDiagnostic {
            span,
            message: message.into(),
            severity: Severity::Error,
        });
    }

    pub fn warning(&mut self, span: Span, message: impl Into<String>) {
        self.items.push(RawDiagnostic {
            span,
            message: message.into(),
            severity: Severity::Warning,
        });
    }
}
