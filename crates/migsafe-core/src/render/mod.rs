//! Report renderers.

pub mod github;
pub mod gitlab;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod prometheus;
pub mod sarif;
pub mod text;

use std::borrow::Cow;

use crate::report::Report;

/// Text from the input (paths, identifiers, database values, source lines)
/// made safe to print for a person: every control character becomes its
/// visible picture (`\n` → `␊`, ESC → `␛`, DEL → `␡`), C1 controls and the
/// Unicode line and paragraph separators `�`. One character stays one
/// column wide, so carets still line up. A folder name with a newline can
/// then no longer start a line of its own (`::error …`, which GitHub
/// Actions would execute), and an escape sequence can no longer reach the
/// terminal. Tabs stay.
pub fn visible(s: &str) -> Cow<'_, str> {
    let bad = |c: char| {
        (c.is_control() && c != '\t') || matches!(c, '\u{2028}' | '\u{2029}' | '\u{FEFF}')
    };
    if !s.chars().any(bad) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .map(|c| match c {
                '\t' => '\t',
                c if (c as u32) < 0x20 => char::from_u32(0x2400 + c as u32).unwrap_or('\u{FFFD}'),
                '\u{7f}' => '\u{2421}',
                c if bad(c) => '\u{FFFD}',
                c => c,
            })
            .collect(),
    )
}

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Sarif,
    Github,
    Junit,
    /// GitLab Code Quality.
    Gitlab,
    /// A pull-request comment or job summary.
    Markdown,
    /// `migsafe status` metrics in Prometheus's text format.
    Prometheus,
}

/// Renders a report in a machine format (text has its own options).
pub fn render(report: &Report, format: Format, text: text::TextOptions) -> String {
    match format {
        Format::Text => text::render(report, text),
        Format::Json => json::render(report),
        Format::Sarif => sarif::render(report),
        Format::Github => github::render(report),
        Format::Junit => junit::render(report),
        Format::Gitlab => gitlab::render(report),
        Format::Markdown => markdown::render(report),
        Format::Prometheus => prometheus::render(report),
    }
}
