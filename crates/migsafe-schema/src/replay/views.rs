//! The queries of views, kept as PostgreSQL keeps them: by reference to
//! what they read, so that a renamed column or relation is renamed in the
//! view's definition too, and `*` is the list of columns it stood for when
//! the view was created.

use migsafe_model::query::ViewQuery;

use super::*;

impl State {
    /// The relation a view's query reads, resolved as PostgreSQL resolves
    /// an unqualified name.
    fn query_relation(q: &ViewQuery) -> Option<QualName> {
        let (schema, name) = q.relation()?;
        Some(qual(&ObjName::qualified(schema, name)))
    }

    /// The output columns of a table or view the model knows in full.
    fn relation_columns(&self, r: &QualName) -> Option<Vec<String>> {
        if let Some(t) = self.out.model.tables.get(r) {
            if self.out.opaque_tables.contains(r) {
                return None;
            }
            return Some(t.columns.iter().map(|c| c.name.clone()).collect());
        }
        self.out.model.views.get(r)?.columns.clone()
    }

    /// A new view's query (`CREATE [OR REPLACE] VIEW`).
    pub(super) fn remember_view_query(&mut self, view: &QualName, query: Option<&str>) {
        let Some(sql) = query else {
            self.view_queries.remove(view);
            return;
        };
        let mut q = ViewQuery::new(sql);
        if let Some(cols) = Self::query_relation(&q).and_then(|r| self.relation_columns(&r)) {
            q.expand_star(&cols);
        }
        self.set_definition(view, &q);
        self.view_queries.insert(view.clone(), q);
    }

    fn set_definition(&mut self, view: &QualName, q: &ViewQuery) {
        if let Some(v) = self.out.model.views.get_mut(view) {
            v.definition = q.canonical();
        }
    }

    /// A column of `table` (or of a view) renamed: the queries reading it.
    pub(super) fn rename_column_in_view_queries(&mut self, table: &QualName, from: &str, to: &str) {
        let mut changed = Vec::new();
        for (v, q) in &mut self.view_queries {
            if Self::query_relation(q).as_ref() == Some(table) {
                q.rename_column(from, to);
                changed.push((v.clone(), q.clone()));
            }
        }
        for (v, q) in changed {
            self.set_definition(&v, &q);
        }
    }

    /// A table or view renamed or moved: the queries reading it, and its
    /// own query when it is a view.
    pub(super) fn move_in_view_queries(&mut self, from: &QualName, to: &QualName) {
        if let Some(q) = self.view_queries.remove(from) {
            self.view_queries.insert(to.clone(), q);
        }
        let mut changed = Vec::new();
        for (v, q) in &mut self.view_queries {
            if Self::query_relation(q).as_ref() == Some(from) {
                q.rename_relation(&from.name, &to.schema, &to.name);
                changed.push((v.clone(), q.clone()));
            }
        }
        for (v, q) in changed {
            self.set_definition(&v, &q);
        }
    }
}
