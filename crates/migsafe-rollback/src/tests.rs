use migsafe_classify::analyze;
use migsafe_schema::replay::{MigrationInput, Replayer};

use super::*;

fn model(sql: &str) -> SchemaModel {
    let f = analyze(sql);
    let mut r = Replayer::new();
    r.apply_migration(&MigrationInput {
        name: "m",
        path: "m.sql",
        statements: &f.statements,
    });
    r.model().clone()
}

fn inv(sql: &str, before: &SchemaModel) -> Vec<Inverse> {
    analyze(sql).statements[0]
        .ops
        .iter()
        .map(|o| inverse(&o.kind, before))
        .collect()
}

const BASE: &str = r#"CREATE TABLE "User" ("id" TEXT NOT NULL, "email" TEXT, "n" INTEGER DEFAULT 0, CONSTRAINT "User_pkey" PRIMARY KEY ("id"));
CREATE TABLE "Post" ("id" TEXT NOT NULL, "authorId" TEXT NOT NULL, CONSTRAINT "Post_pkey" PRIMARY KEY ("id"));
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");
CREATE INDEX "Post_authorId_idx" ON "Post"("authorId" DESC);
ALTER TABLE "Post" ADD CONSTRAINT "Post_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;
"#;

#[test]
fn expand_operations_have_a_one_statement_inverse() {
    let m = SchemaModel::default();
    for (sql, want) in [
        ("CREATE TABLE \"T\" (id int);", "DROP TABLE \"T\";"),
        (
            "ALTER TABLE t ADD COLUMN \"bio\" text;",
            "ALTER TABLE t DROP COLUMN bio;",
        ),
        (
            "CREATE INDEX \"T_a_idx\" ON \"T\"(a);",
            "DROP INDEX \"T_a_idx\";",
        ),
        (
            "ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0);",
            "ALTER TABLE t DROP CONSTRAINT c;",
        ),
        ("CREATE TYPE \"Role\" AS ENUM ('A');", "DROP TYPE \"Role\";"),
        (
            "ALTER TABLE t RENAME COLUMN a TO b;",
            "ALTER TABLE t RENAME COLUMN b TO a;",
        ),
        ("ALTER INDEX a RENAME TO b;", "ALTER INDEX b RENAME TO a;"),
        (
            "ALTER TABLE t ALTER COLUMN a SET NOT NULL;",
            "ALTER TABLE t ALTER COLUMN a DROP NOT NULL;",
        ),
    ] {
        assert_eq!(inv(sql, &m), vec![Inverse::Sql(want.to_owned())], "{sql}");
    }
}

#[test]
fn drops_are_undone_from_the_schema_before() {
    let before = model(BASE);
    assert_eq!(
        inv("DROP INDEX \"Post_authorId_idx\";", &before),
        vec![Inverse::Sql(
            "CREATE INDEX \"Post_authorId_idx\" ON \"Post\" (\"authorId\" DESC);".into()
        )]
    );
    assert_eq!(
        inv("ALTER TABLE \"Post\" DROP CONSTRAINT \"Post_authorId_fkey\";", &before),
        vec![Inverse::Sql("ALTER TABLE \"Post\" ADD CONSTRAINT \"Post_authorId_fkey\" FOREIGN KEY (\"authorId\") REFERENCES \"User\"(id) ON DELETE CASCADE ON UPDATE CASCADE;".into())]
    );
    assert_eq!(
        inv(
            "ALTER TABLE \"User\" ALTER COLUMN \"n\" SET DEFAULT 5;",
            &before
        ),
        vec![Inverse::Sql(
            "ALTER TABLE \"User\" ALTER COLUMN n SET DEFAULT 0;".into()
        )]
    );
    assert!(matches!(
        inv("DROP INDEX \"nope\";", &before)[0],
        Inverse::Unknown { .. }
    ));
    assert!(matches!(
        inv("DROP TABLE \"User\";", &before)[0],
        Inverse::Unknown { .. }
    ));
    assert!(matches!(
        inv("ALTER TYPE r ADD VALUE 'x';", &before)[0],
        Inverse::Unknown { .. }
    ));
}

#[test]
fn generated_inverses_restore_the_schema() {
    // Replaying a migration and then its generated inverse gives back the
    // schema before it.
    let before = model(BASE);
    let up = r#"ALTER TABLE "User" ADD COLUMN "bio" TEXT;
CREATE INDEX "User_bio_idx" ON "User"("bio");
DROP INDEX "Post_authorId_idx";
ALTER TABLE "User" ALTER COLUMN "n" SET DEFAULT 7;
"#;
    let f = analyze(up);
    let mut inverses: Vec<String> = Vec::new();
    for s in &f.statements {
        for o in &s.ops {
            match inverse(&o.kind, &before) {
                Inverse::Sql(sql) => inverses.push(sql),
                Inverse::NoOp => {}
                Inverse::Unknown { why } => panic!("{why}"),
            }
        }
    }
    inverses.reverse();
    let mut r = Replayer::from_model(before.clone());
    r.apply_migration(&MigrationInput {
        name: "up",
        path: "up.sql",
        statements: &f.statements,
    });
    let down = analyze(&inverses.join("\n"));
    let check = verify_down(
        &before,
        &r,
        &MigrationInput {
            name: "down",
            path: "down.sql",
            statements: &down.statements,
        },
    );
    assert!(check.issues.is_empty(), "{:?}", check.issues);
    assert!(check.differences.is_empty(), "{:?}", check.differences);
}

#[test]
fn a_wrong_down_script_is_caught() {
    let before = model(BASE);
    let up = analyze(
        "ALTER TABLE \"User\" ADD COLUMN \"bio\" TEXT;\nCREATE INDEX \"User_bio_idx\" ON \"User\"(\"bio\");",
    );
    let mut r = Replayer::from_model(before.clone());
    r.apply_migration(&MigrationInput {
        name: "up",
        path: "up.sql",
        statements: &up.statements,
    });
    // Forgets the column, drops an index that does not exist.
    let down = analyze("DROP INDEX \"User_bio_idx\";\nDROP INDEX \"nope\";");
    let check = verify_down(
        &before,
        &r,
        &MigrationInput {
            name: "down",
            path: "down.sql",
            statements: &down.statements,
        },
    );
    // PostgreSQL refuses the second DROP and rolls the whole down script
    // back: the column and the index both stay.
    let paths: Vec<&str> = check.differences.iter().map(|d| d.path.as_str()).collect();
    assert_eq!(
        paths,
        [r#"column "User"."bio""#, r#"index "User"."User_bio_idx""#],
        "{:?}",
        check.differences
    );
    assert_eq!(check.issues.len(), 1);
    assert_eq!(check.issues[0].origin.line, 2);
}

#[test]
fn if_not_exists_on_what_was_there_is_undone_by_nothing() {
    let mut r = Replayer::new();
    let setup = migsafe_classify::analyze(
        "CREATE EXTENSION \"uuid-ossp\";\nCREATE TABLE t (id int);\nCREATE INDEX t_id ON t (id);\n",
    );
    r.apply_migration(&MigrationInput {
        name: "a",
        path: "a.sql",
        statements: &setup.statements,
    });
    let again = migsafe_classify::analyze(
        "CREATE EXTENSION IF NOT EXISTS \"uuid-ossp\";\nCREATE TABLE IF NOT EXISTS t (id int);\nALTER TABLE t ADD COLUMN IF NOT EXISTS id int;\nCREATE INDEX IF NOT EXISTS t_id ON t (id);\nALTER TABLE t ALTER COLUMN id DROP NOT NULL;\n",
    );
    for s in &again.statements {
        for o in &s.ops {
            assert_eq!(inverse(&o.kind, r.model()), Inverse::NoOp, "{:?}", o.kind);
        }
    }
}
