//! The canonical form of an SQL expression: one form for what a migration
//! writes, what a Prisma schema says and what PostgreSQL's catalog prints
//! (`pg_get_expr`), so that equal expressions compare equal.
//!
//! The expression is lexed with [`crate::lex`], parsed into a tree
//! ([`Node`]), brought into canonical shape and printed back:
//!
//! - parentheses are structure, not text: the printer writes only those
//!   the precedence needs (`((a)::integer & 1)` and `(a & 1)` are one form);
//! - casts of constants and of column references are dropped: PostgreSQL
//!   adds them where the types are known (`'a'::text`, `(label)::text`,
//!   `(attributes)::integer & 1`), a migration rarely writes them;
//! - `LIKE`/`ILIKE` are `~~`/`~~*` (`!~~`, `!~~*` negated), `!=` is `<>`,
//!   `x IN (a, b)` and `x = ANY (ARRAY[a, b])` are one form, as are
//!   `NOT IN` and `<> ALL (ARRAY[…])`; `BETWEEN` is the pair of comparisons
//!   PostgreSQL stores;
//! - `AND`/`OR` chains are flattened;
//! - names are folded as PostgreSQL folds them, quoted only where needed,
//!   `public.`/`pg_catalog.` dropped from function names and table
//!   qualifiers dropped from column references (an expression of one table
//!   names its columns bare in the catalog);
//! - keywords are lower case; `COLLATE` clauses are dropped (an index
//!   keeps its collation apart from its expression).
//!
//! What the parser does not know (an unusual construct) makes
//! [`canonical`] return `None`; the caller then keeps the token-level
//! normalization.
//!
//! ```
//! use migsafe_model::expr::canonical;
//! assert_eq!(canonical("((attributes)::integer & 1) = 0"), canonical("(attributes & 1) = 0"));
//! assert_eq!(canonical("(label !~~ 'z%'::text)"), canonical("label NOT LIKE 'z%'"));
//! assert_eq!(canonical("n BETWEEN 1 AND 9"), canonical("(n >= 1) AND (n <= 9)"));
//! assert_eq!(canonical("public.next_code()").as_deref(), Some("next_code()"));
//! ```

use crate::lex::{TokenKind, lex};

/// An expression tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Node {
    /// A column or other name (its last part, canonical quoting).
    Name(String),
    /// A string literal as written (`'a'`, `E'\n'`), or a number.
    Literal(String),
    /// A keyword constant or niladic function: `true`, `null`,
    /// `current_timestamp`.
    Keyword(String),
    /// `*` (in `count(*)`).
    Star,
    Call {
        name: String,
        args: Vec<Node>,
        distinct: bool,
    },
    Cast(Box<Node>, String),
    Unary(String, Box<Node>),
    Binary(String, Box<Node>, Box<Node>),
    /// `AND` / `OR` with all their operands.
    Bool(&'static str, Vec<Node>),
    /// `IS [NOT] NULL|TRUE|FALSE|UNKNOWN`, `IS [NOT] DISTINCT FROM` is a
    /// `Binary`.
    Is(Box<Node>, String),
    /// `x IN (…)` (`negated`: `NOT IN`).
    In {
        expr: Box<Node>,
        list: Vec<Node>,
        negated: bool,
    },
    Array(Vec<Node>),
    Row(Vec<Node>),
    Case {
        operand: Option<Box<Node>>,
        whens: Vec<(Node, Node)>,
        otherwise: Option<Box<Node>>,
    },
    Subscript(Box<Node>, Vec<Node>),
    /// `EXTRACT(field FROM expr)`: the field lower case, unquoted.
    Extract(String, Box<Node>),
}

/// The canonical form of `sql`, or `None` when it is not an expression the
/// parser knows.
pub fn canonical(sql: &str) -> Option<String> {
    let tree = parse(sql)?;
    Some(print(&canon(tree), 0))
}

/// Parses `sql` into a tree (not yet canonical).
pub fn parse(sql: &str) -> Option<Node> {
    let lexed = lex(sql);
    if !lexed.errors.is_empty() {
        return None;
    }
    let mut toks: Vec<Tok> = Vec::new();
    let mut glued = false;
    for t in &lexed.tokens {
        if t.kind.is_trivia() {
            glued = false;
            continue;
        }
        let text = t.text(sql);
        // Operators: adjacent operator characters are one operator.
        if t.kind == TokenKind::Punct && text != "::" && is_op(text) {
            if glued && let Some(Tok::Op(prev)) = toks.last_mut() {
                prev.push_str(text);
                continue;
            }
            toks.push(Tok::Op(text.to_owned()));
            glued = true;
            continue;
        }
        glued = false;
        toks.push(match t.kind {
            TokenKind::Word => Tok::Word(text.to_owned()),
            TokenKind::QuotedIdent => Tok::Quoted(crate::lex::ident_value(t.kind, text)),
            TokenKind::String => Tok::Str(text.to_owned()),
            TokenKind::Number => Tok::Num(text.to_owned()),
            TokenKind::LParen => Tok::P('('),
            TokenKind::RParen => Tok::P(')'),
            TokenKind::Comma => Tok::P(','),
            TokenKind::Dot => Tok::P('.'),
            TokenKind::Punct if text == "::" => Tok::Op("::".to_owned()),
            TokenKind::Punct if text == "[" => Tok::P('['),
            TokenKind::Punct if text == "]" => Tok::P(']'),
            _ => return None,
        });
    }
    // The printer and the canonical pass recurse over the tree: a long
    // expression is left to the token-level form.
    if toks.len() > 2000 {
        return None;
    }
    let mut p = Parser {
        t: toks,
        i: 0,
        depth: 0,
    };
    let e = p.expr(0)?;
    (p.i == p.t.len()).then_some(e)
}

fn is_op(s: &str) -> bool {
    s.chars().all(|c| "+-*/<>=~!@#%^&|`?".contains(c))
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Word(String),
    Quoted(String),
    Str(String),
    Num(String),
    Op(String),
    P(char),
}

struct Parser {
    t: Vec<Tok>,
    i: usize,
    depth: usize,
}

/// Binding powers, low to high, as in PostgreSQL's grammar.
const OR: u8 = 1;
const AND: u8 = 2;
const NOT: u8 = 3;
const IS: u8 = 4;
const CMP: u8 = 5;
const LIKE: u8 = 6;
const OP: u8 = 7;
const ADD: u8 = 8;
const MUL: u8 = 9;
const POW: u8 = 10;
const UNARY: u8 = 11;
const CAST: u8 = 12;

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.t.get(self.i)
    }

    fn word_at(&self, i: usize) -> Option<String> {
        match self.t.get(i) {
            Some(Tok::Word(w)) => Some(w.to_ascii_lowercase()),
            _ => None,
        }
    }

    fn kw(&self, k: &str) -> bool {
        self.word_at(self.i).as_deref() == Some(k)
    }

    fn eat_kw(&mut self, k: &str) -> bool {
        if self.kw(k) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn eat_p(&mut self, c: char) -> bool {
        if self.peek() == Some(&Tok::P(c)) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn expect_p(&mut self, c: char) -> Option<()> {
        self.eat_p(c).then_some(())
    }

    /// The infix operator at the cursor and its binding power.
    fn infix(&self) -> Option<(String, u8)> {
        match self.peek()? {
            Tok::Op(o) => Some((
                o.clone(),
                match o.as_str() {
                    "=" | "<" | ">" | "<=" | ">=" | "<>" | "!=" => CMP,
                    "+" | "-" => ADD,
                    "*" | "/" | "%" => MUL,
                    "^" => POW,
                    "::" => CAST,
                    _ => OP,
                },
            )),
            Tok::Word(w) => {
                let w = w.to_ascii_lowercase();
                let next = self.word_at(self.i + 1);
                match w.as_str() {
                    "or" => Some(("or".into(), OR)),
                    "and" => Some(("and".into(), AND)),
                    "is" => Some(("is".into(), IS)),
                    "like" | "ilike" | "in" | "between" | "similar" => Some((w, LIKE)),
                    "collate" => Some((w, CAST)),
                    "not"
                        if matches!(
                            next.as_deref(),
                            Some("like" | "ilike" | "in" | "between" | "similar")
                        ) =>
                    {
                        Some(("not".into(), LIKE))
                    }
                    _ => None,
                }
            }
            Tok::P('[') => Some(("[".into(), CAST + 1)),
            _ => None,
        }
    }

    fn expr(&mut self, min: u8) -> Option<Node> {
        self.depth += 1;
        if self.depth > 200 {
            return None;
        }
        let mut left = self.prefix()?;
        while let Some((op, bp)) = self.infix() {
            // Left-associative: the right operand is parsed at `bp + 1`, so
            // an operator of the same power binds to the left.
            if bp < min {
                break;
            }
            self.i += 1;
            left = match op.as_str() {
                "or" | "and" => {
                    let right = self.expr(bp + 1)?;
                    Node::Bool(if op == "or" { "or" } else { "and" }, vec![left, right])
                }
                "is" => {
                    let not = self.eat_kw("not");
                    if self.eat_kw("distinct") {
                        if !self.eat_kw("from") {
                            return None;
                        }
                        let right = self.expr(IS + 1)?;
                        let op = if not {
                            "is not distinct from"
                        } else {
                            "is distinct from"
                        };
                        Node::Binary(op.into(), Box::new(left), Box::new(right))
                    } else {
                        let what = self.word_at(self.i)?;
                        if !matches!(what.as_str(), "null" | "true" | "false" | "unknown") {
                            return None;
                        }
                        self.i += 1;
                        let s = if not {
                            format!("is not {what}")
                        } else {
                            format!("is {what}")
                        };
                        Node::Is(Box::new(left), s)
                    }
                }
                "not" | "like" | "ilike" | "in" | "between" | "similar" => {
                    let negated = op == "not";
                    let word = if negated {
                        let w = self.word_at(self.i)?;
                        self.i += 1;
                        w
                    } else {
                        op.clone()
                    };
                    match word.as_str() {
                        "in" => {
                            self.expect_p('(')?;
                            let list = self.list(')')?;
                            Node::In {
                                expr: Box::new(left),
                                list,
                                negated,
                            }
                        }
                        "between" => {
                            self.eat_kw("symmetric");
                            let lo = self.expr(LIKE + 1)?;
                            if !self.eat_kw("and") {
                                return None;
                            }
                            let hi = self.expr(LIKE + 1)?;
                            // As PostgreSQL stores it: `x >= lo AND x <= hi`,
                            // negated `x < lo OR x > hi`.
                            let (a, b, k) = if negated {
                                ("<", ">", "or")
                            } else {
                                (">=", "<=", "and")
                            };
                            let lower =
                                Node::Binary(a.into(), Box::new(left.clone()), Box::new(lo));
                            let upper = Node::Binary(b.into(), Box::new(left), Box::new(hi));
                            Node::Bool(if negated { "or" } else { k }, vec![lower, upper])
                        }
                        "like" | "ilike" => {
                            let right = self.expr(LIKE + 1)?;
                            let o = match (word.as_str(), negated) {
                                ("like", false) => "~~",
                                ("like", true) => "!~~",
                                (_, false) => "~~*",
                                (_, true) => "!~~*",
                            };
                            Node::Binary(o.into(), Box::new(left), Box::new(right))
                        }
                        _ => return None,
                    }
                }
                "::" => Node::Cast(Box::new(left), self.type_name()?),
                // `x COLLATE "C"`: dropped. An index keeps its collation
                // apart from its expression (the catalog prints it outside);
                // elsewhere the collation is not compared.
                "collate" => {
                    self.type_name()?;
                    left
                }
                "[" => {
                    let idx = self.list(']')?;
                    Node::Subscript(Box::new(left), idx)
                }
                _ => {
                    // `= ANY (…)` / `<> ALL (…)`: the forms of IN.
                    if (op == "=" && self.kw("any"))
                        || ((op == "<>" || op == "!=") && self.kw("all"))
                    {
                        self.i += 1;
                        self.expect_p('(')?;
                        let inner = self.expr(0)?;
                        self.expect_p(')')?;
                        match inner {
                            Node::Array(list) => Node::In {
                                expr: Box::new(left),
                                list,
                                negated: op != "=",
                            },
                            _ => return None,
                        }
                    } else {
                        let right = self.expr(bp + 1)?;
                        Node::Binary(op, Box::new(left), Box::new(right))
                    }
                }
            };
        }
        self.depth -= 1;
        Some(left)
    }

    fn list(&mut self, close: char) -> Option<Vec<Node>> {
        let mut out = Vec::new();
        if self.eat_p(close) {
            return Some(out);
        }
        loop {
            out.push(self.expr(0)?);
            if self.eat_p(close) {
                return Some(out);
            }
            self.expect_p(',')?;
        }
    }

    /// A type name after `::`: words (`character varying`, `timestamp
    /// without time zone`), a modifier, `[]`, schema qualification.
    fn type_name(&mut self) -> Option<String> {
        let mut s = String::new();
        loop {
            match self.peek()? {
                Tok::Word(w) => s.push_str(w),
                Tok::Quoted(q) => {
                    s.push('"');
                    s.push_str(&q.replace('"', "\"\""));
                    s.push('"');
                }
                _ => return None,
            }
            self.i += 1;
            if self.eat_p('.') {
                s.push('.');
                continue;
            }
            // Multi-word built-in types.
            let more = matches!(
                self.word_at(self.i).as_deref(),
                Some("varying" | "precision" | "without" | "with" | "time" | "zone")
            );
            if more {
                s.push(' ');
                continue;
            }
            break;
        }
        if self.eat_p('(') {
            s.push('(');
            let mut first = true;
            while !self.eat_p(')') {
                if !first {
                    self.expect_p(',')?;
                    s.push(',');
                }
                first = false;
                match self.peek()? {
                    Tok::Num(n) => s.push_str(n),
                    _ => return None,
                }
                self.i += 1;
            }
            s.push(')');
        }
        while self.peek() == Some(&Tok::P('[')) && self.t.get(self.i + 1) == Some(&Tok::P(']')) {
            self.i += 2;
            s.push_str("[]");
        }
        Some(crate::types::normalize_type(&s).as_str().to_owned())
    }

    fn prefix(&mut self) -> Option<Node> {
        let t = self.peek()?.clone();
        self.i += 1;
        match t {
            Tok::P('(') => {
                let first = self.expr(0)?;
                if self.eat_p(')') {
                    return Some(first);
                }
                self.expect_p(',')?;
                let mut items = vec![first];
                items.extend(self.list(')')?);
                Some(Node::Row(items))
            }
            Tok::Str(s) => Some(Node::Literal(s)),
            Tok::Num(n) => Some(Node::Literal(n)),
            Tok::Op(o) if o == "-" || o == "+" => {
                let e = self.expr(UNARY)?;
                Some(Node::Unary(o, Box::new(e)))
            }
            Tok::Op(_) | Tok::P(_) => None,
            Tok::Quoted(q) => self.name_or_call(canonical_ident(&q, true)),
            Tok::Word(w) => {
                let lw = w.to_ascii_lowercase();
                match lw.as_str() {
                    "not" => {
                        let e = self.expr(NOT)?;
                        Some(Node::Unary("not".into(), Box::new(e)))
                    }
                    "null" | "true" | "false" | "current_timestamp" | "current_date"
                    | "current_time" | "localtimestamp" | "localtime" | "current_user"
                    | "session_user" | "current_schema"
                        if self.peek() != Some(&Tok::P('(')) =>
                    {
                        Some(Node::Keyword(lw))
                    }
                    "array" if self.peek() == Some(&Tok::P('[')) => {
                        self.i += 1;
                        Some(Node::Array(self.list(']')?))
                    }
                    "case" => self.case(),
                    "extract" if self.peek() == Some(&Tok::P('(')) => {
                        self.i += 1;
                        let field = match self.peek()?.clone() {
                            Tok::Word(f) => f.to_ascii_lowercase(),
                            Tok::Str(f) => f.trim_matches('\'').to_ascii_lowercase(),
                            _ => return None,
                        };
                        if !field.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                            return None;
                        }
                        self.i += 1;
                        if !self.eat_kw("from") {
                            return None;
                        }
                        let e = self.expr(0)?;
                        self.expect_p(')')?;
                        Some(Node::Extract(field, Box::new(e)))
                    }
                    "cast" if self.peek() == Some(&Tok::P('(')) => {
                        self.i += 1;
                        let e = self.expr(0)?;
                        if !self.eat_kw("as") {
                            return None;
                        }
                        let ty = self.type_name()?;
                        self.expect_p(')')?;
                        Some(Node::Cast(Box::new(e), ty))
                    }
                    // A typed literal: `interval '1 day'`, `date '2020-01-01'`.
                    "interval" | "date" | "timestamp" | "timestamptz" | "time"
                        if matches!(self.peek(), Some(Tok::Str(_))) =>
                    {
                        let Some(Tok::Str(s)) = self.peek().cloned() else {
                            return None;
                        };
                        self.i += 1;
                        Some(Node::Cast(
                            Box::new(Node::Literal(s)),
                            crate::types::normalize_type(&lw).as_str().to_owned(),
                        ))
                    }
                    _ => self.name_or_call(canonical_ident(&w, false)),
                }
            }
        }
    }

    /// A (possibly qualified) name, or a function call.
    fn name_or_call(&mut self, first: String) -> Option<Node> {
        let mut parts = vec![first];
        while self.peek() == Some(&Tok::P('.')) {
            self.i += 1;
            let next = match self.peek()? {
                Tok::Word(w) => canonical_ident(w, false),
                Tok::Quoted(q) => canonical_ident(q, true),
                Tok::Op(o) if o == "*" => "*".to_owned(),
                _ => return None,
            };
            self.i += 1;
            parts.push(next);
        }
        if self.eat_p('(') {
            let distinct = self.eat_kw("distinct");
            let args = if self.peek() == Some(&Tok::Op("*".into())) {
                self.i += 1;
                self.expect_p(')')?;
                vec![Node::Star]
            } else {
                self.list(')')?
            };
            // `f(…) FILTER`, `OVER`, `WITHIN GROUP`: not known.
            if self.kw("over") || self.kw("filter") || self.kw("within") {
                return None;
            }
            while matches!(
                parts.first().map(String::as_str),
                Some("public" | "pg_catalog")
            ) && parts.len() > 1
            {
                parts.remove(0);
            }
            return Some(Node::Call {
                name: parts.join("."),
                args,
                distinct,
            });
        }
        // A column reference: its table qualifier is dropped.
        parts.pop().map(Node::Name)
    }

    fn case(&mut self) -> Option<Node> {
        let operand = if self.kw("when") {
            None
        } else {
            Some(Box::new(self.expr(0)?))
        };
        let mut whens = Vec::new();
        while self.eat_kw("when") {
            let c = self.expr(0)?;
            if !self.eat_kw("then") {
                return None;
            }
            whens.push((c, self.expr(0)?));
        }
        let otherwise = if self.eat_kw("else") {
            Some(Box::new(self.expr(0)?))
        } else {
            None
        };
        if !self.eat_kw("end") || whens.is_empty() {
            return None;
        }
        Some(Node::Case {
            operand,
            whens,
            otherwise,
        })
    }
}

/// A name as PostgreSQL's deparser prints it: folded when unquoted,
/// truncated to 63 bytes, quoted only when it must be.
fn canonical_ident(text: &str, quoted: bool) -> String {
    let v = if quoted {
        text.to_owned()
    } else {
        crate::lex::fold_ident(text)
    };
    let v = crate::names::truncate_identifier(&v);
    if crate::types::needs_no_quotes(&v) {
        v
    } else {
        format!("\"{}\"", v.replace('"', "\"\""))
    }
}

/// The canonical shape of a tree.
fn canon(n: Node) -> Node {
    match n {
        Node::Cast(inner, ty) => {
            let inner = canon(*inner);
            match inner {
                // A constant cast to a number type is the number.
                Node::Literal(s) if is_numeric_type(&ty) && s.starts_with('\'') => {
                    let v = s.trim_matches('\'');
                    if v.parse::<f64>().is_ok() {
                        Node::Literal(v.to_owned())
                    } else {
                        Node::Literal(s)
                    }
                }
                // Constants and column references: the cast is PostgreSQL's
                // (or redundant).
                Node::Literal(_) | Node::Name(_) | Node::Keyword(_) => inner,
                Node::Unary(op, e) if op == "-" && matches!(*e, Node::Literal(_)) => {
                    canon(Node::Unary(op, e))
                }
                other => Node::Cast(Box::new(other), ty),
            }
        }
        Node::Unary(op, e) => {
            let e = canon(*e);
            match (&*op, e) {
                ("-", Node::Literal(s)) if !s.starts_with('\'') => Node::Literal(format!("-{s}")),
                ("+", e) => e,
                (_, e) => Node::Unary(op, Box::new(e)),
            }
        }
        Node::Binary(op, l, r) => {
            let op = if op == "!=" { "<>".to_owned() } else { op };
            Node::Binary(op, Box::new(canon(*l)), Box::new(canon(*r)))
        }
        Node::Bool(k, items) => {
            let mut flat = Vec::new();
            for i in items {
                match canon(i) {
                    Node::Bool(k2, inner) if k2 == k => flat.extend(inner),
                    other => flat.push(other),
                }
            }
            Node::Bool(k, flat)
        }
        Node::Is(e, s) => Node::Is(Box::new(canon(*e)), s),
        Node::In {
            expr,
            list,
            negated,
        } => Node::In {
            expr: Box::new(canon(*expr)),
            list: list.into_iter().map(canon).collect(),
            negated,
        },
        Node::Call {
            name,
            args,
            distinct,
        } => Node::Call {
            name,
            args: args.into_iter().map(canon).collect(),
            distinct,
        },
        Node::Array(v) => Node::Array(v.into_iter().map(canon).collect()),
        Node::Row(v) => Node::Row(v.into_iter().map(canon).collect()),
        Node::Case {
            operand,
            whens,
            otherwise,
        } => Node::Case {
            operand: operand.map(|o| Box::new(canon(*o))),
            whens: whens
                .into_iter()
                .map(|(c, v)| (canon(c), canon(v)))
                .collect(),
            otherwise: otherwise.map(|o| Box::new(canon(*o))),
        },
        Node::Subscript(e, idx) => {
            Node::Subscript(Box::new(canon(*e)), idx.into_iter().map(canon).collect())
        }
        Node::Extract(f, e) => Node::Extract(f, Box::new(canon(*e))),
        leaf => leaf,
    }
}

fn is_numeric_type(ty: &str) -> bool {
    matches!(
        ty,
        "integer" | "bigint" | "smallint" | "numeric" | "real" | "double precision"
    ) || ty.starts_with("numeric(")
}

/// The binding power of a node, as the printer sees it.
fn power(n: &Node) -> u8 {
    match n {
        Node::Bool("or", _) => OR,
        Node::Bool(..) => AND,
        Node::Unary(op, _) if op == "not" => NOT,
        Node::Is(..) => IS,
        Node::Binary(op, ..) => match op.as_str() {
            "=" | "<" | ">" | "<=" | ">=" | "<>" => CMP,
            "is distinct from" | "is not distinct from" => IS,
            "+" | "-" => ADD,
            "*" | "/" | "%" => MUL,
            "^" => POW,
            _ => OP,
        },
        Node::In { .. } => LIKE,
        Node::Unary(..) => UNARY,
        Node::Cast(..) => CAST,
        _ => u8::MAX,
    }
}

/// Prints `n`, parenthesized when its power is below `min`.
fn print(n: &Node, min: u8) -> String {
    let s = match n {
        Node::Name(s) | Node::Literal(s) | Node::Keyword(s) => s.clone(),
        Node::Star => "*".to_owned(),
        Node::Call {
            name,
            args,
            distinct,
        } => format!(
            "{name}({}{})",
            if *distinct { "distinct " } else { "" },
            join(args)
        ),
        Node::Cast(e, ty) => format!("{}::{ty}", print(e, CAST + 1)),
        Node::Unary(op, e) if op == "not" => format!("not {}", print(e, NOT)),
        Node::Unary(op, e) => format!("{op}{}", print(e, UNARY)),
        Node::Binary(op, l, r) => {
            let p = power(n);
            // Left-associative: the right operand needs more.
            format!("{} {op} {}", print(l, p), print(r, p + 1))
        }
        Node::Bool(k, items) => items
            .iter()
            .map(|i| print(i, power(n) + 1))
            .collect::<Vec<_>>()
            .join(&format!(" {k} ")),
        Node::Is(e, s) => format!("{} {s}", print(e, IS + 1)),
        Node::In {
            expr,
            list,
            negated,
        } => format!(
            "{} {}in ({})",
            print(expr, LIKE + 1),
            if *negated { "not " } else { "" },
            join(list)
        ),
        Node::Array(v) => format!("array[{}]", join(v)),
        Node::Row(v) => format!("({})", join(v)),
        Node::Case {
            operand,
            whens,
            otherwise,
        } => {
            let mut s = "case".to_owned();
            if let Some(o) = operand {
                s.push(' ');
                s.push_str(&print(o, 0));
            }
            for (c, v) in whens {
                s.push_str(&format!(" when {} then {}", print(c, 0), print(v, 0)));
            }
            if let Some(o) = otherwise {
                s.push_str(&format!(" else {}", print(o, 0)));
            }
            s.push_str(" end");
            s
        }
        Node::Subscript(e, idx) => format!("{}[{}]", print(e, u8::MAX), join(idx)),
        Node::Extract(f, e) => format!("extract({f} from {})", print(e, 0)),
    };
    if power(n) < min { format!("({s})") } else { s }
}

fn join(v: &[Node]) -> String {
    v.iter().map(|x| print(x, 0)).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::canonical;

    fn same(a: &str, b: &str) {
        assert_eq!(canonical(a), canonical(b), "{a}  vs  {b}");
        assert!(canonical(a).is_some(), "{a}");
    }

    #[test]
    fn what_postgresql_prints_equals_what_migrations_write() {
        same("((attributes)::integer & 1) = 0", "(attributes & 1) = 0");
        same("((attributes)::integer & 4)", "(attributes & 4)");
        same("(label || n)", "label || n");
        same("(label ~~ 'a%'::text)", "label LIKE 'a%'");
        same(
            "((label !~~ 'z%'::text) AND ((label ~~* '%q%'::text) IS NOT TRUE))",
            "label NOT LIKE 'z%' AND label ILIKE '%q%' IS NOT TRUE",
        );
        same(
            "((n >= 1) AND (n <= 9) AND (n <> 5))",
            "n BETWEEN 1 AND 9 AND n != 5",
        );
        same(
            "(label = ANY (ARRAY['a'::text, 'b'::text]))",
            "label IN ('a', 'b')",
        );
        same("(label <> ALL (ARRAY['a'::text]))", "label NOT IN ('a')");
        same("lower((label)::text)", "LOWER(label)");
        same("public.next_code()", "next_code()");
        same("(price >= (0)::numeric)", "price >= 0");
        same("('-1'::integer)", "-1");
        same(
            "EXTRACT(epoch FROM (now() + '1 day'::interval))",
            "extract(epoch from (now() + interval '1 day'))",
        );
        same(
            "EXTRACT(year FROM created_at)",
            "extract('YEAR' from created_at)",
        );
        same("\"Flag\".label", "label");
        same(
            "CASE WHEN (a > 0) THEN 'x'::text ELSE NULL::text END",
            "case when a > 0 then 'x' else null end",
        );
        same("(a AND (b AND c))", "a AND b AND c");
        same(
            "((n < '-5'::integer) OR (n > '-1'::integer))",
            "n NOT BETWEEN -5 AND -1",
        );
    }

    #[test]
    fn different_expressions_stay_different() {
        for (a, b) in [
            ("a + b * c", "(a + b) * c"),
            ("a - (b - c)", "a - b - c"),
            ("a OR b AND c", "(a OR b) AND c"),
            ("lower(a)", "upper(a)"),
            ("a = 1", "a = 2"),
            ("a ~~ 'x'", "a ~~* 'x'"),
            ("x IN (1, 2)", "x NOT IN (1, 2)"),
            ("(a || b)::text", "a || b"),
        ] {
            assert_ne!(canonical(a), canonical(b), "{a}  vs  {b}");
        }
    }

    #[test]
    fn printing_is_a_fixed_point() {
        for e in [
            "a + b * c",
            "(a OR b) AND c",
            "not (a and b)",
            "x in (1, 2) and y is not null",
            "case when a then 1 end",
            "f(distinct a, count(*))",
            "a - (b - c)",
            "-a ^ 2",
        ] {
            let once = canonical(e).unwrap();
            assert_eq!(canonical(&once).as_deref(), Some(once.as_str()), "{e}");
        }
    }

    #[test]
    fn what_it_does_not_know_is_none() {
        for e in ["a ->", "(", "count(*) OVER ()", "x IS OF (int)"] {
            assert_eq!(canonical(e), None, "{e}");
        }
    }
}
