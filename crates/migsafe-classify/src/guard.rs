//! Conditions of `DO` blocks: what `IF [NOT] EXISTS (SELECT … FROM <catalog>
//! WHERE …) THEN` asks about the schema, so that replay can answer it from
//! its model instead of guessing.
//!
//! Only the catalog probes migrations actually write are understood: the
//! `information_schema` views `columns`, `tables` and `table_constraints`,
//! and `pg_constraint`, `pg_indexes`, `pg_class`, `pg_tables`, `pg_type`,
//! `pg_enum`, each with `name = 'literal'` conditions joined by `AND`;
//! conditions joined by `AND`, `OR` and `NOT`. Anything else is
//! [`Guard::Unknown`], with its text.

use serde::Serialize;

use crate::lex::TokenKind;
use crate::tokens::Tok;

/// One question about the schema.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "probe", rename_all = "snake_case")]
pub enum Probe {
    /// A column of a table (any schema when `schema` is `None`).
    Column {
        schema: Option<String>,
        table: String,
        column: String,
    },
    /// A table.
    Table {
        schema: Option<String>,
        name: String,
    },
    /// Any relation: table, view, index, sequence (`pg_class.relname`).
    Relation { name: String },
    /// A constraint, of `table` when given.
    Constraint { table: Option<String>, name: String },
    /// An index.
    Index { name: String },
    /// A type.
    Type { name: String },
    /// A label of an enum.
    EnumValue { value: String },
}

/// A condition.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "guard", rename_all = "snake_case")]
pub enum Guard {
    /// `EXISTS (…)`: whether the probed object exists.
    Exists(Probe),
    Not(Box<Guard>),
    And(Vec<Guard>),
    Or(Vec<Guard>),
    /// A condition migsafe cannot evaluate, as written.
    Unknown(String),
}

/// How a statement inside a `DO` block runs.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DoContext {
    /// It runs only when this holds (the conditions of the `IF`s around
    /// it); `None`: always.
    pub guard: Option<Guard>,
    /// The block has an `EXCEPTION` handler: an error is caught instead of
    /// failing the migration.
    pub tolerant: bool,
}

impl Guard {
    /// The conditions of nested `IF`s, all of which must hold.
    pub fn all(mut guards: Vec<Guard>) -> Option<Guard> {
        match guards.len() {
            0 => None,
            1 => guards.pop(),
            _ => Some(Guard::And(guards)),
        }
    }

    /// Evaluates the condition with `probe` answering each question;
    /// `None` when some part cannot be evaluated.
    pub fn eval(&self, probe: &impl Fn(&Probe) -> bool) -> Option<bool> {
        match self {
            Guard::Exists(p) => Some(probe(p)),
            Guard::Not(g) => g.eval(probe).map(|b| !b),
            Guard::And(gs) => {
                let mut all = true;
                for g in gs {
                    all &= g.eval(probe)?;
                }
                Some(all)
            }
            Guard::Or(gs) => {
                let mut any = false;
                for g in gs {
                    any |= g.eval(probe)?;
                }
                Some(any)
            }
            Guard::Unknown(_) => None,
        }
    }

    /// The first part that cannot be evaluated, as written.
    pub fn unknown_part(&self) -> Option<&str> {
        match self {
            Guard::Unknown(s) => Some(s),
            Guard::Exists(_) => None,
            Guard::Not(g) => g.unknown_part(),
            Guard::And(gs) | Guard::Or(gs) => gs.iter().find_map(Guard::unknown_part),
        }
    }
}

fn is_kw(t: &Tok<'_>, k: &str) -> bool {
    t.kind == TokenKind::Word && t.text.eq_ignore_ascii_case(k)
}

/// The tokens' text, spaced: how a condition is quoted in messages.
pub(crate) fn text_of(t: &[Tok<'_>]) -> String {
    t.iter().map(|t| t.text).collect::<Vec<_>>().join(" ")
}

/// Parses a condition (the tokens between `IF` and `THEN`).
pub fn parse_condition(t: &[Tok<'_>]) -> Guard {
    let t = strip_parens(t);
    // OR binds loosest, then AND, then NOT.
    let ors = split_top(t, "OR");
    if ors.len() > 1 {
        return Guard::Or(ors.into_iter().map(parse_condition).collect());
    }
    let ands = split_top(t, "AND");
    if ands.len() > 1 {
        return Guard::And(ands.into_iter().map(parse_condition).collect());
    }
    if let Some((first, rest)) = t.split_first()
        && is_kw(first, "NOT")
    {
        return Guard::Not(Box::new(parse_condition(rest)));
    }
    if let Some((first, rest)) = t.split_first()
        && is_kw(first, "EXISTS")
    {
        let q = strip_parens(rest);
        // `EXISTS (SELECT 1)`: a query without FROM has its one row.
        if q.first().is_some_and(|x| is_kw(x, "SELECT")) && !q.iter().any(|x| is_kw(x, "FROM")) {
            return Guard::And(Vec::new());
        }
        return match parse_exists(q) {
            Some(p) => Guard::Exists(p),
            None => Guard::Unknown(text_of(t)),
        };
    }
    Guard::Unknown(text_of(t))
}

/// Removes parentheses around the whole token list.
fn strip_parens<'a, 'b>(mut t: &'b [Tok<'a>]) -> &'b [Tok<'a>] {
    loop {
        if t.len() >= 2
            && t[0].kind == TokenKind::LParen
            && t[t.len() - 1].kind == TokenKind::RParen
            && closing(t, 0) == Some(t.len() - 1)
        {
            t = &t[1..t.len() - 1];
        } else {
            return t;
        }
    }
}

fn closing(t: &[Tok<'_>], open: usize) -> Option<usize> {
    let mut depth = 0i32;
    for (i, x) in t.iter().enumerate().skip(open) {
        match x.kind {
            TokenKind::LParen => depth += 1,
            TokenKind::RParen => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// Splits at a keyword outside parentheses.
fn split_top<'a, 'b>(t: &'b [Tok<'a>], kw: &str) -> Vec<&'b [Tok<'a>]> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, x) in t.iter().enumerate() {
        match x.kind {
            TokenKind::LParen => depth += 1,
            TokenKind::RParen => depth -= 1,
            _ if depth == 0 && is_kw(x, kw) => {
                out.push(&t[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&t[start..]);
    out
}

fn ident(t: &Tok<'_>) -> Option<String> {
    matches!(t.kind, TokenKind::Word | TokenKind::QuotedIdent)
        .then(|| crate::lex::ident_value(t.kind, t.text))
}

fn string(t: &Tok<'_>) -> Option<String> {
    if t.kind != TokenKind::String {
        return None;
    }
    let s = t.text.strip_prefix('\'')?.strip_suffix('\'')?;
    Some(s.replace("''", "'"))
}

/// `SELECT … FROM <catalog> [alias] WHERE a = 'x' AND b = 'y'`.
fn parse_exists(t: &[Tok<'_>]) -> Option<Probe> {
    let from = t.iter().position(|x| is_kw(x, "FROM"))?;
    let where_at = t.iter().position(|x| is_kw(x, "WHERE"))?;
    if where_at < from {
        return None;
    }
    // The catalog: `information_schema.columns`, `pg_catalog.pg_class`,
    // `pg_constraint`; an alias may follow.
    let rel_toks = &t[from + 1..where_at];
    let mut parts = Vec::new();
    let mut i = 0;
    while i < rel_toks.len() {
        parts.push(ident(&rel_toks[i])?);
        if rel_toks
            .get(i + 1)
            .is_some_and(|x| x.kind == TokenKind::Dot)
        {
            i += 2;
        } else {
            break;
        }
    }
    let rest = &rel_toks[(i + 1).min(rel_toks.len())..];
    // Only an alias may follow the relation (no joins, no lists).
    if rest.len() > 2 || (rest.len() == 2 && !is_kw(&rest[0], "AS")) {
        return None;
    }
    let rel = parts.pop()?;
    let ns = parts.pop();
    if !matches!(
        ns.as_deref(),
        None | Some("information_schema" | "pg_catalog")
    ) {
        return None;
    }
    // The conditions: `[alias.]column = 'literal'`, joined by AND.
    let mut conds: Vec<(String, String)> = Vec::new();
    for c in split_top(&t[where_at + 1..], "AND") {
        let c = strip_parens(c);
        let eq = c
            .iter()
            .position(|x| x.kind == TokenKind::Punct && x.text == "=")?;
        let lhs = &c[..eq];
        let rhs = &c[eq + 1..];
        let col = ident(lhs.last()?)?;
        let value = match rhs {
            [v] => string(v)?,
            // `'x'::regclass` and the like: the literal is what counts.
            [v, cast, _ty] if cast.text == "::" => string(v)?,
            _ => return None,
        };
        conds.push((col, value));
    }
    let get = |k: &str| conds.iter().find(|(c, _)| c == k).map(|(_, v)| v.clone());
    let known = |keys: &[&str]| conds.iter().all(|(c, _)| keys.contains(&c.as_str()));
    let probe = match rel.as_str() {
        "columns" if known(&["table_name", "column_name", "table_schema", "table_catalog"]) => {
            Probe::Column {
                schema: get("table_schema"),
                table: get("table_name")?,
                column: get("column_name")?,
            }
        }
        "tables" if known(&["table_name", "table_schema", "table_catalog", "table_type"]) => {
            Probe::Table {
                schema: get("table_schema"),
                name: get("table_name")?,
            }
        }
        "pg_tables" if known(&["tablename", "schemaname"]) => Probe::Table {
            schema: get("schemaname"),
            name: get("tablename")?,
        },
        "table_constraints"
            if known(&[
                "constraint_name",
                "table_name",
                "table_schema",
                "constraint_schema",
                "constraint_type",
            ]) =>
        {
            Probe::Constraint {
                table: get("table_name"),
                name: get("constraint_name")?,
            }
        }
        "pg_constraint" if known(&["conname"]) => Probe::Constraint {
            table: None,
            name: get("conname")?,
        },
        "pg_indexes" if known(&["indexname", "tablename", "schemaname"]) => Probe::Index {
            name: get("indexname")?,
        },
        "pg_class" if known(&["relname"]) => Probe::Relation {
            name: get("relname")?,
        },
        "pg_type" if known(&["typname"]) => Probe::Type {
            name: get("typname")?,
        },
        "pg_enum" if known(&["enumlabel"]) => Probe::EnumValue {
            value: get("enumlabel")?,
        },
        _ => return None,
    };
    Some(probe)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lex::lex;

    fn toks(src: &str) -> Vec<Tok<'_>> {
        lex(src)
            .tokens
            .into_iter()
            .filter(|t| !t.kind.is_trivia())
            .map(|t| Tok {
                kind: t.kind,
                text: t.text(src),
            })
            .collect()
    }

    #[test]
    fn catalog_probes() {
        let g = parse_condition(&toks(
            "NOT EXISTS (SELECT 1 FROM information_schema.table_constraints WHERE table_name = 'RuntimeEnvironment' AND constraint_name = 'x_fkey')",
        ));
        assert_eq!(
            g,
            Guard::Not(Box::new(Guard::Exists(Probe::Constraint {
                table: Some("RuntimeEnvironment".into()),
                name: "x_fkey".into()
            })))
        );
        let g = parse_condition(&toks(
            "EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = 'a') AND NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 't' AND column_name = 'c')",
        ));
        assert!(matches!(g, Guard::And(ref v) if v.len() == 2), "{g:?}");
        let g = parse_condition(&toks("current_setting('x') = 'y'"));
        assert!(matches!(g, Guard::Unknown(_)));
        let g = parse_condition(&toks(
            "EXISTS (SELECT 1 FROM pg_class JOIN pg_namespace n ON true WHERE relname = 'x')",
        ));
        assert!(matches!(g, Guard::Unknown(_)), "{g:?}");
    }

    #[test]
    fn evaluation() {
        let g = Guard::And(vec![
            Guard::Exists(Probe::Index { name: "a".into() }),
            Guard::Not(Box::new(Guard::Exists(Probe::Index { name: "b".into() }))),
        ]);
        let has = |p: &Probe| matches!(p, Probe::Index { name } if name == "a");
        assert_eq!(g.eval(&has), Some(true));
        assert_eq!(Guard::Unknown("x".into()).eval(&has), None);
    }
}
