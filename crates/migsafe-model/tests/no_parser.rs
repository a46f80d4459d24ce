#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

//! The crates that need only the model do not link the SQL parser: their
//! dependencies, followed through the workspace's own crates, never reach
//! `sqlparser`.

use std::collections::BTreeSet;
use std::path::Path;

fn dependencies(krate: &str) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let text = std::fs::read_to_string(root.join(krate).join("Cargo.toml")).unwrap();
    let manifest: toml::Table = toml::from_str(&text).unwrap();
    manifest
        .get("dependencies")
        .and_then(|d| d.as_table())
        .map(|d| d.keys().cloned().collect())
        .unwrap_or_default()
}

fn reaches(krate: &str, seen: &mut BTreeSet<String>) {
    for d in dependencies(krate) {
        if seen.insert(d.clone()) && d.starts_with("migsafe-") {
            reaches(&d, seen);
        }
    }
}

#[test]
fn the_model_prisma_mapping_and_introspection_do_not_link_the_parser() {
    for krate in ["migsafe-model", "migsafe-prisma", "migsafe-live"] {
        let mut seen = BTreeSet::new();
        reaches(krate, &mut seen);
        assert!(
            !seen.contains("sqlparser") && !seen.contains("migsafe-classify"),
            "{krate} reaches {seen:?}"
        );
    }
    // The check itself sees the parser where it is.
    let mut seen = BTreeSet::new();
    reaches("migsafe-schema", &mut seen);
    assert!(seen.contains("sqlparser"), "{seen:?}");
}
