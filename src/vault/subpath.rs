//! Matching `#Heading`, `#H1#H2` and `#^block` subpaths against a note, as Obsidian does:
//! headings compare on a normalized form (its `stripHeading`: punctuation that cannot appear in
//! a link becomes a space, runs of spaces shrink, case is ignored), blocks by id ignoring case.

use crate::syntax::{Block, Heading, NoteSyntax};

/// The normalized form of heading text used for matching.
pub fn normalize_heading(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        let sep = c.is_whitespace()
            || matches!(
                c,
                '#' | '|' | '^' | ':' | '%' | '[' | ']' | '\\' | '*' | '_' | '`' | '~' | '=' | '/'
            );
        if sep {
            space = !out.is_empty();
        } else {
            if space {
                out.push(' ');
                space = false;
            }
            crate::vault::path::push_folded(c, &mut out);
        }
    }
    // Composed like names, so a decomposed heading matches a composed link.
    crate::vault::path::compose_from(&mut out, 0);
    out
}

/// The heading named by a chain `[H1, H2, …]`: each next heading must lie inside the section of
/// the previous one (deeper level, before a heading of the same or a higher level).
/// `text` is the note's text.
pub fn find_heading<'a>(text: &str, note: &'a NoteSyntax, chain: &[String]) -> Option<&'a Heading> {
    let wanted: Vec<String> = chain.iter().map(|h| normalize_heading(h)).collect();
    let headings = &note.headings;
    let normalized: Vec<String> = headings
        .iter()
        .map(|h| normalize_heading(h.text(text)))
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
pub fn find_block<'a>(text: &str, note: &'a NoteSyntax, id: &str) -> Option<&'a Block> {
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
            "report bugs & requests"
        );
        assert_eq!(normalize_heading("Émigré Über"), "émigré über");
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
