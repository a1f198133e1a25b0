//! Features: pure functions of a vault snapshot, a note and a byte offset. No IO, no locks and
//! no protocol types: the server translates their results.

pub mod blocks;
pub mod code_actions;
pub mod completion;
pub mod dates;
pub mod definition;
pub mod diagnostics;
pub mod extract;
pub mod hover;
pub mod inlay;
pub mod links;
pub mod mentions;
pub mod references;
pub mod rename;
pub mod semantic;
pub mod structure;
pub mod symbols;

#[cfg(test)]
mod fixture;

use crate::syntax::{Heading, Link, NoteSyntax, Reference, Span, Subpath};
use crate::vault::subpath::{find_block, find_heading, normalize_heading};
use crate::vault::{FileId, Note, Vault};

/// Why a long feature stopped early: its answer is no longer wanted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cancelled;

/// Asked between notes by the features that read many notes (mentions, workspace symbols,
/// references, renames): whether to stop. The server trips it when the request is cancelled
/// or an edit is waiting to be applied; features stay pure (a flag read, no lock, no IO).
#[derive(Clone, Copy)]
pub struct Cancel<'a>(Option<&'a (dyn Fn() -> bool + Sync)>);

impl<'a> Cancel<'a> {
    /// Never trips (tests, `vaultls check`).
    pub const NEVER: Cancel<'static> = Cancel(None);

    pub fn new(is_cancelled: &'a (dyn Fn() -> bool + Sync)) -> Cancel<'a> {
        Cancel(Some(is_cancelled))
    }

    pub fn check(self) -> Result<(), Cancelled> {
        match self.0 {
            Some(is_cancelled) if is_cancelled() => Err(Cancelled),
            _ => Ok(()),
        }
    }
}

/// The double-encoded stretches of note `id`, each with what is written there and what it
/// should read ([`crate::syntax::mojibake::repair`]): the one finding that reads prose, so a
/// note held in pieces has its file read, only when its summary says it has some, and has
/// none while its file is not the text it was indexed from (the change is on its way).
/// Diagnostics and their repairs both read them here.
pub fn mojibake(vault: &Vault, id: FileId) -> Vec<(Span, String, String)> {
    if !vault.note(id).is_some_and(|n| n.syntax.mojibake) {
        return Vec::new();
    }
    let Some(text) = vault.text(id) else {
        return Vec::new();
    };
    crate::syntax::mojibake::find(&text)
        .into_iter()
        .filter(|m| !m.repaired.is_empty())
        .map(|m| (m.span, text[m.span.range()].to_string(), m.repaired))
        .collect()
}

/// Notes read side by side by [`scan_notes`], between two looks at the cancel flag.
const SCAN_BATCH: usize = 256;

/// Every note but `skip`, in path order, a batch at a time on every core, for the searches
/// that read each note's text (block search, unlinked mentions; for a note held in pieces,
/// reading its file takes most of the time: 50k notes, 0.28-0.38 s on one core): `found`'s
/// results for each note go to `keep` in path order until it says no more. `Ok(true)` when
/// it did, `Ok(false)` when every note was read.
pub(crate) fn scan_notes<T: Send>(
    vault: &Vault,
    skip: Option<FileId>,
    cancel: Cancel,
    found: impl Fn(FileId) -> Vec<T> + Sync,
    mut keep: impl FnMut(T) -> bool,
) -> Result<bool, Cancelled> {
    use rayon::prelude::*;
    let mut notes: Vec<(FileId, &str)> = vault
        .notes()
        .filter(|(id, _)| Some(*id) != skip)
        .map(|(id, _)| (id, vault.path(id)))
        .collect();
    notes.sort_unstable_by_key(|(_, p)| *p);
    for batch in notes.chunks(SCAN_BATCH) {
        cancel.check()?;
        let batch: Vec<Vec<T>> = batch.par_iter().map(|&(id, _)| found(id)).collect();
        for item in batch.into_iter().flatten() {
            if !keep(item) {
                return Ok(true);
            }
        }
    }
    Ok(false)
}

/// The first lines of a note preview: `**Title** · type` and the note's path.
pub fn note_card(vault: &Vault, id: FileId, note: &Note) -> String {
    let mut out = format!("**{}**", note.title(vault.path(id)));
    if let Some(t) = note.note_type() {
        out += &format!(" · {t}");
    }
    out += &format!("  \n`{}`", vault.path(id));
    out
}

/// A case-insensitive, accent-folding fuzzy pattern for note names (no search syntax: `'`,
/// `^`, `$` and `!` are plain characters).
pub fn fuzzy_pattern(query: &str) -> nucleo_matcher::pattern::Pattern {
    use nucleo_matcher::pattern::{AtomKind, CaseMatching, Normalization, Pattern};
    Pattern::new(
        query.trim(),
        CaseMatching::Ignore,
        Normalization::Smart,
        AtomKind::Fuzzy,
    )
}

/// A place in the vault: a file and a byte range in it (empty at 0 for a whole file).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    pub file: FileId,
    pub span: Span,
}

/// The link under the cursor: `offset` inside it, or right after its last character.
pub fn link_at(syntax: &NoteSyntax, offset: usize) -> Option<(usize, &Link)> {
    let inside = syntax
        .links
        .iter()
        .position(|l| l.span().start as usize <= offset && offset < l.span().end as usize);
    let i = inside.or_else(|| {
        syntax
            .links
            .iter()
            .position(|l| l.span().end as usize == offset)
    })?;
    Some((i, &syntax.links[i]))
}

/// The reference link or footnote under the cursor: a use (the innermost, as a footnote's
/// text can hold uses), or a definition when the cursor is on its `[label]`.
pub fn reference_at(syntax: &NoteSyntax, offset: usize) -> Option<&Reference> {
    syntax
        .references
        .iter()
        .filter(|r| {
            let end = if r.definition {
                r.label.end + 1
            } else {
                r.span.end
            };
            r.span.start as usize <= offset && offset <= end as usize
        })
        .min_by_key(|r| r.span.len())
}

/// The definition of a reference's label in its note (CommonMark uses the first one).
pub fn definition_of<'a>(
    syntax: &'a NoteSyntax,
    text: &(impl crate::syntax::TextAt + ?Sized),
    reference: &Reference,
) -> Option<&'a Reference> {
    syntax
        .references
        .iter()
        .find(|d| d.definition && d.same_label(reference, text))
}

/// The index of the link a reference link's definition makes (one to a local file).
pub fn definition_link(syntax: &NoteSyntax, definition: &Reference) -> Option<usize> {
    syntax
        .links
        .binary_search_by_key(&definition.span.start, |l| l.span().start)
        .ok()
        .filter(|&i| syntax.links[i].span() == definition.span)
}

/// The heading a link's subpath ([`Link::subpath`]) names in its target note, if any.
pub fn linked_heading<'a>(note: &'a Note, subpath: &Option<Subpath>) -> Option<&'a Heading> {
    match subpath {
        Some(Subpath::Heading(chain)) => find_heading(note.src(), &note.syntax, chain),
        _ => None,
    }
}

/// Where a link leads: the target file, narrowed to the heading or block its subpath names
/// (the whole file when the subpath does not resolve).
pub fn link_target(vault: &Vault, source: FileId, index: usize) -> Option<Location> {
    let note = vault.note(source)?;
    let link = note.syntax.links.get(index)?;
    let file = note.resolved.get(index)?.file()?;
    let whole = Location {
        file,
        span: Span::empty(0),
    };
    let Some(target) = vault.note(file) else {
        return Some(whole);
    };
    let span = match link.subpath(note.src()) {
        Some(Subpath::Heading(chain)) => {
            find_heading(target.src(), &target.syntax, &chain).map(|h| h.span)
        }
        Some(Subpath::Block(id)) => {
            find_block(target.src(), &target.syntax, &id).map(|b| b.block_span)
        }
        None => None,
    };
    Some(span.map_or(whole, |span| Location { file, span }))
}

/// Whether two subpaths name the same place (headings compare normalized, last level).
fn same_subpath(a: &Option<Subpath>, b: &Option<Subpath>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(Subpath::Block(x)), Some(Subpath::Block(y))) => x.eq_ignore_ascii_case(y),
        (Some(Subpath::Heading(x)), Some(Subpath::Heading(y))) => {
            x.last().map(|h| normalize_heading(h)) == y.last().map(|h| normalize_heading(h))
        }
        _ => false,
    }
}
