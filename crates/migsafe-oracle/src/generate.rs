//! A generator of random migration histories for the differential tests.
//!
//! A history is driven by a list of *steps*, each a handful of numbers
//! (what proptest generates and shrinks). The generator keeps a small
//! picture of the schema it has built so far and turns each step into one
//! statement that is meant to be valid on it: a table, a column of one of
//! many types with a default, an index of some kind, a constraint, an
//! enum, a sequence, a view, a rename, a drop. Steps are grouped into
//! migration files.
//!
//! The picture is not PostgreSQL: the server decides. [`History::build`]
//! sends each file to the server as Prisma does (one simple query); a file
//! PostgreSQL rejects is left out of the history and the picture goes back
//! to where it was before it. What remains is a history PostgreSQL applied,
//! whose database the replay must equal.

use std::fmt::Write as _;

/// One step: the numbers that choose a statement and its details.
pub type Step = [u32; 8];

/// Reads choices out of a step; a shrunk step (zeros) picks the first, the
/// simplest, option everywhere.
struct Pick<'a> {
    vals: &'a Step,
    i: usize,
}

impl Pick<'_> {
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        let v = self.vals[self.i % self.vals.len()];
        // Later reads of the same slot see other bits.
        let v = v.rotate_right((self.i / self.vals.len()) as u32 * 7);
        self.i += 1;
        v as usize % n
    }

    fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == one_in.saturating_sub(1)
    }

    fn pick<'t, T>(&mut self, items: &'t [T]) -> Option<&'t T> {
        if items.is_empty() {
            None
        } else {
            items.get(self.below(items.len()))
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Ty {
    Int,
    BigInt,
    SmallInt,
    Text,
    Varchar(u32),
    Numeric(u32, u32),
    Bool,
    Timestamptz,
    Timestamp3,
    Date,
    Jsonb,
    Uuid,
    TextArray,
    IntArray,
    Double,
    Interval,
    Enum(String),
}

impl Ty {
    fn sql(&self) -> String {
        match self {
            Ty::Int => "INTEGER".into(),
            Ty::BigInt => "BIGINT".into(),
            Ty::SmallInt => "SMALLINT".into(),
            Ty::Text => "TEXT".into(),
            Ty::Varchar(n) => format!("VARCHAR({n})"),
            Ty::Numeric(p, s) => format!("NUMERIC({p},{s})"),
            Ty::Bool => "BOOLEAN".into(),
            Ty::Timestamptz => "TIMESTAMPTZ".into(),
            Ty::Timestamp3 => "TIMESTAMP(3)".into(),
            Ty::Date => "DATE".into(),
            Ty::Jsonb => "JSONB".into(),
            Ty::Uuid => "UUID".into(),
            Ty::TextArray => "TEXT[]".into(),
            Ty::IntArray => "INTEGER[]".into(),
            Ty::Double => "DOUBLE PRECISION".into(),
            Ty::Interval => "INTERVAL".into(),
            Ty::Enum(e) => ident(e),
        }
    }

    fn is_int(&self) -> bool {
        matches!(self, Ty::Int | Ty::BigInt | Ty::SmallInt)
    }

    fn is_text(&self) -> bool {
        matches!(self, Ty::Text | Ty::Varchar(_))
    }

    /// A default expression for a column of this type, in one of the
    /// spellings migrations use.
    fn default(&self, p: &mut Pick<'_>, enums: &[Enum]) -> Option<String> {
        let options: Vec<String> = match self {
            Ty::Int | Ty::SmallInt | Ty::BigInt => {
                vec!["0".into(), "42".into(), "-1".into(), "(1 + 2)".into()]
            }
            Ty::Text | Ty::Varchar(_) => vec![
                "'x'".into(),
                "''".into(),
                "'it''s'".into(),
                "'a'::text".into(),
                "lower('ABC')".into(),
            ],
            Ty::Numeric(..) => vec!["0".into(), "1.5".into(), "'2.5'::numeric".into()],
            Ty::Bool => vec!["true".into(), "false".into()],
            Ty::Timestamptz => vec![
                "now()".into(),
                "CURRENT_TIMESTAMP".into(),
                "'2024-01-01 00:00:00+00'".into(),
            ],
            Ty::Timestamp3 => vec!["CURRENT_TIMESTAMP".into(), "now()".into()],
            Ty::Date => vec!["CURRENT_DATE".into(), "'2024-01-01'".into()],
            Ty::Jsonb => vec!["'{}'".into(), "'[]'::jsonb".into(), "'{\"a\": 1}'".into()],
            Ty::Uuid => vec!["gen_random_uuid()".into()],
            Ty::TextArray => vec![
                "ARRAY[]::TEXT[]".into(),
                "'{}'".into(),
                "ARRAY['a', 'b']".into(),
            ],
            Ty::IntArray => vec!["'{}'".into(), "ARRAY[1, 2]".into()],
            Ty::Double => vec!["0".into(), "1.25".into()],
            Ty::Interval => vec![
                "'1 day'".into(),
                "interval '12 months'".into(),
                "'01:00:00'::interval".into(),
            ],
            Ty::Enum(name) => enums
                .iter()
                .find(|e| &e.name == name)
                .and_then(|e| e.values.first())
                .map(|v| vec![format!("'{v}'")])
                .unwrap_or_default(),
        };
        p.pick(&options).cloned()
    }
}

#[derive(Clone, Debug)]
struct Column {
    name: String,
    ty: Ty,
}

#[derive(Clone, Debug)]
struct Table {
    name: String,
    columns: Vec<Column>,
    /// Has a single-column primary key on its first column.
    pk: bool,
    indexes: Vec<String>,
    constraints: Vec<String>,
}

#[derive(Clone, Debug)]
struct Enum {
    name: String,
    values: Vec<String>,
}

/// The generator's picture of the schema.
#[derive(Clone, Debug, Default)]
struct State {
    tables: Vec<Table>,
    enums: Vec<Enum>,
    sequences: Vec<String>,
    /// Views and the names of their columns.
    views: Vec<(String, Vec<String>)>,
    counter: u32,
    /// Functions: name, argument types, return type.
    functions: Vec<(String, Vec<&'static str>, &'static str)>,
    /// Trigger functions (no arguments, `RETURNS trigger`).
    trigger_functions: Vec<String>,
    /// Triggers: table, trigger, function (the table may have been
    /// renamed or dropped since: PostgreSQL then rejects the file).
    triggers: Vec<(String, String, String)>,
}

/// Argument and return types of generated functions, spelled as
/// migrations spell them (typmods PostgreSQL drops included).
const ROUTINE_TYPES: &[&str] = &[
    "INTEGER",
    "BIGINT",
    "TEXT",
    "VARCHAR(20)",
    "NUMERIC(10,2)",
    "TEXT[]",
    "TIMESTAMP(3)",
    "BOOLEAN",
    "int4",
    "character varying",
];

/// `"Name"` for names that need quotes, the bare name otherwise.
fn ident(name: &str) -> String {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if plain && !is_reserved(name) {
        name.to_owned()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

fn is_reserved(w: &str) -> bool {
    matches!(
        w,
        "user" | "order" | "group" | "table" | "check" | "default" | "select" | "end"
    )
}

impl State {
    fn fresh(&mut self, p: &mut Pick<'_>, prefix: &str) -> String {
        self.counter += 1;
        let n = self.counter;
        match p.below(10) {
            0 | 1 => format!("{}{}{n}", prefix[..1].to_ascii_uppercase(), &prefix[1..]),
            2 => format!("{prefix}_Mixed{n}"),
            // Longer than PostgreSQL's 63 bytes: truncated everywhere.
            3 => format!("{prefix}_{n}_{}", "long".repeat(17)),
            // Not ASCII: folded ASCII-only.
            4 => format!("{prefix}_Ä{n}"),
            _ => format!("{prefix}{n}"),
        }
    }

    fn column_type(&self, p: &mut Pick<'_>) -> Ty {
        match p.below(17) {
            0 => Ty::Int,
            1 => Ty::BigInt,
            2 => Ty::SmallInt,
            3 => Ty::Text,
            4 => Ty::Varchar([10, 191, 255][p.below(3)]),
            5 => Ty::Numeric([10, 12, 65][p.below(3)], [2, 0, 9][p.below(3)]),
            6 => Ty::Bool,
            7 => Ty::Timestamptz,
            8 => Ty::Timestamp3,
            9 => Ty::Date,
            10 => Ty::Jsonb,
            11 => Ty::Uuid,
            12 => Ty::TextArray,
            13 => Ty::IntArray,
            14 => Ty::Double,
            15 => Ty::Interval,
            _ => match p.pick(&self.enums) {
                Some(e) => Ty::Enum(e.name.clone()),
                None => Ty::Text,
            },
        }
    }

    /// A column definition, with its constraints written inline.
    fn column_def(&mut self, p: &mut Pick<'_>, table: &str, prev: &[Column]) -> (String, Column) {
        let name = self.fresh(p, "col");
        let ty = self.column_type(p);
        let mut sql = format!("{} {}", ident(&name), ty.sql());
        match p.below(8) {
            0 => sql.push_str(" NOT NULL"),
            1 => {
                if let Some(d) = ty.default(p, &self.enums) {
                    let _ = write!(sql, " DEFAULT {d}");
                }
            }
            2 => {
                if let Some(d) = ty.default(p, &self.enums) {
                    let _ = write!(sql, " NOT NULL DEFAULT {d}");
                }
            }
            3 if ty.is_int() => {
                if let Some(src) = prev.iter().find(|c| c.ty.is_int()) {
                    sql = format!(
                        "{} BIGINT GENERATED ALWAYS AS ({} * 2) STORED",
                        ident(&name),
                        ident(&src.name)
                    );
                    return (
                        sql,
                        Column {
                            name,
                            ty: Ty::BigInt,
                        },
                    );
                }
            }
            4 if ty.is_int() => {
                let c = self.constraint_name(p, table, "check");
                let n = ident(&name);
                // Spellings PostgreSQL stores differently: BETWEEN, IN, casts
                // it adds (`smallint & integer`), `!=`.
                let body = [
                    format!("{n} >= 0"),
                    format!("{n} BETWEEN 0 AND 1000"),
                    format!("{n} NOT BETWEEN -5 AND -1"),
                    format!("{n} IN (1, 2, 3) OR {n} IS NULL"),
                    format!("({n} & 1) = 0 AND {n} != 7"),
                    format!("{n}::bigint < 100000 AND NOT ({n} = 13)"),
                ][p.below(6)]
                .clone();
                let _ = write!(sql, " CONSTRAINT {} CHECK ({body})", ident(&c));
            }
            5 if ty.is_text() => {
                let n = ident(&name);
                let body = [
                    format!("char_length({n}) > 0"),
                    format!("{n} LIKE 'a%' OR {n} NOT ILIKE '%z'"),
                    format!("{n} NOT IN ('x', 'y')"),
                    format!("lower({n}) <> upper({n}) IS NOT FALSE"),
                    format!("{n} || 'x' <> 'yx'"),
                    format!("CASE WHEN {n} = '' THEN false ELSE true END"),
                ][p.below(6)]
                .clone();
                let _ = write!(sql, " CHECK ({body})");
            }
            6 | 7 if ty.is_text() => {
                let coll = [
                    "\"C\"",
                    "\"POSIX\"",
                    "pg_catalog.\"C\"",
                    "\"default\"",
                    "\"ucs_basic\"",
                ];
                let _ = write!(sql, " COLLATE {}", coll[p.below(coll.len())]);
            }
            _ => {}
        }
        (sql, Column { name, ty })
    }

    fn constraint_name(&mut self, p: &mut Pick<'_>, table: &str, kind: &str) -> String {
        if p.chance(2) {
            self.counter += 1;
            format!("{kind}_{}", self.counter)
        } else {
            self.counter += 1;
            format!("{table}_{kind}{}", self.counter)
        }
    }

    fn create_table(&mut self, p: &mut Pick<'_>) -> String {
        let name = self.fresh(p, "tab");
        let mut cols = Vec::new();
        let mut defs = Vec::new();
        let pk_kind = p.below(4);
        let id = Column {
            name: "id".to_owned(),
            ty: Ty::Int,
        };
        match pk_kind {
            0 => defs.push("\"id\" SERIAL PRIMARY KEY".to_owned()),
            1 => defs.push("id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY".to_owned()),
            2 => defs.push("\"id\" INTEGER NOT NULL".to_owned()),
            _ => defs.push("id TEXT NOT NULL".to_owned()),
        }
        cols.push(Column {
            ty: match pk_kind {
                1 => Ty::BigInt,
                3 => Ty::Text,
                _ => Ty::Int,
            },
            ..id
        });
        for _ in 0..1 + p.below(4) {
            let (sql, c) = self.column_def(p, &name, &cols);
            defs.push(sql);
            cols.push(c);
        }
        let mut constraints = Vec::new();
        if pk_kind >= 2 {
            let c = format!("{name}_pkey");
            defs.push(format!("CONSTRAINT {} PRIMARY KEY (\"id\")", ident(&c)));
            constraints.push(c);
        }
        // A foreign key to an earlier table with a primary key.
        let parents: Vec<(String, Ty)> = self
            .tables
            .iter()
            .filter(|t| t.pk)
            .filter_map(|t| t.columns.first().map(|c| (t.name.clone(), c.ty.clone())))
            .collect();
        if p.chance(2)
            && let Some((parent, pty)) = p.pick(&parents).cloned()
        {
            let col = self.fresh(p, "ref");
            let ty = if pty == Ty::Text { "TEXT" } else { "BIGINT" };
            defs.push(format!("{} {ty}", ident(&col)));
            let action = [
                "",
                " ON DELETE CASCADE",
                " ON DELETE SET NULL",
                " ON UPDATE CASCADE",
            ][p.below(4)];
            let fk = self.constraint_name(p, &name, "fkey");
            defs.push(format!(
                "CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {}(\"id\"){action}",
                ident(&fk),
                ident(&col),
                ident(&parent)
            ));
            constraints.push(fk);
            cols.push(Column {
                name: col,
                ty: if pty == Ty::Text {
                    Ty::Text
                } else {
                    Ty::BigInt
                },
            });
        }
        let sql = format!(
            "CREATE TABLE {} (\n    {}\n);",
            ident(&name),
            defs.join(",\n    ")
        );
        self.tables.push(Table {
            name,
            columns: cols,
            pk: true,
            indexes: Vec::new(),
            constraints,
        });
        sql
    }

    fn table_index(&self, p: &mut Pick<'_>) -> Option<usize> {
        if self.tables.is_empty() {
            None
        } else {
            Some(p.below(self.tables.len()))
        }
    }

    /// One statement on the current picture.
    fn statement(&mut self, p: &mut Pick<'_>) -> String {
        let Some(ti) = self.table_index(p) else {
            return self.create_table(p);
        };
        let kind = p.below(29);
        let tname = self.tables[ti].name.clone();
        let t = ident(&tname);
        match kind {
            0 if p.chance(4) => self.create_partitioned(p),
            0 | 1 => self.create_table(p),
            2 | 3 => {
                let prev = self.tables[ti].columns.clone();
                let (def, c) = self.column_def(p, &tname, &prev);
                self.tables[ti].columns.push(c);
                format!("ALTER TABLE {t} ADD COLUMN {def};")
            }
            4 => {
                // Drop a column other than the key.
                let n = self.tables[ti].columns.len();
                if n < 3 {
                    return self.create_table(p);
                }
                let ci = 1 + p.below(n - 1);
                let c = self.tables[ti].columns.remove(ci);
                let cascade = if p.chance(2) { " CASCADE" } else { "" };
                format!("ALTER TABLE {t} DROP COLUMN {}{cascade};", ident(&c.name))
            }
            5 => {
                let n = self.tables[ti].columns.len();
                let ci = 1 + p.below(n.saturating_sub(1).max(1));
                let Some(c) = self.tables[ti].columns.get(ci).cloned() else {
                    return self.create_table(p);
                };
                let new = self.fresh(p, "renamed");
                self.tables[ti].columns[ci].name = new.clone();
                format!(
                    "ALTER TABLE {t} RENAME COLUMN {} TO {};",
                    ident(&c.name),
                    ident(&new)
                )
            }
            6 => {
                let new = self.fresh(p, "moved");
                self.tables[ti].name = new.clone();
                format!("ALTER TABLE {t} RENAME TO {};", ident(&new))
            }
            7 => {
                // A type change PostgreSQL can do.
                let cols = self.tables[ti].columns.clone();
                let Some((ci, c)) = cols.iter().enumerate().skip(1).find(|(_, c)| {
                    matches!(
                        c.ty,
                        Ty::Int | Ty::Varchar(_) | Ty::Numeric(..) | Ty::SmallInt
                    )
                }) else {
                    return self.create_table(p);
                };
                let (to, using) = match &c.ty {
                    Ty::Int | Ty::SmallInt => (Ty::BigInt, ""),
                    Ty::Varchar(n) if p.chance(2) => (Ty::Varchar(n + 10), ""),
                    Ty::Varchar(_) => (Ty::Text, ""),
                    Ty::Numeric(pr, s) => (Ty::Numeric(pr + 2, *s), ""),
                    _ => (Ty::Text, ""),
                };
                self.tables[ti].columns[ci].ty = to.clone();
                // A collation with the new type, or the type's default.
                let collate = if to.is_text() && p.chance(2) {
                    " COLLATE \"C\""
                } else {
                    ""
                };
                format!(
                    "ALTER TABLE {t} ALTER COLUMN {} SET DATA TYPE {}{collate}{using};",
                    ident(&c.name),
                    to.sql()
                )
            }
            8 => {
                let n = self.tables[ti].columns.len();
                let ci = 1 + p.below(n.saturating_sub(1).max(1));
                let Some(c) = self.tables[ti].columns.get(ci).cloned() else {
                    return self.create_table(p);
                };
                match p.below(4) {
                    0 => match c.ty.default(p, &self.enums) {
                        Some(d) => {
                            format!(
                                "ALTER TABLE {t} ALTER COLUMN {} SET DEFAULT {d};",
                                ident(&c.name)
                            )
                        }
                        None => format!(
                            "ALTER TABLE {t} ALTER COLUMN {} DROP DEFAULT;",
                            ident(&c.name)
                        ),
                    },
                    1 => format!(
                        "ALTER TABLE {t} ALTER COLUMN {} DROP DEFAULT;",
                        ident(&c.name)
                    ),
                    2 => format!(
                        "ALTER TABLE {t} ALTER COLUMN {} SET NOT NULL;",
                        ident(&c.name)
                    ),
                    _ => format!(
                        "ALTER TABLE {t} ALTER COLUMN {} DROP NOT NULL;",
                        ident(&c.name)
                    ),
                }
            }
            9..=11 => self.create_index(p, ti),
            12 => {
                let Some(i) = p.pick(&self.tables[ti].indexes).cloned() else {
                    return self.create_index(p, ti);
                };
                self.tables[ti].indexes.retain(|x| *x != i);
                let ie = if p.chance(2) { "IF EXISTS " } else { "" };
                format!("DROP INDEX {ie}{};", ident(&i))
            }
            13 => {
                let Some(i) = p.pick(&self.tables[ti].indexes).cloned() else {
                    return self.create_index(p, ti);
                };
                let new = self.fresh(p, "idx_renamed");
                for x in &mut self.tables[ti].indexes {
                    if *x == i {
                        *x = new.clone();
                    }
                }
                format!("ALTER INDEX {} RENAME TO {};", ident(&i), ident(&new))
            }
            14 => self.add_constraint(p, ti),
            15 => {
                let Some(c) = p.pick(&self.tables[ti].constraints).cloned() else {
                    return self.add_constraint(p, ti);
                };
                self.tables[ti].constraints.retain(|x| *x != c);
                let cascade = if p.chance(3) { " CASCADE" } else { "" };
                format!("ALTER TABLE {t} DROP CONSTRAINT {}{cascade};", ident(&c))
            }
            16 => {
                let name = self.fresh(p, "Mood");
                let values: Vec<String> = (0..1 + p.below(3)).map(|i| format!("v{i}")).collect();
                let list: Vec<String> = values.iter().map(|v| format!("'{v}'")).collect();
                self.enums.push(Enum {
                    name: name.clone(),
                    values,
                });
                format!(
                    "CREATE TYPE {} AS ENUM ({});",
                    ident(&name),
                    list.join(", ")
                )
            }
            17 => {
                let Some(ei) = (!self.enums.is_empty()).then(|| p.below(self.enums.len())) else {
                    return self.create_table(p);
                };
                let e = self.enums[ei].clone();
                match p.below(5) {
                    3 => {
                        // Columns of the type go with it; so do defaults
                        // that depend on it.
                        self.enums.remove(ei);
                        for tab in &mut self.tables {
                            tab.columns.retain(|c| c.ty != Ty::Enum(e.name.clone()));
                        }
                        let cascade = if p.chance(4) { "" } else { " CASCADE" };
                        format!("DROP TYPE {}{cascade};", ident(&e.name))
                    }
                    4 => {
                        let found = self.tables.iter().enumerate().find_map(|(ti, t)| {
                            t.columns
                                .iter()
                                .position(|c| c.ty == Ty::Enum(e.name.clone()))
                                .map(|ci| (ti, ci))
                        });
                        let Some((ti, ci)) = found else {
                            return self.create_table(p);
                        };
                        let tn = ident(&self.tables[ti].name);
                        let cn = ident(&self.tables[ti].columns[ci].name);
                        self.tables[ti].columns[ci].ty = Ty::Text;
                        format!(
                            "ALTER TABLE {tn} ALTER COLUMN {cn} SET DATA TYPE TEXT USING {cn}::text;"
                        )
                    }
                    0 => {
                        let v = format!("w{}", self.counter);
                        self.counter += 1;
                        self.enums[ei].values.push(v.clone());
                        format!("ALTER TYPE {} ADD VALUE '{v}';", ident(&e.name))
                    }
                    1 => {
                        let Some(old) = e.values.first().cloned() else {
                            return self.create_table(p);
                        };
                        let v = format!("r{}", self.counter);
                        self.counter += 1;
                        self.enums[ei].values[0] = v.clone();
                        format!(
                            "ALTER TYPE {} RENAME VALUE '{old}' TO '{v}';",
                            ident(&e.name)
                        )
                    }
                    _ => {
                        let new = self.fresh(p, "Kind");
                        self.enums[ei].name = new.clone();
                        for tab in &mut self.tables {
                            for c in &mut tab.columns {
                                if c.ty == Ty::Enum(e.name.clone()) {
                                    c.ty = Ty::Enum(new.clone());
                                }
                            }
                        }
                        format!("ALTER TYPE {} RENAME TO {};", ident(&e.name), ident(&new))
                    }
                }
            }
            18 => {
                let name = self.fresh(p, "seq");
                self.sequences.push(name.clone());
                match p.below(3) {
                    0 => format!("CREATE SEQUENCE {};", ident(&name)),
                    1 => format!("CREATE SEQUENCE {} START 100 INCREMENT 5;", ident(&name)),
                    _ => {
                        let col = self.tables[ti].columns.first().map(|c| c.name.clone());
                        match col {
                            Some(c) => format!(
                                "CREATE SEQUENCE {} OWNED BY {t}.{};",
                                ident(&name),
                                ident(&c)
                            ),
                            None => format!("CREATE SEQUENCE {};", ident(&name)),
                        }
                    }
                }
            }
            19 => {
                let Some(s) = p.pick(&self.sequences).cloned() else {
                    return self.create_table(p);
                };
                let new = self.fresh(p, "seq_renamed");
                for x in &mut self.sequences {
                    if *x == s {
                        *x = new.clone();
                    }
                }
                format!("ALTER SEQUENCE {} RENAME TO {};", ident(&s), ident(&new))
            }
            22 => {
                // CREATE TABLE … AS: columns from the query.
                let name = self.fresh(p, "copy");
                let src = self.tables[ti].clone();
                let (list, cols): (String, Vec<Column>) = if p.chance(2) {
                    ("*".to_owned(), src.columns.clone())
                } else {
                    let cols: Vec<Column> = src.columns.iter().take(2).cloned().collect();
                    (
                        cols.iter()
                            .map(|c| ident(&c.name))
                            .collect::<Vec<_>>()
                            .join(", "),
                        cols,
                    )
                };
                let data = if p.chance(2) { " WITH NO DATA" } else { "" };
                self.tables.push(Table {
                    name: name.clone(),
                    columns: cols,
                    pk: false,
                    indexes: Vec::new(),
                    constraints: Vec::new(),
                });
                format!(
                    "CREATE TABLE {} AS SELECT {list} FROM {t}{data};",
                    ident(&name)
                )
            }
            23 => {
                let name = self.fresh(p, "like");
                let src = self.tables[ti].clone();
                let including = ["", " INCLUDING DEFAULTS", " INCLUDING ALL"][p.below(3)];
                self.tables.push(Table {
                    name: name.clone(),
                    columns: src.columns.clone(),
                    pk: false,
                    indexes: Vec::new(),
                    constraints: Vec::new(),
                });
                format!("CREATE TABLE {} (LIKE {t}{including});", ident(&name))
            }
            24 => {
                // A guarded rename, as hand-written Prisma migrations do it;
                // the guard may hold or not.
                let n = self.tables[ti].columns.len();
                let ci = 1 + p.below(n.saturating_sub(1).max(1));
                let Some(c) = self.tables[ti].columns.get(ci).cloned() else {
                    return self.create_table(p);
                };
                let new = self.fresh(p, "guarded");
                let holds = !p.chance(3);
                let probe = if holds {
                    c.name.clone()
                } else {
                    "no_such_column".to_owned()
                };
                if holds {
                    self.tables[ti].columns[ci].name = new.clone();
                }
                let (neg, cond) = if p.chance(2) {
                    ("", "EXISTS")
                } else {
                    ("NOT ", "EXISTS")
                };
                let body = format!(
                    "ALTER TABLE {t} RENAME COLUMN {} TO {};",
                    ident(&c.name),
                    ident(&new)
                );
                if neg.is_empty() {
                    format!(
                        "DO $$\nBEGIN\n  IF {cond} (SELECT 1 FROM information_schema.columns WHERE table_name = '{}' AND column_name = '{}') THEN\n    {body}\n  END IF;\nEND $$;",
                        tname.replace('\'', "''"),
                        probe.replace('\'', "''")
                    )
                } else {
                    // IF NOT EXISTS (the new name) THEN rename.
                    format!(
                        "DO $$\nBEGIN\n  IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = '{}' AND column_name = '{}') AND EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = '{}' AND column_name = '{}') THEN\n    {body}\n  END IF;\nEND $$;",
                        tname.replace('\'', "''"),
                        new.replace('\'', "''"),
                        tname.replace('\'', "''"),
                        probe.replace('\'', "''")
                    )
                }
            }
            25 => {
                // ADD CONSTRAINT that tolerates an existing one.
                let Some(c) = self.tables[ti]
                    .columns
                    .iter()
                    .find(|c| c.ty.is_int())
                    .cloned()
                else {
                    return self.create_table(p);
                };
                let name = self.constraint_name(p, &tname, "guard");
                self.tables[ti].constraints.push(name.clone());
                format!(
                    "DO $$ BEGIN\n  ALTER TABLE {t} ADD CONSTRAINT {} CHECK ({} <> -7);\nEXCEPTION WHEN duplicate_object THEN NULL;\nEND $$;",
                    ident(&name),
                    ident(&c.name)
                )
            }
            20 if !self.views.is_empty() && p.chance(3) => {
                // Rename a view or one of its columns.
                let vi = p.below(self.views.len());
                let (v, cols) = self.views[vi].clone();
                let kind = if p.chance(2) { "VIEW" } else { "TABLE" };
                match p.pick(&cols).cloned() {
                    Some(c) if p.chance(2) => {
                        let new = self.fresh(p, "vcol");
                        for x in &mut self.views[vi].1 {
                            if *x == c {
                                *x = new.clone();
                            }
                        }
                        format!(
                            "ALTER {kind} {} RENAME COLUMN {} TO {};",
                            ident(&v),
                            ident(&c),
                            ident(&new)
                        )
                    }
                    _ => {
                        let new = self.fresh(p, "view");
                        self.views[vi].0 = new.clone();
                        format!("ALTER {kind} {} RENAME TO {};", ident(&v), ident(&new))
                    }
                }
            }
            20 => {
                let name = self.fresh(p, "view");
                let columns = self.tables[ti].columns.clone();
                let (list, names): (Vec<String>, Vec<String>) = match p.below(4) {
                    0 => (
                        vec![if p.chance(2) {
                            "*".to_owned()
                        } else {
                            format!("{t}.*")
                        }],
                        columns.iter().map(|c| c.name.clone()).collect(),
                    ),
                    1 => columns
                        .iter()
                        .take(2)
                        .map(|c| (ident(&c.name), c.name.clone()))
                        .unzip(),
                    2 => columns
                        .iter()
                        .take(3)
                        .enumerate()
                        .map(|(i, c)| {
                            let alias = format!("v{i}_{}", c.name.to_ascii_lowercase());
                            (format!("{} AS {}", ident(&c.name), ident(&alias)), alias)
                        })
                        .unzip(),
                    _ => columns
                        .iter()
                        .take(2)
                        .map(|c| (format!("{}::text", ident(&c.name)), c.name.clone()))
                        .chain(std::iter::once((
                            "count(*) OVER ()".to_owned(),
                            "count".to_owned(),
                        )))
                        .unzip(),
                };
                // Names for the first columns, sometimes.
                let (header, names) = if p.chance(4) && !names.is_empty() {
                    let mut names = names;
                    names[0] = format!("first_{}", self.counter);
                    (format!(" ({})", ident(&names[0])), names)
                } else {
                    (String::new(), names)
                };
                self.views.push((name.clone(), names));
                let mat = if p.chance(2) { "MATERIALIZED " } else { "" };
                // A filter, an order, a limit: the definition PostgreSQL
                // prints its own way.
                let first = columns.first().map(|c| (ident(&c.name), c.ty.clone()));
                let mut tail = String::new();
                if let Some((c, ty)) = &first {
                    match p.below(5) {
                        0 => {
                            let _ = write!(tail, " WHERE {c} IS NOT NULL");
                        }
                        1 if ty.is_int() => {
                            let _ = write!(tail, " WHERE {t}.{c} > 10 AND {c} BETWEEN 1 AND 1000");
                        }
                        1 if ty.is_text() => {
                            let _ =
                                write!(tail, " WHERE {c} IN ('a', 'b') OR lower({c}) LIKE 'x%'");
                        }
                        2 => {
                            let _ = write!(tail, " WHERE NOT ({c} IS NULL)");
                        }
                        _ => {}
                    }
                    match p.below(4) {
                        0 => {
                            let _ = write!(tail, " ORDER BY {c} DESC");
                        }
                        1 => {
                            let _ = write!(tail, " ORDER BY {c} LIMIT 10");
                        }
                        _ => {}
                    }
                }
                format!(
                    "CREATE {mat}VIEW {}{header} AS SELECT {} FROM {t}{tail};",
                    ident(&name),
                    list.join(", ")
                )
            }
            26 | 27 => self.function(p),
            28 => self.trigger(p, &tname),
            _ => {
                let t = self.tables.remove(ti);
                let cascade = if p.chance(2) { " CASCADE" } else { "" };
                format!("DROP TABLE {}{cascade};", ident(&t.name))
            }
        }
    }

    /// A table partitioned by range, with one or two partitions (the
    /// parent is a table of the picture; its partitions are not: their
    /// contents follow the parent's).
    fn create_partitioned(&mut self, p: &mut Pick<'_>) -> String {
        let name = self.fresh(p, "parted");
        let key = Column {
            name: "k".to_owned(),
            ty: Ty::Int,
        };
        let other = Column {
            name: "v".to_owned(),
            ty: Ty::Text,
        };
        let mut sql = format!(
            "CREATE TABLE {} (k INTEGER NOT NULL, v TEXT DEFAULT 'x'{}) PARTITION BY RANGE (k);\n",
            ident(&name),
            if p.chance(2) { ", PRIMARY KEY (k)" } else { "" }
        );
        if p.chance(2) {
            let _ = writeln!(sql, "CREATE INDEX ON {} (v);", ident(&name));
        }
        let first = self.fresh(p, "part");
        // Options and constraints of the partition's own.
        let own = match p.below(4) {
            0 => " (v WITH OPTIONS DEFAULT 'y')",
            1 => " (v NOT NULL, CONSTRAINT small CHECK (k < 1000))",
            _ => "",
        };
        let _ = writeln!(
            sql,
            "CREATE TABLE {} PARTITION OF {}{own} FOR VALUES FROM (0) TO (100);",
            ident(&first),
            ident(&name)
        );
        if p.chance(2) {
            let _ = writeln!(sql, "CREATE INDEX ON {} (v, k);", ident(&first));
        }
        match p.below(3) {
            0 => {
                let second = self.fresh(p, "part");
                let _ = writeln!(
                    sql,
                    "CREATE TABLE {} PARTITION OF {} DEFAULT;",
                    ident(&second),
                    ident(&name)
                );
            }
            1 => {
                // A table of its own, attached: an index equal to the
                // parent's becomes the parent's.
                let second = self.fresh(p, "part");
                let _ = writeln!(
                    sql,
                    "CREATE TABLE {second} (k INTEGER NOT NULL, v TEXT DEFAULT 'z');\n\
                     CREATE INDEX ON {second} (v);\n\
                     ALTER TABLE {parent} ATTACH PARTITION {second} FOR VALUES FROM (100) TO (200);",
                    second = ident(&second),
                    parent = ident(&name)
                );
                if p.chance(2) {
                    let _ = writeln!(
                        sql,
                        "ALTER TABLE {} DETACH PARTITION {};",
                        ident(&name),
                        ident(&second)
                    );
                }
            }
            _ => {}
        }
        self.tables.push(Table {
            name,
            columns: vec![key, other],
            pk: false,
            indexes: Vec::new(),
            constraints: Vec::new(),
        });
        sql
    }

    /// Creates, replaces or drops a function.
    fn function(&mut self, p: &mut Pick<'_>) -> String {
        let volatility = ["", " IMMUTABLE", " STABLE", " VOLATILE"][p.below(4)];
        match p.below(4) {
            // Replace one with another volatility (same signature and
            // return type, as PostgreSQL requires).
            0 if !self.functions.is_empty() => {
                let (name, args, ret) = self.functions[p.below(self.functions.len())].clone();
                let list: Vec<String> = args
                    .iter()
                    .enumerate()
                    .map(|(i, a)| format!("a{i} {a}"))
                    .collect();
                format!(
                    "CREATE OR REPLACE FUNCTION {}({}) RETURNS {ret} LANGUAGE sql{volatility} AS $$ SELECT NULL::{ret} $$;",
                    ident(&name),
                    list.join(", ")
                )
            }
            1 if !self.functions.is_empty() => {
                let i = p.below(self.functions.len());
                let (name, args, _) = self.functions.remove(i);
                let unique = self.functions.iter().all(|f| f.0 != name);
                if unique && p.chance(2) {
                    format!("DROP FUNCTION {};", ident(&name))
                } else {
                    format!(
                        "DROP FUNCTION{} {}({});",
                        if p.chance(2) { " IF EXISTS" } else { "" },
                        ident(&name),
                        args.join(", ")
                    )
                }
            }
            _ => {
                // A new function, or an overload of one.
                let name = match p.pick(&self.functions) {
                    Some(f) if p.chance(3) => f.0.clone(),
                    _ => self.fresh(p, "fn"),
                };
                let n = p.below(3);
                let args: Vec<&'static str> = (0..n)
                    .map(|_| ROUTINE_TYPES[p.below(ROUTINE_TYPES.len())])
                    .collect();
                let ret = ROUTINE_TYPES[p.below(ROUTINE_TYPES.len())];
                let setof = if p.chance(4) { "SETOF " } else { "" };
                let list: Vec<String> = args
                    .iter()
                    .enumerate()
                    .map(|(i, a)| format!("a{i} {a}"))
                    .collect();
                if setof.is_empty() {
                    self.functions.push((name.clone(), args, ret));
                }
                format!(
                    "CREATE FUNCTION {}({}) RETURNS {setof}{ret} LANGUAGE sql{volatility} AS $$ SELECT NULL::{ret} $$;",
                    ident(&name),
                    list.join(", ")
                )
            }
        }
    }

    /// Creates or drops a trigger on `table`, or drops a trigger function
    /// (with `CASCADE`: its triggers go too).
    fn trigger(&mut self, p: &mut Pick<'_>, table: &str) -> String {
        match p.below(5) {
            0 if !self.triggers.is_empty() => {
                let (t, tr, _) = self.triggers.remove(p.below(self.triggers.len()));
                format!(
                    "DROP TRIGGER{} {} ON {};",
                    if p.chance(2) { " IF EXISTS" } else { "" },
                    ident(&tr),
                    ident(&t)
                )
            }
            1 if !self.trigger_functions.is_empty() => {
                let f = self
                    .trigger_functions
                    .remove(p.below(self.trigger_functions.len()));
                self.triggers.retain(|x| x.2 != f);
                format!("DROP FUNCTION {}() CASCADE;", ident(&f))
            }
            _ => {
                let mut sql = String::new();
                let f = match p.pick(&self.trigger_functions) {
                    Some(f) if p.chance(2) => f.clone(),
                    _ => {
                        let f = self.fresh(p, "trg_fn");
                        let _ = writeln!(
                            sql,
                            "CREATE FUNCTION {}() RETURNS TRIGGER LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;",
                            ident(&f)
                        );
                        self.trigger_functions.push(f.clone());
                        f
                    }
                };
                let name = self.fresh(p, "trg");
                let row = p.chance(2);
                let all: &[&str] = if row {
                    &["INSERT", "UPDATE", "DELETE"]
                } else {
                    &["INSERT", "UPDATE", "DELETE", "TRUNCATE"]
                };
                let mut events: Vec<&str> = all.iter().copied().filter(|_| p.chance(2)).collect();
                if events.is_empty() {
                    events.push(all[p.below(all.len())]);
                }
                if p.chance(2) {
                    events.reverse();
                }
                let _ = write!(
                    sql,
                    "CREATE TRIGGER {} {} {} ON {} FOR EACH {} EXECUTE {} {}();",
                    ident(&name),
                    if p.chance(2) { "BEFORE" } else { "AFTER" },
                    events.join(" OR "),
                    ident(table),
                    if row { "ROW" } else { "STATEMENT" },
                    if p.chance(3) { "PROCEDURE" } else { "FUNCTION" },
                    ident(&f)
                );
                self.triggers.push((table.to_owned(), name, f));
                sql
            }
        }
    }

    fn create_index(&mut self, p: &mut Pick<'_>, ti: usize) -> String {
        let tname = self.tables[ti].name.clone();
        let cols = self.tables[ti].columns.clone();
        let name = self.fresh(p, "idx");
        let Some(c) = p.pick(&cols).cloned() else {
            return self.create_table(p);
        };
        let col = ident(&c.name);
        let unique = if p.chance(3) { "UNIQUE " } else { "" };
        let (method, element) = match (&c.ty, p.below(8)) {
            (Ty::Jsonb, 0..=3) => (" USING gin", col.clone()),
            (Ty::Jsonb, 4) => (" USING gin", format!("{col} jsonb_path_ops")),
            (Ty::TextArray | Ty::IntArray, 0..=2) => (" USING gin", col.clone()),
            (Ty::TextArray | Ty::IntArray, 3) => (" USING gin", format!("{col} array_ops")),
            (Ty::Jsonb | Ty::TextArray | Ty::IntArray, _) => ("", col.clone()),
            (Ty::Text | Ty::Varchar(_), 0) => ("", format!("lower({col})")),
            (Ty::Text | Ty::Varchar(_), 6) => ("", format!("(({col} || '-') COLLATE \"C\")")),
            (Ty::Varchar(_), 7) => ("", format!("(({col})::text)")),
            (Ty::SmallInt | Ty::Int, 6) => ("", format!("(({col} & 3))")),
            (Ty::SmallInt | Ty::Int | Ty::BigInt, 7) => ("", format!("(({col} + 1) * 2)")),
            (Ty::Text | Ty::Varchar(_), 1) => ("", format!("{col} text_pattern_ops")),
            (Ty::Text, 2) => ("", format!("{col} text_ops")),
            (Ty::Int, 2) => ("", format!("{col} int4_ops")),
            (_, 3) if unique.is_empty() => (" USING hash", col.clone()),
            (_, 4) => ("", format!("{col} DESC")),
            (_, 5) => ("", format!("{col} DESC NULLS LAST")),
            _ => ("", col.clone()),
        };
        let unique = if method.is_empty() { unique } else { "" };
        let mut sql = format!(
            "CREATE {unique}INDEX {} ON {}{method} ({element})",
            ident(&name),
            ident(&tname)
        );
        if method.is_empty()
            && p.chance(4)
            && let Some(other) = cols.iter().find(|o| o.name != c.name)
        {
            let _ = write!(sql, " INCLUDE ({})", ident(&other.name));
        }
        if !unique.is_empty() && p.chance(3) {
            sql.push_str(" NULLS NOT DISTINCT");
        }
        match (method, p.below(6)) {
            ("", 0) => sql.push_str(" WITH (fillfactor = 70)"),
            (" USING gin", 1) => sql.push_str(" WITH (fastupdate = off)"),
            ("", 2) => sql.push_str(" WITH (deduplicate_items = false)"),
            _ => {}
        }
        if p.chance(4) {
            let _ = write!(sql, " WHERE {col} IS NOT NULL");
        }
        sql.push(';');
        self.tables[ti].indexes.push(name);
        sql
    }

    fn add_constraint(&mut self, p: &mut Pick<'_>, ti: usize) -> String {
        let tname = self.tables[ti].name.clone();
        let t = ident(&tname);
        let cols = self.tables[ti].columns.clone();
        let name = self.constraint_name(p, &tname, "c");
        let Some(c) = p.pick(&cols).cloned() else {
            return self.create_table(p);
        };
        let sql = match p.below(4) {
            0 if c.ty.is_int() => format!(
                "ALTER TABLE {t} ADD CONSTRAINT {} CHECK ({} > -100){};",
                ident(&name),
                ident(&c.name),
                if p.chance(2) { " NOT VALID" } else { "" }
            ),
            1 if c.ty.is_text() => format!(
                "ALTER TABLE {t} ADD CONSTRAINT {} CHECK ({} IN ('a', 'b'));",
                ident(&name),
                ident(&c.name)
            ),
            2 if !matches!(c.ty, Ty::Jsonb | Ty::TextArray | Ty::IntArray) => {
                self.tables[ti].indexes.push(name.clone());
                format!(
                    "ALTER TABLE {t} ADD CONSTRAINT {} UNIQUE ({});",
                    ident(&name),
                    ident(&c.name)
                )
            }
            _ => {
                let parents: Vec<(String, Ty)> = self
                    .tables
                    .iter()
                    .filter(|t| t.pk)
                    .filter_map(|t| t.columns.first().map(|c| (t.name.clone(), c.ty.clone())))
                    .collect();
                let Some((parent, pty)) = p.pick(&parents).cloned() else {
                    return self.create_table(p);
                };
                let col = self.fresh(p, "fk");
                let ty = if pty == Ty::Text {
                    Ty::Text
                } else {
                    Ty::BigInt
                };
                let opts = match p.below(5) {
                    0 => " ON DELETE CASCADE ON UPDATE CASCADE",
                    1 => " ON DELETE SET NULL",
                    2 => " DEFERRABLE INITIALLY DEFERRED",
                    3 => " NOT VALID",
                    _ => " ON DELETE RESTRICT",
                };
                self.tables[ti].columns.push(Column {
                    name: col.clone(),
                    ty: ty.clone(),
                });
                let sql = format!(
                    "ALTER TABLE {t} ADD COLUMN {} {};\nALTER TABLE {t} ADD CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {}(\"id\"){opts};",
                    ident(&col),
                    ty.sql(),
                    ident(&name),
                    ident(&col),
                    ident(&parent)
                );
                self.tables[ti].constraints.push(name);
                return sql;
            }
        };
        self.tables[ti].constraints.push(name);
        sql
    }
}

/// A generated history, file by file.
#[derive(Clone, Debug, Default)]
pub struct History {
    /// The SQL of each migration file PostgreSQL applied.
    pub files: Vec<String>,
    /// Every file sent, in order, with whether PostgreSQL applied it and
    /// whether it was made to fail (a statement PostgreSQL refuses after
    /// the generated ones, so the whole file must roll back).
    pub sent: Vec<Sent>,
}

/// One file of a [`History`] as PostgreSQL saw it.
#[derive(Clone, Debug)]
pub struct Sent {
    pub sql: String,
    pub applied: bool,
    /// The file ends in a statement that must fail.
    pub planted: bool,
}

/// Statements PostgreSQL refuses whatever the history holds (`{}`: a
/// number to keep the names apart).
const PLANTED_FAILURES: &[&str] = &[
    "ALTER TABLE \"never_created_{}\" ADD COLUMN \"x\" INTEGER;",
    "DROP INDEX \"never_created_{}\";",
    "CREATE INDEX \"never_idx_{}\" ON \"never_created_{}\" (\"id\");",
    "ALTER SEQUENCE \"never_created_{}\" RENAME TO \"never_renamed_{}\";",
    "DROP TYPE \"never_created_{}\";",
];

impl History {
    /// Generates the history of `steps`, asking `accept` whether
    /// PostgreSQL applies each file (it applies it when it answers `true`).
    pub fn build(steps: &[Step], mut accept: impl FnMut(&str) -> bool) -> History {
        let mut state = State::default();
        let mut files = Vec::new();
        let mut sent = Vec::new();
        let mut i = 0;
        while i < steps.len() {
            // A file holds one to three steps.
            let len = 1 + (steps[i][7] % 3) as usize;
            let before = state.clone();
            let mut sql = String::new();
            for step in &steps[i..(i + len).min(steps.len())] {
                let mut p = Pick { vals: step, i: 0 };
                sql.push_str(&state.statement(&mut p));
                sql.push('\n');
            }
            // One file in eight fails on its last statement.
            let planted = steps[i][6] % 8 == 7;
            if planted {
                let f = PLANTED_FAILURES[(steps[i][5] as usize) % PLANTED_FAILURES.len()];
                sql.push_str(&f.replace("{}", &files.len().to_string()));
                sql.push('\n');
            }
            i += len;
            let applied = accept(&sql);
            if applied {
                files.push(sql.clone());
            } else {
                state = before;
            }
            sent.push(Sent {
                sql,
                applied,
                planted,
            });
        }
        History { files, sent }
    }
}
