//! Constraints: primary keys, unique, foreign keys, checks; add, drop, rename.

use super::*;

impl State {
    // ----- constraints ---------------------------------------------------

    pub(super) fn add_check(
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
        self.note_constraint_name(&name);
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

    pub(super) fn missing_columns(&self, t: &QualName, cols: &[String]) -> Option<String> {
        let tab = self.out.model.tables.get(t)?;
        if self.out.opaque_tables.contains(t) {
            return None;
        }
        cols.iter().find(|c| tab.column(c).is_none()).cloned()
    }

    pub(super) fn add_constraint(
        &mut self,
        ctx: &Ctx,
        t: &QualName,
        c: &ConstraintSpec,
    ) -> Outcome {
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
                        name: Some(name.clone()),
                        columns: cols,
                    });
                }
                self.note_key(t, &name);
                self.note_index_name(&t.schema, &name);
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
                self.note_key(t, &name);
                self.note_index_name(&t.schema, &name);
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
                self.note_index_name(&t.schema, &name);
                if name != idx {
                    // The index becomes the key under its new name (and
                    // keeps its age).
                    self.rename_referenced_key(t, &idx, &name);
                }
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

    pub(super) fn add_foreign_key(
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
        // The key PostgreSQL ties the foreign key to: without a column
        // list the primary key; with one, the oldest matching unique index,
        // the primary key's included (checked against PostgreSQL 15).
        let pk_key = pk_name(rt).filter(|_| {
            rt.primary_key
                .as_ref()
                .is_some_and(|p| same_set(&p.columns, &ref_cols))
        });
        let candidates: Vec<String> = pk_key
            .into_iter()
            .chain(
                rt.indexes
                    .iter()
                    .filter(|i| {
                        i.unique
                            && i.predicate.is_none()
                            && same_set(
                                &i.columns.iter().map(|c| c.expr.clone()).collect::<Vec<_>>(),
                                &ref_cols,
                            )
                    })
                    .map(|i| i.name.clone()),
            )
            .collect();
        let referenced_key = if fk.referenced_columns.is_empty() {
            candidates.into_iter().next()
        } else {
            candidates
                .into_iter()
                .min_by_key(|k| self.key_created(&target, k))
        };
        let keyed = referenced_key.is_some();
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
        self.note_constraint_name(&name);
        if let Some(tab) = self.out.model.tables.get_mut(t) {
            tab.foreign_keys.push(ForeignKey {
                name: Some(name.clone()),
                columns: cols,
                referenced_table: target,
                referenced_columns: ref_cols,
                on_delete: ref_action(fk.on_delete),
                on_update: ref_action(fk.on_update),
                characteristics: Some(migsafe_schema_fk(fk, !self.adding_not_valid)),
                referenced_key,
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
    pub(super) fn fks_depending_on_key(
        &self,
        t: &QualName,
        cols: &[String],
        except: &str,
    ) -> Vec<(QualName, String)> {
        let Some(tab) = self.out.model.tables.get(t) else {
            return Vec::new();
        };
        // Foreign keys tied to this very key depend on it, whatever other
        // key could serve them (PostgreSQL records the dependency on the
        // key's index at creation).
        let tied: Vec<(QualName, String)> = self
            .out
            .model
            .tables
            .values()
            .flat_map(|o| {
                o.foreign_keys
                    .iter()
                    .filter(|f| {
                        f.referenced_table == *t && f.referenced_key.as_deref() == Some(except)
                    })
                    .map(|f| (o.name.clone(), f.name.clone().unwrap_or_default()))
            })
            .collect();
        if !tied.is_empty() {
            return tied;
        }
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

    pub(super) fn drop_constraint(
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
    pub(super) fn key_columns(&self, t: &QualName, n: &str) -> Vec<String> {
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

    pub(super) fn rename_constraint(
        &mut self,
        ctx: &Ctx,
        table: &ObjName,
        from: &str,
        to: &str,
    ) -> Outcome {
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
        self.note_index_name(&t.schema, &to);
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
        if matches!(kind, ConstraintRef::PrimaryKey | ConstraintRef::Unique) {
            self.rename_referenced_key(&t, &from, &to);
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
}
