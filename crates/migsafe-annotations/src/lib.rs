//! The migsafe annotation language.
//!
//! Annotations are SQL line comments whose text starts with `@`:
//!
//! ```sql
//! -- @override-destructive
//! -- @rollback-plan: Restore from the backup taken before this migration
//! -- @approved-by: alice, bob
//! DROP TABLE old_user_data;
//! ```
//!
//! Scope: the comment block directly above a statement (no statement in
//! between; other comments may stand in the block) applies to that
//! statement only. The file's leading comment block applies to every
//! statement when a blank line separates it from the first statement. A
//! comment inside a statement, or trailing it on the line where it ends,
//! belongs to that statement. Block comments, strings and dollar-quoted
//! bodies never hold annotations: the caller passes line comments only.
//! A `@rollback-plan` goes on over the following comment lines that are
//! indented further than one space.

use serde::Serialize;

mod plan;
pub use plan::placeholder_plan;

/// The default override spellings of the contract.
pub const DEFAULT_OVERRIDES: [&str; 3] = [
    "override-destructive",
    "migration-override",
    "allow-destructive",
];

pub const ROLLBACK_PLAN: &str = "rollback-plan";
pub const APPROVED_BY: &str = "approved-by";

/// Which words mean what. The override spellings are configurable.
#[derive(Clone, Debug)]
pub struct Grammar {
    pub overrides: Vec<String>,
}

impl Default for Grammar {
    fn default() -> Self {
        Self {
            overrides: DEFAULT_OVERRIDES.iter().map(|s| (*s).to_owned()).collect(),
        }
    }
}

impl Grammar {
    fn known_words(&self) -> impl Iterator<Item = &str> {
        self.overrides
            .iter()
            .map(String::as_str)
            .chain([ROLLBACK_PLAN, APPROVED_BY])
    }
}

/// A position in the file: 1-based line and column (characters).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Located<T> {
    pub value: T,
    pub pos: Pos,
}

/// One directive as read from a comment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Directive {
    /// One of the override spellings (the word as written, lower case).
    Override(String),
    /// `@rollback-plan: TEXT` (the text trimmed; may be empty).
    RollbackPlan(String),
    /// `@approved-by: A, B` (names trimmed, empty ones dropped).
    ApprovedBy(Vec<String>),
    /// An `@word` that is not a directive but is close to one.
    LikelyTypo { word: String, suggestion: String },
}

/// Reads the directives of one line comment's text (after `--`). Returns
/// each with its character offset in `body`.
pub fn parse_comment(grammar: &Grammar, body: &str) -> Vec<(usize, Directive)> {
    let mut out = Vec::new();
    let trimmed = body.trim_start();
    if !trimmed.starts_with('@') {
        return out;
    }
    let mut rest_start = body.len() - trimmed.len();
    loop {
        let rest = &body[rest_start..];
        let Some(after_at) = rest.strip_prefix('@') else {
            break;
        };
        let word_len = after_at
            .find(|c: char| !(c.is_alphanumeric() || c == '-' || c == '_'))
            .unwrap_or(after_at.len());
        let word = &after_at[..word_len];
        let lower = word.to_lowercase();
        let char_offset = body[..rest_start].chars().count();
        let tail = &after_at[word_len..];
        if grammar.overrides.contains(&lower) {
            out.push((char_offset, Directive::Override(lower)));
            // Another directive may follow on the same line; anything else
            // is a free-text remark.
            let t = tail.trim_start();
            if t.starts_with('@') {
                rest_start = body.len() - t.len();
                continue;
            }
            break;
        }
        let value = tail.trim_start().strip_prefix(':').unwrap_or(tail).trim();
        if lower == ROLLBACK_PLAN {
            out.push((char_offset, Directive::RollbackPlan(value.to_owned())));
        } else if lower == APPROVED_BY {
            let names = value
                .split(',')
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(str::to_owned)
                .collect();
            out.push((char_offset, Directive::ApprovedBy(names)));
        } else if let Some(s) = suggest(grammar, &lower) {
            out.push((
                char_offset,
                Directive::LikelyTypo {
                    word: word.to_owned(),
                    suggestion: s.to_owned(),
                },
            ));
        }
        break;
    }
    out
}

/// The known directive closest to `word`, when it is close enough to be a
/// likely typo.
pub fn suggest<'g>(grammar: &'g Grammar, word: &str) -> Option<&'g str> {
    if word.is_empty() {
        return None;
    }
    grammar
        .known_words()
        .map(|k| (k, strsim::damerau_levenshtein(word, k)))
        .filter(|(k, d)| {
            let limit = (k.chars().count() / 4).clamp(1, 4);
            *d > 0 && *d <= limit
        })
        .min_by_key(|(_, d)| *d)
        .map(|(k, _)| k)
        .or_else(|| {
            // Same words, other order or separators: `@destructive-override`,
            // `@rollback_plan`, `@rollbackplan`.
            let key = |s: &str| {
                let mut parts: Vec<String> = s
                    .split(['-', '_'])
                    .filter(|p| !p.is_empty())
                    .map(str::to_owned)
                    .collect();
                parts.sort();
                parts.concat()
            };
            let w = key(word);
            grammar
                .known_words()
                .find(|k| key(k) == w || k.replace('-', "") == word.replace(['-', '_'], ""))
        })
}

/// A line comment handed to [`resolve`].
#[derive(Clone, Copy, Debug)]
pub struct CommentInput<'a> {
    /// Byte offset of the comment's start.
    pub offset: usize,
    pub line: u32,
    /// 1-based column of the `--`.
    pub column: u32,
    /// The text after `--`.
    pub body: &'a str,
    /// Nothing but whitespace precedes the comment on its line.
    pub own_line: bool,
}

/// A statement handed to [`resolve`].
#[derive(Clone, Copy, Debug)]
pub struct StatementInput {
    pub start: usize,
    pub end: usize,
    pub line: u32,
    pub end_line: u32,
}

/// The annotations in force for one statement (or a file).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Annotations {
    pub overrides: Vec<Located<String>>,
    pub rollback_plan: Option<Located<String>>,
    pub approved_by: Vec<Located<String>>,
}

impl Annotations {
    pub fn is_overridden(&self) -> bool {
        !self.overrides.is_empty()
    }

    /// The rollback plan when it has text.
    pub fn plan(&self) -> Option<&str> {
        self.rollback_plan
            .as_ref()
            .map(|p| p.value.as_str())
            .filter(|p| !p.is_empty())
    }

    pub fn is_empty(&self) -> bool {
        self.overrides.is_empty() && self.rollback_plan.is_none() && self.approved_by.is_empty()
    }

    fn add(&mut self, d: Directive, pos: Pos, issues: &mut Vec<Issue>) {
        match d {
            Directive::Override(w) => self.overrides.push(Located { value: w, pos }),
            Directive::RollbackPlan(text) => {
                if text.is_empty() {
                    issues.push(Issue {
                        pos,
                        kind: IssueKind::EmptyValue {
                            directive: ROLLBACK_PLAN,
                        },
                    });
                }
                match &mut self.rollback_plan {
                    Some(p) if !text.is_empty() => {
                        if p.value.is_empty() {
                            p.value = text;
                        } else {
                            p.value.push_str("; ");
                            p.value.push_str(&text);
                        }
                    }
                    Some(_) => {}
                    None => self.rollback_plan = Some(Located { value: text, pos }),
                }
            }
            Directive::ApprovedBy(names) => {
                if names.is_empty() {
                    issues.push(Issue {
                        pos,
                        kind: IssueKind::EmptyValue {
                            directive: APPROVED_BY,
                        },
                    });
                }
                for n in names {
                    if !self.approved_by.iter().any(|a| a.value == n) {
                        self.approved_by.push(Located { value: n, pos });
                    }
                }
            }
            Directive::LikelyTypo { word, suggestion } => issues.push(Issue {
                pos,
                kind: IssueKind::LikelyTypo { word, suggestion },
            }),
        }
    }

    /// This statement's annotations with the file-scope ones added.
    pub fn merged_with(&self, file: &Annotations) -> Annotations {
        let mut out = self.clone();
        out.overrides.extend(file.overrides.iter().cloned());
        if out.plan().is_none() && file.rollback_plan.is_some() {
            out.rollback_plan = file.rollback_plan.clone();
        }
        for a in &file.approved_by {
            if !out.approved_by.iter().any(|b| b.value == a.value) {
                out.approved_by.push(a.clone());
            }
        }
        out
    }
}

/// Something wrong with an annotation itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Issue {
    pub pos: Pos,
    pub kind: IssueKind,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum IssueKind {
    /// `@overide-destructive`: did you mean `@override-destructive`?
    LikelyTypo { word: String, suggestion: String },
    /// `@rollback-plan:` with no text.
    EmptyValue { directive: &'static str },
    /// An annotation after the last statement: it applies to nothing.
    Orphan,
}

/// The annotations of a file, resolved to their scopes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Resolved {
    /// File scope (the leading block separated by a blank line).
    pub file: Annotations,
    /// Statement scope, one per statement, file scope not merged in.
    pub statements: Vec<Annotations>,
    pub issues: Vec<Issue>,
}

impl Resolved {
    /// The annotations in force for statement `i` (its own plus the file's).
    pub fn effective(&self, i: usize) -> Annotations {
        self.statements
            .get(i)
            .map_or_else(|| self.file.clone(), |s| s.merged_with(&self.file))
    }
}

/// Assigns each comment's directives to a scope. `comments` and
/// `statements` are in file order.
pub fn resolve(
    grammar: &Grammar,
    comments: &[CommentInput<'_>],
    statements: &[StatementInput],
) -> Resolved {
    let mut out = Resolved {
        statements: vec![Annotations::default(); statements.len()],
        ..Resolved::default()
    };
    // Lines of comments, to find the block directly above the first statement.
    let first_block_top = statements.first().map(|first| {
        let mut top = first.line;
        let mut own_lines: Vec<u32> = comments
            .iter()
            .filter(|c| c.offset < first.start && c.own_line)
            .map(|c| c.line)
            .collect();
        own_lines.dedup();
        for l in own_lines.iter().rev() {
            if *l + 1 == top {
                top = *l;
            } else if *l < top {
                break;
            }
        }
        top
    });
    let mut next = 0usize; // first statement that starts after the comment
    for (ci, c) in comments.iter().enumerate() {
        let mut directives = parse_comment(grammar, c.body);
        if directives.is_empty() {
            continue;
        }
        // A rollback plan may go on over the next comment lines when they are
        // indented further (`--   2) migrate the data back`).
        if let Some((_, Directive::RollbackPlan(text))) = directives.last_mut() {
            let mut line = c.line;
            for more in &comments[ci + 1..] {
                let indented = more.body.starts_with("  ") || more.body.starts_with('\t');
                let rest = more.body.trim();
                if more.line != line + 1
                    || !more.own_line
                    || !indented
                    || rest.is_empty()
                    || rest.starts_with('@')
                {
                    break;
                }
                if !text.is_empty() {
                    text.push(' ');
                }
                text.push_str(rest);
                line = more.line;
            }
        }
        while next < statements.len() && statements[next].start <= c.offset {
            next += 1;
        }
        let target = if next > 0 && c.offset < statements[next - 1].end {
            // Inside a statement.
            Target::Statement(next - 1)
        } else if next > 0 && !c.own_line && statements[next - 1].end_line == c.line {
            // Trailing the statement that ends on this line.
            Target::Statement(next - 1)
        } else if next == statements.len() {
            Target::Orphan
        } else if next == 0 {
            match first_block_top {
                Some(top) if c.line >= top => Target::Statement(0),
                _ => Target::File,
            }
        } else {
            Target::Statement(next)
        };
        for (char_off, d) in directives {
            let pos = Pos {
                line: c.line,
                // `--` is two characters.
                column: c.column + 2 + char_off as u32,
            };
            match target {
                Target::Statement(i) => out.statements[i].add(d, pos, &mut out.issues),
                Target::File => out.file.add(d, pos, &mut out.issues),
                Target::Orphan => {
                    if let Directive::LikelyTypo { word, suggestion } = d {
                        out.issues.push(Issue {
                            pos,
                            kind: IssueKind::LikelyTypo { word, suggestion },
                        });
                    } else {
                        out.issues.push(Issue {
                            pos,
                            kind: IssueKind::Orphan,
                        });
                    }
                }
            }
        }
    }
    out
}

#[derive(Clone, Copy)]
enum Target {
    Statement(usize),
    File,
    Orphan,
}

#[cfg(test)]
mod tests;
