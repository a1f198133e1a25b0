//! A note's structure for the editor: folding ranges (frontmatter, heading sections) and
//! document links (Markdown links to notes and files).

use crate::syntax::{LinkKind, Span};
use crate::vault::{FileId, Vault};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FoldKind {
    Frontmatter,
    Section,
    List,
}

/// A foldable range of whole lines (0-based, inclusive).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fold {
    pub start_line: u32,
    pub end_line: u32,
    pub kind: FoldKind,
}

pub fn folding_ranges(vault: &Vault, file: FileId) -> Vec<Fold> {
    let (Some(note), Some(text)) = (vault.note(file), vault.text(file)) else {
        return Vec::new();
    };
    let line = |offset: usize| note.lines.line_of(offset);
    let mut out = Vec::new();
    if let Some(fm) = &note.syntax.frontmatter {
        let end = (fm.span.end as usize).saturating_sub(1);
        out.push(Fold {
            start_line: line(fm.span.start as usize),
            end_line: line(end),
            kind: FoldKind::Frontmatter,
        });
    }
    for (i, h) in note.syntax.headings.iter().enumerate() {
        // A section ends before the next heading of its level or higher; trailing blank lines
        // stay outside.
        let from = h.span.start as usize;
        let body = text[from..note.syntax.section_end(i, text.len())].trim_end();
        let (start, end) = (line(from), line(from + body.len()));
        if end > start {
            out.push(Fold {
                start_line: start,
                end_line: end,
                kind: FoldKind::Section,
            });
        }
    }
    for list in &note.syntax.lists {
        let (start, end) = (line(list.start as usize), line(list.end as usize));
        if end > start {
            out.push(Fold {
                start_line: start,
                end_line: end,
                kind: FoldKind::List,
            });
        }
    }
    out
}

/// Markdown links that resolve, with the file they open.
pub fn document_links(vault: &Vault, file: FileId) -> Vec<(Span, FileId)> {
    let Some(note) = vault.note(file) else {
        return Vec::new();
    };
    note.syntax
        .links
        .iter()
        .zip(note.resolved.iter())
        .filter(|(l, _)| l.kind() == LinkKind::Markdown && !l.target(note.src()).is_empty())
        .filter_map(|(l, r)| Some((l.target_span(), r.file()?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::fixture::Fixture;

    #[test]
    fn folds_frontmatter_and_sections() {
        let f = Fixture::parse(
            "//- N.md\n---\ntype: x\n---\n# Title\nintro\n\n## A\na1\na2\n\n## B\nb$0\n- one\n  - two\n- three\n",
        );
        let folds: Vec<(u32, u32, FoldKind)> = folding_ranges(&f.vault, f.file)
            .into_iter()
            .map(|f| (f.start_line, f.end_line, f.kind))
            .collect();
        assert_eq!(
            folds,
            vec![
                (0, 2, FoldKind::Frontmatter),
                (3, 14, FoldKind::Section),
                (6, 8, FoldKind::Section),
                (10, 14, FoldKind::Section),
                (12, 14, FoldKind::List),
            ]
        );
    }

    #[test]
    fn links_of_markdown_links_only() {
        let f = Fixture::parse(
            "//- Home.md\n[a](People/A%20B.md) [[People/A B]] [x](https://x.y) [m](Missing.md)$0\n//- People/A B.md\n",
        );
        let links = document_links(&f.vault, f.file);
        assert_eq!(links.len(), 1);
        assert_eq!(f.vault.path(links[0].1), "People/A B.md");
    }
}
