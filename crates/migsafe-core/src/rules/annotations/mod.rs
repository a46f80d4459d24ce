//! Rules about the annotations themselves.

mod invalid_annotation;
mod unknown_annotation;
pub(crate) mod unused_ignore;
pub use invalid_annotation::INVALID_ANNOTATION;
pub use unknown_annotation::UNKNOWN_ANNOTATION;
pub use unused_ignore::UNUSED_IGNORE;

use crate::engine::{FileCtx, Sink};

pub(crate) fn check(ctx: &FileCtx<'_>, sink: &mut Sink<'_>) {
    unknown_annotation::check(ctx, sink);
    invalid_annotation::check(ctx, sink);
}
