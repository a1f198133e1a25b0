//! A note's text reduced to the parts its summary reads: the frontmatter, every link's path
//! and subpath, and every heading, block marker, tag and reference label. What the vault indexes and resolves, and
//! what completion lists, is read through the summary's accessors ([`super::Heading::text`],
//! [`super::Link::target`], [`super::Frontmatter::aliases`], …), and those take any
//! [`TextAt`]: the whole text, or these pieces of it. A note not open in an editor can then
//! keep its pieces (about a third of a typical note) instead of its text (issue 18: memory
//! under the vault's size); whoever needs the rest (a preview, a rename's edits) reads the file.

use std::ops::Range;

use super::{NoteSyntax, Span};

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

/// The parts of a note's text its summary points into, copied into one allocation.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Pieces {
    /// Where each piece starts in the note and in `held`, by start.
    starts: Box<[(u32, u32)]>,
    held: Box<str>,
    /// The whole text's length.
    len: u32,
}

/// Pieces this close are held as one: a gap of this many bytes costs what a piece's entry in
/// `starts` does.
const MERGE_GAP: u32 = 8;

impl Pieces {
    /// The pieces of `text` that `syntax` (parsed from it) reads.
    pub fn new(text: &str, syntax: &NoteSyntax) -> Pieces {
        let mut spans: Vec<Span> = Vec::with_capacity(
            syntax.links.len()
                + syntax.headings.len()
                + syntax.tags.len()
                + syntax.blocks.len()
                + syntax.references.len()
                + 1,
        );
        spans.extend(syntax.frontmatter.as_ref().map(|f| f.span));
        // A link's path and subpath, with the byte before (a Markdown link's `<`, which a
        // rename keeps): its brackets and display text are read only in the note being
        // written, which is held whole (a third less held at 50k notes).
        spans.extend(syntax.links.iter().map(|l| {
            let target = l.target_span();
            let end = l.subpath_span().map_or(target.end, |s| s.end);
            let mut start = (target.start as usize)
                .saturating_sub(1)
                .max(l.span().start as usize);
            while !text.is_char_boundary(start) {
                start -= 1;
            }
            Span::new(start, end as usize)
        }));
        spans.extend(syntax.headings.iter().map(|h| h.span));
        spans.extend(syntax.tags.iter().map(|t| t.span));
        spans.extend(syntax.blocks.iter().map(|b| b.span));
        spans.extend(syntax.references.iter().map(|r| r.label));
        spans.retain(|s| !s.is_empty() && text.get(s.range()).is_some());
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
        let mut held = String::with_capacity(merged.iter().map(|s| s.len()).sum());
        let starts = merged
            .iter()
            .map(|s| {
                let at = held.len() as u32;
                // Every bound is a span's bound, so a char boundary.
                held.push_str(&text[s.range()]);
                (s.start, at)
            })
            .collect();
        Pieces {
            starts,
            held: held.into_boxed_str(),
            len: text.len() as u32,
        }
    }

    /// The length of the whole text.
    pub fn len(&self) -> usize {
        self.len as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Where each piece starts in the note and in the held text, and the whole text's
    /// length: what a cache file stores.
    pub fn parts(&self) -> (&[(u32, u32)], &str, u32) {
        (&self.starts, &self.held, self.len)
    }

    /// Pieces read back from [`Pieces::parts`]; `None` unless they are well formed (in
    /// order, apart, on character boundaries, inside the text).
    pub fn from_parts(starts: Vec<(u32, u32)>, held: String, len: u32) -> Option<Pieces> {
        let ends = starts.iter().skip(1).map(|&(_, at)| at as usize);
        let ends = ends.chain(std::iter::once(held.len()));
        let mut note_end = 0usize;
        for (i, (&(start, at), end)) in starts.iter().zip(ends).enumerate() {
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
        (starts.is_empty() == held.is_empty()).then(|| Pieces {
            starts: starts.into_boxed_slice(),
            held: held.into_boxed_str(),
            len,
        })
    }

    /// The bytes held (the pieces and their table).
    pub fn heap_bytes(&self) -> usize {
        self.held.len() + self.starts.len() * std::mem::size_of::<(u32, u32)>()
    }
}

impl TextAt for Pieces {
    fn at(&self, range: Range<usize>) -> Option<&str> {
        if range.start > range.end || range.end > self.len() {
            return None;
        }
        let i = self
            .starts
            .partition_point(|&(start, _)| start as usize <= range.start);
        let Some(&(start, at)) = i.checked_sub(1).and_then(|i| self.starts.get(i)) else {
            return range.is_empty().then_some("");
        };
        let end = self
            .starts
            .get(i)
            .map_or(self.held.len(), |&(_, next)| next as usize);
        let (from, to) = (
            at as usize + (range.start - start as usize),
            at as usize + (range.end - start as usize),
        );
        if to > end {
            return range.is_empty().then_some("");
        }
        self.held.get(from..to)
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
        let pieces = Pieces::new(text, &syntax);
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
}
