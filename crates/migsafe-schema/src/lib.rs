//! The schema model: what a PostgreSQL schema looks like to migsafe.
//!
//! Three producers build a [`SchemaModel`]: the Prisma schema mapping
//! (`migsafe-prisma`), the replay of migration operations (this crate's
//! `replay` module) and live introspection (`migsafe-live`). Drift is the
//! [`diff`](diff::diff) of two models, so every producer must write
//! names, types and defaults in the same normalized form; [`types`] owns that
//! form.

pub mod canonical;
pub mod diff;
pub mod model;
pub mod opclass;
pub mod replay;
pub mod types;

pub use model::*;
pub use types::{NormalizedType, normalize_type};
