//! Property: the parser never panics, and every range it reports lies inside the text, on
//! character boundaries, nested as documented.

use std::sync::Arc;

use proptest::prelude::*;
use vaultls::syntax::{NoteSyntax, Pieces, Span, StrPool, TextAt, Value, parse_note};

fn markdownish() -> impl Strategy<Value = String> {
    let atoms = prop_oneof![
        Just("[[".to_string()),
        Just("]]".to_string()),
        Just("![[".to_string()),
        Just("|".to_string()),
        Just("\\|".to_string()),
        Just("#".to_string()),
        Just("^".to_string()),
        Just("---\n".to_string()),
        Just("```".to_string()),
        Just("`".to_string()),
        Just("$".to_string()),
        Just("%%".to_string()),
        Just("<!--".to_string()),
        Just("-->".to_string()),
        Just("](".to_string()),
        Just(")".to_string()),
        Just("<".to_string()),
        Just(">".to_string()),
        Just("%20".to_string()),
        Just("\n".to_string()),
        Just("\r\n".to_string()),
        Just("\r".to_string()),
        Just("- ".to_string()),
        Just("> ".to_string()),
        Just("| a |\n|---|\n".to_string()),
        Just("\u{feff}".to_string()),
        Just("tags: [a, #b]\n".to_string()),
        Just("title: \"T\\u00e9\"\n".to_string()),
        Just("aliases: [x, 'y z']\n".to_string()),
        Just("type: people\nup: \"[[P#H|d]]\"\n".to_string()),
        Just("[^1]".to_string()),
        Just("[^1]: note\n".to_string()),
        Just("[ref]: a.md\n".to_string()),
        Just("[x][ref]".to_string()),
        Just("—😀â€”".to_string()),
        "[a-zA-Z0-9 ./]{0,6}",
        any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(atoms, 0..40).prop_map(|v| v.concat())
}

/// A frontmatter line, valid YAML or not.
fn yaml_line() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("title: \"T\\u00e9 x\"\n".to_string()),
        Just("Title: plain\n".to_string()),
        Just("aliases: [x, 'y z', \"a\\tb\"]\n".to_string()),
        Just("alias:\n  - one\n  - \"two\"\n".to_string()),
        Just("type: people\n".to_string()),
        Just("up: \"[[P#H|d]]\"\nlinks: [\"[[A]]\", \"[[B#^c]]\"]\n".to_string()),
        Just("tags: [a, \"#b\"]\n".to_string()),
        Just("map:\n  k: v\n  n: 0x1F\n".to_string()),
        Just("folded: >\n  a\n  b\n".to_string()),
        Just("bad: [\n".to_string()),
        "[a-z]{1,5}: [a-zA-Z0-9 #é]{0,8}\n",
    ]
}

fn check_span(text: &str, span: Span, what: &str) -> Result<(), TestCaseError> {
    prop_assert!(span.start <= span.end, "{what} {span:?} reversed");
    prop_assert!(
        span.end as usize <= text.len(),
        "{what} {span:?} past the end"
    );
    prop_assert!(
        text.is_char_boundary(span.start as usize),
        "{what} {span:?} start"
    );
    prop_assert!(
        text.is_char_boundary(span.end as usize),
        "{what} {span:?} end"
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn ranges_are_exact_and_never_panic(text in markdownish()) {
        let note = parse_note(&text);
        for l in &note.links {
            check_span(&text, l.span(), "link")?;
            check_span(&text, l.target_span(), "target")?;
            prop_assert!(l.span().contains_span(l.target_span()));
            for s in [l.subpath_span(), l.display_span()].into_iter().flatten() {
                check_span(&text, s, "sub")?;
                prop_assert!(l.span().contains_span(s));
            }
        }
        for h in &note.headings {
            check_span(&text, h.span, "heading")?;
            check_span(&text, h.text_span, "heading text")?;
        }
        for b in &note.blocks {
            check_span(&text, b.span, "block")?;
            check_span(&text, b.block_span, "block span")?;
            let id = b.id(&text);
            prop_assert_eq!(&text[b.span.range()], format!("^{id}"));
            prop_assert!(!id.is_empty());
            prop_assert!(id.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-'), "{id:?}");
        }
        for t in &note.tags {
            check_span(&text, t.span, "tag")?;
        }
        for e in &note.errors {
            check_span(&text, e.span, "error")?;
        }
        if let Some(fm) = &note.frontmatter {
            check_span(&text, fm.span, "frontmatter")?;
            for (_, s) in fm.aliases(&text) {
                check_span(&text, s, "alias")?;
            }
            for f in &fm.fields {
                check_span(&text, f.key.span, "key")?;
                if let vaultls::syntax::Value::Scalar(s) = &f.value {
                    check_span(&text, s.span, "value")?;
                }
            }
        }
    }

    /// What a summary reads from the whole text, it reads the same from the pieces of it.
    #[test]
    fn pieces_read_as_the_whole_text(
        yaml in prop::collection::vec(yaml_line(), 0..6),
        body in markdownish(),
    ) {
        let text = if yaml.is_empty() { body } else { format!("---\n{}---\n{body}", yaml.concat()) };
        let note = parse_note(&text);
        // Links' paths kept in a pool or not; the pool holding strings of other notes.
        let pool = Arc::new(StrPool::default());
        pool.intern("[Other");
        for pool in [None, Some(&pool)] {
            let pieces = Pieces::new(&text, &note, pool);
            prop_assert_eq!(pieces.len(), text.len());
            prop_assert_eq!(reads(&note, text.as_str()), reads(&note, &pieces));
            // As a cache file stores them and reads them back.
            let parts = pieces.parts();
            let pool = pool.cloned().unwrap_or_default();
            let back = Pieces::from_parts(
                parts.starts(),
                parts.held,
                parts.pooled(),
                &pool,
                &pool.lens(),
                parts.len,
            );
            prop_assert_eq!(back.as_ref(), Some(&pieces));
        }
    }

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        let _ = parse_note(&text);
    }
}

/// Everything a summary's accessors read from `text`.
fn reads<T: TextAt + ?Sized>(note: &NoteSyntax, text: &T) -> Vec<String> {
    let mut out = vec![note.title(text, "stem").to_string()];
    out.extend(note.aliases(text).map(|(a, s)| format!("alias {a} {s:?}")));
    for l in &note.links {
        out.push(format!("link {} {:?}", l.target(text), l.subpath(text)));
        // The byte before the path (a Markdown link's `<`); not the brackets or display
        // text, which only the note being written (held whole) is read for.
        let start = l.target_span().start as usize;
        out.push(format!(
            "before {:?}",
            text.at(start.saturating_sub(1)..start)
        ));
    }
    for h in &note.headings {
        out.push(format!("heading {} {}", h.text(text), h.source(text)));
    }
    out.extend(note.blocks.iter().map(|b| format!("block {}", b.id(text))));
    out.extend(note.tags.iter().map(|t| format!("tag {}", t.name(text))));
    for r in &note.references {
        let same: Vec<bool> = note
            .references
            .iter()
            .map(|o| r.same_label(o, text))
            .collect();
        out.push(format!("reference {:?} {same:?}", text.at(r.label.range())));
    }
    if let Some(fm) = &note.frontmatter {
        out.push(format!(
            "title {:?} type {:?}",
            fm.title(text),
            fm.note_type(text)
        ));
        fn value<T: TextAt + ?Sized>(v: &Value, text: &T, out: &mut Vec<String>) {
            match v {
                Value::Scalar(s) => out.push(format!("value {}", s.text(text))),
                Value::List(items) => items.iter().for_each(|v| value(v, text, out)),
                Value::Map(fields) => fields.iter().for_each(|f| {
                    out.push(format!("key {}", f.key.text(text)));
                    value(&f.value, text, out);
                }),
                Value::Null => out.push("null".into()),
            }
        }
        for f in &fm.fields {
            out.push(format!("key {}", f.key.text(text)));
            value(&f.value, text, &mut out);
        }
    }
    out
}
