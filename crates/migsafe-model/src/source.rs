//! Reading the files migsafe checks, safely: only regular files (a FIFO
//! named `migration.sql` would block forever, a symlink to `/dev/zero`
//! would be read until memory runs out), and no more than a size limit.

use std::io::Read as _;
use std::path::Path;

/// The default limit for one file: 128 MiB, far above any real migration
/// or schema, far below what would exhaust memory.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 128 * 1024 * 1024;

/// Why a file was not read.
#[derive(Debug)]
pub enum ReadError {
    /// It could not be opened or read.
    Io(std::io::Error),
    /// It is a directory, FIFO, socket or device (after symlinks).
    NotARegularFile(&'static str),
    /// It is larger than the limit.
    TooLarge { size: u64, limit: u64 },
    /// It is a symbolic link to nothing (the target as the link says it).
    DanglingSymlink(std::path::PathBuf),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Io(e) => write!(f, "{e}"),
            ReadError::NotARegularFile(kind) => {
                write!(
                    f,
                    "not a regular file but {kind}: migsafe reads regular files only"
                )
            }
            ReadError::DanglingSymlink(target) => write!(
                f,
                "a symbolic link to `{}`, which does not exist",
                target.display()
            ),
            ReadError::TooLarge { size, limit } => write!(
                f,
                "{size} bytes, more than the limit of {limit} bytes (`[migrations] max-file-bytes` in migsafe.toml)"
            ),
        }
    }
}

impl std::error::Error for ReadError {}

fn kind_of(ft: std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt as _;
    if ft.is_dir() {
        "a directory"
    } else if ft.is_fifo() {
        "a FIFO"
    } else if ft.is_socket() {
        "a socket"
    } else if ft.is_char_device() {
        "a character device"
    } else if ft.is_block_device() {
        "a block device"
    } else {
        "not a file"
    }
}

/// Checks that `path` (symlinks followed) is a regular file, without
/// opening it.
pub fn check_regular(path: &Path) -> Result<u64, ReadError> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(match std::fs::read_link(path) {
                Ok(target) => ReadError::DanglingSymlink(target),
                Err(_) => ReadError::Io(e),
            });
        }
        Err(e) => return Err(ReadError::Io(e)),
    };
    if !meta.is_file() {
        return Err(ReadError::NotARegularFile(kind_of(meta.file_type())));
    }
    Ok(meta.len())
}

/// Reads a regular file of at most `limit` bytes.
pub fn read_regular_file(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    let size = check_regular(path)?;
    if size > limit {
        return Err(ReadError::TooLarge { size, limit });
    }
    let f = std::fs::File::open(path).map_err(ReadError::Io)?;
    // Its size may change between the check and the read: read one byte
    // more than the limit to know.
    let mut buf = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    f.take(limit.saturating_add(1))
        .read_to_end(&mut buf)
        .map_err(ReadError::Io)?;
    if buf.len() as u64 > limit {
        return Err(ReadError::TooLarge {
            size: buf.len() as u64,
            limit,
        });
    }
    Ok(buf)
}
