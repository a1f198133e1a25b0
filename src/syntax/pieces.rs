//! A note's text reduced to the parts its summary reads: the frontmatter, every link's path
//! and subpath (kept once for the whole vault in a [`StrPool`]), and every heading, block
//! marker, tag and reference label. What the vault indexes and resolves, and
//! what completion lists, is read through the summary's accessors ([`super::Heading::text`],
//! [`super::Link::target`], [`super::Frontmatter::aliases`], …), and those take any
//! [`TextAt`]: the whole text, or these pieces of it. A note not open in an editor can then
//! keep its pieces (about a third of a typical note) instead of its text (issue 18: memory
//! under the vault's size); whoever needs the rest (a preview, a rename's edits) reads the file.

use std::ops::Range;
use std::sync::Arc;

use super::{NoteSyntax, Span, StrPool};

/// Text read by byte ranges of a note: the note's whole text, or [`Pieces`] of it.
pub trait TextAt {
    /// The text at `range` of the note, `None` when the range is not held (not a char
    /// boundary, past the end, or between pieces).
    fn at(&self, range: Range<usize>) -> Option<&str>;

    /// The whole text's length.
    fn text_len(&self) -> usize;
}

impl TextAt for str {
    fn at(&self, range: Range<usize>) -> Option<&str> {
        self.get(range)
    }

    fn text_len(&self) -> usize {
        self.len()
    }
}

impl TextAt for String {
    fn at(&self, range: Range<usize>) -> Option<&str> {
        self.get(range)
    }

    fn text_len(&self) -> usize {
        self.len()
    }
}

/// The parts of a note's text its summary points into: copied into one heap block, but for
/// the links' paths, which are kept once in the vault's [`StrPool`] and named by number here.
#[derive(Clone, Debug, Default)]
pub struct Pieces {
    /// The held text, then the table of where its pieces start in the note and in it, then
    /// the table of pooled pieces: one heap block where there were three (the other two's
    /// headers, rounding and pointers were ~3 MB at 50k generated notes).
    bytes: Box<[u8]>,
    /// The held text's length: the first `held` bytes, copied from a `&str` when built and
    /// never changed, are UTF-8 ([`Pieces::held`] reads them so).
    held: u32,
    /// Where each piece starts in the note and in the held text, by start.
    starts: Table,
    /// Pieces kept in `pool`: where each starts in the note and its string's number, by
    /// start. A piece held in the held text too is not here.
    pooled: Table,
    pool: Option<Arc<StrPool>>,
    /// The whole text's length.
    len: u32,
}

impl PartialEq for Pieces {
    /// Alike when they read alike: pooled pieces by their strings, whatever the pool.
    fn eq(&self, other: &Pieces) -> bool {
        let (mine, theirs) = (self.parts(), other.parts());
        self.len == other.len
            && mine.starts().eq(theirs.starts())
            && mine.held == theirs.held
            && mine.pooled().len() == theirs.pooled().len()
            && (mine.pooled())
                .zip(theirs.pooled())
                .all(|((a, i), (b, j))| a == b && self.pooled_string(i) == other.pooled_string(j))
    }
}

impl Eq for Pieces {}

/// Pairs of numbers, the first an offset into a note, in order of it: in 16 bits each when
/// both fit, the second in two halves when only the first does (a note shorter than 64 KiB,
/// a pooled piece's string number past 65,535), else in 32. A vault keeps two such tables
/// per note (at 50k generated notes 1.5M pooled pieces and 0.5M held ones: 16 MB in 32
/// bits).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Width {
    #[default]
    Short,
    Mid,
    Long,
}

impl Width {
    /// The narrowest width `pairs` fit.
    fn of(pairs: impl Iterator<Item = (u32, u32)>) -> Width {
        let fits = |n: u32| n <= u32::from(u16::MAX);
        let (firsts, seconds) =
            pairs.fold((true, true), |(f, s), (a, b)| (f && fits(a), s && fits(b)));
        match (firsts, seconds) {
            (true, true) => Width::Short,
            (true, false) => Width::Mid,
            _ => Width::Long,
        }
    }

    /// The bytes of a pair.
    fn size(self) -> usize {
        match self {
            Width::Short => 4,
            Width::Mid => 6,
            Width::Long => 8,
        }
    }

    /// Writes a pair into its [`Width::size`] bytes.
    fn write(self, (a, b): (u32, u32), out: &mut [u8]) {
        match self {
            Width::Short => {
                out[..2].copy_from_slice(&(a as u16).to_ne_bytes());
                out[2..4].copy_from_slice(&(b as u16).to_ne_bytes());
            }
            Width::Mid => {
                out[..2].copy_from_slice(&(a as u16).to_ne_bytes());
                out[2..6].copy_from_slice(&b.to_ne_bytes());
            }
            Width::Long => {
                out[..4].copy_from_slice(&a.to_ne_bytes());
                out[4..8].copy_from_slice(&b.to_ne_bytes());
            }
        }
    }

    /// The pair of [`Width::size`] bytes.
    fn read(self, bytes: &[u8]) -> (u32, u32) {
        match self {
            Width::Short => bytes.as_chunks().0.first().map_or((0, 0), short),
            Width::Mid => bytes.as_chunks().0.first().map_or((0, 0), mid),
            Width::Long => bytes.as_chunks().0.first().map_or((0, 0), long),
        }
    }
}

fn short(p: &[u8; 4]) -> (u32, u32) {
    let half = |i: usize| u32::from(u16::from_ne_bytes([p[i], p[i + 1]]));
    (half(0), half(2))
}

fn mid(p: &[u8; 6]) -> (u32, u32) {
    let first = u32::from(u16::from_ne_bytes([p[0], p[1]]));
    (first, u32::from_ne_bytes([p[2], p[3], p[4], p[5]]))
}

fn long(p: &[u8; 8]) -> (u32, u32) {
    let word = |i: usize| u32::from_ne_bytes([p[i], p[i + 1], p[i + 2], p[i + 3]]);
    (word(0), word(4))
}

/// Where a table of pairs is in [`Pieces::bytes`].
#[derive(Clone, Copy, Debug, Default)]
struct Table {
    at: u32,
    count: u32,
    width: Width,
}

/// A table of pairs, read.
#[derive(Clone, Copy, Debug)]
struct Pairs<'a> {
    /// Exactly its pairs.
    bytes: &'a [u8],
    width: Width,
}

impl<'a> Pairs<'a> {
    fn get(self, i: usize) -> Option<(u32, u32)> {
        match self.width {
            Width::Short => self.bytes.as_chunks().0.get(i).map(short),
            Width::Mid => self.bytes.as_chunks().0.get(i).map(mid),
            Width::Long => self.bytes.as_chunks().0.get(i).map(long),
        }
    }

    /// How many pairs start at or before `offset`.
    fn at_or_before(self, offset: usize) -> usize {
        let at_or_before = |(first, _): (u32, u32)| first as usize <= offset;
        match self.width {
            Width::Short => (self.bytes.as_chunks().0).partition_point(|p| at_or_before(short(p))),
            Width::Mid => (self.bytes.as_chunks().0).partition_point(|p| at_or_before(mid(p))),
            Width::Long => (self.bytes.as_chunks().0).partition_point(|p| at_or_before(long(p))),
        }
    }

    fn iter(self) -> impl ExactSizeIterator<Item = (u32, u32)> + Clone + 'a {
        let size = self.width.size();
        self.bytes
            .chunks_exact(size)
            .map(move |pair| self.width.read(pair))
    }
}

/// Pieces this close are held as one: a gap of this many bytes costs about what a piece's
/// entry in `starts` does (4 bytes in a note under 64 KiB, 8 past it).
const MERGE_GAP: u32 = 8;

impl Pieces {
    /// The pieces of `text` that `syntax` (parsed from it) reads; the links' paths kept in
    /// `pool` when there is one.
    pub fn new(text: &str, syntax: &NoteSyntax, pool: Option<&Arc<StrPool>>) -> Pieces {
        let valid = |s: &Span| !s.is_empty() && text.get(s.range()).is_some();
        let mut spans: Vec<Span> = Vec::with_capacity(
            syntax.headings.len()
                + syntax.tags.len()
                + syntax.blocks.len()
                + syntax.references.len()
                + 1,
        );
        spans.extend(syntax.frontmatter.as_ref().map(|f| f.span));
        spans.extend(syntax.headings.iter().map(|h| h.span));
        spans.extend(syntax.tags.iter().map(|t| t.span));
        spans.extend(syntax.blocks.iter().map(|b| b.span));
        spans.extend(syntax.references.iter().map(|r| r.label));
        spans.retain(valid);
        // A link's path, with the byte before (a Markdown link's `<`, which a rename keeps),
        // and its subpath: its brackets and display text are read only in the note being
        // written, which is held whole (a third less held at 50k notes). Two pieces, each
        // read alone: a pool then holds each path and each subpath once, not each pairing
        // (at 50k generated notes: 500k strings as one piece, 152k as two).
        let links = syntax.links.iter().flat_map(|l| {
            let target = l.target_span();
            let mut start = (target.start as usize)
                .saturating_sub(1)
                .max(l.span().start as usize);
            while !text.is_char_boundary(start) {
                start -= 1;
            }
            [
                Some(Span::new(start, target.end as usize)),
                l.subpath_span(),
            ]
        });
        let links = links.flatten();
        // Sized ahead (each link two pieces at most): grown push by push, these vectors were
        // a cold load's most frequent reallocations.
        let mut pooled = Vec::with_capacity(2 * syntax.links.len());
        let merged = match pool {
            Some(pool) => {
                let mut plain = merge(spans);
                // Held after all: a link piece overlapping the last pooled one, or any once
                // the pool is full.
                let mut unpooled = Vec::new();
                let mut sorted: Vec<Span> = Vec::with_capacity(2 * syntax.links.len());
                sorted.extend(links.filter(valid));
                sorted.sort_unstable_by_key(|s| s.start);
                let mut end = 0;
                for link in sorted {
                    // Read from the frontmatter or a heading held already.
                    let at = plain.partition_point(|s| s.start <= link.start);
                    if at > 0 && plain[at - 1].end >= link.end {
                        continue;
                    }
                    // Pooled pieces are apart, as a reading finds one by its start; one
                    // overlapping the last (no parser makes one) is held.
                    let id = (link.start >= end)
                        .then(|| pool.intern(&text[link.range()]))
                        .flatten();
                    match id {
                        Some(id) => {
                            pooled.push((link.start, id));
                            end = link.end;
                        }
                        None => unpooled.push(link),
                    }
                }
                if !unpooled.is_empty() {
                    plain.extend(unpooled);
                    plain = merge(plain);
                }
                plain
            }
            None => {
                spans.reserve(2 * syntax.links.len());
                spans.extend(links.filter(valid));
                merge(spans)
            }
        };
        let mut held = String::with_capacity(merged.iter().map(|s| s.len()).sum());
        let starts: Vec<_> = merged
            .iter()
            .map(|s| {
                let at = held.len() as u32;
                // Every bound is a span's bound, so a char boundary.
                held.push_str(&text[s.range()]);
                (s.start, at)
            })
            .collect();
        let pool = pool.filter(|_| !pooled.is_empty()).cloned();
        Pieces::build(
            &held,
            starts.into_iter(),
            pooled.into_iter(),
            pool,
            text.len() as u32,
        )
    }

    /// Pieces of the held text `held`, its tables written in the widths they fit.
    fn build(
        held: &str,
        starts: impl ExactSizeIterator<Item = (u32, u32)> + Clone,
        pooled: impl ExactSizeIterator<Item = (u32, u32)> + Clone,
        pool: Option<Arc<StrPool>>,
        len: u32,
    ) -> Pieces {
        let widths = (Width::of(starts.clone()), Width::of(pooled.clone()));
        let (count, pooled_count) = (starts.len(), pooled.len());
        let pooled_at = held.len() + count * widths.0.size();
        let mut bytes = vec![0; pooled_at + pooled_count * widths.1.size()].into_boxed_slice();
        let (text, tables) = bytes.split_at_mut(held.len());
        text.copy_from_slice(held.as_bytes());
        let (first, second) = tables.split_at_mut(pooled_at - held.len());
        for (out, pair) in first.chunks_exact_mut(widths.0.size()).zip(starts) {
            widths.0.write(pair, out);
        }
        for (out, pair) in second.chunks_exact_mut(widths.1.size()).zip(pooled) {
            widths.1.write(pair, out);
        }
        Pieces {
            bytes,
            held: held.len() as u32,
            starts: Table {
                at: held.len() as u32,
                count: count as u32,
                width: widths.0,
            },
            pooled: Table {
                at: pooled_at as u32,
                count: pooled_count as u32,
                width: widths.1,
            },
            pool,
            len,
        }
    }

    /// The held text.
    fn held(&self) -> &str {
        let held = &self.bytes[..self.held as usize];
        // SAFETY: the first `held` bytes were copied from a `&str` ([`Pieces::build`]) and
        // are never changed.
        unsafe { std::str::from_utf8_unchecked(held) }
    }

    /// A table's pairs.
    fn pairs(&self, table: Table) -> Pairs<'_> {
        let at = table.at as usize;
        let end = at + table.count as usize * table.width.size();
        Pairs {
            bytes: self.bytes.get(at..end).unwrap_or_default(),
            width: table.width,
        }
    }

    /// The length of the whole text.
    pub fn len(&self) -> usize {
        self.len as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Where each piece starts in the note and in the held text, where each pooled piece
    /// starts and its string's number, the pool, and the whole text's length: what a cache
    /// file stores.
    pub fn parts(&self) -> PiecesParts<'_> {
        PiecesParts {
            starts: self.pairs(self.starts),
            held: self.held(),
            pooled: self.pairs(self.pooled),
            pool: self.pool.as_ref(),
            len: self.len,
        }
    }

    /// Pieces read back from [`Pieces::parts`], the pooled ones naming strings of `pool`;
    /// `None` unless they are well formed (in order, apart, on character boundaries, inside
    /// the text, naming strings there are). `lens` is [`StrPool::lens`], taken once for many
    /// notes: the pool's strings are scattered in memory, and reading each pooled piece's
    /// length there was a cache miss each, 5 % of a warm load.
    pub fn from_parts<S, P>(
        starts: S,
        held: &str,
        pooled: P,
        pool: &Arc<StrPool>,
        lens: &[u32],
        len: u32,
    ) -> Option<Pieces>
    where
        S: IntoIterator<Item = (u32, u32)>,
        S::IntoIter: ExactSizeIterator + Clone,
        P: IntoIterator<Item = (u32, u32)>,
        P::IntoIter: ExactSizeIterator + Clone,
    {
        let (starts, pooled) = (starts.into_iter(), pooled.into_iter());
        let ends = starts.clone().skip(1).map(|(_, at)| at as usize);
        let ends = ends.chain(std::iter::once(held.len()));
        let mut note_end = 0usize;
        for (i, ((start, at), end)) in starts.clone().zip(ends).enumerate() {
            let (start, at) = (start as usize, at as usize);
            let fits = (i > 0 || at == 0)
                && at < end
                && held.is_char_boundary(at)
                && start >= note_end
                && start + (end - at) <= len as usize;
            if !fits {
                return None;
            }
            note_end = start + (end - at);
        }
        let mut note_end = 0usize;
        for (start, id) in pooled.clone() {
            let piece = match lens.get(id as usize) {
                Some(&n) => n as usize,
                None => pool.get(id)?.len(),
            };
            let start = start as usize;
            if piece == 0 || start < note_end || start + piece > len as usize {
                return None;
            }
            note_end = start + piece;
        }
        let pool = (pooled.len() > 0).then(|| pool.clone());
        ((starts.len() == 0) == held.is_empty())
            .then(|| Pieces::build(held, starts, pooled, pool, len))
    }

    /// The bytes held (the pieces and their tables; the pooled strings are the pool's).
    pub fn heap_bytes(&self) -> usize {
        self.bytes.len()
    }

    /// The piece of the text from `range.start` to `range.end` in `held`, if held there.
    fn held_at(&self, range: &Range<usize>) -> Option<&str> {
        let starts = self.pairs(self.starts);
        let i = starts.at_or_before(range.start);
        let (start, at) = starts.get(i.checked_sub(1)?)?;
        let held = self.held();
        let end = starts.get(i).map_or(held.len(), |(_, next)| next as usize);
        let (from, to) = (
            at as usize + (range.start - start as usize),
            at as usize + (range.end - start as usize),
        );
        if to > end {
            return None;
        }
        held.get(from..to)
    }

    /// The string numbered `id` in the pool.
    fn pooled_string(&self, id: u32) -> Option<&str> {
        self.pool.as_ref()?.get(id)
    }

    /// The same, from a pooled piece.
    fn pooled_at(&self, range: &Range<usize>) -> Option<&str> {
        let pooled = self.pairs(self.pooled);
        let i = pooled.at_or_before(range.start);
        let (start, id) = pooled.get(i.checked_sub(1)?)?;
        let piece = self.pooled_string(id)?;
        let start = start as usize;
        piece.get(range.start - start..range.end - start)
    }
}

/// [`Pieces::parts`].
pub struct PiecesParts<'a> {
    starts: Pairs<'a>,
    pub held: &'a str,
    pooled: Pairs<'a>,
    pub pool: Option<&'a Arc<StrPool>>,
    pub len: u32,
}

impl<'a> PiecesParts<'a> {
    /// Where each piece held starts in the note and in the held text, by start.
    pub fn starts(&self) -> impl ExactSizeIterator<Item = (u32, u32)> + Clone + 'a {
        self.starts.iter()
    }

    /// Where each pooled piece starts in the note, and its string's number, by start.
    pub fn pooled(&self) -> impl ExactSizeIterator<Item = (u32, u32)> + Clone + 'a {
        self.pooled.iter()
    }
}

/// `spans` in order, those that overlap or are [`MERGE_GAP`] apart made one.
fn merge(mut spans: Vec<Span>) -> Vec<Span> {
    spans.sort_unstable_by_key(|s| s.start);
    let mut merged: Vec<Span> = Vec::with_capacity(spans.len());
    for span in spans {
        match merged.last_mut() {
            Some(last) if span.start <= last.end.saturating_add(MERGE_GAP) => {
                last.end = last.end.max(span.end);
            }
            _ => merged.push(span),
        }
    }
    merged
}

impl TextAt for Pieces {
    fn at(&self, range: Range<usize>) -> Option<&str> {
        if range.start > range.end || range.end > self.len() {
            return None;
        }
        // Pooled first: most ranges read are links' paths.
        self.pooled_at(&range)
            .or_else(|| self.held_at(&range))
            .or_else(|| range.is_empty().then_some(""))
    }

    fn text_len(&self) -> usize {
        self.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse_note;

    #[test]
    fn pieces_hold_what_the_summary_reads_and_nothing_between() {
        let text = "---\ntitle: T\n---\n# Head\nSome prose here that is long. [[Target#Sub|shown]] \
                    and #tag then more prose ^blk\n";
        let syntax = parse_note(text);
        let pieces = Pieces::new(text, &syntax, None);
        assert_eq!(pieces.len(), text.len());
        let link = &syntax.links[0];
        assert_eq!(link.target(&pieces), "Target");
        let path_and_subpath = link.target_span().start as usize..link.span().end as usize - 8;
        assert_eq!(pieces.at(path_and_subpath), Some("Target#Sub"));
        // Display text is read only in the note being written, held whole.
        assert_eq!(pieces.at(link.display_span().unwrap().range()), None);
        assert_eq!(syntax.headings[0].text(&pieces), "Head");
        assert_eq!(syntax.tags[0].name(&pieces), "tag");
        assert_eq!(syntax.blocks[0].id(&pieces), "blk");
        assert_eq!(syntax.title(&pieces, "stem"), "T");
        // Prose is not held.
        let prose = text.find("Some prose").unwrap();
        assert_eq!(pieces.at(prose..prose + 4), None);
        assert!(pieces.heap_bytes() < text.len());
        // Out of range, reversed and empty ranges.
        assert_eq!(pieces.at(0..text.len() + 1), None);
        #[allow(clippy::reversed_empty_ranges)]
        let reversed = 3..2;
        assert_eq!(pieces.at(reversed), None);
        assert_eq!(pieces.at(prose..prose), Some(""));
    }

    #[test]
    fn links_paths_and_subpaths_are_kept_once_in_the_pool_unless_held_already() {
        let pool = Arc::new(StrPool::default());
        let a = "# See [[In heading]]\n[[Target#Sub|x]] and [[Other]] ([md](Target.md#Sub))\n";
        let b = "Also [[Target#Other sub]] and [[Target#Sub]].\n";
        let (sa, sb) = (parse_note(a), parse_note(b));
        let (pa, pb) = (
            Pieces::new(a, &sa, Some(&pool)),
            Pieces::new(b, &sb, Some(&pool)),
        );
        let mut strings: Vec<&str> = pool.strings().collect();
        strings.sort_unstable();
        // The link in the heading is read from the heading; each string once.
        assert_eq!(
            strings,
            ["(Target.md", "Other sub", "Sub", "[Other", "[Target"]
        );
        for (text, syntax, pieces) in [(a, &sa, &pa), (b, &sb, &pb)] {
            for link in &syntax.links {
                assert_eq!(link.target(pieces), link.target(text));
                assert_eq!(link.subpath(pieces), link.subpath(text));
                let start = link.target_span().start as usize;
                assert_eq!(pieces.at(start - 1..start), text.get(start - 1..start));
            }
            let back = Pieces::from_parts(
                pieces.parts().starts(),
                pieces.parts().held,
                pieces.parts().pooled(),
                &pool,
                &pool.lens(),
                pieces.parts().len,
            );
            assert_eq!(back.as_ref(), Some(pieces));
        }
        // Numbers the pool does not have, or pieces past the text, are not taken.
        let parts = pb.parts();
        let (starts, held) = (parts.starts(), parts.held);
        let wrong = vec![(0, 99)];
        assert!(Pieces::from_parts(starts.clone(), held, wrong, &pool, &[], parts.len).is_none());
        let past = vec![(parts.len - 2, 0)];
        assert!(Pieces::from_parts(starts, held, past, &pool, &pool.lens(), parts.len).is_none());
    }

    #[test]
    fn pieces_read_alike_in_every_table_width() {
        // Pairs in 16 bits, with string numbers past 16 bits, and in 32 bits.
        for (i, pairs) in [
            vec![(0, 9), (40, 65_535), (65_535, 2)],
            vec![(0, 65_536), (7, 1 << 20), (65_535, u32::MAX)],
            vec![(0, 1), (65_536, 3), (u32::MAX, 70_000)],
        ]
        .into_iter()
        .enumerate()
        {
            let width = Width::of(pairs.iter().copied());
            assert_eq!(width, [Width::Short, Width::Mid, Width::Long][i]);
            let mut bytes = vec![0; pairs.len() * width.size()];
            for (out, &pair) in bytes.chunks_exact_mut(width.size()).zip(&pairs) {
                width.write(pair, out);
            }
            let table = Pairs {
                bytes: &bytes,
                width,
            };
            assert_eq!(table.iter().collect::<Vec<_>>(), pairs);
            assert_eq!(table.iter().len(), pairs.len());
            assert_eq!(table.get(pairs.len()), None);
            for offset in [0, 6, 7, 40, 65_534, 65_535, 65_536, usize::MAX] {
                let want = pairs.iter().filter(|p| p.0 as usize <= offset).count();
                assert_eq!(table.at_or_before(offset), want, "{i} {offset}");
            }
        }
        // Notes that take each: a pool whose numbers are past 16 bits, a note past 64 KiB.
        let pool = Arc::new(StrPool::default());
        for i in 0..70_000 {
            pool.intern(&i.to_string());
        }
        let short = "# Head\n[[Alpha#Sub]] and [[Beta]] #tag\n".to_string();
        let long = format!("{}{short}", "prose\n".repeat(12_000));
        for text in [&short, &long] {
            let syntax = parse_note(text);
            for with in [None, Some(&pool)] {
                let pieces = Pieces::new(text, &syntax, with);
                for link in &syntax.links {
                    assert_eq!(link.target(&pieces), link.target(text.as_str()));
                    assert_eq!(link.subpath(&pieces), link.subpath(text.as_str()));
                }
                assert_eq!(syntax.headings[0].text(&pieces), "Head");
                assert_eq!(syntax.tags[0].name(&pieces), "tag");
                let parts = pieces.parts();
                let back = Pieces::from_parts(
                    parts.starts(),
                    parts.held,
                    parts.pooled(),
                    &pool,
                    &pool.lens(),
                    parts.len,
                );
                assert_eq!(back.as_ref(), Some(&pieces));
            }
        }
        assert!(pool.len() > 70_000);
    }

    #[test]
    fn links_out_of_order_read_as_the_text() {
        let pool = Arc::new(StrPool::default());
        let text = "See [[Alpha#Sub]] and [[Beta]] and [[Gamma]].\n";
        let mut syntax = parse_note(text);
        let want: Vec<_> = syntax
            .links
            .iter()
            .map(|l| (l.target(text), l.subpath(text)))
            .collect();
        syntax.links.reverse();
        let pieces = Pieces::new(text, &syntax, Some(&pool));
        syntax.links.reverse();
        let got: Vec<_> = syntax
            .links
            .iter()
            .map(|l| (l.target(&pieces), l.subpath(&pieces)))
            .collect();
        assert_eq!(got, want);
        // Each kept in the pool, in order.
        assert_eq!(pool.len(), 4);
        // A link given twice overlaps itself: the second is held, and reads alike.
        let mut links = syntax.links.to_vec();
        links.push(links[1].clone());
        syntax.links = links.into();
        let pieces = Pieces::new(text, &syntax, Some(&pool));
        assert!(!pieces.parts().held.is_empty());
        let got: Vec<_> = syntax.links[..3]
            .iter()
            .map(|l| (l.target(&pieces), l.subpath(&pieces)))
            .collect();
        assert_eq!(got, want);
    }
}
