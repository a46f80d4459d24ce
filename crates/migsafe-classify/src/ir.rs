//! The operation IR: what a statement does, in a small typed form.
//!
//! Every statement becomes one or more [`Operation`]s. Classification,
//! replay onto a schema model and rollback analysis all read this IR and
//! never the parser's AST, so they cannot disagree about what a statement
//! does.

use std::fmt;

use serde::Serialize;

/// A possibly schema-qualified object name, identifiers resolved (unquoted
/// names folded to lower case, quoted ones verbatim).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ObjName {
    pub schema: Option<String>,
    pub name: String,
}

impl ObjName {
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            schema: None,
            name: name.into(),
        }
    }

    pub fn qualified(schema: Option<String>, name: impl Into<String>) -> Self {
        Self {
            schema,
            name: name.into(),
        }
    }
}

/// Writes an identifier the way SQL needs it: bare when it is a plain lower
/// case identifier, double-quoted otherwise.
pub fn quote_ident(f: &mut impl fmt::Write, s: &str) -> fmt::Result {
    // PostgreSQL's own rule (`quote_ident`): plain lower case that is not a
    // keyword it reserves.
    if migsafe_model::types::needs_no_quotes(s) {
        f.write_str(s)
    } else {
        f.write_char('"')?;
        f.write_str(&s.replace('"', "\"\""))?;
        f.write_char('"')
    }
}

impl fmt::Display for ObjName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(s) = &self.schema {
            quote_ident(f, s)?;
            f.write_str(".")?;
        }
        quote_ident(f, &self.name)
    }
}

/// What a statement does to a running application and its data.
///
/// Ordered from harmless to harmful: the worst of several is the `max`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    /// No schema change, or none a running application notices.
    Neutral,
    /// Adds structure; old code keeps working.
    Expand,
    /// Removes or restricts structure without losing data.
    Contract,
    /// Loses data or breaks running code.
    Dangerous,
}

impl Class {
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Neutral => "neutral",
            Class::Expand => "expand",
            Class::Contract => "contract",
            Class::Dangerous => "dangerous",
        }
    }

    /// Contract and dangerous statements need an override annotation.
    pub fn needs_override(self) -> bool {
        matches!(self, Class::Contract | Class::Dangerous)
    }
}

impl fmt::Display for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How hard it is to undo a statement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rollback {
    /// One statement undoes it (`DROP TABLE` for `CREATE TABLE`).
    Simple,
    /// Undoing it needs planning: a saved definition, data moved back,
    /// application code changed in step.
    Complex,
    /// The data it removes is gone; only a backup brings it back.
    Impossible,
}

impl Rollback {
    pub fn as_str(self) -> &'static str {
        match self {
            Rollback::Simple => "simple",
            Rollback::Complex => "complex",
            Rollback::Impossible => "impossible",
        }
    }
}

impl fmt::Display for Rollback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A column as written in `CREATE TABLE` or `ADD COLUMN`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ColumnSpec {
    pub name: String,
    /// The type as written (normalize with `migsafe_schema::normalize_type`).
    pub data_type: String,
    pub not_null: bool,
    /// The default expression as SQL text.
    pub default: Option<String>,
    pub primary_key: bool,
    pub unique: bool,
    pub references: Option<ForeignKeySpec>,
    pub check: Option<String>,
    pub identity: bool,
    /// `GENERATED ALWAYS AS (expr) STORED`.
    pub generated: Option<String>,
    /// `COLLATE …` when given.
    pub collation: Option<String>,
    /// The names given to the column's inline constraints
    /// (`CONSTRAINT fk_x REFERENCES …`), when written.
    /// Boxed: most columns name no constraint, and the operation stays
    /// small.
    #[serde(default, skip_serializing_if = "no_constraint_names")]
    pub constraint_names: Box<ColumnConstraintNames>,
}

#[allow(clippy::borrowed_box)] // serde passes a reference to the field
fn no_constraint_names(n: &Box<ColumnConstraintNames>) -> bool {
    n.is_empty()
}

/// The output columns of a view's query, as far as the query says them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ViewColumns {
    /// `CREATE VIEW v (a, b) AS …`: names for the first columns.
    pub names: Vec<String>,
    /// The select list of the query (its first branch for a `UNION`).
    pub items: Vec<ViewItem>,
    /// The `FROM` relations, with their aliases, when there are no joins
    /// or every join is plain (`*` expands them in order).
    pub from: Vec<(ObjName, Option<String>)>,
}

/// One item of a view's select list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum ViewItem {
    /// A named output column.
    Named(String),
    /// `*`, or `q.*` for the relation named or aliased `q`.
    Star(Option<String>),
}

/// What `CREATE FUNCTION` says of a function that PostgreSQL keeps.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FunctionSpec {
    /// The types of the arguments that make its signature (`IN`, `INOUT`,
    /// `VARIADIC`; not `OUT`), as written.
    pub args: Vec<String>,
    /// `RETURNS …` as written (`SETOF x` for a set), `None` for a procedure.
    pub returns: Option<String>,
    /// `IMMUTABLE`, `STABLE` or `VOLATILE` (the default).
    pub volatility: Volatility,
    /// For `LANGUAGE sql` whose body is `SELECT expr` alone: `expr`, which
    /// PostgreSQL inlines where the function is called (its volatility is
    /// then the expression's).
    pub sql_expression: Option<String>,
}

/// A function's volatility.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Volatility {
    Immutable,
    Stable,
    #[default]
    Volatile,
}

/// What `CREATE TRIGGER` says of a trigger that PostgreSQL keeps.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TriggerSpec {
    /// `BEFORE`, `AFTER` or `INSTEAD OF`.
    pub timing: String,
    /// `INSERT`, `UPDATE`, `DELETE`, `TRUNCATE`, in that order.
    pub events: Vec<String>,
    /// `FOR EACH ROW` (else `FOR EACH STATEMENT`).
    pub for_each_row: bool,
    /// The function it executes.
    pub function: ObjName,
}

/// Names written for a column's inline constraints: `"a" int CONSTRAINT
/// a_pk PRIMARY KEY CONSTRAINT a_fk REFERENCES t`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ColumnConstraintNames {
    pub primary_key: Option<String>,
    pub unique: Option<String>,
    pub references: Option<String>,
    pub check: Option<String>,
}

impl ColumnConstraintNames {
    /// No name was written.
    pub fn is_empty(&self) -> bool {
        self.primary_key.is_none()
            && self.unique.is_none()
            && self.references.is_none()
            && self.check.is_none()
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

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ForeignKeySpec {
    pub columns: Vec<String>,
    pub table: ObjName,
    pub referenced_columns: Vec<String>,
    pub on_delete: RefAction,
    pub on_update: RefAction,
    /// `DEFERRABLE`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deferrable: bool,
    /// `INITIALLY DEFERRED`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub initially_deferred: bool,
}

/// A table constraint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ConstraintSpec {
    pub name: Option<String>,
    pub kind: ConstraintKind,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ConstraintKind {
    PrimaryKey {
        columns: Vec<String>,
    },
    Unique {
        columns: Vec<String>,
    },
    /// `PRIMARY KEY USING INDEX` / `UNIQUE USING INDEX`: an existing index
    /// becomes the constraint.
    UsingIndex {
        primary: bool,
        index: String,
    },
    ForeignKey(ForeignKeySpec),
    Check {
        expr: String,
    },
    Exclude,
}

impl ConstraintKind {
    pub fn label(&self) -> &'static str {
        match self {
            ConstraintKind::PrimaryKey { .. } => "PRIMARY KEY",
            ConstraintKind::Unique { .. } => "UNIQUE",
            ConstraintKind::UsingIndex { primary: true, .. } => "PRIMARY KEY",
            ConstraintKind::UsingIndex { primary: false, .. } => "UNIQUE",
            ConstraintKind::ForeignKey(_) => "FOREIGN KEY",
            ConstraintKind::Check { .. } => "CHECK",
            ConstraintKind::Exclude => "EXCLUDE",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IndexColumnSpec {
    /// A column name, or an expression's SQL text.
    pub expr: String,
    pub descending: bool,
    pub opclass: Option<String>,
}

/// `BEGIN`, `COMMIT`, …
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TxKind {
    Begin,
    Commit,
    Rollback,
    Savepoint,
}

/// The source of a derived table's columns.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TableSource {
    /// `PARTITION OF parent …`: the parent's columns (the statement's
    /// column entries carry options only), kept in step with the parent's
    /// and dropped with it.
    PartitionOf { parent: ObjName },
    /// `(LIKE t [INCLUDING …])`: the columns with their types and `NOT
    /// NULL`; defaults with `INCLUDING DEFAULTS`; `including_more` for any
    /// other `INCLUDING` (constraints, indexes, identity, generated, all).
    Like {
        table: ObjName,
        defaults: bool,
        including_more: bool,
    },
    /// `AS SELECT cols | * FROM t [WHERE …] [WITH [NO] DATA]`: the selected
    /// columns with their types, nullable, without defaults.
    Query {
        from: ObjName,
        /// `None` for `*`.
        columns: Option<Vec<String>>,
    },
}

/// One thing a statement does.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum OpKind {
    CreateTable {
        table: ObjName,
        if_not_exists: bool,
        columns: Vec<ColumnSpec>,
        constraints: Vec<ConstraintSpec>,
        /// `CREATE TABLE … AS SELECT` / `PARTITION OF` / `LIKE`: columns not
        /// written here.
        derived: bool,
        /// Where a derived table's columns come from, when the statement
        /// says it in a form migsafe reads.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        source: Option<TableSource>,
        /// `CREATE TEMP TABLE`: the table lives until the session (or, with
        /// `ON COMMIT DROP`, the transaction) ends; it is not part of the
        /// schema.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        temporary: bool,
    },
    DropTable {
        tables: Vec<ObjName>,
        if_exists: bool,
        cascade: bool,
    },
    RenameTable {
        table: ObjName,
        to: String,
    },
    SetTableSchema {
        table: ObjName,
        schema: String,
    },
    AddColumn {
        table: ObjName,
        column: ColumnSpec,
        if_not_exists: bool,
    },
    DropColumn {
        table: ObjName,
        column: String,
        if_exists: bool,
        cascade: bool,
    },
    RenameColumn {
        table: ObjName,
        from: String,
        to: String,
    },
    AlterColumnType {
        table: ObjName,
        column: String,
        data_type: String,
        using: Option<String>,
        /// `COLLATE …` when given (else the new type's default collation).
        collation: Option<String>,
    },
    SetNotNull {
        table: ObjName,
        column: String,
    },
    DropNotNull {
        table: ObjName,
        column: String,
    },
    SetDefault {
        table: ObjName,
        column: String,
        default: String,
    },
    DropDefault {
        table: ObjName,
        column: String,
    },
    /// Identity, generation, storage, statistics, collation changes.
    AlterColumnOther {
        table: ObjName,
        column: String,
        what: String,
    },
    AddConstraint {
        table: ObjName,
        constraint: ConstraintSpec,
        not_valid: bool,
    },
    DropConstraint {
        table: ObjName,
        name: String,
        if_exists: bool,
        cascade: bool,
    },
    /// `ALTER CONSTRAINT`, or a drop followed by a re-add of the same name
    /// in one migration.
    ModifyConstraint {
        table: ObjName,
        name: String,
    },
    RenameConstraint {
        table: ObjName,
        from: String,
        to: String,
    },
    ValidateConstraint {
        table: ObjName,
        name: String,
    },
    CreateIndex {
        name: Option<String>,
        table: ObjName,
        unique: bool,
        concurrently: bool,
        if_not_exists: bool,
        columns: Vec<IndexColumnSpec>,
        method: Option<String>,
        predicate: Option<String>,
        include: Vec<String>,
        /// `NULLS NOT DISTINCT`.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        nulls_not_distinct: bool,
        /// `WITH (name = value, …)`, as `name=value`, lower case.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        storage: Vec<String>,
    },
    DropIndex {
        names: Vec<ObjName>,
        concurrently: bool,
        if_exists: bool,
        cascade: bool,
    },
    RenameIndex {
        index: ObjName,
        to: String,
    },
    CreateEnum {
        name: ObjName,
        values: Vec<String>,
    },
    /// Composite, range and base types.
    CreateType {
        name: ObjName,
    },
    AddEnumValue {
        name: ObjName,
        value: String,
        before: Option<String>,
        after: Option<String>,
        if_not_exists: bool,
    },
    RenameEnumValue {
        name: ObjName,
        from: String,
        to: String,
    },
    RenameType {
        name: ObjName,
        to: String,
        /// Part of Prisma's enum swap (`X` → `X_old`, `X_new` → `X`).
        enum_swap: bool,
    },
    DropType {
        names: Vec<ObjName>,
        if_exists: bool,
        cascade: bool,
        /// The `X_old` type dropped at the end of Prisma's enum swap.
        enum_swap: bool,
    },
    CreateSchema {
        name: String,
    },
    DropSchema {
        names: Vec<String>,
        cascade: bool,
    },
    CreateExtension {
        name: String,
    },
    DropExtension {
        names: Vec<String>,
    },
    CreateView {
        name: ObjName,
        materialized: bool,
        or_replace: bool,
        /// Every identifier of the view's query, folded: what it may
        /// depend on (tables, views, columns).
        references: Vec<String>,
        /// Its output columns, when the statement was parsed and every one
        /// can be named from the query alone (stars are expanded by the
        /// replay, which knows the tables).
        #[serde(skip)]
        columns: Option<ViewColumns>,
        /// The query's text, tokens as written (the replay keeps it for
        /// the view's definition).
        #[serde(skip)]
        query: Option<String>,
    },
    DropView {
        names: Vec<ObjName>,
        materialized: bool,
    },
    CreateFunction {
        name: ObjName,
        or_replace: bool,
        /// The signature and properties, when the statement was parsed
        /// (`None` when it was read from its tokens).
        #[serde(skip)]
        spec: Option<Box<FunctionSpec>>,
    },
    DropFunction {
        names: Vec<ObjName>,
        /// Per name, the argument types when written (`DROP FUNCTION f(int)`).
        #[serde(skip)]
        args: Vec<Option<Vec<String>>>,
        #[serde(skip)]
        if_exists: bool,
        #[serde(skip)]
        cascade: bool,
    },
    CreateTrigger {
        name: String,
        table: ObjName,
        or_replace: bool,
        /// Timing, events, level and function, when the statement was
        /// parsed.
        #[serde(skip)]
        spec: Option<Box<TriggerSpec>>,
    },
    DropTrigger {
        name: String,
        table: Option<ObjName>,
        #[serde(skip)]
        if_exists: bool,
    },
    CreateSequence {
        name: ObjName,
        /// `OWNED BY table.column`: dropped with the column or table.
        owned_by: Option<(ObjName, String)>,
    },
    DropSequence {
        names: Vec<ObjName>,
    },
    AlterSequence {
        name: ObjName,
        /// `RENAME TO new`.
        rename_to: Option<String>,
        /// `OWNED BY table.column` (`Some(Some(..))`) or `OWNED BY NONE`
        /// (`Some(None)`).
        owned_by: Option<Option<(ObjName, String)>>,
    },
    Truncate {
        tables: Vec<ObjName>,
    },
    Delete {
        table: Option<ObjName>,
        has_where: bool,
    },
    Update {
        table: Option<ObjName>,
        has_where: bool,
        /// The columns it sets.
        set_columns: Vec<String>,
        /// Every column it sets was added earlier in the same migration:
        /// a backfill, no existing data changes.
        backfill: bool,
    },
    Insert {
        table: Option<ObjName>,
    },
    Select,
    Transaction {
        kind: TxKind,
    },
    /// `SET`, `RESET`.
    Set {
        name: String,
    },
    /// `COMMENT ON …`; `table` for a comment on a table or its column.
    Comment {
        table: Option<ObjName>,
    },
    Lock {
        tables: Vec<ObjName>,
    },
    Grant,
    Revoke,
    /// `VACUUM`, `ANALYZE`, `REINDEX`, `CLUSTER`, `REFRESH MATERIALIZED VIEW`.
    Maintenance {
        /// The leading keywords, upper case (`VACUUM FULL`, `REINDEX INDEX`).
        what: String,
        /// The relation it works on, when it names one (an index for
        /// `REINDEX INDEX`).
        target: Option<ObjName>,
        /// `CONCURRENTLY` / `VACUUM` (options in parentheses included):
        /// which of its forms.
        concurrently: bool,
        full: bool,
    },
    /// A `DO` block; the classes of the DDL found inside are in the
    /// statement's other operations.
    DoBlock,
    /// Row-level security, storage parameters, owner, replica identity…
    TableSetting {
        table: ObjName,
        what: String,
    },
    AttachPartition {
        table: ObjName,
        partition: ObjName,
    },
    DetachPartition {
        table: ObjName,
        partition: ObjName,
        /// `DETACH PARTITION … CONCURRENTLY` (or `FINALIZE`): cannot run in
        /// a transaction.
        concurrently: bool,
    },
    /// A statement migsafe has no specific knowledge of. `verb` is its
    /// first keyword (`CREATE`, `DROP`, `ALTER`, …) and `head` its leading
    /// keywords (`CREATE POLICY`).
    Other {
        verb: String,
        head: String,
    },
}

/// An operation with its class and rollback complexity.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Operation {
    #[serde(flatten)]
    pub kind: OpKind,
    pub class: Class,
    pub rollback: Rollback,
    /// Inside a `DO` block: when it runs.
    #[serde(skip)]
    pub in_do: Option<crate::guard::DoContext>,
    /// Where in the file this operation is written, when the statement
    /// does several things (each action of an `ALTER TABLE`): byte range.
    #[serde(skip)]
    pub span: Option<std::ops::Range<usize>>,
}

impl Operation {
    pub fn new(kind: OpKind) -> Self {
        let (class, rollback) = classify(&kind);
        Self {
            kind,
            class,
            rollback,
            in_do: None,
            span: None,
        }
    }

    /// Replaces the kind and re-classifies.
    pub fn set_kind(&mut self, kind: OpKind) {
        *self = Operation::new(kind);
    }
}

/// The class and rollback complexity of an operation. The table of the
/// contract, and a reviewer's judgement for what it does not name; each
/// choice is explained by [`OpKind::reason`].
pub fn classify(kind: &OpKind) -> (Class, Rollback) {
    use Class::*;
    use OpKind::*;
    use Rollback::*;
    match kind {
        CreateTable { .. } => (Expand, Simple),
        DropTable { .. } => (Dangerous, Impossible),
        RenameTable { .. } | SetTableSchema { .. } => (Dangerous, Complex),
        AddColumn { .. } => (Expand, Simple),
        DropColumn { .. } => (Dangerous, Impossible),
        RenameColumn { .. } => (Dangerous, Complex),
        AlterColumnType { .. } => (Dangerous, Impossible),
        // With the expand steps: the release-safety seed's roll-forward
        // pattern (add a column, backfill it, SET NOT NULL) must pass the
        // gate without an override. Its risks (the scan under an exclusive
        // lock, a NULL left behind) are the lock rules' (`set-not-null-scan`).
        SetNotNull { .. } => (Expand, Simple),
        DropNotNull { .. } => (Expand, Complex),
        SetDefault { .. } | DropDefault { .. } | AlterColumnOther { .. } => (Neutral, Simple),
        AddConstraint { .. } => (Expand, Simple),
        DropConstraint { .. } | ModifyConstraint { .. } => (Contract, Complex),
        RenameConstraint { .. } | ValidateConstraint { .. } => (Neutral, Simple),
        CreateIndex { .. } => (Expand, Simple),
        DropIndex { .. } => (Contract, Simple),
        RenameIndex { .. } => (Neutral, Simple),
        CreateEnum { .. } | CreateType { .. } => (Expand, Simple),
        AddEnumValue { .. } => (Expand, Complex),
        RenameEnumValue { .. } => (Dangerous, Complex),
        RenameType {
            enum_swap: true, ..
        } => (Neutral, Simple),
        RenameType { .. } => (Dangerous, Complex),
        DropType {
            enum_swap: true, ..
        } => (Neutral, Simple),
        DropType { cascade: true, .. } => (Dangerous, Impossible),
        DropType { .. } => (Dangerous, Complex),
        CreateSchema { .. } => (Expand, Simple),
        DropSchema { .. } => (Dangerous, Impossible),
        CreateExtension { .. } => (Expand, Simple),
        DropExtension { .. } => (Dangerous, Complex),
        CreateView {
            or_replace: true, ..
        }
        | CreateFunction {
            or_replace: true, ..
        }
        | CreateTrigger {
            or_replace: true, ..
        } => (Neutral, Complex),
        CreateView { .. } | CreateFunction { .. } | CreateTrigger { .. } => (Expand, Simple),
        DropView { .. } => (Dangerous, Complex),
        DropFunction { .. } | DropTrigger { .. } => (Contract, Complex),
        CreateSequence { .. } => (Expand, Simple),
        DropSequence { .. } => (Dangerous, Complex),
        AlterSequence { .. } => (Neutral, Simple),
        Truncate { .. } => (Dangerous, Impossible),
        Update { backfill: true, .. } => (Neutral, Simple),
        Delete {
            has_where: false, ..
        }
        | Update {
            has_where: false, ..
        } => (Dangerous, Impossible),
        Delete { .. } | Update { .. } => (Neutral, Complex),
        Insert { .. } => (Neutral, Simple),
        Select
        | Transaction { .. }
        | Set { .. }
        | Comment { .. }
        | Lock { .. }
        | Grant
        | Revoke => (Neutral, Simple),
        Maintenance { .. } => (Neutral, Simple),
        DoBlock => (Neutral, Complex),
        TableSetting { .. } => (Neutral, Simple),
        AttachPartition { .. } => (Expand, Simple),
        DetachPartition { .. } => (Contract, Complex),
        Other { verb, .. } => match verb.as_str() {
            "CREATE" => (Expand, Simple),
            "DROP" => (Contract, Complex),
            _ => (Neutral, Simple),
        },
    }
}

impl OpKind {
    /// The snake_case name used in reports (`drop_table`).
    pub fn name(&self) -> &'static str {
        use OpKind::*;
        match self {
            CreateTable { .. } => "create_table",
            DropTable { .. } => "drop_table",
            RenameTable { .. } => "rename_table",
            SetTableSchema { .. } => "set_table_schema",
            AddColumn { .. } => "add_column",
            DropColumn { .. } => "drop_column",
            RenameColumn { .. } => "rename_column",
            AlterColumnType { .. } => "alter_column_type",
            SetNotNull { .. } => "set_not_null",
            DropNotNull { .. } => "drop_not_null",
            SetDefault { .. } => "set_default",
            DropDefault { .. } => "drop_default",
            AlterColumnOther { .. } => "alter_column",
            AddConstraint { .. } => "add_constraint",
            DropConstraint { .. } => "drop_constraint",
            ModifyConstraint { .. } => "modify_constraint",
            RenameConstraint { .. } => "rename_constraint",
            ValidateConstraint { .. } => "validate_constraint",
            CreateIndex { .. } => "create_index",
            DropIndex { .. } => "drop_index",
            RenameIndex { .. } => "rename_index",
            CreateEnum { .. } => "create_enum",
            CreateType { .. } => "create_type",
            AddEnumValue { .. } => "add_enum_value",
            RenameEnumValue { .. } => "rename_enum_value",
            RenameType { .. } => "rename_type",
            DropType { .. } => "drop_type",
            CreateSchema { .. } => "create_schema",
            DropSchema { .. } => "drop_schema",
            CreateExtension { .. } => "create_extension",
            DropExtension { .. } => "drop_extension",
            CreateView { .. } => "create_view",
            DropView { .. } => "drop_view",
            CreateFunction { .. } => "create_function",
            DropFunction { .. } => "drop_function",
            CreateTrigger { .. } => "create_trigger",
            DropTrigger { .. } => "drop_trigger",
            CreateSequence { .. } => "create_sequence",
            DropSequence { .. } => "drop_sequence",
            AlterSequence { .. } => "alter_sequence",
            Truncate { .. } => "truncate",
            Delete { .. } => "delete",
            Update { .. } => "update",
            Insert { .. } => "insert",
            Select => "select",
            Transaction { .. } => "transaction",
            Set { .. } => "set",
            Comment { .. } => "comment",
            Lock { .. } => "lock",
            Grant => "grant",
            Revoke => "revoke",
            Maintenance { .. } => "maintenance",
            DoBlock => "do_block",
            TableSetting { .. } => "alter_table_setting",
            AttachPartition { .. } => "attach_partition",
            DetachPartition { .. } => "detach_partition",
            Other { .. } => "other",
        }
    }

    /// How a reader names the operation in a message (`DROP TABLE`).
    pub fn title(&self) -> String {
        use OpKind::*;
        let s = match self {
            CreateTable { .. } => "CREATE TABLE",
            DropTable { .. } => "DROP TABLE",
            RenameTable { .. } => "RENAME TABLE",
            SetTableSchema { .. } => "ALTER TABLE … SET SCHEMA",
            AddColumn { .. } => "ADD COLUMN",
            DropColumn { .. } => "DROP COLUMN",
            RenameColumn { .. } => "RENAME COLUMN",
            AlterColumnType { .. } => "ALTER COLUMN TYPE",
            SetNotNull { .. } => "SET NOT NULL",
            DropNotNull { .. } => "DROP NOT NULL",
            SetDefault { .. } => "SET DEFAULT",
            DropDefault { .. } => "DROP DEFAULT",
            AlterColumnOther { .. } => "ALTER COLUMN",
            AddConstraint { .. } => "ADD CONSTRAINT",
            DropConstraint { .. } => "DROP CONSTRAINT",
            ModifyConstraint { .. } => "modifying a constraint",
            RenameConstraint { .. } => "RENAME CONSTRAINT",
            ValidateConstraint { .. } => "VALIDATE CONSTRAINT",
            CreateIndex { .. } => "CREATE INDEX",
            DropIndex { .. } => "DROP INDEX",
            RenameIndex { .. } => "ALTER INDEX … RENAME",
            CreateEnum { .. } => "CREATE TYPE … AS ENUM",
            CreateType { .. } => "CREATE TYPE",
            AddEnumValue { .. } => "ALTER TYPE … ADD VALUE",
            RenameEnumValue { .. } => "ALTER TYPE … RENAME VALUE",
            RenameType { .. } => "ALTER TYPE … RENAME",
            DropType { .. } => "DROP TYPE",
            CreateSchema { .. } => "CREATE SCHEMA",
            DropSchema { .. } => "DROP SCHEMA",
            CreateExtension { .. } => "CREATE EXTENSION",
            DropExtension { .. } => "DROP EXTENSION",
            CreateView {
                materialized: true, ..
            } => "CREATE MATERIALIZED VIEW",
            CreateView { .. } => "CREATE VIEW",
            DropView {
                materialized: true, ..
            } => "DROP MATERIALIZED VIEW",
            DropView { .. } => "DROP VIEW",
            CreateFunction { .. } => "CREATE FUNCTION",
            DropFunction { .. } => "DROP FUNCTION",
            CreateTrigger { .. } => "CREATE TRIGGER",
            DropTrigger { .. } => "DROP TRIGGER",
            CreateSequence { .. } => "CREATE SEQUENCE",
            DropSequence { .. } => "DROP SEQUENCE",
            AlterSequence { .. } => "ALTER SEQUENCE",
            Truncate { .. } => "TRUNCATE",
            Delete {
                has_where: false, ..
            } => "DELETE without WHERE",
            Delete { .. } => "DELETE",
            Update {
                has_where: false, ..
            } => "UPDATE without WHERE",
            Update { .. } => "UPDATE",
            Insert { .. } => "INSERT",
            Select => "SELECT",
            Transaction { kind } => match kind {
                TxKind::Begin => "BEGIN",
                TxKind::Commit => "COMMIT",
                TxKind::Rollback => "ROLLBACK",
                TxKind::Savepoint => "SAVEPOINT",
            },
            Set { .. } => "SET",
            Comment { .. } => "COMMENT",
            Lock { .. } => "LOCK",
            Grant => "GRANT",
            Revoke => "REVOKE",
            Maintenance { what, .. } => return what.clone(),
            DoBlock => "DO block",
            TableSetting { what, .. } => return format!("ALTER TABLE … {what}"),
            AttachPartition { .. } => "ATTACH PARTITION",
            DetachPartition { .. } => "DETACH PARTITION",
            Other { head, .. } => return head.clone(),
        };
        s.to_owned()
    }

    /// Why the operation has its class: one phrase for messages.
    pub fn reason(&self) -> &'static str {
        use OpKind::*;
        match self {
            DropTable { .. } => "the table and all its rows are deleted",
            DropColumn { .. } => "the column's data is deleted",
            AlterColumnType { .. } => {
                "the table is rewritten under an exclusive lock and values that do not convert are lost or fail"
            }
            RenameTable { .. } | SetTableSchema { .. } => {
                "code that still uses the old name breaks the moment it runs"
            }
            RenameColumn { .. } => {
                "code that still uses the old column name breaks the moment it runs"
            }
            RenameEnumValue { .. } => "code that writes or compares the old value breaks",
            DropType {
                enum_swap: true, ..
            }
            | RenameType {
                enum_swap: true, ..
            } => "part of Prisma's enum swap; the column type change carries the risk",
            RenameType { .. } => "casts and code that name the old type break",
            DropType { cascade: true, .. } => {
                "CASCADE also drops every column of this type, with its data"
            }
            DropType { .. } => {
                "the type and its definition are gone; columns using it block the drop"
            }
            Truncate { .. } => "every row of the table is deleted",
            Update { backfill: true, .. } => {
                "it fills columns this migration added: no existing data changes"
            }
            Delete {
                has_where: false, ..
            } => "DELETE without WHERE deletes every row",
            Update {
                has_where: false, ..
            } => "UPDATE without WHERE overwrites every row",
            Delete { .. } | Update { .. } => {
                "it changes only the rows it selects; undoing it needs their old values"
            }
            DropSchema { .. } => "the schema and everything in it are deleted",
            DropView { .. } => "readers of the view break and its definition is lost",
            DropSequence { .. } => "the sequence's position is lost and defaults using it break",
            DropExtension { .. } => {
                "the extension's types, functions and dependent columns go with it"
            }
            DropIndex { .. } => {
                "queries that used the index slow down; it is rebuilt with a full scan"
            }
            DropConstraint { .. } => "the database stops enforcing a rule the data relied on",
            ModifyConstraint { .. } => {
                "the rule the data relied on changes; existing rows may violate the new one"
            }
            SetNotNull { .. } => {
                "the last step of the seed's roll-forward (add, backfill, SET NOT NULL), so not a contract; it fails if any row is NULL and scans the table under an exclusive lock (see set-not-null-scan)"
            }
            DropFunction { .. } | DropTrigger { .. } => "behaviour the database performed is gone",
            DetachPartition { .. } => "the partition's rows leave the table",
            Other { verb, .. } if verb == "DROP" => {
                "dropping an object removes behaviour others may rely on"
            }
            Other { verb, .. } if verb == "CREATE" => {
                "it creates an object migsafe has no specific rule for"
            }
            Other { .. } => "an operation migsafe has no specific rule for",
            SetDefault { .. } | DropDefault { .. } => "only rows inserted later see the change",
            RenameIndex { .. } | RenameConstraint { .. } => {
                "queries do not use index and constraint names"
            }
            ValidateConstraint { .. } => {
                "it checks existing rows under a lock that lets writes through"
            }
            DropNotNull { .. } => {
                "it relaxes a rule; putting it back fails once NULLs have been written"
            }
            AddEnumValue { .. } => {
                "old code keeps working, but PostgreSQL cannot remove an enum value without swapping the type"
            }
            CreateView {
                or_replace: true, ..
            }
            | CreateFunction {
                or_replace: true, ..
            }
            | CreateTrigger {
                or_replace: true, ..
            } => "it replaces a definition; undoing it needs the old one from history",
            Insert { .. } => "it adds rows; deleting them undoes it",
            AlterSequence { .. } => {
                "it changes how a sequence numbers rows (its next value or options); no table or row changes"
            }
            DoBlock => "procedural code: migsafe classifies the DDL it finds inside",
            AlterColumnOther { .. }
            | TableSetting { .. }
            | Maintenance { .. }
            | Select
            | Set { .. }
            | Comment { .. }
            | Lock { .. }
            | Grant
            | Revoke
            | Transaction { .. } => "it does not change the shape of the schema",
            _ => "it adds structure without touching existing data",
        }
    }

    /// The table the operation acts on, when it acts on one.
    pub fn table(&self) -> Option<&ObjName> {
        use OpKind::*;
        match self {
            CreateTable { table, .. }
            | RenameTable { table, .. }
            | SetTableSchema { table, .. }
            | AddColumn { table, .. }
            | DropColumn { table, .. }
            | RenameColumn { table, .. }
            | AlterColumnType { table, .. }
            | SetNotNull { table, .. }
            | DropNotNull { table, .. }
            | SetDefault { table, .. }
            | DropDefault { table, .. }
            | AlterColumnOther { table, .. }
            | AddConstraint { table, .. }
            | DropConstraint { table, .. }
            | ModifyConstraint { table, .. }
            | RenameConstraint { table, .. }
            | ValidateConstraint { table, .. }
            | CreateIndex { table, .. }
            | CreateTrigger { table, .. }
            | TableSetting { table, .. }
            | AttachPartition { table, .. }
            | DetachPartition { table, .. } => Some(table),
            Delete { table, .. } | Update { table, .. } | Insert { table } => table.as_ref(),
            DropTrigger { table, .. } => table.as_ref(),
            DropTable { tables, .. } | Truncate { tables } | Lock { tables } => tables.first(),
            _ => None,
        }
    }

    /// The objects the operation names, for reports: `users`,
    /// `users.email`, `idx_users_email`.
    pub fn objects(&self) -> Vec<String> {
        use OpKind::*;
        let col = |t: &ObjName, c: &str| {
            let mut s = t.to_string();
            s.push('.');
            let _ = quote_ident(&mut s, c);
            s
        };
        let names = |v: &[ObjName]| v.iter().map(ToString::to_string).collect();
        match self {
            CreateTable { table, .. }
            | RenameTable { table, .. }
            | SetTableSchema { table, .. }
            | TableSetting { table, .. } => vec![table.to_string()],
            DropTable { tables, .. } | Truncate { tables } | Lock { tables } => names(tables),
            AddColumn { table, column, .. } => vec![col(table, &column.name)],
            DropColumn { table, column, .. }
            | AlterColumnType { table, column, .. }
            | SetNotNull { table, column }
            | DropNotNull { table, column }
            | SetDefault { table, column, .. }
            | DropDefault { table, column }
            | AlterColumnOther { table, column, .. } => vec![col(table, column)],
            RenameColumn { table, from, .. } => vec![col(table, from)],
            AddConstraint {
                table, constraint, ..
            } => match &constraint.name {
                Some(n) => vec![col(table, n)],
                None => vec![table.to_string()],
            },
            DropConstraint { table, name, .. }
            | ModifyConstraint { table, name }
            | ValidateConstraint { table, name } => vec![col(table, name)],
            RenameConstraint { table, from, .. } => vec![col(table, from)],
            CreateIndex { name, table, .. } => match name {
                Some(n) => vec![ObjName::qualified(table.schema.clone(), n.clone()).to_string()],
                None => vec![table.to_string()],
            },
            DropIndex { names: n, .. }
            | DropType { names: n, .. }
            | DropView { names: n, .. }
            | DropFunction { names: n, .. }
            | DropSequence { names: n } => names(n),
            RenameIndex { index, .. } => vec![index.to_string()],
            CreateEnum { name, .. }
            | CreateType { name }
            | AddEnumValue { name, .. }
            | RenameEnumValue { name, .. }
            | RenameType { name, .. }
            | CreateView { name, .. }
            | CreateFunction { name, .. }
            | CreateSequence { name, .. }
            | AlterSequence { name, .. } => vec![name.to_string()],
            CreateSchema { name } | CreateExtension { name } => vec![name.clone()],
            DropSchema { names, .. } | DropExtension { names } => names.clone(),
            CreateTrigger { name, .. } | DropTrigger { name, .. } => vec![name.clone()],
            Delete { table, .. } | Update { table, .. } | Insert { table } => {
                table.iter().map(ToString::to_string).collect()
            }
            AttachPartition { partition, .. } | DetachPartition { partition, .. } => {
                vec![partition.to_string()]
            }
            Select
            | Transaction { .. }
            | Set { .. }
            | Comment { .. }
            | Grant
            | Revoke
            | Maintenance { .. }
            | DoBlock
            | Other { .. } => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_order_is_worst_last() {
        assert!(Class::Dangerous > Class::Contract);
        assert!(Class::Contract > Class::Expand);
        assert!(Class::Expand > Class::Neutral);
        assert!(Rollback::Impossible > Rollback::Complex);
        assert!(Rollback::Complex > Rollback::Simple);
    }

    #[test]
    fn names_display_like_sql() {
        assert_eq!(ObjName::new("users").to_string(), "users");
        assert_eq!(ObjName::new("User").to_string(), "\"User\"");
        assert_eq!(
            ObjName::qualified(Some("audit".into()), "Log").to_string(),
            "audit.\"Log\""
        );
    }
}
