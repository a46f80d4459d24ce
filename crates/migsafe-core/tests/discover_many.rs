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
