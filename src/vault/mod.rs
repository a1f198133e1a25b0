//! The vault layer: every file of a vault, its notes' syntax summaries, the indexes built from
//! them, Obsidian's link resolution, and incremental updates that touch only what changed.

mod load;
pub mod path;
pub mod subpath;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::syntax::{Link, NoteSyntax, parse_note};

pub use load::{LoadIssue, MAX_NOTE_BYTES};
use path::{file_keys, fold, is_note_path, join_normalized, link_key, parent, stem};

/// A file's identity in one vault. Ids are reused after removal; hold paths across edits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(u32);

#[derive(Debug)]
pub struct File {
    /// Vault-relative, `/`-separated.
    pub path: String,
    /// `Some` for Markdown notes, `None` for attachments.
    pub note: Option<Note>,
}

#[derive(Debug)]
pub struct Note {
    pub text: String,
    pub syntax: NoteSyntax,
    pub title: String,
    /// One entry per `syntax.links`, in the same order.
    pub resolved: Vec<Resolution>,
}

/// Where a link's path part leads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resolution {
    /// The file it opens (the linking note itself for `[[#Heading]]`). `candidates` is how many
    /// files matched the bare name; more than one makes the link ambiguous.
    File {
        id: FileId,
        candidates: u32,
    },
    Unresolved,
}

impl Resolution {
    pub fn file(self) -> Option<FileId> {
        match self {
            Resolution::File { id, .. } => Some(id),
            Resolution::Unresolved => None,
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

/// Link occurrences: source note → indexes into its `syntax.links`.
pub type LinkSites = BTreeMap<FileId, Vec<u32>>;

#[derive(Debug, Default)]
pub struct Vault {
    root: PathBuf,
    files: Vec<Option<File>>,
    free: Vec<u32>,
    by_path: HashMap<String, FileId>,
    /// Folded path → files (several when paths differ only by case).
    by_folded_path: HashMap<String, Vec<FileId>>,
    /// Folded file name (with extension) → files.
    by_folded_name: HashMap<String, Vec<FileId>>,
    /// Folded stem, title and alias → notes.
    names: HashMap<String, Vec<(FileId, NameKind)>>,
    /// Target file → the links that resolve to it.
    backlinks: HashMap<FileId, LinkSites>,
    /// Folded target path (without `.md`) → the links that resolve nowhere.
    unresolved: HashMap<String, LinkSites>,
    /// Link key ([`link_key`]) → notes with such links and how many.
    link_keys: HashMap<String, BTreeMap<FileId, u32>>,
    /// Folded tag → notes using it and how often.
    tags: HashMap<String, BTreeMap<FileId, u32>>,
    issues: Vec<LoadIssue>,
}

impl Vault {
    /// An empty vault rooted at `root` (nothing is read).
    pub fn new(root: impl Into<PathBuf>) -> Vault {
        Vault {
            root: root.into(),
            ..Vault::default()
        }
    }

    /// Builds a vault from files already in memory: `(path, Some(text))` for notes,
    /// `(path, None)` for attachments. Notes are parsed and resolved in parallel.
    pub fn from_files(root: impl Into<PathBuf>, files: Vec<(String, Option<String>)>) -> Vault {
        let mut vault = Vault::new(root);
        let parsed: Vec<(String, Option<(String, NoteSyntax)>)> = files
            .into_par_iter()
            .map(|(path, text)| {
                let note = is_note_path(&path).then(|| {
                    let text = text.unwrap_or_default();
                    let syntax = parse_note(&text);
                    (text, syntax)
                });
                (path, note)
            })
            .collect();
        let mut ids = Vec::with_capacity(parsed.len());
        for (path, note) in parsed {
            if vault.by_path.contains_key(&path) {
                continue;
            }
            let note = note.map(|(text, syntax)| Note::new(&path, text, syntax));
            let id = vault.insert_file(path, note);
            ids.push(id);
        }
        for &id in &ids {
            vault.index_names_and_tags(id);
        }
        let resolved: Vec<(FileId, Vec<Resolution>)> = ids
            .par_iter()
            .filter_map(|&id| {
                let note = vault.file(id).note.as_ref()?;
                let r = note
                    .syntax
                    .links
                    .iter()
                    .map(|l| vault.resolve_link(id, l).0)
                    .collect();
                Some((id, r))
            })
            .collect();
        for (id, resolutions) in resolved {
            vault.set_resolutions(id, resolutions);
        }
        vault
    }

    /// Reads a vault folder. Fails only when `root` is not a readable folder; problems with
    /// single files are recorded in [`Vault::issues`] and never stop the load.
    pub fn load(root: &Path) -> std::io::Result<Vault> {
        let (files, issues) = load::read_vault(root)?;
        let mut vault = Vault::from_files(root, files);
        vault.issues = issues;
        Ok(vault)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Files that could not be read, or were read lossily, during [`Vault::load`].
    pub fn issues(&self) -> &[LoadIssue] {
        &self.issues
    }

    pub fn file(&self, id: FileId) -> &File {
        self.files[id.0 as usize]
            .as_ref()
            .expect("FileId of a removed file")
    }

    pub fn note(&self, id: FileId) -> Option<&Note> {
        self.files.get(id.0 as usize)?.as_ref()?.note.as_ref()
    }

    pub fn path(&self, id: FileId) -> &str {
        &self.file(id).path
    }

    pub fn id(&self, path: &str) -> Option<FileId> {
        self.by_path.get(path).copied()
    }

    pub fn files(&self) -> impl Iterator<Item = (FileId, &File)> {
        self.files
            .iter()
            .enumerate()
            .filter_map(|(i, f)| Some((FileId(i as u32), f.as_ref()?)))
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
        self.names.get(&fold(name)).map_or(&[], Vec::as_slice)
    }

    pub fn backlinks(&self, target: FileId) -> Option<&LinkSites> {
        self.backlinks.get(&target)
    }

    /// Unresolved link targets (folded, without `.md`) and where they are written.
    pub fn unresolved(&self) -> &HashMap<String, LinkSites> {
        &self.unresolved
    }

    /// Notes using a tag (case-insensitive) and how often.
    pub fn tag_uses(&self, tag: &str) -> Option<&BTreeMap<FileId, u32>> {
        self.tags.get(&fold(tag))
    }

    pub fn tags(&self) -> impl Iterator<Item = (&str, &BTreeMap<FileId, u32>)> {
        self.tags.iter().map(|(k, v)| (k.as_str(), v))
    }

    // ----- resolution -------------------------------------------------------------------

    /// Resolves a link written in note `source`. Returns the resolution and, when the bare name
    /// matched several files, all of them (best first).
    pub fn resolve_link(&self, source: FileId, link: &Link) -> (Resolution, Vec<FileId>) {
        self.resolve_target(self.path(source), source, &link.target)
    }

    fn resolve_target(
        &self,
        source_path: &str,
        source: FileId,
        target: &str,
    ) -> (Resolution, Vec<FileId>) {
        let target = target.trim();
        let single = |id| (Resolution::File { id, candidates: 1 }, Vec::new());
        if target.is_empty() {
            return single(source);
        }
        let folder = parent(source_path);
        let explicit_relative = target.starts_with("./") || target.starts_with("../");
        if let Some(absolute) = target.strip_prefix('/') {
            return match join_normalized("", absolute).and_then(|p| self.exact(&p)) {
                Some(id) => single(id),
                None => (Resolution::Unresolved, Vec::new()),
            };
        }
        if explicit_relative {
            return match join_normalized(folder, target).and_then(|p| self.exact(&p)) {
                Some(id) => single(id),
                None => (Resolution::Unresolved, Vec::new()),
            };
        }
        let Some(normalized) = join_normalized("", target) else {
            return (Resolution::Unresolved, Vec::new());
        };
        if let Some(id) = self.exact(&normalized) {
            return single(id);
        }
        if !folder.is_empty()
            && let Some(id) = join_normalized(folder, target).and_then(|p| self.exact(&p))
        {
            return single(id);
        }
        let mut candidates = self.suffix_matches(&normalized);
        match candidates.len() {
            0 => (Resolution::Unresolved, Vec::new()),
            1 => single(candidates[0]),
            n => {
                // Obsidian's tie-break: the file closest to the vault root, then the shortest
                // path, then the first in path order.
                candidates.sort_by_cached_key(|&id| {
                    let p = self.path(id);
                    (p.matches('/').count(), p.len(), p.to_string())
                });
                let id = candidates[0];
                (
                    Resolution::File {
                        id,
                        candidates: n as u32,
                    },
                    candidates,
                )
            }
        }
    }

    /// The file at a vault path, case-insensitively, with `.md` optional for notes. A file whose
    /// name matches exactly wins over a note with `.md` appended.
    fn exact(&self, normalized: &str) -> Option<FileId> {
        let folded = fold(normalized);
        let pick = |key: &str| {
            let ids = self.by_folded_path.get(key)?;
            ids.iter()
                .copied()
                .find(|&id| self.path(id) == normalized)
                .or_else(|| {
                    ids.iter()
                        .copied()
                        .min_by(|a, b| self.path(*a).cmp(self.path(*b)))
                })
        };
        if let Some(id) = pick(&folded) {
            return Some(id);
        }
        if is_note_path(&folded) {
            return None;
        }
        pick(&format!("{folded}.md"))
    }

    /// Files whose path ends with the link path (`[[Tomer Hagay]]` → `People/Tomer Hagay.md`).
    fn suffix_matches(&self, normalized: &str) -> Vec<FileId> {
        let folded = fold(normalized);
        let name = path::file_name(&folded);
        let mut out = Vec::new();
        let mut consider = |name_key: &str, suffix: &str| {
            for &id in self.by_folded_name.get(name_key).into_iter().flatten() {
                let p = fold(self.path(id));
                let matches = p == suffix
                    || (p.len() > suffix.len()
                        && p.ends_with(suffix)
                        && p.as_bytes()[p.len() - suffix.len() - 1] == b'/');
                if matches && !out.contains(&id) {
                    out.push(id);
                }
            }
        };
        consider(name, &folded);
        if !is_note_path(&folded) {
            consider(&format!("{name}.md"), &format!("{folded}.md"));
        }
        out
    }

    // ----- incremental updates ----------------------------------------------------------

    /// Creates or replaces a file. For notes (`.md`) `text` is the content (`None` = empty);
    /// for attachments it is ignored. Touches only this file's entries and the links elsewhere
    /// whose resolution it can change.
    pub fn upsert_file(&mut self, path: &str, text: Option<String>) {
        let is_note = is_note_path(path);
        if let Some(id) = self.id(path) {
            if is_note {
                let text = text.unwrap_or_default();
                let syntax = parse_note(&text);
                self.replace_note(id, Note::new(path, text, syntax));
            }
            return;
        }
        let note = is_note.then(|| {
            let text = text.unwrap_or_default();
            let syntax = parse_note(&text);
            Note::new(path, text, syntax)
        });
        self.add(path.to_string(), note);
    }

    /// Replaces a note's text (creating the note if it does not exist).
    pub fn update_note(&mut self, path: &str, text: String) {
        self.upsert_file(path, Some(text));
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
    /// editor applies); they re-resolve.
    pub fn rename_file(&mut self, from: &str, to: &str) -> bool {
        if from == to || self.id(to).is_some() {
            return false;
        }
        let Some(id) = self.id(from) else {
            return false;
        };
        let file = self.take(id);
        let note = match (file.note, is_note_path(to)) {
            (Some(n), true) => {
                let (text, syntax) = (n.text, n.syntax);
                Some(Note::new(to, text, syntax))
            }
            (Some(n), false) => {
                drop(n);
                None
            }
            (None, true) => Some(Note::new(to, String::new(), NoteSyntax::default())),
            (None, false) => None,
        };
        self.add(to.to_string(), note);
        true
    }

    fn add(&mut self, path: String, note: Option<Note>) {
        let keys = file_keys(&path);
        let id = self.insert_file(path, note);
        self.index_names_and_tags(id);
        let resolutions = self.resolve_all(id);
        self.set_resolutions(id, resolutions);
        self.reresolve_keys(&keys, Some(id));
    }

    fn take(&mut self, id: FileId) -> File {
        self.unindex_content(id);
        let path = self.path(id).to_string();
        let keys = file_keys(&path);
        self.unindex_names(id, true);
        self.by_path.remove(&path);
        remove_id(&mut self.by_folded_path, &fold(&path), id);
        remove_id(&mut self.by_folded_name, &fold(path::file_name(&path)), id);
        let file = self.files[id.0 as usize].take().expect("live file");
        self.reresolve_keys(&keys, None);
        self.backlinks.remove(&id);
        self.free.push(id.0);
        file
    }

    fn replace_note(&mut self, id: FileId, note: Note) {
        self.unindex_content(id);
        self.unindex_names(id, false);
        self.files[id.0 as usize].as_mut().expect("live file").note = Some(note);
        self.index_names_and_tags(id);
        let resolutions = self.resolve_all(id);
        self.set_resolutions(id, resolutions);
    }

    fn insert_file(&mut self, path: String, note: Option<Note>) -> FileId {
        let id = match self.free.pop() {
            Some(i) => FileId(i),
            None => {
                self.files.push(None);
                FileId(self.files.len() as u32 - 1)
            }
        };
        self.by_path.insert(path.clone(), id);
        self.by_folded_path.entry(fold(&path)).or_default().push(id);
        self.by_folded_name
            .entry(fold(path::file_name(&path)))
            .or_default()
            .push(id);
        if note.is_some() {
            self.names
                .entry(fold(stem(&path)))
                .or_default()
                .push((id, NameKind::FileStem));
        }
        self.files[id.0 as usize] = Some(File { path, note });
        id
    }

    /// Indexes a note's title, aliases, tags and link keys (not its resolutions).
    fn index_names_and_tags(&mut self, id: FileId) {
        let Some(note) = self.files[id.0 as usize]
            .as_ref()
            .and_then(|f| f.note.as_ref())
        else {
            return;
        };
        let mut names = vec![(fold(&note.title), NameKind::Title)];
        names.extend(
            note.syntax
                .aliases()
                .iter()
                .map(|(a, _)| (fold(a), NameKind::Alias)),
        );
        let tags: Vec<String> = note.syntax.tags.iter().map(|t| fold(&t.name)).collect();
        let keys: Vec<String> = note
            .syntax
            .links
            .iter()
            .map(|l| link_key(&l.target))
            .collect();
        for (name, kind) in names {
            let entry = self.names.entry(name).or_default();
            if !entry.contains(&(id, kind)) {
                entry.push((id, kind));
            }
        }
        for tag in tags {
            *self.tags.entry(tag).or_default().entry(id).or_default() += 1;
        }
        for key in keys {
            *self
                .link_keys
                .entry(key)
                .or_default()
                .entry(id)
                .or_default() += 1;
        }
    }

    /// Removes a note's title/alias (and with `with_stem`, stem) names, tags, link keys and
    /// link resolutions from the indexes.
    fn unindex_names(&mut self, id: FileId, with_stem: bool) {
        let Some(note) = self.note(id) else {
            return; // attachments have no names
        };
        let mut names = vec![fold(&note.title)];
        names.extend(note.syntax.aliases().iter().map(|(a, _)| fold(a)));
        if with_stem {
            names.push(fold(stem(self.path(id))));
        }
        let tags: Vec<String> = note.syntax.tags.iter().map(|t| fold(&t.name)).collect();
        let keys: Vec<String> = note
            .syntax
            .links
            .iter()
            .map(|l| link_key(&l.target))
            .collect();
        for name in names {
            if let Some(entries) = self.names.get_mut(&name) {
                entries.retain(|(i, kind)| *i != id || (*kind == NameKind::FileStem && !with_stem));
                if entries.is_empty() {
                    self.names.remove(&name);
                }
            }
        }
        for tag in tags {
            remove_count(&mut self.tags, &tag, id);
        }
        for key in keys {
            remove_count(&mut self.link_keys, &key, id);
        }
    }

    /// Drops the backlink/unresolved entries of a note's own links.
    fn unindex_content(&mut self, id: FileId) {
        let Some(note) = self.note(id) else {
            return;
        };
        let old: Vec<(u32, Resolution, String)> = note
            .resolved
            .iter()
            .zip(&note.syntax.links)
            .enumerate()
            .map(|(i, (r, l))| (i as u32, *r, unresolved_key(&l.target)))
            .collect();
        for (i, r, key) in old {
            self.unrecord(id, i, r, &key);
        }
        if let Some(note) = self.files[id.0 as usize]
            .as_mut()
            .and_then(|f| f.note.as_mut())
        {
            note.resolved.clear();
        }
    }

    fn resolve_all(&self, id: FileId) -> Vec<Resolution> {
        self.note(id).map_or_else(Vec::new, |note| {
            note.syntax
                .links
                .iter()
                .map(|l| self.resolve_link(id, l).0)
                .collect()
        })
    }

    fn set_resolutions(&mut self, id: FileId, resolutions: Vec<Resolution>) {
        let Some(note) = self.note(id) else {
            return;
        };
        let keys: Vec<String> = note
            .syntax
            .links
            .iter()
            .map(|l| unresolved_key(&l.target))
            .collect();
        for (i, (r, key)) in resolutions.iter().zip(&keys).enumerate() {
            self.record(id, i as u32, *r, key);
        }
        if let Some(note) = self.files[id.0 as usize]
            .as_mut()
            .and_then(|f| f.note.as_mut())
        {
            note.resolved = resolutions;
        }
    }

    /// Re-resolves the links, anywhere in the vault, whose key is one of `keys`.
    fn reresolve_keys(&mut self, keys: &[String], skip: Option<FileId>) {
        let mut sources: Vec<FileId> = keys
            .iter()
            .filter_map(|k| self.link_keys.get(k))
            .flat_map(|m| m.keys().copied())
            .filter(|&s| Some(s) != skip)
            .collect();
        sources.sort_unstable();
        sources.dedup();
        for source in sources {
            let Some(note) = self.note(source) else {
                continue;
            };
            let changes: Vec<(u32, Resolution, Resolution, String)> = note
                .syntax
                .links
                .iter()
                .zip(&note.resolved)
                .enumerate()
                .filter(|(_, (l, _))| keys.contains(&link_key(&l.target)))
                .filter_map(|(i, (l, &old))| {
                    let new = self.resolve_link(source, l).0;
                    (new != old).then(|| (i as u32, old, new, unresolved_key(&l.target)))
                })
                .collect();
            for (i, old, new, key) in changes {
                self.unrecord(source, i, old, &key);
                self.record(source, i, new, &key);
                if let Some(note) = self.files[source.0 as usize]
                    .as_mut()
                    .and_then(|f| f.note.as_mut())
                {
                    note.resolved[i as usize] = new;
                }
            }
        }
    }

    fn record(&mut self, source: FileId, index: u32, r: Resolution, key: &str) {
        let sites = match r {
            Resolution::File { id, .. } => self.backlinks.entry(id).or_default(),
            Resolution::Unresolved => self.unresolved.entry(key.to_string()).or_default(),
        };
        let v = sites.entry(source).or_default();
        if let Err(at) = v.binary_search(&index) {
            v.insert(at, index);
        }
    }

    fn unrecord(&mut self, source: FileId, index: u32, r: Resolution, key: &str) {
        match r {
            Resolution::File { id, .. } => {
                if let Some(sites) = self.backlinks.get_mut(&id) {
                    remove_site(sites, source, index);
                    if sites.is_empty() {
                        self.backlinks.remove(&id);
                    }
                }
            }
            Resolution::Unresolved => {
                if let Some(sites) = self.unresolved.get_mut(key) {
                    remove_site(sites, source, index);
                    if sites.is_empty() {
                        self.unresolved.remove(key);
                    }
                }
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
        files.sort_by(|a, b| a.1.path.cmp(&b.1.path));
        for (_, f) in &files {
            let _ = writeln!(out, "file {}", f.path);
            if let Some(n) = &f.note {
                let _ = writeln!(out, "  title {:?}\n  {:?}", n.title, n.syntax);
                for r in &n.resolved {
                    let _ = match r {
                        Resolution::File { id, candidates } => {
                            writeln!(out, "  -> {} ({candidates})", p(*id))
                        }
                        Resolution::Unresolved => writeln!(out, "  -> unresolved"),
                    };
                }
            }
        }
        let sites = |s: &LinkSites| -> Vec<(String, Vec<u32>)> {
            let mut v: Vec<_> = s.iter().map(|(k, v)| (p(*k), v.clone())).collect();
            v.sort();
            v
        };
        let counts = |s: &BTreeMap<FileId, u32>| -> Vec<(String, u32)> {
            let mut v: Vec<_> = s.iter().map(|(k, v)| (p(*k), *v)).collect();
            v.sort();
            v
        };
        let mut lines = Vec::new();
        for (k, v) in &self.names {
            let mut v: Vec<_> = v.iter().map(|(id, kind)| (p(*id), *kind)).collect();
            v.sort();
            lines.push(format!("name {k:?} {v:?}"));
        }
        for (k, v) in &self.backlinks {
            lines.push(format!("backlinks {} {:?}", p(*k), sites(v)));
        }
        for (k, v) in &self.unresolved {
            lines.push(format!("unresolved {k:?} {:?}", sites(v)));
        }
        for (k, v) in &self.link_keys {
            lines.push(format!("key {k:?} {:?}", counts(v)));
        }
        for (k, v) in &self.tags {
            lines.push(format!("tag {k:?} {:?}", counts(v)));
        }
        for (k, v) in &self.by_folded_path {
            let mut v: Vec<_> = v.iter().map(|id| p(*id)).collect();
            v.sort();
            lines.push(format!("folded-path {k:?} {v:?}"));
        }
        for (k, v) in &self.by_folded_name {
            let mut v: Vec<_> = v.iter().map(|id| p(*id)).collect();
            v.sort();
            lines.push(format!("folded-name {k:?} {v:?}"));
        }
        lines.sort();
        for l in lines {
            out.push_str(&l);
            out.push('\n');
        }
        out
    }
}

impl Note {
    fn new(path: &str, text: String, syntax: NoteSyntax) -> Note {
        let title = syntax.title(stem(path)).to_string();
        Note {
            text,
            syntax,
            title,
            resolved: Vec::new(),
        }
    }
}

/// The key of an unresolved target: folded path as written, without `.md`.
pub fn unresolved_key(target: &str) -> String {
    fold(path::strip_md(target.trim()))
}

fn remove_id(map: &mut HashMap<String, Vec<FileId>>, key: &str, id: FileId) {
    if let Some(ids) = map.get_mut(key) {
        ids.retain(|&i| i != id);
        if ids.is_empty() {
            map.remove(key);
        }
    }
}

fn remove_count(map: &mut HashMap<String, BTreeMap<FileId, u32>>, key: &str, id: FileId) {
    if let Some(m) = map.get_mut(key) {
        if let Some(c) = m.get_mut(&id) {
            *c -= 1;
            if *c == 0 {
                m.remove(&id);
            }
        }
        if m.is_empty() {
            map.remove(key);
        }
    }
}

fn remove_site(sites: &mut LinkSites, source: FileId, index: u32) {
    if let Some(v) = sites.get_mut(&source) {
        v.retain(|&i| i != index);
        if v.is_empty() {
            sites.remove(&source);
        }
    }
}

#[cfg(test)]
mod tests;
