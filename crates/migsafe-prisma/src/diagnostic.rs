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
        let text = source.strip_prefix('\u{feff}').unwrap_or(source);
        let line = text.lines().nth(self.line.saturating_sub(1) as usize);
        self.render_line(line.map(|l| (l, offset_in(source, l))))
    }

    /// [`Diagnostic::render`] given the diagnostic's line of the file and
    /// the line's byte offset in it.
    pub fn render_line(&self, line: Option<(&str, usize)>) -> String {
        let mut out = format!(
            "{}: {}\n  --> {}:{}:{}\n",
            self.severity,
            self.message,
            self.path.display(),
            self.line,
            self.column
        );
        let Some((line, line_offset)) = line else {
            return out;
        };
        let num = self.line.to_string();
        let pad = " ".repeat(num.len());
        // The span in bytes of the line (to its end when it goes on).
        let start = self.span.start.offset.saturating_sub(line_offset);
        let end = if self.end_line == self.line {
            self.span
                .end
                .offset
                .saturating_sub(line_offset)
                .max(start + 1)
        } else {
            line.len()
        };
        // A long line is shown as a window around the span.
        let (line, start, end) = migsafe_model::snippet::window_bytes(
            line,
            start,
            end,
            migsafe_model::snippet::MAX_SHOWN,
        );
        let end = end.min(line.chars().count().max(start + 1));
        let width = (end - start).max(1);
        let lead: String = line
            .chars()
            .take(start)
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        out.push_str(&format!(
            "{pad} |\n{num} | {line}\n{pad} | {lead}{}\n",
            "^".repeat(width)
        ));
        out
    }
}

/// The byte offset of `part` (a slice of `whole`) in `whole`.
pub(crate) fn offset_in(whole: &str, part: &str) -> usize {
    (part.as_ptr() as usize).saturating_sub(whole.as_ptr() as usize)
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
