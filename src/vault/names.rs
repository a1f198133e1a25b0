//! The name indexes completion searches: every name a note is known by (its folded file stem,
//! title and aliases) found by its start, by the start of any word inside it, or by any three
//! characters of it; and notes found by the folders they are in. Each lookup costs what it
//! finds, not the vault: issue 18 measured the word and loose passes that read every name at
//! 2.8 ms per keystroke at 10k notes and 24 ms at 100k.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::bytes::{Put, Source};
use super::path::fold;
use super::{FileId, NameKind};

/// What a name index holds for each name: the file, and what kind of name it is there (for
/// notes) or which heading (for headings).
pub type Entry<K> = (FileId, K);

/// One name and the notes it names. The name is shared with the ordered map's key (one
/// allocation, not two), and a name most often names one note, held inline: together about
/// 60 bytes less per name than a `Box<str>` here and a `Vec` of entries.
#[derive(Debug)]
struct Named<K> {
    name: Arc<str>,
    notes: Entries<K>,
}

/// The entries of one name: inline while there is one.
#[derive(Debug)]
enum Entries<K> {
    One(Entry<K>),
    Many(Vec<Entry<K>>),
}

impl<K: Copy + PartialEq> Entries<K> {
    fn as_slice(&self) -> &[Entry<K>] {
        match self {
            Entries::One(e) => std::slice::from_ref(e),
            Entries::Many(v) => v,
        }
    }

    fn push(&mut self, entry: Entry<K>) {
        match self {
            Entries::One(e) => *self = Entries::Many(vec![*e, entry]),
            Entries::Many(v) => v.push(entry),
        }
    }

    /// Removes one `entry`; whether none is left.
    fn remove(&mut self, entry: &Entry<K>) -> bool {
        match self {
            Entries::One(e) => e == entry,
            Entries::Many(v) => {
                if let Some(i) = v.iter().position(|e| e == entry) {
                    v.swap_remove(i);
                }
                match v.as_slice() {
                    [] => true,
                    [one] => {
                        *self = Entries::One(*one);
                        false
                    }
                    _ => false,
                }
            }
        }
    }
}

/// Folded names → notes, with the word-start and trigram indexes over them.
///
/// Names live in slots; the ordered map and the two gram indexes refer to a name by its slot
/// (4 bytes), which keeps them small: a name is in one trigram list per distinct trigram.
#[derive(Debug)]
pub struct Names<K = NameKind> {
    slots: Vec<Option<Named<K>>>,
    free: Vec<u32>,
    /// Name → slot, ordered for prefix search.
    by_name: BTreeMap<Arc<str>, u32>,
    /// The first two loosened characters ([`loose`]) of each word after the first → the slots
    /// of the names with such a word, each once, unordered: what a word-start search reads.
    word_grams: HashMap<u64, Vec<u32>>,
    /// A trigram of a name's loosened characters → the slots of the names holding it, each
    /// once, unordered: what a loose search reads.
    grams: HashMap<u64, Vec<u32>>,
    /// Whether `grams` is kept (names: yes; headings: no, for memory).
    loose: bool,
    /// Whether `word_grams` is kept (no for `vaultls check`, which never completes).
    words: bool,
}

impl<K> Default for Names<K> {
    fn default() -> Names<K> {
        Names {
            slots: Vec::new(),
            free: Vec::new(),
            by_name: BTreeMap::new(),
            word_grams: HashMap::default(),
            grams: HashMap::default(),
            loose: true,
            words: true,
        }
    }
}

impl<K: Copy + PartialEq> Names<K> {
    /// An index without loose (trigram) search.
    pub fn strict() -> Names<K> {
        Names {
            loose: false,
            ..Names::default()
        }
    }

    /// An index of whole names alone, without word-start or loose search: what `vaultls
    /// check` reads (its gram lists were 8 MB of its peak at 50k notes).
    pub fn exact() -> Names<K> {
        Names {
            loose: false,
            words: false,
            ..Names::default()
        }
    }

    /// Adds `entry` under `name`, unless that note already has this kind of name there.
    pub fn insert(&mut self, name: &str, entry: Entry<K>) {
        if let Some(&slot) = self.by_name.get(name) {
            let notes = &mut self.named_mut(slot).notes;
            // This note's entries are the last ones pushed: check only those.
            let mut own = notes.as_slice().iter().rev().take_while(|e| e.0 == entry.0);
            if !own.any(|e| e.1 == entry.1) {
                notes.push(entry);
            }
            return;
        }
        let name: Arc<str> = name.into();
        let named = Named {
            name: name.clone(),
            notes: Entries::One(entry),
        };
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slots[slot as usize] = Some(named);
                slot
            }
            None => {
                self.slots.push(Some(named));
                (self.slots.len() - 1) as u32
            }
        };
        // Each gram's list gets this slot once: a repeated gram finds it last.
        let add = |index: &mut HashMap<u64, Vec<u32>>, gram| {
            let list = index.entry(gram).or_default();
            if list.last() != Some(&slot) {
                list.push(slot);
            }
        };
        if self.words {
            for gram in all_word_grams(&name) {
                add(&mut self.word_grams, gram);
            }
        }
        if self.loose {
            for gram in all_grams(&name) {
                add(&mut self.grams, gram);
            }
        }
        self.by_name.insert(name, slot);
    }

    /// Cuts the gram lists to their lengths, once a load has filled them: grown by doubling
    /// they were a third longer (50k generated notes: 1.1 MB of the name index, 0.5 of the
    /// headings'), for a copy of 1,600 lists.
    pub fn shrink_to_fit(&mut self) {
        for list in self.word_grams.values_mut().chain(self.grams.values_mut()) {
            list.shrink_to_fit();
        }
        self.slots.shrink_to_fit();
    }

    /// Removes one `entry` from under `name`, and the name once no note has it.
    pub fn remove(&mut self, name: &str, entry: &Entry<K>) {
        let Some(&slot) = self.by_name.get(name) else {
            return;
        };
        if !self.named_mut(slot).notes.remove(entry) {
            return;
        }
        self.by_name.remove(name);
        for (index, keys) in [
            (
                &mut self.word_grams,
                if self.words {
                    word_grams(name)
                } else {
                    Vec::new()
                },
            ),
            (
                &mut self.grams,
                if self.loose { grams(name) } else { Vec::new() },
            ),
        ] {
            for key in keys {
                if let Some(list) = index.get_mut(&key) {
                    if let Some(i) = list.iter().position(|&s| s == slot) {
                        list.swap_remove(i);
                    }
                    if list.is_empty() {
                        index.remove(&key);
                    }
                }
            }
        }
        self.slots[slot as usize] = None;
        self.free.push(slot);
    }

    fn named_mut(&mut self, slot: u32) -> &mut Named<K> {
        self.slots[slot as usize]
            .as_mut()
            .expect("a named slot is live")
    }

    fn slot(&self, slot: u32) -> Option<(&str, &[Entry<K>])> {
        let named = self.slots.get(slot as usize)?.as_ref()?;
        Some((&named.name, named.notes.as_slice()))
    }

    /// The notes known by `name` (folded).
    pub fn get(&self, name: &str) -> &[Entry<K>] {
        self.by_name
            .get(name)
            .and_then(|&slot| self.slot(slot))
            .map_or(&[], |(_, notes)| notes)
    }

    /// `name` (folded) as the index holds it, with its notes.
    pub fn entry(&self, name: &str) -> Option<(&str, &[Entry<K>])> {
        self.slot(*self.by_name.get(name)?)
    }

    /// Every name with its notes, in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[Entry<K>])> {
        self.by_name.values().filter_map(|&slot| self.slot(slot))
    }

    /// The names after `name` (folded), in name order.
    pub fn after<'a, 'p>(
        &'a self,
        name: &'p str,
    ) -> impl Iterator<Item = (&'a str, &'a [Entry<K>])> + use<'a, 'p, K> {
        self.by_name
            .range::<str, _>((std::ops::Bound::Excluded(name), std::ops::Bound::Unbounded))
            .filter_map(|(_, &slot)| self.slot(slot))
    }

    /// The names starting with `prefix` (folded), in name order.
    pub fn with_prefix<'a, 'p>(
        &'a self,
        prefix: &'p str,
    ) -> impl Iterator<Item = (&'a str, &'a [Entry<K>])> + use<'a, 'p, K> {
        self.by_name
            .range::<str, _>((
                std::ops::Bound::Included(prefix),
                std::ops::Bound::Unbounded,
            ))
            .take_while(move |(k, _)| k.starts_with(prefix))
            .filter_map(|(_, &slot)| self.slot(slot))
    }

    /// The names that do not start with `prefix` (folded, two characters or more) but a word
    /// of which does (`agi` finds `obsidian-agile-notes`): each once, in no set order. Reads
    /// the names with a word starting with the prefix's first two characters, accents aside.
    ///
    /// `None` when more than `cap` names have such a word (the list is not read), or the
    /// index keeps no word starts ([`Names::exact`]).
    pub fn with_word_prefix<'a>(
        &'a self,
        prefix: &str,
        cap: usize,
    ) -> Option<impl Iterator<Item = (&'a str, &'a [Entry<K>])> + use<'a, K>> {
        let key = first_two(prefix);
        let list = key
            .and_then(|k| self.word_grams.get(&k))
            .map_or(&[][..], Vec::as_slice);
        if list.len() > cap || !self.words {
            return None;
        }
        let finder = memchr::memmem::Finder::new(prefix.as_bytes()).into_owned();
        let prefix = prefix.to_string();
        Some(
            list.iter()
                .filter_map(|&slot| self.slot(slot))
                .filter(move |(name, _)| {
                    !name.starts_with(&prefix) && starts_a_word(name, &finder)
                }),
        )
    }

    /// Names that may match `query` loosely (its characters in order, accents and case
    /// aside): those holding a trigram of its words, the rarest trigrams first, each name
    /// once, in whole trigram lists while they total at most `cap` names. A loose match of a
    /// name being typed nearly always keeps three of its characters together (`toma` →
    /// `Tom…a…`). Nothing for a query without a word of three characters: two letters in
    /// order are in most names.
    pub fn loose_candidates<'a>(
        &'a self,
        query: &str,
        cap: usize,
    ) -> impl Iterator<Item = (&'a str, &'a [Entry<K>])> + use<'a, K> {
        let mut lists: Vec<&[u32]> = query
            .split_whitespace()
            .flat_map(grams)
            .filter_map(|g| self.grams.get(&g).map(Vec::as_slice))
            .collect();
        lists.sort_by_key(|l| l.len());
        // Whole lists only: a cut inside one would depend on the order names were added,
        // and two servers on the same files must answer alike.
        let mut total = 0;
        lists.retain(|l| {
            total += l.len();
            total <= cap
        });
        let mut seen = HashSet::default();
        let slots: Vec<u32> = lists
            .into_iter()
            .flatten()
            .copied()
            .filter(|&slot| seen.insert(slot))
            .collect();
        slots.into_iter().filter_map(|slot| self.slot(slot))
    }

    /// Whether the slots and gram indexes hold exactly what a rebuild from the names would,
    /// for [`super::Vault::dump`] (they are derived, so they are checked, not printed).
    pub fn check_derived(&self) -> Result<(), String> {
        let mut rebuilt: [BTreeMap<u64, Vec<&str>>; 2] = Default::default();
        for (name, &slot) in &self.by_name {
            match self.slot(slot) {
                Some((held, notes)) if held == &**name && !notes.is_empty() => {}
                _ => return Err(format!("slot of {name:?}")),
            }
            if self.words {
                for gram in word_grams(name) {
                    rebuilt[0].entry(gram).or_default().push(name);
                }
            }
            if self.loose {
                for gram in grams(name) {
                    rebuilt[1].entry(gram).or_default().push(name);
                }
            }
        }
        let live = self.slots.iter().filter(|s| s.is_some()).count();
        if live != self.by_name.len() {
            return Err("live slots".into());
        }
        for (index, rebuilt) in [&self.word_grams, &self.grams].into_iter().zip(rebuilt) {
            let held: BTreeMap<u64, Vec<&str>> = index
                .iter()
                .map(|(g, slots)| {
                    let mut names: Vec<&str> = slots
                        .iter()
                        .filter_map(|&s| self.slot(s).map(|(n, _)| n))
                        .collect();
                    names.sort_unstable();
                    (*g, names)
                })
                .collect();
            if held != rebuilt {
                return Err("gram index".into());
            }
        }
        Ok(())
    }
}

/// What a name index's entries hold beside the file, as the cache file stores it.
pub trait StoredKind: Copy + PartialEq {
    fn to_u32(self) -> u32;
    fn from_u32(n: u32) -> Option<Self>;
}

impl StoredKind for u32 {
    fn to_u32(self) -> u32 {
        self
    }

    fn from_u32(n: u32) -> Option<u32> {
        Some(n)
    }
}

impl StoredKind for NameKind {
    fn to_u32(self) -> u32 {
        self as u32
    }

    fn from_u32(n: u32) -> Option<NameKind> {
        [NameKind::FileStem, NameKind::Title, NameKind::Alias]
            .get(n as usize)
            .copied()
    }
}

/// An index as the cache file holds it (`Names::store`), one part per section.
pub const STORED_SECTIONS: usize = 3;

impl<K: StoredKind> Names<K> {
    /// Whether the index keeps what stored section `section` holds (the names always).
    pub(super) fn keeps(&self, section: usize) -> bool {
        match section {
            1 => self.words,
            2 => self.loose,
            _ => true,
        }
    }

    /// Appends section `section` (below [`STORED_SECTIONS`]) of this index to `out`: the
    /// names with their slots and entries (in name order), the word-start lists, the trigram
    /// lists; a list the index does not keep is an empty section. Entries name files by
    /// their raw ids.
    pub(super) fn store(&self, section: usize, out: &mut dyn Put) {
        match section {
            0 => {
                out.u8(u8::from(self.words));
                out.u8(u8::from(self.loose));
                out.var(self.slots.len() as u32);
                out.var(self.by_name.len() as u32);
                for (name, &slot) in &self.by_name {
                    out.var(slot);
                    out.str(name);
                    let notes = self.slot(slot).map_or(&[][..], |(_, notes)| notes);
                    out.var(notes.len() as u32);
                    for &(id, kind) in notes {
                        out.var(id.raw());
                        out.var(kind.to_u32());
                    }
                }
            }
            1 | 2 if self.keeps(section) => {
                let index = if section == 1 {
                    &self.word_grams
                } else {
                    &self.grams
                };
                out.var(index.len() as u32);
                for (&gram, slots) in index {
                    out.u64(gram);
                    // Slots in the order they were added: mostly ascending.
                    out.deltas(slots);
                }
            }
            _ => {}
        }
    }

    /// An index like `self` (empty: it says which gram lists to keep) restored from the
    /// sections [`Names::store`] wrote, each read by `section` when it is decoded (one held
    /// at a time). `entry` says whether an entry can be (a live note, a heading it has) and
    /// makes its file id. `None` when anything does not fit: a section missing, a slot or
    /// name twice, names out of order, an entry `entry` refuses, a list naming no name.
    pub(super) fn restore<S: Source>(
        &self,
        section: impl Fn(usize) -> Option<S>,
        entry: impl Fn(u32, K) -> Option<FileId>,
    ) -> Option<Names<K>> {
        let mut r = section(0)?;
        let (words, loose) = (r.u8()? != 0, r.u8()? != 0);
        if (self.words && !words) || (self.loose && !loose) {
            return None;
        }
        let slot_count = r.var()? as usize;
        let count = r.var()? as usize;
        // Each name takes at least 3 bytes: a count past that is damage; slots beyond the
        // names are ones freed, a few (a bound against damage reserving gigabytes).
        if count > r.left() || count > slot_count || slot_count > (r.left() * 4).max(1 << 16) {
            return None;
        }
        let mut slots: Vec<Option<Named<K>>> = Vec::new();
        slots.resize_with(slot_count, || None);
        let mut by_name: Vec<(Arc<str>, u32)> = Vec::with_capacity(count);
        for _ in 0..count {
            let slot = r.var()?;
            let name: Arc<str> = r.str()?.into();
            let n = r.var()? as usize;
            if n == 0 || by_name.last().is_some_and(|(last, _)| *last >= name) {
                return None;
            }
            let one = |r: &mut S| -> Option<Entry<K>> {
                let (raw, kind) = (r.var()?, K::from_u32(r.var()?)?);
                Some((entry(raw, kind)?, kind))
            };
            let notes = if n == 1 {
                Entries::One(one(&mut r)?)
            } else {
                Entries::Many((0..n).map(|_| one(&mut r)).collect::<Option<_>>()?)
            };
            let place = slots.get_mut(slot as usize)?;
            if place.is_some() {
                return None;
            }
            *place = Some(Named {
                name: name.clone(),
                notes,
            });
            by_name.push((name, slot));
        }
        if !r.done() {
            return None;
        }
        drop(r);
        let gram_lists = |i: usize| -> Option<HashMap<u64, Vec<u32>>> {
            let mut r = section(i)?;
            let count = r.var()? as usize;
            if count > r.left() / 9 {
                return None;
            }
            let mut index = HashMap::with_capacity_and_hasher(count, Default::default());
            for _ in 0..count {
                let gram = r.u64()?;
                let list = r.deltas()?;
                let live = |&s: &u32| slots.get(s as usize).is_some_and(Option::is_some);
                if list.is_empty() || !list.iter().all(live) {
                    return None;
                }
                if index.insert(gram, list).is_some() {
                    return None;
                }
            }
            r.done().then_some(index)
        };
        let word_grams = if self.words {
            gram_lists(1)?
        } else {
            HashMap::default()
        };
        let grams = if self.loose {
            gram_lists(2)?
        } else {
            HashMap::default()
        };
        let free = (0..slot_count as u32)
            .filter(|&s| slots[s as usize].is_none())
            .collect();
        Some(Names {
            slots,
            free,
            // Sorted already: built in bulk.
            by_name: by_name.into_iter().collect(),
            word_grams,
            grams,
            loose: self.loose,
            words: self.words,
        })
    }
}

/// Whether `prefix` (its finder) starts a word of `name` after its first: a word starts
/// after a character that is neither a letter nor a digit.
pub fn starts_a_word(name: &str, finder: &memchr::memmem::Finder) -> bool {
    finder.find_iter(name.as_bytes()).any(|i| {
        i > 0
            && name[..i]
                .chars()
                .next_back()
                .is_some_and(|c| !c.is_alphanumeric())
    })
}

/// Where the words after the first start in `name`: after a character that is neither a
/// letter nor a digit (a space, punctuation, a symbol).
pub fn word_starts(name: &str) -> impl Iterator<Item = usize> + '_ {
    let mut prev_alnum = true;
    name.char_indices().filter_map(move |(i, c)| {
        let start = i > 0 && !prev_alnum && c.is_alphanumeric();
        prev_alnum = c.is_alphanumeric();
        start.then_some(i)
    })
}

/// A character as loose matching sees it: lowercase, without its accent (nucleo's own
/// normalization, so a trigram hit is a name nucleo can match).
fn loose(c: char) -> char {
    // nucleo's case folding is a binary search per character; ASCII folds as ASCII and has no
    // accent (the gram indexes' share of a 200k-note load: about −0.1 s of 1.4 s).
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    nucleo_matcher::chars::normalize(nucleo_matcher::chars::to_lower_case(c))
}

/// The distinct trigrams of `s`'s loosened characters, each three characters without
/// whitespace packed in a `u64`.
fn grams(s: &str) -> Vec<u64> {
    let mut out: Vec<u64> = all_grams(s).collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// [`grams`] in the order they come, a trigram repeated as often as `s` repeats it: without
/// a character list, a sort or an allocation (a 50k-note load folded and grammed its stems
/// in 77–97 ms, most of it making the lists).
fn all_grams(s: &str) -> impl Iterator<Item = u64> + '_ {
    // The last three characters packed as [`pack`] packs them, and how many characters
    // since the last whitespace.
    let (mut key, mut run) = (0u64, 0);
    s.chars().map(loose).filter_map(move |c| {
        if c.is_whitespace() {
            run = 0;
            return None;
        }
        key = (key << 21 | c as u64) & ((1 << 63) - 1);
        run += 1;
        (run >= 3).then_some(key)
    })
}

/// The distinct first two loosened characters of the words of `name` after its first.
fn word_grams(name: &str) -> Vec<u64> {
    let mut out: Vec<u64> = all_word_grams(name).collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// [`word_grams`] in the order the words come, repeats and all.
fn all_word_grams(name: &str) -> impl Iterator<Item = u64> + '_ {
    word_starts(name).filter_map(|i| first_two(&name[i..]))
}

/// The first two loosened characters of `s`, packed.
fn first_two(s: &str) -> Option<u64> {
    let mut chars = s.chars().map(loose);
    Some(pack(&[chars.next()?, chars.next()?]))
}

fn pack(chars: &[char]) -> u64 {
    chars.iter().fold(0, |key, &c| key << 21 | c as u64)
}

/// Notes by folder, and folders by the start of any of their components: `peo` finds every
/// note under a folder named `People` at any depth.
#[derive(Debug, Default)]
pub struct Folders {
    /// Folder path (as on disk, `""` for the root) → its notes, unordered.
    notes: HashMap<String, Vec<FileId>>,
    /// (A folded component, a folder it is a component of).
    components: BTreeSet<(String, String)>,
    /// The folders with notes, sorted: a folder's subfolders are a range of it.
    paths: BTreeSet<String>,
}

impl Folders {
    pub fn insert(&mut self, folder: &str, id: FileId) {
        if let Some(list) = self.notes.get_mut(folder) {
            list.push(id);
            return;
        }
        self.notes.insert(folder.to_string(), vec![id]);
        self.paths.insert(folder.to_string());
        for part in components(folder) {
            self.components.insert((part, folder.to_string()));
        }
    }

    pub fn remove(&mut self, folder: &str, id: FileId) {
        let Some(list) = self.notes.get_mut(folder) else {
            return;
        };
        if let Some(i) = list.iter().position(|&n| n == id) {
            list.swap_remove(i);
        }
        if list.is_empty() {
            self.notes.remove(folder);
            self.paths.remove(folder);
            for part in components(folder) {
                self.components.remove(&(part, folder.to_string()));
            }
        }
    }

    /// The folders (other than the root) one of whose components starts with `prefix`
    /// (folded), with their notes; each folder once.
    pub fn with_component_prefix<'a>(
        &'a self,
        prefix: &str,
    ) -> impl Iterator<Item = (&'a str, &'a [FileId])> + use<'a> {
        let mut seen = HashSet::default();
        let folders: Vec<&'a str> = self
            .components
            .range::<(String, String), _>((prefix.to_string(), String::new())..)
            .take_while(|(part, _)| part.starts_with(prefix))
            .map(|(_, folder)| folder.as_str())
            .filter(|f| seen.insert(*f))
            .collect();
        folders
            .into_iter()
            .filter_map(|f| Some((f, self.notes.get(f)?.as_slice())))
    }

    /// The notes directly in `folder` (as on disk, `""` for the root), in no set order.
    pub fn notes_in(&self, folder: &str) -> &[FileId] {
        self.notes.get(folder).map_or(&[], Vec::as_slice)
    }

    /// The names of the folders directly in `folder` (`""`: the root) that hold notes at
    /// some depth, in no set order. Costs a lookup per subfolder, not per folder below.
    pub fn subfolders<'a>(&'a self, folder: &str) -> Vec<&'a str> {
        use std::ops::Bound;
        let prefix = if folder.is_empty() {
            String::new()
        } else {
            format!("{folder}/")
        };
        let mut out: Vec<&'a str> = Vec::new();
        let mut seen = HashSet::default();
        let mut from = prefix.clone();
        while let Some(path) = self
            .paths
            .range::<str, _>((Bound::Excluded(from.as_str()), Bound::Unbounded))
            .next()
            .filter(|p| p.starts_with(&prefix))
        {
            let rest = &path[prefix.len()..];
            let child = rest.split('/').next().unwrap_or(rest);
            if seen.insert(child) {
                out.push(child);
            }
            // Past the child's own subfolders at once; `child-x` sorts between `child` and
            // `child/…`, so from the child itself it goes on one path at a time.
            from = if rest.len() > child.len() {
                format!("{prefix}{child}/\u{10FFFF}")
            } else {
                path.clone()
            };
        }
        out
    }

    /// Every folder with its notes, in no set order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[FileId])> {
        self.notes
            .iter()
            .map(|(f, ids)| (f.as_str(), ids.as_slice()))
    }

    /// Whether the component index holds exactly the components of the folders with notes.
    pub fn check_derived(&self) -> Result<(), String> {
        let rebuilt: BTreeSet<(String, String)> = self
            .notes
            .keys()
            .flat_map(|f| components(f).map(move |c| (c, f.clone())))
            .collect();
        if rebuilt != self.components {
            Err("folder components".into())
        } else if !self
            .paths
            .iter()
            .eq(self.notes.keys().collect::<BTreeSet<_>>())
        {
            Err("folder paths".into())
        } else {
            Ok(())
        }
    }
}

/// The folded components of a folder path (none for the root).
pub fn components(folder: &str) -> impl Iterator<Item = String> + '_ {
    folder
        .split('/')
        .filter(|p| !p.is_empty())
        .map(|p| fold(p).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_is_loosened_as_nucleo_loosens_it() {
        for c in (0u8..128).map(char::from) {
            let nucleo = nucleo_matcher::chars::normalize(nucleo_matcher::chars::to_lower_case(c));
            assert_eq!(loose(c), nucleo, "{c:?}");
        }
        assert_eq!(loose('É'), 'e');
    }

    fn id(i: usize) -> FileId {
        FileId::new(i)
    }

    #[test]
    fn words_start_after_a_non_alphanumeric() {
        let starts: Vec<&str> = word_starts("obsidian-agile notes (2025)")
            .map(|i| &"obsidian-agile notes (2025)"[i..])
            .collect();
        assert_eq!(starts, ["agile notes (2025)", "notes (2025)", "2025)"]);
        assert_eq!(word_starts("ordenação").count(), 0);
    }

    #[test]
    fn grams_are_the_windows_of_three_loosened_characters_without_whitespace() {
        let windows = |s: &str| {
            let chars: Vec<char> = s.chars().map(loose).collect();
            let mut v: Vec<u64> = chars
                .windows(3)
                .filter(|w| !w.iter().any(|c| c.is_whitespace()))
                .map(pack)
                .collect();
            v.sort_unstable();
            v.dedup();
            v
        };
        for s in [
            "",
            "ab",
            "abc",
            "aaaaaa",
            "a b c",
            "ab  cd\tefg",
            "Zoë Åberg",
            "ΟΔΥΣΣΕΥΣ x",
            "\u{10FFFF}\u{10FFFF}\u{10FFFF}\u{10FFFF}",
        ] {
            assert_eq!(grams(s), windows(s), "{s:?}");
        }
        // A name repeating its grams is in each list once: removed, nothing is left.
        let mut names = Names::default();
        names.insert("abcabcabc ab-ab-ab", (id(1), NameKind::FileStem));
        assert_eq!(names.check_derived(), Ok(()));
        names.remove("abcabcabc ab-ab-ab", &(id(1), NameKind::FileStem));
        assert!(names.grams.is_empty() && names.word_grams.is_empty());
    }

    #[test]
    fn lookups_follow_inserts_and_removes() {
        let mut names = Names::default();
        names.insert("obsidian-agile-notes", (id(1), NameKind::FileStem));
        names.insert("agile", (id(2), NameKind::FileStem));
        names.insert("ordenação externa", (id(3), NameKind::Title));
        let found = |it: &mut dyn Iterator<Item = (&str, &[(FileId, NameKind)])>| {
            let mut v: Vec<String> = it.map(|(n, _)| n.to_string()).collect();
            v.sort();
            v
        };
        assert_eq!(
            found(&mut names.with_word_prefix("agi", 100).unwrap()),
            ["obsidian-agile-notes"]
        );
        // Past the cap the list is not read.
        assert!(names.with_word_prefix("agi", 0).is_none());
        assert_eq!(found(&mut names.with_prefix("agi")), ["agile"]);
        // Accents aside, by the rarest trigram of the query's words.
        assert_eq!(
            found(&mut names.loose_candidates("ordenacao", 100)),
            ["ordenação externa"]
        );
        assert_eq!(
            found(&mut names.loose_candidates("ag", 100)),
            [] as [&str; 0]
        );
        names.remove("obsidian-agile-notes", &(id(1), NameKind::FileStem));
        assert_eq!(
            found(&mut names.with_word_prefix("agi", 100).unwrap()),
            [] as [&str; 0]
        );
        assert_eq!(names.check_derived(), Ok(()));
        // A freed slot is reused by the next name.
        names.insert("notes of the week", (id(4), NameKind::FileStem));
        assert_eq!(
            found(&mut names.with_word_prefix("we", 100).unwrap()),
            ["notes of the week"]
        );
        assert_eq!(names.check_derived(), Ok(()));
    }

    #[test]
    fn folders_by_any_component() {
        let mut folders = Folders::default();
        folders.insert("Work/People", id(1));
        folders.insert("People", id(2));
        folders.insert("", id(3));
        let mut found: Vec<&str> = folders
            .with_component_prefix("peo")
            .map(|(f, _)| f)
            .collect();
        found.sort();
        assert_eq!(found, ["People", "Work/People"]);
        folders.remove("People", id(2));
        let found: Vec<&str> = folders
            .with_component_prefix("peo")
            .map(|(f, _)| f)
            .collect();
        assert_eq!(found, ["Work/People"]);
    }

    #[test]
    fn subfolders_are_each_named_once_whatever_sorts_between_them() {
        let mut folders = Folders::default();
        // `A-B` sorts between `A` and `A/…`; `A/C` holds notes only below it.
        for (i, f) in ["A", "A-B", "A/B", "A/C/D", "A/C/E", "A/C-D", "B", ""]
            .into_iter()
            .enumerate()
        {
            folders.insert(f, id(i));
        }
        fn sorted(mut v: Vec<&str>) -> Vec<&str> {
            v.sort_unstable();
            v
        }
        assert_eq!(sorted(folders.subfolders("")), ["A", "A-B", "B"]);
        assert_eq!(sorted(folders.subfolders("A")), ["B", "C", "C-D"]);
        assert_eq!(sorted(folders.subfolders("A/C")), ["D", "E"]);
        assert!(folders.subfolders("A/B").is_empty());
        folders.remove("A/C/D", id(3));
        folders.remove("A/C/E", id(4));
        assert_eq!(sorted(folders.subfolders("A")), ["B", "C-D"]);
        assert!(folders.check_derived().is_ok());
    }
}
