//! Token-level classification: the fallback for statements sqlparser cannot
//! read (`DROP INDEX CONCURRENTLY IF EXISTS`, `ALTER TABLE … SET SCHEMA`,
//! `ALTER CONSTRAINT`, `REINDEX`, …), and for statement kinds it reads into
//! shapes the IR does not map. It knows the leading keywords of every
//! statement that matters for safety and reads names with quoting and
//! schemas.

use crate::ir::{ConstraintKind, ConstraintSpec, ObjName, OpKind, TxKind};
use crate::lex::{TokenKind, ident_value};

/// A non-trivia token: kind and text.
#[derive(Clone, Copy, Debug)]
pub struct Tok<'a> {
    pub kind: TokenKind,
    pub text: &'a str,
}

struct Cur<'a, 't> {
    t: &'t [Tok<'a>],
    i: usize,
}

impl<'a> Cur<'a, '_> {
    fn peek(&self) -> Option<Tok<'a>> {
        self.t.get(self.i).copied()
    }

    fn is_kw_at(&self, at: usize, k: &str) -> bool {
        self.t
            .get(at)
            .is_some_and(|t| t.kind == TokenKind::Word && t.text.eq_ignore_ascii_case(k))
    }

    fn kw(&self, k: &str) -> bool {
        self.is_kw_at(self.i, k)
    }

    fn eat(&mut self, k: &str) -> bool {
        if self.kw(k) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn eat_seq(&mut self, ks: &[&str]) -> bool {
        if ks
            .iter()
            .enumerate()
            .all(|(j, k)| self.is_kw_at(self.i + j, k))
        {
            self.i += ks.len();
            true
        } else {
            false
        }
    }

    fn at_end(&self) -> bool {
        self.i >= self.t.len() || self.t[self.i].kind == TokenKind::Semicolon
    }

    fn bump(&mut self) -> Option<Tok<'a>> {
        let t = self.peek();
        if t.is_some() {
            self.i += 1;
        }
        t
    }

    fn ident(&mut self) -> Option<String> {
        match self.peek() {
            Some(t) if matches!(t.kind, TokenKind::Word | TokenKind::QuotedIdent) => {
                self.i += 1;
                Some(ident_value(t.kind, t.text))
            }
            _ => None,
        }
    }

    /// `a`, `s.a`, `db.s.a` (the last two parts are kept).
    fn name(&mut self) -> Option<ObjName> {
        let mut parts = vec![self.ident()?];
        while self.peek().is_some_and(|t| t.kind == TokenKind::Dot) {
            self.i += 1;
            match self.ident() {
                Some(p) => parts.push(p),
                None => break,
            }
        }
        let name = parts.pop()?;
        Some(ObjName::qualified(parts.pop(), name))
    }

    fn names(&mut self) -> Vec<ObjName> {
        let mut out = Vec::new();
        while let Some(n) = self.name() {
            out.push(n);
            if self.peek().is_some_and(|t| t.kind == TokenKind::Comma) {
                self.i += 1;
            } else {
                break;
            }
        }
        out
    }

    /// `… OWNED BY [schema.]table.column` or `OWNED BY NONE` anywhere in
    /// the rest of the statement (sequence options come in any order).
    fn owned_by(&mut self) -> Option<Option<(ObjName, String)>> {
        while !self.at_end() {
            if self.eat_seq(&["OWNED", "BY"]) {
                if self.eat("NONE") {
                    return Some(None);
                }
                let mut parts = vec![self.ident()?];
                while self.peek().is_some_and(|t| t.kind == TokenKind::Dot) {
                    self.i += 1;
                    parts.push(self.ident()?);
                }
                let column = parts.pop()?;
                let table = parts.pop()?;
                return Some(Some((ObjName::qualified(parts.pop(), table), column)));
            }
            self.i += 1;
        }
        None
    }

    fn if_exists(&mut self) -> bool {
        self.eat_seq(&["IF", "EXISTS"])
    }

    fn if_not_exists(&mut self) -> bool {
        self.eat_seq(&["IF", "NOT", "EXISTS"])
    }

    /// Skips to the end of the current comma-separated item (depth 0).
    fn skip_item(&mut self) {
        let mut depth = 0i32;
        while let Some(t) = self.peek() {
            match t.kind {
                TokenKind::LParen => depth += 1,
                TokenKind::RParen => depth -= 1,
                TokenKind::Comma if depth <= 0 => return,
                TokenKind::Semicolon => return,
                _ => {}
            }
            self.i += 1;
        }
    }

    fn rest_has_kw(&self, k: &str) -> bool {
        let mut depth = 0i32;
        for t in &self.t[self.i.min(self.t.len())..] {
            match t.kind {
                TokenKind::LParen => depth += 1,
                TokenKind::RParen => depth -= 1,
                TokenKind::Word if depth == 0 && t.text.eq_ignore_ascii_case(k) => return true,
                _ => {}
            }
        }
        false
    }

    /// `(a, "B", c)` → names; expressions come back as their text.
    fn paren_list(&mut self) -> Vec<String> {
        let mut out = Vec::new();
        if !self.peek().is_some_and(|t| t.kind == TokenKind::LParen) {
            return out;
        }
        self.i += 1;
        let mut depth = 0i32;
        let mut cur = String::new();
        while let Some(t) = self.bump() {
            match t.kind {
                TokenKind::LParen => depth += 1,
                TokenKind::RParen if depth == 0 => break,
                TokenKind::RParen => depth -= 1,
                TokenKind::Comma if depth == 0 => {
                    out.push(std::mem::take(&mut cur));
                    continue;
                }
                _ => {}
            }
            if depth == 0
                && matches!(t.kind, TokenKind::Word | TokenKind::QuotedIdent)
                && cur.is_empty()
            {
                cur = ident_value(t.kind, t.text);
            } else if depth == 0 && t.kind == TokenKind::Word && !cur.is_empty() {
                // `col DESC`, `col text_pattern_ops`: keep the column.
            } else {
                cur.push_str(t.text);
            }
        }
        if !cur.is_empty() {
            out.push(cur);
        }
        out
    }
}

fn head_words(t: &[Tok<'_>], n: usize) -> String {
    t.iter()
        .take_while(|t| t.kind == TokenKind::Word)
        .take(n)
        .map(|t| t.text.to_ascii_uppercase())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Classifies a statement from its non-trivia tokens.
pub fn classify_tokens(t: &[Tok<'_>]) -> Vec<OpKind> {
    let mut kinds = classify_tokens_only(t);
    crate::analyze::enrich(&mut kinds, t);
    kinds
}

fn classify_tokens_only(t: &[Tok<'_>]) -> Vec<OpKind> {
    let mut c = Cur { t, i: 0 };
    let verb = c
        .peek()
        .filter(|t| t.kind == TokenKind::Word)
        .map(|t| t.text.to_ascii_uppercase())
        .unwrap_or_default();
    let other = || {
        vec![OpKind::Other {
            verb: verb.clone(),
            head: head_words(t, 2),
        }]
    };
    c.i = 1;
    match verb.as_str() {
        "DROP" => drop(&mut c).unwrap_or_else(other),
        "CREATE" => create(&mut c).unwrap_or_else(other),
        "ALTER" => alter(&mut c).unwrap_or_else(other),
        "TRUNCATE" => {
            c.eat("TABLE");
            c.eat("ONLY");
            vec![OpKind::Truncate { tables: c.names() }]
        }
        "DELETE" => {
            c.eat("FROM");
            c.eat("ONLY");
            let table = c.name();
            vec![OpKind::Delete {
                table,
                has_where: c.rest_has_kw("WHERE"),
            }]
        }
        "UPDATE" => {
            c.eat("ONLY");
            let table = c.name();
            // `SET a = …, (b, c) = …`: the names before each top-level `=`.
            let mut set_columns = Vec::new();
            if c.eat("SET") {
                let mut depth = 0i32;
                let mut in_target = true;
                while let Some(tok) = c.peek() {
                    match tok.kind {
                        TokenKind::LParen => depth += 1,
                        TokenKind::RParen => depth -= 1,
                        TokenKind::Comma if depth == 0 => in_target = true,
                        TokenKind::Semicolon => break,
                        TokenKind::Punct if depth == 0 && tok.text == "=" => in_target = false,
                        TokenKind::Word
                            if depth == 0
                                && (c.kw("WHERE") || c.kw("FROM") || c.kw("RETURNING")) =>
                        {
                            break;
                        }
                        TokenKind::Word | TokenKind::QuotedIdent if in_target => {
                            set_columns.push(ident_value(tok.kind, tok.text));
                        }
                        _ => {}
                    }
                    c.i += 1;
                }
            }
            vec![OpKind::Update {
                table,
                has_where: c.rest_has_kw("WHERE"),
                set_columns,
                backfill: false,
            }]
        }
        "INSERT" => {
            c.eat("INTO");
            vec![OpKind::Insert { table: c.name() }]
        }
        "WITH" | "SELECT" | "VALUES" | "TABLE" => vec![OpKind::Select],
        "BEGIN" | "START" => vec![OpKind::Transaction {
            kind: TxKind::Begin,
        }],
        "COMMIT" | "END" => vec![OpKind::Transaction {
            kind: TxKind::Commit,
        }],
        "ROLLBACK" | "ABORT" => vec![OpKind::Transaction {
            kind: TxKind::Rollback,
        }],
        "SAVEPOINT" | "RELEASE" => vec![OpKind::Transaction {
            kind: TxKind::Savepoint,
        }],
        "SET" | "RESET" => {
            c.eat("SESSION");
            c.eat("LOCAL");
            vec![OpKind::Set {
                name: c.ident().unwrap_or_default(),
            }]
        }
        "COMMENT" => vec![OpKind::Comment { table: None }],
        "LOCK" => {
            c.eat("TABLE");
            c.eat("ONLY");
            vec![OpKind::Lock { tables: c.names() }]
        }
        "GRANT" => vec![OpKind::Grant],
        "REVOKE" => vec![OpKind::Revoke],
        "VACUUM" | "ANALYZE" | "ANALYSE" | "REINDEX" | "CLUSTER" | "CHECKPOINT" => {
            vec![OpKind::Maintenance {
                what: head_words(t, 2),
                target: None,
                concurrently: false,
                full: false,
            }]
        }
        "REFRESH" => vec![OpKind::Maintenance {
            what: "REFRESH MATERIALIZED VIEW".into(),
            target: None,
            concurrently: false,
            full: false,
        }],
        "DO" => vec![OpKind::DoBlock],
        _ => other(),
    }
}

fn drop(c: &mut Cur<'_, '_>) -> Option<Vec<OpKind>> {
    let op = if c.eat("TABLE") {
        let if_exists = c.if_exists();
        let tables = c.names();
        OpKind::DropTable {
            tables,
            if_exists,
            cascade: c.rest_has_kw("CASCADE"),
        }
    } else if c.eat("INDEX") {
        let concurrently = c.eat("CONCURRENTLY");
        let if_exists = c.if_exists();
        let names = c.names();
        OpKind::DropIndex {
            names,
            concurrently,
            if_exists,
            cascade: c.rest_has_kw("CASCADE"),
        }
    } else if c.eat_seq(&["MATERIALIZED", "VIEW"]) || c.kw("VIEW") {
        let materialized = !c.eat("VIEW");
        c.if_exists();
        OpKind::DropView {
            names: c.names(),
            materialized,
        }
    } else if c.eat("SCHEMA") {
        c.if_exists();
        let names = c.names().into_iter().map(|n| n.name).collect();
        OpKind::DropSchema {
            names,
            cascade: c.rest_has_kw("CASCADE"),
        }
    } else if c.eat("TYPE") || c.eat("DOMAIN") {
        let if_exists = c.if_exists();
        let names = c.names();
        OpKind::DropType {
            names,
            if_exists,
            cascade: c.rest_has_kw("CASCADE"),
            enum_swap: false,
        }
    } else if c.eat("SEQUENCE") {
        c.if_exists();
        OpKind::DropSequence { names: c.names() }
    } else if c.eat("EXTENSION") {
        c.if_exists();
        OpKind::DropExtension {
            names: c.names().into_iter().map(|n| n.name).collect(),
        }
    } else if c.eat("FUNCTION") || c.eat("PROCEDURE") || c.eat("ROUTINE") {
        let if_exists = c.if_exists();
        let names = c.names();
        OpKind::DropFunction {
            args: vec![None; names.len()],
            names,
            if_exists,
            cascade: c.t.iter().any(|t| t.text.eq_ignore_ascii_case("CASCADE")),
        }
    } else if c.eat("TRIGGER") {
        let if_exists = c.if_exists();
        let name = c.ident().unwrap_or_default();
        let table = if c.eat("ON") { c.name() } else { None };
        OpKind::DropTrigger {
            name,
            table,
            if_exists,
        }
    } else {
        return None;
    };
    Some(vec![op])
}

fn create(c: &mut Cur<'_, '_>) -> Option<Vec<OpKind>> {
    let or_replace = c.eat_seq(&["OR", "REPLACE"]);
    let temporary = c.eat("TEMP") | c.eat("TEMPORARY");
    c.eat("UNLOGGED");
    let unique = c.eat("UNIQUE");
    let op = if c.eat("INDEX") {
        let concurrently = c.eat("CONCURRENTLY");
        let if_not_exists = c.if_not_exists();
        let name = if c.kw("ON") {
            None
        } else {
            c.name().map(|n| n.name)
        };
        if !c.eat("ON") {
            return None;
        }
        c.eat("ONLY");
        let table = c.name()?;
        let method = if c.eat("USING") { c.ident() } else { None };
        let columns = index_elements(c);
        let mut include = Vec::new();
        let mut predicate = None;
        while !c.at_end() {
            if c.eat("INCLUDE") {
                include = c.paren_list();
            } else if c.eat("WHERE") {
                let start = c.i;
                while !c.at_end() {
                    c.i += 1;
                }
                predicate = Some(join_tokens(&c.t[start..c.i]));
            } else if c.peek().is_some_and(|t| t.kind == TokenKind::LParen) {
                skip_parens(c);
            } else {
                c.i += 1;
            }
        }
        OpKind::CreateIndex {
            name,
            table,
            unique,
            concurrently,
            if_not_exists,
            columns,
            method,
            predicate,
            include,
            nulls_not_distinct: false,
            storage: Vec::new(),
        }
    } else if c.eat("TABLE") {
        let if_not_exists = c.if_not_exists();
        let table = c.name()?;
        let (columns, constraints, derived) = table_elements(c);
        OpKind::CreateTable {
            table,
            if_not_exists,
            columns,
            constraints,
            derived,
            source: None,
            temporary,
        }
    } else if c.eat("TYPE") {
        let name = c.name()?;
        if c.eat_seq(&["AS", "ENUM"]) {
            let values = c
                .paren_list()
                .into_iter()
                .map(|v| v.trim_matches('\'').replace("''", "'"))
                .collect();
            OpKind::CreateEnum { name, values }
        } else {
            OpKind::CreateType { name }
        }
    } else if c.eat("DOMAIN") {
        OpKind::CreateType { name: c.name()? }
    } else if c.eat("SCHEMA") {
        c.if_not_exists();
        OpKind::CreateSchema {
            name: c.ident().unwrap_or_default(),
        }
    } else if c.eat("EXTENSION") {
        c.if_not_exists();
        OpKind::CreateExtension {
            name: c.ident().unwrap_or_default(),
        }
    } else if c.eat_seq(&["MATERIALIZED", "VIEW"]) || c.eat("VIEW") {
        let materialized = c.is_kw_at(c.i.saturating_sub(2), "MATERIALIZED");
        c.if_not_exists();
        OpKind::CreateView {
            name: c.name()?,
            materialized,
            or_replace,
            references: Vec::new(),
            columns: None,
            query: None,
        }
    } else if c.eat("FUNCTION") || c.eat("PROCEDURE") {
        OpKind::CreateFunction {
            name: c.name()?,
            or_replace,
            spec: None,
        }
    } else if c.eat("TRIGGER") || c.eat_seq(&["CONSTRAINT", "TRIGGER"]) {
        let name = c.ident().unwrap_or_default();
        let timing = if c.eat("BEFORE") {
            Some("BEFORE")
        } else if c.eat("AFTER") {
            Some("AFTER")
        } else if c.eat_seq(&["INSTEAD", "OF"]) {
            Some("INSTEAD OF")
        } else {
            None
        };
        let mut events: Vec<&str> = Vec::new();
        while !c.at_end() && !c.kw("ON") {
            for e in ["INSERT", "UPDATE", "DELETE", "TRUNCATE"] {
                if c.kw(e) {
                    events.push(e);
                }
            }
            c.i += 1;
        }
        c.eat("ON");
        let table = c.name()?;
        let mut for_each_row = false;
        let mut function = None;
        while !c.at_end() {
            if c.eat("FOR") {
                c.eat("EACH");
                for_each_row = c.kw("ROW");
            } else if c.eat("EXECUTE") && (c.eat("FUNCTION") || c.eat("PROCEDURE")) {
                function = c.name();
                break;
            } else if c.peek().is_some_and(|t| t.kind == TokenKind::LParen) {
                c.skip_item();
                continue;
            }
            c.i += 1;
        }
        let rank = |e: &&str| {
            ["INSERT", "UPDATE", "DELETE", "TRUNCATE"]
                .iter()
                .position(|x| x == e)
        };
        events.sort_by_key(rank);
        events.dedup();
        let spec = match (timing, function) {
            (Some(timing), Some(function)) => Some(Box::new(crate::ir::TriggerSpec {
                timing: timing.to_owned(),
                events: events.into_iter().map(str::to_owned).collect(),
                for_each_row,
                function,
            })),
            _ => None,
        };
        OpKind::CreateTrigger {
            name,
            table,
            or_replace,
            spec,
        }
    } else if c.eat("SEQUENCE") {
        c.if_not_exists();
        let name = c.name()?;
        let owned_by = c.owned_by().flatten();
        OpKind::CreateSequence { name, owned_by }
    } else {
        return None;
    };
    Some(vec![op])
}

fn alter(c: &mut Cur<'_, '_>) -> Option<Vec<OpKind>> {
    if c.eat("TABLE") {
        c.if_exists();
        c.eat("ONLY");
        let table = c.name()?;
        let mut ops = Vec::new();
        loop {
            if c.at_end() {
                break;
            }
            let start = c.i;
            if let Some(op) = alter_table_action(c, &table) {
                ops.push(op);
            } else {
                let what = head_words(&c.t[start..], 2);
                ops.push(OpKind::TableSetting {
                    table: table.clone(),
                    what,
                });
            }
            c.skip_item();
            if c.peek().is_some_and(|t| t.kind == TokenKind::Comma) {
                c.i += 1;
            } else {
                break;
            }
        }
        return Some(ops);
    }
    if c.eat("VIEW") || c.eat_seq(&["MATERIALIZED", "VIEW"]) {
        // Renames: the view or one of its columns.
        c.if_exists();
        let view = c.name()?;
        if c.eat_seq(&["RENAME", "TO"]) {
            return Some(vec![OpKind::RenameTable {
                table: view,
                to: c.ident()?,
            }]);
        }
        if c.eat("RENAME") {
            c.eat("COLUMN");
            let from = c.ident()?;
            c.eat("TO");
            return Some(vec![OpKind::RenameColumn {
                table: view,
                from,
                to: c.ident()?,
            }]);
        }
        return None;
    }
    if c.eat("INDEX") {
        c.if_exists();
        let index = c.name()?;
        if c.eat_seq(&["RENAME", "TO"]) {
            return Some(vec![OpKind::RenameIndex {
                index,
                to: c.ident()?,
            }]);
        }
        return Some(vec![OpKind::Other {
            verb: "ALTER".into(),
            head: "ALTER INDEX".into(),
        }]);
    }
    if c.eat("TYPE") {
        let name = c.name()?;
        if c.eat_seq(&["ADD", "VALUE"]) {
            let if_not_exists = c.if_not_exists();
            let value = string_value(c.bump()?);
            let (mut before, mut after) = (None, None);
            if c.eat("BEFORE") {
                before = c.bump().map(string_value);
            } else if c.eat("AFTER") {
                after = c.bump().map(string_value);
            }
            return Some(vec![OpKind::AddEnumValue {
                name,
                value,
                before,
                after,
                if_not_exists,
            }]);
        }
        if c.eat_seq(&["RENAME", "VALUE"]) {
            let from = string_value(c.bump()?);
            c.eat("TO");
            let to = string_value(c.bump()?);
            return Some(vec![OpKind::RenameEnumValue { name, from, to }]);
        }
        if c.eat_seq(&["RENAME", "TO"]) {
            return Some(vec![OpKind::RenameType {
                name,
                to: c.ident()?,
                enum_swap: false,
            }]);
        }
        return Some(vec![OpKind::Other {
            verb: "ALTER".into(),
            head: "ALTER TYPE".into(),
        }]);
    }
    if c.eat("SEQUENCE") {
        c.if_exists();
        let name = c.name()?;
        let rename_to = if c.eat_seq(&["RENAME", "TO"]) {
            c.ident()
        } else {
            None
        };
        let owned_by = c.owned_by();
        return Some(vec![OpKind::AlterSequence {
            name,
            rename_to,
            owned_by,
        }]);
    }
    None
}

fn string_value(t: Tok<'_>) -> String {
    match t.kind {
        TokenKind::String => {
            let s = t.text.trim_start_matches(['E', 'e']);
            let s = s.strip_prefix('\'').unwrap_or(s);
            let s = s.strip_suffix('\'').unwrap_or(s);
            s.replace("''", "'")
        }
        k => ident_value(k, t.text),
    }
}

fn alter_table_action(c: &mut Cur<'_, '_>, table: &ObjName) -> Option<OpKind> {
    let t = table.clone();
    if c.eat("ADD") {
        if c.kw("CONSTRAINT")
            || c.kw("PRIMARY")
            || c.kw("UNIQUE")
            || c.kw("FOREIGN")
            || c.kw("CHECK")
            || c.kw("EXCLUDE")
        {
            let ConstraintSpec { name, kind } = table_constraint(c);
            let not_valid = c.rest_has_kw("VALID");
            return Some(OpKind::AddConstraint {
                table: t,
                constraint: ConstraintSpec { name, kind },
                not_valid,
            });
        }
        c.eat("COLUMN");
        let if_not_exists = c.if_not_exists();
        let column = column_spec(c)?;
        return Some(OpKind::AddColumn {
            table: t,
            column,
            if_not_exists,
        });
    }
    if c.eat("DROP") {
        if c.eat("CONSTRAINT") {
            let if_exists = c.if_exists();
            let name = c.ident()?;
            return Some(OpKind::DropConstraint {
                table: t,
                name,
                if_exists,
                cascade: c.kw("CASCADE"),
            });
        }
        c.eat("COLUMN");
        let if_exists = c.if_exists();
        let column = c.ident()?;
        return Some(OpKind::DropColumn {
            table: t,
            column,
            if_exists,
            cascade: c.kw("CASCADE"),
        });
    }
    if c.eat("ALTER") {
        if c.eat("CONSTRAINT") {
            return Some(OpKind::ModifyConstraint {
                table: t,
                name: c.ident()?,
            });
        }
        c.eat("COLUMN");
        let column = c.ident()?;
        if c.eat("TYPE") || c.eat_seq(&["SET", "DATA", "TYPE"]) {
            let mut ty = String::new();
            while let Some(tok) = c.peek() {
                if matches!(tok.kind, TokenKind::Comma | TokenKind::Semicolon)
                    || c.kw("USING")
                    || c.kw("COLLATE")
                {
                    break;
                }
                if !ty.is_empty() && tok.kind == TokenKind::Word {
                    ty.push(' ');
                }
                ty.push_str(tok.text);
                c.i += 1;
            }
            let collation = if c.eat("COLLATE") {
                c.name().map(|n| n.to_string())
            } else {
                None
            };
            return Some(OpKind::AlterColumnType {
                table: t,
                column,
                data_type: ty,
                using: None,
                collation,
            });
        }
        if c.eat_seq(&["SET", "NOT", "NULL"]) {
            return Some(OpKind::SetNotNull { table: t, column });
        }
        if c.eat_seq(&["DROP", "NOT", "NULL"]) {
            return Some(OpKind::DropNotNull { table: t, column });
        }
        if c.eat_seq(&["SET", "DEFAULT"]) {
            let start = c.i;
            c.skip_item();
            let default = c.t[start..c.i]
                .iter()
                .map(|t| t.text)
                .collect::<Vec<_>>()
                .join(" ");
            c.i = start;
            return Some(OpKind::SetDefault {
                table: t,
                column,
                default,
            });
        }
        if c.eat_seq(&["DROP", "DEFAULT"]) {
            return Some(OpKind::DropDefault { table: t, column });
        }
        let what = head_words(&c.t[c.i..], 3);
        return Some(OpKind::AlterColumnOther {
            table: t,
            column,
            what,
        });
    }
    if c.eat("RENAME") {
        if c.eat("TO") {
            return Some(OpKind::RenameTable {
                table: t,
                to: c.ident()?,
            });
        }
        if c.eat("CONSTRAINT") {
            let from = c.ident()?;
            c.eat("TO");
            return Some(OpKind::RenameConstraint {
                table: t,
                from,
                to: c.ident()?,
            });
        }
        c.eat("COLUMN");
        let from = c.ident()?;
        c.eat("TO");
        return Some(OpKind::RenameColumn {
            table: t,
            from,
            to: c.ident()?,
        });
    }
    if c.eat_seq(&["SET", "SCHEMA"]) {
        return Some(OpKind::SetTableSchema {
            table: t,
            schema: c.ident()?,
        });
    }
    if c.eat_seq(&["VALIDATE", "CONSTRAINT"]) {
        return Some(OpKind::ValidateConstraint {
            table: t,
            name: c.ident()?,
        });
    }
    if c.eat_seq(&["ATTACH", "PARTITION"]) {
        return Some(OpKind::AttachPartition {
            table: t,
            partition: c.name()?,
        });
    }
    if c.eat_seq(&["DETACH", "PARTITION"]) {
        let partition = c.name()?;
        let concurrently = c.eat("CONCURRENTLY") || c.eat("FINALIZE");
        return Some(OpKind::DetachPartition {
            table: t,
            partition,
            concurrently,
        });
    }
    None
}

/// Keywords that end a column's type and start one of its options.
const COLUMN_OPTIONS: &[&str] = &[
    "NOT",
    "NULL",
    "DEFAULT",
    "CONSTRAINT",
    "PRIMARY",
    "UNIQUE",
    "REFERENCES",
    "CHECK",
    "COLLATE",
    "GENERATED",
];

/// Tokens back to SQL text, spaced the way PostgreSQL prints it: no space
/// around `.`, `::`, `[`, `]`, inside parentheses or before `,` and `)`,
/// none between a function name and its `(`.
pub(crate) fn join_tokens(toks: &[Tok<'_>]) -> String {
    /// Operators the lexer returns one character at a time.
    const OPERATORS: &[&str] = &[
        "<=", "&&", ">=", "<>", "!=", "||", "->", "->>", "#>", "#>>", "@>", "<@", "!~", "~*",
        "!~*", "~~", "!~~", "<<", ">>",
    ];
    let mut out = String::new();
    let mut prev: Option<Tok<'_>> = None;
    let mut op = String::new();
    for t in toks {
        if let Some(p) = prev {
            // Two characters written together that make one operator.
            let adjacent = p.text.as_ptr() as usize + p.text.len() == t.text.as_ptr() as usize;
            if adjacent && p.kind == TokenKind::Punct && t.kind == TokenKind::Punct {
                let joined = format!("{op}{}", t.text);
                if OPERATORS.iter().any(|o| o.starts_with(&joined)) {
                    out.push_str(t.text);
                    op = joined;
                    prev = Some(*t);
                    continue;
                }
            }
        }
        op = if t.kind == TokenKind::Punct {
            t.text.to_owned()
        } else {
            String::new()
        };
        if let Some(p) = prev {
            let tight_before = matches!(
                t.kind,
                TokenKind::RParen | TokenKind::Comma | TokenKind::Dot
            ) || matches!(t.text, "[" | "]" | "::" | "[]")
                || (t.kind == TokenKind::LParen
                    && matches!(p.kind, TokenKind::Word | TokenKind::QuotedIdent));
            let tight_after = matches!(p.kind, TokenKind::LParen | TokenKind::Dot)
                || matches!(p.text, "[" | "::");
            if !tight_before && !tight_after {
                out.push(' ');
            }
        }
        out.push_str(t.text);
        prev = Some(*t);
    }
    out
}

/// Skips a parenthesized group (the cursor is on its `(`).
fn skip_parens(c: &mut Cur<'_, '_>) {
    let mut depth = 0i32;
    while let Some(t) = c.peek() {
        match t.kind {
            TokenKind::LParen => depth += 1,
            TokenKind::RParen => {
                depth -= 1;
                if depth <= 0 {
                    c.i += 1;
                    return;
                }
            }
            TokenKind::Semicolon => return,
            _ => {}
        }
        c.i += 1;
    }
}

/// Moves past one token, or past a whole `( … )` or `[ … ]` group.
fn advance(c: &mut Cur<'_, '_>) {
    match c.peek() {
        Some(t) if t.kind == TokenKind::LParen => skip_parens(c),
        Some(t) if t.kind == TokenKind::Punct && t.text == "[" => {
            let mut depth = 0i32;
            while let Some(t) = c.peek() {
                if t.kind == TokenKind::Semicolon {
                    return;
                }
                c.i += 1;
                if t.kind == TokenKind::Punct && t.text == "[" {
                    depth += 1;
                } else if t.kind == TokenKind::Punct && t.text == "]" {
                    depth -= 1;
                    if depth <= 0 {
                        return;
                    }
                }
            }
        }
        Some(_) => c.i += 1,
        None => {}
    }
}

/// The text inside a parenthesized group (the cursor is on its `(`).
fn paren_text(c: &mut Cur<'_, '_>) -> String {
    if !c.peek().is_some_and(|t| t.kind == TokenKind::LParen) {
        return String::new();
    }
    let start = c.i + 1;
    skip_parens(c);
    let end = c.i.saturating_sub(1).max(start);
    join_tokens(c.t.get(start..end).unwrap_or(&[]))
}

/// True at a `,` or `)` that ends the current list element, or at the end.
fn at_element_end(c: &Cur<'_, '_>) -> bool {
    c.at_end()
        || c.peek()
            .is_some_and(|t| matches!(t.kind, TokenKind::Comma | TokenKind::RParen))
}

/// Skips to the `,` or `)` that ends the current list element.
fn skip_element(c: &mut Cur<'_, '_>) {
    while !at_element_end(c) {
        advance(c);
    }
}

fn ref_action(c: &mut Cur<'_, '_>) -> crate::ir::RefAction {
    use crate::ir::RefAction;
    if c.eat_seq(&["NO", "ACTION"]) {
        RefAction::NoAction
    } else if c.eat("RESTRICT") {
        RefAction::Restrict
    } else if c.eat("CASCADE") {
        RefAction::Cascade
    } else if c.eat_seq(&["SET", "NULL"]) {
        if c.peek().is_some_and(|t| t.kind == TokenKind::LParen) {
            skip_parens(c);
        }
        RefAction::SetNull
    } else if c.eat_seq(&["SET", "DEFAULT"]) {
        if c.peek().is_some_and(|t| t.kind == TokenKind::LParen) {
            skip_parens(c);
        }
        RefAction::SetDefault
    } else {
        RefAction::NoAction
    }
}

/// `REFERENCES t [(cols)] [MATCH …] [ON DELETE a] [ON UPDATE a]`, the
/// cursor after `REFERENCES`.
fn references(c: &mut Cur<'_, '_>, columns: Vec<String>) -> crate::ir::ForeignKeySpec {
    let table = c.name().unwrap_or_else(|| ObjName::new(""));
    let referenced_columns = c.paren_list();
    let mut spec = crate::ir::ForeignKeySpec {
        columns,
        table,
        referenced_columns,
        on_delete: Default::default(),
        on_update: Default::default(),
        deferrable: false,
        initially_deferred: false,
    };
    loop {
        if c.eat("MATCH") {
            c.i += 1;
        } else if c.eat("DEFERRABLE") {
            spec.deferrable = true;
        } else if c.eat_seq(&["NOT", "DEFERRABLE"]) {
            spec.deferrable = false;
        } else if c.eat_seq(&["INITIALLY", "DEFERRED"]) {
            spec.initially_deferred = true;
        } else if c.eat_seq(&["INITIALLY", "IMMEDIATE"]) {
            spec.initially_deferred = false;
        } else if c.eat_seq(&["ON", "DELETE"]) {
            spec.on_delete = ref_action(c);
        } else if c.eat_seq(&["ON", "UPDATE"]) {
            spec.on_update = ref_action(c);
        } else {
            break;
        }
    }
    spec
}

/// A table constraint: `[CONSTRAINT name] PRIMARY KEY (…) | UNIQUE (…) |
/// FOREIGN KEY (…) REFERENCES … | CHECK (…) | EXCLUDE …`, with `USING
/// INDEX` forms.
fn table_constraint(c: &mut Cur<'_, '_>) -> ConstraintSpec {
    let name = if c.eat("CONSTRAINT") { c.ident() } else { None };
    let kind = if c.eat_seq(&["PRIMARY", "KEY"]) {
        if c.eat_seq(&["USING", "INDEX"]) {
            ConstraintKind::UsingIndex {
                primary: true,
                index: c.ident().unwrap_or_default(),
            }
        } else {
            ConstraintKind::PrimaryKey {
                columns: c.paren_list(),
            }
        }
    } else if c.eat("UNIQUE") {
        c.eat_seq(&["NULLS", "NOT", "DISTINCT"]);
        c.eat_seq(&["NULLS", "DISTINCT"]);
        if c.eat_seq(&["USING", "INDEX"]) {
            ConstraintKind::UsingIndex {
                primary: false,
                index: c.ident().unwrap_or_default(),
            }
        } else {
            ConstraintKind::Unique {
                columns: c.paren_list(),
            }
        }
    } else if c.eat_seq(&["FOREIGN", "KEY"]) {
        let columns = c.paren_list();
        c.eat("REFERENCES");
        ConstraintKind::ForeignKey(references(c, columns))
    } else if c.eat("CHECK") {
        ConstraintKind::Check {
            expr: paren_text(c),
        }
    } else {
        ConstraintKind::Exclude
    };
    ConstraintSpec { name, kind }
}

/// A column definition: name, type, then its options, up to the `,` or
/// `)` that ends it.
fn column_spec(c: &mut Cur<'_, '_>) -> Option<crate::ir::ColumnSpec> {
    let name = c.ident()?;
    let start = c.i;
    while !at_element_end(c) {
        if c.peek().is_some_and(|t| {
            t.kind == TokenKind::Word
                && COLUMN_OPTIONS
                    .iter()
                    .any(|k| t.text.eq_ignore_ascii_case(k))
        }) {
            break;
        }
        advance(c);
    }
    let mut spec = crate::ir::ColumnSpec {
        name,
        data_type: join_tokens(&c.t[start..c.i]),
        ..Default::default()
    };
    let mut given: Option<String> = None;
    while !at_element_end(c) {
        if c.eat("CONSTRAINT") {
            given = c.ident();
            continue;
        }
        let name = given.take();
        if c.eat_seq(&["NOT", "NULL"]) {
            spec.not_null = true;
        } else if c.eat("NULL") {
            spec.not_null = false;
        } else if c.eat("DEFAULT") {
            let start = c.i;
            let mut first = true;
            while !at_element_end(c) {
                let stop = !first
                    && c.peek().is_some_and(|t| {
                        t.kind == TokenKind::Word
                            && COLUMN_OPTIONS
                                .iter()
                                .any(|k| t.text.eq_ignore_ascii_case(k))
                    });
                if stop {
                    break;
                }
                first = false;
                advance(c);
            }
            spec.default = Some(join_tokens(&c.t[start..c.i]));
        } else if c.eat_seq(&["PRIMARY", "KEY"]) {
            spec.primary_key = true;
            spec.not_null = true;
            spec.constraint_names.primary_key = name;
        } else if c.eat("UNIQUE") {
            spec.unique = true;
            spec.constraint_names.unique = name;
        } else if c.eat("REFERENCES") {
            spec.references = Some(references(c, vec![spec.name.clone()]));
            spec.constraint_names.references = name;
        } else if c.eat("CHECK") {
            spec.check = Some(paren_text(c));
            spec.constraint_names.check = name;
        } else if c.eat("COLLATE") {
            spec.collation = c.name().map(|n| n.to_string());
        } else if c.eat("GENERATED") {
            if !c.eat("ALWAYS") {
                c.eat_seq(&["BY", "DEFAULT"]);
            }
            c.eat("AS");
            if c.eat("IDENTITY") {
                spec.identity = true;
                if c.peek().is_some_and(|t| t.kind == TokenKind::LParen) {
                    skip_parens(c);
                }
            } else {
                spec.generated = Some(paren_text(c));
                c.eat("STORED");
            }
        } else if c.peek().is_some_and(|t| t.kind == TokenKind::LParen) {
            skip_parens(c);
        } else {
            // DEFERRABLE, INITIALLY …, NO INHERIT, …
            c.i += 1;
        }
    }
    Some(spec)
}

/// The `( … )` of `CREATE TABLE`: columns and table constraints, and
/// whether the columns are not known here (`AS`, `PARTITION OF`, `OF
/// type`, `LIKE`, or a list that could not be read).
fn table_elements(c: &mut Cur<'_, '_>) -> (Vec<crate::ir::ColumnSpec>, Vec<ConstraintSpec>, bool) {
    let mut columns = Vec::new();
    let mut constraints = Vec::new();
    if !c.peek().is_some_and(|t| t.kind == TokenKind::LParen) {
        return (columns, constraints, true);
    }
    c.i += 1;
    let mut derived = false;
    loop {
        if c.at_end() {
            return (columns, constraints, true);
        }
        if c.peek().is_some_and(|t| t.kind == TokenKind::RParen) {
            c.i += 1;
            break;
        }
        if c.kw("CONSTRAINT")
            || c.kw("PRIMARY")
            || c.kw("UNIQUE")
            || c.kw("FOREIGN")
            || c.kw("CHECK")
            || c.kw("EXCLUDE")
        {
            constraints.push(table_constraint(c));
        } else if c.kw("LIKE") {
            derived = true;
        } else if let Some(col) = column_spec(c) {
            columns.push(col);
        } else {
            derived = true;
        }
        skip_element(c);
        if c.peek().is_some_and(|t| t.kind == TokenKind::Comma) {
            c.i += 1;
        }
    }
    if c.kw("PARTITION") && c.is_kw_at(c.i + 1, "OF") {
        derived = true;
    }
    (columns, constraints, derived)
}

/// The elements of `CREATE INDEX … (…)`: a column or an expression, its
/// operator class, `ASC`/`DESC`, `NULLS FIRST`/`LAST`.
fn index_elements(c: &mut Cur<'_, '_>) -> Vec<crate::ir::IndexColumnSpec> {
    let mut out = Vec::new();
    if !c.peek().is_some_and(|t| t.kind == TokenKind::LParen) {
        return out;
    }
    c.i += 1;
    loop {
        if c.at_end() {
            break;
        }
        if c.peek().is_some_and(|t| t.kind == TokenKind::RParen) {
            c.i += 1;
            break;
        }
        let start = c.i;
        skip_element(c);
        let mut toks = &c.t[start..c.i];
        if c.peek().is_some_and(|t| t.kind == TokenKind::Comma) {
            c.i += 1;
        }
        let kw = |t: &Tok<'_>, k: &str| t.kind == TokenKind::Word && t.text.eq_ignore_ascii_case(k);
        if toks.len() >= 2 && kw(&toks[toks.len() - 2], "NULLS") {
            toks = &toks[..toks.len() - 2];
        }
        let mut descending = false;
        if let Some(last) = toks.last() {
            if kw(last, "DESC") {
                descending = true;
                toks = &toks[..toks.len() - 1];
            } else if kw(last, "ASC") {
                toks = &toks[..toks.len() - 1];
            }
        }
        let mut opclass = None;
        if toks.len() >= 2
            && let Some(last) = toks.last()
            && last.kind == TokenKind::Word
            && (toks.len() == 2 || toks[toks.len() - 2].kind == TokenKind::RParen)
        {
            opclass = Some(last.text.to_ascii_lowercase());
            toks = &toks[..toks.len() - 1];
        }
        let expr = match toks {
            [one] if matches!(one.kind, TokenKind::Word | TokenKind::QuotedIdent) => {
                ident_value(one.kind, one.text)
            }
            [open, inner @ .., close]
                if open.kind == TokenKind::LParen && close.kind == TokenKind::RParen =>
            {
                join_tokens(inner)
            }
            other => join_tokens(other),
        };
        if !expr.is_empty() {
            out.push(crate::ir::IndexColumnSpec {
                expr,
                descending,
                opclass,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lex::lex;

    fn toks(src: &str) -> Vec<OpKind> {
        let l = lex(src);
        let t: Vec<Tok<'_>> = l
            .tokens
            .iter()
            .filter(|t| !t.kind.is_trivia())
            .map(|t| Tok {
                kind: t.kind,
                text: t.text(src),
            })
            .collect();
        classify_tokens(&t)
    }

    #[test]
    fn drop_index_concurrently_if_exists() {
        assert_eq!(
            toks("DROP INDEX CONCURRENTLY IF EXISTS \"public\".\"Idx\", b;"),
            vec![OpKind::DropIndex {
                names: vec![
                    ObjName::qualified(Some("public".into()), "Idx"),
                    ObjName::new("b")
                ],
                concurrently: true,
                if_exists: true,
                cascade: false
            }]
        );
    }

    #[test]
    fn alter_table_actions() {
        let ops = toks(
            "ALTER TABLE \"T\" ALTER CONSTRAINT c DEFERRABLE, SET SCHEMA archive, DROP COLUMN IF EXISTS x CASCADE;",
        );
        let names: Vec<&str> = ops.iter().map(OpKind::name).collect();
        assert_eq!(
            names,
            vec!["modify_constraint", "set_table_schema", "drop_column"]
        );
    }

    #[test]
    fn enum_ops() {
        assert_eq!(
            toks("ALTER TYPE \"Role\" ADD VALUE IF NOT EXISTS 'X' AFTER 'Y'"),
            vec![OpKind::AddEnumValue {
                name: ObjName::new("Role"),
                value: "X".into(),
                before: None,
                after: Some("Y".into()),
                if_not_exists: true
            }]
        );
    }

    #[test]
    fn unknown_is_other() {
        assert_eq!(
            toks("CREATE POLICY p ON t USING (true)"),
            vec![OpKind::Other {
                verb: "CREATE".into(),
                head: "CREATE POLICY".into()
            }]
        );
    }
}
