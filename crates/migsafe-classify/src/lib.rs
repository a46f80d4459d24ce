//! Statement splitting, parsing and classification for migsafe: the operation IR, class, rollback complexity and lock facts
