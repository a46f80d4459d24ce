//! Partitions: `CREATE TABLE … PARTITION OF`, what a change of the parent's
//! columns does to its partitions, `ATTACH` and `DETACH PARTITION`.
//!
//! A partition has its parent's columns; PostgreSQL keeps them in step (an
//! `ALTER TABLE` on the parent recurses into every partition) and clones
//! the parent's keys, indexes, checks and foreign keys into each partition.
//! The clones are the parent's: they cannot be dropped or changed on their
//! own, the introspection leaves them out, and so does the replay — a
//! partition holds its columns and what was created on it alone.
//!
//! Not replayed: the names the cloned indexes take (`part_col_idx`), which
//! a later index of the same name on the partition would collide with, and
//! `ALTER TABLE ONLY parent …`, which does not recurse.

use super::*;

impl State {
    /// One operation, then what PostgreSQL does with it to the partitions
    /// of the table it changes.
    pub(super) fn apply_op(&mut self, ctx: &Ctx, kind: &OpKind) -> Outcome {
        let index_on = match kind {
            OpKind::CreateIndex { table, .. } | OpKind::AddConstraint { table, .. } => {
                Some(qual(table))
            }
            _ => None,
        };
        let before = index_on.as_ref().and_then(|t| {
            let tab = self.out.model.tables.get(t)?;
            Some((tab.indexes.clone(), tab.primary_key.clone()))
        });
        self.apply_here(ctx, kind)?;
        if let (Some(t), Some((indexes, pk))) = (index_on, before) {
            self.attach_equal_indexes(&t, &indexes, pk.is_some());
        }
        self.recurse_into_partitions(ctx, kind)
    }

    /// An index (or key) created on a partitioned table is built on each
    /// partition — unless the partition has an equal index of its own,
    /// which PostgreSQL attaches instead: from then on it is the parent's.
    fn attach_equal_indexes(&mut self, t: &QualName, before: &[Index], had_pk: bool) {
        let children = self.descendants(t);
        if children.is_empty() {
            return;
        }
        let Some(parent) = self.out.model.tables.get(t).cloned() else {
            return;
        };
        let new: Vec<&Index> = parent
            .indexes
            .iter()
            .filter(|i| !before.iter().any(|b| b.name == i.name))
            .collect();
        let new_pk = if had_pk {
            None
        } else {
            parent.primary_key.clone()
        };
        for child in children {
            let Some(tab) = self.out.model.tables.get_mut(&child) else {
                continue;
            };
            for pi in &new {
                if let Some(pos) = tab.indexes.iter().position(|ci| same_index(ci, pi)) {
                    tab.indexes.remove(pos);
                }
            }
            if let (Some(pk), Some(ck)) = (&new_pk, &tab.primary_key)
                && pk.columns == ck.columns
            {
                tab.primary_key = None;
            }
        }
    }

    /// Every partition of `t`, and theirs, that the model holds.
    fn descendants(&self, t: &QualName) -> Vec<QualName> {
        let mut out: Vec<QualName> = Vec::new();
        let mut todo = vec![t.clone()];
        while let Some(n) = todo.pop() {
            for c in self.partitions.get(&n).into_iter().flatten() {
                if c != t && !out.contains(c) && self.out.model.tables.contains_key(c) {
                    out.push(c.clone());
                    todo.push(c.clone());
                }
            }
        }
        out
    }

    pub(super) fn create_partition(
        &mut self,
        ctx: &Ctx,
        table: &ObjName,
        if_not_exists: bool,
        parent: &ObjName,
        columns: &[ColumnSpec],
        constraints: &[ConstraintSpec],
    ) -> Outcome {
        let t = qual(table);
        let p = qual(parent);
        let existed = self.relation_exists(&t);
        if existed {
            return self.create_table(ctx, table, if_not_exists, &[], &[], false);
        }
        let (inherited, opaque) =
            self.source_columns(&migsafe_classify::ir::TableSource::PartitionOf {
                parent: parent.clone(),
            })?;
        self.create_table(ctx, table, if_not_exists, &[], &[], opaque)?;
        self.partitions.entry(p).or_default().push(t.clone());
        if opaque {
            return Ok(());
        }
        let touch = ctx.touch(Action::Created);
        for c in &inherited {
            self.table_prov(&t)
                .columns
                .insert(c.name.clone(), touch.clone());
        }
        if let Some(tab) = self.out.model.tables.get_mut(&t) {
            tab.columns = inherited;
        }
        // `PARTITION OF parent (col WITH OPTIONS NOT NULL DEFAULT …, …)`:
        // options on inherited columns, and constraints of its own.
        let mut result = Ok(());
        for c in columns {
            let name = truncate_identifier(&c.name);
            let Some(ty) = self
                .out
                .model
                .tables
                .get(&t)
                .and_then(|x| x.column(&name))
                .map(|col| col.ty.clone())
            else {
                result = refuse(format!("column {} does not exist", q(&name)));
                continue;
            };
            let default = c
                .default
                .as_ref()
                .map(|d| (column_default(d), self.default_types(&ty, d)));
            if let Some(col) = self
                .out
                .model
                .tables
                .get_mut(&t)
                .and_then(|x| x.column_mut(&name))
            {
                if c.not_null || c.primary_key {
                    col.nullable = false;
                }
                if let Some((d, deps)) = default {
                    col.default = d;
                    col.default_types = deps;
                }
            }
        }
        let constrained = self.add_table_constraints(ctx, &t, columns, constraints);
        result.and(constrained)
    }

    /// After a change of a partitioned table's columns, the same change to
    /// each of its partitions.
    fn recurse_into_partitions(&mut self, ctx: &Ctx, kind: &OpKind) -> Outcome {
        use OpKind::*;
        let (table, column) = match kind {
            AddColumn { table, column, .. } => (table, column.name.as_str()),
            DropColumn { table, column, .. }
            | AlterColumnType { table, column, .. }
            | SetNotNull { table, column }
            | DropNotNull { table, column }
            | SetDefault { table, column, .. }
            | DropDefault { table, column }
            | AlterColumnOther { table, column, .. } => (table, column.as_str()),
            RenameColumn { table, from, .. } => (table, from.as_str()),
            AddConstraint {
                table,
                constraint:
                    ConstraintSpec {
                        kind: ConstraintKind::PrimaryKey { .. },
                        ..
                    },
                ..
            } => (table, ""),
            _ => return Ok(()),
        };
        let t = qual(table);
        let children = self.descendants(&t);
        if children.is_empty() {
            return Ok(());
        }
        let column = truncate_identifier(column);
        let parent_column = self
            .out
            .model
            .tables
            .get(&t)
            .and_then(|x| x.column(&column))
            .cloned();
        for child in children {
            let name = ObjName::qualified(Some(child.schema.clone()), child.name.clone());
            match kind {
                DropColumn { cascade, .. } => {
                    self.drop_column(ctx, &child, &column, true, *cascade)?;
                }
                RenameColumn { from, to, .. } => self.rename_column(ctx, &name, from, to)?,
                AddConstraint {
                    constraint:
                        ConstraintSpec {
                            kind: ConstraintKind::PrimaryKey { columns },
                            ..
                        },
                    ..
                } => {
                    // The key is cloned; its columns become NOT NULL.
                    for c in columns {
                        self.with_column(ctx, &name, c, |col| {
                            col.nullable = false;
                            Ok(())
                        })?;
                    }
                }
                AddColumn { .. } => {
                    let Some(pc) = &parent_column else { continue };
                    let Some(tab) = self.out.model.tables.get_mut(&child) else {
                        continue;
                    };
                    if tab.column(&pc.name).is_none() {
                        tab.columns.push(Column {
                            identity: false,
                            ..pc.clone()
                        });
                        self.table_prov(&child)
                            .columns
                            .insert(pc.name.clone(), ctx.touch(Action::Created));
                    }
                }
                _ => {
                    let Some(pc) = &parent_column else { continue };
                    self.with_column(ctx, &name, &column, |col| {
                        match kind {
                            AlterColumnType { .. } => {
                                col.ty = pc.ty.clone();
                                col.collation = pc.collation.clone();
                            }
                            SetNotNull { .. } | DropNotNull { .. } => col.nullable = pc.nullable,
                            SetDefault { .. } | DropDefault { .. } => {
                                col.default = pc.default.clone();
                                col.default_types = pc.default_types.clone();
                            }
                            _ => col.generated = pc.generated.clone(),
                        }
                        Ok(())
                    })?;
                }
            }
        }
        Ok(())
    }

    /// `ALTER TABLE parent ATTACH PARTITION t …`: `t`'s indexes, keys,
    /// foreign keys and checks that equal one of the parent's become the
    /// parent's clones (PostgreSQL attaches the oldest equal index instead
    /// of building one), and `t` follows the parent's column changes.
    pub(super) fn attach_partition(
        &mut self,
        ctx: &Ctx,
        table: &ObjName,
        partition: &ObjName,
    ) -> Outcome {
        let p = qual(table);
        let t = qual(partition);
        self.require_table(table)?;
        self.require_table(partition)?;
        self.partitions
            .entry(p.clone())
            .or_default()
            .push(t.clone());
        if self.out.opaque_tables.contains(&p) {
            // What the parent has is unknown: so is what `t` keeps.
            self.out.opaque_tables.insert(t);
            return Ok(());
        }
        let Some(parent) = self.out.model.tables.get(&p).cloned() else {
            return Ok(());
        };
        let Some(tab) = self.out.model.tables.get_mut(&t) else {
            return Ok(());
        };
        let mut attached: Vec<String> = Vec::new();
        for pi in &parent.indexes {
            if let Some(ci) = tab
                .indexes
                .iter()
                .find(|ci| !attached.contains(&ci.name) && same_index(ci, pi))
            {
                attached.push(ci.name.clone());
            }
        }
        tab.indexes.retain(|i| !attached.contains(&i.name));
        if let (Some(pk), Some(ck)) = (&parent.primary_key, &tab.primary_key)
            && pk.columns == ck.columns
        {
            tab.primary_key = None;
        }
        let same_fk = |a: &ForeignKey, b: &ForeignKey| {
            ForeignKey {
                name: None,
                referenced_key: None,
                ..a.clone()
            } == ForeignKey {
                name: None,
                referenced_key: None,
                ..b.clone()
            }
        };
        let mut fks = std::mem::take(&mut tab.foreign_keys);
        for pf in &parent.foreign_keys {
            if let Some(pos) = fks.iter().position(|cf| same_fk(cf, pf)) {
                fks.remove(pos);
            }
        }
        tab.foreign_keys = fks;
        // A check of the parent's name is merged into the parent's, and is
        // never the partition's own again.
        tab.checks.retain(|c| {
            !parent
                .checks
                .iter()
                .any(|pc| pc.name.is_some() && pc.name == c.name)
        });
        let touch = ctx.touch(Action::Changed);
        let prov = self.table_prov(&t);
        prov.table = Some(touch);
        Ok(())
    }

    /// `DETACH PARTITION t`: the clones become `t`'s own objects, under the
    /// names PostgreSQL gave them, which the replay does not know: `t` is
    /// compared by existence from here on.
    pub(super) fn detach_partition(&mut self, table: &ObjName, partition: &ObjName) -> Outcome {
        let p = qual(table);
        let t = qual(partition);
        self.require_table(table)?;
        self.require_table(partition)?;
        let Some(children) = self.partitions.get_mut(&p) else {
            return refuse(format!(
                "relation {} is not a partition of relation {}",
                q(&t.name),
                q(&p.name)
            ));
        };
        let Some(pos) = children.iter().position(|c| *c == t) else {
            return refuse(format!(
                "relation {} is not a partition of relation {}",
                q(&t.name),
                q(&p.name)
            ));
        };
        children.remove(pos);
        self.out.opaque_tables.insert(t);
        Ok(())
    }
}

/// Equal as PostgreSQL 15 matches a partition's index to its parent's
/// (`CompareIndexInfo`): all but the name, the storage parameters and the
/// sort order of the keys (`DESC` is not compared: an ascending index is
/// attached to a descending one).
fn same_index(a: &Index, b: &Index) -> bool {
    let key = |i: &Index| Index {
        name: String::new(),
        columns: i
            .columns
            .iter()
            .map(|c| IndexColumn {
                descending: false,
                ..c.clone()
            })
            .collect(),
        options: i.options.as_ref().map(|o| IndexOptions {
            storage: Vec::new(),
            ..o.clone()
        }),
        ..i.clone()
    };
    key(a) == key(b)
}
