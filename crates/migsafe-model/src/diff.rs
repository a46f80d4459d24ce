//! The difference between two [`SchemaModel`]s.
//!
//! [`diff`] compares an *expected* model (what one source says the database
//! should be: the Prisma schema, or the replayed migrations) with an *actual*
//! one (the replayed migrations, or the live database) and returns one
//! [`Difference`] per real difference, in a stable order: schemas,
//! extensions, enums, sequences, views, then tables by name and, inside a
//! table, its columns, primary key, indexes, foreign keys and checks.
//!
//! A table or enum that exists on one side only is one difference, not one
//! per column or value. A column that exists on both sides but differs in
//! type, nullability or default is one difference whose [`Difference::changes`]
//! names every aspect that changed.
//!
//! Each difference renders both sides in SQL words; the caller names the two
//! sides with [`Labels`]:
//!
//! ```
//! use migsafe_model::diff::{diff, Labels};
//! use migsafe_model::{Column, QualName, SchemaModel, Table, normalize_type};
//! use migsafe_model::types::normalize_default;
//!
//! let mut expected = SchemaModel::default();
//! let mut table = Table::new(QualName::public("User"));
//! let mut bio = Column::new("bio", normalize_type("TEXT"));
//! bio.nullable = false;
//! bio.default = Some(normalize_default("''"));
//! table.columns.push(bio);
//! expected.tables.insert(table.name.clone(), table.clone());
//!
//! let mut actual = SchemaModel::default();
//! table.columns.clear();
//! actual.tables.insert(table.name.clone(), table);
//!
//! let found = diff(&expected, &actual);
//! assert_eq!(found.len(), 1);
//! assert_eq!(found[0].path, r#"column "User"."bio""#);
//! assert_eq!(
//!     found[0].message(&Labels::new("schema says", "migrations produce")),
//!     r#"column "User"."bio": schema says text NOT NULL DEFAULT '', migrations produce no such column"#
//! );
//! ```

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde::Serialize;

use crate::model::{
    CheckConstraint, Column, EnumType, ForeignKey, Function, Index, PrimaryKey, QualName,
    SchemaModel, Table, Trigger, View,
};

/// What kind of database object a [`Difference`] is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectKind {
    Schema,
    Extension,
    Enum,
    EnumValue,
    Sequence,
    View,
    Table,
    Column,
    PrimaryKey,
    Index,
    ForeignKey,
    Check,
    Function,
    Trigger,
}

impl ObjectKind {
    /// The word used in paths and messages: `column`, `foreign key`, …
    pub fn word(self) -> &'static str {
        match self {
            ObjectKind::Schema => "schema",
            ObjectKind::Extension => "extension",
            ObjectKind::Enum => "enum",
            ObjectKind::EnumValue => "enum value",
            ObjectKind::Sequence => "sequence",
            ObjectKind::View => "view",
            ObjectKind::Table => "table",
            ObjectKind::Column => "column",
            ObjectKind::PrimaryKey => "primary key",
            ObjectKind::Index => "index",
            ObjectKind::ForeignKey => "foreign key",
            ObjectKind::Check => "check constraint",
            ObjectKind::Function => "function",
            ObjectKind::Trigger => "trigger",
        }
    }
}

/// Whether the object is missing on the actual side, extra on it, or on
/// both sides with different content.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DiffKind {
    /// In the expected model, not in the actual one.
    MissingInActual,
    /// In the actual model, not in the expected one.
    ExtraInActual,
    /// On both sides, with different content.
    Changed,
}

/// One aspect of an object that differs (for [`DiffKind::Changed`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Aspect {
    /// A column's type.
    Type,
    /// A column's `NULL` / `NOT NULL`.
    Nullability,
    /// A column's default.
    Default,
    /// A column's identity (`GENERATED … AS IDENTITY`).
    Identity,
    /// A column's generation expression.
    Generated,
    /// A column's collation.
    Collation,
    /// The columns (or expressions) of a key, index or foreign key.
    Columns,
    /// `UNIQUE` or not.
    Unique,
    /// The index access method (`btree`, `gin`, …).
    Method,
    /// A partial index predicate.
    Predicate,
    /// `INCLUDE` columns.
    Include,
    /// The referenced table or columns of a foreign key.
    References,
    /// `ON DELETE` action.
    OnDelete,
    /// `ON UPDATE` action.
    OnUpdate,
    /// A constraint name.
    Name,
    /// A check expression.
    Expression,
    /// The order of enum values.
    Order,
    /// Materialized or plain view.
    Materialized,
    /// A function's return type.
    Returns,
    /// A function's volatility.
    Volatility,
    /// A trigger's timing (`BEFORE`, `AFTER`, `INSTEAD OF`).
    Timing,
    /// A trigger's events.
    Events,
    /// A trigger's level (`FOR EACH ROW` or `STATEMENT`).
    Level,
    /// The function a trigger executes.
    Executes,
    /// A foreign key's `DEFERRABLE` / `INITIALLY DEFERRED`.
    Deferrable,
    /// A constraint's validation (`NOT VALID` or validated).
    Validated,
    /// An index's `NULLS NOT DISTINCT`.
    NullsNotDistinct,
    /// An index's storage parameters (`WITH (…)`).
    Storage,
    /// A view's query.
    Definition,
}

/// One difference between the expected and the actual model.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Difference {
    /// The kind of object.
    pub object: ObjectKind,
    /// A stable, human path: `table "User"`, `column "User"."bio"`,
    /// `index "User"."User_email_key"`, `enum value "Role"."ADMIN"`.
    pub path: String,
    /// The table the object belongs to, for columns, keys, indexes, checks.
    pub table: Option<QualName>,
    /// Missing, extra or changed.
    pub kind: DiffKind,
    /// The expected side in SQL words; `None` when the object is not there.
    pub expected: Option<String>,
    /// The actual side in SQL words; `None` when the object is not there.
    pub actual: Option<String>,
    /// For [`DiffKind::Changed`]: every aspect that differs.
    pub changes: Vec<Aspect>,
}

/// How a message names the two sides: a subject and a verb, such as
/// `"schema says"` and `"migrations produce"`, or `"migrations produce"` and
/// `"the database has"`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Labels {
    pub expected: String,
    pub actual: String,
}

impl Labels {
    /// Labels from the two phrases (subject and verb).
    pub fn new(expected: impl Into<String>, actual: impl Into<String>) -> Self {
        Self {
            expected: expected.into(),
            actual: actual.into(),
        }
    }
}

impl Difference {
    /// `schema says text NOT NULL, migrations produce no such column`.
    pub fn describe(&self, labels: &Labels) -> String {
        let none = format!("no such {}", self.object.word());
        let e = self.expected.as_deref().unwrap_or(&none);
        let a = self.actual.as_deref().unwrap_or(&none);
        let mut out = format!("{} {e}, {} {a}", labels.expected, labels.actual);
        if self.kind == DiffKind::Changed && !self.changes.is_empty() {
            let words: Vec<&str> = self.changes.iter().map(|c| aspect_word(*c)).collect();
            let _ = write!(
                out,
                " ({} differ{})",
                words.join(", "),
                plural_s(words.len())
            );
        }
        out
    }

    /// The path followed by [`Difference::describe`]: one line for a report.
    pub fn message(&self, labels: &Labels) -> String {
        format!("{}: {}", self.path, self.describe(labels))
    }
}

fn plural_s(n: usize) -> &'static str {
    if n == 1 { "s" } else { "" }
}

fn aspect_word(a: Aspect) -> &'static str {
    match a {
        Aspect::Type => "type",
        Aspect::Nullability => "nullability",
        Aspect::Default => "default",
        Aspect::Identity => "identity",
        Aspect::Generated => "generation expression",
        Aspect::Collation => "collation",
        Aspect::Columns => "columns",
        Aspect::Unique => "uniqueness",
        Aspect::Method => "access method",
        Aspect::Predicate => "predicate",
        Aspect::Include => "included columns",
        Aspect::References => "referenced columns",
        Aspect::OnDelete => "ON DELETE",
        Aspect::OnUpdate => "ON UPDATE",
        Aspect::Name => "name",
        Aspect::Expression => "expression",
        Aspect::Order => "value order",
        Aspect::Materialized => "materialization",
        Aspect::Definition => "query",
        Aspect::Returns => "return type",
        Aspect::Volatility => "volatility",
        Aspect::Timing => "timing",
        Aspect::Events => "events",
        Aspect::Level => "level",
        Aspect::Executes => "function",
        Aspect::Deferrable => "deferrability",
        Aspect::Validated => "validation",
        Aspect::NullsNotDistinct => "NULLS NOT DISTINCT",
        Aspect::Storage => "storage parameters",
    }
}

/// Compares `expected` with `actual`; see the [module](self) documentation.
pub fn diff(expected: &SchemaModel, actual: &SchemaModel) -> Vec<Difference> {
    let mut out = Vec::new();
    diff_names(
        &mut out,
        ObjectKind::Schema,
        &expected.schemas,
        &actual.schemas,
        |s| format!("schema {}", quote(s)),
    );
    diff_names(
        &mut out,
        ObjectKind::Extension,
        &expected.extensions,
        &actual.extensions,
        |s| format!("extension {}", quote(s)),
    );
    diff_enums(&mut out, expected, actual);
    diff_names(
        &mut out,
        ObjectKind::Sequence,
        &expected.sequences,
        &actual.sequences,
        |q| format!("sequence {q}"),
    );
    diff_views(&mut out, expected, actual);
    diff_functions(&mut out, expected, actual);
    for (name, e) in &expected.tables {
        match actual.tables.get(name) {
            // Equal tables have no differences (most of them, when two
            // states of one history are compared): no canonical forms built.
            Some(a) if a == e => {}
            Some(a) => diff_table(&mut out, e, a),
            None => out.push(Difference {
                object: ObjectKind::Table,
                path: format!("table {name}"),
                table: Some(name.clone()),
                kind: DiffKind::MissingInActual,
                expected: Some(render_table(e)),
                actual: None,
                changes: Vec::new(),
            }),
        }
    }
    for (name, a) in &actual.tables {
        if !expected.tables.contains_key(name) && !crate::model::is_migration_tool_table(name) {
            out.push(Difference {
                object: ObjectKind::Table,
                path: format!("table {name}"),
                table: Some(name.clone()),
                kind: DiffKind::ExtraInActual,
                expected: None,
                actual: Some(render_table(a)),
                changes: Vec::new(),
            });
        }
    }
    out
}

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

fn diff_names<T: Ord>(
    out: &mut Vec<Difference>,
    object: ObjectKind,
    expected: &BTreeSet<T>,
    actual: &BTreeSet<T>,
    path: impl Fn(&T) -> String,
) {
    for x in expected.difference(actual) {
        out.push(Difference {
            object,
            path: path(x),
            table: None,
            kind: DiffKind::MissingInActual,
            expected: Some(format!("a {}", object.word())),
            actual: None,
            changes: Vec::new(),
        });
    }
    for x in actual.difference(expected) {
        out.push(Difference {
            object,
            path: path(x),
            table: None,
            kind: DiffKind::ExtraInActual,
            expected: None,
            actual: Some(format!("a {}", object.word())),
            changes: Vec::new(),
        });
    }
}

fn render_enum(e: &EnumType) -> String {
    let values: Vec<String> = e.values.iter().map(|v| sql_string(v)).collect();
    format!("ENUM ({})", values.join(", "))
}

fn sql_string(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn diff_enums(out: &mut Vec<Difference>, expected: &SchemaModel, actual: &SchemaModel) {
    for (name, e) in &expected.enums {
        let Some(a) = actual.enums.get(name) else {
            out.push(Difference {
                object: ObjectKind::Enum,
                path: format!("enum {name}"),
                table: None,
                kind: DiffKind::MissingInActual,
                expected: Some(render_enum(e)),
                actual: None,
                changes: Vec::new(),
            });
            continue;
        };
        let mut value_diffs = false;
        for v in &e.values {
            if !a.values.contains(v) {
                value_diffs = true;
                out.push(enum_value_diff(name, v, DiffKind::MissingInActual));
            }
        }
        for v in &a.values {
            if !e.values.contains(v) {
                value_diffs = true;
                out.push(enum_value_diff(name, v, DiffKind::ExtraInActual));
            }
        }
        if !value_diffs && e.values != a.values {
            out.push(Difference {
                object: ObjectKind::Enum,
                path: format!("enum {name}"),
                table: None,
                kind: DiffKind::Changed,
                expected: Some(render_enum(e)),
                actual: Some(render_enum(a)),
                changes: vec![Aspect::Order],
            });
        }
    }
    for (name, a) in &actual.enums {
        if !expected.enums.contains_key(name) {
            out.push(Difference {
                object: ObjectKind::Enum,
                path: format!("enum {name}"),
                table: None,
                kind: DiffKind::ExtraInActual,
                expected: None,
                actual: Some(render_enum(a)),
                changes: Vec::new(),
            });
        }
    }
}

fn enum_value_diff(name: &QualName, value: &str, kind: DiffKind) -> Difference {
    let present = Some(format!("the value {}", sql_string(value)));
    let (expected, actual) = match kind {
        DiffKind::MissingInActual => (present, None),
        _ => (None, present),
    };
    Difference {
        object: ObjectKind::EnumValue,
        path: format!("enum value {name}.{}", quote(value)),
        table: None,
        kind,
        expected,
        actual,
        changes: Vec::new(),
    }
}

fn diff_views(out: &mut Vec<Difference>, expected: &SchemaModel, actual: &SchemaModel) {
    let render = |m: bool| {
        if m {
            "a materialized view".to_owned()
        } else {
            "a view".to_owned()
        }
    };
    for (name, e) in &expected.views {
        match actual.views.get(name) {
            None => out.push(Difference {
                object: ObjectKind::View,
                path: format!("view {name}"),
                table: None,
                kind: DiffKind::MissingInActual,
                expected: Some(render(e.materialized)),
                actual: None,
                changes: Vec::new(),
            }),
            Some(a) if a.materialized != e.materialized => out.push(Difference {
                object: ObjectKind::View,
                path: format!("view {name}"),
                table: None,
                kind: DiffKind::Changed,
                expected: Some(render(e.materialized)),
                actual: Some(render(a.materialized)),
                changes: vec![Aspect::Materialized],
            }),
            Some(a) if e.columns.is_some() && a.columns.is_some() && e.columns != a.columns => {
                let cols = |v: &View| {
                    format!(
                        "{} of columns ({})",
                        render(v.materialized),
                        column_list(v.columns.as_deref().unwrap_or_default())
                    )
                };
                out.push(Difference {
                    object: ObjectKind::View,
                    path: format!("view {name}"),
                    table: None,
                    kind: DiffKind::Changed,
                    expected: Some(cols(e)),
                    actual: Some(cols(a)),
                    changes: vec![Aspect::Columns],
                })
            }
            Some(a)
                if e.definition.is_some()
                    && a.definition.is_some()
                    && e.definition != a.definition =>
            {
                let def = |v: &View| {
                    format!(
                        "{} of {}",
                        render(v.materialized),
                        v.definition.as_deref().unwrap_or_default()
                    )
                };
                out.push(Difference {
                    object: ObjectKind::View,
                    path: format!("view {name}"),
                    table: None,
                    kind: DiffKind::Changed,
                    expected: Some(def(e)),
                    actual: Some(def(a)),
                    changes: vec![Aspect::Definition],
                })
            }
            Some(_) => {}
        }
    }
    for (name, a) in &actual.views {
        if !expected.views.contains_key(name) {
            out.push(Difference {
                object: ObjectKind::View,
                path: format!("view {name}"),
                table: None,
                kind: DiffKind::ExtraInActual,
                expected: None,
                actual: Some(render(a.materialized)),
                changes: Vec::new(),
            });
        }
    }
}

/// Functions by signature; one whose arguments a side could not read
/// matches any function of the same name on the other.
fn diff_functions(out: &mut Vec<Difference>, expected: &SchemaModel, actual: &SchemaModel) {
    let render = |f: &Function| {
        let mut s = format!(
            "a function returning {}",
            f.returns.as_deref().unwrap_or("?")
        );
        if let Some(v) = &f.volatility {
            let _ = write!(s, ", {}", v.to_ascii_uppercase());
        }
        s
    };
    let find = |m: &SchemaModel, f: &Function| -> Option<Function> {
        if let Some(x) = m.functions.get(&f.key()) {
            return Some(x.clone());
        }
        m.functions
            .values()
            .find(|x| x.name == f.name && (x.args.is_none() || f.args.is_none()))
            .cloned()
    };
    for e in expected.functions.values() {
        let path = format!("function {}", e.key());
        match find(actual, e) {
            None => out.push(Difference {
                object: ObjectKind::Function,
                path,
                table: None,
                kind: DiffKind::MissingInActual,
                expected: Some(render(e)),
                actual: None,
                changes: Vec::new(),
            }),
            Some(a) => {
                let mut changes = Vec::new();
                let known = e.args.is_some() && a.args.is_some();
                if known && e.returns != a.returns {
                    changes.push(Aspect::Returns);
                }
                if known && e.volatility != a.volatility {
                    changes.push(Aspect::Volatility);
                }
                if !changes.is_empty() {
                    out.push(Difference {
                        object: ObjectKind::Function,
                        path,
                        table: None,
                        kind: DiffKind::Changed,
                        expected: Some(render(e)),
                        actual: Some(render(&a)),
                        changes,
                    });
                }
            }
        }
    }
    for a in actual.functions.values() {
        if find(expected, a).is_none() {
            out.push(Difference {
                object: ObjectKind::Function,
                path: format!("function {}", a.key()),
                table: None,
                kind: DiffKind::ExtraInActual,
                expected: None,
                actual: Some(render(a)),
                changes: Vec::new(),
            });
        }
    }
}

fn render_trigger(t: &Trigger) -> String {
    match (&t.timing, &t.function) {
        (Some(timing), Some(f)) => format!(
            "{timing} {} FOR EACH {} EXECUTE FUNCTION {f}()",
            t.events.join(" OR "),
            if t.for_each_row { "ROW" } else { "STATEMENT" }
        ),
        _ => "a trigger".to_owned(),
    }
}

fn render_table(t: &Table) -> String {
    let n = t.columns.len();
    format!("a table with {n} column{}", if n == 1 { "" } else { "s" })
}

/// `text NOT NULL DEFAULT ''`.
pub fn render_column(c: &Column) -> String {
    let mut s = c.ty.to_string();
    if let Some(coll) = &c.collation {
        let _ = write!(s, " COLLATE {}", quote(coll));
    }
    if !c.nullable {
        s.push_str(" NOT NULL");
    }
    if let Some(d) = &c.default {
        let _ = write!(s, " DEFAULT {d}");
    }
    if c.identity {
        s.push_str(" GENERATED AS IDENTITY");
    }
    if let Some(g) = &c.generated {
        let _ = write!(s, " GENERATED ALWAYS AS ({g}) STORED");
    }
    s
}

fn column_list(cols: &[String]) -> String {
    cols.iter().map(|c| quote(c)).collect::<Vec<_>>().join(", ")
}

fn render_pk(pk: &PrimaryKey) -> String {
    let mut s = String::new();
    if let Some(n) = &pk.name {
        let _ = write!(s, "CONSTRAINT {} ", quote(n));
    }
    let _ = write!(s, "PRIMARY KEY ({})", column_list(&pk.columns));
    s
}

/// `UNIQUE INDEX USING gin ("a" DESC, "b" jsonb_path_ops) WHERE …`.
pub fn render_index(i: &Index) -> String {
    let mut s = String::new();
    if i.unique {
        s.push_str("UNIQUE ");
    }
    s.push_str("INDEX ");
    if let Some(m) = &i.method {
        let _ = write!(s, "USING {m} ");
    }
    let cols: Vec<String> = i
        .columns
        .iter()
        .map(|c| {
            let mut part = if is_plain_identifier(&c.expr) {
                quote(&c.expr)
            } else {
                c.expr.clone()
            };
            if let Some(op) = &c.opclass {
                let _ = write!(part, " {op}");
            }
            if c.descending {
                part.push_str(" DESC");
            }
            part
        })
        .collect();
    let _ = write!(s, "({})", cols.join(", "));
    if !i.include.is_empty() {
        let _ = write!(s, " INCLUDE ({})", column_list(&i.include));
    }
    if let Some(o) = &i.options {
        if o.nulls_not_distinct {
            s.push_str(" NULLS NOT DISTINCT");
        }
        if !o.storage.is_empty() {
            let _ = write!(s, " WITH ({})", o.storage.join(", "));
        }
    }
    if let Some(p) = &i.predicate {
        let _ = write!(s, " WHERE {p}");
    }
    s
}

fn is_plain_identifier(s: &str) -> bool {
    !s.is_empty() && !s.contains(['(', ')', ' ', ':', '\'', '"', '+', '-', '*', '/', '|'])
}

/// `FOREIGN KEY ("authorId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE`.
pub fn render_fk(fk: &ForeignKey) -> String {
    let mut s = format!(
        "FOREIGN KEY ({}) REFERENCES {}({}) ON DELETE {} ON UPDATE {}",
        column_list(&fk.columns),
        fk.referenced_table,
        column_list(&fk.referenced_columns),
        fk.on_delete,
        fk.on_update
    );
    if let Some(c) = fk.characteristics {
        if c.deferrable {
            s.push_str(" DEFERRABLE");
        }
        if c.initially_deferred {
            s.push_str(" INITIALLY DEFERRED");
        }
        if !c.validated {
            s.push_str(" NOT VALID");
        }
    }
    s
}

fn render_check(c: &CheckConstraint) -> String {
    if c.validated == Some(false) {
        format!("CHECK ({}) NOT VALID", c.expr)
    } else {
        format!("CHECK ({})", c.expr)
    }
}

fn diff_table(out: &mut Vec<Difference>, e: &Table, a: &Table) {
    if e.opaque || a.opaque {
        // Nothing is known of its contents on one side: that it exists on
        // both is all there is to compare.
        return;
    }
    let table = &e.name;
    let table_path = table.to_string();
    let sub =
        |object: ObjectKind, name: &str| format!("{} {table_path}.{}", object.word(), quote(name));
    let mut push = |object: ObjectKind,
                    path: String,
                    kind: DiffKind,
                    expected: Option<String>,
                    actual: Option<String>,
                    changes: Vec<Aspect>| {
        out.push(Difference {
            object,
            path,
            table: Some(table.clone()),
            kind,
            expected,
            actual,
            changes,
        });
    };

    // Columns, in the expected table's order, then the extra ones in the
    // actual table's order.
    for ec in &e.columns {
        let path = sub(ObjectKind::Column, &ec.name);
        match a.column(&ec.name) {
            None => push(
                ObjectKind::Column,
                path,
                DiffKind::MissingInActual,
                Some(render_column(ec)),
                None,
                Vec::new(),
            ),
            Some(ac) => {
                let mut changes = Vec::new();
                if ec.ty != ac.ty {
                    changes.push(Aspect::Type);
                }
                if ec.nullable != ac.nullable {
                    changes.push(Aspect::Nullability);
                }
                if ec.default != ac.default {
                    changes.push(Aspect::Default);
                }
                if ec.identity != ac.identity {
                    changes.push(Aspect::Identity);
                }
                if ec.generated != ac.generated {
                    changes.push(Aspect::Generated);
                }
                if ec.collation != ac.collation {
                    changes.push(Aspect::Collation);
                }
                if !changes.is_empty() {
                    push(
                        ObjectKind::Column,
                        path,
                        DiffKind::Changed,
                        Some(render_column(ec)),
                        Some(render_column(ac)),
                        changes,
                    );
                }
            }
        }
    }
    for ac in &a.columns {
        if e.column(&ac.name).is_none() {
            push(
                ObjectKind::Column,
                sub(ObjectKind::Column, &ac.name),
                DiffKind::ExtraInActual,
                None,
                Some(render_column(ac)),
                Vec::new(),
            );
        }
    }

    // Triggers, by name.
    for et in &e.triggers {
        let path = sub(ObjectKind::Trigger, &et.name);
        match a.triggers.iter().find(|t| t.name == et.name) {
            None => push(
                ObjectKind::Trigger,
                path,
                DiffKind::MissingInActual,
                Some(render_trigger(et)),
                None,
                Vec::new(),
            ),
            Some(at) if et.timing.is_some() && at.timing.is_some() => {
                let mut changes = Vec::new();
                if et.timing != at.timing {
                    changes.push(Aspect::Timing);
                }
                if et.events != at.events {
                    changes.push(Aspect::Events);
                }
                if et.for_each_row != at.for_each_row {
                    changes.push(Aspect::Level);
                }
                if et.function != at.function {
                    changes.push(Aspect::Executes);
                }
                if !changes.is_empty() {
                    push(
                        ObjectKind::Trigger,
                        path,
                        DiffKind::Changed,
                        Some(render_trigger(et)),
                        Some(render_trigger(at)),
                        changes,
                    );
                }
            }
            Some(_) => {}
        }
    }
    for at in &a.triggers {
        if !e.triggers.iter().any(|t| t.name == at.name) {
            push(
                ObjectKind::Trigger,
                sub(ObjectKind::Trigger, &at.name),
                DiffKind::ExtraInActual,
                None,
                Some(render_trigger(at)),
                Vec::new(),
            );
        }
    }

    // Primary key.
    let pk_path = format!("primary key of {table_path}");
    match (&e.primary_key, &a.primary_key) {
        (None, None) => {}
        (Some(ep), None) => push(
            ObjectKind::PrimaryKey,
            pk_path,
            DiffKind::MissingInActual,
            Some(render_pk(ep)),
            None,
            Vec::new(),
        ),
        (None, Some(ap)) => push(
            ObjectKind::PrimaryKey,
            pk_path,
            DiffKind::ExtraInActual,
            None,
            Some(render_pk(ap)),
            Vec::new(),
        ),
        (Some(ep), Some(ap)) => {
            let mut changes = Vec::new();
            if ep.columns != ap.columns {
                changes.push(Aspect::Columns);
            }
            if let (Some(en), Some(an)) = (&ep.name, &ap.name)
                && en != an
            {
                changes.push(Aspect::Name);
            }
            if !changes.is_empty() {
                push(
                    ObjectKind::PrimaryKey,
                    pk_path,
                    DiffKind::Changed,
                    Some(render_pk(ep)),
                    Some(render_pk(ap)),
                    changes,
                );
            }
        }
    }

    // Indexes, by name.
    let mut e_idx: Vec<&Index> = e.indexes.iter().collect();
    e_idx.sort_by(|x, y| x.name.cmp(&y.name));
    let mut a_idx: Vec<&Index> = a.indexes.iter().collect();
    a_idx.sort_by(|x, y| x.name.cmp(&y.name));
    for ei in &e_idx {
        let path = sub(ObjectKind::Index, &ei.name);
        match a.index(&ei.name) {
            None => push(
                ObjectKind::Index,
                path,
                DiffKind::MissingInActual,
                Some(render_index(ei)),
                None,
                Vec::new(),
            ),
            Some(ai) => {
                let mut changes = Vec::new();
                if ei.columns != ai.columns {
                    changes.push(Aspect::Columns);
                }
                if ei.unique != ai.unique {
                    changes.push(Aspect::Unique);
                }
                if method_of(ei) != method_of(ai) {
                    changes.push(Aspect::Method);
                }
                if ei.predicate != ai.predicate {
                    changes.push(Aspect::Predicate);
                }
                if ei.include != ai.include {
                    changes.push(Aspect::Include);
                }
                if let (Some(x), Some(y)) = (&ei.options, &ai.options) {
                    if x.nulls_not_distinct != y.nulls_not_distinct {
                        changes.push(Aspect::NullsNotDistinct);
                    }
                    if x.storage != y.storage {
                        changes.push(Aspect::Storage);
                    }
                }
                if !changes.is_empty() {
                    push(
                        ObjectKind::Index,
                        path,
                        DiffKind::Changed,
                        Some(render_index(ei)),
                        Some(render_index(ai)),
                        changes,
                    );
                }
            }
        }
    }
    for ai in &a_idx {
        if e.index(&ai.name).is_none() {
            push(
                ObjectKind::Index,
                sub(ObjectKind::Index, &ai.name),
                DiffKind::ExtraInActual,
                None,
                Some(render_index(ai)),
                Vec::new(),
            );
        }
    }

    // Foreign keys: by name when both sides have one, else by columns and
    // referenced table.
    let mut matched_actual = vec![false; a.foreign_keys.len()];
    let mut e_fks: Vec<&ForeignKey> = e.foreign_keys.iter().collect();
    e_fks.sort_by(|x, y| fk_key(x).cmp(&fk_key(y)));
    let mut pending = Vec::new();
    for efk in &e_fks {
        let found = a.foreign_keys.iter().enumerate().find(|(i, afk)| {
            !matched_actual.get(*i).copied().unwrap_or(true) && same_fk_identity(efk, afk)
        });
        match found {
            Some((i, afk)) => {
                if let Some(m) = matched_actual.get_mut(i) {
                    *m = true;
                }
                let mut changes = Vec::new();
                if efk.columns != afk.columns {
                    changes.push(Aspect::Columns);
                }
                if efk.referenced_table != afk.referenced_table
                    || efk.referenced_columns != afk.referenced_columns
                {
                    changes.push(Aspect::References);
                }
                if efk.on_delete != afk.on_delete {
                    changes.push(Aspect::OnDelete);
                }
                if efk.on_update != afk.on_update {
                    changes.push(Aspect::OnUpdate);
                }
                if let (Some(x), Some(y)) = (efk.characteristics, afk.characteristics) {
                    if (x.deferrable, x.initially_deferred) != (y.deferrable, y.initially_deferred)
                    {
                        changes.push(Aspect::Deferrable);
                    }
                    if x.validated != y.validated {
                        changes.push(Aspect::Validated);
                    }
                }
                if !changes.is_empty() {
                    pending.push((
                        fk_path(&table_path, efk),
                        DiffKind::Changed,
                        Some(render_fk(efk)),
                        Some(render_fk(afk)),
                        changes,
                    ));
                }
            }
            None => pending.push((
                fk_path(&table_path, efk),
                DiffKind::MissingInActual,
                Some(render_fk(efk)),
                None,
                Vec::new(),
            )),
        }
    }
    let mut extra: Vec<&ForeignKey> = a
        .foreign_keys
        .iter()
        .enumerate()
        .filter(|(i, _)| !matched_actual.get(*i).copied().unwrap_or(false))
        .map(|(_, f)| f)
        .collect();
    extra.sort_by(|x, y| fk_key(x).cmp(&fk_key(y)));
    for afk in extra {
        pending.push((
            fk_path(&table_path, afk),
            DiffKind::ExtraInActual,
            None,
            Some(render_fk(afk)),
            Vec::new(),
        ));
    }
    for (path, kind, ex, ac, changes) in pending {
        push(ObjectKind::ForeignKey, path, kind, ex, ac, changes);
    }

    // Checks: by name when both sides have one, else by expression.
    let mut matched_checks = vec![false; a.checks.len()];
    for ec in &e.checks {
        let found = a.checks.iter().enumerate().find(|(i, ac)| {
            !matched_checks.get(*i).copied().unwrap_or(true)
                && match (&ec.name, &ac.name) {
                    (Some(x), Some(y)) => x == y,
                    _ => ec.expr == ac.expr,
                }
        });
        let path = check_path(&table_path, ec);
        match found {
            Some((i, ac)) => {
                if let Some(m) = matched_checks.get_mut(i) {
                    *m = true;
                }
                let mut changes = Vec::new();
                if ec.expr != ac.expr {
                    changes.push(Aspect::Expression);
                }
                if let (Some(x), Some(y)) = (ec.validated, ac.validated)
                    && x != y
                {
                    changes.push(Aspect::Validated);
                }
                if !changes.is_empty() {
                    push(
                        ObjectKind::Check,
                        path,
                        DiffKind::Changed,
                        Some(render_check(ec)),
                        Some(render_check(ac)),
                        changes,
                    );
                }
            }
            None => push(
                ObjectKind::Check,
                path,
                DiffKind::MissingInActual,
                Some(render_check(ec)),
                None,
                Vec::new(),
            ),
        }
    }
    for (i, ac) in a.checks.iter().enumerate() {
        if !matched_checks.get(i).copied().unwrap_or(false) {
            push(
                ObjectKind::Check,
                check_path(&table_path, ac),
                DiffKind::ExtraInActual,
                None,
                Some(render_check(ac)),
                Vec::new(),
            );
        }
    }
}

/// `btree` is the default method: `None` and `Some("btree")` are equal.
fn method_of(i: &Index) -> &str {
    i.method.as_deref().unwrap_or("btree")
}

fn fk_key(fk: &ForeignKey) -> (Option<&str>, &[String]) {
    (fk.name.as_deref(), &fk.columns)
}

fn same_fk_identity(e: &ForeignKey, a: &ForeignKey) -> bool {
    match (&e.name, &a.name) {
        (Some(x), Some(y)) => x == y,
        _ => e.columns == a.columns && e.referenced_table == a.referenced_table,
    }
}

fn fk_path(table_path: &str, fk: &ForeignKey) -> String {
    match &fk.name {
        Some(n) => format!("foreign key {table_path}.{}", quote(n)),
        None => format!("foreign key {table_path}({})", column_list(&fk.columns)),
    }
}

fn check_path(table_path: &str, c: &CheckConstraint) -> String {
    match &c.name {
        Some(n) => format!("check constraint {table_path}.{}", quote(n)),
        None => format!("check constraint {table_path} CHECK ({})", c.expr),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{DefaultValue, IndexColumn, RefAction, View};
    use crate::types::{normalize_default, normalize_type};

    fn col(name: &str, ty: &str, nullable: bool, default: Option<&str>) -> Column {
        let mut c = Column::new(name, normalize_type(ty));
        c.nullable = nullable;
        c.default = default.map(normalize_default);
        c
    }

    fn user_table() -> Table {
        let mut t = Table::new(QualName::public("User"));
        t.columns
            .push(col("id", "SERIAL", false, Some("nextval('x')")));
        t.columns.push(col("email", "TEXT", false, None));
        t.columns.push(col("bio", "TEXT", false, Some("''")));
        t.primary_key = Some(PrimaryKey {
            name: Some("User_pkey".into()),
            columns: vec!["id".into()],
        });
        t.indexes.push(Index {
            name: "User_email_key".into(),
            columns: vec![IndexColumn::column("email")],
            unique: true,
            constraint: false,
            method: None,
            predicate: None,
            include: Vec::new(),
            options: None,
        });
        t
    }

    fn post_table() -> Table {
        let mut t = Table::new(QualName::public("Post"));
        t.columns.push(col("id", "INTEGER", false, None));
        t.columns.push(col("authorId", "INTEGER", true, None));
        t.foreign_keys.push(ForeignKey {
            name: Some("Post_authorId_fkey".into()),
            columns: vec!["authorId".into()],
            referenced_table: QualName::public("User"),
            referenced_columns: vec!["id".into()],
            on_delete: RefAction::SetNull,
            characteristics: None,
            referenced_key: None,
            on_update: RefAction::Cascade,
        });
        t
    }

    fn model(tables: Vec<Table>) -> SchemaModel {
        let mut m = SchemaModel::default();
        for t in tables {
            m.tables.insert(t.name.clone(), t);
        }
        m
    }

    fn labels() -> Labels {
        Labels::new("schema says", "migrations produce")
    }

    #[test]
    fn equal_models_have_no_difference() {
        let m = model(vec![user_table(), post_table()]);
        assert!(diff(&m, &m.clone()).is_empty());
    }

    #[test]
    fn missing_column_renders_both_sides() {
        let e = model(vec![user_table()]);
        let mut t = user_table();
        t.columns.retain(|c| c.name != "bio");
        let a = model(vec![t]);
        let d = diff(&e, &a);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].object, ObjectKind::Column);
        assert_eq!(d[0].kind, DiffKind::MissingInActual);
        assert_eq!(
            d[0].message(&labels()),
            "column \"User\".\"bio\": schema says text NOT NULL DEFAULT '', migrations produce no such column"
        );
        // Reversed sides: the column is extra.
        let d = diff(&a, &e);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].kind, DiffKind::ExtraInActual);
    }

    #[test]
    fn changed_column_is_one_finding_with_every_aspect() {
        let e = model(vec![user_table()]);
        let mut t = user_table();
        if let Some(c) = t.column_mut("bio") {
            c.ty = normalize_type("VARCHAR(10)");
            c.nullable = true;
            c.default = None;
        }
        let d = diff(&e, &model(vec![t]));
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].kind, DiffKind::Changed);
        assert_eq!(
            d[0].changes,
            vec![Aspect::Type, Aspect::Nullability, Aspect::Default]
        );
        assert_eq!(
            d[0].describe(&labels()),
            "schema says text NOT NULL DEFAULT '', migrations produce character varying(10) (type, nullability, default differ)"
        );
    }

    #[test]
    fn missing_table_is_one_finding() {
        let e = model(vec![user_table(), post_table()]);
        let a = model(vec![user_table()]);
        let d = diff(&e, &a);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].object, ObjectKind::Table);
        assert_eq!(d[0].path, "table \"Post\"");
        assert_eq!(
            d[0].describe(&labels()),
            "schema says a table with 2 columns, migrations produce no such table"
        );
    }

    #[test]
    fn indexes_compare_by_name_and_content() {
        let e = model(vec![user_table()]);
        let mut t = user_table();
        if let Some(i) = t.indexes.first_mut() {
            i.unique = false;
            i.method = Some("btree".into());
        }
        t.indexes.push(Index {
            name: "User_bio_idx".into(),
            columns: vec![IndexColumn {
                expr: "bio".into(),
                descending: true,
                opclass: Some("gin_trgm_ops".into()),
            }],
            unique: false,
            constraint: false,
            method: Some("gin".into()),
            predicate: None,
            include: Vec::new(),
            options: None,
        });
        let d = diff(&e, &model(vec![t]));
        assert_eq!(d.len(), 2, "{d:#?}");
        assert_eq!(d[0].path, "index \"User\".\"User_email_key\"");
        assert_eq!(d[0].changes, vec![Aspect::Unique]);
        assert_eq!(d[1].kind, DiffKind::ExtraInActual);
        assert_eq!(
            d[1].actual.as_deref(),
            Some("INDEX USING gin (\"bio\" gin_trgm_ops DESC)")
        );
    }

    #[test]
    fn foreign_key_actions_and_names() {
        let e = model(vec![user_table(), post_table()]);
        let mut p = post_table();
        if let Some(fk) = p.foreign_keys.first_mut() {
            fk.on_delete = RefAction::Restrict;
        }
        let d = diff(&e, &model(vec![user_table(), p.clone()]));
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].path, "foreign key \"Post\".\"Post_authorId_fkey\"");
        assert_eq!(d[0].changes, vec![Aspect::OnDelete]);
        assert_eq!(
            d[0].expected.as_deref(),
            Some(
                "FOREIGN KEY (\"authorId\") REFERENCES \"User\"(\"id\") ON DELETE SET NULL ON UPDATE CASCADE"
            )
        );

        // Renamed FK with same content: one missing and one extra.
        if let Some(fk) = p.foreign_keys.first_mut() {
            fk.on_delete = RefAction::SetNull;
            fk.name = Some("other".into());
        }
        let d = diff(&e, &model(vec![user_table(), p.clone()]));
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].kind, DiffKind::MissingInActual);
        assert_eq!(d[1].kind, DiffKind::ExtraInActual);

        // Unnamed on one side: matched by columns and table.
        if let Some(fk) = p.foreign_keys.first_mut() {
            fk.name = None;
        }
        assert!(diff(&e, &model(vec![user_table(), p])).is_empty());
    }

    #[test]
    fn primary_key_columns() {
        let e = model(vec![user_table()]);
        let mut t = user_table();
        t.primary_key = Some(PrimaryKey {
            name: None,
            columns: vec!["id".into(), "email".into()],
        });
        let d = diff(&e, &model(vec![t]));
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].path, "primary key of \"User\"");
        assert_eq!(d[0].changes, vec![Aspect::Columns]);
    }

    #[test]
    fn enums_values_and_order() {
        let mut e = SchemaModel::default();
        let name = QualName::public("Role");
        e.enums.insert(
            name.clone(),
            EnumType {
                name: name.clone(),
                values: vec!["USER".into(), "ADMIN".into()],
            },
        );
        let mut a = e.clone();
        if let Some(en) = a.enums.get_mut(&name) {
            en.values = vec!["USER".into(), "OWNER".into()];
        }
        let d = diff(&e, &a);
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].path, "enum value \"Role\".\"ADMIN\"");
        assert_eq!(d[0].kind, DiffKind::MissingInActual);
        assert_eq!(d[1].path, "enum value \"Role\".\"OWNER\"");
        assert_eq!(d[1].kind, DiffKind::ExtraInActual);

        if let Some(en) = a.enums.get_mut(&name) {
            en.values = vec!["ADMIN".into(), "USER".into()];
        }
        let d = diff(&e, &a);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].changes, vec![Aspect::Order]);

        a.enums.clear();
        let d = diff(&e, &a);
        assert_eq!(
            d[0].message(&labels()),
            "enum \"Role\": schema says ENUM ('USER', 'ADMIN'), migrations produce no such enum"
        );
    }

    #[test]
    fn other_schema_paths_and_sets() {
        let mut e = SchemaModel::default();
        let t = Table::new(QualName::new(Some("audit"), "Log"));
        e.tables.insert(t.name.clone(), t);
        e.schemas.insert("audit".into());
        e.views.insert(
            QualName::public("v"),
            View {
                name: QualName::public("v"),
                materialized: false,
                columns: None,
                definition: None,
                references: Vec::new(),
            },
        );
        let a = SchemaModel::default();
        let d = diff(&e, &a);
        let paths: Vec<&str> = d.iter().map(|x| x.path.as_str()).collect();
        assert_eq!(
            paths,
            vec!["schema \"audit\"", "view \"v\"", "table \"audit\".\"Log\""]
        );
    }

    #[test]
    fn defaults_compare_normalized() {
        let mut e = user_table();
        let mut a = user_table();
        if let Some(c) = e.column_mut("bio") {
            c.default = Some(normalize_default("now()"));
        }
        if let Some(c) = a.column_mut("bio") {
            c.default = Some(normalize_default("CURRENT_TIMESTAMP"));
        }
        assert!(diff(&model(vec![e]), &model(vec![a.clone()])).is_empty());
        if let Some(c) = a.column_mut("bio") {
            c.default = Some(DefaultValue::Literal("'x'".into()));
        }
        assert_eq!(diff(&model(vec![user_table()]), &model(vec![a])).len(), 1);
    }

    #[test]
    fn serializes_to_json_shape() {
        let d = Difference {
            object: ObjectKind::ForeignKey,
            path: "p".into(),
            table: Some(QualName::public("T")),
            kind: DiffKind::MissingInActual,
            expected: Some("x".into()),
            actual: None,
            changes: vec![Aspect::OnDelete],
        };
        let v = serde_json::to_value(&d).unwrap_or_default();
        assert_eq!(v["object"], "foreign_key");
        assert_eq!(v["kind"], "missing_in_actual");
        assert_eq!(v["changes"][0], "on_delete");
        assert_eq!(v["table"]["name"], "T");
        assert_eq!(v["actual"], serde_json::Value::Null);
    }
}
