//! Git, through the `git` executable: the commit and author for the audit
//! trail, the changes since a ref for `--since`, the staged migrations for
//! the pre-commit hook.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::Error;

/// Runs git in `cwd`; stdout on success, the error's stderr otherwise.
pub fn git(cwd: &Path, args: &[&str]) -> Result<String, Error> {
    let out = Command::new("git")
        .current_dir(cwd)
        .args(args)
        .env("GIT_OPTIONAL_LOCKS", "0")
        .output()
        .map_err(|e| Error::Git(format!("cannot run git: {e}")))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(Error::Git(format!(
            "`git {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        )))
    }
}

/// The top of the work tree containing `cwd`.
pub fn repo_root(cwd: &Path) -> Option<PathBuf> {
    git(cwd, &["rev-parse", "--show-toplevel"])
        .ok()
        .map(|s| PathBuf::from(s.trim()))
}

/// The commit being checked, for the audit trail.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct HeadInfo {
    pub commit: Option<String>,
    pub author: Option<String>,
    pub branch: Option<String>,
}

pub fn head_info(cwd: &Path) -> Option<HeadInfo> {
    repo_root(cwd)?;
    let commit = git(cwd, &["rev-parse", "HEAD"])
        .ok()
        .map(|s| s.trim().to_owned());
    let author = git(cwd, &["log", "-1", "--format=%an <%ae>"])
        .ok()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty());
    let branch = git(cwd, &["rev-parse", "--abbrev-ref", "HEAD"])
        .ok()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty() && s != "HEAD");
    Some(HeadInfo {
        commit,
        author,
        branch,
    })
}

/// Files changed between a ref (or the index) and the working tree, as
/// absolute paths.
#[derive(Clone, Debug, Default)]
pub struct Changes {
    pub added: Vec<PathBuf>,
    pub modified: Vec<PathBuf>,
    pub deleted: Vec<PathBuf>,
}

impl Changes {
    fn parse(root: &Path, name_status: &str) -> Changes {
        let mut c = Changes::default();
        let mut fields = name_status.split('\0').filter(|f| !f.is_empty());
        while let Some(status) = fields.next() {
            let kind = status.chars().next().unwrap_or(' ');
            match kind {
                'R' | 'C' => {
                    let (Some(from), Some(to)) = (fields.next(), fields.next()) else {
                        break;
                    };
                    if kind == 'R' {
                        c.deleted.push(root.join(from));
                    }
                    c.added.push(root.join(to));
                }
                _ => {
                    let Some(p) = fields.next() else { break };
                    let p = root.join(p);
                    match kind {
                        'A' => c.added.push(p),
                        'D' => c.deleted.push(p),
                        _ => c.modified.push(p),
                    }
                }
            }
        }
        c
    }
}

/// What changed since `git_ref`: committed and uncommitted changes to
/// tracked files, plus untracked files (a new migration not yet added).
pub fn changes_since(cwd: &Path, git_ref: &str) -> Result<Changes, Error> {
    let root = repo_root(cwd).ok_or_else(|| {
        Error::Git("--since needs a git repository, and this directory is not in one".into())
    })?;
    git(
        &root,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            "--end-of-options",
            &format!("{git_ref}^{{commit}}"),
        ],
    )
    .map_err(|_| {
        Error::Git(format!(
            "--since: `{git_ref}` is not a commit, branch or tag"
        ))
    })?;
    // `--end-of-options`: a ref that starts with `-` is a ref, not an option.
    let diff = git(
        &root,
        &[
            "diff",
            "--name-status",
            "-z",
            "-M",
            "--end-of-options",
            git_ref,
            "--",
        ],
    )?;
    let mut c = Changes::parse(&root, &diff);
    let untracked = git(&root, &["ls-files", "-z", "--others", "--exclude-standard"])?;
    c.added.extend(
        untracked
            .split('\0')
            .filter(|f| !f.is_empty())
            .map(|f| root.join(f)),
    );
    Ok(c)
}

/// What is staged for the next commit, against `HEAD` (everything is added
/// when there is no commit yet).
pub fn staged_changes(root: &Path) -> Result<Changes, Error> {
    let has_head = git(root, &["rev-parse", "--verify", "--quiet", "HEAD"]).is_ok();
    if !has_head {
        let files = git(root, &["ls-files", "-z", "--cached"])?;
        return Ok(Changes {
            added: files
                .split('\0')
                .filter(|f| !f.is_empty())
                .map(|f| root.join(f))
                .collect(),
            ..Changes::default()
        });
    }
    let diff = git(
        root,
        &[
            "diff",
            "--cached",
            "--name-status",
            "-z",
            "-M",
            "HEAD",
            "--",
        ],
    )?;
    Ok(Changes::parse(root, &diff))
}

/// Writes the staged (index) version of every tracked file under `dirs`
/// (relative to `root`) into `dest`, keeping relative paths.
pub fn checkout_index(root: &Path, dirs: &[PathBuf], dest: &Path) -> Result<(), Error> {
    let mut args: Vec<String> = vec![
        "ls-files".into(),
        "-z".into(),
        "--cached".into(),
        "--".into(),
    ];
    args.extend(dirs.iter().map(|d| d.to_string_lossy().into_owned()));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let files = git(root, &refs)?;
    for f in files.split('\0').filter(|f| !f.is_empty()) {
        let spec = format!(":{f}");
        let out = Command::new("git")
            .current_dir(root)
            .args(["cat-file", "blob", &spec])
            .output()
            .map_err(|e| Error::Git(format!("cannot run git: {e}")))?;
        if !out.status.success() {
            continue;
        }
        let target = dest.join(f);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::Other(e.to_string()))?;
        }
        std::fs::write(&target, &out.stdout).map_err(|e| Error::Other(e.to_string()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_name_status() {
        let c = Changes::parse(
            Path::new("/r"),
            "M\0a.sql\0A\0b.sql\0D\0c.sql\0R100\0d.sql\0e.sql\0",
        );
        assert_eq!(c.modified, vec![PathBuf::from("/r/a.sql")]);
        assert_eq!(
            c.added,
            vec![PathBuf::from("/r/b.sql"), PathBuf::from("/r/e.sql")]
        );
        assert_eq!(
            c.deleted,
            vec![PathBuf::from("/r/c.sql"), PathBuf::from("/r/d.sql")]
        );
    }
}
