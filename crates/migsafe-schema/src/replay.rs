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
//! needs, …) becomes a [`ReplayIssue`] that names the migration, the file
//! and the line; replay goes on with the next operation. Operations found
//! inside a `DO` block are *guarded*: procedural code usually tests before
//! it acts (`IF NOT EXISTS (…) THEN ALTER TABLE … ADD CONSTRAINT …`), so
//! such an operation is applied when it can be and skipped silently when it
//! cannot.
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

/// PostgreSQL's identifier limit (`NAMEDATALEN - 1`).
pub const MAX_IDENTIFIER_BYTES: usize = 63;

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
    /// The migration name.
    pub migration: String,
    /// The migration file, as reported.
    pub path: String,
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

/// A statement replay could not apply, as PostgreSQL would have refused it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReplayIssue {
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
#[derive(Clone, Debug)]
pub struct Replayer {
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
    /// The constraint being added is `NOT VALID`.
    adding_not_valid: bool,
    /// The options of the `CREATE INDEX` being applied.
    index_options: Option<IndexOptions>,
}

impl Default for Replayer {
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

/// `"name"`, quotes doubled.
fn q(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// The longest prefix of `s` of at most `max` bytes that ends on a
/// character boundary.
fn clip(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut i = max;
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    s.get(..i).unwrap_or("")
}

/// An identifier as PostgreSQL stores it: at most 63 bytes.
pub fn truncate_identifier(s: &str) -> String {
    clip(s, MAX_IDENTIFIER_BYTES).to_owned()
}

/// PostgreSQL's `makeObjectName`: `name1_name2_label`, the longer of the
/// two names shortened first so that the whole fits 63 bytes.
pub fn make_object_name(name1: &str, name2: Option<&str>, label: &str) -> String {
    let mut overhead = 0usize;
    let mut n1 = name1.len();
    let mut n2 = 0usize;
    if let Some(n) = name2 {
        n2 = n.len();
        overhead += 1;
    }
    if !label.is_empty() {
        overhead += label.len() + 1;
    }
    let avail = MAX_IDENTIFIER_BYTES.saturating_sub(overhead);
    while n1 + n2 > avail {
        if n1 > n2 {
            n1 -= 1;
        } else if n2 > 0 {
            n2 -= 1;
        } else {
            break;
        }
    }
    let mut out = clip(name1, n1).to_owned();
    if let Some(n) = name2 {
        out.push('_');
        out.push_str(clip(n, n2));
    }
    if !label.is_empty() {
        out.push('_');
        out.push_str(label);
    }
    out
}

/// PostgreSQL's `ChooseIndexNameAddition` / `ChooseForeignKeyConstraintNameAddition`:
/// the column names joined with `_`, stopping once 64 bytes are reached.
fn name_addition(columns: &[String]) -> String {
    let mut buf = String::new();
    for c in columns {
        if !buf.is_empty() {
            buf.push('_');
        }
        buf.push_str(clip(c, MAX_IDENTIFIER_BYTES));
        if buf.len() > MAX_IDENTIFIER_BYTES {
            break;
        }
    }
    buf
}

/// PostgreSQL's `ChooseIndexColumnNames`: expressions are named `expr`,
/// repeats get a number (`a`, `a1`, `expr`, `expr1`).
fn index_column_names(cols: &[IndexColumn], include: &[String], table: &Table) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let all = cols
        .iter()
        .map(|c| {
            if table.column(&c.expr).is_some() {
                c.expr.clone()
            } else {
                figure_colname(&c.expr).unwrap_or_else(|| "expr".to_owned())
            }
        })
        .chain(include.iter().cloned());
    for orig in all {
        let mut cur = orig.clone();
        let mut i = 1u32;
        while out.contains(&cur) {
            let suffix = i.to_string();
            cur = format!(
                "{}{suffix}",
                clip(&orig, MAX_IDENTIFIER_BYTES.saturating_sub(suffix.len()))
            );
            i += 1;
        }
        out.push(cur);
    }
    out
}

/// PostgreSQL's `FigureColname` for an index expression: the function
/// name of a call (`lower(email)` → `lower`), the column under a cast
/// (`(id)::text` → `id`), `case`, `array`; `None` when PostgreSQL falls
/// back to `expr`.
fn figure_colname(expr: &str) -> Option<String> {
    let e = crate::types::strip_outer_parens(expr);
    let stripped = crate::types::strip_casts(e);
    if stripped.len() < e.len() {
        return figure_colname(stripped);
    }
    let lower = e.to_ascii_lowercase();
    if lower.starts_with("case ") {
        return Some("case".to_owned());
    }
    if lower.starts_with("array[") || lower.starts_with("array(") {
        return Some("array".to_owned());
    }
    // A name, maybe qualified and quoted, then `(` or nothing.
    let b = e.as_bytes();
    let mut i = 0;
    let mut last;
    loop {
        if i < b.len() && b[i] == b'"' {
            let mut j = i + 1;
            let mut name = String::new();
            while j < b.len() {
                if b[j] == b'"' {
                    if j + 1 < b.len() && b[j + 1] == b'"' {
                        name.push('"');
                        j += 2;
                        continue;
                    }
                    break;
                }
                let ch = e[j..].chars().next()?;
                name.push(ch);
                j += ch.len_utf8();
            }
            last = name;
            i = j + 1;
        } else {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] >= 0x80) {
                i += 1;
            }
            if i == start {
                return None;
            }
            last = e.get(start..i)?.to_ascii_lowercase();
        }
        if i < b.len() && b[i] == b'.' {
            i += 1;
            continue;
        }
        break;
    }
    let rest = e.get(i..)?.trim_start();
    // A bare name, or one call that spans the whole rest (`f(a) + 1` is an
    // operator expression).
    let one_call = rest.starts_with('(') && crate::types::strip_outer_parens(rest) != rest;
    (rest.is_empty() || one_call).then_some(last)
}

fn ref_action(a: IrRefAction) -> RefAction {
    match a {
        IrRefAction::NoAction => RefAction::NoAction,
        IrRefAction::Restrict => RefAction::Restrict,
        IrRefAction::Cascade => RefAction::Cascade,
        IrRefAction::SetNull => RefAction::SetNull,
        IrRefAction::SetDefault => RefAction::SetDefault,
    }
}

fn qual(o: &ObjName) -> QualName {
    QualName {
        schema: truncate_identifier(o.schema.as_deref().unwrap_or(DEFAULT_SCHEMA)),
        name: truncate_identifier(&o.name),
    }
}

/// A name in the schema of `t` (an index or constraint named in a
/// statement about table `t`).
fn migsafe_schema_fk(fk: &ForeignKeySpec, validated: bool) -> crate::model::FkCharacteristics {
    crate::model::FkCharacteristics {
        deferrable: fk.deferrable,
        initially_deferred: fk.initially_deferred,
        validated,
    }
}

fn sibling(t: &QualName, name: &str) -> QualName {
    QualName {
        schema: t.schema.clone(),
        name: truncate_identifier(name),
    }
}

/// True when the column's type is the user-defined type `ty`.
fn uses_type(c: &Column, ty: &QualName) -> bool {
    match c.ty.user_type() {
        Some((schema, name)) => {
            name == ty.name && schema.as_deref().unwrap_or(DEFAULT_SCHEMA) == ty.schema
        }
        None => false,
    }
}

/// Replaces the identifier `from` by `to` in an expression (quoted, or
/// bare when `from` is a plain lower-case name), leaving string literals
/// alone.
fn rename_in_expression(expr: &str, from: &str, to: &str) -> String {
    let bare_ok = from
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    let quoted_to = q(to);
    let to_bare = if to
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        to.to_owned()
    } else {
        quoted_to.clone()
    };
    let b = expr.as_bytes();
    let mut out = String::with_capacity(expr.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'\'' || c == b'"' {
            let start = i;
            i += 1;
            while i < b.len() {
                if b[i] == c {
                    if i + 1 < b.len() && b[i + 1] == c {
                        i += 2;
                        continue;
                    }
                    break;
                }
                i += 1;
            }
            let end = (i + 1).min(b.len());
            let piece = expr.get(start..end).unwrap_or("");
            if c == b'"'
                && piece.len() >= 2
                && piece.ends_with('"')
                && piece
                    .get(1..piece.len() - 1)
                    .is_some_and(|inner| inner.replace("\"\"", "\"") == from)
            {
                out.push_str(&quoted_to);
            } else {
                out.push_str(piece);
            }
            i = end;
            continue;
        }
        if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'$') {
                i += 1;
            }
            let word = expr.get(start..i).unwrap_or("");
            let prev_dot = start > 0 && b[start - 1] == b'.';
            if bare_ok && !prev_dot && word.to_ascii_lowercase() == from {
                out.push_str(&to_bare);
            } else {
                out.push_str(word);
            }
            continue;
        }
        let ch_len = expr[i..].chars().next().map_or(1, char::len_utf8);
        out.push_str(&expr[i..i + ch_len]);
        i += ch_len;
    }
    out
}

/// True when the expression names the column (quoted, or bare for a plain
/// lower-case name).
fn expression_mentions(expr: &str, column: &str) -> bool {
    rename_in_expression(expr, column, "\u{1}") != expr
}

fn same_set(a: &[String], b: &[String]) -> bool {
    a.len() == b.len() && a.iter().all(|x| b.contains(x))
}

impl Replayer {
    /// A replayer on an empty database: the `public` schema and nothing
    /// else.
    pub fn new() -> Self {
        let mut out = Replayed::default();
        out.model.schemas.insert(DEFAULT_SCHEMA.to_owned());
        Self {
            out,
            owned_sequences: HashMap::new(),
            view_refs: HashMap::new(),
            adding_not_valid: false,
            index_options: None,
            other_types: BTreeSet::new(),
            temp_tables: Vec::new(),
            identity_sequences: BTreeSet::new(),
        }
    }

    /// A replayer that starts from an existing model (provenance and issues
    /// empty).
    pub fn from_model(model: SchemaModel) -> Self {
        let mut r = Self::new();
        r.out.model = model;
        r
    }

    /// The model as replayed so far.
    pub fn model(&self) -> &SchemaModel {
        &self.out.model
    }

    /// The issues found so far.
    pub fn issues(&self) -> &[ReplayIssue] {
        &self.out.issues
    }

    /// The model, provenance and issues.
    pub fn finish(mut self) -> Replayed {
        for t in &self.out.opaque_tables {
            if let Some(tab) = self.out.model.tables.get_mut(t) {
                tab.opaque = true;
            }
        }
        crate::canonical::canonicalize(&mut self.out.model);
        self.out
    }

    /// Applies every statement of one migration.
    pub fn apply_migration(&mut self, m: &MigrationInput<'_>) {
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
        for s in m.statements {
            self.out.statements += 1;
            let origin = Origin {
                migration: m.name.to_owned(),
                path: m.path.to_owned(),
                line: s.line,
                column: s.column,
            };
            if let Some(why) = &s.rejected {
                // PostgreSQL's parser rejects it: nothing of it applies.
                self.out.issues.push(ReplayIssue {
                    origin: origin.clone(),
                    operation: s.ops.first().map(|o| o.kind.title()).unwrap_or_default(),
                    message: why.clone(),
                    help: Some("write the statement in PostgreSQL's syntax".to_owned()),
                });
                pos += s.ops.len();
                continue;
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
                let result = match &o.kind {
                    OpKind::ModifyConstraint { table, name } => {
                        let (t, n) = (truncate_identifier(&table.name), truncate_identifier(name));
                        let drop = re_added
                            .iter()
                            .any(|(p, rt, rn)| *p > pos && *rt == t && *rn == n);
                        if drop {
                            self.drop_constraint(&ctx, table, name, true, false, true)
                        } else {
                            self.require_table(table)
                        }
                    }
                    kind => self.apply_op(&ctx, kind),
                };
                if let Err(r) = result
                    && !ctx.guarded
                    && !self.on_missing_tool_table(&o.kind)
                {
                    self.out.issues.push(ReplayIssue {
                        origin: ctx.origin.clone(),
                        operation: ctx.operation.clone(),
                        message: r.message,
                        help: r.help,
                    });
                }
                pos += 1;
            }
        }
        for t in std::mem::take(&mut self.temp_tables) {
            self.out.model.tables.remove(&t);
            self.out.opaque_tables.remove(&t);
        }
    }

    /// The answer of the model to a catalog question of a `DO` block.
    fn probe(&self, p: &migsafe_classify::guard::Probe) -> bool {
        use migsafe_classify::guard::Probe;
        let m = &self.out.model;
        let named = |t: &Table, name: &str, schema: &Option<String>| {
            t.name.name == truncate_identifier(name)
                && schema.as_deref().is_none_or(|s| t.name.schema == s)
        };
        let pk_name = |t: &Table| {
            t.primary_key.as_ref().map(|pk| {
                pk.name
                    .clone()
                    .unwrap_or_else(|| make_object_name(&t.name.name, None, "pkey"))
            })
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

    /// Applies one statement outside any migration bookkeeping (tests,
    /// tools): `origin` says where it is.
    pub fn apply_statement(&mut self, origin: &Origin, s: &Statement) {
        let statements = std::slice::from_ref(s);
        let m = MigrationInput {
            name: &origin.migration,
            path: &origin.path,
            statements,
        };
        let before = self.out.migrations;
        self.apply_migration(&m);
        self.out.migrations = before;
    }

    fn apply_op(&mut self, ctx: &Ctx, kind: &OpKind) -> Outcome {
        use OpKind::*;
        match kind {
            CreateTable {
                table,
                temporary: true,
                ..
            } => {
                // A temporary table lives in the session's own schema and
                // is gone when the migration ends: other statements of the
                // migration may use it, the schema does not keep it.
                let t = qual(table);
                if !self.out.model.tables.contains_key(&t) {
                    self.out
                        .model
                        .tables
                        .insert(t.clone(), Table::new(t.clone()));
                    self.out.opaque_tables.insert(t.clone());
                    self.temp_tables.push(t);
                }
                Ok(())
            }
            CreateTable {
                table,
                if_not_exists,
                columns,
                constraints,
                derived,
                source,
                ..
            } => {
                let derived_columns = match source {
                    Some(s) if *derived => Some(self.source_columns(s)?),
                    _ => None,
                };
                let opaque = *derived && derived_columns.as_ref().is_none_or(|(_, more)| *more);
                let existed = self.relation_exists(&qual(table));
                self.create_table(ctx, table, *if_not_exists, columns, constraints, opaque)?;
                if let Some((cols, _)) = derived_columns.filter(|_| !existed) {
                    let t = qual(table);
                    if let Some(tab) = self.out.model.tables.get_mut(&t) {
                        let names: Vec<String> = cols.iter().map(|c| c.name.clone()).collect();
                        tab.columns.extend(cols);
                        let touch = ctx.touch(Action::Created);
                        let prov = self.table_prov(&t);
                        for n in names {
                            prov.columns.insert(n, touch.clone());
                        }
                    }
                }
                Ok(())
            }
            DropTable {
                tables,
                if_exists,
                cascade,
            } => self.drop_tables(ctx, tables, *if_exists, *cascade),
            RenameTable { table, to } => {
                let from = qual(table);
                let to = sibling(&from, to);
                self.move_table(ctx, &from, to)
            }
            SetTableSchema { table, schema } => {
                let from = qual(table);
                let to = QualName {
                    schema: truncate_identifier(schema),
                    name: from.name.clone(),
                };
                if !self.out.model.schemas.contains(&to.schema) {
                    return refuse(format!("schema {} does not exist", q(&to.schema)));
                }
                self.move_table(ctx, &from, to)
            }
            AddColumn {
                table,
                column,
                if_not_exists,
            } => self.add_column(ctx, table, column, *if_not_exists),
            DropColumn {
                table,
                column,
                if_exists,
                cascade,
            } => self.drop_column(ctx, &qual(table), column, *if_exists, *cascade),
            RenameColumn { table, from, to } => self.rename_column(ctx, table, from, to),
            AlterColumnType {
                table,
                column,
                data_type,
                ..
            } => {
                let views = self.views_using(&qual(table), Some(&truncate_identifier(column)));
                if let Some(v) = views.first() {
                    return refuse(format!(
                        "cannot alter type of a column used by a view or rule (view {} depends on column {})",
                        q(&v.name),
                        q(&truncate_identifier(column))
                    ));
                }
                self.with_column(ctx, table, column, |c| {
                    c.ty = normalize_type(data_type);
                    Ok(())
                })
            }
            SetNotNull { table, column } => self.with_column(ctx, table, column, |c| {
                c.nullable = false;
                Ok(())
            }),
            DropNotNull { table, column } => {
                let t = qual(table);
                let col = truncate_identifier(column);
                if let Some(pk) = self
                    .out
                    .model
                    .tables
                    .get(&t)
                    .and_then(|x| x.primary_key.as_ref())
                    && pk.columns.contains(&col)
                {
                    return refuse_with(
                        format!("column {} is in a primary key", q(&col)),
                        "a primary key column is always NOT NULL; drop the primary key first",
                    );
                }
                self.with_column(ctx, table, column, |c| {
                    if c.identity {
                        return refuse(format!("column {} is an identity column", q(&c.name)));
                    }
                    c.nullable = true;
                    Ok(())
                })
            }
            SetDefault {
                table,
                column,
                default,
            } => self.with_column(ctx, table, column, |c| {
                c.default = column_default(default);
                Ok(())
            }),
            DropDefault { table, column } => self.with_column(ctx, table, column, |c| {
                c.default = None;
                Ok(())
            }),
            AlterColumnOther {
                table,
                column,
                what,
            } => {
                let w = what.to_ascii_uppercase();
                if w.starts_with("ADD GENERATED") {
                    self.with_column(ctx, table, column, |c| {
                        if c.identity {
                            return refuse(format!(
                                "column {} is already an identity column",
                                q(&c.name)
                            ));
                        }
                        c.identity = true;
                        c.nullable = false;
                        Ok(())
                    })?;
                    let t = qual(table);
                    if self
                        .out
                        .model
                        .tables
                        .get(&t)
                        .is_some_and(|x| x.column(&truncate_identifier(column)).is_some())
                    {
                        self.add_identity_sequence(&t, &truncate_identifier(column));
                    }
                    Ok(())
                } else if w.starts_with("DROP IDENTITY") {
                    let t = qual(table);
                    let col = truncate_identifier(column);
                    self.with_column(ctx, table, column, |c| {
                        c.identity = false;
                        Ok(())
                    })?;
                    let owned: Vec<QualName> = self
                        .owned_sequences
                        .iter()
                        .filter(|(s, (ot, oc))| {
                            *ot == t && *oc == col && self.identity_sequences.contains(*s)
                        })
                        .map(|(s, _)| s.clone())
                        .collect();
                    for s in owned {
                        self.drop_owned_sequence(ctx, s);
                    }
                    Ok(())
                } else if w.starts_with("DROP EXPRESSION") {
                    self.with_column(ctx, table, column, |c| {
                        c.generated = None;
                        Ok(())
                    })
                } else {
                    self.with_column(ctx, table, column, |_| Ok(()))
                }
            }
            AddConstraint {
                table,
                constraint,
                not_valid,
            } => {
                let t = qual(table);
                self.require_table(table)?;
                self.adding_not_valid = *not_valid;
                let r = self.add_constraint(ctx, &t, constraint);
                self.adding_not_valid = false;
                r
            }
            DropConstraint {
                table,
                name,
                if_exists,
                cascade,
            } => self.drop_constraint(ctx, table, name, *if_exists, *cascade, false),
            ModifyConstraint { table, .. } => self.require_table(table),
            RenameConstraint { table, from, to } => self.rename_constraint(ctx, table, from, to),
            ValidateConstraint { table, name } => {
                let t = qual(table);
                self.require_table(table)?;
                let n = truncate_identifier(name);
                if self.find_constraint(&t, &n).is_none() {
                    return refuse(format!(
                        "constraint {} of relation {} does not exist",
                        q(&n),
                        q(&t.name)
                    ));
                }
                if let Some(tab) = self.out.model.tables.get_mut(&t) {
                    for f in &mut tab.foreign_keys {
                        if f.name.as_deref() == Some(n.as_str())
                            && let Some(ch) = &mut f.characteristics
                        {
                            ch.validated = true;
                        }
                    }
                    for c in &mut tab.checks {
                        if c.name.as_deref() == Some(n.as_str()) {
                            c.validated = Some(true);
                        }
                    }
                }
                Ok(())
            }
            CreateIndex {
                name,
                table,
                unique,
                if_not_exists,
                columns,
                method,
                predicate,
                include,
                nulls_not_distinct,
                storage,
                ..
            } => {
                self.index_options = Some(IndexOptions {
                    nulls_not_distinct: *nulls_not_distinct,
                    storage: storage.clone(),
                });
                let r = self.create_index(
                    ctx,
                    name.as_deref(),
                    table,
                    *unique,
                    *if_not_exists,
                    columns,
                    method.as_deref(),
                    predicate.as_deref(),
                    include,
                );
                self.index_options = None;
                r
            }
            DropIndex {
                names,
                if_exists,
                cascade,
                ..
            } => {
                let mut result = Ok(());
                for n in names {
                    if let Err(e) = self.drop_index(ctx, n, *if_exists, *cascade) {
                        result = Err(e);
                    }
                }
                result
            }
            RenameIndex { index, to } => self.rename_index(ctx, index, to),
            CreateEnum { name, values } => self.create_enum(ctx, name, values),
            CreateType { name } => {
                let n = qual(name);
                if self.type_exists(&n) {
                    return refuse(format!("type {} already exists", q(&n.name)));
                }
                self.other_types.insert(n);
                Ok(())
            }
            AddEnumValue {
                name,
                value,
                before,
                after,
                if_not_exists,
            } => self.add_enum_value(
                ctx,
                name,
                value,
                before.as_deref(),
                after.as_deref(),
                *if_not_exists,
            ),
            RenameEnumValue { name, from, to } => self.rename_enum_value(ctx, name, from, to),
            RenameType { name, to, .. } => self.rename_type(ctx, name, to),
            DropType {
                names,
                if_exists,
                cascade,
                ..
            } => {
                let mut result = Ok(());
                for n in names {
                    if let Err(e) = self.drop_type(ctx, n, *if_exists, *cascade) {
                        result = Err(e);
                    }
                }
                result
            }
            CreateSchema { name } => {
                let n = truncate_identifier(name);
                if self.out.model.schemas.insert(n.clone()) {
                    self.out
                        .provenance
                        .schemas
                        .insert(n, ctx.touch(Action::Created));
                }
                Ok(())
            }
            DropSchema { names, cascade } => {
                let mut result = Ok(());
                for n in names {
                    if let Err(e) = self.drop_schema(ctx, n, *cascade) {
                        result = Err(e);
                    }
                }
                result
            }
            CreateExtension { name } => {
                if self.out.model.extensions.insert(name.clone()) {
                    self.out
                        .provenance
                        .extensions
                        .insert(name.clone(), ctx.touch(Action::Created));
                }
                Ok(())
            }
            DropExtension { names } => {
                for n in names {
                    if self.out.model.extensions.remove(n) {
                        self.out
                            .provenance
                            .extensions
                            .insert(n.clone(), ctx.touch(Action::Dropped));
                    }
                }
                Ok(())
            }
            CreateView {
                name,
                materialized,
                references,
                ..
            } => {
                let n = qual(name);
                if self.out.model.tables.contains_key(&n) {
                    return refuse(format!("relation {} already exists", q(&n.name)));
                }
                self.view_refs.insert(
                    n.clone(),
                    references.iter().map(|r| truncate_identifier(r)).collect(),
                );
                self.out.model.views.insert(
                    n.clone(),
                    View {
                        name: n.clone(),
                        materialized: *materialized,
                    },
                );
                self.out
                    .provenance
                    .views
                    .insert(n, ctx.touch(Action::Created));
                Ok(())
            }
            DropView { names, .. } => {
                for n in names {
                    let n = qual(n);
                    if self.out.model.views.contains_key(&n) {
                        self.drop_views(ctx, vec![n]);
                    }
                }
                Ok(())
            }
            CreateSequence { name, owned_by } => {
                let n = qual(name);
                if let Some((t, c)) = owned_by {
                    self.require_column(t, c)?;
                }
                if self.out.model.sequences.insert(n.clone()) {
                    self.out
                        .provenance
                        .sequences
                        .insert(n.clone(), ctx.touch(Action::Created));
                }
                if let Some((t, c)) = owned_by {
                    self.owned_sequences
                        .insert(n, (qual(t), truncate_identifier(c)));
                }
                Ok(())
            }
            AlterSequence {
                name,
                rename_to,
                owned_by,
            } => {
                let n = qual(name);
                if !self.out.model.sequences.contains(&n) {
                    return refuse(format!("relation {} does not exist", q(&n.name)));
                }
                if let Some(owner) = owned_by {
                    match owner {
                        Some((t, c)) => {
                            self.require_column(t, c)?;
                            self.owned_sequences
                                .insert(n.clone(), (qual(t), truncate_identifier(c)));
                        }
                        None => {
                            self.owned_sequences.remove(&n);
                        }
                    }
                }
                if let Some(new) = rename_to {
                    let to = sibling(&n, &truncate_identifier(new));
                    self.out.model.sequences.remove(&n);
                    self.out.model.sequences.insert(to.clone());
                    if let Some(owner) = self.owned_sequences.remove(&n) {
                        self.owned_sequences.insert(to.clone(), owner);
                    }
                    self.out
                        .provenance
                        .sequences
                        .insert(n, ctx.touch(Action::Renamed));
                    self.out
                        .provenance
                        .sequences
                        .insert(to, ctx.touch(Action::Renamed));
                }
                Ok(())
            }
            DropSequence { names } => {
                for n in names {
                    let n = qual(n);
                    if self.out.model.sequences.remove(&n) {
                        self.owned_sequences.remove(&n);
                        self.out
                            .provenance
                            .sequences
                            .insert(n, ctx.touch(Action::Dropped));
                    }
                }
                Ok(())
            }
            CreateTrigger { table, .. } => {
                let t = qual(table);
                if self.out.model.tables.contains_key(&t) || self.out.model.views.contains_key(&t) {
                    Ok(())
                } else {
                    refuse(format!("relation {} does not exist", q(&t.name)))
                }
            }
            CreateFunction { .. }
            | DropFunction { .. }
            | DropTrigger { .. }
            | Truncate { .. }
            | Delete { .. }
            | Update { .. }
            | Insert { .. }
            | Select
            | Transaction { .. }
            | Set { .. }
            | Comment
            | Lock { .. }
            | Grant
            | Revoke
            | Maintenance { .. }
            | DoBlock
            | TableSetting { .. }
            | AttachPartition { .. }
            | DetachPartition { .. }
            | Other { .. } => Ok(()),
        }
    }

    // ----- lookups -------------------------------------------------------

    fn require_table(&self, table: &ObjName) -> Outcome {
        let t = qual(table);
        if self.out.model.tables.contains_key(&t) {
            Ok(())
        } else {
            refuse(format!("relation {} does not exist", q(&t.name)))
        }
    }

    /// The views whose query names relation `t` (and `column`, when given),
    /// directly.
    fn views_using(&self, t: &QualName, column: Option<&str>) -> Vec<QualName> {
        let mut v: Vec<QualName> = self
            .view_refs
            .iter()
            .filter(|(view, refs)| {
                *view != t
                    && view.schema == t.schema
                    && refs.contains(&t.name)
                    && column.is_none_or(|c| refs.iter().any(|r| r == c))
            })
            .map(|(view, _)| view.clone())
            .collect();
        v.sort();
        v
    }

    /// Drops views and, transitively, the views built on them.
    fn drop_views(&mut self, ctx: &Ctx, mut pending: Vec<QualName>) {
        while let Some(v) = pending.pop() {
            if self.out.model.views.remove(&v).is_none() {
                continue;
            }
            pending.extend(self.views_using(&v, None));
            self.view_refs.remove(&v);
            self.out
                .provenance
                .views
                .insert(v, ctx.touch(Action::Dropped));
        }
    }

    /// PostgreSQL's answer when views depend on what a statement drops:
    /// without `CASCADE` the statement fails; with it the views go too.
    fn dependent_views(
        &mut self,
        ctx: &Ctx,
        what: &str,
        views: Vec<QualName>,
        cascade: bool,
    ) -> Outcome {
        if views.is_empty() {
            return Ok(());
        }
        if !cascade {
            let list: Vec<String> = views
                .iter()
                .map(|v| format!("view {}", q(&v.name)))
                .collect();
            return refuse_with(
                format!(
                    "cannot drop {what} because other objects depend on it ({})",
                    list.join(", ")
                ),
                "drop the views first, or write `… CASCADE`",
            );
        }
        self.drop_views(ctx, views);
        Ok(())
    }

    /// A rename of a table or column reaches the views that use it
    /// (PostgreSQL keeps them by reference).
    fn rename_in_views(&mut self, table: &str, from: &str, to: &str) {
        for refs in self.view_refs.values_mut() {
            if refs.iter().any(|r| r == table) || table == from {
                for r in refs.iter_mut() {
                    if r == from {
                        *r = to.to_owned();
                    }
                }
            }
        }
    }

    fn require_column(&self, table: &ObjName, column: &str) -> Outcome {
        let t = qual(table);
        let Some(tab) = self.out.model.tables.get(&t) else {
            return refuse(format!("relation {} does not exist", q(&t.name)));
        };
        let c = truncate_identifier(column);
        if tab.column(&c).is_some() || self.out.opaque_tables.contains(&t) {
            Ok(())
        } else {
            refuse(format!(
                "column {} of relation {} does not exist",
                q(&c),
                q(&t.name)
            ))
        }
    }

    fn tables_in<'a>(&'a self, schema: &'a str) -> impl Iterator<Item = &'a Table> + 'a {
        self.out
            .model
            .tables
            .values()
            .filter(move |t| t.name.schema == schema)
    }

    /// A relation (table, view, sequence, index) with this name exists in
    /// the schema.
    fn relation_exists(&self, n: &QualName) -> bool {
        self.out.model.tables.contains_key(n)
            || self.out.model.views.contains_key(n)
            || self.out.model.sequences.contains(n)
            || self.identity_sequences.contains(n)
            || self.tables_in(&n.schema).any(|t| {
                t.indexes.iter().any(|i| i.name == n.name)
                    || t.primary_key
                        .as_ref()
                        .is_some_and(|p| p.name.as_deref() == Some(n.name.as_str()))
            })
    }

    /// A constraint with this name exists somewhere in the schema.
    fn constraint_name_exists(&self, schema: &str, name: &str) -> bool {
        self.tables_in(schema).any(|t| {
            t.primary_key
                .as_ref()
                .is_some_and(|p| p.name.as_deref() == Some(name))
                || t.indexes.iter().any(|i| i.constraint && i.name == name)
                || t.foreign_keys
                    .iter()
                    .any(|f| f.name.as_deref() == Some(name))
                || t.checks.iter().any(|c| c.name.as_deref() == Some(name))
        })
    }

    /// PostgreSQL's `ChooseRelationName`.
    fn choose_relation_name(
        &self,
        table: &QualName,
        name2: Option<&str>,
        label: &str,
        is_constraint: bool,
    ) -> String {
        let mut pass = 0u32;
        loop {
            let l = if pass == 0 {
                label.to_owned()
            } else {
                format!("{label}{pass}")
            };
            let n = make_object_name(&table.name, name2, &l);
            let qn = sibling(table, &n);
            let taken = self.relation_exists(&qn)
                || (is_constraint && self.constraint_name_exists(&table.schema, &n));
            if !taken {
                return n;
            }
            pass += 1;
        }
    }

    /// PostgreSQL's `ChooseConstraintName` (foreign keys, checks).
    fn choose_constraint_name(&self, table: &QualName, name2: Option<&str>, label: &str) -> String {
        let mut pass = 0u32;
        loop {
            let l = if pass == 0 {
                label.to_owned()
            } else {
                format!("{label}{pass}")
            };
            let n = make_object_name(&table.name, name2, &l);
            if !self.constraint_name_exists(&table.schema, &n) {
                return n;
            }
            pass += 1;
        }
    }

    /// A constraint of table `t` by name: what kind it is.
    fn find_constraint(&self, t: &QualName, name: &str) -> Option<ConstraintRef> {
        let table = self.out.model.tables.get(t)?;
        if table
            .primary_key
            .as_ref()
            .is_some_and(|p| p.name.as_deref() == Some(name))
        {
            return Some(ConstraintRef::PrimaryKey);
        }
        if table.indexes.iter().any(|i| i.constraint && i.name == name) {
            return Some(ConstraintRef::Unique);
        }
        if table
            .foreign_keys
            .iter()
            .any(|f| f.name.as_deref() == Some(name))
        {
            return Some(ConstraintRef::ForeignKey);
        }
        if table.checks.iter().any(|c| c.name.as_deref() == Some(name)) {
            return Some(ConstraintRef::Check);
        }
        None
    }

    fn type_exists(&self, n: &QualName) -> bool {
        self.out.model.enums.contains_key(n) || self.other_types.contains(n)
    }

    fn table_prov(&mut self, t: &QualName) -> &mut TableProvenance {
        self.out.provenance.tables.entry(t.clone()).or_default()
    }

    /// Runs `f` on an existing column of an existing table and records the
    /// change.
    fn with_column(
        &mut self,
        ctx: &Ctx,
        table: &ObjName,
        column: &str,
        f: impl FnOnce(&mut Column) -> Outcome,
    ) -> Outcome {
        let t = qual(table);
        let col = truncate_identifier(column);
        let opaque = self.out.opaque_tables.contains(&t);
        let Some(tab) = self.out.model.tables.get_mut(&t) else {
            return refuse(format!("relation {} does not exist", q(&t.name)));
        };
        let Some(c) = tab.column_mut(&col) else {
            if opaque {
                return Ok(());
            }
            return refuse(format!(
                "column {} of relation {} does not exist",
                q(&col),
                q(&t.name)
            ));
        };
        f(c)?;
        self.table_prov(&t)
            .columns
            .insert(col, ctx.touch(Action::Changed));
        Ok(())
    }

    // ----- tables --------------------------------------------------------

    /// The columns a derived table gets from its source, and whether more
    /// than the columns comes with them (`INCLUDING` constraints, indexes,
    /// identity, generated: the table stays opaque).
    fn source_columns(
        &self,
        source: &migsafe_classify::ir::TableSource,
    ) -> Result<(Vec<Column>, bool), Refusal> {
        use migsafe_classify::ir::TableSource;
        let from = match source {
            TableSource::Like { table, .. } => qual(table),
            TableSource::Query { from, .. } => qual(from),
        };
        let Some(src) = self.out.model.tables.get(&from) else {
            if self.out.model.views.contains_key(&from) {
                // A view's columns are not in the model.
                return Ok((Vec::new(), true));
            }
            return Err(Refusal {
                message: format!("relation {} does not exist", q(&from.name)),
                help: None,
            });
        };
        let opaque_src = self.out.opaque_tables.contains(&from);
        match source {
            TableSource::Like {
                defaults,
                including_more,
                ..
            } => {
                let cols = src
                    .columns
                    .iter()
                    .map(|c| Column {
                        default: if *defaults { c.default.clone() } else { None },
                        identity: false,
                        generated: None,
                        ..c.clone()
                    })
                    .collect();
                Ok((cols, *including_more || opaque_src))
            }
            TableSource::Query { columns, .. } => {
                let pick: Vec<Column> = match columns {
                    None => src.columns.clone(),
                    Some(names) => {
                        let mut v = Vec::new();
                        for n in names {
                            match src.column(&truncate_identifier(n)) {
                                Some(c) => v.push(c.clone()),
                                None if opaque_src => return Ok((Vec::new(), true)),
                                None => {
                                    return Err(Refusal {
                                        message: format!("column {} does not exist", q(n)),
                                        help: None,
                                    });
                                }
                            }
                        }
                        v
                    }
                };
                let cols = pick
                    .into_iter()
                    .map(|c| Column {
                        nullable: true,
                        default: None,
                        identity: false,
                        generated: None,
                        ..c
                    })
                    .collect();
                Ok((cols, opaque_src))
            }
        }
    }

    fn create_table(
        &mut self,
        ctx: &Ctx,
        table: &ObjName,
        if_not_exists: bool,
        columns: &[ColumnSpec],
        constraints: &[ConstraintSpec],
        derived: bool,
    ) -> Outcome {
        let t = qual(table);
        if !self.out.model.schemas.contains(&t.schema) {
            return refuse_with(
                format!("schema {} does not exist", q(&t.schema)),
                format!(
                    "create it first: `CREATE SCHEMA IF NOT EXISTS {}`",
                    q(&t.schema)
                ),
            );
        }
        if self.relation_exists(&t) {
            if if_not_exists {
                return Ok(());
            }
            return refuse(format!("relation {} already exists", q(&t.name)));
        }
        self.out
            .model
            .tables
            .insert(t.clone(), Table::new(t.clone()));
        {
            let prov = self.table_prov(&t);
            *prov = TableProvenance {
                table: Some(ctx.touch(Action::Created)),
                ..TableProvenance::default()
            };
        }
        if derived {
            self.out.opaque_tables.insert(t.clone());
        } else {
            self.out.opaque_tables.remove(&t);
        }
        let mut result = Ok(());
        for c in columns {
            let col = truncate_identifier(&c.name);
            if self
                .out
                .model
                .tables
                .get(&t)
                .is_some_and(|x| x.column(&col).is_some())
            {
                result = refuse(format!("column {} specified more than once", q(&col)));
                continue;
            }
            self.push_column(ctx, &t, c);
        }
        // Checks first (PostgreSQL adds them with the table), then keys and
        // unique constraints (their indexes), then foreign keys.
        let mut pending_fks = Vec::new();
        for c in columns {
            if let Some(ch) = &c.check {
                self.add_check(
                    ctx,
                    &t,
                    c.constraint_names.check.as_deref(),
                    ch,
                    Some(&truncate_identifier(&c.name)),
                );
            }
        }
        for c in constraints {
            if let ConstraintKind::Check { expr } = &c.kind {
                self.add_check(ctx, &t, c.name.as_deref(), expr, None);
            }
        }
        for c in columns {
            let col = truncate_identifier(&c.name);
            if c.primary_key {
                let spec = ConstraintSpec {
                    name: c.constraint_names.primary_key.clone(),
                    kind: ConstraintKind::PrimaryKey {
                        columns: vec![col.clone()],
                    },
                };
                if let Err(e) = self.add_constraint(ctx, &t, &spec) {
                    result = Err(e);
                }
            }
        }
        for c in constraints {
            if matches!(c.kind, ConstraintKind::PrimaryKey { .. })
                && let Err(e) = self.add_constraint(ctx, &t, c)
            {
                result = Err(e);
            }
        }
        for c in columns {
            let col = truncate_identifier(&c.name);
            if c.unique {
                let spec = ConstraintSpec {
                    name: c.constraint_names.unique.clone(),
                    kind: ConstraintKind::Unique {
                        columns: vec![col.clone()],
                    },
                };
                if let Err(e) = self.add_constraint(ctx, &t, &spec) {
                    result = Err(e);
                }
            }
            if let Some(fk) = &c.references {
                pending_fks.push(ConstraintSpec {
                    name: c.constraint_names.references.clone(),
                    kind: ConstraintKind::ForeignKey(ForeignKeySpec {
                        columns: vec![col.clone()],
                        ..fk.clone()
                    }),
                });
            }
        }
        for c in constraints {
            match &c.kind {
                ConstraintKind::Unique { .. } => {
                    if let Err(e) = self.add_constraint(ctx, &t, c) {
                        result = Err(e);
                    }
                }
                ConstraintKind::ForeignKey(_) => pending_fks.push(c.clone()),
                _ => {}
            }
        }
        for c in &pending_fks {
            if let Err(e) = self.add_constraint(ctx, &t, c) {
                result = Err(e);
            }
        }
        result
    }

    /// Appends a column (type, nullability, default, serial sequence,
    /// identity) without its inline constraints.
    fn push_column(&mut self, ctx: &Ctx, t: &QualName, c: &ColumnSpec) {
        let name = truncate_identifier(&c.name);
        let mut col = Column::new(name.clone(), normalize_type(&c.data_type));
        col.nullable = !(c.not_null || c.primary_key || c.identity);
        col.identity = c.identity;
        col.generated = c.generated.as_deref().map(normalize_expression);
        if c.identity {
            self.add_identity_sequence(t, &name);
        }
        if is_serial(&c.data_type) {
            let seq_name = self.choose_relation_name(t, Some(&name), "seq", false);
            let seq = sibling(t, &seq_name);
            self.out.model.sequences.insert(seq.clone());
            self.out
                .provenance
                .sequences
                .insert(seq.clone(), ctx.touch(Action::Created));
            self.owned_sequences.insert(seq, (t.clone(), name.clone()));
            col.default = Some(DefaultValue::Sequence);
            col.nullable = false;
        }
        if let Some(d) = &c.default {
            col.default = column_default(d);
        }
        if let Some(tab) = self.out.model.tables.get_mut(t) {
            tab.columns.push(col);
        }
        self.table_prov(t)
            .columns
            .insert(name, ctx.touch(Action::Created));
    }

    /// The sequence behind an identity column: `t_col_seq`, owned by the
    /// column.
    fn add_identity_sequence(&mut self, t: &QualName, column: &str) {
        let seq_name = self.choose_relation_name(t, Some(column), "seq", false);
        let seq = sibling(t, &seq_name);
        self.identity_sequences.insert(seq.clone());
        self.owned_sequences
            .insert(seq, (t.clone(), column.to_owned()));
    }

    /// Drops a sequence owned by a column that goes away.
    fn drop_owned_sequence(&mut self, ctx: &Ctx, s: QualName) {
        self.owned_sequences.remove(&s);
        if self.identity_sequences.remove(&s) {
            return;
        }
        self.out.model.sequences.remove(&s);
        self.out
            .provenance
            .sequences
            .insert(s, ctx.touch(Action::Dropped));
    }

    fn add_column(
        &mut self,
        ctx: &Ctx,
        table: &ObjName,
        column: &ColumnSpec,
        if_not_exists: bool,
    ) -> Outcome {
        let t = qual(table);
        let col = truncate_identifier(&column.name);
        let Some(tab) = self.out.model.tables.get(&t) else {
            return refuse(format!("relation {} does not exist", q(&t.name)));
        };
        if tab.column(&col).is_some() {
            if if_not_exists {
                return Ok(());
            }
            return refuse_with(
                format!(
                    "column {} of relation {} already exists",
                    q(&col),
                    q(&t.name)
                ),
                "write `ADD COLUMN IF NOT EXISTS` if the column may already be there",
            );
        }
        self.push_column(ctx, &t, column);
        let mut result = Ok(());
        let names = &column.constraint_names;
        if let Some(ch) = &column.check {
            self.add_check(ctx, &t, names.check.as_deref(), ch, Some(&col));
        }
        if column.primary_key {
            let spec = ConstraintSpec {
                name: names.primary_key.clone(),
                kind: ConstraintKind::PrimaryKey {
                    columns: vec![col.clone()],
                },
            };
            result = result.and(self.add_constraint(ctx, &t, &spec));
        }
        if column.unique {
            let spec = ConstraintSpec {
                name: names.unique.clone(),
                kind: ConstraintKind::Unique {
                    columns: vec![col.clone()],
                },
            };
            result = result.and(self.add_constraint(ctx, &t, &spec));
        }
        if let Some(fk) = &column.references {
            let spec = ConstraintSpec {
                name: names.references.clone(),
                kind: ConstraintKind::ForeignKey(ForeignKeySpec {
                    columns: vec![col.clone()],
                    ..fk.clone()
                }),
            };
            result = result.and(self.add_constraint(ctx, &t, &spec));
        }
        result
    }

    fn drop_tables(
        &mut self,
        ctx: &Ctx,
        tables: &[ObjName],
        if_exists: bool,
        cascade: bool,
    ) -> Outcome {
        let names: Vec<QualName> = tables.iter().map(qual).collect();
        let mut result = Ok(());
        for t in &names {
            if !self.out.model.tables.contains_key(t) {
                if self.out.model.views.contains_key(t) {
                    result = refuse_with(
                        format!("{} is not a table", q(&t.name)),
                        "use DROP VIEW to drop a view",
                    );
                } else if !if_exists {
                    result = refuse_with(
                        format!("table {} does not exist", q(&t.name)),
                        "write `DROP TABLE IF EXISTS` if the table may already be gone",
                    );
                }
                continue;
            }
            // Foreign keys of other tables that reference it.
            let dependents: Vec<(QualName, String)> = self
                .out
                .model
                .tables
                .values()
                .filter(|o| !names.contains(&o.name))
                .flat_map(|o| {
                    o.foreign_keys
                        .iter()
                        .filter(|f| f.referenced_table == *t)
                        .map(|f| (o.name.clone(), f.name.clone().unwrap_or_default()))
                })
                .collect();
            if !dependents.is_empty() && !cascade {
                let list: Vec<String> = dependents
                    .iter()
                    .map(|(o, f)| format!("constraint {} on table {}", q(f), q(&o.name)))
                    .collect();
                result = refuse_with(
                    format!(
                        "cannot drop table {} because other objects depend on it ({})",
                        q(&t.name),
                        list.join(", ")
                    ),
                    "drop those foreign keys first, or write `DROP TABLE … CASCADE`",
                );
                continue;
            }
            let views = self.views_using(t, None);
            if let Err(e) =
                self.dependent_views(ctx, &format!("table {}", q(&t.name)), views, cascade)
            {
                result = Err(e);
                continue;
            }
            for (o, f) in &dependents {
                self.remove_fk(ctx, o, f);
            }
            self.remove_table(ctx, t);
        }
        result
    }

    fn remove_table(&mut self, ctx: &Ctx, t: &QualName) {
        if let Some(pos) = self.temp_tables.iter().position(|x| x == t) {
            self.temp_tables.remove(pos);
            self.out.model.tables.remove(t);
            self.out.opaque_tables.remove(t);
            return;
        }
        if let Some(tab) = self.out.model.tables.remove(t) {
            let owned: Vec<QualName> = self
                .owned_sequences
                .iter()
                .filter(|(_, (ot, _))| ot == t)
                .map(|(s, _)| s.clone())
                .collect();
            for s in owned {
                self.drop_owned_sequence(ctx, s);
            }
            self.out.opaque_tables.remove(t);
            let dropped = ctx.touch(Action::Dropped);
            let prov = self.table_prov(t);
            prov.table = Some(dropped.clone());
            for c in &tab.columns {
                prov.columns.insert(c.name.clone(), dropped.clone());
            }
            for i in &tab.indexes {
                prov.indexes.insert(i.name.clone(), dropped.clone());
            }
            for f in &tab.foreign_keys {
                if let Some(n) = &f.name {
                    prov.foreign_keys.insert(n.clone(), dropped.clone());
                }
            }
            if tab.primary_key.is_some() {
                prov.primary_key = Some(dropped);
            }
        }
    }

    fn remove_fk(&mut self, ctx: &Ctx, table: &QualName, name: &str) {
        if let Some(tab) = self.out.model.tables.get_mut(table) {
            tab.foreign_keys.retain(|f| f.name.as_deref() != Some(name));
        }
        self.table_prov(table)
            .foreign_keys
            .insert(name.to_owned(), ctx.touch(Action::Dropped));
    }

    /// Renames a table or moves it to another schema.
    fn move_table(&mut self, ctx: &Ctx, from: &QualName, to: QualName) -> Outcome {
        if from == &to {
            return Ok(());
        }
        if !self.out.model.tables.contains_key(from) {
            if let Some(v) = self.out.model.views.remove(from) {
                // `ALTER TABLE … RENAME` works on views too.
                self.out.model.views.insert(
                    to.clone(),
                    View {
                        name: to.clone(),
                        materialized: v.materialized,
                    },
                );
                if let Some(refs) = self.view_refs.remove(from) {
                    self.view_refs.insert(to.clone(), refs);
                }
                self.rename_in_views(&from.name, &from.name, &to.name);
                self.out
                    .provenance
                    .views
                    .insert(to, ctx.touch(Action::Renamed));
                return Ok(());
            }
            return refuse(format!("relation {} does not exist", q(&from.name)));
        }
        if self.relation_exists(&to) {
            return refuse(format!("relation {} already exists", q(&to.name)));
        }
        let Some(mut tab) = self.out.model.tables.remove(from) else {
            return Ok(());
        };
        tab.name = to.clone();
        self.out.model.tables.insert(to.clone(), tab);
        self.rename_in_views(&from.name, &from.name, &to.name);
        for other in self.out.model.tables.values_mut() {
            for f in &mut other.foreign_keys {
                if f.referenced_table == *from {
                    f.referenced_table = to.clone();
                }
            }
        }
        for (_, (t, _)) in self.owned_sequences.iter_mut() {
            if t == from {
                *t = to.clone();
            }
        }
        if self.out.opaque_tables.remove(from) {
            self.out.opaque_tables.insert(to.clone());
        }
        if let Some(tmp) = self.temp_tables.iter_mut().find(|x| *x == from) {
            *tmp = to;
            return Ok(());
        }
        let mut prov = self.out.provenance.tables.remove(from).unwrap_or_default();
        prov.table = Some(ctx.touch(Action::Renamed));
        // The old name is gone: say so, for a schema that still names it.
        self.out.provenance.tables.insert(
            from.clone(),
            TableProvenance {
                table: Some(ctx.touch(Action::Renamed)),
                ..TableProvenance::default()
            },
        );
        self.out.provenance.tables.insert(to, prov);
        Ok(())
    }

    // ----- columns -------------------------------------------------------

    fn drop_column(
        &mut self,
        ctx: &Ctx,
        t: &QualName,
        column: &str,
        if_exists: bool,
        cascade: bool,
    ) -> Outcome {
        let col = truncate_identifier(column);
        let opaque = self.out.opaque_tables.contains(t);
        let Some(tab) = self.out.model.tables.get(t) else {
            return refuse(format!("relation {} does not exist", q(&t.name)));
        };
        if tab.column(&col).is_none() {
            if if_exists || opaque {
                return Ok(());
            }
            return refuse_with(
                format!(
                    "column {} of relation {} does not exist",
                    q(&col),
                    q(&t.name)
                ),
                "write `DROP COLUMN IF EXISTS` if the column may already be gone",
            );
        }
        // Keys of this table that use the column go with it; foreign keys
        // of other tables that reference it need CASCADE.
        let pk_uses = tab
            .primary_key
            .as_ref()
            .is_some_and(|p| p.columns.contains(&col));
        let unique_sets: Vec<Vec<String>> = tab
            .indexes
            .iter()
            .filter(|i| i.unique && i.columns.iter().any(|c| c.expr == col))
            .map(|i| i.columns.iter().map(|c| c.expr.clone()).collect())
            .chain(
                tab.primary_key
                    .iter()
                    .filter(|_| pk_uses)
                    .map(|p| p.columns.clone()),
            )
            .collect();
        let dependents: Vec<(QualName, String)> = self
            .out
            .model
            .tables
            .values()
            .filter(|o| o.name != *t)
            .flat_map(|o| {
                o.foreign_keys
                    .iter()
                    .filter(|f| {
                        f.referenced_table == *t
                            && (f.referenced_columns.contains(&col)
                                || unique_sets
                                    .iter()
                                    .any(|s| same_set(s, &f.referenced_columns)))
                    })
                    .map(|f| (o.name.clone(), f.name.clone().unwrap_or_default()))
            })
            .collect();
        if !dependents.is_empty() && !cascade {
            let list: Vec<String> = dependents
                .iter()
                .map(|(o, f)| format!("constraint {} on table {}", q(f), q(&o.name)))
                .collect();
            return refuse_with(
                format!(
                    "cannot drop column {} of table {} because other objects depend on it ({})",
                    q(&col),
                    q(&t.name),
                    list.join(", ")
                ),
                "drop those foreign keys first, or write `DROP COLUMN … CASCADE`",
            );
        }
        // Generated columns computed from it.
        let generated: Vec<String> = self
            .out
            .model
            .tables
            .get(t)
            .map(|tab| {
                tab.columns
                    .iter()
                    .filter(|c| {
                        c.name != col
                            && c.generated
                                .as_deref()
                                .is_some_and(|g| expression_mentions(g, &col))
                    })
                    .map(|c| c.name.clone())
                    .collect()
            })
            .unwrap_or_default();
        if let Some(g) = generated.first()
            && !cascade
        {
            return refuse_with(
                format!(
                    "cannot drop column {} of table {} because other objects depend on it (column {} depends on column {})",
                    q(&col),
                    q(&t.name),
                    q(g),
                    q(&col)
                ),
                "drop the generated column first, or write `DROP COLUMN … CASCADE`",
            );
        }
        let views = self.views_using(t, Some(&col));
        self.dependent_views(
            ctx,
            &format!("column {} of table {}", q(&col), q(&t.name)),
            views,
            cascade,
        )?;
        for g in generated {
            self.drop_column(ctx, t, &g, true, true)?;
        }
        for (o, f) in &dependents {
            self.remove_fk(ctx, o, f);
        }
        let dropped = ctx.touch(Action::Dropped);
        let mut gone_indexes = Vec::new();
        let mut gone_fks = Vec::new();
        let mut gone_checks = Vec::new();
        let mut pk_gone = false;
        if let Some(tab) = self.out.model.tables.get_mut(t) {
            tab.columns.retain(|c| c.name != col);
            if pk_uses {
                tab.primary_key = None;
                pk_gone = true;
            }
            tab.indexes.retain(|i| {
                let uses = i.columns.iter().any(|c| {
                    c.expr == col || (c.expr.contains('(') && expression_mentions(&c.expr, &col))
                }) || i.include.contains(&col)
                    || i.predicate
                        .as_deref()
                        .is_some_and(|p| expression_mentions(p, &col));
                if uses {
                    gone_indexes.push(i.name.clone());
                }
                !uses
            });
            tab.foreign_keys.retain(|f| {
                let uses = f.columns.contains(&col)
                    || (f.referenced_table == *t && f.referenced_columns.contains(&col));
                if uses {
                    gone_fks.push(f.name.clone().unwrap_or_default());
                }
                !uses
            });
            tab.checks.retain(|c| {
                let uses = expression_mentions(&c.expr, &col);
                if uses {
                    gone_checks.push(c.name.clone().unwrap_or_default());
                }
                !uses
            });
        }
        let owned: Vec<QualName> = self
            .owned_sequences
            .iter()
            .filter(|(_, (ot, oc))| ot == t && *oc == col)
            .map(|(s, _)| s.clone())
            .collect();
        for s in owned {
            self.drop_owned_sequence(ctx, s);
        }
        let prov = self.table_prov(t);
        prov.columns.insert(col, dropped.clone());
        for i in gone_indexes {
            prov.indexes.insert(i, dropped.clone());
        }
        for f in gone_fks {
            prov.foreign_keys.insert(f, dropped.clone());
        }
        for c in gone_checks {
            prov.checks.insert(c, dropped.clone());
        }
        if pk_gone {
            prov.primary_key = Some(dropped);
        }
        Ok(())
    }

    fn rename_column(&mut self, ctx: &Ctx, table: &ObjName, from: &str, to: &str) -> Outcome {
        let t = qual(table);
        let from = truncate_identifier(from);
        let to = truncate_identifier(to);
        let opaque = self.out.opaque_tables.contains(&t);
        let Some(tab) = self.out.model.tables.get_mut(&t) else {
            return refuse(format!("relation {} does not exist", q(&t.name)));
        };
        if tab.column(&from).is_none() {
            if opaque {
                return Ok(());
            }
            return refuse(format!(
                "column {} of relation {} does not exist",
                q(&from),
                q(&t.name)
            ));
        }
        if tab.column(&to).is_some() {
            return refuse(format!(
                "column {} of relation {} already exists",
                q(&to),
                q(&t.name)
            ));
        }
        let table_name = t.name.clone();
        let rn = |c: &mut String| {
            if *c == from {
                c.clone_from(&to);
            }
        };
        for c in &mut tab.columns {
            rn(&mut c.name);
            if let Some(g) = &mut c.generated {
                *g = normalize_expression(&rename_in_expression(g, &from, &to));
            }
        }
        if let Some(pk) = &mut tab.primary_key {
            pk.columns.iter_mut().for_each(rn);
        }
        for i in &mut tab.indexes {
            for c in &mut i.columns {
                if c.expr == from {
                    c.expr.clone_from(&to);
                } else if c.expr.contains('(') {
                    c.expr = normalize_expression(&rename_in_expression(&c.expr, &from, &to));
                }
            }
            i.include.iter_mut().for_each(rn);
            if let Some(p) = &mut i.predicate {
                *p = normalize_expression(&rename_in_expression(p, &from, &to));
            }
        }
        for f in &mut tab.foreign_keys {
            f.columns.iter_mut().for_each(rn);
        }
        for c in &mut tab.checks {
            c.expr = normalize_expression(&rename_in_expression(&c.expr, &from, &to));
        }
        for other in self.out.model.tables.values_mut() {
            for f in &mut other.foreign_keys {
                if f.referenced_table == t {
                    f.referenced_columns.iter_mut().for_each(rn);
                }
            }
        }
        for (_, (ot, oc)) in self.owned_sequences.iter_mut() {
            if *ot == t && *oc == from {
                oc.clone_from(&to);
            }
        }
        self.rename_in_views(&table_name, &from, &to);
        let renamed = ctx.touch(Action::Renamed);
        let prov = self.table_prov(&t);
        prov.columns.remove(&from);
        prov.columns.insert(from, renamed.clone());
        prov.columns.insert(to, renamed);
        Ok(())
    }

    // ----- constraints ---------------------------------------------------

    fn add_check(
        &mut self,
        ctx: &Ctx,
        t: &QualName,
        name: Option<&str>,
        expr: &str,
        column: Option<&str>,
    ) {
        let name = match name {
            Some(n) => truncate_identifier(n),
            None => {
                let col = column.map(str::to_owned).or_else(|| {
                    let tab = self.out.model.tables.get(t)?;
                    let used: Vec<&Column> = tab
                        .columns
                        .iter()
                        .filter(|c| expression_mentions(expr, &c.name))
                        .collect();
                    match used.as_slice() {
                        [one] => Some(one.name.clone()),
                        _ => None,
                    }
                });
                self.choose_constraint_name(t, col.as_deref(), "check")
            }
        };
        if let Some(tab) = self.out.model.tables.get_mut(t) {
            tab.checks.push(CheckConstraint {
                name: Some(name.clone()),
                expr: normalize_expression(expr),
                validated: Some(!self.adding_not_valid),
            });
        }
        self.table_prov(t)
            .checks
            .insert(name, ctx.touch(Action::Created));
    }

    fn missing_columns(&self, t: &QualName, cols: &[String]) -> Option<String> {
        let tab = self.out.model.tables.get(t)?;
        if self.out.opaque_tables.contains(t) {
            return None;
        }
        cols.iter().find(|c| tab.column(c).is_none()).cloned()
    }

    fn add_constraint(&mut self, ctx: &Ctx, t: &QualName, c: &ConstraintSpec) -> Outcome {
        let given = c.name.as_deref().map(truncate_identifier);
        if let Some(n) = &given
            && self.find_constraint(t, n).is_some()
        {
            return refuse(format!(
                "constraint {} for relation {} already exists",
                q(n),
                q(&t.name)
            ));
        }
        match &c.kind {
            ConstraintKind::PrimaryKey { columns } => {
                let cols: Vec<String> = columns.iter().map(|c| truncate_identifier(c)).collect();
                if self
                    .out
                    .model
                    .tables
                    .get(t)
                    .is_some_and(|x| x.primary_key.is_some())
                {
                    return refuse(format!(
                        "multiple primary keys for table {} are not allowed",
                        q(&t.name)
                    ));
                }
                if let Some(m) = self.missing_columns(t, &cols) {
                    return refuse(format!("column {} named in key does not exist", q(&m)));
                }
                let name = match given {
                    Some(n) => {
                        if self.relation_exists(&sibling(t, &n)) {
                            return refuse(format!("relation {} already exists", q(&n)));
                        }
                        n
                    }
                    None => self.choose_relation_name(t, None, "pkey", true),
                };
                if let Some(tab) = self.out.model.tables.get_mut(t) {
                    for col in &mut tab.columns {
                        if cols.contains(&col.name) {
                            col.nullable = false;
                        }
                    }
                    tab.primary_key = Some(PrimaryKey {
                        name: Some(name),
                        columns: cols,
                    });
                }
                self.table_prov(t).primary_key = Some(ctx.touch(Action::Created));
                Ok(())
            }
            ConstraintKind::Unique { columns } => {
                let cols: Vec<String> = columns.iter().map(|c| truncate_identifier(c)).collect();
                if let Some(m) = self.missing_columns(t, &cols) {
                    return refuse(format!("column {} named in key does not exist", q(&m)));
                }
                let name = match given {
                    Some(n) => {
                        if self.relation_exists(&sibling(t, &n)) {
                            return refuse(format!("relation {} already exists", q(&n)));
                        }
                        n
                    }
                    None => {
                        let addition = name_addition(&cols);
                        self.choose_relation_name(t, Some(&addition), "key", true)
                    }
                };
                if let Some(tab) = self.out.model.tables.get_mut(t) {
                    tab.indexes.push(Index {
                        name: name.clone(),
                        columns: cols.into_iter().map(IndexColumn::column).collect(),
                        unique: true,
                        constraint: true,
                        method: None,
                        predicate: None,
                        include: Vec::new(),
                        // `UNIQUE NULLS NOT DISTINCT` constraints are not
                        // read yet: not compared.
                        options: None,
                    });
                }
                self.table_prov(t)
                    .indexes
                    .insert(name, ctx.touch(Action::Created));
                Ok(())
            }
            ConstraintKind::UsingIndex { primary, index } => {
                let idx = truncate_identifier(index);
                let Some(tab) = self.out.model.tables.get(t) else {
                    return refuse(format!("relation {} does not exist", q(&t.name)));
                };
                let Some(i) = tab.index(&idx) else {
                    return refuse(format!(
                        "index {} does not exist on table {}",
                        q(&idx),
                        q(&t.name)
                    ));
                };
                if !i.unique {
                    return refuse(format!("{} is not a unique index", q(&idx)));
                }
                if i.constraint {
                    return refuse(format!(
                        "index {} is already associated with a constraint",
                        q(&idx)
                    ));
                }
                if *primary && tab.primary_key.is_some() {
                    return refuse(format!(
                        "multiple primary keys for table {} are not allowed",
                        q(&t.name)
                    ));
                }
                let name = given.unwrap_or_else(|| idx.clone());
                if name != idx && self.relation_exists(&sibling(t, &name)) {
                    return refuse(format!("relation {} already exists", q(&name)));
                }
                let touch = ctx.touch(Action::Created);
                let renamed = ctx.touch(Action::Renamed);
                let Some(tab) = self.out.model.tables.get_mut(t) else {
                    return Ok(());
                };
                if *primary {
                    let Some(pos) = tab.indexes.iter().position(|i| i.name == idx) else {
                        return Ok(());
                    };
                    let i = tab.indexes.remove(pos);
                    let cols: Vec<String> = i.columns.into_iter().map(|c| c.expr).collect();
                    for col in &mut tab.columns {
                        if cols.contains(&col.name) {
                            col.nullable = false;
                        }
                    }
                    tab.primary_key = Some(PrimaryKey {
                        name: Some(name),
                        columns: cols,
                    });
                    let prov = self.table_prov(t);
                    prov.primary_key = Some(touch);
                    prov.indexes.insert(idx, renamed);
                } else {
                    if let Some(i) = tab.indexes.iter_mut().find(|i| i.name == idx) {
                        i.constraint = true;
                        i.name.clone_from(&name);
                    }
                    let prov = self.table_prov(t);
                    if name != idx {
                        prov.indexes.insert(idx, renamed);
                    }
                    prov.indexes.insert(name, touch);
                }
                Ok(())
            }
            ConstraintKind::ForeignKey(fk) => self.add_foreign_key(ctx, t, given, fk),
            ConstraintKind::Check { expr } => {
                self.add_check(ctx, t, given.as_deref(), expr, None);
                Ok(())
            }
            ConstraintKind::Exclude => Ok(()),
        }
    }

    fn add_foreign_key(
        &mut self,
        ctx: &Ctx,
        t: &QualName,
        given: Option<String>,
        fk: &ForeignKeySpec,
    ) -> Outcome {
        let cols: Vec<String> = fk.columns.iter().map(|c| truncate_identifier(c)).collect();
        let target = qual(&fk.table);
        if self.temp_tables.contains(&target) && !self.temp_tables.contains(t) {
            return refuse("constraints on permanent tables may reference only permanent tables");
        }
        let Some(rt) = self.out.model.tables.get(&target) else {
            return refuse(format!(
                "relation {} does not exist (referenced by a foreign key of {})",
                q(&target.name),
                q(&t.name)
            ));
        };
        let ref_cols: Vec<String> = if fk.referenced_columns.is_empty() {
            match &rt.primary_key {
                Some(pk) => pk.columns.clone(),
                None => {
                    return refuse(format!(
                        "there is no primary key for referenced table {}",
                        q(&target.name)
                    ));
                }
            }
        } else {
            fk.referenced_columns
                .iter()
                .map(|c| truncate_identifier(c))
                .collect()
        };
        if let Some(m) = self.missing_columns(t, &cols) {
            return refuse(format!(
                "column {} referenced in foreign key constraint does not exist",
                q(&m)
            ));
        }
        if let Some(m) = self.missing_columns(&target, &ref_cols) {
            return refuse(format!(
                "column {} referenced in foreign key constraint does not exist",
                q(&m)
            ));
        }
        if cols.len() != ref_cols.len() {
            return refuse("number of referencing and referenced columns for foreign key disagree");
        }
        let opaque_target = self.out.opaque_tables.contains(&target);
        let keyed = rt
            .primary_key
            .as_ref()
            .is_some_and(|p| same_set(&p.columns, &ref_cols))
            || rt.indexes.iter().any(|i| {
                i.unique
                    && i.predicate.is_none()
                    && same_set(
                        &i.columns.iter().map(|c| c.expr.clone()).collect::<Vec<_>>(),
                        &ref_cols,
                    )
            });
        if !keyed && !opaque_target {
            return refuse_with(
                format!(
                    "there is no unique constraint matching given keys for referenced table {}",
                    q(&target.name)
                ),
                format!(
                    "add a primary key or unique index on {}({}) before the foreign key",
                    q(&target.name),
                    ref_cols.iter().map(|c| q(c)).collect::<Vec<_>>().join(", ")
                ),
            );
        }
        let name = match given {
            Some(n) => n,
            None => {
                let addition = name_addition(&cols);
                self.choose_constraint_name(t, Some(&addition), "fkey")
            }
        };
        if let Some(tab) = self.out.model.tables.get_mut(t) {
            tab.foreign_keys.push(ForeignKey {
                name: Some(name.clone()),
                columns: cols,
                referenced_table: target,
                referenced_columns: ref_cols,
                on_delete: ref_action(fk.on_delete),
                on_update: ref_action(fk.on_update),
                characteristics: Some(migsafe_schema_fk(fk, !self.adding_not_valid)),
            });
        }
        self.table_prov(t)
            .foreign_keys
            .insert(name, ctx.touch(Action::Created));
        Ok(())
    }

    /// Foreign keys of any table that depend on a unique key of `t` with
    /// these columns, when no other key of `t` (other than `except`) can
    /// serve them.
    fn fks_depending_on_key(
        &self,
        t: &QualName,
        cols: &[String],
        except: &str,
    ) -> Vec<(QualName, String)> {
        let Some(tab) = self.out.model.tables.get(t) else {
            return Vec::new();
        };
        let alternative = tab
            .primary_key
            .as_ref()
            .is_some_and(|p| p.name.as_deref() != Some(except) && same_set(&p.columns, cols))
            || tab.indexes.iter().any(|i| {
                i.name != except
                    && i.unique
                    && i.predicate.is_none()
                    && same_set(
                        &i.columns.iter().map(|c| c.expr.clone()).collect::<Vec<_>>(),
                        cols,
                    )
            });
        if alternative {
            return Vec::new();
        }
        self.out
            .model
            .tables
            .values()
            .flat_map(|o| {
                o.foreign_keys
                    .iter()
                    .filter(|f| f.referenced_table == *t && same_set(&f.referenced_columns, cols))
                    .map(|f| (o.name.clone(), f.name.clone().unwrap_or_default()))
            })
            .collect()
    }

    fn drop_constraint(
        &mut self,
        ctx: &Ctx,
        table: &ObjName,
        name: &str,
        if_exists: bool,
        cascade: bool,
        keep_dependents: bool,
    ) -> Outcome {
        let t = qual(table);
        let n = truncate_identifier(name);
        if !self.out.model.tables.contains_key(&t) {
            return refuse(format!("relation {} does not exist", q(&t.name)));
        }
        let Some(kind) = self.find_constraint(&t, &n) else {
            if if_exists {
                return Ok(());
            }
            let is_index = self
                .out
                .model
                .tables
                .get(&t)
                .is_some_and(|x| x.index(&n).is_some());
            return Err(Refusal {
                message: format!(
                    "constraint {} of relation {} does not exist",
                    q(&n),
                    q(&t.name)
                ),
                help: Some(if is_index {
                    format!(
                        "{} is an index, not a constraint: drop it with `DROP INDEX {}`",
                        q(&n),
                        q(&n)
                    )
                } else {
                    "write `DROP CONSTRAINT IF EXISTS` if the constraint may already be gone"
                        .to_owned()
                }),
            });
        };
        if matches!(kind, ConstraintRef::PrimaryKey | ConstraintRef::Unique) && !keep_dependents {
            let cols = self.key_columns(&t, &n);
            let deps = self.fks_depending_on_key(&t, &cols, &n);
            if !deps.is_empty() && !cascade {
                return refuse_with(
                    format!(
                        "cannot drop constraint {} on table {} because other objects depend on it ({})",
                        q(&n),
                        q(&t.name),
                        deps.iter()
                            .map(|(o, f)| format!("constraint {} on table {}", q(f), q(&o.name)))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    "drop those foreign keys first, or write `DROP CONSTRAINT … CASCADE`",
                );
            }
            for (o, f) in &deps {
                self.remove_fk(ctx, o, f);
            }
        }
        let dropped = ctx.touch(Action::Dropped);
        if let Some(tab) = self.out.model.tables.get_mut(&t) {
            match kind {
                ConstraintRef::PrimaryKey => tab.primary_key = None,
                ConstraintRef::Unique => tab.indexes.retain(|i| i.name != n),
                ConstraintRef::ForeignKey => {
                    tab.foreign_keys.retain(|f| f.name.as_deref() != Some(&n));
                }
                ConstraintRef::Check => tab.checks.retain(|c| c.name.as_deref() != Some(&n)),
            }
        }
        let prov = self.table_prov(&t);
        match kind {
            ConstraintRef::PrimaryKey => prov.primary_key = Some(dropped),
            ConstraintRef::Unique => {
                prov.indexes.insert(n, dropped);
            }
            ConstraintRef::ForeignKey => {
                prov.foreign_keys.insert(n, dropped);
            }
            ConstraintRef::Check => {
                prov.checks.insert(n, dropped);
            }
        }
        Ok(())
    }

    /// The columns of the primary key or unique index named `n`.
    fn key_columns(&self, t: &QualName, n: &str) -> Vec<String> {
        let Some(tab) = self.out.model.tables.get(t) else {
            return Vec::new();
        };
        if let Some(pk) = &tab.primary_key
            && pk.name.as_deref() == Some(n)
        {
            return pk.columns.clone();
        }
        tab.index(n)
            .map(|i| i.columns.iter().map(|c| c.expr.clone()).collect())
            .unwrap_or_default()
    }

    fn rename_constraint(&mut self, ctx: &Ctx, table: &ObjName, from: &str, to: &str) -> Outcome {
        let t = qual(table);
        let from = truncate_identifier(from);
        let to = truncate_identifier(to);
        self.require_table(table)?;
        let Some(kind) = self.find_constraint(&t, &from) else {
            return refuse(format!(
                "constraint {} for table {} does not exist",
                q(&from),
                q(&t.name)
            ));
        };
        if self.find_constraint(&t, &to).is_some() {
            return refuse(format!(
                "constraint {} for relation {} already exists",
                q(&to),
                q(&t.name)
            ));
        }
        if matches!(kind, ConstraintRef::PrimaryKey | ConstraintRef::Unique)
            && self.relation_exists(&sibling(&t, &to))
        {
            return refuse(format!("relation {} already exists", q(&to)));
        }
        let renamed = ctx.touch(Action::Renamed);
        if let Some(tab) = self.out.model.tables.get_mut(&t) {
            match kind {
                ConstraintRef::PrimaryKey => {
                    if let Some(pk) = &mut tab.primary_key {
                        pk.name = Some(to.clone());
                    }
                }
                ConstraintRef::Unique => {
                    if let Some(i) = tab.indexes.iter_mut().find(|i| i.name == from) {
                        i.name.clone_from(&to);
                    }
                }
                ConstraintRef::ForeignKey => {
                    if let Some(f) = tab
                        .foreign_keys
                        .iter_mut()
                        .find(|f| f.name.as_deref() == Some(&from))
                    {
                        f.name = Some(to.clone());
                    }
                }
                ConstraintRef::Check => {
                    if let Some(c) = tab
                        .checks
                        .iter_mut()
                        .find(|c| c.name.as_deref() == Some(&from))
                    {
                        c.name = Some(to.clone());
                    }
                }
            }
        }
        let prov = self.table_prov(&t);
        match kind {
            ConstraintRef::PrimaryKey => prov.primary_key = Some(renamed),
            ConstraintRef::Unique => {
                prov.indexes.insert(from, renamed.clone());
                prov.indexes.insert(to, renamed);
            }
            ConstraintRef::ForeignKey => {
                prov.foreign_keys.insert(from, renamed.clone());
                prov.foreign_keys.insert(to, renamed);
            }
            ConstraintRef::Check => {
                prov.checks.insert(from, renamed.clone());
                prov.checks.insert(to, renamed);
            }
        }
        Ok(())
    }

    // ----- indexes -------------------------------------------------------

    #[allow(clippy::too_many_arguments)]
    fn create_index(
        &mut self,
        ctx: &Ctx,
        name: Option<&str>,
        table: &ObjName,
        unique: bool,
        if_not_exists: bool,
        columns: &[IndexColumnSpec],
        method: Option<&str>,
        predicate: Option<&str>,
        include: &[String],
    ) -> Outcome {
        let t = qual(table);
        let Some(tab) = self.out.model.tables.get(&t) else {
            if self.out.model.views.contains_key(&t) {
                // An index on a materialized view: not part of the model.
                return Ok(());
            }
            return refuse(format!("relation {} does not exist", q(&t.name)));
        };
        let opaque = self.out.opaque_tables.contains(&t);
        let cols: Vec<IndexColumn> = columns
            .iter()
            .map(|c| {
                let plain = truncate_identifier(&c.expr);
                let expr = if tab.column(&plain).is_some() || !looks_like_expression(&c.expr) {
                    plain
                } else {
                    normalize_expression(&c.expr)
                };
                IndexColumn {
                    expr,
                    descending: c.descending,
                    opclass: c.opclass.as_deref().map(|o| o.to_ascii_lowercase()),
                }
            })
            .collect();
        let include: Vec<String> = include.iter().map(|c| truncate_identifier(c)).collect();
        if !opaque
            && let Some(m) = cols
                .iter()
                .filter(|c| !looks_like_expression(&c.expr))
                .map(|c| &c.expr)
                .chain(include.iter())
                .find(|c| tab.column(c).is_none())
        {
            return refuse(format!("column {} does not exist", q(m)));
        }
        let name = match name {
            Some(n) => {
                let n = truncate_identifier(n);
                if self.relation_exists(&sibling(&t, &n)) {
                    if if_not_exists {
                        return Ok(());
                    }
                    return refuse_with(
                        format!("relation {} already exists", q(&n)),
                        "write `CREATE INDEX IF NOT EXISTS` if the index may already be there",
                    );
                }
                n
            }
            None => {
                let names = index_column_names(&cols, &include, tab);
                let addition = name_addition(&names);
                self.choose_relation_name(&t, Some(&addition), "idx", false)
            }
        };
        let method = method
            .map(|m| m.trim().to_ascii_lowercase())
            .filter(|m| m != "btree");
        if let Some(tab) = self.out.model.tables.get_mut(&t) {
            tab.indexes.push(Index {
                name: name.clone(),
                columns: cols,
                unique,
                constraint: false,
                method,
                predicate: predicate
                    .map(|p| normalize_expression(crate::types::strip_outer_parens(p))),
                include,
                options: self.index_options.clone(),
            });
        }
        self.table_prov(&t)
            .indexes
            .insert(name, ctx.touch(Action::Created));
        Ok(())
    }

    /// The table that owns the index (or primary key index) `n`.
    fn index_owner(&self, n: &QualName) -> Option<(QualName, bool)> {
        self.tables_in(&n.schema).find_map(|t| {
            if t.index(&n.name).is_some() {
                Some((t.name.clone(), false))
            } else if t
                .primary_key
                .as_ref()
                .is_some_and(|p| p.name.as_deref() == Some(n.name.as_str()))
            {
                Some((t.name.clone(), true))
            } else {
                None
            }
        })
    }

    fn drop_index(
        &mut self,
        ctx: &Ctx,
        index: &ObjName,
        if_exists: bool,
        cascade: bool,
    ) -> Outcome {
        let n = qual(index);
        let Some((t, is_pk)) = self.index_owner(&n) else {
            if if_exists {
                return Ok(());
            }
            return refuse_with(
                format!("index {} does not exist", q(&n.name)),
                "write `DROP INDEX IF EXISTS` if the index may already be gone",
            );
        };
        let is_constraint = is_pk
            || self
                .out
                .model
                .tables
                .get(&t)
                .and_then(|x| x.index(&n.name))
                .is_some_and(|i| i.constraint);
        let table_obj = ObjName::qualified(Some(t.schema.clone()), t.name.clone());
        if is_constraint {
            if cascade {
                return self.drop_constraint(ctx, &table_obj, &n.name, false, true, false);
            }
            return refuse_with(
                format!(
                    "cannot drop index {} because constraint {} on table {} requires it",
                    q(&n.name),
                    q(&n.name),
                    q(&t.name)
                ),
                format!(
                    "drop the constraint instead: `ALTER TABLE {} DROP CONSTRAINT {}`",
                    q(&t.name),
                    q(&n.name)
                ),
            );
        }
        let cols = self.key_columns(&t, &n.name);
        let is_unique = self
            .out
            .model
            .tables
            .get(&t)
            .and_then(|x| x.index(&n.name))
            .is_some_and(|i| i.unique);
        if is_unique {
            let deps = self.fks_depending_on_key(&t, &cols, &n.name);
            if !deps.is_empty() && !cascade {
                return refuse_with(
                    format!(
                        "cannot drop index {} because other objects depend on it ({})",
                        q(&n.name),
                        deps.iter()
                            .map(|(o, f)| format!("constraint {} on table {}", q(f), q(&o.name)))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    "drop those foreign keys first, or write `DROP INDEX … CASCADE`",
                );
            }
            for (o, f) in &deps {
                self.remove_fk(ctx, o, f);
            }
        }
        if let Some(tab) = self.out.model.tables.get_mut(&t) {
            tab.indexes.retain(|i| i.name != n.name);
        }
        self.table_prov(&t)
            .indexes
            .insert(n.name, ctx.touch(Action::Dropped));
        Ok(())
    }

    fn rename_index(&mut self, ctx: &Ctx, index: &ObjName, to: &str) -> Outcome {
        let n = qual(index);
        let to = truncate_identifier(to);
        let Some((t, is_pk)) = self.index_owner(&n) else {
            return refuse(format!("relation {} does not exist", q(&n.name)));
        };
        if self.relation_exists(&sibling(&t, &to)) {
            return refuse(format!("relation {} already exists", q(&to)));
        }
        let renamed = ctx.touch(Action::Renamed);
        if let Some(tab) = self.out.model.tables.get_mut(&t) {
            if is_pk {
                if let Some(pk) = &mut tab.primary_key {
                    pk.name = Some(to.clone());
                }
            } else if let Some(i) = tab.indexes.iter_mut().find(|i| i.name == n.name) {
                i.name.clone_from(&to);
            }
        }
        let prov = self.table_prov(&t);
        if is_pk {
            prov.primary_key = Some(renamed);
        } else {
            prov.indexes.insert(n.name, renamed.clone());
            prov.indexes.insert(to, renamed);
        }
        Ok(())
    }

    // ----- types ---------------------------------------------------------

    fn create_enum(&mut self, ctx: &Ctx, name: &ObjName, values: &[String]) -> Outcome {
        let n = qual(name);
        if !self.out.model.schemas.contains(&n.schema) {
            return refuse(format!("schema {} does not exist", q(&n.schema)));
        }
        if self.type_exists(&n) || self.out.model.tables.contains_key(&n) {
            return refuse(format!("type {} already exists", q(&n.name)));
        }
        let mut vals: Vec<String> = Vec::new();
        for v in values {
            if vals.contains(v) {
                return refuse(format!("enum label {} used more than once", sql_lit(v)));
            }
            vals.push(v.clone());
        }
        let touch = ctx.touch(Action::Created);
        self.out.provenance.enums.insert(
            n.clone(),
            EnumProvenance {
                enum_type: Some(touch.clone()),
                values: vals.iter().map(|v| (v.clone(), touch.clone())).collect(),
            },
        );
        self.out.model.enums.insert(
            n.clone(),
            EnumType {
                name: n,
                values: vals,
            },
        );
        Ok(())
    }

    fn add_enum_value(
        &mut self,
        ctx: &Ctx,
        name: &ObjName,
        value: &str,
        before: Option<&str>,
        after: Option<&str>,
        if_not_exists: bool,
    ) -> Outcome {
        let n = qual(name);
        let Some(e) = self.out.model.enums.get_mut(&n) else {
            return refuse(format!("type {} does not exist", q(&n.name)));
        };
        if e.values.iter().any(|v| v == value) {
            if if_not_exists {
                return Ok(());
            }
            return refuse_with(
                format!("enum label {} already exists", sql_lit(value)),
                "write `ADD VALUE IF NOT EXISTS` if the value may already be there",
            );
        }
        let pos = match (before, after) {
            (Some(b), _) => match e.values.iter().position(|v| v == b) {
                Some(p) => p,
                None => return refuse(format!("{} is not an existing enum label", sql_lit(b))),
            },
            (None, Some(a)) => match e.values.iter().position(|v| v == a) {
                Some(p) => p + 1,
                None => return refuse(format!("{} is not an existing enum label", sql_lit(a))),
            },
            (None, None) => e.values.len(),
        };
        e.values.insert(pos, value.to_owned());
        let prov = self.out.provenance.enums.entry(n).or_default();
        prov.values
            .insert(value.to_owned(), ctx.touch(Action::Created));
        Ok(())
    }

    fn rename_enum_value(&mut self, ctx: &Ctx, name: &ObjName, from: &str, to: &str) -> Outcome {
        let n = qual(name);
        let Some(e) = self.out.model.enums.get_mut(&n) else {
            return refuse(format!("type {} does not exist", q(&n.name)));
        };
        if e.values.iter().any(|v| v == to) {
            return refuse(format!("enum label {} already exists", sql_lit(to)));
        }
        let Some(v) = e.values.iter_mut().find(|v| *v == from) else {
            return refuse(format!("{} is not an existing enum label", sql_lit(from)));
        };
        *v = to.to_owned();
        // Defaults hold the label itself: they follow the rename.
        let (old_lit, new_lit) = (sql_lit(from), sql_lit(to));
        for t in self.out.model.tables.values_mut() {
            for c in &mut t.columns {
                if uses_type(c, &n)
                    && matches!(&c.default, Some(DefaultValue::Literal(l)) if *l == old_lit)
                {
                    c.default = Some(DefaultValue::Literal(new_lit.clone()));
                }
            }
        }
        let renamed = ctx.touch(Action::Renamed);
        let prov = self.out.provenance.enums.entry(n).or_default();
        prov.values.insert(from.to_owned(), renamed.clone());
        prov.values.insert(to.to_owned(), renamed);
        Ok(())
    }

    fn rename_type(&mut self, ctx: &Ctx, name: &ObjName, to: &str) -> Outcome {
        let from = qual(name);
        let to = sibling(&from, to);
        if !self.type_exists(&from) {
            return refuse(format!("type {} does not exist", q(&from.name)));
        }
        if self.type_exists(&to) {
            return refuse(format!("type {} already exists", q(&to.name)));
        }
        if let Some(mut e) = self.out.model.enums.remove(&from) {
            e.name = to.clone();
            self.out.model.enums.insert(to.clone(), e);
            let mut prov = self.out.provenance.enums.remove(&from).unwrap_or_default();
            prov.enum_type = Some(ctx.touch(Action::Renamed));
            self.out.provenance.enums.insert(
                from.clone(),
                EnumProvenance {
                    enum_type: Some(ctx.touch(Action::Renamed)),
                    values: BTreeMap::new(),
                },
            );
            self.out.provenance.enums.insert(to.clone(), prov);
        } else if self.other_types.remove(&from) {
            self.other_types.insert(to.clone());
        }
        // Columns refer to the type, not to its name.
        let schema = (to.schema != DEFAULT_SCHEMA).then_some(to.schema.as_str());
        for t in self.out.model.tables.values_mut() {
            for c in &mut t.columns {
                if uses_type(c, &from) {
                    c.ty = c.ty.with_user_type(schema, &to.name);
                }
            }
        }
        Ok(())
    }

    fn drop_type(&mut self, ctx: &Ctx, name: &ObjName, if_exists: bool, cascade: bool) -> Outcome {
        let n = qual(name);
        if !self.type_exists(&n) {
            if if_exists {
                return Ok(());
            }
            return refuse_with(
                format!("type {} does not exist", q(&n.name)),
                "write `DROP TYPE IF EXISTS` if the type may already be gone",
            );
        }
        let users: Vec<(QualName, String)> = self
            .out
            .model
            .tables
            .values()
            .flat_map(|t| {
                t.columns
                    .iter()
                    .filter(|c| uses_type(c, &n))
                    .map(|c| (t.name.clone(), c.name.clone()))
            })
            .collect();
        if !users.is_empty() && !cascade {
            return refuse_with(
                format!(
                    "cannot drop type {} because other objects depend on it ({})",
                    q(&n.name),
                    users
                        .iter()
                        .map(|(t, c)| format!("column {} of table {}", q(c), q(&t.name)))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                "change those columns to another type first, or write `DROP TYPE … CASCADE` to drop them",
            );
        }
        for (t, c) in &users {
            self.drop_column(ctx, t, c, true, true)?;
        }
        if self.out.model.enums.remove(&n).is_some() {
            let prov = self.out.provenance.enums.entry(n).or_default();
            prov.enum_type = Some(ctx.touch(Action::Dropped));
        } else {
            self.other_types.remove(&n);
        }
        Ok(())
    }

    fn drop_schema(&mut self, ctx: &Ctx, name: &str, cascade: bool) -> Outcome {
        let s = truncate_identifier(name);
        if !self.out.model.schemas.contains(&s) {
            return Ok(());
        }
        let tables: Vec<QualName> = self
            .out
            .model
            .tables
            .keys()
            .filter(|t| t.schema == s)
            .cloned()
            .collect();
        let enums: Vec<QualName> = self
            .out
            .model
            .enums
            .keys()
            .filter(|t| t.schema == s)
            .cloned()
            .collect();
        if !cascade && (!tables.is_empty() || !enums.is_empty()) {
            return refuse_with(
                format!(
                    "cannot drop schema {} because other objects depend on it",
                    q(&s)
                ),
                "drop its objects first, or write `DROP SCHEMA … CASCADE`",
            );
        }
        let objs: Vec<ObjName> = tables
            .iter()
            .map(|t| ObjName::qualified(Some(t.schema.clone()), t.name.clone()))
            .collect();
        let _ = self.drop_tables(ctx, &objs, true, true);
        for e in enums {
            let _ = self.drop_type(
                ctx,
                &ObjName::qualified(Some(e.schema.clone()), e.name.clone()),
                true,
                true,
            );
        }
        self.out.model.views.retain(|k, _| k.schema != s);
        self.out.model.sequences.retain(|k| k.schema != s);
        self.other_types.retain(|k| k.schema != s);
        self.out.model.schemas.remove(&s);
        self.out
            .provenance
            .schemas
            .insert(s, ctx.touch(Action::Dropped));
        Ok(())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ConstraintRef {
    PrimaryKey,
    Unique,
    ForeignKey,
    Check,
}

/// A column default as PostgreSQL keeps it: `DEFAULT NULL` (with or
/// without a cast) stores no default at all.
fn column_default(expr: &str) -> Option<DefaultValue> {
    match normalize_default(expr) {
        DefaultValue::Literal(l) if l == "null" => None,
        d => Some(d),
    }
}

fn sql_lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// An index element that is not a plain column name.
fn looks_like_expression(s: &str) -> bool {
    s.contains(['(', ')', ' ', ':', '\'', '+', '-', '*', '/', '|'])
}
