//! A Prisma schema language parser and its mapping to the migsafe schema
//! model, as Prisma Migrate creates it on PostgreSQL.
//!
//! ```
//! use migsafe_prisma::{SourceFile, parse};
//!
//! let schema = parse(&[SourceFile::new(
//!     "schema.prisma",
//!     r#"
//! datasource db {
//!   provider = "postgresql"
//! }
//!
//! model User {
//!   id    Int    @id @default(autoincrement())
//!   email String @unique
//! }
//! "#,
//! )]);
//! assert!(schema.diagnostics().is_empty());
//! let model = schema.to_model();
//! let user = &model.tables[&migsafe_model::QualName::public("User")];
//! assert_eq!(user.primary_key.as_ref().and_then(|p| p.name.as_deref()), Some("User_pkey"));
//! assert_eq!(user.indexes[0].name, "User_email_key");
//! ```
//!
//! [`parse`] never fails and never panics: syntax and semantic errors come
//! back as [`Diagnostic`]s worded as `prisma validate` words them, with the
//! file, line and column. A schema split over several files (a folder of
//! `.prisma` files) is one schema: pass every file to [`parse`], or the
//! folder to [`load`].

pub mod ast;
pub mod config;
pub mod diagnostic;
mod lexer;
mod mapping;
pub mod names;
pub mod native;
mod parser;
mod relations;
pub mod span;
mod validate;

use std::path::{Path, PathBuf};

use migsafe_model::SchemaModel;

pub use ast::SchemaAst;
pub use config::{ConfigValue, Datasource, Generator};
pub use diagnostic::{Diagnostic, Severity};
pub use span::{Position, Span};

/// One schema file: its path (as it should appear in diagnostics) and text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceFile {
    pub path: PathBuf,
    pub text: String,
}

impl SourceFile {
    /// A file from a path and its text.
    pub fn new(path: impl Into<PathBuf>, text: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            text: text.into(),
        }
    }
}

/// A parsed and checked schema: its syntax tree, its config blocks and its
/// diagnostics.
#[derive(Clone, Debug)]
pub struct ParsedSchema {
    files: Vec<SourceFile>,
    ast: SchemaAst,
    datasource: Option<Datasource>,
    generators: Vec<Generator>,
    diagnostics: Vec<Diagnostic>,
}

/// Parses and checks a schema made of one or more files. Never fails: read
/// the problems with [`ParsedSchema::diagnostics`].
pub fn parse(files: &[SourceFile]) -> ParsedSchema {
    let mut diags = diagnostic::Diagnostics::default();
    let mut ast = SchemaAst::default();
    for (i, f) in files.iter().enumerate() {
        let toks = lexer::lex(&f.text, i);
        parser::parse_tokens(&toks, i, &mut diags, &mut ast);
    }
    let (datasource, generators) = config::read_config(&ast, &mut diags);
    if datasource.is_none() {
        diags.error(
            Span::default(),
            "A datasource block is missing: Prisma Migrate needs `datasource db { provider = \"postgresql\" }`.",
        );
    }
    validate::validate(&ast, datasource.as_ref(), &generators, &mut diags);
    let diagnostics = diags
        .items
        .into_iter()
        .map(|d| {
            let path = files
                .get(d.span.file)
                .map(|f| f.path.clone())
                .unwrap_or_default();
            let start = if d.span.start.line == 0 {
                span::Position {
                    offset: 0,
                    line: 1,
                    column: 1,
                }
            } else {
                d.span.start
            };
            let end = if d.span.end.line == 0 {
                start
            } else {
                d.span.end
            };
            Diagnostic {
                path,
                line: start.line,
                column: start.column,
                end_line: end.line,
                end_column: end.column,
                message: d.message,
                severity: d.severity,
                span: d.span,
            }
        })
        .collect();
    ParsedSchema {
        files: files.to_vec(),
        ast,
        datasource,
        generators,
        diagnostics,
    }
}

/// Why [`load`] could not read a schema.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is not valid UTF-8")]
    NotUtf8 { path: PathBuf },
    #[error("no .prisma file in {path}")]
    NoSchemaFiles { path: PathBuf },
}

/// Reads and parses a `.prisma` file, or every `.prisma` file under a
/// folder (recursively, in path order, skipping `migrations` and
/// `node_modules`), as Prisma reads a `prismaSchemaFolder`.
pub fn load(path: &Path) -> Result<ParsedSchema, LoadError> {
    let io = |source| LoadError::Io {
        path: path.to_owned(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    let mut paths = Vec::new();
    if meta.is_dir() {
        collect_prisma_files(path, &mut paths)?;
        paths.sort();
        if paths.is_empty() {
            return Err(LoadError::NoSchemaFiles {
                path: path.to_owned(),
            });
        }
    } else {
        paths.push(path.to_owned());
    }
    let mut files = Vec::new();
    for p in paths {
        let bytes = migsafe_model::source::read_regular_file(
            &p,
            migsafe_model::source::DEFAULT_MAX_FILE_BYTES,
        )
        .map_err(|e| LoadError::Io {
            path: p.clone(),
            source: match e {
                migsafe_model::source::ReadError::Io(io) => io,
                other => std::io::Error::other(other.to_string()),
            },
        })?;
        let text = String::from_utf8(bytes).map_err(|_| LoadError::NotUtf8 { path: p.clone() })?;
        files.push(SourceFile { path: p, text });
    }
    Ok(parse(&files))
}

fn collect_prisma_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), LoadError> {
    let entries = std::fs::read_dir(dir).map_err(|source| LoadError::Io {
        path: dir.to_owned(),
        source,
    })?;
    for entry in entries {
        let entry = entry.map_err(|source| LoadError::Io {
            path: dir.to_owned(),
            source,
        })?;
        let p = entry.path();
        let Ok(ft) = entry.file_type() else { continue };
        if ft.is_dir() {
            let name = entry.file_name();
            if name != "migrations" && name != "node_modules" {
                collect_prisma_files(&p, out)?;
            }
        } else if p.extension().is_some_and(|e| e == "prisma") {
            out.push(p);
        }
    }
    Ok(())
}

impl ParsedSchema {
    /// The files, in the order given; [`Span::file`] indexes this slice.
    pub fn files(&self) -> &[SourceFile] {
        &self.files
    }

    /// The syntax tree of every file.
    pub fn ast(&self) -> &SchemaAst {
        &self.ast
    }

    /// Every error and warning, in the order found (syntax first).
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// True when some diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
    }

    /// The datasource block, if any.
    pub fn datasource(&self) -> Option<&Datasource> {
        self.datasource.as_ref()
    }

    /// The datasource's `provider` (`postgresql`, `postgres`, …).
    pub fn datasource_provider(&self) -> Option<&str> {
        self.datasource.as_ref()?.provider.as_deref()
    }

    /// The generator blocks.
    pub fn generators(&self) -> &[Generator] {
        &self.generators
    }

    /// The database schema Prisma Migrate would create from this schema.
    /// Best effort on an invalid schema.
    pub fn to_model(&self) -> SchemaModel {
        mapping::to_model(&self.ast, self.datasource.as_ref())
    }

    /// Every diagnostic rendered with its source line, rustc style.
    pub fn render_diagnostics(&self) -> String {
        // Each file split into lines once, not once per diagnostic.
        let lines: Vec<Vec<(&str, usize)>> = self
            .files
            .iter()
            .map(|f| {
                let t = f.text.strip_prefix('\u{feff}').unwrap_or(&f.text);
                t.lines()
                    .map(|l| (l, diagnostic::offset_in(&f.text, l)))
                    .collect()
            })
            .collect();
        self.diagnostics
            .iter()
            .map(|d| {
                let line = lines
                    .get(d.span.file)
                    .and_then(|l| l.get(d.line.saturating_sub(1) as usize))
                    .copied();
                d.render_line(line)
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}
