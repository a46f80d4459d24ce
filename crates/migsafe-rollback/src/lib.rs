//! Rollback analysis for migsafe.
//!
//! - [`inverse`]: the statement that undoes an operation, when one
//!   statement can (`DROP TABLE` for `CREATE TABLE`, the index definition
//!   for a `DROP INDEX`, read from the schema before the migration).
//! - [`verify_down`]: replays a down script on top of its migration and
//!   compares the result with the schema before the migration.

use std::fmt::Write as _;

mod forward;
pub use forward::forward;

use migsafe_classify::ir::{ObjName, OpKind};
use migsafe_schema::diff::{Difference, diff};
use migsafe_schema::names::truncate_identifier;
use migsafe_schema::replay::{MigrationInput, ReplayIssue, Replayer};
use migsafe_schema::{
    DEFAULT_SCHEMA, DefaultValue, ForeignKey, Index, QualName, RefAction, SchemaModel,
};

/// How an operation is undone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Inverse {
    /// Nothing to undo (`SELECT`, `SET`, `BEGIN`, a `DO` wrapper).
    NoOp,
    /// This SQL undoes it.
    Sql(String),
    /// No single statement undoes it (data is gone, or the old definition
    /// is unknown); `why` says which.
    Unknown { why: &'static str },
}

fn q(s: &str) -> String {
    let mut o = String::new();
    let _ = migsafe_classify::ir::quote_ident(&mut o, s);
    o
}

fn qual(schema: Option<&str>, name: &str) -> String {
    match schema {
        Some(s) if s != DEFAULT_SCHEMA => format!("{}.{}", q(s), q(name)),
        _ => q(name),
    }
}

/// A string literal of SQL.
pub fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// `s` with its line breaks (every kind PostgreSQL ends a `--` comment
/// at) made spaces, so it stays inside one comment.
pub fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if matches!(c, '\n' | '\r') { ' ' } else { c })
        .collect()
}

fn obj(o: &ObjName) -> String {
    qual(o.schema.as_deref(), &o.name)
}

fn qn(o: &QualName) -> String {
    qual(Some(&o.schema), &o.name)
}

/// The model's name of `o`: PostgreSQL truncates every identifier to 63
/// bytes, and so does the model.
fn to_qual(o: &ObjName) -> QualName {
    QualName::new(
        o.schema.as_deref().map(truncate_identifier).as_deref(),
        truncate_identifier(&o.name),
    )
}

fn index_sql(table: &QualName, i: &Index) -> String {
    let mut s = format!(
        "CREATE {}INDEX {} ON {}",
        if i.unique { "UNIQUE " } else { "" },
        q(&i.name),
        qn(table)
    );
    if let Some(m) = &i.method {
        let _ = write!(s, " USING {m}");
    }
    let cols: Vec<String> = i
        .columns
        .iter()
        .map(|c| {
            // A column is quoted; an expression goes in parentheses, which
            // PostgreSQL's grammar needs around anything but a function call.
            let mut e = if c.is_expression() {
                format!("({})", c.expr)
            } else {
                q(&c.expr)
            };
            if let Some(op) = &c.opclass {
                let _ = write!(e, " {op}");
            }
            if c.descending {
                e.push_str(" DESC");
            }
            e
        })
        .collect();
    let _ = write!(s, " ({})", cols.join(", "));
    if !i.include.is_empty() {
        let inc: Vec<String> = i.include.iter().map(|c| q(c)).collect();
        let _ = write!(s, " INCLUDE ({})", inc.join(", "));
    }
    // In the order of PostgreSQL's grammar: NULLS NOT DISTINCT, WITH, WHERE.
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
    s.push(';');
    s
}

fn action(a: RefAction) -> &'static str {
    match a {
        RefAction::NoAction => "NO ACTION",
        RefAction::Restrict => "RESTRICT",
        RefAction::Cascade => "CASCADE",
        RefAction::SetNull => "SET NULL",
        RefAction::SetDefault => "SET DEFAULT",
    }
}

fn fk_sql(table: &QualName, f: &ForeignKey) -> Option<String> {
    let name = f.name.as_ref()?;
    let cols: Vec<String> = f.columns.iter().map(|c| q(c)).collect();
    let refs: Vec<String> = f.referenced_columns.iter().map(|c| q(c)).collect();
    Some(format!(
        "ALTER TABLE {} ADD CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {}({}) ON DELETE {} ON UPDATE {};",
        qn(table),
        q(name),
        cols.join(", "),
        qn(&f.referenced_table),
        refs.join(", "),
        action(f.on_delete),
        action(f.on_update)
    ))
}

/// The constraint named `name` on `table` in `before`, as an `ADD
/// CONSTRAINT` statement.
fn constraint_sql(before: &SchemaModel, table: &QualName, name: &str) -> Option<String> {
    let name = truncate_identifier(name);
    let name = name.as_str();
    let t = before.tables.get(table)?;
    if let Some(pk) = &t.primary_key
        && pk.name.as_deref() == Some(name)
    {
        let cols: Vec<String> = pk.columns.iter().map(|c| q(c)).collect();
        return Some(format!(
            "ALTER TABLE {} ADD CONSTRAINT {} PRIMARY KEY ({});",
            qn(table),
            q(name),
            cols.join(", ")
        ));
    }
    if let Some(f) = t
        .foreign_keys
        .iter()
        .find(|f| f.name.as_deref() == Some(name))
    {
        return fk_sql(table, f);
    }
    if let Some(c) = t.checks.iter().find(|c| c.name.as_deref() == Some(name)) {
        return Some(format!(
            "ALTER TABLE {} ADD CONSTRAINT {} CHECK ({});",
            qn(table),
            q(name),
            c.expr
        ));
    }
    if let Some(i) = t.indexes.iter().find(|i| i.name == name && i.constraint) {
        let cols: Vec<String> = i.columns.iter().map(|c| q(&c.expr)).collect();
        return Some(format!(
            "ALTER TABLE {} ADD CONSTRAINT {} UNIQUE ({});",
            qn(table),
            q(name),
            cols.join(", ")
        ));
    }
    None
}

fn find_index<'a>(before: &'a SchemaModel, name: &ObjName) -> Option<(&'a QualName, &'a Index)> {
    let wanted = truncate_identifier(&name.name);
    before.tables.values().find_map(|t| {
        let schema_ok = name.schema.as_deref().is_none_or(|s| s == t.name.schema);
        if !schema_ok {
            return None;
        }
        t.indexes
            .iter()
            .find(|i| i.name == wanted && !i.constraint)
            .map(|i| (&t.name, i))
    })
}

/// What `op` would create or set is already in `before` (a `CREATE … IF
/// NOT EXISTS` of something there, a `DROP NOT NULL` on a nullable
/// column): the statement did nothing, and its undo must not undo what was
/// there.
fn already_there(op: &OpKind, before: &SchemaModel) -> bool {
    use OpKind::*;
    // Only a statement that may do nothing (`IF NOT EXISTS`) is looked up:
    // without it, an object already there makes PostgreSQL refuse the
    // statement. (An index is looked up by name over every table: done for
    // every `CREATE INDEX` it would make a long history quadratic.)
    match op {
        CreateTable {
            table,
            if_not_exists: true,
            ..
        } => before.tables.contains_key(&to_qual(table)),
        AddColumn {
            table,
            column,
            if_not_exists: true,
        } => before
            .tables
            .get(&to_qual(table))
            .is_some_and(|t| t.column(&truncate_identifier(&column.name)).is_some()),
        CreateIndex {
            name: Some(n),
            table,
            if_not_exists: true,
            ..
        } => {
            let schema = to_qual(table).schema;
            let n = truncate_identifier(n);
            before
                .tables
                .values()
                .any(|t| t.name.schema == schema && t.indexes.iter().any(|i| i.name == n))
        }
        CreateSchema { name } => before.schemas.contains(name),
        CreateExtension { name } => before.extensions.contains(name),
        CreateSequence { name, .. } => before.sequences.contains(&to_qual(name)),
        // `SET NOT NULL` on a column that has it, `DROP NOT NULL` on one
        // that does not: nothing changed, nothing to undo.
        SetNotNull { table, column } | DropNotNull { table, column } => before
            .tables
            .get(&to_qual(table))
            .and_then(|t| t.column(&truncate_identifier(column)))
            .is_some_and(|c| c.nullable == matches!(op, DropNotNull { .. })),
        _ => false,
    }
}

/// The statement that undoes `op`, given the schema just before it.
pub fn inverse(op: &OpKind, before: &SchemaModel) -> Inverse {
    use OpKind::*;
    if already_there(op, before) {
        return Inverse::NoOp;
    }
    let unknown = |why| Inverse::Unknown { why };
    let sql = Inverse::Sql;
    match op {
        CreateTable { table, .. } => sql(format!("DROP TABLE {};", obj(table))),
        AddColumn { table, column, .. } => sql(format!(
            "ALTER TABLE {} DROP COLUMN {};",
            obj(table),
            q(&column.name)
        )),
        CreateIndex {
            name: Some(n),
            table,
            ..
        } => sql(format!("DROP INDEX {};", qual(table.schema.as_deref(), n))),
        CreateIndex { name: None, .. } => unknown("the index has no name in the migration"),
        AddConstraint {
            table, constraint, ..
        } => match &constraint.name {
            Some(n) => sql(format!(
                "ALTER TABLE {} DROP CONSTRAINT {};",
                obj(table),
                q(n)
            )),
            None => unknown("the constraint has no name in the migration"),
        },
        DropIndex { names, .. } => {
            let mut out = Vec::new();
            for n in names {
                match find_index(before, n) {
                    Some((t, i)) => out.push(index_sql(t, i)),
                    None => return unknown("the dropped index's definition is not known"),
                }
            }
            sql(out.join("\n"))
        }
        DropConstraint { table, name, .. } | ModifyConstraint { table, name } => {
            match constraint_sql(before, &to_qual(table), name) {
                Some(s) => {
                    if matches!(op, ModifyConstraint { .. }) {
                        sql(format!(
                            "ALTER TABLE {} DROP CONSTRAINT {};\n{s}",
                            obj(table),
                            q(name)
                        ))
                    } else {
                        sql(s)
                    }
                }
                None => unknown("the dropped constraint's definition is not known"),
            }
        }
        SetNotNull { table, column } => sql(format!(
            "ALTER TABLE {} ALTER COLUMN {} DROP NOT NULL;",
            obj(table),
            q(column)
        )),
        DropNotNull { table, column } => sql(format!(
            "ALTER TABLE {} ALTER COLUMN {} SET NOT NULL;",
            obj(table),
            q(column)
        )),
        SetDefault { table, column, .. } | DropDefault { table, column } => {
            let Some(col) = before
                .tables
                .get(&to_qual(table))
                .and_then(|t| t.column(&truncate_identifier(column)))
            else {
                return unknown("the column's previous default is not known");
            };
            match (&col.default, op) {
                (None, DropDefault { .. }) => Inverse::NoOp,
                (None, _) => sql(format!(
                    "ALTER TABLE {} ALTER COLUMN {} DROP DEFAULT;",
                    obj(table),
                    q(column)
                )),
                (Some(DefaultValue::Sequence), _) => {
                    unknown("the previous default was a sequence whose name is not known")
                }
                (Some(d), _) => sql(format!(
                    "ALTER TABLE {} ALTER COLUMN {} SET DEFAULT {};",
                    obj(table),
                    q(column),
                    forward::default_sql(d, &col.ty)
                )),
            }
        }
        CreateEnum { name, .. } | CreateType { name } => sql(format!("DROP TYPE {};", obj(name))),
        RenameIndex { index, to } => sql(format!(
            "ALTER INDEX {} RENAME TO {};",
            qual(index.schema.as_deref(), to),
            q(&index.name)
        )),
        RenameConstraint { table, from, to } => sql(format!(
            "ALTER TABLE {} RENAME CONSTRAINT {} TO {};",
            obj(table),
            q(to),
            q(from)
        )),
        RenameTable { table, to } => sql(format!(
            "ALTER TABLE {} RENAME TO {};",
            qual(table.schema.as_deref(), to),
            q(&table.name)
        )),
        RenameColumn { table, from, to } => sql(format!(
            "ALTER TABLE {} RENAME COLUMN {} TO {};",
            obj(table),
            q(to),
            q(from)
        )),
        RenameType { name, to, .. } => sql(format!(
            "ALTER TYPE {} RENAME TO {};",
            qual(name.schema.as_deref(), to),
            q(&name.name)
        )),
        CreateSchema { name } => sql(format!("DROP SCHEMA {};", q(name))),
        CreateExtension { name } => sql(format!("DROP EXTENSION {};", q(name))),
        CreateView {
            name,
            materialized,
            or_replace: false,
            ..
        } => sql(format!(
            "DROP {}VIEW {};",
            if *materialized { "MATERIALIZED " } else { "" },
            obj(name)
        )),
        // With its argument types: a name can be overloaded.
        CreateFunction {
            name,
            or_replace: false,
            spec: Some(spec),
        } => sql(format!(
            "DROP FUNCTION {}({});",
            obj(name),
            spec.args.join(", ")
        )),
        CreateFunction {
            or_replace: false,
            spec: None,
            ..
        } => unknown("the function's argument types were not read, and its name may be overloaded"),
        CreateTrigger {
            name,
            table,
            or_replace: false,
            ..
        } => sql(format!("DROP TRIGGER {} ON {};", q(name), obj(table))),
        CreateSequence { name, .. } => sql(format!("DROP SEQUENCE {};", obj(name))),
        AttachPartition { table, partition } => sql(format!(
            "ALTER TABLE {} DETACH PARTITION {};",
            obj(table),
            obj(partition)
        )),
        ValidateConstraint { .. }
        | Select
        | Set { .. }
        | Transaction { .. }
        | Lock { .. }
        | Maintenance { .. }
        | Comment { .. }
        | DoBlock => Inverse::NoOp,
        AddEnumValue { .. } => unknown("PostgreSQL cannot remove a value from an enum"),
        Insert { .. } | Update { .. } | Delete { .. } => {
            unknown("the rows it changed are not known to migsafe")
        }
        DropTable { .. } | DropColumn { .. } | Truncate { .. } | DropSchema { .. } => {
            unknown("the data it deletes is gone")
        }
        AlterColumnType { .. } => unknown("values may not convert back"),
        _ => unknown("migsafe cannot derive the statement that undoes it"),
    }
}

/// What a down script does when replayed on top of its migration.
#[derive(Clone, Debug, Default)]
pub struct DownCheck {
    /// How the schema after the down script differs from the schema
    /// before the migration (expected: before; actual: after down).
    pub differences: Vec<Difference>,
    /// Statements of the down script that could not be applied.
    pub issues: Vec<ReplayIssue>,
}

/// Replays `down` on a copy of `after_up` and compares the result with
/// `before`.
pub fn verify_down(
    before: &SchemaModel,
    after_up: &Replayer,
    down: &MigrationInput<'_>,
) -> DownCheck {
    let mut r = after_up.clone();
    let known = r.issues().len();
    r.apply_migration(down);
    DownCheck {
        differences: diff(before, r.model()),
        issues: r.issues()[known..].to_vec(),
    }
}

#[cfg(test)]
mod tests;
