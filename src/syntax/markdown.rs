//! The note body: Markdown structure from pulldown-cmark, completed by a scanner for what it
//! does not know (tags, block ids, `%%` comments, wikilink subpaths).

use pulldown_cmark::{BrokenLink, Event, LinkType, Options, Parser, Tag as MdTag, TagEnd};

use super::link;
use super::tag::is_tag_char;
use super::{Block, Draft, Heading, Reference, Span, Tag, TagSource};

fn options() -> Options {
    Options::ENABLE_WIKILINKS
        | Options::ENABLE_TABLES
        | Options::ENABLE_MATH
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_FOOTNOTES
}

struct OpenLink {
    span: Span,
    wiki: bool,
    embed: bool,
    inline: bool,
    /// End of the last event inside the link (its text), for locating `](`.
    content_end: usize,
}

struct OpenHeading {
    level: u8,
    span: Span,
    text: String,
    text_start: Option<usize>,
    text_end: usize,
}

/// A paragraph or list item, and the block that ended just before it started.
struct Container {
    span: Span,
    previous_block: Option<Span>,
}

struct BodyParser<'a> {
    text: &'a str,
    note: &'a mut Draft,
    links: Vec<OpenLink>,
    heading: Option<OpenHeading>,
    containers: Vec<Container>,
    last_block: Option<Span>,
    code_depth: usize,
    /// Adjacent text events, merged (pulldown-cmark splits text at `_`, `*`, `[`…).
    run: Option<(usize, usize)>,
    /// A `^id` that ended the text so far; kept if its paragraph or item ends next.
    pending_block: Option<Span>,
    /// Code, math and HTML: where `%%` does not open a comment.
    opaque: Vec<Span>,
}

/// Parses the body (from `base`) into `note`; returns where nothing counts as a link or tag:
/// code, math, HTML and `%%` comments, sorted by start.
pub(super) fn parse_body(text: &str, base: usize, note: &mut Draft) -> Vec<Span> {
    let body = &text[base..];
    let mut p = BodyParser {
        text,
        note,
        links: Vec::new(),
        heading: None,
        containers: Vec::new(),
        last_block: None,
        code_depth: 0,
        run: None,
        pending_block: None,
        opaque: Vec::new(),
    };
    // `[text][label]` and `[label][]` whose label is not defined (a bare `[label]` is text:
    // `[x]`, `[sic]`).
    let mut undefined = Vec::new();
    let callback = |link: BrokenLink<'_>| {
        if matches!(link.link_type, LinkType::Reference | LinkType::Collapsed) {
            undefined.push((
                Span::new(link.span.start + base, link.span.end + base),
                link.link_type,
            ));
        }
        None
    };
    let mut events =
        Parser::new_with_broken_link_callback(body, options(), Some(callback)).into_offset_iter();
    for (event, range) in events.by_ref() {
        let span = Span::new(range.start + base, range.end + base);
        p.event(event, span);
    }
    p.flush_run();
    let mut definitions: Vec<Span> = events
        .reference_definitions()
        .iter()
        .map(|(_, def)| Span::new(def.span.start + base, def.span.end + base))
        .collect();
    drop(events);
    definitions.sort_unstable_by_key(|s| s.start);
    p.reference_definitions(&definitions);
    undefined.sort_unstable_by_key(|(s, _)| s.start);
    undefined.dedup();
    for (span, link_type) in undefined {
        p.reference_use(span, link_type, false);
    }
    let note = p.note;
    note.references.sort_by_key(|r| r.span.start);
    let mut opaque = p.opaque;
    let comments = comment_spans(text, base, &opaque);
    if !comments.is_empty() {
        // Comments come left to right and never overlap: the one that could hold a start is
        // the last one starting at or before it (a binary search, not a scan per item).
        let outside = |s: Span| {
            let i = comments.partition_point(|c| c.start <= s.start);
            i == 0 || !comments[i - 1].contains_span(Span::empty(s.start as usize))
        };
        note.links.retain(|l| outside(l.span()));
        note.headings.retain(|h| outside(h.span));
        note.blocks.retain(|b| outside(b.span));
        note.references.retain(|r| outside(r.span));
        note.tags
            .retain(|t| t.source == TagSource::Frontmatter || outside(t.span));
    }
    opaque.extend(comments);
    opaque.sort_unstable_by_key(|s| s.start);
    opaque
}

impl BodyParser<'_> {
    fn event(&mut self, event: Event, span: Span) {
        if !matches!(event, Event::Text(_)) {
            self.flush_run();
        }
        let closes_link = matches!(event, Event::End(TagEnd::Link | TagEnd::Image));
        if let Some(link) = self.links.last_mut().filter(|_| !closes_link) {
            link.content_end = link.content_end.max(span.end as usize);
        }
        match event {
            Event::Start(tag) => self.start(tag, span),
            Event::End(end) => self.end(end, span),
            Event::Text(_) => {
                if let Some(h) = &mut self.heading {
                    h.text.push_str(&self.text[span.range()]);
                    h.text_start.get_or_insert(span.start as usize);
                    h.text_end = span.end as usize;
                }
                if self.code_depth > 0 {
                    return;
                }
                self.run = match self.run {
                    Some((s, e)) if e == span.start as usize => Some((s, span.end as usize)),
                    Some(_) => {
                        self.flush_run();
                        Some((span.start as usize, span.end as usize))
                    }
                    None => Some((span.start as usize, span.end as usize)),
                };
            }
            Event::Code(code) => {
                self.opaque.push(span);
                self.pending_block = None;
                if let Some(h) = &mut self.heading {
                    h.text.push_str(&code);
                    h.text_start.get_or_insert(span.start as usize);
                    h.text_end = span.end as usize;
                }
            }
            Event::InlineMath(_)
            | Event::DisplayMath(_)
            | Event::Html(_)
            | Event::InlineHtml(_) => {
                self.opaque.push(span);
                self.pending_block = None;
            }
            Event::SoftBreak | Event::HardBreak => {}
            Event::FootnoteReference(_) => {
                self.pending_block = None;
                if self.code_depth == 0 && span.len() >= 4 {
                    self.note.references.push(Reference {
                        footnote: true,
                        definition: false,
                        span,
                        label: Span::new(span.start as usize + 2, span.end as usize - 1),
                        defined: true,
                    });
                }
            }
            _ => self.pending_block = None,
        }
    }

    fn start(&mut self, tag: MdTag, span: Span) {
        match tag {
            MdTag::Link { link_type, .. } | MdTag::Image { link_type, .. } => {
                self.pending_block = None;
                let embed = self.text.as_bytes().get(span.start as usize) == Some(&b'!');
                let wiki = matches!(link_type, LinkType::WikiLink { .. });
                if wiki
                    && self.code_depth == 0
                    && let Some(parts) = link::wikilink(self.text, span)
                {
                    self.note.push_link(parts);
                }
                if matches!(
                    link_type,
                    LinkType::Reference | LinkType::Collapsed | LinkType::Shortcut
                ) && self.code_depth == 0
                {
                    self.reference_use(span, link_type, true);
                }
                self.links.push(OpenLink {
                    span,
                    wiki,
                    embed,
                    inline: link_type == LinkType::Inline,
                    content_end: span.start as usize + if embed { 2 } else { 1 },
                });
            }
            MdTag::Heading { level, .. } => {
                self.heading = Some(OpenHeading {
                    level: level as u8,
                    span: trim_line_end(self.text, span),
                    text: String::new(),
                    text_start: None,
                    text_end: span.start as usize,
                });
            }
            MdTag::Paragraph | MdTag::Item => {
                if matches!(tag, MdTag::Item) {
                    self.commit_block();
                }
                self.containers.push(Container {
                    span: trim_line_end(self.text, span),
                    previous_block: self.last_block,
                });
            }
            MdTag::List(_) => self.commit_block(),
            MdTag::CodeBlock(_) => {
                self.code_depth += 1;
                self.opaque.push(span);
            }
            MdTag::HtmlBlock => self.opaque.push(span),
            MdTag::FootnoteDefinition(_) => {
                let span = trim_line_end(self.text, span);
                let whole = &self.text[span.range()];
                if whole.starts_with("[^")
                    && let Some(close) = whole.find("]:")
                {
                    self.note.references.push(Reference {
                        footnote: true,
                        definition: true,
                        span,
                        label: Span::new(span.start as usize + 2, span.start as usize + close),
                        defined: true,
                    });
                }
            }
            _ => {}
        }
    }

    /// A reference link's use at `span` (as pulldown-cmark gives it, which leaves the `[]` of
    /// `[label][]` out).
    fn reference_use(&mut self, span: Span, link_type: LinkType, defined: bool) {
        let (start, mut end) = (span.start as usize, span.end as usize);
        if link_type == LinkType::Collapsed && self.text[end..].starts_with("[]") {
            end += 2;
        }
        let whole = &self.text[start..end];
        let label = match link_type {
            // `[text][label]`: the last brackets.
            LinkType::Reference => whole
                .strip_suffix(']')
                .and_then(|w| w.rfind('[').map(|open| (open + 1, w.len()))),
            // `[label]`, `[label][]`, `![label]`: the first brackets, all of them.
            _ => {
                let w = whole.strip_suffix("[]").unwrap_or(whole);
                let open = usize::from(w.starts_with('!'));
                (w[open..].starts_with('[') && w.ends_with(']') && w.len() >= open + 2)
                    .then(|| (open + 1, w.len() - 1))
            }
        };
        if let Some((from, to)) = label {
            self.note.references.push(Reference {
                footnote: false,
                definition: false,
                span: Span::new(start, end),
                label: Span::new(start + from, start + to),
                defined,
            });
        }
    }

    /// `[label]: destination "title"` lines (pulldown-cmark reads them without events): each a
    /// definition, and a link when it points into the vault.
    fn reference_definitions(&mut self, spans: &[Span]) {
        let mut added_links = false;
        for &span in spans {
            let Some(close) = self.text[span.range()].find("]:") else {
                continue;
            };
            self.note.references.push(Reference {
                footnote: false,
                definition: true,
                span,
                label: Span::new(span.start as usize + 1, span.start as usize + close),
                defined: true,
            });
            if let Some(parts) = link::reference_definition(self.text, span) {
                self.note.push_link(parts);
                added_links = true;
            }
        }
        if added_links {
            self.note.links.sort_by_key(|l| l.span().start);
        }
    }

    /// `[^label]` in text: a footnote without a definition (pulldown-cmark reads it as text).
    fn undefined_footnotes(&mut self, start: usize, end: usize) {
        let slice = &self.text[start..end];
        // Each `[` looked at by memchr: `match_indices("[^")` set up a substring searcher for
        // every run of text, 7 % of a cold load's instructions.
        let bytes = slice.as_bytes();
        let opens = memchr::memchr_iter(b'[', bytes).filter(|&i| bytes.get(i + 1) == Some(&b'^'));
        for i in opens {
            let rest = &slice[i + 2..];
            let Some(len) = rest.find(|c: char| c == ']' || c == '[' || c.is_whitespace()) else {
                continue;
            };
            let escaped = self.text[..start + i].ends_with('\\');
            if len > 0 && rest[len..].starts_with(']') && !escaped {
                let at = start + i;
                self.note.references.push(Reference {
                    footnote: true,
                    definition: false,
                    span: Span::new(at, at + 3 + len),
                    label: Span::new(at + 2, at + 2 + len),
                    defined: false,
                });
            }
        }
    }

    fn end(&mut self, end: TagEnd, span: Span) {
        match end {
            TagEnd::Link | TagEnd::Image => {
                if let Some(open) = self.links.pop()
                    && !open.wiki
                    && open.inline
                    && self.code_depth == 0
                    && let Some(parts) = link::markdown_link(
                        self.text,
                        open.span,
                        self.link_text_end(&open),
                        open.embed,
                    )
                {
                    self.note.push_link(parts);
                }
                if let Some(outer) = self.links.last_mut() {
                    outer.content_end = outer.content_end.max(span.end as usize);
                }
            }
            TagEnd::Heading(_) => {
                if let Some(h) = self.heading.take() {
                    let text_span = match h.text_start {
                        Some(s) => Span::new(s, h.text_end),
                        None => Span::empty(h.span.end as usize),
                    };
                    self.note.headings.push(Heading::new(
                        self.text,
                        h.level,
                        h.span,
                        text_span,
                        h.text.trim(),
                    ));
                }
                self.pending_block = None;
                self.last_block = Some(trim_line_end(self.text, span));
            }
            TagEnd::Paragraph | TagEnd::Item => {
                self.commit_block();
                self.containers.pop();
                if end == TagEnd::Paragraph {
                    self.last_block = Some(trim_line_end(self.text, span));
                }
            }
            TagEnd::List(_) if self.code_depth == 0 => {
                self.pending_block = None;
                let span = trim_line_end(self.text, span);
                self.note.lists.push(span);
                self.last_block = Some(span);
            }
            TagEnd::List(_) | TagEnd::Table | TagEnd::BlockQuote(_) | TagEnd::HtmlBlock => {
                self.pending_block = None;
                self.last_block = Some(trim_line_end(self.text, span));
            }
            TagEnd::CodeBlock => {
                self.code_depth = self.code_depth.saturating_sub(1);
                self.pending_block = None;
                self.last_block = Some(trim_line_end(self.text, span));
            }
            _ => {}
        }
    }

    /// Where the link text of a Markdown link ends: the `]` after its last inner event.
    fn link_text_end(&self, open: &OpenLink) -> usize {
        // `content_end` covers the inner events; the first `](` from there closes the text.
        let from = open.content_end.min(open.span.end as usize);
        self.text[from..open.span.end as usize]
            .find("](")
            .map_or(from, |i| from + i)
    }

    fn flush_run(&mut self) {
        let Some((start, end)) = self.run.take() else {
            return;
        };
        self.undefined_footnotes(start, end);
        if !self.links.is_empty() {
            self.pending_block = None;
            return;
        }
        self.scan_tags(start, end);
        if self.heading.is_some() {
            self.pending_block = None;
            return;
        }
        let slice = &self.text[start..end];
        let trimmed = slice.trim_end();
        if trimmed.is_empty() {
            return; // whitespace only: whatever was pending stays pending
        }
        self.pending_block =
            block_marker(trimmed).map(|at| Span::new(start + at, start + trimmed.len()));
    }

    fn commit_block(&mut self) {
        let Some(marker) = self.pending_block.take() else {
            return;
        };
        let Some(container) = self.containers.last() else {
            return;
        };
        // A paragraph holding only `^id` names the block before it (lists, tables, quotes).
        let alone = self.text[container.span.range()].trim() == &self.text[marker.range()];
        let block_span = if alone {
            container.previous_block.unwrap_or(container.span)
        } else {
            container.span
        };
        self.note.blocks.push(Block {
            span: marker,
            block_span,
        });
    }

    fn scan_tags(&mut self, start: usize, end: usize) {
        let text = self.text;
        let slice = &text[start..end];
        for i in memchr::memchr_iter(b'#', slice.as_bytes()) {
            let at = start + i;
            let before = text[..at].chars().next_back();
            if before.is_some_and(|c| !c.is_whitespace()) {
                continue;
            }
            let name_len: usize = slice[i + 1..]
                .chars()
                .take_while(|&c| is_tag_char(c))
                .map(char::len_utf8)
                .sum();
            let name = &slice[i + 1..i + 1 + name_len];
            if super::valid_tag(name) {
                self.note
                    .tags
                    .push(Tag::inline(Span::new(at, at + 1 + name_len)));
            }
        }
    }
}

/// `… ^id` at the end of `s`: the offset of `^`. Reads only the end of `s`.
pub fn block_marker(s: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    let id_len = bytes
        .iter()
        .rev()
        .take_while(|&&b| b.is_ascii_alphanumeric() || b == b'-')
        .count();
    let caret = bytes.len().checked_sub(id_len + 1)?;
    if id_len == 0 || bytes[caret] != b'^' {
        return None;
    }
    let separated = s[..caret]
        .chars()
        .next_back()
        .is_none_or(char::is_whitespace);
    separated.then_some(caret)
}

/// A span without its trailing line terminator(s).
fn trim_line_end(text: &str, span: Span) -> Span {
    let s = &text[span.range()];
    let trimmed = s.trim_end_matches(['\n', '\r']);
    Span::new(span.start as usize, span.start as usize + trimmed.len())
}

/// Obsidian comments `%%…%%` outside code, math and HTML (an unclosed `%%` runs to the end).
///
/// Linear: the `%%`s come left to right, so one cursor walks the opaque spans (sorted by start,
/// each with the furthest end seen so far, as nested ones can end inside an outer one).
fn comment_spans(text: &str, base: usize, opaque: &[Span]) -> Vec<Span> {
    let mut opaque = opaque.to_vec();
    opaque.sort_unstable_by_key(|s| s.start);
    let (mut next, mut covered_to) = (0, 0usize);
    let mut in_opaque = |at: usize| {
        while next < opaque.len() && opaque[next].start as usize <= at {
            covered_to = covered_to.max(opaque[next].end as usize);
            next += 1;
        }
        at < covered_to
    };
    let mut spans = Vec::new();
    let mut open: Option<usize> = None;
    // Non-overlapping `%%`, left to right (`%%%` is one `%%` and a `%`).
    for i in memchr::memmem::find_iter(&text.as_bytes()[base..], b"%%") {
        let at = base + i;
        if in_opaque(at) {
            continue;
        }
        match open.take() {
            None => open = Some(at),
            Some(start) => spans.push(Span::new(start, at + 2)),
        }
    }
    if let Some(start) = open {
        spans.push(Span::new(start, text.len()));
    }
    spans
}
