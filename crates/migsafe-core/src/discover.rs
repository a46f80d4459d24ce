//! Finding migrations on disk: the Prisma and flat layouts.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::Error;
use crate::config::LayoutSetting;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    /// `<dir>/<timestamp>_<description>/migration.sql` (+ `down.sql`).
    Prisma,
    /// `<dir>/<timestamp>_<description>.sql` (+ `.down.sql`); also
    /// `.up.sql`/`_up.sql` with `.down.sql`/`_down.sql`.
    Flat,
}

/// One migration found on disk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Migration {
    /// The directory name (Prisma) or file stem without `.up`/`.down` (flat).
    pub name: String,
    /// The up script.
    pub path: PathBuf,
    /// `path` as reported: as given on the command line or as discovered.
    pub display: String,
    pub down: Option<PathBuf>,
    pub down_display: Option<String>,
    pub layout: Layout,
    /// The migrations directory it belongs to (None for a single file).
    pub root: Option<PathBuf>,
}

/// What discovery found.
#[derive(Clone, Debug, Default)]
pub struct Discovered {
    pub migrations: Vec<Migration>,
    /// Prisma directories without a `migration.sql`: (dir display, name).
    pub missing_up: Vec<(String, String)>,
    /// `migration_lock.toml` files found in Prisma directories.
    pub lock_files: Vec<PathBuf>,
    /// Directories searched that hold no migration.
    pub empty_dirs: Vec<String>,
}

/// A path as users write it: `/` separators, no leading `./`.
pub fn display_path(p: &Path) -> String {
    let s = p.to_string_lossy().replace('\\', "/");
    let s = s.strip_prefix("./").unwrap_or(&s);
    s.to_owned()
}

fn join_display(base: &str, name: &str) -> String {
    if base.is_empty() || base == "." {
        name.to_owned()
    } else if base.ends_with('/') {
        format!("{base}{name}")
    } else {
        format!("{base}/{name}")
    }
}

/// Discovers migrations in the given paths (directories or `.sql` files),
/// detecting each directory's layout. A path that does not exist is an
/// error (exit code 2).
pub fn discover(paths: &[PathBuf]) -> Result<Discovered, Error> {
    discover_with(paths, LayoutSetting::Auto)
}

/// [`discover`] with the layout detection forced one way.
pub fn discover_with(paths: &[PathBuf], layout: LayoutSetting) -> Result<Discovered, Error> {
    let mut out = Discovered::default();
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|e| Error::Path {
            path: display_path(p),
            message: e.to_string(),
        })?;
        if meta.is_dir() {
            discover_dir(p, layout, &mut out)?;
        } else {
            let is_sql = p.extension().is_some_and(|e| e.eq_ignore_ascii_case("sql"));
            if !is_sql {
                return Err(Error::Path {
                    path: display_path(p),
                    message: "not a migration: expected a migrations directory or a .sql file"
                        .into(),
                });
            }
            out.migrations.push(single_file(p));
        }
    }
    // Several paths may name the same migration.
    out.migrations
        .sort_by(|a, b| a.name.cmp(&b.name).then(a.display.cmp(&b.display)));
    out.migrations.dedup_by(|a, b| a.path == b.path);
    Ok(out)
}

fn read_dir_sorted(dir: &Path) -> Result<Vec<(String, PathBuf, bool)>, Error> {
    let rd = std::fs::read_dir(dir).map_err(|e| Error::Path {
        path: display_path(dir),
        message: e.to_string(),
    })?;
    let mut v = Vec::new();
    for entry in rd.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        let is_dir = path.is_dir();
        v.push((name, path, is_dir));
    }
    v.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(v)
}

/// Something is at `p` (without following a symlink).
fn present(p: &Path) -> bool {
    p.symlink_metadata().is_ok()
}

fn discover_dir(dir: &Path, layout: LayoutSetting, out: &mut Discovered) -> Result<(), Error> {
    let base = display_path(dir);
    let entries = read_dir_sorted(dir)?;
    let prisma = match layout {
        LayoutSetting::Prisma => true,
        LayoutSetting::Flat => false,
        LayoutSetting::Auto => entries.iter().any(|(n, p, d)| {
            (*d && present(&p.join("migration.sql"))) || n == "migration_lock.toml"
        }),
    };
    let before = out.migrations.len();
    if prisma {
        for (name, path, is_dir) in &entries {
            if name == "migration_lock.toml" {
                out.lock_files.push(path.clone());
                continue;
            }
            if !is_dir || name.starts_with('.') {
                continue;
            }
            let up = path.join("migration.sql");
            let dir_display = join_display(&base, name);
            // Present in any form (a FIFO, a folder, a dangling symlink):
            // reading it then says what is wrong instead of skipping it.
            if !present(&up) {
                out.missing_up.push((dir_display, name.clone()));
                continue;
            }
            let down = path.join("down.sql");
            let has_down = down.is_file();
            out.migrations.push(Migration {
                name: name.clone(),
                display: join_display(&dir_display, "migration.sql"),
                path: up,
                down_display: has_down.then(|| join_display(&dir_display, "down.sql")),
                down: has_down.then_some(down),
                layout: Layout::Prisma,
                root: Some(dir.to_path_buf()),
            });
        }
    } else {
        let sql: Vec<&(String, PathBuf, bool)> = entries
            .iter()
            .filter(|(n, _, d)| !d && n.to_ascii_lowercase().ends_with(".sql"))
            .collect();
        let names: Vec<&str> = sql.iter().map(|(n, _, _)| n.as_str()).collect();
        for (name, path, _) in &sql {
            let (stem, role) = flat_role(name, &names);
            if role == Role::Down {
                continue;
            }
            let down = sql.iter().find(|(n, _, _)| {
                let (s, r) = flat_role(n, &names);
                r == Role::Down && s == stem
            });
            out.migrations.push(Migration {
                name: stem.to_owned(),
                display: join_display(&base, name),
                path: path.clone(),
                down: down.map(|d| d.1.clone()),
                down_display: down.map(|d| join_display(&base, &d.0)),
                layout: Layout::Flat,
                root: Some(dir.to_path_buf()),
            });
        }
    }
    if out.migrations.len() == before && !entries.iter().any(|(n, _, _)| n == "migration_lock.toml")
    {
        out.empty_dirs.push(base);
    }
    Ok(())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Up,
    Down,
}

/// `x.sql` → (x, Up); `x.up.sql` → (x, Up); `x.down.sql` → (x, Down);
/// `x_up.sql` and `x_down.sql` only as a pair (else `_down` is part of the
/// description).
fn flat_role<'a>(file: &'a str, siblings: &[&str]) -> (&'a str, Role) {
    let stem = &file[..file.len().saturating_sub(4)];
    let lower = stem.to_ascii_lowercase();
    let cut = |n: usize| &stem[..stem.len() - n];
    if lower.len() > 5 && lower.ends_with(".down") {
        return (cut(5), Role::Down);
    }
    if lower.len() > 3 && lower.ends_with(".up") {
        return (cut(3), Role::Up);
    }
    let has = |name: String| siblings.iter().any(|s| s.eq_ignore_ascii_case(&name));
    if lower.len() > 5 && lower.ends_with("_down") && has(format!("{}_up.sql", cut(5))) {
        return (cut(5), Role::Down);
    }
    if lower.len() > 3 && lower.ends_with("_up") && has(format!("{}_down.sql", cut(3))) {
        return (cut(3), Role::Up);
    }
    (stem, Role::Up)
}

fn single_file(p: &Path) -> Migration {
    let file = p
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let display = display_path(p);
    if file == "migration.sql" || file == "down.sql" {
        let dir = p.parent().unwrap_or(Path::new(""));
        let name = dir
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        let down = dir.join("down.sql");
        let has_down = down.is_file() && file != "down.sql";
        let dir_display = display_path(dir);
        return Migration {
            name,
            path: p.to_path_buf(),
            display,
            down_display: has_down.then(|| join_display(&dir_display, "down.sql")),
            down: has_down.then_some(down),
            layout: Layout::Prisma,
            root: None,
        };
    }
    let dir = p.parent().unwrap_or(Path::new(""));
    let siblings: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    let sib: Vec<&str> = siblings.iter().map(String::as_str).collect();
    let (stem, _) = if file.to_ascii_lowercase().ends_with(".sql") {
        flat_role(&file, &sib)
    } else {
        (file.as_str(), Role::Up)
    };
    let down = [".down.sql", "_down.sql"]
        .iter()
        .map(|s| dir.join(format!("{stem}{s}")))
        .find(|d| d.is_file() && d.as_path() != p);
    Migration {
        name: stem.to_owned(),
        path: p.to_path_buf(),
        display,
        down_display: down.as_ref().map(|d| display_path(d)),
        down,
        layout: Layout::Flat,
        root: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_roles() {
        let sib = ["0001_a_up.sql", "0001_a_down.sql"];
        assert_eq!(flat_role("0001_a.up.sql", &[]), ("0001_a", Role::Up));
        assert_eq!(flat_role("0001_a_down.sql", &sib), ("0001_a", Role::Down));
        assert_eq!(flat_role("0001_a_up.sql", &sib), ("0001_a", Role::Up));
        assert_eq!(
            flat_role("0002_cool_down.sql", &sib),
            ("0002_cool_down", Role::Up)
        );
        assert_eq!(
            flat_role("20260101000000_a.down.sql", &[]),
            ("20260101000000_a", Role::Down)
        );
        assert_eq!(
            flat_role("20260101000000_a.sql", &[]),
            ("20260101000000_a", Role::Up)
        );
    }
}
