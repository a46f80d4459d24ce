//! Relations: pairing relation fields, and Prisma's relation checks.

use crate::ast::*;
use crate::diagnostic::Diagnostics;
use crate::span::Span;
use crate::validate::{Symbols, expr_field_refs, relation_fields, string_arg};

/// A field whose type is a model, with its `@relation` arguments read.
#[derive(Clone, Debug)]
pub(crate) struct RelationField<'a> {
    pub model: &'a Model,
    pub field: &'a Field,
    pub target: &'a Model,
    pub attr: Option<&'a Attribute>,
    /// The relation name (`@relation("name")` or `name:`).
    pub name: Option<String>,
    pub fields: Option<(Vec<(String, Span)>, Span)>,
    pub references: Option<(Vec<(String, Span)>, Span)>,
    pub on_delete: Option<(String, Span)>,
    pub on_update: Option<(String, Span)>,
    /// `map:`: the foreign key's name.
    pub map: Option<String>,
}

impl<'a> RelationField<'a> {
    pub fn new(model: &'a Model, field: &'a Field, target: &'a Model) -> Self {
        let attr = field.attribute("relation");
        let list = |n: &str| {
            attr.and_then(|a| a.named(n))
                .and_then(|x| x.value.as_ref())
                .map(|v| (expr_field_refs(v), v.span()))
        };
        let action = |n: &str| {
            attr.and_then(|a| a.named(n))
                .and_then(|x| x.value.as_ref())
                .map(|v| (v.as_constant().unwrap_or("").to_owned(), v.span()))
        };
        let name = attr.and_then(|a| {
            a.arguments
                .iter()
                .find(|x| x.name.is_none())
                .or_else(|| a.named("name"))
                .and_then(|x| x.value.as_ref())
                .and_then(Expression::as_str)
                .map(str::to_owned)
        });
        RelationField {
            model,
            field,
            target,
            attr,
            name,
            fields: list("fields"),
            references: list("references"),
            on_delete: action("onDelete"),
            on_update: action("onUpdate"),
            map: attr.and_then(|a| string_arg(a, "map")).map(str::to_owned),
        }
    }

    fn same(&self, other: &RelationField<'_>) -> bool {
        std::ptr::eq(self.field, other.field)
    }

    fn is_list(&self) -> bool {
        self.field.arity == Arity::List
    }

    fn has_fields(&self) -> bool {
        self.fields.as_ref().is_some_and(|(f, _)| !f.is_empty())
    }
}

/// A resolved relation.
#[derive(Clone, Debug)]
#[allow(clippy::large_enum_variant)] // short-lived, built once per schema
pub(crate) enum Relation<'a> {
    /// A foreign key on `from.model`'s table, to `from.target`'s.
    Inline { from: RelationField<'a> },
    /// An implicit many-to-many relation: a join table `_name`.
    ManyToMany {
        name: String,
        /// The side whose model name sorts first: column `A` references it.
        a: RelationField<'a>,
        b: RelationField<'a>,
    },
}

/// Pairs every relation field with its opposite; unpaired and ambiguous
/// fields are reported through `diags` when given.
pub(crate) fn resolve<'a>(
    ast: &'a SchemaAst,
    syms: &Symbols<'a>,
    mut diags: Option<&mut Diagnostics>,
) -> Vec<Relation<'a>> {
    let mut all: Vec<RelationField<'a>> = Vec::new();
    for m in ast.models() {
        if m.kind == ModelKind::CompositeType {
            continue;
        }
        all.extend(relation_fields(m, syms));
    }
    let mut used = vec![false; all.len()];
    // The fields of each (model, target, relation name), in order: the
    // groups and the opposites are looked up here, not by a pass over
    // every relation field (quadratic in relations).
    type GroupKey<'k> = (usize, usize, Option<&'k str>);
    fn key_of<'k>(model: &Model, target: &Model, name: Option<&'k str>) -> GroupKey<'k> {
        (
            model as *const Model as usize,
            target as *const Model as usize,
            name,
        )
    }
    let mut groups: std::collections::HashMap<GroupKey<'_>, Vec<usize>> =
        std::collections::HashMap::new();
    for (j, g) in all.iter().enumerate() {
        groups
            .entry(key_of(g.model, g.target, g.name.as_deref()))
            .or_default()
            .push(j);
    }
    let mut out = Vec::new();
    let mut reported_ambiguous: Vec<(&str, &str, Option<String>)> = Vec::new();
    for i in 0..all.len() {
        if used.get(i).copied().unwrap_or(true) {
            continue;
        }
        let Some(f) = all.get(i) else { continue };
        // Ambiguity: another field of the same model, to the same target,
        // with the same relation name (self relations: more than two).
        let group: &[usize] = groups
            .get(&key_of(f.model, f.target, f.name.as_deref()))
            .map_or(&[], Vec::as_slice);
        let same_group: Vec<&RelationField<'a>> =
            group.iter().filter_map(|j| all.get(*j)).collect();
        let self_rel = std::ptr::eq(f.model, f.target);
        let limit = if self_rel { 2 } else { 1 };
        if same_group.len() > limit {
            let key = (
                f.model.name.name.as_str(),
                f.target.name.name.as_str(),
                f.name.clone(),
            );
            if !reported_ambiguous.contains(&key) {
                reported_ambiguous.push(key);
                if let (Some(d), Some(g)) = (diags.as_deref_mut(), same_group.get(1)) {
                    let msg = if self_rel {
                        format!(
                            "Error validating model \"{}\": Ambiguous self relation detected. The fields `{}` and `{}` in model `{}` both refer to `{}`. If they are part of the same relation add the same relation name for them with `@relation(<name>)`.",
                            f.model.name.name,
                            f.field.name.name,
                            g.field.name.name,
                            f.model.name.name,
                            f.target.name.name
                        )
                    } else {
                        format!(
                            "Error validating model \"{}\": Ambiguous relation detected. The fields `{}` and `{}` in model `{}` both refer to `{}`. Please provide different relation names for them by adding `@relation(<name>).",
                            f.model.name.name,
                            f.field.name.name,
                            g.field.name.name,
                            f.model.name.name,
                            f.target.name.name
                        )
                    };
                    d.error(f.field.span, msg);
                }
            }
            for j in group {
                if let Some(u) = used.get_mut(*j) {
                    *u = true;
                }
            }
            continue;
        }
        if let Some(u) = used.get_mut(i) {
            *u = true;
        }
        let opposite = groups
            .get(&key_of(f.target, f.model, f.name.as_deref()))
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .filter_map(|j| all.get(*j).map(|g| (*j, g)))
            .find(|(j, g)| !used.get(*j).copied().unwrap_or(true) && !g.same(f));
        let Some((j, g)) = opposite else {
            if let Some(d) = diags.as_deref_mut() {
                d.error(
                    f.field.span,
                    format!(
                        "Error validating field `{}` in model `{}`: The relation field `{}` on model `{}` is missing an opposite relation field on the model `{}`. Either run `prisma format` or add it manually.",
                        f.field.name.name,
                        f.model.name.name,
                        f.field.name.name,
                        f.model.name.name,
                        f.target.name.name
                    ),
                );
            }
            // Still map what the field says.
            if f.has_fields() {
                out.push(Relation::Inline { from: f.clone() });
            }
            continue;
        };
        if let Some(u) = used.get_mut(j) {
            *u = true;
        }
        let (f, g) = (f.clone(), g.clone());
        if f.is_list() && g.is_list() {
            let (a, b) = if f.model.name.name <= g.model.name.name {
                (f, g)
            } else {
                (g, f)
            };
            let name = a
                .name
                .clone()
                .unwrap_or_else(|| format!("{}To{}", a.model.name.name, b.model.name.name));
            out.push(Relation::ManyToMany { name, a, b });
        } else if f.has_fields() && !f.is_list() {
            out.push(Relation::Inline { from: f });
        } else if g.has_fields() && !g.is_list() {
            out.push(Relation::Inline { from: g });
        } else if let Some(d) = diags.as_deref_mut() {
            if f.is_list() || g.is_list() {
                let single = if f.is_list() { &g } else { &f };
                d.error(
                    single.field.span,
                    format!(
                        "Error parsing attribute \"@relation\": The relation field `{}` on Model `{}` must specify the `fields` argument in the @relation attribute. You can run `prisma format` to fix this automatically.",
                        single.field.name.name, single.model.name.name
                    ),
                );
            } else {
                for (x, y) in [(&g, &f), (&f, &g)] {
                    d.error(
                        x.field.span,
                        format!(
                            "Error parsing attribute \"@relation\": The relation fields `{}` on Model `{}` and `{}` on Model `{}` do not provide the `fields` argument in the @relation attribute. You have to provide it on one of the two fields.",
                            x.field.name.name,
                            x.model.name.name,
                            y.field.name.name,
                            y.model.name.name
                        ),
                    );
                }
            }
        }
    }
    out
}

/// The unique criteria of a model: each a list of field names.
pub(crate) fn unique_criteria(m: &Model) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for f in &m.fields {
        if f.attribute("id").is_some() || f.attribute("unique").is_some() {
            out.push(vec![f.name.name.clone()]);
        }
    }
    for a in &m.attributes {
        if a.name.name == "id" || a.name.name == "unique" {
            out.push(
                crate::validate::field_refs(a)
                    .into_iter()
                    .map(|(n, _)| n)
                    .collect(),
            );
        }
    }
    out
}

/// The relation checks.
pub(crate) fn check_relations(ast: &SchemaAst, syms: &Symbols<'_>, diags: &mut Diagnostics) {
    let relations = resolve(ast, syms, Some(diags));
    for r in &relations {
        match r {
            Relation::Inline { from } => check_inline(from, syms, diags),
            Relation::ManyToMany { a, b, .. } => {
                for (x, y) in [(a, b), (b, a)] {
                    let has_id = x.target.fields.iter().any(|f| f.attribute("id").is_some());
                    if !has_id {
                        diags.error(
                            x.field.span,
                            format!(
                                "Error validating field `{}` in model `{}`: The relation field `{}` on model `{}` references `{}` which does not have an `@id` field. Models without `@id` cannot be part of a many to many relation. Use an explicit intermediate Model to represent this relationship.",
                                x.field.name.name,
                                x.model.name.name,
                                x.field.name.name,
                                x.model.name.name,
                                x.target.name.name
                            ),
                        );
                    }
                    let _ = y;
                }
            }
        }
    }
    // Referential actions on every relation attribute.
    for m in ast.models() {
        for f in &m.fields {
            let Some(a) = f.attribute("relation") else {
                continue;
            };
            for key in ["onDelete", "onUpdate"] {
                if let Some(v) = a.named(key).and_then(|x| x.value.as_ref()) {
                    let ok = v
                        .as_constant()
                        .is_some_and(|c| crate::validate::REFERENTIAL_ACTIONS.contains(&c));
                    if !ok {
                        diags.error(
                            v.span(),
                            format!(
                                "Error parsing attribute \"@relation\": Invalid referential action: `{}`",
                                v.render()
                            ),
                        );
                    }
                }
            }
        }
    }
}

fn check_inline(r: &RelationField<'_>, syms: &Symbols<'_>, diags: &mut Diagnostics) {
    let _ = syms;
    let Some(attr) = r.attr else { return };
    let fields = r.fields.as_ref().map(|(f, _)| f.as_slice()).unwrap_or(&[]);
    let Some((refs, _)) = &r.references else {
        diags.error(
            attr.span,
            format!(
                "Error parsing attribute \"@relation\": The relation field `{}` on Model `{}` must specify the `references` argument in the @relation attribute.",
                r.field.name.name, r.model.name.name
            ),
        );
        return;
    };
    let scalar = |m: &Model, n: &str| m.field(n).is_some_and(|f| syms.model_of(f).is_none());
    let unknown: Vec<&str> = fields
        .iter()
        .filter(|(n, _)| !scalar(r.model, n))
        .map(|(n, _)| n.as_str())
        .collect();
    if !unknown.is_empty() {
        let span = r.fields.as_ref().map(|(_, s)| *s).unwrap_or(attr.span);
        diags.error(
            span,
            format!(
                "Error validating: The argument fields must refer only to existing fields. The following fields do not exist in this model: {}",
                unknown.join(", ")
            ),
        );
        return;
    }
    let unknown: Vec<&str> = refs
        .iter()
        .filter(|(n, _)| !scalar(r.target, n))
        .map(|(n, _)| n.as_str())
        .collect();
    if !unknown.is_empty() {
        diags.error(
            attr.span,
            format!(
                "Error validating: The argument `references` must refer only to existing fields in the related model `{}`. The following fields do not exist in the related model: {}",
                r.target.name.name,
                unknown.join(", ")
            ),
        );
        return;
    }
    if r.field.arity == Arity::Required
        && fields
            .iter()
            .any(|(n, _)| r.model.field(n).is_some_and(|f| f.arity == Arity::Optional))
    {
        diags.error(
            r.field.span,
            format!(
                "Error validating: The relation field `{}` uses the scalar fields {}. At least one of those fields is optional. Hence the relation field must be optional as well.",
                r.field.name.name,
                fields
                    .iter()
                    .map(|(n, _)| n.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
    }
    if fields.len() != refs.len() {
        diags.error(
            attr.span,
            "Error validating: You must specify the same number of fields in `fields` and `references`.",
        );
        return;
    }
    let mut wanted: Vec<&str> = refs.iter().map(|(n, _)| n.as_str()).collect();
    wanted.sort_unstable();
    let unique = unique_criteria(r.target).into_iter().any(|c| {
        let mut c: Vec<&str> = c.iter().map(String::as_str).collect();
        c.sort_unstable();
        c == wanted
    });
    if !unique {
        let hint = if wanted.len() == 1 {
            format!(
                "Consider adding an `@unique` attribute to the field `{}` in the model `{}`.",
                refs.first().map(|(n, _)| n.as_str()).unwrap_or(""),
                r.target.name.name
            )
        } else {
            format!(
                "Consider adding an `@@unique([{}])` attribute to the model `{}`.",
                refs.iter()
                    .map(|(n, _)| n.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                r.target.name.name
            )
        };
        diags.error(
            r.field.span,
            format!(
                "Error parsing attribute \"@relation\": The argument `references` must refer to a unique criterion in the related model. {hint}"
            ),
        );
    }
}
