//! Symbols: a note's heading outline (nested), and notes by title or alias across the vault.

use nucleo_matcher::{Config, Matcher, Utf32Str};

use super::{Cancel, Cancelled};
use crate::syntax::{NoteSyntax, Span, TextAt};
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

/// The heading outline of a note whose text is `text`.
pub fn outline(syntax: &NoteSyntax, text: &(impl TextAt + ?Sized)) -> Vec<Outline> {
    let headings = &syntax.headings;
    let section_end = |i: usize| syntax.section_end(i, text.text_len());
    // Builds the children of a parent of level `level` from `i` on; returns the next index.
    fn build<T: TextAt + ?Sized>(
        text: &T,
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
            let children = build(text, headings, i, h.level, section_end);
            let name = h.text(text);
            out.push(Outline {
                name: if name.is_empty() {
                    "(empty heading)".to_string()
                } else {
                    name.to_string()
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
        out.extend(build(text, headings, &mut i, 0, &section_end));
    }
    out
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoteSymbol {
    /// The title, alias or heading that matched.
    pub name: String,
    pub file: FileId,
    /// The heading's span; empty for a note.
    pub span: Span,
    /// The note's `type` and folder, for the picker.
    pub detail: String,
}

/// Symbols for a query:
/// - `type:people tom`: notes whose frontmatter `type` is `people`, fuzzy on their names;
/// - `#budget`: headings across the vault, fuzzy;
/// - anything else: notes by file name, title or alias, fuzzy.
///
/// Best first, at most `limit`. The first two read every note (a picker, not a keystroke).
pub fn workspace_symbols(
    vault: &Vault,
    query: &str,
    limit: usize,
    cancel: Cancel,
) -> Result<Vec<NoteSymbol>, Cancelled> {
    let query = query.trim();
    if let Some(rest) = query.strip_prefix("type:") {
        let (ty, rest) = rest.split_once(' ').unwrap_or((rest, ""));
        return notes_of_type(vault, ty, rest.trim(), limit, cancel);
    }
    if let Some(rest) = query.strip_prefix('#') {
        return headings(vault, rest.trim(), limit, cancel);
    }
    notes_by_name(vault, query, limit, cancel)
}

/// How many notes or names are read between two looks at `cancel`.
const CANCEL_EVERY: usize = 256;

fn detail(vault: &Vault, id: FileId) -> String {
    let ty = vault.note(id).and_then(|n| n.note_type());
    let folder = crate::vault::path::parent(vault.path(id));
    match ty {
        Some(t) => format!("{t} · {folder}/"),
        None => format!("{folder}/"),
    }
}

/// Fuzzy-scores `candidates` (name, file, span) against `query`, best first.
fn rank_fuzzy(
    vault: &Vault,
    query: &str,
    candidates: Vec<(String, FileId, Span)>,
    limit: usize,
    cancel: Cancel,
) -> Result<Vec<NoteSymbol>, Cancelled> {
    let pattern = super::fuzzy_pattern(query);
    let mut matcher = Matcher::new(Config::DEFAULT);
    let mut buf = Vec::new();
    let mut scored: Vec<(u32, String, FileId, Span)> = Vec::new();
    for (i, (name, id, span)) in candidates.into_iter().enumerate() {
        if i % CANCEL_EVERY == 0 {
            cancel.check()?;
        }
        let score = if query.is_empty() {
            0
        } else {
            match pattern.score(Utf32Str::new(&name, &mut buf), &mut matcher) {
                Some(score) => score,
                None => continue,
            }
        };
        scored.push((score, name, id, span));
    }
    scored.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    Ok(scored
        .into_iter()
        .take(limit)
        .map(|(_, name, file, span)| NoteSymbol {
            name,
            file,
            span,
            detail: detail(vault, file),
        })
        .collect())
}

fn notes_of_type(
    vault: &Vault,
    ty: &str,
    query: &str,
    limit: usize,
    cancel: Cancel,
) -> Result<Vec<NoteSymbol>, Cancelled> {
    let mut candidates = Vec::new();
    for (i, (id, n)) in vault.notes().enumerate() {
        if i % CANCEL_EVERY == 0 {
            cancel.check()?;
        }
        if n.note_type().is_some_and(|t| t.eq_ignore_ascii_case(ty)) {
            candidates.push((n.title(vault.path(id)).to_string(), id, Span::default()));
        }
    }
    rank_fuzzy(vault, query, candidates, limit, cancel)
}

fn headings(
    vault: &Vault,
    query: &str,
    limit: usize,
    cancel: Cancel,
) -> Result<Vec<NoteSymbol>, Cancelled> {
    let mut candidates = Vec::new();
    for (i, (id, n)) in vault.notes().enumerate() {
        if i % CANCEL_EVERY == 0 {
            cancel.check()?;
        }
        candidates.extend(
            n.syntax
                .headings
                .iter()
                .map(|h| (h.text(n.src()).to_string(), id, h.span)),
        );
    }
    rank_fuzzy(vault, query, candidates, limit, cancel)
}

/// Notes whose file name, title or alias matches `query` (fuzzy), best first, at most `limit`.
fn notes_by_name(
    vault: &Vault,
    query: &str,
    limit: usize,
    cancel: Cancel,
) -> Result<Vec<NoteSymbol>, Cancelled> {
    let folded = fold(query.trim()).into_owned();
    let pattern = super::fuzzy_pattern(query);
    let mut matcher = Matcher::new(Config::DEFAULT);
    let mut buf = Vec::new();
    let mut hits: Vec<(u8, u32, FileId, NameKind, &str)> = Vec::new();
    for (name, notes) in vault.names_with_prefix(&folded) {
        for &(id, kind) in notes {
            hits.push((u8::from(name != folded), 0, id, kind, name));
        }
    }
    if hits.len() < limit && !folded.is_empty() {
        for (i, (name, notes)) in vault.names().enumerate() {
            if i % CANCEL_EVERY == 0 {
                cancel.check()?;
            }
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
            NameKind::Title => note.title(path).to_string(),
            NameKind::Alias => note
                .alias_folded_as(folded_name)
                .unwrap_or(folded_name)
                .to_string(),
        };
        if !seen.insert((id, fold(&name).into_owned())) {
            continue;
        }
        out.push(NoteSymbol {
            name,
            file: id,
            span: Span::default(),
            detail: detail(vault, id),
        });
    }
    Ok(out)
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
        render(text, &outline(&parse_note(text), text), 0, &mut out);
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
            "//- People/Tomer Hagay.md\n---\ntype: people\naliases: [TH]\n---\n## Budget review\n\
             //- People/Thomas.md\n---\ntitle: Tom Thomas\n---\n//- Home.md\n$0\n",
        );
        let show = |q: &str| -> Vec<String> {
            workspace_symbols(&f.vault, q, 10, Cancel::NEVER)
                .unwrap()
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
        expect![[r#"
            [
                "Tomer Hagay (people · People/)",
            ]
        "#]]
        .assert_debug_eq(&show("type:people"));
        expect![[r#"
            [
                "Tomer Hagay (people · People/)",
            ]
        "#]]
        .assert_debug_eq(&show("type:people tom"));
        expect![[r#"
            [
                "Budget review (people · People/)",
            ]
        "#]]
        .assert_debug_eq(&show("#"));
    }
}
