#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

//! The real schemas in `../shared/corpora` (skipped when absent).
//!
//! Each must parse without a diagnostic, and `to_model` must give the
//! counts measured from Prisma's own SQL for it (`migrate diff
//! --from-empty --to-schema`, through the prisma-oracle tool, with the
//! datasource `url`/`directUrl` lines and the preview features Prisma 7 no
//! longer knows removed from a copy). On those three schemas the full model
//! comparison of `tests/models.rs` (`compare_with_sql_from_env`) found no
//! difference at all: every table, column, type, default, key, index,
//! foreign key and enum agreed.

struct Expected {
    path: &'static str,
    tables: usize,
    columns: usize,
    indexes: usize,
    foreign_keys: usize,
    enums: usize,
    views: usize,
}

const CORPORA: &[Expected] = &[
    Expected {
        path: "langfuse__langfuse/packages/shared/prisma/schema.prisma",
        tables: 71,
        columns: 736,
        indexes: 142,
        foreign_keys: 108,
        enums: 32,
        views: 0,
    },
    Expected {
        path: "triggerdotdev__trigger.dev/internal-packages/database/prisma/schema.prisma",
        tables: 85,
        columns: 1117,
        indexes: 202,
        foreign_keys: 165,
        enums: 48,
        views: 0,
    },
    Expected {
        path: "triggerdotdev__trigger.dev/internal-packages/run-ops-database/prisma/schema.prisma",
        tables: 16,
        columns: 259,
        indexes: 56,
        foreign_keys: 22,
        enums: 12,
        views: 0,
    },
];

#[test]
fn corpus_schemas_parse_and_map_like_prisma() {
    let root = migsafe_testpg::require_corpora!();
    for e in CORPORA {
        let path = root.join(e.path);
        assert!(
            path.is_file(),
            "{} is missing from the corpora",
            path.display()
        );
        let schema = migsafe_prisma::load(&path).expect("load");
        assert!(
            schema.diagnostics().is_empty(),
            "{}",
            schema.render_diagnostics()
        );
        assert!(matches!(
            schema.datasource_provider(),
            Some("postgresql" | "postgres")
        ));
        let m = schema.to_model();
        let columns: usize = m.tables.values().map(|t| t.columns.len()).sum();
        let indexes: usize = m.tables.values().map(|t| t.indexes.len()).sum();
        let fks: usize = m.tables.values().map(|t| t.foreign_keys.len()).sum();
        assert_eq!(
            (
                m.tables.len(),
                columns,
                indexes,
                fks,
                m.enums.len(),
                m.views.len()
            ),
            (
                e.tables,
                e.columns,
                e.indexes,
                e.foreign_keys,
                e.enums,
                e.views
            ),
            "{}: (tables, columns, indexes, foreign keys, enums, views)",
            e.path
        );
        // Every table has a primary key or a unique index, as Prisma requires.
        for t in m.tables.values() {
            assert!(
                t.primary_key.is_some() || t.indexes.iter().any(|i| i.unique),
                "{}: {} has no unique criterion",
                e.path,
                t.name
            );
        }
    }
}
