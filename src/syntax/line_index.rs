//! Conversion between byte offsets and line/column positions.
//!
//! Columns can be counted in UTF-8 bytes, UTF-16 code units (LSP's default) or Unicode scalar
//! values (what `vaultls check` prints). Offsets and positions coming from outside are clamped,
//! never trusted: a position past the end of a line lands on the line's end, a line past the end
//! of the text lands on the text's end, and an offset inside a multi-byte character moves back
//! to that character's start.

/// How columns are counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnUnit {
    Utf8,
    Utf16,
    Char,
}

/// A zero-based line and column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    pub line: u32,
    pub col: u32,
}

/// Start offsets of every line of a text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineIndex {
    /// Byte offset of the start of each line; `line_starts[0] == 0`.
    line_starts: Vec<u32>,
    len: u32,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let bytes = text.as_bytes();
        // Sized up front (every vault note keeps one): exact unless lone CRs end lines.
        let mut line_starts = Vec::with_capacity(memchr::memchr_iter(b'\n', bytes).count() + 1);
        line_starts.push(0);
        // memchr skips the bytes between line ends many at a time.
        for i in memchr::memchr2_iter(b'\n', b'\r', bytes) {
            // A lone CR ends a line too (CommonMark); CRLF counts once, at the LF.
            if bytes[i] == b'\n' || bytes.get(i + 1) != Some(&b'\n') {
                line_starts.push(i as u32 + 1);
            }
        }
        LineIndex {
            line_starts,
            len: text.len() as u32,
        }
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// Byte range of line `line` including its terminator, clamped to the text.
    pub fn line_span(&self, line: usize) -> (usize, usize) {
        let line = line.min(self.line_starts.len() - 1);
        let start = self.line_starts[line] as usize;
        let end = self
            .line_starts
            .get(line + 1)
            .map_or(self.len as usize, |&s| s as usize);
        (start, end)
    }

    /// The position of byte `offset` (clamped to the text and to a character boundary).
    pub fn line_col(&self, text: &str, offset: usize, unit: ColumnUnit) -> LineCol {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let line = self.line_starts.partition_point(|&s| s as usize <= offset) - 1;
        let start = self.line_starts[line] as usize;
        let prefix = &text[start..offset];
        let col = match unit {
            ColumnUnit::Utf8 => prefix.len(),
            ColumnUnit::Utf16 => prefix.chars().map(char::len_utf16).sum(),
            ColumnUnit::Char => prefix.chars().count(),
        };
        LineCol {
            line: line as u32,
            col: col as u32,
        }
    }

    /// Like [`LineIndex::line_col`], but counts only from `known`, an earlier position on the
    /// same line, when there is one: converting many offsets of one long line in order then
    /// costs the line's length once instead of once per offset.
    pub fn line_col_after(
        &self,
        text: &str,
        known: (usize, LineCol),
        offset: usize,
        unit: ColumnUnit,
    ) -> LineCol {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let (from, at) = known;
        let between = match text.get(from..offset) {
            Some(between) if !between.contains(['\n', '\r']) => between,
            _ => return self.line_col(text, offset, unit),
        };
        let extra = match unit {
            ColumnUnit::Utf8 => between.len(),
            ColumnUnit::Utf16 => between.chars().map(char::len_utf16).sum(),
            ColumnUnit::Char => between.chars().count(),
        };
        LineCol {
            line: at.line,
            col: at.col + extra as u32,
        }
    }

    /// The byte offset of a position, clamped: past the last line → end of text; past the end
    /// of a line → the end of its content (before the line terminator); inside a character
    /// (a UTF-16 column between surrogates, a UTF-8 column inside a sequence) → that
    /// character's start.
    pub fn offset(&self, text: &str, pos: LineCol, unit: ColumnUnit) -> usize {
        let line = pos.line as usize;
        if line >= self.line_starts.len() {
            return text.len();
        }
        let (start, end) = self.line_span(line);
        let content = trim_line_end(&text[start..end]);
        let want = pos.col as usize;
        let mut seen = 0;
        for (i, c) in content.char_indices() {
            let w = match unit {
                ColumnUnit::Utf8 => c.len_utf8(),
                ColumnUnit::Utf16 => c.len_utf16(),
                ColumnUnit::Char => 1,
            };
            if seen + w > want {
                return start + i;
            }
            seen += w;
        }
        start + content.len()
    }
}

fn trim_line_end(line: &str) -> &str {
    let line = line.strip_suffix('\n').unwrap_or(line);
    line.strip_suffix('\r').unwrap_or(line)
}

/// The largest char boundary `<= offset` (offset must be `<= text.len()`).
pub fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_in_each_unit() {
        let text = "a—b😀c\nâ€”x\r\nlast";
        let idx = LineIndex::new(text);
        let c = text.find('c').unwrap();
        assert_eq!(
            idx.line_col(text, c, ColumnUnit::Utf8),
            LineCol { line: 0, col: 9 }
        );
        assert_eq!(
            idx.line_col(text, c, ColumnUnit::Utf16),
            LineCol { line: 0, col: 5 }
        );
        assert_eq!(
            idx.line_col(text, c, ColumnUnit::Char),
            LineCol { line: 0, col: 4 }
        );
        let x = text.find('x').unwrap();
        assert_eq!(
            idx.line_col(text, x, ColumnUnit::Char),
            LineCol { line: 1, col: 3 }
        );
        assert_eq!(
            idx.line_col(text, x, ColumnUnit::Utf8),
            LineCol { line: 1, col: 8 }
        );
        let last = text.find("last").unwrap();
        assert_eq!(
            idx.line_col(text, last, ColumnUnit::Utf16),
            LineCol { line: 2, col: 0 }
        );
        for unit in [ColumnUnit::Utf8, ColumnUnit::Utf16, ColumnUnit::Char] {
            let lc = idx.line_col(text, c, unit);
            assert_eq!(idx.offset(text, lc, unit), c);
        }
    }

    #[test]
    fn incremental_conversion_agrees() {
        let text = "a—b😀c d\nxy—z\r\nq";
        let idx = LineIndex::new(text);
        let offsets: Vec<usize> = (0..=text.len())
            .filter(|&o| text.is_char_boundary(o))
            .collect();
        for unit in [ColumnUnit::Utf8, ColumnUnit::Utf16, ColumnUnit::Char] {
            for &a in &offsets {
                let known = (a, idx.line_col(text, a, unit));
                for &b in &offsets {
                    assert_eq!(
                        idx.line_col_after(text, known, b, unit),
                        idx.line_col(text, b, unit),
                        "{a} -> {b} {unit:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn clamps_out_of_range_positions() {
        let text = "ab😀\r\nxy";
        let idx = LineIndex::new(text);
        // Past the end of line 0: its content end, before CRLF.
        assert_eq!(
            idx.offset(text, LineCol { line: 0, col: 99 }, ColumnUnit::Utf16),
            6
        );
        // Between the two surrogates of the emoji: the emoji's start.
        assert_eq!(
            idx.offset(text, LineCol { line: 0, col: 3 }, ColumnUnit::Utf16),
            2
        );
        assert_eq!(
            idx.offset(text, LineCol { line: 0, col: 3 }, ColumnUnit::Utf8),
            2
        );
        assert_eq!(
            idx.offset(text, LineCol { line: 7, col: 0 }, ColumnUnit::Char),
            text.len()
        );
        // An offset inside the emoji reports the emoji's column.
        assert_eq!(
            idx.line_col(text, 4, ColumnUnit::Char),
            LineCol { line: 0, col: 2 }
        );
        assert_eq!(
            idx.line_col(text, 999, ColumnUnit::Char),
            LineCol { line: 1, col: 2 }
        );
    }

    #[test]
    fn lone_cr_ends_a_line() {
        let text = "a\rb\r\nc";
        let idx = LineIndex::new(text);
        assert_eq!(idx.line_count(), 3);
        assert_eq!(
            idx.line_col(text, 2, ColumnUnit::Char),
            LineCol { line: 1, col: 0 }
        );
        assert_eq!(
            idx.line_col(text, 5, ColumnUnit::Char),
            LineCol { line: 2, col: 0 }
        );
    }
}
