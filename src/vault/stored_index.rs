//! The derived indexes as the cache file stores them: names, headings, backlinks, unresolved
//! links, tags and properties, each a function of the notes' summaries and resolutions. A
//! load takes these instead of building them from every summary (a warm 50k load built them
//! in ~245 ms on two threads), then patches them for the files edited, added and removed
//! since, as incremental updates do ([`super::Vault::build`]). Written by the load that writes
//! the file, from its own indexes as they stand when its records are taken
//! ([`super::cache::CacheWrite::store_index`]); checked on the way in (ids of live notes,
//! headings and links a note has, lists well formed): anything else and the load builds them.

use rayon::prelude::*;

use super::bytes::{Put, Source, Stream};
use super::names::STORED_SECTIONS;
use super::{Backlinks, Counts, FileId, HashMap, LinkSite, Property, Vault};

/// Sections: names (three), headings (three), backlinks, unresolved, tags, properties.
pub(super) const SECTIONS: usize = 2 * STORED_SECTIONS + 4;
const BACKLINKS: usize = 2 * STORED_SECTIONS;
const UNRESOLVED: usize = BACKLINKS + 1;
const TAGS: usize = BACKLINKS + 2;
const PROPERTIES: usize = BACKLINKS + 3;

impl Counts {
    /// The notes (ascending, as deltas), then those counting more than once with their
    /// counts.
    fn store(&self, out: &mut dyn Put) {
        let mut last = 0;
        out.var(self.ids.len() as u32);
        for &raw in &self.ids {
            let id = raw & !Counts::MORE;
            out.var(id - last);
            last = id;
        }
        let more = self.more.as_deref().map_or(&[][..], Vec::as_slice);
        out.var(more.len() as u32);
        let mut last = 0;
        for &(id, n) in more {
            out.var(id.raw() - last);
            out.var(n);
            last = id.raw();
        }
    }

    /// A list as [`Counts::store`] wrote it, if it keeps the list's rules: ids of `files`
    /// slots that `valid` accepts, ascending, each count above 1 of one of them.
    fn restore(
        r: &mut impl Source,
        files: usize,
        valid: &impl Fn(FileId) -> bool,
    ) -> Option<Counts> {
        let n = r.var()? as usize;
        if n > r.left() {
            return None;
        }
        let mut ids = Vec::with_capacity(n);
        let mut last: u32 = 0;
        for _ in 0..n {
            let delta = r.var()?;
            if delta == 0 {
                return None;
            }
            last = last.checked_add(delta)?;
            FileId::from_raw(last, files).filter(|&id| valid(id))?;
            ids.push(last);
        }
        let n = r.var()? as usize;
        if n > ids.len() {
            return None;
        }
        let mut more = Vec::with_capacity(n);
        let (mut last, mut at) = (0u32, 0);
        for _ in 0..n {
            last = last.checked_add(r.var()?)?;
            let count = r.var()?;
            // Flagged in the list, which has it after the last one flagged.
            let i = at + ids[at..].binary_search(&last).ok()?;
            if count < 2 {
                return None;
            }
            ids[i] |= Counts::MORE;
            at = i + 1;
            more.push((FileId::from_raw(last, files)?, count));
        }
        Some(Counts {
            ids,
            more: (!more.is_empty()).then(|| Box::new(more)),
        })
    }
}

impl Vault {
    /// Whether this vault keeps what section `section` holds (not every gram list).
    pub(super) fn keeps_index_section(&self, section: usize) -> bool {
        match section {
            s if s < STORED_SECTIONS => self.names.keeps(s),
            s if s < BACKLINKS => self.headings.keeps(s - STORED_SECTIONS),
            _ => true,
        }
    }

    /// Appends section `section` (below [`SECTIONS`]) of the derived indexes to `out`.
    pub(super) fn store_index(&self, section: usize, out: &mut dyn Put) {
        match section {
            s if s < STORED_SECTIONS => self.names.store(s, out),
            s if s < BACKLINKS => self.headings.store(s - STORED_SECTIONS, out),
            BACKLINKS => {
                out.var(self.backlinks.map.len() as u32);
                for (target, counts) in &self.backlinks.map {
                    out.var(target.raw());
                    counts.store(out);
                }
            }
            UNRESOLVED => {
                out.var(self.unresolved.len() as u32);
                for (key, sites) in &self.unresolved {
                    out.str(key);
                    out.var(sites.len() as u32);
                    for site in sites {
                        out.var(site.source.raw());
                        out.var(site.link);
                    }
                }
            }
            TAGS => {
                out.var(self.tags.len() as u32);
                for (tag, counts) in &self.tags {
                    out.str(tag);
                    counts.store(out);
                }
            }
            PROPERTIES => {
                out.var(self.properties.len() as u32);
                for (key, property) in &self.properties {
                    out.str(key);
                    out.var(property.notes);
                    out.var(property.values.len() as u32);
                    for (value, n) in &property.values {
                        out.str(value);
                        out.var(*n);
                    }
                }
            }
            _ => {}
        }
    }

    /// Takes the derived indexes from the sections [`Vault::store_index`] wrote, each streamed
    /// by `section` as it is decoded, for the files and notes the vault holds now; `false`,
    /// leaving the indexes as they were, when any of them does not fit those. Four parts side
    /// by side, as [`Vault::index_all`] runs.
    pub(super) fn restore_index<'s>(
        &mut self,
        section: &(dyn Fn(usize) -> Option<Stream<'s>> + Sync),
    ) -> bool {
        let vault = &*self;
        let files = vault.files.len();
        // What the checks read of each note, in one table: looked up in the notes
        // themselves, the checks were most of the links' part (a cache miss or two an id).
        let shapes: Vec<Option<(u32, u32)>> = vault
            .files
            .par_iter()
            .map(|f| {
                let syntax = &f.as_ref()?.note.as_ref()?.syntax;
                Some((syntax.links.len() as u32, syntax.headings.len() as u32))
            })
            .collect();
        let shape = |id: FileId| shapes[id.index()];
        let is_note = |id: FileId| shape(id).is_some();
        // A link's target may be an attachment: any file there.
        let is_file = |id: FileId| vault.files[id.index()].is_some();
        let ((names, headings), (backlinks, tags)) = rayon::join(
            || {
                rayon::join(
                    || {
                        vault.names.restore(section, |raw, _| {
                            FileId::from_raw(raw, files).filter(|&id| is_note(id))
                        })
                    },
                    || {
                        let section = |i| section(STORED_SECTIONS + i);
                        vault.headings.restore(section, |raw, heading| {
                            let id = FileId::from_raw(raw, files)?;
                            (heading < shape(id)?.1).then_some(id)
                        })
                    },
                )
            },
            || {
                rayon::join(
                    || {
                        let backlinks =
                            restore_backlinks(section(BACKLINKS)?, files, &is_file, &is_note);
                        let unresolved = restore_unresolved(section(UNRESOLVED)?, files, &|site| {
                            shape(site.source).is_some_and(|(links, _)| site.link < links)
                        });
                        Some((backlinks?, unresolved?))
                    },
                    || {
                        let tags =
                            restore_map(section(TAGS)?, |r| Counts::restore(r, files, &is_note));
                        let properties = restore_map(section(PROPERTIES)?, restore_property);
                        Some((tags?, properties?))
                    },
                )
            },
        );
        let (Some(names), Some(headings), Some((backlinks, unresolved)), Some((tags, properties))) =
            (names, headings, backlinks, tags)
        else {
            return false;
        };
        self.names = names;
        self.headings = headings;
        self.backlinks = backlinks;
        self.unresolved = unresolved;
        self.tags = tags;
        self.properties = properties;
        true
    }
}

/// A map from strings as [`Vault::store_index`] wrote it, each value read by `value`.
fn restore_map<S: Source, V>(
    mut r: S,
    value: impl Fn(&mut S) -> Option<V>,
) -> Option<HashMap<String, V>> {
    let count = r.var()? as usize;
    if count > r.left() / 2 {
        return None;
    }
    let mut map = HashMap::with_capacity_and_hasher(count, Default::default());
    for _ in 0..count {
        let key = r.str()?.to_string();
        if map.insert(key, value(&mut r)?).is_some() {
            return None;
        }
    }
    r.done().then_some(map)
}

fn restore_property(r: &mut impl Source) -> Option<Property> {
    let notes = r.var()?;
    let count = r.var()? as usize;
    let mut values = HashMap::with_capacity_and_hasher(count.min(r.left() / 5), Default::default());
    for _ in 0..count {
        let value = r.str()?.to_string();
        if values.insert(value, r.var()?).is_some() {
            return None;
        }
    }
    Some(Property { notes, values })
}

fn restore_backlinks(
    mut r: impl Source,
    files: usize,
    is_file: &impl Fn(FileId) -> bool,
    is_note: &(impl Fn(FileId) -> bool + Sync),
) -> Option<Backlinks> {
    let count = r.var()? as usize;
    if count > r.left() / 3 {
        return None;
    }
    let mut entries = Vec::with_capacity(count);
    for _ in 0..count {
        let target = FileId::from_raw(r.var()?, files).filter(|&id| is_file(id))?;
        let counts = Counts::restore(&mut r, files, is_note)?;
        if counts.is_empty() {
            return None;
        }
        entries.push((target, counts));
    }
    if !r.done() {
        return None;
    }
    let mut backlinks = Backlinks::default();
    backlinks.reserve(count);
    let before = entries.len();
    backlinks.extend(entries.into_iter());
    (backlinks.map.len() == before).then_some(backlinks)
}

fn restore_unresolved(
    r: impl Source,
    files: usize,
    valid: &impl Fn(LinkSite) -> bool,
) -> Option<HashMap<String, Vec<LinkSite>>> {
    restore_map(r, |r| {
        let n = r.var()? as usize;
        if n == 0 || n > r.left() / 2 {
            return None;
        }
        (0..n)
            .map(|_| {
                let source = FileId::from_raw(r.var()?, files)?;
                let site = LinkSite {
                    source,
                    link: r.var()?,
                };
                valid(site).then_some(site)
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::super::names;
    use super::*;

    /// A few notes, an attachment, and a free id (a file removed).
    fn sample() -> Vault {
        let note = |p: &str, t: &str| (p.to_string(), Some(t.to_string()));
        let mut vault = Vault::from_files(
            "/vault",
            vec![
                note(
                    "People/Ada.md",
                    "---\naliases: [Countess]\ntags: [person]\nrole: maths\n---\n# Ada\n\
                     [[Babbage]] [[Babbage]] [[Nowhere]] #idea\n## Notes\n",
                ),
                note(
                    "Babbage.md",
                    "# Engine\n[[Ada]] [[Ada#Notes]] #idea #idea\n",
                ),
                note("Empty.md", ""),
                ("img.png".to_string(), None),
                note(
                    "Links.md",
                    "![[img.png]] [[Ghost]] [[Ghost|again]] [[ada]]\n",
                ),
                note("Gone.md", "[[Babbage]]"),
            ],
        );
        vault.remove_file("Gone.md");
        vault
    }

    fn stream(sections: &[Vec<u8>], i: usize) -> Option<Stream<'_>> {
        let section = sections.get(i)?;
        Some(Stream::new(section, 0, section.len() as u64))
    }

    fn sections(vault: &Vault) -> Vec<Vec<u8>> {
        (0..SECTIONS)
            .map(|i| {
                let mut out = Vec::new();
                vault.store_index(i, &mut out);
                out
            })
            .collect()
    }

    #[test]
    fn indexes_restored_dump_as_built() {
        let built = sample();
        let stored = sections(&built);
        let mut restored = sample();
        restored.names = Default::default();
        restored.headings = names::Names::strict();
        restored.backlinks = Default::default();
        restored.unresolved = Default::default();
        restored.tags = Default::default();
        restored.properties = Default::default();
        assert!(restored.restore_index(&|i| stream(&stored, i)));
        assert_eq!(restored.dump(), built.dump());
        // A section missing: nothing is taken.
        let mut vault = Vault::from_files("/vault", vec![]);
        assert!(!vault.restore_index(&|i| stream(&stored, i).filter(|_| i != TAGS)));
    }

    /// Whatever a section holds (here every bit of every section flipped in turn), restoring
    /// it never panics, and what it takes reads and dumps without panicking either.
    #[test]
    fn damaged_sections_never_panic() {
        let stored = sections(&sample());
        let mut taken = 0;
        for (i, section) in stored.iter().enumerate() {
            for at in 0..section.len() {
                for bit in 0..8 {
                    let mut damaged = stored.clone();
                    damaged[i][at] ^= 1 << bit;
                    let mut vault = sample();
                    if vault.restore_index(&|i| stream(&damaged, i)) {
                        taken += 1;
                        let _ = vault.dump();
                        for (id, _) in vault.notes() {
                            let _ = vault.backlinks(id);
                            let _ = vault.most_linked(3);
                        }
                        // Entries name what their notes have, as features read them.
                        for (_, entries) in vault.headings_with_prefix("") {
                            for &(id, h) in entries {
                                let _ = &vault.note(id).unwrap().syntax.headings[h as usize];
                            }
                        }
                        for (_, sites) in vault.unresolved() {
                            for site in sites {
                                let note = vault.note(site.source).unwrap();
                                let _ = &note.syntax.links[site.link as usize];
                            }
                        }
                        for (_, entries) in vault.names() {
                            assert!(entries.iter().all(|&(id, _)| vault.note(id).is_some()));
                        }
                        let _ = vault.tag_uses("idea");
                        // And it takes edits. Damage that keeps every rule can still leave the
                        // indexes disagreeing with the notes (a backlink no resolution makes:
                        // only a rebuild would tell), which a debug build's own consistency
                        // assertions stop at; a release build goes on.
                        if !cfg!(debug_assertions) {
                            vault.update_note("Babbage.md", "[[Links]] #other\n".into());
                            vault.remove_file("People/Ada.md");
                            vault.upsert_file("Ghost.md", Some("# Ghost\n".into()));
                            let _ = vault.dump();
                        }
                    }
                }
            }
        }
        // Some damage keeps the rules (another count, another id of a note): taken.
        assert!(taken > 0);
    }
}
