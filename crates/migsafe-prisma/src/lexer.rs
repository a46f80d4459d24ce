//! The tokenizer. Newlines are tokens: the Prisma schema language is line
//! oriented (one field, value or property per line).

use crate::span::{Position, Span};

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Tok {
    /// An identifier or a dotted path: `User`, `db.VarChar`, `x-y`.
    Ident(String),
    /// A string literal, unescaped.
    Str(String),
    /// `42`, `-1`, `1.5`.
    Number(String),
    At,
    AtAt,
    LBrace,
    RBrace,
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    Colon,
    Equals,
    Question,
    Bang,
    /// `/// text`: the text after the slashes.
    DocComment(String),
    /// `// text`.
    Comment,
    Newline,
    /// Anything else, or an unterminated string.
    Error(String),
}

#[derive(Clone, Debug)]
pub(crate) struct Token {
    pub tok: Tok,
    pub span: Span,
}

struct Cursor<'a> {
    text: &'a str,
    file: usize,
    offset: usize,
    line: u32,
    column: u32,
}

impl Cursor<'_> {
    fn pos(&self) -> Position {
        Position {
            offset: self.offset,
            line: self.line,
            column: self.column,
        }
    }

    fn peek(&self) -> Option<char> {
        self.text.get(self.offset..).and_then(|s| s.chars().next())
    }

    fn peek2(&self) -> Option<char> {
        let mut it = self.text.get(self.offset..)?.chars();
        it.next();
        it.next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.offset += c.len_utf8();
        if c == '\n' {
            self.line += 1;
            self.column = 1;
        } else if c == '\r' {
            // `\r\n` is one newline; a lone `\r` is one too.
            if self.peek() == Some('\n') {
                self.column += 1;
            } else {
                self.line += 1;
                self.column = 1;
            }
        } else {
            self.column += 1;
        }
        Some(c)
    }

    fn span_from(&self, start: Position) -> Span {
        Span {
            file: self.file,
            start,
            end: self.pos(),
        }
    }
}

fn is_ident_start(c: char) -> bool {
    c.is_alphanumeric()
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '-'
}

fn is_number(s: &str) -> bool {
    let d = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = match d.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (d, None),
    };
    !int.is_empty()
        && int.chars().all(|c| c.is_ascii_digit())
        && frac.is_none_or(|f| !f.is_empty() && f.chars().all(|c| c.is_ascii_digit()))
}

/// Splits one file into tokens. Never fails: unknown characters become
/// [`Tok::Error`] tokens that the parser reports.
pub(crate) fn lex(text: &str, file: usize) -> Vec<Token> {
    let mut cur = Cursor {
        text,
        file,
        offset: 0,
        line: 1,
        column: 1,
    };
    // A UTF-8 byte order mark is not part of the text.
    if text.starts_with('\u{feff}') {
        cur.offset = '\u{feff}'.len_utf8();
    }
    let mut out = Vec::new();
    while let Some(c) = cur.peek() {
        let start = cur.pos();
        let tok = match c {
            '\n' | '\r' => {
                cur.bump();
                if c == '\r' && cur.peek() == Some('\n') {
                    cur.bump();
                }
                Tok::Newline
            }
            c if c.is_whitespace() || c == '\u{feff}' => {
                cur.bump();
                continue;
            }
            '/' if cur.peek2() == Some('/') => {
                cur.bump();
                cur.bump();
                let doc = cur.peek() == Some('/');
                if doc {
                    cur.bump();
                }
                let body_start = cur.offset;
                while let Some(c) = cur.peek() {
                    if c == '\n' || c == '\r' {
                        break;
                    }
                    cur.bump();
                }
                if doc {
                    let body = text.get(body_start..cur.offset).unwrap_or("");
                    Tok::DocComment(body.strip_prefix(' ').unwrap_or(body).to_owned())
                } else {
                    Tok::Comment
                }
            }
            '/' if cur.peek2() == Some('*') => {
                // A block comment is whitespace, newlines inside included.
                cur.bump();
                cur.bump();
                let mut closed = false;
                while let Some(c) = cur.bump() {
                    if c == '*' && cur.peek() == Some('/') {
                        cur.bump();
                        closed = true;
                        break;
                    }
                }
                if closed {
                    continue;
                }
                Tok::Error("unterminated block comment".to_owned())
            }
            '"' => {
                cur.bump();
                lex_string(&mut cur)
            }
            '@' => {
                cur.bump();
                if cur.peek() == Some('@') {
                    cur.bump();
                    Tok::AtAt
                } else {
                    Tok::At
                }
            }
            '{' | '}' | '(' | ')' | '[' | ']' | ',' | ':' | '=' | '?' | '!' => {
                cur.bump();
                match c {
                    '{' => Tok::LBrace,
                    '}' => Tok::RBrace,
                    '(' => Tok::LParen,
                    ')' => Tok::RParen,
                    '[' => Tok::LBracket,
                    ']' => Tok::RBracket,
                    ',' => Tok::Comma,
                    ':' => Tok::Colon,
                    '=' => Tok::Equals,
                    '?' => Tok::Question,
                    _ => Tok::Bang,
                }
            }
            c if is_ident_start(c)
                || (c == '-' && cur.peek2().is_some_and(|d| d.is_ascii_digit())) =>
            {
                let s = cur.offset;
                cur.bump();
                loop {
                    match cur.peek() {
                        Some(c) if is_ident_char(c) => {
                            cur.bump();
                        }
                        Some('.') if cur.peek2().is_some_and(is_ident_start) => {
                            cur.bump();
                        }
                        _ => break,
                    }
                }
                let word = text.get(s..cur.offset).unwrap_or("").to_owned();
                if is_number(&word) {
                    Tok::Number(word)
                } else if word.starts_with('-') {
                    Tok::Error(word)
                } else {
                    Tok::Ident(word)
                }
            }
            other => {
                cur.bump();
                Tok::Error(other.to_string())
            }
        };
        out.push(Token {
            tok,
            span: cur.span_from(start),
        });
    }
    out
}

fn lex_string(cur: &mut Cursor<'_>) -> Tok {
    let mut value = String::new();
    loop {
        match cur.peek() {
            None | Some('\n' | '\r') => return Tok::Error("unterminated string".to_owned()),
            Some('"') => {
                cur.bump();
                return Tok::Str(value);
            }
            Some('\\') => {
                cur.bump();
                match cur.bump() {
                    None => return Tok::Error("unterminated string".to_owned()),
                    Some('n') => value.push('\n'),
                    Some('r') => value.push('\r'),
                    Some('t') => value.push('\t'),
                    Some('0') => value.push('\0'),
                    Some('u') => {
                        // `\uXXXX`
                        let mut hex = String::new();
                        for _ in 0..4 {
                            match cur.peek() {
                                Some(h) if h.is_ascii_hexdigit() => {
                                    hex.push(h);
                                    cur.bump();
                                }
                                _ => break,
                            }
                        }
                        match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                            Some(ch) => value.push(ch),
                            None => {
                                value.push_str("\\u");
                                value.push_str(&hex);
                            }
                        }
                    }
                    Some('\n' | '\r') => return Tok::Error("unterminated string".to_owned()),
                    Some(other) => value.push(other),
                }
            }
            Some(c) if c.is_control() && c != '\t' => {
                return Tok::Error("unterminated string".to_owned());
            }
            Some(c) => {
                value.push(c);
                cur.bump();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<Tok> {
        lex(s, 0).into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn basic_tokens() {
        assert_eq!(
            toks("a @db.VarChar(255) -1 1.5 \"x\\\"y\" // c\n"),
            vec![
                Tok::Ident("a".into()),
                Tok::At,
                Tok::Ident("db.VarChar".into()),
                Tok::LParen,
                Tok::Number("255".into()),
                Tok::RParen,
                Tok::Number("-1".into()),
                Tok::Number("1.5".into()),
                Tok::Str("x\"y".into()),
                Tok::Comment,
                Tok::Newline,
            ]
        );
    }

    #[test]
    fn positions_count_characters_and_crlf() {
        let t = lex("\u{feff}é x\r\ny", 0);
        let x = &t[1];
        assert_eq!(x.tok, Tok::Ident("x".into()));
        assert_eq!((x.span.start.line, x.span.start.column), (1, 3));
        let y = &t[3];
        assert_eq!((y.span.start.line, y.span.start.column), (2, 1));
        assert_eq!(t[2].tok, Tok::Newline);
    }

    #[test]
    fn doc_comments_and_unterminated_strings() {
        assert_eq!(
            toks("/// hi there\n\"abc"),
            vec![
                Tok::DocComment("hi there".into()),
                Tok::Newline,
                Tok::Error("unterminated string".into())
            ]
        );
    }
}
