//! Reading a vault folder from disk.

use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// Notes larger than this are not read; they are kept as empty notes so links to them resolve.
pub const MAX_NOTE_BYTES: u64 = 64 * 1024 * 1024;

/// A file that could not be read as it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadIssue {
    /// Vault-relative path (or the folder's, for a walk error).
    pub path: String,
    pub message: String,
}

/// The vault holding `start` (a folder or a file): the nearest folder from `start` up that
/// holds `.obsidian/`, as Obsidian marks a vault; `None` when no folder up to (and not
/// including) the file system's root does. Editors name other folders as the workspace: a
/// project root without version control is the note's own folder (eglot), a terminal's
/// current folder is a subfolder (`vaultls check`).
pub fn find_vault_root(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .filter(|dir| dir.parent().is_some())
        .find(|dir| dir.join(".obsidian").is_dir())
        .map(Path::to_path_buf)
}

/// Lists every file under `root` as (vault path, absolute path), sorted. Dot-folders
/// (`.obsidian`, `.git`, `.trash`) and dot-files are skipped; symlinks are not followed
/// (nothing outside the vault is read).
#[allow(clippy::type_complexity)]
pub fn walk(root: &Path) -> io::Result<(Vec<(String, PathBuf)>, Vec<LoadIssue>)> {
    let meta = fs::metadata(root)?;
    if !meta.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::NotADirectory,
            format!("{} is not a folder", root.display()),
        ));
    }
    let mut issues = Vec::new();
    let mut paths = Vec::new();
    // Folders still to list: vault path, absolute path, and whether a name on the way was
    // not UTF-8. std's read_dir, not a walker crate: the file type comes with each entry
    // (no stat), and a vault path is built once per entry, by one append.
    let mut folders = vec![(String::new(), root.to_path_buf(), false)];
    while let Some((folder, abs_folder, lossy_folder)) = folders.pop() {
        let entries = match fs::read_dir(&abs_folder) {
            Ok(entries) => entries,
            Err(err) => {
                issues.push(LoadIssue {
                    path: folder,
                    message: format!("folder not listed: {err}"),
                });
                continue;
            }
        };
        for entry in entries {
            let problem = |err: io::Error| LoadIssue {
                path: folder.clone(),
                message: format!("folder not fully listed: {err}"),
            };
            let entry = match entry {
                Ok(entry) => entry,
                Err(err) => {
                    issues.push(problem(err));
                    continue;
                }
            };
            // The name read from the entry's path, not copied out of it again.
            let abs = entry.path();
            let Some(file_name) = abs.file_name() else {
                continue;
            };
            let name = file_name.to_string_lossy();
            if name.starts_with('.') {
                continue;
            }
            let file_type = match entry.file_type() {
                Ok(t) => t,
                Err(err) => {
                    issues.push(problem(err));
                    continue;
                }
            };
            // Symlinks are neither: nothing is followed.
            if !file_type.is_dir() && !file_type.is_file() {
                continue;
            }
            let lossy = lossy_folder || matches!(name, std::borrow::Cow::Owned(_));
            let mut path = String::with_capacity(folder.len() + 1 + name.len());
            if !folder.is_empty() {
                path.push_str(&folder);
                path.push('/');
            }
            path.push_str(&name);
            if file_type.is_dir() {
                folders.push((path, abs, lossy));
                continue;
            }
            if lossy {
                issues.push(LoadIssue {
                    path: path.clone(),
                    message: "file name is not valid UTF-8; it is known by a lossy name".into(),
                });
            }
            paths.push((path, abs));
        }
    }
    // No two pairs are equal (the paths on disk differ): unstable sorts them as stably.
    paths.sort_unstable();
    Ok((paths, issues))
}

/// What is at a vault path on disk. Nothing is followed: a symlink anywhere on the way, a
/// `.` or `..` part, a FIFO, socket or device all count as [`DiskEntry::Nothing`], so nothing
/// outside the vault is ever read through the vault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiskEntry {
    File,
    Folder,
    Nothing,
}

/// Looks at `root/rel` one part at a time, without following symlinks.
pub fn disk_entry(root: &Path, rel: &str) -> DiskEntry {
    let mut path = root.to_path_buf();
    let mut parts = rel.split('/').peekable();
    while let Some(part) = parts.next() {
        if part.is_empty() || part == "." || part == ".." {
            return DiskEntry::Nothing;
        }
        path.push(part);
        let Ok(meta) = fs::symlink_metadata(&path) else {
            return DiskEntry::Nothing;
        };
        let kind = meta.file_type();
        if parts.peek().is_none() {
            return if kind.is_file() {
                DiskEntry::File
            } else if kind.is_dir() {
                DiskEntry::Folder
            } else {
                DiskEntry::Nothing
            };
        }
        if !kind.is_dir() {
            return DiskEntry::Nothing;
        }
    }
    DiskEntry::Nothing
}

/// Opens a file for reading without following a symlink and without blocking on a FIFO, and
/// only if it is a regular file.
fn open_regular(path: &Path) -> io::Result<(fs::File, fs::Metadata)> {
    let mut options = fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    let file = options.open(path)?;
    let metadata = file.metadata()?;
    if !metadata.is_file() {
        return Err(io::Error::other("not a regular file"));
    }
    Ok((file, metadata))
}

/// A note as read from disk ([`read_note`]).
#[derive(Debug, PartialEq, Eq)]
pub struct NoteRead {
    pub text: String,
    /// Why `text` is not the file's exact content (read lossily, too big, unreadable).
    pub problem: Option<String>,
    /// When the file was last modified ([`modified`]), as it was opened.
    pub modified: Option<u64>,
    /// What tells the file's next change ([`FileStamp`]), as it was opened; `None` when the
    /// text is not the file's exact content.
    pub stamp: Option<FileStamp>,
}

/// What a file's metadata says of its content: its size, modification and change times
/// (nanoseconds) and inode. A warm load takes a stored note whose file's stamp is unchanged
/// without reading it, as Obsidian's metadata cache does by modification time and size; the
/// change time is in too, as no program sets it (one that puts back a modification time after
/// an edit, `touch -r` or a sync tool, changes it), and the inode (a file replaced by a rename).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileStamp {
    pub len: u64,
    pub modified: u64,
    pub changed: u64,
    pub inode: u64,
}

impl FileStamp {
    /// The stamp of a regular file, `None` for anything else or without a modification time.
    pub fn of(metadata: &fs::Metadata) -> Option<FileStamp> {
        if !metadata.is_file() {
            return None;
        }
        #[cfg(unix)]
        let (changed, inode) = {
            use std::os::unix::fs::MetadataExt;
            (
                changed(metadata.ctime(), metadata.ctime_nsec()),
                metadata.ino(),
            )
        };
        #[cfg(not(unix))]
        let (changed, inode) = (0, 0);
        Some(FileStamp {
            len: metadata.len(),
            modified: modified(metadata)?,
            changed,
            inode,
        })
    }

    /// The stamp of the file at `path`, without following a symlink.
    pub fn read(path: &Path) -> Option<FileStamp> {
        FileStamp::of(&fs::symlink_metadata(path).ok()?)
    }

    /// [`FileStamp::read`], the file looked up in its folder held open by `folder` (opened
    /// there when it holds another): one name looked up, not each folder on the way. A warm
    /// load stamps every file, a folder's files one after another: at 50k generated notes
    /// 1.35 against 1.88 µs a file on Linux (a stat was 16 % of a warm 200k load's time).
    pub fn read_in(path: &Path, folder: &mut Folder) -> Option<FileStamp> {
        #[cfg(target_os = "linux")]
        if let Some(stamp) = folder.stamp(path) {
            return stamp;
        }
        let _ = folder;
        FileStamp::read(path)
    }

    /// The stamp of a regular file from its `stat` (as [`FileStamp::of`] reads its metadata).
    #[cfg(target_os = "linux")]
    fn of_stat(stat: &libc::stat) -> Option<FileStamp> {
        if stat.st_mode & libc::S_IFMT != libc::S_IFREG {
            return None;
        }
        // As `modified`: nanoseconds since 1970, 0 before.
        let modified = match u64::try_from(stat.st_mtime) {
            Ok(secs) => secs
                .saturating_mul(1_000_000_000)
                .saturating_add(stat.st_mtime_nsec as u64),
            Err(_) => 0,
        };
        Some(FileStamp {
            len: stat.st_size as u64,
            modified,
            changed: changed(stat.st_ctime, stat.st_ctime_nsec),
            inode: stat.st_ino,
        })
    }
}

/// A change time in nanoseconds, as [`FileStamp::changed`] holds it (from a stat's seconds and
/// nanoseconds, by metadata or by `fstatat`: one rule for both).
#[cfg(unix)]
fn changed(secs: i64, nanos: i64) -> u64 {
    (secs as u64)
        .saturating_mul(1_000_000_000)
        .saturating_add(nanos as u64)
}

/// The folder whose files [`FileStamp::read_in`] stamps, held open (each loading task keeps
/// its own).
#[derive(Default)]
pub struct Folder {
    #[cfg(target_os = "linux")]
    open: Option<(PathBuf, fs::File)>,
}

#[cfg(target_os = "linux")]
impl Folder {
    /// The stamp of the file at `path` taken in its folder: `None` when that cannot be done
    /// (no `/`, a name empty, `.`, `..`, too long or with a NUL, the folder not opened),
    /// `Some(None)` when there is no regular file there.
    fn stamp(&mut self, path: &Path) -> Option<Option<FileStamp>> {
        use std::os::fd::AsRawFd;
        use std::os::unix::ffi::OsStrExt;
        use std::os::unix::fs::OpenOptionsExt;
        // Split at the last `/` as the kernel reads the path: `Path` drops a trailing `/`
        // (`a/one.md/` would be stamped as `a/one.md`, where its stat finds no file). A name
        // that is empty, `.` or `..` is left to the path's own stat.
        let bytes = path.as_os_str().as_bytes();
        let slash = memchr::memrchr(b'/', bytes)?;
        let name = &bytes[slash + 1..];
        if matches!(name, b"" | b"." | b"..") {
            return None;
        }
        let parent = &bytes[..slash.max(1)];
        let open_here = |(open, _): &(PathBuf, fs::File)| open.as_os_str().as_bytes() == parent;
        if !self.open.as_ref().is_some_and(open_here) {
            let parent = Path::new(std::ffi::OsStr::from_bytes(parent));
            // Followed as a path's folders are by `symlink_metadata`; opened only to look
            // names up in.
            let mut options = fs::OpenOptions::new();
            options
                .read(true)
                .custom_flags(libc::O_PATH | libc::O_DIRECTORY);
            self.open = Some((parent.to_path_buf(), options.open(parent).ok()?));
        }
        let (_, dir) = self.open.as_ref()?;
        // The name with its NUL, on the stack (a name is at most 255 bytes).
        let mut c_name = [0u8; 256];
        if name.len() >= c_name.len() || name.contains(&0) {
            return None;
        }
        c_name[..name.len()].copy_from_slice(name);
        let mut stat = std::mem::MaybeUninit::<libc::stat>::uninit();
        // SAFETY: `dir` is an open descriptor, `c_name` is NUL-terminated, and `stat` is
        // written by a successful call before it is read.
        let found = unsafe {
            libc::fstatat(
                dir.as_raw_fd(),
                c_name.as_ptr().cast(),
                stat.as_mut_ptr(),
                libc::AT_SYMLINK_NOFOLLOW,
            )
        } == 0;
        // SAFETY: as above: read only after the call succeeded.
        Some(
            found
                .then(|| unsafe { stat.assume_init() })
                .and_then(|s| FileStamp::of_stat(&s)),
        )
    }
}

/// A file's modification time in nanoseconds since 1970 (0 before), `None` where the platform
/// has none: what [`crate::vault::Vault::set_modified`] keeps.
pub fn modified(metadata: &fs::Metadata) -> Option<u64> {
    let time = metadata.modified().ok()?;
    Some(
        time.duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)),
    )
}

/// Reads a note's text: lossily when it is not UTF-8, empty when it is unreadable or too big
/// (the problem says which). `None` when no regular file is there any more (deleted, or
/// replaced by a folder or symlink, while the vault was read).
pub fn read_note(path: &Path) -> Option<NoteRead> {
    let (mut file, metadata) = match open_regular(path) {
        Ok(opened) => opened,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return None,
        Err(_) if !path.symlink_metadata().is_ok_and(|m| m.is_file()) => return None,
        Err(err) => {
            let modified = path.symlink_metadata().ok().as_ref().and_then(modified);
            return Some(NoteRead {
                text: String::new(),
                problem: Some(format!("unreadable: {err}")),
                modified,
                stamp: None,
            });
        }
    };
    let modified = modified(&metadata);
    let stamp = FileStamp::of(&metadata);
    let empty = |problem: String| {
        Some(NoteRead {
            text: String::new(),
            problem: Some(problem),
            modified,
            stamp: None,
        })
    };
    let len = metadata.len();
    if len > MAX_NOTE_BYTES {
        return empty(format!(
            "skipped: {len} bytes is over the {} MiB limit for a note",
            MAX_NOTE_BYTES / 1024 / 1024
        ));
    }
    match read_sized(&mut file, len as usize) {
        Ok(bytes) => Some(match simdutf8::basic::from_utf8(&bytes) {
            // SAFETY: `bytes` was just checked to be UTF-8. (simdutf8 checks several times
            // faster than `String::from_utf8`, which was 3% of a load: every byte of a vault.)
            Ok(_) => NoteRead {
                // Only when the read took the size the stamp says: else the file changed
                // while it was read.
                stamp: stamp.filter(|s| s.len == bytes.len() as u64),
                text: unsafe { String::from_utf8_unchecked(bytes) },
                problem: None,
                modified,
            },
            Err(_) => NoteRead {
                text: String::from_utf8_lossy(&bytes).into_owned(),
                problem: Some("not valid UTF-8; invalid bytes were replaced with U+FFFD".into()),
                modified,
                stamp: None,
            },
        }),
        Err(err) => empty(format!("unreadable: {err}")),
    }
}

/// Reads a file whose size was `expected` when it was opened: one `read` when it still is
/// (asking one byte more, a short read of a regular file is its end), the rest up to the
/// size limit when it grew.
fn read_sized(file: &mut fs::File, expected: usize) -> io::Result<Vec<u8>> {
    let mut bytes = vec![0; expected + 1];
    let mut filled = 0;
    loop {
        match file.read(&mut bytes[filled..]) {
            Ok(0) => break,
            Ok(n) => {
                filled += n;
                if filled == expected {
                    break;
                }
                if filled == bytes.len() {
                    // Grew while it was read: the rest, up to the limit.
                    let rest = MAX_NOTE_BYTES.saturating_sub(filled as u64);
                    file.take(rest).read_to_end(&mut bytes)?;
                    return Ok(bytes);
                }
            }
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => return Err(err),
        }
    }
    bytes.truncate(filled);
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_read_whole_whatever_its_size_did_since_it_was_opened() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("n.md");
        let text = "é".repeat(3000);
        fs::write(&path, &text).unwrap();
        for expected in [
            text.len(),
            0,
            1,
            100,
            text.len() - 1,
            text.len() + 1,
            1 << 20,
        ] {
            let mut file = fs::File::open(&path).unwrap();
            let bytes = read_sized(&mut file, expected).unwrap();
            assert_eq!(bytes.len(), text.len(), "told {expected}");
            assert_eq!(bytes, text.as_bytes());
        }
        fs::write(&path, "").unwrap();
        assert_eq!(
            read_sized(&mut fs::File::open(&path).unwrap(), 0).unwrap(),
            b""
        );
        let read = read_note(&path).unwrap();
        assert_eq!((read.text.as_str(), read.problem), ("", None));
        assert_eq!(read.modified, modified(&fs::metadata(&path).unwrap()));
        assert!(read.modified.is_some());
    }

    /// A stamp taken in a folder held open is the stamp taken by path, whatever is there:
    /// files in turn in two folders and back, nothing, a symlink, a folder, a FIFO, a name
    /// not UTF-8, a file changed or replaced since the folder was opened, a folder gone.
    #[cfg(unix)]
    #[test]
    fn stamps_taken_in_an_open_folder_are_stamps_taken_by_path() {
        use std::os::unix::ffi::OsStrExt;
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        fs::create_dir_all(a.join("sub")).unwrap();
        fs::create_dir(&b).unwrap();
        fs::write(a.join("one.md"), "one").unwrap();
        fs::write(a.join("two.md"), "two!").unwrap();
        fs::write(b.join("three.md"), "three").unwrap();
        std::os::unix::fs::symlink(a.join("one.md"), b.join("link.md")).unwrap();
        let odd = b.join(std::ffi::OsStr::from_bytes(b"caf\xe9.md"));
        fs::write(&odd, "odd").unwrap();
        let fifo = std::ffi::CString::new(b.join("fifo.md").as_os_str().as_bytes()).unwrap();
        // SAFETY: a NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0);
        let paths = [
            a.join("one.md"),
            a.join("two.md"),
            a.join("missing.md"),
            a.join("sub"),
            b.join("three.md"),
            b.join("link.md"),
            odd.clone(),
            b.join("fifo.md"),
            // Odd parts: stamped in a folder or by path, as the path's own stat.
            a.join("sub/.."),
            a.join("sub/."),
            a.join("one.md/"),
            a.join("./two.md"),
            a.join("sub//../two.md"),
            a.join("one.md"),
            a.join("sub/none.md"),
        ];
        let mut folder = Folder::default();
        let check = |folder: &mut Folder| {
            for path in &paths {
                let want = FileStamp::read(path);
                assert_eq!(FileStamp::read_in(path, folder), want, "{path:?}");
            }
        };
        check(&mut folder);
        // Taken in the folder, not by path.
        #[cfg(target_os = "linux")]
        assert!(
            folder
                .open
                .as_ref()
                .is_some_and(|(open, _)| open == &a.join("sub"))
        );
        assert!(FileStamp::read_in(&a.join("one.md"), &mut folder).is_some());
        // Changed and replaced while the folder is held.
        fs::write(a.join("one.md"), "one, longer").unwrap();
        fs::rename(a.join("two.md"), a.join("one.md")).unwrap();
        fs::write(a.join("two.md"), "new").unwrap();
        check(&mut folder);
        fs::remove_dir_all(&b).unwrap();
        check(&mut folder);
        assert_eq!(FileStamp::read_in(&b.join("three.md"), &mut folder), None);
    }

    #[cfg(unix)]
    #[test]
    fn the_walk_lists_files_sorted_skipping_dot_names_and_symlinks() {
        use std::os::unix::ffi::OsStrExt;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("vault");
        for folder in ["a/b", "a b", ".obsidian", "c/.hidden"] {
            fs::create_dir_all(root.join(folder)).unwrap();
        }
        for file in [
            "z.md",
            "a/b/deep.md",
            "a b/x.md",
            "a/y.png",
            ".obsidian/app.json",
        ] {
            fs::write(root.join(file), "x").unwrap();
        }
        fs::write(root.join("c/.hidden/n.md"), "x").unwrap();
        fs::write(root.join("c/.dot.md"), "x").unwrap();
        fs::write(dir.path().join("outside.md"), "x").unwrap();
        std::os::unix::fs::symlink(dir.path().join("outside.md"), root.join("link.md")).unwrap();
        std::os::unix::fs::symlink(dir.path(), root.join("c/up")).unwrap();
        let bad = std::ffi::OsStr::from_bytes(b"bad\xff.md");
        fs::write(root.join("c").join(bad), "x").unwrap();
        let (paths, issues) = walk(&root).unwrap();
        let paths: Vec<&str> = paths.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            paths,
            [
                "a b/x.md",
                "a/b/deep.md",
                "a/y.png",
                "c/bad\u{fffd}.md",
                "z.md"
            ]
        );
        assert_eq!(
            issues,
            [LoadIssue {
                path: "c/bad\u{fffd}.md".into(),
                message: "file name is not valid UTF-8; it is known by a lossy name".into(),
            }]
        );
        let (files, _) = walk(&root).unwrap();
        assert!(
            files
                .iter()
                .all(|(p, abs)| abs == &root.join(p) || p.contains('\u{fffd}'))
        );
        assert!(walk(&root.join("z.md")).is_err());
    }
}
