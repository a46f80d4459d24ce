//! PostgreSQL's identifier limit.

/// PostgreSQL's identifier limit (`NAMEDATALEN - 1`).
pub const MAX_IDENTIFIER_BYTES: usize = 63;

/// The longest prefix of `s` of at most `max` bytes that ends on a
/// character boundary.
pub fn clip(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut i = max;
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    s.get(..i).unwrap_or("")
}

/// An identifier as PostgreSQL stores it: at most 63 bytes.
pub fn truncate_identifier(s: &str) -> String {
    clip(s, MAX_IDENTIFIER_BYTES).to_owned()
}
