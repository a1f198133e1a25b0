//! The vault layer: every file of a vault, its notes' syntax summaries, the indexes built from
//! them, Obsidian's link resolution, and incremental updates that touch only what changed.

mod bytes;
pub mod cache;
pub mod load;
pub mod names;
pub mod path;
mod resolve;
mod stored_index;
pub mod subpath;

use std::borrow::{Borrow, Cow};
use std::collections::{BTreeMap, BTreeSet};
use std::hash::Hash;
use std::path::{Path, PathBuf};

use compact_str::CompactString;
use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;

use crate::syntax::{
    ColumnUnit, Columns, LineIndex, Link, NoteSyntax, Pieces, StrPool, TextAt, WideChars,
    parse_note,
};

pub use load::{LoadIssue, MAX_NOTE_BYTES};
use path::{file_key, fold, is_note_path, link_key, stem};

/// A file's identity in one vault. Ids are reused after removal; hold paths across edits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(std::num::NonZeroU32);

impl FileId {
    /// The id of the file at `index` in the store. Stored plus one, so that an
    /// `Option<FileId>` or a [`Resolution`] takes no room for its "none", and below 2^31, the
    /// bit a [`Resolution`] marks ambiguity with (a vault of 2G files would not fit in memory).
    fn new(index: usize) -> FileId {
        let id = u32::try_from(index + 1)
            .ok()
            .filter(|&id| id < Resolution::AMBIGUOUS)
            .expect("fewer than 2G files");
        FileId(std::num::NonZeroU32::new(id).expect("index + 1 is not zero"))
    }

    fn index(self) -> usize {
        self.0.get() as usize - 1
    }

    /// The id as the cache file stores it (its index plus one).
    fn raw(self) -> u32 {
        self.0.get()
    }

    /// The id stored as `raw`, if it names one of `files` slots.
    fn from_raw(raw: u32, files: usize) -> Option<FileId> {
        let id = FileId(std::num::NonZeroU32::new(raw)?);
        (id.index() < files && raw < Resolution::AMBIGUOUS).then_some(id)
    }
}

#[derive(Debug)]
pub struct File {
    /// Vault-relative, `/`-separated ([`File::path`]). Its case-folded form, which
    /// resolution compares, is worked out when a link needs it (a path written in the link,
    /// a name several files share): kept, it was a string a file (3 MB at 50k notes).
    /// Shared with a cache file to write (a copy of every path was 4 MB of the peak of a
    /// load that writes one).
    path: std::sync::Arc<str>,
    /// When the file was last modified on disk, as last read ([`Vault::set_modified`]), in
    /// nanoseconds since 1970: a time of 0 reads as unknown, as one 8-byte word.
    modified: Option<std::num::NonZeroU64>,
    /// `Some` for Markdown notes, `None` for attachments.
    pub note: Option<Note>,
}

impl File {
    fn new(path: std::sync::Arc<str>) -> File {
        File {
            path,
            modified: None,
            note: None,
        }
    }

    /// Vault-relative, `/`-separated.
    pub fn path(&self) -> &str {
        &self.path
    }

    fn modified(&self) -> Option<u64> {
        self.modified.map(std::num::NonZeroU64::get)
    }
}

#[derive(Debug)]
pub struct Note {
    text: NoteText,
    /// Where each line of the text starts, for position conversions without a rescan.
    /// Shared, as the summary is, with a cache file to write.
    pub lines: LineIndex,
    /// Shared, so a cache file can be written from it after the load without a copy.
    pub syntax: std::sync::Arc<NoteSyntax>,
    /// The title when it is not the file stem (most notes' is: without a title or first H1,
    /// or with one repeating it). Kept, not read from the summary each time: completion asks
    /// it of hundreds of notes a keystroke, and the read is a few cache misses each (200k
    /// notes: `[[T` 1.2 / 2.2 → 1.7 / 5.6 ms without it).
    title: Option<Box<str>>,
    /// One entry per `syntax.links`, in the same order. Shared, as the summary is, with a
    /// cache file to write (a copy was 12 MB of a 50k load's peak).
    pub resolved: std::sync::Arc<[Resolution]>,
}

/// A note's text as the vault holds it: whole, or only the pieces its summary reads (the
/// rest is on disk, and [`Vault::text`] reads it back).
#[derive(Debug)]
pub enum NoteText {
    Whole(String),
    Pieces { held: std::sync::Arc<Held> },
}

/// A text's 128-bit hash in two words: as a `u128` it would align what holds it to 16 bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TextHash([u64; 2]);

impl From<u128> for TextHash {
    fn from(hash: u128) -> TextHash {
        TextHash([hash as u64, (hash >> 64) as u64])
    }
}

impl From<TextHash> for u128 {
    fn from(TextHash([low, high]): TextHash) -> u128 {
        u128::from(low) | (u128::from(high) << 64)
    }
}

/// What a note held in pieces keeps of its text (shared with a cache file to write).
#[derive(Debug, PartialEq, Eq)]
pub struct Held {
    pub pieces: Pieces,
    /// For positions in UTF-16 and characters.
    pub wide: WideChars,
    /// The whole text's hash (xxh3-128): a file that no longer hashes to it is not the text
    /// the summary was made from. Here, not beside the `Arc` in [`NoteText`]: a note is 8
    /// bytes smaller so.
    pub hash: TextHash,
}

impl NoteText {
    /// The whole text's length.
    pub fn len(&self) -> usize {
        match self {
            NoteText::Whole(text) => text.len(),
            NoteText::Pieces { held, .. } => held.pieces.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl TextAt for NoteText {
    fn at(&self, range: std::ops::Range<usize>) -> Option<&str> {
        match self {
            NoteText::Whole(text) => text.get(range),
            NoteText::Pieces { held, .. } => held.pieces.at(range),
        }
    }

    fn text_len(&self) -> usize {
        self.len()
    }
}

/// Where a link's path part leads: a file (the linking note itself for `[[#Heading]]`),
/// ambiguous when its bare name matched several files, or nowhere.
///
/// Four bytes, as a vault holds one per link (1.4M at 50k notes): the file's id, its top bit
/// set when ambiguous ([`FileId`]s stay below it), 0 for nowhere. How many files matched is
/// asked again where it is shown ([`Vault::resolve_link`]).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Resolution(u32);

impl Resolution {
    /// A link that leads nowhere.
    pub const UNRESOLVED: Resolution = Resolution(0);

    const AMBIGUOUS: u32 = 1 << 31;

    /// A link to `id`, the only file its name matched.
    pub fn to(id: FileId) -> Resolution {
        Resolution(id.0.get())
    }

    /// A link to `id`, the first of several files its name matched.
    pub fn ambiguous(id: FileId) -> Resolution {
        Resolution(id.0.get() | Resolution::AMBIGUOUS)
    }

    /// The file it opens.
    pub fn file(self) -> Option<FileId> {
        std::num::NonZeroU32::new(self.0 & !Resolution::AMBIGUOUS).map(FileId)
    }

    /// Whether the name matched more than one file.
    pub fn is_ambiguous(self) -> bool {
        self.0 & Resolution::AMBIGUOUS != 0
    }

    pub fn is_unresolved(self) -> bool {
        self.0 == 0
    }
}

impl std::fmt::Debug for Resolution {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.file(), self.is_ambiguous()) {
            (None, _) => f.write_str("Unresolved"),
            (Some(id), false) => f.debug_tuple("To").field(&id).finish(),
            (Some(id), true) => f.debug_tuple("Ambiguous").field(&id).finish(),
        }
    }
}

/// How a note is known by a name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NameKind {
    FileStem,
    Title,
    Alias,
}

/// One link: the note it is written in and its index in that note's `syntax.links`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LinkSite {
    pub source: FileId,
    pub link: u32,
}

/// A frontmatter key across the vault.
#[derive(Debug, Default)]
pub struct Property {
    /// How many notes have the key.
    pub notes: u32,
    /// Each value seen (scalars and list items, up to [`PROPERTY_VALUE_MAX`] bytes) and how
    /// many times.
    pub values: HashMap<String, u32>,
}

/// Longer values (titles, sentences) are not offered for completion, so not kept.
pub const PROPERTY_VALUE_MAX: usize = 60;

/// What a load leaves out, and whom it tells how far it is.
#[derive(Clone, Copy, Default)]
pub struct LoadOptions<'a> {
    /// Vault paths to leave out (the settings' ignored folders).
    pub ignored: Option<&'a (dyn Fn(&str) -> bool + Sync)>,
    /// Called now and then from the loading threads with (notes read, notes in all).
    pub progress: Option<&'a (dyn Fn(usize, usize) + Sync)>,
    /// The cache file to take what it can from and to write ([`cache::cache_file`]): `None`
    /// parses every note.
    pub cache: Option<&'a Path>,
    /// Notes read from disk, by the load and by [`Vault::upsert_file`] afterwards, keep only
    /// the pieces of their text that their summaries read ([`NoteText::Pieces`]), so that
    /// memory stays under the vault's size; [`Vault::text`] reads the rest from the file.
    /// An editor's text ([`Vault::update_note`]) is held whole.
    pub pieces: bool,
    /// Leave out the indexes only completion searches (the word starts and trigrams of
    /// names and headings): for `vaultls check`, which never completes.
    pub without_search: bool,
}

/// A finished load ([`Vault::load_cached`]).
pub struct Loaded {
    pub vault: Vault,
    /// How many notes' summaries came from the cache file.
    pub from_cache: usize,
    /// How many of those were taken without reading their files (held in pieces, their
    /// files' stamps unchanged).
    pub unread: usize,
    /// Why the cache file was not used, when it was not (missing, made by another build,
    /// damaged).
    pub cache_unused: Option<String>,
    /// The cache file to write, when the load learned something it does not hold.
    pub cache_write: Option<cache::CacheWrite>,
    /// Whether the derived indexes (names, headings, links, tags, properties) came from the
    /// cache file, not built from the notes.
    pub indexes_from_cache: bool,
}

/// One note as a load's parallel phase leaves it ([`Vault::build`]).
struct Loading {
    id: FileId,
    /// `None` when it was gone.
    note: Option<Note>,
    /// Why its text is not the file's exact content.
    problem: Option<String>,
    /// When its file was last modified.
    modified: Option<u64>,
    /// The hash of its text, when a cache file is to be written.
    hash: Option<u128>,
    /// Its file's stamp as read (or as stored, for a note taken without reading).
    stamp: Option<load::FileStamp>,
    /// Whether its summary came from the cache, whether its resolutions did, and whether its
    /// record stays as it was (same stamp, and held text stored when held).
    reused: (bool, bool, bool),
    /// Whether it was taken without reading its file.
    unread: bool,
    /// The note as the cache file read stores it, when its text changed since (and the file
    /// stores its pieces): what the stored indexes are patched from.
    old: Option<Note>,
}

/// What a load leaves for the next cache file ([`Vault::build`]).
struct BuildCache {
    /// When the load started reading files (ns since 1970).
    started: u64,
    paths: Vec<std::sync::Arc<str>>,
    notes: Vec<cache::NoteOut>,
    /// Whether it differs from the file read.
    changed: bool,
    /// Notes whose summary came from the file read.
    reused: usize,
    /// Notes taken without reading their files.
    unread: usize,
    /// Why the file opened was not used after all: it did not split into records, or its
    /// checksum failed.
    unused: Option<String>,
    /// Whether the vault's derived indexes are those of the records (no note was gone when
    /// read, whose removal changed them after), so the file can store them.
    indexes_match: bool,
    /// Whether the indexes were taken from the file read.
    indexes_taken: bool,
}

/// A note's record in the cache file read, decoded ([`Vault::build`]).
struct Decoded {
    /// The hash of the text it was made from.
    hash: u128,
    syntax: NoteSyntax,
    /// Mapped to the files' ids now; `None` when a target is gone (or they do not fit).
    resolved: Option<std::sync::Arc<[Resolution]>>,
    /// Its file's stamp when read.
    stamp: Option<load::FileStamp>,
    /// Whether the stamp can be trusted: the file was not modified just before the load that
    /// read it ([`cache::RACY`]).
    trusted: bool,
    /// Whether the stored stamp and held text are as this load would store them again.
    same_record: bool,
    /// The stored held text, line table and title (a load holding notes in pieces only).
    held: Option<(Held, LineIndex, Option<Box<str>>)>,
}

impl Decoded {
    /// The note as this record has it, with its title and resolutions: when it was held in
    /// pieces and its resolutions still fit.
    fn into_old(self: Box<Decoded>) -> Option<Note> {
        let Decoded {
            syntax,
            resolved,
            held,
            ..
        } = *self;
        let ((held, lines, title), resolved) = (held?, resolved?);
        let text = NoteText::Pieces { held: held.into() };
        let mut note = Note::with_title(text, lines, syntax.into(), title);
        note.resolved = resolved;
        Some(note)
    }
}

/// Whether a file's stamp read by a load that started at `started` tells its next change:
/// not when the file was modified just before, as an edit right after could have kept the
/// modification time ([`cache::RACY`]).
fn trusted_at(stamp: &load::FileStamp, started: u64) -> bool {
    stamp.modified.saturating_add(cache::RACY) <= started
}

/// What a load takes a stored note's stamp from ([`load::FileStamp::read_in`]), without
/// reading, the folder last stamped in held open.
type StatNote<S> = dyn Fn(&S, &mut load::Folder) -> Option<load::FileStamp> + Sync;

/// Gets the note at a path from `S`: its text, a problem to report (read lossily, too big)
/// and its modification time, or `None` when the note is gone.
type ReadNote<S> = dyn Fn(&str, S) -> Option<load::NoteRead> + Sync;

/// Keys whose values are unique per note or indexed elsewhere (tags).
const PROPERTY_VALUES_SKIPPED: &[&str] = &["title", "aliases", "alias", "tags", "tag"];

/// Files by path, without a copy of each path: a table of ids hashed by path, each compared
/// with the path the store holds (a map keyed by the path copied it: 4 MB at 50k files).
#[derive(Default)]
struct ByPath(hashbrown::HashTable<FileId>);

impl std::fmt::Debug for ByPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ByPath({} files)", self.0.len())
    }
}

impl ByPath {
    fn hash(path: &str) -> u64 {
        use std::hash::BuildHasher;
        rustc_hash::FxBuildHasher.hash_one(path)
    }

    fn path(files: &[Option<File>], id: FileId) -> &str {
        files[id.index()].as_ref().map_or("", |f| f.path())
    }

    fn get(&self, files: &[Option<File>], path: &str) -> Option<FileId> {
        self.0
            .find(ByPath::hash(path), |&id| ByPath::path(files, id) == path)
            .copied()
    }

    /// Adds file `id`, its path as the store holds it (not there yet).
    fn insert(&mut self, files: &[Option<File>], id: FileId) {
        let hash = ByPath::hash(ByPath::path(files, id));
        self.0
            .insert_unique(hash, id, |&id| ByPath::hash(ByPath::path(files, id)));
    }

    /// Takes file `id`, at `path`, out.
    fn remove(&mut self, path: &str, id: FileId) {
        if let Ok(entry) = self.0.find_entry(ByPath::hash(path), |&other| other == id) {
            entry.remove();
        }
    }

    fn reserve(&mut self, files: &[Option<File>], more: usize) {
        self.0
            .reserve(more, |&id| ByPath::hash(ByPath::path(files, id)));
    }

    fn len(&self) -> usize {
        self.0.len()
    }
}

/// The files under one name key. Nearly every key names one file, kept in place: resolving a
/// link follows no pointer past the index's own table, and the key (a [`CompactString`],
/// inline up to 24 bytes) is compared in place too.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Ids {
    One(FileId),
    Many(Vec<FileId>),
}

impl Ids {
    fn as_slice(&self) -> &[FileId] {
        match self {
            Ids::One(id) => std::slice::from_ref(id),
            Ids::Many(ids) => ids,
        }
    }

    fn push(&mut self, id: FileId) {
        match self {
            Ids::One(first) => *self = Ids::Many(vec![*first, id]),
            Ids::Many(ids) => ids.push(id),
        }
    }

    /// Removes `id`; `false` when none are left (the caller drops the key).
    fn remove(&mut self, id: FileId) -> bool {
        let Ids::Many(ids) = self else {
            return *self != Ids::One(id);
        };
        if let Some(i) = ids.iter().position(|&x| x == id) {
            ids.swap_remove(i);
        }
        match ids[..] {
            [] => false,
            [only] => {
                *self = Ids::One(only);
                true
            }
            _ => true,
        }
    }
}

/// Notes and how many times each one counts (links to a target, uses of a tag), sorted by
/// note: a sorted list, not a map (a hub note has 14k), found by binary search and read in
/// id order without sorting. Most notes count once (one note links another once): an entry
/// is the note's id alone, 4 bytes, its top bit ([`Counts::MORE`], which no id has) set when
/// the note counts more, its count then in `more` (at 50k generated notes, 1.3M entries of
/// 8 bytes each before: 5 MB less).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Counts {
    ids: Vec<u32>,
    /// The counts above 1, by note. Boxed: 8 bytes, not 24, in the many lists without any.
    #[allow(clippy::box_collection)]
    more: Option<Box<Vec<(FileId, u32)>>>,
}

impl Counts {
    const MORE: u32 = Resolution::AMBIGUOUS;

    fn one(id: FileId) -> Counts {
        Counts {
            ids: vec![id.0.get()],
            more: None,
        }
    }

    /// An empty list with room for `n` notes (a load fills each at its exact size).
    fn with_capacity(n: usize) -> Counts {
        Counts {
            ids: Vec::with_capacity(n),
            more: None,
        }
    }

    fn id_at(&self, i: usize) -> FileId {
        FileId(std::num::NonZeroU32::new(self.ids[i] & !Counts::MORE).expect("a note's id"))
    }

    fn find(&self, id: FileId) -> Result<usize, usize> {
        self.ids
            .binary_search_by_key(&id.0.get(), |&e| e & !Counts::MORE)
    }

    fn more_at(&self, id: FileId) -> Result<usize, usize> {
        self.more
            .as_deref()
            .map_or(Err(0), |m| m.binary_search_by_key(&id, |e| e.0))
    }

    /// The count of the entry at `i`.
    fn count_at(&self, i: usize) -> u32 {
        if self.ids[i] & Counts::MORE == 0 {
            return 1;
        }
        let id = self.id_at(i);
        let more = self.more.as_deref().expect("a count above 1 is kept");
        more[self.more_at(id).expect("a count above 1 is kept")].1
    }

    /// Sets the count of the entry at `i` to `n` (at least 1).
    fn set_more(&mut self, i: usize, n: u32) {
        let id = self.id_at(i);
        let found = self.more_at(id);
        if n <= 1 {
            self.ids[i] &= !Counts::MORE;
            if let (Ok(at), Some(more)) = (found, self.more.as_deref_mut()) {
                more.remove(at);
                if more.is_empty() {
                    self.more = None;
                }
            }
            return;
        }
        self.ids[i] |= Counts::MORE;
        let more = self.more.get_or_insert_default();
        match found {
            Ok(at) => more[at].1 = n,
            Err(at) => more.insert(at, (id, n)),
        }
    }

    /// Counts `id` `n` times more.
    fn add(&mut self, id: FileId, n: u32) {
        // At load notes come in id order: the common case is a push at the end.
        let at = match self.ids.last() {
            Some(&last) if last & !Counts::MORE < id.0.get() => Err(self.ids.len()),
            _ => self.find(id),
        };
        match at {
            Ok(i) => {
                let total = self.count_at(i) + n;
                self.set_more(i, total);
            }
            Err(i) => {
                self.ids.insert(i, id.0.get());
                if n > 1 {
                    self.set_more(i, n);
                }
            }
        }
    }

    /// Counts `id` once less, dropping it at zero.
    fn remove_one(&mut self, id: FileId) {
        if let Ok(i) = self.find(id) {
            match self.count_at(i) {
                1 => {
                    self.ids.remove(i);
                }
                n => self.set_more(i, n - 1),
            }
        }
    }

    /// How many notes.
    fn len(&self) -> usize {
        self.ids.len()
    }

    fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Whether `id` counts.
    fn contains(&self, id: FileId) -> bool {
        self.find(id).is_ok()
    }

    /// The notes, in id order.
    fn ids(&self) -> impl Iterator<Item = FileId> + '_ {
        (0..self.ids.len()).map(|i| self.id_at(i))
    }

    /// Each note with its count, in id order.
    fn entries(&self) -> impl Iterator<Item = (FileId, u32)> + '_ {
        (0..self.ids.len()).map(|i| (self.id_at(i), self.count_at(i)))
    }
}

/// The notes linking to one note ([`Vault::linking`]).
#[derive(Clone, Copy)]
pub struct Linking<'v>(Option<&'v Counts>);

impl Linking<'_> {
    /// How many notes.
    pub fn len(&self) -> usize {
        self.0.map_or(0, Counts::len)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether `id` links there (found by binary search).
    pub fn contains(&self, id: FileId) -> bool {
        self.0.is_some_and(|c| c.contains(id))
    }
}

/// Target file → the notes linking to it and how many links each has; and the targets by how
/// many notes link them, so the most linked are found without reading every target.
#[derive(Debug, Default)]
struct Backlinks {
    map: HashMap<FileId, Counts>,
    /// Linking notes → the targets with that many. A target moves when a note starts or stops
    /// linking it: one set removal and one insertion.
    by_count: BTreeMap<u32, rustc_hash::FxHashSet<FileId>>,
}

impl Backlinks {
    fn get(&self, target: &FileId) -> Option<&Counts> {
        self.map.get(target)
    }

    fn contains_key(&self, target: &FileId) -> bool {
        self.map.contains_key(target)
    }

    fn iter(&self) -> impl Iterator<Item = (&FileId, &Counts)> {
        self.map.iter()
    }

    fn reserve(&mut self, n: usize) {
        self.map.reserve(n);
    }

    fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Counts `n` more links from `source` to `target`.
    fn add(&mut self, target: FileId, source: FileId, n: u32) {
        let counts = self.map.entry(target).or_default();
        let before = counts.len();
        counts.add(source, n);
        let after = counts.len();
        self.moved(target, before, after);
    }

    /// Counts one link less from `source` to `target`.
    fn remove_one(&mut self, target: FileId, source: FileId) {
        let Some(counts) = self.map.get_mut(&target) else {
            return;
        };
        let before = counts.len();
        counts.remove_one(source);
        let after = counts.len();
        if after == 0 {
            self.map.remove(&target);
        }
        self.moved(target, before, after);
    }

    /// Drops every link to `target`.
    fn remove(&mut self, target: FileId) {
        if let Some(counts) = self.map.remove(&target) {
            self.moved(target, counts.len(), 0);
        }
    }

    /// Fills a fresh index.
    fn extend(&mut self, entries: impl Iterator<Item = (FileId, Counts)>) {
        debug_assert!(self.map.is_empty(), "filled once, when empty");
        for (target, counts) in entries {
            self.moved(target, 0, counts.len());
            self.map.insert(target, counts);
        }
    }

    fn moved(&mut self, target: FileId, from: usize, to: usize) {
        if from == to {
            return;
        }
        if from > 0
            && let Some(set) = self.by_count.get_mut(&(from as u32))
        {
            set.remove(&target);
            if set.is_empty() {
                self.by_count.remove(&(from as u32));
            }
        }
        if to > 0 {
            self.by_count.entry(to as u32).or_default().insert(target);
        }
    }

    /// The most linked targets, by whole groups of equal popularity, most linked first,
    /// while they total at most `k`: a group is never cut, as a cut would depend on ids,
    /// which differ between servers on the same files. Unordered within a group.
    fn most_linked(&self, k: usize) -> Vec<FileId> {
        let mut out = Vec::new();
        for set in self.by_count.values().rev() {
            if out.len() + set.len() > k {
                break;
            }
            out.extend(set.iter().copied());
        }
        out
    }

    /// Whether `by_count` holds each target under its count, for [`Vault::dump`].
    fn check_derived(&self) -> Result<(), String> {
        let held: usize = self.by_count.values().map(|s| s.len()).sum();
        let right = self.map.iter().all(|(t, c)| {
            self.by_count
                .get(&(c.len() as u32))
                .is_some_and(|s| s.contains(t))
        });
        if held == self.map.len() && right {
            Ok(())
        } else {
            Err("targets by count".into())
        }
    }
}

/// The indexes. Occurrence lists (`Vec`s) are unordered: an update removes a note's entries by
/// scanning only the lists its own links and tags name, and readers sort what they show.
#[derive(Debug, Default)]
pub struct Vault {
    root: PathBuf,
    files: Vec<Option<File>>,
    free: Vec<u32>,
    by_path: ByPath,
    /// Name key → files: each file under its folded name, a note's without `.md`
    /// ([`path::file_key`]). One key per file: a second one, with `.md`, made the table
    /// twice as large for the few links written with `.md` (peak −22 MB at 200k notes).
    by_name_key: HashMap<CompactString, Ids>,
    /// Folded stem, title and alias → notes; found by prefix, word start or trigram.
    names: names::Names,
    /// Notes by folder, found by the start of a folder's components.
    folders: names::Folders,
    /// Folded heading text → the notes and heading indexes having it, for headings searched
    /// across the vault (`[[##`).
    headings: names::Names<u32>,
    /// Target file → the notes linking to it and how many links each has. Per note, not per
    /// link: an edit touches one entry per distinct target, whatever the target's popularity.
    backlinks: Backlinks,
    /// Link key ([`link_key`]: last path component, folded, without `.md`) → the links that
    /// resolve nowhere. Together with `backlinks` and `by_name_key` this finds every link a new
    /// or removed file can affect.
    unresolved: HashMap<String, Vec<LinkSite>>,
    /// Folded tag → the notes using it and how often.
    tags: HashMap<String, Counts>,
    /// Frontmatter key → how many notes have it, and the values seen for it.
    properties: HashMap<String, Property>,
    /// Whether notes read from disk keep only their pieces ([`LoadOptions::pieces`]).
    pieces: bool,
    /// The strings those pieces share (links' paths).
    pool: std::sync::Arc<StrPool>,
    /// Notes by when they were last modified on disk (nanoseconds since 1970): the ones
    /// written lately, newest last.
    recent: BTreeSet<(u64, FileId)>,
    issues: Vec<LoadIssue>,
}

impl Vault {
    /// An empty vault rooted at `root` (nothing is read).
    pub fn new(root: impl Into<PathBuf>) -> Vault {
        Vault {
            root: root.into(),
            headings: names::Names::strict(),
            ..Vault::default()
        }
    }

    /// Builds a vault from files already in memory: `(path, Some(text))` for notes,
    /// `(path, None)` for attachments. Notes are parsed and resolved in parallel.
    pub fn from_files(root: impl Into<PathBuf>, files: Vec<(String, Option<String>)>) -> Vault {
        let given = |_: &str, text: Option<String>| {
            Some(load::NoteRead {
                text: text.unwrap_or_default(),
                problem: None,
                modified: None,
                stamp: None,
            })
        };
        Vault::build(
            Vault::registered(root.into(), None, false, true),
            files,
            &given,
            &|_, _| None,
            &|_, _| {},
            None,
            false,
        )
        .0
    }

    /// Reads a vault folder. Fails only when `root` is not a readable folder; problems with
    /// single files are recorded in [`Vault::issues`] and never stop the load.
    pub fn load(root: &Path, options: &LoadOptions) -> std::io::Result<Vault> {
        Vault::load_cached(root, options).map(|loaded| loaded.vault)
    }

    /// [`Vault::load`], taking what it can from the cache file `options.cache` names (see
    /// [`cache`]) and returning the cache file to write.
    pub fn load_cached(root: &Path, options: &LoadOptions) -> std::io::Result<Loaded> {
        let _pad = LoadingPad::new();
        let canonical = std::fs::canonicalize(root)
            .unwrap_or_else(|_| root.to_path_buf())
            .to_string_lossy()
            .into_owned();
        // The cache file's build id, paths and pool are read, and the stored paths
        // registered, while the vault is walked (each on one thread: a warm 50k load's 45 ms
        // walk, the 5 ms hash of the executable, 25 ms of strings and 15–20 ms registering
        // them were one after the other).
        let (walked, (build, stored, registered)) = rayon::join(
            || load::walk(root),
            || {
                let build = options
                    .cache
                    .and_then(|file| Some((file, cache::build_id()?)));
                let mut stored = build.map(|(file, id)| {
                    cache::Stored::read(file, &canonical, id).and_then(cache::Stored::begin)
                });
                let registered = Vault::registered(
                    root.to_path_buf(),
                    stored.as_mut().and_then(|s| s.as_mut().ok()),
                    options.pieces,
                    !options.without_search,
                );
                (build, stored, registered)
            },
        );
        let (mut paths, mut issues) = walked?;
        if let Some(ignored) = options.ignored {
            paths.retain(|(path, _)| !ignored(path));
        }
        let read = |_: &str, abs: PathBuf| load::read_note(&abs);
        let stat = |abs: &PathBuf, folder: &mut load::Folder| load::FileStamp::read_in(abs, folder);
        let progress = options.progress.unwrap_or(&|_, _| {});
        let cache_unused = match (build, &stored) {
            (None, _) if options.cache.is_some() => {
                Some("the vaultls executable cannot be read".to_string())
            }
            (_, Some(Err(why))) => Some(why.0.clone()),
            _ => None,
        };
        let (mut vault, read_issues, out) = Vault::build(
            registered,
            paths,
            &read,
            &stat,
            progress,
            stored.and_then(Result::ok),
            build.is_some(),
        );
        issues.extend(read_issues);
        vault.issues = issues;
        let from_cache = out.as_ref().map_or(0, |out| out.reused);
        let indexes_from_cache = out.as_ref().is_some_and(|out| out.indexes_taken);
        let unread = out.as_ref().map_or(0, |out| out.unread);
        let cache_unused = match &out {
            Some(BuildCache {
                unused: Some(why), ..
            }) => Some(why.clone()),
            _ => cache_unused,
        };
        let cache_write = match (build, out) {
            (Some((file, id)), Some(out)) if out.changed => {
                let mut write = cache::CacheWrite {
                    file: file.to_path_buf(),
                    root: canonical,
                    build: id,
                    started: out.started,
                    paths: out.paths,
                    pool: vault.pool.clone(),
                    notes: out.notes,
                    index: None,
                };
                // Now, from the indexes as they are: the vault is the caller's next.
                if out.indexes_match {
                    write.store_index(stored_index::SECTIONS, |i, bytes| {
                        vault.store_index(i, bytes)
                    });
                }
                Some(write)
            }
            _ => None,
        };
        Ok(Loaded {
            vault,
            from_cache,
            unread,
            cache_unused,
            cache_write,
            indexes_from_cache,
        })
    }

    /// A vault at `root` with the paths `stored` holds registered, each at its stored
    /// index, and each stored path's file (see [`Vault::build`], which takes them).
    ///
    /// The paths the cache file stores come first, each at its stored index, so that its
    /// stored indexes name the files by their ids: also those no longer there (removed once
    /// the indexes are built, as removals are: their stored notes say what to take out),
    /// while a stored slot left empty, or a path stored twice (damage), is an id left free.
    /// Paths new since come after (into the free ids first). Without `search`, the name and
    /// heading indexes keep no word starts or trigrams ([`names::Names::exact`]).
    fn registered(
        root: PathBuf,
        stored: Option<&mut cache::Begun>,
        pieces: bool,
        search: bool,
    ) -> (Vault, Vec<Option<FileId>>) {
        let mut vault = Vault::new(root);
        vault.pieces = pieces;
        if !search {
            vault.names = names::Names::exact();
            vault.headings = names::Names::exact();
        }
        let stored_paths = stored.map(|s| s.take_paths()).unwrap_or_default();
        vault.files.reserve(stored_paths.len());
        vault.by_path.reserve(&vault.files, stored_paths.len());
        vault.by_name_key.reserve(stored_paths.len());
        let mut holes = Vec::new();
        // Each stored path's file now (a path stored twice: the first's).
        let mut remap: Vec<Option<FileId>> = Vec::with_capacity(stored_paths.len());
        for path in stored_paths {
            let twice = vault.by_path.get(&vault.files, &path);
            if path.is_empty() || twice.is_some() {
                vault.files.push(None);
                holes.push((vault.files.len() - 1) as u32);
                remap.push(twice);
            } else {
                let is_note = is_note_path(&path);
                remap.push(Some(vault.register_path(path, is_note)));
            }
        }
        vault.free = holes;
        (vault, remap)
    }

    /// Builds a vault from its files, each with what `read` needs to get its text (`None` when
    /// the note is gone by then), into the vault [`Vault::registered`] made with the stored
    /// paths of `stored`.
    ///
    /// Every path is registered first: resolving a link needs only the paths, so each note's
    /// links are resolved right after the note is read and parsed, on the same thread, while
    /// its text is in cache. The indexes are filled afterwards, content and links side by
    /// side. A note that was gone when read is removed at the end, as a deletion would be.
    ///
    /// A note whose text is the one `stored` has a summary for takes that summary instead of
    /// being parsed, and its stored resolutions when every target is still there; the links
    /// that files added or removed since can change are resolved again once the indexes are
    /// built. In a vault in pieces, notes keep only the pieces of their texts their summaries
    /// read, and a note stored so whose file's stamp (`stat`) is as stored is taken without
    /// reading the file. With `keep`, what the next cache file holds is returned too.
    fn build<S: Send>(
        (mut vault, remap): (Vault, Vec<Option<FileId>>),
        files: Vec<(String, S)>,
        read: &ReadNote<S>,
        stat: &StatNote<S>,
        progress: &(dyn Fn(usize, usize) + Sync),
        stored: Option<cache::Begun>,
        keep: bool,
    ) -> (Vault, Vec<LoadIssue>, Option<BuildCache>) {
        let started = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX));
        let pieces = vault.pieces;
        let more = files.len().saturating_sub(vault.files.len());
        vault.files.reserve(more);
        vault.by_path.reserve(&vault.files, more);
        vault.by_name_key.reserve(more);
        vault.backlinks.reserve(files.len());
        let mut notes = Vec::with_capacity(files.len());
        let mut walked = vec![false; vault.files.len()];
        // The files found now that the cache file does not store.
        let mut added = Vec::new();
        // The walk lists paths sorted, as the load that stored them registered them: the
        // stored id after the last one found is nearly always the next path's, compared in
        // order before the path is looked up (200k lookups were cache misses each).
        let mut next = 0;
        for (path, source) in files {
            let in_order = (vault.files.get(next))
                .and_then(Option::as_ref)
                .is_some_and(|file| file.path() == path);
            let found = match in_order {
                true => Some(FileId::new(next)),
                false => vault.by_path.get(&vault.files, &path),
            };
            if let Some(id) = found {
                next = id.index() + 1;
            }
            let id = match found {
                Some(id) if walked.get(id.index()) == Some(&false) => {
                    walked[id.index()] = true;
                    id
                }
                Some(_) => continue,
                None => {
                    // Its file-stem name is indexed with the rest of its names, off this
                    // thread.
                    let is_note = is_note_path(&path);
                    let id = vault.register_path(path.into(), is_note);
                    // Into a free id, or after every stored one.
                    if let Some(walked) = walked.get_mut(id.index()) {
                        *walked = true;
                    }
                    added.push(id);
                    id
                }
            };
            if is_note_path(vault.path(id)) {
                notes.push((id, source));
            }
        }
        // The stored files not found now.
        let removed: Vec<FileId> = (walked.iter().enumerate())
            .filter(|&(i, &walked)| !walked && vault.files[i].is_some())
            .map(|(i, _)| FileId::new(i))
            .collect();
        drop(walked);
        // The name keys of the files added and removed since: the links that may lead
        // elsewhere now are found by them once the indexes are built, as an incremental add
        // or remove finds them. None without a cache file: every file is new then, every note
        // resolved against all of them (the keys of 50k files were 4 MB of a cold load's
        // peak, and ~100 ms).
        if stored.is_none() {
            added.clear();
        }
        let mut changed_keys: Vec<String> = (added.iter().chain(&removed))
            .map(|&id| file_key(vault.path(id)))
            .collect();
        changed_keys.sort_unstable();
        changed_keys.dedup();
        // What the cache file holds for these files, decoded (streaming, a batch of records at
        // a time) before any text is read.
        let files = vault.files.len();

        struct Paths {
            started: u64,
            /// The strings the stored pieces name, and their lengths ([`StrPool::lens`]).
            pool: std::sync::Arc<StrPool>,
            lens: Vec<u32>,
            /// Each stored path's file (registered at its index: see above).
            remap: Vec<Option<FileId>>,
            /// Whether the paths are as stored: none added or removed, each at its index.
            same: bool,
        }
        let paths = |started: u64, pool: std::sync::Arc<StrPool>| {
            let same = remap.len() == files
                && added.is_empty()
                && removed.is_empty()
                && remap
                    .iter()
                    .enumerate()
                    .all(|(i, id)| id.is_none_or(|id| id.index() == i));
            Paths {
                started,
                lens: pool.lens(),
                pool,
                remap,
                same,
            }
        };
        let decode = |paths: &Paths, note: &cache::StoredNote<'_>| {
            // Only for files still there.
            paths.remap[note.path as usize]?;
            let syntax = note.syntax()?;
            let resolved = note.resolved(syntax.links.len(), &paths.remap);
            let stamp = note.stamp;
            let trusted = stamp.as_ref().is_some_and(|s| trusted_at(s, paths.started));
            // Trusted or not: a note whose text changed since needs its stored pieces to be
            // taken out of the stored indexes.
            let held = pieces
                .then(|| note.held(&paths.pool, &paths.lens, note.hash))
                .flatten();
            // Boxed: the decoded notes are gathered, then placed by file, and a few hundred
            // bytes each twice over is a peak of ~50 MB at 50k notes.
            Some(Box::new(Decoded {
                hash: note.hash,
                syntax,
                resolved,
                stamp,
                trusted,
                same_record: stamp.is_some() && (note.has_held() || !pieces),
                held,
            }))
        };
        let streamed = stored.map(|stored| stored.decode(paths, decode));
        let unused = match &streamed {
            Some(Err(why)) => Some(why.0.clone()),
            _ => None,
        };
        let (mut decoded, same_paths, stored_notes, changed_keys, stored_index) = match streamed {
            Some(Ok(streamed)) => {
                let mut by_file: Vec<Option<Box<Decoded>>> = Vec::new();
                by_file.resize_with(files, || None);
                for (path, note) in streamed.notes {
                    if let Some(id) = streamed.context.remap[path as usize] {
                        by_file[id.index()] = Some(note);
                    }
                }
                let Paths { same, pool, .. } = streamed.context;
                // The notes taken from the file name its strings; notes read now add theirs.
                vault.pool = pool;
                (by_file, same, streamed.stored, changed_keys, streamed.index)
            }
            // Nothing taken from a file: every note is read and resolved now.
            _ => (Vec::new(), false, 0, Vec::new(), None),
        };
        let from_file = !decoded.is_empty();
        let notes: Vec<_> = notes
            .into_iter()
            .map(|(id, source)| {
                let stored = decoded.get_mut(id.index()).and_then(Option::take);
                (id, source, stored)
            })
            .collect();
        let total = notes.len();
        let done = std::sync::atomic::AtomicUsize::new(0);
        // How many notes removed or changed since keep what they were: past that many,
        // building the indexes afresh costs less than patching the stored ones (a patch is
        // an incremental update, ~3× a note's share of a build), and the old notes are memory.
        let olds = std::sync::atomic::AtomicIsize::new((total / 32).max(256) as isize);
        use std::sync::atomic::Ordering::Relaxed;
        // The notes removed since as the file stores them, for the stored indexes (`None`:
        // an attachment, not stored so, or past the budget).
        let mut removed: Vec<(FileId, Option<Note>)> = removed
            .into_iter()
            .map(|id| {
                let note = decoded.get_mut(id.index()).and_then(Option::take);
                let note = note.filter(|_| olds.fetch_sub(1, Relaxed) > 0);
                (id, note.and_then(|d| d.into_old()))
            })
            .collect();
        drop(decoded);
        progress(0, total);
        // Collected in place: a note is a few hundred bytes and there can be 100k of them.
        let mut loaded: Vec<Loading> = Vec::new();
        {
            let vault = &vault;
            notes
                .into_par_iter()
                // Each task stamps its notes (a run of them, in path order) in the folder it
                // holds open.
                .map_init(load::Folder::default, |folder, (id, source, mut stored)| {
                    let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                    if n.is_multiple_of(512) {
                        progress(n, total);
                    }
                    let path = vault.path(id);
                    // A note stored held in pieces whose file's stamp is as stored is taken
                    // without reading the file.
                    let unchanged = stored.as_ref().is_some_and(|s| {
                        s.trusted && s.held.is_some() && s.stamp == stat(&source, folder)
                    });
                    if let Some(s) = stored.take_if(|_| unchanged)
                        && let Some((held, lines, title)) = s.held
                    {
                        let text = NoteText::Pieces { held: held.into() };
                        let mut note = Note::with_title(text, lines, s.syntax.into(), title);
                        let reused = (true, s.resolved.is_some(), s.same_record);
                        note.resolved = match s.resolved {
                            Some(resolved) => resolved,
                            None => vault.resolve_note(id, &note),
                        };
                        return Loading {
                            id,
                            note: Some(note),
                            problem: None,
                            modified: s.stamp.map(|s| s.modified),
                            hash: Some(s.hash).filter(|_| keep),
                            stamp: s.stamp,
                            reused,
                            unread: true,
                            old: None,
                        };
                    }
                    let Some(load::NoteRead {
                        text,
                        problem,
                        modified,
                        stamp,
                    }) = read(path, source)
                    else {
                        return Loading {
                            id,
                            note: None,
                            problem: None,
                            modified: None,
                            hash: None,
                            stamp: None,
                            reused: (false, false, false),
                            unread: false,
                            old: None,
                        };
                    };
                    let hash = (keep || stored.is_some()).then(|| cache::text_hash(&text));
                    // Only for the exact text it was made from; a note whose text changed keeps
                    // what it was, for the stored indexes, while the budget lasts.
                    let (stored, old) = match stored {
                        Some(s) if Some(s.hash) == hash => (Some(s), None),
                        Some(s) if olds.fetch_sub(1, Relaxed) > 0 => (None, s.into_old()),
                        _ => (None, None),
                    };
                    let reused = (
                        stored.is_some(),
                        stored.as_ref().is_some_and(|s| s.resolved.is_some()),
                        // Written again when the stamp read now can be trusted next time and
                        // the stored one could not.
                        stored.as_ref().is_some_and(|s| {
                            s.same_record
                                && s.stamp == stamp
                                && (s.trusted || stamp.is_some_and(|s| !trusted_at(&s, started)))
                        }),
                    );
                    let mut note = match stored {
                        Some(stored) => {
                            let mut note = Note::new(path, text, stored.syntax);
                            note.resolved = stored.resolved.unwrap_or_default();
                            note
                        }
                        None => Note::parse(path, text),
                    };
                    if !reused.1 {
                        note.resolved = vault.resolve_note(id, &note);
                    }
                    // Here, on the thread that read it: the load never holds every text.
                    if pieces {
                        note = note.into_pieces(hash, &vault.pool);
                    }
                    Loading {
                        id,
                        note: Some(note),
                        problem,
                        modified,
                        hash: hash.filter(|_| keep),
                        stamp,
                        reused,
                        unread: false,
                        old,
                    }
                })
                .collect_into_vec(&mut loaded);
        }
        let mut issues = Vec::new();
        let mut gone = Vec::new();
        // The stored indexes fit every note as it is, or as it was before a change they can
        // be patched for (as incremental updates would), every note removed since is stored
        // as it was, and no note was gone while read: then they are taken, and patched.
        let mut is_added = vec![false; files];
        for id in &added {
            is_added[id.index()] = true;
        }
        let patchable = from_file
            && removed
                .iter()
                .all(|(id, old)| old.is_some() || !is_note_path(vault.path(*id)))
            && loaded.iter().all(|l| {
                l.note.is_some()
                    && (l.old.is_some() || (l.reused.0 && l.reused.1) || is_added[l.id.index()])
            });
        drop(is_added);
        let mut out = keep.then(|| BuildCache {
            started,
            paths: Vec::new(),
            notes: Vec::new(),
            // A cache for other paths, a note stored that is no more, or a note not taken
            // whole from it changes the file (known before the notes are placed: the records
            // are made only for a file to write).
            changed: !same_paths
                || stored_notes != loaded.len()
                || loaded.iter().any(|l| l.reused != (true, true, true)),
            reused: 0,
            unread: 0,
            unused,
            indexes_match: false,
            indexes_taken: false,
        });
        // The cache file's derived indexes, taken when the notes are as stored or can be
        // patched (above). They are checked against their checksums before the notes are
        // placed, so that a file whose indexes cannot be taken (damaged, missing, or without
        // the lists this load keeps) is written again, with them.
        let stored_index = match &mut out {
            Some(out) if !out.changed || patchable => {
                let sections = stored_index.and_then(|index| {
                    index.check(stored_index::SECTIONS, |i| vault.keeps_index_section(i))
                });
                out.changed |= sections.is_none();
                sections
            }
            _ => None,
        };
        // Each note's record for the cache file to write, made as the note is placed (its
        // resolutions are taken again at the end): gathering hashes first and records at the
        // end held both at once, the peak of a load that writes the cache. None when nothing
        // is written (a warm start with nothing changed).
        let writing = out.as_ref().is_some_and(|out| out.changed);
        let mut records = Vec::with_capacity(if writing { loaded.len() } else { 0 });
        // Notes by modification time, built at once from a sorted list (50k inserts one by
        // one, in no order, were ~10 ms of a warm load).
        let mut recent = Vec::with_capacity(loaded.len());
        // The notes whose text changed since the cache file was written, with what they were.
        let mut patches: Vec<(FileId, Note)> = Vec::new();
        for Loading {
            id,
            note,
            problem,
            modified,
            hash,
            stamp,
            reused,
            unread,
            old,
        } in loaded
        {
            if let Some(old) = old.filter(|_| stored_index.is_some()) {
                patches.push((id, old));
            }
            let file = vault.files[id.index()].as_mut().expect("registered file");
            if let Some(message) = problem {
                issues.push(LoadIssue {
                    path: file.path().to_string(),
                    message,
                });
            }
            if let Some(out) = &mut out {
                out.reused += usize::from(reused.0);
                out.unread += usize::from(unread);
            }
            file.modified = modified.and_then(std::num::NonZeroU64::new);
            if let Some(modified) = file.modified() {
                recent.push((modified, id));
            }
            let note = file.note.insert(note.unwrap_or_else(|| {
                gone.push(id);
                Note::parse(file.path(), String::new())
            }));
            if let Some(hash) = hash.filter(|_| writing) {
                // Held text only with a stamp: a note read with a problem is read again.
                let text = match (&note.text, stamp) {
                    (NoteText::Pieces { held, .. }, Some(stamp)) => {
                        debug_assert_eq!(held.hash, hash.into());
                        cache::TextOut::Held {
                            held: held.clone(),
                            lines: note.lines.clone(),
                            stamp,
                        }
                    }
                    _ => cache::TextOut::Hashed {
                        hash: hash.into(),
                        stamp,
                    },
                };
                records.push(cache::NoteOut {
                    id,
                    syntax: note.syntax.clone(),
                    resolved: note.resolved.clone(),
                    text,
                });
            }
        }
        recent.sort_unstable();
        vault.recent = recent.into_iter().collect();
        // What the notes were gathered in is free now, before the indexes take more.
        LoadingPad::end();
        release_freed_memory();
        // The notes changed and removed since are put as they were while the stored indexes
        // are checked against the notes, then patched to what they are now: changed notes
        // moved, notes added indexed, notes removed taken out, as incremental updates do.
        // Sections whose checksums hold but that do not fit the notes (a file made to) are
        // built afresh; the file is not written again for it.
        let mut changed_notes = Vec::with_capacity(patches.len());
        for (id, old) in patches {
            let file = vault.files[id.index()].as_mut().expect("registered file");
            changed_notes.push((id, file.note.replace(old)));
        }
        for (id, old) in removed.iter_mut() {
            let file = vault.files[id.index()].as_mut().expect("registered file");
            file.note = match old.take() {
                Some(old) if stored_index.is_some() => Some(old),
                // Indexed empty, then removed as a note: its name and folder go with it.
                _ => is_note_path(file.path()).then(|| Note::parse(file.path(), String::new())),
            };
        }
        let taken =
            stored_index.is_some_and(|sections| vault.restore_index(&|i| sections.stream(i)));
        for (id, note) in changed_notes {
            match note {
                Some(note) if taken => vault.patch_note(id, note),
                note => {
                    vault.files[id.index()]
                        .as_mut()
                        .expect("registered file")
                        .note = note
                }
            }
        }
        if taken {
            for &id in &added {
                vault.index_added(id);
            }
        } else {
            vault.index_all();
        }
        for (id, _) in removed {
            vault.take(id);
        }
        if let Some(out) = &mut out {
            out.indexes_taken = taken;
        }
        // Stored resolutions were taken as they were: the links that files added or removed
        // since may lead elsewhere are resolved again (a note that linked a removed file was
        // resolved afresh above).
        for key in changed_keys {
            vault.reresolve_key(&key, None);
        }
        // The next file's records, only when it will be written: the summaries are shared
        // with the notes, the resolutions copied as they are now, for the registered paths
        // (a note gone while the vault was read is removed below, and its path stays in the
        // file: if it is back next time, the stored resolutions are right for it).
        if let Some(out) = out.as_mut().filter(|out| out.changed) {
            // Every registered path, in id order (the ids the resolutions name).
            let empty: std::sync::Arc<str> = "".into();
            out.paths = (vault.files.iter())
                .map(|f| f.as_ref().map_or_else(|| empty.clone(), |f| f.path.clone()))
                .collect();
            for record in &mut records {
                if let Some(note) = vault.note(record.id) {
                    record.resolved = note.resolved.clone();
                }
            }
            out.notes = records;
        }
        if let Some(out) = &mut out {
            out.indexes_match = gone.is_empty();
        }
        for id in gone {
            let path = vault.path(id).to_string();
            vault.remove_file(&path);
        }
        progress(total, total);
        (vault, issues, out)
    }

    /// Fills the content and link indexes from every note (their links already resolved):
    /// they read the notes and write disjoint maps, so they run side by side.
    fn index_all(&mut self) {
        let mut names = std::mem::take(&mut self.names);
        let mut headings = std::mem::take(&mut self.headings);
        let mut tags = std::mem::take(&mut self.tags);
        let mut properties = std::mem::take(&mut self.properties);
        let mut backlinks = std::mem::take(&mut self.backlinks);
        let mut unresolved = std::mem::take(&mut self.unresolved);
        {
            let vault = &*self;
            // Three ways, so that two cores share the work evenly: the name index alone costs
            // about what the links and the heading index cost together (a warm 50k load:
            // 230–250 ms in two parts, 160–170 ms in three).
            rayon::join(
                || {
                    for (id, note) in vault.notes() {
                        let path = vault.path(id);
                        names.insert(&fold(stem(path)), (id, NameKind::FileStem));
                        index_note_content(note, id, path, &mut names, &mut tags, &mut properties);
                    }
                },
                || {
                    rayon::join(
                        || vault.index_all_links(&mut backlinks, &mut unresolved),
                        || {
                            for (id, note) in vault.notes() {
                                index_headings(note, id, &mut headings);
                            }
                        },
                    )
                },
            );
        }
        names.shrink_to_fit();
        headings.shrink_to_fit();
        self.names = names;
        self.headings = headings;
        self.tags = tags;
        self.properties = properties;
        self.backlinks = backlinks;
        self.unresolved = unresolved;
    }

    /// [`index_links`] for every note at once, in two passes over the resolutions and no
    /// sort: the first counts each target's distinct linking notes, the second fills each
    /// target's list at that exact size. Notes come in id order, so every list is sorted as it
    /// is filled, and a note's repeated links to a target are its list's last entry.
    fn index_all_links(
        &self,
        backlinks: &mut Backlinks,
        unresolved: &mut HashMap<String, Vec<LinkSite>>,
    ) {
        let slots = self.files.len();
        let mut sizes = vec![0u32; slots];
        let mut last_source: Vec<Option<FileId>> = vec![None; slots];
        for (source, note) in self.notes() {
            for target in note.resolved.iter().filter_map(|r| r.file()) {
                let last = &mut last_source[target.index()];
                if *last != Some(source) {
                    *last = Some(source);
                    sizes[target.index()] += 1;
                }
            }
        }
        drop(last_source);
        let mut lists: Vec<Counts> = sizes
            .into_iter()
            .map(|n| Counts::with_capacity(n as usize))
            .collect();
        for (source, note) in self.notes() {
            for target in note.resolved.iter().filter_map(|r| r.file()) {
                // Sources come in id order: a push at the end, or the last one once more.
                lists[target.index()].add(source, 1);
            }
        }
        debug_assert!(backlinks.is_empty(), "a load indexes a fresh vault");
        backlinks.extend(
            lists
                .into_iter()
                .enumerate()
                .filter(|(_, list)| !list.is_empty())
                .map(|(i, list)| (FileId::new(i), list)),
        );
        for (id, note) in self.notes() {
            index_unresolved(note, id, &note.resolved, unresolved);
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Files that could not be read, or were read lossily, during [`Vault::load`].
    pub fn issues(&self) -> &[LoadIssue] {
        &self.issues
    }

    pub fn file(&self, id: FileId) -> &File {
        self.files[id.index()]
            .as_ref()
            .expect("FileId of a removed file")
    }

    pub fn note(&self, id: FileId) -> Option<&Note> {
        self.files.get(id.index())?.as_ref()?.note.as_ref()
    }

    /// The whole text of note `id`: the one the vault holds, or, for a note held in pieces
    /// ([`NoteText::Pieces`]), its file read again when it still is the text the note's
    /// summary was made from. `None` when it is not (the change is on its way from the
    /// watcher) or cannot be read: a request then answers without that note's text, or
    /// refuses (a rename).
    pub fn text(&self, id: FileId) -> Option<Cow<'_, str>> {
        let note = self.note(id)?;
        match &note.text {
            NoteText::Whole(text) => Some(Cow::Borrowed(text)),
            NoteText::Pieces { .. } => {
                let read = load::read_note(&self.root.join(self.path(id)))?;
                note.has_text(&read.text).then_some(Cow::Owned(read.text))
            }
        }
    }

    pub fn path(&self, id: FileId) -> &str {
        self.file(id).path()
    }

    pub fn id(&self, path: &str) -> Option<FileId> {
        self.by_path.get(&self.files, path)
    }

    pub fn files(&self) -> impl Iterator<Item = (FileId, &File)> {
        self.files
            .iter()
            .enumerate()
            .filter_map(|(i, f)| Some((FileId::new(i), f.as_ref()?)))
    }

    pub fn notes(&self) -> impl Iterator<Item = (FileId, &Note)> {
        self.files()
            .filter_map(|(id, f)| Some((id, f.note.as_ref()?)))
    }

    pub fn file_count(&self) -> usize {
        self.by_path.len()
    }

    /// Notes known by a name (stem, title or alias), case-insensitively.
    pub fn notes_named(&self, name: &str) -> &[(FileId, NameKind)] {
        self.names.get(&fold(name))
    }

    /// The links that resolve to `target`, by linking note.
    pub fn backlinks(&self, target: FileId) -> Vec<LinkSite> {
        let Some(sources) = self.backlinks.get(&target) else {
            return Vec::new();
        };
        sources
            .ids()
            .filter_map(|source| Some((source, self.note(source)?)))
            .flat_map(|(source, note)| {
                note.resolved
                    .iter()
                    .enumerate()
                    .filter(move |(_, r)| r.file() == Some(target))
                    .map(move |(i, _)| LinkSite {
                        source,
                        link: i as u32,
                    })
            })
            .collect()
    }

    /// How many notes link to `target`.
    pub fn linking_notes(&self, target: FileId) -> usize {
        self.backlinks.get(&target).map_or(0, |s| s.len())
    }

    /// The notes linking to `target` (each once), without listing their links: what a
    /// request about the target's neighbourhood needs, at the cost of the notes, not links.
    pub fn linking_note_ids(&self, target: FileId) -> impl Iterator<Item = FileId> + '_ {
        self.backlinks
            .get(&target)
            .into_iter()
            .flat_map(|c| c.ids())
    }

    /// The notes linking to `target` (how many, and whether one does).
    pub fn linking(&self, target: FileId) -> Linking<'_> {
        Linking(self.backlinks.get(&target))
    }

    /// At most `k` of the notes most notes link to: whole groups of equally linked notes,
    /// most linked first (unordered within a group). Costs the notes returned.
    pub fn most_linked(&self, k: usize) -> Vec<FileId> {
        self.backlinks.most_linked(k)
    }

    /// Unresolved links grouped by the name they look for (last path component, folded,
    /// without `.md`).
    pub fn unresolved(&self) -> impl Iterator<Item = (&str, &[LinkSite])> {
        self.unresolved
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_slice()))
    }

    /// The unresolved links whose target is `target` (any case, `.md` optional).
    pub fn unresolved_sites(&self, target: &str) -> Vec<LinkSite> {
        // Listed under the last component; the same missing target is the whole path, so
        // `[x](Clients/Initech%20Corp.md)` and `[[Clients/Initech Corp]]` are one target.
        let want = unresolved_key(target);
        let Some(sites) = self.unresolved.get(&*link_key(target)) else {
            return Vec::new();
        };
        let mut out: Vec<LinkSite> = sites
            .iter()
            .filter(|s| {
                self.note(s.source).is_some_and(|n| {
                    unresolved_key(&n.syntax.links[s.link as usize].target(n.src())) == want
                })
            })
            .copied()
            .collect();
        out.sort();
        out
    }

    /// Notes using a tag (case-insensitive) with their number of uses, in path order.
    pub fn tag_uses(&self, tag: &str) -> Vec<(FileId, u32)> {
        let Some(notes) = self.tags.get(&*fold(tag)) else {
            return Vec::new();
        };
        let mut out: Vec<(FileId, u32)> = notes.entries().collect();
        out.sort_by(|a, b| self.path(a.0).cmp(self.path(b.0)));
        out
    }

    /// Frontmatter keys in use, with how many notes have each and the values seen.
    pub fn properties(&self) -> impl Iterator<Item = (&str, &Property)> {
        self.properties.iter().map(|(k, p)| (k.as_str(), p))
    }

    pub fn property(&self, key: &str) -> Option<&Property> {
        self.properties.get(key)
    }

    /// How many notes use a tag (case-insensitive), and how many times in all.
    pub fn tag_count(&self, tag: &str) -> (usize, u32) {
        self.tags.get(&*fold(tag)).map_or((0, 0), |notes| {
            (notes.len(), notes.entries().map(|e| e.1).sum())
        })
    }

    /// The note, first in path order, that uses a tag (its casing is the one to show).
    pub fn first_tagged_note(&self, tag: &str) -> Option<FileId> {
        let notes = self.tags.get(&*fold(tag))?;
        notes.ids().min_by(|a, b| self.path(*a).cmp(self.path(*b)))
    }

    /// The notes using a tag or a tag nested under it (`area` and `area/sub`), in id order.
    pub fn notes_tagged_within(&self, tag: &str) -> Vec<FileId> {
        let wanted = fold(tag);
        let mut notes: Vec<FileId> = self
            .tags
            .iter()
            .filter(|(t, _)| path::is_within(t, &wanted))
            .flat_map(|(_, notes)| notes.ids())
            .collect();
        notes.sort_unstable();
        notes.dedup();
        notes
    }

    /// Every tag in use (folded).
    pub fn tags(&self) -> impl Iterator<Item = &str> {
        self.tags.keys().map(String::as_str)
    }

    /// Resolves a link written in note `source`, whose text is `text`. Returns the resolution
    /// and, when the bare name matched several files, all of them (best first).
    pub fn resolve_link(
        &self,
        source: FileId,
        text: &(impl TextAt + ?Sized),
        link: &Link,
    ) -> (Resolution, Vec<FileId>) {
        self.resolve_target(source, &link.target(text), &mut String::new())
    }

    /// Resolves a link path as if written in note `source` moved to the vault path
    /// `moved_to`: whether the note's links still lead where they did after a move.
    pub fn resolve_path_moved(&self, source: FileId, moved_to: &str, target: &str) -> Resolution {
        let folder = path::fold(path::parent(moved_to)).into_owned();
        self.resolve_in(source, Some(&folder), target, &mut String::new())
            .0
    }

    /// Resolves a link path (the part before `#`) as if written in note `source`.
    pub fn resolve_path(&self, source: FileId, target: &str) -> Resolution {
        self.resolve_target(source, target, &mut String::new()).0
    }

    /// Headings across the vault whose folded text starts with `prefix` (folded), in text
    /// order, each with the notes and heading indexes having it.
    pub fn headings_with_prefix<'a, 'p>(
        &'a self,
        prefix: &'p str,
    ) -> impl Iterator<Item = (&'a str, &'a [(FileId, u32)])> + use<'a, 'p> {
        self.headings.with_prefix(prefix)
    }

    /// Headings a word of which (after the first) starts with `prefix` (folded, two
    /// characters or more); `None` when more than `cap` may.
    pub fn headings_with_word_prefix<'a>(
        &'a self,
        prefix: &str,
        cap: usize,
    ) -> Option<impl Iterator<Item = (&'a str, &'a [(FileId, u32)])> + use<'a>> {
        self.headings.with_word_prefix(prefix, cap)
    }

    /// A name (folded) as the name index holds it, with the notes it names.
    pub fn name_entry(&self, name: &str) -> Option<(&str, &[(FileId, NameKind)])> {
        self.names.entry(name)
    }

    /// Every name notes are known by (folded) with the notes it names, in name order.
    pub fn names(&self) -> impl Iterator<Item = (&str, &[(FileId, NameKind)])> {
        self.names.iter()
    }

    /// The names after `name` (already folded), in name order.
    pub fn names_after<'a, 'p>(
        &'a self,
        name: &'p str,
    ) -> impl Iterator<Item = (&'a str, &'a [(FileId, NameKind)])> + use<'a, 'p> {
        self.names.after(name)
    }

    /// The names starting with `prefix` (already folded), in name order.
    pub fn names_with_prefix<'a, 'p>(
        &'a self,
        prefix: &'p str,
    ) -> impl Iterator<Item = (&'a str, &'a [(FileId, NameKind)])> + use<'a, 'p> {
        self.names.with_prefix(prefix)
    }

    /// The names a word of which (after the first) starts with `prefix` (folded, not empty),
    /// each once, in no set order.
    ///
    /// `None` when more than `cap` names may have such a word.
    pub fn names_with_word_prefix<'a>(
        &'a self,
        prefix: &str,
        cap: usize,
    ) -> Option<impl Iterator<Item = (&'a str, &'a [(FileId, NameKind)])> + use<'a>> {
        self.names.with_word_prefix(prefix, cap)
    }

    /// Names that may match `query` loosely, at most `cap` ([`names::Names::loose_candidates`]).
    pub fn names_loosely<'a>(
        &'a self,
        query: &str,
        cap: usize,
    ) -> impl Iterator<Item = (&'a str, &'a [(FileId, NameKind)])> + use<'a> {
        self.names.loose_candidates(query, cap)
    }

    /// The folders one of whose components starts with `prefix` (folded, not empty), with
    /// their notes, each folder once.
    pub fn folders_with_prefix<'a>(
        &'a self,
        prefix: &str,
    ) -> impl Iterator<Item = (&'a str, &'a [FileId])> + use<'a> {
        self.folders.with_component_prefix(prefix)
    }

    /// The notes directly in `folder` (as on disk, `""` for the root), in no set order.
    pub fn notes_in_folder(&self, folder: &str) -> &[FileId] {
        self.folders.notes_in(folder)
    }

    /// The names of the folders directly in `folder` (`""`: the root) with notes at some
    /// depth, in no set order.
    pub fn subfolders(&self, folder: &str) -> Vec<&str> {
        self.folders.subfolders(folder)
    }

    // ----- incremental updates ----------------------------------------------------------

    /// Creates or replaces a file with what is on disk. For notes (`.md`) `text` is the
    /// content (`None` = empty), held in pieces when the vault was loaded so
    /// ([`LoadOptions::pieces`]); for attachments it is ignored. Touches only this file's
    /// entries and the links elsewhere whose resolution it can change.
    pub fn upsert_file(&mut self, path: &str, text: Option<String>) {
        self.upsert(path, text, self.pieces);
    }

    fn upsert(&mut self, path: &str, text: Option<String>, pieces: bool) {
        let is_note = is_note_path(path);
        let note = is_note.then(|| {
            let note = Note::parse(path, text.unwrap_or_default());
            if pieces {
                note.into_pieces(None, &self.pool)
            } else {
                note
            }
        });
        match self.id(path) {
            Some(id) if is_note => self.replace_note(id, note.expect("note")),
            Some(_) => {}
            None => self.add(path.to_string(), note),
        }
    }

    /// Replaces a note's text with an editor's (creating the note if it does not exist): held
    /// whole, as requests about it read it.
    pub fn update_note(&mut self, path: &str, text: String) {
        self.upsert(path, Some(text), false);
    }

    /// Removes a file; links to it are re-resolved (to another match, or unresolved).
    pub fn remove_file(&mut self, path: &str) -> bool {
        let Some(id) = self.id(path) else {
            return false;
        };
        self.take(id);
        true
    }

    /// Renames a file, keeping its content. Links are not rewritten (that is an edit the
    /// editor applies); they re-resolve. False when `from` is missing or `to` exists.
    pub fn rename_file(&mut self, from: &str, to: &str) -> bool {
        if from == to || self.id(to).is_some() {
            return false;
        }
        let Some(id) = self.id(from) else {
            return false;
        };
        let file = self.take(id);
        let modified = file.modified();
        let note = file.note;
        let note = is_note_path(to).then(|| match note {
            Some(n) => Note::with_text(to, n.text, n.lines, n.syntax),
            None => Note::new(to, String::new(), NoteSyntax::default()),
        });
        self.add(to.to_string(), note);
        // A file renamed keeps its modification time.
        self.set_modified(to, modified);
        true
    }

    /// Records when the file at `path` was last modified on disk (nanoseconds since 1970, as
    /// [`load::modified`] reads it; `None` when it is not on disk). Whoever reads a file from
    /// disk for the vault tells it, so that the vault holds what a fresh load would find; an
    /// editor's unsaved text changes nothing here. Nothing happens when no file is at `path`.
    pub fn set_modified(&mut self, path: &str, modified: Option<u64>) {
        let Some(id) = self.id(path) else {
            return;
        };
        let file = self.files[id.index()].as_mut().expect("live file");
        let is_note = file.note.is_some();
        let old = file.modified();
        file.modified = modified.and_then(std::num::NonZeroU64::new);
        let modified = file.modified();
        if let Some(old) = old {
            self.recent.remove(&(old, id));
        }
        if let Some(modified) = modified.filter(|_| is_note) {
            self.recent.insert((modified, id));
        }
    }

    /// When the file was last modified on disk, as last read ([`Vault::set_modified`]).
    pub fn modified(&self, id: FileId) -> Option<u64> {
        self.file(id).modified()
    }

    /// Notes by when they were last modified on disk, the newest first (ties by id, highest
    /// first). Costs the notes read.
    pub fn recently_modified(&self) -> impl Iterator<Item = (FileId, u64)> + '_ {
        self.recent
            .iter()
            .rev()
            .map(|&(modified, id)| (id, modified))
    }

    fn add(&mut self, path: String, note: Option<Note>) {
        let key = file_key(&path);
        let id = self.insert_file(path, note);
        self.index_content(id);
        let resolutions = self.resolve_all(id);
        self.set_resolutions(id, resolutions);
        self.reresolve_key(&key, Some(id));
    }

    fn take(&mut self, id: FileId) -> File {
        self.unindex_content(id);
        // Links to this file re-resolve below; until then they stay in its backlinks.
        let linked_from: Vec<FileId> = self
            .backlinks
            .get(&id)
            .map_or_else(Vec::new, |s| s.ids().collect());
        let file = self.files[id.index()].take().expect("live file");
        if let Some(modified) = file.modified() {
            self.recent.remove(&(modified, id));
        }
        let key = file_key(file.path());
        self.by_path.remove(file.path(), id);
        if let Some(ids) = self.by_name_key.get_mut(key.as_str())
            && !ids.remove(id)
        {
            self.by_name_key.remove(key.as_str());
        }
        if file.note.is_some() {
            self.names
                .remove(&fold(stem(file.path())), &(id, NameKind::FileStem));
            self.folders.remove(path::parent(file.path()), id);
        }
        self.reresolve_sources(linked_from, &key);
        self.reresolve_key(&key, None);
        debug_assert!(
            !self.backlinks.contains_key(&id),
            "links to a removed file re-resolve"
        );
        self.backlinks.remove(id);
        self.free.push(id.index() as u32);
        file
    }

    /// Indexes a file registered but not indexed yet, its note's links resolved already (the
    /// links that may lead to it now are resolved again by its name key afterwards).
    fn index_added(&mut self, id: FileId) {
        let Some(note) = self.note(id) else {
            return;
        };
        let resolutions = note.resolved.clone();
        let name = fold(stem(self.path(id))).into_owned();
        self.names.insert(&name, (id, NameKind::FileStem));
        self.index_content(id);
        self.set_resolutions(id, resolutions);
    }

    /// Replaces the note at `id`, as the indexes have it, by `note` (its links resolved
    /// already), moving the indexes with it.
    fn patch_note(&mut self, id: FileId, note: Note) {
        self.unindex_content(id);
        let resolutions = note.resolved.clone();
        self.files[id.index()].as_mut().expect("live file").note = Some(note);
        self.index_content(id);
        self.set_resolutions(id, resolutions);
    }

    fn replace_note(&mut self, id: FileId, mut note: Note) {
        // Resolution reads the paths alone, not the indexes the patch moves.
        note.resolved = self.resolve_note(id, &note);
        self.patch_note(id, note);
    }

    fn insert_file(&mut self, path: String, note: Option<Note>) -> FileId {
        let id = self.register_file(path, note.is_some());
        self.files[id.index()]
            .as_mut()
            .expect("registered file")
            .note = note;
        id
    }

    /// Adds a file to the path and name indexes, without content.
    fn register_file(&mut self, path: String, is_note: bool) -> FileId {
        let id = self.register_path(path.into(), is_note);
        if is_note {
            let name = fold(stem(self.path(id))).into_owned();
            self.names.insert(&name, (id, NameKind::FileStem));
        }
        id
    }

    /// [`Vault::register_file`] but for the name index.
    fn register_path(&mut self, path: std::sync::Arc<str>, is_note: bool) -> FileId {
        let id = match self.free.pop() {
            Some(i) => FileId::new(i as usize),
            None => {
                self.files.push(None);
                FileId::new(self.files.len() - 1)
            }
        };
        let key = file_key(&path);
        match self.by_name_key.get_mut(key.as_str()) {
            Some(ids) => ids.push(id),
            None => {
                self.by_name_key.insert(key.into(), Ids::One(id));
            }
        }
        if is_note {
            self.folders.insert(path::parent(&path), id);
        }
        self.files[id.index()] = Some(File::new(path));
        self.by_path.insert(&self.files, id);
        id
    }

    /// Adds a note's title, aliases, tags and properties to the indexes.
    fn index_content(&mut self, id: FileId) {
        let Some(File {
            note: Some(note),
            path,
            ..
        }) = self.files[id.index()].as_ref()
        else {
            return;
        };
        index_note_content(
            note,
            id,
            path,
            &mut self.names,
            &mut self.tags,
            &mut self.properties,
        );
        index_headings(note, id, &mut self.headings);
    }

    /// Removes everything [`Vault::index_content`] and [`Vault::set_resolutions`] added for a
    /// note (its file-stem name stays).
    fn unindex_content(&mut self, id: FileId) {
        let Some(File {
            note: Some(note),
            path,
            ..
        }) = self.files[id.index()].as_mut()
        else {
            return; // attachments have no content
        };
        let resolved = std::mem::take(&mut note.resolved);
        let note = &*note;
        for (name, kind) in note.names(path) {
            self.names.remove(&name, &(id, kind));
        }
        for (i, h) in note.syntax.headings.iter().enumerate() {
            self.headings
                .remove(&fold(h.text(note.src()).trim()), &(id, i as u32));
        }
        for tag in &note.syntax.tags {
            count_down(&mut self.tags, &*fold(tag.name(note.src())), id);
        }
        for (key, values) in note.properties() {
            let Some(property) = self.properties.get_mut(key) else {
                continue;
            };
            property.notes -= 1;
            for value in values {
                if let Some(n) = property.values.get_mut(value) {
                    *n -= 1;
                    if *n == 0 {
                        property.values.remove(value);
                    }
                }
            }
            if property.notes == 0 {
                self.properties.remove(key);
            }
        }
        for (i, (r, link)) in resolved.iter().zip(&note.syntax.links).enumerate() {
            let site = LinkSite {
                source: id,
                link: i as u32,
            };
            match r.file() {
                Some(target) => self.backlinks.remove_one(target, id),
                None => remove_one(
                    &mut self.unresolved,
                    &*link_key(&link.target(note.src())),
                    &site,
                ),
            }
        }
    }

    fn resolve_all(&self, id: FileId) -> std::sync::Arc<[Resolution]> {
        self.note(id)
            .map_or_else(Default::default, |note| self.resolve_note(id, note))
    }

    /// The resolution of each link of `note`, written in file `id`: made straight into the
    /// `Arc` the note holds (one per link, so no vector to copy into it).
    fn resolve_note(&self, id: FileId, note: &Note) -> std::sync::Arc<[Resolution]> {
        let mut scratch = String::new();
        note.syntax
            .links
            .iter()
            .map(|l| {
                self.resolve_target(id, &l.target(note.src()), &mut scratch)
                    .0
            })
            .collect()
    }

    fn set_resolutions(&mut self, id: FileId, resolutions: std::sync::Arc<[Resolution]>) {
        let Some(note) = self.files[id.index()]
            .as_mut()
            .and_then(|f| f.note.as_mut())
        else {
            return;
        };
        index_links(
            note,
            id,
            &resolutions,
            &mut self.backlinks,
            &mut self.unresolved,
        );
        note.resolved = resolutions;
    }

    /// Re-resolves the links, anywhere in the vault, that a file with name key `key` can
    /// match: unresolved links with that key, and links to files with the same key (their
    /// candidates change). `skip` is a note already resolved afresh.
    fn reresolve_key(&mut self, key: &str, skip: Option<FileId>) {
        let same_name = self
            .by_name_key
            .get(key)
            .map_or(&[][..], Ids::as_slice)
            .iter()
            .filter_map(|target| self.backlinks.get(target))
            .flat_map(Counts::ids);
        let unresolved = self
            .unresolved
            .get(key)
            .into_iter()
            .flatten()
            .map(|site| site.source);
        let sources: Vec<FileId> = same_name
            .chain(unresolved)
            .filter(|&s| Some(s) != skip)
            .collect();
        self.reresolve_sources(sources, key);
    }

    /// Re-resolves the links of `sources` whose key is `key`.
    fn reresolve_sources(&mut self, mut sources: Vec<FileId>, key: &str) {
        sources.sort_unstable();
        sources.dedup();
        for source in sources {
            let Some(note) = self.note(source) else {
                continue;
            };
            let changes: Vec<(usize, Resolution, Resolution)> = note
                .syntax
                .links
                .iter()
                .zip(note.resolved.iter())
                .enumerate()
                .filter(|(_, (l, _))| link_key(&l.target(note.src())) == key)
                .filter_map(|(i, (l, &old))| {
                    let new = self.resolve_link(source, note.src(), l).0;
                    (new != old).then_some((i, old, new))
                })
                .collect();
            let Some(note) = self.files[source.index()]
                .as_mut()
                .and_then(|f| f.note.as_mut())
            else {
                continue;
            };
            for (i, old, new) in changes {
                let site = LinkSite {
                    source,
                    link: i as u32,
                };
                let target = note.syntax.links[i].target(note.src());
                match old.file() {
                    Some(id) => self.backlinks.remove_one(id, source),
                    None => remove_one(&mut self.unresolved, &*link_key(&target), &site),
                }
                match new.file() {
                    Some(id) => self.backlinks.add(id, source, 1),
                    None => push_to(&mut self.unresolved, link_key(&target), site),
                }
                std::sync::Arc::make_mut(&mut note.resolved)[i] = new;
            }
        }
    }

    /// A canonical, path-based description of the whole store (files, summaries, resolutions
    /// and every index). Two vaults with the same files have equal dumps, however they were
    /// built; the incremental property test relies on it.
    pub fn dump(&self) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        let p = |id: FileId| self.path(id).to_string();
        let mut files: Vec<(FileId, &File)> = self.files().collect();
        files.sort_by(|a, b| a.1.path().cmp(b.1.path()));
        for (_, f) in &files {
            let _ = writeln!(out, "file {} modified {:?}", f.path(), f.modified());
            if let Some(n) = &f.note {
                let _ = writeln!(out, "  title {:?}\n  {:?}", n.title(f.path()), n.syntax);
                for r in n.resolved.iter() {
                    let _ = match r.file() {
                        Some(id) if r.is_ambiguous() => writeln!(out, "  -> {} (ambiguous)", p(id)),
                        Some(id) => writeln!(out, "  -> {}", p(id)),
                        None => writeln!(out, "  -> unresolved"),
                    };
                }
            }
        }
        let sites = |s: &[LinkSite]| -> Vec<(String, u32)> {
            let mut v: Vec<_> = s.iter().map(|s| (p(s.source), s.link)).collect();
            v.sort();
            v
        };
        let notes = |s: &[FileId]| -> Vec<String> {
            let mut v: Vec<_> = s.iter().map(|id| p(*id)).collect();
            v.sort();
            v
        };
        let mut lines = Vec::new();
        for (k, v) in self.names.iter() {
            let mut v: Vec<_> = v.iter().map(|(id, kind)| (p(*id), *kind)).collect();
            v.sort();
            lines.push(format!("name {k:?} {v:?}"));
        }
        lines.push(format!("name lookups {:?}", self.names.check_derived()));
        for (k, v) in self.headings.iter() {
            let mut v: Vec<_> = v.iter().map(|(id, i)| (p(*id), *i)).collect();
            v.sort();
            lines.push(format!("heading {k:?} {v:?}"));
        }
        lines.push(format!(
            "heading lookups {:?}",
            self.headings.check_derived()
        ));
        for (folder, ids) in self.folders.iter() {
            lines.push(format!("folder {folder:?} {:?}", notes(ids)));
        }
        lines.push(format!("folder lookups {:?}", self.folders.check_derived()));
        // The notes by modification time: exactly the notes with one.
        let recent: BTreeSet<(u64, FileId)> = self
            .notes()
            .filter_map(|(id, _)| Some((self.modified(id)?, id)))
            .collect();
        lines.push(format!("recent lookups {:?}", recent == self.recent));
        let counts = |c: &Counts| -> Vec<(String, u32)> {
            let mut v: Vec<_> = c.entries().map(|(id, n)| (p(id), n)).collect();
            v.sort();
            v
        };
        for (k, v) in self.backlinks.iter() {
            lines.push(format!("backlinks {} {:?}", p(*k), counts(v)));
        }
        lines.push(format!(
            "backlink counts {:?}",
            self.backlinks.check_derived()
        ));
        for (k, v) in &self.unresolved {
            lines.push(format!("unresolved {k:?} {:?}", sites(v)));
        }
        for (k, v) in &self.tags {
            lines.push(format!("tag {k:?} {:?}", counts(v)));
        }
        for (k, p) in &self.properties {
            let mut values: Vec<_> = p.values.iter().collect();
            values.sort();
            lines.push(format!("property {k:?} {} {values:?}", p.notes));
        }
        for (k, v) in &self.by_name_key {
            lines.push(format!("name-key {k:?} {:?}", notes(v.as_slice())));
        }
        lines.sort();
        for l in lines {
            out.push_str(&l);
            out.push('\n');
        }
        out
    }
}

/// The title of the note at `path` when it is not the file's stem (most notes' is: without a
/// title or first H1, or with one repeating it), from its summary and text.
fn own_title<'a, T: TextAt + ?Sized>(
    syntax: &'a NoteSyntax,
    text: &'a T,
    path: &'a str,
) -> Option<&'a str> {
    let stem = stem(path);
    let title = syntax.title(text, stem);
    (title != stem).then_some(title)
}

impl Note {
    fn parse(path: &str, text: String) -> Note {
        let syntax = parse_note(&text);
        Note::new(path, text, syntax)
    }

    fn new(path: &str, text: String, syntax: impl Into<std::sync::Arc<NoteSyntax>>) -> Note {
        let lines = LineIndex::new(&text);
        Note::with_text(path, NoteText::Whole(text), lines, syntax.into())
    }

    fn with_text(
        path: &str,
        text: NoteText,
        lines: LineIndex,
        syntax: std::sync::Arc<NoteSyntax>,
    ) -> Note {
        let title = own_title(&syntax, &text, path).map(Box::from);
        Note::with_title(text, lines, syntax, title)
    }

    /// A note with its title as stored with it (as [`Note::with_text`] finds it from the
    /// summary, its text and its file's stem).
    fn with_title(
        text: NoteText,
        lines: LineIndex,
        syntax: std::sync::Arc<NoteSyntax>,
        title: Option<Box<str>>,
    ) -> Note {
        Note {
            lines,
            text,
            syntax,
            title,
            resolved: Default::default(),
        }
    }

    /// What the summary's accessors read ([`Heading::text`](crate::syntax::Heading::text),
    /// [`Link::target`], …): the whole text or its pieces.
    pub fn src(&self) -> &NoteText {
        &self.text
    }

    /// The whole text, when the vault holds it ([`Vault::text`] reads it otherwise).
    pub fn text(&self) -> Option<&str> {
        match &self.text {
            NoteText::Whole(text) => Some(text),
            NoteText::Pieces { .. } => None,
        }
    }

    /// The whole text's length.
    pub fn len(&self) -> usize {
        self.text.len()
    }

    /// Position conversions for the note, whether its whole text is held or not.
    pub fn columns(&self, unit: ColumnUnit) -> Columns<'_> {
        match &self.text {
            NoteText::Whole(text) => Columns::with_lines(text, &self.lines, unit),
            NoteText::Pieces { held, .. } => Columns::held(&self.lines, &held.wide, unit),
        }
    }

    /// The note holding only the pieces of its text its summary reads; `hash` is the text's
    /// [`cache::text_hash`] when the caller has it already.
    fn into_pieces(self, hash: Option<u128>, pool: &std::sync::Arc<StrPool>) -> Note {
        let NoteText::Whole(text) = &self.text else {
            return self;
        };
        let text = NoteText::Pieces {
            held: Held {
                pieces: Pieces::new(text, &self.syntax, Some(pool)),
                wide: WideChars::new(text),
                hash: hash.unwrap_or_else(|| cache::text_hash(text)).into(),
            }
            .into(),
        };
        Note { text, ..self }
    }

    /// Whether `text` is the note's text (for a note held in pieces: hashes as it did).
    pub fn has_text(&self, text: &str) -> bool {
        match &self.text {
            NoteText::Whole(held) => held == text,
            NoteText::Pieces { held } => {
                held.pieces.len() == text.len()
                    && TextHash::from(cache::text_hash(text)) == held.hash
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// The frontmatter's aliases, trimmed, with the span of each.
    pub fn aliases(&self) -> impl Iterator<Item = (&str, crate::syntax::Span)> {
        self.syntax.aliases(&self.text)
    }

    /// The alias, as written, that folds to `folded` (a key of [`Vault::names`]).
    pub fn alias_folded_as(&self, folded: &str) -> Option<&str> {
        self.aliases()
            .map(|(alias, _)| alias)
            .find(|alias| *fold(alias) == *folded)
    }

    /// The frontmatter's `type` (`people`, `meeting`, …), trimmed.
    pub fn note_type(&self) -> Option<&str> {
        self.syntax.frontmatter.as_ref()?.note_type(&self.text)
    }

    /// The frontmatter's top-level keys, in order.
    pub fn property_keys(&self) -> impl Iterator<Item = &str> {
        let fields = self.syntax.frontmatter.iter().flat_map(|f| &f.fields);
        fields.map(|f| f.key.text(&self.text))
    }

    /// Top-level frontmatter keys with the values worth offering (see [`Property`]); each key
    /// once.
    fn properties(&self) -> Vec<(&str, Vec<&str>)> {
        let Some(fm) = &self.syntax.frontmatter else {
            return Vec::new();
        };
        let text = &self.text;
        let mut out: Vec<(&str, Vec<&str>)> = Vec::new();
        for field in &fm.fields {
            let key = field.key.text(text);
            if key.is_empty() || out.iter().any(|(k, _)| *k == key) {
                continue;
            }
            let skip = PROPERTY_VALUES_SKIPPED.contains(&key.to_ascii_lowercase().as_str());
            let values = match &field.value {
                _ if skip => Vec::new(),
                crate::syntax::Value::Scalar(v) => vec![v.text(text)],
                crate::syntax::Value::List(items) => {
                    items.iter().filter_map(|v| v.as_str(text)).collect()
                }
                _ => Vec::new(),
            };
            let values = values
                .into_iter()
                .map(str::trim)
                .filter(|v| !v.is_empty() && v.len() <= PROPERTY_VALUE_MAX)
                .collect();
            out.push((key, values));
        }
        out
    }

    /// Obsidian's display title ([`NoteSyntax::title`]) of the note at `path`.
    pub fn title<'a>(&'a self, path: &'a str) -> &'a str {
        self.title.as_deref().unwrap_or_else(|| stem(path))
    }

    /// The folded title and aliases the note at `path` is known by (not its file stem). A
    /// title that folds to the file stem (a note without a title or first H1 is titled by
    /// it) is left out: the stem's entry names the note already (50k generated notes, all
    /// titled so: a second entry per name, 1.6 MB of the name index).
    fn names<'a>(&'a self, path: &'a str) -> impl Iterator<Item = (Cow<'a, str>, NameKind)> {
        let stem = stem(path);
        let title = self.title(path);
        let title = (title != stem)
            .then(|| fold(title))
            .filter(|title| *title != fold(stem))
            .map(|title| (title, NameKind::Title));
        title
            .into_iter()
            .chain(self.aliases().map(|(a, _)| (fold(a), NameKind::Alias)))
    }
}

/// While alive (a load), glibc makes a thread's new heap writable 16 MiB at once (its
/// `M_TOP_PAD`, 128 KiB by default); a heap made smaller grows page by page as it is
/// used, each step an `mprotect` contending with the other thread's page faults for the
/// process's address space lock (`grow_heap` was 13 % of a warm 50k load's samples under
/// perf). Writable pages cost memory only once written. Ended ([`LoadingPad::end`]) once the
/// notes are placed: the pad is also what a heap keeps when it is trimmed, and what the
/// load frees after is given back as usual.
struct LoadingPad;

impl LoadingPad {
    fn new() -> LoadingPad {
        set_top_pad(16 << 20);
        // On each of rayon's threads when it is free (waiting for them all could hold the
        // load behind a long request).
        #[cfg(all(target_os = "linux", target_env = "gnu"))]
        rayon::spawn_broadcast(|_| grow_thread_heap());
        LoadingPad
    }

    /// glibc's default again.
    fn end() {
        set_top_pad(128 << 10);
    }
}

impl Drop for LoadingPad {
    fn drop(&mut self) {
        LoadingPad::end();
    }
}

/// Makes this thread's heap writable ahead, 127 KiB at a time, up to 48 MiB. glibc grows a
/// thread's heap (not the main one, which `M_TOP_PAD` pads) by as much as each allocation
/// needs, a page at a time for small ones: a warm 50k load made 25,800 `mprotect` calls of
/// one page each. Blocks under the mmap threshold (128 KiB at first) come from the heap;
/// freed, they leave it writable (glibc trims a heap's unused end by giving its pages back,
/// not by protecting them again), so the load's allocations take those pages without a call.
/// Nothing is written but the blocks' headers.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn grow_thread_heap() {
    const BLOCK: usize = 127 << 10;
    let blocks: Vec<Vec<u8>> = (0..(48 << 20) / BLOCK)
        .map(|_| Vec::with_capacity(BLOCK))
        .collect();
    // Kept from being optimized away (allocations nothing uses may be).
    drop(std::hint::black_box(blocks));
}

fn set_top_pad(bytes: i32) {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `mallopt` sets an allocator parameter under the allocator's lock.
    unsafe {
        libc::mallopt(libc::M_TOP_PAD, bytes);
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    let _ = bytes;
}

/// Gives the pages of freed memory back to the system. A load frees much on the thread that
/// runs it (the walk's list, the cache file's paths and batches, the notes gathered before
/// they are placed) between what stays, and the indexes are built on other threads, whose
/// arenas cannot reuse it: without this, a warm 50k load ends with 18 MB free in the main
/// arena, counted in its RSS. (glibc's `malloc_trim`; elsewhere nothing.)
fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `malloc_trim` only gives back pages of free chunks; it is safe at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// The key of an unresolved target: folded path as written, without `.md`.
pub fn unresolved_key(target: &str) -> String {
    fold(path::strip_md(target.trim())).into_owned()
}

/// Adds a note's headings to the heading index (by folded text; empty headings left out).
fn index_headings(note: &Note, id: FileId, headings: &mut names::Names<u32>) {
    for (i, h) in note.syntax.headings.iter().enumerate() {
        let text = fold(h.text(note.src()).trim());
        if !text.is_empty() {
            headings.insert(&text, (id, i as u32));
        }
    }
}

/// [`Vault::index_content`] on the indexes alone, so the load can run it beside
/// [`index_links`].
fn index_note_content(
    note: &Note,
    id: FileId,
    path: &str,
    names: &mut names::Names,
    tags: &mut HashMap<String, Counts>,
    properties: &mut HashMap<String, Property>,
) {
    for (name, kind) in note.names(path) {
        names.insert(&name, (id, kind));
    }
    for tag in &note.syntax.tags {
        count_up(tags, fold(tag.name(note.src())), id);
    }
    for (key, values) in note.properties() {
        let property = match properties.get_mut(key) {
            Some(p) => p,
            None => properties.entry(key.to_string()).or_default(),
        };
        property.notes += 1;
        for value in values {
            *property.values.entry(value.to_string()).or_default() += 1;
        }
    }
}

/// Adds the links of note `id`, resolved as `resolutions`, to the backlink and unresolved
/// indexes. A note often links to one person many times: each target is counted once.
fn index_links(
    note: &Note,
    id: FileId,
    resolutions: &[Resolution],
    backlinks: &mut Backlinks,
    unresolved: &mut HashMap<String, Vec<LinkSite>>,
) {
    let mut targets: Vec<FileId> = resolutions.iter().filter_map(|r| r.file()).collect();
    targets.sort_unstable();
    for run in targets.chunk_by(|a, b| a == b) {
        backlinks.add(run[0], id, run.len() as u32);
    }
    index_unresolved(note, id, resolutions, unresolved);
}

/// Adds the links of note `id` that resolve nowhere to the `unresolved` index.
fn index_unresolved(
    note: &Note,
    id: FileId,
    resolutions: &[Resolution],
    unresolved: &mut HashMap<String, Vec<LinkSite>>,
) {
    for (i, (r, link)) in resolutions.iter().zip(&note.syntax.links).enumerate() {
        if r.is_unresolved() {
            let site = LinkSite {
                source: id,
                link: i as u32,
            };
            push_to(unresolved, link_key(&link.target(note.src())), site);
        }
    }
}

/// Counts `id` once more under `key`, allocating the key only when it is new.
fn count_up(map: &mut HashMap<String, Counts>, key: Cow<'_, str>, id: FileId) {
    match map.get_mut(&*key) {
        Some(counts) => counts.add(id, 1),
        None => {
            map.insert(key.into_owned(), Counts::one(id));
        }
    }
}

/// Counts `id` once less under `key`, dropping empty entries.
fn count_down<K, Q>(map: &mut HashMap<K, Counts>, key: &Q, id: FileId)
where
    K: Hash + Eq + Borrow<Q>,
    Q: Hash + Eq + ?Sized,
{
    if let Some(counts) = map.get_mut(key) {
        counts.remove_one(id);
        if counts.is_empty() {
            map.remove(key);
        }
    }
}

/// The hash and ordered maps of occurrence lists the indexes use.
trait ListMap<K, V> {
    fn list_mut<Q: Hash + Ord + ?Sized>(&mut self, key: &Q) -> Option<&mut Vec<V>>
    where
        K: Borrow<Q>;
    fn insert_list(&mut self, key: K, list: Vec<V>);
    fn remove_list<Q: Hash + Ord + ?Sized>(&mut self, key: &Q)
    where
        K: Borrow<Q>;
}

/// One implementation for both map kinds (the methods are the maps' own).
macro_rules! list_map {
    ($map:ident, $($key_bound:tt)+) => {
        impl<K: $($key_bound)+, V> ListMap<K, V> for $map<K, Vec<V>> {
            fn list_mut<Q: Hash + Ord + ?Sized>(&mut self, key: &Q) -> Option<&mut Vec<V>>
            where
                K: Borrow<Q>,
            {
                self.get_mut(key)
            }
            fn insert_list(&mut self, key: K, list: Vec<V>) {
                self.insert(key, list);
            }
            fn remove_list<Q: Hash + Ord + ?Sized>(&mut self, key: &Q)
            where
                K: Borrow<Q>,
            {
                self.remove(key);
            }
        }
    };
}

list_map!(HashMap, Hash + Eq);
list_map!(BTreeMap, Ord);

/// Appends to the list under `key`, allocating the key only when it is new.
fn push_to<K, V>(map: &mut impl ListMap<K, V>, key: impl Into<K> + AsRef<str>, value: V)
where
    K: Borrow<str>,
{
    match map.list_mut(key.as_ref()) {
        Some(list) => list.push(value),
        None => map.insert_list(key.into(), vec![value]),
    }
}

/// Removes one occurrence of `value` from the list under `key`, and the key once it is empty.
fn remove_one<K, Q, V>(map: &mut impl ListMap<K, V>, key: &Q, value: &V)
where
    K: Borrow<Q>,
    Q: Hash + Ord + ?Sized,
    V: PartialEq,
{
    if let Some(list) = map.list_mut(key) {
        if let Some(pos) = list.iter().position(|v| v == value) {
            list.swap_remove(pos);
        }
        if list.is_empty() {
            map.remove_list(key);
        }
    }
}

#[cfg(test)]
mod tests;
