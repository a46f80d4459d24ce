#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

//! `redact` never panics and never lets a password through.

use migsafe_live::redact;
use proptest::prelude::*;

fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Whether `needle` occurs in `haystack` only once (so its absence from
/// the output means it was hidden, not that it was never there twice).
fn once(haystack: &str, needle: &str) -> bool {
    haystack.matches(needle).count() == 1
}

fn host() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z]{1,10}(\\.[a-z]{2,5})?",
        Just("127.0.0.1".to_owned()),
        Just("[::1]".to_owned())
    ]
}

fn query() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("?sslmode=require".to_owned()),
        Just("?schema=public&connection_limit=5".to_owned()),
        Just("?sslrootcert=/etc/ca@x.pem".to_owned()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn never_panics(s in "\\PC{0,80}") {
        let _ = redact(&s);
    }

    #[test]
    fn never_panics_on_url_like_text(s in "(postgres(ql)?://)?[a-z@:/?&=%'\\\\ .\\[\\]]{0,60}") {
        let _ = redact(&s);
    }

    /// The catalog normalizers accept any text.
    #[test]
    fn catalog_normalizers_never_panic(s in "[a-zA-Z0-9_ '\"():,\\[\\]=<>.+-]{0,60}|\\PC{0,40}") {
        let _ = migsafe_live::normalize_catalog_default(&s);
        let _ = migsafe_live::normalize_catalog_expression(&s);
    }

    /// Any password, percent-encoded as it should be.
    #[test]
    fn hides_encoded_passwords(
        user in "[a-z]{0,8}",
        pw in "\\PC{1,16}",
        host in host(),
        port in proptest::option::of(1u16..),
        db in "[a-z_]{0,10}",
        query in query(),
    ) {
        let enc = encode(&pw);
        let port = port.map(|p| format!(":{p}")).unwrap_or_default();
        let url = format!("postgresql://{user}:{enc}@{host}{port}/{db}{query}");
        let out = redact(&url);
        // An `@` in the query could end the password as well: then all up
        // to it is hidden (too much hidden, never too little).
        let expected = match query.rfind('@') {
            Some(at) => format!("postgresql://{user}:***@{}", &query[at + 1..]),
            None => format!("postgresql://{user}:***@{host}{port}/{db}{query}"),
        };
        prop_assert_eq!(&out, &expected);
        if pw.len() >= 3 && once(&url, &pw) {
            prop_assert!(!out.contains(&pw), "{} in {}", pw, out);
        }
    }

    /// Passwords written without encoding: `@`, `/`, `:` and `%` included
    /// (`?` and `#` end the authority in every URL parser, so a raw one
    /// cannot be told from a query string).
    #[test]
    fn hides_raw_passwords(
        user in "[a-z]{1,8}",
        pw in "[a-zA-Z0-9@/:%!$&'()*+,;=~. -]{3,16}",
        host in host(),
        db in "[a-z]{1,8}",
        query in query(),
    ) {
        let url = format!("postgres://{user}:{pw}@{host}/{db}{query}");
        let out = redact(&url);
        if once(&url, &pw) {
            prop_assert!(!out.contains(&pw), "{} in {}", pw, out);
        }
        // What the driver would send as the password is hidden too.
        if let Ok(config) = url.parse::<postgres::Config>()
            && let Some(sent) = config.get_password()
            && let Ok(sent) = std::str::from_utf8(sent)
            && sent.len() >= 3
            && once(&url, sent)
        {
            prop_assert!(!out.contains(sent), "{} in {}", sent, out);
        }
    }

    /// `password=` in the query string.
    #[test]
    fn hides_query_passwords(pw in "\\PC{3,16}", key in prop_oneof![Just("password"), Just("sslpassword")]) {
        let enc = encode(&pw);
        let url = format!("postgres://u@h/db?sslmode=require&{key}={enc}&x=1");
        let out = redact(&url);
        prop_assert_eq!(out, format!("postgres://u@h/db?sslmode=require&{key}=***&x=1"));
    }

    /// `key=value` connection strings, quoted or not.
    #[test]
    fn hides_key_value_passwords(pw in "[a-zA-Z0-9@/:%!?#= ]{3,16}") {
        let quoted = format!("'{}'", pw.replace('\\', "\\\\").replace('\'', "\\'"));
        let s = format!("host=h user=u password={quoted} dbname=d");
        let out = redact(&s);
        prop_assert_eq!(out, "host=h user=u password=*** dbname=d");
    }
}
