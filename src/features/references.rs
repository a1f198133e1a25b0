//! References (backlinks): of a link's target, a heading, a block, a tag, or the note itself.

use super::{
    Cancel, Cancelled, Location, definition_of, link_at, link_target, linked_heading, reference_at,
    same_subpath,
};
use crate::syntax::{Link, Span, Subpath};
use crate::vault::path::{fold, is_within};
use crate::vault::subpath::normalize_heading;
use crate::vault::{FileId, LinkSite, Note, Vault};

/// Every place that refers to what is under the cursor:
/// - on a link: the links to the same target (the same heading or block when it has one);
/// - on a reference link or footnote (`[text][label]`, `[^1]`, or a definition's label): its
///   uses in the note, the definition as the declaration;
/// - on a tag: every occurrence of the tag and of its nested tags (`#area` finds `#area/sub`);
/// - on a `^block` id: the links to that block; on a heading below the title: links to it;
/// - anywhere else (title, H1, frontmatter, plain text): the note's backlinks.
///
/// With `include_declaration`, the heading, block or note referred to comes first. A hub
/// note has thousands of links: `cancel` is looked at between them.
pub fn references(
    vault: &Vault,
    file: FileId,
    offset: usize,
    include_declaration: bool,
    cancel: Cancel,
) -> Result<Vec<Location>, Cancelled> {
    let Some(note) = vault.note(file) else {
        return Ok(Vec::new());
    };
    let syntax = &note.syntax;
    let mut declaration = None;
    let mut found: Vec<Location> = if let Some(at) = reference_at(syntax, offset) {
        declaration =
            definition_of(syntax, note.src(), at).map(|d| Location { file, span: d.span });
        syntax
            .references
            .iter()
            .filter(|r| !r.definition && r.same_label(at, note.src()))
            .map(|r| Location { file, span: r.span })
            .collect()
    } else if let Some((index, link)) = link_at(syntax, offset) {
        declaration = link_target(vault, file, index);
        match note.resolved[index].file() {
            Some(target) => {
                let subpath = link.subpath(note.src());
                let heading = match (&subpath, vault.note(target)) {
                    (Some(Subpath::Heading(_)), Some(t)) => linked_heading(t, &subpath),
                    _ => None,
                };
                links_to(vault, target, cancel, |site| match (&subpath, heading) {
                    (None, _) => true,
                    (Some(Subpath::Heading(_)), Some(h)) => {
                        site.heading(&site.subpath()) == Some(h.span)
                    }
                    _ => same_subpath(&subpath, &site.subpath()),
                })?
            }
            None => vault
                .unresolved_sites(&link.target(note.src()))
                .into_iter()
                .filter_map(|site| site_location(vault, site))
                .collect(),
        }
    } else if let Some(tag) = syntax.tags.iter().find(|t| t.span.touches(offset)) {
        tag_occurrences(vault, tag.name(note.src()))
    } else if let Some(block) = syntax.blocks.iter().find(|b| b.span.touches(offset)) {
        declaration = Some(Location {
            file,
            span: block.block_span,
        });
        let id = block.id(note.src()).to_string();
        links_to(
            vault,
            file,
            cancel,
            |site| matches!(site.subpath(), Some(Subpath::Block(b)) if b.eq_ignore_ascii_case(&id)),
        )?
    } else if let Some(heading) = syntax
        .headings
        .iter()
        .find(|h| h.level > 1 && h.span.touches(offset))
    {
        declaration = Some(Location {
            file,
            span: heading.span,
        });
        let span = heading.span;
        let name = normalize_heading(heading.source(note.src()));
        links_to(vault, file, cancel, |site| {
            let subpath = site.subpath();
            if !matches!(subpath, Some(Subpath::Heading(_))) {
                return false;
            }
            match site.heading(&subpath) {
                Some(h) => h == span,
                None => matches!(subpath, Some(Subpath::Heading(c))
                    if c.last().map(|h| normalize_heading(h)) == Some(name.clone())),
            }
        })?
    } else {
        declaration = Some(Location {
            file,
            span: Span::empty(0),
        });
        links_to(vault, file, cancel, |_| true)?
    };
    found.sort_by(|a, b| (vault.path(a.file), a.span).cmp(&(vault.path(b.file), b.span)));
    found.dedup();
    if include_declaration && let Some(d) = declaration {
        found.retain(|l| *l != d);
        found.insert(0, d);
    }
    Ok(found)
}

/// A link to the note whose references are asked for; its subpath and the heading it names
/// are worked out only when asked (a hub note has thousands of links).
struct SiteLink<'a> {
    link: &'a Link,
    text: &'a crate::vault::NoteText,
    target: Option<&'a Note>,
}

impl SiteLink<'_> {
    fn subpath(&self) -> Option<Subpath> {
        self.link.subpath(self.text)
    }

    /// The span of the heading of the target note that `subpath` (this link's) names.
    fn heading(&self, subpath: &Option<Subpath>) -> Option<Span> {
        linked_heading(self.target?, subpath).map(|h| h.span)
    }
}

/// How many links are read between two looks at `cancel`.
const CANCEL_EVERY: usize = 512;

/// The links resolving to `target` that `keep` accepts.
fn links_to(
    vault: &Vault,
    target: FileId,
    cancel: Cancel,
    keep: impl Fn(&SiteLink) -> bool,
) -> Result<Vec<Location>, Cancelled> {
    let target_note = vault.note(target);
    let mut out = Vec::new();
    for (i, site) in vault.backlinks(target).iter().enumerate() {
        if i % CANCEL_EVERY == 0 {
            cancel.check()?;
        }
        let Some(source) = vault.note(site.source) else {
            continue;
        };
        let Some(link) = source.syntax.links.get(site.link as usize) else {
            continue;
        };
        let candidate = SiteLink {
            link,
            text: source.src(),
            target: target_note,
        };
        if keep(&candidate) {
            out.push(Location {
                file: site.source,
                span: link.span(),
            });
        }
    }
    Ok(out)
}

fn site_location(vault: &Vault, site: LinkSite) -> Option<Location> {
    let link = vault
        .note(site.source)?
        .syntax
        .links
        .get(site.link as usize)?;
    Some(Location {
        file: site.source,
        span: link.span(),
    })
}

/// Every occurrence of a tag and its nested tags, case-insensitively.
fn tag_occurrences(vault: &Vault, name: &str) -> Vec<Location> {
    let wanted = fold(name).into_owned();
    vault
        .notes_tagged_within(name)
        .into_iter()
        .filter_map(|id| Some((id, vault.note(id)?)))
        .flat_map(|(id, note)| {
            note.syntax
                .tags
                .iter()
                .filter(|t| is_within(&fold(t.name(note.src())), &wanted))
                .map(move |t| Location {
                    file: id,
                    span: t.span,
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use expect_test::{Expect, expect};

    use super::*;
    use crate::features::fixture::Fixture;

    fn check(fixture: &str, expect: Expect) {
        expect.assert_eq(&(refs(fixture).join("\n") + "\n"));
    }

    const VAULT: &str = "
//- People/Tomer Hagay.md
---
type: people
tags: [type/people]
---
# Tomer Hagay

## Profile
Leads triage. ^role
//- Meetings/A.md
[[Tomer Hagay]] and [[Tomer Hagay#Profile|his profile]] #type/people
//- Meetings/B.md
[[People/Tomer Hagay.md|Tomer]] [[tomer hagay#^role]] [[Tomer Hagay#profile]] #TYPE/people/lead
//- Meetings/C.md
[x](../People/Tomer%20Hagay.md) [[Microsoft]] #other
//- Meetings/D.md
[[Microsoft.md|MS]] [[Tomer Hagay#Nope]]
";

    /// The vault with the cursor placed after the first character of `marker`.
    fn with_cursor(marker: &str) -> String {
        VAULT.replacen(marker, &format!("{}$0{}", &marker[..1], &marker[1..]), 1)
    }

    #[test]
    fn on_a_plain_link_every_link_to_the_note() {
        check(
            &with_cursor("[[Tomer Hagay]] and"),
            expect![[r####"
                Meetings/A.md:1:1-1:16 "[[Tomer Hagay]]"
                Meetings/A.md:1:21-1:56 "[[Tomer Hagay#Profile|his profile]]"
                Meetings/B.md:1:1-1:32 "[[People/Tomer Hagay.md|Tomer]]"
                Meetings/B.md:1:33-1:54 "[[tomer hagay#^role]]"
                Meetings/B.md:1:55-1:78 "[[Tomer Hagay#profile]]"
                Meetings/C.md:1:1-1:32 "[x](../People/Tomer%20Hagay.md)"
                Meetings/D.md:1:21-1:41 "[[Tomer Hagay#Nope]]"
            "####]],
        );
    }

    #[test]
    fn on_a_heading_link_the_links_to_that_heading() {
        check(
            &with_cursor("[[Tomer Hagay#profile]]"),
            expect![[r####"
                Meetings/A.md:1:21-1:56 "[[Tomer Hagay#Profile|his profile]]"
                Meetings/B.md:1:55-1:78 "[[Tomer Hagay#profile]]"
            "####]],
        );
    }

    /// The rendered references at the `$0` of a fixture.
    fn refs(fixture: &str) -> Vec<String> {
        let f = Fixture::parse(fixture);
        references(&f.vault, f.file, f.offset, false, Cancel::NEVER)
            .unwrap()
            .into_iter()
            .map(|loc| f.render(loc))
            .collect()
    }

    #[test]
    fn reference_links_and_footnotes_within_the_note() {
        let note = "//- Notes/Refs.md\n[a][Tomer] [b][tomer]  [TOMER] [c][]\nSaid.[^n] Again.[^n] [^m]\n\n\
                    [tomer]: ../People/Tomer%20Hagay.md\n\n[^n]: A footnote.\n";
        let at = |needle: &str| {
            format!(
                "{VAULT}{}",
                note.replacen(needle, &format!("{}$0{}", &needle[..1], &needle[1..]), 1)
            )
        };
        check(
            &at("[a]"),
            expect![[r#"
            Notes/Refs.md:1:1-1:11 "[a][Tomer]"
            Notes/Refs.md:1:12-1:22 "[b][tomer]"
            Notes/Refs.md:1:24-1:31 "[TOMER]"
        "#]],
        );
        // On the definition's label: the same; on its destination: the note's backlinks.
        assert_eq!(refs(&at("[tomer]:")), refs(&at("[a]")));
        check(
            &at("../People"),
            expect![[r#"
            Meetings/A.md:1:1-1:16 "[[Tomer Hagay]]"
            Meetings/A.md:1:21-1:56 "[[Tomer Hagay#Profile|his profile]]"
            Meetings/B.md:1:1-1:32 "[[People/Tomer Hagay.md|Tomer]]"
            Meetings/B.md:1:33-1:54 "[[tomer hagay#^role]]"
            Meetings/B.md:1:55-1:78 "[[Tomer Hagay#profile]]"
            Meetings/C.md:1:1-1:32 "[x](../People/Tomer%20Hagay.md)"
            Meetings/D.md:1:21-1:41 "[[Tomer Hagay#Nope]]"
            Notes/Refs.md:4:1-4:36 "[tomer]: ../People/Tomer%20Hagay.md"
        "#]],
        );
        check(
            &at("^n] Again"),
            expect![[r#"
            Notes/Refs.md:2:6-2:10 "[^n]"
            Notes/Refs.md:2:17-2:21 "[^n]"
        "#]],
        );
        let f = Fixture::parse(&at("[^n]:"));
        let with_declaration: Vec<String> =
            references(&f.vault, f.file, f.offset, true, Cancel::NEVER)
                .unwrap()
                .into_iter()
                .map(|loc| f.render(loc))
                .collect();
        expect![[r#"
            [
                "Notes/Refs.md:6:1-6:18 \"[^n]: A footnote.\"",
                "Notes/Refs.md:2:6-2:10 \"[^n]\"",
                "Notes/Refs.md:2:17-2:21 \"[^n]\"",
            ]
        "#]]
        .assert_debug_eq(&with_declaration);
    }

    #[test]
    fn on_the_title_h1_frontmatter_or_text_the_notes_backlinks() {
        let on_link = refs(&with_cursor("[[Tomer Hagay]] and"));
        assert_eq!(on_link.len(), 7);
        for cursor in ["# Tomer$0 Hagay", "type: peo$0ple", "Leads$0 triage"] {
            let plain = cursor.replace("$0", "");
            let fixture = VAULT.replacen(&plain, cursor, 1);
            assert_eq!(refs(&fixture), on_link, "cursor at {cursor}");
        }
    }

    #[test]
    fn on_a_heading_and_on_a_block() {
        check(
            &VAULT.replacen("## Profile", "## Pro$0file", 1),
            expect![[r####"
                Meetings/A.md:1:21-1:56 "[[Tomer Hagay#Profile|his profile]]"
                Meetings/B.md:1:55-1:78 "[[Tomer Hagay#profile]]"
            "####]],
        );
        check(
            &VAULT.replacen("^role", "^ro$0le", 1),
            expect![[r####"
                Meetings/B.md:1:33-1:54 "[[tomer hagay#^role]]"
            "####]],
        );
    }

    #[test]
    fn on_a_tag_every_occurrence_and_nested_tags() {
        check(
            &VAULT.replacen("#type/people\n", "#type/peo$0ple\n", 1),
            expect![[r####"
                Meetings/A.md:1:57-1:69 "#type/people"
                Meetings/B.md:1:79-1:96 "#TYPE/people/lead"
                People/Tomer Hagay.md:3:8-3:19 "type/people"
            "####]],
        );
    }

    #[test]
    fn on_an_unresolved_link_the_same_missing_target() {
        check(
            &VAULT.replacen("[[Microsoft]]", "[[Micro$0soft]]", 1),
            expect![[r####"
                Meetings/C.md:1:33-1:46 "[[Microsoft]]"
                Meetings/D.md:1:1-1:20 "[[Microsoft.md|MS]]"
            "####]],
        );
    }

    #[test]
    fn markdown_and_wikilinks_to_the_same_missing_path_are_one_target() {
        let vault = "//- A.md\n[x](Clients/Initech%20Corp.md) and [[Clients/Initech Corp]]\n\
                     //- B.md\n[[Initech Corp]] [y](<Clients/Initech Corp.md#Deal>)\n";
        check(
            &vault.replacen("[x](Cl", "[x](Cl$0", 1),
            expect![[r####"
                A.md:1:1-1:31 "[x](Clients/Initech%20Corp.md)"
                A.md:1:36-1:60 "[[Clients/Initech Corp]]"
                B.md:1:18-1:53 "[y](<Clients/Initech Corp.md#Deal>)"
            "####]],
        );
    }

    #[test]
    fn declaration_comes_first_when_asked() {
        let f = Fixture::parse(&VAULT.replacen("## Profile", "## Pro$0file", 1));
        let got = references(&f.vault, f.file, f.offset, true, Cancel::NEVER).unwrap();
        assert_eq!(
            f.render(got[0]),
            "People/Tomer Hagay.md:7:1-7:11 \"## Profile\""
        );
        assert_eq!(got.len(), 3);
    }
}
