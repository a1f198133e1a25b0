//! Hover: a preview of a link's target (a frontmatter card, then the linked heading's section,
//! the linked block, or the note's first lines), and usage counts for a tag.

use super::{definition_link, definition_of, link_at, reference_at};
use crate::syntax::{Span, Subpath, TextAt};
use crate::vault::path::{fold, is_within};
use crate::vault::subpath::{find_block, find_heading};
use crate::vault::{FileId, Note, Vault};

/// Frontmatter keys shown in the card (the title heads it; tags and aliases are lists).
const CARD_SKIPS: &[&str] = &["title", "aliases", "alias", "tags", "tag"];
/// Previews stop after this many lines or bytes.
const PREVIEW_LINES: usize = 20;
const PREVIEW_BYTES: usize = 2000;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HoverInfo {
    /// Markdown.
    pub markdown: String,
    /// What the hover is about (the link or the tag).
    pub span: Span,
}

pub fn hover(vault: &Vault, file: FileId, offset: usize) -> Option<HoverInfo> {
    let note = vault.note(file)?;
    if let Some((index, link)) = link_at(&note.syntax, offset) {
        return Some(HoverInfo {
            markdown: link_preview(vault, note, index)?,
            span: link.span(),
        });
    }
    if let Some(used) = reference_at(&note.syntax, offset).filter(|r| !r.definition) {
        let text = note.src();
        let label = text.at(used.label.range()).unwrap_or_default();
        let markdown = match definition_of(&note.syntax, text, used) {
            // A reference link: the preview of where its definition leads.
            Some(def) if !used.footnote => match definition_link(&note.syntax, def) {
                Some(index) => link_preview(vault, note, index)?,
                None => format!("`{}`", text.at(def.span.range()).unwrap_or_default().trim()),
            },
            // A footnote: its text.
            Some(def) => {
                // A footnote's text is prose, which a note held in pieces reads from its file.
                let whole = vault.text(file)?;
                let written = whole.get(def.span.range()).unwrap_or_default();
                let body = written.split_once("]:").map_or(written, |(_, b)| b).trim();
                format!("**[^{label}]** {}", shorten(body))
            }
            None if used.footnote => format!("**[^{label}]** has no definition in this note"),
            None => format!("**[{label}]** has no definition in this note"),
        };
        return Some(HoverInfo {
            markdown,
            span: used.span,
        });
    }
    let tag = note.syntax.tags.iter().find(|t| t.span.touches(offset))?;
    let name = tag.name(note.src());
    let (notes, total) = vault.tag_count(name);
    let wanted = fold(name).into_owned();
    let nested = vault
        .tags()
        .filter(|t| *t != wanted && is_within(t, &wanted))
        .count();
    let mut markdown = format!(
        "**#{name}**: {total} use{} in {notes} note{}",
        if total == 1 { "" } else { "s" },
        if notes == 1 { "" } else { "s" }
    );
    if nested > 0 {
        markdown += &format!(
            ", and {nested} nested tag{}",
            if nested == 1 { "" } else { "s" }
        );
    }
    Some(HoverInfo {
        markdown,
        span: tag.span,
    })
}

/// The preview of link `index` of `note`: its target's card and linked part, an attachment's
/// path, or how many links wait for a missing note.
fn link_preview(vault: &Vault, note: &Note, index: usize) -> Option<String> {
    let link = note.syntax.links.get(index)?;
    Some(match note.resolved.get(index)?.file() {
        None => {
            let sites = vault.unresolved_sites(&link.target(note.src())).len();
            format!(
                "**{}** does not exist yet; {sites} link{} point{} to it.",
                link.target(note.src()),
                if sites == 1 { "" } else { "s" },
                if sites == 1 { "s" } else { "" }
            )
        }
        Some(id) => match vault.note(id) {
            Some(target) => note_preview(vault, id, target, &link.subpath(note.src())),
            None => attachment_preview(vault, id),
        },
    })
}

/// Image formats editors' Markdown previews show.
const IMAGES: &[&str] = &["png", "jpg", "jpeg", "gif", "bmp", "svg", "webp", "avif"];

/// An attachment's path; for an image, the image itself (a Markdown image of the file's
/// `file:` URI, which VS Code and other Markdown hovers render).
fn attachment_preview(vault: &Vault, id: FileId) -> String {
    let path = vault.path(id);
    let caption = format!("Attachment `{path}`");
    let extension = path.rsplit_once('.').map_or("", |(_, e)| e);
    if !IMAGES.iter().any(|i| i.eq_ignore_ascii_case(extension)) {
        return caption;
    }
    let root = vault.root().to_string_lossy().replace('\\', "/");
    let absolute = format!("{}/{path}", root.trim_end_matches('/'));
    // `C:/vault` → `/C:/vault`: a file URI's path starts with `/`.
    let absolute = if absolute.starts_with('/') {
        absolute
    } else {
        format!("/{absolute}")
    };
    let uri = format!(
        "file://{}",
        percent_encoding::utf8_percent_encode(&absolute, crate::syntax::LINK_PATH_ENCODE)
    );
    let name = crate::vault::path::file_name(path).replace(['[', ']'], "");
    format!("![{name}]({uri})\n\n{caption}")
}

/// The card and the linked part of a note.
fn note_preview(vault: &Vault, id: FileId, note: &Note, subpath: &Option<Subpath>) -> String {
    let mut out = super::note_card(vault, id, note);
    let links = vault.linking_notes(id);
    out += &if links == 1 {
        " · 1 note links here".to_string()
    } else {
        format!(" · {links} notes link here")
    };
    if let Some(fm) = &note.syntax.frontmatter {
        let text = note.src();
        let fields: Vec<String> = fm
            .fields
            .iter()
            .map(|f| (f.key.text(text), &f.value))
            .filter(|(k, _)| !CARD_SKIPS.contains(&k.to_ascii_lowercase().as_str()))
            .filter(|(k, _)| *k != "type")
            .filter_map(|(k, v)| Some(format!("- {k}: {}", v.as_str(text)?)))
            .take(8)
            .collect();
        if !fields.is_empty() {
            out += "\n\n";
            out += &fields.join("\n");
        }
    }
    // The excerpt is prose: a note held in pieces is read from its file, and has none when
    // the file changed since (the watcher brings the change).
    let Some(text) = vault.text(id) else {
        return out;
    };
    let body_start = note.syntax.body_start();
    let excerpt = match subpath {
        Some(Subpath::Heading(chain)) => find_heading(note.src(), &note.syntax, chain).map(|h| {
            let i = note.syntax.headings.iter().position(|o| o.span == h.span);
            let end = i.map_or(text.len(), |i| note.syntax.section_end(i, text.len()));
            text.get(h.span.start as usize..end).unwrap_or_default()
        }),
        Some(Subpath::Block(block)) => find_block(note.src(), &note.syntax, block)
            .map(|b| text.get(b.block_span.range()).unwrap_or_default()),
        None => None,
    };
    let excerpt = excerpt.unwrap_or(text.get(body_start..).unwrap_or_default());
    out += "\n\n---\n\n";
    out += &shorten(excerpt);
    out
}

/// The first lines of a text, within the preview limits, cut on a character boundary.
fn shorten(text: &str) -> String {
    let mut out = String::new();
    for line in text
        .trim_start_matches(['\n', '\r'])
        .lines()
        .take(PREVIEW_LINES)
    {
        if out.len() + line.len() > PREVIEW_BYTES {
            let room = PREVIEW_BYTES.saturating_sub(out.len());
            let cut = crate::syntax::line_index::floor_char_boundary(line, room.min(line.len()));
            out += &line[..cut];
            out += "…";
            return out;
        }
        out += line;
        out.push('\n');
    }
    out.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use expect_test::{Expect, expect};

    use super::*;
    use crate::features::fixture::Fixture;

    fn check(fixture: &str, expect: Expect) {
        let f = Fixture::parse(fixture);
        let got = hover(&f.vault, f.file, f.offset).map_or("none".to_string(), |h| {
            let text = &f.vault.note(f.file).unwrap().text().unwrap();
            format!("[{}]\n{}", &text[h.span.range()], h.markdown)
        });
        expect.assert_eq(&got);
    }

    const VAULT: &str = "
//- People/Tomer Hagay.md
---
type: people
title: Tomer Hagay
last_contact: \"2025-11-07\"
tags: [type/people]
---
# Tomer Hagay

## Profile
Leads triage.

## Open Tasks
- Share templates ^share
";

    #[test]
    fn person_card_and_first_lines() {
        check(
            &format!("{VAULT}//- M.md\nWith [[Tomer $0Hagay]] today #type/people\n"),
            expect![[r#"
                [[[Tomer Hagay]]]
                **Tomer Hagay** · people  
                `People/Tomer Hagay.md` · 1 note links here

                - last_contact: 2025-11-07

                ---

                # Tomer Hagay

                ## Profile
                Leads triage.

                ## Open Tasks
                - Share templates ^share"#]],
        );
    }

    #[test]
    fn heading_section_and_block() {
        check(
            &format!("{VAULT}//- M.md\n[[Tomer Hagay#Pro$0file]]\n"),
            expect![[r#"
                [[[Tomer Hagay#Profile]]]
                **Tomer Hagay** · people  
                `People/Tomer Hagay.md` · 1 note links here

                - last_contact: 2025-11-07

                ---

                ## Profile
                Leads triage."#]],
        );
        check(
            &format!("{VAULT}//- M.md\n![[Tomer Hagay#^sh$0are]]\n"),
            expect![[r#"
                [![[Tomer Hagay#^share]]]
                **Tomer Hagay** · people  
                `People/Tomer Hagay.md` · 1 note links here

                - last_contact: 2025-11-07

                ---

                - Share templates ^share"#]],
        );
    }

    #[test]
    fn reference_links_and_footnotes() {
        let body = "[Tomer][t], [web][w], [x][nope] and a footnote.[^1] [^2]\n\n\
                    [t]: People/Tomer%20Hagay.md#Profile\n[w]: https://example.com \"Site\"\n\n\
                    [^1]: Said in the **sync**,\n    with [[Tomer Hagay]].\n";
        let at = |needle: &str| {
            let text = body.replacen(needle, &format!("{}$0{}", &needle[..2], &needle[2..]), 1);
            format!("{VAULT}//- Meetings/Sync.md\n{text}")
        };
        check(
            &at("[Tomer]"),
            expect![[r#"
                [[Tomer][t]]
                **Tomer Hagay** · people  
                `People/Tomer Hagay.md` · 1 note links here

                - last_contact: 2025-11-07

                ---

                ## Profile
                Leads triage."#]],
        );
        check(
            &at("[web]"),
            expect![[r#"
            [[web][w]]
            `[w]: https://example.com "Site"`"#]],
        );
        check(
            &at("[x]"),
            expect![[r#"
            [[x][nope]]
            **[nope]** has no definition in this note"#]],
        );
        check(
            &at("[^1]"),
            expect![[r#"
            [[^1]]
            **[^1]** Said in the **sync**,
                with [[Tomer Hagay]]."#]],
        );
        check(
            &at("[^2]"),
            expect![[r#"
            [[^2]]
            **[^2]** has no definition in this note"#]],
        );
    }

    #[test]
    fn missing_note_attachment_and_tag() {
        check(
            &format!("{VAULT}//- M.md\n[[Micro$0soft]] [[Microsoft]]\n"),
            expect![[r#"
                [[[Microsoft]]]
                **Microsoft** does not exist yet; 2 links point to it."#]],
        );
        check(
            "//- M.md\n![[my lo$0go.png|300]]\n//- a/my logo.png\n",
            expect![[r#"
                [![[my logo.png|300]]]
                ![my logo.png](file:///vault/a/my%20logo.png)

                Attachment `a/my logo.png`"#]],
        );
        check(
            "//- M.md\n![[roadmap.pdf#pa$0ge=3]]\n//- a/roadmap.pdf\n",
            expect![[r#"
                [![[roadmap.pdf#page=3]]]
                Attachment `a/roadmap.pdf`"#]],
        );
        check(
            &format!("{VAULT}//- M.md\n#type/pe$0ople #type/people/lead\n"),
            expect![[r#"
                [#type/people]
                **#type/people**: 2 uses in 2 notes, and 1 nested tag"#]],
        );
        check(
            &format!("{VAULT}//- M.md\nplain$0 text\n"),
            expect![[r####"none"####]],
        );
    }
}
