//! Functions and triggers: `CREATE [OR REPLACE] FUNCTION`, `DROP FUNCTION
//! [IF EXISTS] … [CASCADE]`, `CREATE [OR REPLACE] TRIGGER`, `DROP TRIGGER
//! [IF EXISTS] … ON …`. A trigger belongs to its table (it goes with it);
//! dropping the function a trigger executes is refused, or with `CASCADE`
//! drops the trigger too, as PostgreSQL does. Not modelled: functions that
//! column defaults, checks or indexes call (PostgreSQL refuses to drop
//! those too), `ALTER FUNCTION`, and the column list of `UPDATE OF`.

use super::*;
use migsafe_classify::ir::{FunctionSpec, TriggerSpec, Volatility};

use crate::model::{Function, Trigger};

/// A type as a function signature holds it: canonical, typmods dropped.
pub(super) fn signature_type(written: &str) -> crate::types::NormalizedType {
    let t = normalize_type(written);
    let mut out = String::new();
    let mut depth = 0usize;
    let mut quoted = false;
    for c in t.as_str().chars() {
        match c {
            '"' => {
                quoted = !quoted;
                out.push(c);
            }
            '(' if !quoted => depth += 1,
            ')' if !quoted && depth > 0 => depth -= 1,
            c if depth == 0 => out.push(c),
            _ => {}
        }
    }
    normalize_type(&out.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// The return type as PostgreSQL keeps it: `SETOF x`, `record` for
/// `TABLE (…)`, typmods dropped.
fn return_type(written: &str) -> String {
    let w = written.trim();
    let (set, ty) = match w.get(..6) {
        Some(p) if p.eq_ignore_ascii_case("SETOF ") => (true, &w[6..]),
        _ => (false, w),
    };
    if ty.len() >= 5 && ty[..5].eq_ignore_ascii_case("TABLE") {
        return "SETOF record".to_owned();
    }
    let t = signature_type(ty);
    if set {
        format!("SETOF {}", t.as_str())
    } else {
        t.as_str().to_owned()
    }
}

fn volatility_word(v: Volatility) -> &'static str {
    match v {
        Volatility::Immutable => "immutable",
        Volatility::Stable => "stable",
        Volatility::Volatile => "volatile",
    }
}

impl State {
    pub(super) fn create_function(
        &mut self,
        name: &ObjName,
        or_replace: bool,
        spec: Option<&FunctionSpec>,
    ) -> Outcome {
        let qn = qual(name);
        if !self.out.model.schemas.contains(&qn.schema) {
            return refuse(format!("schema {} does not exist", q(&qn.schema)));
        }
        let f = Function {
            name: qn.clone(),
            args: spec.map(|s| s.args.iter().map(|a| signature_type(a)).collect()),
            returns: spec.and_then(|s| s.returns.as_deref().map(return_type)),
            volatility: spec.map(|s| volatility_word(s.volatility).to_owned()),
            sql_expression: spec.and_then(|s| s.sql_expression.clone()),
        };
        let key = f.key();
        if let Some(old) = self.out.model.functions.get(&key) {
            if !or_replace {
                return refuse(format!(
                    "function {} already exists with same argument types",
                    q(&qn.name)
                ));
            }
            if old.returns.is_some() && f.returns.is_some() && old.returns != f.returns {
                return refuse_with(
                    "cannot change return type of existing function",
                    "drop the function first (`DROP FUNCTION …`), then create it",
                );
            }
        }
        if f.args.is_none() {
            // Read from tokens: the signature is not known; it replaces
            // what has the same name and an unknown signature.
            self.out
                .model
                .functions
                .retain(|_, x| !(x.name == qn && x.args.is_none()));
        }
        self.out.model.functions.insert(key, f);
        Ok(())
    }

    pub(super) fn drop_functions(
        &mut self,
        names: &[ObjName],
        args: &[Option<Vec<String>>],
        if_exists: bool,
        cascade: bool,
    ) -> Outcome {
        for (i, n) in names.iter().enumerate() {
            let qn = qual(n);
            let wanted: Option<Vec<crate::types::NormalizedType>> = args
                .get(i)
                .cloned()
                .flatten()
                .map(|a| a.iter().map(|t| signature_type(t)).collect());
            let keys: Vec<String> = self
                .out
                .model
                .functions
                .iter()
                .filter(|(_, f)| {
                    f.name == qn
                        && match (&wanted, &f.args) {
                            (Some(w), Some(a)) => w == a,
                            _ => true,
                        }
                })
                .map(|(k, _)| k.clone())
                .collect();
            match keys.as_slice() {
                [] if if_exists => continue,
                [] => return refuse(format!("function {} does not exist", q(&qn.name))),
                [_, _, ..] if wanted.is_none() => {
                    return refuse_with(
                        format!("function name {} is not unique", q(&qn.name)),
                        "name the argument types: `DROP FUNCTION f(integer)`",
                    );
                }
                _ => {}
            }
            // Triggers that execute it.
            let users: Vec<(QualName, String)> = self
                .out
                .model
                .tables
                .values()
                .flat_map(|t| {
                    t.triggers
                        .iter()
                        .filter(|tr| tr.function.as_ref() == Some(&qn))
                        .map(|tr| (t.name.clone(), tr.name.clone()))
                })
                .collect();
            if !users.is_empty() && !cascade {
                let (t, tr) = &users[0];
                return refuse_with(
                    format!(
                        "cannot drop function {}() because other objects depend on it (trigger {} on table {})",
                        q(&qn.name),
                        q(tr),
                        q(&t.name)
                    ),
                    "drop the trigger first, or use DROP … CASCADE",
                );
            }
            for (t, tr) in users {
                if let Some(tab) = self.out.model.tables.get_mut(&t) {
                    tab.triggers.retain(|x| x.name != tr);
                }
            }
            // Defaults, checks, generated columns and indexes that call it.
            let name = qn.name.clone();
            let first_user =
                self.out.model.tables.values().find_map(|t| {
                    t.columns
                        .iter()
                        .find_map(|c| match &c.default {
                            Some(DefaultValue::Expression(e)) if calls(e, &name) => Some(format!(
                                "default value for column {} of table {}",
                                q(&c.name),
                                q(&t.name.name)
                            )),
                            _ => c.generated.as_deref().filter(|g| calls(g, &name)).map(|_| {
                                format!("column {} of table {}", q(&c.name), q(&t.name.name))
                            }),
                        })
                        .or_else(|| {
                            t.checks.iter().find(|c| calls(&c.expr, &name)).map(|c| {
                                format!(
                                    "constraint {} on table {}",
                                    q(c.name.as_deref().unwrap_or("?")),
                                    q(&t.name.name)
                                )
                            })
                        })
                        .or_else(|| {
                            t.indexes
                                .iter()
                                .find(|i| index_calls(i, &name))
                                .map(|i| format!("index {}", q(&i.name)))
                        })
                });
            if let Some(what) = first_user {
                if !cascade {
                    return refuse_with(
                        format!(
                            "cannot drop function {}() because other objects depend on it ({what})",
                            q(&qn.name)
                        ),
                        "drop or change what uses it first, or use DROP … CASCADE",
                    );
                }
                for tab in self.out.model.tables.values_mut() {
                    for c in &mut tab.columns {
                        if matches!(&c.default, Some(DefaultValue::Expression(e)) if calls(e, &name))
                        {
                            c.default = None;
                        }
                    }
                    tab.columns
                        .retain(|c| !c.generated.as_deref().is_some_and(|g| calls(g, &name)));
                    tab.checks.retain(|c| !calls(&c.expr, &name));
                    tab.indexes.retain(|i| !index_calls(i, &name));
                }
            }
            for k in keys {
                self.out.model.functions.remove(&k);
            }
        }
        Ok(())
    }

    pub(super) fn create_trigger(
        &mut self,
        name: &str,
        table: &ObjName,
        or_replace: bool,
        spec: Option<&TriggerSpec>,
    ) -> Outcome {
        let t = qual(table);
        let name = truncate_identifier(name);
        if self.out.model.views.contains_key(&t) {
            return Ok(());
        }
        // The function is not required to be in the model: a built-in one
        // (`suppress_redundant_updates_trigger`) or an extension's is not.
        let function = spec.map(|s| qual(&s.function));
        let Some(tab) = self.out.model.tables.get_mut(&t) else {
            return refuse(format!("relation {} does not exist", q(&t.name)));
        };
        let trigger = Trigger {
            name: name.clone(),
            timing: spec.map(|s| s.timing.clone()),
            events: spec.map(|s| s.events.clone()).unwrap_or_default(),
            for_each_row: spec.is_some_and(|s| s.for_each_row),
            function,
        };
        match tab.triggers.iter().position(|x| x.name == name) {
            Some(_) if !or_replace => refuse(format!(
                "trigger {} for relation {} already exists",
                q(&name),
                q(&t.name)
            )),
            Some(i) => {
                tab.triggers[i] = trigger;
                Ok(())
            }
            None => {
                tab.triggers.push(trigger);
                tab.triggers.sort_by(|a, b| a.name.cmp(&b.name));
                Ok(())
            }
        }
    }

    pub(super) fn drop_trigger(
        &mut self,
        name: &str,
        table: Option<&ObjName>,
        if_exists: bool,
    ) -> Outcome {
        let name = truncate_identifier(name);
        let Some(table) = table else {
            return Ok(());
        };
        let t = qual(table);
        let Some(tab) = self.out.model.tables.get_mut(&t) else {
            // `IF EXISTS` skips a missing table too (PostgreSQL: "relation
            // … does not exist, skipping").
            if self.out.model.views.contains_key(&t) || if_exists {
                return Ok(());
            }
            return refuse(format!("relation {} does not exist", q(&t.name)));
        };
        match tab.triggers.iter().position(|x| x.name == name) {
            Some(i) => {
                tab.triggers.remove(i);
                Ok(())
            }
            None if if_exists => Ok(()),
            None => refuse(format!(
                "trigger {} for table {} does not exist",
                q(&name),
                q(&t.name)
            )),
        }
    }
}

/// Whether the expression calls a function named `name` (by name: an
/// overload of the same name counts too).
fn calls(expr: &str, name: &str) -> bool {
    use migsafe_classify::lex::{TokenKind, ident_value, lex};
    let toks: Vec<_> = lex(expr)
        .tokens
        .into_iter()
        .filter(|t| !t.kind.is_trivia())
        .collect();
    toks.windows(2).any(|w| {
        matches!(w[0].kind, TokenKind::Word | TokenKind::QuotedIdent)
            && w[1].kind == TokenKind::LParen
            && ident_value(w[0].kind, w[0].text(expr)) == name
    })
}

fn index_calls(i: &crate::model::Index, name: &str) -> bool {
    i.columns.iter().any(|c| calls(&c.expr, name))
        || i.predicate.as_deref().is_some_and(|p| calls(p, name))
}
