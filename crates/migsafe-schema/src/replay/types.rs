//! Types and schemas: enums (values, renames), drops with CASCADE, DROP SCHEMA.

use super::*;

impl State {
    // ----- types ---------------------------------------------------------

    pub(super) fn create_enum(&mut self, ctx: &Ctx, name: &ObjName, values: &[String]) -> Outcome {
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

    pub(super) fn add_enum_value(
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

    pub(super) fn rename_enum_value(
        &mut self,
        ctx: &Ctx,
        name: &ObjName,
        from: &str,
        to: &str,
    ) -> Outcome {
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

    pub(super) fn rename_type(&mut self, ctx: &Ctx, name: &ObjName, to: &str) -> Outcome {
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
                for d in &mut c.default_types {
                    if *d == from {
                        *d = to.clone();
                    }
                }
            }
        }
        Ok(())
    }

    pub(super) fn drop_type(
        &mut self,
        ctx: &Ctx,
        name: &ObjName,
        if_exists: bool,
        cascade: bool,
    ) -> Outcome {
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
        // Defaults that depend on the type (on columns that changed type
        // since, or casts to it).
        let defaults: Vec<(QualName, String)> = self
            .out
            .model
            .tables
            .values()
            .flat_map(|t| {
                t.columns
                    .iter()
                    .filter(|c| !uses_type(c, &n) && c.default_types.contains(&n))
                    .map(|c| (t.name.clone(), c.name.clone()))
            })
            .collect();
        if let Some((t, c)) = defaults.first()
            && !cascade
        {
            return refuse_with(
                format!(
                    "cannot drop type {} because other objects depend on it (default value for column {} of table {})",
                    q(&n.name),
                    q(c),
                    q(&t.name)
                ),
                "drop those defaults first, or write `DROP TYPE … CASCADE`",
            );
        }
        for (t, c) in &users {
            self.drop_column(ctx, t, c, true, true)?;
        }
        for (t, c) in &defaults {
            if let Some(col) = self
                .out
                .model
                .tables
                .get_mut(t)
                .and_then(|tab| tab.column_mut(c))
            {
                col.default = None;
                col.default_types.clear();
            }
            self.table_prov(t)
                .columns
                .insert(c.clone(), ctx.touch(Action::Changed));
        }
        if self.out.model.enums.remove(&n).is_some() {
            let prov = self.out.provenance.enums.entry(n).or_default();
            prov.enum_type = Some(ctx.touch(Action::Dropped));
        } else {
            self.other_types.remove(&n);
        }
        Ok(())
    }

    pub(super) fn drop_schema(&mut self, ctx: &Ctx, name: &str, cascade: bool) -> Outcome {
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
