#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

//! migsafe's lexer against PostgreSQL's scanner, through the server.
//!
//! Generated scripts mix statements with every kind of trivia and literal
//! PostgreSQL knows: `--` comments ended by LF, CR or CRLF, nested block
//! comments, standard and `E''` strings, dollar quotes with and without
//! tags, quoted identifiers, form feeds and tabs; each statement inserts
//! its number and a string literal into a log table. The script is sent as
//! one simple query, as Prisma sends `migration.sql`. The statements
//! PostgreSQL executed (their numbers, in order, and the string each one
//! stored) must be exactly the statements migsafe's splitter finds, with
//! the string migsafe's token holds. A comment that ends where PostgreSQL
//! does not end it, or a literal whose extent differs, changes which
//! statements exist: the `\r` bypass (`-- x\rDROP TABLE t;`) was one.

use migsafe_classify::lex::TokenKind;
use migsafe_oracle::{connect, pg_message, require_pg};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

/// A piece of trivia between tokens.
fn trivia() -> impl Strategy<Value = String> {
    let comment_char = prop::sample::select(vec![
        "a",
        " ",
        ";",
        "'",
        "\"",
        "$$",
        "$a$",
        "*/",
        "/*",
        "--",
        "\t",
        "\x0c",
        "\x0b",
        "\\",
        "É",
        "DROP TABLE log;",
    ]);
    let body = prop::collection::vec(comment_char, 0..6).prop_map(|v| v.concat());
    let block_char = prop::sample::select(vec![
        "a",
        " ",
        ";",
        "'",
        "\"",
        "$$",
        "--",
        "\n",
        "\r",
        "*x",
        "/x",
        "**x",
        "-",
        "\\",
        "DROP TABLE log;",
    ]);
    let block_body = prop::collection::vec(block_char, 0..6).prop_map(|v| v.concat());
    let nested = (block_body.clone(), block_body.clone(), block_body.clone())
        .prop_map(|(a, b, c)| format!("/*{a}/*{b}*/{c}*/"));
    prop_oneof![
        prop::sample::select(vec![" ", "\t", "\n", "\r", "\r\n", "\x0c", "  \n  "])
            .prop_map(str::to_owned),
        (body, prop::sample::select(vec!["\n", "\r", "\r\n"]))
            .prop_map(|(b, end)| format!("--{b}{end}")),
        block_body.prop_map(|b| format!("/*{b}*/")),
        nested,
    ]
}

/// A string literal, as written, and the value PostgreSQL stores.
fn literal() -> impl Strategy<Value = (String, String)> {
    let plain = prop::sample::select(vec![
        "a", " ", ";", "--", "/*", "*/", "\"", "$$", "\\", "\n", "\r", "É", "x",
    ]);
    let chars = prop::collection::vec(plain, 0..6);
    prop_oneof![
        // '…' with doubled quotes.
        (chars.clone(), any::<bool>()).prop_map(|(v, q)| {
            let mut value = v.concat();
            if q {
                value.push('\'');
            }
            (format!("'{}'", value.replace('\'', "''")), value)
        }),
        // E'…' with \' and \\ escapes.
        (chars.clone(), any::<bool>()).prop_map(|(v, q)| {
            let mut value = v.concat();
            if q {
                value.push('\'');
            }
            let written = value.replace('\\', "\\\\").replace('\'', "\\'");
            (format!("E'{written}'"), value)
        }),
        // $$…$$ and $tag$…$tag$, the body holding other dollar signs.
        (chars.clone(), prop::sample::select(vec!["", "t", "tag_1"])).prop_map(|(v, tag)| {
            let value = v.concat().replace(&format!("${tag}$"), "");
            let value = if tag.is_empty() {
                value.replace("$$", "")
            } else {
                value
            };
            (format!("${tag}${value}${tag}$"), value)
        }),
    ]
}

/// A statement: `INSERT INTO log VALUES (n, literal)` with trivia inside.
fn statement() -> impl Strategy<Value = (String, String)> {
    (
        literal(),
        trivia(),
        trivia(),
        prop::sample::select(vec!["log", "\"log\"", "LOG", "public.log"]),
    )
        .prop_map(|((lit, value), t1, t2, table)| {
            (
                format!("INSERT INTO {table}{t1}(n, v) VALUES (#,{t2}{lit})"),
                value,
            )
        })
}

type Script = Vec<(Option<(String, String)>, String)>;

fn script() -> impl Strategy<Value = Script> {
    prop::collection::vec((prop::option::weighted(0.8, statement()), trivia()), 1..8)
}

/// The script's SQL (statement numbers filled in) and the statements in it.
fn render(script: &Script) -> (String, Vec<(i32, String)>) {
    let mut sql = String::new();
    let mut expected = Vec::new();
    for (i, (stmt, trivia)) in script.iter().enumerate() {
        if let Some((text, value)) = stmt {
            let n = i as i32 + 1;
            sql.push_str(&text.replace('#', &n.to_string()));
            expected.push((n, value.clone()));
        }
        sql.push(';');
        sql.push_str(trivia);
    }
    (sql, expected)
}

/// What migsafe sees: per statement that is an INSERT into log, its number
/// and the value of its string token.
fn migsafe_view(sql: &str) -> Result<Vec<(i32, String)>, String> {
    let split = migsafe_classify::split(sql);
    if !split.errors.is_empty() {
        return Err(format!("lexer errors: {:?}", split.errors));
    }
    let mut out = Vec::new();
    for stmt in &split.statements {
        let toks: Vec<_> = split.statement_tokens(stmt).collect();
        let Some(first) = toks.first() else { continue };
        if !first.text(sql).eq_ignore_ascii_case("INSERT") {
            return Err(format!(
                "a statement that is no INSERT: {:?}",
                &sql[stmt.span.clone()]
            ));
        }
        let n = toks
            .iter()
            .find(|t| t.kind == TokenKind::Number)
            .and_then(|t| t.text(sql).parse::<i32>().ok())
            .ok_or_else(|| format!("no number in {:?}", &sql[stmt.span.clone()]))?;
        let lit = toks
            .iter()
            .find(|t| matches!(t.kind, TokenKind::String | TokenKind::DollarString))
            .ok_or_else(|| format!("no literal in {:?}", &sql[stmt.span.clone()]))?;
        out.push((n, literal_value(lit.text(sql))));
    }
    Ok(out)
}

/// The value of a literal token of the forms `literal()` writes.
fn literal_value(t: &str) -> String {
    if let Some(body) = t.strip_prefix("E'").and_then(|b| b.strip_suffix('\'')) {
        let mut out = String::new();
        let mut chars = body.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => out.extend(chars.next()),
                '\'' => {
                    chars.next();
                    out.push('\'');
                }
                c => out.push(c),
            }
        }
        return out;
    }
    if let Some(body) = t.strip_prefix('\'').and_then(|b| b.strip_suffix('\'')) {
        return body.replace("''", "'");
    }
    // $tag$body$tag$
    let tag_end = t[1..].find('$').map_or(0, |i| i + 2);
    t.get(tag_end..t.len().saturating_sub(tag_end))
        .unwrap_or("")
        .to_owned()
}

#[test]
fn statement_boundaries_and_literals_are_postgres_ones() {
    let pg = require_pg!();
    let (_, url) = pg.fresh_database("lexer");
    let mut client = connect(&url).unwrap();
    client
        .batch_execute("CREATE TABLE log (seq SERIAL PRIMARY KEY, n INT, v TEXT)")
        .unwrap();
    let cases = std::env::var("MIGSAFE_ORACLE_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    let mut runner = runner(Config {
        cases,
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::Direct(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/lexer.proptest-regressions"
            )),
        )),
        ..Config::default()
    });
    let client = std::cell::RefCell::new(client);
    let result = runner.run(&script(), |script| {
        let (sql, _) = render(&script);
        let mut c = client.borrow_mut();
        c.batch_execute("TRUNCATE log").unwrap();
        if let Err(e) = c.batch_execute(&sql) {
            // A script the generator meant to be valid: PostgreSQL says
            // otherwise, so its lexing differs from what migsafe expects.
            return Err(TestCaseError::fail(format!(
                "PostgreSQL rejected {sql:?}: {}\nmigsafe sees {:?}",
                pg_message(&e),
                migsafe_view(&sql)
            )));
        }
        let rows = c.query("SELECT n, v FROM log ORDER BY seq", &[]).unwrap();
        let executed: Vec<(i32, String)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
        let seen = migsafe_view(&sql).map_err(|e| TestCaseError::fail(format!("{sql:?}: {e}")))?;
        prop_assert_eq!(&seen, &executed, "script {:?}", sql);
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// The bypass: a CR ends a `--` comment in PostgreSQL, so the DROP after it
/// runs; migsafe sees the statement too.
#[test]
fn a_carriage_return_ends_a_comment_in_postgres_and_in_migsafe() {
    let pg = require_pg!();
    let (_, url) = pg.fresh_database("cr");
    let mut client = connect(&url).unwrap();
    client.batch_execute("CREATE TABLE users (id INT)").unwrap();
    let sql = "SELECT 1; -- note\rDROP TABLE \"users\";";
    client.batch_execute(sql).unwrap();
    let left: i64 = client
        .query_one("SELECT count(*) FROM pg_class WHERE relname = 'users'", &[])
        .unwrap()
        .get(0);
    assert_eq!(left, 0, "PostgreSQL dropped the table");
    let file = migsafe_classify::analyze(sql);
    let ops: Vec<&str> = file
        .statements
        .iter()
        .flat_map(|s| s.ops.iter().map(|o| o.kind.name()))
        .collect();
    assert!(ops.contains(&"drop_table"), "{ops:?}");
}

/// Unquoted identifiers fold ASCII-only, as PostgreSQL folds them in a
/// UTF-8 database.
#[test]
fn identifiers_fold_as_postgres_folds_them() {
    let pg = require_pg!();
    let (_, url) = pg.fresh_database("fold");
    let mut client = connect(&url).unwrap();
    for name in ["ÄRGER_X", "Straße", "ÉTÉ", "mIxEd", "ǅungla"] {
        client
            .batch_execute(&format!("CREATE TABLE {name} (id INT)"))
            .unwrap();
        let sql = format!("DROP TABLE {name};");
        let file = migsafe_classify::analyze(&sql);
        let objects = file.statements[0].objects();
        let row = client
            .query_one(
                "SELECT relname::text FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace",
                &[],
            )
            .unwrap();
        let pg_name: String = row.get(0);
        assert_eq!(objects.len(), 1, "{name}: {objects:?}");
        assert_eq!(objects[0].trim_matches('"'), pg_name, "{name}");
        client.batch_execute(&sql).unwrap();
    }
}

/// The same cases on every run unless `MIGSAFE_ORACLE_RANDOM=1`: CI must
/// not turn red by drawing a new case (run random ones on purpose, with a
/// higher `MIGSAFE_ORACLE_CASES`, to look for new bugs; a failure is kept
/// in the regressions file and replayed first on every run).
fn runner(config: Config) -> TestRunner {
    if std::env::var("MIGSAFE_ORACLE_RANDOM").is_ok_and(|v| v == "1") {
        TestRunner::new(config)
    } else {
        TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha))
    }
}
