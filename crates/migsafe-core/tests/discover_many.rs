#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

//! Discovery of thousands of `x_up.sql` / `x_down.sql` pairs, named as a
//! directory and one by one (as the pre-commit framework and `xargs` pass
//! them): every migration found with its down script. (Not timed; before
//! each directory was listed once, and each file's counterpart looked up
//! once, this took more than 12 minutes in a debug build.)

#[test]
fn three_thousand_up_down_pairs_as_a_directory_and_as_files() {
    let d = tempfile::tempdir().unwrap();
    let m = d.path().join("m");
    std::fs::create_dir(&m).unwrap();
    let mut ups = Vec::new();
    for i in 0..3000 {
        let up = m.join(format!("2026{i:06}_t{i}_up.sql"));
        std::fs::write(&up, format!("CREATE TABLE t{i} (id int);\n")).unwrap();
        std::fs::write(
            m.join(format!("2026{i:06}_t{i}_down.sql")),
            format!("DROP TABLE t{i};\n"),
        )
        .unwrap();
        ups.push(up);
    }
    for (what, paths) in [("directory", vec![m.clone()]), ("files", ups)] {
        let found = migsafe_core::discover(&paths).unwrap();
        assert_eq!(found.migrations.len(), 3000, "{what}");
        assert!(
            found
                .migrations
                .iter()
                .all(|x| x.down.is_some() && !x.name.ends_with("_up")),
            "{what}: every migration has its down script"
        );
        assert_eq!(found.migrations[7].name, "2026000007_t7", "{what}");
    }
}

/// The file-system queries of discovery, counted (not timed): one listing
/// per directory however many of its files are named, and a bounded number
/// of look-ups per file, for every layout and both ways of naming them.
#[test]
fn discovery_asks_the_file_system_a_linear_number_of_times() {
    use migsafe_core::discover::fs_calls;
    let d = tempfile::tempdir().unwrap();
    type Make = fn(&std::path::Path, usize) -> std::path::PathBuf;
    let layouts: [(&str, Make); 3] = [
        ("prisma", |m, i| {
            let dir = m.join(format!("2026{i:08}_t{i}"));
            std::fs::create_dir(&dir).unwrap();
            std::fs::write(dir.join("down.sql"), "DROP TABLE t;\n").unwrap();
            dir.join("migration.sql")
        }),
        ("flat _up/_down", |m, i| {
            std::fs::write(
                m.join(format!("2026{i:08}_t{i}_down.sql")),
                "DROP TABLE t;\n",
            )
            .unwrap();
            m.join(format!("2026{i:08}_t{i}_up.sql"))
        }),
        ("flat .up/.down", |m, i| {
            std::fs::write(
                m.join(format!("2026{i:08}_t{i}.down.sql")),
                "DROP TABLE t;\n",
            )
            .unwrap();
            m.join(format!("2026{i:08}_t{i}.up.sql"))
        }),
    ];
    for (what, make) in layouts {
        let mut per_file = Vec::new();
        for n in [100usize, 400, 1600] {
            let m = d
                .path()
                .join(format!("{}-{n}", what.replace([' ', '/'], "_")));
            std::fs::create_dir(&m).unwrap();
            let files: Vec<_> = (0..n)
                .map(|i| {
                    let up = make(&m, i);
                    std::fs::write(&up, "CREATE TABLE t (id int);\n").unwrap();
                    up
                })
                .collect();
            for (how, paths) in [("directory", vec![m.clone()]), ("files", files)] {
                let before = fs_calls();
                let found = migsafe_core::discover(&paths).unwrap();
                let after = fs_calls();
                assert_eq!(found.migrations.len(), n, "{what} as {how}");
                assert!(
                    found.migrations.iter().all(|x| x.down.is_some()),
                    "{what} as {how}"
                );
                let dir_reads = after.dir_reads - before.dir_reads;
                let lookups = after.lookups - before.lookups;
                // Prisma's directory has a listing of its own; a file's
                // folder is never listed (migration.sql names its down.sql).
                assert!(
                    dir_reads <= 1,
                    "{what} as {how}: {dir_reads} directory listings for {n} files"
                );
                per_file.push((how, n, lookups as f64 / n as f64));
                assert!(
                    lookups <= 4 * n + 2,
                    "{what} as {how}: {lookups} look-ups for {n} files"
                );
            }
        }
        // The same look-ups per file at 100 and at 1,600 files.
        for how in ["directory", "files"] {
            let r: Vec<f64> = per_file
                .iter()
                .filter(|x| x.0 == how)
                .map(|x| x.2)
                .collect();
            assert!(
                r.iter().all(|x| (x - r[0]).abs() < 0.05),
                "{what} as {how}: look-ups per file change with the count: {r:?}"
            );
        }
    }
}
