//! The note parser on any bytes: no panic; every range inside the text, on character
//! boundaries and nested as documented; line/column conversion round-trips in every unit.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vaultls::syntax::{ColumnUnit, Columns, Span, parse_note};

fn check(text: &str, span: Span, what: &str) {
    let (start, end) = (span.start as usize, span.end as usize);
    assert!(start <= end, "{what} {span:?} reversed");
    assert!(end <= text.len(), "{what} {span:?} past the end");
    assert!(text.is_char_boundary(start), "{what} {span:?} start");
    assert!(text.is_char_boundary(end), "{what} {span:?} end");
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let text = text.as_ref();
    let note = parse_note(text);
    for l in &note.links {
        check(text, l.span(), "link");
        check(text, l.target_span(), "target");
        assert!(l.span().contains_span(l.target_span()));
        for s in [l.subpath_span(), l.display_span()].into_iter().flatten() {
            check(text, s, "subpath/display");
            assert!(l.span().contains_span(s));
        }
    }
    for h in &note.headings {
        check(text, h.span, "heading");
        check(text, h.text_span, "heading text");
        assert!(h.span.contains_span(h.text_span));
    }
    for b in &note.blocks {
        check(text, b.span, "block id");
        check(text, b.block_span, "block");
        let id = b.id(text);
        assert_eq!(&text[b.span.range()], format!("^{id}"));
        assert!(!id.is_empty());
    }
    for t in &note.tags {
        check(text, t.span, "tag");
    }
    for e in &note.errors {
        check(text, e.span, "error");
    }
    if let Some(fm) = &note.frontmatter {
        check(text, fm.span, "frontmatter");
        for (_, s) in fm.aliases(text) {
            check(text, s, "alias");
        }
        for f in &fm.fields {
            check(text, f.key.span, "key");
            if let vaultls::syntax::Value::Scalar(s) = &f.value {
                check(text, s.span, "value");
            }
        }
    }

    // Every offset that a client position can name maps to a position and back to itself.
    // (The point between the CR and LF of a CRLF is not a position a client can name.)
    let bytes = text.as_bytes();
    for unit in [ColumnUnit::Utf8, ColumnUnit::Utf16, ColumnUnit::Char] {
        let columns = Columns::new(text, unit);
        for offset in (0..=text.len()).filter(|&o| text.is_char_boundary(o)) {
            if offset > 0 && bytes[offset - 1] == b'\r' && bytes.get(offset) == Some(&b'\n') {
                continue;
            }
            let pos = columns.line_col(offset);
            assert_eq!(columns.offset(pos), offset, "{pos:?} {unit:?}");
        }
    }
});
