//! Small conversions and expression helpers shared by the object kinds.

use super::*;

pub(super) fn ref_action(a: IrRefAction) -> RefAction {
    match a {
        IrRefAction::NoAction => RefAction::NoAction,
        IrRefAction::Restrict => RefAction::Restrict,
        IrRefAction::Cascade => RefAction::Cascade,
        IrRefAction::SetNull => RefAction::SetNull,
        IrRefAction::SetDefault => RefAction::SetDefault,
    }
}

pub(super) use crate::locks::qual;

/// A name in the schema of `t` (an index or constraint named in a
/// statement about table `t`).
pub(super) fn migsafe_schema_fk(
    fk: &ForeignKeySpec,
    validated: bool,
) -> crate::model::FkCharacteristics {
    crate::model::FkCharacteristics {
        deferrable: fk.deferrable,
        initially_deferred: fk.initially_deferred,
        validated,
    }
}

pub(super) fn sibling(t: &QualName, name: &str) -> QualName {
    QualName {
        schema: t.schema.clone(),
        name: truncate_identifier(name),
    }
}

/// True when the column's type is the user-defined type `ty`.
pub(super) fn uses_type(c: &Column, ty: &QualName) -> bool {
    match c.ty.user_type() {
        Some((schema, name)) => {
            name == ty.name && schema.as_deref().unwrap_or(DEFAULT_SCHEMA) == ty.schema
        }
        None => false,
    }
}

/// Replaces the identifier `from` by `to` in an expression (quoted, or
/// bare when `from` is a plain lower-case name), leaving string literals
/// alone.
pub(super) fn rename_in_expression(expr: &str, from: &str, to: &str) -> String {
    let bare_ok = from
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    let quoted_to = q(to);
    let to_bare = if to
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        to.to_owned()
    } else {
        quoted_to.clone()
    };
    // On the one lexer: string literals and comments are left alone.
    let mut out = String::with_capacity(expr.len());
    let mut after_dot = false;
    for t in migsafe_classify::lex::lex(expr).tokens {
        let text = t.text(expr);
        let replaced = match t.kind {
            migsafe_classify::lex::TokenKind::QuotedIdent
                if migsafe_classify::lex::ident_value(t.kind, text) == from =>
            {
                Some(quoted_to.as_str())
            }
            migsafe_classify::lex::TokenKind::Word
                if bare_ok && !after_dot && text.to_ascii_lowercase() == from =>
            {
                Some(to_bare.as_str())
            }
            _ => None,
        };
        out.push_str(replaced.unwrap_or(text));
        after_dot = t.kind == migsafe_classify::lex::TokenKind::Dot;
    }
    out
}

/// True when the expression names the column (quoted, or bare for a plain
/// lower-case name).
pub(super) fn expression_mentions(expr: &str, column: &str) -> bool {
    rename_in_expression(expr, column, "\u{1}") != expr
}

pub(super) fn same_set(a: &[String], b: &[String]) -> bool {
    a.len() == b.len() && a.iter().all(|x| b.contains(x))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum ConstraintRef {
    PrimaryKey,
    Unique,
    ForeignKey,
    Check,
}

/// A column default as PostgreSQL keeps it: `DEFAULT NULL` (with or
/// without a cast) stores no default at all.
pub(super) fn column_default(expr: &str) -> Option<DefaultValue> {
    match normalize_default(expr) {
        DefaultValue::Literal(l) if l == "null" => None,
        d => Some(d),
    }
}

pub(super) fn sql_lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// The name of a table's primary key: its own, or the one PostgreSQL
/// gives an unnamed one (`t_pkey`).
pub(super) fn pk_name(t: &Table) -> Option<String> {
    t.primary_key.as_ref().map(|pk| {
        pk.name
            .clone()
            .unwrap_or_else(|| make_object_name(&t.name.name, None, "pkey"))
    })
}

/// The collation a `COLLATE` clause names, as PostgreSQL stores it: quoted
/// parts unquoted, unquoted parts folded, `pg_catalog.` dropped; `None`
/// for `default` (the type's own collation); `public.` dropped too, as
/// introspection drops it.
pub(super) fn collation_name(written: &str) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    let mut chars = written.trim().chars().peekable();
    let mut cur = String::new();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                while let Some(q) = chars.next() {
                    if q == '"' {
                        if chars.peek() == Some(&'"') {
                            chars.next();
                            cur.push('"');
                        } else {
                            break;
                        }
                    } else {
                        cur.push(q);
                    }
                }
            }
            '.' => parts.push(std::mem::take(&mut cur)),
            c if c.is_whitespace() => {}
            c => cur.push(c.to_ascii_lowercase()),
        }
    }
    parts.push(cur);
    if parts.len() == 2 && (parts[0] == "pg_catalog" || parts[0] == "public") {
        parts.remove(0);
    }
    let name = parts.join(".");
    (name != "default" && !name.is_empty()).then_some(name)
}
