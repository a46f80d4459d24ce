//! Tables: create (plain and derived), drop with what depends on them, rename, move.

use super::*;

impl State {
    // ----- tables --------------------------------------------------------

    /// The columns a derived table gets from its source, and whether more
    /// than the columns comes with them (`INCLUDING` constraints, indexes,
    /// identity, generated: the table stays opaque).
    pub(super) fn source_columns(
        &self,
        source: &migsafe_classify::ir::TableSource,
    ) -> Result<(Vec<Column>, bool), Refusal> {
        use migsafe_classify::ir::TableSource;
        let from = match source {
            TableSource::Like { table, .. } => qual(table),
            TableSource::Query { from, .. } => qual(from),
            TableSource::PartitionOf { parent } => qual(parent),
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
            // A partition has its parent's columns (not its identity: a
            // partition of PostgreSQL 15 has none); what it clones besides
            // (keys, indexes, checks, foreign keys) is the parent's and
            // compared there.
            TableSource::PartitionOf { .. } => Ok((
                src.columns
                    .iter()
                    .map(|c| Column {
                        identity: false,
                        ..c.clone()
                    })
                    .collect(),
                opaque_src,
            )),
            TableSource::Like {
                defaults,
                including_more,
                ..
            } => {
                let cols = src
                    .columns
                    .iter()
                    .map(|c| {
                        let mut deps = if *defaults {
                            c.default_types.clone()
                        } else {
                            Vec::new()
                        };
                        // A copied `nextval` default uses the source's
                        // sequence: it goes when that sequence goes.
                        if *defaults && c.default == Some(DefaultValue::Sequence) {
                            deps.extend(
                                self.owned_sequences
                                    .iter()
                                    .filter(|(_, (ot, oc))| *ot == from && *oc == c.name)
                                    .map(|(s, _)| s.clone()),
                            );
                        }
                        Column {
                            default: if *defaults { c.default.clone() } else { None },
                            identity: false,
                            generated: None,
                            default_types: deps,
                            ..c.clone()
                        }
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

    pub(super) fn create_table(
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
        // Refused before anything is created: a refused first statement of
        // a file then needs no undo (`Replayer::apply_migration_observed`).
        let mut seen: std::collections::HashSet<String> = std::collections::HashSet::new();
        if let Some(c) = columns
            .iter()
            .map(|c| truncate_identifier(&c.name))
            .find(|c| !seen.insert(c.clone()))
        {
            return refuse(format!("column {} specified more than once", q(&c)));
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
        // (The duplicates were looked for with a set, not a search of the
        // columns so far: a table of 40,000 columns stays linear.)
        for c in columns {
            self.push_column(ctx, &t, c);
        }
        self.add_table_constraints(ctx, &t, columns, constraints)
    }

    /// The inline and table constraints of a `CREATE TABLE`, once its
    /// columns are there.
    pub(super) fn add_table_constraints(
        &mut self,
        ctx: &Ctx,
        t: &QualName,
        columns: &[ColumnSpec],
        constraints: &[ConstraintSpec],
    ) -> Outcome {
        let t = t.clone();
        let mut result = Ok(());
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
    pub(super) fn push_column(&mut self, ctx: &Ctx, t: &QualName, c: &ColumnSpec) {
        let name = truncate_identifier(&c.name);
        let mut col = Column::new(name.clone(), normalize_type(&c.data_type));
        col.nullable = !(c.not_null || c.primary_key || c.identity);
        col.identity = c.identity;
        col.generated = c.generated.as_deref().map(normalize_expression);
        col.collation = c.collation.as_deref().and_then(collation_name);
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
            col.default_types = self.default_types(&col.ty, d);
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
    pub(super) fn add_identity_sequence(&mut self, t: &QualName, column: &str) {
        let seq_name = self.choose_relation_name(t, Some(column), "seq", false);
        let seq = sibling(t, &seq_name);
        self.identity_sequences.insert(seq.clone());
        self.owned_sequences
            .insert(seq, (t.clone(), column.to_owned()));
    }

    /// Drops a sequence owned by a column that goes away.
    pub(super) fn drop_owned_sequence(&mut self, ctx: &Ctx, s: QualName) {
        self.owned_sequences.remove(&s);
        // Defaults elsewhere that use it go with it (`LIKE … INCLUDING
        // DEFAULTS` copies `nextval` of the source's sequence).
        for t in self.out.model.tables.values_mut() {
            for c in &mut t.columns {
                if c.default_types.contains(&s) {
                    c.default = None;
                    c.default_types.retain(|d| *d != s);
                }
            }
        }
        if self.identity_sequences.remove(&s) {
            return;
        }
        self.out.model.sequences.remove(&s);
        self.out
            .provenance
            .sequences
            .insert(s, ctx.touch(Action::Dropped));
    }

    pub(super) fn add_column(
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

    pub(super) fn drop_tables(
        &mut self,
        ctx: &Ctx,
        tables: &[ObjName],
        if_exists: bool,
        cascade: bool,
    ) -> Outcome {
        let mut names: Vec<QualName> = tables.iter().map(qual).collect();
        // A partitioned table goes with its partitions.
        let mut i = 0;
        while i < names.len() {
            if let Some(children) = self.partitions.get(&names[i]) {
                for c in children {
                    if !names.contains(c) && self.out.model.tables.contains_key(c) {
                        names.push(c.clone());
                    }
                }
            }
            i += 1;
        }
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
            // Defaults of other tables that use a sequence this table owns.
            let owned: Vec<QualName> = self
                .owned_sequences
                .iter()
                .filter(|(_, (ot, _))| ot == t)
                .map(|(s, _)| s.clone())
                .collect();
            let seq_users: Vec<(QualName, String)> = self
                .out
                .model
                .tables
                .values()
                .filter(|o| !names.contains(&o.name))
                .flat_map(|o| {
                    o.columns
                        .iter()
                        .filter(|c| c.default_types.iter().any(|d| owned.contains(d)))
                        .map(|c| (o.name.clone(), c.name.clone()))
                })
                .collect();
            if let Some((o, c)) = seq_users.first()
                && !cascade
            {
                result = refuse_with(
                    format!(
                        "cannot drop table {} because other objects depend on it (default value for column {} of table {} uses its sequence)",
                        q(&t.name),
                        q(c),
                        q(&o.name)
                    ),
                    "drop that default first, or write `DROP TABLE … CASCADE`",
                );
                continue;
            }
            for (o, f) in &dependents {
                self.remove_fk(ctx, o, f);
            }
            self.remove_table(ctx, t);
        }
        result
    }

    pub(super) fn remove_table(&mut self, ctx: &Ctx, t: &QualName) {
        self.partitions.remove(t);
        for children in self.partitions.values_mut() {
            children.retain(|c| c != t);
        }
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

    pub(super) fn remove_fk(&mut self, ctx: &Ctx, table: &QualName, name: &str) {
        if let Some(tab) = self.out.model.tables.get_mut(table) {
            tab.foreign_keys.retain(|f| f.name.as_deref() != Some(name));
        }
        self.table_prov(table)
            .foreign_keys
            .insert(name.to_owned(), ctx.touch(Action::Dropped));
    }

    /// Renames a table or moves it to another schema.
    pub(super) fn move_table(&mut self, ctx: &Ctx, from: &QualName, to: QualName) -> Outcome {
        if from == &to {
            return Ok(());
        }
        // Partitions follow their parent's new name and their own (a
        // refused move rolls the whole file back, this with it).
        if let Some(children) = self.partitions.remove(from) {
            self.partitions.insert(to.clone(), children);
        }
        for children in self.partitions.values_mut() {
            for c in children.iter_mut() {
                if c == from {
                    *c = to.clone();
                }
            }
        }
        if !self.out.model.tables.contains_key(from) {
            if let Some(v) = self.out.model.views.remove(from) {
                // `ALTER TABLE … RENAME` works on views too.
                self.out.model.views.insert(
                    to.clone(),
                    View {
                        name: to.clone(),
                        ..v
                    },
                );
                if let Some(refs) = self.view_refs.remove(from) {
                    self.view_refs.insert(to.clone(), refs);
                }
                self.rename_in_views(&from.name, &from.name, &to.name);
                self.move_in_view_queries(from, &to);
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
        // Its indexes and key move with it (to another schema).
        for n in tab
            .indexes
            .iter()
            .map(|i| i.name.clone())
            .chain(tab.primary_key.as_ref().and_then(|k| k.name.clone()))
            .collect::<Vec<_>>()
        {
            self.note_index_name(&to.schema, &n);
        }
        tab.name = to.clone();
        self.out.model.tables.insert(to.clone(), tab);
        self.rename_in_views(&from.name, &from.name, &to.name);
        self.move_in_view_queries(from, &to);
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
}
