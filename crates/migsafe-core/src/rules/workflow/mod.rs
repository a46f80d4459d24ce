//! Rules about the migration history in version control (`--since`, the
//! pre-commit hook).

mod edited_migration;
mod out_of_order_migration;
pub use edited_migration::EDITED_MIGRATION;
pub use out_of_order_migration::OUT_OF_ORDER_MIGRATION;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::Config;
use crate::engine::{AnalyzedMigration, Sink};
use crate::git::Changes;
use crate::report::Report;

fn canon(p: &Path) -> PathBuf {
    if let Ok(c) = std::fs::canonicalize(p) {
        return c;
    }
    // A deleted file: canonicalize what still exists above it.
    match (p.parent(), p.file_name()) {
        (Some(parent), Some(name)) => canon(parent).join(name),
        _ => p.to_path_buf(),
    }
}

/// Applies `--since`: keeps the statement rules of migrations added or
/// changed since the ref, reports edited and out-of-order ones.
/// `roots` are the migration directories searched; `base` the directory the
/// reported paths are relative to; `what` names the ref in messages.
pub fn apply_since(
    report: &mut Report,
    migrations: &[AnalyzedMigration],
    roots: &[PathBuf],
    changes: &Changes,
    base: &Path,
    what: &str,
    config: &Config,
) {
    let added: HashSet<PathBuf> = changes.added.iter().map(|p| canon(p)).collect();
    let modified: HashSet<PathBuf> = changes.modified.iter().map(|p| canon(p)).collect();
    let mut changed: HashSet<String> = HashSet::new();
    let mut new: HashSet<String> = HashSet::new();
    let mut diags = Vec::new();
    for m in migrations {
        let up = canon(&base.join(&m.source.path));
        let down = m.source.down.as_ref().map(|(p, _)| canon(&base.join(p)));
        let up_added = added.contains(&up);
        let touched = up_added
            || modified.contains(&up)
            || down
                .as_ref()
                .is_some_and(|d| added.contains(d) || modified.contains(d));
        if !touched {
            continue;
        }
        changed.insert(m.source.path.clone());
        if up_added {
            new.insert(m.source.path.clone());
            continue;
        }
        let mut sink = Sink::new(config, &m.source.path, Some(&m.source.name));
        let which = if modified.contains(&up) {
            "its migration file"
        } else {
            "its down script"
        };
        sink.emit(
            &EDITED_MIGRATION,
            format!("migration `{}` existed at {what} and {which} has been changed", m.source.name),
            |d| {
                d.note("databases that already applied it keep the old version; only fresh databases see the edit")
                    .help("restore the file and put the change in a new migration")
            },
        );
        diags.extend(sink.out);
    }
    let roots: Vec<PathBuf> = roots.iter().map(|r| canon(&base.join(r))).collect();
    for d in &changes.deleted {
        let is_migration = d.extension().is_some_and(|e| e == "sql")
            && roots.iter().any(|r| d.starts_with(r) || d == r);
        if !is_migration {
            continue;
        }
        let shown = d
            .strip_prefix(canon(base))
            .map(crate::discover::display_path)
            .unwrap_or_else(|_| crate::discover::display_path(d));
        let mut sink = Sink::new(config, &shown, None);
        sink.emit(
            &EDITED_MIGRATION,
            format!("migration file `{shown}` existed at {what} and has been deleted"),
            |d| {
                d.note("databases that applied it keep its changes, and their history names a migration that no longer exists")
                    .help("restore the file; undo its effect with a new migration")
            },
        );
        diags.extend(sink.out);
    }
    let newest_old = migrations
        .iter()
        .filter(|m| !new.contains(&m.source.path))
        .map(|m| m.source.name.as_str())
        .max();
    if let Some(newest) = newest_old {
        for m in migrations.iter().filter(|m| new.contains(&m.source.path)) {
            if m.source.name.as_str() < newest {
                let mut sink = Sink::new(config, &m.source.path, Some(&m.source.name));
                sink.emit(
                    &OUT_OF_ORDER_MIGRATION,
                    format!(
                        "new migration `{}` sorts before `{newest}`, which existed at {what}",
                        m.source.name
                    ),
                    |d| {
                        d.note("databases that already ran the later migration will run this one after it; fresh ones before it")
                            .help(format!("give it a timestamp after `{newest}`"))
                    },
                );
                diags.extend(sink.out);
            }
        }
    }
    report.migrations.retain(|m| changed.contains(&m.path));
    report.diagnostics.retain(|d| match &d.migration {
        Some(_) => changed.contains(&d.path),
        None => true,
    });
    report.diagnostics.extend(diags);
    report.sort_diagnostics();
    report.finish();
}
