//! Shared by the drift tests: reading a migrations folder and replaying it.

#![allow(dead_code, clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::path::{Path, PathBuf};

use migsafe_classify::Statement;
use migsafe_drift::{MigrationInput, Replayed};

/// One migration read from disk and analyzed.
pub struct Loaded {
    pub name: String,
    pub path: String,
    pub statements: Vec<Statement>,
}

/// The migrations of a Prisma folder (`<dir>/<name>/migration.sql`), or
/// of a flat folder of `*.up.sql` / `*_up.sql` files, in name order.
pub fn load_migrations(dir: &Path) -> Vec<Loaded> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("migrations dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    let mut out = Vec::new();
    for p in entries {
        let (name, file) = if p.is_dir() {
            let f = p.join("migration.sql");
            if !f.is_file() {
                continue;
            }
            (p.file_name().unwrap().to_string_lossy().into_owned(), f)
        } else {
            let n = p.file_name().unwrap().to_string_lossy().into_owned();
            let stem = n
                .strip_suffix(".up.sql")
                .or_else(|| n.strip_suffix("_up.sql"));
            match stem {
                Some(s) => (s.to_owned(), p.clone()),
                None => continue,
            }
        };
        let bytes = std::fs::read(&file).expect("read migration");
        let text = String::from_utf8_lossy(&bytes).into_owned();
        out.push(Loaded {
            name,
            path: file.to_string_lossy().into_owned(),
            statements: migsafe_classify::analyze(&text).statements,
        });
    }
    out
}

pub fn inputs(loaded: &[Loaded]) -> Vec<MigrationInput<'_>> {
    loaded
        .iter()
        .map(|m| MigrationInput {
            name: &m.name,
            path: &m.path,
            statements: &m.statements,
        })
        .collect()
}

pub fn replay_dir(dir: &Path) -> Replayed {
    let loaded = load_migrations(dir);
    migsafe_drift::replay(&inputs(&loaded))
}

/// The statements of `src` as the token-level classifier alone reads them
/// (what a statement sqlparser cannot read gets), `DO` blocks aside.
pub fn token_statements(src: &str) -> Vec<Statement> {
    use migsafe_classify::tokens::{Tok, classify_tokens};
    use migsafe_classify::{OpKind, Operation};
    let f = migsafe_classify::analyze(src);
    f.statements
        .iter()
        .zip(f.split.statements.iter())
        .map(|(s, raw)| {
            let toks: Vec<Tok<'_>> = f
                .split
                .statement_tokens(raw)
                .map(|t| Tok {
                    kind: t.kind,
                    text: t.text(src),
                })
                .collect();
            let ops: Vec<Operation> = classify_tokens(&toks)
                .into_iter()
                .map(Operation::new)
                .collect();
            if matches!(ops.first().map(|o| &o.kind), Some(OpKind::DoBlock)) {
                return s.clone();
            }
            Statement {
                ops,
                parsed: false,
                parse_error: None,
                rejected: None,
                ..s.clone()
            }
        })
        .collect()
}

/// Replays a folder twice, from the parser's operations and from the
/// token classifier's, and returns both.
pub fn replay_both_ways(dir: &Path) -> (Replayed, Replayed) {
    let loaded = load_migrations(dir);
    let parsed = migsafe_drift::replay(&inputs(&loaded));
    let tokens: Vec<Loaded> = loaded
        .iter()
        .map(|m| {
            let text = String::from_utf8_lossy(&std::fs::read(&m.path).expect("read")).into_owned();
            Loaded {
                name: m.name.clone(),
                path: m.path.clone(),
                statements: token_statements(&text),
            }
        })
        .collect();
    (parsed, migsafe_drift::replay(&inputs(&tokens)))
}
