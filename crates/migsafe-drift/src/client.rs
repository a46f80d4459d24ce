//! The generated Prisma Client's copy of the schema against the schema.

use std::path::{Component, Path, PathBuf};

use migsafe_prisma::{ConfigValue, ParsedSchema};

use crate::{CLIENT_OUTDATED, Finding, Severity};

fn display(p: &Path) -> String {
    p.to_string_lossy().replace('\\', "/")
}

/// `a/b/../c` → `a/c`, without touching the file system.
fn lexical(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !matches!(
                    out.components().next_back(),
                    None | Some(Component::ParentDir)
                ) {
                    out.pop();
                } else {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// Where the generated clients keep their copy of the schema: each
/// generator's `output` (relative to the schema file that declares it)
/// followed by `schema.prisma`, and the default
/// `node_modules/.prisma/client/schema.prisma` under the project root for
/// a generator without `output`.
fn candidates(schema: &ParsedSchema, project_root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for g in schema.generators() {
        match &g.output {
            Some(ConfigValue::Literal(o)) => {
                let dir = schema
                    .files()
                    .get(g.span.file)
                    .and_then(|f| f.path.parent().map(Path::to_path_buf))
                    .unwrap_or_default();
                out.push(lexical(&dir.join(o).join("schema.prisma")));
            }
            Some(ConfigValue::Env(_)) => {}
            None => out.push(
                project_root
                    .join("node_modules")
                    .join(".prisma")
                    .join("client")
                    .join("schema.prisma"),
            ),
        }
    }
    if schema.generators().is_empty() {
        out.push(
            project_root
                .join("node_modules")
                .join(".prisma")
                .join("client")
                .join("schema.prisma"),
        );
    }
    out
}

/// Text compared line by line, line endings and trailing blanks ignored.
fn lines(s: &str) -> Vec<&str> {
    let mut v: Vec<&str> = s.lines().map(str::trim_end).collect();
    while v.last().is_some_and(|l| l.is_empty()) {
        v.pop();
    }
    v
}

/// `client-outdated` (warning) when the generated client's copy of the
/// schema differs from the schema: the client was generated from an older
/// (or newer) schema, and queries it builds may not match the database.
/// `None` when no generated client exists or every copy is current.
///
/// For a schema made of one file the texts are compared (line endings and
/// trailing blanks aside); for a multi-file schema, the copy is compared
/// with the files joined in order.
pub fn client_outdated(schema: &ParsedSchema, project_root: &Path) -> Option<Finding> {
    let files = schema.files();
    let first = files.first()?;
    let joined: String;
    let current: &str = if files.len() == 1 {
        &first.text
    } else {
        joined = files
            .iter()
            .map(|f| f.text.as_str())
            .collect::<Vec<_>>()
            .join("\n");
        &joined
    };
    for copy in candidates(schema, project_root) {
        let Ok(text) = std::fs::read_to_string(&copy) else {
            continue;
        };
        let (a, b) = (lines(current), lines(&text));
        if a == b {
            continue;
        }
        let first_diff = a
            .iter()
            .zip(b.iter())
            .position(|(x, y)| x != y)
            .unwrap_or(a.len().min(b.len()));
        let diff_line = u32::try_from(first_diff + 1).unwrap_or(u32::MAX);
        let shown = copy
            .strip_prefix(lexical(project_root))
            .map(display)
            .unwrap_or_else(|_| display(&copy));
        let line = (files.len() == 1).then_some(diff_line);
        return Some(Finding {
            rule: CLIENT_OUTDATED,
            severity: Severity::Warning,
            path: display(&first.path),
            line,
            column: None,
            message: format!(
                "the generated Prisma Client is out of date: its copy of the schema, {shown}, differs from {}",
                display(&first.path)
            ),
            help: Some(
                "run `prisma generate` so the client matches the schema (and commit or rebuild it where it is checked in)"
                    .to_owned(),
            ),
            note: Some(if files.len() == 1 {
                format!("the first difference is on line {diff_line} of the schema")
            } else {
                "the schema is split over several files; the copy does not match them joined in order".to_owned()
            }),
            migration: None,
            difference: None,
        });
    }
    None
}
