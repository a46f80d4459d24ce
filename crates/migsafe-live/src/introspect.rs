//! The schema from `pg_catalog` as a [`SchemaModel`].
//!
//! Every type goes through [`normalize_type`] and every default through
//! [`normalize_default`], after the catalog's own spelling has been
//! brought to the spelling people and Prisma write:
//!
//! - types of enums, domains and composite types are written
//!   `"schema"."name"` from the catalog (so `search_path` never matters);
//!   base types from extensions (`citext`, `vector(3)`) lose the schema
//!   they were installed in, as Prisma and migrations write them bare;
//! - casts of constants are removed (`'a'::text` → `'a'`,
//!   `ARRAY['USER'::"Role"]` → `ARRAY['USER']`), and a quoted number cast
//!   to a numeric type is a number again (`'-42'::integer` → `-42`: the
//!   catalog quotes negative numbers);
//! - expressions (checks, partial index predicates, index expressions,
//!   generation expressions) lose the parentheses the catalog puts around
//!   them.
//!
//! Left out: system schemas, objects that belong to an extension, Prisma's
//! `_prisma_migrations`, the sequences behind identity columns (the model
//! keeps only explicit and `SERIAL` sequences), indexes behind primary keys
//! and exclusion constraints, and the per-partition copies of a
//! partitioned table's indexes and foreign keys. `plpgsql`, installed in
//! every database, is not listed as an extension.

use std::collections::{HashMap, HashSet};

use migsafe_model::types::{normalize_default, normalize_expression, strip_outer_parens};
use migsafe_model::{
    CheckConstraint, Column, DefaultValue, EnumType, ForeignKey, Index, IndexColumn, IndexOptions,
    PrimaryKey, QualName, RefAction, SchemaModel, Table, View, normalize_type,
};
use postgres::Transaction;

use crate::conn::{Connection, LiveError};

/// Prisma's own table, never part of the user's schema.
const PRISMA_TABLE: &str = "_prisma_migrations";

const Q_NAMESPACES: &str = "\
SELECT n.oid, n.nspname::text
FROM pg_catalog.pg_namespace n
WHERE n.nspname <> 'information_schema' AND n.nspname !~ '^pg_'
ORDER BY 2";

const Q_RELATIONS: &str = "\
SELECT c.oid, n.nspname::text, c.relname::text, c.relkind::text,
  EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
          WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid
            AND d.deptype = 'i') AS internal
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relnamespace = ANY($1) AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid
                    AND d.deptype = 'e')
ORDER BY 2, 3";

const Q_COLUMNS: &str = "\
SELECT a.attrelid, a.attname::text, a.attnotnull, a.attidentity::text, a.attgenerated::text,
  pg_catalog.format_type(a.atttypid, a.atttypmod),
  (t.typcategory = 'A' AND t.typelem <> 0) AS is_array,
  en.nspname::text, et.typname::text, et.typtype::text,
  pg_catalog.format_type(et.oid, a.atttypmod),
  pg_catalog.pg_get_expr(ad.adbin, ad.adrelid),
  (SELECT CASE WHEN cn.nspname IN ('pg_catalog', 'public') THEN co.collname::text
               ELSE cn.nspname::text || '.' || co.collname::text END
     FROM pg_catalog.pg_collation co
     JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
    WHERE co.oid = a.attcollation AND a.attcollation <> t.typcollation)
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
JOIN pg_catalog.pg_type et
  ON et.oid = CASE WHEN t.typcategory = 'A' AND t.typelem <> 0 THEN t.typelem ELSE t.oid END
JOIN pg_catalog.pg_namespace en ON en.oid = et.typnamespace
LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
WHERE a.attrelid = ANY($1) AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum";

const Q_CONSTRAINTS: &str = "\
SELECT con.conrelid, con.conname::text, con.contype::text,
  ARRAY(SELECT a.attname::text
        FROM unnest(con.conkey) WITH ORDINALITY k(n, o)
        JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n
        ORDER BY k.o) AS cols,
  fn.nspname::text, fc.relname::text,
  ARRAY(SELECT a.attname::text
        FROM unnest(con.confkey) WITH ORDINALITY k(n, o)
        JOIN pg_catalog.pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n
        ORDER BY k.o) AS fcols,
  con.confdeltype::text, con.confupdtype::text,
  CASE WHEN con.contype = 'c' THEN pg_catalog.pg_get_constraintdef(con.oid, true) END,
  con.condeferrable, con.condeferred, con.convalidated
FROM pg_catalog.pg_constraint con
LEFT JOIN pg_catalog.pg_class fc ON fc.oid = con.confrelid
LEFT JOIN pg_catalog.pg_namespace fn ON fn.oid = fc.relnamespace
WHERE con.conrelid = ANY($1) AND con.contype IN ('p', 'f', 'c') AND con.conparentid = 0
  -- A check a partition (or child) only inherits is its parent's.
  AND (con.contype <> 'c' OR con.conislocal)
ORDER BY con.conrelid, con.conname";

const Q_INDEXES: &str = "\
SELECT i.indrelid, ic.relname::text, i.indisunique, am.amname::text, ic.relam,
  i.indnkeyatts::int4, i.indnatts::int4,
  i.indkey::int2[], i.indoption::int2[],
  pg_catalog.pg_get_expr(i.indpred, i.indrelid),
  EXISTS (SELECT 1 FROM pg_catalog.pg_constraint c
          WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid AND c.contype = 'u')
    AS is_constraint,
  ARRAY(SELECT pg_catalog.pg_get_indexdef(i.indexrelid, k, true)
        FROM generate_series(1, i.indnkeyatts::int4) k ORDER BY k) AS keydefs,
  ARRAY(SELECT coalesce(ta.attname::text, '')
        FROM unnest(i.indkey::int2[]) WITH ORDINALITY x(n, o)
        LEFT JOIN pg_catalog.pg_attribute ta ON ta.attrelid = i.indrelid AND ta.attnum = x.n
        ORDER BY x.o) AS colnames,
  ARRAY(SELECT coalesce(ta.atttypid, ia.atttypid)
        FROM unnest(i.indkey::int2[]) WITH ORDINALITY x(n, o)
        JOIN pg_catalog.pg_attribute ia ON ia.attrelid = i.indexrelid AND ia.attnum = x.o
        LEFT JOIN pg_catalog.pg_attribute ta ON ta.attrelid = i.indrelid AND ta.attnum = x.n
        ORDER BY x.o) AS keytypes,
  ARRAY(SELECT oc.opcname::text
        FROM unnest(i.indclass::oid[]) WITH ORDINALITY x(c, o)
        JOIN pg_catalog.pg_opclass oc ON oc.oid = x.c ORDER BY x.o) AS opcnames,
  ARRAY(SELECT oc.opcdefault
        FROM unnest(i.indclass::oid[]) WITH ORDINALITY x(c, o)
        JOIN pg_catalog.pg_opclass oc ON oc.oid = x.c ORDER BY x.o) AS opcdefaults,
  ARRAY(SELECT oc.opcintype
        FROM unnest(i.indclass::oid[]) WITH ORDINALITY x(c, o)
        JOIN pg_catalog.pg_opclass oc ON oc.oid = x.c ORDER BY x.o) AS opcintypes,
  -- indnullsnotdistinct exists from PostgreSQL 15 on.
  COALESCE((to_jsonb(i) ->> 'indnullsnotdistinct')::boolean, false) AS nulls_not_distinct,
  COALESCE(ic.reloptions, '{}'::text[]) AS reloptions
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
JOIN pg_catalog.pg_am am ON am.oid = ic.relam
WHERE i.indrelid = ANY($1) AND NOT i.indisprimary
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint c
                  WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid
                    AND c.contype IN ('p', 'x'))
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_inherits inh WHERE inh.inhrelid = i.indexrelid)
ORDER BY i.indrelid, ic.relname";

const Q_DEFAULT_OPCLASSES: &str = "\
SELECT opcmethod, opcintype FROM pg_catalog.pg_opclass WHERE opcdefault";

const Q_ENUMS: &str = "\
SELECT n.nspname::text, t.typname::text,
  ARRAY(SELECT e.enumlabel::text FROM pg_catalog.pg_enum e
        WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder)
FROM pg_catalog.pg_type t
JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
WHERE t.typtype = 'e' AND t.typnamespace = ANY($1)
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_type'::regclass AND d.objid = t.oid
                    AND d.deptype = 'e')
ORDER BY 1, 2";

/// A type as `column_type` needs it, fields separated by U+001F: its
/// `format_type`, whether it is an array, and its element's schema, name,
/// kind and `format_type`.
macro_rules! type_fields {
    ($oid:literal) => {
        concat!(
            "(SELECT pg_catalog.format_type(t.oid, NULL) || chr(31) || \
               (t.typcategory = 'A' AND t.typelem <> 0)::text || chr(31) || \
               en.nspname::text || chr(31) || et.typname::text || chr(31) || \
               et.typtype::text || chr(31) || pg_catalog.format_type(et.oid, NULL) \
             FROM pg_catalog.pg_type t \
             JOIN pg_catalog.pg_type et ON et.oid = CASE WHEN t.typcategory = 'A' AND t.typelem <> 0 \
                                                    THEN t.typelem ELSE t.oid END \
             JOIN pg_catalog.pg_namespace en ON en.oid = et.typnamespace \
             WHERE t.oid = ",
            $oid,
            ")"
        )
    };
}

/// Functions (not procedures or aggregates), not those of extensions.
const Q_FUNCTIONS: &str = concat!(
    "SELECT n.nspname::text, p.proname::text, p.provolatile::text, p.proretset, ",
    type_fields!("p.prorettype"),
    ", ARRAY(SELECT ",
    type_fields!("u.a"),
    " FROM unnest(p.proargtypes) WITH ORDINALITY AS u(a, o) ORDER BY u.o) \
     FROM pg_catalog.pg_proc p \
     JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace \
     WHERE p.prokind = 'f' AND p.pronamespace = ANY($1) \
       AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d \
                       WHERE d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid \
                         AND d.deptype = 'e') \
     ORDER BY 1, 2"
);

/// The columns of views and materialized views, in order.
const Q_VIEW_COLUMNS: &str = "\
SELECT a.attrelid, a.attname::text FROM pg_catalog.pg_attribute a
WHERE a.attrelid = ANY($1) AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum";

/// The queries of views and materialized views, as PostgreSQL prints them.
const Q_VIEW_DEFINITIONS: &str = "\
SELECT c.oid, pg_catalog.pg_get_viewdef(c.oid) FROM pg_catalog.pg_class c
WHERE c.oid = ANY($1)";

/// Triggers users created (not those behind foreign keys).
const Q_TRIGGERS: &str = "\
SELECT tg.tgrelid, tg.tgname::text, tg.tgtype::int4, pn.nspname::text, pp.proname::text
FROM pg_catalog.pg_trigger tg
JOIN pg_catalog.pg_proc pp ON pp.oid = tg.tgfoid
JOIN pg_catalog.pg_namespace pn ON pn.oid = pp.pronamespace
WHERE tg.tgrelid = ANY($1) AND NOT tg.tgisinternal
  -- A partition's clone of its parent's trigger is the parent's
  -- (tgparentid exists from PostgreSQL 13 on; 11 and 12 mark clones internal).
  AND COALESCE((to_jsonb(tg) ->> 'tgparentid')::oid, 0) = 0
ORDER BY 1, 2";

const Q_EXTENSIONS: &str = "\
SELECT extname::text FROM pg_catalog.pg_extension WHERE extname <> 'plpgsql' ORDER BY 1";

impl Connection {
    /// Reads the schemas `schemas` (every non-system schema when empty)
    /// from the catalog into a [`SchemaModel`] comparable with the Prisma
    /// schema's and the replayed migrations' (see the module docs for what
    /// is normalized and what is left out). A requested schema that does
    /// not exist is simply absent from [`SchemaModel::schemas`].
    ///
    /// # Errors
    ///
    /// [`LiveError::Query`] when a catalog query fails.
    pub fn introspect(&mut self, schemas: &[&str]) -> Result<SchemaModel, LiveError> {
        let mut model = self.read("the schema", |tx| read_model(tx, schemas))?;
        migsafe_model::canonical::canonicalize(&mut model);
        Ok(model)
    }
}

/// A default that is only constants: one literal, or `ARRAY[…]` of
/// literals. Such a default can be evaluated on the server without running
/// any function; its SQL text is returned.
fn constant_default_sql(d: &DefaultValue) -> Option<String> {
    let text = match d {
        DefaultValue::Literal(s) | DefaultValue::Expression(s) => s,
        DefaultValue::Sequence => return None,
    };
    let toks = tokenize(text);
    // Literals, `ARRAY[…]`, and casts or typed literals (`interval '1 day'`,
    // `'{}'::jsonb`) of built-in types: a type's input function is all
    // that runs.
    let constant = !toks.is_empty()
        && toks.iter().all(|t| match t {
            Tok::Str(_) | Tok::Num(_) | Tok::Space(_) | Tok::Cast => true,
            Tok::Punct(c) => matches!(c, '[' | ']' | ',' | '-' | '+' | '(' | ')'),
            Tok::Word(w) => {
                matches!(
                    w.to_ascii_lowercase().as_str(),
                    "array"
                        | "true"
                        | "false"
                        | "null"
                        | "interval"
                        | "timestamp"
                        | "timestamptz"
                        | "date"
                        | "time"
                        | "timetz"
                        | "with"
                        | "without"
                        | "zone"
                        | "numeric"
                        | "decimal"
                        | "text"
                        | "varchar"
                        | "character"
                        | "varying"
                        | "integer"
                        | "int"
                        | "int2"
                        | "int4"
                        | "int8"
                        | "bigint"
                        | "smallint"
                        | "real"
                        | "float4"
                        | "float8"
                        | "double"
                        | "precision"
                        | "boolean"
                        | "bool"
                        | "json"
                        | "jsonb"
                        | "uuid"
                        | "bytea"
                )
            }
        });
    constant.then(|| text.clone())
}

/// A type name that is safe to put in SQL: words, quoted names, dots,
/// spaces, a numeric modifier and array brackets.
fn safe_type_sql(ty: &str) -> Option<&str> {
    let toks = tokenize(ty);
    let safe = !toks.is_empty()
        && toks.iter().all(|t| match t {
            Tok::Word(_) | Tok::Num(_) | Tok::Space(_) => true,
            Tok::Punct(c) => matches!(c, '.' | '(' | ')' | ',' | '[' | ']'),
            Tok::Str(_) | Tok::Cast => false,
        })
        && !ty.contains(';');
    safe.then_some(ty)
}

impl Connection {
    /// Makes the live model spell a constant default the way `expected`
    /// does when PostgreSQL says the two are the same value of the
    /// column's type.
    ///
    /// The catalog stores a default as a value, not as it was written:
    /// `'2024-01-01 00:00:00 +02:00'` on a `timestamptz` column is stored
    /// as `'2023-12-31 22:00:00+00'`, the offset of a literal for a
    /// `timestamp` column is dropped. For every column on both sides whose
    /// defaults are constants (a literal, or `ARRAY[…]` of literals) that
    /// differ as text, this asks the server whether
    /// `CAST(expected AS type) IS NOT DISTINCT FROM CAST(actual AS type)`,
    /// in a read-only transaction, and when it is, copies the expected
    /// spelling into `live`. Defaults that run functions are never sent.
    /// Returns the columns aligned, as `table.column`.
    ///
    /// # Errors
    ///
    /// [`LiveError::Query`] when the connection fails; a pair the server
    /// cannot cast is simply left different.
    pub fn reconcile_defaults(
        &mut self,
        expected: &SchemaModel,
        live: &mut SchemaModel,
    ) -> Result<Vec<String>, LiveError> {
        let mut aligned = Vec::new();
        for (tname, etable) in &expected.tables {
            let Some(ltable) = live.tables.get_mut(tname) else {
                continue;
            };
            for ecol in &etable.columns {
                let Some(lcol) = ltable.column_mut(&ecol.name) else {
                    continue;
                };
                let (Some(ed), Some(ld)) = (&ecol.default, &lcol.default) else {
                    continue;
                };
                if ed == ld || ecol.ty != lcol.ty {
                    continue;
                }
                let (Some(e_sql), Some(l_sql), Some(ty)) = (
                    constant_default_sql(ed),
                    constant_default_sql(ld),
                    safe_type_sql(lcol.ty.as_str()),
                ) else {
                    continue;
                };
                let sql = format!(
                    "SELECT CAST({e_sql} AS {ty}) IS NOT DISTINCT FROM CAST({l_sql} AS {ty})"
                );
                let same = match self.read("a column default", |tx| {
                    tx.query_one(sql.as_str(), &[])?.try_get::<_, bool>(0)
                }) {
                    Ok(same) => same,
                    // Not castable (a value the type refuses): different.
                    Err(LiveError::Query { .. }) if !self.is_closed() => false,
                    Err(e) => return Err(e),
                };
                if same {
                    lcol.default = Some(ed.clone());
                    aligned.push(format!("{tname}.\"{}\"", ecol.name));
                }
            }
        }
        Ok(aligned)
    }
}

fn read_model(tx: &mut Transaction<'_>, wanted: &[&str]) -> Result<SchemaModel, postgres::Error> {
    let mut model = SchemaModel::default();
    let mut nsp_oids: Vec<u32> = Vec::new();
    for r in tx.query(Q_NAMESPACES, &[])? {
        let name: String = r.try_get(1)?;
        if wanted.is_empty() || wanted.contains(&name.as_str()) {
            nsp_oids.push(r.try_get(0)?);
            model.schemas.insert(name);
        }
    }
    for r in tx.query(Q_EXTENSIONS, &[])? {
        model.extensions.insert(r.try_get(0)?);
    }
    if nsp_oids.is_empty() {
        return Ok(model);
    }

    // Relations.
    let mut tables: HashMap<u32, QualName> = HashMap::new();
    let mut views: HashMap<u32, QualName> = HashMap::new();
    for r in tx.query(Q_RELATIONS, &[&nsp_oids])? {
        let oid: u32 = r.try_get(0)?;
        let name = QualName {
            schema: r.try_get(1)?,
            name: r.try_get(2)?,
        };
        let kind: String = r.try_get(3)?;
        let internal: bool = r.try_get(4)?;
        match kind.as_str() {
            "r" | "p" if name.name != PRISMA_TABLE => {
                tables.insert(oid, name.clone());
                model.tables.insert(name.clone(), Table::new(name));
            }
            "v" | "m" => {
                views.insert(oid, name.clone());
                model.views.insert(
                    name.clone(),
                    View {
                        name,
                        materialized: kind == "m",
                        columns: Some(Vec::new()),
                        definition: None,
                        references: Vec::new(),
                    },
                );
            }
            "S" if !internal => {
                model.sequences.insert(name);
            }
            _ => {}
        }
    }
    for r in tx.query(Q_ENUMS, &[&nsp_oids])? {
        let name = QualName {
            schema: r.try_get(0)?,
            name: r.try_get(1)?,
        };
        model.enums.insert(
            name.clone(),
            EnumType {
                name,
                values: r.try_get(2)?,
            },
        );
    }
    let view_oids: Vec<u32> = views.keys().copied().collect();
    for r in tx.query(Q_VIEW_COLUMNS, &[&view_oids])? {
        if let Some(cols) = views
            .get(&r.try_get::<_, u32>(0)?)
            .and_then(|n| model.views.get_mut(n))
            .and_then(|v| v.columns.as_mut())
        {
            cols.push(r.try_get(1)?);
        }
    }
    for r in tx.query(Q_VIEW_DEFINITIONS, &[&view_oids])? {
        if let Some(v) = views
            .get(&r.try_get::<_, u32>(0)?)
            .and_then(|n| model.views.get_mut(n))
        {
            let text: Option<String> = r.try_get(1)?;
            v.definition = text
                .as_deref()
                .and_then(migsafe_model::query::canonical_query);
        }
    }
    for r in tx.query(Q_FUNCTIONS, &[&nsp_oids])? {
        let name = QualName {
            schema: r.try_get(0)?,
            name: r.try_get(1)?,
        };
        let volatility = match r.try_get::<_, String>(2)?.as_str() {
            "i" => "immutable",
            "s" => "stable",
            _ => "volatile",
        };
        let set: bool = r.try_get(3)?;
        let ret = typed_fields(&r.try_get::<_, Option<String>>(4)?.unwrap_or_default());
        let args: Vec<String> = r.try_get(5)?;
        let f = migsafe_model::Function {
            name,
            args: Some(args.iter().map(|a| typed_fields(a)).collect()),
            returns: Some(if set {
                format!("SETOF {}", ret.as_str())
            } else {
                ret.as_str().to_owned()
            }),
            volatility: Some(volatility.to_owned()),
            sql_expression: None,
        };
        model.functions.insert(f.key(), f);
    }
    if tables.is_empty() {
        return Ok(model);
    }
    let table_oids: Vec<u32> = tables.keys().copied().collect();
    for r in tx.query(Q_TRIGGERS, &[&table_oids])? {
        let Some(table) = tables
            .get(&r.try_get::<_, u32>(0)?)
            .and_then(|n| model.tables.get_mut(n))
        else {
            continue;
        };
        let bits: i32 = r.try_get(2)?;
        let timing = if bits & 64 != 0 {
            "INSTEAD OF"
        } else if bits & 2 != 0 {
            "BEFORE"
        } else {
            "AFTER"
        };
        let events = [
            (4, "INSERT"),
            (16, "UPDATE"),
            (8, "DELETE"),
            (32, "TRUNCATE"),
        ]
        .into_iter()
        .filter(|(b, _)| bits & b != 0)
        .map(|(_, e)| e.to_owned())
        .collect();
        let schema: String = r.try_get(3)?;
        table.triggers.push(migsafe_model::Trigger {
            name: r.try_get(1)?,
            timing: Some(timing.to_owned()),
            events,
            for_each_row: bits & 1 != 0,
            // A migration names a built-in trigger function unqualified
            // (the search path finds it in pg_catalog); the model keeps
            // unqualified names as `public`.
            function: Some(QualName {
                schema: if schema == "pg_catalog" {
                    migsafe_model::DEFAULT_SCHEMA.to_owned()
                } else {
                    schema
                },
                name: r.try_get(4)?,
            }),
        });
    }

    // Columns, in attnum order.
    for r in tx.query(Q_COLUMNS, &[&table_oids])? {
        let Some(table) = tables
            .get(&r.try_get::<_, u32>(0)?)
            .and_then(|n| model.tables.get_mut(n))
        else {
            continue;
        };
        let name: String = r.try_get(1)?;
        let ty = column_type(
            &r.try_get::<_, String>(5)?,
            r.try_get(6)?,
            &r.try_get::<_, String>(7)?,
            &r.try_get::<_, String>(8)?,
            &r.try_get::<_, String>(9)?,
            &r.try_get::<_, String>(10)?,
        );
        let mut col = Column::new(name, ty);
        col.nullable = !r.try_get::<_, bool>(2)?;
        let identity: String = r.try_get(3)?;
        let generated: String = r.try_get(4)?;
        let expr: Option<String> = r.try_get(11)?;
        col.collation = r.try_get(12)?;
        col.identity = !identity.is_empty();
        match (generated.is_empty(), expr) {
            (false, Some(e)) => col.generated = Some(normalize_catalog_expression(&e)),
            (true, Some(e)) if !col.identity => {
                col.default = Some(normalize_catalog_default(&e));
            }
            _ => {}
        }
        table.columns.push(col);
    }

    // Primary keys, foreign keys, checks.
    for r in tx.query(Q_CONSTRAINTS, &[&table_oids])? {
        let Some(table) = tables
            .get(&r.try_get::<_, u32>(0)?)
            .and_then(|n| model.tables.get_mut(n))
        else {
            continue;
        };
        let name: String = r.try_get(1)?;
        let kind: String = r.try_get(2)?;
        let columns: Vec<String> = r.try_get(3)?;
        match kind.as_str() {
            "p" => {
                table.primary_key = Some(PrimaryKey {
                    name: Some(name),
                    columns,
                });
            }
            "f" => {
                let (Some(schema), Some(rel)) = (
                    r.try_get::<_, Option<String>>(4)?,
                    r.try_get::<_, Option<String>>(5)?,
                ) else {
                    continue;
                };
                table.foreign_keys.push(ForeignKey {
                    name: Some(name),
                    columns,
                    referenced_table: QualName { schema, name: rel },
                    referenced_columns: r.try_get(6)?,
                    on_delete: ref_action(&r.try_get::<_, String>(7)?),
                    on_update: ref_action(&r.try_get::<_, String>(8)?),
                    characteristics: Some(migsafe_model::FkCharacteristics {
                        deferrable: r.try_get(10)?,
                        initially_deferred: r.try_get(11)?,
                        validated: r.try_get(12)?,
                    }),
                    referenced_key: None,
                });
            }
            "c" => {
                let def: Option<String> = r.try_get(9)?;
                let def = def.as_deref().unwrap_or("");
                // `pg_get_constraintdef` ends an unvalidated check with
                // `NOT VALID`.
                let def = def.strip_suffix(" NOT VALID").unwrap_or(def);
                table.checks.push(CheckConstraint {
                    name: Some(name),
                    expr: check_expression(def),
                    validated: Some(r.try_get(12)?),
                });
            }
            _ => {}
        }
    }

    // Indexes.
    let mut defaults: HashSet<(u32, u32)> = HashSet::new();
    for r in tx.query(Q_DEFAULT_OPCLASSES, &[])? {
        defaults.insert((r.try_get(0)?, r.try_get(1)?));
    }
    for r in tx.query(Q_INDEXES, &[&table_oids])? {
        let Some(table) = tables
            .get(&r.try_get::<_, u32>(0)?)
            .and_then(|n| model.tables.get_mut(n))
        else {
            continue;
        };
        let raw = RawIndex {
            name: r.try_get(1)?,
            unique: r.try_get(2)?,
            method: r.try_get(3)?,
            am: r.try_get(4)?,
            nkey: usize::try_from(r.try_get::<_, i32>(5)?).unwrap_or(0),
            indkey: r.try_get(7)?,
            indoption: r.try_get(8)?,
            predicate: r.try_get(9)?,
            constraint: r.try_get(10)?,
            keydefs: r.try_get(11)?,
            colnames: r.try_get(12)?,
            keytypes: r.try_get(13)?,
            opcnames: r.try_get(14)?,
            opcdefaults: r.try_get(15)?,
            opcintypes: r.try_get(16)?,
            nulls_not_distinct: r.try_get(17)?,
            reloptions: r.try_get(18)?,
        };
        table.indexes.push(raw.into_index(&defaults));
    }
    Ok(model)
}

/// One row of [`Q_INDEXES`].
struct RawIndex {
    name: String,
    unique: bool,
    method: String,
    am: u32,
    nkey: usize,
    indkey: Vec<i16>,
    indoption: Vec<i16>,
    predicate: Option<String>,
    constraint: bool,
    keydefs: Vec<Option<String>>,
    colnames: Vec<String>,
    keytypes: Vec<u32>,
    opcnames: Vec<String>,
    opcdefaults: Vec<bool>,
    opcintypes: Vec<u32>,
    nulls_not_distinct: bool,
    reloptions: Vec<String>,
}

impl RawIndex {
    fn into_index(self, defaults: &HashSet<(u32, u32)>) -> Index {
        let mut columns = Vec::new();
        let mut include = Vec::new();
        for (k, attnum) in self.indkey.iter().enumerate() {
            let colname = self.colnames.get(k).cloned().unwrap_or_default();
            if k >= self.nkey {
                include.push(colname);
                continue;
            }
            let expr = if *attnum != 0 && !colname.is_empty() {
                colname
            } else {
                self.keydefs
                    .get(k)
                    .cloned()
                    .flatten()
                    .map(|d| migsafe_model::index_element(normalize_catalog_expression(&d)))
                    .unwrap_or_default()
            };
            let descending = self.indoption.get(k).is_some_and(|o| o & 1 != 0);
            let opclass = match (
                self.opcnames.get(k),
                self.opcdefaults.get(k),
                self.opcintypes.get(k),
                self.keytypes.get(k),
            ) {
                (Some(name), Some(is_default), Some(intype), Some(keytype)) => {
                    // The opclass is the default one when it is the default
                    // for its input type and that type is the key's type (or
                    // the key's type has no default of its own: a domain, a
                    // varchar using text_ops, an array using array_ops).
                    let default_here = *is_default
                        && (intype == keytype || !defaults.contains(&(self.am, *keytype)));
                    (!default_here).then(|| name.to_ascii_lowercase())
                }
                _ => None,
            };
            columns.push(IndexColumn {
                expr,
                descending,
                opclass,
            });
        }
        Index {
            name: self.name,
            columns,
            unique: self.unique,
            constraint: self.constraint,
            method: (self.method != "btree").then_some(self.method),
            predicate: self.predicate.as_deref().map(normalize_catalog_expression),
            include,
            // The replay does not read them for UNIQUE constraints yet.
            options: (!self.constraint).then(|| {
                let mut storage: Vec<String> = self
                    .reloptions
                    .iter()
                    .map(|o| o.to_ascii_lowercase())
                    .collect();
                storage.sort();
                IndexOptions {
                    nulls_not_distinct: self.nulls_not_distinct,
                    storage,
                }
            }),
        }
    }
}

fn ref_action(code: &str) -> RefAction {
    match code {
        "r" => RefAction::Restrict,
        "c" => RefAction::Cascade,
        "n" => RefAction::SetNull,
        "d" => RefAction::SetDefault,
        _ => RefAction::NoAction,
    }
}

/// `CHECK ((price > 0::numeric)) NOT VALID` → `price > 0`.
fn check_expression(def: &str) -> String {
    let d = def.trim();
    let d = d.strip_suffix("NOT VALID").map_or(d, str::trim_end);
    let d = d.strip_suffix("NO INHERIT").map_or(d, str::trim_end);
    let d = d.strip_prefix("CHECK").map_or(d, str::trim_start);
    normalize_catalog_expression(d)
}

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// The column type in the model's spelling.
///
/// `formatted` is `format_type` of the column's type; `elem_*` describe the
/// element type (the type itself when not an array) and `elem_formatted` is
/// its `format_type` with the column's modifier.
fn column_type(
    formatted: &str,
    is_array: bool,
    elem_schema: &str,
    elem_name: &str,
    elem_kind: &str,
    elem_formatted: &str,
) -> migsafe_model::NormalizedType {
    let dims = if is_array { "[]" } else { "" };
    if elem_schema == "pg_catalog" {
        return normalize_type(formatted);
    }
    match elem_kind {
        // A base type from an extension (`citext`, `vector(3)`): written
        // bare by Prisma and in migrations, wherever it is installed.
        "b" => {
            let bare = strip_qualification(elem_formatted, elem_schema);
            normalize_type(&format!("{bare}{dims}"))
        }
        // Enums, domains, composite and range types: the catalog's names.
        _ => normalize_type(&format!(
            "{}.{}{dims}",
            quote(elem_schema),
            quote(elem_name)
        )),
    }
}

/// A type from the fields `type_fields!` selects, in the model's form.
fn typed_fields(fields: &str) -> migsafe_model::NormalizedType {
    let f: Vec<&str> = fields.split('\u{1f}').collect();
    match f.as_slice() {
        [formatted, is_array, schema, name, kind, elem] => {
            column_type(formatted, *is_array == "true", schema, name, kind, elem)
        }
        _ => normalize_type(fields),
    }
}

/// `public.citext` → `citext`, `"My Schema".vector(3)` → `vector(3)`.
fn strip_qualification<'a>(formatted: &'a str, schema: &str) -> &'a str {
    for prefix in [format!("{}.", quote(schema)), format!("{schema}.")] {
        if let Some(rest) = formatted.strip_prefix(prefix.as_str()) {
            return rest;
        }
    }
    formatted
}

/// A default as `pg_get_expr` prints it, normalized for comparison:
/// `'-42'::integer` → `-42`, `'admin'::user_role` → `'admin'`,
/// `ARRAY['a'::text, 'b'::text]` → `array['a','b']`,
/// `nextval('"User_id_seq"'::regclass)` → a sequence default.
pub fn normalize_catalog_default(expr: &str) -> DefaultValue {
    normalize_default(&strip_literal_casts(expr))
}

/// An expression as the catalog prints it (check, predicate, index key,
/// generation expression), normalized for comparison: outer parentheses
/// and casts of constants removed, then
/// [`normalize_expression`](migsafe_model::types::normalize_expression).
pub fn normalize_catalog_expression(expr: &str) -> String {
    let stripped = strip_literal_casts(strip_outer_parens(expr));
    let simplified = simplify_deparsed(strip_outer_parens(&stripped));
    normalize_expression(strip_outer_parens(&simplified))
}

/// Undoes two habits of PostgreSQL's deparser, so a catalog expression
/// reads like the one that was written:
///
/// - `x = ANY (ARRAY[1, 2])` → `x IN (1, 2)` and `x <> ALL (ARRAY[…])` →
///   `x NOT IN (…)` (for arrays of constants: how `IN` lists are stored);
/// - parentheses around each operand of `AND`/`OR` that hold no `AND`/`OR`
///   themselves: `(a = 1) AND (b IS NULL)` → `a = 1 AND b IS NULL`.
fn simplify_deparsed(expr: &str) -> String {
    let mut toks = tokenize(expr);
    for _ in 0..=toks.len() {
        match rewrite_any_array(&toks).or_else(|| unwrap_boolean_operand(&toks)) {
            Some(next) => toks = next,
            None => break,
        }
    }
    toks.iter().map(Tok::text).collect()
}

fn is_word(t: Option<&Tok>, w: &str) -> bool {
    matches!(t, Some(Tok::Word(x)) if x.eq_ignore_ascii_case(w))
}

/// Indexes of the tokens that are not spaces, from `from` on.
fn solid(toks: &[Tok], from: usize) -> impl Iterator<Item = usize> + '_ {
    (from..toks.len()).filter(|k| !matches!(toks[*k], Tok::Space(_)))
}

fn rewrite_any_array(toks: &[Tok]) -> Option<Vec<Tok>> {
    for (i, t) in toks.iter().enumerate() {
        let negated = match t {
            Tok::Punct('=') => false,
            Tok::Punct('>') if i > 0 && toks[i - 1] == Tok::Punct('<') => true,
            _ => continue,
        };
        let mut it = solid(toks, i + 1);
        let (Some(q), Some(open), Some(arr), Some(bracket)) =
            (it.next(), it.next(), it.next(), it.next())
        else {
            continue;
        };
        let quantifier = if negated { "all" } else { "any" };
        if !is_word(toks.get(q), quantifier)
            || toks[open] != Tok::Punct('(')
            || !is_word(toks.get(arr), "array")
            || toks[bracket] != Tok::Punct('[')
        {
            continue;
        }
        let Some(close_bracket) = (bracket..toks.len()).find(|k| toks[*k] == Tok::Punct(']'))
        else {
            continue;
        };
        let inner = &toks[bracket + 1..close_bracket];
        if !inner
            .iter()
            .all(|t| is_constant_token(t) && !matches!(t, Tok::Punct('[' | ']')))
        {
            continue;
        }
        let Some(close) = solid(toks, close_bracket + 1).next() else {
            continue;
        };
        if toks[close] != Tok::Punct(')') {
            continue;
        }
        let op_start = if negated { i - 1 } else { i };
        let mut out = toks[..op_start].to_vec();
        if negated {
            out.push(Tok::Word("NOT".to_owned()));
            out.push(Tok::Space(" ".to_owned()));
        }
        out.push(Tok::Word("IN".to_owned()));
        out.push(Tok::Space(" ".to_owned()));
        out.push(Tok::Punct('('));
        out.extend_from_slice(inner);
        out.push(Tok::Punct(')'));
        out.extend_from_slice(&toks[close + 1..]);
        return Some(out);
    }
    None
}

fn unwrap_boolean_operand(toks: &[Tok]) -> Option<Vec<Tok>> {
    let boundary = |t: Option<&Tok>, open_side: bool| match t {
        None => true,
        Some(t) if is_word(Some(t), "and") || is_word(Some(t), "or") => true,
        Some(Tok::Punct('(')) => open_side,
        Some(Tok::Punct(')')) => !open_side,
        _ => false,
    };
    for (o, t) in toks.iter().enumerate() {
        if *t != Tok::Punct('(') {
            continue;
        }
        let before = (0..o).rev().find(|k| !matches!(toks[*k], Tok::Space(_)));
        if !boundary(before.map(|k| &toks[k]), true) {
            continue;
        }
        // The matching parenthesis, and whether AND/OR stand at its depth.
        let mut depth = 0usize;
        let mut close = None;
        let mut connective = false;
        for (k, t) in toks.iter().enumerate().skip(o) {
            match t {
                Tok::Punct('(') => depth += 1,
                Tok::Punct(')') => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        close = Some(k);
                        break;
                    }
                }
                Tok::Punct(',') if depth == 1 => connective = true,
                Tok::Word(w)
                    if depth == 1
                        && (w.eq_ignore_ascii_case("and") || w.eq_ignore_ascii_case("or")) =>
                {
                    connective = true;
                }
                _ => {}
            }
        }
        let Some(close) = close else { continue };
        if connective || close == o + 1 {
            continue;
        }
        let after = solid(toks, close + 1).next();
        if !boundary(after.map(|k| &toks[k]), false) {
            continue;
        }
        // `(a) AND b` where the whole expression is this group: nothing to
        // gain, but also harmless; skip only groups that stand alone.
        if before.is_none() && after.is_none() {
            continue;
        }
        let mut out = toks[..o].to_vec();
        out.extend_from_slice(&toks[o + 1..close]);
        out.extend_from_slice(&toks[close + 1..]);
        return Some(out);
    }
    None
}

// ----- casts of constants ---------------------------------------------------

#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok {
    /// `'…'`, `E'…'`.
    Str(String),
    /// `42`, `1.5`, `1e3`.
    Num(String),
    /// A bare or quoted identifier, a keyword.
    Word(String),
    /// Whitespace.
    Space(String),
    /// `::`.
    Cast,
    /// Any other character.
    Punct(char),
}

impl Tok {
    fn text(&self) -> String {
        match self {
            Tok::Str(s) | Tok::Num(s) | Tok::Word(s) | Tok::Space(s) => s.clone(),
            Tok::Cast => "::".to_owned(),
            Tok::Punct(c) => c.to_string(),
        }
    }
}

fn tokenize(s: &str) -> Vec<Tok> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        let take = |i: &mut usize| {
            let t: String = chars[start..*i].iter().collect();
            t
        };
        if c == '\''
            || ((c == 'E' || c == 'e') && chars.get(i + 1) == Some(&'\'') && !prev_is_word(&out))
        {
            if c != '\'' {
                i += 1;
            }
            i += 1;
            while i < chars.len() {
                if chars[i] == '\'' {
                    if chars.get(i + 1) == Some(&'\'') {
                        i += 2;
                        continue;
                    }
                    break;
                }
                if chars[i] == '\\' && c != '\'' {
                    i += 1;
                }
                i += 1;
            }
            i = (i + 1).min(chars.len());
            out.push(Tok::Str(take(&mut i)));
        } else if c == '"' {
            i += 1;
            while i < chars.len() {
                if chars[i] == '"' {
                    if chars.get(i + 1) == Some(&'"') {
                        i += 2;
                        continue;
                    }
                    break;
                }
                i += 1;
            }
            i = (i + 1).min(chars.len());
            out.push(Tok::Word(take(&mut i)));
        } else if c.is_ascii_digit()
            || (c == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit))
        {
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            if i < chars.len()
                && (chars[i] == 'e' || chars[i] == 'E')
                && (chars.get(i + 1).is_some_and(char::is_ascii_digit)
                    || (matches!(chars.get(i + 1), Some('+' | '-'))
                        && chars.get(i + 2).is_some_and(char::is_ascii_digit)))
            {
                i += 2;
                while i < chars.len() && chars[i].is_ascii_digit() {
                    i += 1;
                }
            }
            out.push(Tok::Num(take(&mut i)));
        } else if c.is_alphabetic() || c == '_' {
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '$')
            {
                i += 1;
            }
            out.push(Tok::Word(take(&mut i)));
        } else if c.is_whitespace() {
            while i < chars.len() && chars[i].is_whitespace() {
                i += 1;
            }
            out.push(Tok::Space(take(&mut i)));
        } else if c == ':' && chars.get(i + 1) == Some(&':') {
            i += 2;
            out.push(Tok::Cast);
        } else {
            i += 1;
            out.push(Tok::Punct(c));
        }
    }
    out
}

fn prev_is_word(out: &[Tok]) -> bool {
    matches!(out.last(), Some(Tok::Word(_) | Tok::Num(_)))
}

/// Words that continue a type name: `double precision`, `character
/// varying`, `timestamp(3) without time zone`.
const TYPE_CONTINUATIONS: &[&str] = &["precision", "varying", "without", "with", "time", "zone"];

/// Numeric types: a quoted number cast to one of them is a number.
const NUMERIC_TYPES: &[&str] = &[
    "smallint",
    "integer",
    "bigint",
    "int2",
    "int4",
    "int8",
    "numeric",
    "decimal",
    "real",
    "double precision",
    "float4",
    "float8",
];

/// The end (exclusive) of the type name that starts at `i` (right after
/// `::` and any space), and the type name in lower case without schema,
/// modifier or array brackets. `None` when no type name starts there.
fn type_name_end(toks: &[Tok], mut i: usize) -> Option<(usize, String)> {
    let word = |t: Option<&Tok>| match t {
        Some(Tok::Word(w)) => Some(w.clone()),
        _ => None,
    };
    let mut base = word(toks.get(i))?;
    i += 1;
    while matches!(toks.get(i), Some(Tok::Punct('.'))) {
        base = word(toks.get(i + 1))?;
        i += 2;
    }
    let mut words = vec![base.trim_matches('"').to_ascii_lowercase()];
    let continuation = |toks: &[Tok], i: usize| -> Option<usize> {
        // ` word` where word continues a type name.
        if let (Some(Tok::Space(_)), Some(Tok::Word(w))) = (toks.get(i), toks.get(i + 1))
            && TYPE_CONTINUATIONS.contains(&w.to_ascii_lowercase().as_str())
        {
            return Some(i + 2);
        }
        None
    };
    loop {
        if let Some(next) = continuation(toks, i) {
            if let Some(Tok::Word(w)) = toks.get(next - 1) {
                words.push(w.to_ascii_lowercase());
            }
            i = next;
            continue;
        }
        if matches!(toks.get(i), Some(Tok::Punct('('))) {
            // The modifier: `(3)`, `(10,2)`.
            let mut j = i + 1;
            while let Some(t) = toks.get(j) {
                match t {
                    Tok::Num(_) | Tok::Space(_) | Tok::Punct(',') => j += 1,
                    Tok::Punct(')') => break,
                    _ => return Some((i, words.join(" "))),
                }
            }
            if matches!(toks.get(j), Some(Tok::Punct(')'))) {
                i = j + 1;
                continue;
            }
            break;
        }
        if matches!(toks.get(i), Some(Tok::Punct('[')))
            && matches!(toks.get(i + 1), Some(Tok::Punct(']')))
        {
            i += 2;
            continue;
        }
        break;
    }
    Some((i, words.join(" ")))
}

fn is_plain_number(s: &str) -> bool {
    let d = s.strip_prefix('-').unwrap_or(s);
    !d.is_empty()
        && d.chars()
            .next()
            .is_some_and(|c| c.is_ascii_digit() || c == '.')
        && d.chars().filter(|c| *c == '.').count() <= 1
        && d.chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == 'e' || c == 'E')
        && !d.ends_with(['e', 'E'])
}

/// Removes the casts PostgreSQL writes into stored expressions:
///
/// - casts of constants: `'a'::text`, `(1.5)::double precision`,
///   `('a'::character varying)::text`, `(ARRAY['a', 'b'])::text[]`; a
///   quoted number cast to a numeric type becomes the number
///   (`'-42'::integer` → `-42`);
/// - casts of a column to a text type, which PostgreSQL inserts when a
///   `varchar` or `char` column meets a text function or operator:
///   `lower((email)::text)` → `lower(email)`.
///
/// Other casts (`created_at::date`, `now()::date`) stay: they were written.
fn strip_literal_casts(expr: &str) -> String {
    let mut toks = tokenize(expr);
    // Each pass removes at least one token; the token count bounds the loop.
    for _ in 0..=toks.len() {
        match strip_one_cast(&toks) {
            Some(next) => toks = next,
            None => break,
        }
    }
    toks.iter().map(Tok::text).collect()
}

/// Types a `varchar`/`char` column is implicitly cast to.
const TEXT_TYPES: &[&str] = &[
    "text",
    "character varying",
    "varchar",
    "character",
    "bpchar",
    "name",
];

/// What a cast applies to.
enum Operand {
    /// A literal, maybe in parentheses, maybe negative: the token to put in
    /// its place.
    Literal(Tok),
    /// `ARRAY[…]` of constants (tokens from `ARRAY` to `]`).
    Array(Vec<Tok>),
    /// A column name.
    Column(Tok),
}

fn is_constant_token(t: &Tok) -> bool {
    match t {
        Tok::Str(_) | Tok::Num(_) | Tok::Space(_) => true,
        Tok::Punct(c) => matches!(c, ',' | '-' | '[' | ']'),
        Tok::Word(w) => matches!(
            w.to_ascii_lowercase().as_str(),
            "true" | "false" | "null" | "array"
        ),
        Tok::Cast => false,
    }
}

fn is_keyword(w: &str) -> bool {
    matches!(
        w.to_ascii_lowercase().as_str(),
        "and"
            | "or"
            | "not"
            | "is"
            | "null"
            | "true"
            | "false"
            | "any"
            | "all"
            | "array"
            | "in"
            | "like"
            | "ilike"
            | "between"
            | "case"
            | "when"
            | "then"
            | "else"
            | "end"
            | "distinct"
            | "from"
            | "similar"
            | "to"
            | "current_timestamp"
            | "current_date"
    )
}

/// The index of the token opening the bracket that closes at `close`.
fn matching_open(toks: &[Tok], close: usize, open: char, shut: char) -> Option<usize> {
    let mut depth = 0usize;
    let mut j = close;
    loop {
        match toks.get(j)? {
            Tok::Punct(c) if *c == shut => depth += 1,
            Tok::Punct(c) if *c == open => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(j);
                }
            }
            _ => {}
        }
        j = j.checked_sub(1)?;
    }
}

/// The operand that ends at token `end` (inclusive): its first token and
/// what it is.
fn operand_before(toks: &[Tok], end: usize) -> Option<(usize, Operand)> {
    match toks.get(end)? {
        t @ (Tok::Str(_) | Tok::Num(_)) => Some((end, Operand::Literal(t.clone()))),
        Tok::Word(w) if !is_keyword(w) => {
            // Not `schema.col` or `f.x`: a bare column name.
            let qualified = end
                .checked_sub(1)
                .is_some_and(|k| toks.get(k) == Some(&Tok::Punct('.')));
            (!qualified).then(|| (end, Operand::Column(toks[end].clone())))
        }
        Tok::Punct(']') => {
            let open = matching_open(toks, end, '[', ']')?;
            let kw = open.checked_sub(1)?;
            let is_array =
                matches!(toks.get(kw), Some(Tok::Word(w)) if w.eq_ignore_ascii_case("array"));
            (is_array && toks[open..=end].iter().all(is_constant_token))
                .then(|| (kw, Operand::Array(toks[kw..=end].to_vec())))
        }
        Tok::Punct(')') => {
            let open = matching_open(toks, end, '(', ')')?;
            // `f(1)::text` casts the call, not the literal.
            let callee = open
                .checked_sub(1)
                .and_then(|k| toks.get(k))
                .is_some_and(|t| {
                    matches!(t, Tok::Word(w) if !is_keyword(w))
                        || matches!(t, Tok::Punct(']' | ')'))
                });
            if callee {
                return None;
            }
            let inner: Vec<usize> = (open + 1..end)
                .filter(|k| !matches!(toks[*k], Tok::Space(_)))
                .collect();
            match inner.as_slice() {
                [k] => operand_before(toks, *k)
                    .filter(|(s, _)| *s == *k)
                    .map(|(_, op)| (open, op)),
                [m, k] if toks[*m] == Tok::Punct('-') => match &toks[*k] {
                    Tok::Num(n) => Some((open, Operand::Literal(Tok::Num(format!("-{n}"))))),
                    _ => None,
                },
                [first, .., last] if matches!(toks[*first], Tok::Word(ref w) if w.eq_ignore_ascii_case("array")) => {
                    operand_before(toks, *last)
                        .filter(|(s, _)| *s == *first)
                        .map(|(_, op)| (open, op))
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// The tokens with the first removable cast removed, or `None`.
fn strip_one_cast(toks: &[Tok]) -> Option<Vec<Tok>> {
    for (i, t) in toks.iter().enumerate() {
        if *t != Tok::Cast {
            continue;
        }
        let Some((start, operand)) = i.checked_sub(1).and_then(|e| operand_before(toks, e)) else {
            continue;
        };
        let mut ty_start = i + 1;
        if matches!(toks.get(ty_start), Some(Tok::Space(_))) {
            ty_start += 1;
        }
        let Some((ty_end, ty)) = type_name_end(toks, ty_start) else {
            continue;
        };
        let replacement = match operand {
            Operand::Literal(Tok::Str(s)) if NUMERIC_TYPES.contains(&ty.as_str()) => {
                let inner = s.trim_start_matches(['E', 'e']);
                let inner = inner.get(1..inner.len().saturating_sub(1)).unwrap_or("");
                if is_plain_number(inner) {
                    vec![Tok::Num(inner.to_owned())]
                } else {
                    vec![Tok::Str(s)]
                }
            }
            Operand::Literal(t) => vec![t],
            Operand::Array(ts) => ts,
            Operand::Column(c) if TEXT_TYPES.contains(&ty.as_str()) => vec![c],
            Operand::Column(_) => continue,
        };
        let mut out = Vec::with_capacity(toks.len());
        out.extend_from_slice(&toks[..start]);
        out.extend(replacement);
        out.extend_from_slice(&toks[ty_end..]);
        return Some(out);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strip(s: &str) -> String {
        strip_literal_casts(s)
    }

    #[test]
    fn casts_of_constants_go() {
        assert_eq!(strip("'abc'::text"), "'abc'");
        assert_eq!(strip("'-42'::integer"), "-42");
        assert_eq!(strip("'9007199254740993'::bigint"), "9007199254740993");
        assert_eq!(strip("'1.5'::double precision"), "1.5");
        assert_eq!(strip("'NaN'::double precision"), "'NaN'");
        assert_eq!(strip("(1.5)::double precision"), "1.5");
        assert_eq!(strip("(- 1)::integer"), "-1");
        assert_eq!(strip("(-1)::integer"), "-1");
        assert_eq!(strip("'42'::text"), "'42'");
        assert_eq!(strip("'admin'::user_role"), "'admin'");
        assert_eq!(strip("'USER'::auth.\"Role\""), "'USER'");
        assert_eq!(
            strip("ARRAY['USER'::user_role, 'admin'::user_role]"),
            "ARRAY['USER', 'admin']"
        );
        assert_eq!(
            strip("'2024-02-29 12:34:56.789'::timestamp(3) without time zone"),
            "'2024-02-29 12:34:56.789'"
        );
        assert_eq!(strip("'{}'::jsonb"), "'{}'");
        assert_eq!(strip("'{a}'::text[]"), "'{a}'");
        assert_eq!(strip("'x'::character varying(10)"), "'x'");
        assert_eq!(strip("('a'::character varying)::text"), "'a'");
        assert_eq!(strip("lower('ABC'::text)"), "lower('ABC')");
        assert_eq!(
            strip("nextval('\"User_id_seq\"'::regclass)"),
            "nextval('\"User_id_seq\"')"
        );
        // Columns cast to a text type lose the cast; other casts of
        // columns and calls stay.
        assert_eq!(strip("(status)::text"), "status");
        assert_eq!(strip("lower((email)::text)"), "lower(email)");
        assert_eq!(strip("lower(email::text)"), "lower(email)");
        assert_eq!(strip("(created_at)::date"), "(created_at)::date");
        assert_eq!(strip("t.email::text"), "t.email::text");
        assert_eq!(
            strip(
                "((status)::text = ANY ((ARRAY['a'::character varying, 'b'::character varying])::text[]))"
            ),
            "(status = ANY (ARRAY['a', 'b']))"
        );
        assert_eq!(strip("(NULL::text IS NULL)"), "(NULL::text IS NULL)");
        assert_eq!(strip("now()::date"), "now()::date");
        assert_eq!(strip("f(1)::text"), "f(1)::text");
        assert_eq!(strip("E'a\\'b'::text"), "E'a\\'b'");
        // Nothing to do, or nonsense: unchanged, no panic.
        for s in [
            "",
            "::",
            "'",
            "(",
            ")::text",
            "'a'::",
            "1::",
            "::text",
            "'a' :: text",
        ] {
            let _ = strip(s);
        }
        assert_eq!(strip("'a' :: text"), "'a' :: text");
    }

    #[test]
    fn catalog_defaults_match_written_ones() {
        let same = |catalog: &str, written: &str| {
            assert_eq!(
                normalize_catalog_default(catalog),
                normalize_default(written),
                "{catalog} vs {written}"
            );
        };
        same("'-42'::integer", "-42");
        same("'10.500000000000000000000000000000'::numeric", "10.50");
        same("'admin'::user_role", "'admin'");
        same(
            "ARRAY['USER'::user_role, 'admin'::user_role]",
            "ARRAY['USER', 'admin']::\"user_role\"[]",
        );
        same("ARRAY[1, 2, 3]", "ARRAY[1, 2, 3]::INTEGER[]");
        same("lower('ABC'::text)", "lower('ABC')");
        same("CURRENT_TIMESTAMP", "now()");
        same("nextval('\"User_id_seq\"'::regclass)", "nextval('x')");
        same(
            "'it''s \"quoted\" \\ back'::text",
            "'it''s \"quoted\" \\ back'",
        );
        same("gen_random_uuid()", "gen_random_uuid()");
        same("(1 + 2)", "(1 + 2)");
    }

    #[test]
    fn catalog_expressions() {
        assert_eq!(
            check_expression("CHECK ((price > (0)::numeric))"),
            "price > 0"
        );
        assert_eq!(
            check_expression("CHECK (price > 0::numeric) NOT VALID"),
            "price > 0"
        );
        assert_eq!(
            check_expression("CHECK ((status = ANY (ARRAY['a'::text, 'b'::text])))"),
            "status in ('a', 'b')"
        );
        assert_eq!(
            check_expression("CHECK ((status <> ALL (ARRAY['a'::text, 'b'::text])))"),
            normalize_expression("status NOT IN ('a', 'b')")
        );
        assert_eq!(
            normalize_catalog_expression("((a = 1) AND ((b IS NULL) OR (c > 2)) AND (NOT d))"),
            normalize_expression("a = 1 AND (b IS NULL OR c > 2) AND NOT d")
        );
        // A call's parentheses stay.
        assert_eq!(
            normalize_catalog_expression("(f(a) AND g(b))"),
            normalize_expression("f(a) AND g(b)")
        );
        assert_eq!(
            normalize_catalog_expression("((x = ANY (ARRAY[y, z])))"),
            "x in (y, z)"
        );
        assert_eq!(
            normalize_catalog_expression("(\"deletedAt\" IS NULL)"),
            "\"deletedAt\" is null"
        );
        assert_eq!(normalize_catalog_expression("lower(email)"), "lower(email)");
    }

    #[test]
    fn types_from_the_catalog() {
        let t = |f: &str, arr: bool, s: &str, n: &str, k: &str, ef: &str| {
            column_type(f, arr, s, n, k, ef).to_string()
        };
        assert_eq!(
            t(
                "character varying(20)[]",
                true,
                "pg_catalog",
                "varchar",
                "b",
                "character varying(20)"
            ),
            "character varying(20)[]"
        );
        assert_eq!(
            t(
                "timestamp(3) without time zone",
                false,
                "pg_catalog",
                "timestamp",
                "b",
                ""
            ),
            "timestamp(3) without time zone"
        );
        assert_eq!(
            t("user_role", false, "public", "user_role", "e", "user_role"),
            "\"user_role\""
        );
        assert_eq!(
            t(
                "auth.\"Role\"[]",
                true,
                "auth",
                "Role",
                "e",
                "auth.\"Role\""
            ),
            "\"auth\".\"Role\"[]"
        );
        assert_eq!(
            t("citext", false, "public", "citext", "b", "citext"),
            "citext"
        );
        assert_eq!(
            t(
                "public.citext",
                false,
                "public",
                "citext",
                "b",
                "public.citext"
            ),
            "citext"
        );
        assert_eq!(
            t(
                "extensions.vector(3)",
                false,
                "extensions",
                "vector",
                "b",
                "extensions.vector(3)"
            ),
            "vector(3)"
        );
        // An enum named like a builtin is still the enum.
        assert_eq!(
            t("public.text", false, "public", "text", "e", "public.text"),
            "\"text\""
        );
    }
}
