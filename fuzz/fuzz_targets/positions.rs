//! LSP position conversion: the server's rope edits (client positions in UTF-8, UTF-16 or
//! characters, clamped) agree with the same edits applied to a plain string through the
//! syntax layer's line index, and positions the server sends map back to the same offsets.
#![no_main]

use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use ropey::Rope;
use tower_lsp_server::ls_types::{Position, Range};
use vaultls::server::convert::{TextPositions, apply_change};
use vaultls::syntax::{ColumnUnit, LineCol, LineIndex};

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

fuzz_target!(|input: Input| {
    let mut rope = Rope::from_str(&input.text);
    let mut model = input.text.clone();
    for edit in &input.edits {
        let unit = unit(edit.unit);
        let range = Range::new(position(edit.start, edit.wild), position(edit.end, false));
        apply_change(&mut rope, range, &edit.text, unit);

        let index = LineIndex::new(&model);
        let at = |p: Position| {
            let lc = LineCol {
                line: p.line,
                col: p.character,
            };
            index.offset(&model, lc, unit)
        };
        let start = at(range.start);
        let end = at(range.end).max(start);
        model.replace_range(start..end, &edit.text);
        assert_eq!(rope.to_string(), model, "{edit:?}");
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
