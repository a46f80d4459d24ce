//! The audit trail: one JSON line per run, appended, never truncated.

use std::io::Write;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;

use crate::Error;
use crate::git::HeadInfo;
use crate::report::Report;

/// An override used in a checked migration.
#[derive(Clone, Debug, Serialize)]
pub struct OverrideUse {
    pub migration: String,
    pub path: String,
    pub line: u32,
    pub operation: String,
    pub class: migsafe_classify::Class,
    pub rollback_plan: Option<String>,
    pub approved_by: Vec<String>,
}

/// One line of the audit log.
#[derive(Clone, Debug, Serialize)]
pub struct Entry {
    pub time: String,
    pub tool_version: &'static str,
    pub command: String,
    pub user: Option<String>,
    pub git: Option<HeadInfo>,
    pub migrations: Vec<String>,
    pub result: Outcome,
    pub overrides: Vec<OverrideUse>,
    /// The `-- migsafe-ignore` comments, with their reasons.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ignores: Vec<crate::report::IgnoreUse>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Outcome {
    pub passed: bool,
    pub exit_code: i32,
    pub errors: usize,
    pub warnings: usize,
    pub rules: Vec<String>,
}

impl Entry {
    /// The entry for a finished check.
    pub fn new(command: &str, report: &Report, git: Option<HeadInfo>) -> Entry {
        let overrides = report
            .migrations
            .iter()
            .flat_map(|m| {
                m.statements
                    .iter()
                    .filter(|s| s.overridden && s.class.needs_override())
                    .map(move |s| OverrideUse {
                        migration: m.name.clone(),
                        path: m.path.clone(),
                        line: s.line,
                        operation: s.operation.clone(),
                        class: s.class,
                        rollback_plan: s.rollback_plan.clone(),
                        approved_by: s.approved_by.clone(),
                    })
            })
            .collect();
        let mut rules: Vec<String> = report
            .diagnostics
            .iter()
            .map(|d| d.rule.as_str().to_owned())
            .collect();
        rules.sort();
        rules.dedup();
        Entry {
            time: rfc3339(SystemTime::now()),
            tool_version: env!("CARGO_PKG_VERSION"),
            command: command.to_owned(),
            user: std::env::var("USER")
                .or_else(|_| std::env::var("USERNAME"))
                .ok(),
            git,
            migrations: report.migrations.iter().map(|m| m.name.clone()).collect(),
            result: Outcome {
                passed: !report.has_errors(),
                exit_code: report.exit_code(),
                errors: report.summary.errors,
                warnings: report.summary.warnings,
                rules,
            },
            overrides,
            ignores: report.ignores.clone(),
        }
    }

    /// Appends the entry as one line (the file and its directory are
    /// created when missing; existing content is never touched).
    /// [`Entry::append`] for a log the repository's config names: every
    /// component from `root` down must be a real directory or file, never a
    /// symlink (which could lead the write out of the project), and only
    /// directories under `root` are created.
    pub fn append_within(&self, path: &Path, root: &Path) -> Result<(), Error> {
        let outside = |why: String| Error::Path {
            path: crate::discover::display_path(path),
            message: format!("cannot append to the audit log: {why}"),
        };
        let rel = path
            .strip_prefix(root)
            .map_err(|_| outside(format!("it is not inside {}", root.display())))?;
        let mut at = root.to_path_buf();
        for c in rel.components() {
            at.push(c);
            if let Ok(m) = at.symlink_metadata()
                && m.file_type().is_symlink()
            {
                return Err(outside(format!(
                    "{} is a symlink; the config's audit log is written only through real directories",
                    crate::discover::display_path(&at)
                )));
            }
        }
        self.append(path)
    }

    pub fn append(&self, path: &Path) -> Result<(), Error> {
        let line = serde_json::to_string(self).map_err(|e| Error::Other(e.to_string()))?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Error::Path {
                path: crate::discover::display_path(dir),
                message: format!("cannot create the audit log's directory: {e}"),
            })?;
        }
        // Opening a FIFO for writing would wait for a reader forever.
        if path.exists()
            && let Err(e) = migsafe_classify::source::check_regular(path)
        {
            return Err(Error::Path {
                path: crate::discover::display_path(path),
                message: format!("cannot append to the audit log: {e}"),
            });
        }
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| Error::Path {
                path: crate::discover::display_path(path),
                message: format!("cannot open the audit log: {e}"),
            })?;
        f.write_all(format!("{line}\n").as_bytes())
            .map_err(|e| Error::Path {
                path: crate::discover::display_path(path),
                message: format!("cannot append to the audit log: {e}"),
            })
    }
}

/// `2026-11-25T18:36:30Z`.
pub fn rfc3339(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()) as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 → (year, month, day); Howard Hinnant's algorithm.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn formats_time() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        assert_eq!(
            rfc3339(UNIX_EPOCH + Duration::from_secs(1_795_631_790)),
            "2026-11-25T18:36:30Z"
        );
        assert_eq!(
            rfc3339(UNIX_EPOCH + Duration::from_secs(951_782_400)),
            "2000-02-29T00:00:00Z"
        );
    }
}
