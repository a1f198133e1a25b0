//! YAML frontmatter between `---` lines at the very top of a note.
//!
//! Parsed with `saphyr` (pure Rust, maintained, every node carries its source position);
//! `serde_yaml` is deprecated and its forks are stale or carry advisories. Positions from saphyr
//! count characters; they are converted to byte offsets into the note here.

use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, YamlData};

use super::tag::{split_tag_list, valid_tag};
use super::{Span, SyntaxError};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frontmatter {
    /// From the opening `---` to the end of the closing delimiter line.
    pub span: Span,
    /// The YAML text between the delimiters.
    pub yaml_span: Span,
    /// Every top-level key, in order.
    pub fields: Vec<Field>,
    pub title: Option<String>,
    pub aliases: Vec<(String, Span)>,
    /// Tags without `#`, each with the span of its text.
    pub tags: Vec<(String, Span)>,
    /// The `type` property (`people`, `meeting`, …).
    pub note_type: Option<String>,
    pub error: Option<SyntaxError>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    pub key: String,
    pub key_span: Span,
    pub value: Value,
}

/// A YAML value, reduced to what notes use. Scalars keep their text as written (numbers,
/// dates and booleans included); spans cover the scalar's content, quotes excluded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    Null,
    Scalar(String, Span),
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
    fn scalars(&self) -> Vec<(&str, Span)> {
        match self {
            Value::Scalar(s, span) => vec![(s.as_str(), *span)],
            Value::List(items) => items
                .iter()
                .filter_map(|v| match v {
                    Value::Scalar(s, span) => Some((s.as_str(), *span)),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// Finds and parses the frontmatter; returns it and the byte offset where the body starts.
pub(super) fn parse(text: &str) -> Option<(Frontmatter, usize)> {
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
            let fm = parse_yaml(text, start, yaml_start, pos, body_start);
            return Some((fm, body_start));
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
) -> Frontmatter {
    let yaml = &text[yaml_start..yaml_end];
    let mut fm = Frontmatter {
        span: Span::new(fm_start, body_start),
        yaml_span: Span::new(yaml_start, yaml_end),
        fields: Vec::new(),
        title: None,
        aliases: Vec::new(),
        tags: Vec::new(),
        note_type: None,
        error: None,
    };
    let offsets = CharOffsets::new(yaml, yaml_start);
    let docs = match MarkedYaml::load_from_str(yaml) {
        Ok(docs) => docs,
        Err(err) => {
            let at = offsets.byte(err.marker().index());
            let end = line_end(text, at.min(text.len()));
            fm.error = Some(SyntaxError {
                code: "frontmatter-yaml",
                message: format!("invalid YAML in frontmatter: {}", err.info()),
                span: Span::new(at, end.max(at)),
            });
            return fm;
        }
    };
    let Some(doc) = docs.first() else {
        return fm; // empty frontmatter
    };
    match &doc.data {
        YamlData::Mapping(map) => {
            for (k, v) in map.iter() {
                let key = scalar_text(k).unwrap_or_default();
                fm.fields.push(Field {
                    key,
                    key_span: content_span(yaml, &offsets, k),
                    value: convert(yaml, &offsets, v, 0),
                });
            }
        }
        YamlData::Value(Scalar::Null) => {}
        _ => {
            fm.error = Some(SyntaxError {
                code: "frontmatter-yaml",
                message: "frontmatter must be a mapping of properties (`key: value` lines)".into(),
                span: fm.yaml_span,
            });
        }
    }
    for field in &fm.fields {
        match field.key.to_ascii_lowercase().as_str() {
            "title" if fm.title.is_none() => {
                fm.title = field
                    .value
                    .as_str()
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(String::from);
            }
            "type" if fm.note_type.is_none() => {
                fm.note_type = field.value.as_str().map(|s| s.trim().to_string());
            }
            "aliases" | "alias" => {
                for (s, span) in field.value.scalars() {
                    let s = s.trim();
                    if !s.is_empty() {
                        fm.aliases.push((s.to_string(), span));
                    }
                }
            }
            "tags" | "tag" => {
                for (s, span) in field.value.scalars() {
                    for (start, name) in split_tag_list(s) {
                        if valid_tag(name) {
                            // Sub-spans only when the scalar is written verbatim (plain or
                            // simply quoted); otherwise the whole scalar.
                            let sub = if text.get(span.range()) == Some(s) {
                                Span::new(
                                    span.start as usize + start,
                                    span.start as usize + start + name.len(),
                                )
                            } else {
                                span
                            };
                            fm.tags.push((name.to_string(), sub));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    fm
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
fn scalar_text(node: &MarkedYaml) -> Option<String> {
    match &node.data {
        YamlData::Value(Scalar::String(s)) => Some(s.to_string()),
        YamlData::Value(Scalar::Boolean(b)) => Some(b.to_string()),
        YamlData::Value(Scalar::Integer(i)) => Some(i.to_string()),
        YamlData::Value(Scalar::FloatingPoint(f)) => Some(f.to_string()),
        YamlData::Representation(s, _, _) => Some(s.to_string()),
        YamlData::Tagged(_, inner) => scalar_text(inner),
        _ => None,
    }
}

/// The node's span in the note, without surrounding quotes.
fn content_span(yaml: &str, offsets: &CharOffsets, node: &MarkedYaml) -> Span {
    let start = offsets.byte(node.span.start.index());
    let end = offsets.byte(node.span.end.index()).max(start);
    let local = &yaml[start - offsets.base..end - offsets.base];
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
