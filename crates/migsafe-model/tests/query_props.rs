#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

//! The view-query canonicalizer on generated input: it never panics, its
//! output is its own canonical form, PostgreSQL's spelling (qualified
//! columns, parentheses, casts on literals) changes nothing, and a rename
//! reaches every reference.

use migsafe_model::query::{ViewQuery, canonical_query};
use proptest::prelude::*;

fn column() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["a", "b", "\"Col\"", "id"]).prop_map(str::to_owned)
}

fn condition() -> impl Strategy<Value = String> {
    prop_oneof![
        (column(), 0i32..100).prop_map(|(c, n)| format!("{c} > {n}")),
        column().prop_map(|c| format!("{c} IS NULL")),
        (column(), "[a-z]{0,3}").prop_map(|(c, s)| format!("{c} = '{s}'")),
        (column(), column()).prop_map(|(c, d)| format!("{c} <> {d} AND NOT {d} IS NULL")),
    ]
}

type Parts = (
    bool,
    Vec<String>,
    Option<String>,
    Option<(String, bool)>,
    Option<u32>,
);

fn parts() -> impl Strategy<Value = Parts> {
    (
        any::<bool>(),
        prop::collection::vec(column(), 1..4),
        prop::option::of(condition()),
        prop::option::of((column(), any::<bool>())),
        prop::option::of(0u32..50),
    )
}

/// The query as a migration writes it, or (`postgres`) as PostgreSQL
/// prints it: every column qualified, the condition in parentheses, string
/// literals cast, a trailing semicolon.
fn spell(p: &Parts, postgres: bool) -> String {
    let (distinct, items, filter, order, limit) = p;
    let col = |c: &str| {
        if postgres {
            format!("t.{c}")
        } else {
            c.to_owned()
        }
    };
    let cols = |e: &str| {
        let mut out = e.to_owned();
        if postgres {
            for c in ["\"Col\"", "id", "a", "b"] {
                out = replace_word(&out, c, &format!("t.{c}"));
            }
            out = regex_lite_cast(&out);
        }
        out
    };
    let items: Vec<String> = items.iter().map(|c| col(c)).collect();
    let mut q = format!(
        "SELECT {}{} FROM t",
        if *distinct { "DISTINCT " } else { "" },
        items.join(", ")
    );
    if let Some(f) = filter {
        if postgres {
            q.push_str(&format!(" WHERE ({})", cols(f)));
        } else {
            q.push_str(&format!(" WHERE {f}"));
        }
    }
    if let Some((c, desc)) = order {
        q.push_str(&format!(
            " ORDER BY {}{}",
            col(c),
            if *desc { " DESC" } else { "" }
        ));
    }
    if let Some(n) = limit {
        q.push_str(&format!(" LIMIT {n}"));
    }
    if postgres {
        q.push(';');
    }
    q
}

fn replace_word(s: &str, word: &str, with: &str) -> String {
    let mut out = String::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < s.len() {
        let before_ok = i == 0
            || !(b[i - 1].is_ascii_alphanumeric()
                || b[i - 1] == b'.'
                || b[i - 1] == b'_'
                || b[i - 1] == b'"'
                || b[i - 1] == b'\'');
        if before_ok && s[i..].starts_with(word) {
            let j = i + word.len();
            let after_ok = j >= s.len()
                || !(b[j].is_ascii_alphanumeric() || b[j] == b'_' || b[j] == b'"' || b[j] == b'\'');
            if after_ok {
                out.push_str(with);
                i = j;
                continue;
            }
        }
        out.push(b[i] as char);
        i += 1;
    }
    out
}

/// `'x'` → `'x'::text`.
fn regex_lite_cast(s: &str) -> String {
    let mut out = String::new();
    let mut in_str = false;
    for ch in s.chars() {
        out.push(ch);
        if ch == '\'' {
            if in_str {
                out.push_str("::text");
            }
            in_str = !in_str;
        }
    }
    out
}

proptest! {
    #[test]
    fn never_panics(s in "\\PC{0,80}") {
        let _ = canonical_query(&s);
        let mut v = ViewQuery::new(&s);
        v.rename_column("a", "b");
        v.rename_relation("t", "public", "u");
        v.expand_star(&["x".to_owned()]);
        let _ = v.canonical();
    }

    #[test]
    fn canonical_is_a_fixed_point(p in parts()) {
        let q = spell(&p, false);
        let c = canonical_query(&q);
        prop_assert!(c.is_some(), "{}", q);
        let c = c.unwrap();
        prop_assert_eq!(canonical_query(&c), Some(c.clone()), "{}", q);
    }

    #[test]
    fn postgres_spelling_changes_nothing(p in parts()) {
        let q = spell(&p, false);
        let pg = spell(&p, true);
        prop_assert_eq!(canonical_query(&pg), canonical_query(&q), "{} / {}", q, pg);
    }

    #[test]
    fn a_rename_reaches_every_reference(p in parts()) {
        let q = spell(&p, false);
        let mut v = ViewQuery::new(&q);
        v.rename_column("a", "renamed");
        prop_assert_eq!(v.canonical(), canonical_query(&replace_word(&q, "a", "\"renamed\"")), "{}", q);
    }
}
