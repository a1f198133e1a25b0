//! The syntax layer: a note's text → a [`NoteSyntax`] summary with exact byte ranges.
//!
//! Pure: no IO, no knowledge of other notes. Everything the vault indexes and the features
//! answer from is extracted here in one pass: frontmatter, headings, block ids, tags and links.

mod frontmatter;
pub mod line_index;
mod link;
mod markdown;
pub mod mojibake;
mod packed;
mod pieces;
mod pool;
mod span;
mod tag;

use std::fmt;
use std::ops::Range;

pub use frontmatter::{Field, Frontmatter, Value};
pub use line_index::{ColumnUnit, Columns, LineCol, LineIndex, WideChars};
pub use link::{LINK_PATH_ENCODE, decode, is_external_url, split_subpath};
pub use markdown::block_marker;
pub use pieces::{Pieces, PiecesParts, TextAt};
pub use pool::StrPool;
pub use span::Span;
pub use tag::{is_tag_char, valid_tag};

/// Everything the rest of vaultls needs to know about one note's text.
///
/// Each list is a boxed slice, not a vector: a vault holds a summary per note, and the nine
/// vectors' capacities were 72 bytes of each (3 MB at 50k notes). The parser fills a
/// [`Draft`].
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NoteSyntax {
    pub frontmatter: Option<Frontmatter>,
    pub headings: Box<[Heading]>,
    #[serde(with = "packed")]
    pub blocks: Box<[Block]>,
    /// Inline tags and frontmatter tags, in text order.
    pub tags: Box<[Tag]>,
    /// Wikilinks and local Markdown links, in text order.
    #[serde(with = "packed")]
    pub links: Box<[Link]>,
    /// Lists (nested ones too), for folding.
    #[serde(with = "packed")]
    pub lists: Box<[Span]>,
    /// Reference links and footnotes, used and defined, in text order. A definition of a
    /// reference link to a local file is also in `links` (at the same span): it is the one
    /// place the path is written.
    pub references: Box<[Reference]>,
    pub errors: Box<[SyntaxError]>,
    /// Whether the note has double-encoded stretches ([`mojibake::spans`]). Where they are
    /// is read from its text when they are asked for, as what they should read always is
    /// (kept here, they were 9 MB at 50k generated notes, with one in each list item).
    pub mojibake: bool,
}

/// A [`NoteSyntax`] while the parser fills it.
#[derive(Default)]
struct Draft {
    frontmatter: Option<Frontmatter>,
    headings: Vec<Heading>,
    blocks: Vec<Block>,
    tags: Vec<Tag>,
    links: Vec<Link>,
    lists: Vec<Span>,
    references: Vec<Reference>,
    errors: Vec<SyntaxError>,
    mojibake: bool,
}

impl Draft {
    /// The summary, each list cut to its length.
    fn finish(self) -> NoteSyntax {
        NoteSyntax {
            frontmatter: self.frontmatter,
            headings: self.headings.into(),
            blocks: self.blocks.into(),
            tags: self.tags.into(),
            links: self.links.into(),
            lists: self.lists.into(),
            references: self.references.into(),
            errors: self.errors.into(),
            mojibake: self.mojibake,
        }
    }

    /// Adds a link, or reports one too long to index (nothing is dropped silently): body and
    /// property links alike.
    fn push_link(&mut self, parts: LinkParts) {
        match Link::pack(parts) {
            Some(link) => self.links.push(link),
            None => self.errors.push(SyntaxError {
                code: "link-too-long",
                message: format!(
                    "link of {} bytes is not indexed (the limit is {} bytes)",
                    parts.span.len(),
                    Link::MAX_LEN
                ),
                // The opening brackets: the whole link would cover pages.
                span: Span::new(parts.span.start as usize, parts.span.start as usize + 2),
            }),
        }
    }
}

impl NoteSyntax {
    /// Where the body starts: after the frontmatter, if there is one.
    pub fn body_start(&self) -> usize {
        self.frontmatter.as_ref().map_or(0, |f| f.span.end as usize)
    }

    /// Where the section of heading `i` ends, as a heading index: the next heading of the
    /// same or a higher level (`headings.len()` when none follows). The one rule for section
    /// bounds: outline, heading links, completion and hover use it.
    pub fn section_end_index(&self, i: usize) -> usize {
        let level = self.headings[i].level;
        (i + 1..self.headings.len())
            .find(|&j| self.headings[j].level <= level)
            .unwrap_or(self.headings.len())
    }

    /// Where the section of heading `i` ends, as a byte offset of the note (`text_len` at the
    /// end of the note).
    pub fn section_end(&self, i: usize, text_len: usize) -> usize {
        self.headings
            .get(self.section_end_index(i))
            .map_or(text_len, |h| h.span.start as usize)
    }

    /// Obsidian's display title: frontmatter `title`, else the first H1, else the file stem.
    pub fn title<'a, T: TextAt + ?Sized>(&'a self, text: &'a T, file_stem: &'a str) -> &'a str {
        if let Some(title) = self.frontmatter.as_ref().and_then(|f| f.title(text)) {
            return title;
        }
        self.headings
            .iter()
            .find(|h| h.level == 1)
            .map_or(file_stem, |h| h.text(text))
    }

    /// The frontmatter's aliases ([`Frontmatter::aliases`]); `text` is the note's text.
    pub fn aliases<'a, T: TextAt + ?Sized>(
        &'a self,
        text: &'a T,
    ) -> impl Iterator<Item = (&'a str, Span)> {
        self.frontmatter.iter().flat_map(|f| f.aliases(text))
    }
}

/// A copy of what the parser read, when the note spells it otherwise ([`copy_unless_written`]):
/// behind one thin pointer, 8 bytes where a `Box<str>` takes 16. Most headings, tags and YAML
/// scalars have none, and a vault holds millions of them (50k generated notes: 5 MB less).
type Copied = Option<Box<Box<str>>>;

/// What the parser read at a span (a heading without its formatting, a YAML scalar without
/// its escapes), kept only when the note's text there (`written`) spells it differently:
/// otherwise [`read_back`] reads it from the note, which a vault keeps anyway.
fn copy_unless_written(written: Option<&str>, read: &str) -> Copied {
    (written != Some(read)).then(|| Box::new(read.into()))
}

/// The text kept by [`copy_unless_written`], or the note's text at `range`.
fn read_back<'a, T: TextAt + ?Sized>(
    copy: &'a Copied,
    note: &'a T,
    range: Range<usize>,
) -> &'a str {
    match copy {
        Some(copy) => copy,
        None => note.at(range).unwrap_or_default(),
    }
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Heading {
    /// 1 to 6.
    pub level: u8,
    /// The whole heading, markers (and a setext underline) included.
    pub span: Span,
    /// The heading's content, without `#` markers.
    pub text_span: Span,
    /// [`Heading::text`] when it is not the note's text at `text_span` (formatting removed).
    plain: Copied,
}

impl Heading {
    /// The heading at `span`, whose content at `text_span` of `note` reads as `plain`.
    fn new(note: &str, level: u8, span: Span, text_span: Span, plain: &str) -> Heading {
        Heading {
            level,
            span,
            text_span,
            plain: copy_unless_written(note.get(text_span.range()), plain),
        }
    }

    /// The heading's text with Markdown formatting removed (`## *Big* \`x\`` → `Big x`);
    /// `note` is the text of the note it was parsed from.
    pub fn text<'a, T: TextAt + ?Sized>(&'a self, note: &'a T) -> &'a str {
        read_back(&self.plain, note, self.text_span.range())
    }

    /// The heading's text as written (formatting, math and HTML included), what heading links
    /// are matched against.
    pub fn source<'a, T: TextAt + ?Sized>(&self, note: &'a T) -> &'a str {
        let whole = note.at(self.span.range()).unwrap_or_default();
        // The first line (a setext heading's underline is the second), without the opening
        // `#`s and a closing sequence (`## Title ##`; not the `#` of `C#`).
        let line = whole.lines().next().unwrap_or_default().trim();
        let line = line.trim_start_matches('#').trim();
        match line.trim_end_matches('#') {
            rest if rest.len() < line.len() && (rest.is_empty() || rest.ends_with([' ', '\t'])) => {
                rest.trim_end()
            }
            _ => line,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Block {
    /// The `^id` marker ([`Block::id`] reads the id from it).
    pub span: Span,
    /// The paragraph, list item or preceding block the id names.
    pub block_span: Span,
}

impl Block {
    /// The id without `^`; `text` is the text of the note the block was parsed from.
    pub fn id<'a, T: TextAt + ?Sized>(&self, text: &'a T) -> &'a str {
        text.at(self.span.start as usize + 1..self.span.end as usize)
            .unwrap_or_default()
    }
}

/// A reference link or footnote, where it is used (`[text][label]`, `[label][]`, `[label]`,
/// `[^label]`) or defined (`[label]: destination`, `[^label]: text`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Reference {
    pub footnote: bool,
    pub definition: bool,
    /// A use: all of it; a definition: all of it (a footnote's text and a title included).
    pub span: Span,
    /// The label as written, without brackets and `^`.
    pub label: Span,
    /// Whether a use's label is defined in the note (always true for a definition).
    pub defined: bool,
}

impl Reference {
    /// Whether `other` has the same label: CommonMark compares labels after folding case
    /// (Unicode case folding, as pulldown-cmark does) and collapsing whitespace. Footnotes and
    /// reference links never match each other. `text` is the note's text.
    pub fn same_label<T: TextAt + ?Sized>(&self, other: &Reference, text: &T) -> bool {
        self.footnote == other.footnote
            && same_label(
                text.at(self.label.range()).unwrap_or_default(),
                text.at(other.label.range()).unwrap_or_default(),
            )
    }
}

/// The one comparison of reference labels ([`Reference::same_label`]).
pub fn same_label(a: &str, b: &str) -> bool {
    let collapse = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    unicase::UniCase::new(collapse(a)) == unicase::UniCase::new(collapse(b))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum TagSource {
    Inline,
    Frontmatter,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Tag {
    /// Inline: `#area/Sub`; frontmatter: the tag's text in the YAML value.
    pub span: Span,
    pub source: TagSource,
    /// The name, when the text at `span` does not spell it (a frontmatter tag in a scalar
    /// with escapes); otherwise [`Tag::name`] reads it from the text.
    unescaped: Copied,
}

impl Tag {
    pub(crate) fn inline(span: Span) -> Tag {
        Tag {
            span,
            source: TagSource::Inline,
            unescaped: None,
        }
    }

    /// A frontmatter tag; `name` is stored only when the text at `span` differs from it.
    pub(crate) fn frontmatter(text: &str, name: &str, span: Span) -> Tag {
        Tag {
            span,
            source: TagSource::Frontmatter,
            unescaped: copy_unless_written(text.get(span.range()), name),
        }
    }

    /// The tag without `#`, as written (`area/Sub`); `text` is the text of the note the tag
    /// was parsed from.
    pub fn name<'a, T: TextAt + ?Sized>(&'a self, text: &'a T) -> &'a str {
        let start = match self.source {
            TagSource::Inline => self.span.start as usize + 1,
            TagSource::Frontmatter => self.span.start as usize,
        };
        read_back(&self.unescaped, text, start..self.span.end as usize)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum LinkKind {
    /// `[[target#subpath|display]]`
    Wiki,
    /// `[display](target#subpath)`
    Markdown,
}

/// The part of a link after `#`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subpath {
    /// `#H1#H2`: a chain of headings, outermost first.
    Heading(Vec<String>),
    /// `#^id`
    Block(String),
}

/// A link, as spans into its note's text (a vault holds about a million of them, so nothing
/// is copied that the text already holds: [`Link::target`] and [`Link::subpath`] read it).
///
/// Packed into 16 bytes: the link's start; its length (14 bits), kind and `!` in 16 bits;
/// its target and subpath as 16-bit offsets from its start; and of its display text only the
/// bound its kind does not fix (a wikilink's ends before `]]`, a Markdown link's starts after
/// `[`). A link longer than [`Link::MAX_LEN`] bytes is not indexed; the parser reports it as
/// a `link-too-long` error instead.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Link {
    start: u32,
    /// The length, and [`MARKDOWN`] and [`EMBED`].
    len: u16,
    /// `[start, end]` of the target, relative to `start`.
    target: [u16; 2],
    /// Relative; [`NO_PART`] when absent.
    subpath: [u16; 2],
    /// Relative: where a wikilink's display text starts, where a Markdown link's ends;
    /// [`NO_DISPLAY`] when absent.
    display: u16,
}

/// The marker of an absent subpath in a packed [`Link`].
const NO_PART: [u16; 2] = [u16::MAX, u16::MAX];
/// The marker of an absent display text in a packed [`Link`].
const NO_DISPLAY: u16 = u16::MAX;
/// A packed [`Link`]'s flags, in `len` above the length.
const MARKDOWN: u16 = 1 << 14;
const EMBED: u16 = 1 << 15;

/// A link's parts as plain spans: what the parser finds, before [`Link::pack`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinkParts {
    pub kind: LinkKind,
    pub embed: bool,
    /// The whole link, `!` and brackets included.
    pub span: Span,
    /// Where the path part is written (empty, at the `#`, for same-note links).
    pub target_span: Span,
    /// The text after the first `#` (the `#` itself excluded).
    pub subpath_span: Option<Span>,
    /// The display text: after `|` in a wikilink, between the brackets in a Markdown link.
    pub display_span: Option<Span>,
}

impl fmt::Debug for Link {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.parts().fmt(f)
    }
}

impl Link {
    /// The longest link, in bytes, that [`Link::pack`] accepts.
    pub const MAX_LEN: usize = (1 << 14) - 1;

    /// Packs a link's spans; `None` when the link is longer than [`Link::MAX_LEN`] or its
    /// parts are not where a link's are (outside it, or a display text not where its kind
    /// puts it: the parser makes none such).
    pub fn pack(parts: LinkParts) -> Option<Link> {
        let span = parts.span;
        if span.len() > Link::MAX_LEN {
            return None;
        }
        let relative = |part: Span| -> Option<[u16; 2]> {
            span.contains_span(part).then(|| {
                [
                    (part.start - span.start) as u16,
                    (part.end - span.start) as u16,
                ]
            })
        };
        let subpath = match parts.subpath_span {
            Some(part) => relative(part)?,
            None => NO_PART,
        };
        let len = span.len() as u16;
        let display = match (parts.display_span.map(relative), parts.kind) {
            (None, _) => NO_DISPLAY,
            (Some(None), _) => return None,
            (Some(Some([start, end])), LinkKind::Wiki) => (end + 2 == len).then_some(start)?,
            (Some(Some([start, end])), LinkKind::Markdown) => {
                (start == 1 + u16::from(parts.embed)).then_some(end)?
            }
        };
        let flags = match parts.kind {
            LinkKind::Wiki => 0,
            LinkKind::Markdown => MARKDOWN,
        } | if parts.embed { EMBED } else { 0 };
        Some(Link {
            start: span.start,
            len: len | flags,
            target: relative(parts.target_span)?,
            subpath,
            display,
        })
    }

    /// All spans at once.
    pub fn parts(&self) -> LinkParts {
        LinkParts {
            kind: self.kind(),
            embed: self.embed(),
            span: self.span(),
            target_span: self.target_span(),
            subpath_span: self.subpath_span(),
            display_span: self.display_span(),
        }
    }

    pub fn kind(&self) -> LinkKind {
        match self.len & MARKDOWN {
            0 => LinkKind::Wiki,
            _ => LinkKind::Markdown,
        }
    }

    /// `![[…]]` or `![…](…)`.
    pub fn embed(&self) -> bool {
        self.len & EMBED != 0
    }

    fn len(&self) -> u16 {
        self.len & !(MARKDOWN | EMBED)
    }

    fn absolute(&self, [start, end]: [u16; 2]) -> Span {
        Span {
            start: self.start + u32::from(start),
            end: self.start + u32::from(end),
        }
    }

    /// The whole link, `!` and brackets included.
    pub fn span(&self) -> Span {
        Span {
            start: self.start,
            end: self.start + u32::from(self.len()),
        }
    }

    /// Where the path part is written (empty, at the `#`, for same-note links).
    pub fn target_span(&self) -> Span {
        self.absolute(self.target)
    }

    /// The text after the first `#` (the `#` itself excluded).
    pub fn subpath_span(&self) -> Option<Span> {
        (self.subpath != NO_PART).then(|| self.absolute(self.subpath))
    }

    /// The display text: after `|` in a wikilink, between the brackets in a Markdown link.
    pub fn display_span(&self) -> Option<Span> {
        let bounds = match self.kind() {
            LinkKind::Wiki => [self.display, self.len().checked_sub(2)?],
            LinkKind::Markdown => [1 + u16::from(self.embed()), self.display],
        };
        (self.display != NO_DISPLAY).then(|| self.absolute(bounds))
    }

    /// The path part as Obsidian reads it: trimmed, and for Markdown links with `<>`, backslash
    /// escapes and percent-encoding removed. Empty for a link into the same note (`[[#H]]`).
    /// `text` is the text of the note the link was parsed from.
    pub fn target<'a, T: TextAt + ?Sized>(&self, text: &'a T) -> std::borrow::Cow<'a, str> {
        let raw = text.at(self.target_span().range()).unwrap_or_default();
        match self.kind() {
            LinkKind::Wiki => std::borrow::Cow::Borrowed(raw),
            LinkKind::Markdown => match link::decode(raw) {
                std::borrow::Cow::Borrowed(decoded) => std::borrow::Cow::Borrowed(decoded.trim()),
                std::borrow::Cow::Owned(decoded) => decoded.trim().to_string().into(),
            },
        }
    }

    /// The part after `#`: a heading chain or a block id (percent-decoded in Markdown links).
    pub fn subpath<T: TextAt + ?Sized>(&self, text: &T) -> Option<Subpath> {
        let raw = text.at(self.subpath_span()?.range())?;
        match self.kind() {
            LinkKind::Wiki => link::parse_subpath(raw),
            LinkKind::Markdown => link::parse_subpath(&link::decode(raw)),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct SyntaxError {
    pub code: &'static str,
    pub message: String,
    pub span: Span,
}

impl SyntaxError {
    /// Every `code` the parser reports: a stored summary ([`crate::vault`]'s cache) names one
    /// of them.
    pub const CODES: &[&str] = &["link-too-long", "frontmatter-yaml", UNQUOTED_PROPERTY_LINK];
}

/// A [`SyntaxError`] read back from storage, its code as text: it becomes the parser's own
/// `&'static str`, and an unknown code fails the read.
#[derive(serde::Deserialize)]
struct StoredError {
    code: String,
    message: String,
    span: Span,
}

impl<'de> serde::Deserialize<'de> for SyntaxError {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<SyntaxError, D::Error> {
        let stored = StoredError::deserialize(d)?;
        let code = SyntaxError::CODES
            .iter()
            .find(|c| **c == stored.code)
            .ok_or_else(|| {
                serde::de::Error::custom(format!("unknown syntax error code {}", stored.code))
            })?;
        Ok(SyntaxError {
            code,
            message: stored.message,
            span: stored.span,
        })
    }
}

/// Parses a note. Never panics, whatever the input.
pub fn parse_note(text: &str) -> NoteSyntax {
    parse_note_and_opaque(text).0
}

/// Where in a note nothing counts as a link or tag: its frontmatter excluded, the code, math,
/// HTML and `%%` comments of its body, sorted by start. Parses the note again: for one
/// request about the note being edited (completion), not kept for the vault.
pub fn opaque_spans(text: &str) -> Vec<Span> {
    parse_note_and_opaque(text).1
}

/// Wikilinks in property values, as Obsidian (1.4+, Properties) reads them: `up: "[[Pricing]]"`,
/// `attendees: ["[[Jeff Denworth]]"]`, a block list item `- "[[Tomer Hagay]]"`, with `|alias`
/// and `#heading` too. Links are read from string values YAML reads as written (so every span
/// is exact): quoted ones, and plain text with a link inside; a value that starts with `[[`
/// unquoted is a nested list to YAML, not a link. Keys never hold links.
fn property_links(text: &str, fields: &[Field]) -> Vec<LinkParts> {
    fn walk(text: &str, value: &Value, out: &mut Vec<LinkParts>) {
        match value {
            Value::Scalar(s) if s.is_verbatim() => {
                let (start, end) = (s.span.start as usize, s.span.end as usize);
                let Some(written) = text.get(start..end) else {
                    return;
                };
                let mut from = 0;
                while let Some(open) = written[from..].find("[[") {
                    let open = from + open;
                    let Some(close) = written[open + 2..].find("]]") else {
                        break;
                    };
                    let close = open + 2 + close + 2;
                    let embed = open > 0 && written.as_bytes()[open - 1] == b'!';
                    let link_start = start + open - usize::from(embed);
                    if let Some(parts) = link::wikilink(text, Span::new(link_start, start + close))
                    {
                        out.push(parts);
                    }
                    from = close;
                }
            }
            Value::List(items) => items.iter().for_each(|v| walk(text, v, out)),
            Value::Map(fields) => fields.iter().for_each(|f| walk(text, &f.value, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for field in fields {
        walk(text, &field.value, &mut out);
    }
    out
}

/// The code of [`unquoted_property_links`]' findings.
pub const UNQUOTED_PROPERTY_LINK: &str = "unquoted-property-link";

/// `up: [[Pricing]]` written without quotes: YAML reads a list holding a list holding
/// `Pricing`, and Obsidian sees no link (it writes property links quoted, `"[[Pricing]]"`).
/// Found in every form (a value, a flow or block list item), at the `[[…]]` as written.
fn unquoted_property_links(text: &str, fields: &[Field]) -> Vec<SyntaxError> {
    /// The `[[…]]` around `inner`, when only spaces separate it from the brackets.
    fn bracketed(text: &str, inner: Span) -> Option<Span> {
        let before = text
            .get(..inner.start as usize)?
            .trim_end_matches([' ', '\t']);
        let after = text.get(inner.end as usize..)?;
        let after_trimmed = after.trim_start_matches([' ', '\t']);
        (before.ends_with("[[") && after_trimmed.starts_with("]]")).then(|| {
            let end = inner.end as usize + (after.len() - after_trimmed.len()) + 2;
            Span::new(before.len() - 2, end)
        })
    }
    fn walk(text: &str, value: &Value, out: &mut Vec<SyntaxError>) {
        match value {
            Value::List(items) => {
                if let [Value::List(inner)] = &items[..]
                    && let [Value::Scalar(s)] = &inner[..]
                    && let Some(span) = bracketed(text, s.span)
                {
                    let written = &text[span.range()];
                    out.push(SyntaxError {
                        code: UNQUOTED_PROPERTY_LINK,
                        message: format!(
                            "YAML reads {written} as a list, not a link: write it quoted, \"{written}\""
                        ),
                        span,
                    });
                    return;
                }
                items.iter().for_each(|v| walk(text, v, out));
            }
            Value::Map(fields) => fields.iter().for_each(|f| walk(text, &f.value, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for field in fields {
        walk(text, &field.value, &mut out);
    }
    out
}

fn parse_note_and_opaque(text: &str) -> (NoteSyntax, Vec<Span>) {
    let mut note = Draft::default();
    let body_start = match frontmatter::parse(text) {
        Some(parsed) => {
            note.errors.extend(parsed.error);
            note.tags = parsed.tags;
            note.frontmatter = Some(parsed.frontmatter);
            parsed.body_start
        }
        None => 0,
    };
    if let Some(fm) = &note.frontmatter {
        let unquoted = unquoted_property_links(text, &fm.fields);
        for parts in property_links(text, &fm.fields) {
            note.push_link(parts);
        }
        note.errors.extend(unquoted);
    }
    let opaque = markdown::parse_body(text, body_start, &mut note);
    note.mojibake = mojibake::any(text);
    (note.finish(), opaque)
}

#[cfg(test)]
mod tests;
