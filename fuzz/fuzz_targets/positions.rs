//! LSP position conversion: the server's document edits (client positions in UTF-8, UTF-16 or
//! characters, clamped) agree with the same edits applied at offsets found by walking the text
//! character by character, and positions the server sends map back to the same offsets.
#![no_main]

use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use tower_lsp_server::ls_types::{Position, Range};
use vaultls::server::convert::{TextPositions, apply_change};
use vaultls::syntax::ColumnUnit;

#[derive(Arbitrary, Debug)]
struct Input {
    text: String,
    edits: Vec<Edit>,
}

#[derive(Arbitrary, Debug)]
struct Edit {
    start: (u8, u8),
    end: (u8, u8),
    text: String,
    unit: u8,
    /// Sometimes a position far out of range, as a confused client sends.
    wild: bool,
}

fn unit(n: u8) -> ColumnUnit {
    match n % 3 {
        0 => ColumnUnit::Utf8,
        1 => ColumnUnit::Utf16,
        _ => ColumnUnit::Char,
    }
}

fn position((line, col): (u8, u8), wild: bool) -> Position {
    if wild {
        Position::new(u32::from(line) * 1_000_000, u32::MAX - u32::from(col))
    } else {
        Position::new(u32::from(line % 8), u32::from(col % 24))
    }
}

/// The offset of a client position, the obvious way: find the line start by walking every
/// line end (LF, CRLF, lone CR), then walk the line's characters.
fn naive_offset(text: &str, p: Position, unit: ColumnUnit) -> usize {
    let b = text.as_bytes();
    let mut start = 0;
    for _ in 0..p.line {
        let Some(i) = (start..b.len()).find(|&i| b[i] == b'\n' || b[i] == b'\r') else {
            return text.len();
        };
        start = if b[i] == b'\r' && b.get(i + 1) == Some(&b'\n') {
            i + 2
        } else {
            i + 1
        };
    }
    let mut seen = 0usize;
    for (i, c) in text[start..].char_indices() {
        let w = match unit {
            ColumnUnit::Utf8 => c.len_utf8(),
            ColumnUnit::Utf16 => c.len_utf16(),
            ColumnUnit::Char => 1,
        };
        if c == '\n' || c == '\r' || seen + w > p.character as usize {
            return start + i;
        }
        seen += w;
    }
    text.len()
}

fuzz_target!(|input: Input| {
    let mut text = input.text.clone();
    let mut model = input.text.clone();
    for edit in &input.edits {
        let unit = unit(edit.unit);
        let range = Range::new(position(edit.start, edit.wild), position(edit.end, false));
        apply_change(&mut text, range, &edit.text, unit);

        let start = naive_offset(&model, range.start, unit);
        let end = naive_offset(&model, range.end, unit).max(start);
        model.replace_range(start..end, &edit.text);
        assert_eq!(text, model, "{edit:?}");
    }

    // Every position the server sends names the offset it was made from.
    for unit in [ColumnUnit::Utf8, ColumnUnit::Utf16, ColumnUnit::Char] {
        let positions = TextPositions::new(&model, unit);
        for (offset, _) in model.char_indices() {
            let bytes = model.as_bytes();
            if offset > 0 && bytes[offset - 1] == b'\r' && bytes[offset] == b'\n' {
                continue;
            }
            assert_eq!(positions.offset(positions.position(offset)), offset);
        }
    }
});
