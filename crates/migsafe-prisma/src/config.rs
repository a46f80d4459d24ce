//! The `datasource` and `generator` blocks, read and checked.

use serde::Serialize;

use crate::ast::{ConfigBlock, ConfigKind, Expression, SchemaAst};
use crate::diagnostic::Diagnostics;
use crate::span::Span;

/// The datasource block.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Datasource {
    /// The block name: `db`.
    pub name: String,
    /// `postgresql`, `postgres`, …
    pub provider: Option<String>,
    /// How `url` is given (Prisma 5–6); `None` when absent (Prisma 7 keeps it
    /// in `prisma.config.ts`).
    pub url: Option<ConfigValue>,
    pub direct_url: Option<ConfigValue>,
    pub shadow_database_url: Option<ConfigValue>,
    /// `relationMode` (or the legacy `referentialIntegrity`): `prisma` means
    /// no foreign keys in the database.
    pub relation_mode: Option<String>,
    /// `schemas = ["public", "audit"]` (multi-schema).
    pub schemas: Vec<String>,
    /// `extensions = [pg_trgm, uuid_ossp(map: "uuid-ossp")]`: the database
    /// names of the extensions.
    pub extensions: Vec<String>,
    pub span: Span,
}

impl Datasource {
    /// True when Prisma emulates relations and creates no foreign keys.
    pub fn emulates_relations(&self) -> bool {
        self.relation_mode.as_deref() == Some("prisma")
    }
}

/// A string setting given literally or read from the environment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum ConfigValue {
    /// `"postgresql://…"`.
    Literal(String),
    /// `env("DATABASE_URL")`: the variable name.
    Env(String),
}

/// A generator block.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Generator {
    pub name: String,
    pub provider: Option<ConfigValue>,
    pub output: Option<ConfigValue>,
    pub preview_features: Vec<String>,
    pub span: Span,
}

const KNOWN_PROVIDERS: &[&str] = &[
    "postgresql",
    "postgres",
    "mysql",
    "sqlite",
    "sqlserver",
    "mongodb",
    "cockroachdb",
];

const DATASOURCE_PROPERTIES: &[&str] = &[
    "provider",
    "url",
    "directUrl",
    "shadowDatabaseUrl",
    "relationMode",
    "referentialIntegrity",
    "schemas",
    "extensions",
];

fn config_value(e: &Expression) -> Option<ConfigValue> {
    match e {
        Expression::String { value, .. } => Some(ConfigValue::Literal(value.clone())),
        Expression::Function {
            name, arguments, ..
        } if name.name == "env" => arguments
            .first()
            .and_then(|a| a.value.as_ref())
            .and_then(Expression::as_str)
            .map(|s| ConfigValue::Env(s.to_owned())),
        _ => None,
    }
}

fn string_list(e: &Expression) -> Vec<String> {
    match e {
        Expression::Array { items, .. } => items
            .iter()
            .filter_map(|i| i.as_str().map(str::to_owned))
            .collect(),
        Expression::String { value, .. } => vec![value.clone()],
        _ => Vec::new(),
    }
}

/// Reads and checks the config blocks.
pub(crate) fn read_config(
    ast: &SchemaAst,
    diags: &mut Diagnostics,
) -> (Option<Datasource>, Vec<Generator>) {
    let blocks: Vec<&ConfigBlock> = ast
        .configs()
        .filter(|c| c.kind == ConfigKind::Datasource)
        .collect();
    if blocks.len() > 1 {
        for b in &blocks {
            diags.error(
                b.span,
                format!(
                    "Error validating datasource `{}`: You defined more than one datasource. This is not allowed yet because support for multiple databases has not been implemented yet.",
                    b.name.name
                ),
            );
        }
    }
    let datasource = blocks.first().map(|b| read_datasource(b, diags));

    let mut generators = Vec::new();
    for b in ast.configs().filter(|c| c.kind == ConfigKind::Generator) {
        let mut g = Generator {
            name: b.name.name.clone(),
            provider: None,
            output: None,
            preview_features: Vec::new(),
            span: b.span,
        };
        for p in &b.properties {
            let Some(v) = &p.value else { continue };
            match p.name.name.as_str() {
                "provider" => g.provider = config_value(v),
                "output" => g.output = config_value(v),
                "previewFeatures" => g.preview_features = string_list(v),
                _ => {}
            }
        }
        if b.property("provider").is_none() {
            diags.error(
                b.span,
                format!(
                    "Argument \"provider\" is missing in generator block \"{}\".",
                    b.name.name
                ),
            );
        }
        generators.push(g);
    }
    (datasource, generators)
}

fn read_datasource(b: &ConfigBlock, diags: &mut Diagnostics) -> Datasource {
    let mut ds = Datasource {
        name: b.name.name.clone(),
        provider: None,
        url: None,
        direct_url: None,
        shadow_database_url: None,
        relation_mode: None,
        schemas: Vec::new(),
        extensions: Vec::new(),
        span: b.span,
    };
    let mut seen: Vec<&str> = Vec::new();
    for p in &b.properties {
        let key = p.name.name.as_str();
        if !DATASOURCE_PROPERTIES.contains(&key) {
            diags.error(p.span, format!("Property not known: \"{key}\"."));
            continue;
        }
        if seen.contains(&key) {
            diags.error(
                p.name.span,
                format!(
                    "Key \"{key}\" is already defined in datasource \"{}\".",
                    b.name.name
                ),
            );
        }
        seen.push(key);
        let Some(v) = &p.value else {
            diags.error(
                p.span,
                format!("Expected a value for the property \"{key}\"."),
            );
            continue;
        };
        match key {
            "provider" => match v {
                Expression::String { value, span } => {
                    ds.provider = Some(value.clone());
                    if !KNOWN_PROVIDERS.contains(&value.as_str()) {
                        diags.error(*span, format!("Datasource provider not known: \"{value}\"."));
                    } else if value != "postgresql" && value != "postgres" {
                        diags.error(
                            *span,
                            format!(
                                "migsafe checks PostgreSQL projects only, but datasource \"{}\" uses the provider \"{value}\".",
                                b.name.name
                            ),
                        );
                    }
                }
                Expression::Function { name, .. } if name.name == "env" => diags.error(
                    v.span(),
                    "A datasource must not use the env() function in the provider argument.",
                ),
                other => diags.error(
                    other.span(),
                    format!(
                        "Expected a string value, but received {} `{}`.",
                        value_kind(other),
                        other.render()
                    ),
                ),
            },
            "url" | "directUrl" | "shadowDatabaseUrl" => {
                let cv = config_value(v);
                if cv.is_none() {
                    diags.error(
                        v.span(),
                        format!(
                            "Expected a string value, but received {} `{}`.",
                            value_kind(v),
                            v.render()
                        ),
                    );
                }
                if key != "shadowDatabaseUrl"
                    && let Some(ConfigValue::Literal(u)) = &cv
                    && u.contains('@')
                {
                    diags.warning(
                        v.span(),
                        format!(
                            "The datasource `{key}` is written in the schema with its credentials; read it from the environment (`env(\"DATABASE_URL\")`) or prisma.config.ts so that they stay out of version control."
                        ),
                    );
                }
                match key {
                    "url" => ds.url = cv,
                    "directUrl" => ds.direct_url = cv,
                    _ => ds.shadow_database_url = cv,
                }
            }
            "relationMode" | "referentialIntegrity" => match v.as_str() {
                Some(m @ ("prisma" | "foreignKeys")) => ds.relation_mode = Some(m.to_owned()),
                _ => diags.error(
                    v.span(),
                    format!(
                        "Invalid relation mode setting: {}. Supported values: \"prisma\", \"foreignKeys\"",
                        v.render()
                    ),
                ),
            },
            "schemas" => {
                if v.as_array().is_none() {
                    diags.error(
                        v.span(),
                        format!(
                            "Expected an array of strings, but received {} `{}`.",
                            value_kind(v),
                            v.render()
                        ),
                    );
                }
                ds.schemas = string_list(v);
            }
            "extensions" => {
                if let Some(items) = v.as_array() {
                    for i in items {
                        match i {
                            Expression::Constant { value, .. } => {
                                ds.extensions.push(value.clone());
                            }
                            Expression::Function {
                                name, arguments, ..
                            } => {
                                let mapped = arguments
                                    .iter()
                                    .find(|a| a.name.as_ref().is_some_and(|n| n.name == "map"))
                                    .and_then(|a| a.value.as_ref())
                                    .and_then(Expression::as_str);
                                ds.extensions
                                    .push(mapped.unwrap_or(&name.name).to_owned());
                            }
                            _ => diags.error(i.span(), "Expected an extension name."),
                        }
                    }
                }
            }
            _ => {}
        }
    }
    if ds.provider.is_none() && b.property("provider").is_none() {
        diags.error(
            b.span,
            format!(
                "Argument \"provider\" is missing in data source block \"{}\".",
                b.name.name
            ),
        );
    }
    ds
}

/// How Prisma names a value's kind in messages.
pub(crate) fn value_kind(e: &Expression) -> &'static str {
    match e {
        Expression::String { .. } => "string value",
        Expression::Number { .. } => "numeric value",
        Expression::Constant { .. } => "literal value",
        Expression::Function { .. } => "function value",
        Expression::Array { .. } => "array value",
    }
}
