//! Renaming a note: the file moves, and every link to it is rewritten in the form it was
//! written in (bare name, folder path, `.md` suffix, relative path, percent-encoding); display
//! text and `#subpath` stay as they are. Used by `textDocument/rename` and by
//! `workspace/willRenameFiles` (a rename in the editor's file tree).

use percent_encoding::utf8_percent_encode;

use super::links::Edit;
use super::links::relative;
use super::{Cancel, Cancelled, definition_link, definition_of, link_at, reference_at};
use crate::syntax::{LINK_PATH_ENCODE, LinkKind, Span, TextAt, decode};
use crate::vault::path::{file_name, fold, is_note_path, is_within, parent, stem, strip_md};
use crate::vault::{FileId, NameKind, Note, Vault};

/// What renaming a note changes: the links to rewrite, and the file's new vault path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoteRename {
    pub file: FileId,
    pub new_path: String,
    pub edits: Vec<Edit>,
}

/// Characters Obsidian cannot have in a link target.
const FORBIDDEN: &[char] = &['[', ']', '#', '^', '|', '\\', ':', '*', '"', '<', '>', '?'];

/// What a rename at some place renames.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RenameTarget {
    Note(FileId),
    /// A heading of a note (index into its `syntax.headings`).
    Heading(FileId, usize),
    /// A tag (as written at the cursor, without `#`).
    Tag(String),
    /// The label of a reference link or footnote (index into its note's `syntax.references`).
    Label(FileId, usize),
}

/// What a rename at `offset` would rename, the span the editor highlights, and the text to
/// start from:
/// - on a link's `#Heading` part, or on a heading below the title: that heading;
/// - on any other part of a link to a note, or on the note's H1: the note;
/// - on a tag: the tag.
pub fn prepare(vault: &Vault, file: FileId, offset: usize) -> Option<(RenameTarget, Span, String)> {
    let note = vault.note(file)?;
    if let Some(r) = reference_at(&note.syntax, offset) {
        let on_label = r.label.start as usize <= offset + 1 && offset <= r.label.end as usize + 1;
        if on_label || r.definition || r.footnote {
            let index = note
                .syntax
                .references
                .iter()
                .position(|other| std::ptr::eq(other, r))?;
            let label = written_at(note, r.label).to_string();
            return Some((RenameTarget::Label(file, index), r.label, label));
        }
        // Elsewhere on `[text][label]`: the note its definition leads to.
        let def = definition_of(&note.syntax, note.src(), r)?;
        let target = note
            .resolved
            .get(definition_link(&note.syntax, def)?)?
            .file()?;
        vault.note(target)?;
        let name = stem(vault.path(target)).to_string();
        return Some((RenameTarget::Note(target), r.span, name));
    }
    if let Some((index, link)) = link_at(&note.syntax, offset) {
        let target = note.resolved.get(index)?.file()?;
        let target_note = vault.note(target)?;
        let subpath = link.subpath(note.src());
        if let (Some(sub), Some(crate::syntax::Subpath::Heading(_))) =
            (link.subpath_span(), &subpath)
            && sub.touches(offset)
        {
            let heading = super::linked_heading(target_note, &subpath)?;
            let at = target_note
                .syntax
                .headings
                .iter()
                .position(|h| h == heading)?;
            // The last level of the chain is what the editor shows.
            let written = written_at(note, sub);
            let last = written.rfind('#').map_or(0, |i| i + 1);
            let span = Span::new(sub.start as usize + last, sub.end as usize);
            return Some((
                RenameTarget::Heading(target, at),
                span,
                heading.text(target_note.src()).to_string(),
            ));
        }
        if link.target(note.src()).is_empty() {
            return None; // `[[#^block]]`: blocks are not renamed
        }
        let name = stem(vault.path(target)).to_string();
        return Some((RenameTarget::Note(target), link.target_span(), name));
    }
    if let Some(tag) = note.syntax.tags.iter().find(|t| t.span.touches(offset)) {
        let span = match tag.source {
            crate::syntax::TagSource::Inline => {
                Span::new(tag.span.start as usize + 1, tag.span.end as usize)
            }
            crate::syntax::TagSource::Frontmatter => tag.span,
        };
        let name = tag.name(note.src()).to_string();
        return Some((RenameTarget::Tag(name.clone()), span, name));
    }
    let (at, h) = note
        .syntax
        .headings
        .iter()
        .enumerate()
        .find(|(_, h)| h.span.touches(offset))?;
    if h.level == 1 {
        return Some((
            RenameTarget::Note(file),
            h.text_span,
            stem(vault.path(file)).to_string(),
        ));
    }
    let text = h.text(note.src()).to_string();
    Some((RenameTarget::Heading(file, at), h.text_span, text))
}

/// What a note has written at `span` of a link, label, tag or heading: parts every note holds,
/// whole or in pieces.
fn written_at(note: &Note, span: Span) -> &str {
    note.src().at(span.range()).unwrap_or_default()
}

/// Why a rename has no plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RenameError {
    /// The new name cannot be used; the message says why.
    Refused(String),
    /// The answer is no longer wanted ([`Cancel`]).
    Cancelled,
}

impl std::fmt::Display for RenameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RenameError::Refused(why) => f.write_str(why),
            RenameError::Cancelled => f.write_str("cancelled"),
        }
    }
}

impl From<String> for RenameError {
    fn from(why: String) -> RenameError {
        RenameError::Refused(why)
    }
}

impl From<&str> for RenameError {
    fn from(why: &str) -> RenameError {
        RenameError::Refused(why.to_string())
    }
}

impl From<Cancelled> for RenameError {
    fn from(_: Cancelled) -> RenameError {
        RenameError::Cancelled
    }
}

/// How many linking notes are read between two looks at `cancel`.
const CANCEL_EVERY: usize = 256;

/// Renames heading `index` of note `file`: its text, and the `#Heading` part of every link to
/// it (the last level of `#H1#H2` chains; percent-encoded in Markdown links).
pub fn rename_heading(
    vault: &Vault,
    file: FileId,
    index: usize,
    new_text: &str,
    cancel: Cancel,
) -> Result<Vec<Edit>, RenameError> {
    let new_text = new_text.trim();
    if new_text.is_empty() {
        return Err("a heading cannot be empty".into());
    }
    if let Some(c) = new_text
        .chars()
        .find(|c| ['#', '|', '^', '[', ']'].contains(c))
    {
        return Err(format!("a heading linked to cannot contain \"{c}\"").into());
    }
    let note = vault.note(file).ok_or("not a note")?;
    let heading = note.syntax.headings.get(index).ok_or("no such heading")?;
    let mut edits = vec![Edit {
        file,
        span: heading.text_span,
        new_text: new_text.to_string(),
    }];
    for (i, site) in vault.backlinks(file).into_iter().enumerate() {
        if i % CANCEL_EVERY == 0 {
            cancel.check()?;
        }
        let Some(source) = vault.note(site.source) else {
            continue;
        };
        let link = &source.syntax.links[site.link as usize];
        let (Some(sub), Some(crate::syntax::Subpath::Heading(_))) =
            (link.subpath_span(), link.subpath(source.src()))
        else {
            continue;
        };
        // Every level of `#H1#H2` that names this heading (usually the last; an outer level
        // when a subheading is linked).
        let written = written_at(source, sub);
        let mut parts: Vec<(usize, &str)> = Vec::new();
        let mut at = 0;
        for part in written.split('#') {
            let lead = part.len() - part.trim_start().len();
            if !part.trim().is_empty() {
                parts.push((at + lead, part.trim()));
            }
            at += part.len() + 1;
        }
        let chain: Vec<String> = parts
            .iter()
            .map(|(_, p)| match link.kind() {
                LinkKind::Wiki => p.to_string(),
                LinkKind::Markdown => decode(p).into_owned(),
            })
            .collect();
        for k in 1..=chain.len() {
            let named = crate::vault::subpath::find_heading(note.src(), &note.syntax, &chain[..k]);
            if named.map(|h| h.span) != Some(heading.span) {
                continue;
            }
            let (offset, part) = parts[k - 1];
            let replacement = match link.kind() {
                LinkKind::Wiki => new_text.to_string(),
                LinkKind::Markdown => utf8_percent_encode(new_text, LINK_PATH_ENCODE).to_string(),
            };
            let start = sub.start as usize + offset;
            edits.push(Edit {
                file: site.source,
                span: Span::new(start, start + part.len()),
                new_text: replacement,
            });
        }
    }
    still_parses(vault, &edits, new_text)?;
    Ok(edits)
}

/// Renames a tag everywhere, inline and in frontmatter, case-insensitively; nested tags keep
/// their rest (`#area/sub` → `#field/sub` when `area` becomes `field`).
pub fn rename_tag(
    vault: &Vault,
    old: &str,
    new: &str,
    cancel: Cancel,
) -> Result<Vec<Edit>, RenameError> {
    let new = new.trim().trim_start_matches('#');
    if !crate::syntax::valid_tag(new) {
        return Err(
            format!("\"{new}\" is not a tag: letters, digits, _ - / only, not all digits").into(),
        );
    }
    let wanted = fold(old).into_owned();
    let mut edits = Vec::new();
    for (i, id) in vault.notes_tagged_within(old).into_iter().enumerate() {
        if i % CANCEL_EVERY == 0 {
            cancel.check()?;
        }
        let Some(note) = vault.note(id) else { continue };
        for tag in &note.syntax.tags {
            let name = tag.name(note.src());
            let folded = fold(name);
            if !is_within(&folded, &wanted) {
                continue;
            }
            // The rest keeps its casing, unless folding changed byte lengths (`İ` → `i̇`).
            let rest = name
                .get(wanted.len()..)
                .filter(|_| folded.len() == name.len())
                .unwrap_or(&folded[wanted.len()..]);
            let span = match tag.source {
                crate::syntax::TagSource::Inline => {
                    Span::new(tag.span.start as usize + 1, tag.span.end as usize)
                }
                crate::syntax::TagSource::Frontmatter => tag.span,
            };
            // A frontmatter tag inside a longer scalar ("a, b") has its own span only when
            // the scalar is plain; otherwise the whole scalar is the span: skip it.
            if written_at(note, span) != name {
                continue;
            }
            edits.push(Edit {
                file: id,
                span,
                new_text: format!("{new}{rest}"),
            });
        }
    }
    still_parses(vault, &edits, new)?;
    Ok(edits)
}

/// Renames reference label `index` of note `file` (`[text][label]`, `[^1]`) at every use and
/// at its definition. What a reader sees stays: `[Pricing][]` and `[Pricing]` become
/// `[Pricing][new]`.
pub fn rename_label(
    vault: &Vault,
    file: FileId,
    index: usize,
    new_name: &str,
) -> Result<Vec<Edit>, RenameError> {
    let note = vault.note(file).ok_or("the note is gone")?;
    let whole = vault.text(file).ok_or_else(|| {
        format!(
            "{} changed on disk; try again once it is read",
            vault.path(file)
        )
    })?;
    let at = note
        .syntax
        .references
        .get(index)
        .ok_or("the label is gone")?;
    let new = new_name.trim();
    let new = if at.footnote {
        new.strip_prefix('^').unwrap_or(new)
    } else {
        new
    };
    if new.is_empty()
        || new.contains(['[', ']'])
        || at.footnote && new.contains(char::is_whitespace)
    {
        return Err(format!("\"{new_name}\" cannot be a label").into());
    }
    // CommonMark's limit.
    if new.chars().count() > 999 {
        return Err("a label has at most 999 characters".into());
    }
    let old = written_at(note, at.label);
    if !crate::syntax::same_label(old, new)
        && note.syntax.references.iter().any(|r| {
            r.definition
                && r.footnote == at.footnote
                && crate::syntax::same_label(written_at(note, r.label), new)
        })
    {
        return Err(format!("\"{new}\" is defined already in this note").into());
    }
    let mut edits = Vec::new();
    for r in &note.syntax.references {
        if !r.same_label(at, note.src()) {
            continue;
        }
        let (label, span) = (r.label, r.span);
        let edit = |span: Span, new_text: String| Edit {
            file,
            span,
            new_text,
        };
        // The whole reference (`[text][label]`): prose, which a note held in pieces has in
        // its file only.
        let written = whole.get(span.range()).unwrap_or_default();
        let opens_at = span.start as usize + usize::from(written.starts_with('!')) + 1;
        edits.push(if r.definition || r.footnote {
            edit(label, new.to_string())
        } else if written.ends_with("[]") && label.end as usize + 3 == span.end as usize {
            // `[label][]`
            edit(
                Span::new(span.end as usize - 2, span.end as usize),
                format!("[{new}]"),
            )
        } else if label.start as usize == opens_at {
            // `[label]`
            edit(Span::empty(span.end as usize), format!("[{new}]"))
        } else {
            edit(label, new.to_string())
        });
    }
    Ok(edits)
}

/// Renames note `file` to `new_name`: a new file name (same folder) or, with a `/`, a new
/// vault path; `.md` is optional.
pub fn rename_note(
    vault: &Vault,
    file: FileId,
    new_name: &str,
    cancel: Cancel,
) -> Result<NoteRename, RenameError> {
    let new_name = new_name.trim();
    let old_path = vault.path(file);
    let mut new_path = if new_name.contains('/') {
        // Each folder and the name trimmed, as Obsidian names files (a Markdown link's
        // target is trimmed too, so ` x.md` could not be linked to).
        let parts: Vec<&str> = new_name
            .trim_start_matches('/')
            .split('/')
            .map(str::trim)
            .collect();
        parts.join("/")
    } else {
        let folder = parent(old_path);
        if folder.is_empty() {
            new_name.to_string()
        } else {
            format!("{folder}/{new_name}")
        }
    };
    if !is_note_path(&new_path) {
        new_path.push_str(".md");
    }
    let new_stem = stem(&new_path);
    if new_stem.is_empty() || new_stem.starts_with('.') {
        return Err(format!("\"{new_name}\" is not a note name").into());
    }
    if let Some(c) = new_path.chars().find(|c| FORBIDDEN.contains(c)) {
        return Err(format!("a note name cannot contain \"{c}\": links to it would break").into());
    }
    if let Some(c) = new_path.chars().find(|c| c.is_control()) {
        return Err(format!("a note name cannot contain the control character {:?}", c).into());
    }
    if new_path
        .split('/')
        .any(|p| p.is_empty() || p == "." || p == "..")
    {
        return Err(format!("\"{new_name}\" is not a path inside the vault").into());
    }
    if let Some(other) = vault.id(&new_path)
        && other != file
    {
        return Err(format!("\"{new_path}\" exists already").into());
    }
    let edits = rewrite_links(vault, file, &new_path, cancel)?;
    still_parses(vault, &edits, new_name)?;
    Ok(NoteRename {
        file,
        new_path,
        edits,
    })
}

/// Refuses a rename whose edits would change how an edited note parses: a new name that
/// merges with its surroundings (`$` or a backtick next to another one on the line turns
/// into math or code) would turn links, headings or tags into something else. Each edited
/// note is parsed again with the edits applied: every link, heading and tag must still be
/// there, at its old place moved by the edits.
fn still_parses(vault: &Vault, edits: &[Edit], new_name: &str) -> Result<(), String> {
    let mut by_file: Vec<&Edit> = edits.iter().collect();
    by_file.sort_by_key(|e| (e.file, e.span.start));
    for group in by_file.chunk_by(|a, b| a.file == b.file) {
        let Some(note) = vault.note(group[0].file) else {
            continue;
        };
        // A note held in pieces is read from its file: one that changed since is not
        // edited blind.
        let Some(text) = vault.text(group[0].file) else {
            return Err(format!(
                "{} changed on disk; try again once it is read",
                vault.path(group[0].file)
            ));
        };
        let mut text = text.into_owned();
        for e in group.iter().rev() {
            text.replace_range(e.span.range(), &e.new_text);
        }
        // Where an offset of the old text is in the new one (edits wholly before it shift it).
        let moved = |at: u32| -> i64 {
            let shift: i64 = group
                .iter()
                .filter(|e| e.span.end <= at && e.span.start < e.span.end)
                .map(|e| e.new_text.len() as i64 - e.span.len() as i64)
                .sum();
            i64::from(at) + shift
        };
        let same = |old: &[Span], new: &[Span]| {
            old.len() == new.len()
                && old.iter().zip(new).all(|(o, n)| {
                    moved(o.start) == i64::from(n.start) && moved(o.end) == i64::from(n.end)
                })
        };
        let spans = |s: &crate::syntax::NoteSyntax| {
            (
                s.links.iter().map(|l| l.span()).collect::<Vec<_>>(),
                s.headings.iter().map(|h| h.span).collect::<Vec<_>>(),
                s.tags.iter().map(|t| t.span).collect::<Vec<_>>(),
            )
        };
        let (old_links, old_headings, old_tags) = spans(&note.syntax);
        let (new_links, new_headings, new_tags) = spans(&crate::syntax::parse_note(&text));
        if !(same(&old_links, &new_links)
            && same(&old_headings, &new_headings)
            && same(&old_tags, &new_tags))
        {
            return Err(format!(
                "\"{new_name}\" would change what {} means (its links, headings or tags would \
                 parse differently); choose another name",
                vault.path(group[0].file)
            ));
        }
    }
    Ok(())
}

/// The edits that make every link to `file` point at `new_path` instead.
pub fn rewrite_links(
    vault: &Vault,
    file: FileId,
    new_path: &str,
    cancel: Cancel,
) -> Result<Vec<Edit>, Cancelled> {
    move_files(vault, &[(file, new_path.to_string())], cancel)
}

/// Whether a bare name still finds the file moved to `new_path`: no other file answers to it.
pub(crate) fn bare_unique(vault: &Vault, file: FileId, new_path: &str) -> bool {
    vault
        .notes_named(stem(new_path))
        .iter()
        .all(|&(id, kind)| id == file || kind != NameKind::FileStem)
}

/// The text of `link` (in `note`, which will be at `source_path`) pointing at `new_path`
/// where it pointed at `old_path`, in the form it was written in.
pub(crate) fn rewritten(
    note: &crate::vault::Note,
    link: &crate::syntax::Link,
    source_path: &str,
    (old_path, new_path): (&str, &str),
    bare_unique: bool,
) -> String {
    let written = written_at(note, link.target_span());
    match link.kind() {
        LinkKind::Wiki => rewrite(written, source_path, old_path, new_path, bare_unique),
        LinkKind::Markdown => {
            // `<` opens the target inside the link's brackets: held with the link.
            let start = link.target_span().start as usize;
            let angle = note.src().at(start.saturating_sub(1)..start) == Some("<");
            let decoded = decode(written);
            let target = rewrite(&decoded, source_path, old_path, new_path, bare_unique);
            if angle || !written.contains('%') && written.contains(' ') {
                target
            } else {
                utf8_percent_encode(&target, LINK_PATH_ENCODE).to_string()
            }
        }
    }
}

/// The edits that keep every link working when the files of `moves` (each with its new vault
/// path) move together, as a folder move does: links to a moved file point at its new path,
/// from wherever their note will be; and a link written in a moved note that would no longer
/// lead where it did from the note's new place (`../Projects/Pricing.md`) is written again
/// from there. Every link keeps its form (bare name, folder path, relative path, `.md`, `%20`);
/// subpaths and display text (`#page=3`, `|300`) stay.
pub fn move_files(
    vault: &Vault,
    moves: &[(FileId, String)],
    cancel: Cancel,
) -> Result<Vec<Edit>, Cancelled> {
    let new_of: rustc_hash::FxHashMap<FileId, &str> =
        moves.iter().map(|(id, p)| (*id, p.as_str())).collect();
    let place = |id: FileId| new_of.get(&id).copied().unwrap_or_else(|| vault.path(id));
    let mut edits = Vec::new();
    let mut push = |source: FileId, link: &crate::syntax::Link, new_text: String| {
        let note = vault.note(source)?;
        let written = written_at(note, link.target_span());
        (new_text != written).then(|| {
            edits.push(Edit {
                file: source,
                span: link.target_span(),
                new_text,
            })
        })
    };
    let mut read = 0usize;
    // Links to each moved file.
    for (file, new_path) in moves {
        let old_path = vault.path(*file);
        let unique = bare_unique(vault, *file, new_path);
        for site in vault.backlinks(*file) {
            read += 1;
            if read.is_multiple_of(CANCEL_EVERY) {
                cancel.check()?;
            }
            let Some(note) = vault.note(site.source) else {
                continue;
            };
            let link = &note.syntax.links[site.link as usize];
            if link.target(note.src()).is_empty() {
                continue;
            }
            let text = rewritten(note, link, place(site.source), (old_path, new_path), unique);
            push(site.source, link, text);
        }
    }
    // Links written in each moved note to files that stay.
    for (file, new_path) in moves {
        let Some(note) = vault.note(*file) else {
            continue;
        };
        cancel.check()?;
        for (link, resolution) in note.syntax.links.iter().zip(note.resolved.iter()) {
            let Some(target) = resolution.file() else {
                continue;
            };
            let written = link.target(note.src());
            if written.is_empty() || new_of.contains_key(&target) {
                continue;
            }
            if vault.resolve_path_moved(*file, new_path, &written).file() == Some(target) {
                continue;
            }
            let target_path = vault.path(target);
            let unique = bare_unique(vault, target, target_path);
            let text = rewritten(note, link, new_path, (target_path, target_path), unique);
            push(*file, link, text);
        }
    }
    Ok(edits)
}

/// A link path as written (`Name`, `Folder/Name.md`, `../Name`, `/Folder/Name`) made to point
/// at `new_path`, in the same form.
fn rewrite(
    written: &str,
    source: &str,
    old_path: &str,
    new_path: &str,
    bare_unique: bool,
) -> String {
    let with_md = is_note_path(written);
    let finish = |path: &str| {
        if with_md {
            path.to_string()
        } else {
            strip_md(path).to_string()
        }
    };
    if written.starts_with('/') {
        return format!("/{}", finish(new_path));
    }
    if written.starts_with("./") || written.starts_with("../") {
        return finish(&relative(parent(source), new_path));
    }
    if !written.contains('/') {
        let new_name = file_name(new_path);
        let same_folder = parent(old_path) == parent(new_path);
        if bare_unique || same_folder && fold(parent(source)) == fold(parent(new_path)) {
            return finish(new_name);
        }
        return finish(new_path);
    }
    // A path from the vault root (or a suffix of one): the new full path.
    finish(new_path)
}

#[cfg(test)]
mod tests {
    use expect_test::{Expect, expect};

    use super::*;
    use crate::features::fixture::Fixture;

    /// Notes held in pieces are edited as the vault's texts are, from their files; one whose
    /// file changed since it was read is not edited blind: the rename is refused.
    #[test]
    fn notes_held_in_pieces_are_rewritten_from_their_files_while_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("a.md"),
            "Prose, then [[b|the b]] and [[b#H]].\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("b.md"), "# B\n## H\n").unwrap();
        let options = crate::vault::LoadOptions {
            pieces: true,
            ..Default::default()
        };
        let vault = Vault::load(dir.path(), &options).unwrap();
        let b = vault.id("b.md").unwrap();
        let renamed = rename_note(&vault, b, "c", Cancel::NEVER).unwrap();
        let texts: Vec<&str> = renamed.edits.iter().map(|e| e.new_text.as_str()).collect();
        assert_eq!(texts, ["c", "c"]);
        std::fs::write(dir.path().join("a.md"), "Other prose, [[b]].\n").unwrap();
        let refused = rename_note(&vault, b, "c", Cancel::NEVER).unwrap_err();
        assert_eq!(
            refused,
            RenameError::Refused("a.md changed on disk; try again once it is read".into())
        );
    }

    /// Renames the note under `$0` to `new_name`; shows each rewritten link and the new path.
    fn check(fixture: &str, new_name: &str, expect: Expect) {
        let f = Fixture::parse(fixture);
        let (target, _, _) = prepare(&f.vault, f.file, f.offset).expect("renamable here");
        let RenameTarget::Note(target) = target else {
            panic!("not a note: {target:?}")
        };
        let out = match rename_note(&f.vault, target, new_name, Cancel::NEVER) {
            Err(e) => format!("error: {e}\n"),
            Ok(r) => {
                let mut out = format!("{} -> {}\n", f.vault.path(r.file), r.new_path);
                let mut edits = r.edits.clone();
                edits.sort_by_key(|e| (f.vault.path(e.file).to_string(), e.span));
                for e in edits {
                    let text = &f.vault.note(e.file).unwrap().text().unwrap();
                    let mut after = text.to_string();
                    after.replace_range(e.span.range(), &e.new_text);
                    let line = after[..].lines().find(|l| l.contains(&e.new_text)).unwrap();
                    out += &format!("{}: {line}\n", f.vault.path(e.file));
                }
                out
            }
        };
        expect.assert_eq(&out);
    }

    const VAULT: &str = "
//- People/Tomer Hagay.md
# Tomer Hagay
Self: [[Tomer Hagay#Profile]]
## Profile
//- Meetings/2025/Sync.md
[[Tomer Hagay]] [[Tomer Hagay.md|T]] [[People/Tomer Hagay.md|Tomer]] [[tomer hagay#Profile|p]]
[x](../../People/Tomer%20Hagay.md#Profile) [y](/People/Tomer%20Hagay.md) [z](<../../People/Tomer Hagay.md>)
//- People/Other.md
[[./Tomer Hagay]] ![[Tomer Hagay]]
//- People/Props.md
---
up: \"[[Tomer Hagay|T]]\"
---
[see][u] [and][v]

[u]: <Tomer Hagay.md> \"Title\"
[v]:
  ../People/Tomer%20Hagay.md#Profile
";

    #[test]
    fn reference_labels_are_renamed_keeping_what_the_reader_sees() {
        let note = "//- Notes/Refs.md\n[a][Tomer] [Tomer][] ![TOMER] [x][other] Said.[^n] Again.[^n]\n\n\
                    [tomer]: ../People/Tomer%20Hagay.md\n[other]: x.md\n\n[^n]: A footnote.\n";
        let run = |needle: &str, new_name: &str| -> String {
            let cursor = note.replacen(needle, &format!("{}$0{}", &needle[..1], &needle[1..]), 1);
            let f = Fixture::parse(&format!("{VAULT}{cursor}"));
            let (target, span, placeholder) = prepare(&f.vault, f.file, f.offset).unwrap();
            let RenameTarget::Label(file, index) = target else {
                let RenameTarget::Note(id) = target else {
                    panic!("{target:?}")
                };
                return format!("rename note {}", f.vault.path(id));
            };
            let text = &f.vault.note(file).unwrap().text().unwrap();
            let mut edits = match rename_label(&f.vault, file, index, new_name) {
                Ok(edits) => edits,
                Err(e) => return format!("error: {e}"),
            };
            edits.sort_by_key(|e| std::cmp::Reverse(e.span.start));
            let mut after = text.to_string();
            for e in edits {
                after.replace_range(e.span.range(), &e.new_text);
            }
            format!("{placeholder} at {:?}\n{after}", &text[span.range()])
        };
        expect![[r#"
            Tomer at "Tomer"
            [a][Tomer Hagay] [Tomer][Tomer Hagay] ![TOMER][Tomer Hagay] [x][other] Said.[^n] Again.[^n]

            [Tomer Hagay]: ../People/Tomer%20Hagay.md
            [other]: x.md

            [^n]: A footnote.
        "#]]
        .assert_eq(&run("[Tomer] [", "Tomer Hagay"));
        expect![[r#"
            n at "n"
            [a][Tomer] [Tomer][] ![TOMER] [x][other] Said.[^note] Again.[^note]

            [tomer]: ../People/Tomer%20Hagay.md
            [other]: x.md

            [^note]: A footnote.
        "#]]
        .assert_eq(&run("[^n]:", "^note"));
        expect![[r#"error: "Other" is defined already in this note"#]]
            .assert_eq(&run("[tomer]:", "Other"));
        expect!["rename note People/Tomer Hagay.md"].assert_eq(&run("[a]", "x"));
    }

    /// The edited lines after moving the files of `moves` (vault paths, old → new).
    fn check_moves(fixture: &str, moves: &[(&str, &str)], expect: Expect) {
        let f = Fixture::parse(&format!("{fixture}//- Elsewhere.md\n$0\n"));
        let planned: Vec<(FileId, String)> = moves
            .iter()
            .flat_map(|(from, to)| {
                let f = &f;
                // A folder: everything under it.
                f.vault.files().filter_map(move |(id, _)| {
                    let path = f.vault.path(id);
                    if path == *from {
                        return Some((id, to.to_string()));
                    }
                    let rest = path.strip_prefix(&format!("{from}/"))?;
                    Some((id, format!("{to}/{rest}")))
                })
            })
            .collect();
        let mut edits = move_files(&f.vault, &planned, Cancel::NEVER).unwrap();
        edits.sort_by_key(|e| (f.vault.path(e.file).to_string(), e.span));
        let mut out = String::new();
        for e in edits {
            let text = &f.vault.note(e.file).unwrap().text().unwrap();
            let line_start = text[..e.span.start as usize]
                .rfind('\n')
                .map_or(0, |i| i + 1);
            let line_end = text[e.span.end as usize..]
                .find('\n')
                .map_or(text.len(), |i| e.span.end as usize + i);
            let line = format!(
                "{}{}{}",
                &text[line_start..e.span.start as usize],
                e.new_text,
                &text[e.span.end as usize..line_end]
            );
            out += &format!("{}: {line}\n", f.vault.path(e.file));
        }
        expect.assert_eq(&out);
    }

    #[test]
    fn a_folder_move_rewrites_links_to_and_from_everything_in_it() {
        check_moves(
            "//- People/Jeff Denworth.md\n[x](../Projects/Pricing.md) [[Dana Levi]] [y](./Dana%20Levi.md)\n\
             //- People/Dana Levi.md\n# Dana\n\
             //- Projects/Pricing.md\n[[People/Jeff Denworth|Jeff]] [j](../People/Jeff%20Denworth.md#Role) [[Dana Levi]]\n\
             //- Home.md\n![[People/Dana Levi#Dana]]\n",
            &[("People", "Team/People")],
            expect![[r#"
                Home.md: ![[Team/People/Dana Levi#Dana]]
                People/Jeff Denworth.md: [x](../../Projects/Pricing.md) [[Dana Levi]] [y](./Dana%20Levi.md)
                Projects/Pricing.md: [[Team/People/Jeff Denworth|Jeff]] [j](../People/Jeff%20Denworth.md#Role) [[Dana Levi]]
                Projects/Pricing.md: [[People/Jeff Denworth|Jeff]] [j](../Team/People/Jeff%20Denworth.md#Role) [[Dana Levi]]
            "#]],
        );
    }

    #[test]
    fn an_attachment_move_keeps_page_and_size() {
        check_moves(
            "//- attachments/roadmap.pdf\n//- Home.md\n![[attachments/roadmap.pdf#page=3]] ![[roadmap.pdf|300]] [r](attachments/roadmap.pdf)\n",
            &[("attachments/roadmap.pdf", "Files/2025/roadmap.pdf")],
            expect![[r#"
                Home.md: ![[Files/2025/roadmap.pdf#page=3]] ![[roadmap.pdf|300]] [r](attachments/roadmap.pdf)
                Home.md: ![[attachments/roadmap.pdf#page=3]] ![[roadmap.pdf|300]] [r](Files/2025/roadmap.pdf)
            "#]],
        );
    }

    #[test]
    fn a_note_moved_deeper_keeps_its_own_relative_links() {
        check_moves(
            "//- People/Jeff Denworth.md\n[x](../Projects/Pricing.md) [[Pricing]] [[/Projects/Pricing]]\n\
             //- Projects/Pricing.md\n# Pricing\n",
            &[(
                "People/Jeff Denworth.md",
                "Archive/2025/People/Jeff Denworth.md",
            )],
            expect![[r#"
                People/Jeff Denworth.md: [x](../../../Projects/Pricing.md) [[Pricing]] [[/Projects/Pricing]]
            "#]],
        );
    }

    #[test]
    fn every_link_form_is_kept() {
        check(
            &VAULT.replacen("# Tomer Hagay", "# Tom$0er Hagay", 1),
            "Tomer Hagay-Cohen",
            expect![[r#"
                People/Tomer Hagay.md -> People/Tomer Hagay-Cohen.md
                Meetings/2025/Sync.md: [[Tomer Hagay-Cohen]] [[Tomer Hagay.md|T]] [[People/Tomer Hagay.md|Tomer]] [[tomer hagay#Profile|p]]
                Meetings/2025/Sync.md: [[Tomer Hagay]] [[Tomer Hagay-Cohen.md|T]] [[People/Tomer Hagay.md|Tomer]] [[tomer hagay#Profile|p]]
                Meetings/2025/Sync.md: [[Tomer Hagay]] [[Tomer Hagay.md|T]] [[People/Tomer Hagay-Cohen.md|Tomer]] [[tomer hagay#Profile|p]]
                Meetings/2025/Sync.md: [[Tomer Hagay]] [[Tomer Hagay.md|T]] [[People/Tomer Hagay.md|Tomer]] [[Tomer Hagay-Cohen#Profile|p]]
                Meetings/2025/Sync.md: [x](../../People/Tomer%20Hagay-Cohen.md#Profile) [y](/People/Tomer%20Hagay.md) [z](<../../People/Tomer Hagay.md>)
                Meetings/2025/Sync.md: [x](../../People/Tomer%20Hagay.md#Profile) [y](/People/Tomer%20Hagay-Cohen.md) [z](<../../People/Tomer Hagay.md>)
                Meetings/2025/Sync.md: [x](../../People/Tomer%20Hagay.md#Profile) [y](/People/Tomer%20Hagay.md) [z](<../../People/Tomer Hagay-Cohen.md>)
                People/Other.md: [[./Tomer Hagay-Cohen]] ![[Tomer Hagay]]
                People/Other.md: [[./Tomer Hagay]] ![[Tomer Hagay-Cohen]]
                People/Props.md: up: "[[Tomer Hagay-Cohen|T]]"
                People/Props.md: [u]: <Tomer Hagay-Cohen.md> "Title"
                People/Props.md:   ./Tomer%20Hagay-Cohen.md#Profile
                People/Tomer Hagay.md: Self: [[Tomer Hagay-Cohen#Profile]]
            "#]],
        );
    }

    #[test]
    fn moving_to_another_folder_from_a_link() {
        check(
            &format!("{VAULT}//- Home.md\n[[Tom$0er Hagay]]\n"),
            "Archive/People/Tomer Hagay",
            expect![[r#"
                People/Tomer Hagay.md -> Archive/People/Tomer Hagay.md
                Meetings/2025/Sync.md: [[Tomer Hagay]] [[Tomer Hagay.md|T]] [[Archive/People/Tomer Hagay.md|Tomer]] [[tomer hagay#Profile|p]]
                Meetings/2025/Sync.md: [[Tomer Hagay]] [[Tomer Hagay.md|T]] [[People/Tomer Hagay.md|Tomer]] [[Tomer Hagay#Profile|p]]
                Meetings/2025/Sync.md: [x](../../Archive/People/Tomer%20Hagay.md#Profile) [y](/People/Tomer%20Hagay.md) [z](<../../People/Tomer Hagay.md>)
                Meetings/2025/Sync.md: [x](../../People/Tomer%20Hagay.md#Profile) [y](/Archive/People/Tomer%20Hagay.md) [z](<../../People/Tomer Hagay.md>)
                Meetings/2025/Sync.md: [x](../../People/Tomer%20Hagay.md#Profile) [y](/People/Tomer%20Hagay.md) [z](<../../Archive/People/Tomer Hagay.md>)
                People/Other.md: [[../Archive/People/Tomer Hagay]] ![[Tomer Hagay]]
                People/Props.md:   ../Archive/People/Tomer%20Hagay.md#Profile
            "#]],
        );
    }

    #[test]
    fn bad_names_are_refused() {
        let fixture = format!("{VAULT}//- Home.md\n[[Tom$0er Hagay]]\n//- People/Taken.md\n");
        check(
            &fixture,
            "Taken",
            expect![[r#"
            error: "People/Taken.md" exists already
        "#]],
        );
        check(
            &fixture,
            "a#b",
            expect![[r##"
            error: a note name cannot contain "#": links to it would break
        "##]],
        );
        check(
            &fixture,
            "../../etc/passwd",
            expect![[r#"
            error: "../../etc/passwd" is not a path inside the vault
        "#]],
        );
        check(
            &fixture,
            "  ",
            expect![[r#"
            error: "" is not a note name
        "#]],
        );
        // Found by fuzzing: with another `$` on the line, `[[$]]` would become math.
        check(
            "//- Note.md\n[[TH]][[./No$0te]][[Note]]\n",
            "$",
            expect![[r#"
                error: "$" would change what Note.md means (its links, headings or tags would parse differently); choose another name
            "#]],
        );
        // Found by fuzzing: a backtick name closes a code span opened earlier on the line.
        check(
            "//- Note.md\n//- People/T.md\n> quote [[Local#\n`[d [[No$0te]] [[x]]\n",
            "`",
            expect![[r#"
                error: "`" would change what People/T.md means (its links, headings or tags would parse differently); choose another name
            "#]],
        );
        // Found by fuzzing: a file name with a leading space cannot be linked to from a
        // Markdown link (targets are trimmed); each part of a path is trimmed.
        check(
            "//- a/Note.md\n[x](No$0te.md)\n",
            "{ x%%{a/ y%",
            expect![[r#"
                a/Note.md -> { x%%{a/y%.md
                a/Note.md: [x](y%25.md)
            "#]],
        );
        // Found by fuzzing: a control character made a name whose links no longer parse.
        check(
            &fixture,
            "$-\u{15}",
            expect![[r#"
                error: a note name cannot contain the control character '\u{15}'
            "#]],
        );
    }

    #[test]
    fn a_cancelled_rename_stops() {
        let f = Fixture::parse(
            "//- Target.md\n# T\n//- A.md\n[[Target]] #tag\n//- Home.md\n[[Tar$0get]]\n",
        );
        let target = f.vault.id("Target.md").unwrap();
        let stop = || true;
        let cancel = Cancel::new(&stop);
        assert_eq!(
            rename_note(&f.vault, target, "Other", cancel),
            Err(RenameError::Cancelled)
        );
        assert_eq!(
            rename_tag(&f.vault, "tag", "other", cancel),
            Err(RenameError::Cancelled)
        );
        assert_eq!(
            rewrite_links(&f.vault, target, "Other.md", cancel),
            Err(Cancelled)
        );
        assert!(rename_note(&f.vault, target, "Other", Cancel::NEVER).is_ok());
    }

    /// Renames the heading or tag under `$0`; shows each edited line.
    fn check_text(fixture: &str, new_name: &str, expect: Expect) {
        let f = Fixture::parse(fixture);
        let (target, _, _) = prepare(&f.vault, f.file, f.offset).expect("renamable here");
        let edits = match target {
            RenameTarget::Heading(file, at) => {
                rename_heading(&f.vault, file, at, new_name, Cancel::NEVER)
            }
            RenameTarget::Tag(tag) => rename_tag(&f.vault, &tag, new_name, Cancel::NEVER),
            RenameTarget::Label(file, at) => rename_label(&f.vault, file, at, new_name),
            RenameTarget::Note(_) => panic!("a note"),
        };
        let out = match edits {
            Err(e) => format!("error: {e}\n"),
            Ok(mut edits) => {
                edits.sort_by_key(|e| (f.vault.path(e.file).to_string(), e.span));
                let mut out = String::new();
                for e in edits {
                    let text = &f.vault.note(e.file).unwrap().text().unwrap();
                    let mut after = text.to_string();
                    after.replace_range(e.span.range(), &e.new_text);
                    let start = after[..e.span.start as usize]
                        .rfind('\n')
                        .map_or(0, |i| i + 1);
                    let line = after[start..].lines().next().unwrap_or("");
                    out += &format!("{}: {line}\n", f.vault.path(e.file));
                }
                out
            }
        };
        expect.assert_eq(&out);
    }

    #[test]
    fn heading_rename_rewrites_links_to_it() {
        let vault = "//- P.md\n# P\n## Profile\n### Role\n## Other\n\
                     //- A.md\n[[P#Profile]] [[P#profile|x]] [[P#Other]] [[P#Profile#Role]] [y](P.md#Profile)\n\
                     //- C.md\n[z](P.md#Profile#Role) [w](P.md#Pro%66ile)\n";
        check_text(
            &vault.replacen("## Profile", "## Pro$0file", 1),
            "Bio & more",
            expect![[r#"
                A.md: [[P#Bio & more]] [[P#profile|x]] [[P#Other]] [[P#Profile#Role]] [y](P.md#Profile)
                A.md: [[P#Profile]] [[P#Bio & more|x]] [[P#Other]] [[P#Profile#Role]] [y](P.md#Profile)
                A.md: [[P#Profile]] [[P#profile|x]] [[P#Other]] [[P#Bio & more#Role]] [y](P.md#Profile)
                A.md: [[P#Profile]] [[P#profile|x]] [[P#Other]] [[P#Profile#Role]] [y](P.md#Bio%20&%20more)
                C.md: [z](P.md#Bio%20&%20more#Role) [w](P.md#Pro%66ile)
                C.md: [z](P.md#Profile#Role) [w](P.md#Bio%20&%20more)
                P.md: ## Bio & more
            "#]],
        );
        check_text(
            &format!("{vault}//- B.md\n[[P#Profile#Ro$0le]]\n"),
            "Job",
            expect![[r#"
                A.md: [[P#Profile]] [[P#profile|x]] [[P#Other]] [[P#Profile#Job]] [y](P.md#Profile)
                B.md: [[P#Profile#Job]]
                C.md: [z](P.md#Profile#Job) [w](P.md#Pro%66ile)
                P.md: ### Job
            "#]],
        );
        check_text(
            &vault.replacen("## Profile", "## Pro$0file", 1),
            "a#b",
            expect![[r##"
                error: a heading linked to cannot contain "#"
            "##]],
        );
    }

    #[test]
    fn tag_rename_covers_inline_frontmatter_and_nested() {
        check_text(
            "//- A.md\n---\ntags: [area, other]\n---\n#Area #area/sub #areas #$0area\n//- B.md\ntext #AREA/x\n",
            "field",
            expect![[r#"
                A.md: tags: [field, other]
                A.md: #field #area/sub #areas #area
                A.md: #Area #field/sub #areas #area
                A.md: #Area #area/sub #areas #field
                B.md: text #field/x
            "#]],
        );
        check_text(
            "//- A.md\n#İstanbul/Old #İstanb$0ul\n",
            "city",
            expect![[r#"
                A.md: #city/old #İstanbul
                A.md: #İstanbul/Old #city
            "#]],
        );
        check_text(
            "//- A.md\n#ar$0ea\n",
            "1984",
            expect![[r#"
            error: "1984" is not a tag: letters, digits, _ - / only, not all digits
        "#]],
        );
    }
}
