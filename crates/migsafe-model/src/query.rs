//! The canonical form of a view's query: one form for what a migration
//! writes (`CREATE VIEW v AS SELECT …`) and what PostgreSQL's catalog
//! prints (`pg_get_viewdef`), so that a view changed by hand is seen and an
//! equal one is not.
//!
//! The form covers the queries views are mostly made of — one relation,
//! `SELECT [DISTINCT] items FROM rel [alias] [WHERE …] [GROUP BY …]
//! [HAVING …] [ORDER BY …] [LIMIT …] [OFFSET …]` — with every expression in
//! the canonical form of [`crate::expr`] (table qualifiers dropped, casts
//! PostgreSQL adds dropped, parentheses as the precedence needs). Output
//! names (`AS alias`) are not part of it: the view's columns are compared
//! apart. Anything else (joins, set operations, `WITH`, subqueries,
//! `SELECT *` not yet expanded, a position in `GROUP BY`) gives `None`, and
//! the definition is then not compared.
//!
//! [`ViewQuery`] keeps the query's text so that the replay can follow what
//! PostgreSQL follows by reference: a renamed column or relation.
//!
//! ```
//! use migsafe_model::query::canonical_query;
//! assert_eq!(
//!     canonical_query("SELECT id, lower(name) AS n FROM users WHERE active AND id > 10"),
//!     canonical_query(" SELECT users.id,\n    lower(users.name) AS n\n   FROM users\n  WHERE users.active AND users.id > 10;"),
//! );
//! assert_ne!(
//!     canonical_query("SELECT id FROM users WHERE id > 10"),
//!     canonical_query("SELECT id FROM users WHERE id > 11"),
//! );
//! assert_eq!(canonical_query("SELECT * FROM users"), None);
//! ```

use crate::expr::canonical;
use crate::lex::{TokenKind, fold_ident, ident_value, lex};

/// The canonical form of a view's query, or `None` outside the covered
/// form.
pub fn canonical_query(sql: &str) -> Option<String> {
    let toks = tokens(sql)?;
    let q = split(&toks)?;
    let mut out = String::from("SELECT ");
    if q.distinct {
        out.push_str("DISTINCT ");
    }
    let mut items = Vec::new();
    for item in &q.items {
        let item = strip_alias(item);
        if item.len() == 1 && item[0].text == "*" || item.last().is_some_and(|t| t.text == "*") {
            return None;
        }
        items.push(expression(sql, item)?);
    }
    out.push_str(&items.join(", "));
    out.push_str(" FROM ");
    out.push_str(&relation(q.from)?);
    if let Some(w) = &q.filter {
        out.push_str(" WHERE ");
        out.push_str(&expression(sql, w)?);
    }
    if !q.group.is_empty() {
        out.push_str(" GROUP BY ");
        out.push_str(&list(sql, &q.group, false)?);
    }
    if let Some(h) = &q.having {
        out.push_str(" HAVING ");
        out.push_str(&expression(sql, h)?);
    }
    if !q.order.is_empty() {
        out.push_str(" ORDER BY ");
        out.push_str(&list(sql, &q.order, true)?);
    }
    for (word, part) in [(" LIMIT ", &q.limit), (" OFFSET ", &q.offset)] {
        if let Some(p) = part {
            out.push_str(word);
            out.push_str(&expression(sql, p)?);
        }
    }
    Some(out)
}

/// A view's query as the replay keeps it: its text, which follows renames.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ViewQuery {
    sql: String,
}

impl ViewQuery {
    pub fn new(sql: &str) -> ViewQuery {
        ViewQuery {
            sql: sql.trim().trim_end_matches(';').to_owned(),
        }
    }

    pub fn sql(&self) -> &str {
        &self.sql
    }

    pub fn canonical(&self) -> Option<String> {
        canonical_query(&self.sql)
    }

    /// The relation the query reads (`schema`, `name`, folded), when the
    /// query has the covered form.
    pub fn relation(&self) -> Option<(Option<String>, String)> {
        let toks = tokens(&self.sql)?;
        let q = split(&toks)?;
        let end = relation_end(q.from)?;
        let name = name_of(&q.from[end - 1]);
        Some(((end == 3).then(|| name_of(&q.from[0])), name))
    }

    /// `SELECT *` (or `rel.*`) written out as the columns it stands for, as
    /// PostgreSQL stores it.
    pub fn expand_star(&mut self, columns: &[String]) {
        let Some(toks) = tokens(&self.sql) else {
            return;
        };
        let Some(q) = split(&toks) else { return };
        let list: Vec<String> = columns.iter().map(|c| quote(c)).collect();
        let mut edits = Vec::new();
        for item in &q.items {
            if let Some(last) = item.last()
                && last.text == "*"
            {
                let start = item[0].start;
                edits.push((start, last.end, list.join(", ")));
            }
        }
        self.apply(edits);
    }

    /// A column of the query's relation renamed: every reference to it
    /// (not an output name after `AS`, not a function name).
    pub fn rename_column(&mut self, from: &str, to: &str) {
        let Some(toks) = tokens(&self.sql) else {
            return;
        };
        // The relation and its alias are not the column.
        let from_clause = split(&toks)
            .and_then(|q| Some((q.from.first()?.start, q.from.last()?.end)))
            .unwrap_or((usize::MAX, 0));
        let mut edits = Vec::new();
        for (i, t) in toks.iter().enumerate() {
            if !matches!(t.kind, TokenKind::Word | TokenKind::QuotedIdent)
                || name_of(t) != from
                || (from_clause.0 <= t.start && t.end <= from_clause.1)
            {
                continue;
            }
            let after_as = i > 0
                && toks[i - 1].kind == TokenKind::Word
                && toks[i - 1].text.eq_ignore_ascii_case("AS");
            let call = toks.get(i + 1).is_some_and(|n| n.kind == TokenKind::LParen);
            let qualifier = toks.get(i + 1).is_some_and(|n| n.kind == TokenKind::Dot);
            if !after_as && !call && !qualifier {
                edits.push((t.start, t.end, quote(to)));
            }
        }
        self.apply(edits);
    }

    /// The query's relation renamed (or moved to another schema).
    pub fn rename_relation(&mut self, from: &str, schema: &str, to: &str) {
        let Some(toks) = tokens(&self.sql) else {
            return;
        };
        let Some(q) = split(&toks) else { return };
        let (Some(first), Some(name_end)) = (q.from.first(), relation_end(q.from)) else {
            return;
        };
        let last = &q.from[name_end - 1];
        if name_of(last) != from {
            return;
        }
        let start = first.start;
        let end = last.end;
        self.apply(vec![(
            start,
            end,
            format!("{}.{}", quote(schema), quote(to)),
        )]);
    }

    fn apply(&mut self, mut edits: Vec<(usize, usize, String)>) {
        edits.sort_by_key(|e| std::cmp::Reverse(e.0));
        for (start, end, text) in edits {
            if start <= end && end <= self.sql.len() {
                self.sql.replace_range(start..end, &text);
            }
        }
    }
}

/// A name token's value as PostgreSQL's lexer leaves it: folded when
/// unquoted, truncated to 63 bytes.
fn name_of(t: &Tok<'_>) -> String {
    crate::names::truncate_identifier(&ident_value(t.kind, t.text))
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[derive(Clone, Copy, Debug)]
struct Tok<'a> {
    kind: TokenKind,
    text: &'a str,
    start: usize,
    end: usize,
}

fn tokens(sql: &str) -> Option<Vec<Tok<'_>>> {
    let lexed = lex(sql);
    if !lexed.errors.is_empty() {
        return None;
    }
    let mut out: Vec<Tok<'_>> = lexed
        .tokens
        .iter()
        .filter(|t| !t.kind.is_trivia())
        .map(|t| Tok {
            kind: t.kind,
            text: t.text(sql),
            start: t.start as usize,
            end: t.end as usize,
        })
        .collect();
    while out.last().is_some_and(|t| t.kind == TokenKind::Semicolon) {
        out.pop();
    }
    if out.iter().any(|t| t.kind == TokenKind::Semicolon) || out.len() > 4000 {
        return None;
    }
    Some(out)
}

#[derive(Default)]
struct Parts<'t, 'a> {
    distinct: bool,
    items: Vec<&'t [Tok<'a>]>,
    from: &'t [Tok<'a>],
    filter: Option<&'t [Tok<'a>]>,
    group: Vec<&'t [Tok<'a>]>,
    having: Option<&'t [Tok<'a>]>,
    order: Vec<&'t [Tok<'a>]>,
    limit: Option<&'t [Tok<'a>]>,
    offset: Option<&'t [Tok<'a>]>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Clause {
    Select,
    From,
    Where,
    Group,
    Having,
    Order,
    Limit,
    Offset,
}

fn is_word(t: &Tok<'_>, w: &str) -> bool {
    t.kind == TokenKind::Word && t.text.eq_ignore_ascii_case(w)
}

/// The query cut into its clauses, at parenthesis depth 0.
fn split<'t, 'a>(toks: &'t [Tok<'a>]) -> Option<Parts<'t, 'a>> {
    // Words that leave the covered form when they stand outside
    // parentheses.
    const OUTSIDE: &[&str] = &[
        "JOIN",
        "UNION",
        "INTERSECT",
        "EXCEPT",
        "WINDOW",
        "WITH",
        "FETCH",
        "FOR",
        "LATERAL",
        "ON",
        "USING",
        "ONLY",
        "TABLESAMPLE",
        "VALUES",
        "INTO",
        "CROSS",
        "NATURAL",
    ];
    if !toks.first().is_some_and(|t| is_word(t, "SELECT")) {
        return None;
    }
    let mut marks: Vec<(Clause, usize, usize)> = Vec::new(); // clause, body start, keyword start
    let mut depth = 0i32;
    let mut i = 0;
    while i < toks.len() {
        let t = &toks[i];
        match t.kind {
            TokenKind::LParen => depth += 1,
            TokenKind::RParen => depth -= 1,
            TokenKind::Punct if t.text == "[" => depth += 1,
            TokenKind::Punct if t.text == "]" => depth -= 1,
            TokenKind::Word if depth == 0 => {
                let next = |w: &str| toks.get(i + 1).is_some_and(|n| is_word(n, w));
                if OUTSIDE.iter().any(|w| is_word(t, w)) {
                    return None;
                }
                let clause = if is_word(t, "SELECT") {
                    if i != 0 {
                        return None;
                    }
                    Some((Clause::Select, 1))
                } else if is_word(t, "FROM") {
                    Some((Clause::From, 1))
                } else if is_word(t, "WHERE") {
                    Some((Clause::Where, 1))
                } else if is_word(t, "GROUP") && next("BY") {
                    Some((Clause::Group, 2))
                } else if is_word(t, "HAVING") {
                    Some((Clause::Having, 1))
                } else if is_word(t, "ORDER") && next("BY") {
                    Some((Clause::Order, 2))
                } else if is_word(t, "LIMIT") {
                    Some((Clause::Limit, 1))
                } else if is_word(t, "OFFSET") {
                    Some((Clause::Offset, 1))
                } else {
                    None
                };
                if let Some((c, len)) = clause {
                    if marks.iter().any(|m| m.0 == c) {
                        return None;
                    }
                    marks.push((c, i + len, i));
                    i += len;
                    continue;
                }
            }
            _ => {}
        }
        if depth < 0 {
            return None;
        }
        i += 1;
    }
    if depth != 0 {
        return None;
    }
    let mut p = Parts::default();
    for (k, &(clause, start, _)) in marks.iter().enumerate() {
        let end = marks.get(k + 1).map_or(toks.len(), |m| m.2);
        let body = toks.get(start..end)?;
        if body.is_empty() {
            return None;
        }
        match clause {
            Clause::Select => {
                let mut body = body;
                if is_word(&body[0], "DISTINCT") {
                    if body.get(1).is_some_and(|t| is_word(t, "ON")) {
                        return None;
                    }
                    p.distinct = true;
                    body = &body[1..];
                } else if is_word(&body[0], "ALL") {
                    body = &body[1..];
                }
                p.items = commas(body)?;
            }
            Clause::From => p.from = body,
            Clause::Where => p.filter = Some(body),
            Clause::Group => p.group = commas(body)?,
            Clause::Having => p.having = Some(body),
            Clause::Order => p.order = commas(body)?,
            Clause::Limit => p.limit = Some(body),
            Clause::Offset => p.offset = Some(body),
        }
    }
    if p.items.is_empty() || p.from.is_empty() {
        return None;
    }
    Some(p)
}

/// Splits at commas outside parentheses; `None` on an empty part.
fn commas<'t, 'a>(toks: &'t [Tok<'a>]) -> Option<Vec<&'t [Tok<'a>]>> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, t) in toks.iter().enumerate() {
        match t.kind {
            TokenKind::LParen => depth += 1,
            TokenKind::RParen => depth -= 1,
            TokenKind::Punct if t.text == "[" => depth += 1,
            TokenKind::Punct if t.text == "]" => depth -= 1,
            TokenKind::Comma if depth == 0 => {
                if i == start {
                    return None;
                }
                out.push(&toks[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if start >= toks.len() {
        return None;
    }
    out.push(&toks[start..]);
    Some(out)
}

/// An item without its `AS alias`.
fn strip_alias<'t, 'a>(item: &'t [Tok<'a>]) -> &'t [Tok<'a>] {
    let n = item.len();
    if n >= 3
        && is_word(&item[n - 2], "AS")
        && matches!(item[n - 1].kind, TokenKind::Word | TokenKind::QuotedIdent)
    {
        &item[..n - 2]
    } else {
        item
    }
}

fn expression(sql: &str, toks: &[Tok<'_>]) -> Option<String> {
    let (first, last) = (toks.first()?, toks.last()?);
    canonical(sql.get(first.start..last.end)?)
}

/// A `GROUP BY` or `ORDER BY` list; a bare position (`GROUP BY 1`) is
/// printed by PostgreSQL as the expression it stands for: not covered.
fn list(sql: &str, items: &[&[Tok<'_>]], order: bool) -> Option<String> {
    let mut out = Vec::new();
    for item in items {
        let mut item: &[Tok<'_>] = item;
        let mut suffix = String::new();
        if order {
            let n = item.len();
            if n >= 3 && is_word(&item[n - 2], "NULLS") {
                suffix = format!(" NULLS {}", item[n - 1].text.to_ascii_uppercase());
                item = &item[..n - 2];
            }
            if let Some(last) = item.last() {
                if is_word(last, "DESC") {
                    suffix = format!(" DESC{suffix}");
                    item = &item[..item.len() - 1];
                } else if is_word(last, "ASC") {
                    item = &item[..item.len() - 1];
                }
            }
        }
        if item.len() == 1 && item[0].kind == TokenKind::Number {
            return None;
        }
        out.push(format!("{}{suffix}", expression(sql, item)?));
    }
    Some(out.join(", "))
}

/// Where the relation's name ends in a `FROM` clause (`name`,
/// `schema.name`).
fn relation_end(from: &[Tok<'_>]) -> Option<usize> {
    let ident = |t: &Tok<'_>| matches!(t.kind, TokenKind::Word | TokenKind::QuotedIdent);
    if !ident(from.first()?) {
        return None;
    }
    if from.get(1).is_some_and(|t| t.kind == TokenKind::Dot) {
        if !ident(from.get(2)?) {
            return None;
        }
        return Some(3);
    }
    Some(1)
}

/// `[schema.]name [[AS] alias]`, printed as its canonical name (`public.`
/// dropped, the alias left out).
fn relation(from: &[Tok<'_>]) -> Option<String> {
    let end = relation_end(from)?;
    let rest = &from[end..];
    let alias_ok = match rest {
        [] => true,
        [a] => matches!(a.kind, TokenKind::Word | TokenKind::QuotedIdent),
        [kw, a] => is_word(kw, "AS") && matches!(a.kind, TokenKind::Word | TokenKind::QuotedIdent),
        _ => false,
    };
    if !alias_ok {
        return None;
    }
    let part = |t: &Tok<'_>| {
        let v = if t.kind == TokenKind::QuotedIdent {
            ident_value(t.kind, t.text)
        } else {
            fold_ident(t.text)
        };
        crate::names::truncate_identifier(&v)
    };
    let name = part(&from[end - 1]);
    let name = if crate::types::needs_no_quotes(&name) {
        name
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    };
    if end == 3 {
        let schema = part(&from[0]);
        if schema != "public" {
            return Some(format!("{}.{name}", quote(&schema)));
        }
    }
    Some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_spelling_equals_the_migrations() {
        let pairs = [
            (
                "SELECT id, email FROM \"User\" WHERE deleted IS NULL ORDER BY id DESC LIMIT 5",
                " SELECT \"User\".id,\n    \"User\".email\n   FROM \"User\"\n  WHERE \"User\".deleted IS NULL\n  ORDER BY \"User\".id DESC\n LIMIT 5;",
            ),
            (
                "SELECT kind, count(*) AS n FROM public.events e WHERE kind IN ('a', 'b') GROUP BY kind",
                " SELECT e.kind,\n    count(*) AS n\n   FROM events e\n  WHERE e.kind = ANY (ARRAY['a'::text, 'b'::text])\n  GROUP BY e.kind;",
            ),
        ];
        for (ours, theirs) in pairs {
            let a = canonical_query(ours);
            assert!(a.is_some(), "{ours}");
            assert_eq!(a, canonical_query(theirs), "{ours}");
        }
    }

    #[test]
    fn outside_the_form_is_not_compared() {
        for q in [
            "SELECT a FROM t JOIN u ON t.id = u.id",
            "SELECT a FROM t UNION SELECT b FROM u",
            "SELECT a FROM t GROUP BY 1",
            "SELECT * FROM t",
            "SELECT a FROM t, u",
            "WITH x AS (SELECT 1) SELECT * FROM x",
            "SELECT DISTINCT ON (a) a FROM t",
            "SELECT a FROM t WHERE b IN (SELECT c FROM u)",
        ] {
            assert_eq!(canonical_query(q), None, "{q}");
        }
    }

    #[test]
    fn renames_follow_references_not_output_names() {
        let mut v = ViewQuery::new("SELECT t.a AS a, lower(a) FROM t WHERE a > 1;");
        v.rename_column("a", "b");
        assert_eq!(
            v.sql(),
            "SELECT t.\"b\" AS a, lower(\"b\") FROM t WHERE \"b\" > 1"
        );
        v.rename_relation("t", "public", "u");
        assert_eq!(
            v.relation(),
            Some((Some("public".to_owned()), "u".to_owned()))
        );
        let mut s = ViewQuery::new("SELECT * FROM t");
        s.expand_star(&["x".to_owned(), "Y".to_owned()]);
        assert_eq!(
            canonical_query(s.sql()),
            canonical_query("SELECT t.x, t.\"Y\" FROM t")
        );
    }
}
