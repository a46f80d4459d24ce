//! The model types. Plain data: every producer fills them, [`crate::diff`]
//! compares them.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::Serialize;

use crate::types::NormalizedType;

/// The schema a name lives in when none is written.
pub const DEFAULT_SCHEMA: &str = "public";

/// The tables migration tools keep their own history in. The tool creates
/// them, not the history: a replay that meets one it does not hold leaves
/// the statement alone, and a database that has one besides the replayed
/// schema has no drift for it.
pub const MIGRATION_TOOL_TABLES: &[&str] = &[
    "_prisma_migrations",
    "__diesel_schema_migrations",
    "_sqlx_migrations",
    "schema_migrations",
    "migrations",
    "flyway_schema_history",
    "atlas_schema_revisions",
    "goose_db_version",
    "gorp_migrations",
    "knex_migrations",
    "knex_migrations_lock",
];

/// Whether `name` is one of [`MIGRATION_TOOL_TABLES`].
pub fn is_migration_tool_table(name: &QualName) -> bool {
    MIGRATION_TOOL_TABLES.contains(&name.name.as_str())
}

/// A schema-qualified object name, as PostgreSQL stores it (case preserved:
/// quoting is resolved before a name gets here, unquoted names are folded to
/// lower case by the producer).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct QualName {
    pub schema: String,
    pub name: String,
}

impl QualName {
    /// A name in [`DEFAULT_SCHEMA`].
    pub fn public(name: impl Into<String>) -> Self {
        Self {
            schema: DEFAULT_SCHEMA.to_owned(),
            name: name.into(),
        }
    }

    pub fn new(schema: Option<&str>, name: impl Into<String>) -> Self {
        Self {
            schema: schema.unwrap_or(DEFAULT_SCHEMA).to_owned(),
            name: name.into(),
        }
    }
}

impl fmt::Display for QualName {
    /// `"User"` in the default schema, `"audit"."User"` elsewhere: the way a
    /// reader would write it in SQL.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.schema == DEFAULT_SCHEMA {
            write!(f, "\"{}\"", self.name)
        } else {
            write!(f, "\"{}\".\"{}\"", self.schema, self.name)
        }
    }
}

/// A whole database schema (every PostgreSQL schema of the project).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SchemaModel {
    pub tables: BTreeMap<QualName, Table>,
    pub enums: BTreeMap<QualName, EnumType>,
    /// Sequences created explicitly or by `SERIAL` columns.
    pub sequences: BTreeSet<QualName>,
    pub views: BTreeMap<QualName, View>,
    pub extensions: BTreeSet<String>,
    pub schemas: BTreeSet<String>,
    /// Functions, by [`Function::key`].
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub functions: BTreeMap<String, Function>,
}

/// A function (not a procedure or an aggregate).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Function {
    pub name: QualName,
    /// The argument types of its signature, typmods dropped as PostgreSQL
    /// drops them (`character varying`, not `character varying(10)`);
    /// `None` when the producer could not read them (then only the name is
    /// compared).
    pub args: Option<Vec<NormalizedType>>,
    /// The return type (`SETOF x` for a set), typmods dropped.
    pub returns: Option<String>,
    /// `immutable`, `stable` or `volatile`.
    pub volatility: Option<String>,
    /// The expression a `LANGUAGE sql` function's body (`SELECT expr`)
    /// returns, which PostgreSQL inlines; kept by the replay for lock facts,
    /// not compared.
    #[serde(skip)]
    pub sql_expression: Option<String>,
}

impl Function {
    /// `"public"."f"(integer, text)`; `"public"."f"(…)` when the arguments
    /// are not known.
    pub fn key(&self) -> String {
        match &self.args {
            Some(a) => format!(
                "{}({})",
                self.name,
                a.iter()
                    .map(NormalizedType::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            None => format!("{}(…)", self.name),
        }
    }
}

/// A trigger on a table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Trigger {
    pub name: String,
    /// `BEFORE`, `AFTER` or `INSTEAD OF`; `None` when the producer could
    /// not read the statement (then only the name is compared).
    pub timing: Option<String>,
    /// `INSERT`, `UPDATE`, `DELETE`, `TRUNCATE`, in that order.
    pub events: Vec<String>,
    pub for_each_row: bool,
    /// The function it executes.
    pub function: Option<QualName>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Table {
    pub name: QualName,
    /// In creation order (PostgreSQL's attnum order).
    pub columns: Vec<Column>,
    pub primary_key: Option<PrimaryKey>,
    /// Plain and unique indexes, including the index behind a `UNIQUE`
    /// constraint (`constraint: true`). The primary key's index is not here.
    pub indexes: Vec<Index>,
    pub foreign_keys: Vec<ForeignKey>,
    pub checks: Vec<CheckConstraint>,
    /// Its columns cannot be known from the SQL that created it (`CREATE
    /// TABLE … AS` a query migsafe cannot read, `PARTITION OF` a parent it
    /// does not hold): only its existence is compared.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub opaque: bool,
    /// Triggers, by name order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub triggers: Vec<Trigger>,
}

impl Table {
    pub fn new(name: QualName) -> Self {
        Self {
            name,
            columns: Vec::new(),
            primary_key: None,
            indexes: Vec::new(),
            foreign_keys: Vec::new(),
            checks: Vec::new(),
            opaque: false,
            triggers: Vec::new(),
        }
    }

    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    pub fn column_mut(&mut self, name: &str) -> Option<&mut Column> {
        self.columns.iter_mut().find(|c| c.name == name)
    }

    pub fn index(&self, name: &str) -> Option<&Index> {
        self.indexes.iter().find(|i| i.name == name)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Column {
    pub name: String,
    pub ty: NormalizedType,
    pub nullable: bool,
    pub default: Option<DefaultValue>,
    /// `GENERATED … AS IDENTITY`.
    pub identity: bool,
    /// `GENERATED ALWAYS AS (expr) STORED`: the normalized expression.
    pub generated: Option<String>,
    /// The user-defined types the default depends on (an enum literal of
    /// the column's enum type, a cast to a type): `DROP TYPE … CASCADE`
    /// drops the default with the type, even after the column changed
    /// type. Kept by the replay; not part of what is compared.
    #[serde(skip)]
    pub default_types: Vec<QualName>,
    /// The collation when not the type's default, as PostgreSQL names it
    /// (`C`, `en-x-icu`; schema-qualified outside `pg_catalog`); `None`
    /// for the default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collation: Option<String>,
}

impl Column {
    pub fn new(name: impl Into<String>, ty: NormalizedType) -> Self {
        Self {
            name: name.into(),
            ty,
            nullable: true,
            default: None,
            identity: false,
            generated: None,
            default_types: Vec::new(),
            collation: None,
        }
    }
}

/// A column default in a normalized form, so that Prisma's `@default(now())`,
/// a migration's `DEFAULT CURRENT_TIMESTAMP` and the catalog's
/// `CURRENT_TIMESTAMP` compare equal. Build it with
/// [`crate::types::normalize_default`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum DefaultValue {
    /// `nextval('seq')`: `SERIAL`, `autoincrement()`. The sequence name is
    /// not compared: PostgreSQL derives it and renames do not follow.
    Sequence,
    /// A constant: `'text'` (quoted, casts removed), `42`, `true`, `NULL`.
    Literal(String),
    /// Any other expression, lower-cased outside quotes, casts and redundant
    /// parentheses removed: `now()`, `gen_random_uuid()`.
    Expression(String),
}

impl fmt::Display for DefaultValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DefaultValue::Sequence => f.write_str("autoincrement()"),
            DefaultValue::Literal(s) | DefaultValue::Expression(s) => f.write_str(s),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PrimaryKey {
    /// The constraint name; `None` when the producer cannot know it.
    pub name: Option<String>,
    pub columns: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Index {
    pub name: String,
    pub columns: Vec<IndexColumn>,
    pub unique: bool,
    /// Created by `ADD CONSTRAINT … UNIQUE` rather than `CREATE UNIQUE INDEX`.
    pub constraint: bool,
    /// Access method when not btree: `gin`, `gist`, `hash`, `brin`, …
    pub method: Option<String>,
    /// Normalized `WHERE` predicate of a partial index.
    pub predicate: Option<String>,
    /// `INCLUDE (…)` columns.
    pub include: Vec<String>,
    /// `NULLS NOT DISTINCT` and storage parameters; `None` where the
    /// producer cannot know them (a Prisma schema), and then not compared.
    pub options: Option<IndexOptions>,
}

/// What PostgreSQL keeps of an index besides its keys.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct IndexOptions {
    pub nulls_not_distinct: bool,
    /// `WITH (…)` storage parameters as `name=value`, sorted.
    pub storage: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IndexColumn {
    /// A column name, or a normalized expression for an expression index.
    pub expr: String,
    pub descending: bool,
    /// Operator class when not the default: `gin_trgm_ops`, `jsonb_path_ops`.
    pub opclass: Option<String>,
}

impl IndexColumn {
    /// An expression rather than a column name (a column name is stored
    /// as it is, an expression in its canonical form).
    pub fn is_expression(&self) -> bool {
        is_expression_element(&self.expr)
    }

    pub fn column(name: impl Into<String>) -> Self {
        Self {
            expr: name.into(),
            descending: false,
            opclass: None,
        }
    }
}

/// Whether an index element's text is an expression rather than a column
/// name: it has an operator, a call, a literal, a cast or a space.
pub fn is_expression_element(s: &str) -> bool {
    s.contains([
        '(', ')', ' ', ':', '\'', '+', '-', '*', '/', '|', '&', '<', '>', '=', '~', '%', '^', '#',
        '[', ',',
    ])
}

/// An index element from its canonical expression: a bare column name
/// (`(("Col")::text)` canonicalizes to `"Col"`, which PostgreSQL indexes
/// as the column) is the column's name as stored, anything else the
/// expression.
pub fn index_element(canonical: String) -> String {
    if is_expression_element(&canonical) {
        return canonical;
    }
    match canonical
        .strip_prefix('"')
        .and_then(|x| x.strip_suffix('"'))
    {
        Some(inner) => crate::names::truncate_identifier(&inner.replace("\"\"", "\"")),
        None => canonical,
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RefAction {
    #[default]
    NoAction,
    Restrict,
    Cascade,
    SetNull,
    SetDefault,
}

impl fmt::Display for RefAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RefAction::NoAction => "NO ACTION",
            RefAction::Restrict => "RESTRICT",
            RefAction::Cascade => "CASCADE",
            RefAction::SetNull => "SET NULL",
            RefAction::SetDefault => "SET DEFAULT",
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ForeignKey {
    pub name: Option<String>,
    pub columns: Vec<String>,
    pub referenced_table: QualName,
    pub referenced_columns: Vec<String>,
    pub on_delete: RefAction,
    pub on_update: RefAction,
    /// `DEFERRABLE` / `INITIALLY DEFERRED` / validated (not `NOT VALID`):
    /// `None` where the producer cannot know (a Prisma schema has no way
    /// to say it), and then not compared.
    pub characteristics: Option<FkCharacteristics>,
    /// The referenced table's key (primary key or unique index) the foreign
    /// key was tied to when it was created, as PostgreSQL ties it: dropping
    /// that key drops (with CASCADE) or blocks on the foreign key, even when
    /// another key on the same columns exists. Kept by the replay; not
    /// compared.
    #[serde(skip)]
    pub referenced_key: Option<String>,
}

/// What PostgreSQL keeps of a foreign key besides its columns and actions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct FkCharacteristics {
    pub deferrable: bool,
    pub initially_deferred: bool,
    pub validated: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CheckConstraint {
    pub name: Option<String>,
    /// Normalized expression.
    pub expr: String,
    /// Validated (not `NOT VALID`); `None` where the producer cannot know.
    pub validated: Option<bool>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EnumType {
    pub name: QualName,
    /// In declaration order: the order matters to PostgreSQL (`<` on enums).
    pub values: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct View {
    pub name: QualName,
    pub materialized: bool,
    /// Its output column names, in order; `None` where the producer cannot
    /// know them (then not compared).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub columns: Option<Vec<String>>,
    /// Its query in canonical form ([`crate::query`]); `None` where the
    /// producer cannot know it or the query is outside the canonical form
    /// (then not compared).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub definition: Option<String>,
    /// Every name its query uses, folded (tables, views, columns it may
    /// depend on); kept by the replay for lock facts, not compared.
    #[serde(skip)]
    pub references: Vec<String>,
}
