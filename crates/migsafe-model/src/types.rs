//! Normalized column types and defaults.
//!
//! Every producer of a [`crate::SchemaModel`] passes the type and default it
//! read (Prisma's native type, a migration's `VARCHAR(255)`, the catalog's
//! `character varying(255)`) through [`normalize_type`] and
//! [`normalize_default`], so equal things compare equal. The canonical
//! spelling is PostgreSQL's own `format_type` output.

use std::fmt;

use serde::Serialize;

use crate::model::DefaultValue;

/// A column type in PostgreSQL's canonical spelling: `integer`,
/// `character varying(255)`, `timestamp(3) without time zone`,
/// `numeric(65,30)`, `text[]`; a user-defined type (an enum) is written
/// quoted, `"Role"`, or schema-qualified, `"audit"."Role"`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct NormalizedType(String);

impl NormalizedType {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The element type of an array type, or the type itself.
    pub fn element(&self) -> &str {
        self.0.trim_end_matches("[]")
    }

    pub fn is_array(&self) -> bool {
        self.0.ends_with("[]")
    }

    /// The name of the user-defined type (enum) this column uses, if any,
    /// as `(schema, name)` with `schema` `None` when unqualified.
    pub fn user_type(&self) -> Option<(Option<String>, String)> {
        let e = self.element();
        if !e.starts_with('"') {
            return None;
        }
        let parts = split_quoted_path(e);
        match parts.as_slice() {
            [name] => Some((None, name.clone())),
            [schema, name] => Some((Some(schema.clone()), name.clone())),
            _ => None,
        }
    }

    /// The same type with its user-defined element renamed (used when an
    /// enum is renamed).
    pub fn with_user_type(&self, schema: Option<&str>, name: &str) -> NormalizedType {
        let dims = &self.0[self.element().len()..];
        let base = match schema {
            Some(s) if s != crate::model::DEFAULT_SCHEMA => format!("\"{s}\".\"{name}\""),
            _ => format!("\"{name}\""),
        };
        NormalizedType(format!("{base}{dims}"))
    }
}

impl fmt::Display for NormalizedType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn split_quoted_path(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_q = false;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if in_q && chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            '"' => in_q = !in_q,
            '.' if !in_q => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// Builtin type names (lower case, words separated by one space) and their
/// canonical spelling. `None` for the canonical name means "same".
const BUILTINS: &[(&str, &str)] = &[
    ("int", "integer"),
    ("int4", "integer"),
    ("integer", "integer"),
    ("serial", "integer"),
    ("serial4", "integer"),
    ("bigint", "bigint"),
    ("int8", "bigint"),
    ("bigserial", "bigint"),
    ("serial8", "bigint"),
    ("smallint", "smallint"),
    ("int2", "smallint"),
    ("smallserial", "smallint"),
    ("serial2", "smallint"),
    ("text", "text"),
    ("varchar", "character varying"),
    ("character varying", "character varying"),
    ("char", "character"),
    ("character", "character"),
    ("bpchar", "character"),
    ("boolean", "boolean"),
    ("bool", "boolean"),
    ("real", "real"),
    ("float4", "real"),
    ("double precision", "double precision"),
    ("float8", "double precision"),
    ("float", "double precision"),
    ("numeric", "numeric"),
    ("decimal", "numeric"),
    ("timestamp", "timestamp without time zone"),
    ("timestamp without time zone", "timestamp without time zone"),
    ("timestamptz", "timestamp with time zone"),
    ("timestamp with time zone", "timestamp with time zone"),
    ("time", "time without time zone"),
    ("time without time zone", "time without time zone"),
    ("timetz", "time with time zone"),
    ("time with time zone", "time with time zone"),
    ("date", "date"),
    ("interval", "interval"),
    ("json", "json"),
    ("jsonb", "jsonb"),
    // Pseudo-types, which functions take and return.
    ("trigger", "trigger"),
    ("event_trigger", "event_trigger"),
    ("void", "void"),
    ("record", "record"),
    ("anyelement", "anyelement"),
    ("anyarray", "anyarray"),
    ("uuid", "uuid"),
    ("bytea", "bytea"),
    ("inet", "inet"),
    ("cidr", "cidr"),
    ("macaddr", "macaddr"),
    ("macaddr8", "macaddr8"),
    ("xml", "xml"),
    ("money", "money"),
    ("tsvector", "tsvector"),
    ("tsquery", "tsquery"),
    ("oid", "oid"),
    ("citext", "citext"),
    ("bit", "bit"),
    ("varbit", "bit varying"),
    ("bit varying", "bit varying"),
    ("point", "point"),
    ("line", "line"),
    ("box", "box"),
    ("polygon", "polygon"),
    ("circle", "circle"),
    ("int4range", "int4range"),
    ("int8range", "int8range"),
    ("numrange", "numrange"),
    ("tsrange", "tsrange"),
    ("tstzrange", "tstzrange"),
    ("daterange", "daterange"),
    ("vector", "vector"),
];

/// True for `SERIAL`, `BIGSERIAL`, `SMALLSERIAL` (and their aliases): the
/// column gets a sequence default and `NOT NULL`.
pub fn is_serial(ty: &str) -> bool {
    matches!(
        ty.trim().to_ascii_lowercase().as_str(),
        "serial" | "serial4" | "bigserial" | "serial8" | "smallserial" | "serial2"
    )
}

/// Normalizes a type as written in SQL, Prisma native types or the catalog.
///
/// Unknown unquoted names are user-defined types and fold to lower case, as
/// PostgreSQL folds them; quoted names keep their case.
pub fn normalize_type(input: &str) -> NormalizedType {
    let mut s = input.trim();
    let mut dims = 0usize;
    loop {
        let t = s.trim_end();
        if let Some(rest) = t.strip_suffix(']') {
            // `text[]`, `integer[3]`
            if let Some(open) = rest.rfind('[') {
                s = &rest[..open];
                dims += 1;
                continue;
            }
        }
        let lower = t.to_ascii_lowercase();
        if lower.ends_with(" array") && !t.ends_with('"') {
            s = &t[..t.len() - " array".len()];
            dims += 1;
            continue;
        }
        s = t;
        break;
    }
    let mut base = normalize_scalar(s);
    for _ in 0..dims {
        base.push_str("[]");
    }
    NormalizedType(base)
}

fn normalize_scalar(s: &str) -> String {
    let s = s.trim();
    if s.contains('"') {
        // A quoted (user-defined) name, maybe schema-qualified.
        // PostgreSQL truncates every identifier to 63 bytes.
        let parts: Vec<String> = split_quoted_path(s)
            .iter()
            .map(|p| crate::names::truncate_identifier(p))
            .collect();
        return match parts.as_slice() {
            [schema, name] if schema != crate::model::DEFAULT_SCHEMA => {
                format!("\"{schema}\".\"{name}\"")
            }
            [.., name] => format!("\"{name}\""),
            [] => String::new(),
        };
    }
    // Pull out the modifier `(…)` wherever it stands.
    let (words, modifier) = match (s.find('('), s.rfind(')')) {
        (Some(o), Some(c)) if c > o => {
            let m: String = s[o + 1..c].chars().filter(|c| !c.is_whitespace()).collect();
            (format!("{} {}", &s[..o], &s[c + 1..]), Some(m))
        }
        _ => (s.to_owned(), None),
    };
    let words = words
        .split_whitespace()
        .map(|w| w.to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join(" ");
    // Schema-qualified builtin (`pg_catalog.int4`) or user type (`audit.role`).
    let (schema, bare) = match words.rsplit_once('.') {
        Some((sch, b)) => (
            Some(crate::names::truncate_identifier(sch)),
            crate::names::truncate_identifier(b),
        ),
        None => (None, crate::names::truncate_identifier(&words)),
    };
    let canonical = BUILTINS
        .iter()
        .find(|(k, _)| *k == bare)
        .map(|(_, v)| *v)
        .filter(|_| schema.as_deref().is_none_or(|s| s == "pg_catalog"));
    match canonical {
        Some(c) => apply_modifier(c, modifier.as_deref()),
        None => match schema {
            Some(sch) if sch != crate::model::DEFAULT_SCHEMA => format!("\"{sch}\".\"{bare}\""),
            _ => format!("\"{bare}\""),
        },
    }
}

fn apply_modifier(canonical: &str, modifier: Option<&str>) -> String {
    match (canonical, modifier) {
        // PostgreSQL: `char` alone is `character(1)`; `float(p)` picks real
        // or double precision.
        ("character", None) => "character(1)".to_owned(),
        ("double precision", Some(p)) => match p.parse::<u32>() {
            Ok(n) if n <= 24 => "real".to_owned(),
            _ => "double precision".to_owned(),
        },
        (c, None) => c.to_owned(),
        (c, Some(m)) => {
            if let Some(rest) = c.strip_suffix(" without time zone") {
                format!("{rest}({m}) without time zone")
            } else if let Some(rest) = c.strip_suffix(" with time zone") {
                format!("{rest}({m}) with time zone")
            } else {
                format!("{c}({m})")
            }
        }
    }
}

/// Normalizes a default expression (SQL text) for comparison.
pub fn normalize_default(expr: &str) -> DefaultValue {
    let mut e = strip_casts(strip_outer_parens(expr.trim()));
    e = strip_outer_parens(e);
    let lower = e.to_ascii_lowercase();
    if lower.starts_with("nextval(") {
        return DefaultValue::Sequence;
    }
    if is_string_literal(e) {
        let lit = if e.starts_with(['E', 'e']) {
            &e[1..]
        } else {
            e
        };
        return DefaultValue::Literal(lit.to_owned());
    }
    if is_number(e) {
        return DefaultValue::Literal(normalize_number(e));
    }
    match lower.as_str() {
        "true" | "false" | "null" => return DefaultValue::Literal(lower),
        "now()" | "current_timestamp" | "transaction_timestamp()" => {
            return DefaultValue::Expression("current_timestamp".to_owned());
        }
        _ => {}
    }
    if lower.starts_with("current_timestamp(") {
        return DefaultValue::Expression("current_timestamp".to_owned());
    }
    DefaultValue::Expression(normalize_expression(e))
}

fn is_string_literal(e: &str) -> bool {
    let body = if e.starts_with(['E', 'e']) {
        &e[1..]
    } else {
        e
    };
    if !(body.len() >= 2 && body.starts_with('\'') && body.ends_with('\'')) {
        return false;
    }
    // The whole text is one literal: no lone quote inside.
    let inner = &body[1..body.len() - 1];
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\'' {
            if chars.peek() == Some(&'\'') {
                chars.next();
            } else {
                return false;
            }
        }
    }
    true
}

fn is_number(e: &str) -> bool {
    let d = e
        .strip_prefix('-')
        .or_else(|| e.strip_prefix('+'))
        .unwrap_or(e);
    !d.is_empty()
        && d.chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == 'e' || c == 'E')
        && d.chars()
            .next()
            .is_some_and(|c| c.is_ascii_digit() || c == '.')
}

fn normalize_number(e: &str) -> String {
    let e = e.strip_prefix('+').unwrap_or(e);
    if e.contains('.') && !e.contains(['e', 'E']) {
        let t = e.trim_end_matches('0').trim_end_matches('.');
        let t = if t.is_empty() || t == "-" { "0" } else { t };
        return t.to_owned();
    }
    e.to_owned()
}

/// Removes parentheses that wrap the whole expression.
pub fn strip_outer_parens(mut e: &str) -> &str {
    loop {
        let t = e.trim();
        if t.starts_with('(') && t.ends_with(')') && matching_close(t, 0) == Some(t.len() - 1) {
            e = &t[1..t.len() - 1];
        } else {
            return t;
        }
    }
}

/// Byte index of the `)` matching the `(` at `open`, skipping quotes.
fn matching_close(s: &str, open: usize) -> Option<usize> {
    let b = s.as_bytes();
    let mut depth = 0usize;
    let mut i = open;
    while i < b.len() {
        match b[i] {
            b'\'' | b'"' => {
                let q = b[i];
                i += 1;
                while i < b.len() && b[i] != q {
                    i += 1;
                }
            }
            b'(' => depth += 1,
            b')' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Removes top-level `::type` casts at the end of the expression
/// (`'a'::text`, `'{}'::jsonb`, `ARRAY[]::text[]`).
pub fn strip_casts(e: &str) -> &str {
    let mut e = e.trim();
    loop {
        match top_level_cast(e) {
            Some(i) => e = e[..i].trim_end(),
            None => return e,
        }
    }
}

fn top_level_cast(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut depth = 0i32;
    let mut i = 0;
    let mut found = None;
    while i < b.len() {
        match b[i] {
            b'\'' | b'"' => {
                let q = b[i];
                i += 1;
                while i < b.len() {
                    if b[i] == q {
                        if i + 1 < b.len() && b[i + 1] == q {
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    i += 1;
                }
            }
            b'(' | b'[' => depth += 1,
            b')' | b']' => depth -= 1,
            b':' if depth == 0 && i + 1 < b.len() && b[i + 1] == b':' => {
                found = Some(i);
                i += 1;
            }
            _ => {}
        }
        i += 1;
    }
    // Only a cast that ends the expression (the rest is a type name) counts.
    found.filter(|&i| {
        let ty = &s[i + 2..];
        !ty.is_empty()
            && ty.chars().all(|c| {
                c.is_alphanumeric()
                    || matches!(c, '_' | '"' | '.' | ' ' | '[' | ']' | '(' | ')' | ',')
            })
    })
}

/// Words PostgreSQL's `quote_ident` keeps quoted even when they are lower
/// case: every keyword that is not unreserved (`pg_get_keywords()` with
/// `catcode <> 'U'` on PostgreSQL 15; a test compares the two).
pub const RESERVED: &[&str] = &[
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "authorization",
    "between",
    "bigint",
    "binary",
    "bit",
    "boolean",
    "both",
    "case",
    "cast",
    "char",
    "character",
    "check",
    "coalesce",
    "collate",
    "collation",
    "column",
    "concurrently",
    "constraint",
    "create",
    "cross",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "dec",
    "decimal",
    "default",
    "deferrable",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "exists",
    "extract",
    "false",
    "fetch",
    "float",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "grant",
    "greatest",
    "group",
    "grouping",
    "having",
    "ilike",
    "in",
    "initially",
    "inner",
    "inout",
    "int",
    "integer",
    "intersect",
    "interval",
    "into",
    "is",
    "isnull",
    "join",
    "lateral",
    "leading",
    "least",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "national",
    "natural",
    "nchar",
    "none",
    "normalize",
    "not",
    "notnull",
    "null",
    "nullif",
    "numeric",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "out",
    "outer",
    "overlaps",
    "overlay",
    "placing",
    "position",
    "precision",
    "primary",
    "real",
    "references",
    "returning",
    "right",
    "row",
    "select",
    "session_user",
    "setof",
    "similar",
    "smallint",
    "some",
    "substring",
    "symmetric",
    "table",
    "tablesample",
    "then",
    "time",
    "timestamp",
    "to",
    "trailing",
    "treat",
    "trim",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "values",
    "varchar",
    "variadic",
    "verbose",
    "when",
    "where",
    "window",
    "with",
    "xmlattributes",
    "xmlconcat",
    "xmlelement",
    "xmlexists",
    "xmlforest",
    "xmlnamespaces",
    "xmlparse",
    "xmlpi",
    "xmlroot",
    "xmlserialize",
    "xmltable",
];

/// Whether PostgreSQL's deparser prints the name without quotes: plain
/// lower case, not reserved.
pub fn needs_no_quotes(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && RESERVED.binary_search(&name).is_err()
}

/// A quoted identifier that does not need its quotes (`"price"`).
fn needless_quotes(quoted: &str) -> Option<&str> {
    let inner = quoted.strip_prefix('"')?.strip_suffix('"')?;
    needs_no_quotes(inner).then_some(inner)
}

/// The canonical form of an expression ([`crate::expr::canonical`]); for
/// what its parser does not know, the token-level form
/// ([`normalize_expression_tokens`]).
pub fn normalize_expression(e: &str) -> String {
    crate::expr::canonical(e).unwrap_or_else(|| normalize_expression_tokens(e))
}

/// Lower-cases outside quotes, collapses whitespace and drops it next to
/// punctuation, and drops the quotes of identifiers that do not need them
/// (`"price" >= 0` and `price >= 0` are the same expression).
pub fn normalize_expression_tokens(e: &str) -> String {
    let mut out = String::with_capacity(e.len());
    let b = e.as_bytes();
    let mut i = 0;
    let mut pending_space = false;
    while i < b.len() {
        let c = b[i];
        if c == b'\'' || c == b'"' {
            let start = i;
            i += 1;
            while i < b.len() {
                if b[i] == c {
                    if i + 1 < b.len() && b[i + 1] == c {
                        i += 2;
                        continue;
                    }
                    break;
                }
                i += 1;
            }
            let end = (i + 1).min(b.len());
            flush_space(&mut out, &mut pending_space, e[start..].chars().next());
            let piece = &e[start..end];
            if c == b'"' {
                // PostgreSQL truncates every identifier to 63 bytes.
                let inner = piece
                    .strip_prefix('"')
                    .and_then(|p| p.strip_suffix('"'))
                    .unwrap_or(piece);
                let quoted = format!("\"{}\"", crate::names::truncate_identifier(inner));
                match needless_quotes(&quoted) {
                    Some(bare) => out.push_str(bare),
                    None => out.push_str(&quoted),
                }
            } else {
                out.push_str(piece);
            }
            i = end;
            continue;
        }
        if c.is_ascii_alphabetic() || c == b'_' || c >= 0x80 {
            // A word: keyword, function or column name, folded ASCII-only
            // and truncated to 63 bytes as PostgreSQL's scanner does.
            let start = i;
            while i < b.len()
                && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'$' || b[i] >= 0x80)
            {
                i += 1;
            }
            // A number glued to letters (`1e5`) is not a word: digits
            // before it were pushed already, and the word goes on as is.
            flush_space(&mut out, &mut pending_space, Some(c as char));
            let word = e[start..i].to_ascii_lowercase();
            out.push_str(&crate::names::truncate_identifier(&word));
            continue;
        }
        if c.is_ascii_whitespace() {
            pending_space = true;
            i += 1;
            continue;
        }
        let ch_len = e[i..].chars().next().map_or(1, char::len_utf8);
        let piece = &e[i..i + ch_len];
        let first = piece.chars().next();
        flush_space(&mut out, &mut pending_space, first);
        out.push_str(&piece.to_ascii_lowercase());
        i += ch_len;
    }
    out
}

fn flush_space(out: &mut String, pending: &mut bool, next: Option<char>) {
    if *pending {
        let prev = out.chars().last();
        let punct = |c: Option<char>| matches!(c, Some('(' | ')' | ',' | '[' | ']' | ':'));
        if !out.is_empty() && !punct(prev) && !punct(next) {
            out.push(' ');
        }
        *pending = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> String {
        normalize_type(s).to_string()
    }

    #[test]
    fn builtin_aliases() {
        assert_eq!(t("INT"), "integer");
        assert_eq!(t("int4"), "integer");
        assert_eq!(t("SERIAL"), "integer");
        assert_eq!(t("VARCHAR(255)"), "character varying(255)");
        assert_eq!(t("character varying ( 255 )"), "character varying(255)");
        assert_eq!(t("TIMESTAMP(3)"), "timestamp(3) without time zone");
        assert_eq!(
            t("timestamp(3) without time zone"),
            "timestamp(3) without time zone"
        );
        assert_eq!(t("TIMESTAMPTZ(6)"), "timestamp(6) with time zone");
        assert_eq!(t("timestamp with time zone"), "timestamp with time zone");
        assert_eq!(t("DECIMAL(65,30)"), "numeric(65,30)");
        assert_eq!(t("DOUBLE PRECISION"), "double precision");
        assert_eq!(t("float8"), "double precision");
        assert_eq!(t("CHAR"), "character(1)");
        assert_eq!(t("TEXT[]"), "text[]");
        assert_eq!(t("integer ARRAY"), "integer[]");
        assert_eq!(t("pg_catalog.int4"), "integer");
    }

    #[test]
    fn user_types() {
        assert_eq!(t("\"Role\""), "\"Role\"");
        assert_eq!(t("\"public\".\"Role\""), "\"Role\"");
        assert_eq!(t("\"audit\".\"Role\"[]"), "\"audit\".\"Role\"[]");
        assert_eq!(t("mood"), "\"mood\"");
        let ty = normalize_type("\"Role\"[]");
        assert_eq!(ty.user_type(), Some((None, "Role".to_owned())));
        assert_eq!(
            ty.with_user_type(None, "Role_new").to_string(),
            "\"Role_new\"[]"
        );
    }

    #[test]
    fn needless_identifier_quotes_are_dropped() {
        assert_eq!(normalize_expression("(\"price\" >= 0)"), "price >= 0");
        assert_eq!(normalize_expression("\"Price\" >= 0"), "\"Price\" >= 0");
        assert_eq!(normalize_expression("\"user\" = 'x'"), "\"user\" = 'x'");
        assert_eq!(normalize_expression("'\"a\"'"), "'\"a\"'");
    }

    #[test]
    fn defaults() {
        assert_eq!(
            normalize_default("CURRENT_TIMESTAMP"),
            normalize_default("now()")
        );
        assert_eq!(
            normalize_default("'abc'::text"),
            DefaultValue::Literal("'abc'".into())
        );
        assert_eq!(
            normalize_default("'USER'::\"Role\""),
            DefaultValue::Literal("'USER'".into())
        );
        assert_eq!(normalize_default("0"), DefaultValue::Literal("0".into()));
        assert_eq!(normalize_default("0.0"), DefaultValue::Literal("0".into()));
        assert_eq!(
            normalize_default("TRUE"),
            DefaultValue::Literal("true".into())
        );
        assert_eq!(
            normalize_default("nextval('\"User_id_seq\"'::regclass)"),
            DefaultValue::Sequence
        );
        assert_eq!(
            normalize_default("gen_random_uuid()"),
            DefaultValue::Expression("gen_random_uuid()".into())
        );
        assert_eq!(
            normalize_default("ARRAY[]::TEXT[]"),
            DefaultValue::Expression("array[]".into())
        );
        assert_eq!(
            normalize_default("'{}'::jsonb"),
            DefaultValue::Literal("'{}'".into())
        );
        assert_eq!(
            normalize_default("(-1)"),
            DefaultValue::Literal("-1".into())
        );
    }
}
