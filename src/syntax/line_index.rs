//! Conversion between byte offsets and line/column positions: the one column counter of the
//! codebase (the server, `vaultls check`, settings errors and test fixtures all use it).
//!
//! Columns can be counted in UTF-8 bytes, UTF-16 code units (LSP's default) or Unicode scalar
//! values (what `vaultls check` prints). Offsets and positions coming from outside are clamped,
//! never trusted: a position past the end of a line lands on the line's end, a line past the end
//! of the text lands on the text's end, and an offset inside a multi-byte character moves back
//! to that character's start.
//!
//! [`LineIndex`] (kept with every note) holds where lines start. [`Columns`] adds, for one text
//! and one unit, a table of the characters that unit counts differently from UTF-8 with running
//! sums, built in one pass over the text (none at all for UTF-8 or ASCII text). Each conversion
//! is then two binary searches, whatever the line's length: a note's diagnostics on one line of
//! 80k links cost the note's length once, not once per position (rust-analyzer's `line-index`
//! is the model; it keeps a table per line, one table per text is enough here and simpler).

use std::borrow::Cow;
use std::sync::Arc;

/// How columns are counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnUnit {
    Utf8,
    Utf16,
    Char,
}

impl ColumnUnit {
    /// How many units `c` counts for.
    pub fn width(self, c: char) -> usize {
        match self {
            ColumnUnit::Utf8 => c.len_utf8(),
            ColumnUnit::Utf16 => c.len_utf16(),
            ColumnUnit::Char => 1,
        }
    }
}

/// A zero-based line and column.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    pub line: u32,
    pub col: u32,
}

/// Start offsets of every line of a text. A line ends at LF, CRLF or a lone CR (CommonMark).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineIndex {
    /// Byte offset of the start of each line; the first is 0.
    line_starts: Starts,
    len: u32,
}

/// Line starts in 16 bits when the text is shorter than 64 KiB (nearly every note: a vault
/// keeps a table per note, 8.5 MB at 50k generated notes in 32 bits), else in 32. Shared, so
/// that a note and a cache file to write hold one table, and a [`LineIndex`] is cloned
/// cheaply: a note holds it by value (an `Arc` around it was a heap block more a note).
#[derive(Clone, Debug, PartialEq, Eq)]
enum Starts {
    Short(Arc<[u16]>),
    Long(Arc<[u32]>),
}

/// `values`, of which there are about `count`, into one allocation of that size when there
/// are exactly that many (a `Vec` first would be one more, and a copy).
fn shared<T: Copy + Default>(values: impl Iterator<Item = T>, count: usize) -> Arc<[T]> {
    let mut shared: Arc<[T]> = std::iter::repeat_n(T::default(), count).collect();
    let slots = Arc::get_mut(&mut shared).expect("not shared yet");
    let mut values = values.fuse();
    let mut filled = 0;
    for (slot, value) in slots.iter_mut().zip(&mut values) {
        *slot = value;
        filled += 1;
    }
    match values.next() {
        // More than `count` (lone CRs end lines too).
        Some(next) => {
            let mut all = shared.to_vec();
            all.push(next);
            all.extend(values);
            all.into()
        }
        None if filled < count => shared[..filled].into(),
        None => shared,
    }
}

impl Starts {
    /// `starts` (about `count` of them) of a text of `len` bytes, in the width `len` allows,
    /// written once.
    fn collect(starts: impl Iterator<Item = u32>, count: usize, len: u32) -> Starts {
        if len <= u32::from(u16::MAX) {
            Starts::Short(shared(starts.map(|s| s as u16), count))
        } else {
            Starts::Long(shared(starts, count))
        }
    }

    fn len(&self) -> usize {
        match self {
            Starts::Short(s) => s.len(),
            Starts::Long(s) => s.len(),
        }
    }

    fn get(&self, i: usize) -> Option<usize> {
        match self {
            Starts::Short(s) => s.get(i).map(|&s| s as usize),
            Starts::Long(s) => s.get(i).map(|&s| s as usize),
        }
    }

    /// How many lines start at or before `offset`.
    fn at_or_before(&self, offset: usize) -> usize {
        match self {
            Starts::Short(s) => s.partition_point(|&s| s as usize <= offset),
            Starts::Long(s) => s.partition_point(|&s| s as usize <= offset),
        }
    }
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let bytes = text.as_bytes();
        // memchr skips the bytes between line ends many at a time. A lone CR ends a line too
        // (CommonMark); CRLF counts once, at the LF.
        let ends = memchr::memchr2_iter(b'\n', b'\r', bytes)
            .filter(|&i| bytes[i] == b'\n' || bytes.get(i + 1) != Some(&b'\n'));
        let starts = std::iter::once(0).chain(ends.map(|i| i as u32 + 1));
        // Sized up front (every vault note keeps one): exact unless lone CRs end lines.
        let count = memchr::memchr_iter(b'\n', bytes).count() + 1;
        let len = text.len() as u32;
        LineIndex {
            line_starts: Starts::collect(starts, count, len),
            len,
        }
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// Where lines start, and the text's length: what a cache file stores.
    pub fn parts(&self) -> (impl ExactSizeIterator<Item = u32> + Clone + '_, u32) {
        let starts = (0..self.line_starts.len()).map(|i| self.line_start(i) as u32);
        (starts, self.len)
    }

    /// A line index read back from [`LineIndex::parts`]; `None` unless the first line starts
    /// at 0 and the others follow, inside the text.
    pub fn from_parts<I>(line_starts: I, len: u32) -> Option<LineIndex>
    where
        I: IntoIterator<Item = u32>,
        I::IntoIter: ExactSizeIterator + Clone,
    {
        let line_starts = line_starts.into_iter();
        let mut next = 0u64;
        for (i, start) in line_starts.clone().enumerate() {
            // The first at 0, each after the one before, none past the end.
            if (i == 0) != (start == 0) || u64::from(start) < next || start > len {
                return None;
            }
            next = u64::from(start) + 1;
        }
        let count = line_starts.len();
        (count > 0).then(|| LineIndex {
            line_starts: Starts::collect(line_starts, count, len),
            len,
        })
    }

    /// Where line `line` starts (it exists).
    fn line_start(&self, line: usize) -> usize {
        self.line_starts.get(line).expect("a line of the text")
    }

    /// Byte range of line `line` including its terminator, clamped to the text.
    pub fn line_span(&self, line: usize) -> (usize, usize) {
        let line = line.min(self.line_starts.len() - 1);
        let start = self.line_start(line);
        let end = self.line_starts.get(line + 1).unwrap_or(self.len as usize);
        (start, end)
    }

    /// The line holding byte `offset` (clamped to the text).
    pub fn line_of(&self, offset: usize) -> u32 {
        let offset = offset.min(self.len as usize);
        (self.line_starts.at_or_before(offset) - 1) as u32
    }
}

/// Where a text's non-ASCII characters are and how long each is in UTF-8: what [`Columns`]
/// needs of a note whose text is not held (a vault note kept in pieces). Read only in order,
/// so packed: a byte per character, its length minus one in the low two bits and the bytes
/// since the previous character's end (below 64) in the high six; a longer gap is first
/// given as a zero byte and the gap in LEB128. Text of accented words or mojibake (runs of
/// adjacent characters) then takes a byte a character, not four: at 50k generated notes
/// 17 MB became 7.5 MB. Empty for ASCII text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WideChars(Box<[u8]>);

impl WideChars {
    pub fn new(text: &str) -> WideChars {
        if text.is_ascii() {
            return WideChars::default();
        }
        let mut out = Vec::new();
        let mut end = 0;
        for (at, len) in non_ascii(text) {
            let mut gap = at - end;
            if gap >= 64 {
                out.push(0);
                while gap >= 0x80 {
                    out.push((gap as u8) | 0x80);
                    gap >>= 7;
                }
                out.push(gap as u8);
                gap = 0;
            }
            out.push(((gap as u8) << 2) | (len as u8 - 1));
            end = at + len;
        }
        WideChars(out.into_boxed_slice())
    }

    pub fn heap_bytes(&self) -> usize {
        self.0.len()
    }

    /// The packed bytes, as a cache file stores them.
    pub fn raw(&self) -> &[u8] {
        &self.0
    }

    /// Entries read back from [`WideChars::raw`] for a text of `len` bytes; `None` unless
    /// they decode, each character two to four bytes long and inside the text.
    pub fn from_raw(raw: &[u8], len: usize) -> Option<WideChars> {
        let wide = WideChars(raw.into());
        let end = match raw.contains(&0) {
            true => wide.decoded_end(),
            false => gapless_end(raw),
        };
        end.is_some_and(|end| end <= len).then_some(wide)
    }

    /// Where the last character ends, `None` unless every entry decodes.
    fn decoded_end(&self) -> Option<usize> {
        let mut end = 0;
        for char in self.decode() {
            let (at, width) = char?;
            end = at + width;
        }
        Some(end)
    }

    /// (offset, UTF-8 length) of each non-ASCII character, in text order.
    fn iter(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        // Made by `new` or checked by `from_raw`: every entry decodes.
        self.decode().map_while(|c| c)
    }

    /// Each character, `None` for bytes that do not decode (and the end).
    fn decode(&self) -> impl Iterator<Item = Option<(usize, usize)>> + '_ {
        let mut bytes = self.0.iter();
        let mut end = 0usize;
        std::iter::from_fn(move || {
            let mut b = *bytes.next()?;
            let mut gap = 0usize;
            if b == 0 {
                let mut shift = 0;
                loop {
                    let Some(&next) = bytes.next().filter(|_| shift < 63) else {
                        return Some(None);
                    };
                    gap |= ((next & 0x7F) as usize) << shift;
                    shift += 7;
                    if next & 0x80 == 0 {
                        break;
                    }
                }
                let Some(&next) = bytes.next() else {
                    return Some(None);
                };
                b = next;
            }
            if b & 3 == 0 {
                return Some(None);
            }
            let Some(at) = end
                .checked_add(gap)
                .and_then(|e| e.checked_add((b >> 2) as usize))
            else {
                return Some(None);
            };
            let len = (b & 3) as usize + 1;
            end = at + len;
            Some(Some((at, len)))
        })
    }
}

/// [`WideChars::decoded_end`] of a table without a zero byte (no gap of 64 bytes or more:
/// nearly every table), where each byte is a character: one pass the compiler vectorizes
/// (decoding each entry was 2.5 % of a warm load's time).
fn gapless_end(raw: &[u8]) -> Option<usize> {
    let widths_fit = raw.iter().all(|&b| b & 3 != 0);
    let end = raw
        .iter()
        .map(|&b| (b >> 2) as usize + (b & 3) as usize + 1)
        .sum();
    widths_fit.then_some(end)
}

/// The offset and UTF-8 length of each non-ASCII character of `text`, in order: eight
/// bytes at a time past ASCII runs (every byte of every note is looked at; a `char_indices`
/// walk cost ~0.1 s per 50k notes), then each lead byte's length.
fn non_ascii(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let bytes = text.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < bytes.len() {
            if let Some(chunk) = bytes.get(i..i + 8) {
                let word = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
                if word & 0x8080_8080_8080_8080 == 0 {
                    i += 8;
                    continue;
                }
            }
            let len = match bytes[i] {
                // ASCII, or a continuation byte.
                0x00..=0xBF => {
                    i += 1;
                    continue;
                }
                0xC0..=0xDF => 2,
                0xE0..=0xEF => 3,
                _ => 4,
            };
            let at = i;
            i += len;
            return Some((at, len));
        }
        None
    })
}

/// The [`Columns`] tables for `unit` from a text's non-ASCII characters (offset, UTF-8
/// length, in order): the characters `unit` counts differently from UTF-8, and the running
/// sums of the difference.
fn wide_table(
    unit: ColumnUnit,
    chars: impl Iterator<Item = (usize, usize)>,
) -> (Vec<u32>, Vec<u32>) {
    let (mut wide, mut excess) = (Vec::new(), vec![0]);
    if unit == ColumnUnit::Utf8 {
        return (wide, excess);
    }
    let mut sum = 0u32;
    for (at, len) in chars {
        // UTF-16 counts two units for a four-byte character, one for the others.
        let units = match unit {
            ColumnUnit::Utf16 => 1 + usize::from(len == 4),
            _ => 1,
        };
        if len > units {
            wide.push(at as u32);
            sum += (len - units) as u32;
            excess.push(sum);
        }
    }
    (wide, excess)
}

/// Converts positions of one text in one unit, both ways, each in logarithmic time after a
/// linear setup. Build one per request and convert every span of the note with it.
pub struct Columns<'a> {
    /// `None` for a text known only by its lines and [`WideChars`] ([`Columns::held`]).
    text: Option<&'a str>,
    len: usize,
    lines: Cow<'a, LineIndex>,
    unit: ColumnUnit,
    /// Byte offset of each character that `unit` counts differently from its UTF-8 length,
    /// in text order. Empty for UTF-8 and for ASCII text.
    wide: Vec<u32>,
    /// `excess[k]`: UTF-8 bytes minus `unit`s over `wide[..k]` (so `excess[0] == 0`).
    excess: Vec<u32>,
}

impl<'a> Columns<'a> {
    /// For a text whose lines are already indexed (a note of the store).
    pub fn with_lines(text: &'a str, lines: &'a LineIndex, unit: ColumnUnit) -> Columns<'a> {
        Columns::build(text, Cow::Borrowed(lines), unit)
    }

    /// For any text (indexes its lines).
    pub fn new(text: &'a str, unit: ColumnUnit) -> Columns<'a> {
        Columns::build(text, Cow::Owned(LineIndex::new(text)), unit)
    }

    /// For a text not at hand, from its lines and non-ASCII characters: converts offsets that
    /// lie on character boundaries (a summary's spans) exactly; a position back to an offset
    /// only as near as the lines tell (a line's end includes its terminator).
    pub fn held(lines: &'a LineIndex, wide_chars: &WideChars, unit: ColumnUnit) -> Columns<'a> {
        let (wide, excess) = wide_table(unit, wide_chars.iter());
        Columns {
            text: None,
            len: lines.len as usize,
            lines: Cow::Borrowed(lines),
            unit,
            wide,
            excess,
        }
    }

    fn build(text: &'a str, lines: Cow<'a, LineIndex>, unit: ColumnUnit) -> Columns<'a> {
        let (wide, excess) = wide_table(unit, non_ascii(text));
        Columns {
            text: Some(text),
            len: text.len(),
            lines,
            unit,
            wide,
            excess,
        }
    }

    /// `offset` (at most the text's length) moved back to a character's start.
    fn floor(&self, offset: usize) -> usize {
        match self.text {
            Some(text) => floor_char_boundary(text, offset),
            None => offset,
        }
    }

    pub fn lines(&self) -> &LineIndex {
        &self.lines
    }

    pub fn unit(&self) -> ColumnUnit {
        self.unit
    }

    /// How many wide characters start before byte `offset`.
    fn wide_before(&self, offset: usize) -> usize {
        self.wide.partition_point(|&w| (w as usize) < offset)
    }

    /// The position of byte `offset` (clamped to the text and to a character boundary).
    pub fn line_col(&self, offset: usize) -> LineCol {
        let offset = self.floor(offset.min(self.len));
        let line = self.lines.line_of(offset);
        let start = self.lines.line_start(line as usize);
        let mut col = offset - start;
        if !self.wide.is_empty() {
            let (a, b) = (self.wide_before(start), self.wide_before(offset));
            col -= (self.excess[b] - self.excess[a]) as usize;
        }
        LineCol {
            line,
            col: col as u32,
        }
    }

    /// The byte offset of a position, clamped: past the last line → end of text; past the end
    /// of a line → the end of its content (before the line terminator); inside a character
    /// (a UTF-16 column between surrogates, a UTF-8 column inside a sequence) → that
    /// character's start.
    pub fn offset(&self, pos: LineCol) -> usize {
        let line = pos.line as usize;
        if line >= self.lines.line_count() {
            return self.len;
        }
        let (start, end) = self.lines.line_span(line);
        let content_end = match self.text {
            Some(text) => start + trim_line_end(&text[start..end]).len(),
            // Not held: the line's end, less a terminator when another line follows.
            None => end - usize::from(line + 1 < self.lines.line_count() && end > start),
        };
        let want = pos.col as usize;
        if self.wide.is_empty() {
            return self.floor((start + want).min(content_end));
        }
        // Wide characters of this line, and the column each one starts at: increasing, so the
        // last one starting before `want` is found by binary search.
        let (a, b) = (self.wide_before(start), self.wide_before(content_end));
        let column_of =
            |k: usize| self.wide[k] as usize - start - (self.excess[k] - self.excess[a]) as usize;
        let (mut passed, mut hi) = (a, b);
        while passed < hi {
            let mid = passed + (hi - passed) / 2;
            if column_of(mid) < want {
                passed = mid + 1;
            } else {
                hi = mid;
            }
        }
        if passed > a {
            let k = passed - 1;
            let at = self.wide[k] as usize;
            let width = match self.text {
                Some(text) => text[at..].chars().next().map_or(1, |c| self.unit.width(c)),
                // At least one unit.
                None => 1,
            };
            if column_of(k) + width > want {
                return at; // inside the character
            }
        }
        let extra = (self.excess[passed] - self.excess[a]) as usize;
        self.floor((start + want + extra).min(content_end))
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
    use proptest::prelude::*;

    const UNITS: [ColumnUnit; 3] = [ColumnUnit::Utf8, ColumnUnit::Utf16, ColumnUnit::Char];

    #[test]
    fn a_shared_table_holds_every_value_whatever_the_count_said() {
        for (values, count) in [(5, 5), (5, 3), (5, 0), (3, 5), (0, 2), (0, 0)] {
            let table = shared(1..=values as u32, count);
            assert_eq!(
                &*table,
                (1..=values as u32).collect::<Vec<_>>(),
                "{values} {count}"
            );
        }
        // Lone CRs end lines the LF count does not see.
        let text = "a\rb\r\nc\rd\n\re";
        let lines = LineIndex::new(text);
        assert_eq!(lines.parts().0.collect::<Vec<_>>(), [0, 2, 5, 7, 9, 10]);
    }

    #[test]
    fn columns_in_each_unit() {
        let text = "a—b😀c\nâ€”x\r\nlast";
        let c = text.find('c').unwrap();
        let at = |unit, offset| Columns::new(text, unit).line_col(offset);
        assert_eq!(at(ColumnUnit::Utf8, c), LineCol { line: 0, col: 9 });
        assert_eq!(at(ColumnUnit::Utf16, c), LineCol { line: 0, col: 5 });
        assert_eq!(at(ColumnUnit::Char, c), LineCol { line: 0, col: 4 });
        let x = text.find('x').unwrap();
        assert_eq!(at(ColumnUnit::Char, x), LineCol { line: 1, col: 3 });
        assert_eq!(at(ColumnUnit::Utf8, x), LineCol { line: 1, col: 8 });
        let last = text.find("last").unwrap();
        assert_eq!(at(ColumnUnit::Utf16, last), LineCol { line: 2, col: 0 });
        for unit in UNITS {
            let columns = Columns::new(text, unit);
            assert_eq!(columns.offset(columns.line_col(c)), c);
        }
    }

    #[test]
    fn clamps_out_of_range_positions() {
        let text = "ab😀\r\nxy";
        let offset = |unit, line, col| Columns::new(text, unit).offset(LineCol { line, col });
        // Past the end of line 0: its content end, before CRLF.
        assert_eq!(offset(ColumnUnit::Utf16, 0, 99), 6);
        // Between the two surrogates of the emoji: the emoji's start.
        assert_eq!(offset(ColumnUnit::Utf16, 0, 3), 2);
        assert_eq!(offset(ColumnUnit::Utf8, 0, 3), 2);
        assert_eq!(offset(ColumnUnit::Char, 7, 0), text.len());
        // An offset inside the emoji reports the emoji's column.
        let chars = Columns::new(text, ColumnUnit::Char);
        assert_eq!(chars.line_col(4), LineCol { line: 0, col: 2 });
        assert_eq!(chars.line_col(999), LineCol { line: 1, col: 2 });
    }

    #[test]
    fn lone_cr_ends_a_line() {
        let text = "a\rb\r\nc";
        let columns = Columns::new(text, ColumnUnit::Char);
        assert_eq!(columns.lines().line_count(), 3);
        assert_eq!(columns.line_col(2), LineCol { line: 1, col: 0 });
        assert_eq!(columns.line_col(5), LineCol { line: 2, col: 0 });
    }

    #[test]
    fn texts_either_side_of_64_kib_agree_with_a_naive_walk() {
        // Line starts are kept in 16 bits up to 65,535 bytes of text, in 32 past it.
        for total in [65_534, 65_535, 65_536, 65_537, 70_000] {
            let mut text = String::new();
            let mut n = 0;
            while text.len() < total - 40 {
                n += 1;
                text.push_str(&"ab é".repeat(n % 7));
                text.push_str(if n % 5 == 0 { "\r\n" } else { "\n" });
            }
            while text.len() < total {
                text.push(if text.len() + 1 == total { '\n' } else { 'z' });
            }
            assert_eq!(text.len(), total);
            let columns = Columns::new(&text, ColumnUnit::Utf16);
            let probes = (0..=total + 2).step_by(241).chain(total - 60..=total + 1);
            for offset in probes {
                let want = naive_line_col(&text, offset, ColumnUnit::Utf16);
                assert_eq!(columns.line_col(offset), want, "{total}: offset {offset}");
                assert_eq!(
                    columns.offset(want),
                    naive_offset(&text, want, ColumnUnit::Utf16),
                    "{total}: {want:?}"
                );
            }
            let lines = LineIndex::new(&text);
            let (starts, len) = lines.parts();
            let back = LineIndex::from_parts(starts, len);
            assert_eq!(back.as_ref(), Some(&lines), "{total}");
            assert_eq!(lines.line_span(lines.line_count() - 1), (total, total));
        }
    }

    #[test]
    fn line_tables_read_back_only_when_well_formed() {
        let len = 20;
        let good: [&[u32]; 3] = [&[0], &[0, 5, 20], &[0, 1, 2]];
        for starts in good {
            let lines = LineIndex::from_parts(starts.iter().copied(), len).expect("well formed");
            assert_eq!(lines.parts().0.collect::<Vec<_>>(), starts);
        }
        // None, not starting at 0, a start twice, out of order, past the end.
        let bad: [&[u32]; 6] = [&[], &[1, 5], &[0, 5, 5], &[0, 9, 5], &[0, 21], &[0, 0]];
        for starts in bad {
            assert_eq!(
                LineIndex::from_parts(starts.iter().copied(), len),
                None,
                "{starts:?}"
            );
        }
        // At the edge of 32 bits: a last start at the end, and not twice.
        let max = u32::MAX;
        assert!(LineIndex::from_parts([0, max], max).is_some());
        assert_eq!(LineIndex::from_parts([0, max, max], max), None);
    }

    /// The obvious way: walk the text from the start, character by character.
    fn naive_line_col(text: &str, offset: usize, unit: ColumnUnit) -> LineCol {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let (mut line, mut col) = (0, 0);
        for (i, c) in text[..offset].char_indices() {
            // Looks past `offset`: a CR followed by LF does not end its line, the LF does.
            let crlf = c == '\r' && text[i + 1..].starts_with('\n');
            if c == '\n' || (c == '\r' && !crlf) {
                (line, col) = (line + 1, 0);
            } else {
                col += unit.width(c) as u32;
            }
        }
        LineCol { line, col }
    }

    /// The obvious way back: find the line, then walk its characters.
    fn naive_offset(text: &str, pos: LineCol, unit: ColumnUnit) -> usize {
        let mut starts = vec![0];
        let b = text.as_bytes();
        for (i, &c) in b.iter().enumerate() {
            if c == b'\n' || (c == b'\r' && b.get(i + 1) != Some(&b'\n')) {
                starts.push(i + 1);
            }
        }
        let Some(&start) = starts.get(pos.line as usize) else {
            return text.len();
        };
        let mut seen = 0;
        for (i, c) in text[start..].char_indices() {
            if c == '\n' || c == '\r' {
                return start + i;
            }
            let w = unit.width(c);
            if seen + w > pos.col as usize {
                return start + i;
            }
            seen += w;
        }
        text.len()
    }

    fn text_strategy() -> impl Strategy<Value = String> {
        let pieces = prop::sample::select(vec![
            "a", "b ", "\n", "\r", "\r\n", "é", "—", "😀", "e\u{301}", "𝄞", "ß", "İ", "[[x]]",
        ]);
        prop::collection::vec(pieces, 0..40).prop_map(|v| v.concat())
    }

    proptest! {
        #[test]
        fn agrees_with_a_naive_walk(text in text_strategy(), probes in prop::collection::vec((0usize..200, 0u32..12, 0u32..40), 1..20)) {
            for unit in UNITS {
                let columns = Columns::new(&text, unit);
                for &(offset, line, col) in &probes {
                    let offset = offset.min(text.len() + 3);
                    prop_assert_eq!(columns.line_col(offset), naive_line_col(&text, offset, unit), "offset {} {:?}", offset, unit);
                    let pos = LineCol { line, col };
                    prop_assert_eq!(columns.offset(pos), naive_offset(&text, pos, unit), "{:?} {:?}", pos, unit);
                }
                // Every character boundary round-trips, except the one between CR and LF.
                for o in (0..=text.len()).filter(|&o| text.is_char_boundary(o)) {
                    if text[..o].ends_with('\r') && text[o..].starts_with('\n') {
                        continue;
                    }
                    prop_assert_eq!(columns.offset(columns.line_col(o)), o);
                }
            }
        }

        /// The quick check of a table without long gaps reads it as decoding does.
        #[test]
        fn gapless_tables_end_where_decoding_ends(raw in prop::collection::vec(1u8.., 0..64)) {
            prop_assert_eq!(gapless_end(&raw), WideChars(raw.clone().into()).decoded_end());
        }

        #[test]
        fn wide_chars_are_the_non_ascii_chars(text in any::<String>()) {
            let want: Vec<(usize, usize)> = text
                .char_indices()
                .filter(|(_, c)| !c.is_ascii())
                .map(|(i, c)| (i, c.len_utf8()))
                .collect();
            prop_assert_eq!(WideChars::new(&text).iter().collect::<Vec<_>>(), want);
        }

        /// Packed and read back, whatever the gaps between the characters.
        #[test]
        fn wide_chars_pack_any_gaps(
            runs in prop::collection::vec((prop_oneof![0usize..130, 0usize..20_000], any::<char>()), 0..40),
        ) {
            let text: String = runs
                .iter()
                .map(|&(gap, c)| format!("{}{c}", "a".repeat(gap)))
                .collect();
            let want: Vec<(usize, usize)> = text
                .char_indices()
                .filter(|(_, c)| !c.is_ascii())
                .map(|(i, c)| (i, c.len_utf8()))
                .collect();
            let wide = WideChars::new(&text);
            prop_assert_eq!(wide.iter().collect::<Vec<_>>(), want);
            let back = WideChars::from_raw(wide.raw(), text.len());
            prop_assert_eq!(back.as_ref(), Some(&wide));
            // Not for a shorter text, when its last character is one.
            if text.ends_with(|c: char| !c.is_ascii()) {
                prop_assert!(WideChars::from_raw(wide.raw(), text.len() - 1).is_none());
            }
        }

        /// A text not held converts every character boundary as the text itself does.
        #[test]
        fn held_columns_agree_on_boundaries(text in text_strategy()) {
            let (lines, wide) = (LineIndex::new(&text), WideChars::new(&text));
            for unit in UNITS {
                let (whole, held) = (Columns::new(&text, unit), Columns::held(&lines, &wide, unit));
                for o in (0..=text.len()).filter(|&o| text.is_char_boundary(o)) {
                    prop_assert_eq!(held.line_col(o), whole.line_col(o), "offset {} {:?}", o, unit);
                }
            }
        }
    }
}
