//! Default operator classes: an index column whose operator class is the
//! default one for its access method and column type is the same index as
//! one that names none (`pg_get_indexdef` leaves it out). One canonical
//! form for all three producers of a model: the replay, the Prisma mapping
//! and the introspection of a live database.

use crate::model::{QualName, SchemaModel, Table};
use crate::types::NormalizedType;

/// `(access method, input type, default operator class)`: the rows of
/// PostgreSQL 15's `pg_opclass` with `opcdefault`, input types as
/// `regtype` prints them. A test in `migsafe-oracle` compares this table
/// with a real server's catalog.
pub const DEFAULT_OPCLASSES: &[(&str, &str, &str)] = &[
    ("brin", "\"char\"", "char_minmax_ops"),
    ("brin", "anyrange", "range_inclusion_ops"),
    ("brin", "bigint", "int8_minmax_ops"),
    ("brin", "bit", "bit_minmax_ops"),
    ("brin", "bit varying", "varbit_minmax_ops"),
    ("brin", "box", "box_inclusion_ops"),
    ("brin", "bytea", "bytea_minmax_ops"),
    ("brin", "character", "bpchar_minmax_ops"),
    ("brin", "date", "date_minmax_ops"),
    ("brin", "double precision", "float8_minmax_ops"),
    ("brin", "inet", "inet_inclusion_ops"),
    ("brin", "integer", "int4_minmax_ops"),
    ("brin", "interval", "interval_minmax_ops"),
    ("brin", "macaddr", "macaddr_minmax_ops"),
    ("brin", "macaddr8", "macaddr8_minmax_ops"),
    ("brin", "name", "name_minmax_ops"),
    ("brin", "numeric", "numeric_minmax_ops"),
    ("brin", "oid", "oid_minmax_ops"),
    ("brin", "pg_lsn", "pg_lsn_minmax_ops"),
    ("brin", "real", "float4_minmax_ops"),
    ("brin", "smallint", "int2_minmax_ops"),
    ("brin", "text", "text_minmax_ops"),
    ("brin", "tid", "tid_minmax_ops"),
    ("brin", "time with time zone", "timetz_minmax_ops"),
    ("brin", "time without time zone", "time_minmax_ops"),
    ("brin", "timestamp with time zone", "timestamptz_minmax_ops"),
    (
        "brin",
        "timestamp without time zone",
        "timestamp_minmax_ops",
    ),
    ("brin", "uuid", "uuid_minmax_ops"),
    ("btree", "\"char\"", "char_ops"),
    ("btree", "anyarray", "array_ops"),
    ("btree", "anyenum", "enum_ops"),
    ("btree", "anymultirange", "multirange_ops"),
    ("btree", "anyrange", "range_ops"),
    ("btree", "bigint", "int8_ops"),
    ("btree", "bit", "bit_ops"),
    ("btree", "bit varying", "varbit_ops"),
    ("btree", "boolean", "bool_ops"),
    ("btree", "bytea", "bytea_ops"),
    ("btree", "character", "bpchar_ops"),
    ("btree", "date", "date_ops"),
    ("btree", "double precision", "float8_ops"),
    ("btree", "inet", "inet_ops"),
    ("btree", "integer", "int4_ops"),
    ("btree", "interval", "interval_ops"),
    ("btree", "jsonb", "jsonb_ops"),
    ("btree", "macaddr", "macaddr_ops"),
    ("btree", "macaddr8", "macaddr8_ops"),
    ("btree", "money", "money_ops"),
    ("btree", "name", "name_ops"),
    ("btree", "numeric", "numeric_ops"),
    ("btree", "oid", "oid_ops"),
    ("btree", "oidvector", "oidvector_ops"),
    ("btree", "pg_lsn", "pg_lsn_ops"),
    ("btree", "real", "float4_ops"),
    ("btree", "record", "record_ops"),
    ("btree", "smallint", "int2_ops"),
    ("btree", "text", "text_ops"),
    ("btree", "tid", "tid_ops"),
    ("btree", "time with time zone", "timetz_ops"),
    ("btree", "time without time zone", "time_ops"),
    ("btree", "timestamp with time zone", "timestamptz_ops"),
    ("btree", "timestamp without time zone", "timestamp_ops"),
    ("btree", "tsquery", "tsquery_ops"),
    ("btree", "tsvector", "tsvector_ops"),
    ("btree", "uuid", "uuid_ops"),
    ("btree", "xid8", "xid8_ops"),
    ("gin", "anyarray", "array_ops"),
    ("gin", "jsonb", "jsonb_ops"),
    ("gin", "tsvector", "tsvector_ops"),
    ("gist", "anymultirange", "multirange_ops"),
    ("gist", "anyrange", "range_ops"),
    ("gist", "box", "box_ops"),
    ("gist", "circle", "circle_ops"),
    ("gist", "point", "point_ops"),
    ("gist", "polygon", "poly_ops"),
    ("gist", "tsquery", "tsquery_ops"),
    ("gist", "tsvector", "tsvector_ops"),
    ("hash", "\"char\"", "char_ops"),
    ("hash", "aclitem", "aclitem_ops"),
    ("hash", "anyarray", "array_ops"),
    ("hash", "anyenum", "enum_ops"),
    ("hash", "anymultirange", "multirange_ops"),
    ("hash", "anyrange", "range_ops"),
    ("hash", "bigint", "int8_ops"),
    ("hash", "boolean", "bool_ops"),
    ("hash", "bytea", "bytea_ops"),
    ("hash", "character", "bpchar_ops"),
    ("hash", "cid", "cid_ops"),
    ("hash", "date", "date_ops"),
    ("hash", "double precision", "float8_ops"),
    ("hash", "inet", "inet_ops"),
    ("hash", "integer", "int4_ops"),
    ("hash", "interval", "interval_ops"),
    ("hash", "jsonb", "jsonb_ops"),
    ("hash", "macaddr", "macaddr_ops"),
    ("hash", "macaddr8", "macaddr8_ops"),
    ("hash", "name", "name_ops"),
    ("hash", "numeric", "numeric_ops"),
    ("hash", "oid", "oid_ops"),
    ("hash", "oidvector", "oidvector_ops"),
    ("hash", "pg_lsn", "pg_lsn_ops"),
    ("hash", "real", "float4_ops"),
    ("hash", "record", "record_ops"),
    ("hash", "smallint", "int2_ops"),
    ("hash", "text", "text_ops"),
    ("hash", "tid", "tid_ops"),
    ("hash", "time with time zone", "timetz_ops"),
    ("hash", "time without time zone", "time_ops"),
    ("hash", "timestamp with time zone", "timestamptz_ops"),
    ("hash", "timestamp without time zone", "timestamp_ops"),
    ("hash", "uuid", "uuid_ops"),
    ("hash", "xid", "xid_ops"),
    ("hash", "xid8", "xid8_ops"),
    ("spgist", "anyrange", "range_ops"),
    ("spgist", "box", "box_ops"),
    ("spgist", "inet", "inet_ops"),
    ("spgist", "point", "quad_point_ops"),
    ("spgist", "polygon", "poly_ops"),
    ("spgist", "text", "text_ops"),
];

/// The type whose default operator class a column of type `ty` uses:
/// arrays use `anyarray`'s, enums `anyenum`'s, and the binary-coercible
/// types without one of their own (`varchar`, `cidr`) their target's.
/// `None` for a user type that is not a known enum (a domain, a composite).
fn opclass_input_type(
    ty: &NormalizedType,
    is_enum: impl Fn(&NormalizedType) -> bool,
) -> Option<String> {
    if ty.is_array() {
        return Some("anyarray".to_owned());
    }
    if ty.user_type().is_some() {
        return is_enum(ty).then(|| "anyenum".to_owned());
    }
    // `character varying(255)` → `character varying`,
    // `timestamp(3) without time zone` → `timestamp without time zone`.
    let s = ty.as_str();
    let base = match (s.find('('), s.find(')')) {
        (Some(o), Some(c)) if c > o => {
            let rest = s[c + 1..].trim_start();
            if rest.is_empty() {
                s[..o].trim_end().to_owned()
            } else {
                format!("{} {rest}", s[..o].trim_end())
            }
        }
        _ => s.to_owned(),
    };
    Some(match base.as_str() {
        "character varying" => "text".to_owned(),
        "cidr" => "inet".to_owned(),
        "char" => "\"char\"".to_owned(),
        _ => base,
    })
}

/// The default operator class of `method` for a column of type `ty`.
pub fn default_opclass(
    method: &str,
    ty: &NormalizedType,
    is_enum: impl Fn(&NormalizedType) -> bool,
) -> Option<&'static str> {
    let input = opclass_input_type(ty, is_enum)?;
    DEFAULT_OPCLASSES
        .iter()
        .find(|(am, t, _)| *am == method && *t == input)
        .map(|(_, _, opc)| *opc)
}

/// Drops every operator class that is the default one for its column, in
/// every index of the model.
pub fn canonicalize_opclasses(model: &mut SchemaModel) {
    let SchemaModel { tables, enums, .. } = model;
    for table in tables.values_mut() {
        canonicalize_table(table, &|t| is_enum(enums, t));
    }
}

/// [`canonicalize_opclasses`] for one table, with its columns' types of
/// now: a default operator class named when an index is created is the
/// default of that moment's type (PostgreSQL rebuilds the index with the
/// new type's default when the column's type changes later).
pub fn canonicalize_table_opclasses(model: &mut SchemaModel, table: &QualName) {
    let SchemaModel { tables, enums, .. } = model;
    if let Some(t) = tables.get_mut(table) {
        canonicalize_table(t, &|ty| is_enum(enums, ty));
    }
}

fn is_enum(
    enums: &std::collections::BTreeMap<QualName, crate::model::EnumType>,
    t: &NormalizedType,
) -> bool {
    t.user_type()
        .is_some_and(|(schema, name)| enums.contains_key(&QualName::new(schema.as_deref(), name)))
}

fn canonicalize_table(table: &mut Table, is_enum: &impl Fn(&NormalizedType) -> bool) {
    let Table {
        columns, indexes, ..
    } = table;
    for index in indexes.iter_mut() {
        let method = index.method.clone().unwrap_or_else(|| "btree".to_owned());
        for c in &mut index.columns {
            let Some(op) = c.opclass.as_deref() else {
                continue;
            };
            let Some(col) = columns.iter().find(|col| col.name == c.expr) else {
                continue;
            };
            if default_opclass(&method, &col.ty, is_enum) == Some(op) {
                c.opclass = None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::normalize_type;

    #[test]
    fn defaults_by_type() {
        let no_enum = |_: &NormalizedType| false;
        assert_eq!(
            default_opclass("gin", &normalize_type("text[]"), no_enum),
            Some("array_ops")
        );
        assert_eq!(
            default_opclass("btree", &normalize_type("int"), no_enum),
            Some("int4_ops")
        );
        assert_eq!(
            default_opclass("btree", &normalize_type("varchar(20)"), no_enum),
            Some("text_ops")
        );
        assert_eq!(
            default_opclass("btree", &normalize_type("timestamp(3)"), no_enum),
            Some("timestamp_ops")
        );
        assert_eq!(
            default_opclass("gin", &normalize_type("jsonb"), no_enum),
            Some("jsonb_ops")
        );
        assert_eq!(
            default_opclass("gin", &normalize_type("text"), no_enum),
            None
        );
        assert_eq!(
            default_opclass("btree", &normalize_type("\"Mood\""), no_enum),
            None
        );
        assert_eq!(
            default_opclass("btree", &normalize_type("\"Mood\""), |_| true),
            Some("enum_ops")
        );
    }
}
