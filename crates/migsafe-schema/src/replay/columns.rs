//! Columns: drop with what depends on them, rename into every expression.

use super::*;

impl State {
    // ----- columns -------------------------------------------------------

    pub(super) fn drop_column(
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
                    c.expr == col || (c.is_expression() && expression_mentions(&c.expr, &col))
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

    pub(super) fn rename_column(
        &mut self,
        ctx: &Ctx,
        table: &ObjName,
        from: &str,
        to: &str,
    ) -> Outcome {
        let t = qual(table);
        let from = truncate_identifier(from);
        let to = truncate_identifier(to);
        let opaque = self.out.opaque_tables.contains(&t);
        if !self.out.model.tables.contains_key(&t)
            && let Some(v) = self.out.model.views.get_mut(&t)
        {
            // `ALTER TABLE|VIEW v RENAME COLUMN` renames a view's column.
            return match v.columns.as_mut() {
                Some(cols) => match cols.iter().position(|c| *c == from) {
                    Some(i) if !cols.contains(&to) => {
                        cols[i] = to.clone();
                        // Views over this one follow.
                        self.rename_column_in_view_queries(&t, &from, &to);
                        Ok(())
                    }
                    Some(_) => refuse(format!(
                        "column {} of relation {} already exists",
                        q(&to),
                        q(&t.name)
                    )),
                    None => refuse(format!(
                        "column {} of relation {} does not exist",
                        q(&from),
                        q(&t.name)
                    )),
                },
                None => Ok(()),
            };
        }
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
                } else if c.is_expression() {
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
        self.rename_column_in_view_queries(&t, &from, &to);
        let renamed = ctx.touch(Action::Renamed);
        let prov = self.table_prov(&t);
        prov.columns.remove(&from);
        prov.columns.insert(from, renamed.clone());
        prov.columns.insert(to, renamed);
        Ok(())
    }
}
