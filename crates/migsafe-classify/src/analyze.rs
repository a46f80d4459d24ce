//! The per-file pipeline: split, parse, convert to operations, and the
//! migration-level passes (Prisma's enum swap, constraint modification).

use std::ops::Range;

use serde::Serialize;
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;

use crate::guard::{DoContext, Guard, text_of};
use crate::ir::{Class, ObjName, OpKind, Operation, Rollback};
use crate::lex::TokenKind;
use crate::split::{RawStatement, Split, split};
use crate::tokens::{Tok, classify_tokens};

/// One analyzed statement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Statement {
    #[serde(skip)]
    pub span: Range<usize>,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    /// What the statement does; never empty.
    pub ops: Vec<Operation>,
    /// sqlparser read the statement. When `false`, `ops` come from the
    /// statement's tokens.
    pub parsed: bool,
    /// sqlparser's message, positions made relative to the file.
    pub parse_error: Option<String>,
    /// PostgreSQL's grammar rejects the statement (a form of another
    /// dialect): its error. Sent to PostgreSQL, the whole file fails.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rejected: Option<String>,
}

impl Statement {
    /// The worst class of its operations.
    pub fn class(&self) -> Class {
        self.ops
            .iter()
            .map(|o| o.class)
            .max()
            .unwrap_or(Class::Neutral)
    }

    /// The worst rollback complexity of its operations.
    pub fn rollback(&self) -> Rollback {
        self.ops
            .iter()
            .map(|o| o.rollback)
            .max()
            .unwrap_or(Rollback::Simple)
    }

    /// The operation that gives the statement its class (the first of the
    /// worst).
    pub fn primary(&self) -> Option<&Operation> {
        let mut best: Option<&Operation> = None;
        for o in &self.ops {
            if best.is_none_or(|b| (o.class, o.rollback) > (b.class, b.rollback)) {
                best = Some(o);
            }
        }
        best
    }

    /// The operations that need an override (contract or dangerous).
    pub fn restricted_ops(&self) -> impl Iterator<Item = &Operation> {
        self.ops.iter().filter(|o| o.class.needs_override())
    }

    /// Every object any of its operations names, without repeats.
    pub fn objects(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for o in &self.ops {
            for n in o.kind.objects() {
                if !out.contains(&n) {
                    out.push(n);
                }
            }
        }
        out
    }
}

/// A whole file, analyzed.
#[derive(Clone, Debug)]
pub struct AnalyzedFile {
    pub split: Split,
    pub statements: Vec<Statement>,
}

/// Analyzes one migration file.
pub fn analyze(src: &str) -> AnalyzedFile {
    let split = split(src);
    let mut statements: Vec<Statement> = split
        .statements
        .iter()
        .map(|raw| analyze_statement(src, &split, raw, 0))
        .collect();
    migration_passes(&mut statements);
    AnalyzedFile { split, statements }
}

const MAX_DO_DEPTH: u32 = 3;

fn analyze_statement(src: &str, split: &Split, raw: &RawStatement, depth: u32) -> Statement {
    let text = src.get(raw.span.clone()).unwrap_or("");
    let toks: Vec<Tok<'_>> = split
        .statement_tokens(raw)
        .map(|t| Tok {
            kind: t.kind,
            text: t.text(src),
        })
        .collect();
    let mut rejected = None;
    let (depth_seen, operators) = nesting(&toks);
    let parse_result = match too_deep_for_the_parser(depth_seen, operators) {
        Some(why) => Err(why),
        None if depth_seen > SHALLOW_DEPTH || operators > SHALLOW_OPERATORS => {
            on_a_big_stack(|| parse_and_convert(text))
        }
        None => parse_and_convert(text),
    };
    let (mut kinds, parsed, parse_error) = match parse_result {
        Ok((refusal, converted)) => {
            rejected = refusal;
            match converted {
                Some(mut k) if !k.is_empty() => {
                    // classify_tokens enriches its own result.
                    enrich(&mut k, &toks);
                    (k, true, None)
                }
                _ => (classify_tokens(&toks), true, None),
            }
        }
        Err(e) => (
            classify_tokens(&toks),
            false,
            Some(relocate_error(&e, raw.line, raw.column)),
        ),
    };
    if kinds.is_empty() {
        kinds.push(OpKind::Other {
            verb: String::new(),
            head: String::new(),
        });
    }
    let mut ops: Vec<Operation> = kinds.into_iter().map(Operation::new).collect();
    if ops.len() > 1 {
        let tokens: Vec<&crate::lex::Token> = split
            .statement_tokens(raw)
            .filter(|t| !t.kind.is_trivia())
            .collect();
        if let Some(actions) = alter_table_actions(src, &tokens)
            && actions.len() == ops.len()
        {
            for (op, span) in ops.iter_mut().zip(actions) {
                op.span = Some(span);
            }
        }
    }
    if depth < MAX_DO_DEPTH && matches!(ops.first().map(|o| &o.kind), Some(OpKind::DoBlock)) {
        ops.extend(do_block_ops(&toks, depth));
    }
    Statement {
        span: raw.span.clone(),
        line: raw.line,
        column: raw.column,
        end_line: raw.end_line,
        ops,
        parsed,
        parse_error,
        rejected,
    }
}

/// The byte ranges of an `ALTER TABLE`'s actions (`ADD COLUMN …, ALTER
/// COLUMN …`), split at the commas outside parentheses.
fn alter_table_actions(
    src: &str,
    toks: &[&crate::lex::Token],
) -> Option<Vec<std::ops::Range<usize>>> {
    let word = |i: usize, w: &str| {
        toks.get(i)
            .is_some_and(|t| t.kind == TokenKind::Word && t.text(src).eq_ignore_ascii_case(w))
    };
    if !(word(0, "ALTER") && word(1, "TABLE")) {
        return None;
    }
    let mut i = 2;
    if word(i, "IF") && word(i + 1, "EXISTS") {
        i += 2;
    }
    if word(i, "ONLY") {
        i += 1;
    }
    let name = |i: usize| {
        toks.get(i)
            .is_some_and(|t| matches!(t.kind, TokenKind::Word | TokenKind::QuotedIdent))
    };
    if !name(i) {
        return None;
    }
    i += 1;
    while toks.get(i).is_some_and(|t| t.kind == TokenKind::Dot) && name(i + 1) {
        i += 2;
    }
    if toks.get(i).is_some_and(|t| t.text(src) == "*") {
        i += 1;
    }
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start: Option<usize> = None;
    let mut last_end = 0usize;
    for t in toks.get(i..)? {
        match t.kind {
            TokenKind::Semicolon if depth == 0 => break,
            TokenKind::LParen => depth += 1,
            TokenKind::RParen => depth -= 1,
            TokenKind::Comma if depth == 0 => {
                out.push(start.take()?..last_end);
                continue;
            }
            _ => {}
        }
        start.get_or_insert(t.start as usize);
        last_end = t.end as usize;
    }
    out.push(start?..last_end);
    Some(out)
}

/// What both readers (sqlparser and the token classifier) leave to the
/// statement's tokens: the identifiers a view's query names, a derived
/// table's source, an index's options.
pub(crate) fn enrich(kinds: &mut [OpKind], toks: &[Tok<'_>]) {
    for k in kinds.iter_mut() {
        match k {
            OpKind::CreateView {
                references, query, ..
            } => {
                *references = query_identifiers(toks);
                *query = query_text(toks);
            }
            OpKind::CreateTable {
                derived: true,
                source,
                ..
            } => *source = table_source(toks),
            OpKind::CreateIndex {
                nulls_not_distinct,
                storage,
                ..
            } => (*nulls_not_distinct, *storage) = index_options(toks),
            OpKind::Maintenance {
                target,
                concurrently,
                full,
                ..
            } => (*target, *concurrently, *full) = maintenance_target(toks),
            OpKind::Comment { table } => *table = comment_table(toks),
            _ => {}
        }
    }
}

/// The relation a `VACUUM`, `ANALYZE`, `REINDEX`, `CLUSTER` or `REFRESH
/// MATERIALIZED VIEW` names, and whether it is the `CONCURRENTLY` / `FULL`
/// form (also written as an option in parentheses).
fn maintenance_target(toks: &[Tok<'_>]) -> (Option<ObjName>, bool, bool) {
    const HEAD: &[&str] = &[
        "VACUUM",
        "ANALYZE",
        "ANALYSE",
        "REINDEX",
        "CLUSTER",
        "REFRESH",
        "MATERIALIZED",
        "VIEW",
        "TABLE",
        "INDEX",
        "FULL",
        "FREEZE",
        "VERBOSE",
        "CONCURRENTLY",
        "SKIP_LOCKED",
    ];
    let word = |t: &Tok<'_>, w: &str| t.kind == TokenKind::Word && t.text.eq_ignore_ascii_case(w);
    let mut concurrently = false;
    let mut full = false;
    let mut i = 0;
    while let Some(t) = toks.get(i) {
        if t.kind == TokenKind::LParen {
            // `VACUUM (FULL, ANALYZE) t`, `REINDEX (CONCURRENTLY) TABLE t`.
            let mut depth = 0;
            while let Some(u) = toks.get(i) {
                match u.kind {
                    TokenKind::LParen => depth += 1,
                    TokenKind::RParen => depth -= 1,
                    _ if word(u, "FULL") => full = true,
                    _ if word(u, "CONCURRENTLY") => concurrently = true,
                    _ => {}
                }
                i += 1;
                if depth == 0 {
                    break;
                }
            }
            continue;
        }
        if t.kind == TokenKind::Word && HEAD.iter().any(|h| word(t, h)) {
            full |= word(t, "FULL");
            concurrently |= word(t, "CONCURRENTLY");
            i += 1;
            continue;
        }
        break;
    }
    let name = name_at(toks, i);
    (name, concurrently, full)
}

/// A possibly qualified name starting at `toks[i]`.
fn name_at(toks: &[Tok<'_>], i: usize) -> Option<ObjName> {
    let id = |j: usize| {
        toks.get(j)
            .filter(|t| matches!(t.kind, TokenKind::Word | TokenKind::QuotedIdent))
            .map(|t| crate::lex::ident_value(t.kind, t.text))
    };
    let first = id(i)?;
    if toks.get(i + 1).is_some_and(|t| t.kind == TokenKind::Dot) {
        Some(ObjName::qualified(Some(first), id(i + 2)?))
    } else {
        Some(ObjName::new(first))
    }
}

/// `COMMENT ON TABLE t` / `COMMENT ON COLUMN [s.]t.c`: the table.
fn comment_table(toks: &[Tok<'_>]) -> Option<ObjName> {
    let word = |t: &Tok<'_>, w: &str| t.kind == TokenKind::Word && t.text.eq_ignore_ascii_case(w);
    let kind = toks.get(2)?;
    if !toks.get(1).is_some_and(|t| word(t, "ON")) {
        return None;
    }
    let ident = |j: usize| {
        toks.get(j)
            .filter(|t| matches!(t.kind, TokenKind::Word | TokenKind::QuotedIdent))
            .map(|t| crate::lex::ident_value(t.kind, t.text))
    };
    if word(kind, "TABLE") {
        return name_at(toks, 3);
    }
    if word(kind, "COLUMN") {
        // The parts before the last one name the table.
        let mut parts = vec![ident(3)?];
        let mut j = 4;
        while toks.get(j).is_some_and(|t| t.kind == TokenKind::Dot) {
            parts.push(ident(j + 1)?);
            j += 2;
        }
        parts.pop();
        return match parts.as_slice() {
            [t] => Some(ObjName::new(t.clone())),
            [s, t] => Some(ObjName::qualified(Some(s.clone()), t.clone())),
            _ => None,
        };
    }
    None
}

/// `NULLS NOT DISTINCT` and `WITH (…)` of a `CREATE INDEX`, outside its
/// parentheses.
fn index_options(toks: &[Tok<'_>]) -> (bool, Vec<String>) {
    let kw = |i: usize, k: &str| {
        toks.get(i)
            .is_some_and(|t| t.kind == TokenKind::Word && t.text.eq_ignore_ascii_case(k))
    };
    let mut depth = 0i32;
    let mut nnd = false;
    let mut storage = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        match toks[i].kind {
            TokenKind::LParen => depth += 1,
            TokenKind::RParen => depth -= 1,
            _ if depth == 0 && kw(i, "NULLS") && kw(i + 1, "NOT") && kw(i + 2, "DISTINCT") => {
                nnd = true;
            }
            _ if depth == 0
                && kw(i, "WITH")
                && toks.get(i + 1).is_some_and(|t| t.kind == TokenKind::LParen) =>
            {
                let mut j = i + 2;
                let mut cur = String::new();
                while j < toks.len() && toks[j].kind != TokenKind::RParen {
                    match toks[j].kind {
                        TokenKind::Comma => storage.push(std::mem::take(&mut cur)),
                        TokenKind::String => cur.push_str(
                            toks[j]
                                .text
                                .trim_matches('\'')
                                .to_ascii_lowercase()
                                .as_str(),
                        ),
                        _ => cur.push_str(&toks[j].text.to_ascii_lowercase()),
                    }
                    j += 1;
                }
                if !cur.is_empty() {
                    storage.push(cur);
                }
                i = j;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    storage.sort();
    (nnd, storage)
}

/// `CREATE TABLE t (LIKE s …)` or `CREATE TABLE t AS SELECT … FROM s …`,
/// when nothing else is in the statement.
fn table_source(toks: &[Tok<'_>]) -> Option<crate::ir::TableSource> {
    use crate::ir::TableSource;
    let kw = |i: usize, k: &str| {
        toks.get(i)
            .is_some_and(|t| t.kind == TokenKind::Word && t.text.eq_ignore_ascii_case(k))
    };
    let kind = |i: usize| toks.get(i).map(|t| t.kind);
    // `name` or `schema.name` at i: (name, index after it).
    let name_at = |i: usize| -> Option<(ObjName, usize)> {
        let id = |j: usize| {
            toks.get(j)
                .filter(|t| matches!(t.kind, TokenKind::Word | TokenKind::QuotedIdent))
                .map(|t| crate::lex::ident_value(t.kind, t.text))
        };
        let first = id(i)?;
        if kind(i + 1) == Some(TokenKind::Dot) {
            let second = id(i + 2)?;
            Some((ObjName::qualified(Some(first), second), i + 3))
        } else {
            Some((ObjName::new(first), i + 1))
        }
    };
    let end = |i: usize| i >= toks.len() || kind(i) == Some(TokenKind::Semicolon);
    if let Some(part) = toks
        .iter()
        .position(|t| t.kind == TokenKind::Word && t.text.eq_ignore_ascii_case("PARTITION"))
        && kw(part + 1, "OF")
    {
        let (parent, _) = name_at(part + 2)?;
        return Some(TableSource::PartitionOf { parent });
    }
    if let Some(like) = toks
        .iter()
        .position(|t| t.kind == TokenKind::Word && t.text.eq_ignore_ascii_case("LIKE"))
        && kind(like.wrapping_sub(1)) == Some(TokenKind::LParen)
    {
        let (table, mut i) = name_at(like + 1)?;
        let mut defaults = false;
        let mut including_more = false;
        while kw(i, "INCLUDING") || kw(i, "EXCLUDING") {
            let incl = kw(i, "INCLUDING");
            let what = toks.get(i + 1)?.text.to_ascii_uppercase();
            if incl {
                if what == "DEFAULTS" {
                    defaults = true;
                } else if what == "ALL" {
                    defaults = true;
                    including_more = true;
                } else if what != "COMMENTS"
                    && what != "STORAGE"
                    && what != "COMPRESSION"
                    && what != "STATISTICS"
                {
                    including_more = true;
                }
            } else if what == "DEFAULTS" {
                defaults = false;
            }
            i += 2;
        }
        // The LIKE must be the only element.
        if kind(i) != Some(TokenKind::RParen) || !end(i + 1) {
            return None;
        }
        return Some(TableSource::Like {
            table,
            defaults,
            including_more,
        });
    }
    let as_at = toks
        .iter()
        .position(|t| t.kind == TokenKind::Word && t.text.eq_ignore_ascii_case("AS"))?;
    if !kw(as_at + 1, "SELECT") {
        return None;
    }
    let mut i = as_at + 2;
    let columns = if toks.get(i).is_some_and(|t| t.text == "*") {
        i += 1;
        None
    } else {
        let mut cols = Vec::new();
        loop {
            let t = toks.get(i)?;
            if !matches!(t.kind, TokenKind::Word | TokenKind::QuotedIdent) {
                return None;
            }
            cols.push(crate::lex::ident_value(t.kind, t.text));
            i += 1;
            if kind(i) == Some(TokenKind::Comma) {
                i += 1;
            } else {
                break;
            }
        }
        Some(cols)
    };
    if !kw(i, "FROM") {
        return None;
    }
    let (from, i) = name_at(i + 1)?;
    if !(end(i) || kw(i, "WHERE") || kw(i, "WITH")) {
        return None;
    }
    Some(TableSource::Query { from, columns })
}

/// The identifiers after the first `AS` of a `CREATE VIEW`: its query.
/// A view's query, its tokens joined by one space (operators that were
/// adjacent stay adjacent: `>=` is two tokens of one operator).
fn query_text(toks: &[Tok<'_>]) -> Option<String> {
    let start = toks
        .iter()
        .position(|t| t.kind == TokenKind::Word && t.text.eq_ignore_ascii_case("AS"))?
        + 1;
    let is_op = |t: &Tok<'_>| {
        t.kind == TokenKind::Punct && t.text != "::" && t.text != "[" && t.text != "]"
    };
    let mut body = toks.get(start..)?;
    if let Some(end) = body.iter().position(|t| t.kind == TokenKind::Semicolon) {
        body = &body[..end];
    }
    // `CREATE MATERIALIZED VIEW … AS … WITH [NO] DATA`: not the query's.
    let word = |t: &Tok<'_>, w: &str| t.kind == TokenKind::Word && t.text.eq_ignore_ascii_case(w);
    match body {
        [rest @ .., w, d] if word(w, "WITH") && word(d, "DATA") => body = rest,
        [rest @ .., w, n, d] if word(w, "WITH") && word(n, "NO") && word(d, "DATA") => body = rest,
        _ => {}
    }
    let mut out = String::new();
    let mut prev: Option<&Tok<'_>> = None;
    for t in body {
        if prev.is_some_and(|p| !(is_op(p) && is_op(t))) {
            out.push(' ');
        }
        out.push_str(t.text);
        prev = Some(t);
    }
    (!out.is_empty()).then_some(out)
}

fn query_identifiers(toks: &[Tok<'_>]) -> Vec<String> {
    let start = toks
        .iter()
        .position(|t| t.kind == TokenKind::Word && t.text.eq_ignore_ascii_case("AS"))
        .map_or(toks.len(), |i| i + 1);
    // A name right after `AS` is an output alias (or a type in a `CAST`),
    // not a column the view reads: a view whose `… AS "total"` names a
    // column of its table does not depend on it.
    let mut out: Vec<String> = Vec::new();
    let mut after_as = false;
    for t in &toks[start..] {
        match t.kind {
            TokenKind::Whitespace | TokenKind::LineComment | TokenKind::BlockComment => continue,
            TokenKind::Word if t.text.eq_ignore_ascii_case("AS") => {
                after_as = true;
                continue;
            }
            TokenKind::Word | TokenKind::QuotedIdent if !after_as => {
                out.push(crate::lex::ident_value(t.kind, t.text));
            }
            _ => {}
        }
        after_as = false;
    }
    out.sort();
    out.dedup();
    out
}

/// The most nesting levels and operators sqlparser is given: its trees
/// are recursive (building, printing and freeing them), and a statement of
/// thousands of `+`, `OR` or `[]` overflows a thread's stack. Real
/// migrations stay far below.
const MAX_PARSER_DEPTH: usize = 64;
const MAX_PARSER_OPERATORS: usize = 500;

/// Up to this nesting (and this many operators) sqlparser runs on the
/// caller's thread; beyond it, on a thread of its own with a large stack:
/// its recursive descent takes tens of kilobytes of stack per level in a
/// debug build, and a caller's thread may have no more than 2 MiB.
const SHALLOW_DEPTH: usize = 8;
const SHALLOW_OPERATORS: usize = 64;

/// The stack of the thread a deep statement is parsed on (reserved, not
/// used: pages are only touched as deep as the parser goes).
const BIG_STACK: usize = 64 * 1024 * 1024;

/// How deep a statement nests (parentheses and brackets) and how many
/// operators it has.
fn nesting(toks: &[Tok<'_>]) -> (usize, usize) {
    let mut depth = 0usize;
    let mut max_depth = 0usize;
    let mut operators = 0usize;
    for t in toks {
        match t.kind {
            TokenKind::LParen => depth += 1,
            TokenKind::RParen => depth = depth.saturating_sub(1),
            TokenKind::Punct if t.text == "[" => {
                // `int[][]…` nests in the parser's tree without nesting here.
                depth += 1;
                operators += 1;
            }
            TokenKind::Punct if t.text == "]" => depth = depth.saturating_sub(1),
            TokenKind::Punct if t.text != "::" => operators += 1,
            TokenKind::Word
                if t.text.eq_ignore_ascii_case("AND") || t.text.eq_ignore_ascii_case("OR") =>
            {
                operators += 1;
            }
            _ => {}
        }
        max_depth = max_depth.max(depth);
    }
    (max_depth, operators)
}

/// Why a statement is classified from its tokens without sqlparser.
fn too_deep_for_the_parser(max_depth: usize, operators: usize) -> Option<String> {
    if max_depth > MAX_PARSER_DEPTH {
        Some(format!(
            "the statement nests {max_depth} levels deep, more than the parser is given ({MAX_PARSER_DEPTH}); it is classified from its tokens"
        ))
    } else if operators > MAX_PARSER_OPERATORS {
        Some(format!(
            "the statement has {operators} operators, more than the parser is given ({MAX_PARSER_OPERATORS}); it is classified from its tokens"
        ))
    } else {
        None
    }
}

/// What sqlparser makes of one statement: PostgreSQL's refusal of a form
/// of another dialect, and the operations. The tree is built, read and
/// freed here (all three recurse), so a deep statement can do all of it
/// on a big stack.
type Converted = (Option<String>, Option<Vec<OpKind>>);

fn parse_and_convert(text: &str) -> Result<Converted, String> {
    let stmt = parse_one(text)?;
    let rejected = crate::ast::postgres_rejects(&stmt);
    let converted = crate::ast::convert(&stmt);
    drop(stmt);
    Ok((rejected, converted))
}

/// Runs `f` on a thread with a [`BIG_STACK`]; on the caller's thread when
/// no thread can be started.
fn on_a_big_stack<T: Send>(f: impl FnOnce() -> T + Send + Copy) -> T {
    std::thread::scope(|s| {
        match std::thread::Builder::new()
            .name("migsafe-deep-statement".into())
            .stack_size(BIG_STACK)
            .spawn_scoped(s, f)
        {
            Ok(h) => match h.join() {
                Ok(v) => v,
                Err(panic) => std::panic::resume_unwind(panic),
            },
            Err(_) => f(),
        }
    })
}

fn parse_one(text: &str) -> Result<sqlparser::ast::Statement, String> {
    let mut v = Parser::parse_sql(&PostgreSqlDialect {}, text).map_err(|e| e.to_string())?;
    if v.len() == 1 {
        v.pop().ok_or_else(|| "no statement".to_owned())
    } else {
        Err(format!("expected one statement, read {}", v.len()))
    }
}

/// sqlparser reports `… at Line: L, Column: C` relative to the statement
/// text; make it relative to the file.
fn relocate_error(msg: &str, line: u32, column: u32) -> String {
    let msg = msg.strip_prefix("sql parser error: ").unwrap_or(msg);
    let Some(at) = msg.rfind(" at Line: ") else {
        return msg.to_owned();
    };
    let pos = &msg[at + " at Line: ".len()..];
    let mut it = pos.split(", Column: ");
    let (Some(l), Some(c)) = (it.next(), it.next()) else {
        return msg.to_owned();
    };
    let (Ok(l), Ok(c)) = (l.trim().parse::<u32>(), c.trim().parse::<u32>()) else {
        return msg.to_owned();
    };
    let file_line = line + l.saturating_sub(1);
    let file_col = if l <= 1 {
        column + c.saturating_sub(1)
    } else {
        c
    };
    format!("{} at {}:{}", &msg[..at], file_line, file_col)
}

/// The DDL inside a `DO` block's body: each inner statement that is (or,
/// after `THEN`/`ELSE`/`BEGIN`/`LOOP`, contains) a DDL or DML statement is
/// analyzed like a top-level one.
fn do_block_ops(toks: &[Tok<'_>], depth: u32) -> Vec<Operation> {
    let Some(body_tok) = toks
        .iter()
        .find(|t| matches!(t.kind, TokenKind::DollarString | TokenKind::String))
    else {
        return Vec::new();
    };
    let body = strip_dollar(body_tok.text);
    let inner = split(body);
    let tolerant = inner
        .tokens
        .iter()
        .any(|t| t.kind == TokenKind::Word && t.text(body).eq_ignore_ascii_case("EXCEPTION"));
    // The `IF`s the current statement is inside.
    let mut frames: Vec<IfFrame> = Vec::new();
    let mut out = Vec::new();
    for raw in &inner.statements {
        let itoks: Vec<Tok<'_>> = inner
            .statement_tokens(raw)
            .map(|t| Tok {
                kind: t.kind,
                text: t.text(body),
            })
            .collect();
        let start = itoks.iter().enumerate().find_map(|(i, t)| {
            if t.kind != TokenKind::Word {
                return None;
            }
            let w = t.text.to_ascii_uppercase();
            let prev_ok = i == 0
                || matches!(
                    itoks[i - 1].text.to_ascii_uppercase().as_str(),
                    "THEN" | "ELSE" | "BEGIN" | "LOOP"
                );
            let ddl = matches!(
                w.as_str(),
                "CREATE"
                    | "ALTER"
                    | "DROP"
                    | "TRUNCATE"
                    | "DELETE"
                    | "UPDATE"
                    | "INSERT"
                    | "COMMENT"
            );
            (prev_ok && ddl).then_some(i)
        });
        control_flow(&itoks[..start.unwrap_or(itoks.len())], &mut frames);
        let Some(start) = start else { continue };
        let first = itoks[start].text.as_ptr() as usize - body.as_ptr() as usize;
        let end = raw.span.end;
        let sub = body.get(first..end).unwrap_or("");
        let guard = Guard::all(frames.iter().map(|f| f.current.clone()).collect());
        let sub_file = analyze_inner(sub, depth + 1);
        for s in sub_file {
            for mut op in s.ops {
                if op.in_do.is_none() {
                    op.in_do = Some(DoContext {
                        guard: guard.clone(),
                        tolerant,
                    });
                }
                out.push(op);
            }
        }
    }
    out
}

/// One `IF` a statement of a `DO` body is inside.
struct IfFrame {
    /// The conditions of its earlier branches, each as written.
    earlier: Vec<Guard>,
    /// The condition of the branch we are in, as written (`ELSE`: none).
    own: Option<Guard>,
    /// When the branch we are in runs: no earlier condition holds, and its
    /// own does. Built from the conditions as written, so a chain of
    /// `ELSIF`s grows linearly, not by nesting each branch in the next.
    current: Guard,
}

impl IfFrame {
    fn new(current: Guard) -> Self {
        Self {
            earlier: Vec::new(),
            own: Some(current.clone()),
            current,
        }
    }

    /// The next branch: `ELSIF cond` or (`None`) `ELSE`.
    fn next_branch(&mut self, cond: Option<Guard>) {
        if let Some(own) = self.own.take() {
            self.earlier.push(own);
        }
        let mut all: Vec<Guard> = self
            .earlier
            .iter()
            .map(|g| Guard::Not(Box::new(g.clone())))
            .collect();
        if let Some(c) = &cond {
            all.push(c.clone());
        }
        self.current = Guard::And(all);
        self.own = cond;
    }
}

/// Follows `IF … THEN`, `ELSIF … THEN`, `ELSE`, `END IF` and loops in the
/// tokens before a statement of a `DO` body.
fn control_flow(t: &[Tok<'_>], frames: &mut Vec<IfFrame>) {
    let kw = |i: usize, k: &str| {
        t.get(i)
            .is_some_and(|x| x.kind == TokenKind::Word && x.text.eq_ignore_ascii_case(k))
    };
    let then_after = |i: usize| (i..t.len()).find(|&j| kw(j, "THEN"));
    let mut i = 0;
    while i < t.len() {
        if kw(i, "END") && (kw(i + 1, "IF") || kw(i + 1, "LOOP")) {
            frames.pop();
            i += 2;
        } else if kw(i, "IF") || kw(i, "ELSIF") || kw(i, "ELSEIF") {
            let Some(j) = then_after(i + 1) else {
                frames.push(IfFrame::new(Guard::Unknown(text_of(&t[i..]))));
                return;
            };
            let cond = crate::guard::parse_condition(&t[i + 1..j]);
            if kw(i, "IF") {
                frames.push(IfFrame::new(cond));
            } else if let Some(frame) = frames.last_mut() {
                frame.next_branch(Some(cond));
            }
            i = j + 1;
        } else if kw(i, "ELSE") {
            if let Some(frame) = frames.last_mut() {
                frame.next_branch(None);
            }
            i += 1;
        } else if kw(i, "LOOP")
            || kw(i, "WHILE")
            || kw(i, "FOR")
            || kw(i, "FOREACH")
            || kw(i, "CASE")
        {
            // A loop runs its body any number of times: not evaluated.
            let end = t[i..]
                .iter()
                .position(|x| x.kind == TokenKind::Word && x.text.eq_ignore_ascii_case("LOOP"))
                .map_or(t.len(), |p| i + p + 1);
            frames.push(IfFrame::new(Guard::Unknown(text_of(&t[i..end]))));
            i = end.max(i + 1);
        } else {
            i += 1;
        }
    }
}

fn analyze_inner(src: &str, depth: u32) -> Vec<Statement> {
    let split = split(src);
    split
        .statements
        .iter()
        .map(|raw| analyze_statement(src, &split, raw, depth))
        .collect()
}

fn strip_dollar(t: &str) -> &str {
    if let Some(after) = t.strip_prefix('$') {
        if let Some(close) = after.find('$') {
            let tag = &t[..close + 2];
            let inner = &t[tag.len()..];
            return inner.strip_suffix(tag).unwrap_or(inner);
        }
        return t;
    }
    let t = t.strip_prefix('\'').unwrap_or(t);
    t.strip_suffix('\'').unwrap_or(t)
}

fn same(a: &ObjName, b: &ObjName) -> bool {
    a.name == b.name && (a.schema.is_none() || b.schema.is_none() || a.schema == b.schema)
}

/// Passes that need the whole migration: Prisma's enum swap and the
/// drop-and-re-add of a constraint.
pub fn migration_passes(statements: &mut [Statement]) {
    // Prisma's enum swap:
    //   CREATE TYPE "X_new" AS ENUM (…);
    //   ALTER TABLE … ALTER COLUMN … TYPE "X_new" USING (…);
    //   ALTER TYPE "X" RENAME TO "X_old";
    //   ALTER TYPE "X_new" RENAME TO "X";
    //   DROP TYPE "X_old";
    let new_types: Vec<ObjName> = statements
        .iter()
        .flat_map(|s| s.ops.iter())
        .filter_map(|o| match &o.kind {
            OpKind::CreateEnum { name, .. } if name.name.ends_with("_new") => Some(name.clone()),
            _ => None,
        })
        .collect();
    for new in new_types {
        let base = new.name.trim_end_matches("_new").to_owned();
        let old = format!("{base}_old");
        for s in statements.iter_mut() {
            for o in &mut s.ops {
                let kind = match &o.kind {
                    OpKind::RenameType { name, to, .. }
                        if (name.name == base && *to == old)
                            || (same(name, &new) && *to == base) =>
                    {
                        OpKind::RenameType {
                            name: name.clone(),
                            to: to.clone(),
                            enum_swap: true,
                        }
                    }
                    OpKind::DropType {
                        names,
                        if_exists,
                        cascade,
                        ..
                    } if names.len() == 1 && names[0].name == old && !cascade => OpKind::DropType {
                        names: names.clone(),
                        if_exists: *if_exists,
                        cascade: false,
                        enum_swap: true,
                    },
                    _ => continue,
                };
                o.set_kind(kind);
            }
        }
    }

    // An UPDATE without WHERE that only sets columns added earlier in the
    // migration is a backfill.
    let mut added: Vec<(String, String)> = Vec::new();
    for s in statements.iter_mut() {
        for o in &mut s.ops {
            match &o.kind {
                OpKind::AddColumn { table, column, .. } => {
                    added.push((table.name.clone(), column.name.clone()));
                }
                OpKind::CreateTable { table, columns, .. } => {
                    for c in columns {
                        added.push((table.name.clone(), c.name.clone()));
                    }
                }
                OpKind::Update {
                    table: Some(table),
                    has_where: false,
                    set_columns,
                    backfill: false,
                } if !set_columns.is_empty()
                    && set_columns
                        .iter()
                        .all(|c| added.iter().any(|(t, a)| *t == table.name && a == c)) =>
                {
                    let kind = OpKind::Update {
                        table: Some(table.clone()),
                        has_where: false,
                        set_columns: set_columns.clone(),
                        backfill: true,
                    };
                    o.set_kind(kind);
                }
                _ => {}
            }
        }
    }

    // A constraint dropped and re-added under the same name is modified.
    let mut dropped: Vec<(usize, usize, ObjName, String)> = Vec::new();
    for (si, s) in statements.iter().enumerate() {
        for (oi, o) in s.ops.iter().enumerate() {
            // `IF EXISTS` stays a drop: a modification needs the constraint
            // to be there.
            if let OpKind::DropConstraint {
                table,
                name,
                if_exists: false,
                ..
            } = &o.kind
            {
                dropped.push((si, oi, table.clone(), name.clone()));
            }
        }
    }
    for (si, oi, table, name) in dropped {
        let re_added = statements.iter().enumerate().skip(si).any(|(sj, s)| {
            s.ops.iter().enumerate().any(|(oj, o)| {
                (sj, oj) > (si, oi)
                    && matches!(&o.kind, OpKind::AddConstraint { table: t, constraint, .. }
                        if same(t, &table) && constraint.name.as_deref() == Some(name.as_str()))
            })
        });
        if let Some(o) = statements
            .get_mut(si)
            .and_then(|s| s.ops.get_mut(oi))
            .filter(|_| re_added)
        {
            o.set_kind(OpKind::ModifyConstraint { table, name });
        }
    }
}
