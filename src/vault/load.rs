//! Reading a vault folder from disk.

use std::fs;
use std::io;
use std::path::Path;

use rayon::prelude::*;

use super::path::is_note_path;

/// Notes larger than this are not read; they are kept as empty notes so links to them resolve.
pub const MAX_NOTE_BYTES: u64 = 64 * 1024 * 1024;

/// A file that could not be read as it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadIssue {
    /// Vault-relative path (or the folder's, for a walk error).
    pub path: String,
    pub message: String,
}

/// Walks `root` and reads every note. Dot-folders (`.obsidian`, `.git`, `.trash`) and dot-files
/// are skipped; symlinks are not followed (nothing outside the vault is read).
#[allow(clippy::type_complexity)]
pub(super) fn read_vault(
    root: &Path,
) -> io::Result<(Vec<(String, Option<String>)>, Vec<LoadIssue>)> {
    let meta = fs::metadata(root)?;
    if !meta.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::NotADirectory,
            format!("{} is not a folder", root.display()),
        ));
    }
    let mut issues = Vec::new();
    let mut paths = Vec::new();
    let walker = ignore::WalkBuilder::new(root)
        .standard_filters(false)
        .hidden(true)
        .follow_links(false)
        .build();
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(err) => {
                issues.push(LoadIssue {
                    path: String::new(),
                    message: err.to_string(),
                });
                continue;
            }
        };
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let Ok(rel) = entry.path().strip_prefix(root) else {
            continue;
        };
        let mut parts = Vec::new();
        let mut lossy = false;
        for c in rel.components() {
            let s = c.as_os_str().to_string_lossy();
            lossy |= matches!(s, std::borrow::Cow::Owned(_));
            parts.push(s.into_owned());
        }
        let rel = parts.join("/");
        if lossy {
            issues.push(LoadIssue {
                path: rel.clone(),
                message: "file name is not valid UTF-8; it is known by a lossy name".into(),
            });
        }
        paths.push((rel, entry.into_path()));
    }
    paths.sort();
    let read: Vec<((String, Option<String>), Option<LoadIssue>)> = paths
        .into_par_iter()
        .map(|(rel, abs)| {
            if !is_note_path(&rel) {
                return ((rel, None), None);
            }
            let (text, issue) = read_note(&abs);
            let issue = issue.map(|message| LoadIssue {
                path: rel.clone(),
                message,
            });
            ((rel, Some(text)), issue)
        })
        .collect();
    let mut files = Vec::with_capacity(read.len());
    for (file, issue) in read {
        files.push(file);
        issues.extend(issue);
    }
    Ok((files, issues))
}

/// Reads a note's text: lossily when it is not UTF-8, empty when it is unreadable or too big.
pub(crate) fn read_note(path: &Path) -> (String, Option<String>) {
    match fs::metadata(path) {
        Ok(m) if m.len() > MAX_NOTE_BYTES => {
            return (
                String::new(),
                Some(format!(
                    "skipped: {} bytes is over the {} MiB limit for a note",
                    m.len(),
                    MAX_NOTE_BYTES / 1024 / 1024
                )),
            );
        }
        Ok(_) => {}
        Err(err) => return (String::new(), Some(format!("unreadable: {err}"))),
    }
    match fs::read(path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => (text, None),
            Err(err) => (
                String::from_utf8_lossy(err.as_bytes()).into_owned(),
                Some("not valid UTF-8; invalid bytes were replaced with U+FFFD".into()),
            ),
        },
        Err(err) => (String::new(), Some(format!("unreadable: {err}"))),
    }
}
