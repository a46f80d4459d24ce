//! The rule registry. Each rule is a unit in `rules/<category>/<rule>.rs`:
//! its documentation in the fixed shape *what it finds / why it matters /
//! bad example / what to write instead*, its check (run by the category's
//! pass in `<category>/mod.rs`; the rollback and workflow rules are one pass
//! each, drift and history findings come from `migsafe-drift` and
//! `migsafe-live`), and a snapshot of its bad example as `migsafe check`
//! prints it. Rule ids are [`RuleId`]. `migsafe rules`, `migsafe explain`
//! and `docs/rules/*.md` are generated from the entries, and a test runs
//! every example through the engine so the documentation cannot drift from
//! the behaviour.

use std::fmt::Write as _;

use crate::report::Severity;
pub use id::RuleId;

pub(crate) mod annotations;
pub mod drift;
pub mod history;
pub mod id;
pub(crate) mod integrity;
pub(crate) mod locking;
pub mod rollback;
pub(crate) mod safety;
pub mod workflow;

pub(crate) use annotations::check as check_annotations;
pub(crate) use integrity::check_statements as check_integrity;
pub(crate) use safety::check as check_safety;

/// What part of the release-safety process a rule belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Category {
    Safety,
    Annotations,
    Integrity,
    Locking,
    Rollback,
    Drift,
    History,
    Workflow,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Safety => "safety",
            Category::Annotations => "annotations",
            Category::Integrity => "integrity",
            Category::Locking => "locking",
            Category::Rollback => "rollback",
            Category::Drift => "drift",
            Category::History => "history",
            Category::Workflow => "workflow",
        }
    }
}

/// An example for a rule's documentation: migrations as (name, up SQL).
/// `checked` examples are run by the test suite: the bad one must raise the
/// rule, the good one must not.
#[derive(Clone, Copy, Debug)]
pub struct Example {
    pub migrations: &'static [(&'static str, &'static str)],
    /// `migsafe.toml` text the example runs with ("" for the defaults).
    pub config: &'static str,
    pub checked: bool,
}

/// One rule's identity and documentation.
#[derive(Clone, Copy, Debug)]
pub struct Rule {
    pub id: RuleId,
    pub severity: Severity,
    pub category: Category,
    /// One line for `migsafe rules`.
    pub summary: &'static str,
    pub what: &'static str,
    pub why: &'static str,
    pub bad: Example,
    pub good: Example,
}

/// Every rule, in the order `migsafe rules` lists them.
pub static ALL: &[&Rule] = &[
    &safety::MISSING_OVERRIDE,
    &safety::MISSING_ROLLBACK_PLAN,
    &safety::MISSING_APPROVAL,
    &safety::UNUSED_OVERRIDE,
    &annotations::UNKNOWN_ANNOTATION,
    &annotations::INVALID_ANNOTATION,
    &annotations::UNUSED_IGNORE,
    &integrity::INVALID_MIGRATION_NAME,
    &integrity::DUPLICATE_MIGRATION_TIMESTAMP,
    &integrity::EMPTY_MIGRATION,
    &integrity::INVALID_ENCODING,
    &integrity::UNTERMINATED_LITERAL,
    &integrity::UNPARSABLE_STATEMENT,
    &integrity::NO_MIGRATIONS,
    &locking::REQUIRE_CONCURRENT_INDEX,
    &locking::CONSTRAINT_MISSING_NOT_VALID,
    &locking::ADDING_REQUIRED_COLUMN,
    &locking::ADD_COLUMN_REWRITE,
    &locking::SET_NOT_NULL_SCAN,
    &locking::CONCURRENTLY_IN_TRANSACTION,
    &locking::VALIDATE_IN_SAME_TRANSACTION,
    &locking::LOCK_HELD_DURING_SLOW_STEP,
    &locking::MISSING_LOCK_TIMEOUT,
    &locking::CONSTRAINT_BUILDS_INDEX,
    &locking::TABLE_REWRITE,
    &locking::NEW_ENUM_VALUE_USED,
    &rollback::MISSING_ROLLBACK_PATH,
    &rollback::COMPLEX_ROLLBACK,
    &rollback::DOWN_SCRIPT_MISMATCH,
    &drift::SCHEMA_DRIFT,
    &drift::REPLAY_FAILED,
    &drift::OUTSIDE_HISTORY,
    &drift::UNEVALUABLE_GUARD,
    &drift::PRISMA_SCHEMA_INVALID,
    &drift::PROVIDER_MISMATCH,
    &drift::CLIENT_OUTDATED,
    &history::CHECKSUM_MISMATCH,
    &history::FAILED_MIGRATION,
    &history::MISSING_MIGRATION_FILE,
    &history::PENDING_MIGRATION,
    &history::ROLLED_BACK_MIGRATION,
    &history::LONG_RUNNING_MIGRATION,
    &workflow::EDITED_MIGRATION,
    &workflow::OUT_OF_ORDER_MIGRATION,
];

/// A rule's bad example as `migsafe check` prints it (the rule's findings
/// only, no colour), for the snapshot test beside each rule. A rule whose
/// examples need a database shows its documentation page instead.
#[cfg(test)]
pub(crate) fn rendered_example(rule: &Rule) -> String {
    if !rule.bad.checked {
        return rule.markdown();
    }
    let config = if rule.bad.config.is_empty() {
        crate::Config::default()
    } else {
        // The example's configuration is part of the documentation: it parses.
        crate::Config::parse(rule.bad.config, std::path::Path::new(".")).unwrap_or_default()
    };
    let sources = rule
        .bad
        .migrations
        .iter()
        .map(|(name, sql)| crate::MigrationSource::prisma(name, sql))
        .collect();
    let checks = match rule.category {
        Category::Rollback => crate::check::Checks::ROLLBACK,
        Category::Drift => crate::check::Checks::DRIFT,
        _ => crate::check::Checks::ALL,
    };
    let mut report = crate::check_sources(sources, &config, checks);
    report.diagnostics.retain(|d| d.rule == rule.id);
    report.finish();
    crate::render::text::render(
        &report,
        crate::render::text::TextOptions {
            color: false,
            quiet: false,
        },
    )
}

pub fn by_id(id: &str) -> Option<&'static Rule> {
    ALL.iter().copied().find(|r| r.id == id)
}

/// The rule id closest to a mistyped one.
pub fn suggest(id: &str) -> Option<&'static str> {
    ALL.iter()
        .map(|r| {
            (
                r.id.as_str(),
                strsim::damerau_levenshtein(id, r.id.as_str()),
            )
        })
        .filter(|(r, d)| *d <= (r.len() / 3).max(2))
        .min_by_key(|(_, d)| *d)
        .map(|(r, _)| r)
}

fn example_text(e: &Example) -> String {
    let mut s = String::new();
    if e.migrations.is_empty() {
        return "-- (this rule reads a live database: see above)\n".to_owned();
    }
    if !e.config.is_empty() {
        s.push_str("-- with migsafe.toml:\n");
        for l in e.config.lines() {
            let _ = writeln!(s, "--   {l}");
        }
        s.push('\n');
    }
    for (i, (name, sql)) in e.migrations.iter().enumerate() {
        if e.migrations.len() > 1 || !name.starts_with("20260101000000_") {
            if i > 0 {
                s.push('\n');
            }
            let _ = writeln!(s, "-- {name}/migration.sql");
        }
        s.push_str(sql.trim_end());
        s.push('\n');
    }
    s
}

impl Rule {
    /// The text `migsafe explain` prints.
    pub fn explain(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "{} ({}, default severity: {})",
            self.id,
            self.category.as_str(),
            self.severity
        );
        let _ = writeln!(s, "\n{}\n", self.summary);
        let _ = writeln!(
            s,
            "What it finds\n\n{}\n",
            indent(&wrap(self.what, 76), "  ")
        );
        let _ = writeln!(
            s,
            "Why it matters\n\n{}\n",
            indent(&wrap(self.why, 76), "  ")
        );
        let _ = writeln!(
            s,
            "Bad\n\n{}",
            indent(&example_text(&self.bad), "    ") + "\n"
        );
        let _ = writeln!(
            s,
            "Instead\n\n{}",
            indent(&example_text(&self.good), "    ") + "\n"
        );
        let _ = write!(
            s,
            "Configure in migsafe.toml: [rules] {} = \"error\" | \"warning\" | \"info\" | \"off\"",
            self.id
        );
        s
    }

    /// The page in `docs/rules/`.
    pub fn markdown(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "<!-- Generated from crates/migsafe-core/src/rules by `UPDATE_DOCS=1 cargo test -p migsafe-core --test docs`. Do not edit. -->\n"
        );
        let _ = writeln!(s, "# `{}`\n", self.id);
        let _ = writeln!(
            s,
            "Category: {} · Default severity: **{}**\n",
            self.category.as_str(),
            self.severity
        );
        let _ = writeln!(s, "{}\n", self.summary);
        let _ = writeln!(s, "## What it finds\n\n{}\n", self.what);
        let _ = writeln!(s, "## Why it matters\n\n{}\n", self.why);
        let _ = writeln!(s, "## Example\n\n```sql\n{}```\n", example_text(&self.bad));
        let _ = writeln!(
            s,
            "## Use instead\n\n```sql\n{}```\n",
            example_text(&self.good)
        );
        let _ = writeln!(
            s,
            "## Configuration\n\n```toml\n[rules]\n{} = \"{}\"  # \"error\", \"warning\", \"info\" or \"off\"\n```",
            self.id, self.severity
        );
        s
    }
}

/// Words of `s` in lines of at most `width` characters (a longer word
/// stands alone).
fn wrap(s: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line_len = 0;
    for word in s.split_whitespace() {
        let len = word.chars().count();
        if line_len > 0 && line_len + 1 + len > width {
            out.push('\n');
            line_len = 0;
        } else if line_len > 0 {
            out.push(' ');
            line_len += 1;
        }
        out.push_str(word);
        line_len += len;
    }
    out
}

/// Each non-empty line of `s` behind `prefix`.
fn indent(s: &str, prefix: &str) -> String {
    s.lines()
        .map(|l| {
            if l.is_empty() {
                String::new()
            } else {
                format!("{prefix}{l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The `docs/rules/README.md` index.
pub fn index_markdown() -> String {
    let mut s = String::from(
        "<!-- Generated from crates/migsafe-core/src/rules by `UPDATE_DOCS=1 cargo test -p migsafe-core --test docs`. Do not edit. -->\n\n# Rules\n\n| rule | category | default | finds |\n|---|---|---|---|\n",
    );
    for r in ALL {
        let _ = writeln!(
            s,
            "| [`{}`]({}.md) | {} | {} | {} |",
            r.id,
            r.id,
            r.category.as_str(),
            r.severity,
            r.summary
        );
    }
    s
}
