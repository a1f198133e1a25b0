//! YAML frontmatter between `---` lines at the very top of a note.
//!
//! Parsed with `saphyr` (pure Rust, maintained, every node carries its source position);
//! `serde_yaml` is deprecated and its forks are stale or carry advisories. Positions from saphyr
//! count characters; they are converted to byte offsets into the note here.

use saphyr::{LoadableYamlNode, MarkedYaml, Scalar as YamlScalar, YamlData};

use super::tag::{split_tag_list, valid_tag};

mod simple;
use super::{Span, SyntaxError, Tag, TextAt, copy_unless_written, read_back};

/// The properties of a note. Only the parsed fields are kept; `title`, `type` and `aliases`
/// are read from them on demand (a vault holds 50k of these, so nothing is stored twice).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Frontmatter {
    /// From the opening `---` to the end of the closing delimiter line.
    pub span: Span,
    /// The YAML text between the delimiters.
    pub yaml_span: Span,
    /// Every top-level key, in order.
    pub fields: Vec<Field>,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Field {
    pub key: Scalar,
    pub value: Value,
}

/// A YAML value, reduced to what notes use.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Value {
    Null,
    Scalar(Scalar),
    /// Boxed slices, not vectors: a `Value` is 24 bytes, not 32.
    List(Box<[Value]>),
    Map(Box<[Field]>),
}

/// A key or scalar value: where it is written and what YAML reads it as. Its text is read
/// from the note ([`Scalar::text`]); only a scalar YAML reads differently from how it is
/// written (escapes, folded lines, `0x1F`) keeps its own copy. Numbers, dates and booleans
/// are read as written.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Scalar {
    /// The scalar's content in the note, quotes excluded.
    pub span: Span,
    read: super::Copied,
}

impl Scalar {
    /// The scalar at `span`, where the note has `written`, which YAML reads as `read`.
    fn new(written: &str, span: Span, read: &str) -> Scalar {
        Scalar {
            span,
            read: copy_unless_written(Some(written), read),
        }
    }

    /// What YAML reads the scalar as; `note` is the text of the note it was parsed from.
    pub fn text<'a, T: TextAt + ?Sized>(&'a self, note: &'a T) -> &'a str {
        self.text_in(note, 0)
    }

    /// [`Scalar::text`] read from `source`, the part of the note from byte `base` on.
    fn text_in<'a, T: TextAt + ?Sized>(&'a self, source: &'a T, base: usize) -> &'a str {
        let span = self.span.range();
        let local = span
            .start
            .checked_sub(base)
            .map_or(0..0, |start| start..span.end - base);
        read_back(&self.read, source, local)
    }

    /// Whether the note has the scalar's text at its span (plain or simply quoted).
    pub(crate) fn is_verbatim(&self) -> bool {
        self.read.is_none()
    }
}

impl Value {
    /// The scalar's text ([`Scalar::text`]), `None` for other values.
    pub fn as_str<'a, T: TextAt + ?Sized>(&'a self, note: &'a T) -> Option<&'a str> {
        match self {
            Value::Scalar(s) => Some(s.text(note)),
            _ => None,
        }
    }

    /// The scalars of a value: itself, or the scalar items of a list.
    fn scalars(&self) -> impl Iterator<Item = &Scalar> {
        let items = match self {
            Value::List(items) => &items[..],
            other => std::slice::from_ref(other),
        };
        items.iter().filter_map(|v| match v {
            Value::Scalar(s) => Some(s),
            _ => None,
        })
    }
}

/// The methods take the text of the note the frontmatter was parsed from.
impl Frontmatter {
    /// The top-level fields named any of `keys` (ASCII case-insensitive, as Obsidian reads
    /// them).
    fn fields_named<'a, T: TextAt + ?Sized>(
        &'a self,
        note: &'a T,
        keys: &'a [&str],
    ) -> impl Iterator<Item = &'a Field> {
        self.fields.iter().filter(move |f| {
            let key = f.key.text(note);
            keys.iter().any(|k| key.eq_ignore_ascii_case(k))
        })
    }

    /// The `title` property: the first non-empty one, trimmed.
    pub fn title<'a, T: TextAt + ?Sized>(&'a self, note: &'a T) -> Option<&'a str> {
        self.fields_named(note, &["title"])
            .filter_map(|f| f.value.as_str(note).map(str::trim))
            .find(|s| !s.is_empty())
    }

    /// The `type` property (`people`, `meeting`, …), trimmed.
    pub fn note_type<'a, T: TextAt + ?Sized>(&'a self, note: &'a T) -> Option<&'a str> {
        self.fields_named(note, &["type"])
            .find_map(|f| f.value.as_str(note))
            .map(str::trim)
    }

    /// Every alias (`aliases` and `alias`, a string or a list), trimmed, with the span of its
    /// scalar.
    pub fn aliases<'a, T: TextAt + ?Sized>(
        &'a self,
        note: &'a T,
    ) -> impl Iterator<Item = (&'a str, Span)> {
        self.fields_named(note, &["aliases", "alias"])
            .flat_map(|f| f.value.scalars())
            .map(|s| (s.text(note).trim(), s.span))
            .filter(|(s, _)| !s.is_empty())
    }
}

/// What [`parse`] finds at the top of a note.
pub(super) struct Parsed {
    pub frontmatter: Frontmatter,
    pub tags: Vec<Tag>,
    pub error: Option<SyntaxError>,
    pub body_start: usize,
}

/// Finds and parses the frontmatter.
pub(super) fn parse(text: &str) -> Option<Parsed> {
    let start = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let first_end = line_end(text, start);
    if text[start..first_end].trim_end() != "---" {
        return None;
    }
    let yaml_start = next_line(text, first_end);
    let mut pos = yaml_start;
    while pos < text.len() {
        let end = line_end(text, pos);
        let line = text[pos..end].trim_end();
        if line == "---" || line == "..." {
            let body_start = next_line(text, end);
            return Some(parse_yaml(text, start, yaml_start, pos, body_start));
        }
        pos = next_line(text, end);
    }
    None
}

/// Offset of the end of the line starting at `pos` (before `\r\n`, `\n` or `\r`).
fn line_end(text: &str, pos: usize) -> usize {
    text[pos..]
        .find(['\n', '\r'])
        .map_or(text.len(), |i| pos + i)
}

/// Offset after the line terminator at `end`.
fn next_line(text: &str, end: usize) -> usize {
    let rest = &text.as_bytes()[end..];
    match rest {
        [b'\r', b'\n', ..] => end + 2,
        [b'\n', ..] | [b'\r', ..] => end + 1,
        _ => end,
    }
}

fn parse_yaml(
    text: &str,
    fm_start: usize,
    yaml_start: usize,
    yaml_end: usize,
    body_start: usize,
) -> Parsed {
    let yaml = &text[yaml_start..yaml_end];
    let mut parsed = Parsed {
        frontmatter: Frontmatter {
            span: Span::new(fm_start, body_start),
            yaml_span: Span::new(yaml_start, yaml_end),
            fields: Vec::new(),
        },
        tags: Vec::new(),
        error: None,
        body_start,
    };
    // Most frontmatter is flat `key: value` lines and lists; those are read directly, and
    // anything else by saphyr (see `simple`).
    match simple::fields(yaml, yaml_start) {
        Some(fields) => parsed.frontmatter.fields = fields,
        None => match yaml_fields(text, yaml_start, yaml_end) {
            Ok(fields) => parsed.frontmatter.fields = fields,
            Err(error) => parsed.error = Some(error),
        },
    }
    let tag_fields = parsed.frontmatter.fields_named(text, &["tags", "tag"]);
    for scalar in tag_fields.flat_map(|f| f.value.scalars()) {
        let span = scalar.span;
        for (start, name) in split_tag_list(scalar.text(text)) {
            if valid_tag(name) {
                // Sub-spans only when the scalar is written verbatim (plain or simply
                // quoted); otherwise the whole scalar.
                let sub = if scalar.is_verbatim() {
                    Span::new(
                        span.start as usize + start,
                        span.start as usize + start + name.len(),
                    )
                } else {
                    span
                };
                parsed.tags.push(Tag::frontmatter(text, name, sub));
            }
        }
    }
    parsed
}

/// The top-level fields of the YAML at `yaml_start..yaml_end` of `text`, read by saphyr.
fn yaml_fields(text: &str, yaml_start: usize, yaml_end: usize) -> Result<Vec<Field>, SyntaxError> {
    let yaml = &text[yaml_start..yaml_end];
    let offsets = CharOffsets::new(yaml, yaml_start);
    let docs = MarkedYaml::load_from_str(yaml).map_err(|err| {
        let at = offsets.byte(err.marker().index());
        let end = line_end(text, at.min(text.len()));
        SyntaxError {
            code: "frontmatter-yaml",
            message: format!("invalid YAML in frontmatter: {}", err.info()),
            span: Span::new(at, end.max(at)),
        }
    })?;
    let Some(doc) = docs.first() else {
        return Ok(Vec::new()); // empty frontmatter
    };
    match &doc.data {
        YamlData::Mapping(map) => Ok(fields(text, &offsets, map.iter(), 0)),
        YamlData::Value(YamlScalar::Null) => Ok(Vec::new()),
        _ => Err(SyntaxError {
            code: "frontmatter-yaml",
            message: "frontmatter must be a mapping of properties (`key: value` lines)".into(),
            span: Span::new(yaml_start, yaml_end),
        }),
    }
}

/// Nesting deeper than this is kept as `Null` (a guard against pathological YAML).
const MAX_DEPTH: usize = 64;

fn convert(text: &str, offsets: &CharOffsets, node: &MarkedYaml, depth: usize) -> Value {
    if depth > MAX_DEPTH {
        return Value::Null;
    }
    match &node.data {
        YamlData::Value(YamlScalar::Null) => Value::Null,
        YamlData::Value(_) | YamlData::Representation(..) => {
            scalar(text, offsets, node).map_or(Value::Null, Value::Scalar)
        }
        YamlData::Sequence(items) => Value::List(
            items
                .iter()
                .map(|n| convert(text, offsets, n, depth + 1))
                .collect(),
        ),
        YamlData::Mapping(map) => {
            Value::Map(fields(text, offsets, map.iter(), depth + 1).into_boxed_slice())
        }
        YamlData::Tagged(_, inner) => convert(text, offsets, inner, depth + 1),
        YamlData::Alias(_) | YamlData::BadValue => Value::Null,
    }
}

/// The fields of a mapping whose values are at nesting `depth`.
fn fields<'a, 'input: 'a>(
    text: &str,
    offsets: &CharOffsets,
    entries: impl Iterator<Item = (&'a MarkedYaml<'input>, &'a MarkedYaml<'input>)>,
    depth: usize,
) -> Vec<Field> {
    entries
        .map(|(k, v)| Field {
            key: key(text, offsets, k),
            value: convert(text, offsets, v, depth),
        })
        .collect()
}

/// A mapping key: a scalar, or an empty one at the key's place (a null or complex key).
fn key(text: &str, offsets: &CharOffsets, node: &MarkedYaml) -> Scalar {
    scalar(text, offsets, node).unwrap_or_else(|| {
        let span = content_span(text, offsets, node);
        Scalar::new(&text[span.range()], span, "")
    })
}

/// A scalar node (`None` for null and other nodes); numbers, booleans and dates as they
/// were written.
fn scalar(text: &str, offsets: &CharOffsets, node: &MarkedYaml) -> Option<Scalar> {
    let read = match &node.data {
        YamlData::Value(scalar) => scalar_string(scalar)?,
        YamlData::Representation(s, _, _) => std::borrow::Cow::Borrowed(&**s),
        YamlData::Tagged(_, inner) => return scalar(text, offsets, inner),
        _ => return None,
    };
    let span = content_span(text, offsets, node);
    Some(Scalar::new(&text[span.range()], span, &read))
}

/// A resolved scalar as text (`None` for null): saphyr's reading of `007` is `7`.
fn scalar_string<'a>(scalar: &'a YamlScalar<'_>) -> Option<std::borrow::Cow<'a, str>> {
    match scalar {
        YamlScalar::String(s) => Some(std::borrow::Cow::Borrowed(s)),
        YamlScalar::Boolean(b) => Some(b.to_string().into()),
        YamlScalar::Integer(i) => Some(i.to_string().into()),
        YamlScalar::FloatingPoint(f) => Some(f.to_string().into()),
        YamlScalar::Null => None,
    }
}

/// The node's span in the note, without surrounding quotes or trailing spaces.
fn content_span(text: &str, offsets: &CharOffsets, node: &MarkedYaml) -> Span {
    let start = offsets.byte(node.span.start.index());
    let end = offsets.byte(node.span.end.index()).max(start);
    // saphyr's span of a quoted scalar runs on over the spaces after the closing quote.
    let local = text[start..end].trim_end_matches([' ', '\t']);
    let end = start + local.len();
    let quoted = local.len() >= 2
        && ((local.starts_with('"') && local.ends_with('"'))
            || (local.starts_with('\'') && local.ends_with('\'')));
    if quoted {
        Span::new(start + 1, end - 1)
    } else {
        Span::new(start, end)
    }
}

/// Converts saphyr's character indices into byte offsets in the note.
struct CharOffsets {
    base: usize,
    /// `None` when the YAML is ASCII (char index == byte index).
    table: Option<Vec<u32>>,
    len: usize,
}

impl CharOffsets {
    fn new(yaml: &str, base: usize) -> CharOffsets {
        let table = (!yaml.is_ascii()).then(|| {
            let mut t: Vec<u32> = yaml.char_indices().map(|(i, _)| i as u32).collect();
            t.push(yaml.len() as u32);
            t
        });
        CharOffsets {
            base,
            table,
            len: yaml.len(),
        }
    }

    fn byte(&self, char_index: usize) -> usize {
        let local = match &self.table {
            Some(t) => t.get(char_index).map_or(self.len, |&b| b as usize),
            None => char_index.min(self.len),
        };
        self.base + local
    }
}
