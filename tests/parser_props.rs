//! Property: the parser never panics, and every range it reports lies inside the text, on
//! character boundaries, nested as documented.

use proptest::prelude::*;
use vaultls::syntax::{Span, parse_note};

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
        Just("—😀â€”".to_string()),
        "[a-zA-Z0-9 ./]{0,6}",
        any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(atoms, 0..40).prop_map(|v| v.concat())
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

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        let _ = parse_note(&text);
    }
}
