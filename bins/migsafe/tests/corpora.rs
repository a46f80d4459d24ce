//! `migsafe validate --format json` over the real migration histories in
//! `../shared/corpora`: no panic, valid JSON, and the share of statements
//! sqlparser read (the rest were classified from their tokens). Skips with a
//! message when the corpora are absent (a user's clone).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

const DIRS: &[&str] = &[
    "langfuse__langfuse/packages/shared/prisma/migrations",
    "triggerdotdev__trigger.dev/internal-packages/database/prisma/migrations",
    "triggerdotdev__trigger.dev/internal-packages/run-ops-database/prisma/migrations",
    "harness__harness/app/store/database/migrate/postgres",
];

#[test]
fn validate_every_corpus() {
    let root = migsafe_testpg::require_corpora!();
    let mut total = 0u64;
    let mut parsed = 0u64;
    for dir in DIRS {
        let path = root.join(dir);
        assert!(path.is_dir(), "{} is missing", path.display());
        let out = Command::new(env!("CARGO_BIN_EXE_migsafe"))
            .args(["validate", "--format", "json"])
            .arg(&path)
            .env("NO_COLOR", "1")
            .output()
            .expect("runs");
        let code = out.status.code();
        assert!(
            matches!(code, Some(0 | 1)),
            "{dir}: exit {code:?}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{dir}: invalid JSON: {e}"));
        let s = &v["summary"];
        let n = s["statements"].as_u64().unwrap_or(0);
        let p = s["parsed_statements"].as_u64().unwrap_or(0);
        assert!(n > 0, "{dir}: no statements");
        total += n;
        parsed += p;
        println!(
            "{dir}: {} migrations, {n} statements, {p} parsed by sqlparser ({:.1}%), {} errors, {} warnings",
            s["migrations"],
            100.0 * p as f64 / n as f64,
            s["errors"],
            s["warnings"]
        );
        // Statements sqlparser could not read, with the reason.
        for d in v["diagnostics"].as_array().into_iter().flatten() {
            if d["rule"] == "unparsable-statement" {
                println!(
                    "  unparsed {}:{}: {} [{}]",
                    d["path"].as_str().unwrap_or(""),
                    d["line"],
                    d["message"].as_str().unwrap_or(""),
                    d["note"].as_str().unwrap_or("")
                );
            }
        }
        // Every statement has a class and an operation.
        for m in v["migrations"].as_array().into_iter().flatten() {
            for st in m["statements"].as_array().into_iter().flatten() {
                assert!(
                    st["class"].is_string() && st["operation"].is_string(),
                    "{st}"
                );
            }
        }
    }
    println!(
        "all corpora: {total} statements, {parsed} parsed by sqlparser ({:.1}%)",
        100.0 * parsed as f64 / total.max(1) as f64
    );
    assert!(
        parsed * 100 >= total * 95,
        "sqlparser read less than 95% of the statements"
    );
}

/// A database deployed from a real history exactly as `prisma migrate
/// deploy` deploys it (`_prisma_migrations` rows included): `migsafe
/// drift-check --database-url` against it reports nothing, and exits 0.
#[test]
fn drift_check_on_a_deployed_history_reports_nothing() {
    let pg = migsafe_testpg::require_pg!();
    let root = migsafe_testpg::require_corpora!();
    for (label, project) in [
        ("langfuse", "langfuse__langfuse/packages/shared/prisma"),
        (
            "runops",
            "triggerdotdev__trigger.dev/internal-packages/run-ops-database/prisma",
        ),
    ] {
        let dir = root.join(project);
        let migrations = migsafe_oracle::read_dir(&dir.join("migrations")).unwrap();
        let applied = migsafe_oracle::apply_prisma(pg, label, &migrations).unwrap();
        assert!(applied.failed().next().is_none(), "{label}");
        let out = Command::new(env!("CARGO_BIN_EXE_migsafe"))
            .args([
                "drift-check",
                "--format",
                "json",
                "--database-url",
                &applied.url,
            ])
            .arg("--migrations")
            .arg(dir.join("migrations"))
            .arg("--schema")
            .arg(dir.join("schema.prisma"))
            .env_remove("DATABASE_URL")
            .output()
            .expect("runs");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{label}: {e}: {}", String::from_utf8_lossy(&out.stderr)));
        let rules: Vec<&str> = v["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["severity"] != "info")
            .map(|d| d["rule"].as_str().unwrap_or(""))
            .collect();
        assert!(rules.is_empty(), "{label}: {rules:?}\n{v:#}");
        assert_eq!(out.status.code(), Some(0), "{label}");
    }
}
