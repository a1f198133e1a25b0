//! Unlinked mentions (Obsidian's backlinks pane has them): plain-text occurrences of a note's
//! name, title or aliases in other notes, outside links; and the mention under the cursor, to
//! turn into a link.

use std::borrow::Cow;

use super::{Cancel, Cancelled, Location};
use crate::syntax::Span;
use crate::vault::path::{fold, fold_mapped, stem};
use crate::vault::{FileId, NameKind, Vault};

/// Names shorter than this are too likely to be ordinary words.
const MIN_NAME_CHARS: usize = 3;
/// Mention search reads whole notes; stop after this many results.
const MAX_MENTIONS: usize = 1000;

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Whole-word, case-insensitive occurrences of `name` (already folded) in `text`, as byte
/// spans of `text`. `folded` is `text` folded, with its map back to `text` when folding
/// changed byte lengths ([`fold_mapped`]); a match must begin and end on whole characters.
fn find_word(text: &str, folded: &(Cow<'_, str>, Option<Vec<u32>>), name: &str) -> Vec<Span> {
    let (folded, map) = folded;
    let to_text = |at: usize| map.as_ref().map_or(at, |m| m[at] as usize);
    // A folded byte that does not start the expansion of its character (`i̇` of `İ`).
    let mid_char = |at: usize| map.as_ref().is_some_and(|m| at > 0 && m[at - 1] == m[at]);
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = folded[from..].find(name) {
        let (fs, fe) = (from + i, from + i + name.len());
        from = fs + name.len().max(1);
        while !folded.is_char_boundary(from) {
            from += 1;
        }
        if mid_char(fs) || mid_char(fe) {
            continue;
        }
        let (start, end) = (to_text(fs), to_text(fe));
        let before = text[..start].chars().next_back();
        let after = text[end..].chars().next();
        if !before.is_some_and(is_word_char) && !after.is_some_and(is_word_char) {
            out.push(Span::new(start, end));
        }
    }
    out
}

/// The names a note is mentioned by: its file name, title and aliases (folded, long enough).
fn mention_names(vault: &Vault, id: FileId) -> Vec<String> {
    let Some(note) = vault.note(id) else {
        return Vec::new();
    };
    let mut names = vec![
        fold(stem(vault.path(id))).into_owned(),
        fold(note.title(vault.path(id))).into_owned(),
    ];
    names.extend(note.aliases().map(|(a, _)| fold(a).into_owned()));
    names.retain(|n| n.chars().count() >= MIN_NAME_CHARS);
    names.sort();
    names.dedup();
    names
}

/// Plain-text mentions of note `target` in the other notes (not inside links or frontmatter),
/// in path order. Reads every note: a command, not something to run per keystroke; it stops
/// when `cancel` trips.
pub fn unlinked_mentions(
    vault: &Vault,
    target: FileId,
    cancel: Cancel,
) -> Result<Vec<Location>, Cancelled> {
    let names = mention_names(vault, target);
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    let found = |id| note_mentions(vault, id, &names);
    super::scan_notes(vault, Some(target), cancel, found, |mention| {
        out.push(mention);
        out.len() < MAX_MENTIONS
    })?;
    Ok(out)
}

/// The mentions of `names` in note `id`, in text order.
fn note_mentions(vault: &Vault, id: FileId, names: &[String]) -> Vec<Location> {
    let Some(note) = vault.note(id) else {
        return Vec::new();
    };
    // The prose of a note held in pieces is read from its file (`None` when it changed
    // since: the watcher brings the change).
    let Some(text) = vault.text(id) else {
        return Vec::new();
    };
    let folded = fold_mapped(&text);
    let body_start = note.syntax.body_start() as u32;
    let mut spans: Vec<Span> = names
        .iter()
        .flat_map(|n| find_word(&text, &folded, n))
        .filter(|s| s.start >= body_start)
        .filter(|s| {
            !note
                .syntax
                .links
                .iter()
                .any(|l| l.span().start <= s.start && s.start < l.span().end)
        })
        .collect();
    spans.sort();
    // Overlapping names ("Tomer" inside "Tomer Hagay"): keep the longest at each place.
    let mut kept: Vec<Span> = Vec::new();
    for s in spans {
        match kept.last_mut() {
            Some(last) if s.start < last.end => {
                if s.len() > last.len() {
                    *last = s;
                }
            }
            _ => kept.push(s),
        }
    }
    kept.into_iter()
        .map(|span| Location { file: id, span })
        .collect()
}

/// The note a plain-text mention at `offset` names (the longest name of up to six words
/// around the cursor), with the mention's span; not inside links.
pub fn mention_at(vault: &Vault, file: FileId, offset: usize) -> Option<(FileId, Span)> {
    let note = vault.note(file)?;
    let text = vault.text(file)?;
    let text: &str = &text;
    if note.syntax.links.iter().any(|l| l.span().touches(offset))
        || note
            .syntax
            .frontmatter
            .as_ref()
            .is_some_and(|f| f.span.touches(offset))
    {
        return None;
    }
    let line_start = text[..offset.min(text.len())]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let line_end = text[offset.min(text.len())..]
        .find('\n')
        .map_or(text.len(), |i| offset + i);
    let line = &text[line_start..line_end];
    // Word starts and ends on the line.
    let mut words: Vec<(usize, usize)> = Vec::new();
    let mut start = None;
    for (i, c) in line
        .char_indices()
        .chain(std::iter::once((line.len(), ' ')))
    {
        match (is_word_char(c), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                words.push((line_start + s, line_start + i));
                start = None;
            }
            _ => {}
        }
    }
    let mut best: Option<(FileId, Span)> = None;
    for a in 0..words.len() {
        for b in a..(a + 6).min(words.len()) {
            let span = Span::new(words[a].0, words[b].1);
            if !span.touches(offset) || best.is_some_and(|(_, s)| s.len() >= span.len()) {
                continue;
            }
            let candidate = &text[span.range()];
            if candidate.chars().count() < MIN_NAME_CHARS {
                continue;
            }
            let found = vault
                .notes_named(candidate)
                .iter()
                .find(|(id, kind)| {
                    *id != file
                        && matches!(kind, NameKind::FileStem | NameKind::Title | NameKind::Alias)
                })
                .map(|(id, _)| *id);
            if let Some(id) = found {
                best = Some((id, span));
            }
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::fixture::Fixture;

    const VAULT: &str = "
//- People/Tomer Hagay.md
---
aliases: [Tomer]
---
# Tomer Hagay
//- Meetings/A.md
Met tomer hagay today; Tomer agreed. [[Tomer Hagay]] is linked. Tomerx is not him.
//- Meetings/B.md
---
title: Tomer Hagay sync
---
Nothing about him in the body.
";

    /// The unlinked mentions of the note at `path`, rendered.
    fn mentions_of(f: &Fixture, path: &str) -> Vec<String> {
        let target = f.vault.id(path).unwrap();
        unlinked_mentions(&f.vault, target, Cancel::NEVER)
            .unwrap()
            .into_iter()
            .map(|l| f.render(l))
            .collect()
    }

    #[test]
    fn finds_plain_mentions_outside_links() {
        let f = Fixture::parse(&format!("{VAULT}//- Home.md\n$0\n"));
        let found = mentions_of(&f, "People/Tomer Hagay.md");
        assert_eq!(
            found,
            vec![
                "Meetings/A.md:1:5-1:16 \"tomer hagay\"".to_string(),
                "Meetings/A.md:1:24-1:29 \"Tomer\"".to_string(),
            ]
        );
    }

    #[test]
    fn mentions_fold_like_names() {
        // Final sigma, and text that grows when folded (`İ`) before the mention.
        let f = Fixture::parse(
            "//- ΟΔΥΣΣΕΥΣ.md\n# ΟΔΥΣΣΕΥΣ\n//- Trip.md\nİstanbul, then Οδυσσευς and ΟΔΥΣΣΕΥΣ.\n//- Home.md\n$0\n",
        );
        let found = mentions_of(&f, "ΟΔΥΣΣΕΥΣ.md");
        assert_eq!(
            found,
            vec![
                "Trip.md:1:16-1:24 \"Οδυσσευς\"".to_string(),
                "Trip.md:1:29-1:37 \"ΟΔΥΣΣΕΥΣ\"".to_string(),
            ]
        );
        let stop = || true;
        let target = f.vault.id("ΟΔΥΣΣΕΥΣ.md").unwrap();
        assert_eq!(
            unlinked_mentions(&f.vault, target, Cancel::new(&stop)),
            Err(Cancelled)
        );
    }

    #[test]
    fn mention_under_the_cursor() {
        let f = Fixture::parse(&format!(
            "{VAULT}//- Home.md\nI saw Tomer Ha$0gay at lunch\n"
        ));
        let (id, span) = mention_at(&f.vault, f.file, f.offset).unwrap();
        assert_eq!(f.vault.path(id), "People/Tomer Hagay.md");
        assert_eq!(
            &f.vault.note(f.file).unwrap().text().unwrap()[span.range()],
            "Tomer Hagay"
        );
        let f = Fixture::parse(&format!("{VAULT}//- Home.md\nno o$0ne here\n"));
        assert_eq!(mention_at(&f.vault, f.file, f.offset), None);
    }
}
