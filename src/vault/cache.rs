//! The persistent index: what a load learned about each note (its syntax summary and where
//! its links lead), kept in the user's cache folder so that the next load of the same vault
//! parses only the notes whose text changed, and resolves again only the links that files
//! added or removed since can lead elsewhere.
//!
//! Nothing stored is trusted. A note's summary is used only for the exact text it was made
//! from (a 128-bit hash of the text read now, so an edit that keeps the size and modification
//! time is seen too), its resolutions only for files still there (mapped to their ids now;
//! the links that added or removed files can change are resolved again, as an incremental
//! update finds them), and the whole file only when its header names this build of vaultls
//! and this vault and a checksum over all of it holds. Anything else is ignored: the load
//! parses what it cannot take. The file is written whole to a temporary name and renamed
//! over the old one, so a reader never sees a partial file, and a crashed writer leaves the
//! old one.
//!
//! A note held in pieces ([`super::NoteText::Pieces`]) is stored with its pieces, line table,
//! non-ASCII characters and its file's [`FileStamp`] as read: the next load in pieces takes
//! it, with its summary and resolutions, without reading the file when the file's stamp is
//! the same and was not racy (the file modified less than 2 s before the load that read it,
//! when a later edit could keep its modification time on a file system counting whole
//! seconds: git's "racily clean" rule). Obsidian's own metadata cache is kept the same way:
//! frontmatter, headings, links, tags and blocks of every file, checked by modification
//! time and size. The prose of a note is never stored.
//!
//! Layout (little-endian): the header `MAGIC`, format, build id, body length, body checksum
//! (xxh3-64), length of the derived indexes' part; that part (`StoredIndex`: a table of its
//! sections' lengths and checksums, then the sections, see `stored_index`); then the body:
//! the vault root, when the load started reading (ns since 1970),
//! the path list, the strings the pieces share (those of their [`StrPool`] the records name,
//! numbered again in order), then one record per note (path index, text hash, the stamp (a
//! flag, then four `u64`), the summary as postcard bytes (its links, blocks and lists each one
//! byte string of fixed-size records: `syntax::packed`), the resolutions (a `u32` each, as
//! [`Resolution`] holds it, the target's id by its stored path), then the held text (a flag,
//! then the line starts, the pieces held, the pooled pieces by number, the packed non-ASCII
//! characters and the note's title when it is not its stem)).
//! Our own framing, not serde's: the records are read one after another and decoded in
//! parallel a batch at a time (the file is never held whole), and the file is written
//! streaming, from the summaries the notes hold.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use xxhash_rust::xxh3::{Xxh3, xxh3_64, xxh3_128};

use super::bytes::{Put, ReadAt, Reader, Source, Stream};
use super::load::FileStamp;
use super::{FileId, Held, LineIndex, Resolution, TextHash, own_title};
use crate::syntax::NoteSyntax;
use crate::syntax::{Pieces, StrPool, WideChars};

const MAGIC: &[u8; 8] = b"vaultls\0";
/// Bumped whenever the layout or a stored type changes.
const FORMAT: u32 = 11;
const HEADER_LEN: usize = 8 + 4 + 8 + 8 + 8 + 8;

/// The environment variable naming the cache folder (the platform's cache folder's
/// `vaultls/` otherwise); `off` turns the cache off.
pub const CACHE_DIR_VAR: &str = "VAULTLS_CACHE_DIR";

/// The hash a stored summary is checked against.
pub(super) fn text_hash(text: &str) -> u128 {
    xxh3_128(text.as_bytes())
}

/// What tells this build of vaultls from others: a hash of its executable (a rebuilt binary
/// parses differently, whatever its version says; the size and modification time would not
/// do: Nix gives every file the same time), with the format. Worked out once per process
/// (a 10 MB release binary: ~5 ms). `None` when the executable cannot be read: then no cache
/// is used.
pub fn build_id() -> Option<u64> {
    static ID: std::sync::OnceLock<Option<u64>> = std::sync::OnceLock::new();
    *ID.get_or_init(|| {
        use std::io::Read;
        let mut exe = std::fs::File::open(std::env::current_exe().ok()?).ok()?;
        let mut hasher = Xxh3::new();
        hasher.update(&FORMAT.to_le_bytes());
        let mut chunk = vec![0; 1 << 20];
        loop {
            match exe.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => hasher.update(&chunk[..n]),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return None,
            }
        }
        Some(hasher.digest())
    })
}

/// The cache file for the vault at `root`: in `$VAULTLS_CACHE_DIR`, else in the platform's
/// cache folder (`$XDG_CACHE_HOME/vaultls`, `~/.cache/vaultls`, `~/Library/Caches/vaultls`,
/// `%LOCALAPPDATA%\vaultls`), named after a hash of the vault's canonical path. `None` when
/// there is no cache folder, or it is inside the vault but for a dot-folder (the cache never
/// goes where a vault would index it, sync it and watch it change), or `$VAULTLS_CACHE_DIR`
/// is `off`.
pub fn cache_file(root: &Path) -> Option<PathBuf> {
    let dir = match std::env::var_os(CACHE_DIR_VAR) {
        Some(dir) if dir == "off" => return None,
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => dirs::cache_dir()?.join("vaultls"),
    };
    let root = std::fs::canonicalize(root).ok()?;
    let dir = std::path::absolute(&dir).ok()?;
    // With symlinks resolved as far as it exists (the folder may not exist yet).
    let resolved = dir.ancestors().find_map(|a| {
        let rest = dir.strip_prefix(a).ok()?;
        Some(std::fs::canonicalize(a).ok()?.join(rest))
    })?;
    // Inside the vault only under a dot-folder (a vault at the home folder, the cache in its
    // `.cache/`), which no load reads.
    let hidden = |rel: &Path| {
        rel.components()
            .any(|c| c.as_os_str().to_string_lossy().starts_with('.'))
    };
    if [&resolved, &dir]
        .iter()
        .any(|d| d.strip_prefix(&root).is_ok_and(|rel| !hidden(rel)))
    {
        return None;
    }
    let key = xxh3_64(root.as_os_str().as_encoded_bytes());
    let name = root
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default()
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, '-' | '_'))
        .take(40)
        .collect::<String>();
    Some(dir.join(format!("{name}-{key:016x}.idx")))
}

/// A stored stamp is taken as it is only when the file was modified this long before the load
/// that read it started (nanoseconds): FAT counts modification times in 2 s.
pub(super) const RACY: u64 = 2_000_000_000;

/// A cache file as opened: its header checked, the vault root read; the rest is read by
/// [`Stored::decode`], streaming.
pub(super) struct Stored {
    body: BodyIn,
    /// Body bytes read and not taken yet: `buf[pos..]`. The body is read a batch at a time
    /// straight into this buffer, and records are decoded where they lie in it (a
    /// `BufReader` copied each field into a record's vector, and the checksum was updated
    /// field by field: the serial part of a warm load's decode, one core idle).
    buf: Vec<u8>,
    pos: usize,
    checksum: u64,
    /// The length of the derived indexes' part, between the header and the body.
    index_len: u64,
}

/// One note's record in a cache file.
pub(super) struct StoredNote<'a> {
    /// Index into the stored paths (those [`Stored::decode`] gives its `context`).
    pub path: u32,
    pub hash: u128,
    /// Its file's stamp when read, if the text was its exact content.
    pub stamp: Option<FileStamp>,
    syntax: &'a [u8],
    resolved: &'a [u8],
    /// The held text's parts, when it was held in pieces.
    held: Option<&'a [u8]>,
}

/// A cache file's body, decoded ([`Stored::decode`]).
pub(super) struct Streamed<C, T> {
    /// What the caller made of the paths before the notes were decoded.
    pub context: C,
    /// Each note decoded, with its path index.
    pub notes: Vec<(u32, T)>,
    /// How many notes the file holds.
    pub stored: usize,
    /// The derived indexes the file holds, read when the load can take them.
    pub index: Option<StoredIndex>,
}

/// Why a cache file was not used, for the log.
#[derive(Debug)]
pub struct NotUsed(pub String);

/// The body is read this many bytes at a time, into one of two buffers while the records
/// whole in the other are decoded in parallel: the file is never held whole (at 50k notes
/// held in pieces it is 115 MB). 2 MB rather than 8: a warm 50k load's peak 277 → 278 MB,
/// 200k's 1,089 → 1,082 MB, times alike.
const BATCH_BYTES: usize = 2 << 20;

impl Stored {
    /// Opens the cache file at `file` for the vault at `root` made by build `build`. Any
    /// mismatch is an error saying which: the load then parses everything.
    pub(super) fn read(file: &Path, root: &str, build: u64) -> Result<Stored, NotUsed> {
        Stored::read_by(file, root, build, BATCH_BYTES)
    }

    /// [`Stored::read`], the body read `batch` bytes at a time.
    fn read_by(file: &Path, root: &str, build: u64, batch: usize) -> Result<Stored, NotUsed> {
        use std::io::Read;
        let bad = |why: &str| NotUsed(why.to_string());
        let mut opened =
            std::fs::File::open(file).map_err(|e| NotUsed(format!("not read: {e}")))?;
        // The header first: a file of another build is not read further.
        let mut bytes = vec![0; HEADER_LEN];
        if opened.read_exact(&mut bytes).is_err() || &bytes[..8] != MAGIC {
            return Err(bad("not a vaultls cache"));
        }
        let mut header = Reader(&bytes[8..]);
        let (format, stored_build) = (header.u32(), header.u64());
        let (len, checksum, index_len) = (header.u64(), header.u64(), header.u64());
        if format != Some(FORMAT) || stored_build != Some(build) {
            return Err(bad("made by another version of vaultls"));
        }
        let (Some(len), Some(checksum), Some(index_len)) = (len, checksum, index_len) else {
            return Err(bad("truncated or overlong"));
        };
        let size = opened.metadata().map_or(0, |m| m.len());
        let expected = (HEADER_LEN as u64)
            .checked_add(len)
            .and_then(|n| n.checked_add(index_len));
        if Some(size) != expected {
            return Err(bad("truncated or overlong"));
        }
        // The body first; the indexes are read at the end, when the load knows it can take
        // them.
        if index_len > 0 {
            use std::io::{Seek, SeekFrom};
            opened
                .seek(SeekFrom::Current(index_len as i64))
                .map_err(|e| NotUsed(format!("not read: {e}")))?;
        }
        let _ = opened.set_modified(std::time::SystemTime::now());
        let mut stored = Stored {
            body: BodyIn {
                file: opened,
                hasher: Xxh3::new(),
                left: len,
                batch,
            },
            buf: Vec::new(),
            pos: 0,
            checksum,
            index_len,
        };
        // Used: not old, whatever [`prune`] finds next (a vault that never changes keeps its
        // file without writing it). The root is not yet covered by the checksum: a damaged
        // one is found at the end of [`Stored::decode`].
        match stored.str() {
            Some(stored_root) if stored_root == root => Ok(stored),
            Some(_) => Err(bad("made for another vault")),
            None => Err(bad("malformed")),
        }
    }

    /// Makes the next `n` bytes of the body readable at `buf[pos..]`, reading a batch (or
    /// what is needed, if more) after what is left; `None` past the body's end. Bytes before
    /// `pos` are dropped.
    fn fill(&mut self, n: usize) -> Option<()> {
        let have = self.buf.len() - self.pos;
        if have >= n {
            return Some(());
        }
        self.buf.drain(..self.pos);
        self.pos = 0;
        self.body.read_after(&mut self.buf, n - have)
    }

    /// The next `n` bytes of the body; `None` past its end.
    fn bytes(&mut self, n: usize) -> Option<&[u8]> {
        self.fill(n)?;
        let at = self.pos;
        self.pos += n;
        Some(&self.buf[at..at + n])
    }

    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.bytes(N)?.try_into().ok()
    }

    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take()?))
    }

    /// The next string.
    fn str(&mut self) -> Option<&str> {
        let len = self.u32()? as usize;
        std::str::from_utf8(self.bytes(len)?).ok()
    }

    /// Whether every byte of the body was taken.
    fn all_taken(&self) -> bool {
        self.body.left == 0 && self.pos == self.buf.len()
    }

    /// Body bytes not taken yet.
    fn untaken(&self) -> usize {
        self.body.left as usize + (self.buf.len() - self.pos)
    }

    /// Reads the start of the body: when the load that wrote it started reading (ns since
    /// 1970), the paths and the pool of the pieces stored. A load reads them while it walks
    /// the vault; [`Begun::decode`] reads the rest.
    pub(super) fn begin(mut self) -> Result<Begun, NotUsed> {
        let malformed = || NotUsed("malformed".into());
        let started = u64::from_le_bytes(self.take().ok_or_else(malformed)?);
        let count = self.u32().ok_or_else(malformed)? as usize;
        // Each entry takes at least its length's 4 bytes: a count past that is damage, not
        // a reason to reserve gigabytes.
        let mut paths = Vec::with_capacity(count.min(self.untaken() / 4));
        // Each made the vault's own (shared) path from where it lies in the buffer.
        for _ in 0..count {
            paths.push(self.str().ok_or_else(malformed)?.into());
        }
        // Straight into the pool's own storage.
        let pool = StrPool::default();
        for _ in 0..self.u32().ok_or_else(malformed)? {
            pool.push(self.str().ok_or_else(malformed)?);
        }
        Ok(Begun {
            stored: self,
            started,
            count: paths.len(),
            paths,
            pool: Arc::new(pool),
        })
    }
}

/// A cache file whose paths and pool are read ([`Stored::begin`]).
pub(super) struct Begun {
    stored: Stored,
    started: u64,
    paths: Vec<Arc<str>>,
    /// How many paths are stored (taken or not).
    count: usize,
    pool: Arc<StrPool>,
}

impl Begun {
    /// The paths stored, by index, taken (a load registers them as they are: 50k copies
    /// and lookups fewer).
    pub(super) fn take_paths(&mut self) -> Vec<Arc<str>> {
        std::mem::take(&mut self.paths)
    }

    /// Reads the rest of the body: the pool [`Stored::begin`] read, with when the load that
    /// wrote the file started, is given to `context`; then every note
    /// record, given to `decode` with the context (in parallel, a batch at a time; `None`
    /// leaves the note out). An error when the body does not split into records or its
    /// checksum fails: then nothing decoded is used.
    pub(super) fn decode<C: Sync, T: Send>(
        self,
        context: impl FnOnce(u64, Arc<StrPool>) -> C,
        decode: impl Fn(&C, &StoredNote<'_>) -> Option<T> + Sync,
    ) -> Result<Streamed<C, T>, NotUsed> {
        let malformed = || NotUsed("malformed".into());
        let Begun {
            stored: mut this,
            started,
            count: paths,
            pool,
            ..
        } = self;
        let context = context(started, pool);
        let count = this.u32().ok_or_else(malformed)? as usize;
        let mut notes = Vec::with_capacity(count.min(this.untaken() / 30));
        // The records whole in the buffer are decoded in parallel when the next one is not,
        // while the next batch of the body is read after what is left of it into a second
        // buffer (the read and the checksum were a warm load's serial part).
        let mut batch: Vec<std::ops::Range<usize>> = Vec::new();
        let mut next: Vec<u8> = Vec::new();
        let decode_batch = |buf: &[u8], batch: &[std::ops::Range<usize>]| {
            batch
                .par_iter()
                .map(|rec| {
                    let note = StoredNote::parse(&buf[rec.clone()])
                        .filter(|n| (n.path as usize) < paths)?;
                    Some(decode(&context, &note).map(|t| (note.path, t)))
                })
                .collect::<Option<Vec<Option<(u32, T)>>>>()
        };
        for _ in 0..count {
            let len = loop {
                match record_len(&this.buf[this.pos..]) {
                    Framed::Whole(len) => break len,
                    Framed::Short(need) => {
                        let have = &this.buf[this.pos..];
                        next.clear();
                        next.extend_from_slice(have);
                        let (read, decoded) = rayon::join(
                            || this.body.read_after(&mut next, need - have.len()),
                            || decode_batch(&this.buf, &batch),
                        );
                        notes.extend(decoded.ok_or_else(malformed)?.into_iter().flatten());
                        read.ok_or_else(malformed)?;
                        batch.clear();
                        std::mem::swap(&mut this.buf, &mut next);
                        this.pos = 0;
                    }
                    Framed::Bad => return Err(malformed()),
                }
            };
            batch.push(this.pos..this.pos + len);
            this.pos += len;
        }
        notes.extend(
            decode_batch(&this.buf, &batch)
                .ok_or_else(malformed)?
                .into_iter()
                .flatten(),
        );
        if !this.all_taken() {
            return Err(malformed());
        }
        if this.body.hasher.digest() != this.checksum {
            return Err(NotUsed("damaged (checksum)".into()));
        }
        let index = (this.index_len > 0).then(|| StoredIndex {
            file: this.body.file,
            len: this.index_len,
        });
        Ok(Streamed {
            context,
            notes,
            stored: count,
            index,
        })
    }
}

/// A cache file's body as read from the file, checksummed as it is.
struct BodyIn {
    file: std::fs::File,
    /// Over the body read so far.
    hasher: Xxh3,
    /// Body bytes not read from the file yet.
    left: u64,
    /// How many bytes are read at a time ([`BATCH_BYTES`]; fewer in tests, to split the
    /// records every way).
    batch: usize,
}

impl BodyIn {
    /// Appends at least `n` more bytes of the body to `out` (a batch, if the body holds
    /// one); `None` when it holds fewer than `n`.
    fn read_after(&mut self, out: &mut Vec<u8>, n: usize) -> Option<()> {
        use std::io::Read;
        // Checked against what the body holds before anything is reserved: a damaged length
        // is not a reason to allocate gigabytes.
        if n as u64 > self.left {
            return None;
        }
        let more = (n.max(self.batch) as u64).min(self.left) as usize;
        let at = out.len();
        out.resize(at + more, 0);
        self.file.read_exact(&mut out[at..]).ok()?;
        self.hasher.update(&out[at..]);
        self.left -= more as u64;
        Some(())
    }
}

/// How much of a note record the start of `bytes` holds ([`StoredNote::parse`] reads it).
enum Framed {
    /// The whole record, this long.
    Whole(usize),
    /// Part of it: at least this many bytes are needed to say more.
    Short(usize),
    /// Lengths past any file.
    Bad,
}

/// The length of the note record at the start of `bytes`, from its fields' lengths.
fn record_len(bytes: &[u8]) -> Framed {
    // A flag byte at `at`: whether it is set.
    let flag = |at: usize| match bytes.get(at) {
        Some(&b) => Ok(b != 0),
        None => Err(Framed::Short(at.saturating_add(1))),
    };
    // Where a field ends that is a `u32` count at `at`, then that many items of `per` bytes.
    let field = |at: usize, per: usize| {
        let start = at.checked_add(4).ok_or(Framed::Bad)?;
        let count = bytes.get(at..start).ok_or(Framed::Short(start))?;
        let count = u32::from_le_bytes([count[0], count[1], count[2], count[3]]) as usize;
        (count.checked_mul(per))
            .and_then(|n| n.checked_add(start))
            .ok_or(Framed::Bad)
    };
    let end = || {
        // Path index, hash, the stamp's flag and the stamp.
        let mut end = 4 + 16;
        if flag(end)? {
            end += 32;
        }
        // The summary, the resolutions (a `u32` each), the held text's flag and the text.
        let end = field(field(end + 1, 1)?, 4)?;
        let held = flag(end)?;
        let end = end.checked_add(1).ok_or(Framed::Bad)?;
        let end = if held { field(end, 1)? } else { end };
        match bytes.len() >= end {
            true => Ok(end),
            false => Err(Framed::Short(end)),
        }
    };
    end().map_or_else(|framed| framed, Framed::Whole)
}

/// The derived indexes' part of a cache file: a table of its sections (a count, then each
/// one's length and xxh3-64 checksum), then the sections.
pub(super) struct StoredIndex {
    file: std::fs::File,
    len: u64,
}

impl StoredIndex {
    /// Checks the `count` sections against their checksums (a chunk at a time: nothing is
    /// kept; those not `wanted` too: no byte of the file goes unchecked), for
    /// [`Sections::stream`] to read them after. `None` when the part does not hold `count`
    /// sections, one fails its checksum, or one wanted is empty (what the writer did not
    /// keep: every section kept holds at least a count).
    pub(super) fn check(self, count: usize, wanted: impl Fn(usize) -> bool) -> Option<Sections> {
        let table_len = 4 + 16 * count;
        if (table_len as u64) > self.len {
            return None;
        }
        let mut table = vec![0; table_len];
        read_at(&self.file, &mut table, HEADER_LEN as u64).ok()?;
        let mut r = Reader(&table);
        if r.u32()? as usize != count {
            return None;
        }
        let mut at = (HEADER_LEN + table_len) as u64;
        let mut sections = Vec::with_capacity(count);
        for _ in 0..count {
            let (len, checksum) = (r.u64()?, r.u64()?);
            sections.push((at, usize::try_from(len).ok()?, checksum));
            at = at.checked_add(len)?;
        }
        if at != HEADER_LEN as u64 + self.len {
            return None;
        }
        let mut chunk = vec![0; 1 << 20];
        for (i, &(start, len, checksum)) in sections.iter().enumerate() {
            if len == 0 && wanted(i) {
                return None;
            }
            let mut hasher = Xxh3::new();
            let mut done = 0;
            while done < len {
                let n = chunk.len().min(len - done);
                read_at(&self.file, &mut chunk[..n], start + done as u64).ok()?;
                hasher.update(&chunk[..n]);
                done += n;
            }
            if hasher.digest() != checksum {
                return None;
            }
        }
        Some(Sections {
            file: self.file,
            sections: sections.iter().map(|&(at, len, _)| (at, len)).collect(),
        })
    }
}

/// The derived indexes' sections of a cache file, checked ([`StoredIndex::check`]).
pub(super) struct Sections {
    file: std::fs::File,
    /// Where each one starts, and its length.
    sections: Vec<(u64, usize)>,
}

impl Sections {
    /// Section `i`, streamed from the file checked (by position: no writer changes a cache
    /// file in place, each writes a new one and renames it).
    pub(super) fn stream(&self, i: usize) -> Option<Stream<'_>> {
        let &(start, len) = self.sections.get(i)?;
        Some(Stream::new(&self.file, start, len as u64))
    }
}

impl ReadAt for std::fs::File {
    fn read_at(&self, at: u64, buf: &mut [u8]) -> Option<()> {
        read_at(self, buf, at).ok()
    }
}

/// Fills `buf` from `file` at `offset`, leaving the file's position alone where the platform
/// can, so that threads read sections of one file side by side.
fn read_at(file: &std::fs::File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    #[cfg(unix)]
    {
        std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
    }
    #[cfg(windows)]
    {
        let mut done = 0;
        while done < buf.len() {
            match std::os::windows::fs::FileExt::seek_read(
                file,
                &mut buf[done..],
                offset + done as u64,
            ) {
                Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
                Ok(n) => done += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
    #[cfg(not(any(unix, windows)))]
    {
        let _ = (file, buf, offset);
        Err(io::ErrorKind::Unsupported.into())
    }
}

impl<'a> StoredNote<'a> {
    /// A record's fields, as [`Stored::record`] reads them; `None` when they do not fit it.
    fn parse(rec: &'a [u8]) -> Option<StoredNote<'a>> {
        let mut r = Reader(rec);
        let path = r.u32()?;
        let hash = u128::from_le_bytes(r.bytes(16)?.try_into().ok()?);
        let stamp = match r.bytes(1)?[0] {
            0 => None,
            _ => Some(FileStamp {
                len: r.u64()?,
                modified: r.u64()?,
                changed: r.u64()?,
                inode: r.u64()?,
            }),
        };
        let len = r.u32()? as usize;
        let syntax = r.bytes(len)?;
        let links = r.u32()? as usize;
        let resolved = r.bytes(links.checked_mul(4)?)?;
        let held = match r.bytes(1)?[0] {
            0 => None,
            _ => {
                let len = r.u32()? as usize;
                Some(r.bytes(len)?)
            }
        };
        r.0.is_empty().then_some(StoredNote {
            path,
            hash,
            stamp,
            syntax,
            resolved,
            held,
        })
    }

    /// The stored summary, `None` when it does not decode (then the note is parsed).
    pub(super) fn syntax(&self) -> Option<NoteSyntax> {
        postcard::from_bytes(self.syntax).ok()
    }

    /// Whether the note was stored held in pieces.
    pub(super) fn has_held(&self) -> bool {
        self.held.is_some()
    }

    /// The stored held text and line table, its pooled pieces naming strings of `pool`, and
    /// the note's title when it is not its file's stem, as the note keeps it (a warm start
    /// made it from the summary and the pieces for every note: a few percent of its time);
    /// `None` when there is none or it is not well formed (then the file is read).
    pub(super) fn held(
        &self,
        pool: &Arc<StrPool>,
        lens: &[u32],
        hash: u128,
    ) -> Option<(Held, LineIndex, Option<Box<str>>)> {
        // Read in place: each table goes into its packed form with no copy between (a
        // warm 50k load made three vectors a note only to copy them).
        let mut r = Reader(self.held?);
        let len = r.u32()?;
        let lines = r.u32s()?;
        let starts = r.pairs()?;
        let held = r.text()?;
        let pooled = r.pairs()?;
        let count = r.u32()? as usize;
        let wide = r.bytes(count)?;
        let title = match r.u8()? {
            0 => None,
            1 => Some(r.text()?.into()),
            _ => return None,
        };
        if !r.0.is_empty() {
            return None;
        }
        Some((
            Held {
                pieces: Pieces::from_parts(starts, held, pooled, pool, lens, len)?,
                wide: WideChars::from_raw(wide, len as usize)?,
                hash: hash.into(),
            },
            LineIndex::from_parts(lines, len)?,
            title,
        ))
    }

    /// The stored resolutions, each target's stored path index mapped by `remap` to the file
    /// with that path now; `None` when they do not fit `links` links or a target is no longer
    /// there (then the note's links are resolved again).
    pub(super) fn resolved(
        &self,
        links: usize,
        remap: &[Option<FileId>],
    ) -> Option<Arc<[Resolution]>> {
        if self.resolved.len() != links * 4 {
            return None;
        }
        let map = |raw: &[u8]| {
            let stored = Resolution(u32::from_le_bytes(raw.try_into().ok()?));
            let Some(id) = stored.file() else {
                // Nowhere, or a marked nothing: damage.
                return stored.is_unresolved().then_some(Resolution::UNRESOLVED);
            };
            let now = (*remap.get(id.index())?)?;
            Some(match stored.is_ambiguous() {
                true => Resolution::ambiguous(now),
                false => Resolution::to(now),
            })
        };
        // Checked, then mapped into the note's own list: one allocation, no vector between.
        let raw = self.resolved.chunks_exact(4);
        if raw.clone().any(|raw| map(raw).is_none()) {
            return None;
        }
        Some(
            raw.map(|raw| map(raw).unwrap_or(Resolution::UNRESOLVED))
                .collect(),
        )
    }
}

/// What one note contributes to the next cache file. Held from the end of the load to the
/// end of the write, beside everything the vault holds: 88 bytes a note, where a record
/// copying the hash, stamp and title of every note was 128 (2 MB of the first 50k load's
/// peak).
pub(super) struct NoteOut {
    pub id: FileId,
    /// Encoded by the writer, off the load (the note holds it anyway: no copy).
    pub syntax: Arc<NoteSyntax>,
    /// As the load left them (shared with the note, which copies them before it changes
    /// them).
    pub resolved: Arc<[Resolution]>,
    pub text: TextOut,
}

/// What a [`NoteOut`] says of its note's text.
pub(super) enum TextOut {
    /// Held in pieces, shared with the note: the text's hash is the held one's, and its title
    /// is found again from them when written. Only with a stamp (a note read with a problem
    /// is read again).
    Held {
        held: Arc<Held>,
        lines: LineIndex,
        stamp: FileStamp,
    },
    /// Its text's hash, and its file's stamp when read.
    Hashed {
        hash: TextHash,
        stamp: Option<FileStamp>,
    },
}

/// The pool's strings the notes name, numbered again in order: a bit a string, and the count
/// before every 64 (a number a string was 0.6 MB of the write's memory at 50k notes).
struct Renumber {
    named: Vec<u64>,
    before: Vec<u32>,
    len: usize,
}

impl Renumber {
    /// For a pool of `len` strings, none named.
    fn new(len: usize) -> Renumber {
        Renumber {
            named: vec![0; len.div_ceil(64)],
            before: Vec::new(),
            len,
        }
    }

    /// String `id` is named (a number past the pool's is not).
    fn name(&mut self, id: u32) {
        if (id as usize) < self.len
            && let Some(word) = self.named.get_mut(id as usize / 64)
        {
            *word |= 1 << (id % 64);
        }
        self.before.clear();
    }

    /// How many strings are named; numbers are given from here on.
    fn count(&mut self) -> u32 {
        let mut count = 0;
        self.before = (self.named.iter())
            .map(|word| {
                let before = count;
                count += word.count_ones();
                before
            })
            .collect();
        count
    }

    /// The new number of string `id`, `None` when it is not named. After [`Renumber::count`].
    fn get(&self, id: u32) -> Option<u32> {
        let (at, bit) = (id as usize / 64, id % 64);
        let word = *self.named.get(at)?;
        let below = word & ((1 << bit) - 1);
        (word >> bit & 1 == 1).then(|| self.before.get(at).map(|b| b + below.count_ones()))?
    }
}

/// Encodes a held text, line table and title as [`StoredNote::held`] reads them, its pooled
/// pieces numbered as `renumber` says; `None` when they are not in `pool`, the pool the file
/// stores.
fn encode_held(
    held: &Held,
    lines: &LineIndex,
    title: Option<&str>,
    pool: &Arc<StrPool>,
    renumber: &Renumber,
) -> Option<Vec<u8>> {
    let parts = held.pieces.parts();
    if parts.pool.is_some_and(|own| !Arc::ptr_eq(own, pool)) {
        return None;
    }
    let (starts, text, len) = (parts.starts(), parts.held, parts.len);
    let (mut line_starts, _) = lines.parts();
    let wide = held.wide.raw();
    let mut out = Vec::with_capacity(
        20 + 4 * line_starts.len()
            + 8 * (starts.len() + parts.pooled().len())
            + text.len()
            + wide.len(),
    );
    let u32s = |out: &mut Vec<u8>, values: &mut dyn Iterator<Item = u32>| {
        for v in values {
            out.extend_from_slice(&v.to_le_bytes());
        }
    };
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&(line_starts.len() as u32).to_le_bytes());
    u32s(&mut out, &mut line_starts);
    out.extend_from_slice(&(starts.len() as u32).to_le_bytes());
    u32s(&mut out, &mut starts.flat_map(|(a, b)| [a, b]));
    out.extend_from_slice(&(text.len() as u32).to_le_bytes());
    out.extend_from_slice(text.as_bytes());
    out.extend_from_slice(&(parts.pooled().len() as u32).to_le_bytes());
    for (start, id) in parts.pooled() {
        out.extend_from_slice(&start.to_le_bytes());
        out.extend_from_slice(&renumber.get(id)?.to_le_bytes());
    }
    out.extend_from_slice(&(wide.len() as u32).to_le_bytes());
    out.extend_from_slice(wide);
    if let Some(title) = title {
        out.push(1);
        out.extend_from_slice(&(title.len() as u32).to_le_bytes());
        out.extend_from_slice(title.as_bytes());
    } else {
        out.push(0);
    }
    Some(out)
}

/// Encodes resolutions as [`StoredNote::resolved`] reads them.
fn encode_resolved(resolved: &[Resolution], out: &mut Vec<u8>) {
    out.clear();
    out.reserve(resolved.len() * 4);
    for r in resolved {
        out.extend_from_slice(&r.0.to_le_bytes());
    }
}

/// A cache file to write: what a load learned. Written apart from the load (it never delays
/// a request): [`CacheWrite::write`].
pub struct CacheWrite {
    pub(super) file: PathBuf,
    pub(super) root: String,
    pub(super) build: u64,
    /// When the load started reading files (ns since 1970).
    pub(super) started: u64,
    /// Every registered path, in id order.
    pub(super) paths: Vec<Arc<str>>,
    /// The strings the notes' pieces share.
    pub(super) pool: Arc<StrPool>,
    pub(super) notes: Vec<NoteOut>,
    /// The temporary file the derived indexes are written to ([`CacheWrite::store_index`]),
    /// open at their end, and their length; the body follows them.
    pub(super) index: Option<(PathBuf, std::fs::File, u64)>,
}

impl Drop for CacheWrite {
    /// A write given up leaves no temporary file.
    fn drop(&mut self) {
        if let Some((tmp, _, _)) = self.index.take() {
            let _ = std::fs::remove_file(tmp);
        }
    }
}

impl CacheWrite {
    /// A fresh temporary file's path beside the cache file, its folder made: unique per
    /// process and write, so that two servers on one vault each rename a whole file.
    fn temporary(&self) -> io::Result<PathBuf> {
        let dir = self.file.parent().unwrap_or(Path::new("."));
        // The owner's alone (the paths of notes are in it), where the platform has modes.
        let mut folder = std::fs::DirBuilder::new();
        folder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut folder, 0o700);
        folder.create(dir)?;
        static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let name = self.file.file_name().unwrap_or_default().to_string_lossy();
        Ok(dir.join(format!(".{name}.{}.{n}.tmp", std::process::id())))
    }

    /// Writes the derived indexes to the temporary file now, while the load still holds them
    /// as its records were taken (the body is written later, off the load): `section(i, out)`
    /// appends section `i` of `count`. Streamed a section at a time. On a failure the file is
    /// written without them.
    pub(super) fn store_index(&mut self, count: usize, section: impl Fn(usize, &mut dyn Put)) {
        let Ok(tmp) = self.temporary() else {
            return;
        };
        match write_index(&tmp, count, section) {
            Ok((file, len)) => self.index = Some((tmp, file, len)),
            Err(_) => {
                let _ = std::fs::remove_file(&tmp);
            }
        }
    }

    /// Writes the cache file: to a temporary file beside it, then renamed over it. Streamed
    /// (summaries are encoded one at a time): the memory it takes does not grow with the vault.
    pub fn write(mut self) -> io::Result<()> {
        let (tmp, file, index_len) = match self.index.take() {
            Some(begun) => begun,
            None => {
                let tmp = self.temporary()?;
                let mut file = create_private(&tmp)?;
                // The header, once the body's length and checksum are known.
                let started = file.write_all(&[0; HEADER_LEN]);
                if let Err(err) = started {
                    let _ = std::fs::remove_file(&tmp);
                    return Err(err);
                }
                (tmp, file, 0)
            }
        };
        let written = self
            .write_to(file, index_len)
            .and_then(|()| std::fs::rename(&tmp, &self.file));
        if written.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        prune(
            self.file.parent().unwrap_or(Path::new(".")),
            std::time::SystemTime::now(),
        );
        written
    }

    /// Writes the body to `file` (open past the header and the `index_len` bytes of the
    /// derived indexes), then the header.
    fn write_to(&self, file: std::fs::File, index_len: u64) -> io::Result<()> {
        use std::io::{Seek, SeekFrom};
        let mut body = Body {
            // Small: the write runs beside everything the vault holds, and a bigger buffer
            // is only fewer calls (1 MiB was 1 MB of the first load's peak, no faster).
            out: io::BufWriter::with_capacity(64 << 10, file),
            hasher: Xxh3::new(),
            len: 0,
        };
        body.str(&self.root)?;
        body.put(&self.started.to_le_bytes())?;
        body.u32(self.paths.len())?;
        for path in &self.paths {
            body.str(path)?;
        }
        // Only the strings the notes' pieces name, numbered again in order: a string no note
        // holds any more (the pool only grows while a vault lives) is not carried on to the
        // next start. Every number named is below the pool's count now.
        let mut renumber = Renumber::new(self.pool.len());
        for note in &self.notes {
            let TextOut::Held { held, .. } = &note.text else {
                continue;
            };
            let parts = held.pieces.parts();
            if parts.pool.is_some_and(|own| Arc::ptr_eq(own, &self.pool)) {
                for (_, id) in parts.pooled() {
                    renumber.name(id);
                }
            }
        }
        body.u32(renumber.count() as usize)?;
        for (id, s) in self.pool.strings().enumerate() {
            if renumber.get(id as u32).is_some() {
                body.str(s)?;
            }
        }
        body.u32(self.notes.len())?;
        let mut scratch = Vec::new();
        for note in &self.notes {
            let (hash, stamp) = match &note.text {
                TextOut::Held { held, stamp, .. } => (held.hash, Some(*stamp)),
                TextOut::Hashed { hash, stamp } => (*hash, *stamp),
            };
            body.u32(note.id.index())?;
            body.put(&u128::from(hash).to_le_bytes())?;
            match stamp {
                Some(s) => {
                    body.put(&[1])?;
                    for v in [s.len, s.modified, s.changed, s.inode] {
                        body.put(&v.to_le_bytes())?;
                    }
                }
                None => body.put(&[0])?,
            }
            // Plain data into a Vec has no failure mode; were it to fail, the note is stored
            // with a summary that does not decode, and parsed again next time.
            let syntax = postcard::to_allocvec(&*note.syntax).unwrap_or_default();
            body.u32(syntax.len())?;
            body.put(&syntax)?;
            body.u32(note.resolved.len())?;
            encode_resolved(&note.resolved, &mut scratch);
            body.put(&scratch)?;
            let encoded = match &note.text {
                TextOut::Held { held, lines, .. } => {
                    let path = self.paths.get(note.id.index()).map_or("", |p| &**p);
                    let title = own_title(&note.syntax, &held.pieces, path);
                    encode_held(held, lines, title, &self.pool, &renumber)
                }
                TextOut::Hashed { .. } => None,
            };
            match encoded {
                Some(bytes) => {
                    body.put(&[1])?;
                    body.u32(bytes.len())?;
                    body.put(&bytes)?;
                }
                None => body.put(&[0])?,
            }
        }
        let mut header = Vec::with_capacity(HEADER_LEN);
        header.extend_from_slice(MAGIC);
        header.extend_from_slice(&FORMAT.to_le_bytes());
        header.extend_from_slice(&self.build.to_le_bytes());
        header.extend_from_slice(&body.len.to_le_bytes());
        header.extend_from_slice(&body.hasher.digest().to_le_bytes());
        header.extend_from_slice(&index_len.to_le_bytes());
        let mut file = body.out.into_inner().map_err(|e| e.into_error())?;
        file.seek(SeekFrom::Start(0))?;
        file.write_all(&header)
    }

    /// How many notes the file will hold.
    pub fn notes(&self) -> usize {
        self.notes.len()
    }

    /// The cache file.
    pub fn file(&self) -> &Path {
        &self.file
    }
}

/// Writes the derived indexes' part to a new file at `tmp` after room for the header, as
/// [`StoredIndex::check`] reads it; the file is left at its end.
fn write_index(
    tmp: &Path,
    count: usize,
    section: impl Fn(usize, &mut dyn Put),
) -> io::Result<(std::fs::File, u64)> {
    use std::io::{Seek, SeekFrom};
    let table_len = 4 + 16 * count;
    let mut file = create_private(tmp)?;
    file.write_all(&[0; HEADER_LEN])?;
    file.write_all(&vec![0; table_len])?;
    let mut table = Vec::with_capacity(table_len);
    table.extend_from_slice(&(count as u32).to_le_bytes());
    let mut len = table_len as u64;
    for i in 0..count {
        let mut out = Chunked {
            file: &mut file,
            buf: Vec::with_capacity(Chunked::SIZE + 1024),
            hasher: Xxh3::new(),
            len: 0,
            error: None,
        };
        section(i, &mut out);
        out.flush();
        if let Some(err) = out.error {
            return Err(err);
        }
        table.extend_from_slice(&out.len.to_le_bytes());
        table.extend_from_slice(&out.hasher.digest().to_le_bytes());
        len += out.len;
    }
    file.seek(SeekFrom::Start(HEADER_LEN as u64))?;
    file.write_all(&table)?;
    file.seek(SeekFrom::End(0))?;
    Ok((file, len))
}

/// A section as it is written: to the file a chunk at a time, hashed on the way (the load
/// that writes the file is at its peak then: a section held whole was 4 MB more at 50k).
struct Chunked<'a> {
    file: &'a mut std::fs::File,
    buf: Vec<u8>,
    hasher: Xxh3,
    len: u64,
    /// The first write that failed (the rest are not tried).
    error: Option<io::Error>,
}

impl Chunked<'_> {
    const SIZE: usize = 64 << 10;

    fn flush(&mut self) {
        if self.error.is_none() {
            self.hasher.update(&self.buf);
            self.len += self.buf.len() as u64;
            self.error = self.file.write_all(&self.buf).err();
        }
        self.buf.clear();
    }

    fn done(&mut self) {
        if self.buf.len() >= Chunked::SIZE {
            self.flush();
        }
    }
}

impl Put for Chunked<'_> {
    fn u8(&mut self, n: u8) {
        self.buf.u8(n);
        self.done();
    }

    fn u32(&mut self, n: u32) {
        self.buf.u32(n);
        self.done();
    }

    fn u64(&mut self, n: u64) {
        self.buf.u64(n);
        self.done();
    }

    fn str(&mut self, s: &str) {
        self.buf.str(s);
        self.done();
    }

    fn var(&mut self, n: u32) {
        self.buf.var(n);
        self.done();
    }

    fn deltas(&mut self, values: &[u32]) {
        self.buf.deltas(values);
        self.done();
    }
}

/// A cache file neither used nor written for this long is removed (its vault was moved,
/// deleted, or was a temporary folder); the next load of the vault, if any, writes it again.
const UNUSED_FOR: std::time::Duration = std::time::Duration::from_secs(60 * 24 * 3600);
/// A temporary file this old was left by a writer that died.
const ABANDONED_AFTER: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// Removes the cache folder's files that are no longer of use at `now`. Only our own
/// names: `*.idx`, and `.*.tmp` for temporary files.
fn prune(dir: &Path, now: std::time::SystemTime) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let limit = if name.starts_with('.') && name.ends_with(".tmp") {
            ABANDONED_AFTER
        } else if !name.starts_with('.') && name.ends_with(".idx") {
            UNUSED_FOR
        } else {
            continue;
        };
        let old = entry
            .metadata()
            .ok()
            .filter(|m| m.is_file())
            .and_then(|m| m.modified().ok())
            .and_then(|t| now.duration_since(t).ok())
            .is_some_and(|age| age > limit);
        if old {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Creates (or truncates) `path` readable and writable by its owner alone, where the
/// platform has modes.
fn create_private(path: &Path) -> io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// A cache file's body as it is written, with its length and checksum so far.
struct Body {
    out: io::BufWriter<std::fs::File>,
    hasher: Xxh3,
    len: u64,
}

impl Body {
    fn put(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.hasher.update(bytes);
        self.len += bytes.len() as u64;
        self.out.write_all(bytes)
    }

    fn u32(&mut self, n: usize) -> io::Result<()> {
        // Counts and lengths are bounded by the vault (ids are u32, notes ≤ 64 MiB).
        self.put(&(n as u32).to_le_bytes())
    }

    fn str(&mut self, s: &str) -> io::Result<()> {
        self.u32(s.len())?;
        self.put(s.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::{SyntaxError, parse_note};

    #[test]
    fn strings_named_are_numbered_again_in_order_and_no_other() {
        for len in [0usize, 1, 63, 64, 65, 200, 1000] {
            // Named in no order, some twice, and numbers past the pool.
            let named: std::collections::BTreeSet<u32> = (0..len as u32)
                .filter(|i| (i * 7 + len as u32) % 5 < 2 || *i == 63 || *i + 1 == len as u32)
                .collect();
            let mut renumber = Renumber::new(len);
            for &id in named.iter().rev().chain(&named) {
                renumber.name(id);
            }
            renumber.name(len as u32);
            renumber.name(u32::MAX);
            assert_eq!(renumber.count() as usize, named.len());
            for id in 0..len as u32 + 70 {
                let expected = named.iter().position(|&n| n == id).map(|at| at as u32);
                assert_eq!(renumber.get(id), expected, "string {id} of {len}");
            }
            assert_eq!(renumber.get(u32::MAX), None);
        }
    }

    #[test]
    fn a_summary_reads_back_as_it_was_parsed() {
        let long = format!("[[{}]]", "x".repeat(70_000));
        let mut notes: Vec<String> = vec![
            "---\ntitle: \"T\\u0041\"\naliases: [a, 'b']\ntags: [t]\nup: \"[[N]]\"\nbad: [[N]]\nmap: {k: [1, {j: x}]}\n---\n# *H* `c`\n\npara ^b1\n\n- [[N#H|d]] ![[img.png]] [x](a%20b.md#^b1)\n\n[r]: N.md\n[^1]: f\n".into(),
            "---\ntitle: [broken\n---\nbody #tag/x\n".into(),
            long,
            String::new(),
        ];
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/vault");
        for entry in std::fs::read_dir(root.join("People")).unwrap() {
            notes.push(std::fs::read_to_string(entry.unwrap().path()).unwrap());
        }
        let mut codes = Vec::new();
        for text in &notes {
            let syntax = parse_note(text);
            codes.extend(syntax.errors.iter().map(|e| e.code));
            let bytes = postcard::to_allocvec(&syntax).unwrap();
            let stored = StoredNote {
                path: 0,
                hash: text_hash(text),
                stamp: None,
                syntax: &bytes,
                resolved: &[],
                held: None,
            };
            assert_eq!(stored.syntax().as_ref(), Some(&syntax), "{text:.60}");
        }
        codes.sort();
        codes.dedup();
        let mut known = SyntaxError::CODES.to_vec();
        known.sort();
        assert_eq!(codes, known, "every code is stored and read back");
    }

    #[test]
    fn a_record_is_framed_from_its_fields_lengths_or_asks_for_more() {
        let mut rec = vec![7; 20]; // path index, hash
        rec.push(1); // a stamp
        rec.extend([0; 32]);
        rec.extend(3u32.to_le_bytes()); // the summary
        rec.extend([1, 2, 3]);
        rec.extend(2u32.to_le_bytes()); // two resolutions
        rec.extend([0; 8]);
        rec.push(1); // held
        rec.extend(5u32.to_le_bytes());
        rec.extend([9; 5]);
        let whole = rec.len();
        rec.extend([42; 10]); // the next record
        assert!(matches!(record_len(&rec), Framed::Whole(n) if n == whole));
        let mut asked = Vec::new();
        for len in 0..whole {
            match record_len(&rec[..len]) {
                Framed::Short(need) => {
                    assert!(need > len && need <= whole, "{len}: {need}");
                    asked.push(need);
                }
                _ => panic!("{len} bytes are not a record"),
            }
        }
        asked.dedup();
        // Each length read as soon as it is there.
        assert_eq!(asked, [21, 57, 64, 73, 77, whole]);
        // A record with no stamp and nothing held.
        let mut bare = vec![0; 21];
        bare.extend(0u32.to_le_bytes());
        bare.extend(0u32.to_le_bytes());
        bare.push(0);
        assert!(matches!(record_len(&bare), Framed::Whole(30)));
    }

    #[test]
    fn records_read_back_the_same_however_the_body_is_split_into_batches() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/vault");
        let caches = tempfile::tempdir().unwrap();
        let file = caches.path().join("vault.idx");
        let options = crate::vault::LoadOptions {
            pieces: true,
            cache: Some(&file),
            ..Default::default()
        };
        let loaded = crate::vault::Vault::load_cached(&root, &options).unwrap();
        loaded.cache_write.unwrap().write().unwrap();
        let canonical = std::fs::canonicalize(&root).unwrap();
        let read = |batch: usize| {
            let root = canonical.to_string_lossy();
            let stored = Stored::read_by(&file, &root, build_id().unwrap(), batch).unwrap();
            let mut begun = stored.begin().unwrap();
            let paths = begun.take_paths();
            let streamed = begun
                .decode(
                    |_, pool| pool.strings().map(str::to_owned).collect::<Vec<_>>(),
                    |_, note| {
                        let held = note.held.map(<[u8]>::to_vec);
                        Some((
                            note.hash,
                            note.stamp,
                            note.syntax.to_vec(),
                            note.resolved.to_vec(),
                            held,
                        ))
                    },
                )
                .unwrap_or_else(|e| panic!("batch {batch}: {}", e.0));
            (paths, streamed.context, streamed.notes, streamed.stored)
        };
        let whole = read(BATCH_BYTES);
        assert_eq!(whole.3, 16);
        assert_eq!(whole.2.len(), 16);
        assert!(
            whole.2.iter().all(|(_, note)| note.4.is_some()),
            "held in pieces"
        );
        // 1 byte: every field read on its own; then records split at every place.
        for batch in [1, 5, 64, 333, 4096] {
            assert!(read(batch) == whole, "batch {batch}");
        }
        // Damaged anywhere in the body, or cut short, it is refused whatever the batches,
        // never read wrong (nor does a damaged length make the reader panic or reserve it).
        let good = std::fs::read(&file).unwrap();
        let index_len = u64::from_le_bytes(good[36..44].try_into().unwrap()) as usize;
        let body = HEADER_LEN + index_len;
        let refused = |bytes: &[u8], batch: usize| {
            std::fs::write(&file, bytes).unwrap();
            let root = canonical.to_string_lossy();
            let decoded = Stored::read_by(&file, &root, build_id().unwrap(), batch)
                .and_then(Stored::begin)
                .and_then(|begun| begun.decode(|_, _| (), |_, note| Some(note.hash)));
            decoded.is_err()
        };
        for at in (body..good.len()).step_by(97) {
            for batch in [1, 64, BATCH_BYTES] {
                let mut bytes = good.clone();
                bytes[at] ^= 0x5a;
                assert!(refused(&bytes, batch), "a byte at {at}, batch {batch}");
                let mut bytes = good.clone();
                let end = (at + 4).min(bytes.len());
                bytes[at..end].fill(0xff);
                if bytes != good {
                    assert!(refused(&bytes, batch), "a length at {at}, batch {batch}");
                }
                // Cut: the header's lengths no longer match the file's.
                assert!(refused(&good[..at], batch), "cut at {at}, batch {batch}");
            }
        }
    }

    #[test]
    fn only_our_files_unused_for_long_are_pruned() {
        let dir = tempfile::tempdir().unwrap();
        let now = std::time::SystemTime::now();
        let day = std::time::Duration::from_secs(24 * 3600);
        for (name, age) in [
            ("old-1.idx", 61),
            ("recent-2.idx", 59),
            (".old-1.idx.9.0.tmp", 2),
            (".new-1.idx.9.1.tmp", 0),
            ("notes.md", 400),
            (".hidden.idx", 400),
        ] {
            let file = std::fs::File::create(dir.path().join(name)).unwrap();
            file.set_modified(now - day * age).unwrap();
        }
        prune(dir.path(), now);
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [
                ".hidden.idx",
                ".new-1.idx.9.1.tmp",
                "notes.md",
                "recent-2.idx"
            ]
        );
    }

    #[test]
    fn resolutions_read_back_mapped_to_the_files_now() {
        let resolved = [
            Resolution::ambiguous(FileId::new(2)),
            Resolution::UNRESOLVED,
            Resolution::to(FileId::new(1)),
        ];
        let mut bytes = Vec::new();
        encode_resolved(&resolved, &mut bytes);
        let stored = StoredNote {
            path: 0,
            hash: 0,
            stamp: None,
            syntax: &[],
            resolved: &bytes,
            held: None,
        };
        let same: Vec<Option<FileId>> = (0..3).map(|i| Some(FileId::new(i))).collect();
        assert_eq!(stored.resolved(3, &same).as_deref(), Some(&resolved[..]));
        assert_eq!(stored.resolved(2, &same), None, "another number of links");
        assert_eq!(
            stored.resolved(3, &same[..2]),
            None,
            "a file past the stored list"
        );
        let moved = [None, Some(FileId::new(4)), Some(FileId::new(7))];
        assert_eq!(
            stored.resolved(3, &moved).as_deref(),
            Some(
                &[
                    Resolution::ambiguous(FileId::new(7)),
                    Resolution::UNRESOLVED,
                    Resolution::to(FileId::new(4))
                ][..]
            ),
            "the target's id now"
        );
        assert_eq!(
            stored.resolved(3, &[None, Some(FileId::new(1)), None]),
            None,
            "a target no longer there"
        );
        let marked_nothing = Resolution::AMBIGUOUS.to_le_bytes();
        let damaged = StoredNote {
            resolved: &marked_nothing,
            ..stored
        };
        assert_eq!(damaged.resolved(1, &same), None, "damage");
    }
}
