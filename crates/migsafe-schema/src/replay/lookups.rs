//! Looking things up in the model: tables, columns, relation and constraint names, dependent views.

use super::*;

impl State {
    // ----- lookups -------------------------------------------------------

    pub(super) fn require_table(&self, table: &ObjName) -> Outcome {
        let t = qual(table);
        if self.out.model.tables.contains_key(&t) {
            Ok(())
        } else {
            refuse(format!("relation {} does not exist", q(&t.name)))
        }
    }

    /// The views whose query names relation `t` (and `column`, when given),
    /// directly.
    pub(super) fn views_using(&self, t: &QualName, column: Option<&str>) -> Vec<QualName> {
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
    pub(super) fn drop_views(&mut self, ctx: &Ctx, mut pending: Vec<QualName>) {
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
    pub(super) fn dependent_views(
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
    pub(super) fn rename_in_views(&mut self, table: &str, from: &str, to: &str) {
        for (v, refs) in self.view_refs.iter_mut() {
            if refs.iter().any(|r| r == table) || table == from {
                for r in refs.iter_mut() {
                    if r == from {
                        *r = to.to_owned();
                    }
                }
                if let Some(view) = self.out.model.views.get_mut(v) {
                    view.references.clone_from(refs);
                }
            }
        }
    }

    /// The user types a default on a column of type `ty` depends on: the
    /// column's own enum (its literal is a value of it) and every type the
    /// expression casts to (`'a'::"Mood"`).
    pub(super) fn default_types(
        &self,
        ty: &crate::types::NormalizedType,
        default: &str,
    ) -> Vec<QualName> {
        let mut out = Vec::new();
        if let Some((schema, name)) = ty.user_type() {
            let q = QualName::new(schema.as_deref(), name);
            if self.out.model.enums.contains_key(&q) {
                out.push(q);
            }
        }
        let toks: Vec<_> = migsafe_classify::lex::lex(default)
            .tokens
            .into_iter()
            .filter(|t| !t.kind.is_trivia())
            .collect();
        for (i, t) in toks.iter().enumerate() {
            if t.text(default) != "::" {
                continue;
            }
            let ident = |j: usize| {
                toks.get(j)
                    .filter(|t| {
                        matches!(
                            t.kind,
                            migsafe_classify::lex::TokenKind::Word
                                | migsafe_classify::lex::TokenKind::QuotedIdent
                        )
                    })
                    .map(|t| {
                        truncate_identifier(&migsafe_classify::lex::ident_value(
                            t.kind,
                            t.text(default),
                        ))
                    })
            };
            let Some(first) = ident(i + 1) else { continue };
            let q = if toks.get(i + 2).is_some_and(|t| t.text(default) == ".") {
                match ident(i + 3) {
                    Some(second) => QualName::new(Some(&first), second),
                    None => continue,
                }
            } else {
                QualName::new(None, first)
            };
            if (self.out.model.enums.contains_key(&q) || self.other_types.contains(&q))
                && !out.contains(&q)
            {
                out.push(q);
            }
        }
        out
    }

    /// A key of `t` renamed: the foreign keys tied to it follow.
    pub(super) fn rename_referenced_key(&mut self, t: &QualName, from: &str, to: &str) {
        if let Some(seq) = self.key_order.remove(&(t.schema.clone(), from.to_owned())) {
            self.key_order
                .insert((t.schema.clone(), to.to_owned()), seq);
        }
        for o in self.out.model.tables.values_mut() {
            for f in &mut o.foreign_keys {
                if f.referenced_table == *t && f.referenced_key.as_deref() == Some(from) {
                    f.referenced_key = Some(to.to_owned());
                }
            }
        }
    }

    pub(super) fn require_column(&self, table: &ObjName, column: &str) -> Outcome {
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

    pub(super) fn tables_in<'a>(&'a self, schema: &'a str) -> impl Iterator<Item = &'a Table> + 'a {
        self.out
            .model
            .tables
            .values()
            .filter(move |t| t.name.schema == schema)
    }

    /// A relation (table, view, sequence, index) with this name exists in
    /// the schema.
    pub(super) fn relation_exists(&self, n: &QualName) -> bool {
        self.out.model.tables.contains_key(n)
            || self.out.model.views.contains_key(n)
            || self.out.model.sequences.contains(n)
            || self.identity_sequences.contains(n)
            || (self
                .index_names
                .contains(&(n.schema.clone(), n.name.clone()))
                && self.tables_in(&n.schema).any(|t| {
                    t.indexes.iter().any(|i| i.name == n.name)
                        || t.primary_key
                            .as_ref()
                            .is_some_and(|p| p.name.as_deref() == Some(n.name.as_str()))
                }))
    }

    /// A constraint with this name exists somewhere in the schema.
    pub(super) fn constraint_name_exists(&self, schema: &str, name: &str) -> bool {
        if !self.constraint_names.contains(name) {
            return false;
        }
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
    pub(super) fn choose_relation_name(
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
    pub(super) fn choose_constraint_name(
        &self,
        table: &QualName,
        name2: Option<&str>,
        label: &str,
    ) -> String {
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
    pub(super) fn find_constraint(&self, t: &QualName, name: &str) -> Option<ConstraintRef> {
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

    pub(super) fn type_exists(&self, n: &QualName) -> bool {
        self.out.model.enums.contains_key(n) || self.other_types.contains(n)
    }

    pub(super) fn table_prov(&mut self, t: &QualName) -> &mut TableProvenance {
        self.out.provenance.tables.entry(t.clone()).or_default()
    }

    /// Runs `f` on an existing column of an existing table and records the
    /// change.
    pub(super) fn with_column(
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
}

impl State {
    /// A view's output column names: the select list with its stars
    /// expanded from the tables and views the model holds, the names of
    /// `CREATE VIEW v (a, b)` over the first ones; `None` when one cannot
    /// be known.
    /// The columns a star expands to are pushed on `starred` (the view
    /// depends on each of them: dropping one drops the view).
    pub(super) fn view_output(
        &self,
        c: &migsafe_classify::ir::ViewColumns,
        starred: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        use migsafe_classify::ir::ViewItem;
        let columns_of = |o: &ObjName| -> Option<Vec<String>> {
            let n = qual(o);
            match self.out.model.tables.get(&n) {
                Some(t) if !t.opaque => Some(t.columns.iter().map(|c| c.name.clone()).collect()),
                Some(_) => None,
                None => self.out.model.views.get(&n)?.columns.clone(),
            }
        };
        let mut out = Vec::new();
        for item in &c.items {
            match item {
                ViewItem::Named(n) => out.push(truncate_identifier(n)),
                // `*` over joins merges `USING` columns: only one relation.
                ViewItem::Star(None) => match c.from.as_slice() {
                    [(o, _)] => {
                        let cols = columns_of(o)?;
                        starred.extend(cols.iter().cloned());
                        out.extend(cols);
                    }
                    _ => return None,
                },
                ViewItem::Star(Some(q)) => {
                    let (o, _) = c
                        .from
                        .iter()
                        .find(|(o, a)| a.as_deref().map_or(o.name == *q, |a| a == q))?;
                    let cols = columns_of(o)?;
                    starred.extend(cols.iter().cloned());
                    out.extend(cols);
                }
            }
        }
        for (slot, name) in out.iter_mut().zip(&c.names) {
            *slot = truncate_identifier(name);
        }
        Some(out)
    }
}
