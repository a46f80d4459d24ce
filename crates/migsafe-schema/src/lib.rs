//! The replay of migration operations onto migsafe's schema model.
//!
//! The model itself, its canonical form and its diff live in
//! `migsafe-model` (no SQL parser) and are re-exported here, so
//! `migsafe_schema::diff`, `migsafe_schema::SchemaModel`, … name the same
//! things. This crate adds [`replay`]: the schema a migration history
//! produces, read from the statements `migsafe-classify` analyzed.

pub use migsafe_model::{canonical, diff, model, names, opclass, types};

pub mod locks;
pub mod replay;

pub use model::*;
pub use types::{NormalizedType, normalize_type};
