//! Between LSP positions (UTF-16 or UTF-8 columns), byte offsets, rope edits and URIs.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use ropey::Rope;
use tower_lsp_server::ls_types::{Position, Range, Uri};

use crate::syntax::{ColumnUnit, LineCol, LineIndex, Span};
use crate::vault::Note;

/// A note's text with its line index, for converting positions both ways.
pub struct TextPositions<'a> {
    pub text: &'a str,
    pub index: Cow<'a, LineIndex>,
    pub unit: ColumnUnit,
}

impl<'a> TextPositions<'a> {
    /// For a note of the store, whose lines are already indexed.
    pub fn of(note: &'a Note, unit: ColumnUnit) -> TextPositions<'a> {
        TextPositions {
            text: &note.text,
            index: Cow::Borrowed(&note.lines),
            unit,
        }
    }

    /// For any text (indexes its lines).
    pub fn new(text: &'a str, unit: ColumnUnit) -> TextPositions<'a> {
        TextPositions {
            text,
            index: Cow::Owned(LineIndex::new(text)),
            unit,
        }
    }

    /// The byte offset of a client position, clamped into the text.
    pub fn offset(&self, pos: Position) -> usize {
        self.index.offset(
            self.text,
            LineCol {
                line: pos.line,
                col: pos.character,
            },
            self.unit,
        )
    }

    pub fn position(&self, offset: usize) -> Position {
        let lc = self.index.line_col(self.text, offset, self.unit);
        Position::new(lc.line, lc.col)
    }

    pub fn range(&self, span: Span) -> Range {
        Range::new(
            self.position(span.start as usize),
            self.position(span.end as usize),
        )
    }
}

/// Applies one content change to a rope. Positions past a line's end or the document's end
/// clamp; a range whose end precedes its start is treated as empty.
pub fn apply_change(rope: &mut Rope, range: Range, text: &str, unit: ColumnUnit) {
    let start = rope_char(rope, range.start, unit);
    let end = rope_char(rope, range.end, unit).max(start);
    rope.remove(start..end);
    rope.insert(start, text);
}

/// The char index of a client position in a rope (clamped).
fn rope_char(rope: &Rope, pos: Position, unit: ColumnUnit) -> usize {
    let line = pos.line as usize;
    if line >= rope.len_lines() {
        return rope.len_chars();
    }
    let line_start = rope.line_to_char(line);
    let mut col = 0usize;
    let mut chars = 0usize;
    for c in rope.line(line).chars() {
        if c == '\n' || c == '\r' {
            break;
        }
        let width = match unit {
            ColumnUnit::Utf8 => c.len_utf8(),
            ColumnUnit::Utf16 => c.len_utf16(),
            ColumnUnit::Char => 1,
        };
        if col + width > pos.character as usize {
            break;
        }
        col += width;
        chars += 1;
    }
    line_start + chars
}

/// The local path of a `file:` URI (`None` for other schemes).
pub fn uri_to_path(uri: &Uri) -> Option<PathBuf> {
    if !uri.scheme().as_str().eq_ignore_ascii_case("file") {
        return None;
    }
    uri.to_file_path().map(|p| p.into_owned())
}

pub fn path_to_uri(path: &Path) -> Option<Uri> {
    Uri::from_file_path(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rope_edits_in_both_encodings() {
        let mut rope = Rope::from_str("a😀b—c\nâ€”x\n");
        // UTF-16: the emoji is 2 units; insert after it.
        apply_change(
            &mut rope,
            Range::new(Position::new(0, 3), Position::new(0, 3)),
            "X",
            ColumnUnit::Utf16,
        );
        assert_eq!(rope.to_string(), "a😀Xb—c\nâ€”x\n");
        // UTF-8: `â€”` is 8 bytes; replace it.
        apply_change(
            &mut rope,
            Range::new(Position::new(1, 0), Position::new(1, 8)),
            "-",
            ColumnUnit::Utf8,
        );
        assert_eq!(rope.to_string(), "a😀Xb—c\n-x\n");
        // Out of range: clamps to the end.
        apply_change(
            &mut rope,
            Range::new(Position::new(9, 9), Position::new(99, 0)),
            "!",
            ColumnUnit::Utf16,
        );
        assert_eq!(rope.to_string(), "a😀Xb—c\n-x\n!");
        // Past the end of a line: clamps to the line's end, before the newline.
        apply_change(
            &mut rope,
            Range::new(Position::new(0, 99), Position::new(0, 99)),
            "?",
            ColumnUnit::Utf16,
        );
        assert_eq!(rope.to_string(), "a😀Xb—c?\n-x\n!");
    }

    #[test]
    fn positions_round_trip() {
        let text = "x 😀 [[Tomer]] â€” y\n";
        for unit in [ColumnUnit::Utf8, ColumnUnit::Utf16] {
            let p = TextPositions::new(text, unit);
            let at = text.find("Tomer").unwrap();
            assert_eq!(p.offset(p.position(at)), at);
        }
        let p = TextPositions::new(text, ColumnUnit::Utf16);
        assert_eq!(p.position(text.find("Tomer").unwrap()), Position::new(0, 7));
        let p = TextPositions::new(text, ColumnUnit::Utf8);
        assert_eq!(p.position(text.find("Tomer").unwrap()), Position::new(0, 9));
    }
}
