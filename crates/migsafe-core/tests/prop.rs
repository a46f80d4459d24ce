//! Property tests: the config parser, the naming-pattern parser and the
//! whole engine never panic, whatever the input.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use migsafe_core::check::Checks;
use migsafe_core::naming::NamePattern;
use migsafe_core::{Config, MigrationSource, check_sources};
use proptest::prelude::*;

fn tomlish() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just("[migrations]\n".to_owned()),
            Just("[rules]\n".to_owned()),
            Just("[annotations]\n".to_owned()),
            Just("[database]\n".to_owned()),
            Just("paths = [\"a\"]\n".to_owned()),
            Just("naming = \"{timestamp}_{x\"\n".to_owned()),
            Just("missing-override = \"warn\"\n".to_owned()),
            Just("overrides = []\n".to_owned()),
            Just("postgres-version = 99999999999\n".to_owned()),
            Just("require-approval = [\"é\"]\n".to_owned()),
            "[a-z\\-\\[\\]=\" \n{}]{0,20}",
        ],
        0..12,
    )
    .prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn config_parse_never_panics(text in prop_oneof![tomlish(), "\\PC{0,200}"]) {
        let _ = Config::parse(&text, Path::new("."));
    }

    #[test]
    fn naming_never_panics(pattern in "[{}a-z_]{0,24}", name in "\\PC{0,30}") {
        if let Ok(p) = NamePattern::parse(&pattern) {
            let _ = p.check(&name);
        }
        let _ = NamePattern::default().check(&name);
    }

    #[test]
    fn engine_never_panics(
        name in "\\PC{0,20}",
        body in proptest::collection::vec(any::<u8>(), 0..300),
        sql in "(DROP|ALTER|CREATE|--|@|;|'|\\$\\$| |\n|TABLE|x|\"|/\\*|INDEX|UPDATE|SET|=)*",
    ) {
        let mut up = sql.into_bytes();
        up.extend(body);
        let report = check_sources(
            vec![MigrationSource { name: name.clone(), path: format!("m/{name}.sql"), up, down: None, layout: migsafe_core::Layout::Flat }],
            &Config::default(),
            Checks::ALL,
        );
        prop_assert_eq!(report.migrations.len(), 1);
    }
}
