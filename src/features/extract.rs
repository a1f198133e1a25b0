//! Extract to a new note (Obsidian's note composer): the selected lines, or the section under
//! the heading the cursor is on, move to a new note in the default location for new notes
//! (Obsidian's setting: the vault's root, this note's folder, or a folder), named by the
//! heading or the first line, and a link or an embed takes their place.
//!
//! A link in the moved text that would lead elsewhere from the new note's folder (`./x`, or a
//! name this note's folder settles) is written again from there, as a move writes it. Links
//! inside the moved text to this note's own headings and blocks that stay (`[[#Plan]]`) are
//! written to this note (`[[Meeting#Plan]]`), and links elsewhere in this note to what moved
//! are written to the new note.

use super::code_actions::CodeAction;
use super::links::{Edit, link_text};
use super::rename::{bare_unique, rewritten};
use crate::config::NewNotes;
use crate::syntax::{LINK_PATH_ENCODE, LinkKind, Span, Subpath};
use crate::vault::path::join_normalized;
use crate::vault::subpath::{find_block, find_heading};
use crate::vault::{FileId, Vault};

/// Longest name given to a new note, in characters.
const NAME_MAX: usize = 80;

/// The extract actions for `range` of note `file`: one leaving a link, one an embed.
pub fn extract_actions(
    vault: &Vault,
    file: FileId,
    range: Span,
    new_notes: &NewNotes,
) -> Vec<CodeAction> {
    let (Some(note), Some(text)) = (vault.note(file), vault.text(file)) else {
        return Vec::new();
    };
    let text: &str = &text;
    let body_start = note.syntax.body_start();
    let (start, end) = (range.start as usize, (range.end as usize).min(text.len()));
    // What moves (`moved`), what the new note is named by, and what the link replaces.
    let (moved, name, what) = if start < end {
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = if end > line_start && text[..end].ends_with('\n') {
            end
        } else {
            text[end..].find('\n').map_or(text.len(), |i| end + i + 1)
        };
        if line_start < body_start {
            return Vec::new();
        }
        let moved = Span::new(line_start, line_end);
        let Some(first) = text[moved.range()].lines().find(|l| !l.trim().is_empty()) else {
            return Vec::new();
        };
        (moved, first_line_name(first), "the selection")
    } else {
        let Some(i) = note
            .syntax
            .headings
            .iter()
            .position(|h| h.span.start as usize <= start && start <= h.span.end as usize)
        else {
            return Vec::new();
        };
        let heading = &note.syntax.headings[i];
        let body = text[heading.span.end as usize..]
            .find('\n')
            .map_or(text.len(), |n| heading.span.end as usize + n + 1);
        let section_end = note.syntax.section_end(i, text.len());
        if text[body.min(section_end)..section_end].trim().is_empty() {
            return Vec::new();
        }
        (
            Span::new(body, section_end),
            heading.text(text).to_string(),
            "the section",
        )
    };
    // Settings come normalized (`Config::apply_obsidian`); a folder that would still leave
    // the vault gets no note, as the create-note fix makes none there.
    let folder = match new_notes.folder(vault.path(file)) {
        "" => String::new(),
        wanted => match join_normalized("", wanted) {
            Some(folder) => folder,
            None => return Vec::new(),
        },
    };
    let name = unique_name(vault, &folder, &sanitize(&name));
    let path = note_path(&folder, &name);
    let inside = |s: Span| moved.start <= s.start && s.end <= moved.end;
    // Whether the heading or block a link into this note names moves (`None`: it names
    // none, a broken link left as written).
    let target_moves = |subpath: &Subpath| match subpath {
        Subpath::Heading(chain) => find_heading(text, &note.syntax, chain).map(|h| inside(h.span)),
        Subpath::Block(id) => find_block(text, &note.syntax, id).map(|b| inside(b.span)),
    };
    let this = link_text(vault, file, file);
    // Rewrites of same-note links: inside the moved text (offsets in the note) and outside.
    let mut moved_edits: Vec<(Span, String)> = Vec::new();
    let mut edits: Vec<Edit> = Vec::new();
    for (link, resolution) in note.syntax.links.iter().zip(note.resolved.iter()) {
        let written = link.target(text);
        if !written.is_empty() {
            // A link to another file, moving: written again where the new folder would
            // lead it elsewhere.
            if let Some(target) = resolution.file().filter(|_| inside(link.span()))
                && target != file
                && vault.resolve_path_moved(file, &path, &written).file() != Some(target)
            {
                let target_path = vault.path(target);
                let unique = bare_unique(vault, target, target_path);
                let paths = (target_path, target_path);
                let new_text = rewritten(note, link, &path, paths, unique);
                moved_edits.push((link.target_span(), new_text));
            }
            continue;
        }
        let Some(subpath) = link.subpath(text) else {
            continue;
        };
        let Some(target_moves) = target_moves(&subpath) else {
            continue;
        };
        let written = |to: &str| match link.kind() {
            LinkKind::Wiki => to.to_string(),
            LinkKind::Markdown => {
                percent_encoding::utf8_percent_encode(&format!("{to}.md"), LINK_PATH_ENCODE)
                    .to_string()
            }
        };
        let at = Span::empty(link.target_span().start as usize);
        match (inside(link.span()), target_moves) {
            (true, false) => moved_edits.push((at, written(&this))),
            (false, true) => edits.push(Edit {
                file,
                span: at,
                new_text: written(&name),
            }),
            _ => {}
        }
    }
    // Links in other notes to a heading or block that moves follow it, in the form written.
    for site in vault.backlinks(file) {
        let Some(source) = vault.note(site.source).filter(|_| site.source != file) else {
            continue;
        };
        let Some(link) = source.syntax.links.get(site.link as usize) else {
            continue;
        };
        let moves = link.subpath(source.src()).and_then(|s| target_moves(&s));
        if moves == Some(true) {
            // As a move of this note to the new one would write it; the new name is unique
            // in the vault (`unique_name`), so a bare name finds it.
            let paths = (vault.path(file), path.as_str());
            edits.push(Edit {
                file: site.source,
                span: link.target_span(),
                new_text: rewritten(source, link, vault.path(site.source), paths, true),
            });
        }
    }
    let mut content = text[moved.range()].to_string();
    for (span, new_text) in moved_edits.iter().rev() {
        let at = span.start as usize - moved.start as usize;
        content.replace_range(at..at + span.len(), new_text);
    }
    if !content.ends_with('\n') {
        content.push('\n');
    }
    let newline = if text[moved.range()].ends_with('\n') {
        "\n"
    } else {
        ""
    };
    let link = if name.contains(['#', '|', '^', '[', ']']) {
        return Vec::new();
    } else {
        name.clone()
    };
    [("link", ""), ("embed", "!")]
        .into_iter()
        .map(|(kind, bang)| {
            let mut edits = edits.clone();
            edits.push(Edit {
                file,
                span: moved,
                new_text: format!("{bang}[[{link}]]{newline}"),
            });
            CodeAction {
                title: format!("Extract {what} to a new note \"{name}\", leave an {kind}")
                    .replace("an link", "a link"),
                link_span: moved,
                create: Some((path.clone(), content.clone())),
                edits,
            }
        })
        .collect()
}

/// The vault path of a note named `name` in `folder` (`""`: the vault's root).
fn note_path(folder: &str, name: &str) -> String {
    if folder.is_empty() {
        format!("{name}.md")
    } else {
        format!("{folder}/{name}.md")
    }
}

/// A name from the first line of a selection: without heading, list, task and quote marks.
fn first_line_name(line: &str) -> String {
    let mut s = line.trim();
    loop {
        let before = s;
        s = s.trim_start_matches(['#', '>', '-', '*', '+']).trim_start();
        for task in ["[ ]", "[x]", "[X]"] {
            s = s.strip_prefix(task).unwrap_or(s).trim_start();
        }
        let digits = s.trim_start_matches(|c: char| c.is_ascii_digit());
        if digits.len() < s.len() && (digits.starts_with(". ") || digits.starts_with(") ")) {
            s = digits[1..].trim_start();
        }
        if s == before {
            return s.to_string();
        }
    }
}

/// A file name Obsidian accepts and a wikilink can hold: without `* " \ / < > : | ? # ^ [ ]`,
/// spaces collapsed, at most [`NAME_MAX`] characters; "Untitled" when nothing is left.
fn sanitize(name: &str) -> String {
    let kept: String = name
        .chars()
        .map(|c| {
            if "*\"\\/<>:|?#^[]".contains(c) || c.is_control() {
                ' '
            } else {
                c
            }
        })
        .collect();
    let words: Vec<&str> = kept.split_whitespace().collect();
    let joined: String = words.join(" ").chars().take(NAME_MAX).collect();
    let trimmed = joined.trim().trim_end_matches('.').trim();
    if trimmed.is_empty() {
        "Untitled".to_string()
    } else {
        trimmed.to_string()
    }
}

/// `name`, or `name 1`, `name 2`… : the first no note of the vault has, so the link is
/// unambiguous.
fn unique_name(vault: &Vault, folder: &str, name: &str) -> String {
    let taken = |n: &str| {
        vault.id(&note_path(folder, n)).is_some()
            || vault
                .notes_named(n)
                .iter()
                .any(|(_, k)| *k == crate::vault::NameKind::FileStem)
    };
    if !taken(name) {
        return name.to_string();
    }
    (1..)
        .map(|i| format!("{name} {i}"))
        .find(|n| !taken(n))
        .unwrap_or_else(|| name.to_string())
}

#[cfg(test)]
mod tests {
    use expect_test::{Expect, expect};

    use super::*;
    use crate::features::fixture::Fixture;

    /// Extract at the `$0` cursor, or of the selection from `$0` over `selected` (the text
    /// that follows the cursor).
    fn check(fixture: &str, selected: &str, expect: Expect) {
        let f = Fixture::parse(fixture);
        let text = &f.vault.note(f.file).unwrap().text().unwrap();
        assert!(text[f.offset..].starts_with(selected));
        let range = Span::new(f.offset, f.offset + selected.len());
        let mut out = String::new();
        // This note's folder: what the checks below show.
        for a in extract_actions(&f.vault, f.file, range, &NewNotes::Current) {
            let (path, content) = a.create.unwrap();
            out += &format!("{}\n  create {path}: {content:?}\n", a.title);
            for e in a.edits {
                let in_file = &f.vault.note(e.file).unwrap().text().unwrap();
                out += &format!(
                    "  {}: {:?} -> {:?}\n",
                    f.vault.path(e.file),
                    &in_file[e.span.range()],
                    e.new_text
                );
            }
        }
        expect.assert_eq(&out);
    }

    #[test]
    fn a_new_note_elsewhere_gets_its_links_written_from_there() {
        // Default settings: the new note goes to the vault's root. A relative link and a name
        // this note's folder settled (two `Dup`s) would lead elsewhere from there.
        let f = Fixture::parse(
            "//- Pricing.md\n//- Archive/Dup.md\n//- Meetings/Dup.md\n//- Meetings/Local.md\n\
             //- Meetings/Sync.md\n# Sync\n## Pl$0an\n[[./Local]] [[Dup]] [[Pricing]] [[Local]]\n",
        );
        let show = |new_notes: &NewNotes| {
            let actions = extract_actions(&f.vault, f.file, Span::empty(f.offset), new_notes);
            let (path, content) = actions[0].create.clone().unwrap();
            format!("{path}: {content:?}")
        };
        expect![[r#"Plan.md: "[[./Meetings/Local]] [[Meetings/Dup]] [[Pricing]] [[Local]]\n""#]]
            .assert_eq(&show(&NewNotes::Root));
        expect![[r#"Meetings/Plan.md: "[[./Local]] [[Dup]] [[Pricing]] [[Local]]\n""#]]
            .assert_eq(&show(&NewNotes::Current));
        expect![[
            r#"Inbox/Plan.md: "[[../Meetings/Local]] [[Meetings/Dup]] [[Pricing]] [[Local]]\n""#
        ]]
        .assert_eq(&show(&NewNotes::Folder("Inbox".into())));
    }

    #[test]
    fn a_heading_section_moves_and_its_links_follow() {
        check(
            "//- Pricing.md\n# Pricing\n[[Sync#^tier]] [[Meetings/Sync#Plan]] [t](Meetings/Sync.md#^tier)\n//- Meetings/Sync.md\n# Sync\n## Pl$0an\nTalk to [[Pricing]] about [[#Risks]] and [[#^tier]].\n- tiers ^tier\n## Risks\nSee [[#Plan]], [x](#^tier), [[#^tier|tiers]].\n",
            "",
            expect![[r#"
                Extract the section to a new note "Plan", leave a link
                  create Meetings/Plan.md: "Talk to [[Pricing]] about [[Sync#Risks]] and [[#^tier]].\n- tiers ^tier\n"
                  Meetings/Sync.md: "" -> "Plan.md"
                  Meetings/Sync.md: "" -> "Plan"
                  Pricing.md: "Sync" -> "Plan"
                  Pricing.md: "Meetings/Sync.md" -> "Meetings/Plan.md"
                  Meetings/Sync.md: "Talk to [[Pricing]] about [[#Risks]] and [[#^tier]].\n- tiers ^tier\n" -> "[[Plan]]\n"
                Extract the section to a new note "Plan", leave an embed
                  create Meetings/Plan.md: "Talk to [[Pricing]] about [[Sync#Risks]] and [[#^tier]].\n- tiers ^tier\n"
                  Meetings/Sync.md: "" -> "Plan.md"
                  Meetings/Sync.md: "" -> "Plan"
                  Pricing.md: "Sync" -> "Plan"
                  Pricing.md: "Meetings/Sync.md" -> "Meetings/Plan.md"
                  Meetings/Sync.md: "Talk to [[Pricing]] about [[#Risks]] and [[#^tier]].\n- tiers ^tier\n" -> "![[Plan]]\n"
            "#]],
        );
    }

    #[test]
    fn selected_lines_move_whole_and_are_named_by_their_first() {
        // The selection is taken by whole lines; the name drops list and task marks.
        check(
            "//- Notes/Day.md\n# Day\n- [ ] Call Tomer: pric$0ing / tiers?\n  - about [[Pricing]]\nLast line\n",
            "ing / tiers?\n  - ab",
            expect![[r#"
                Extract the selection to a new note "Call Tomer pricing tiers", leave a link
                  create Notes/Call Tomer pricing tiers.md: "- [ ] Call Tomer: pricing / tiers?\n  - about [[Pricing]]\n"
                  Notes/Day.md: "- [ ] Call Tomer: pricing / tiers?\n  - about [[Pricing]]\n" -> "[[Call Tomer pricing tiers]]\n"
                Extract the selection to a new note "Call Tomer pricing tiers", leave an embed
                  create Notes/Call Tomer pricing tiers.md: "- [ ] Call Tomer: pricing / tiers?\n  - about [[Pricing]]\n"
                  Notes/Day.md: "- [ ] Call Tomer: pricing / tiers?\n  - about [[Pricing]]\n" -> "![[Call Tomer pricing tiers]]\n"
            "#]],
        );
        // A name taken anywhere in the vault gets a number; nothing for the frontmatter or
        // a heading without a body.
        check(
            "//- Plan.md\n//- B.md\n# B\n$0Plan\n",
            "Plan",
            expect![[r#"
                Extract the selection to a new note "Plan 1", leave a link
                  create Plan 1.md: "Plan\n"
                  B.md: "Plan\n" -> "[[Plan 1]]\n"
                Extract the selection to a new note "Plan 1", leave an embed
                  create Plan 1.md: "Plan\n"
                  B.md: "Plan\n" -> "![[Plan 1]]\n"
            "#]],
        );
        check("//- B.md\n---\nty$0pe: x\n---\n# B\n", "pe", expect![[""]]);
        check("//- B.md\n# B\n## C$0\n", "", expect![[""]]);
    }
}
