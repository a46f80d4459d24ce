//! The semantic checks Prisma makes, with Prisma's messages.

use std::collections::{BTreeMap, HashMap};

use crate::ast::*;
use crate::config::{Datasource, Generator, value_kind};
use crate::diagnostic::Diagnostics;
use crate::native::{self, is_scalar};
use crate::relations::{self, RelationField};
use crate::span::Span;

/// Field attributes of the PostgreSQL connector (without `@`).
const FIELD_ATTRIBUTES: &[&str] = &[
    "id",
    "default",
    "unique",
    "relation",
    "map",
    "updatedAt",
    "ignore",
    "shardKey",
];

/// Block attributes (without `@@`).
const BLOCK_ATTRIBUTES: &[&str] = &[
    "id", "unique", "index", "map", "schema", "ignore", "fulltext", "shardKey",
];

pub(crate) const REFERENTIAL_ACTIONS: &[&str] =
    &["Cascade", "Restrict", "NoAction", "SetNull", "SetDefault"];

const INDEX_TYPES: &[&str] = &["BTree", "Hash", "Gist", "Gin", "SpGist", "Brin"];

/// What a top-level name refers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TypeKind {
    Model,
    View,
    Composite,
    Enum,
}

impl TypeKind {
    fn word(self) -> &'static str {
        match self {
            TypeKind::Model => "model",
            TypeKind::View => "view",
            TypeKind::Composite => "composite type",
            TypeKind::Enum => "enum",
        }
    }
}

/// Name lookups shared by the checks and the mapping.
pub(crate) struct Symbols<'a> {
    pub types: HashMap<&'a str, TypeKind>,
    pub models: HashMap<&'a str, &'a Model>,
    pub enums: HashMap<&'a str, &'a Enum>,
}

impl<'a> Symbols<'a> {
    pub fn new(ast: &'a SchemaAst) -> Self {
        let mut s = Symbols {
            types: HashMap::new(),
            models: HashMap::new(),
            enums: HashMap::new(),
        };
        for t in &ast.tops {
            match t {
                Top::Model(m) => {
                    let kind = match m.kind {
                        ModelKind::Model => TypeKind::Model,
                        ModelKind::View => TypeKind::View,
                        ModelKind::CompositeType => TypeKind::Composite,
                    };
                    s.types.entry(&m.name.name).or_insert(kind);
                    s.models.entry(&m.name.name).or_insert(m);
                }
                Top::Enum(e) => {
                    s.types.entry(&e.name.name).or_insert(TypeKind::Enum);
                    s.enums.entry(&e.name.name).or_insert(e);
                }
                Top::Config(_) => {}
            }
        }
        s
    }

    /// The model or view a field type refers to.
    pub fn model_of(&self, field: &Field) -> Option<&'a Model> {
        match self.types.get(field.field_type.name.as_str()) {
            Some(TypeKind::Model | TypeKind::View) => {
                self.models.get(field.field_type.name.as_str()).copied()
            }
            _ => None,
        }
    }

    /// The enum a field type refers to.
    pub fn enum_of(&self, field: &Field) -> Option<&'a Enum> {
        self.enums.get(field.field_type.name.as_str()).copied()
    }
}

/// The field names of an index-like attribute's first argument
/// (`[a, b(sort: Desc)]`), with their spans.
pub(crate) fn field_refs(attr: &Attribute) -> Vec<(String, Span)> {
    let Some(value) = attr.positional_or("fields").and_then(|a| a.value.as_ref()) else {
        return Vec::new();
    };
    expr_field_refs(value)
}

pub(crate) fn expr_field_refs(value: &Expression) -> Vec<(String, Span)> {
    let one = |e: &Expression| match e {
        Expression::Constant { value, span } => Some((value.clone(), *span)),
        Expression::Function { name, .. } => Some((name.name.clone(), name.span)),
        _ => None,
    };
    match value {
        Expression::Array { items, .. } => items.iter().filter_map(one).collect(),
        other => one(other).into_iter().collect(),
    }
}

pub(crate) fn string_arg<'a>(attr: &'a Attribute, name: &str) -> Option<&'a str> {
    attr.named(name)
        .and_then(|a| a.value.as_ref())
        .and_then(Expression::as_str)
}

/// Runs every check.
pub(crate) fn validate(
    ast: &SchemaAst,
    datasource: Option<&Datasource>,
    generators: &[Generator],
    diags: &mut Diagnostics,
) {
    let syms = Symbols::new(ast);
    check_duplicate_tops(ast, diags);
    let views_enabled = generators
        .iter()
        .any(|g| g.preview_features.iter().any(|f| f == "views"));
    for m in ast.models() {
        match m.kind {
            ModelKind::CompositeType => {
                diags.error(
                    m.span,
                    "Error validating: Composite types are not supported on Postgres.",
                );
                continue;
            }
            ModelKind::View if !views_enabled => diags.error(
                m.span,
                "Error validating: View definitions are only available with the `views` preview feature.",
            ),
            _ => {}
        }
        check_model(m, &syms, datasource, diags);
    }
    for e in ast.enums() {
        check_enum(e, datasource, diags);
    }
    relations::check_relations(ast, &syms, diags);
    check_constraint_names(ast, diags);
}

fn check_constraint_names(ast: &SchemaAst, diags: &mut Diagnostics) {
    let named = crate::mapping::constraint_names(ast);
    let mut counts: HashMap<(&str, &str), usize> = HashMap::new();
    for n in &named {
        *counts.entry((&n.schema, &n.name)).or_default() += 1;
    }
    for n in &named {
        if counts
            .get(&(n.schema.as_str(), n.name.as_str()))
            .copied()
            .unwrap_or(0)
            > 1
        {
            diags.error(
                n.span,
                format!(
                    "Error parsing attribute \"{}\": The given constraint name `{}` has to be unique in the following namespace: global for primary key, indexes and unique constraints. Please provide a different name using the `map` argument.",
                    n.attribute, n.name
                ),
            );
        }
    }
}

fn check_duplicate_tops(ast: &SchemaAst, diags: &mut Diagnostics) {
    let mut seen: HashMap<&str, TypeKind> = HashMap::new();
    for t in &ast.tops {
        let (name, kind) = match t {
            Top::Model(m) => (
                &m.name,
                match m.kind {
                    ModelKind::Model => TypeKind::Model,
                    ModelKind::View => TypeKind::View,
                    ModelKind::CompositeType => TypeKind::Composite,
                },
            ),
            Top::Enum(e) => (&e.name, TypeKind::Enum),
            Top::Config(_) => continue,
        };
        if let Some(prev) = seen.get(name.name.as_str()) {
            diags.error(
                name.span,
                format!(
                    "The {} \"{}\" cannot be defined because a {} with that name already exists.",
                    kind.word(),
                    name.name,
                    prev.word()
                ),
            );
        } else {
            seen.insert(&name.name, kind);
        }
    }
}

fn schema_checks(
    attrs: &[Attribute],
    block_span: Span,
    what: &str,
    datasource: Option<&Datasource>,
    diags: &mut Diagnostics,
) {
    let schemas = datasource.map(|d| d.schemas.as_slice()).unwrap_or(&[]);
    match attrs.iter().find(|a| a.name.name == "schema") {
        Some(a) => {
            let arg = a.positional_or("name").and_then(|x| x.value.as_ref());
            match arg {
                Some(Expression::String { value, span }) => {
                    if !schemas.contains(value) {
                        diags.error(
                            *span,
                            "This schema is not defined in the datasource. Read more on `@@schema` at https://pris.ly/d/multi-schema",
                        );
                    }
                }
                Some(other) => diags.error(
                    other.span(),
                    format!(
                        "Expected a string value, but received {} `{}`.",
                        value_kind(other),
                        other.render()
                    ),
                ),
                None => diags.error(a.span, "Argument \"name\" is missing."),
            }
        }
        None if !schemas.is_empty() => diags.error(
            block_span,
            format!("This {what} is missing an `@@schema` attribute."),
        ),
        None => {}
    }
}

fn check_string_arg(attr: &Attribute, diags: &mut Diagnostics) {
    match attr.positional_or("name").and_then(|a| a.value.as_ref()) {
        Some(Expression::String { .. }) => {}
        Some(other) => diags.error(
            other.span(),
            format!(
                "Expected a string value, but received {} `{}`.",
                value_kind(other),
                other.render()
            ),
        ),
        None => diags.error(attr.span, "Argument \"name\" is missing."),
    }
}

fn check_once(attrs: &[Attribute], diags: &mut Diagnostics) {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for a in attrs {
        *counts.entry(a.name.name.as_str()).or_default() += 1;
    }
    for a in attrs {
        let repeatable = a.block && matches!(a.name.name.as_str(), "index" | "unique" | "fulltext");
        if !repeatable && counts.get(a.name.name.as_str()).copied().unwrap_or(0) > 1 {
            diags.error(
                a.span,
                format!(
                    "Attribute \"{}\" can only be defined once.",
                    a.display_name()
                ),
            );
        }
    }
}

fn check_model(m: &Model, syms: &Symbols<'_>, ds: Option<&Datasource>, diags: &mut Diagnostics) {
    let what = match m.kind {
        ModelKind::View => "view",
        _ => "model",
    };
    // Fields.
    let mut names: HashMap<&str, ()> = HashMap::new();
    for f in &m.fields {
        if names.insert(&f.name.name, ()).is_some() {
            diags.error(
                f.name.span,
                format!(
                    "Field \"{}\" is already defined on {what} \"{}\".",
                    f.name.name, m.name.name
                ),
            );
        }
        check_field(m, f, syms, diags);
    }
    // Block attributes.
    for a in &m.attributes {
        if !BLOCK_ATTRIBUTES.contains(&a.name.name.as_str()) {
            diags.error(
                a.span,
                format!("Attribute not known: \"@{}\".", a.name.name),
            );
        }
    }
    check_once(&m.attributes, diags);
    let scalar_names: Vec<&str> = m
        .fields
        .iter()
        .filter(|f| syms.model_of(f).is_none())
        .map(|f| f.name.name.as_str())
        .collect();
    for a in &m.attributes {
        match a.name.name.as_str() {
            "map" => check_string_arg(a, diags),
            "id" | "unique" | "index" => {
                let refs = field_refs(a);
                if a.positional_or("fields").is_none() {
                    diags.error(a.span, "Argument \"fields\" is missing.");
                }
                let unknown: Vec<&(String, Span)> = refs
                    .iter()
                    .filter(|(n, _)| !scalar_names.contains(&n.as_str()))
                    .collect();
                if !unknown.is_empty() {
                    let list: Vec<&str> = unknown.iter().map(|(n, _)| n.as_str()).collect();
                    let (span, msg) = match a.name.name.as_str() {
                        "id" => (
                            a.positional_or("fields")
                                .and_then(|x| x.value.as_ref())
                                .map(Expression::span)
                                .unwrap_or(a.span),
                            format!(
                                "Error validating model \"{}\": The multi field id declaration refers to the unknown field{} {}.",
                                m.name.name,
                                if list.len() == 1 { "" } else { "s" },
                                list.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
                            ),
                        ),
                        "unique" => (
                            a.span,
                            format!(
                                "Error validating model \"{}\": The unique index definition refers to the unknown fields: {}.",
                                m.name.name,
                                list.join(", ")
                            ),
                        ),
                        _ => (
                            a.span,
                            format!(
                                "Error validating model \"{}\": The index definition refers to the unknown fields: {}.",
                                m.name.name,
                                list.join(", ")
                            ),
                        ),
                    };
                    diags.error(span, msg);
                }
                check_index_args(a, diags);
            }
            "fulltext" => diags.error(
                a.span,
                "Error parsing attribute \"@@fulltext\": Defining fulltext indexes is not supported with the current connector.",
            ),
            _ => {}
        }
    }
    if m.kind != ModelKind::CompositeType {
        schema_checks(&m.attributes, m.span, what, ds, diags);
    }

    // Ids and unique criteria.
    let field_ids: Vec<&Field> = m
        .fields
        .iter()
        .filter(|f| f.attribute("id").is_some())
        .collect();
    let block_id = m.attribute("id");
    if field_ids.len() > 1 {
        diags.error(
            m.span,
            format!(
                "Error validating model \"{}\": At most one field must be marked as the id field with the `@id` attribute.",
                m.name.name
            ),
        );
    }
    if !field_ids.is_empty() && block_id.is_some() {
        diags.error(
            m.span,
            format!(
                "Error validating model \"{}\": Each model must have at most one id criteria. You can't have `@id` and `@@id` at the same time.",
                m.name.name
            ),
        );
    }
    let required = |name: &str| m.field(name).is_some_and(|f| f.arity == Arity::Required);
    let has_criteria = !field_ids.is_empty()
        || block_id.is_some()
        || m.fields
            .iter()
            .any(|f| f.attribute("unique").is_some() && f.arity == Arity::Required)
        || m.attributes.iter().any(|a| {
            a.name.name == "unique" && {
                let refs = field_refs(a);
                !refs.is_empty() && refs.iter().all(|(n, _)| required(n))
            }
        });
    if m.kind == ModelKind::Model && !has_criteria && m.attribute("ignore").is_none() {
        diags.error(
            m.span,
            format!(
                "Error validating model \"{}\": Each model must have at least one unique criteria that has only required fields. Either mark a single field with `@id`, `@unique` or add a multi field criterion with `@@id([])` or `@@unique([])` to the model.",
                m.name.name
            ),
        );
    }
}

fn check_index_args(a: &Attribute, diags: &mut Diagnostics) {
    let attr_name = a.name.name.as_str();
    for arg in &a.arguments {
        let Some(n) = &arg.name else { continue };
        match n.name.as_str() {
            "clustered" => diags.error(
                a.span,
                format!(
                    "Error parsing attribute \"@{attr_name}\": Defining clustering is not supported in the current connector."
                ),
            ),
            "type" if attr_name == "index" => {
                if let Some(v) = arg.value.as_ref().and_then(Expression::as_constant)
                    && !INDEX_TYPES.contains(&v)
                {
                    diags.error(
                        a.span,
                        format!("Error parsing attribute \"@index\": Unknown index type: {v}."),
                    );
                }
            }
            _ => {}
        }
    }
    // `sort:` on the fields.
    if let Some(Expression::Array { items, .. }) =
        a.positional_or("fields").and_then(|x| x.value.as_ref())
    {
        for item in items {
            if let Expression::Function { arguments, .. } = item {
                for fa in arguments {
                    match fa.name.as_ref().map(|n| n.name.as_str()) {
                        Some("sort") => {
                            let v = fa.value.as_ref().and_then(Expression::as_constant);
                            if !matches!(v, Some("Asc" | "Desc")) {
                                diags.error(fa.span, "Unexpected token. Expected one of: Asc, Desc");
                            }
                        }
                        Some("length") => diags.error(
                            a.span,
                            format!(
                                "Error parsing attribute \"@{attr_name}\": The length argument is not supported in {} with the current connector",
                                if attr_name == "id" {
                                    "the primary key"
                                } else {
                                    "an index definition"
                                }
                            ),
                        ),
                        _ => {}
                    }
                }
            }
        }
    }
}

fn check_field(m: &Model, f: &Field, syms: &Symbols<'_>, diags: &mut Diagnostics) {
    let ty = f.field_type.name.as_str();
    let known_type = ty == "Unsupported" && f.field_type.unsupported.is_some()
        || is_scalar(ty)
        || syms.types.contains_key(ty);
    if !known_type {
        diags.error(
            f.field_type.span,
            format!(
                "Type \"{ty}\" is neither a built-in type, nor refers to another model, composite type, or enum."
            ),
        );
    }
    for a in &f.attributes {
        let n = a.name.name.as_str();
        if !FIELD_ATTRIBUTES.contains(&n) && !n.starts_with("db.") {
            diags.error(a.span, format!("Attribute not known: \"@{n}\"."));
        }
    }
    check_once(&f.attributes, diags);
    let is_relation = syms.model_of(f).is_some();
    for a in &f.attributes {
        match a.name.name.as_str() {
            "id" => {
                if f.arity != Arity::Required {
                    diags.error(
                        a.span,
                        "Error parsing attribute \"@id\": Fields that are marked as id must be required.",
                    );
                }
                check_index_args(a, diags);
            }
            "unique" => check_index_args(a, diags),
            "map" => check_string_arg(a, diags),
            "updatedAt" if ty != "DateTime" => {
                diags.error(
                    a.span,
                    "Error parsing attribute \"@updatedAt\": Fields that are marked with @updatedAt must be of type DateTime.",
                );
            }
            "default" => check_default(m, f, a, syms, diags),
            n if n.starts_with("db.") => check_native(f, a, diags),
            "relation" if !is_relation && known_type => diags.error(
                a.span,
                format!(
                    "Error parsing attribute \"@relation\": Invalid field type, not a relation: `{}` on model `{}`.",
                    f.name.name, m.name.name
                ),
            ),
            _ => {}
        }
    }
}

fn check_native(f: &Field, a: &Attribute, diags: &mut Diagnostics) {
    let name = a.name.name.strip_prefix("db.").unwrap_or("");
    let Some(nt) = native::native_type(name) else {
        diags.error(
            a.span,
            format!("Native type {name} is not supported for postgresql connector."),
        );
        return;
    };
    let ty = f.field_type.name.as_str();
    if is_scalar(ty) && ty != nt.scalar {
        diags.error(
            a.span,
            format!(
                "Native type {name} is not compatible with declared field type {ty}, expected field type {}.",
                nt.scalar
            ),
        );
        return;
    }
    if a.arguments.len() > nt.max_args {
        let msg = if nt.max_args == 0 {
            format!(
                "Native type {name} takes no arguments, but received {}.",
                a.arguments.len()
            )
        } else {
            format!(
                "Native type {name} takes {} optional arguments, but received {}.",
                nt.max_args,
                a.arguments.len()
            )
        };
        diags.error(a.span, msg);
        return;
    }
    for arg in &a.arguments {
        match &arg.value {
            Some(Expression::Number { value, .. }) if value.parse::<u32>().is_ok() => {}
            Some(v) => diags.error(
                a.span,
                format!(
                    "Expected a nonnegative integer, but found ({}).",
                    v.render()
                ),
            ),
            None => diags.error(a.span, "Expected a nonnegative integer."),
        }
    }
}

fn is_integer(s: &str) -> bool {
    let d = s.strip_prefix('-').unwrap_or(s);
    !d.is_empty() && d.chars().all(|c| c.is_ascii_digit())
}

/// Checks one default value (not a list) against the field's type.
fn default_value_error(
    ty: &str,
    value: &Expression,
    enm: Option<&Enum>,
    syms: &Symbols<'_>,
) -> Option<String> {
    let _ = syms;
    if let Some(e) = enm {
        return match value {
            Expression::Constant { value: v, .. } if e.values.iter().any(|x| &x.name.name == v) => {
                None
            }
            other => Some(format!(
                "Error parsing attribute \"@default\": The defined default value `{}` is not a valid value of the enum specified for the field.",
                other.render()
            )),
        };
    }
    let ok = match (ty, value) {
        ("String" | "Json" | "Bytes" | "DateTime", Expression::String { .. }) => true,
        ("Int" | "BigInt", Expression::Number { value, .. }) => is_integer(value) || ty == "BigInt",
        ("Float" | "Decimal", Expression::Number { .. })
        | ("Decimal", Expression::String { .. }) => true,
        ("Boolean", Expression::Constant { value, .. }) => value == "true" || value == "false",
        _ => false,
    };
    if ok {
        None
    } else {
        Some(format!(
            "Error parsing attribute \"@default\": Expected a {ty} value, but found `{}`.",
            value.render()
        ))
    }
}

fn check_default(m: &Model, f: &Field, a: &Attribute, syms: &Symbols<'_>, diags: &mut Diagnostics) {
    let _ = m;
    let Some(value) = a.positional_or("value").and_then(|x| x.value.as_ref()) else {
        diags.error(a.span, "Argument \"value\" is missing.");
        return;
    };
    let ty = f.field_type.name.as_str();
    if syms.model_of(f).is_some() {
        diags.error(
            a.span,
            "Error parsing attribute \"@default\": Cannot set a default value on a relation field.",
        );
        return;
    }
    let enm = syms.enum_of(f);
    if let Expression::Function {
        name, arguments, ..
    } = value
    {
        let fname = name.name.as_str();
        let allowed: &[&str] = match fname {
            "autoincrement" => &["Int", "BigInt"],
            "now" => &["DateTime"],
            "uuid" | "cuid" | "nanoid" | "ulid" => &["String"],
            "dbgenerated" => {
                if let Some(arg) = arguments.first() {
                    match &arg.value {
                        Some(Expression::String { value, .. }) if value.trim().is_empty() => diags.error(
                            a.span,
                            "Error parsing attribute \"@default\": dbgenerated() takes either no argument, or a single nonempty string argument.",
                        ),
                        Some(Expression::String { .. }) => {}
                        _ => diags.error(
                            a.span,
                            "Error parsing attribute \"@default\": dbgenerated() takes either no argument, or a single nonempty string argument.",
                        ),
                    }
                }
                return;
            }
            _ => {
                diags.error(
                    value.span(),
                    format!(
                        "Unknown function in @default(): `{fname}` is not known. You can read about the available functions here: https://pris.ly/d/attribute-functions"
                    ),
                );
                return;
            }
        };
        if !allowed.contains(&ty) || f.arity == Arity::List {
            diags.error(
                a.span,
                format!(
                    "Error parsing attribute \"@default\": The function `{fname}()` cannot be used on fields of type `{ty}`."
                ),
            );
        }
        return;
    }
    if ty == "Unsupported" {
        diags.error(
            a.span,
            "Error parsing attribute \"@default\": Only @default(dbgenerated(\"...\")) can be used for Unsupported types.",
        );
        return;
    }
    if !is_scalar(ty) && enm.is_none() {
        return;
    }
    if f.arity == Arity::List {
        match value {
            Expression::Array { items, .. } => {
                for item in items {
                    if let Some(msg) = default_value_error(ty, item, enm, syms) {
                        diags.error(a.span, msg);
                        return;
                    }
                }
            }
            _ => diags.error(
                a.span,
                "Error parsing attribute \"@default\": The default value of a list field must be a list.",
            ),
        }
        return;
    }
    if let Some(msg) = default_value_error(ty, value, enm, syms) {
        diags.error(a.span, msg);
    }
}

fn check_enum(e: &Enum, ds: Option<&Datasource>, diags: &mut Diagnostics) {
    if e.values.is_empty() {
        diags.error(
            e.span,
            "Error validating: An enum must have at least one value.",
        );
    }
    let mut seen: HashMap<&str, ()> = HashMap::new();
    for v in &e.values {
        if seen.insert(&v.name.name, ()).is_some() {
            diags.error(
                v.span,
                format!(
                    "Value \"{}\" is already defined on enum \"{}\".",
                    v.name.name, e.name.name
                ),
            );
        }
        for a in &v.attributes {
            if a.name.name == "map" {
                check_string_arg(a, diags);
            } else {
                diags.error(
                    a.span,
                    format!("Attribute not known: \"@{}\".", a.name.name),
                );
            }
        }
    }
    for a in &e.attributes {
        match a.name.name.as_str() {
            "map" => check_string_arg(a, diags),
            "schema" => {}
            other => diags.error(a.span, format!("Attribute not known: \"@{other}\".")),
        }
    }
    check_once(&e.attributes, diags);
    schema_checks(&e.attributes, e.span, "enum", ds, diags);
}

/// The relation fields of a model, for the relation checks.
pub(crate) fn relation_fields<'a>(m: &'a Model, syms: &Symbols<'a>) -> Vec<RelationField<'a>> {
    m.fields
        .iter()
        .filter_map(|f| {
            let target = syms.model_of(f)?;
            Some(RelationField::new(m, f, target))
        })
        .collect()
}
