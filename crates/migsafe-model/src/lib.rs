//! The schema model: what a PostgreSQL schema looks like to migsafe.
//!
//! Three producers build a [`SchemaModel`]: the Prisma schema mapping
//! (`migsafe-prisma`), the replay of migration operations
//! (`migsafe-schema`) and live introspection (`migsafe-live`). Drift is the
//! [`diff`](diff::diff) of two models, so every producer must write
//! names, types and defaults in the same normalized form; [`types`] owns that
//! form, [`canonical`] the last pass every producer runs.
//!
//! This crate holds the model and nothing that reads SQL: a tool that
//! needs the model (the Prisma mapping, introspection) does not link the
//! SQL parser. [`source`] reads input files the safe way for all of them;
//! [`lex`] is migsafe's one SQL lexer (the statement splitter and the
//! token classifier in `migsafe-classify` use it too), [`expr`] the one
//! canonical form of an expression, built on it, [`query`] that of a view's
//! query.

pub mod canonical;
pub mod diff;
pub mod expr;
pub mod lex;
pub mod model;
pub mod names;
pub mod opclass;
pub mod query;
pub mod snippet;
pub mod source;
pub mod types;

pub use model::*;
pub use names::{MAX_IDENTIFIER_BYTES, truncate_identifier};
pub use types::{NormalizedType, normalize_type};
