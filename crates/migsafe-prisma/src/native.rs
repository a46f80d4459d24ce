//! Prisma's scalar types and PostgreSQL native types (`@db.*`).

/// The scalar types of the Prisma schema language.
pub const SCALARS: &[&str] = &[
    "String", "Boolean", "Int", "BigInt", "Float", "Decimal", "DateTime", "Json", "Bytes",
];

/// True for a built-in scalar type name.
pub fn is_scalar(name: &str) -> bool {
    SCALARS.contains(&name)
}

/// The PostgreSQL type Prisma Migrate creates for a scalar without `@db.*`.
pub fn default_sql_type(scalar: &str) -> Option<&'static str> {
    Some(match scalar {
        "String" => "TEXT",
        "Boolean" => "BOOLEAN",
        "Int" => "INTEGER",
        "BigInt" => "BIGINT",
        "Float" => "DOUBLE PRECISION",
        "Decimal" => "DECIMAL(65,30)",
        "DateTime" => "TIMESTAMP(3)",
        "Json" => "JSONB",
        "Bytes" => "BYTEA",
        _ => return None,
    })
}

/// One PostgreSQL native type: its Prisma name, the scalar it applies to,
/// how many optional arguments it takes, and its SQL name.
#[derive(Clone, Copy, Debug)]
pub struct NativeType {
    pub name: &'static str,
    pub scalar: &'static str,
    pub max_args: usize,
    pub sql: &'static str,
}

const fn nt(
    name: &'static str,
    scalar: &'static str,
    max_args: usize,
    sql: &'static str,
) -> NativeType {
    NativeType {
        name,
        scalar,
        max_args,
        sql,
    }
}

/// Every native type of the PostgreSQL connector.
pub const POSTGRES_NATIVE_TYPES: &[NativeType] = &[
    nt("Text", "String", 0, "TEXT"),
    nt("Char", "String", 1, "CHAR"),
    nt("VarChar", "String", 1, "VARCHAR"),
    nt("Bit", "String", 1, "BIT"),
    nt("VarBit", "String", 1, "VARBIT"),
    nt("Uuid", "String", 0, "UUID"),
    nt("Xml", "String", 0, "XML"),
    nt("Inet", "String", 0, "INET"),
    nt("Citext", "String", 0, "CITEXT"),
    nt("Boolean", "Boolean", 0, "BOOLEAN"),
    nt("Integer", "Int", 0, "INTEGER"),
    nt("SmallInt", "Int", 0, "SMALLINT"),
    nt("Oid", "Int", 0, "OID"),
    nt("BigInt", "BigInt", 0, "BIGINT"),
    nt("DoublePrecision", "Float", 0, "DOUBLE PRECISION"),
    nt("Real", "Float", 0, "REAL"),
    nt("Decimal", "Decimal", 2, "DECIMAL"),
    nt("Money", "Decimal", 0, "MONEY"),
    nt("Timestamp", "DateTime", 1, "TIMESTAMP"),
    nt("Timestamptz", "DateTime", 1, "TIMESTAMPTZ"),
    nt("Date", "DateTime", 0, "DATE"),
    nt("Time", "DateTime", 1, "TIME"),
    nt("Timetz", "DateTime", 1, "TIMETZ"),
    nt("Json", "Json", 0, "JSON"),
    nt("JsonB", "Json", 0, "JSONB"),
    nt("ByteA", "Bytes", 0, "BYTEA"),
];

/// The native type with this Prisma name.
pub fn native_type(name: &str) -> Option<&'static NativeType> {
    POSTGRES_NATIVE_TYPES.iter().find(|n| n.name == name)
}

/// The SQL spelling of a native type with its arguments, as Prisma writes
/// it in a migration: `VARCHAR(255)`, `TIMESTAMPTZ(6)`, `DECIMAL(10,2)`.
pub fn native_sql(nt: &NativeType, args: &[u32]) -> String {
    if args.is_empty() {
        return nt.sql.to_owned();
    }
    let a: Vec<String> = args.iter().map(u32::to_string).collect();
    format!("{}({})", nt.sql, a.join(","))
}
