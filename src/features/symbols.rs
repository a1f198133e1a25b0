//! Symbols: a note's heading outline (nested), and notes by title or alias across the vault.

use nucleo_matcher::pattern::{AtomKind, CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};

use crate::syntax::{NoteSyntax, Span};
use crate::vault::path::{fold, stem};
use crate::vault::{FileId, NameKind, Vault};

/// A heading and the headings under it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outline {
    pub name: String,
    pub level: u8,
    /// The heading's whole section, up to the next heading of the same or a higher level.
    pub span: Span,
    /// The heading's text.
    pub selection: Span,
    pub children: Vec<Outline>,
}

/// The heading outline of a note.
pub fn outline(syntax: &NoteSyntax, text_len: usize) -> Vec<Outline> {
    let headings = &syntax.headings;
    let section_end = |i: usize| {
        headings[i + 1..]
            .iter()
            .find(|h| h.level <= headings[i].level)
            .map_or(text_len, |h| h.span.start as usize)
    };
    // Builds the children of a parent of level `level` from `i` on; returns the next index.
    fn build(
        headings: &[crate::syntax::Heading],
        i: &mut usize,
        parent_level: u8,
        section_end: &dyn Fn(usize) -> usize,
    ) -> Vec<Outline> {
        let mut out = Vec::new();
        while *i < headings.len() && headings[*i].level > parent_level {
            let at = *i;
            let h = &headings[at];
            *i += 1;
            let children = build(headings, i, h.level, section_end);
            out.push(Outline {
                name: if h.text.is_empty() {
                    "(empty heading)".to_string()
                } else {
                    h.text.clone()
                },
                level: h.level,
                span: Span::new(h.span.start as usize, section_end(at)),
                selection: h.text_span,
                children,
            });
        }
        out
    }
    let mut i = 0;
    let mut out = Vec::new();
    while i < headings.len() {
        out.extend(build(headings, &mut i, 0, &section_end));
    }
    out
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoteSymbol {
    /// The title or alias that matched.
    pub name: String,
    pub file: FileId,
    /// The note's `type` and folder, for the picker.
    pub detail: String,
}

/// Notes whose file name, title or alias matches `query` (fuzzy), best first, at most `limit`.
pub fn workspace_symbols(vault: &Vault, query: &str, limit: usize) -> Vec<NoteSymbol> {
    let folded = fold(query.trim()).into_owned();
    let pattern = Pattern::new(
        query.trim(),
        CaseMatching::Ignore,
        Normalization::Smart,
        AtomKind::Fuzzy,
    );
    let mut matcher = Matcher::new(Config::DEFAULT);
    let mut buf = Vec::new();
    let mut hits: Vec<(u8, u32, FileId, NameKind, &str)> = Vec::new();
    for (name, notes) in vault.names_with_prefix(&folded) {
        for &(id, kind) in notes {
            hits.push((u8::from(name != folded), 0, id, kind, name));
        }
    }
    if hits.len() < limit && !folded.is_empty() {
        for (name, notes) in vault.names() {
            if name.starts_with(&folded) {
                continue;
            }
            if let Some(score) = pattern.score(Utf32Str::new(name, &mut buf), &mut matcher) {
                for &(id, kind) in notes {
                    hits.push((2, u32::MAX - score, id, kind, name));
                }
            }
        }
    }
    hits.sort_by(|a, b| (a.0, a.1, a.3, vault.path(a.2)).cmp(&(b.0, b.1, b.3, vault.path(b.2))));
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for (_, _, id, kind, folded_name) in hits {
        if out.len() == limit {
            break;
        }
        let Some(note) = vault.note(id) else { continue };
        let path = vault.path(id);
        let name = match kind {
            NameKind::FileStem => stem(path).to_string(),
            NameKind::Title => note.title.clone(),
            NameKind::Alias => note
                .syntax
                .aliases()
                .iter()
                .find(|(a, _)| *fold(a) == *folded_name)
                .map_or_else(|| folded_name.to_string(), |(a, _)| a.clone()),
        };
        if !seen.insert((id, fold(&name).into_owned())) {
            continue;
        }
        let ty = note
            .syntax
            .frontmatter
            .as_ref()
            .and_then(|f| f.note_type.as_deref());
        let folder = crate::vault::path::parent(path);
        let detail = match ty {
            Some(t) => format!("{t} · {folder}/"),
            None => format!("{folder}/"),
        };
        out.push(NoteSymbol {
            name,
            file: id,
            detail,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use expect_test::expect;

    use super::*;
    use crate::features::fixture::Fixture;
    use crate::syntax::parse_note;

    fn render(text: &str, items: &[Outline], depth: usize, out: &mut String) {
        for o in items {
            out.push_str(&format!(
                "{}{} [{:?}] {:?}\n",
                "  ".repeat(depth),
                o.name,
                &text[o.selection.range()],
                &text[o.span.range()].lines().count()
            ));
            render(text, &o.children, depth + 1, out);
        }
    }

    #[test]
    fn nested_outline_with_skipped_levels() {
        let text =
            "---\ntitle: T\n---\n# Title\nintro\n## A\na\n#### Deep\nd\n## B\n### B1\n# Second\n";
        let mut out = String::new();
        render(text, &outline(&parse_note(text), text.len()), 0, &mut out);
        expect![[r#"
            Title ["Title"] 8
              A ["A"] 4
                Deep ["Deep"] 2
              B ["B"] 2
                B1 ["B1"] 1
            Second ["Second"] 1
        "#]]
        .assert_eq(&out);
    }

    #[test]
    fn notes_by_name_title_and_alias() {
        let f = Fixture::parse(
            "//- People/Tomer Hagay.md\n---\ntype: people\naliases: [TH]\n---\n\
             //- People/Thomas.md\n---\ntitle: Tom Thomas\n---\n//- Home.md\n$0\n",
        );
        let show = |q: &str| -> Vec<String> {
            workspace_symbols(&f.vault, q, 10)
                .into_iter()
                .map(|s| format!("{} ({})", s.name, s.detail))
                .collect()
        };
        expect![[r#"
            [
                "TH (people · People/)",
                "Thomas (People/)",
                "Tom Thomas (People/)",
                "Tomer Hagay (people · People/)",
            ]
        "#]]
        .assert_debug_eq(&show("th"));
        expect![[r#"
            [
                "Tomer Hagay (people · People/)",
            ]
        "#]]
        .assert_debug_eq(&show("hagay"));
    }
}
