//! Go to definition: from any link form, with the cursor anywhere in it (display text
//! included), to the note, heading, block or attachment it opens; from a footnote to its text.

use super::{Location, definition_link, definition_of, link_at, link_target, reference_at};
use crate::vault::{FileId, Vault};

/// The target of the link at `offset`; `None` when there is no link there or it is unresolved.
/// A reference link (`[text][label]`) leads where its definition's destination does, as
/// Obsidian opens it; to the definition itself when that is a URL or a missing note. A
/// footnote (`[^1]`) leads to its text.
pub fn definition(vault: &Vault, file: FileId, offset: usize) -> Option<Location> {
    let note = vault.note(file)?;
    if let Some((index, _)) = link_at(&note.syntax, offset) {
        return link_target(vault, file, index);
    }
    let used = reference_at(&note.syntax, offset).filter(|r| !r.definition)?;
    let def = definition_of(&note.syntax, note.src(), used)?;
    definition_link(&note.syntax, def)
        .and_then(|index| link_target(vault, file, index))
        .or(Some(Location {
            file,
            span: def.span,
        }))
}

#[cfg(test)]
mod tests {
    use expect_test::{Expect, expect};

    use super::*;
    use crate::features::fixture::Fixture;

    fn check(fixture: &str, expect: Expect) {
        let f = Fixture::parse(fixture);
        let got = definition(&f.vault, f.file, f.offset).map(|loc| f.render(loc));
        expect.assert_eq(&got.unwrap_or_else(|| "none".into()));
    }

    const PEOPLE: &str = "
//- People/Tomer Hagay.md
---
type: people
---
# Tomer Hagay

## Profile
Leads triage. ^role

## Open Tasks
### This week
";

    #[test]
    fn wikilink_to_person_from_meeting() {
        check(
            &format!("{PEOPLE}//- Meetings/Sync.md\nWith [[Tom$0er Hagay]].\n"),
            expect![[r####"People/Tomer Hagay.md (note)"####]],
        );
    }

    #[test]
    fn cursor_on_display_text_and_brackets() {
        let text = "//- Meetings/Sync.md\nWith [[People/Tomer Hagay.md|To$0mer]].\n";
        check(
            &format!("{PEOPLE}{text}"),
            expect![[r####"People/Tomer Hagay.md (note)"####]],
        );
        let text = "//- Meetings/Sync.md\nWith $0[[Tomer Hagay]].\n";
        check(
            &format!("{PEOPLE}{text}"),
            expect![[r####"People/Tomer Hagay.md (note)"####]],
        );
        let text = "//- Meetings/Sync.md\nWith [[Tomer Hagay]]$0.\n";
        check(
            &format!("{PEOPLE}{text}"),
            expect![[r####"People/Tomer Hagay.md (note)"####]],
        );
        let text = "//- Meetings/Sync.md\nWith$0 [[Tomer Hagay]].\n";
        check(&format!("{PEOPLE}{text}"), expect![[r####"none"####]]);
    }

    #[test]
    fn heading_nested_heading_and_block() {
        let text = "//- Meetings/Sync.md\n[[Tomer Hagay#pro$0file]]\n";
        check(
            &format!("{PEOPLE}{text}"),
            expect![[r###"People/Tomer Hagay.md:6:1-6:11 "## Profile""###]],
        );
        let text = "//- Meetings/Sync.md\n[[Tomer Hagay#Open Tasks#This $0week]]\n";
        check(
            &format!("{PEOPLE}{text}"),
            expect![[r####"People/Tomer Hagay.md:10:1-10:14 "### This week""####]],
        );
        let text = "//- Meetings/Sync.md\n![[Tomer Hagay#^ro$0le]]\n";
        check(
            &format!("{PEOPLE}{text}"),
            expect![[r#"People/Tomer Hagay.md:7:1-7:20 "Leads triage. ^role""#]],
        );
        // A heading that does not exist: the note itself.
        let text = "//- Meetings/Sync.md\n[[Tomer Hagay#No$0pe]]\n";
        check(
            &format!("{PEOPLE}{text}"),
            expect![[r####"People/Tomer Hagay.md (note)"####]],
        );
    }

    #[test]
    fn same_note_heading() {
        check(
            "//- Note.md\n# Top\n## Details\nSee [[#Det$0ails]].\n",
            expect![[r####"Note.md:2:1-2:11 "## Details""####]],
        );
    }

    #[test]
    fn markdown_link_and_embed() {
        let text = "//- Meetings/Sync.md\n[notes]($0../People/Tomer%20Hagay.md#Profile)\n";
        check(
            &format!("{PEOPLE}{text}"),
            expect![[r###"People/Tomer Hagay.md:6:1-6:11 "## Profile""###]],
        );
        check(
            "//- Home.md\n![[lo$0go.png|100]]\n//- assets/logo.png\n",
            expect![[r####"assets/logo.png (file)"####]],
        );
    }

    #[test]
    fn reference_links_and_footnotes() {
        let body = "See [Tomer][t], [profile][], [web][w] and [gone][g].[^1]\n\n\
                    [t]: <People/Tomer Hagay.md>\n[profile]: People/Tomer%20Hagay.md#Profile\n\
                    [w]: https://example.com\n[g]: Gone.md\n\n[^1]: Said in [[Tomer Hagay]].\n";
        let at = |needle: &str| {
            let text = body.replacen(needle, &format!("{}$0{}", &needle[..2], &needle[2..]), 1);
            format!("{PEOPLE}//- Meetings/Sync.md\n{text}")
        };
        check(&at("[Tomer]"), expect![[r#"People/Tomer Hagay.md (note)"#]]);
        check(
            &at("[profile]["),
            expect![[r###"People/Tomer Hagay.md:6:1-6:11 "## Profile""###]],
        );
        check(
            &at("[web]"),
            expect![[r#"Meetings/Sync.md:5:1-5:25 "[w]: https://example.com""#]],
        );
        check(
            &at("[gone]"),
            expect![[r#"Meetings/Sync.md:6:1-6:13 "[g]: Gone.md""#]],
        );
        check(
            &at("[^1]"),
            expect![[r#"Meetings/Sync.md:8:1-8:31 "[^1]: Said in [[Tomer Hagay]].""#]],
        );
        // On the definition: its destination, a link like any other.
        check(&at("[t]: <"), expect![[r#"People/Tomer Hagay.md (note)"#]]);
    }

    #[test]
    fn unresolved_link_has_no_definition() {
        check("//- Home.md\n[[Micro$0soft]]\n", expect![[r####"none"####]]);
    }
}
