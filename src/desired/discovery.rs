//! Finding the files: paths, directories, the size limit, and reading the bytes.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::MAX_FILE_BYTES;
use crate::diagnostic::{Diagnostic, Location};

/// The files a path names: itself, or a directory's `*.yaml`/`*.yml` files in sorted order.
pub(crate) fn expand(path: &Path) -> Result<Vec<PathBuf>, Diagnostic> {
    let shown = path.display().to_string();
    let metadata = std::fs::metadata(path)
        .map_err(|e| Diagnostic::new(None, format!("{shown}: cannot read: {}", io_reason(&e))))?;
    if !metadata.is_dir() {
        return Ok(vec![path.to_owned()]);
    }
    let entries = std::fs::read_dir(path)
        .map_err(|e| Diagnostic::new(None, format!("{shown}: cannot list: {}", io_reason(&e))))?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| {
            Diagnostic::new(None, format!("{shown}: cannot list: {}", io_reason(&e)))
        })?;
        let file = entry.path();
        let is_yaml = matches!(
            file.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml")
        );
        if is_yaml && file.is_file() {
            files.push(file);
        }
    }
    files.sort();
    if files.is_empty() {
        return Err(Diagnostic::new(
            None,
            format!("{shown}: directory has no *.yaml or *.yml files"),
        ));
    }
    Ok(files)
}

fn io_reason(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_owned(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        _ => error.to_string(),
    }
}

/// The bytes of one file, refused unread if it is over [`MAX_FILE_BYTES`].
pub(crate) fn read(file: &Path, path: &Arc<str>) -> Result<Vec<u8>, Diagnostic> {
    let whole = Location::file(path);
    let metadata = std::fs::metadata(file)
        .map_err(|e| Diagnostic::at(&whole, format!("cannot read: {}", io_reason(&e))))?;
    if metadata.len() > MAX_FILE_BYTES {
        return Err(Diagnostic::at(
            &whole,
            format!(
                "file is {} bytes; desired-state files are limited to {} MiB",
                metadata.len(),
                MAX_FILE_BYTES / (1024 * 1024)
            ),
        ));
    }
    std::fs::read(file)
        .map_err(|e| Diagnostic::at(&whole, format!("cannot read: {}", io_reason(&e))))
}
