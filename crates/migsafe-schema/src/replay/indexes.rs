//! Indexes: create, drop, rename.

use super::*;

impl State {
    // ----- indexes -------------------------------------------------------

    #[allow(clippy::too_many_arguments)]
    pub(super) fn create_index(
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
                let expr = if tab.column(&plain).is_some()
                    || !crate::model::is_expression_element(&c.expr)
                {
                    plain
                } else {
                    crate::model::index_element(normalize_expression(&c.expr))
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
                .filter(|c| !crate::model::is_expression_element(&c.expr))
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
        if unique {
            self.note_key(&t, &name);
        }
        self.note_index_name(&t.schema, &name);
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
        crate::opclass::canonicalize_table_opclasses(&mut self.out.model, &t);
        self.table_prov(&t)
            .indexes
            .insert(name, ctx.touch(Action::Created));
        Ok(())
    }

    /// The table that owns the index (or primary key index) `n`.
    pub(super) fn index_owner(&self, n: &QualName) -> Option<(QualName, bool)> {
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

    pub(super) fn drop_index(
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

    pub(super) fn rename_index(&mut self, ctx: &Ctx, index: &ObjName, to: &str) -> Outcome {
        let n = qual(index);
        let to = truncate_identifier(to);
        let Some((t, is_pk)) = self.index_owner(&n) else {
            return refuse(format!("relation {} does not exist", q(&n.name)));
        };
        if self.relation_exists(&sibling(&t, &to)) {
            return refuse(format!("relation {} already exists", q(&to)));
        }
        let renamed = ctx.touch(Action::Renamed);
        self.note_index_name(&t.schema, &to);
        if let Some(tab) = self.out.model.tables.get_mut(&t) {
            if is_pk {
                if let Some(pk) = &mut tab.primary_key {
                    pk.name = Some(to.clone());
                }
            } else if let Some(i) = tab.indexes.iter_mut().find(|i| i.name == n.name) {
                i.name.clone_from(&to);
            }
        }
        self.rename_referenced_key(&t, &n.name, &to);
        let prov = self.table_prov(&t);
        if is_pk {
            prov.primary_key = Some(renamed);
        } else {
            prov.indexes.insert(n.name, renamed.clone());
            prov.indexes.insert(to, renamed);
        }
        Ok(())
    }
}
