//! A direct reader for the frontmatter most notes have: `key: value` lines, one-line lists
//! (`[a, "b"]`) and block lists (`- a` lines). It gives exactly what saphyr gives for that
//! subset (scalars are resolved by saphyr's own `Scalar::parse_from_cow`), and declines
//! everything else: any line outside the subset sends the whole frontmatter to saphyr.
//! saphyr builds a node tree with positions and was a tenth of the time spent loading a vault.
//! `tests` checks the two agree on generated frontmatter.

use saphyr::Scalar as YamlScalar;

use super::{Field, Scalar, Value, scalar_string};
use crate::syntax::Span;

/// The fields of `yaml` (which starts at byte `base` of its note), or `None` when it is not
/// in the subset.
pub(super) fn fields(yaml: &str, base: usize) -> Option<Vec<Field>> {
    if !plain_text(yaml) {
        return None;
    }
    let mut lines = Lines { yaml, pos: 0 };
    // One field per line at the left margin: sized up front, a vault keeps 300k of these.
    let keys = yaml
        .split('\n')
        .filter(|l| !l.is_empty() && !l.starts_with([' ', '-']))
        .count();
    let mut fields: Vec<Field> = Vec::with_capacity(keys);
    while let Some((start, line)) = lines.next_content() {
        if line.starts_with([' ', '#', '-']) {
            return None; // indentation, a comment or a list without a key
        }
        let (key_len, rest) = match line.find(": ") {
            Some(i) => (i, &line[i + 2..]),
            None => (line.strip_suffix(':')?.len(), ""),
        };
        let key = &line[..key_len];
        if !plain_key(key) {
            return None;
        }
        let read = YamlScalar::parse_from_cow(key.into());
        let key_text = scalar_string(&read).unwrap_or_default();
        if fields.iter().any(|f| f.key.text_in(yaml, base) == key_text) {
            return None; // saphyr reports duplicate keys
        }
        let value_text = rest.trim_matches(' ');
        let value = if value_text.is_empty() {
            block_list(&mut lines, base)?
        } else {
            // The line ends with the value (trailing spaces are trimmed).
            let offset = start + line.len() - value_text.len();
            let value = inline_value(value_text, base + offset)?;
            if lines.next_is_indented_past(0) {
                return None; // a scalar continued on the next line, or a nested block
            }
            value
        };
        let key_span = Span::new(base + start, base + start + key_len);
        fields.push(Field {
            key: Scalar::new(key, key_span, &key_text),
            value,
        });
    }
    Some(fields)
}

/// No tabs, carriage returns or other control characters, no byte-order marks: text whose
/// lines end at `\n` and whose whitespace is spaces.
fn plain_text(yaml: &str) -> bool {
    !yaml
        .chars()
        .any(|c| (c.is_control() && c != '\n') || matches!(c, '\u{feff}' | '\u{fffe}' | '\u{ffff}'))
}

struct Lines<'a> {
    yaml: &'a str,
    pos: usize,
}

impl<'a> Lines<'a> {
    /// The next line that is not blank, with its offset.
    fn next_content(&mut self) -> Option<(usize, &'a str)> {
        loop {
            let (start, line) = self.peek_line()?;
            self.pos = start + line.len() + 1;
            if !line.trim_matches(' ').is_empty() {
                return Some((start, line.trim_end_matches(' ')));
            }
        }
    }

    fn peek_line(&self) -> Option<(usize, &'a str)> {
        if self.pos >= self.yaml.len() {
            return None;
        }
        let rest = &self.yaml[self.pos..];
        let len = memchr::memchr(b'\n', rest.as_bytes()).unwrap_or(rest.len());
        Some((self.pos, &rest[..len]))
    }

    /// The next line that is not blank, without consuming it.
    fn peek_content(&self) -> Option<(usize, &'a str)> {
        let mut ahead = Lines {
            yaml: self.yaml,
            pos: self.pos,
        };
        ahead.next_content()
    }

    /// Whether the next line that is not blank is indented more than `spaces`.
    fn next_is_indented_past(&self, spaces: usize) -> bool {
        self.peek_content().is_some_and(|(_, l)| indent(l) > spaces)
    }
}

/// How many spaces a line starts with.
fn indent(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

/// The `- item` lines after `key:` (indented or not, all alike), or `Null` when there are none.
fn block_list(lines: &mut Lines, base: usize) -> Option<Value> {
    let mut items = Vec::new();
    let mut list_indent = None;
    while let Some((start, line)) = lines.peek_content() {
        let spaces = indent(line);
        let Some(item) = line[spaces..].strip_prefix("- ") else {
            if spaces > 0 || line.starts_with('-') {
                return None; // nested blocks, `-` alone, `-x` at the left margin
            }
            break; // the next key
        };
        if *list_indent.get_or_insert(spaces) != spaces {
            return None;
        }
        lines.next_content();
        let text = item.trim_start_matches(' ');
        if text.starts_with(['[', '{']) {
            return None;
        }
        let offset = start + line.len() - text.len();
        items.push(scalar(text, base + offset, false)?);
        if lines.next_is_indented_past(spaces) {
            return None; // an item continued on the next line, or a deeper list
        }
    }
    Some(if items.is_empty() {
        Value::Null
    } else {
        Value::List(items.into_boxed_slice())
    })
}

/// A value written on the key's line: a scalar or a one-line `[…]` list.
fn inline_value(text: &str, at: usize) -> Option<Value> {
    let Some(inner) = text.strip_prefix('[') else {
        return scalar(text, at, false);
    };
    let inner = inner.strip_suffix(']')?;
    if inner.trim_matches(' ').is_empty() {
        return Some(Value::List(Box::default()));
    }
    let mut items = Vec::new();
    let mut offset = at + 1;
    for part in inner.split(',') {
        let item = part.trim_matches(' ');
        if item.is_empty() {
            return None; // `[a,,b]`, a trailing comma
        }
        items.push(scalar(item, offset + indent(part), true)?);
        offset += part.len() + 1;
    }
    Some(Value::List(items.into_boxed_slice()))
}

/// A quoted or plain scalar without escapes or comments, resolved as saphyr resolves it.
fn scalar(text: &str, at: usize, in_flow: bool) -> Option<Value> {
    for quote in ['"', '\''] {
        if let Some(rest) = text.strip_prefix(quote) {
            let inner = rest.strip_suffix(quote)?;
            if inner.contains([quote, '\\']) {
                return None;
            }
            let span = Span::new(at + 1, at + 1 + inner.len());
            return Some(Value::Scalar(Scalar::new(inner, span, inner)));
        }
    }
    if !plain_scalar(text, in_flow) {
        return None;
    }
    let span = Span::new(at, at + text.len());
    Some(
        match scalar_string(&YamlScalar::parse_from_cow(text.into())) {
            Some(s) => Value::Scalar(Scalar::new(text, span, &s)),
            None => Value::Null,
        },
    )
}

/// A plain scalar that needs no YAML rule beyond its text: no indicator first, no `: ` or
/// ` #` inside, and in a `[…]` list none of `,[]{}:#` or quotes.
fn plain_scalar(text: &str, in_flow: bool) -> bool {
    let Some(first) = text.chars().next() else {
        return false;
    };
    let indicator = "-?:,[]{}#&*!|>'\"%@`".contains(first);
    // `-5`, `-x`: a dash followed by text starts a plain scalar.
    let dash_ok = first == '-' && text.len() > 1 && !text[1..].starts_with(' ');
    if (indicator && !dash_ok) || text.starts_with("---") || text.starts_with("...") {
        return false;
    }
    if in_flow {
        return !text.contains([',', '[', ']', '{', '}', ':', '#', '"', '\'']);
    }
    !text.contains(": ") && !text.ends_with(':') && !text.contains(" #")
}

/// A key spelled as a plain scalar: starts with a letter, digit or `_`, and holds no YAML
/// indicator.
fn plain_key(key: &str) -> bool {
    key.chars()
        .next()
        .is_some_and(|c| c.is_alphanumeric() || c == '_')
        && !key.ends_with(' ')
        && !key.contains([
            ':', '#', ',', '[', ']', '{', '}', '"', '\'', '&', '*', '!', '|', '>', '%', '@', '`',
        ])
}

#[cfg(test)]
mod tests;
