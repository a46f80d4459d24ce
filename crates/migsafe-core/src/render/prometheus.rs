//! `migsafe status --format prometheus`: the migration history's metrics in
//! Prometheus's text exposition format, for node_exporter's textfile
//! collector (`migsafe status --format prometheus > /var/lib/node_exporter/migsafe.prom`)
//! or any scraper: the seed's "Migration Metrics" (success rate, duration,
//! rollback frequency, drift) and one `migsafe_alert` gauge per "Alert
//! Condition" (migration failure, schema drift, rollback used, long-running
//! migration). The run exits 1 while an alert condition holds.

use std::fmt::Write as _;

use crate::report::Report;

/// A label value as the exposition format writes it.
fn label(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => o.push_str("\\\\"),
            '"' => o.push_str("\\\""),
            '\n' => o.push_str("\\n"),
            c => o.push(c),
        }
    }
    o
}

/// `2026-01-06T09:00:02.5Z` → seconds since the epoch (the form migsafe's
/// own JSON writes).
fn unix_seconds(ts: &str) -> Option<f64> {
    let (date, time) = ts.strip_suffix('Z')?.split_once('T')?;
    let mut d = date.splitn(3, '-');
    let (y, m, day): (i64, i64, i64) = (
        d.next()?.parse().ok()?,
        d.next()?.parse().ok()?,
        d.next()?.parse().ok()?,
    );
    let mut t = time.splitn(3, ':');
    let (h, mi): (i64, i64) = (t.next()?.parse().ok()?, t.next()?.parse().ok()?);
    let s: f64 = t.next()?.parse().ok()?;
    // Howard Hinnant's days_from_civil.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some((days * 86_400 + h * 3600 + mi * 60) as f64 + s)
}

/// The alert conditions that hold, by name.
pub fn alerts(report: &Report) -> Vec<(&'static str, bool)> {
    let Some(st) = &report.status else {
        return Vec::new();
    };
    let m = &st["metrics"];
    let n = |v: &serde_json::Value| v.as_u64().unwrap_or(0);
    vec![
        ("migration_failure", n(&m["failed"]) > 0),
        ("schema_drift", n(&st["drift"]) > 0),
        ("rollback_used", n(&m["rolled_back"]) > 0),
        (
            "long_running_migration",
            m["long_running"].as_array().is_some_and(|a| !a.is_empty()),
        ),
    ]
}

/// One metric: its help, its type and its samples (extra labels, value),
/// each labelled with the database.
fn metric(
    out: &mut String,
    db: &str,
    name: &str,
    kind: &str,
    help: &str,
    samples: &[(String, f64)],
) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
    for (labels, v) in samples {
        let sep = if labels.is_empty() { "" } else { "," };
        let _ = writeln!(out, "{name}{{database=\"{db}\"{sep}{labels}}} {v}");
    }
}

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let Some(st) = &report.status else {
        return out;
    };
    let db = label(st["database"].as_str().unwrap_or(""));
    let m = &st["metrics"];
    let f = |v: &serde_json::Value| v.as_f64();
    if m.is_object() {
        let states: Vec<(String, f64)> = ["applied", "pending", "failed", "rolled_back"]
            .iter()
            .map(|s| (format!("state=\"{s}\""), f(&m[*s]).unwrap_or(0.0)))
            .collect();
        metric(
            &mut out,
            &db,
            "migsafe_migrations",
            "gauge",
            "Migrations by state: applied (in the database), pending (local, not applied), failed (an unresolved failed attempt), rolled_back (attempts marked rolled back).",
            &states,
        );
        metric(
            &mut out,
            &db,
            "migsafe_migration_attempts",
            "gauge",
            "Rows of _prisma_migrations: one per attempt.",
            &[(String::new(), f(&m["attempts"]).unwrap_or(0.0))],
        );
        if let Some(r) = f(&m["success_rate"]) {
            metric(
                &mut out,
                &db,
                "migsafe_migration_success_ratio",
                "gauge",
                "Successful attempts over all attempts.",
                &[(String::new(), r)],
            );
        }
        if let Some(r) = f(&m["rollback_rate"]) {
            metric(
                &mut out,
                &db,
                "migsafe_migration_rollback_ratio",
                "gauge",
                "Attempts marked rolled back over all attempts.",
                &[(String::new(), r)],
            );
        }
        let d = &m["durations"];
        if d.is_object() {
            let s = |k: &str| f(&d[k]).unwrap_or(0.0) / 1000.0;
            let name = "migsafe_migration_duration_seconds";
            let _ = writeln!(
                out,
                "# HELP {name} How long the migrations Prisma ran took (median, 95th percentile, longest)."
            );
            let _ = writeln!(out, "# TYPE {name} summary");
            for (q, k) in [("0.5", "median_ms"), ("0.95", "p95_ms"), ("1", "max_ms")] {
                let _ = writeln!(out, "{name}{{database=\"{db}\",quantile=\"{q}\"}} {}", s(k));
            }
            let _ = writeln!(out, "{name}_sum{{database=\"{db}\"}} {}", s("total_ms"));
            let _ = writeln!(
                out,
                "{name}_count{{database=\"{db}\"}} {}",
                f(&d["count"]).unwrap_or(0.0)
            );
        }
        metric(
            &mut out,
            &db,
            "migsafe_migrations_long_running",
            "gauge",
            "Successful attempts that took longer than the threshold.",
            &[(
                String::new(),
                m["long_running"].as_array().map_or(0, Vec::len) as f64,
            )],
        );
        metric(
            &mut out,
            &db,
            "migsafe_migration_long_running_threshold_seconds",
            "gauge",
            "The long-running threshold ([database] long-running-threshold-ms).",
            &[(
                String::new(),
                f(&m["long_running_threshold_ms"]).unwrap_or(0.0) / 1000.0,
            )],
        );
        if let Some(t) = m["last_applied"]["finished_at"]
            .as_str()
            .and_then(unix_seconds)
        {
            metric(
                &mut out,
                &db,
                "migsafe_last_applied_timestamp_seconds",
                "gauge",
                "When the last applied migration finished.",
                &[(String::new(), t)],
            );
        }
    }
    metric(
        &mut out,
        &db,
        "migsafe_schema_drift_differences",
        "gauge",
        "Differences between the database and the schema its applied migrations produce.",
        &[(String::new(), f(&st["drift"]).unwrap_or(0.0))],
    );
    metric(
        &mut out,
        &db,
        "migsafe_prisma_history",
        "gauge",
        "1 when the database has a _prisma_migrations table.",
        &[(
            String::new(),
            if st["prisma_history"].as_bool() == Some(true) {
                1.0
            } else {
                0.0
            },
        )],
    );
    let alerts: Vec<(String, f64)> = alerts(report)
        .into_iter()
        .map(|(c, on)| (format!("condition=\"{c}\""), if on { 1.0 } else { 0.0 }))
        .collect();
    metric(
        &mut out,
        &db,
        "migsafe_alert",
        "gauge",
        "1 while an alert condition holds: migration_failure, schema_drift, rollback_used, long_running_migration.",
        &alerts,
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_read_back() {
        assert_eq!(unix_seconds("1970-01-01T00:00:00Z"), Some(0.0));
        assert_eq!(
            unix_seconds("2024-02-29T12:34:56.789Z"),
            Some(1_709_210_096.789)
        );
        assert_eq!(unix_seconds("1969-12-31T23:59:59Z"), Some(-1.0));
        assert_eq!(unix_seconds("nonsense"), None);
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
