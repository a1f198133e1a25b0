//! Matching `#Heading`, `#H1#H2` and `#^block` subpaths against a note, as Obsidian does:
//! headings compare on a normalized form (its `stripHeading`: punctuation that cannot appear in
//! a link becomes a space, runs of spaces shrink, case is ignored), blocks by id ignoring case.

use crate::syntax::{Block, Heading, NoteSyntax, TextAt};

/// A heading as Obsidian writes it in a link: every character but letters, digits, `_`, `-`
/// and emoji becomes a separator, runs of separators one space, trimmed; case kept. So
/// `## What is the Obsidian Hub?` is linked as `#What is the Obsidian Hub`, `Setup & Vault
/// Consistency` as `#Setup Vault Consistency`, `` `hasTag()` `` as `#hasTag`, and
/// `Interpretação ($I$)` as `#Interpretação I`. The rule is Dataview's
/// `normalizeHeaderForLink`, which says it mimics Obsidian, and matches those links from real
/// vaults (issue 15). Read from the heading's source, so math and HTML count as written.
pub fn heading_link_text(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    // Composed first, so an accent written apart stays with its letter.
    let composed: std::borrow::Cow<str> = if text.is_ascii() {
        std::borrow::Cow::Borrowed(text)
    } else {
        std::borrow::Cow::Owned(text.nfc().collect())
    };
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in composed.chars() {
        if c.is_alphanumeric() || c == '_' || c == '-' || is_pictographic(c) {
            if space {
                out.push(' ');
                space = false;
            }
            out.push(c);
        } else {
            space = !out.is_empty();
        }
    }
    out
}

/// Emoji and other pictographs, which Obsidian keeps in heading links (an approximation of
/// Unicode's Extended_Pictographic, which std does not expose).
fn is_pictographic(c: char) -> bool {
    matches!(u32::from(c),
        0x00A9 | 0x00AE | 0x203C | 0x2049 | 0x2122 | 0x2139 | 0x2194..=0x21AA
        | 0x2300..=0x23FF | 0x25A0..=0x27BF | 0x2B00..=0x2BFF | 0x3030 | 0x303D | 0x3297
        | 0x3299 | 0x1F000..=0x1FAFF)
}

/// The form headings are compared in: [`heading_link_text`], case-folded (the one fold rule).
pub fn normalize_heading(text: &str) -> String {
    crate::vault::path::fold(&heading_link_text(text)).into_owned()
}

/// The heading named by a chain `[H1, H2, …]`: each next heading must lie inside the section of
/// the previous one (deeper level, before a heading of the same or a higher level).
/// `text` is the note's text (or its pieces).
pub fn find_heading<'a>(
    text: &(impl TextAt + ?Sized),
    note: &'a NoteSyntax,
    chain: &[String],
) -> Option<&'a Heading> {
    let wanted: Vec<String> = chain.iter().map(|h| normalize_heading(h)).collect();
    let headings = &note.headings;
    let normalized: Vec<String> = headings
        .iter()
        .map(|h| normalize_heading(h.source(text)))
        .collect();
    find_chain(note, &normalized, &wanted, 0, headings.len(), 0)
}

fn find_chain<'a>(
    note: &'a NoteSyntax,
    normalized: &[String],
    wanted: &[String],
    from: usize,
    to: usize,
    min_level: u8,
) -> Option<&'a Heading> {
    let headings = &note.headings;
    let (first, rest) = wanted.split_first()?;
    for i in from..to {
        if headings[i].level <= min_level || normalized[i] != *first {
            continue;
        }
        if rest.is_empty() {
            return Some(&headings[i]);
        }
        let level = headings[i].level;
        let section_end = note.section_end_index(i).min(to);
        if let Some(found) = find_chain(note, normalized, rest, i + 1, section_end, level) {
            return Some(found);
        }
    }
    None
}

/// The block `^id` of a note (`text` and its `note` summary).
pub fn find_block<'a>(
    text: &(impl TextAt + ?Sized),
    note: &'a NoteSyntax,
    id: &str,
) -> Option<&'a Block> {
    note.blocks
        .iter()
        .find(|b| b.id(text).eq_ignore_ascii_case(id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse_note;

    #[test]
    fn normalization() {
        assert_eq!(normalize_heading("  Key  Facts: *Q3*  "), "key facts q3");
        assert_eq!(
            normalize_heading("Report bugs & requests"),
            "report bugs requests"
        );
        assert_eq!(normalize_heading("Émigré Über"), "émigré über");
        assert_eq!(
            normalize_heading("snake_case-and-dash 🚀 ok"),
            "snake_case-and-dash 🚀 ok"
        );
    }

    /// (heading as written, link as written, does the link name the heading?), each from a
    /// real vault reported in issue 15 or from Dataview's rule.
    #[test]
    fn heading_links_obsidian_resolves() {
        let cases: &[(&str, &str, bool)] = &[
            // Obsidian Hub README.
            (
                "What is the Obsidian Hub?",
                "What is the Obsidian Hub",
                true,
            ),
            // Obsidian Hub CONTRIBUTING.
            ("Setup & Vault Consistency", "Setup Vault Consistency", true),
            // A Portuguese zettelkasten.
            (
                "Chapter 3 (sections 3.1 to 3.5)",
                "Chapter 3 sections 3 1 to 3 5",
                true,
            ),
            ("Interpretação ($I$)", "Interpretação ($I$)", true),
            ("Interpretação ($I$)", "Interpretação I", true),
            // A TTRPG vault.
            ("D&D WOTC", "D D WOTC", true),
            // Dataview's docs.
            ("`hasTag()`", "hasTag", true),
            ("Press <kbd>Ctrl</kbd>", "Press kbd Ctrl kbd", true),
            // Case and accents written apart.
            ("Réunion", "réunion", true),
            // Different words still differ.
            ("Setup & Vault Consistency", "Setup Consistency", false),
            ("D&D WOTC", "DD WOTC", false),
        ];
        for &(heading, link, matches) in cases {
            let text = format!("# Top\n## {heading}\n");
            let note = parse_note(&text);
            let found = find_heading(&text, &note, &[link.to_string()]).is_some();
            assert_eq!(found, matches, "{heading:?} ~ {link:?}");
        }
    }

    #[test]
    fn a_heading_is_read_as_written() {
        let text = "## Title ##\n### C#\nSetext *x*\n---\n";
        let note = parse_note(text);
        let sources: Vec<&str> = note.headings.iter().map(|h| h.source(text)).collect();
        assert_eq!(sources, ["Title", "C#", "Setext *x*"]);
    }

    #[test]
    fn chains() {
        let text = "# A\n## X\n# B\n## X\n### Deep\n## Y\n";
        let note = parse_note(text);
        let chain = |c: &[&str]| {
            let c: Vec<String> = c.iter().map(|s| s.to_string()).collect();
            find_heading(text, &note, &c).map(|h| h.span.start)
        };
        assert_eq!(chain(&["x"]), Some(4));
        assert_eq!(chain(&["B", "X"]), Some(13));
        assert_eq!(chain(&["B", "Deep"]), Some(18));
        assert_eq!(chain(&["B", "X", "Deep"]), Some(18));
        assert_eq!(chain(&["A", "Deep"]), None);
        assert_eq!(chain(&["A", "Y"]), None);
        assert_eq!(chain(&["X", "Y"]), None);
        assert_eq!(chain(&["Nope"]), None);
    }
}
