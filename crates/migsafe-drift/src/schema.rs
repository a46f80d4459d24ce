//! The schema file against the replayed migrations.

use std::collections::{BTreeSet, HashMap};

use migsafe_prisma::ParsedSchema;
use migsafe_prisma::Span;
use migsafe_prisma::ast::{Arity, Attribute, Enum, Expression, Field, Model, ModelKind};
use migsafe_prisma::names;
use migsafe_schema::diff::{DiffKind, Difference, Labels, ObjectKind, diff};
use migsafe_schema::model::{DEFAULT_SCHEMA, DefaultValue, QualName, SchemaModel};
use migsafe_schema::replay::{Action, Replayed, Touch, truncate_identifier};

use crate::{Finding, SCHEMA_DRIFT, Severity};

/// The preview features of every generator.
fn preview_features(schema: &ParsedSchema) -> BTreeSet<&str> {
    schema
        .generators()
        .iter()
        .flat_map(|g| g.preview_features.iter().map(String::as_str))
        .collect()
}

/// The database schemas Prisma manages: the datasource's `schemas`, or
/// `public`.
fn managed_schemas(schema: &ParsedSchema) -> BTreeSet<String> {
    match schema.datasource() {
        Some(ds) if !ds.schemas.is_empty() => ds.schemas.iter().cloned().collect(),
        _ => BTreeSet::from([DEFAULT_SCHEMA.to_owned()]),
    }
}

fn tq(q: &QualName) -> QualName {
    QualName {
        schema: truncate_identifier(&q.schema),
        name: truncate_identifier(&q.name),
    }
}

/// Identifiers as PostgreSQL stores them: at most 63 bytes. The Prisma
/// mapping writes names as the schema spells them; a database truncates
/// them.
fn truncate_names(m: SchemaModel) -> SchemaModel {
    let mut out = SchemaModel {
        sequences: m.sequences.iter().map(tq).collect(),
        extensions: m.extensions,
        schemas: m.schemas.iter().map(|s| truncate_identifier(s)).collect(),
        ..SchemaModel::default()
    };
    for (k, mut v) in m.views {
        v.name = tq(&v.name);
        out.views.insert(tq(&k), v);
    }
    for (k, mut e) in m.enums {
        e.name = tq(&e.name);
        out.enums.insert(tq(&k), e);
    }
    for (k, mut t) in m.tables {
        t.name = tq(&t.name);
        for c in &mut t.columns {
            c.name = truncate_identifier(&c.name);
        }
        if let Some(pk) = &mut t.primary_key {
            pk.name = pk.name.as_deref().map(truncate_identifier);
            pk.columns = pk.columns.iter().map(|c| truncate_identifier(c)).collect();
        }
        for i in &mut t.indexes {
            i.name = truncate_identifier(&i.name);
            for c in &mut i.columns {
                c.expr = truncate_identifier(&c.expr);
            }
        }
        for f in &mut t.foreign_keys {
            f.name = f.name.as_deref().map(truncate_identifier);
            f.columns = f.columns.iter().map(|c| truncate_identifier(c)).collect();
            f.referenced_table = tq(&f.referenced_table);
            f.referenced_columns = f
                .referenced_columns
                .iter()
                .map(|c| truncate_identifier(c))
                .collect();
        }
        out.tables.insert(tq(&k), t);
    }
    out
}

/// The two models [`schema_vs_migrations`] compares: what the schema file
/// says (`to_model`) and what the migrations produce, both reduced to what
/// Prisma Migrate compares:
///
/// - only the schemas the datasource manages (its `schemas`, or `public`),
///   and only their tables and enums; a managed schema the migrations never
///   create is a difference, other schemas are not;
/// - no views (Migrate does not create them), sequences, or check
///   constraints (Migrate ignores hand-written checks);
/// - extensions only with the `postgresqlExtensions` preview feature, and
///   then only the schema's extensions the migrations lack;
/// - no partial indexes on the migrations' side (`WHERE …`) unless the
///   `partialIndexes` preview feature is on: the schema cannot express
///   them and Migrate leaves them alone;
/// - no foreign keys on the migrations' side with `relationMode = "prisma"`;
/// - an identity column reads as `autoincrement()`, as Prisma introspects
///   it;
/// - no column collations, functions or triggers (a Prisma schema cannot
///   say them);
/// - every identifier of the schema truncated to 63 bytes, as PostgreSQL
///   stores it.
pub fn comparable_models(
    schema: &ParsedSchema,
    replayed: &SchemaModel,
) -> (SchemaModel, SchemaModel) {
    let managed = managed_schemas(schema);
    let preview = preview_features(schema);
    let mut expected = truncate_names(schema.to_model());
    let mut actual = replayed.clone();
    for m in [&mut expected, &mut actual] {
        m.tables.retain(|k, _| managed.contains(&k.schema));
        m.enums.retain(|k, _| managed.contains(&k.schema));
        m.views.clear();
        m.sequences.clear();
        m.functions.clear();
        m.schemas.retain(|s| managed.contains(s));
        for t in m.tables.values_mut() {
            t.checks.clear();
            t.triggers.clear();
        }
    }
    if preview.contains("postgresqlExtensions") {
        let wanted = expected.extensions.clone();
        actual.extensions.retain(|e| wanted.contains(e));
    } else {
        expected.extensions.clear();
        actual.extensions.clear();
    }
    let emulated = schema
        .datasource()
        .is_some_and(migsafe_prisma::Datasource::emulates_relations);
    for t in actual.tables.values_mut() {
        let e_table = expected.tables.get(&t.name);
        // Indexes the schema cannot express (a `WHERE` predicate, an
        // expression): Migrate leaves them alone, unless the schema declares
        // an index of the same name, which it then compares.
        t.indexes.retain_mut(|i| {
            let expressible = i.predicate.is_none() && i.columns.iter().all(|c| !c.is_expression());
            if expressible {
                return true;
            }
            let declared = e_table.is_some_and(|et| et.index(&i.name).is_some());
            if declared {
                i.predicate = None;
            }
            declared
        });
        if emulated {
            t.foreign_keys.clear();
        }
        for c in &mut t.columns {
            // A Prisma schema cannot say a column's collation.
            c.collation = None;
            if c.identity {
                c.identity = false;
                c.default = Some(DefaultValue::Sequence);
            }
            if let Some(ec) = e_table.and_then(|et| et.column(&c.name)) {
                // Prisma reads an array column as a list whatever its
                // nullability: `String[]` matches `text[]` and `text[] NOT
                // NULL`.
                if c.ty.is_array() && ec.ty.is_array() {
                    c.nullable = ec.nullable;
                }
            }
            if c.ty.is_array() {
                c.default = c
                    .default
                    .take()
                    .map(|d| array_literal_default(d, c.ty.element()));
            }
        }
    }
    for t in expected.tables.values_mut() {
        for c in &mut t.columns {
            if c.ty.is_array() {
                c.default = c
                    .default
                    .take()
                    .map(|d| array_literal_default(d, c.ty.element()));
            }
        }
    }
    // PostgreSQL cannot reorder enum values and Migrate does not try:
    // only the set of values is compared.
    for (name, e) in &mut actual.enums {
        if let Some(ee) = expected.enums.get(name) {
            let mut same = e.values.clone();
            same.sort();
            let mut want = ee.values.clone();
            want.sort();
            if same == want {
                e.values.clone_from(&ee.values);
            }
        }
    }
    (expected, actual)
}

/// `'{}'` and `'{a,b}'` (an array literal in text form) as `array[]` and
/// `array['a','b']`, the form Prisma writes, so both compare equal.
fn array_literal_default(d: DefaultValue, element: &str) -> DefaultValue {
    let DefaultValue::Literal(lit) = &d else {
        return d;
    };
    let Some(inner) = lit.strip_prefix("'{").and_then(|x| x.strip_suffix("}'")) else {
        return d;
    };
    if inner.contains(['"', '\'', '\\', '{', '}']) {
        return d;
    }
    let quoted = !matches!(
        element,
        "integer" | "bigint" | "smallint" | "real" | "double precision" | "boolean"
    ) && !element.starts_with("numeric");
    let items: Vec<String> = inner
        .split(',')
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(|x| {
            if quoted {
                format!("'{x}'")
            } else {
                x.to_ascii_lowercase()
            }
        })
        .collect();
    DefaultValue::Expression(migsafe_schema::types::normalize_expression(&format!(
        "array[{}]",
        items.join(",")
    )))
}

/// One `schema-drift` error per difference between the schema file and the
/// replayed migrations, compared as [`comparable_models`] says. Each
/// finding says what the schema has, what the migrations produce and which
/// migration last touched the object; it points at the schema's
/// declaration of the object when there is one, else at the migration
/// statement that last touched it.
///
/// A schema with errors is not compared (its diagnostics say what to fix
/// first): the result is empty.
pub fn schema_vs_migrations(schema: &ParsedSchema, replayed: &Replayed) -> Vec<Finding> {
    if schema.has_errors() {
        return Vec::new();
    }
    let (expected, actual) = comparable_models(schema, &replayed.model);
    let labels = Labels::new("schema says", "migrations produce");
    let locator = Locator::new(schema);
    merge_renamed_enum_values(diff(&expected, &actual), &expected, &actual)
        .into_iter()
        .map(|d| {
            let key = ObjectKey::of(&d);
            let span = locator.locate(&key);
            let touch = match (&key, d.kind) {
                // A renamed enum value: the migrations' value says who
                // touched it last.
                (ObjectKey::EnumValue(e, _), DiffKind::Changed) => d
                    .actual
                    .as_deref()
                    .and_then(|a| a.strip_prefix("the value '"))
                    .and_then(|a| a.strip_suffix('\''))
                    .and_then(|old| replayed.provenance.enum_value(e, &old.replace("''", "'")))
                    .or_else(|| key.touch(replayed)),
                _ => key.touch(replayed),
            };
            let (path, line, column) = match (span, touch) {
                (Some(s), _) => (
                    locator.file_path(s.file),
                    Some(s.start.line),
                    Some(s.start.column),
                ),
                (None, Some(t)) => (
                    t.origin.path.to_string(),
                    Some(t.origin.line),
                    Some(t.origin.column),
                ),
                // Else the declaration of its table.
                (None, None) => match d
                    .table
                    .as_ref()
                    .and_then(|t| locator.locate(&ObjectKey::Table(t.clone())))
                {
                    Some(s) => (
                        locator.file_path(s.file),
                        Some(s.start.line),
                        Some(s.start.column),
                    ),
                    None => (locator.file_path(0), None, None),
                },
            };
            let word = d.object.word();
            let note = Some(match touch {
                Some(t) => format!(
                    "last changed by {}, which {} it",
                    t.origin,
                    match t.action {
                        Action::Created => "created",
                        Action::Changed => "changed",
                        Action::Renamed => "renamed",
                        Action::Dropped => "dropped",
                    }
                ),
                None => format!("no migration creates this {word}"),
            });
            let help = Some(match d.kind {
                DiffKind::MissingInActual => format!(
                    "run `prisma migrate dev` to generate a migration that creates the {word}, or remove it from the schema if it should not exist"
                ),
                DiffKind::ExtraInActual => format!(
                    "run `prisma migrate dev` to generate a migration that drops the {word}, or add it to the schema if it should stay"
                ),
                DiffKind::Changed => format!(
                    "run `prisma migrate dev` to generate a migration for the schema change, or change the schema to match the {word} the migrations produce"
                ),
            });
            Finding {
                rule: SCHEMA_DRIFT,
                severity: Severity::Error,
                path,
                line,
                column,
                message: d.message(&labels),
                help,
                note,
                migration: touch.map(|t| t.origin.migration.to_string()),
                difference: Some(d),
            }
        })
        .collect()
}

/// An enum value the schema names differently than the migrations, at the
/// same place in the same enum, is one change (a renamed value), not a
/// missing and an extra value.
fn merge_renamed_enum_values(
    diffs: Vec<Difference>,
    expected: &SchemaModel,
    actual: &SchemaModel,
) -> Vec<Difference> {
    let mut out: Vec<Difference> = Vec::with_capacity(diffs.len());
    let value_diffs = |name: &QualName, kind: DiffKind| {
        diffs
            .iter()
            .filter(|d| {
                d.object == ObjectKind::EnumValue
                    && d.kind == kind
                    && ObjectKey::of(d).enum_name() == Some(name)
            })
            .count()
    };
    for d in &diffs {
        if d.object != ObjectKind::EnumValue {
            out.push(d.clone());
            continue;
        }
        let key = ObjectKey::of(d);
        let (Some(name), ObjectKey::EnumValue(_, value)) = (key.enum_name(), &key) else {
            out.push(d.clone());
            continue;
        };
        let (Some(e), Some(a)) = (expected.enums.get(name), actual.enums.get(name)) else {
            out.push(d.clone());
            continue;
        };
        let single = value_diffs(name, DiffKind::MissingInActual) == 1
            && value_diffs(name, DiffKind::ExtraInActual) == 1
            && e.values.len() == a.values.len();
        let pos = e.values.iter().position(|v| v == value);
        match (d.kind, single, pos) {
            (DiffKind::MissingInActual, true, Some(i)) => {
                let Some(old) = a.values.get(i).filter(|v| !e.values.contains(v)) else {
                    out.push(d.clone());
                    continue;
                };
                out.push(Difference {
                    kind: DiffKind::Changed,
                    expected: Some(format!("the value {}", sql_string(value))),
                    actual: Some(format!("the value {}", sql_string(old))),
                    changes: vec![migsafe_schema::diff::Aspect::Name],
                    ..d.clone()
                });
            }
            (DiffKind::ExtraInActual, true, _) => {
                // Merged into the missing value at its place, when there is one.
                let merged = a
                    .values
                    .iter()
                    .position(|v| v == value)
                    .is_some_and(|i| e.values.get(i).is_some_and(|ev| !a.values.contains(ev)));
                if !merged {
                    out.push(d.clone());
                }
            }
            _ => out.push(d.clone()),
        }
    }
    out
}

fn sql_string(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// The quoted identifiers of a difference path: `column "a"."b"` →
/// `["a", "b"]`.
fn quoted_segments(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = path.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '"' {
            continue;
        }
        let mut cur = String::new();
        while let Some(c) = chars.next() {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    cur.push('"');
                    chars.next();
                } else {
                    break;
                }
            } else {
                cur.push(c);
            }
        }
        out.push(cur);
    }
    out
}

/// What a difference is about, by name.
enum ObjectKey {
    Schema(String),
    Extension(String),
    Enum(QualName),
    EnumValue(QualName, String),
    Table(QualName),
    Column(QualName, String),
    PrimaryKey(QualName),
    Index(QualName, String),
    ForeignKey(QualName, String),
    Other,
}

fn qual_from(segs: &[String]) -> Option<QualName> {
    match segs {
        [name] => Some(QualName::public(name.clone())),
        [schema, name] => Some(QualName::new(Some(schema), name.clone())),
        _ => None,
    }
}

impl ObjectKey {
    fn of(d: &Difference) -> ObjectKey {
        let segs = quoted_segments(&d.path);
        let last = segs.last().cloned().unwrap_or_default();
        let table = d.table.clone();
        match (d.object, table) {
            (ObjectKind::Schema, _) => ObjectKey::Schema(last),
            (ObjectKind::Extension, _) => ObjectKey::Extension(last),
            (ObjectKind::Enum, _) => qual_from(&segs).map_or(ObjectKey::Other, ObjectKey::Enum),
            (ObjectKind::EnumValue, _) => match segs.split_last() {
                Some((v, rest)) => {
                    qual_from(rest).map_or(ObjectKey::Other, |e| ObjectKey::EnumValue(e, v.clone()))
                }
                None => ObjectKey::Other,
            },
            (ObjectKind::Table, Some(t)) => ObjectKey::Table(t),
            (ObjectKind::Column, Some(t)) => ObjectKey::Column(t, last),
            (ObjectKind::PrimaryKey, Some(t)) => ObjectKey::PrimaryKey(t),
            (ObjectKind::Index, Some(t)) => ObjectKey::Index(t, last),
            (ObjectKind::ForeignKey, Some(t)) => ObjectKey::ForeignKey(t, last),
            _ => ObjectKey::Other,
        }
    }

    /// The enum of an enum or enum value.
    fn enum_name(&self) -> Option<&QualName> {
        match self {
            ObjectKey::Enum(e) | ObjectKey::EnumValue(e, _) => Some(e),
            _ => None,
        }
    }

    /// The last statement that touched the object.
    fn touch<'r>(&self, r: &'r Replayed) -> Option<&'r Touch> {
        let p = &r.provenance;
        match self {
            ObjectKey::Schema(s) => p.schemas.get(s),
            ObjectKey::Extension(e) => p.extensions.get(e),
            ObjectKey::Enum(e) => p.enum_type(e),
            ObjectKey::EnumValue(e, v) => p.enum_value(e, v),
            ObjectKey::Table(t) => p.table(t),
            ObjectKey::Column(t, c) => p.column(t, c),
            ObjectKey::PrimaryKey(t) => p.primary_key(t),
            ObjectKey::Index(t, i) => p.index(t, i),
            ObjectKey::ForeignKey(t, f) => p.foreign_key(t, f),
            ObjectKey::Other => None,
        }
    }
}

/// The statement that last touched the object of a difference, when a
/// replayed migration did (for findings against a live database too).
pub fn last_touch<'r>(d: &Difference, replayed: &'r Replayed) -> Option<&'r Touch> {
    ObjectKey::of(d).touch(replayed)
}

/// Finds the schema file's declaration of a database object.
struct Locator<'a> {
    schema: &'a ParsedSchema,
    models: HashMap<QualName, &'a Model>,
    enums: HashMap<QualName, &'a Enum>,
    model_by_name: HashMap<&'a str, &'a Model>,
}

fn string_arg<'a>(a: &'a Attribute, name: &str) -> Option<&'a str> {
    a.named(name)
        .and_then(|x| x.value.as_ref())
        .and_then(Expression::as_str)
}

fn mapped<'a>(attrs: &'a [Attribute], default: &'a str) -> &'a str {
    attrs
        .iter()
        .find(|a| a.name.name == "map")
        .and_then(|a| a.positional_or("name"))
        .and_then(|a| a.value.as_ref())
        .and_then(Expression::as_str)
        .unwrap_or(default)
}

fn schema_attr(attrs: &[Attribute]) -> Option<&str> {
    attrs
        .iter()
        .find(|a| a.name.name == "schema")
        .and_then(|a| a.positional_or("name"))
        .and_then(|a| a.value.as_ref())
        .and_then(Expression::as_str)
}

fn column_of(f: &Field) -> String {
    truncate_identifier(mapped(&f.attributes, &f.name.name))
}

/// Field names listed by an attribute's first argument (or `fields:`);
/// with `named_only`, only by `fields:` (`@relation("Name", fields: […])`).
fn field_list(a: &Attribute, arg: &str, named_only: bool) -> Vec<String> {
    let found = if named_only {
        a.named(arg)
    } else {
        a.positional_or(arg)
    };
    let Some(v) = found.and_then(|x| x.value.as_ref()) else {
        return Vec::new();
    };
    let one = |e: &Expression| match e {
        Expression::Constant { value, .. } => Some(value.clone()),
        Expression::Function { name, .. } => Some(name.name.clone()),
        _ => None,
    };
    match v {
        Expression::Array { items, .. } => items.iter().filter_map(one).collect(),
        other => one(other).into_iter().collect(),
    }
}

impl<'a> Locator<'a> {
    fn new(schema: &'a ParsedSchema) -> Self {
        let ast = schema.ast();
        let mut models = HashMap::new();
        let mut model_by_name = HashMap::new();
        for m in ast.models().filter(|m| m.kind == ModelKind::Model) {
            let t = QualName::new(
                schema_attr(&m.attributes),
                truncate_identifier(mapped(&m.attributes, &m.name.name)),
            );
            models.entry(t).or_insert(m);
            model_by_name.entry(m.name.name.as_str()).or_insert(m);
        }
        let mut enums = HashMap::new();
        for e in ast.enums() {
            let n = QualName::new(
                schema_attr(&e.attributes),
                truncate_identifier(mapped(&e.attributes, &e.name.name)),
            );
            enums.entry(n).or_insert(e);
        }
        Self {
            schema,
            models,
            enums,
            model_by_name,
        }
    }

    fn file_path(&self, file: usize) -> String {
        self.schema
            .files()
            .get(file)
            .map(|f| f.path.to_string_lossy().replace('\\', "/"))
            .unwrap_or_default()
    }

    fn columns_of(&self, m: &Model, fields: &[String]) -> Vec<String> {
        fields
            .iter()
            .map(|f| {
                m.field(f)
                    .map(column_of)
                    .unwrap_or_else(|| truncate_identifier(f))
            })
            .collect()
    }

    fn locate(&self, key: &ObjectKey) -> Option<Span> {
        match key {
            ObjectKey::Schema(_) | ObjectKey::Extension(_) => {
                self.schema.datasource().map(|ds| ds.span)
            }
            ObjectKey::Enum(e) => self.enums.get(e).map(|x| x.name.span),
            ObjectKey::EnumValue(e, v) => {
                let en = self.enums.get(e)?;
                en.values
                    .iter()
                    .find(|x| mapped(&x.attributes, &x.name.name) == v)
                    .map(|x| x.span)
                    .or(Some(en.name.span))
            }
            ObjectKey::Table(t) => self
                .models
                .get(t)
                .map(|m| m.name.span)
                .or_else(|| self.join_relation_field(t).map(|f| f.span)),
            ObjectKey::Column(t, c) => {
                let m = self.models.get(t)?;
                m.fields
                    .iter()
                    .find(|f| {
                        column_of(f) == *c
                            && !self.model_by_name.contains_key(f.field_type.name.as_str())
                    })
                    .map(|f| f.span)
            }
            ObjectKey::PrimaryKey(t) => match self.models.get(t) {
                Some(m) => m
                    .fields
                    .iter()
                    .find_map(|f| f.attribute("id"))
                    .or_else(|| m.attribute("id"))
                    .map(|a| a.span),
                None => self.join_relation_field(t).map(|f| f.span),
            },
            ObjectKey::Index(t, name) => match self.models.get(t) {
                Some(m) => self.index_attribute(t, m, name),
                None => self.join_relation_field(t).map(|f| f.span),
            },
            ObjectKey::ForeignKey(t, name) => match self.models.get(t) {
                Some(m) => self.relation_attribute(t, m, name),
                None => self.join_relation_field(t).map(|f| f.span),
            },
            ObjectKey::Other => None,
        }
    }

    /// The `@unique`, `@@unique`, `@@index` or `@id` that makes index
    /// `name`.
    fn index_attribute(&self, t: &QualName, m: &Model, name: &str) -> Option<Span> {
        for f in &m.fields {
            if let Some(a) = f.attribute("unique") {
                let col = column_of(f);
                let n = string_arg(a, "map")
                    .map(str::to_owned)
                    .unwrap_or_else(|| names::unique_index_name(&t.name, &[&col]));
                if truncate_identifier(&n) == name {
                    return Some(a.span);
                }
            }
        }
        for a in &m.attributes {
            let unique = match a.name.name.as_str() {
                "unique" => true,
                "index" => false,
                _ => continue,
            };
            let cols = self.columns_of(m, &field_list(a, "fields", false));
            let refs: Vec<&str> = cols.iter().map(String::as_str).collect();
            let explicit =
                string_arg(a, "map").or_else(|| if unique { None } else { string_arg(a, "name") });
            let n = explicit.map(str::to_owned).unwrap_or_else(|| {
                if unique {
                    names::unique_index_name(&t.name, &refs)
                } else {
                    names::index_name(&t.name, &refs)
                }
            });
            if truncate_identifier(&n) == name {
                return Some(a.span);
            }
        }
        None
    }

    /// The `@relation(fields: …)` that makes foreign key `name`.
    fn relation_attribute(&self, t: &QualName, m: &Model, name: &str) -> Option<Span> {
        for f in &m.fields {
            let Some(a) = f.attribute("relation") else {
                continue;
            };
            let fields = field_list(a, "fields", true);
            if fields.is_empty() {
                continue;
            }
            let cols = self.columns_of(m, &fields);
            let refs: Vec<&str> = cols.iter().map(String::as_str).collect();
            let n = string_arg(a, "map")
                .map(str::to_owned)
                .unwrap_or_else(|| names::foreign_key_name(&t.name, &refs));
            if truncate_identifier(&n) == name {
                return Some(a.span);
            }
        }
        None
    }

    /// A list field of an implicit many-to-many relation whose join table
    /// is `t` (`_RelationName`, or `_AToB` from the model names).
    fn join_relation_field(&self, t: &QualName) -> Option<&'a Field> {
        let rel = t.name.strip_prefix('_')?;
        let ast = self.schema.ast();
        for m in ast.models().filter(|m| m.kind == ModelKind::Model) {
            for f in &m.fields {
                if f.arity != Arity::List {
                    continue;
                }
                let Some(other) = self.model_by_name.get(f.field_type.name.as_str()) else {
                    continue;
                };
                let rel_name = f.attribute("relation").and_then(|a| {
                    a.positional_or("name")
                        .and_then(|x| x.value.as_ref())
                        .and_then(Expression::as_str)
                });
                let implied = {
                    let (a, b) = if m.name.name <= other.name.name {
                        (&m.name.name, &other.name.name)
                    } else {
                        (&other.name.name, &m.name.name)
                    };
                    format!("{a}To{b}")
                };
                let candidate = rel_name.map(str::to_owned).unwrap_or(implied);
                if names::join_table_name(&candidate) == t.name || candidate == rel {
                    return Some(f);
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments() {
        assert_eq!(
            quoted_segments(r#"column "a"."b""c""#),
            vec!["a".to_owned(), "b\"c".to_owned()]
        );
        assert_eq!(
            quoted_segments(r#"enum value "s"."E"."V""#),
            vec!["s".to_owned(), "E".to_owned(), "V".to_owned()]
        );
    }
}
