//! The canonical form of a model, the same for all three producers (the
//! replay, the Prisma mapping, the introspection of a live database):
//! spellings that are the same object in PostgreSQL become one.
//!
//! - an index column's operator class that is the default one for its
//!   access method and column type is left out ([`crate::opclass`]);
//! - a quoted numeric default of a numeric column is its number
//!   (`DEFAULT '2.5'` on `numeric` is stored as `2.5`).

use crate::model::{DefaultValue, SchemaModel};

/// Brings every part of `model` into the canonical form.
pub fn canonicalize(model: &mut SchemaModel) {
    crate::opclass::canonicalize_opclasses(model);
    for table in model.tables.values_mut() {
        for c in &mut table.columns {
            if !is_numeric_type(c.ty.as_str()) {
                continue;
            }
            if let Some(DefaultValue::Literal(l)) = &mut c.default
                && let Some(inner) = l.strip_prefix('\'').and_then(|s| s.strip_suffix('\''))
                && let Some(n) = canonical_number(inner.trim())
            {
                *l = n;
            }
        }
    }
}

fn is_numeric_type(ty: &str) -> bool {
    let base = ty.split('(').next().unwrap_or(ty).trim();
    matches!(
        base,
        "integer" | "bigint" | "smallint" | "numeric" | "real" | "double precision"
    )
}

/// `2.50` → `2.5`, `+3` → `3`, `-0.0` → `0`; `None` for anything that is
/// not a plain decimal number.
fn canonical_number(s: &str) -> Option<String> {
    let (neg, digits) = match s.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let mut parts = digits.splitn(2, '.');
    let int = parts.next()?;
    let frac = parts.next().unwrap_or("");
    if (int.is_empty() && frac.is_empty())
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let int = int.trim_start_matches('0');
    let frac = frac.trim_end_matches('0');
    let int = if int.is_empty() { "0" } else { int };
    let body = if frac.is_empty() {
        int.to_owned()
    } else {
        format!("{int}.{frac}")
    };
    Some(if neg && body != "0" {
        format!("-{body}")
    } else {
        body
    })
}

#[cfg(test)]
mod tests {
    use super::canonical_number;

    #[test]
    fn numbers() {
        assert_eq!(canonical_number("2.50").as_deref(), Some("2.5"));
        assert_eq!(canonical_number("+3").as_deref(), Some("3"));
        assert_eq!(canonical_number("-0.0").as_deref(), Some("0"));
        assert_eq!(canonical_number("007").as_deref(), Some("7"));
        assert_eq!(canonical_number(".5").as_deref(), Some("0.5"));
        assert_eq!(canonical_number("1e3"), None);
        assert_eq!(canonical_number("abc"), None);
        assert_eq!(canonical_number(""), None);
    }
}
