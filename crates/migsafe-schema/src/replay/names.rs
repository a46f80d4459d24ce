//! PostgreSQL's naming: quoting, the 63-byte identifier limit, and the
//! names it chooses for constraints and indexes nobody named.

use super::*;

/// `"name"`, quotes doubled.
pub(super) fn q(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

pub(super) use migsafe_model::names::clip;
pub use migsafe_model::names::truncate_identifier;

/// PostgreSQL's `makeObjectName`: `name1_name2_label`, the longer of the
/// two names shortened first so that the whole fits 63 bytes.
pub fn make_object_name(name1: &str, name2: Option<&str>, label: &str) -> String {
    let mut overhead = 0usize;
    let mut n1 = name1.len();
    let mut n2 = 0usize;
    if let Some(n) = name2 {
        n2 = n.len();
        overhead += 1;
    }
    if !label.is_empty() {
        overhead += label.len() + 1;
    }
    let avail = MAX_IDENTIFIER_BYTES.saturating_sub(overhead);
    while n1 + n2 > avail {
        if n1 > n2 {
            n1 -= 1;
        } else if n2 > 0 {
            n2 -= 1;
        } else {
            break;
        }
    }
    let mut out = clip(name1, n1).to_owned();
    if let Some(n) = name2 {
        out.push('_');
        out.push_str(clip(n, n2));
    }
    if !label.is_empty() {
        out.push('_');
        out.push_str(label);
    }
    out
}

/// PostgreSQL's `ChooseIndexNameAddition` / `ChooseForeignKeyConstraintNameAddition`:
/// the column names joined with `_`, stopping once 64 bytes are reached.
pub(super) fn name_addition(columns: &[String]) -> String {
    let mut buf = String::new();
    for c in columns {
        if !buf.is_empty() {
            buf.push('_');
        }
        buf.push_str(clip(c, MAX_IDENTIFIER_BYTES));
        if buf.len() > MAX_IDENTIFIER_BYTES {
            break;
        }
    }
    buf
}

/// PostgreSQL's `ChooseIndexColumnNames`: expressions are named `expr`,
/// repeats get a number (`a`, `a1`, `expr`, `expr1`).
pub(super) fn index_column_names(
    cols: &[IndexColumn],
    include: &[String],
    table: &Table,
) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let all = cols
        .iter()
        .map(|c| {
            if table.column(&c.expr).is_some() {
                c.expr.clone()
            } else {
                figure_colname(&c.expr).unwrap_or_else(|| "expr".to_owned())
            }
        })
        .chain(include.iter().cloned());
    for orig in all {
        let mut cur = orig.clone();
        let mut i = 1u32;
        while out.contains(&cur) {
            let suffix = i.to_string();
            cur = format!(
                "{}{suffix}",
                clip(&orig, MAX_IDENTIFIER_BYTES.saturating_sub(suffix.len()))
            );
            i += 1;
        }
        out.push(cur);
    }
    out
}

/// PostgreSQL's `FigureColname` for an index expression: the function
/// name of a call (`lower(email)` → `lower`), the column under a cast
/// (`(id)::text` → `id`), `case`, `array`; `None` when PostgreSQL falls
/// back to `expr`.
pub(super) fn figure_colname(expr: &str) -> Option<String> {
    let e = crate::types::strip_outer_parens(expr);
    let stripped = crate::types::strip_casts(e);
    if stripped.len() < e.len() {
        return figure_colname(stripped);
    }
    let lower = e.to_ascii_lowercase();
    if lower.starts_with("case ") {
        return Some("case".to_owned());
    }
    if lower.starts_with("array[") || lower.starts_with("array(") {
        return Some("array".to_owned());
    }
    // A name, maybe qualified and quoted, then `(` or nothing.
    let b = e.as_bytes();
    let mut i = 0;
    let mut last;
    loop {
        if i < b.len() && b[i] == b'"' {
            let mut j = i + 1;
            let mut name = String::new();
            while j < b.len() {
                if b[j] == b'"' {
                    if j + 1 < b.len() && b[j + 1] == b'"' {
                        name.push('"');
                        j += 2;
                        continue;
                    }
                    break;
                }
                let ch = e[j..].chars().next()?;
                name.push(ch);
                j += ch.len_utf8();
            }
            last = name;
            i = j + 1;
        } else {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] >= 0x80) {
                i += 1;
            }
            if i == start {
                return None;
            }
            last = e.get(start..i)?.to_ascii_lowercase();
        }
        if i < b.len() && b[i] == b'.' {
            i += 1;
            continue;
        }
        break;
    }
    let rest = e.get(i..)?.trim_start();
    // A bare name, or one call that spans the whole rest (`f(a) + 1` is an
    // operator expression).
    let one_call = rest.starts_with('(') && crate::types::strip_outer_parens(rest) != rest;
    (rest.is_empty() || one_call).then_some(last)
}
