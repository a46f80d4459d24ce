//! The syntax tree of a Prisma schema. Every node keeps its [`Span`].

use serde::Serialize;

use crate::span::Span;

/// A name as written, with its place.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// Every top-level block of every file, in file order.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct SchemaAst {
    pub tops: Vec<Top>,
}

impl SchemaAst {
    /// The `model`, `view` and `type` blocks.
    pub fn models(&self) -> impl Iterator<Item = &Model> {
        self.tops.iter().filter_map(|t| match t {
            Top::Model(m) => Some(m),
            _ => None,
        })
    }

    /// The `enum` blocks.
    pub fn enums(&self) -> impl Iterator<Item = &Enum> {
        self.tops.iter().filter_map(|t| match t {
            Top::Enum(e) => Some(e),
            _ => None,
        })
    }

    /// The `datasource` and `generator` blocks.
    pub fn configs(&self) -> impl Iterator<Item = &ConfigBlock> {
        self.tops.iter().filter_map(|t| match t {
            Top::Config(c) => Some(c),
            _ => None,
        })
    }
}

/// A top-level block.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "block", rename_all = "snake_case")]
pub enum Top {
    Model(Model),
    Enum(Enum),
    Config(ConfigBlock),
}

/// Which keyword opened a [`Model`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelKind {
    /// `model`: a table.
    Model,
    /// `view`: a database view (not created by Prisma Migrate).
    View,
    /// `type`: a composite type (MongoDB only).
    CompositeType,
}

impl ModelKind {
    /// The keyword: `model`, `view` or `type`.
    pub fn keyword(self) -> &'static str {
        match self {
            ModelKind::Model => "model",
            ModelKind::View => "view",
            ModelKind::CompositeType => "type",
        }
    }
}

/// A `model`, `view` or `type` block.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Model {
    pub kind: ModelKind,
    pub name: Ident,
    pub fields: Vec<Field>,
    /// Block attributes (`@@id`, `@@map`, …), in order.
    pub attributes: Vec<Attribute>,
    /// The `///` comments above the block.
    pub documentation: Option<String>,
    pub span: Span,
}

impl Model {
    /// The first block attribute with this name (without `@@`).
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name.name == name)
    }

    /// The field with this name.
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name.name == name)
    }
}

/// Required, optional (`?`) or list (`[]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Arity {
    Required,
    Optional,
    List,
}

/// The type of a field: a name, or `Unsupported("…")`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldType {
    /// `String`, `User`, or `Unsupported`.
    pub name: String,
    /// The database type of `Unsupported("…")`.
    pub unsupported: Option<String>,
    pub span: Span,
}

/// A field of a model, view or composite type.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Field {
    pub name: Ident,
    pub field_type: FieldType,
    pub arity: Arity,
    /// Field attributes (`@id`, `@db.VarChar(255)`, …), in order.
    pub attributes: Vec<Attribute>,
    pub documentation: Option<String>,
    pub span: Span,
}

impl Field {
    /// The first attribute with this name (without `@`).
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name.name == name)
    }

    /// The `@db.X` attribute, if any.
    pub fn native_type(&self) -> Option<&Attribute> {
        self.attributes
            .iter()
            .find(|a| a.name.name.starts_with("db."))
    }
}

/// `@name(args)` on a field or enum value, `@@name(args)` on a block.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Attribute {
    /// Without the `@`/`@@`: `id`, `db.VarChar`.
    pub name: Ident,
    /// `@@` (block attribute) rather than `@`.
    pub block: bool,
    pub arguments: Vec<Argument>,
    pub span: Span,
}

impl Attribute {
    /// The argument with this name.
    pub fn named(&self, name: &str) -> Option<&Argument> {
        self.arguments
            .iter()
            .find(|a| a.name.as_ref().is_some_and(|n| n.name == name))
    }

    /// The first unnamed argument, or the one named `name`.
    pub fn positional_or(&self, name: &str) -> Option<&Argument> {
        self.arguments
            .iter()
            .find(|a| a.name.is_none())
            .or_else(|| self.named(name))
    }

    /// The attribute as written: `@id`, `@@index`.
    pub fn display_name(&self) -> String {
        format!("{}{}", if self.block { "@@" } else { "@" }, self.name.name)
    }
}

/// An argument: `value` or `name: value`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Argument {
    pub name: Option<Ident>,
    /// `None` for `name:` with no value.
    pub value: Option<Expression>,
    pub span: Span,
}

/// A value.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Expression {
    /// `"text"`, unescaped.
    String { value: String, span: Span },
    /// `42`, `-1.5`, as written.
    Number { value: String, span: Span },
    /// A bare name: `Cascade`, `true`, `Desc`, a field name.
    Constant { value: String, span: Span },
    /// `now()`, `dbgenerated("…")`, `id(sort: Desc)`.
    Function {
        name: Ident,
        arguments: Vec<Argument>,
        span: Span,
    },
    /// `[a, b]`.
    Array { items: Vec<Expression>, span: Span },
}

impl Expression {
    /// Where the value is.
    pub fn span(&self) -> Span {
        match self {
            Expression::String { span, .. }
            | Expression::Number { span, .. }
            | Expression::Constant { span, .. }
            | Expression::Function { span, .. }
            | Expression::Array { span, .. } => *span,
        }
    }

    /// The text of a string literal.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Expression::String { value, .. } => Some(value),
            _ => None,
        }
    }

    /// The name of a constant.
    pub fn as_constant(&self) -> Option<&str> {
        match self {
            Expression::Constant { value, .. } => Some(value),
            _ => None,
        }
    }

    /// The items of an array.
    pub fn as_array(&self) -> Option<&[Expression]> {
        match self {
            Expression::Array { items, .. } => Some(items),
            _ => None,
        }
    }

    /// The value the way the schema writes it (for messages).
    pub fn render(&self) -> String {
        match self {
            Expression::String { value, .. } => {
                format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
            }
            Expression::Number { value, .. } | Expression::Constant { value, .. } => value.clone(),
            Expression::Function {
                name, arguments, ..
            } => {
                let args: Vec<String> = arguments.iter().map(render_argument).collect();
                format!("{}({})", name.name, args.join(", "))
            }
            Expression::Array { items, .. } => {
                let items: Vec<String> = items.iter().map(Expression::render).collect();
                format!("[{}]", items.join(", "))
            }
        }
    }
}

fn render_argument(a: &Argument) -> String {
    let v = a.value.as_ref().map(Expression::render).unwrap_or_default();
    match &a.name {
        Some(n) => format!("{}: {v}", n.name),
        None => v,
    }
}

/// An `enum` block.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Enum {
    pub name: Ident,
    pub values: Vec<EnumValue>,
    pub attributes: Vec<Attribute>,
    pub documentation: Option<String>,
    pub span: Span,
}

impl Enum {
    /// The first block attribute with this name (without `@@`).
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name.name == name)
    }
}

/// A value of an enum.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EnumValue {
    pub name: Ident,
    pub attributes: Vec<Attribute>,
    pub documentation: Option<String>,
    pub span: Span,
}

/// `datasource` or `generator`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConfigKind {
    Datasource,
    Generator,
}

/// A `datasource` or `generator` block.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ConfigBlock {
    pub kind: ConfigKind,
    pub name: Ident,
    pub properties: Vec<Property>,
    pub documentation: Option<String>,
    pub span: Span,
}

impl ConfigBlock {
    /// The property with this name.
    pub fn property(&self, name: &str) -> Option<&Property> {
        self.properties.iter().find(|p| p.name.name == name)
    }
}

/// `name = value` in a config block.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Property {
    pub name: Ident,
    pub value: Option<Expression>,
    pub span: Span,
}
