//! Tokens to syntax tree, with Prisma's syntax errors.
//!
//! The grammar is line oriented, as Prisma's own: a block opens with
//! `keyword Name {` at the end of a line and closes with a line that starts
//! with `}`; inside it, every line is one field, value, property or block
//! attribute. A line that does not parse is reported and skipped; a block
//! that never closes makes its header line invalid, and parsing goes on at
//! the next line.

use crate::ast::*;
use crate::diagnostic::Diagnostics;
use crate::lexer::{Tok, Token};
use crate::span::Span;

/// Nesting deeper than this is a syntax error (and no stack overflow).
const MAX_DEPTH: usize = 64;

const INVALID_TOP_LINE: &str = "Error validating: This line is invalid. It does not start with any known Prisma schema keyword.";

pub(crate) fn parse_tokens(
    toks: &[Token],
    file: usize,
    diags: &mut Diagnostics,
    out: &mut SchemaAst,
) {
    // Token indexes of every `}` that starts a line: the block closers.
    let mut closers = Vec::new();
    let mut line_start = true;
    for (i, t) in toks.iter().enumerate() {
        if line_start && t.tok == Tok::RBrace {
            closers.push(i);
        }
        line_start = t.tok == Tok::Newline;
    }
    let mut p = Parser {
        toks,
        pos: 0,
        file,
        diags,
        closers,
    };
    p.parse_top(out);
}

struct Parser<'a> {
    toks: &'a [Token],
    pos: usize,
    file: usize,
    diags: &'a mut Diagnostics,
    closers: Vec<usize>,
}

/// One line of tokens: `[start, end)`, `end` at the newline token (or the
/// end of the file).
#[derive(Clone, Copy)]
struct Line {
    start: usize,
    end: usize,
}

/// A cursor over one line.
struct LineCursor<'a> {
    toks: &'a [Token],
    pos: usize,
}

impl<'a> LineCursor<'a> {
    fn peek(&self) -> Option<&'a Tok> {
        self.toks.get(self.pos).map(|t| &t.tok)
    }

    fn peek_at(&self, n: usize) -> Option<&'a Tok> {
        self.toks.get(self.pos + n).map(|t| &t.tok)
    }

    fn next(&mut self) -> Option<&'a Token> {
        let t = self.toks.get(self.pos)?;
        self.pos += 1;
        Some(t)
    }

    fn span(&self) -> Option<Span> {
        self.toks.get(self.pos).map(|t| t.span)
    }

    fn prev_span(&self) -> Option<Span> {
        self.pos
            .checked_sub(1)
            .and_then(|i| self.toks.get(i))
            .map(|t| t.span)
    }

    fn eat(&mut self, tok: &Tok) -> bool {
        if self.peek() == Some(tok) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// True at the end of the line, a trailing `// comment` allowed.
    fn at_end(&self) -> bool {
        match self.peek() {
            None => true,
            Some(Tok::Comment | Tok::DocComment(_)) => self.pos + 1 >= self.toks.len(),
            _ => false,
        }
    }

    fn ident(&mut self) -> Option<Ident> {
        match self.toks.get(self.pos) {
            Some(Token {
                tok: Tok::Ident(s),
                span,
            }) => {
                self.pos += 1;
                Some(Ident {
                    name: s.clone(),
                    span: *span,
                })
            }
            _ => None,
        }
    }
}

/// Why a line did not parse; the caller words the error.
struct Fail;

type PResult<T> = Result<T, Fail>;

impl<'a> Parser<'a> {
    fn next_line(&self, from: usize) -> Line {
        let mut end = from;
        while let Some(t) = self.toks.get(end) {
            if t.tok == Tok::Newline {
                break;
            }
            end += 1;
        }
        Line { start: from, end }
    }

    /// The span of a line, up to and including its newline.
    fn line_span(&self, line: Line) -> Span {
        let first = self
            .toks
            .get(line.start)
            .map(|t| t.span)
            .unwrap_or_default();
        let last = self
            .toks
            .get(line.end)
            .or_else(|| line.end.checked_sub(1).and_then(|i| self.toks.get(i)))
            .map(|t| t.span)
            .unwrap_or(first);
        Span {
            file: self.file,
            ..first.to(last)
        }
    }

    fn cursor(&self, line: Line) -> LineCursor<'a> {
        let toks: &'a [Token] = self.toks;
        LineCursor {
            toks: toks.get(line.start..line.end).unwrap_or(&[]),
            pos: 0,
        }
    }

    fn parse_top(&mut self, out: &mut SchemaAst) {
        let mut doc: Vec<String> = Vec::new();
        while self.pos < self.toks.len() {
            let Some(tok) = self.toks.get(self.pos) else {
                break;
            };
            match &tok.tok {
                Tok::Newline => {
                    self.pos += 1;
                    continue;
                }
                Tok::Comment => {
                    self.pos += 1;
                    continue;
                }
                Tok::DocComment(d) => {
                    doc.push(d.clone());
                    self.pos += 1;
                    continue;
                }
                _ => {}
            }
            let line = self.next_line(self.pos);
            let documentation = take_doc(&mut doc);
            match self.try_block(line, documentation) {
                Some((top, next)) => {
                    out.tops.push(top);
                    self.pos = next;
                }
                None => {
                    let span = self.line_span(line);
                    self.diags.error(span, INVALID_TOP_LINE);
                    self.pos = line.end + 1;
                }
            }
        }
    }

    /// Parses a block starting at `line`; returns it and the token index
    /// after its closing `}`.
    fn try_block(&mut self, line: Line, documentation: Option<String>) -> Option<(Top, usize)> {
        let mut c = self.cursor(line);
        let kw = c.ident()?;
        let name = c.ident()?;
        if !c.eat(&Tok::LBrace) || !c.at_end() {
            return None;
        }
        enum K {
            M(ModelKind),
            E,
            C(ConfigKind),
        }
        let kind = match kw.name.as_str() {
            "model" => K::M(ModelKind::Model),
            "view" => K::M(ModelKind::View),
            "type" => K::M(ModelKind::CompositeType),
            "enum" => K::E,
            "datasource" => K::C(ConfigKind::Datasource),
            "generator" => K::C(ConfigKind::Generator),
            _ => return None,
        };
        // Find the closing line first: a block that never closes is no block.
        let first_line = line.end + 1;
        let idx = self.closers.partition_point(|&i| i < first_line);
        let close = *self.closers.get(idx)?;
        let mut lines = Vec::new();
        let mut at = first_line;
        while at < close {
            let l = self.next_line(at);
            lines.push(l);
            at = l.end + 1;
        }
        let close_span = self.toks.get(close).map(|t| t.span).unwrap_or(kw.span);
        let span = kw.span.to(close_span);
        let top = match kind {
            K::M(kind) => {
                let mut m = Model {
                    kind,
                    name,
                    fields: Vec::new(),
                    attributes: Vec::new(),
                    documentation,
                    span,
                };
                self.model_body(&lines, &mut m);
                Top::Model(m)
            }
            K::E => {
                let mut e = Enum {
                    name,
                    values: Vec::new(),
                    attributes: Vec::new(),
                    documentation,
                    span,
                };
                self.enum_body(&lines, &mut e);
                Top::Enum(e)
            }
            K::C(kind) => {
                let mut b = ConfigBlock {
                    kind,
                    name,
                    properties: Vec::new(),
                    documentation,
                    span,
                };
                self.config_body(&lines, &mut b);
                Top::Config(b)
            }
        };
        Some((top, close + 1))
    }

    /// Splits block lines into (doc comment, content) pairs, skipping blank
    /// and comment-only lines.
    fn content_lines(&self, lines: &[Line]) -> Vec<(Option<String>, Line)> {
        let mut out = Vec::new();
        let mut doc = Vec::new();
        for &l in lines {
            let mut start = l.start;
            // Leading doc comment (a whole-line `///`).
            match self.toks.get(start).map(|t| &t.tok) {
                None => continue,
                Some(Tok::DocComment(d)) if start < l.end => {
                    doc.push(d.clone());
                    start += 1;
                    if start >= l.end {
                        continue;
                    }
                }
                Some(Tok::Comment) if start + 1 >= l.end => continue,
                _ => {}
            }
            if start >= l.end {
                continue;
            }
            out.push((take_doc(&mut doc), Line { start, end: l.end }));
        }
        out
    }

    fn model_body(&mut self, lines: &[Line], m: &mut Model) {
        for (doc, line) in self.content_lines(lines) {
            let mut c = self.cursor(line);
            if c.peek() == Some(&Tok::AtAt) {
                match parse_attribute(&mut c, true).filter(|_| c.at_end()) {
                    Some(a) => m.attributes.push(a),
                    None => self.diags.error(
                        self.line_span(line),
                        "Error validating: This line is not a valid field or attribute definition.",
                    ),
                }
                continue;
            }
            match self.parse_field(&mut c, doc, &m.name.name, m.kind) {
                Ok(Some(f)) => m.fields.push(f),
                Ok(None) => {}
                Err(Fail) => self.diags.error(
                    self.line_span(line),
                    "Error validating: This line is not a valid field or attribute definition.",
                ),
            }
        }
    }

    fn parse_field(
        &mut self,
        c: &mut LineCursor<'_>,
        documentation: Option<String>,
        model: &str,
        kind: ModelKind,
    ) -> PResult<Option<Field>> {
        let name = c.ident().ok_or(Fail)?;
        if let Some(Tok::Colon) = c.peek() {
            let span = c.span().unwrap_or(name.span);
            c.next();
            self.diags
                .error(span, "Field declarations don't require a `:`.");
        }
        // A name alone: a field without a type.
        if c.at_end() {
            let what = match kind {
                ModelKind::Model => "model",
                ModelKind::View => "view",
                ModelKind::CompositeType => "composite type",
            };
            let end = c.prev_span().unwrap_or(name.span);
            self.diags.error(
                name.span.to(end),
                format!(
                    "Error validating {what} \"{model}\": This field declaration is invalid. It is either missing a name or a type."
                ),
            );
            return Ok(None);
        }
        let ty_ident = c.ident().ok_or(Fail)?;
        let mut field_type = FieldType {
            name: ty_ident.name.clone(),
            unsupported: None,
            span: ty_ident.span,
        };
        if ty_ident.name == "Unsupported" && c.peek() == Some(&Tok::LParen) {
            c.next();
            let Some(Token {
                tok: Tok::Str(s), ..
            }) = c.next()
            else {
                return Err(Fail);
            };
            let s = s.clone();
            if !c.eat(&Tok::RParen) {
                return Err(Fail);
            }
            field_type.unsupported = Some(s);
            field_type.span = ty_ident.span.to(c.prev_span().unwrap_or(ty_ident.span));
        }
        let mut arity = Arity::Required;
        let type_start = field_type.span;
        match c.peek() {
            Some(Tok::Question) => {
                c.next();
                arity = Arity::Optional;
                if c.peek() == Some(&Tok::LBracket) && c.peek_at(1) == Some(&Tok::RBracket) {
                    c.next();
                    c.next();
                    arity = Arity::List;
                    self.diags.error(
                        type_start.to(c.prev_span().unwrap_or(type_start)),
                        "Optional lists are not supported. Use either `Type[]` or `Type?`.",
                    );
                }
            }
            Some(Tok::LBracket) => {
                c.next();
                if !c.eat(&Tok::RBracket) {
                    return Err(Fail);
                }
                arity = Arity::List;
                if c.peek() == Some(&Tok::Question) {
                    c.next();
                    self.diags.error(
                        type_start.to(c.prev_span().unwrap_or(type_start)),
                        "Optional lists are not supported. Use either `Type[]` or `Type?`.",
                    );
                }
            }
            Some(Tok::Bang) => {
                c.next();
                self.diags.error(
                    type_start.to(c.prev_span().unwrap_or(type_start)),
                    "Fields are required by default, `!` is no longer required.",
                );
            }
            _ => {}
        }
        field_type.span = type_start.to(c.prev_span().unwrap_or(type_start));
        let mut attributes = Vec::new();
        while c.peek() == Some(&Tok::At) {
            attributes.push(parse_attribute(c, false).ok_or(Fail)?);
        }
        if !c.at_end() {
            return Err(Fail);
        }
        let end = c
            .toks
            .iter()
            .rev()
            .find(|t| !matches!(t.tok, Tok::Comment | Tok::DocComment(_)))
            .map(|t| t.span)
            .unwrap_or(name.span);
        // A trailing `/// text` documents the field too.
        let documentation = match (documentation, c.peek()) {
            (None, Some(Tok::DocComment(d))) => Some(d.clone()),
            (Some(mut doc), Some(Tok::DocComment(d))) => {
                doc.push('\n');
                doc.push_str(d);
                Some(doc)
            }
            (doc, _) => doc,
        };
        Ok(Some(Field {
            span: name.span.to(end),
            name,
            field_type,
            arity,
            attributes,
            documentation,
        }))
    }

    fn enum_body(&mut self, lines: &[Line], e: &mut Enum) {
        for (doc, line) in self.content_lines(lines) {
            let mut c = self.cursor(line);
            if c.peek() == Some(&Tok::AtAt) {
                match parse_attribute(&mut c, true).filter(|_| c.at_end()) {
                    Some(a) => e.attributes.push(a),
                    None => self.diags.error(
                        self.line_span(line),
                        "Error validating: This line is not an enum value definition.",
                    ),
                }
                continue;
            }
            let parsed = (|| {
                let name = c.ident()?;
                let mut attributes = Vec::new();
                while c.peek() == Some(&Tok::At) {
                    attributes.push(parse_attribute(&mut c, false)?);
                }
                if !c.at_end() {
                    return None;
                }
                let end = c.prev_span().unwrap_or(name.span);
                Some(EnumValue {
                    span: name.span.to(end),
                    name,
                    attributes,
                    documentation: doc,
                })
            })();
            match parsed {
                Some(v) => e.values.push(v),
                None => self.diags.error(
                    self.line_span(line),
                    "Error validating: This line is not an enum value definition.",
                ),
            }
        }
    }

    fn config_body(&mut self, lines: &[Line], b: &mut ConfigBlock) {
        let what = match b.kind {
            ConfigKind::Datasource => "datasource",
            ConfigKind::Generator => "generator",
        };
        for (_doc, line) in self.content_lines(lines) {
            let mut c = self.cursor(line);
            let parsed = (|| {
                let name = c.ident()?;
                if !c.eat(&Tok::Equals) {
                    return None;
                }
                let value = if c.at_end() {
                    None
                } else {
                    Some(parse_expression(&mut c, 0)?)
                };
                if !c.at_end() {
                    return None;
                }
                let end = c.prev_span().unwrap_or(name.span);
                Some(Property {
                    span: name.span.to(end),
                    name,
                    value,
                })
            })();
            match parsed {
                Some(p) => b.properties.push(p),
                None => self.diags.error(
                    self.line_span(line),
                    format!(
                        "Error validating: This line is not a valid definition within a {what}."
                    ),
                ),
            }
        }
    }
}

fn take_doc(doc: &mut Vec<String>) -> Option<String> {
    if doc.is_empty() {
        None
    } else {
        let d = doc.join("\n");
        doc.clear();
        Some(d)
    }
}

/// `@name(args)` / `@@name(args)`; the cursor is on the `@`/`@@`.
fn parse_attribute(c: &mut LineCursor<'_>, block: bool) -> Option<Attribute> {
    let at = c.next()?;
    match (&at.tok, block) {
        (Tok::At, false) | (Tok::AtAt, true) => {}
        _ => return None,
    }
    let name = c.ident()?;
    let mut arguments = Vec::new();
    if c.peek() == Some(&Tok::LParen) {
        arguments = parse_arguments(c, 0)?;
    }
    let end = c.prev_span().unwrap_or(name.span);
    Some(Attribute {
        span: at.span.to(end),
        name,
        block,
        arguments,
    })
}

/// `( arg, arg, … )`, a trailing comma allowed; the cursor is on `(`.
fn parse_arguments(c: &mut LineCursor<'_>, depth: usize) -> Option<Vec<Argument>> {
    if depth > MAX_DEPTH || !c.eat(&Tok::LParen) {
        return None;
    }
    let mut args = Vec::new();
    loop {
        if c.eat(&Tok::RParen) {
            return Some(args);
        }
        args.push(parse_argument(c, depth)?);
        if c.eat(&Tok::Comma) {
            continue;
        }
        if c.eat(&Tok::RParen) {
            return Some(args);
        }
        return None;
    }
}

fn parse_argument(c: &mut LineCursor<'_>, depth: usize) -> Option<Argument> {
    if matches!(c.peek(), Some(Tok::Ident(_))) && c.peek_at(1) == Some(&Tok::Colon) {
        let name = c.ident()?;
        c.next();
        if matches!(c.peek(), Some(Tok::Comma | Tok::RParen)) {
            let end = c.prev_span().unwrap_or(name.span);
            return Some(Argument {
                span: name.span.to(end),
                name: Some(name),
                value: None,
            });
        }
        let value = parse_expression(c, depth + 1)?;
        return Some(Argument {
            span: name.span.to(value.span()),
            name: Some(name),
            value: Some(value),
        });
    }
    let value = parse_expression(c, depth + 1)?;
    Some(Argument {
        span: value.span(),
        name: None,
        value: Some(value),
    })
}

fn parse_expression(c: &mut LineCursor<'_>, depth: usize) -> Option<Expression> {
    if depth > MAX_DEPTH {
        return None;
    }
    let t = c.next()?;
    match &t.tok {
        Tok::Str(s) => Some(Expression::String {
            value: s.clone(),
            span: t.span,
        }),
        Tok::Number(n) => Some(Expression::Number {
            value: n.clone(),
            span: t.span,
        }),
        Tok::Ident(s) => {
            let name = Ident {
                name: s.clone(),
                span: t.span,
            };
            if c.peek() == Some(&Tok::LParen) {
                let arguments = parse_arguments(c, depth + 1)?;
                let end = c.prev_span().unwrap_or(t.span);
                Some(Expression::Function {
                    span: t.span.to(end),
                    name,
                    arguments,
                })
            } else {
                Some(Expression::Constant {
                    value: s.clone(),
                    span: t.span,
                })
            }
        }
        Tok::LBracket => {
            let mut items = Vec::new();
            loop {
                if c.eat(&Tok::RBracket) {
                    break;
                }
                items.push(parse_expression(c, depth + 1)?);
                if c.eat(&Tok::Comma) {
                    // No trailing comma in an array.
                    if c.peek() == Some(&Tok::RBracket) {
                        return None;
                    }
                    continue;
                }
                if c.eat(&Tok::RBracket) {
                    break;
                }
                return None;
            }
            let end = c.prev_span().unwrap_or(t.span);
            Some(Expression::Array {
                items,
                span: t.span.to(end),
            })
        }
        _ => None,
    }
}
