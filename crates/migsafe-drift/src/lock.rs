//! `migration_lock.toml` against the schema's datasource provider.

use std::path::Path;

use migsafe_prisma::ParsedSchema;

use crate::{Finding, PROVIDER_MISMATCH, Severity};

/// Prisma's names of one provider: `postgres` is an alias of `postgresql`.
fn canonical(provider: &str) -> &str {
    match provider {
        "postgres" => "postgresql",
        p => p,
    }
}

/// The `provider = "…"` value of a lock file and its line.
fn read_provider(text: &str) -> Option<(String, u32)> {
    let value: toml::Table = text.parse().ok()?;
    let provider = value.get("provider")?.as_str()?.to_owned();
    let line = text
        .lines()
        .position(|l| l.trim_start().starts_with("provider"))
        .map_or(1, |i| u32::try_from(i + 1).unwrap_or(u32::MAX));
    Some((provider, line))
}

/// `provider-mismatch` (error) when `migration_lock.toml` names another
/// provider than the schema's datasource (`postgres` and `postgresql` are
/// the same provider). `None` when they agree, when the lock file does not
/// exist or names no provider, or when the schema has no datasource
/// provider; `lock_file` is reported as given.
pub fn lock_provider(lock_file: &Path, schema: &ParsedSchema) -> Option<Finding> {
    let text = std::fs::read_to_string(lock_file).ok()?;
    let (locked, line) = read_provider(&text)?;
    let declared = schema.datasource_provider()?;
    if canonical(&locked) == canonical(declared) {
        return None;
    }
    let ds_place = schema.datasource().and_then(|d| {
        let f = schema.files().get(d.span.file)?;
        Some(format!(
            "{}:{}",
            f.path.to_string_lossy().replace('\\', "/"),
            d.span.start.line
        ))
    });
    Some(Finding {
        rule: PROVIDER_MISMATCH,
        severity: Severity::Error,
        path: lock_file.to_string_lossy().replace('\\', "/"),
        line: Some(line),
        column: Some(1),
        message: format!(
            "migration_lock.toml says the migrations were written for {locked:?}, but the schema's datasource provider is {declared:?}"
        ),
        help: Some(format!(
            "the migration history only runs on {locked:?}: point the datasource back at {locked:?}, or start a new history for {declared:?} (move the migrations folder away and run `prisma migrate dev`)"
        )),
        note: ds_place.map(|p| format!("the datasource is declared at {p}")),
        migration: None,
        difference: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_provider_and_line() {
        assert_eq!(
            read_provider("# comment\n# more\nprovider = \"postgresql\"\n"),
            Some(("postgresql".to_owned(), 3))
        );
        assert_eq!(read_provider("not toml ="), None);
        assert_eq!(read_provider("other = 1"), None);
        assert_eq!(canonical("postgres"), "postgresql");
    }
}
