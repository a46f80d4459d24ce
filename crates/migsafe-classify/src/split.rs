//! The statement splitter: statements and comments with spans and
//! line/column positions.

use std::ops::Range;

use crate::lex::{Lexed, Token, TokenKind, lex};

/// Line starts of a text, for byte offset → (line, column) lookups.
#[derive(Clone, Debug)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(src: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(memchr_newlines(src.as_bytes()));
        Self { starts }
    }

    /// 1-based line and 1-based column (in characters) of a byte offset.
    pub fn line_col(&self, src: &str, offset: usize) -> (u32, u32) {
        let offset = offset.min(src.len());
        let line = match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let start = self.starts.get(line).copied().unwrap_or(0);
        let col = src
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count());
        (line as u32 + 1, col as u32 + 1)
    }

    pub fn line(&self, offset: usize) -> u32 {
        match self.starts.binary_search(&offset) {
            Ok(i) => i as u32 + 1,
            Err(i) => i as u32,
        }
    }

    /// Byte range of a 1-based line, without its line terminator.
    pub fn line_range(&self, src: &str, line: u32) -> Range<usize> {
        let i = (line.max(1) - 1) as usize;
        let start = self.starts.get(i).copied().unwrap_or(src.len());
        let mut end = self.starts.get(i + 1).map_or(src.len(), |e| e - 1);
        if end > start && src.as_bytes().get(end - 1) == Some(&b'\r') {
            end -= 1;
        }
        start..end.max(start)
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }
}

fn memchr_newlines(b: &[u8]) -> impl Iterator<Item = usize> + '_ {
    b.iter()
        .enumerate()
        .filter(|(_, c)| **c == b'\n')
        .map(|(i, _)| i + 1)
}

/// One statement of a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawStatement {
    /// From the first token to the end of the terminating `;` (or the last
    /// token when the file ends without one).
    pub span: Range<usize>,
    /// Index range into [`Split::tokens`], from the first token to the last
    /// (the `;` included), trivia inside included.
    pub tokens: Range<usize>,
    /// Ends with `;`.
    pub terminated: bool,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommentKind {
    Line,
    Block,
}

/// A comment, wherever it stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comment {
    pub span: Range<usize>,
    pub kind: CommentKind,
    pub line: u32,
    pub column: u32,
    /// Nothing but whitespace precedes it on its line.
    pub own_line: bool,
}

impl Comment {
    /// The comment's text without its `--` or `/* */` markers.
    pub fn body<'a>(&self, src: &'a str) -> &'a str {
        let t = src.get(self.span.clone()).unwrap_or("");
        match self.kind {
            CommentKind::Line => t.strip_prefix("--").unwrap_or(t).trim_end_matches('\r'),
            CommentKind::Block => {
                let t = t.strip_prefix("/*").unwrap_or(t);
                t.strip_suffix("*/").unwrap_or(t)
            }
        }
    }
}

/// A file split into statements.
#[derive(Clone, Debug)]
pub struct Split {
    pub tokens: Vec<Token>,
    pub errors: Vec<crate::lex::LexError>,
    pub statements: Vec<RawStatement>,
    pub comments: Vec<Comment>,
    pub lines: LineIndex,
}

impl Split {
    /// Non-trivia tokens of a statement.
    pub fn statement_tokens(&self, stmt: &RawStatement) -> impl Iterator<Item = &Token> + '_ {
        self.tokens[stmt.tokens.clone()]
            .iter()
            .filter(|t| !t.kind.is_trivia())
    }
}

/// Splits a file into statements at top-level semicolons.
///
/// Semicolons inside strings, quoted identifiers, dollar-quoted bodies,
/// comments and `BEGIN ATOMIC … END` function bodies do not split.
pub fn split(src: &str) -> Split {
    let Lexed { tokens, errors } = lex(src);
    let lines = LineIndex::new(src);
    let mut statements = Vec::new();
    let mut comments = Vec::new();

    let mut cur_start: Option<usize> = None; // token index of the first token
    let mut head: Vec<String> = Vec::new(); // first words, upper-cased
    let mut atomic_depth = 0u32;
    let mut prev_word: Option<String> = None;
    let mut line_has_code_before = false;

    let finish = |first: usize, last: usize, terminated: bool, out: &mut Vec<RawStatement>| {
        let s = tokens[first].start as usize;
        let e = tokens[last].end as usize;
        let (line, column) = lines.line_col(src, s);
        let end_line = lines.line(e.saturating_sub(1).max(s));
        out.push(RawStatement {
            span: s..e,
            tokens: first..last + 1,
            terminated,
            line,
            column,
            end_line,
        });
    };

    let mut last_code: Option<usize> = None;
    for (idx, tok) in tokens.iter().enumerate() {
        match tok.kind {
            TokenKind::Whitespace => {
                if tok.text(src).contains('\n') {
                    line_has_code_before = false;
                }
                continue;
            }
            TokenKind::LineComment | TokenKind::BlockComment => {
                let (line, column) = lines.line_col(src, tok.start as usize);
                comments.push(Comment {
                    span: tok.range(),
                    kind: if tok.kind == TokenKind::LineComment {
                        CommentKind::Line
                    } else {
                        CommentKind::Block
                    },
                    line,
                    column,
                    own_line: !line_has_code_before,
                });
                if tok.kind == TokenKind::BlockComment && tok.text(src).contains('\n') {
                    line_has_code_before = false;
                }
                continue;
            }
            _ => {}
        }
        line_has_code_before = true;
        if tok.kind == TokenKind::Semicolon && atomic_depth == 0 {
            if let Some(first) = cur_start.take() {
                finish(first, idx, true, &mut statements);
            }
            head.clear();
            prev_word = None;
            last_code = None;
            continue;
        }
        if cur_start.is_none() {
            cur_start = Some(idx);
        }
        last_code = Some(idx);
        if tok.kind == TokenKind::Word {
            let w = tok.text(src).to_ascii_uppercase();
            if head.len() < 4 {
                head.push(w.clone());
            }
            if atomic_depth > 0 {
                match w.as_str() {
                    "CASE" => atomic_depth += 1,
                    "END" => atomic_depth -= 1,
                    _ => {}
                }
            } else if w == "ATOMIC"
                && prev_word.as_deref() == Some("BEGIN")
                && is_routine_head(&head)
            {
                atomic_depth = 1;
            }
            prev_word = Some(w);
        } else {
            prev_word = None;
        }
    }
    if let (Some(first), Some(last)) = (cur_start, last_code) {
        finish(first, last, false, &mut statements);
    }
    Split {
        tokens,
        errors,
        statements,
        comments,
        lines,
    }
}

fn is_routine_head(head: &[String]) -> bool {
    let h: Vec<&str> = head.iter().map(String::as_str).collect();
    matches!(
        h.as_slice(),
        ["CREATE", "FUNCTION" | "PROCEDURE", ..]
            | ["CREATE", "OR", "REPLACE", "FUNCTION" | "PROCEDURE"]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(src: &str) -> Vec<&str> {
        split(src)
            .statements
            .iter()
            .map(|s| &src[s.span.clone()])
            .collect()
    }

    #[test]
    fn splits_at_top_level_semicolons() {
        let src = "-- c1\nCREATE TABLE a (x int);\n\n/* ; */ DROP TABLE \"b;\";  SELECT ';'";
        assert_eq!(
            texts(src),
            vec![
                "CREATE TABLE a (x int);",
                "DROP TABLE \"b;\";",
                "SELECT ';'"
            ]
        );
        let s = split(src);
        assert_eq!((s.statements[0].line, s.statements[0].column), (2, 1));
        assert_eq!((s.statements[1].line, s.statements[1].column), (4, 9));
        assert!(!s.statements[2].terminated);
        assert_eq!(s.comments.len(), 2);
        assert!(s.comments[0].own_line);
        assert!(s.comments[1].own_line);
    }

    #[test]
    fn dollar_bodies_and_atomic() {
        let src = "DO $$ BEGIN PERFORM 1; END $$;\nCREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT CASE WHEN true THEN 1 END; END;\nSELECT 2;";
        let t = texts(src);
        assert_eq!(t.len(), 3, "{t:?}");
        assert!(t[1].ends_with("END; END;"));
    }

    #[test]
    fn empty_statements_are_skipped() {
        assert_eq!(texts(";; ;\n-- only\n"), Vec::<&str>::new());
    }

    #[test]
    fn columns_count_characters() {
        let src = "-- é\n  /* ü */ DROP TABLE x;";
        let s = split(src);
        assert_eq!((s.statements[0].line, s.statements[0].column), (2, 11));
        assert!(!s.comments[1].own_line || s.comments[1].column == 3);
    }

    #[test]
    fn trailing_comment_is_not_own_line() {
        let s = split("DROP TABLE x; -- @override-destructive\n-- next\nSELECT 1;");
        assert!(!s.comments[0].own_line);
        assert!(s.comments[1].own_line);
    }

    #[test]
    fn line_ranges() {
        let src = "a\r\nbc\n";
        let li = LineIndex::new(src);
        assert_eq!(&src[li.line_range(src, 1)], "a");
        assert_eq!(&src[li.line_range(src, 2)], "bc");
        assert_eq!(&src[li.line_range(src, 3)], "");
    }
}
