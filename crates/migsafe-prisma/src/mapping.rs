//! The schema as Prisma Migrate creates it on PostgreSQL.
//!
//! Every type and default is first written the way Prisma writes it in a
//! migration (`TIMESTAMP(3)`, `DEFAULT CURRENT_TIMESTAMP`,
//! `ARRAY['a']::TEXT[]`) and then passed through
//! [`migsafe_model::normalize_type`] and
//! [`migsafe_model::types::normalize_default`], so the model compares equal
//! with one replayed from Prisma's SQL.

use migsafe_model::types::normalize_default;
use migsafe_model::{
    Column, DEFAULT_SCHEMA, EnumType, ForeignKey, Index, IndexColumn, PrimaryKey, QualName,
    RefAction, SchemaModel, Table, View, normalize_type,
};

use crate::ast::*;
use crate::config::Datasource;
use crate::names;
use crate::native;
use crate::relations::{Relation, RelationField, resolve};
use crate::span::Span;
use crate::validate::{Symbols, field_refs, string_arg};

/// Builds the model. Works on invalid schemas too (best effort: what cannot
/// be mapped is left out).
pub(crate) fn to_model(ast: &SchemaAst, datasource: Option<&Datasource>) -> SchemaModel {
    let syms = Symbols::new(ast);
    let mut model = SchemaModel::default();
    match datasource {
        Some(ds) if !ds.schemas.is_empty() => {
            model.schemas.extend(ds.schemas.iter().cloned());
        }
        _ => {
            model.schemas.insert(DEFAULT_SCHEMA.to_owned());
        }
    }
    if let Some(ds) = datasource {
        model.extensions.extend(ds.extensions.iter().cloned());
    }
    let mut seen_enums = std::collections::HashSet::new();
    for e in ast.enums() {
        if !seen_enums.insert(e.name.name.as_str()) {
            continue;
        }
        let name = enum_name(e);
        model.enums.insert(
            name.clone(),
            EnumType {
                name,
                values: e.values.iter().map(enum_value_name).collect(),
            },
        );
    }
    let mut seen_models = std::collections::HashSet::new();
    for m in ast.models() {
        if !seen_models.insert(m.name.name.as_str()) {
            continue;
        }
        match m.kind {
            ModelKind::CompositeType => {}
            ModelKind::View => {
                let name = table_name(m);
                model.views.insert(
                    name.clone(),
                    View {
                        name,
                        materialized: false,
                        columns: None,
                        definition: None,
                        references: Vec::new(),
                    },
                );
            }
            ModelKind::Model => {
                let table = map_table(m, &syms, &mut model, &mut Vec::new());
                model.tables.insert(table.name.clone(), table);
            }
        }
    }
    let emulated = datasource.is_some_and(Datasource::emulates_relations);
    for r in resolve(ast, &syms, None) {
        match r {
            Relation::Inline { from } => {
                if emulated || from.model.kind != ModelKind::Model {
                    continue;
                }
                if let Some(fk) = foreign_key(&from) {
                    let t = table_name(from.model);
                    if let Some(table) = model.tables.get_mut(&t) {
                        table.foreign_keys.push(fk);
                    }
                }
            }
            Relation::ManyToMany { name, a, b } => {
                if let Some(t) = join_table(&name, &a, &b, &syms, emulated) {
                    model.tables.insert(t.name.clone(), t);
                }
            }
        }
    }
    // `ops: ArrayOps` on a list field is the default: the same index.
    migsafe_model::canonical::canonicalize(&mut model);
    model
}

fn schema_of(attrs: &[Attribute]) -> Option<&str> {
    attrs
        .iter()
        .find(|a| a.name.name == "schema")
        .and_then(|a| a.positional_or("name"))
        .and_then(|a| a.value.as_ref())
        .and_then(Expression::as_str)
}

fn mapped_name<'a>(attrs: &'a [Attribute], default: &'a str) -> &'a str {
    attrs
        .iter()
        .find(|a| a.name.name == "map")
        .and_then(|a| a.positional_or("name"))
        .and_then(|a| a.value.as_ref())
        .and_then(Expression::as_str)
        .unwrap_or(default)
}

/// The table (or view) name of a model: `@@map`, `@@schema`.
pub(crate) fn table_name(m: &Model) -> QualName {
    QualName::new(
        schema_of(&m.attributes),
        mapped_name(&m.attributes, &m.name.name),
    )
}

fn enum_name(e: &Enum) -> QualName {
    QualName::new(
        schema_of(&e.attributes),
        mapped_name(&e.attributes, &e.name.name),
    )
}

fn enum_value_name(v: &EnumValue) -> String {
    mapped_name(&v.attributes, &v.name.name).to_owned()
}

/// The column name of a field: `@map` or the field name.
pub(crate) fn column_name(f: &Field) -> &str {
    mapped_name(&f.attributes, &f.name.name)
}

fn quote_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

fn sql_string(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// The SQL type Prisma writes for a scalar field (without `[]`), and
/// whether it is an autoincrement (`SERIAL`) column.
fn scalar_sql_type(f: &Field, syms: &Symbols<'_>) -> Option<String> {
    if let Some(u) = &f.field_type.unsupported {
        return Some(u.clone());
    }
    if let Some(e) = syms.enum_of(f) {
        let n = enum_name(e);
        return Some(if n.schema == DEFAULT_SCHEMA {
            quote_ident(&n.name)
        } else {
            format!("{}.{}", quote_ident(&n.schema), quote_ident(&n.name))
        });
    }
    if let Some(a) = f.native_type() {
        let name = a.name.name.strip_prefix("db.").unwrap_or("");
        if let Some(nt) = native::native_type(name) {
            let args: Vec<u32> = a
                .arguments
                .iter()
                .filter_map(|x| match &x.value {
                    Some(Expression::Number { value, .. }) => value.parse().ok(),
                    _ => None,
                })
                .collect();
            return Some(native::native_sql(nt, &args));
        }
    }
    native::default_sql_type(&f.field_type.name).map(str::to_owned)
}

fn is_autoincrement(f: &Field) -> bool {
    matches!(
        f.attribute("default")
            .and_then(|a| a.positional_or("value"))
            .and_then(|a| a.value.as_ref()),
        Some(Expression::Function { name, .. }) if name.name == "autoincrement"
    )
}

/// A primary key or index name and the attribute that made it.
pub(crate) struct NamedConstraint {
    pub schema: String,
    pub name: String,
    pub attribute: String,
    pub span: Span,
}

/// The primary key and index names of every model, for the check that
/// they are unique (PostgreSQL keeps them in one namespace per schema).
pub(crate) fn constraint_names(ast: &SchemaAst) -> Vec<NamedConstraint> {
    let syms = Symbols::new(ast);
    let mut scratch = SchemaModel::default();
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for m in ast.models().filter(|m| m.kind == ModelKind::Model) {
        if seen.insert(m.name.name.as_str()) {
            map_table(m, &syms, &mut scratch, &mut out);
        }
    }
    out
}

fn map_table(
    m: &Model,
    syms: &Symbols<'_>,
    model: &mut SchemaModel,
    named: &mut Vec<NamedConstraint>,
) -> Table {
    let name = table_name(m);
    let mut table = Table::new(name.clone());
    let scalars: Vec<&Field> = m
        .fields
        .iter()
        .filter(|f| syms.model_of(f).is_none())
        .collect();
    for f in &scalars {
        let Some(base) = scalar_sql_type(f, syms) else {
            continue;
        };
        let col_name = column_name(f).to_owned();
        let serial = is_autoincrement(f) && f.arity != Arity::List;
        let sql_type = if f.arity == Arity::List {
            format!("{base}[]")
        } else {
            base.clone()
        };
        let mut col = Column::new(col_name.clone(), normalize_type(&sql_type));
        col.nullable = f.arity != Arity::Required && !serial;
        if serial {
            col.default = Some(normalize_default("nextval('seq')"));
            model.sequences.insert(QualName::new(
                Some(&name.schema),
                names::serial_sequence_name(&name.name, &col_name),
            ));
        } else if let Some(sql) = default_sql(f, syms, &base) {
            col.default = Some(normalize_default(&sql));
        }
        table.columns.push(col);
    }

    let col_of = |field: &str| -> String {
        m.field(field)
            .map(|f| column_name(f).to_owned())
            .unwrap_or_else(|| field.to_owned())
    };

    // Primary key.
    let mut record = |name: &str, a: &Attribute| {
        named.push(NamedConstraint {
            schema: table.name.schema.clone(),
            name: name.to_owned(),
            attribute: a.display_name(),
            span: a.span,
        });
    };
    if let Some((f, a)) = m
        .fields
        .iter()
        .find_map(|f| f.attribute("id").map(|a| (f, a)))
    {
        let map = string_arg(a, "map");
        record(
            &map.map(str::to_owned)
                .unwrap_or_else(|| names::primary_key_name(&name.name)),
            a,
        );
        table.primary_key = Some(PrimaryKey {
            name: Some(
                map.map(str::to_owned)
                    .unwrap_or_else(|| names::primary_key_name(&name.name)),
            ),
            columns: vec![column_name(f).to_owned()],
        });
    } else if let Some(a) = m.attribute("id") {
        let cols: Vec<String> = field_refs(a).iter().map(|(n, _)| col_of(n)).collect();
        record(
            &string_arg(a, "map")
                .map(str::to_owned)
                .unwrap_or_else(|| names::primary_key_name(&name.name)),
            a,
        );
        table.primary_key = Some(PrimaryKey {
            name: Some(
                string_arg(a, "map")
                    .map(str::to_owned)
                    .unwrap_or_else(|| names::primary_key_name(&name.name)),
            ),
            columns: cols,
        });
    }

    // Unique indexes of fields, then block indexes, in declaration order
    // (field-level first, as Prisma emits them).
    for f in &scalars {
        if let Some(a) = f.attribute("unique") {
            let col = column_name(f).to_owned();
            let idx_name = string_arg(a, "map")
                .map(str::to_owned)
                .unwrap_or_else(|| names::unique_index_name(&name.name, &[&col]));
            record(&idx_name, a);
            let mut ic = IndexColumn::column(col);
            ic.descending = a
                .named("sort")
                .and_then(|x| x.value.as_ref())
                .and_then(Expression::as_constant)
                == Some("Desc");
            table.indexes.push(Index {
                name: idx_name,
                columns: vec![ic],
                unique: true,
                constraint: false,
                method: None,
                predicate: None,
                include: Vec::new(),
                options: None,
            });
        }
    }
    for a in &m.attributes {
        let unique = match a.name.name.as_str() {
            "unique" => true,
            "index" => false,
            _ => continue,
        };
        let cols = index_columns(a, &col_of);
        let col_names: Vec<&str> = cols.iter().map(|c| c.expr.as_str()).collect();
        let explicit =
            string_arg(a, "map").or_else(|| if unique { None } else { string_arg(a, "name") });
        let idx_name = explicit.map(str::to_owned).unwrap_or_else(|| {
            if unique {
                names::unique_index_name(&name.name, &col_names)
            } else {
                names::index_name(&name.name, &col_names)
            }
        });
        record(&idx_name, a);
        let method = a
            .named("type")
            .and_then(|x| x.value.as_ref())
            .and_then(Expression::as_constant)
            .and_then(|t| match t {
                "Hash" => Some("hash"),
                "Gist" => Some("gist"),
                "Gin" => Some("gin"),
                "SpGist" => Some("spgist"),
                "Brin" => Some("brin"),
                _ => None,
            })
            .map(str::to_owned);
        table.indexes.push(Index {
            name: idx_name,
            columns: cols,
            unique,
            constraint: false,
            method,
            predicate: None,
            include: Vec::new(),
            options: None,
        });
    }
    table
}

fn index_columns(a: &Attribute, col_of: &dyn Fn(&str) -> String) -> Vec<IndexColumn> {
    let Some(value) = a.positional_or("fields").and_then(|x| x.value.as_ref()) else {
        return Vec::new();
    };
    let items: Vec<&Expression> = match value {
        Expression::Array { items, .. } => items.iter().collect(),
        other => vec![other],
    };
    items
        .into_iter()
        .filter_map(|item| match item {
            Expression::Constant { value, .. } => Some(IndexColumn::column(col_of(value))),
            Expression::Function {
                name, arguments, ..
            } => {
                let mut ic = IndexColumn::column(col_of(&name.name));
                for arg in arguments {
                    match (arg.name.as_ref().map(|n| n.name.as_str()), &arg.value) {
                        (Some("sort"), Some(v)) => ic.descending = v.as_constant() == Some("Desc"),
                        (Some("ops"), Some(v)) => ic.opclass = opclass(v),
                        _ => {}
                    }
                }
                Some(ic)
            }
            _ => None,
        })
        .collect()
}

/// `ops: JsonbPathOps` → `jsonb_path_ops`; `ops: raw("gin_trgm_ops")` →
/// `gin_trgm_ops`.
fn opclass(v: &Expression) -> Option<String> {
    match v {
        Expression::Function {
            name, arguments, ..
        } if name.name == "raw" => arguments
            .first()
            .and_then(|a| a.value.as_ref())
            .and_then(Expression::as_str)
            .map(str::to_owned),
        Expression::Constant { value, .. } => {
            let base = value.strip_suffix("Ops").unwrap_or(value);
            let mut out = String::new();
            let mut rest = base;
            for (suffix, sql) in [
                ("MinMaxMulti", "_minmax_multi"),
                ("MinMax", "_minmax"),
                ("Bloom", "_bloom"),
                ("Inclusion", "_inclusion"),
                ("Path", "_path"),
            ] {
                if let Some(r) = rest.strip_suffix(suffix) {
                    rest = r;
                    out = sql.to_owned();
                    break;
                }
            }
            Some(format!("{}{out}_ops", rest.to_ascii_lowercase()))
        }
        _ => None,
    }
}

/// Prisma's SQL for a field's default, or `None` when the database gets no
/// default (`uuid()`, `cuid()`, `@updatedAt`, …).
fn default_sql(f: &Field, syms: &Symbols<'_>, base_type: &str) -> Option<String> {
    let value = f
        .attribute("default")
        .and_then(|a| a.positional_or("value"))
        .and_then(|a| a.value.as_ref())?;
    let enm = syms.enum_of(f);
    let one = |v: &Expression| -> Option<String> {
        if let Some(e) = enm {
            let name = v.as_constant()?;
            let ev = e.values.iter().find(|x| x.name.name == name)?;
            return Some(sql_string(&enum_value_name(ev)));
        }
        match (f.field_type.name.as_str(), v) {
            ("DateTime", Expression::String { value, .. }) => {
                Some(sql_string(&datetime_literal(value)))
            }
            ("Bytes", Expression::String { value, .. }) => {
                Some(sql_string(&format!("\\x{}", base64_to_hex(value)?)))
            }
            ("Decimal", Expression::String { value, .. }) => Some(value.clone()),
            (_, Expression::String { value, .. }) => Some(sql_string(value)),
            (_, Expression::Number { value, .. }) => Some(value.clone()),
            (_, Expression::Constant { value, .. }) if value == "true" || value == "false" => {
                Some(value.clone())
            }
            _ => None,
        }
    };
    match value {
        Expression::Function {
            name, arguments, ..
        } => match name.name.as_str() {
            "now" => Some("CURRENT_TIMESTAMP".to_owned()),
            "dbgenerated" => arguments
                .first()
                .and_then(|a| a.value.as_ref())
                .and_then(Expression::as_str)
                .filter(|s| !s.trim().is_empty())
                .map(str::to_owned),
            _ => None,
        },
        Expression::Array { items, .. } if f.arity == Arity::List => {
            let parts: Option<Vec<String>> = items.iter().map(one).collect();
            Some(format!("ARRAY[{}]::{base_type}[]", parts?.join(", ")))
        }
        other if f.arity != Arity::List => one(other),
        _ => None,
    }
}

/// `2020-01-01T00:00:00Z` → `2020-01-01 00:00:00 +00:00`, the way Prisma
/// renders a DateTime default.
fn datetime_literal(s: &str) -> String {
    let Some((date, rest)) = s.split_once(['T', ' ']) else {
        return s.to_owned();
    };
    let (time, offset) = if let Some(t) = rest.strip_suffix('Z') {
        (t, "+00:00".to_owned())
    } else if let Some(i) = rest.rfind(['+', '-']) {
        (
            rest.get(..i).unwrap_or(rest),
            rest.get(i..).unwrap_or("").to_owned(),
        )
    } else {
        (rest, "+00:00".to_owned())
    };
    // Fractional seconds without trailing zeros.
    let time = match time.split_once('.') {
        Some((hms, frac)) => {
            let frac = frac.trim_end_matches('0');
            if frac.is_empty() {
                hms.to_owned()
            } else {
                format!("{hms}.{frac}")
            }
        }
        None => time.to_owned(),
    };
    format!("{date} {time} {offset}")
}

fn base64_to_hex(s: &str) -> Option<String> {
    let mut bits: u32 = 0;
    let mut nbits = 0;
    let mut out = String::new();
    for c in s.chars() {
        let v = match c {
            'A'..='Z' => c as u32 - 'A' as u32,
            'a'..='z' => c as u32 - 'a' as u32 + 26,
            '0'..='9' => c as u32 - '0' as u32 + 52,
            '+' | '-' => 62,
            '/' | '_' => 63,
            '=' => break,
            _ => return None,
        };
        bits = (bits << 6) | v;
        nbits += 6;
        if nbits >= 8 {
            nbits -= 8;
            out.push_str(&format!("{:02x}", (bits >> nbits) & 0xff));
        }
    }
    Some(out)
}

fn action(a: &Option<(String, Span)>) -> Option<RefAction> {
    match a.as_ref().map(|(s, _)| s.as_str()) {
        Some("Cascade") => Some(RefAction::Cascade),
        Some("Restrict") => Some(RefAction::Restrict),
        Some("NoAction") => Some(RefAction::NoAction),
        Some("SetNull") => Some(RefAction::SetNull),
        Some("SetDefault") => Some(RefAction::SetDefault),
        _ => None,
    }
}

fn foreign_key(r: &RelationField<'_>) -> Option<ForeignKey> {
    let (fields, _) = r.fields.as_ref()?;
    let (refs, _) = r.references.as_ref()?;
    if fields.is_empty() || fields.len() != refs.len() {
        return None;
    }
    let table = table_name(r.model);
    let cols: Vec<String> = fields
        .iter()
        .map(|(n, _)| {
            r.model
                .field(n)
                .map(|f| column_name(f).to_owned())
                .unwrap_or_else(|| n.clone())
        })
        .collect();
    let ref_cols: Vec<String> = refs
        .iter()
        .map(|(n, _)| {
            r.target
                .field(n)
                .map(|f| column_name(f).to_owned())
                .unwrap_or_else(|| n.clone())
        })
        .collect();
    let optional = r.field.arity == Arity::Optional
        || fields
            .iter()
            .any(|(n, _)| r.model.field(n).is_some_and(|f| f.arity != Arity::Required));
    let col_refs: Vec<&str> = cols.iter().map(String::as_str).collect();
    Some(ForeignKey {
        name: Some(
            r.map
                .clone()
                .unwrap_or_else(|| names::foreign_key_name(&table.name, &col_refs)),
        ),
        columns: cols,
        referenced_table: table_name(r.target),
        referenced_columns: ref_cols,
        on_delete: action(&r.on_delete).unwrap_or(if optional {
            RefAction::SetNull
        } else {
            RefAction::Restrict
        }),
        on_update: action(&r.on_update).unwrap_or(RefAction::Cascade),
        // A Prisma schema cannot say it: not compared.
        characteristics: None,
        referenced_key: None,
    })
}

/// The id column type of a model (for join table columns).
fn id_sql_type(m: &Model, syms: &Symbols<'_>) -> Option<(String, String)> {
    let f = m.fields.iter().find(|f| f.attribute("id").is_some())?;
    let ty = scalar_sql_type(f, syms)?;
    Some((column_name(f).to_owned(), ty))
}

fn join_table(
    name: &str,
    a: &RelationField<'_>,
    b: &RelationField<'_>,
    syms: &Symbols<'_>,
    emulated: bool,
) -> Option<Table> {
    let (a_col, a_ty) = id_sql_type(a.model, syms)?;
    let (b_col, b_ty) = id_sql_type(b.model, syms)?;
    let a_table = table_name(a.model);
    let b_table = table_name(b.model);
    let tname = names::join_table_name(name);
    let mut t = Table::new(QualName::new(Some(&a_table.schema), tname.clone()));
    let mut ca = Column::new("A", normalize_type(&a_ty));
    ca.nullable = false;
    let mut cb = Column::new("B", normalize_type(&b_ty));
    cb.nullable = false;
    t.columns.push(ca);
    t.columns.push(cb);
    t.primary_key = Some(PrimaryKey {
        name: Some(names::with_suffix(&tname, "_AB_pkey")),
        columns: vec!["A".into(), "B".into()],
    });
    t.indexes.push(Index {
        name: names::with_suffix(&tname, "_B_index"),
        columns: vec![IndexColumn::column("B")],
        unique: false,
        constraint: false,
        method: None,
        predicate: None,
        include: Vec::new(),
        options: None,
    });
    if !emulated {
        for (col, table, ref_col) in [("A", a_table, a_col), ("B", b_table, b_col)] {
            t.foreign_keys.push(ForeignKey {
                name: Some(names::with_suffix(&tname, &format!("_{col}_fkey"))),
                columns: vec![col.to_owned()],
                referenced_table: table,
                referenced_columns: vec![ref_col],
                on_delete: RefAction::Cascade,
                on_update: RefAction::Cascade,
                // A Prisma schema cannot say it: not compared.
                characteristics: None,
                referenced_key: None,
            });
        }
    }
    Some(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetime_defaults() {
        assert_eq!(
            datetime_literal("2020-01-01T00:00:00Z"),
            "2020-01-01 00:00:00 +00:00"
        );
        assert_eq!(
            datetime_literal("2020-01-01T10:00:00.500+02:00"),
            "2020-01-01 10:00:00.5 +02:00"
        );
    }

    #[test]
    fn base64() {
        assert_eq!(base64_to_hex("aGVsbG8=").as_deref(), Some("68656c6c6f"));
        assert_eq!(base64_to_hex("").as_deref(), Some(""));
        assert_eq!(base64_to_hex("!"), None);
    }

    #[test]
    fn opclasses() {
        let c = |s: &str| {
            opclass(&Expression::Constant {
                value: s.into(),
                span: Default::default(),
            })
        };
        assert_eq!(c("JsonbPathOps").as_deref(), Some("jsonb_path_ops"));
        assert_eq!(c("Int4BloomOps").as_deref(), Some("int4_bloom_ops"));
        assert_eq!(
            c("TimestampTzMinMaxMultiOps").as_deref(),
            Some("timestamptz_minmax_multi_ops")
        );
        assert_eq!(c("InetInclusionOps").as_deref(), Some("inet_inclusion_ops"));
        assert_eq!(c("ArrayOps").as_deref(), Some("array_ops"));
    }
}
