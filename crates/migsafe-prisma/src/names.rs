//! Prisma's default constraint and index names on PostgreSQL, with its
//! truncation to the 63-byte identifier limit.

/// PostgreSQL's identifier limit (`NAMEDATALEN - 1`).
pub const MAX_IDENTIFIER_LENGTH: usize = 63;

/// The largest char boundary `<= i`.
fn floor_boundary(s: &str, i: usize) -> usize {
    let mut i = i.min(s.len());
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn truncated(mut s: String, suffix: &str) -> String {
    let limit = MAX_IDENTIFIER_LENGTH.saturating_sub(suffix.len());
    if s.len() >= limit {
        let cut = floor_boundary(&s, limit);
        s.truncate(cut);
    }
    s.push_str(suffix);
    s
}

/// `name` followed by `suffix`, `name` shortened so that the whole fits
/// 63 bytes (the rule behind every default name).
pub fn with_suffix(name: &str, suffix: &str) -> String {
    truncated(name.to_owned(), suffix)
}

/// The join table of an implicit many-to-many relation: `_RelationName`,
/// cut at 63 bytes.
pub fn join_table_name(relation: &str) -> String {
    let s = format!("_{relation}");
    let cut = floor_boundary(&s, MAX_IDENTIFIER_LENGTH);
    s.get(..cut).unwrap_or(&s).to_owned()
}

/// `Table_pkey`.
pub fn primary_key_name(table: &str) -> String {
    truncated(table.to_owned(), "_pkey")
}

/// `Table_a_b_key`.
pub fn unique_index_name(table: &str, columns: &[&str]) -> String {
    truncated(format!("{table}_{}", columns.join("_")), "_key")
}

/// `Table_a_b_idx`.
pub fn index_name(table: &str, columns: &[&str]) -> String {
    truncated(format!("{table}_{}", columns.join("_")), "_idx")
}

/// `Table_a_b_fkey`.
pub fn foreign_key_name(table: &str, columns: &[&str]) -> String {
    truncated(format!("{table}_{}", columns.join("_")), "_fkey")
}

/// The sequence PostgreSQL creates for a `SERIAL` column:
/// `Table_column_seq`, the longer of the two names shortened first when the
/// whole would pass 63 bytes (PostgreSQL's `makeObjectName`).
pub fn serial_sequence_name(table: &str, column: &str) -> String {
    let label = "seq";
    let overhead = 1 + label.len() + 1;
    let avail = MAX_IDENTIFIER_LENGTH - overhead;
    let mut n1 = table.len();
    let mut n2 = column.len();
    while n1 + n2 > avail {
        if n1 > n2 {
            n1 -= 1;
        } else {
            n2 -= 1;
        }
    }
    let t = table.get(..floor_boundary(table, n1)).unwrap_or(table);
    let c = column.get(..floor_boundary(column, n2)).unwrap_or(column);
    format!("{t}_{c}_{label}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oversized_suffix_does_not_panic() {
        assert_eq!(with_suffix("t", &"s".repeat(70)), "s".repeat(70));
    }

    #[test]
    fn short_names() {
        assert_eq!(primary_key_name("User"), "User_pkey");
        assert_eq!(unique_index_name("User", &["a", "b"]), "User_a_b_key");
        assert_eq!(index_name("Post", &["authorId"]), "Post_authorId_idx");
        assert_eq!(
            foreign_key_name("Post", &["authorId"]),
            "Post_authorId_fkey"
        );
        assert_eq!(serial_sequence_name("User", "id"), "User_id_seq");
    }

    #[test]
    fn long_names_fit_63_bytes() {
        let t = "T".repeat(70);
        assert_eq!(primary_key_name(&t).len(), 63);
        assert!(primary_key_name(&t).ends_with("_pkey"));
        let n = unique_index_name("table", &[&"c".repeat(80)]);
        assert_eq!(n.len(), 63);
        assert!(n.ends_with("_key"));
        assert_eq!(foreign_key_name(&"é".repeat(40), &["x"]).len(), 63);
        assert_eq!(
            index_name("Short", &[&"é".repeat(33), "x"]),
            format!("Short_{}_idx", "é".repeat(26))
        );
        let rel = "AnotherExtremelyLongModelNameForTheRelatedSideOfThingsToModelWithAnotherRatherLongNameForTheManyToManyJoinTable";
        let t = join_table_name(rel);
        assert_eq!(
            t,
            "_AnotherExtremelyLongModelNameForTheRelatedSideOfThingsToModelW"
        );
        assert_eq!(
            with_suffix(&t, "_AB_pkey"),
            "_AnotherExtremelyLongModelNameForTheRelatedSideOfThings_AB_pkey"
        );
        assert_eq!(
            with_suffix(&t, "_A_fkey"),
            "_AnotherExtremelyLongModelNameForTheRelatedSideOfThingsT_A_fkey"
        );
        let s = serial_sequence_name(&"a".repeat(40), &"b".repeat(40));
        assert_eq!(s.len(), 63);
    }
}
