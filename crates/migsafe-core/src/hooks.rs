//! The git pre-commit hook: `migsafe hooks install` / `uninstall`.
//!
//! The hook runs `migsafe check --staged`: the staged content of the
//! migrations, not the working tree. migsafe never overwrites a hook it did
//! not write: an existing `pre-commit` is moved aside to
//! `pre-commit.pre-migsafe` and still runs first; `uninstall` puts it back.

use std::path::{Path, PathBuf};

use crate::Error;
use crate::git;

/// The line that marks a hook as migsafe's.
pub const MARKER: &str = "# migsafe pre-commit hook v1";
pub const CHAINED: &str = "pre-commit.pre-migsafe";

fn hooks_dir(cwd: &Path) -> Result<PathBuf, Error> {
    let root = git::repo_root(cwd).ok_or_else(|| {
        Error::Git("not in a git repository: there is nowhere to install a hook".into())
    })?;
    let p = git::git(&root, &["rev-parse", "--git-path", "hooks"])?;
    let p = PathBuf::from(p.trim());
    Ok(if p.is_absolute() { p } else { root.join(p) })
}

fn is_ours(path: &Path) -> bool {
    std::fs::read_to_string(path).is_ok_and(|s| s.contains(MARKER))
}

/// The hook script. `exe` is the migsafe that installed it; the script
/// falls back to `migsafe` on the PATH when that one is gone.
pub fn script(exe: Option<&Path>) -> String {
    let exe = exe
        .map(|p| p.to_string_lossy().replace('\'', "'\\''"))
        .unwrap_or_else(|| "migsafe".to_owned());
    format!(
        r#"#!/bin/sh
{MARKER}
# Checks the staged migrations before each commit. Installed by
# `migsafe hooks install`; `migsafe hooks uninstall` removes it.
# Skip once with `git commit --no-verify`.
hooks_dir=$(dirname "$0")
if [ -x "$hooks_dir/{CHAINED}" ]; then
  "$hooks_dir/{CHAINED}" "$@" || exit $?
fi
migsafe='{exe}'
if [ ! -x "$migsafe" ]; then
  migsafe=migsafe
fi
exec "$migsafe" check --staged
"#
    )
}

#[cfg(unix)]
fn make_executable(p: &Path) -> Result<(), Error> {
    use std::os::unix::fs::PermissionsExt;
    let mut perm = std::fs::metadata(p)
        .map_err(|e| Error::Other(e.to_string()))?
        .permissions();
    perm.set_mode(0o755);
    std::fs::set_permissions(p, perm).map_err(|e| Error::Other(e.to_string()))
}

/// Elsewhere a hook needs no permission bits.
#[cfg(not(unix))]
fn make_executable(_: &Path) -> Result<(), Error> {
    Ok(())
}

/// Installs the hook; returns what was done.
pub fn install(cwd: &Path, exe: Option<&Path>) -> Result<String, Error> {
    let dir = hooks_dir(cwd)?;
    std::fs::create_dir_all(&dir)
        .map_err(|e| Error::Other(format!("cannot create {}: {e}", dir.display())))?;
    let hook = dir.join("pre-commit");
    let chained = dir.join(CHAINED);
    let mut note = String::new();
    // A symlink (dangling or not) is never written through: it is moved
    // aside like any hook that is not migsafe's.
    let is_link = hook
        .symlink_metadata()
        .is_ok_and(|m| m.file_type().is_symlink());
    if is_link || (hook.exists() && !is_ours(&hook)) {
        if chained.symlink_metadata().is_ok() {
            return Err(Error::Other(format!(
                "{} exists and is not migsafe's, and {} is already taken: move one of them away, then run `migsafe hooks install` again",
                hook.display(),
                chained.display()
            )));
        }
        std::fs::rename(&hook, &chained)
            .map_err(|e| Error::Other(format!("cannot move {} aside: {e}", hook.display())))?;
        note = format!(
            "; your existing hook was moved to {} and still runs first",
            chained.display()
        );
    }
    let updated = hook.exists();
    // Written to a new file beside it, then renamed over: the hook itself
    // is replaced, never a file it might point to.
    let tmp = dir.join(".pre-commit.migsafe-new");
    let _ = std::fs::remove_file(&tmp);
    {
        use std::io::Write as _;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .map_err(|e| Error::Other(format!("cannot write {}: {e}", tmp.display())))?;
        f.write_all(script(exe).as_bytes())
            .map_err(|e| Error::Other(format!("cannot write {}: {e}", tmp.display())))?;
    }
    std::fs::rename(&tmp, &hook)
        .map_err(|e| Error::Other(format!("cannot write {}: {e}", hook.display())))?;
    make_executable(&hook)?;
    Ok(format!(
        "{} the migsafe pre-commit hook at {}{note}",
        if updated { "updated" } else { "installed" },
        hook.display()
    ))
}

/// Removes migsafe's hook, restoring a chained one.
pub fn uninstall(cwd: &Path) -> Result<String, Error> {
    let dir = hooks_dir(cwd)?;
    let hook = dir.join("pre-commit");
    let chained = dir.join(CHAINED);
    if !hook.exists() {
        return Ok("no pre-commit hook is installed; nothing to do".to_owned());
    }
    if !is_ours(&hook) {
        return Err(Error::Other(format!(
            "{} was not written by migsafe; leaving it in place",
            hook.display()
        )));
    }
    std::fs::remove_file(&hook)
        .map_err(|e| Error::Other(format!("cannot remove {}: {e}", hook.display())))?;
    // The hook moved aside may be a symlink, even a dangling one.
    if chained.symlink_metadata().is_ok() {
        std::fs::rename(&chained, &hook)
            .map_err(|e| Error::Other(format!("cannot restore {}: {e}", chained.display())))?;
        return Ok(format!(
            "removed the migsafe pre-commit hook and restored the previous one at {}",
            hook.display()
        ));
    }
    Ok(format!(
        "removed the migsafe pre-commit hook at {}",
        hook.display()
    ))
}
