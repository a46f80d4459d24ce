//! One operation of the IR applied to the model: the dispatch to each object kind.

use super::*;

impl State {
    /// One operation on the object it names (its partitions get theirs
    /// from `apply_op`).
    pub(super) fn apply_here(&mut self, ctx: &Ctx, kind: &OpKind) -> Outcome {
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
                if let Some(migsafe_classify::ir::TableSource::PartitionOf { parent }) = source {
                    return self.create_partition(
                        ctx,
                        table,
                        *if_not_exists,
                        parent,
                        columns,
                        constraints,
                    );
                }
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
                collation,
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
                // The new type's default collation unless one is written.
                let collation = collation.as_deref().and_then(collation_name);
                self.with_column(ctx, table, column, |c| {
                    c.ty = normalize_type(data_type);
                    c.collation = collation;
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
            } => {
                let ty = self
                    .out
                    .model
                    .tables
                    .get(&qual(table))
                    .and_then(|t| t.column(&truncate_identifier(column)))
                    .map(|c| c.ty.clone());
                let deps = ty
                    .map(|t| self.default_types(&t, default))
                    .unwrap_or_default();
                self.with_column(ctx, table, column, |c| {
                    c.default = column_default(default);
                    c.default_types = deps;
                    Ok(())
                })
            }
            DropDefault { table, column } => self.with_column(ctx, table, column, |c| {
                c.default = None;
                c.default_types.clear();
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
                columns,
                query,
                ..
            } => {
                let n = qual(name);
                if self.out.model.tables.contains_key(&n) {
                    return refuse(format!("relation {} already exists", q(&n.name)));
                }
                let mut starred = Vec::new();
                let columns = columns
                    .as_ref()
                    .and_then(|c| self.view_output(c, &mut starred));
                self.view_refs.insert(
                    n.clone(),
                    references
                        .iter()
                        .map(|r| truncate_identifier(r))
                        .chain(starred)
                        .collect(),
                );
                self.out.model.views.insert(
                    n.clone(),
                    View {
                        name: n.clone(),
                        materialized: *materialized,
                        columns,
                        definition: None,
                        references: self.view_refs.get(&n).cloned().unwrap_or_default(),
                    },
                );
                self.remember_view_query(&n, query.as_deref());
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
                    for t in self.out.model.tables.values_mut() {
                        for c in &mut t.columns {
                            for d in &mut c.default_types {
                                if *d == n {
                                    *d = to.clone();
                                }
                            }
                        }
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
            CreateTrigger {
                name,
                table,
                or_replace,
                spec,
            } => self.create_trigger(name, table, *or_replace, spec.as_deref()),
            DropTrigger {
                name,
                table,
                if_exists,
            } => self.drop_trigger(name, table.as_ref(), *if_exists),
            CreateFunction {
                name,
                or_replace,
                spec,
            } => self.create_function(name, *or_replace, spec.as_deref()),
            DropFunction {
                names,
                args,
                if_exists,
                cascade,
            } => self.drop_functions(names, args, *if_exists, *cascade),
            Truncate { .. }
            | Delete { .. }
            | Update { .. }
            | Insert { .. }
            | Select
            | Transaction { .. }
            | Set { .. }
            | Comment { .. }
            | Lock { .. }
            | Grant
            | Revoke
            | Maintenance { .. }
            | DoBlock
            | TableSetting { .. }
            | Other { .. } => Ok(()),
            AttachPartition { table, partition } => self.attach_partition(ctx, table, partition),
            DetachPartition {
                table, partition, ..
            } => self.detach_partition(table, partition),
        }
    }
}
