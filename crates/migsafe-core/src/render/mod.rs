//! Report renderers.

pub mod github;
pub mod json;
pub mod junit;
pub mod sarif;
pub mod text;

use crate::report::Report;

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Sarif,
    Github,
    Junit,
}

/// Renders a report in a machine format (text has its own options).
pub fn render(report: &Report, format: Format, text: text::TextOptions) -> String {
    match format {
        Format::Text => text::render(report, text),
        Format::Json => json::render(report),
        Format::Sarif => sarif::render(report),
        Format::Github => github::render(report),
        Format::Junit => junit::render(report),
    }
}
