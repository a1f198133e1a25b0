//! YAML frontmatter between `---` lines at the very top of a note.
//!
//! Parsed with `saphyr` (pure Rust, maintained, every node carries its source position);
//! `serde_yaml` is deprecated and its forks are stale or carry advisories. Positions from saphyr
//! count characters; they are converted to byte offsets into the note here.

use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, YamlData};

use super::tag::{split_tag_list, valid_tag};

mod simple;
use super::{Span, SyntaxError, Tag};

/// The properties of a note. Only the parsed fields are kept; `title`, `type` and `aliases`
/// are read from them on demand (a vault holds 50k of these, so nothing is stored twice).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frontmatter {
    /// From the opening `---` to the end of the closing delimiter line.
    pub span: Span,
    /// The YAML text between the delimiters.
    pub yaml_span: Span,
    /// Every top-level key, in order.
    pub fields: Vec<Field>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    pub key: Box<str>,
    pub key_span: Span,
    pub value: Value,
}

/// A YAML value, reduced to what notes use. Scalars keep their text as written (numbers,
/// dates and booleans included); spans cover the scalar's content, quotes excluded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Null,
    Scalar(Box<str>, Span),
    List(Vec<Value>),
    Map(Vec<Field>),
}

impl Value {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Scalar(s, _) => Some(s),
            _ => None,
        }
    }

    /// The scalars of a value: itself, or the scalar items of a list.
    fn scalars(&self) -> impl Iterator<Item = (&str, Span)> {
        let items = match self {
            Value::List(items) => items.as_slice(),
            other => std::slice::from_ref(other),
        };
        items.iter().filter_map(|v| match v {
            Value::Scalar(s, span) => Some((&**s, *span)),
            _ => None,
        })
    }
}

impl Frontmatter {
    /// The top-level fields named any of `keys` (ASCII case-insensitive, as Obsidian reads
    /// them).
    fn fields_named<'a>(&'a self, keys: &'a [&str]) -> impl Iterator<Item = &'a Field> {
        self.fields
            .iter()
            .filter(|f| keys.iter().any(|k| f.key.eq_ignore_ascii_case(k)))
    }

    /// The `title` property: the first non-empty one, trimmed.
    pub fn title(&self) -> Option<&str> {
        self.fields_named(&["title"])
            .filter_map(|f| f.value.as_str().map(str::trim))
            .find(|s| !s.is_empty())
    }

    /// The `type` property (`people`, `meeting`, …), trimmed.
    pub fn note_type(&self) -> Option<&str> {
        self.fields_named(&["type"])
            .find_map(|f| f.value.as_str())
            .map(str::trim)
    }

    /// Every alias (`aliases` and `alias`, a string or a list), trimmed, with the span of its
    /// scalar.
    pub fn aliases(&self) -> impl Iterator<Item = (&str, Span)> {
        self.fields_named(&["aliases", "alias"])
            .flat_map(|f| f.value.scalars())
            .map(|(s, span)| (s.trim(), span))
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
    let tag_fields = parsed.frontmatter.fields_named(&["tags", "tag"]);
    for (s, span) in tag_fields.flat_map(|f| f.value.scalars()) {
        for (start, name) in split_tag_list(s) {
            if valid_tag(name) {
                // Sub-spans only when the scalar is written verbatim (plain or simply
                // quoted); otherwise the whole scalar.
                let sub = if text.get(span.range()) == Some(s) {
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
        YamlData::Mapping(map) => Ok(map
            .iter()
            .map(|(k, v)| Field {
                key: scalar_text(k).unwrap_or_default(),
                key_span: content_span(yaml, &offsets, k),
                value: convert(yaml, &offsets, v, 0),
            })
            .collect()),
        YamlData::Value(Scalar::Null) => Ok(Vec::new()),
        _ => Err(SyntaxError {
            code: "frontmatter-yaml",
            message: "frontmatter must be a mapping of properties (`key: value` lines)".into(),
            span: Span::new(yaml_start, yaml_end),
        }),
    }
}

/// Nesting deeper than this is kept as `Null` (a guard against pathological YAML).
const MAX_DEPTH: usize = 64;

fn convert(yaml: &str, offsets: &CharOffsets, node: &MarkedYaml, depth: usize) -> Value {
    if depth > MAX_DEPTH {
        return Value::Null;
    }
    match &node.data {
        YamlData::Value(Scalar::Null) => Value::Null,
        YamlData::Value(_) | YamlData::Representation(..) => match scalar_text(node) {
            Some(s) => Value::Scalar(s, content_span(yaml, offsets, node)),
            None => Value::Null,
        },
        YamlData::Sequence(items) => Value::List(
            items
                .iter()
                .map(|n| convert(yaml, offsets, n, depth + 1))
                .collect(),
        ),
        YamlData::Mapping(map) => Value::Map(
            map.iter()
                .map(|(k, v)| Field {
                    key: scalar_text(k).unwrap_or_default(),
                    key_span: content_span(yaml, offsets, k),
                    value: convert(yaml, offsets, v, depth + 1),
                })
                .collect(),
        ),
        YamlData::Tagged(_, inner) => convert(yaml, offsets, inner, depth + 1),
        YamlData::Alias(_) | YamlData::BadValue => Value::Null,
    }
}

/// A scalar's text; numbers, booleans and dates as they were written.
fn scalar_text(node: &MarkedYaml) -> Option<Box<str>> {
    match &node.data {
        YamlData::Value(scalar) => scalar_string(scalar),
        YamlData::Representation(s, _, _) => Some((**s).into()),
        YamlData::Tagged(_, inner) => scalar_text(inner),
        _ => None,
    }
}

/// A resolved scalar as text (`None` for null): saphyr's reading of `007` is `7`.
fn scalar_string(scalar: &Scalar) -> Option<Box<str>> {
    match scalar {
        Scalar::String(s) => Some((**s).into()),
        Scalar::Boolean(b) => Some(b.to_string().into()),
        Scalar::Integer(i) => Some(i.to_string().into()),
        Scalar::FloatingPoint(f) => Some(f.to_string().into()),
        Scalar::Null => None,
    }
}

/// The node's span in the note, without surrounding quotes or trailing spaces.
fn content_span(yaml: &str, offsets: &CharOffsets, node: &MarkedYaml) -> Span {
    let start = offsets.byte(node.span.start.index());
    let end = offsets.byte(node.span.end.index()).max(start);
    // saphyr's span of a quoted scalar runs on over the spaces after the closing quote.
    let local = yaml[start - offsets.base..end - offsets.base].trim_end_matches([' ', '\t']);
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
