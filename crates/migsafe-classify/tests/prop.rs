//! Property tests: the lexer, splitter and analyzer never panic, and the
//! spans they return cover the input in order.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use migsafe_classify::{analyze, lex::lex, split};
use proptest::prelude::*;

fn sqlish() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just("'".to_owned()),
            Just("''".to_owned()),
            Just("\"".to_owned()),
            Just("$$".to_owned()),
            Just("$a$".to_owned()),
            Just("--".to_owned()),
            Just("/*".to_owned()),
            Just("*/".to_owned()),
            Just(";".to_owned()),
            Just("\n".to_owned()),
            Just("\r\n".to_owned()),
            Just("E'\\''".to_owned()),
            Just("U&\"x\"".to_owned()),
            Just(" ".to_owned()),
            Just("é".to_owned()),
            Just("DROP TABLE x".to_owned()),
            Just("ALTER TABLE t ADD COLUMN a int, DROP COLUMN b".to_owned()),
            Just("CREATE FUNCTION f() BEGIN ATOMIC SELECT 1; END".to_owned()),
            Just("DO $$ BEGIN DROP TABLE y; END $$".to_owned()),
            Just("-- @override-destructive".to_owned()),
            "[a-zA-Z0-9_(),.:]{1,8}",
        ],
        0..40,
    )
    .prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn tokens_cover_the_input(src in prop_oneof![sqlish(), "\\PC{0,200}"]) {
        let l = lex(&src);
        let mut at = 0usize;
        for t in &l.tokens {
            prop_assert_eq!(t.start as usize, at);
            prop_assert!(t.end > t.start);
            prop_assert!(src.is_char_boundary(t.end as usize));
            at = t.end as usize;
        }
        prop_assert_eq!(at, src.len());
    }

    #[test]
    fn statements_are_in_order_and_disjoint(src in prop_oneof![sqlish(), "\\PC{0,200}"]) {
        let s = split(&src);
        let mut last_end = 0usize;
        for st in &s.statements {
            prop_assert!(st.span.start >= last_end);
            prop_assert!(st.span.end > st.span.start);
            prop_assert!(st.span.end <= src.len());
            prop_assert!(src.get(st.span.clone()).is_some());
            prop_assert!(st.line >= 1 && st.column >= 1 && st.end_line >= st.line);
            last_end = st.span.end;
        }
        for c in &s.comments {
            prop_assert!(src.get(c.span.clone()).is_some());
        }
    }

    #[test]
    fn analyze_never_panics(src in prop_oneof![sqlish(), "\\PC{0,300}"]) {
        let f = analyze(&src);
        for st in &f.statements {
            prop_assert!(!st.ops.is_empty());
        }
    }
}
