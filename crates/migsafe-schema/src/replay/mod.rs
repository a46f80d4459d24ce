//! Replay of migration operations onto a [`SchemaModel`].
//!
//! [`replay`] starts from an empty database (the `public` schema and
//! nothing else) and applies every operation of every migration, in order,
//! the way PostgreSQL would: `CREATE TABLE` with its inline and table
//! constraints, `ALTER TABLE` actions, indexes, enums and Prisma's enum
//! swap, renames that carry keys, indexes and foreign keys along, `DROP …
//! CASCADE`, schemas, extensions, views and sequences, and the DDL inside
//! `DO` blocks.
//!
//! Unnamed constraints and indexes get PostgreSQL's default names
//! (`t_pkey`, `t_col_key`, `t_col_fkey`, `t_col1_col2_idx`, `t_col_seq`),
//! with its 63-byte truncation (the longer part is shortened first) and its
//! de-duplication (`t_col_key1`, …). Every identifier longer than 63 bytes
//! is truncated, as PostgreSQL's lexer does.
//!
//! Types and defaults go through [`normalize_type`] and
//! [`normalize_default`], so the replayed model compares equal to the model
//! of a Prisma schema.
//!
//! A statement replay cannot apply (a table that does not exist, a column
//! that already exists without `IF NOT EXISTS`, an index a constraint still
//! needs, a statement PostgreSQL's grammar rejects, …) becomes a
//! [`ReplayIssue`] that names the migration, the file and the line; replay
//! goes on with the next operation. Inside a `DO` block the `IF [NOT]
//! EXISTS (SELECT … FROM <catalog> WHERE …)` conditions are answered from
//! the model (`migsafe_classify::guard`): a statement whose condition does
//! not hold is not applied, one inside an `EXCEPTION` handler may fail
//! silently, and a condition migsafe cannot evaluate is reported once.
//!
//! The code, by object kind: `dispatch` (one IR operation to the right
//! place), `tables`, `columns`, `constraints`, `indexes`, `types` (enums,
//! types and schemas), `routines` (functions and triggers), `lookups`
//! (names, dependencies, views), `names`
//! (PostgreSQL's naming and truncation) and `helpers`.
//!
//! Every table, column, key, index, foreign key, check, enum and enum value
//! keeps the [`Touch`] of the statement that last created, changed, renamed
//! or dropped it ([`Provenance`]), so a drift finding can say which
//! migration last touched the object.
//!
//! ```
//! use migsafe_schema::replay::{MigrationInput, replay};
//! use migsafe_schema::QualName;
//!
//! let sql = r#"
//! CREATE TABLE "User" ("id" SERIAL NOT NULL, "email" TEXT NOT NULL,
//!     CONSTRAINT "User_pkey" PRIMARY KEY ("id"));
//! CREATE UNIQUE INDEX "User_email_key" ON "User"("email");
//! ALTER TABLE "User" RENAME COLUMN "email" TO "mail";
//! "#;
//! let statements = migsafe_classify::analyze(sql).statements;
//! let out = replay(&[MigrationInput {
//!     name: "20260101000000_init",
//!     path: "prisma/migrations/20260101000000_init/migration.sql",
//!     statements: &statements,
//! }]);
//! assert!(out.issues.is_empty());
//! let user = &out.model.tables[&QualName::public("User")];
//! assert_eq!(user.index("User_email_key").map(|i| i.columns[0].expr.as_str()), Some("mail"));
//! let touch = out.provenance.column(&QualName::public("User"), "mail").unwrap();
//! assert_eq!(touch.origin.line, 5);
//! ```

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

use migsafe_classify::Statement;
use migsafe_classify::ir::{
    ColumnSpec, ConstraintKind, ConstraintSpec, ForeignKeySpec, IndexColumnSpec, ObjName, OpKind,
    RefAction as IrRefAction,
};
use serde::Serialize;

use crate::model::{
    CheckConstraint, Column, DEFAULT_SCHEMA, DefaultValue, EnumType, ForeignKey, Index,
    IndexColumn, IndexOptions, PrimaryKey, QualName, RefAction, SchemaModel, Table, View,
};
use crate::types::{is_serial, normalize_default, normalize_expression, normalize_type};

pub use migsafe_model::names::MAX_IDENTIFIER_BYTES;

/// One migration to replay: its name, its path as reported, and its
/// analyzed statements (from [`migsafe_classify::analyze`]).
#[derive(Clone, Copy, Debug)]
pub struct MigrationInput<'a> {
    /// The migration name: `20260105090000_add_bio`.
    pub name: &'a str,
    /// The file path as it should appear in messages.
    pub path: &'a str,
    /// The statements, in file order.
    pub statements: &'a [Statement],
}

/// Where a statement is: the migration, its file, and the statement's first
/// token.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Origin {
    /// The migration name (shared by every origin in the migration: the
    /// replay keeps one per object it touches).
    pub migration: std::sync::Arc<str>,
    /// The migration file, as reported.
    pub path: std::sync::Arc<str>,
    /// 1-based line of the statement's first token.
    pub line: u32,
    /// 1-based column of the statement's first token.
    pub column: u32,
}

impl fmt::Display for Origin {
    /// `20260105090000_add_bio (prisma/migrations/…/migration.sql:3)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}:{})", self.migration, self.path, self.line)
    }
}

/// What a statement did to an object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// `CREATE …`, `ADD …`.
    Created,
    /// `ALTER …` of a property (type, nullability, default, values).
    Changed,
    /// `RENAME …`: the old name's entry and the new one's both say so.
    Renamed,
    /// `DROP …`, or gone with what it belonged to.
    Dropped,
}

impl Action {
    /// `created`, `changed`, `renamed`, `dropped`.
    pub fn word(self) -> &'static str {
        match self {
            Action::Created => "created",
            Action::Changed => "changed",
            Action::Renamed => "renamed",
            Action::Dropped => "dropped",
        }
    }
}

/// The last statement that touched an object, and what it did.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Touch {
    /// What the statement did.
    pub action: Action,
    /// Where the statement is.
    pub origin: Origin,
}

/// Provenance of a table and of everything that belongs to it, keyed by
/// the current names (a rename moves the entry).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct TableProvenance {
    /// The table itself (created, renamed, dropped).
    pub table: Option<Touch>,
    /// Columns, by name.
    pub columns: BTreeMap<String, Touch>,
    /// The primary key.
    pub primary_key: Option<Touch>,
    /// Plain and unique indexes, by index name.
    pub indexes: BTreeMap<String, Touch>,
    /// Foreign keys, by constraint name.
    pub foreign_keys: BTreeMap<String, Touch>,
    /// Check constraints, by constraint name.
    pub checks: BTreeMap<String, Touch>,
}

/// Provenance of an enum and of its values.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct EnumProvenance {
    /// The type itself (created, renamed, dropped).
    pub enum_type: Option<Touch>,
    /// Values, by label.
    pub values: BTreeMap<String, Touch>,
}

/// For every object, the last statement that created, changed, renamed or
/// dropped it. Entries of dropped objects stay (with [`Action::Dropped`]),
/// so a finding about an object the migrations no longer have can say which
/// migration dropped it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Provenance {
    /// Tables and what belongs to them, by current (or last) name.
    pub tables: BTreeMap<QualName, TableProvenance>,
    /// Enums and their values.
    pub enums: BTreeMap<QualName, EnumProvenance>,
    /// Sequences (explicit and `SERIAL`).
    pub sequences: BTreeMap<QualName, Touch>,
    /// Views and materialized views.
    pub views: BTreeMap<QualName, Touch>,
    /// Extensions, by name.
    pub extensions: BTreeMap<String, Touch>,
    /// Schemas, by name.
    pub schemas: BTreeMap<String, Touch>,
}

impl Provenance {
    /// The table's own entry.
    pub fn table(&self, t: &QualName) -> Option<&Touch> {
        self.tables.get(t)?.table.as_ref()
    }

    /// A column of a table.
    pub fn column(&self, t: &QualName, column: &str) -> Option<&Touch> {
        self.tables.get(t)?.columns.get(column)
    }

    /// A table's primary key.
    pub fn primary_key(&self, t: &QualName) -> Option<&Touch> {
        self.tables.get(t)?.primary_key.as_ref()
    }

    /// An index (plain, unique or the index of a unique constraint).
    pub fn index(&self, t: &QualName, name: &str) -> Option<&Touch> {
        self.tables.get(t)?.indexes.get(name)
    }

    /// A foreign key, by constraint name.
    pub fn foreign_key(&self, t: &QualName, name: &str) -> Option<&Touch> {
        self.tables.get(t)?.foreign_keys.get(name)
    }

    /// A check constraint, by name.
    pub fn check(&self, t: &QualName, name: &str) -> Option<&Touch> {
        self.tables.get(t)?.checks.get(name)
    }

    /// An enum type.
    pub fn enum_type(&self, e: &QualName) -> Option<&Touch> {
        self.enums.get(e)?.enum_type.as_ref()
    }

    /// A value of an enum.
    pub fn enum_value(&self, e: &QualName, value: &str) -> Option<&Touch> {
        self.enums.get(e)?.values.get(value)
    }
}

/// What kind of issue a [`ReplayIssue`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IssueKind {
    /// PostgreSQL refuses the statement: the whole migration rolls back,
    /// and the replay applies none of it.
    Refused,
    /// A `DO` block's condition migsafe cannot answer without a database:
    /// the statements it guards were replayed as if it held.
    Unevaluable,
    /// Refused as [`IssueKind::Refused`] (the migration rolls back), for a
    /// table no earlier migration creates, renames or drops: a fresh
    /// database fails here, unless the table comes from outside the history
    /// (a baseline the migrations do not hold).
    OutsideHistory,
}

/// A statement replay could not apply, as PostgreSQL would have refused it,
/// or a condition it could not evaluate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReplayIssue {
    /// Refused (the migration rolls back) or a condition not evaluated.
    pub kind: IssueKind,
    /// Where the statement is.
    pub origin: Origin,
    /// The operation, as a reader names it: `DROP INDEX`.
    pub operation: String,
    /// What is wrong, in PostgreSQL's words: `index "x" does not exist`.
    pub message: String,
    /// What to do about it, when there is something specific to say.
    pub help: Option<String>,
}

/// The outcome of a replay.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Replayed {
    /// The schema the migrations produce.
    pub model: SchemaModel,
    /// The last statement that touched every object.
    pub provenance: Provenance,
    /// Statements that could not be applied, in replay order.
    pub issues: Vec<ReplayIssue>,
    /// Tables whose columns replay cannot know (`CREATE TABLE … AS`,
    /// `PARTITION OF`, `LIKE`, or a `CREATE TABLE` the parser could not
    /// read): operations on their unknown columns are not issues.
    pub opaque_tables: BTreeSet<QualName>,
    /// How many migrations were replayed.
    pub migrations: usize,
    /// How many statements were replayed.
    pub statements: usize,
}

/// Replays the migrations, in the order given, onto an empty database.
pub fn replay(migrations: &[MigrationInput<'_>]) -> Replayed {
    let mut r = Replayer::new();
    for m in migrations {
        r.apply_migration(m);
    }
    r.finish()
}

/// An incremental replay: apply migrations one by one, look at the model in
/// between (the rollback checks replay a down script on top of its up
/// script this way).
///
/// A migration is applied the way PostgreSQL applies a file sent as one
/// simple query: in one transaction. When one of its statements is refused,
/// the refusal is the migration's [`ReplayIssue`], the rest of the file is
/// not replayed, and what the earlier statements of the file did is undone,
/// so the later history is replayed on the state PostgreSQL would have.
/// (The undo goes back to a checkpoint, the state after the last failure,
/// and replays the migrations since: a history without failures pays
/// nothing for it, one with failures one copy of the model per failure.)
#[derive(Clone, Debug)]
pub struct Replayer<'a> {
    state: State,
    /// The state after the migrations before `since` (shared by clones of
    /// the replayer).
    checkpoint: std::sync::Arc<State>,
    /// The migrations applied since the checkpoint (failed ones left out).
    since: Vec<MigrationInput<'a>>,
}

/// The replay's state: the outcome so far and what it needs besides.
#[derive(Clone, Debug)]
#[cfg_attr(debug_assertions, derive(PartialEq))]
struct State {
    out: Replayed,
    /// Sequence → (table, column) of the `SERIAL` column that owns it.
    owned_sequences: HashMap<QualName, (QualName, String)>,
    /// Composite, range, base and domain types (not enums).
    other_types: BTreeSet<QualName>,
    /// Temporary tables of the migration being replayed.
    temp_tables: Vec<QualName>,
    /// The sequences of identity columns: not in the model, but their
    /// names are taken.
    identity_sequences: BTreeSet<QualName>,
    /// Per view, the identifiers of its query: the tables, views and
    /// columns it may depend on (PostgreSQL refuses to drop those without
    /// `CASCADE`, and drops the view with them when it is given).
    view_refs: HashMap<QualName, Vec<String>>,
    /// View → its query, following renames (`views.rs`).
    view_queries: HashMap<QualName, migsafe_model::query::ViewQuery>,
    /// The constraint being added is `NOT VALID`.
    adding_not_valid: bool,
    /// The options of the `CREATE INDEX` being applied.
    index_options: Option<IndexOptions>,
    /// When each unique index and primary key was created, by (schema,
    /// index name): PostgreSQL ties a foreign key with a column list to
    /// the oldest matching one (the lowest OID), primary key or not.
    key_order: HashMap<(String, String), u64>,
    /// Every (schema, name) an index or key has had: a relation name is
    /// looked for among the tables' indexes only when it is here (kept
    /// only growing; the tables say whether it is still taken).
    index_names: std::collections::HashSet<(String, String)>,
    /// Every name a constraint (or an index or key) has had, in any
    /// schema: a constraint name is looked for among the tables only when
    /// it is here (only growing, like `index_names`). Without it choosing
    /// a name costs a pass over every table: quadratic in tables.
    constraint_names: std::collections::HashSet<String>,
    key_seq: u64,
    /// Partitioned table → its partitions (`PARTITION OF`).
    partitions: HashMap<QualName, Vec<QualName>>,
}

impl Default for Replayer<'_> {
    fn default() -> Self {
        Self::new()
    }
}

/// The statement being applied.
struct Ctx {
    origin: Origin,
    /// Inside a `DO` block: skip silently what cannot be applied.
    guarded: bool,
    operation: String,
}

impl Ctx {
    fn touch(&self, action: Action) -> Touch {
        Touch {
            action,
            origin: self.origin.clone(),
        }
    }
}

/// An unapplied operation: the message and an optional help.
struct Refusal {
    message: String,
    help: Option<String>,
}

type Outcome = Result<(), Refusal>;

fn refuse(message: impl Into<String>) -> Outcome {
    Err(Refusal {
        message: message.into(),
        help: None,
    })
}

fn refuse_with(message: impl Into<String>, help: impl Into<String>) -> Outcome {
    Err(Refusal {
        message: message.into(),
        help: Some(help.into()),
    })
}

mod columns;
mod constraints;
mod dispatch;
mod helpers;
mod indexes;
mod lookups;
mod names;
mod partitions;
mod routines;
mod tables;
mod types;
mod views;

use helpers::*;
use names::*;
pub use names::{make_object_name, truncate_identifier};

impl<'a> Replayer<'a> {
    /// A replayer on an empty database: the `public` schema and nothing
    /// else.
    pub fn new() -> Self {
        Self::on(State::new())
    }

    /// A replayer that starts from an existing model (provenance and issues
    /// empty).
    pub fn from_model(model: SchemaModel) -> Self {
        let mut s = State::new();
        s.out.model = model;
        s.note_model_names();
        Self::on(s)
    }

    fn on(state: State) -> Self {
        Self {
            checkpoint: std::sync::Arc::new(state.clone()),
            state,
            since: Vec::new(),
        }
    }

    /// The model as replayed so far.
    pub fn model(&self) -> &SchemaModel {
        &self.state.out.model
    }

    /// The issues found so far.
    pub fn issues(&self) -> &[ReplayIssue] {
        &self.state.out.issues
    }

    /// The model as [`finish`](Self::finish) leaves it (opaque tables
    /// marked, canonical form), without ending the replay: the form to
    /// compare with another model.
    pub fn finished_model(&self) -> SchemaModel {
        let mut model = self.state.out.model.clone();
        for t in &self.state.out.opaque_tables {
            if let Some(tab) = model.tables.get_mut(t) {
                tab.opaque = true;
            }
        }
        crate::canonical::canonicalize(&mut model);
        model
    }

    /// The model, provenance and issues.
    pub fn finish(self) -> Replayed {
        let mut out = self.state.out;
        for t in &out.opaque_tables {
            if let Some(tab) = out.model.tables.get_mut(t) {
                tab.opaque = true;
            }
        }
        crate::canonical::canonicalize(&mut out.model);
        out
    }

    /// Applies one migration as one transaction: every statement, or, when
    /// PostgreSQL would refuse one, none (the refusal is the migration's
    /// issue and the replay stands where it stood before the migration).
    pub fn apply_migration(&mut self, m: &MigrationInput<'a>) {
        self.apply_migration_observed(m, &mut |_, _| {});
    }

    /// [`apply_migration`](Self::apply_migration), showing `observe` the
    /// schema before each statement (its index in the migration) as the
    /// statements before it in the file left it.
    pub fn apply_migration_observed(&mut self, m: &MigrationInput<'a>, observe: &mut Observer<'_>) {
        let undo = match self.state.apply_migration(m, Some(observe)) {
            Ok(()) => {
                self.since.push(*m);
                return;
            }
            Err(FileFailed { undo }) => undo,
        };
        if !undo {
            // Nothing of the file applied: the state is the one before it.
            // (Debug builds check that against the undo.)
            #[cfg(debug_assertions)]
            {
                let mut undone = self.clone();
                undone.undo_file();
                assert!(
                    undone.state == self.state,
                    "a refused operation changed the replay's state ({}): see `refused_whole`",
                    m.name
                );
            }
            return;
        }
        self.undo_file();
    }

    /// Back to the state before the file that failed: the checkpoint, then
    /// the migrations since.
    fn undo_file(&mut self) {
        // Undo the file: back to the checkpoint, then the migrations since
        // (they applied before, so they apply again the same way); that
        // state is the next checkpoint. The issues and counts stay those of
        // the run so far.
        let issues = std::mem::take(&mut self.state.out.issues);
        let (migrations, statements) = (self.state.out.migrations, self.state.out.statements);
        let checkpoint = std::mem::replace(&mut self.checkpoint, std::sync::Arc::new(State::new()));
        self.state =
            std::sync::Arc::try_unwrap(checkpoint).unwrap_or_else(|shared| (*shared).clone());
        for earlier in std::mem::take(&mut self.since) {
            let _ = self.state.apply_migration(&earlier, None);
        }
        self.checkpoint = std::sync::Arc::new(self.state.clone());
        self.state.out.issues = issues;
        self.state.out.migrations = migrations;
        self.state.out.statements = statements;
    }

    /// Applies one statement outside any migration bookkeeping (tests,
    /// tools): `origin` says where it is. A refused statement changes
    /// nothing.
    pub fn apply_statement(&mut self, origin: &'a Origin, s: &'a Statement) {
        let m = MigrationInput {
            name: &origin.migration,
            path: &origin.path,
            statements: std::slice::from_ref(s),
        };
        let before = self.state.out.migrations;
        self.apply_migration(&m);
        self.state.out.migrations = before;
    }
}

/// What [`Replayer::apply_migration_observed`] shows the schema to: the
/// statement's index in its migration, and the schema before it.
pub type Observer<'o> = dyn FnMut(usize, &SchemaModel) + 'o;

/// A refusal of this operation left the state as it was (it looks before
/// it changes anything): a file refused at it, before any other operation
/// ran, needs no undo. Debug builds check each such refusal against the
/// undo (`Replayer::apply_migration_observed`), so every test that replays
/// a refused file holds this list to it.
/// `existed`: the relation a `CREATE TABLE` names was there before it.
fn refused_whole(state: &State, kind: &OpKind, existed: bool) -> bool {
    match kind {
        // Refused as already there, or before the table is created (not
        // after: then it is undone).
        OpKind::CreateTable { table, .. } => {
            existed || !state.out.model.tables.contains_key(&qual(table))
        }
        OpKind::DropIndex { names, cascade, .. } => names.len() == 1 && !cascade,
        OpKind::CreateEnum { .. } | OpKind::AddEnumValue { .. } => true,
        _ => false,
    }
}

/// A migration PostgreSQL would roll back: its issue is recorded.
struct FileFailed {
    /// An earlier operation of the file changed the state, which must be
    /// undone. (A refused operation changes nothing; most failures are the
    /// first operation of their file, and need no undo.)
    undo: bool,
}

impl State {
    fn new() -> Self {
        let mut out = Replayed::default();
        out.model.schemas.insert(DEFAULT_SCHEMA.to_owned());
        Self {
            out,
            owned_sequences: HashMap::new(),
            view_refs: HashMap::new(),
            view_queries: HashMap::new(),
            adding_not_valid: false,
            index_options: None,
            other_types: BTreeSet::new(),
            temp_tables: Vec::new(),
            identity_sequences: BTreeSet::new(),
            key_order: HashMap::new(),
            index_names: std::collections::HashSet::new(),
            constraint_names: std::collections::HashSet::new(),
            key_seq: 0,
            partitions: HashMap::new(),
        }
    }

    /// Notes that the index (or key) `name` of table `t` was just created.
    /// An index or key named `name` in `t`'s schema.
    fn note_index_name(&mut self, schema: &str, name: &str) {
        self.index_names
            .insert((schema.to_owned(), name.to_owned()));
        self.note_constraint_name(name);
    }

    /// Notes that a constraint named `name` was just created or renamed.
    fn note_constraint_name(&mut self, name: &str) {
        if !self.constraint_names.contains(name) {
            self.constraint_names.insert(name.to_owned());
        }
    }

    /// Notes the names of the indexes, keys and constraints of a model
    /// the replay starts from.
    fn note_model_names(&mut self) {
        let mut names = Vec::new();
        for t in self.out.model.tables.values() {
            for i in &t.indexes {
                names.push((t.name.schema.clone(), i.name.clone()));
            }
            if let Some(n) = t.primary_key.as_ref().and_then(|k| k.name.clone()) {
                names.push((t.name.schema.clone(), n));
            }
            for n in t
                .foreign_keys
                .iter()
                .filter_map(|f| f.name.clone())
                .chain(t.checks.iter().filter_map(|c| c.name.clone()))
            {
                self.constraint_names.insert(n);
            }
        }
        for (schema, n) in names {
            self.note_index_name(&schema, &n);
        }
    }

    /// Debug builds check that the name filters hold every name the model
    /// has (a constraint created without being noted would make a name
    /// look free): the generated and corpus tests run with it.
    #[cfg(debug_assertions)]
    fn check_name_filters(&self) {
        if self.out.model.tables.len() > 300 {
            return;
        }
        for t in self.out.model.tables.values() {
            let key_names = t
                .indexes
                .iter()
                .map(|i| i.name.as_str())
                .chain(t.primary_key.as_ref().and_then(|k| k.name.as_deref()));
            for n in key_names {
                debug_assert!(
                    self.index_names
                        .contains(&(t.name.schema.clone(), n.to_owned())),
                    "replay: index name {n} of {:?} not noted",
                    t.name
                );
            }
            let constraint_names = t
                .foreign_keys
                .iter()
                .filter_map(|f| f.name.as_deref())
                .chain(t.checks.iter().filter_map(|c| c.name.as_deref()));
            for n in constraint_names {
                debug_assert!(
                    self.constraint_names.contains(n),
                    "replay: constraint name {n} of {:?} not noted",
                    t.name
                );
            }
        }
    }

    fn note_key(&mut self, t: &QualName, name: &str) {
        self.key_seq += 1;
        self.key_order
            .insert((t.schema.clone(), name.to_owned()), self.key_seq);
    }

    /// When the index `name` of `t` was created (unknown: last).
    fn key_created(&self, t: &QualName, name: &str) -> u64 {
        self.key_order
            .get(&(t.schema.clone(), name.to_owned()))
            .copied()
            .unwrap_or(u64::MAX)
    }

    /// Applies the statements of one migration up to the first one
    /// PostgreSQL would refuse (`Err`: its issue is recorded, and what the
    /// file did so far is the caller's to undo).
    fn apply_migration(
        &mut self,
        m: &MigrationInput<'_>,
        mut observe: Option<&mut Observer<'_>>,
    ) -> Result<(), FileFailed> {
        let mut seen = 0usize;
        let mut counting = |i: usize, model: &SchemaModel| {
            seen = i + 1;
            if let Some(f) = observe.as_mut() {
                f(i, model);
            }
        };
        let result = self.apply_statements(m, &mut counting);
        // After a refusal PostgreSQL would not run the rest; the observer
        // still sees each statement, on the schema as the file left it.
        if result.is_err()
            && let Some(f) = observe.as_mut()
        {
            for i in seen..m.statements.len() {
                f(i, &self.out.model);
            }
        }
        result
    }

    fn apply_statements(
        &mut self,
        m: &MigrationInput<'_>,
        observe: &mut Observer<'_>,
    ) -> Result<(), FileFailed> {
        self.out.migrations += 1;
        // Constraints re-added later in this migration: a `modify_constraint`
        // operation before such a re-add is the drop half of a drop-and-re-add.
        let mut re_added: Vec<(usize, String, String)> = Vec::new();
        let mut pos = 0usize;
        for s in m.statements {
            for o in &s.ops {
                if let OpKind::AddConstraint {
                    table,
                    constraint:
                        ConstraintSpec {
                            name: Some(name), ..
                        },
                    ..
                } = &o.kind
                {
                    re_added.push((
                        pos,
                        truncate_identifier(&table.name),
                        truncate_identifier(name),
                    ));
                }
                pos += 1;
            }
        }
        let mut pos = 0usize;
        // An operation of this file has run (and may have changed the state).
        let mut applied = false;
        let (migration, path): (std::sync::Arc<str>, std::sync::Arc<str>) =
            (m.name.into(), m.path.into());
        for (index, s) in m.statements.iter().enumerate() {
            observe(index, &self.out.model);
            #[cfg(debug_assertions)]
            self.check_name_filters();
            self.out.statements += 1;
            let origin = Origin {
                migration: migration.clone(),
                path: path.clone(),
                line: s.line,
                column: s.column,
            };
            if let Some(why) = &s.rejected {
                // PostgreSQL's parser rejects it: nothing of it applies.
                self.out.issues.push(ReplayIssue {
                    kind: IssueKind::Refused,
                    origin: origin.clone(),
                    operation: s.ops.first().map(|o| o.kind.title()).unwrap_or_default(),
                    message: why.clone(),
                    help: Some("write the statement in PostgreSQL's syntax".to_owned()),
                });
                return Err(FileFailed { undo: applied });
            }
            let mut unknown_reported = false;
            for o in &s.ops {
                if matches!(o.kind, OpKind::DoBlock) {
                    pos += 1;
                    continue;
                }
                // Inside a DO block: the IF conditions around the statement
                // are answered from the model; a statement whose condition
                // does not hold does not run, an error inside an EXCEPTION
                // handler is caught.
                let mut guarded = false;
                if let Some(d) = &o.in_do {
                    guarded = d.tolerant;
                    if let Some(g) = &d.guard {
                        match g.eval(&|p| self.probe(p)) {
                            Some(false) => {
                                pos += 1;
                                continue;
                            }
                            Some(true) => {}
                            None => {
                                guarded = true;
                                if !unknown_reported {
                                    unknown_reported = true;
                                    self.out.issues.push(ReplayIssue {
                                        kind: IssueKind::Unevaluable,
                                        origin: origin.clone(),
                                        operation: "DO block".to_owned(),
                                        message: format!(
                                            "the condition `{}` cannot be evaluated without a database; the statements it guards were replayed as if it held",
                                            g.unknown_part().unwrap_or("?")
                                        ),
                                        help: Some(
                                            "write the guard as `IF [NOT] EXISTS (SELECT 1 FROM information_schema.columns / pg_constraint / pg_indexes / pg_class / pg_type WHERE name = '…')`, or the plain statement with IF [NOT] EXISTS"
                                                .to_owned(),
                                        ),
                                    });
                                }
                            }
                        }
                    }
                }
                let ctx = Ctx {
                    origin: origin.clone(),
                    guarded,
                    operation: o.kind.title(),
                };
                let mut existed = false;
                let result = match &o.kind {
                    OpKind::ModifyConstraint { table, name } => {
                        let (t, n) = (truncate_identifier(&table.name), truncate_identifier(name));
                        let drop = re_added
                            .iter()
                            .any(|(p, rt, rn)| *p > pos && *rt == t && *rn == n);
                        if drop {
                            // A plain `DROP CONSTRAINT` (the classifier keeps
                            // `IF EXISTS` drops as drops): the constraint
                            // must be there.
                            self.drop_constraint(&ctx, table, name, false, false, true)
                        } else {
                            self.require_table(table)
                        }
                    }
                    kind => {
                        existed = matches!(kind, OpKind::CreateTable { table, .. } if self.relation_exists(&qual(table)));
                        self.apply_op(&ctx, kind)
                    }
                };
                if let Err(r) = result
                    && !ctx.guarded
                    && !self.on_missing_tool_table(&o.kind)
                {
                    let outside = r.message.contains("does not exist")
                        && o.kind.table().is_some_and(|t| {
                            let n = qual(t);
                            !self.out.model.tables.contains_key(&n)
                                && !self.out.model.views.contains_key(&n)
                                && !self.out.provenance.tables.contains_key(&n)
                                && !self.out.provenance.views.contains_key(&n)
                        });
                    // An operation on a table the history does not have
                    // is refused when it looks for it, before it changes
                    // anything.
                    let whole = outside || refused_whole(self, &o.kind, existed);
                    self.out.issues.push(ReplayIssue {
                        kind: if outside {
                            IssueKind::OutsideHistory
                        } else {
                            IssueKind::Refused
                        },
                        origin: ctx.origin.clone(),
                        operation: ctx.operation.clone(),
                        message: r.message,
                        help: r.help,
                    });
                    return Err(FileFailed {
                        undo: applied || !whole,
                    });
                }
                // Applied, or refused inside a DO block's handler (counted
                // as a change, to be safe).
                applied = true;
                pos += 1;
            }
        }
        for t in std::mem::take(&mut self.temp_tables) {
            self.out.model.tables.remove(&t);
            self.out.opaque_tables.remove(&t);
        }
        Ok(())
    }

    /// The answer of the model to a catalog question of a `DO` block.
    fn probe(&self, p: &migsafe_classify::guard::Probe) -> bool {
        use migsafe_classify::guard::Probe;
        let m = &self.out.model;
        let named = |t: &Table, name: &str, schema: &Option<String>| {
            t.name.name == truncate_identifier(name)
                && schema.as_deref().is_none_or(|s| t.name.schema == s)
        };
        match p {
            Probe::Column {
                schema,
                table,
                column,
            } => m.tables.values().any(|t| {
                named(t, table, schema) && t.column(&truncate_identifier(column)).is_some()
            }),
            Probe::Table { schema, name } => {
                m.tables.values().any(|t| named(t, name, schema))
                    || m.views.keys().any(|v| {
                        v.name == truncate_identifier(name)
                            && schema.as_deref().is_none_or(|s| v.schema == s)
                    })
            }
            Probe::Relation { name } => {
                let n = truncate_identifier(name);
                m.tables.values().any(|t| {
                    t.name.name == n
                        || t.indexes.iter().any(|i| i.name == n)
                        || pk_name(t).as_deref() == Some(n.as_str())
                }) || m.views.keys().any(|v| v.name == n)
                    || m.sequences.iter().any(|s| s.name == n)
                    || self.identity_sequences.iter().any(|s| s.name == n)
            }
            Probe::Constraint { table, name } => {
                let n = truncate_identifier(name);
                m.tables
                    .values()
                    .filter(|t| {
                        table
                            .as_ref()
                            .is_none_or(|tn| t.name.name == truncate_identifier(tn))
                    })
                    .any(|t| {
                        pk_name(t).as_deref() == Some(n.as_str())
                            || t.foreign_keys
                                .iter()
                                .any(|f| f.name.as_deref() == Some(n.as_str()))
                            || t.checks
                                .iter()
                                .any(|c| c.name.as_deref() == Some(n.as_str()))
                            || t.indexes.iter().any(|i| i.constraint && i.name == n)
                    })
            }
            Probe::Index { name } => {
                let n = truncate_identifier(name);
                m.tables.values().any(|t| {
                    t.indexes.iter().any(|i| i.name == n)
                        || pk_name(t).as_deref() == Some(n.as_str())
                })
            }
            Probe::Type { name } => {
                let n = truncate_identifier(name);
                m.enums.keys().any(|e| e.name == n) || self.other_types.iter().any(|e| e.name == n)
            }
            Probe::EnumValue { value } => m.enums.values().any(|e| e.values.contains(value)),
        }
    }

    /// The operation works on a migration tool's own table that the replay
    /// does not hold (the tool created it, not the history).
    fn on_missing_tool_table(&self, kind: &OpKind) -> bool {
        kind.table().is_some_and(|t| {
            let name = qual(t);
            crate::model::is_migration_tool_table(&name)
                && !self.out.model.tables.contains_key(&name)
        })
    }
}
