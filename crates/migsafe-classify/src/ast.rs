//! sqlparser AST → operation IR.

use sqlparser::ast::{
    self as sq, AlterColumnOperation, AlterIndexOperation, AlterTableOperation,
    AlterTypeAddValuePosition, AlterTypeOperation, ColumnOption, DropBehavior, Expr, FromTable,
    ObjectName, ObjectNamePart, ObjectType, ReferentialAction, SchemaName, Statement,
    TableConstraint, TableFactor, TableObject, UserDefinedTypeRepresentation,
};

use crate::ir::{
    ColumnSpec, ConstraintKind, ConstraintSpec, ForeignKeySpec, IndexColumnSpec, ObjName, OpKind,
    RefAction, TxKind,
};

fn ident(i: &sq::Ident) -> String {
    if i.quote_style.is_some() {
        i.value.clone()
    } else {
        crate::lex::fold_ident(&i.value)
    }
}

fn part(p: &ObjectNamePart) -> String {
    match p {
        ObjectNamePart::Identifier(i) => ident(i),
        other => other.to_string(),
    }
}

pub(crate) fn obj(n: &ObjectName) -> ObjName {
    let parts: Vec<String> = n.0.iter().map(part).collect();
    match parts.as_slice() {
        [] => ObjName::new(String::new()),
        [name] => ObjName::new(name.clone()),
        [.., schema, name] => ObjName::qualified(Some(schema.clone()), name.clone()),
    }
}

/// The last part of a name (`schema.idx` → `idx`).
fn last(n: &ObjectName) -> String {
    n.0.last().map(part).unwrap_or_default()
}

fn ref_action(a: Option<ReferentialAction>) -> RefAction {
    match a {
        None | Some(ReferentialAction::NoAction) => RefAction::NoAction,
        Some(ReferentialAction::Restrict) => RefAction::Restrict,
        Some(ReferentialAction::Cascade) => RefAction::Cascade,
        Some(ReferentialAction::SetNull) => RefAction::SetNull,
        Some(ReferentialAction::SetDefault) => RefAction::SetDefault,
    }
}

fn index_col_name(c: &sq::IndexColumn) -> String {
    match &c.column.expr {
        Expr::Identifier(i) => ident(i),
        Expr::CompoundIdentifier(v) => v.last().map(ident).unwrap_or_default(),
        e => e.to_string(),
    }
}

fn index_cols(cols: &[sq::IndexColumn]) -> Vec<String> {
    cols.iter().map(index_col_name).collect()
}

fn fk(c: &sq::ForeignKeyConstraint, columns: Vec<String>) -> ForeignKeySpec {
    ForeignKeySpec {
        columns,
        table: obj(&c.foreign_table),
        referenced_columns: c.referred_columns.iter().map(ident).collect(),
        on_delete: ref_action(c.on_delete),
        on_update: ref_action(c.on_update),
        deferrable: c
            .characteristics
            .as_ref()
            .and_then(|ch| ch.deferrable)
            .unwrap_or(false),
        initially_deferred: c
            .characteristics
            .as_ref()
            .and_then(|ch| ch.initially)
            .is_some_and(|i| matches!(i, sq::DeferrableInitial::Deferred)),
    }
}

fn constraint(c: &TableConstraint) -> ConstraintSpec {
    let (name, kind) = match c {
        TableConstraint::Unique(u) => (
            u.name.as_ref(),
            ConstraintKind::Unique {
                columns: index_cols(&u.columns),
            },
        ),
        TableConstraint::PrimaryKey(p) => (
            p.name.as_ref(),
            ConstraintKind::PrimaryKey {
                columns: index_cols(&p.columns),
            },
        ),
        TableConstraint::ForeignKey(f) => (
            f.name.as_ref(),
            ConstraintKind::ForeignKey(fk(f, f.columns.iter().map(ident).collect())),
        ),
        TableConstraint::Check(ch) => (
            ch.name.as_ref(),
            ConstraintKind::Check {
                expr: ch.expr.to_string(),
            },
        ),
        TableConstraint::PrimaryKeyUsingIndex(u) => (
            u.name.as_ref(),
            ConstraintKind::UsingIndex {
                primary: true,
                index: ident(&u.index_name),
            },
        ),
        TableConstraint::UniqueUsingIndex(u) => (
            u.name.as_ref(),
            ConstraintKind::UsingIndex {
                primary: false,
                index: ident(&u.index_name),
            },
        ),
        TableConstraint::Exclude(_)
        | TableConstraint::Index(_)
        | TableConstraint::FulltextOrSpatial(_) => (None, ConstraintKind::Exclude),
    };
    ConstraintSpec {
        name: name.map(ident),
        kind,
    }
}

fn column(c: &sq::ColumnDef) -> ColumnSpec {
    let mut spec = ColumnSpec {
        name: ident(&c.name),
        data_type: c.data_type.to_string(),
        ..ColumnSpec::default()
    };
    for o in &c.options {
        let given = o.name.as_ref().map(ident);
        match &o.option {
            ColumnOption::NotNull => spec.not_null = true,
            ColumnOption::Null => spec.not_null = false,
            ColumnOption::Default(e) => spec.default = Some(e.to_string()),
            ColumnOption::PrimaryKey(_) => {
                spec.primary_key = true;
                spec.not_null = true;
                spec.constraint_names.primary_key = given;
            }
            ColumnOption::Unique(_) => {
                spec.unique = true;
                spec.constraint_names.unique = given;
            }
            ColumnOption::ForeignKey(f) => {
                spec.references = Some(fk(f, vec![spec.name.clone()]));
                spec.constraint_names.references = given;
            }
            ColumnOption::Check(ch) => {
                spec.check = Some(ch.expr.to_string());
                spec.constraint_names.check = given;
            }
            ColumnOption::Generated {
                generation_expr, ..
            } => match generation_expr {
                Some(e) => spec.generated = Some(e.to_string()),
                None => spec.identity = true,
            },
            ColumnOption::Identity(_) => spec.identity = true,
            ColumnOption::Collation(n) => spec.collation = Some(n.to_string()),
            _ => {}
        }
    }
    spec
}

fn drop_cascade(b: &Option<DropBehavior>) -> bool {
    matches!(b, Some(DropBehavior::Cascade))
}

fn table_of(t: &sq::TableWithJoins) -> Option<ObjName> {
    match &t.relation {
        TableFactor::Table { name, .. } => Some(obj(name)),
        _ => None,
    }
}

/// PostgreSQL's error for a statement sqlparser reads (it accepts other
/// dialects' forms) but PostgreSQL's grammar does not.
pub(crate) fn postgres_rejects(stmt: &Statement) -> Option<String> {
    match stmt {
        Statement::Drop {
            object_type: ObjectType::Index,
            table: Some(_),
            ..
        } => Some(
            "syntax error at or near \"ON\": `DROP INDEX name ON table` is MySQL's form; PostgreSQL's DROP INDEX takes the index name only"
                .to_owned(),
        ),
        // PostgreSQL's index element is a column, a function call or a
        // parenthesized expression (`index_elem` in its grammar).
        Statement::CreateIndex(ci) => ci.columns.iter().find_map(|c| {
            let near = match &c.column.expr {
                sq::Expr::BinaryOp { op, .. } => op.to_string(),
                sq::Expr::UnaryOp { op, .. } => op.to_string(),
                sq::Expr::Cast {
                    kind: sq::CastKind::DoubleColon,
                    ..
                } => "::".to_owned(),
                sq::Expr::IsNull(_) | sq::Expr::IsNotNull(_) => "IS".to_owned(),
                _ => return None,
            };
            Some(format!(
                "syntax error at or near \"{near}\": an index expression that is not a column or a function call needs parentheses: `(({}))`",
                c.column.expr
            ))
        }),
        _ => None,
    }
}

/// Converts one parsed statement. `None` when the statement kind is one the
/// token classifier knows better (the caller falls back to it).
pub(crate) fn convert(stmt: &Statement) -> Option<Vec<OpKind>> {
    let ops = match stmt {
        Statement::CreateTable(ct) => vec![OpKind::CreateTable {
            table: obj(&ct.name),
            if_not_exists: ct.if_not_exists,
            columns: ct.columns.iter().map(column).collect(),
            constraints: ct.constraints.iter().map(constraint).collect(),
            derived: ct.query.is_some() || ct.partition_of.is_some() || ct.like.is_some(),
            source: None,
            temporary: ct.temporary,
        }],
        Statement::AlterTable(at) => {
            let table = obj(&at.name);
            let mut out = Vec::with_capacity(at.operations.len());
            for op in &at.operations {
                out.push(alter_table_op(&table, op));
            }
            out
        }
        Statement::CreateIndex(ci) => vec![OpKind::CreateIndex {
            name: ci.name.as_ref().map(last),
            table: obj(&ci.table_name),
            unique: ci.unique,
            concurrently: ci.concurrently,
            if_not_exists: ci.if_not_exists,
            columns: ci
                .columns
                .iter()
                .map(|c| IndexColumnSpec {
                    expr: index_col_name(c),
                    descending: c.column.options.sort == Some(sq::OrderBySort::Desc),
                    opclass: c.operator_class.as_ref().map(last),
                })
                .collect(),
            method: ci.using.as_ref().map(|u| u.to_string().to_lowercase()),
            predicate: ci.predicate.as_ref().map(ToString::to_string),
            include: ci.include.iter().map(ident).collect(),
            nulls_not_distinct: false,
            storage: Vec::new(),
        }],
        Statement::Drop {
            object_type,
            if_exists,
            names,
            cascade,
            ..
        } => {
            let objs: Vec<ObjName> = names.iter().map(obj).collect();
            let (if_exists, cascade) = (*if_exists, *cascade);
            vec![match object_type {
                ObjectType::Table => OpKind::DropTable {
                    tables: objs,
                    if_exists,
                    cascade,
                },
                ObjectType::Index => OpKind::DropIndex {
                    names: objs,
                    concurrently: false,
                    if_exists,
                    cascade,
                },
                ObjectType::View => OpKind::DropView {
                    names: objs,
                    materialized: false,
                },
                ObjectType::MaterializedView => OpKind::DropView {
                    names: objs,
                    materialized: true,
                },
                ObjectType::Schema => OpKind::DropSchema {
                    names: objs.into_iter().map(|o| o.name).collect(),
                    cascade,
                },
                ObjectType::Sequence => OpKind::DropSequence { names: objs },
                ObjectType::Type => OpKind::DropType {
                    names: objs,
                    if_exists,
                    cascade,
                    enum_swap: false,
                },
                _ => return None,
            }]
        }
        Statement::AlterIndex { name, operation } => match operation {
            AlterIndexOperation::RenameIndex { index_name } => vec![OpKind::RenameIndex {
                index: obj(name),
                to: last(index_name),
            }],
        },
        Statement::AlterType(at) => {
            let name = obj(&at.name);
            vec![match &at.operation {
                AlterTypeOperation::Rename(r) => OpKind::RenameType {
                    name,
                    to: ident(&r.new_name),
                    enum_swap: false,
                },
                AlterTypeOperation::AddValue(v) => {
                    let (before, after) = match &v.position {
                        Some(AlterTypeAddValuePosition::Before(i)) => (Some(ident_lit(i)), None),
                        Some(AlterTypeAddValuePosition::After(i)) => (None, Some(ident_lit(i))),
                        None => (None, None),
                    };
                    OpKind::AddEnumValue {
                        name,
                        value: ident_lit(&v.value),
                        before,
                        after,
                        if_not_exists: v.if_not_exists,
                    }
                }
                AlterTypeOperation::RenameValue(r) => OpKind::RenameEnumValue {
                    name,
                    from: ident_lit(&r.from),
                    to: ident_lit(&r.to),
                },
            }]
        }
        Statement::CreateType {
            name,
            representation,
        } => vec![match representation {
            Some(UserDefinedTypeRepresentation::Enum { labels }) => OpKind::CreateEnum {
                name: obj(name),
                values: labels.iter().map(ident_lit).collect(),
            },
            _ => OpKind::CreateType { name: obj(name) },
        }],
        Statement::CreateSchema { schema_name, .. } => vec![OpKind::CreateSchema {
            name: match schema_name {
                SchemaName::Simple(n) | SchemaName::NamedAuthorization(n, _) => last(n),
                SchemaName::UnnamedAuthorization(i) => ident(i),
            },
        }],
        Statement::CreateExtension(e) => vec![OpKind::CreateExtension {
            name: ident(&e.name),
        }],
        Statement::DropExtension(e) => vec![OpKind::DropExtension {
            names: e.names.iter().map(ident).collect(),
        }],
        Statement::CreateView(v) => vec![OpKind::CreateView {
            name: obj(&v.name),
            materialized: v.materialized,
            or_replace: v.or_replace,
            references: Vec::new(),
            columns: view_columns(v),
            query: None,
        }],
        Statement::CreateFunction(f) => vec![OpKind::CreateFunction {
            name: obj(&f.name),
            or_replace: f.or_replace,
            spec: Some(Box::new(function_spec(f))),
        }],
        Statement::DropFunction(f) => vec![OpKind::DropFunction {
            names: f.func_desc.iter().map(|d| obj(&d.name)).collect(),
            args: f
                .func_desc
                .iter()
                .map(|d| d.args.as_ref().map(|a| signature_args(a)))
                .collect(),
            if_exists: f.if_exists,
            cascade: matches!(f.drop_behavior, Some(DropBehavior::Cascade)),
        }],
        Statement::CreateTrigger(t) => vec![OpKind::CreateTrigger {
            name: last(&t.name),
            table: obj(&t.table_name),
            or_replace: t.or_replace,
            spec: trigger_spec(t).map(Box::new),
        }],
        Statement::DropTrigger(t) => vec![OpKind::DropTrigger {
            name: last(&t.trigger_name),
            table: t.table_name.as_ref().map(obj),
            if_exists: t.if_exists,
        }],
        // `OWNED BY` is read from the tokens.
        Statement::CreateSequence { .. } => Vec::new(),
        Statement::Truncate(t) => vec![OpKind::Truncate {
            tables: t.table_names.iter().map(|t| obj(&t.name)).collect(),
        }],
        Statement::Delete(d) => {
            let table = match &d.from {
                FromTable::WithFromKeyword(t) | FromTable::WithoutKeyword(t) => {
                    t.first().and_then(table_of)
                }
            }
            .or_else(|| d.tables.first().map(obj));
            vec![OpKind::Delete {
                table,
                has_where: d.selection.is_some() || d.limit.is_some(),
            }]
        }
        Statement::Update(u) => vec![OpKind::Update {
            table: table_of(&u.table),
            has_where: u.selection.is_some() || u.limit.is_some(),
            set_columns: u
                .assignments
                .iter()
                .flat_map(|a| match &a.target {
                    sq::AssignmentTarget::ColumnName(n) => vec![last(n)],
                    sq::AssignmentTarget::Tuple(v) => v.iter().map(last).collect(),
                })
                .collect(),
            backfill: false,
        }],
        Statement::Insert(i) => vec![OpKind::Insert {
            table: match &i.table {
                TableObject::TableName(n) => Some(obj(n)),
                _ => None,
            },
        }],
        Statement::Query(q) => {
            // `WITH gone AS (DELETE FROM t RETURNING *) SELECT …` changes
            // data: its DML counts, not the SELECT around it.
            let mut ops = vec![OpKind::Select];
            ops.extend(query_dml(q));
            ops
        }
        Statement::StartTransaction { .. } => vec![OpKind::Transaction {
            kind: TxKind::Begin,
        }],
        Statement::Commit { .. } => vec![OpKind::Transaction {
            kind: TxKind::Commit,
        }],
        Statement::Rollback { .. } => vec![OpKind::Transaction {
            kind: TxKind::Rollback,
        }],
        Statement::Savepoint { .. } | Statement::ReleaseSavepoint { .. } => {
            vec![OpKind::Transaction {
                kind: TxKind::Savepoint,
            }]
        }
        Statement::Comment { .. } => vec![OpKind::Comment { table: None }],
        Statement::Grant(_) | Statement::GrantRole(_) => vec![OpKind::Grant],
        Statement::Revoke(_) | Statement::RevokeRole(_) => vec![OpKind::Revoke],
        Statement::Analyze(_) => vec![OpKind::Maintenance {
            what: "ANALYZE".into(),
            target: None,
            concurrently: false,
            full: false,
        }],
        Statement::Vacuum(_) => vec![OpKind::Maintenance {
            what: "VACUUM".into(),
            target: None,
            concurrently: false,
            full: false,
        }],
        Statement::RefreshMaterializedView(_) => vec![OpKind::Maintenance {
            what: "REFRESH MATERIALIZED VIEW".into(),
            target: None,
            concurrently: false,
            full: false,
        }],
        _ => return None,
    };
    Some(ops)
}

/// The data-modifying statements of a query: in its `WITH` clauses and as
/// its body.
fn query_dml(q: &sq::Query) -> Vec<OpKind> {
    let mut out = Vec::new();
    if let Some(with) = &q.with {
        for cte in &with.cte_tables {
            out.extend(query_dml(&cte.query));
        }
    }
    match q.body.as_ref() {
        sq::SetExpr::Insert(st) | sq::SetExpr::Update(st) | sq::SetExpr::Delete(st) => {
            out.extend(convert(st).unwrap_or_default());
        }
        sq::SetExpr::Query(inner) => out.extend(query_dml(inner)),
        _ => {}
    }
    out
}

/// An enum label: sqlparser reads `'a'` into an identifier-like value.
fn ident_lit(i: &sq::Ident) -> String {
    i.value.clone()
}

fn alter_table_op(table: &ObjName, op: &AlterTableOperation) -> OpKind {
    let t = table.clone();
    match op {
        AlterTableOperation::AddColumn {
            if_not_exists,
            column_def,
            ..
        } => OpKind::AddColumn {
            table: t,
            column: column(column_def),
            if_not_exists: *if_not_exists,
        },
        AlterTableOperation::DropColumn {
            column_names,
            if_exists,
            drop_behavior,
            ..
        } => OpKind::DropColumn {
            table: t,
            column: column_names.first().map(ident).unwrap_or_default(),
            if_exists: *if_exists,
            cascade: drop_cascade(drop_behavior),
        },
        AlterTableOperation::RenameColumn {
            old_column_name,
            new_column_name,
        } => OpKind::RenameColumn {
            table: t,
            from: ident(old_column_name),
            to: ident(new_column_name),
        },
        AlterTableOperation::RenameTable { table_name } => {
            let n = match table_name {
                sq::RenameTableNameKind::As(n) | sq::RenameTableNameKind::To(n) => last(n),
            };
            OpKind::RenameTable { table: t, to: n }
        }
        AlterTableOperation::AlterColumn { column_name, op } => {
            let column = ident(column_name);
            match op {
                AlterColumnOperation::SetNotNull => OpKind::SetNotNull { table: t, column },
                AlterColumnOperation::DropNotNull => OpKind::DropNotNull { table: t, column },
                AlterColumnOperation::SetDefault { value } => OpKind::SetDefault {
                    table: t,
                    column,
                    default: value.to_string(),
                },
                AlterColumnOperation::DropDefault => OpKind::DropDefault { table: t, column },
                AlterColumnOperation::SetDataType {
                    data_type, using, ..
                } => OpKind::AlterColumnType {
                    table: t,
                    column,
                    data_type: data_type.to_string(),
                    using: using.as_ref().map(ToString::to_string),
                    collation: None,
                },
                AlterColumnOperation::AddGenerated { .. } => OpKind::AlterColumnOther {
                    table: t,
                    column,
                    what: "ADD GENERATED".into(),
                },
                AlterColumnOperation::GenericOptions { .. } => OpKind::AlterColumnOther {
                    table: t,
                    column,
                    what: "OPTIONS".into(),
                },
            }
        }
        AlterTableOperation::AddConstraint {
            constraint: c,
            not_valid,
        } => OpKind::AddConstraint {
            table: t,
            constraint: constraint(c),
            not_valid: *not_valid,
        },
        AlterTableOperation::DropConstraint {
            if_exists,
            name,
            drop_behavior,
        } => OpKind::DropConstraint {
            table: t,
            name: ident(name),
            if_exists: *if_exists,
            cascade: drop_cascade(drop_behavior),
        },
        AlterTableOperation::DropPrimaryKey { drop_behavior } => OpKind::DropConstraint {
            name: format!("{}_pkey", t.name),
            table: t,
            if_exists: false,
            cascade: drop_cascade(drop_behavior),
        },
        AlterTableOperation::DropForeignKey {
            name,
            drop_behavior,
        } => OpKind::DropConstraint {
            table: t,
            name: ident(name),
            if_exists: false,
            cascade: drop_cascade(drop_behavior),
        },
        AlterTableOperation::RenameConstraint { old_name, new_name } => OpKind::RenameConstraint {
            table: t,
            from: ident(old_name),
            to: ident(new_name),
        },
        AlterTableOperation::ValidateConstraint { name } => OpKind::ValidateConstraint {
            table: t,
            name: ident(name),
        },
        AlterTableOperation::AttachPartitionOf { partition, .. } => OpKind::AttachPartition {
            table: t,
            partition: obj(partition),
        },
        AlterTableOperation::DetachPartitionOf { partition, mode } => OpKind::DetachPartition {
            table: t,
            partition: obj(partition),
            concurrently: mode.is_some(),
        },
        other => {
            let text = other.to_string();
            let what: String = text
                .split_whitespace()
                .take_while(|w| {
                    w.chars()
                        .all(|c| c.is_ascii_uppercase() || c == '_' || c == '(')
                })
                .take(3)
                .collect::<Vec<_>>()
                .join(" ");
            OpKind::TableSetting {
                table: t,
                what: if what.is_empty() { text } else { what },
            }
        }
    }
}

/// The argument types that make a function's signature: `IN`, `INOUT` and
/// `VARIADIC` arguments, not `OUT`.
fn signature_args(args: &[sqlparser::ast::OperateFunctionArg]) -> Vec<String> {
    use sqlparser::ast::ArgMode;
    args.iter()
        .filter(|a| !matches!(a.mode, Some(ArgMode::Out)))
        .map(|a| a.data_type.to_string())
        .collect()
}

fn function_spec(f: &sqlparser::ast::CreateFunction) -> crate::ir::FunctionSpec {
    use crate::ir::Volatility;
    use sqlparser::ast::{FunctionBehavior, FunctionReturnType};
    crate::ir::FunctionSpec {
        args: f.args.as_deref().map(signature_args).unwrap_or_default(),
        returns: match &f.return_type {
            Some(FunctionReturnType::DataType(t)) => Some(t.to_string()),
            Some(FunctionReturnType::SetOf(t)) => Some(format!("SETOF {t}")),
            // Without RETURNS, the OUT and INOUT arguments say it: one is
            // its type, several a record.
            None => {
                use sqlparser::ast::ArgMode;
                let outs: Vec<String> = f
                    .args
                    .iter()
                    .flatten()
                    .filter(|a| matches!(a.mode, Some(ArgMode::Out | ArgMode::InOut)))
                    .map(|a| a.data_type.to_string())
                    .collect();
                match outs.as_slice() {
                    [] => None,
                    [one] => Some(one.clone()),
                    _ => Some("record".to_owned()),
                }
            }
        },
        volatility: match f.behavior {
            Some(FunctionBehavior::Immutable) => Volatility::Immutable,
            Some(FunctionBehavior::Stable) => Volatility::Stable,
            _ => Volatility::Volatile,
        },
        sql_expression: sql_expression(f),
    }
}

/// The `expr` of a `LANGUAGE sql` function whose body is `SELECT expr`
/// (no `FROM`, no other clause): what PostgreSQL inlines.
fn sql_expression(f: &sqlparser::ast::CreateFunction) -> Option<String> {
    use sqlparser::ast::{CreateFunctionBody, Expr, Value};
    if !f.language.as_ref()?.value.eq_ignore_ascii_case("sql") {
        return None;
    }
    let body = match f.function_body.as_ref()? {
        CreateFunctionBody::AsBeforeOptions { body, .. }
        | CreateFunctionBody::AsAfterOptions(body) => body,
        _ => return None,
    };
    let text = match body {
        Expr::Value(v) => match &v.value {
            Value::SingleQuotedString(s) => s.clone(),
            Value::DollarQuotedString(d) => d.value.clone(),
            _ => return None,
        },
        _ => return None,
    };
    let lexed = crate::lex::lex(&text);
    if !lexed.errors.is_empty() {
        return None;
    }
    let toks: Vec<_> = lexed
        .tokens
        .iter()
        .filter(|t| !t.kind.is_trivia() && t.kind != crate::lex::TokenKind::Semicolon)
        .collect();
    let first = toks.first()?;
    if !first.text(&text).eq_ignore_ascii_case("SELECT") {
        return None;
    }
    const CLAUSES: &[&str] = &[
        "FROM",
        "WHERE",
        "GROUP",
        "HAVING",
        "ORDER",
        "LIMIT",
        "OFFSET",
        "UNION",
        "INTERSECT",
        "EXCEPT",
        "WINDOW",
        "FETCH",
        "INTO",
    ];
    let mut depth = 0i32;
    for t in &toks[1..] {
        match t.kind {
            crate::lex::TokenKind::LParen => depth += 1,
            crate::lex::TokenKind::RParen => depth -= 1,
            crate::lex::TokenKind::Comma if depth == 0 => return None,
            crate::lex::TokenKind::Word
                if depth == 0
                    && CLAUSES
                        .iter()
                        .any(|c| t.text(&text).eq_ignore_ascii_case(c)) =>
            {
                return None;
            }
            _ => {}
        }
    }
    let (start, end) = (toks.get(1)?.start as usize, toks.last()?.end as usize);
    text.get(start..end).map(str::to_owned)
}

fn trigger_spec(t: &sqlparser::ast::CreateTrigger) -> Option<crate::ir::TriggerSpec> {
    use sqlparser::ast::{TriggerEvent, TriggerObject, TriggerObjectKind, TriggerPeriod};
    let timing = match t.period? {
        TriggerPeriod::Before => "BEFORE",
        TriggerPeriod::After | TriggerPeriod::For => "AFTER",
        TriggerPeriod::InsteadOf => "INSTEAD OF",
    };
    let mut events: Vec<&str> = t
        .events
        .iter()
        .map(|e| match e {
            TriggerEvent::Insert => "INSERT",
            TriggerEvent::Update(_) => "UPDATE",
            TriggerEvent::Delete => "DELETE",
            TriggerEvent::Truncate => "TRUNCATE",
        })
        .collect();
    let rank = |e: &&str| {
        ["INSERT", "UPDATE", "DELETE", "TRUNCATE"]
            .iter()
            .position(|x| x == e)
    };
    events.sort_by_key(rank);
    events.dedup();
    let for_each_row = matches!(
        t.trigger_object,
        Some(
            TriggerObjectKind::For(TriggerObject::Row)
                | TriggerObjectKind::ForEach(TriggerObject::Row)
        )
    );
    Some(crate::ir::TriggerSpec {
        timing: timing.to_owned(),
        events: events.into_iter().map(str::to_owned).collect(),
        for_each_row,
        function: obj(&t.exec_body.as_ref()?.func_desc.name),
    })
}

/// The output columns of a view, as far as its query names them: `None`
/// when an item's name is PostgreSQL's to choose (`?column?`, a constant's
/// type) or the query is not a plain `SELECT`.
fn view_columns(v: &sqlparser::ast::CreateView) -> Option<crate::ir::ViewColumns> {
    use crate::ir::ViewItem;
    use sqlparser::ast::{SelectItem, SelectItemQualifiedWildcardKind, SetExpr, TableFactor};
    let mut body = v.query.body.as_ref();
    let select = loop {
        match body {
            SetExpr::Select(s) => break s,
            SetExpr::SetOperation { left, .. } => body = left,
            SetExpr::Query(q) => body = q.body.as_ref(),
            _ => return None,
        }
    };
    let mut items = Vec::new();
    for item in &select.projection {
        items.push(match item {
            SelectItem::UnnamedExpr(e) => ViewItem::Named(expr_column_name(e)?),
            SelectItem::ExprWithAlias { alias, .. } => ViewItem::Named(ident(alias)),
            SelectItem::Wildcard(_) => ViewItem::Star(None),
            SelectItem::QualifiedWildcard(SelectItemQualifiedWildcardKind::ObjectName(n), _) => {
                ViewItem::Star(Some(obj(n).name))
            }
            _ => return None,
        });
    }
    let mut from = Vec::new();
    for t in &select.from {
        let factors = std::iter::once(&t.relation).chain(t.joins.iter().map(|j| &j.relation));
        for f in factors {
            match f {
                TableFactor::Table { name, alias, .. } => {
                    if alias.as_ref().is_some_and(|a| !a.columns.is_empty()) {
                        return None;
                    }
                    from.push((obj(name), alias.as_ref().map(|a| ident(&a.name))));
                }
                _ => return None,
            }
        }
    }
    Some(crate::ir::ViewColumns {
        names: v.columns.iter().map(|c| ident(&c.name)).collect(),
        items,
        from,
    })
}

/// The name PostgreSQL gives an unaliased select item, where it is the
/// item's own: a column, a function call, a cast of a column.
fn expr_column_name(e: &Expr) -> Option<String> {
    match e {
        Expr::Identifier(i) => Some(ident(i)),
        Expr::CompoundIdentifier(parts) => parts.last().map(ident),
        Expr::Function(f) => f.name.0.last().map(part),
        Expr::Cast { expr, .. } => expr_column_name(expr),
        Expr::Nested(inner) => expr_column_name(inner),
        _ => None,
    }
}
