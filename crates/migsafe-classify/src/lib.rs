//! Statement splitting, parsing and classification for migsafe.
//!
//! ```text
//! source ──► lex ──► split (spans, comments) ──► parse (sqlparser, per statement)
//!        ──► Operation IR ──► class + rollback complexity + lock facts
//! ```

pub mod lex;
pub mod split;

pub use split::{Comment, CommentKind, LineIndex, RawStatement, Split, split};
