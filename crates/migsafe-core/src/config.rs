//! `migsafe.toml`: the project configuration.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use migsafe_classify::Class;
use serde::Deserialize;
use toml::Spanned;

use crate::Error;
use crate::naming::NamePattern;
use crate::report::Severity;

pub const FILE_NAME: &str = "migsafe.toml";

/// A rule's configured level.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Off,
    On(Severity),
}

/// How migrations are laid out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LayoutSetting {
    #[default]
    Auto,
    Prisma,
    Flat,
    Diesel,
    Dbmate,
    Flyway,
}

/// The configuration, resolved: every field has its effective value.
#[derive(Clone, Debug)]
pub struct Config {
    /// The file it was read from.
    pub file: Option<PathBuf>,
    /// The directory paths in the file are relative to.
    pub base: PathBuf,
    pub migration_paths: Vec<PathBuf>,
    pub layout: LayoutSetting,
    pub naming: NamePattern,
    pub schema: Option<PathBuf>,
    pub overrides: Vec<String>,
    pub require_rollback_plan: Vec<Class>,
    pub require_approval: Vec<Class>,
    pub rule_levels: BTreeMap<crate::rules::RuleId, Level>,
    pub postgres_version: u32,
    pub long_running_ms: u64,
    /// `[rules] large-table-rows`: with a database, lock findings on a
    /// table with at least this many rows (`pg_class.reltuples`) are errors.
    pub large_table_rows: u64,
    /// `[migrations] max-file-bytes`: larger files are not read (exit 2).
    pub max_file_bytes: u64,
    /// `[database] timeout-ms`: how long the live checks may take in all
    /// (connect, TLS, login, every query) before migsafe gives up.
    pub database_timeout_ms: u64,
    pub audit_log: Option<PathBuf>,
    /// The audit log comes from the config: it is written only inside
    /// [`Config::base`], through no symlink.
    pub audit_log_confined: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            file: None,
            base: PathBuf::from("."),
            migration_paths: Vec::new(),
            layout: LayoutSetting::Auto,
            naming: NamePattern::default(),
            schema: None,
            overrides: migsafe_annotations::DEFAULT_OVERRIDES
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
            require_rollback_plan: vec![Class::Dangerous],
            require_approval: Vec::new(),
            rule_levels: BTreeMap::new(),
            postgres_version: 15,
            long_running_ms: 60_000,
            large_table_rows: 1_000_000,
            max_file_bytes: migsafe_classify::source::DEFAULT_MAX_FILE_BYTES,
            database_timeout_ms: 30_000,
            audit_log: None,
            audit_log_confined: false,
        }
    }
}

impl Config {
    /// The effective severity of a rule: configured, else its default.
    pub fn level(&self, rule: crate::rules::RuleId, default: Severity) -> Level {
        self.rule_levels
            .get(&rule)
            .copied()
            .unwrap_or(Level::On(default))
    }

    pub fn grammar(&self) -> migsafe_annotations::Grammar {
        migsafe_annotations::Grammar {
            overrides: self.overrides.clone(),
        }
    }

    /// Finds `migsafe.toml` by walking up from `start`.
    pub fn find(start: &Path) -> Option<PathBuf> {
        let mut dir = Some(start);
        while let Some(d) = dir {
            let f = d.join(FILE_NAME);
            if f.is_file() {
                return Some(f);
            }
            dir = d.parent();
        }
        None
    }

    /// Reads and validates a config file.
    pub fn load(path: &Path) -> Result<Config, Error> {
        let text = migsafe_classify::source::read_regular_file(
            path,
            migsafe_classify::source::DEFAULT_MAX_FILE_BYTES,
        )
        .map_err(|e| e.to_string())
        .and_then(|b| String::from_utf8(b).map_err(|_| "not valid UTF-8".to_owned()))
        .map_err(|e| Error::Config {
            path: crate::discover::display_path(path),
            line: None,
            column: None,
            message: format!("cannot read the config file: {e}"),
            help: None,
        })?;
        let base = path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        let mut c = Config::parse(&text, &base).map_err(|e| e.with_path(path))?;
        c.file = Some(path.to_path_buf());
        Ok(c)
    }

    /// Parses config text; relative paths are resolved against `base`.
    pub fn parse(text: &str, base: &Path) -> Result<Config, Error> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| toml_error(text, &e))?;
        let mut c = Config {
            base: base.to_path_buf(),
            ..Config::default()
        };
        let rel = |p: &str| {
            let p = PathBuf::from(p);
            if p.is_absolute() || base == Path::new(".") || base.as_os_str().is_empty() {
                p
            } else {
                base.join(p)
            }
        };
        let err = |span: std::ops::Range<usize>, message: String, help: Option<String>| {
            let li = migsafe_classify::LineIndex::new(text);
            let (line, column) = li.line_col(text, span.start);
            Error::Config {
                path: String::new(),
                line: Some(line),
                column: Some(column),
                message,
                help,
            }
        };
        if let Some(m) = raw.migrations {
            if let Some(paths) = m.paths {
                c.migration_paths = paths.iter().map(|p| rel(p)).collect();
            }
            if let Some(l) = m.layout {
                c.layout = l;
            }
            if let Some(n) = m.naming {
                c.naming = NamePattern::parse(n.get_ref()).map_err(|e| err(n.span(), e, None))?;
            }
            if let Some(b) = m.max_file_bytes {
                c.max_file_bytes = positive(b, "max-file-bytes", "134217728 (128 MiB)", &err)?;
            }
        }
        if let Some(s) = raw.schema
            && let Some(p) = s.path
        {
            c.schema = Some(rel(&p));
        }
        if let Some(a) = raw.annotations {
            if let Some(o) = a.overrides {
                let words: Vec<String> = o
                    .get_ref()
                    .iter()
                    .map(|w| w.trim_start_matches('@').to_ascii_lowercase())
                    .collect();
                if words.is_empty()
                    || words
                        .iter()
                        .any(|w| w.is_empty() || w.contains(char::is_whitespace))
                {
                    return Err(err(
                        o.span(),
                        "`overrides` needs at least one annotation word without spaces".into(),
                        Some("for example: overrides = [\"override-destructive\"]".into()),
                    ));
                }
                c.overrides = words;
            }
            if let Some(v) = a.require_rollback_plan {
                c.require_rollback_plan = classes(&v, text)?;
            }
            if let Some(v) = a.require_approval {
                c.require_approval = classes(&v, text)?;
            }
        }
        if let Some(rules) = raw.rules {
            for (id, value) in rules {
                let level = match value.get_ref() {
                    RuleValue::Number(n) if id.get_ref() == "large-table-rows" => {
                        c.large_table_rows = u64::try_from(*n).map_err(|_| {
                            err(
                                value.span(),
                                "large-table-rows must not be negative".to_owned(),
                                Some("a row count, such as 1000000".into()),
                            )
                        })?;
                        continue;
                    }
                    RuleValue::Number(_) => {
                        return Err(err(
                            value.span(),
                            format!("invalid level for rule `{}`", id.get_ref()),
                            Some("expected \"error\", \"warning\", \"info\" or \"off\"".into()),
                        ));
                    }
                    RuleValue::Text(t) => toml::Spanned::new(value.span(), t.clone()),
                };
                if id.get_ref() == "large-table-rows" {
                    return Err(err(
                        value.span(),
                        "large-table-rows is a row count".to_owned(),
                        Some("for example `large-table-rows = 1000000`".into()),
                    ));
                }
                let known = crate::rules::by_id(id.get_ref()).is_some();
                if !known {
                    let suggestion = crate::rules::suggest(id.get_ref());
                    return Err(err(
                        id.span(),
                        format!("unknown rule `{}` in [rules]", id.get_ref()),
                        Some(match suggestion {
                            Some(s) => {
                                format!("did you mean `{s}`? (`migsafe rules` lists every rule)")
                            }
                            None => "`migsafe rules` lists every rule".into(),
                        }),
                    ));
                }
                let l = match level.get_ref().as_str() {
                    "off" | "allow" => Level::Off,
                    "info" => Level::On(Severity::Info),
                    "warning" | "warn" => Level::On(Severity::Warning),
                    "error" | "deny" => Level::On(Severity::Error),
                    other => {
                        return Err(err(
                            level.span(),
                            format!("invalid level `{other}` for rule `{}`", id.get_ref()),
                            Some("expected \"error\", \"warning\", \"info\" or \"off\"".into()),
                        ));
                    }
                };
                // `by_id` above found the rule: its id parses.
                if let Some(rule) = crate::rules::RuleId::parse(id.get_ref()) {
                    c.rule_levels.insert(rule, l);
                }
            }
        }
        if let Some(d) = raw.database {
            if let Some(v) = d.postgres_version {
                if !(9..=30).contains(v.get_ref()) {
                    return Err(err(
                        v.span(),
                        format!("unsupported PostgreSQL version {}", v.get_ref()),
                        Some("expected a major version such as 15".into()),
                    ));
                }
                c.postgres_version = v.into_inner();
            }
            if let Some(ms) = d.long_running_threshold_ms {
                c.long_running_ms = ms;
            }
            if let Some(ms) = d.timeout_ms {
                c.database_timeout_ms = positive(ms, "timeout-ms", "30000 (30 s)", &err)?;
            }
        }
        if let Some(a) = raw.audit
            && let Some(l) = a.log
        {
            // The repository's config must not make migsafe write anywhere
            // else: only a path inside the project (given on the command
            // line, `--audit-log` may point anywhere).
            let p = Path::new(l.get_ref());
            if p.is_absolute()
                || p.components()
                    .any(|c| matches!(c, std::path::Component::ParentDir))
            {
                return Err(err(
                    l.span(),
                    format!(
                        "the audit log `{}` is outside the project: [audit] log must be a path inside it",
                        l.get_ref()
                    ),
                    Some("write a relative path such as \".migsafe/audit.jsonl\", or pass --audit-log FILE".into()),
                ));
            }
            c.audit_log = Some(rel(l.get_ref()));
            c.audit_log_confined = true;
        }
        Ok(c)
    }
}

/// A setting that must be more than 0; the error points at the value.
fn positive(
    v: Spanned<u64>,
    key: &str,
    default: &str,
    err: &impl Fn(std::ops::Range<usize>, String, Option<String>) -> Error,
) -> Result<u64, Error> {
    if *v.get_ref() == 0 {
        return Err(err(
            v.span(),
            format!("{key} must be more than 0"),
            Some(format!("the default is {default}")),
        ));
    }
    Ok(v.into_inner())
}

fn classes(v: &Spanned<Vec<Spanned<String>>>, text: &str) -> Result<Vec<Class>, Error> {
    let mut out = Vec::new();
    for s in v.get_ref() {
        let c = match s.get_ref().as_str() {
            "dangerous" => Class::Dangerous,
            "contract" => Class::Contract,
            "expand" => Class::Expand,
            "neutral" => Class::Neutral,
            other => {
                let li = migsafe_classify::LineIndex::new(text);
                let (line, column) = li.line_col(text, s.span().start);
                return Err(Error::Config {
                    path: String::new(),
                    line: Some(line),
                    column: Some(column),
                    message: format!("unknown class `{other}`"),
                    help: Some(
                        "expected \"dangerous\", \"contract\", \"expand\" or \"neutral\"".into(),
                    ),
                });
            }
        };
        out.push(c);
    }
    Ok(out)
}

/// Turns a toml error into a config error with line, column and a
/// "did you mean" for unknown keys.
fn toml_error(text: &str, e: &toml::de::Error) -> Error {
    let (line, column) = match e.span() {
        Some(span) => {
            let li = migsafe_classify::LineIndex::new(text);
            let (l, c) = li.line_col(text, span.start);
            (Some(l), Some(c))
        }
        None => (None, None),
    };
    let msg = e.message().trim().to_owned();
    let mut help = None;
    if let Some(rest) = msg.strip_prefix("unknown field `")
        && let Some((field, expected)) = rest.split_once("`, expected ")
    {
        let candidates: Vec<&str> = expected
            .split('`')
            .enumerate()
            .filter(|(i, _)| i % 2 == 1)
            .map(|(_, s)| s)
            .collect();
        let best = candidates
            .iter()
            .map(|c| (*c, strsim::damerau_levenshtein(field, c)))
            .filter(|(c, d)| *d <= (c.len() / 3).max(2))
            .min_by_key(|(_, d)| *d);
        help = Some(match best {
            Some((c, _)) => format!("did you mean `{c}`?"),
            None => format!("expected {expected}"),
        });
        return Error::Config {
            path: String::new(),
            line,
            column,
            message: format!("unknown key `{field}`"),
            help,
        };
    }
    if msg.contains("expected") && help.is_none() {
        help = None;
    }
    Error::Config {
        path: String::new(),
        line,
        column,
        message: msg,
        help,
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    migrations: Option<RawMigrations>,
    schema: Option<RawSchema>,
    annotations: Option<RawAnnotations>,
    rules: Option<BTreeMap<Spanned<String>, Spanned<RuleValue>>>,
    database: Option<RawDatabase>,
    audit: Option<RawAudit>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawMigrations {
    paths: Option<Vec<String>>,
    layout: Option<LayoutSetting>,
    naming: Option<Spanned<String>>,
    max_file_bytes: Option<Spanned<u64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSchema {
    path: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawAnnotations {
    overrides: Option<Spanned<Vec<String>>>,
    require_rollback_plan: Option<Spanned<Vec<Spanned<String>>>>,
    require_approval: Option<Spanned<Vec<Spanned<String>>>>,
}

/// A `[rules]` value: a rule's level, or the `large-table-rows` count.
#[derive(Deserialize)]
#[serde(untagged)]
enum RuleValue {
    Text(String),
    Number(i64),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawDatabase {
    postgres_version: Option<Spanned<u32>>,
    long_running_threshold_ms: Option<u64>,
    timeout_ms: Option<Spanned<u64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAudit {
    log: Option<Spanned<String>>,
}

/// The commented file `migsafe init` writes.
pub const TEMPLATE: &str = r#"# migsafe configuration. Every key is optional; the values shown are the
# defaults. `migsafe rules` lists the rules, `migsafe explain RULE` explains one.

[migrations]
# Migration directories (Prisma or flat layout) or single .sql files.
# Without this, migsafe looks for prisma/migrations, then migrations/.
# paths = ["prisma/migrations"]
# "auto" detects the layout of each directory; "prisma", "flat", "diesel",
# "dbmate" or "flyway" forces one.
layout = "auto"
# Placeholders: {timestamp} (YYYYMMDDHHMMSS, a real date), {number},
# {description} (lower-case letters, digits, underscores), {any}.
naming = "{timestamp}_{description}"
# Files larger than this are not read (exit 2): a guard against a file
# that is not a migration at all.
max-file-bytes = 134217728

[schema]
# The Prisma schema: a file, or a folder of .prisma files.
# Without this: prisma/schema.prisma, then prisma/schema/.
# path = "prisma/schema.prisma"

[annotations]
# The comment words that allow a contract or dangerous statement.
overrides = ["override-destructive", "migration-override", "allow-destructive"]
# Classes whose statements need `-- @rollback-plan: …` next to the override.
require-rollback-plan = ["dangerous"]
# Classes whose statements need `-- @approved-by: NAME` (the seed's team
# lead approval). Empty: no approval needed.
require-approval = []

[rules]
# Per-rule level: "error", "warning", "info" or "off".
# require-concurrent-index = "error"
# unused-override = "off"
# With --database-url: lock findings on tables with at least this many rows
# (pg_class.reltuples) are errors.
# large-table-rows = 1000000

[database]
# The PostgreSQL major version the migrations run on (lock facts depend on it).
postgres-version = 15
# `migsafe status` reports migrations that ran longer than this.
long-running-threshold-ms = 60000
# The live checks give up (exit 2) when the database has not answered
# everything within this time: connect, TLS, login and every query.
timeout-ms = 30000

[audit]
# Append one JSON line per run to this file (never truncated).
# log = ".migsafe/audit.jsonl"
"#;
