//! Obsidian's link resolution over the vault's name index.
//!
//! Every file a link can open has the link's last path component as its name (or, for notes,
//! as its name without `.md`), so the candidates come from one lookup in the name-key index (two
//! for a name ending in `.md`) and the rules below only filter and rank them. Nothing here
//! allocates for a bare name.

use std::borrow::Cow;

use super::path::{fold, fold_into, is_folded, is_note_path, join_normalized, parent};
use super::{FileId, Resolution, Vault};

/// How well a candidate's folded path matches a wanted path.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Fit {
    /// The file's path is the wanted path.
    Exact,
    /// The file is a note whose path is the wanted path plus `.md`.
    WithMd,
}

/// Whether `candidate` is `dir/want` (`want` alone when `dir` is empty), or that plus `.md`.
fn fit_at(candidate: &str, dir: &str, want: &str) -> Option<Fit> {
    let rest = if dir.is_empty() {
        candidate
    } else {
        candidate.strip_prefix(dir)?.strip_prefix('/')?
    };
    let tail = rest.strip_prefix(want)?;
    if tail.is_empty() {
        Some(Fit::Exact)
    } else if tail == ".md" && !is_note_path(want) {
        Some(Fit::WithMd)
    } else {
        None
    }
}

/// Whether `candidate` ends with `/want` (or is `want`), `.md` optional as above.
fn fit_suffix(candidate: &str, want: &str) -> Option<Fit> {
    [Fit::Exact, Fit::WithMd].into_iter().find(|&fit| {
        let body = match fit {
            Fit::Exact => candidate,
            Fit::WithMd if !is_note_path(want) => match candidate.strip_suffix(".md") {
                Some(b) => b,
                None => return false,
            },
            Fit::WithMd => return false,
        };
        body == want
            || (body.len() > want.len()
                && body.ends_with(want)
                && body.as_bytes()[body.len() - want.len() - 1] == b'/')
    })
}

/// A path without `.`/`..`/empty components, borrowed when it already is one.
fn normalized(path: &str) -> Option<Cow<'_, str>> {
    let clean = !path.is_empty()
        && !path.starts_with('/')
        && !path.ends_with('/')
        && (path.as_bytes().split(|&b| b == b'/'))
            .all(|part| !part.is_empty() && part != b"." && part != b"..");
    if clean {
        Some(Cow::Borrowed(path))
    } else {
        join_normalized("", path).map(Cow::Owned)
    }
}

/// [`super::path::fold`], into `scratch` when there is something to fold: a load resolves
/// 1.5M links with one scratch buffer per note.
fn fold_in<'a>(text: &'a str, scratch: &'a mut String) -> &'a str {
    if is_folded(text) {
        return text;
    }
    scratch.clear();
    fold_into(text, scratch);
    scratch
}

impl Vault {
    /// Resolves a link target written in note `source`: the resolution and, when the bare name
    /// matched several files, all of them (best first).
    /// `scratch` is room for the folded target, reused from one call to the next.
    pub(super) fn resolve_target(
        &self,
        source: FileId,
        target: &str,
        scratch: &mut String,
    ) -> (Resolution, Vec<FileId>) {
        self.resolve_in(source, None, target, scratch)
    }

    /// [`Vault::resolve_target`] for a link written in note `source` as if the note were in
    /// `folder` (folded; `None`: its own folder): where a note about to move would find its
    /// links.
    pub(super) fn resolve_in(
        &self,
        source: FileId,
        folder: Option<&str>,
        target: &str,
        scratch: &mut String,
    ) -> (Resolution, Vec<FileId>) {
        let target = target.trim();
        let single = |id| (Resolution::to(id), Vec::new());
        let none = (Resolution::UNRESOLVED, Vec::new());
        if target.is_empty() {
            return single(source);
        }
        // A last component `.` or `..` names a folder, which is never a link target.
        let trimmed = target.trim_end_matches('/');
        if trimmed.ends_with('.') {
            let last = super::path::file_name(trimmed);
            if last == "." || last == ".." {
                return none;
            }
        }
        let folded_target = fold_in(target, scratch);
        // The common case, a bare name (`[[Tomer Hagay]]`): no candidate, or one, which is
        // the answer whatever the folders (every file under the name key ends with the name).
        if memchr::memchr(b'/', folded_target.as_bytes()).is_none() && !is_note_path(folded_target)
        {
            match self
                .by_name_key
                .get(folded_target)
                .map_or(&[][..], super::Ids::as_slice)
            {
                [] => return none,
                [id] => return single(*id),
                _ => {}
            }
        }
        let (absolute, rest) = match folded_target.strip_prefix('/') {
            Some(rest) => (true, rest),
            None => (false, folded_target),
        };
        let relative = rest.starts_with("./") || rest.starts_with("../");
        // Worked out only where it is read (a relative path; a path not found as written):
        // most links never need it.
        let folder = || -> Cow<str> {
            match folder {
                Some(folder) => Cow::Borrowed(folder),
                None => fold(parent(self.path(source))),
            }
        };
        let wanted: Cow<str> = if relative {
            match join_normalized(&folder(), rest) {
                Some(p) => Cow::Owned(p),
                None => return none,
            }
        } else {
            match normalized(rest) {
                Some(p) => p,
                None => return none,
            }
        };
        let name = super::path::file_name(&wanted);
        let under = |key: &str| {
            self.by_name_key
                .get(key)
                .map_or(&[][..], super::Ids::as_slice)
        };
        // A note's key is its name without `.md`: a name ending in `.md` is looked up as it
        // is (the key of `x.md.md`) and without it (the key of `x.md`).
        let stripped = super::path::strip_md(name);
        let with_md = if stripped.len() != name.len() {
            under(stripped)
        } else {
            &[]
        };
        let candidates = || under(name).iter().chain(with_md);
        let best_at = |dir: &str| {
            candidates()
                .filter_map(|&id| Some((fit_at(&fold(self.path(id)), dir, &wanted)?, id)))
                .min_by(|a, b| (a.0, self.path(a.1)).cmp(&(b.0, self.path(b.1))))
                .map(|(_, id)| id)
        };
        if absolute || relative {
            return best_at("").map_or(none, single);
        }
        if let Some(id) = best_at("") {
            return single(id);
        }
        let folder = folder();
        if !folder.is_empty()
            && let Some(id) = best_at(&folder)
        {
            return single(id);
        }
        let mut matches: Vec<(Fit, FileId)> = candidates()
            .filter_map(|&id| Some((fit_suffix(&fold(self.path(id)), &wanted)?, id)))
            .collect();
        match matches.len() {
            0 => none,
            1 => single(matches[0].1),
            _ => {
                // Obsidian's tie-break, after the exact path and the linking note's own folder
                // (above): the shortest path string, as JavaScript measures it (UTF-16 units),
                // not the fewest folders: `a/b/Note.md` over `zzzz/Note.md`. Observed with
                // `app.metadataCache.getFirstLinkpathDest` on Obsidian 1.13.7
                // (pvliesdonk/markdown-vault-mcp#1380). Then the exact name over an added
                // `.md`, then path order, so the choice is stable.
                let length = |id: FileId| self.path(id).encode_utf16().count();
                matches.sort_by(|a, b| {
                    (length(a.1), a.0, self.path(a.1)).cmp(&(length(b.1), b.0, self.path(b.1)))
                });
                let all: Vec<FileId> = matches.iter().map(|m| m.1).collect();
                (Resolution::ambiguous(all[0]), all)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fits() {
        assert!(fit_at("people/tomer.md", "people", "tomer") == Some(Fit::WithMd));
        assert!(fit_at("people/tomer.md", "", "people/tomer.md") == Some(Fit::Exact));
        assert!(fit_at("people/tomer.md", "peo", "ple/tomer").is_none());
        assert!(fit_at("x.md.md", "", "x.md").is_none());
        assert!(fit_suffix("a/b/c.md", "b/c") == Some(Fit::WithMd));
        assert!(fit_suffix("a/bb/c.md", "b/c").is_none());
        assert!(fit_suffix("c.png", "c.png") == Some(Fit::Exact));
        assert_eq!(normalized("a/b").as_deref(), Some("a/b"));
        assert_eq!(normalized("a//./b/").as_deref(), Some("a/b"));
        assert_eq!(normalized("../a"), None);
    }
}
