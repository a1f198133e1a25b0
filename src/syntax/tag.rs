//! Obsidian's tag rules: letters (any script), digits, `_`, `-`, `/` and other non-punctuation
//! symbols such as emoji; no spaces or punctuation; at least one character that is not a digit.

/// Whether `c` can be part of a tag name.
pub fn is_tag_char(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '/');
    }
    !(c.is_whitespace() || is_unicode_punctuation(c))
}

/// Non-ASCII punctuation that ends a tag (`#tag—text`, `#tag’s`, `#标签，`).
fn is_unicode_punctuation(c: char) -> bool {
    matches!(c as u32,
        0x00A0..=0x00BF // Latin-1 punctuation and symbols: « » · ¿ ©
        | 0x00D7 | 0x00F7
        | 0x2000..=0x206F // General Punctuation: — ’ “ ” … ‹ ›
        | 0x2E00..=0x2E7F // Supplemental Punctuation
        | 0x3000..=0x303F // CJK Symbols and Punctuation: 、 。 「 」
        | 0xFE30..=0xFE4F // CJK Compatibility Forms
        | 0xFF01..=0xFF0F | 0xFF1A..=0xFF20 | 0xFF3B..=0xFF40 | 0xFF5B..=0xFF65 // Fullwidth punct.
        | 0xFEFF)
}

/// Whether `name` (without `#`) is a tag Obsidian accepts.
pub fn valid_tag(name: &str) -> bool {
    !name.is_empty() && name.chars().all(is_tag_char) && !name.chars().all(|c| c.is_ascii_digit())
}

/// Splits a frontmatter tag value (`a, #b c`) into names with their byte offset in `s`.
pub(super) fn split_tag_list(s: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in s.char_indices().chain(std::iter::once((s.len(), ' '))) {
        if c == ',' || c.is_whitespace() {
            if let Some(st) = start.take() {
                let piece: &str = &s[st..i];
                let (off, name) = match piece.strip_prefix('#') {
                    Some(rest) => (st + 1, rest),
                    None => (st, piece),
                };
                if !name.is_empty() {
                    out.push((off, name));
                }
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_validity() {
        for ok in [
            "a",
            "area/sub",
            "type/people",
            "日本語",
            "tag_1",
            "x-y",
            "1984a",
            "😀",
        ] {
            assert!(valid_tag(ok), "{ok}");
        }
        for bad in ["", "1984", "a b", "a.b", "a—b", "a,b", "a’s"] {
            assert!(!valid_tag(bad), "{bad}");
        }
    }

    #[test]
    fn splits_lists() {
        assert_eq!(
            split_tag_list("a, #b  c,d"),
            vec![(0, "a"), (4, "b"), (7, "c"), (9, "d")]
        );
        assert_eq!(split_tag_list("  "), Vec::<(usize, &str)>::new());
    }
}
