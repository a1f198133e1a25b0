//! The inside of links: wikilink targets, subpaths and display text, Markdown destinations.

use std::borrow::Cow;

use percent_encoding::{AsciiSet, CONTROLS, percent_decode_str};

use super::{LinkKind, LinkParts, Span, Subpath};

/// What is percent-encoded when vaultls writes a Markdown link destination (spaces as `%20`, as
/// Obsidian writes them, and the characters that would end or split the destination).
pub const LINK_PATH_ENCODE: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'<')
    .add(b'>')
    .add(b'(')
    .add(b')')
    .add(b'#')
    .add(b'%')
    .add(b'^')
    .add(b'[')
    .add(b']');

/// Splits a link target at its first `#` into path and subpath text.
pub fn split_subpath(target: &str) -> (&str, Option<&str>) {
    match memchr::memchr(b'#', target.as_bytes()) {
        Some(i) => (&target[..i], Some(&target[i + 1..])),
        None => (target, None),
    }
}

/// `H1#H2` → heading chain, `^id` → block; empty → none (Obsidian opens the note itself).
pub(super) fn parse_subpath(raw: &str) -> Option<Subpath> {
    let raw = raw.trim();
    if let Some(id) = raw.strip_prefix('^') {
        let id = id.trim();
        return (!id.is_empty()).then(|| Subpath::Block(id.to_string()));
    }
    let chain: Vec<String> = raw
        .split('#')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect();
    (!chain.is_empty()).then_some(Subpath::Heading(chain))
}

/// Trims whitespace from `text[start..end]`, returning the trimmed span.
fn trimmed(text: &str, start: usize, end: usize) -> Span {
    let s = &text[start..end];
    let lead = s.len() - s.trim_start().len();
    let trail = s.len() - s.trim_end().len();
    if lead == s.len() {
        return Span::empty(start);
    }
    Span::new(start + lead, end - trail)
}

/// Parses a wikilink whose whole text (`[[…]]` or `![[…]]`) is `text[span]`.
pub(super) fn wikilink(text: &str, span: Span) -> Option<LinkParts> {
    let (start, end) = (span.start as usize, span.end as usize);
    let whole = text.get(start..end)?;
    let embed = whole.starts_with('!');
    let open = if embed { 3 } else { 2 };
    if !whole[open - 2..].starts_with("[[") || !whole.ends_with("]]") || whole.len() < open + 2 {
        return None;
    }
    let (inner_start, inner_end) = (start + open, end - 2);
    let inner = &text[inner_start..inner_end];
    // The target ends at the first `|`; in tables it is written `\|`.
    let (target_end, display_span) = match memchr::memchr(b'|', inner.as_bytes()) {
        Some(i) => {
            let bar = inner_start + i;
            let target_end = if i > 0 && inner.as_bytes()[i - 1] == b'\\' {
                bar - 1
            } else {
                bar
            };
            (target_end, Some(Span::new(bar + 1, inner_end)))
        }
        None => (inner_end, None),
    };
    let target_text = &text[inner_start..target_end];
    let (path, subpath_raw) = split_subpath(target_text);
    let path_end = inner_start + path.len();
    let mut target_span = trimmed(text, inner_start, path_end);
    if target_span.is_empty() {
        target_span = Span::empty(path_end);
    }
    let subpath_span = subpath_raw.map(|_| Span::new(path_end + 1, target_end));
    Some(LinkParts {
        kind: LinkKind::Wiki,
        embed,
        span,
        target_span,
        subpath_span,
        display_span,
    })
}

/// Schemes that make a Markdown destination an external URL even without `//`.
const SCHEMES: &[&str] = &[
    "http",
    "https",
    "mailto",
    "tel",
    "obsidian",
    "file",
    "data",
    "ftp",
    "javascript",
    "zotero",
    "message",
    "x-devonthink-item",
    "hook",
    "onenote",
    "notion",
    "slack",
    "zoommtg",
    "vscode",
];

/// Whether a Markdown link destination points outside the vault (`https://…`, `mailto:…`).
pub fn is_external_url(dest: &str) -> bool {
    if dest.starts_with("//") {
        return true;
    }
    let Some(colon) = dest.find(':') else {
        return false;
    };
    let scheme = &dest[..colon];
    let valid = scheme.len() >= 2
        && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    valid
        && (dest[colon + 1..].starts_with("//")
            || SCHEMES.iter().any(|s| s.eq_ignore_ascii_case(scheme)))
}

/// Parses an inline Markdown link `[text](dest "title")` whose link text ends at `text_end`
/// (the offset of the closing `]`). Returns `None` for external URLs and empty destinations.
pub(super) fn markdown_link(
    text: &str,
    span: Span,
    text_end: usize,
    embed: bool,
) -> Option<LinkParts> {
    let bytes = text.as_bytes();
    let end = span.end as usize;
    if bytes.get(text_end) != Some(&b']') || bytes.get(text_end + 1) != Some(&b'(') {
        return None;
    }
    let mut i = text_end + 2;
    while i < end && matches!(bytes[i], b' ' | b'\t' | b'\n' | b'\r') {
        i += 1;
    }
    let (dest_start, dest_end) = if bytes.get(i) == Some(&b'<') {
        let close = text[i + 1..end].find('>')? + i + 1;
        (i + 1, close)
    } else {
        let mut j = i;
        let mut depth = 0usize;
        while j < end {
            match bytes[j] {
                b'\\' if j + 1 < end => j += 1,
                b'(' => depth += 1,
                b')' if depth == 0 => break,
                b')' => depth -= 1,
                b' ' | b'\t' | b'\n' | b'\r' => break,
                _ => {}
            }
            j += 1;
        }
        (i, j)
    };
    let (target_span, subpath_span) = destination_parts(text, dest_start, dest_end)?;
    let display_start = span.start as usize + if embed { 2 } else { 1 };
    Some(LinkParts {
        kind: LinkKind::Markdown,
        embed,
        span,
        target_span,
        subpath_span,
        display_span: Some(Span::new(display_start, text_end.max(display_start))),
    })
}

/// The path and subpath of the destination `text[dest_start..dest_end]` (brackets excluded);
/// `None` for external URLs and empty destinations.
fn destination_parts(
    text: &str,
    dest_start: usize,
    dest_end: usize,
) -> Option<(Span, Option<Span>)> {
    let raw = &text[dest_start..dest_end];
    // Obsidian trims a destination: `[x](< https://…>)` is a URL, not a note named ` https:…`.
    if raw.trim().is_empty() || is_external_url(raw.trim()) {
        return None;
    }
    let (path_raw, subpath_raw) = split_subpath(raw);
    let path_end = dest_start + path_raw.len();
    let target_span = if path_raw.is_empty() {
        Span::empty(path_end)
    } else {
        Span::new(dest_start, path_end)
    };
    Some((
        target_span,
        subpath_raw.map(|_| Span::new(path_end + 1, dest_end)),
    ))
}

/// The link a reference definition `[label]: destination "title"` (all of it at `span`)
/// makes: a Markdown link whose destination may follow on the next line; `None` for URLs.
pub(super) fn reference_definition(text: &str, span: Span) -> Option<LinkParts> {
    let (start, end) = (span.start as usize, span.end as usize);
    let colon = start + text.get(start..end)?.find("]:")? + 1;
    let bytes = text.as_bytes();
    let mut i = colon + 1;
    while i < end && matches!(bytes[i], b' ' | b'\t' | b'\n' | b'\r') {
        i += 1;
    }
    let (dest_start, dest_end) = if bytes.get(i) == Some(&b'<') {
        (i + 1, text[i + 1..end].find('>')? + i + 1)
    } else {
        let len = text[i..end]
            .find(|c: char| c.is_ascii_whitespace())
            .unwrap_or(end - i);
        (i, i + len)
    };
    let (target_span, subpath_span) = destination_parts(text, dest_start, dest_end)?;
    Some(LinkParts {
        kind: LinkKind::Markdown,
        embed: false,
        span,
        target_span,
        subpath_span,
        display_span: None,
    })
}

/// Removes backslash escapes and percent-encoding from a Markdown destination: the one
/// decoding of Markdown link paths and subpaths (resolution, rename and completion read a
/// destination through it).
pub fn decode(raw: &str) -> Cow<'_, str> {
    let unescaped: Cow<str> = if raw.contains('\\') {
        let mut s = String::with_capacity(raw.len());
        let mut chars = raw.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '\\' && chars.peek().is_some_and(|n| n.is_ascii_punctuation()) {
                s.push(chars.next().unwrap_or('\\'));
            } else {
                s.push(c);
            }
        }
        Cow::Owned(s)
    } else {
        Cow::Borrowed(raw)
    };
    if unescaped.contains('%') {
        Cow::Owned(
            percent_decode_str(&unescaped)
                .decode_utf8_lossy()
                .into_owned(),
        )
    } else {
        unescaped
    }
}
