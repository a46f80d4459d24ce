//! Statement splitting, parsing and classification for migsafe.
//!
//! ```text
//! source ──► lex ──► split (spans, comments) ──► parse (sqlparser, per statement)
//!        ──► Operation IR ──► class + rollback complexity + lock facts
//! ```
//!
//! [`analyze`] runs the whole pipeline on one migration file. A statement
//! sqlparser cannot read is still classified from its tokens and comes back
//! with `parsed: false`.

mod analyze;
mod ast;
pub mod guard;
pub mod ir;
pub use migsafe_model::lex;
pub use migsafe_model::source;
pub mod split;
pub mod tokens;

pub use analyze::{AnalyzedFile, Statement, analyze, migration_passes};
pub use ir::{Class, ObjName, OpKind, Operation, Rollback};
pub use split::{Comment, CommentKind, LineIndex, RawStatement, Split, split};
