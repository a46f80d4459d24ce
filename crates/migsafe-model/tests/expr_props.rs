#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

//! The expression canonicalizer on generated input: it never panics, its
//! output is its own canonical form, and extra parentheses or a cast of a
//! column change nothing.

use migsafe_model::expr::canonical;
use proptest::prelude::*;

fn expr() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        "[a-z]{1,3}".prop_map(|s| s),
        (0i32..100).prop_map(|n| n.to_string()),
        "[a-z]{0,3}".prop_map(|s| format!("'{s}'")),
        Just("NULL".to_owned()),
        Just("\"Col\"".to_owned()),
    ];
    leaf.prop_recursive(4, 32, 3, |inner| {
        prop_oneof![
            (
                inner.clone(),
                prop::sample::select(vec![
                    "+", "-", "*", "=", "<>", "AND", "OR", "||", "&", "LIKE", "<="
                ]),
                inner.clone()
            )
                .prop_map(|(a, op, b)| format!("{a} {op} {b}")),
            inner.clone().prop_map(|a| format!("({a})")),
            inner.clone().prop_map(|a| format!("NOT {a}")),
            inner.clone().prop_map(|a| format!("lower({a})")),
            inner.clone().prop_map(|a| format!("{a} IS NOT NULL")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} IN ({b}, 1)")),
            (inner.clone(), inner).prop_map(|(a, b)| format!("CASE WHEN {a} THEN {b} END")),
        ]
    })
}

proptest! {
    #[test]
    fn never_panics(s in "\\PC{0,60}") {
        let _ = canonical(&s);
    }

    #[test]
    fn canonical_is_a_fixed_point(e in expr()) {
        if let Some(c) = canonical(&e) {
            prop_assert_eq!(canonical(&c), Some(c.clone()), "{}", e);
        }
    }

    #[test]
    fn parentheses_and_column_casts_change_nothing(e in expr()) {
        prop_assert_eq!(canonical(&format!("(({e}))")), canonical(&e));
        let cast = e.replace("\"Col\"", "(\"Col\")::integer");
        prop_assert_eq!(canonical(&cast), canonical(&e));
    }
}
