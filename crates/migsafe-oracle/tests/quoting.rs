#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

//! migsafe writes identifiers the way PostgreSQL's `quote_ident` does: the
//! list of words it keeps quoted is PostgreSQL 15's, and every word, keyword
//! or not, comes out quoted exactly when the server quotes it.

use migsafe_oracle::{connect, require_pg};

#[test]
fn reserved_words_are_postgres_keywords_that_are_not_unreserved() {
    let pg = require_pg!();
    let mut c = connect(&pg.database_url("postgres")).unwrap();
    let words: Vec<String> = c
        .query(
            "SELECT word::text FROM pg_get_keywords() WHERE catcode <> 'U' ORDER BY word COLLATE \"C\"",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let ours: Vec<String> = migsafe_schema::types::RESERVED
        .iter()
        .map(|w| (*w).to_owned())
        .collect();
    assert_eq!(
        ours, words,
        "the list (sorted for binary search) is PostgreSQL's"
    );
}

#[test]
fn identifiers_are_quoted_as_postgres_quotes_them() {
    let pg = require_pg!();
    let mut c = connect(&pg.database_url("postgres")).unwrap();
    let mut words: Vec<String> = c
        .query("SELECT word::text FROM pg_get_keywords()", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    for w in [
        "id",
        "User",
        "user",
        "from",
        "_x",
        "x1",
        "1x",
        "a$b",
        "a b",
        "Ärger",
        "ärger",
        "a\"b",
        "createdAt",
        "created_at",
        "",
        "x-y",
        "name",
        "value",
        "int4",
        "select1",
    ] {
        words.push(w.to_owned());
    }
    let mut wrong = Vec::new();
    for w in &words {
        let theirs: String = c.query_one("SELECT quote_ident($1)", &[w]).unwrap().get(0);
        let mut ours = String::new();
        migsafe_classify::ir::quote_ident(&mut ours, w).unwrap();
        if ours != theirs {
            wrong.push(format!("{w:?}: migsafe {ours}, PostgreSQL {theirs}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
