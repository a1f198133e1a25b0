//! Between LSP positions (UTF-16 or UTF-8 columns) and byte offsets, document edits, and URIs.

use std::path::{Path, PathBuf};

use tower_lsp_server::ls_types::{Position, Range, Uri};

use crate::syntax::{ColumnUnit, Columns, LineCol, Span};
use crate::vault::Note;

/// A note's text with its line index, for converting positions both ways: linear to set up,
/// logarithmic per conversion (see [`Columns`]).
pub struct TextPositions<'a> {
    columns: Columns<'a>,
}

impl<'a> TextPositions<'a> {
    /// For a note of the store, whose lines are already indexed.
    pub fn of(note: &'a Note, unit: ColumnUnit) -> TextPositions<'a> {
        TextPositions {
            columns: note.columns(unit),
        }
    }

    /// For any text (indexes its lines).
    pub fn new(text: &'a str, unit: ColumnUnit) -> TextPositions<'a> {
        TextPositions {
            columns: Columns::new(text, unit),
        }
    }

    /// The byte offset of a client position, clamped into the text.
    pub fn offset(&self, pos: Position) -> usize {
        self.columns.offset(LineCol {
            line: pos.line,
            col: pos.character,
        })
    }

    pub fn position(&self, offset: usize) -> Position {
        let lc = self.columns.line_col(offset);
        Position::new(lc.line, lc.col)
    }

    pub fn range(&self, span: Span) -> Range {
        Range::new(
            self.position(span.start as usize),
            self.position(span.end as usize),
        )
    }
}

/// Applies one content change to a document's text. Positions past a line's end or the
/// document's end clamp; a range whose end precedes its start is treated as empty.
pub fn apply_change(text: &mut String, range: Range, new_text: &str, unit: ColumnUnit) {
    let (start, end) = {
        let positions = TextPositions::new(text, unit);
        let start = positions.offset(range.start);
        (start, positions.offset(range.end).max(start))
    };
    text.replace_range(start..end, new_text);
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
    fn edits_in_both_encodings() {
        let mut text = String::from("a😀b—c\nâ€”x\n");
        // UTF-16: the emoji is 2 units; insert after it.
        apply_change(
            &mut text,
            Range::new(Position::new(0, 3), Position::new(0, 3)),
            "X",
            ColumnUnit::Utf16,
        );
        assert_eq!(text, "a😀Xb—c\nâ€”x\n");
        // UTF-8: `â€”` is 8 bytes; replace it.
        apply_change(
            &mut text,
            Range::new(Position::new(1, 0), Position::new(1, 8)),
            "-",
            ColumnUnit::Utf8,
        );
        assert_eq!(text, "a😀Xb—c\n-x\n");
        // Out of range: clamps to the end.
        apply_change(
            &mut text,
            Range::new(Position::new(9, 9), Position::new(99, 0)),
            "!",
            ColumnUnit::Utf16,
        );
        assert_eq!(text, "a😀Xb—c\n-x\n!");
        // Past the end of a line: clamps to the line's end, before the newline.
        apply_change(
            &mut text,
            Range::new(Position::new(0, 99), Position::new(0, 99)),
            "?",
            ColumnUnit::Utf16,
        );
        assert_eq!(text, "a😀Xb—c?\n-x\n!");
        // End before start: an insertion at the start.
        apply_change(
            &mut text,
            Range::new(Position::new(1, 1), Position::new(0, 0)),
            "<",
            ColumnUnit::Utf16,
        );
        assert_eq!(text, "a😀Xb—c?\n-<x\n!");
        // Inside a surrogate pair: the emoji's start.
        apply_change(
            &mut text,
            Range::new(Position::new(0, 2), Position::new(0, 2)),
            "|",
            ColumnUnit::Utf16,
        );
        assert_eq!(text, "a|😀Xb—c?\n-<x\n!");
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
