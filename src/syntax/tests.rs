//! Parser fixtures: each item is printed with the exact source text of its ranges.

use expect_test::{Expect, expect};

use super::*;

/// A frontmatter value with the text of its scalars.
fn show(value: &Value, text: &str) -> String {
    let list = |items: Vec<String>| items.join(", ");
    match value {
        Value::Null => "Null".into(),
        Value::Scalar(s) => format!("Scalar({:?}, {:?})", s.text(text), s.span),
        Value::List(items) => format!(
            "List([{}])",
            list(items.iter().map(|v| show(v, text)).collect())
        ),
        Value::Map(fields) => format!(
            "Map([{}])",
            list(
                fields
                    .iter()
                    .map(|f| format!("{:?}: {}", f.key.text(text), show(&f.value, text)))
                    .collect()
            )
        ),
    }
}

fn render(text: &str, note: &NoteSyntax) -> String {
    let at = |s: Span| format!("{:?} {:?}", s, &text[s.range()]);
    let mut out = String::new();
    if let Some(fm) = &note.frontmatter {
        out += &format!("frontmatter {:?}\n", fm.span);
        for f in &fm.fields {
            out += &format!("  field {} = {}\n", at(f.key.span), show(&f.value, text));
        }
        out += &format!(
            "  title={:?} type={:?} aliases={:?}\n",
            fm.title(text),
            fm.note_type(text),
            fm.aliases(text)
                .map(|(a, s)| format!("{a}@{}", at(s)))
                .collect::<Vec<_>>()
        );
    }
    for h in &note.headings {
        out += &format!(
            "heading h{} {:?} text={}\n",
            h.level,
            h.text(text),
            at(h.text_span)
        );
        out += &format!("  whole={}\n", at(h.span));
    }
    for b in &note.blocks {
        out += &format!(
            "block ^{} {} block={}\n",
            b.id(text),
            at(b.span),
            at(b.block_span)
        );
    }
    for t in &note.tags {
        out += &format!("tag {:?} {} {:?}\n", t.name(text), at(t.span), t.source);
    }
    for l in &note.links {
        out += &format!(
            "link {:?}{} {}\n  target={:?} {}\n",
            l.kind(),
            if l.embed() { " embed" } else { "" },
            at(l.span()),
            l.target(text),
            at(l.target_span())
        );
        if let (Some(sub), Some(span)) = (l.subpath(text), l.subpath_span()) {
            out += &format!("  subpath={:?} {}\n", sub, at(span));
        }
        if let Some(d) = l.display_span() {
            out += &format!("  display={}\n", at(d));
        }
    }
    for e in &note.errors {
        out += &format!("error {} {:?} at {:?}\n", e.code, e.message, e.span);
    }
    out
}

fn check(text: &str, expect: Expect) {
    let note = parse_note(text);
    expect.assert_eq(&render(text, &note));
}

#[test]
fn wikilink_forms() {
    check(
        "[[Note]] [[Note|display]] [[Folder/Note.md|A long: title, (with) punct’s — ok]]\n",
        expect![[r#"
            link Wiki 0..8 "[[Note]]"
              target="Note" 2..6 "Note"
            link Wiki 9..25 "[[Note|display]]"
              target="Note" 11..15 "Note"
              display=16..23 "display"
            link Wiki 26..83 "[[Folder/Note.md|A long: title, (with) punct’s — ok]]"
              target="Folder/Note.md" 28..42 "Folder/Note.md"
              display=43..81 "A long: title, (with) punct’s — ok"
        "#]],
    );
}

#[test]
fn wikilink_subpaths() {
    check(
        "[[Note#Heading]] [[Note#H1#H2]] [[Note#^block-1]] [[#Same]] [[#^blk]] [[Note#]]\n",
        expect![[r#"
            link Wiki 0..16 "[[Note#Heading]]"
              target="Note" 2..6 "Note"
              subpath=Heading(["Heading"]) 7..14 "Heading"
            link Wiki 17..31 "[[Note#H1#H2]]"
              target="Note" 19..23 "Note"
              subpath=Heading(["H1", "H2"]) 24..29 "H1#H2"
            link Wiki 32..49 "[[Note#^block-1]]"
              target="Note" 34..38 "Note"
              subpath=Block("block-1") 39..47 "^block-1"
            link Wiki 50..59 "[[#Same]]"
              target="" 52..52 ""
              subpath=Heading(["Same"]) 53..57 "Same"
            link Wiki 60..69 "[[#^blk]]"
              target="" 62..62 ""
              subpath=Block("blk") 63..67 "^blk"
            link Wiki 70..79 "[[Note#]]"
              target="Note" 72..76 "Note"
        "#]],
    );
}

#[test]
fn embeds() {
    check(
        "![[Note]] ![[image.png|100]] ![[icon.svg#icon]] ![alt](pics/a%20b.png)\n",
        expect![[r#"
            link Wiki embed 0..9 "![[Note]]"
              target="Note" 3..7 "Note"
            link Wiki embed 10..28 "![[image.png|100]]"
              target="image.png" 13..22 "image.png"
              display=23..26 "100"
            link Wiki embed 29..47 "![[icon.svg#icon]]"
              target="icon.svg" 32..40 "icon.svg"
              subpath=Heading(["icon"]) 41..45 "icon"
            link Markdown embed 48..70 "![alt](pics/a%20b.png)"
              target="pics/a b.png" 55..69 "pics/a%20b.png"
              display=50..53 "alt"
        "#]],
    );
}

#[test]
fn wikilink_in_table_with_escaped_pipe() {
    check(
        "| a | b |\n|---|---|\n| [[Note\\|disp]] | [[Other#H\\|x]] |\n",
        expect![[r#"
            link Wiki 22..36 "[[Note\\|disp]]"
              target="Note" 24..28 "Note"
              display=30..34 "disp"
            link Wiki 39..53 "[[Other#H\\|x]]"
              target="Other" 41..46 "Other"
              subpath=Heading(["H"]) 47..48 "H"
              display=50..51 "x"
        "#]],
    );
}

#[test]
fn urls_are_never_notes_even_with_spaces_in_angle_brackets() {
    let note =
        parse_note("[x](< https://example.com/a b>) [y](<  mailto:a@b.c >) [z](< Note.md >)\n");
    let targets: Vec<String> = note
        .links
        .iter()
        .map(|l| {
            l.target("[x](< https://example.com/a b>) [y](<  mailto:a@b.c >) [z](< Note.md >)\n")
                .into_owned()
        })
        .collect();
    assert_eq!(targets, ["Note.md"]);
}

#[test]
fn markdown_links() {
    check(
        "[t](Folder/Note%20Name.md#heading) [u](<Note Name.md>) [v](https://x.y/#a) [w](../up.md) [x](/Root.md#^b) [y](#Local) [m](mailto:a@b.c) [*e* `c`](a\\(b\\).md \"title\")\n",
        expect![[r#"
            link Markdown 0..34 "[t](Folder/Note%20Name.md#heading)"
              target="Folder/Note Name.md" 4..25 "Folder/Note%20Name.md"
              subpath=Heading(["heading"]) 26..33 "heading"
              display=1..2 "t"
            link Markdown 35..54 "[u](<Note Name.md>)"
              target="Note Name.md" 40..52 "Note Name.md"
              display=36..37 "u"
            link Markdown 75..88 "[w](../up.md)"
              target="../up.md" 79..87 "../up.md"
              display=76..77 "w"
            link Markdown 89..105 "[x](/Root.md#^b)"
              target="/Root.md" 93..101 "/Root.md"
              subpath=Block("b") 102..104 "^b"
              display=90..91 "x"
            link Markdown 106..117 "[y](#Local)"
              target="" 110..110 ""
              subpath=Heading(["Local"]) 111..116 "Local"
              display=107..108 "y"
            link Markdown 136..164 "[*e* `c`](a\\(b\\).md \"title\")"
              target="a(b).md" 146..155 "a\\(b\\).md"
              display=137..144 "*e* `c`"
        "#]],
    );
}

#[test]
fn nothing_counts_inside_code_math_comments() {
    check(
        "```tasks\npath includes [[A]] #t\n```\n\n```dataview\nLIST FROM [[B]]\n```\n\n    [[indented]]\n\n`[[code]]` $[[m]]$ <!-- [[c]] #t --> %% [[obs]] #t %% [[kept]]\n\n$$\n[[display]]\n$$\n\n<!--\n[[block comment]]\n-->\n\n%%\n[[multi]]\n\n#t\n%%\n",
        expect![[r#"
            link Wiki 142..150 "[[kept]]"
              target="kept" 144..148 "kept"
        "#]],
    );
}

#[test]
fn tags() {
    check(
        "#top text #area/sub #日本語 #1984 x#no #tag—dash (#paren) https://x.y/#frag #a_b-c! [[L|#inlink]] `#code`\n# Heading #inhead\n",
        expect![[r##"
            heading h1 "Heading #inhead" text=113..128 "Heading #inhead"
              whole=111..128 "# Heading #inhead"
            tag "top" 0..4 "#top" Inline
            tag "area/sub" 10..19 "#area/sub" Inline
            tag "日本語" 20..30 "#日本語" Inline
            tag "tag" 42..46 "#tag" Inline
            tag "a_b-c" 81..87 "#a_b-c" Inline
            tag "inhead" 121..128 "#inhead" Inline
            link Wiki 89..102 "[[L|#inlink]]"
              target="L" 91..92 "L"
              display=93..100 "#inlink"
        "##]],
    );
}

#[test]
fn headings_atx_and_setext() {
    check(
        "# Title *with* `code`\n\nSetext One\n===\n\nSetext Two\n---\n### Closed ###\n\n####### not\n",
        expect![[r####"
            heading h1 "Title with code" text=2..21 "Title *with* `code`"
              whole=0..21 "# Title *with* `code`"
            heading h1 "Setext One" text=23..33 "Setext One"
              whole=23..37 "Setext One\n==="
            heading h2 "Setext Two" text=39..49 "Setext Two"
              whole=39..53 "Setext Two\n---"
            heading h3 "Closed" text=58..64 "Closed"
              whole=54..68 "### Closed ###"
        "####]],
    );
}

#[test]
fn block_ids() {
    check(
        "Para one ^p1\n\n- item ^li-1\n  - nested ^li-2\n- no id\n\n| a |\n|---|\n| b |\n\n^tbl\n\nmid ^no\nmore text\n\nx^no2\n",
        expect![[r#"
            block ^p1 9..12 "^p1" block=0..12 "Para one ^p1"
            block ^li-1 21..26 "^li-1" block=14..43 "- item ^li-1\n  - nested ^li-2"
            block ^li-2 38..43 "^li-2" block=29..43 "- nested ^li-2"
            block ^tbl 72..76 "^tbl" block=53..70 "| a |\n|---|\n| b |"
        "#]],
    );
}

#[test]
fn frontmatter_fields() {
    check(
        "\u{feff}---\r\ntype: people\r\ntitle: \"Tomer — H\"\r\naliases: [TH, 'T. Hagay']\r\ntags:\r\n- type/people\r\n- '#generated'\r\nlast_contact: \"2025-11-07\"\r\nn: 3\r\n---\r\n# H1\r\n",
        expect![[r##"
            frontmatter 3..148
              field 8..12 "type" = Scalar("people", 14..20)
              field 22..27 "title" = Scalar("Tomer — H", 30..41)
              field 44..51 "aliases" = List([Scalar("TH", 54..56), Scalar("T. Hagay", 59..67)])
              field 71..75 "tags" = List([Scalar("type/people", 80..91), Scalar("#generated", 96..106)])
              field 109..121 "last_contact" = Scalar("2025-11-07", 124..134)
              field 137..138 "n" = Scalar("3", 140..141)
              title=Some("Tomer — H") type=Some("people") aliases=["TH@54..56 \"TH\"", "T. Hagay@59..67 \"T. Hagay\""]
            heading h1 "H1" text=150..152 "H1"
              whole=148..152 "# H1"
            tag "type/people" 80..91 "type/people" Frontmatter
            tag "generated" 97..106 "generated" Frontmatter
        "##]],
    );
}

#[test]
fn frontmatter_tag_string_forms() {
    check(
        "---\ntags: \"a, #b c\"\nalias: Solo\n---\n",
        expect![[r#"
            frontmatter 0..36
              field 4..8 "tags" = Scalar("a, #b c", 11..18)
              field 20..25 "alias" = Scalar("Solo", 27..31)
              title=None type=None aliases=["Solo@27..31 \"Solo\""]
            tag "a" 11..12 "a" Frontmatter
            tag "b" 15..16 "b" Frontmatter
            tag "c" 17..18 "c" Frontmatter
        "#]],
    );
}

#[test]
fn malformed_yaml_keeps_the_body() {
    check(
        "---\ntitle: [unclosed\ntype: x\n---\n[[Still Parsed]] #tag\n",
        expect![[r##"
            frontmatter 0..33
              title=None type=None aliases=[]
            tag "tag" 50..54 "#tag" Inline
            link Wiki 33..49 "[[Still Parsed]]"
              target="Still Parsed" 35..47 "Still Parsed"
            error frontmatter-yaml "invalid YAML in frontmatter: illegal placement of ':' indicator" at 25..28
        "##]],
    );
}

#[test]
fn unclosed_frontmatter_is_body() {
    let note = parse_note("---\ntitle: x\n\nno end [[L]]\n");
    assert!(note.frontmatter.is_none());
    assert_eq!(note.links.len(), 1);
}

#[test]
fn title_rule() {
    let title = |text: &str| parse_note(text).title(text, "stem").to_string();
    assert_eq!(title("---\ntitle: T\n---\n# H\n"), "T");
    assert_eq!(title("## H2\n# H1\n"), "H1");
    assert_eq!(title("text\n"), "stem");
}

#[test]
fn a_link_too_long_to_pack_is_reported_not_dropped() {
    let long = "x".repeat(Link::MAX_LEN);
    let text = format!("[[short]] [[{long}]] [d](<{long}.md>) [[{}]]\n", &long[4..]);
    let note = parse_note(&text);
    let codes: Vec<_> = note.errors.iter().map(|e| (e.code, e.span)).collect();
    assert_eq!(
        codes,
        [
            ("link-too-long", Span::new(10, 12)),
            (
                "link-too-long",
                Span::new(10 + Link::MAX_LEN + 5, 10 + Link::MAX_LEN + 7)
            ),
        ]
    );
    // The two that fit are kept, the longest one right at the limit.
    assert_eq!(note.links.len(), 2);
    let at_limit = &note.links[1];
    assert_eq!(at_limit.span().len(), Link::MAX_LEN);
    assert_eq!(at_limit.target(&text), &long[4..]);
}

#[test]
fn packed_links_give_back_their_parts() {
    let text = "[[a#b|c]] ![[x.png|300]] [d](e%20f.md#g) ![i](j.png) [[#h]] [[k|]] | [[l\\|m]] |\n\
                [](n.md) ![[o #p ]]\n\n[q]: r.md\n";
    let note = parse_note(text);
    let displays: Vec<Option<&str>> = note
        .links
        .iter()
        .map(|l| Some(&text[l.display_span()?.range()]))
        .collect();
    assert_eq!(
        displays,
        [
            Some("c"),
            Some("300"),
            Some("d"),
            Some("i"),
            None,
            Some(""),
            Some("m"),
            Some(""),
            None,
            None
        ]
    );
    let kinds: Vec<(LinkKind, bool)> = note.links.iter().map(|l| (l.kind(), l.embed())).collect();
    assert_eq!(
        kinds[1..4],
        [
            (LinkKind::Wiki, true),
            (LinkKind::Markdown, false),
            (LinkKind::Markdown, true)
        ]
    );
    for link in &note.links {
        let parts = link.parts();
        assert_eq!(Link::pack(parts).as_ref(), Some(link));
        assert_eq!(parts.span, link.span());
        assert!(parts.span.contains_span(parts.target_span));
        // A display text where its kind does not put it is not packed (the parser makes
        // none such).
        if let Some(display) = parts.display_span.filter(|d| !d.is_empty()) {
            // The bound the kind fixes: a wikilink's end, a Markdown link's start.
            let moved = match parts.kind {
                LinkKind::Wiki => Span::new(display.start as usize, display.end as usize - 1),
                LinkKind::Markdown => Span::new(display.start as usize + 1, display.end as usize),
            };
            let odd = LinkParts {
                display_span: Some(moved),
                ..parts
            };
            assert_eq!(Link::pack(odd), None, "{parts:?}");
        }
    }
    assert_eq!(std::mem::size_of::<Link>(), 16);
}

#[test]
fn a_frontmatter_tag_with_escapes_keeps_its_name() {
    // The scalar's text is not the tag's name: the name is stored, the span is the scalar.
    let text = "---\ntags: [\"caf\\u00e9\", plain]\n---\n#inline\n";
    let note = parse_note(text);
    let tags: Vec<(&str, &str)> = note
        .tags
        .iter()
        .map(|t| (t.name(text), &text[t.span.range()]))
        .collect();
    assert_eq!(
        tags,
        [
            ("café", "caf\\u00e9"),
            ("plain", "plain"),
            ("inline", "#inline")
        ]
    );
}

#[test]
fn frontmatter_scalars_are_read_from_the_note_unless_yaml_reads_them_differently() {
    let text = "---\ntype: people\nname: \"Tomer\"\nhex: 0x1F\nmulti: a\n  b\n---\n";
    let fm = parse_note(text).frontmatter.expect("frontmatter");
    let read: Vec<(&str, &str, bool)> = fm
        .fields
        .iter()
        .map(|f| match &f.value {
            Value::Scalar(s) => (f.key.text(text), s.text(text), s.is_verbatim()),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        read,
        [
            ("type", "people", true),
            ("name", "Tomer", true),
            ("hex", "31", false),
            ("multi", "a b", false),
        ]
    );
}

#[test]
fn heading_texts_are_read_from_the_note_unless_formatting_changes_them() {
    let text = "# Plain title\n## *Big* `x`\n### Ünïcode\n";
    let note = parse_note(text);
    let read: Vec<(&str, bool)> = note
        .headings
        .iter()
        .map(|h| (h.text(text), h.plain.is_none()))
        .collect();
    assert_eq!(
        read,
        [("Plain title", true), ("Big x", false), ("Ünïcode", true)]
    );
}

#[test]
fn links_in_property_values() {
    let text = "---\nup: \"[[Pricing]]\"\nattendees: [\"[[Jeff Denworth]]\", '[[Dana|D]]']\nrelated:\n  - \"[[Tomer Hagay#Profile]]\"\nplain: [[Unquoted]]\nescaped: \"[[Odd\\tName]]\"\n[[Key]]: x\n---\nBody [[Body]]\n";
    let note = parse_note(text);
    let found: Vec<(&str, String)> = note
        .links
        .iter()
        .map(|l| (&text[l.span().range()], l.target(text).into_owned()))
        .collect();
    assert_eq!(
        found,
        [
            ("[[Pricing]]", "Pricing".to_string()),
            ("[[Jeff Denworth]]", "Jeff Denworth".to_string()),
            ("[[Dana|D]]", "Dana".to_string()),
            ("[[Tomer Hagay#Profile]]", "Tomer Hagay".to_string()),
            ("[[Body]]", "Body".to_string()),
        ],
        "quoted values only (unquoted is a nested list to YAML), read as written, never keys"
    );
}

#[test]
fn unquoted_property_links_are_reported_in_every_form() {
    let text = "---\nup: [[Pricing]]\nflow: [[[A]], \"[[B]]\", [[C|c]] ]\nblock:\n  - [[Tomer Hagay]]\n  - \"[[Fine]]\"\nnested: [[x, y]]\nspaced: [[ D ]]\nquoted: [[\"E\"]]\n---\nBody [[Body]]\n";
    let note = parse_note(text);
    let found: Vec<(&str, &str)> = note
        .errors
        .iter()
        .map(|e| (e.code, &text[e.span.range()]))
        .collect();
    assert_eq!(
        found,
        [
            (super::UNQUOTED_PROPERTY_LINK, "[[Pricing]]"),
            (super::UNQUOTED_PROPERTY_LINK, "[[A]]"),
            (super::UNQUOTED_PROPERTY_LINK, "[[C|c]]"),
            (super::UNQUOTED_PROPERTY_LINK, "[[Tomer Hagay]]"),
            (super::UNQUOTED_PROPERTY_LINK, "[[ D ]]"),
        ],
        "a list of two items and a quoted name are not links written unquoted"
    );
}

#[test]
fn reference_links_and_footnotes() {
    let text = "See [Jeff][j], [Pricing][], [pricing], ![img][J], [x][nope], [y][], [plain], \
                [^1], [^undef], \\[^esc], `[^code]` and [[Wiki]].\n\n\
                [j]: <People/Jeff Denworth.md> \"Title\"\n[Pricing]:\n  Projects/Pricing.md#Plan\n\
                [web]: https://example.com\n\n[^1]: A note with [[Link]].\n    continued\n\n\
                %% [c][j] [^gone] %%\n";
    let note = parse_note(text);
    let refs: Vec<String> = note
        .references
        .iter()
        .map(|r| {
            format!(
                "{}{}{} {:?} label {:?}",
                if r.footnote { "footnote " } else { "" },
                if r.definition { "definition" } else { "use" },
                if r.defined { "" } else { " (undefined)" },
                &text[r.span.range()],
                &text[r.label.range()],
            )
        })
        .collect();
    expect_test::expect![[r#"
        [
            "use \"[Jeff][j]\" label \"j\"",
            "use \"[Pricing][]\" label \"Pricing\"",
            "use \"[pricing]\" label \"pricing\"",
            "use \"![img][J]\" label \"J\"",
            "use (undefined) \"[x][nope]\" label \"nope\"",
            "use (undefined) \"[y][]\" label \"y\"",
            "footnote use \"[^1]\" label \"1\"",
            "footnote use (undefined) \"[^undef]\" label \"undef\"",
            "definition \"[j]: <People/Jeff Denworth.md> \\\"Title\\\"\" label \"j\"",
            "definition \"[Pricing]:\\n  Projects/Pricing.md#Plan\" label \"Pricing\"",
            "definition \"[web]: https://example.com\" label \"web\"",
            "footnote definition \"[^1]: A note with [[Link]].\\n    continued\" label \"1\"",
        ]
    "#]]
    .assert_debug_eq(&refs);
    let links: Vec<(String, Option<&str>)> = note
        .links
        .iter()
        .map(|l| {
            (
                l.target(text).into_owned(),
                l.subpath_span().map(|s| &text[s.range()]),
            )
        })
        .collect();
    assert_eq!(
        links,
        [
            ("Wiki".to_string(), None),
            ("People/Jeff Denworth.md".to_string(), None),
            ("Projects/Pricing.md".to_string(), Some("Plan")),
            ("Link".to_string(), None),
        ],
        "definitions to local files are links, in text order; URLs are not"
    );
}

/// A vault holds millions of these: their sizes are kept on purpose (a copy of what the
/// parser read is behind one thin pointer, lists are boxed slices).
#[test]
fn summary_parts_stay_small() {
    use std::mem::size_of;
    assert_eq!(size_of::<crate::syntax::frontmatter::Scalar>(), 16);
    assert_eq!(size_of::<Value>(), 24);
    assert_eq!(size_of::<crate::syntax::Field>(), 40);
    assert_eq!(size_of::<Heading>(), 32);
    assert_eq!(size_of::<Tag>(), 24);
}
