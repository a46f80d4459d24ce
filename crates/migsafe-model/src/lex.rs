//! The lexer: PostgreSQL tokens with byte spans.
//!
//! It knows exactly as much SQL as splitting and token-level classification
//! need: `--` and nested `/* */` comments, `'…'` strings with doubled quotes,
//! `E'…'` strings with backslash escapes, `"…"` identifiers, `$tag$ … $tag$`
//! bodies, words, numbers and punctuation. It never fails: an unterminated
//! literal or comment runs to the end of the input and is reported in
//! [`Lexed::errors`].

use std::ops::Range;

/// What a token is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    /// A keyword or unquoted identifier.
    Word,
    /// `"…"` (also `U&"…"`).
    QuotedIdent,
    /// `'…'`, `E'…'`, `B'…'`, `X'…'`, `N'…'`, `U&'…'`.
    String,
    /// `$tag$ … $tag$`.
    DollarString,
    Number,
    /// `$1` style parameter.
    Param,
    /// `;`
    Semicolon,
    LParen,
    RParen,
    Comma,
    Dot,
    /// Operators and any other punctuation (`::`, `=`, `[`, …).
    Punct,
    /// `-- …` up to the next LF or CR, which is not part of it.
    LineComment,
    /// `/* … */`, nested.
    BlockComment,
    Whitespace,
}

impl TokenKind {
    /// Whitespace and comments.
    pub fn is_trivia(self) -> bool {
        matches!(
            self,
            TokenKind::Whitespace | TokenKind::LineComment | TokenKind::BlockComment
        )
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub start: u32,
    pub end: u32,
}

impl Token {
    pub fn range(&self) -> Range<usize> {
        self.start as usize..self.end as usize
    }

    pub fn text<'a>(&self, src: &'a str) -> &'a str {
        src.get(self.range()).unwrap_or("")
    }
}

/// A literal or comment that the input ends inside.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LexError {
    pub kind: LexErrorKind,
    /// Byte offset where the unterminated construct starts.
    pub start: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LexErrorKind {
    UnterminatedString,
    UnterminatedQuotedIdent,
    UnterminatedBlockComment,
    UnterminatedDollarQuote { tag: String },
}

impl LexErrorKind {
    pub fn describe(&self) -> String {
        match self {
            LexErrorKind::UnterminatedString => "unterminated string literal".to_owned(),
            LexErrorKind::UnterminatedQuotedIdent => "unterminated quoted identifier".to_owned(),
            LexErrorKind::UnterminatedBlockComment => "unterminated block comment".to_owned(),
            LexErrorKind::UnterminatedDollarQuote { tag } => {
                format!("unterminated dollar-quoted string `${tag}$`")
            }
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct Lexed {
    pub tokens: Vec<Token>,
    pub errors: Vec<LexError>,
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

fn is_ident_cont(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

/// Tokenizes the whole input.
pub fn lex(src: &str) -> Lexed {
    let b = src.as_bytes();
    let n = b.len();
    let mut out = Lexed {
        tokens: Vec::with_capacity(n / 4),
        errors: Vec::new(),
    };
    let mut i = 0usize;
    while i < n {
        let start = i;
        let c = b[i];
        let kind = match c {
            // PostgreSQL 15's `space [ \t\n\r\f]`: a vertical tab is not
            // whitespace there (the server rejects it as a syntax error).
            b' ' | b'\t' | b'\n' | b'\r' | 0x0c => {
                while i < n && matches!(b[i], b' ' | b'\t' | b'\n' | b'\r' | 0x0c) {
                    i += 1;
                }
                TokenKind::Whitespace
            }
            b'-' if b.get(i + 1) == Some(&b'-') => {
                // PostgreSQL's scanner ends a `--` comment at either line
                // terminator (`non_newline [^\n\r]` in scan.l): a lone CR
                // ends it too, and the text after it is SQL.
                while i < n && !matches!(b[i], b'\n' | b'\r') {
                    i += 1;
                }
                TokenKind::LineComment
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i += 2;
                let mut depth = 1u32;
                while i < n && depth > 0 {
                    if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
                        depth += 1;
                        i += 2;
                    } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
                        depth -= 1;
                        i += 2;
                    } else {
                        i += 1;
                    }
                }
                if depth > 0 {
                    out.errors.push(LexError {
                        kind: LexErrorKind::UnterminatedBlockComment,
                        start,
                    });
                }
                TokenKind::BlockComment
            }
            b'\'' => {
                i = scan_quoted(b, i, b'\'', false, start, &mut out.errors);
                TokenKind::String
            }
            b'"' => {
                i = scan_quoted(b, i, b'"', false, start, &mut out.errors);
                TokenKind::QuotedIdent
            }
            b'$' => {
                if let Some(tag_end) = dollar_tag(b, i) {
                    let tag = &src[i..=tag_end];
                    let body = tag_end + 1;
                    match find_sub(&b[body..], tag.as_bytes()) {
                        Some(off) => i = body + off + tag.len(),
                        None => {
                            out.errors.push(LexError {
                                kind: LexErrorKind::UnterminatedDollarQuote {
                                    tag: tag[1..tag.len() - 1].to_owned(),
                                },
                                start,
                            });
                            i = n;
                        }
                    }
                    TokenKind::DollarString
                } else {
                    i += 1;
                    while i < n && b[i].is_ascii_digit() {
                        i += 1;
                    }
                    TokenKind::Param
                }
            }
            b';' => {
                i += 1;
                TokenKind::Semicolon
            }
            b'(' => {
                i += 1;
                TokenKind::LParen
            }
            b')' => {
                i += 1;
                TokenKind::RParen
            }
            b',' => {
                i += 1;
                TokenKind::Comma
            }
            b'.' if !b.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                i += 1;
                TokenKind::Dot
            }
            b'0'..=b'9' | b'.' => {
                i += 1;
                while i < n
                    && (b[i].is_ascii_alphanumeric()
                        || b[i] == b'.'
                        || b[i] == b'_'
                        || ((b[i] == b'+' || b[i] == b'-') && matches!(b[i - 1], b'e' | b'E')))
                {
                    i += 1;
                }
                TokenKind::Number
            }
            c if is_ident_start(c) => {
                // String prefixes: E'…', B'…', X'…', N'…', U&'…', U&"…".
                let next = b.get(i + 1).copied();
                if next == Some(b'\'') && matches!(c, b'E' | b'e') {
                    i = scan_quoted(b, i + 1, b'\'', true, start, &mut out.errors);
                    TokenKind::String
                } else if next == Some(b'\'')
                    && matches!(c, b'B' | b'b' | b'X' | b'x' | b'N' | b'n')
                {
                    i = scan_quoted(b, i + 1, b'\'', false, start, &mut out.errors);
                    TokenKind::String
                } else if matches!(c, b'U' | b'u')
                    && next == Some(b'&')
                    && matches!(b.get(i + 2), Some(b'\'' | b'"'))
                {
                    let q = b[i + 2];
                    i = scan_quoted(b, i + 2, q, false, start, &mut out.errors);
                    if q == b'\'' {
                        TokenKind::String
                    } else {
                        TokenKind::QuotedIdent
                    }
                } else {
                    while i < n && is_ident_cont(b[i]) {
                        i += 1;
                    }
                    TokenKind::Word
                }
            }
            _ => {
                // One character of punctuation; keep `::` together.
                if c == b':' && b.get(i + 1) == Some(&b':') {
                    i += 2;
                } else {
                    i += utf8_len(c);
                }
                TokenKind::Punct
            }
        };
        let end = i.min(n);
        out.tokens.push(Token {
            kind,
            start: start as u32,
            end: end as u32,
        });
        i = end;
    }
    out
}

fn utf8_len(first: u8) -> usize {
    match first {
        0xf0..=0xff => 4,
        0xe0..=0xef => 3,
        0xc0..=0xdf => 2,
        _ => 1,
    }
}

/// Scans a quoted literal whose opening quote is at `open`; returns the
/// index after the closing quote (or the input length).
fn scan_quoted(
    b: &[u8],
    open: usize,
    q: u8,
    backslash: bool,
    start: usize,
    errors: &mut Vec<LexError>,
) -> usize {
    let n = b.len();
    let mut i = open + 1;
    while i < n {
        let c = b[i];
        if backslash && c == b'\\' {
            i += 2;
            continue;
        }
        if c == q {
            if b.get(i + 1) == Some(&q) {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i += 1;
    }
    errors.push(LexError {
        kind: if q == b'\'' {
            LexErrorKind::UnterminatedString
        } else {
            LexErrorKind::UnterminatedQuotedIdent
        },
        start,
    });
    n
}

/// If a dollar-quote tag (`$$` or `$tag$`) starts at `i`, the index of its
/// closing `$`.
fn dollar_tag(b: &[u8], i: usize) -> Option<usize> {
    // `a$b$` is one identifier, and `$1` a parameter: a tag starts only
    // where an identifier does not continue, and never with a digit.
    if i > 0 && is_ident_cont(b[i - 1]) {
        return None;
    }
    let mut j = i + 1;
    if j < b.len() && b[j] == b'$' {
        return Some(j);
    }
    if j >= b.len() || !is_ident_start(b[j]) {
        return None;
    }
    while j < b.len() && b[j] != b'$' {
        if !(b[j].is_ascii_alphanumeric() || b[j] == b'_' || b[j] >= 0x80) {
            return None;
        }
        j += 1;
    }
    (j < b.len()).then_some(j)
}

fn find_sub(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The value of an identifier token: unquoted words fold to lower case,
/// quoted ones keep their case with `""` undoubled.
///
/// Folding is ASCII-only, as PostgreSQL's `downcase_identifier` does it in a
/// multibyte (UTF-8) database: `ÄRGER` becomes `Ärger`, not `ärger`.
pub fn ident_value(kind: TokenKind, text: &str) -> String {
    match kind {
        TokenKind::QuotedIdent => {
            let inner = text
                .strip_prefix("U&")
                .or_else(|| text.strip_prefix("u&"))
                .unwrap_or(text);
            let inner = inner.strip_prefix('"').unwrap_or(inner);
            let inner = inner.strip_suffix('"').unwrap_or(inner);
            inner.replace("\"\"", "\"")
        }
        _ => fold_ident(text),
    }
}

/// PostgreSQL's folding of an unquoted identifier: ASCII letters to lower
/// case, every other character unchanged.
pub fn fold_ident(text: &str) -> String {
    text.to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<(TokenKind, &str)> {
        lex(src)
            .tokens
            .iter()
            .filter(|t| t.kind != TokenKind::Whitespace)
            .map(|t| (t.kind, t.text(src)))
            .collect()
    }

    #[test]
    fn strings_and_escapes() {
        use TokenKind::*;
        assert_eq!(
            kinds("SELECT 'it''s', E'a\\'b', \"x\"\"y\";"),
            vec![
                (Word, "SELECT"),
                (String, "'it''s'"),
                (Comma, ","),
                (String, "E'a\\'b'"),
                (Comma, ","),
                (QuotedIdent, "\"x\"\"y\""),
                (Semicolon, ";")
            ]
        );
    }

    #[test]
    fn dollar_quotes() {
        let src = "DO $body$ BEGIN; $x$ ; END $body$; SELECT $1, a$b$";
        let k = kinds(src);
        assert_eq!(
            k[1],
            (TokenKind::DollarString, "$body$ BEGIN; $x$ ; END $body$")
        );
        assert_eq!(k[2].0, TokenKind::Semicolon);
        assert!(k.contains(&(TokenKind::Param, "$1")));
        assert!(k.contains(&(TokenKind::Word, "a$b$")));
    }

    #[test]
    fn nested_block_comments() {
        let k = kinds("/* a /* b */ c */ x -- y\nz");
        assert_eq!(k[0], (TokenKind::BlockComment, "/* a /* b */ c */"));
        assert_eq!(k[1], (TokenKind::Word, "x"));
        assert_eq!(k[2], (TokenKind::LineComment, "-- y"));
    }

    #[test]
    fn a_carriage_return_ends_a_line_comment() {
        use TokenKind::*;
        let k = kinds("SELECT 1; -- note\rDROP TABLE t;");
        assert_eq!(k[3], (LineComment, "-- note"));
        assert_eq!(k[4], (Word, "DROP"));
        let k = kinds("-- a\r\nx");
        assert_eq!(k, vec![(LineComment, "-- a"), (Word, "x")]);
    }

    #[test]
    fn unterminated() {
        for (src, kind) in [
            ("SELECT 'abc", LexErrorKind::UnterminatedString),
            ("SELECT \"abc", LexErrorKind::UnterminatedQuotedIdent),
            ("/* abc", LexErrorKind::UnterminatedBlockComment),
            (
                "DO $$ abc",
                LexErrorKind::UnterminatedDollarQuote { tag: String::new() },
            ),
        ] {
            let l = lex(src);
            assert_eq!(l.errors.len(), 1, "{src}");
            assert_eq!(l.errors[0].kind, kind);
            assert_eq!(l.tokens.last().map(|t| t.end as usize), Some(src.len()));
        }
    }

    #[test]
    fn idents() {
        assert_eq!(ident_value(TokenKind::Word, "UsErS"), "users");
        assert_eq!(ident_value(TokenKind::Word, "ÄRGER_X"), "Ärger_x");
        assert_eq!(
            ident_value(TokenKind::QuotedIdent, "\"Us\"\"er\""),
            "Us\"er"
        );
    }
}
