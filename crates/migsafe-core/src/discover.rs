//! Finding migrations on disk: the Prisma and flat layouts.

use std::cell::Cell;
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
    /// `.up.sql`/`_up.sql` with `.down.sql`/`_down.sql` (golang-migrate,
    /// sqlx).
    Flat,
    /// diesel: `<dir>/<version>_<description>/up.sql` (+ `down.sql`).
    Diesel,
    /// dbmate: `<dir>/<version>_<description>.sql` with `-- migrate:up` and
    /// `-- migrate:down` sections.
    Dbmate,
    /// Flyway: `<dir>/V<version>__<description>.sql` (+ `U<version>__….sql`).
    Flyway,
}

impl Layout {
    /// The tool that runs migrations of this layout, for messages.
    pub fn tool(self) -> &'static str {
        match self {
            Layout::Prisma => "Prisma",
            Layout::Flat => "the migration tool",
            Layout::Diesel => "diesel",
            Layout::Dbmate => "dbmate",
            Layout::Flyway => "Flyway",
        }
    }

    /// The tool runs each migration file as one transaction (Prisma sends
    /// it as one simple query; diesel, dbmate and Flyway wrap it), so its
    /// locks are held until the file ends and a refused statement rolls
    /// the whole file back.
    pub fn one_transaction(self) -> bool {
        !matches!(self, Layout::Flat)
    }

    /// The version of a migration name, as the tool compares versions for
    /// duplicates: the leading digits (Prisma, flat, dbmate), the part
    /// before `_` (diesel), the version parts as numbers (Flyway).
    pub fn version(self, name: &str) -> Option<String> {
        match self {
            Layout::Diesel => name.split_once('_').map(|(v, _)| v.to_owned()),
            Layout::Flyway => flyway_version(name).map(|v| {
                v.iter()
                    .map(|p| p.trim_start_matches('0'))
                    .collect::<Vec<_>>()
                    .join(".")
            }),
            _ => crate::naming::version_of(name).map(str::to_owned),
        }
    }

    /// The order key of a migration name: its version as the tool orders
    /// it (Flyway compares version parts as numbers: `V2` before `V10`).
    pub fn order_key(self, name: &str) -> String {
        match self {
            Layout::Flyway => flyway_version(name)
                .map(|v| {
                    v.iter()
                        .map(|p| format!("{p:0>20}"))
                        .collect::<Vec<_>>()
                        .join(".")
                })
                .unwrap_or_else(|| name.to_owned()),
            _ => name.to_owned(),
        }
    }
}

/// `V1_2__add_users` → `["1", "2"]` (also `U…`; `.` or `_` between parts).
pub fn flyway_version(name: &str) -> Option<Vec<&str>> {
    let rest = name.strip_prefix('V').or_else(|| name.strip_prefix('U'))?;
    let (version, _) = rest.split_once("__")?;
    let parts: Vec<&str> = version.split(['.', '_']).collect();
    parts
        .iter()
        .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        .then_some(parts)
}

/// The up and down sections of a dbmate file, each as the whole file with
/// the other section blanked (line breaks kept), so that positions stay
/// those of the file. `None` when the file has no `-- migrate:up`.
pub fn dbmate_sections(text: &str) -> Option<(String, Option<String>)> {
    let marker = |l: &str, what: &str| {
        l.trim_start()
            .strip_prefix("--")
            .is_some_and(|r| r.trim_start().starts_with(what))
    };
    let mut up_at = None;
    let mut down_at = None;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if up_at.is_none() && marker(line, "migrate:up") {
            up_at = Some(offset);
        } else if down_at.is_none() && marker(line, "migrate:down") {
            down_at = Some(offset);
        }
        offset += line.len();
    }
    let up_at = up_at?;
    let blank = |s: &str| -> String {
        s.chars()
            .map(|c| if c == '\n' || c == '\r' { c } else { ' ' })
            .collect()
    };
    Some(match down_at {
        Some(d) if d > up_at => (
            format!("{}{}", &text[..d], blank(&text[d..])),
            Some(format!("{}{}", blank(&text[..d]), &text[d..])),
        ),
        _ => (text.to_owned(), None),
    })
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

/// How many times discovery asked the file system, on this thread: the
/// directories it listed and the paths it looked up (a `stat`, `lstat` or
/// `d_type`-less entry). Discovery must stay linear in the paths it is
/// given, whether a directory or its files one by one; a test holds it to
/// that by these counts rather than by a clock.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FsCalls {
    /// Directory listings (`read_dir`).
    pub dir_reads: usize,
    /// Metadata look-ups of single paths.
    pub lookups: usize,
}

thread_local! {
    static FS_CALLS: Cell<FsCalls> = const { Cell::new(FsCalls { dir_reads: 0, lookups: 0 }) };
}

/// The file-system queries discovery made on this thread so far.
pub fn fs_calls() -> FsCalls {
    FS_CALLS.with(Cell::get)
}

fn count(f: impl FnOnce(&mut FsCalls)) {
    FS_CALLS.with(|c| {
        let mut v = c.get();
        f(&mut v);
        c.set(v);
    });
}

fn list_dir(dir: &Path) -> std::io::Result<std::fs::ReadDir> {
    count(|c| c.dir_reads += 1);
    std::fs::read_dir(dir)
}

fn is_file(p: &Path) -> bool {
    count(|c| c.lookups += 1);
    p.is_file()
}

fn is_dir(p: &Path) -> bool {
    count(|c| c.lookups += 1);
    p.is_dir()
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
    let mut listings = std::collections::HashMap::new();
    for p in paths {
        count(|c| c.lookups += 1);
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
            out.migrations.push(single_file(p, &mut listings));
        }
    }
    // Several paths may name the same migration.
    out.migrations.sort_by(|a, b| {
        a.layout
            .order_key(&a.name)
            .cmp(&b.layout.order_key(&b.name))
            .then(a.display.cmp(&b.display))
    });
    out.migrations.dedup_by(|a, b| a.path == b.path);
    Ok(out)
}

fn read_dir_sorted(dir: &Path) -> Result<Vec<(String, PathBuf, bool)>, Error> {
    let rd = list_dir(dir).map_err(|e| Error::Path {
        path: display_path(dir),
        message: e.to_string(),
    })?;
    let mut v = Vec::new();
    for entry in rd.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        // The entry's type from the listing; a symbolic link is followed.
        let is_dir = match entry.file_type() {
            Ok(t) if !t.is_symlink() => t.is_dir(),
            _ => is_dir(&path),
        };
        v.push((name, path, is_dir));
    }
    v.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(v)
}

/// Something is at `p` (without following a symlink).
fn present(p: &Path) -> bool {
    count(|c| c.lookups += 1);
    p.symlink_metadata().is_ok()
}

fn discover_dir(dir: &Path, layout: LayoutSetting, out: &mut Discovered) -> Result<(), Error> {
    let base = display_path(dir);
    let entries = read_dir_sorted(dir)?;
    let detected = match layout {
        LayoutSetting::Prisma => Layout::Prisma,
        LayoutSetting::Flat => Layout::Flat,
        LayoutSetting::Diesel => Layout::Diesel,
        LayoutSetting::Dbmate => Layout::Dbmate,
        LayoutSetting::Flyway => Layout::Flyway,
        LayoutSetting::Auto => detect(&entries),
    };
    let prisma = detected == Layout::Prisma;
    let before = out.migrations.len();
    if detected == Layout::Diesel {
        for (name, path, is_dir) in &entries {
            if !is_dir || name.starts_with('.') {
                continue;
            }
            let up = path.join("up.sql");
            if !present(&up) {
                continue;
            }
            let dir_display = join_display(&base, name);
            let down = path.join("down.sql");
            let has_down = is_file(&down);
            out.migrations.push(Migration {
                name: name.clone(),
                display: join_display(&dir_display, "up.sql"),
                path: up,
                down_display: has_down.then(|| join_display(&dir_display, "down.sql")),
                down: has_down.then_some(down),
                layout: Layout::Diesel,
                root: Some(dir.to_path_buf()),
            });
        }
    } else if detected == Layout::Flyway {
        let files: Vec<&(String, PathBuf, bool)> = entries
            .iter()
            .filter(|(n, _, d)| !d && n.to_ascii_lowercase().ends_with(".sql"))
            .collect();
        for (name, path, _) in &files {
            let stem = &name[..name.len() - 4];
            if !stem.starts_with('V') && !stem.starts_with('R') {
                continue;
            }
            // `U<version>__…`: the undo of `V<version>__…`.
            let undo = flyway_version(stem).and_then(|v| {
                files.iter().find(|(n, _, _)| {
                    n.starts_with('U') && flyway_version(&n[..n.len() - 4]).as_ref() == Some(&v)
                })
            });
            out.migrations.push(Migration {
                name: stem.to_owned(),
                display: join_display(&base, name),
                path: path.clone(),
                down: undo.map(|u| u.1.clone()),
                down_display: undo.map(|u| join_display(&base, &u.0)),
                layout: Layout::Flyway,
                root: Some(dir.to_path_buf()),
            });
        }
    } else if detected == Layout::Dbmate {
        for (name, path, is_dir) in &entries {
            if *is_dir || !name.to_ascii_lowercase().ends_with(".sql") {
                continue;
            }
            let display = join_display(&base, name);
            out.migrations.push(Migration {
                name: name[..name.len() - 4].to_owned(),
                // The down section is in the same file.
                down: Some(path.clone()),
                down_display: Some(display.clone()),
                display,
                path: path.clone(),
                layout: Layout::Dbmate,
                root: Some(dir.to_path_buf()),
            });
        }
    } else if prisma {
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
            let has_down = is_file(&down);
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
        let names = Siblings::new(sql.iter().map(|(n, _, _)| n.as_str()));
        let roles: Vec<(&str, Role)> = sql.iter().map(|(n, _, _)| flat_role(n, &names)).collect();
        // Each stem's down script, found once.
        let mut downs: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
        for (i, (stem, role)) in roles.iter().enumerate() {
            if *role == Role::Down {
                downs.entry(stem).or_insert(i);
            }
        }
        for ((name, path, _), (stem, role)) in sql.iter().zip(&roles) {
            let (stem, role) = (*stem, *role);
            if role == Role::Down {
                continue;
            }
            let down = downs.get(stem).and_then(|&i| sql.get(i));
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

/// A directory's layout, from its entries: Prisma (folders with
/// `migration.sql`, `migration_lock.toml`), diesel (folders with `up.sql`),
/// Flyway (`V1__x.sql`), dbmate (`.sql` files whose first lines say
/// `-- migrate:up`), else flat.
fn detect(entries: &[(String, PathBuf, bool)]) -> Layout {
    if entries
        .iter()
        .any(|(n, p, d)| (*d && present(&p.join("migration.sql"))) || n == "migration_lock.toml")
    {
        return Layout::Prisma;
    }
    if entries
        .iter()
        .any(|(_, p, d)| *d && present(&p.join("up.sql")))
    {
        return Layout::Diesel;
    }
    let sql: Vec<&(String, PathBuf, bool)> = entries
        .iter()
        .filter(|(n, _, d)| !d && n.to_ascii_lowercase().ends_with(".sql"))
        .collect();
    // Flyway: every file starts as Flyway's do (`V`, `U`, `R`), one at
    // least is a versioned migration (a misnamed one is then reported).
    if sql.iter().all(|(n, _, _)| n.starts_with(['V', 'U', 'R']))
        && sql
            .iter()
            .any(|(n, _, _)| n.starts_with('V') && flyway_version(&n[..n.len() - 4]).is_some())
    {
        return Layout::Flyway;
    }
    // dbmate: the marker within the first 4 KiB of a regular file.
    let dbmate = sql.iter().any(|(_, p, _)| {
        use std::io::Read;
        count(|c| c.lookups += 1);
        let Ok(meta) = p.metadata() else { return false };
        if !meta.is_file() {
            return false;
        }
        let mut head = [0u8; 4096];
        let n = std::fs::File::open(p)
            .and_then(|mut f| f.read(&mut head))
            .unwrap_or(0);
        String::from_utf8_lossy(&head[..n]).lines().any(|l| {
            l.trim_start()
                .strip_prefix("--")
                .is_some_and(|r| r.trim_start().starts_with("migrate:up"))
        })
    });
    if dbmate {
        return Layout::Dbmate;
    }
    Layout::Flat
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Up,
    Down,
}

/// `x.sql` → (x, Up); `x.up.sql` → (x, Up); `x.down.sql` → (x, Down);
/// `x_up.sql` and `x_down.sql` only as a pair (else `_down` is part of the
/// description).
/// The names of the files of a directory, for finding a file's
/// counterpart (`x_up.sql` for `x_down.sql`) in constant time: a directory
/// of thousands of migrations, or thousands of files named one by one (what
/// the pre-commit framework and `xargs` pass), stays linear.
pub(crate) struct Siblings(std::collections::HashSet<String>);

impl Siblings {
    pub(crate) fn new<'a>(names: impl IntoIterator<Item = &'a str>) -> Self {
        Siblings(names.into_iter().map(str::to_ascii_lowercase).collect())
    }

    fn has(&self, name: &str) -> bool {
        self.0.contains(&name.to_ascii_lowercase())
    }
}

fn flat_role<'a>(file: &'a str, siblings: &Siblings) -> (&'a str, Role) {
    let stem = &file[..file.len().saturating_sub(4)];
    let lower = stem.to_ascii_lowercase();
    let cut = |n: usize| &stem[..stem.len() - n];
    if lower.len() > 5 && lower.ends_with(".down") {
        return (cut(5), Role::Down);
    }
    if lower.len() > 3 && lower.ends_with(".up") {
        return (cut(3), Role::Up);
    }
    let has = |name: String| siblings.has(&name);
    if lower.len() > 5 && lower.ends_with("_down") && has(format!("{}_up.sql", cut(5))) {
        return (cut(5), Role::Down);
    }
    if lower.len() > 3 && lower.ends_with("_up") && has(format!("{}_down.sql", cut(3))) {
        return (cut(3), Role::Up);
    }
    (stem, Role::Up)
}

fn single_file(p: &Path, listings: &mut std::collections::HashMap<PathBuf, Siblings>) -> Migration {
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
        let has_down = is_file(&down) && file != "down.sql";
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
    // One listing per directory, however many of its files are named.
    let sib = listings.entry(dir.to_path_buf()).or_insert_with(|| {
        let names: Vec<String> = list_dir(dir)
            .map(|rd| {
                rd.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        Siblings::new(names.iter().map(String::as_str))
    });
    let (stem, _) = if file.to_ascii_lowercase().ends_with(".sql") {
        flat_role(&file, sib)
    } else {
        (file.as_str(), Role::Up)
    };
    let down = [".down.sql", "_down.sql"]
        .iter()
        .map(|s| dir.join(format!("{stem}{s}")))
        .find(|d| d.as_path() != p && is_file(d));
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
        let none = Siblings::new([]);
        let sib = Siblings::new(sib);
        assert_eq!(flat_role("0001_a.up.sql", &none), ("0001_a", Role::Up));
        assert_eq!(flat_role("0001_a_down.sql", &sib), ("0001_a", Role::Down));
        assert_eq!(flat_role("0001_a_up.sql", &sib), ("0001_a", Role::Up));
        assert_eq!(
            flat_role("0002_cool_down.sql", &sib),
            ("0002_cool_down", Role::Up)
        );
        assert_eq!(
            flat_role("20260101000000_a.down.sql", &none),
            ("20260101000000_a", Role::Down)
        );
        assert_eq!(
            flat_role("20260101000000_a.sql", &none),
            ("20260101000000_a", Role::Up)
        );
    }
}
