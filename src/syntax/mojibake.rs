//! Double-encoded UTF-8 ("mojibake"): text whose UTF-8 bytes were once read as Windows-1252
//! and written out again, so `—` became `â€”`, `’` became `â€™`, `🔼` became `ðŸ”¼`.
//!
//! A run is reported only when mapping its characters back to Windows-1252 bytes gives
//! well-formed multi-byte UTF-8: correct text such as `Zoë Åberg` or `naïve` never does.

use super::Span;

/// A stretch of double-encoded text and what it should read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mojibake {
    pub span: Span,
    pub repaired: String,
}

/// The Windows-1252 byte a character stands for (non-ASCII only).
fn cp1252_byte(c: char) -> Option<u8> {
    let b = match c {
        '€' => 0x80,
        '‚' => 0x82,
        'ƒ' => 0x83,
        '„' => 0x84,
        '…' => 0x85,
        '†' => 0x86,
        '‡' => 0x87,
        'ˆ' => 0x88,
        '‰' => 0x89,
        'Š' => 0x8A,
        '‹' => 0x8B,
        'Œ' => 0x8C,
        'Ž' => 0x8E,
        '‘' => 0x91,
        '’' => 0x92,
        '“' => 0x93,
        '”' => 0x94,
        '•' => 0x95,
        '–' => 0x96,
        '—' => 0x97,
        '˜' => 0x98,
        '™' => 0x99,
        'š' => 0x9A,
        '›' => 0x9B,
        'œ' => 0x9C,
        'ž' => 0x9E,
        'Ÿ' => 0x9F,
        // Latin-1 and the five bytes Windows-1252 leaves undefined (decoded as C1 controls).
        c if ('\u{80}'..='\u{ff}').contains(&c) => c as u32 as u8,
        _ => return None,
    };
    Some(b)
}

/// Every double-encoded stretch of `text`, in order.
pub fn find(text: &str) -> Vec<Mojibake> {
    let mut out = Vec::new();
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut i = 0;
    while i < chars.len() {
        // The start of a UTF-8 sequence: a lead byte 0xC2..=0xF4 followed by continuations.
        if !cp1252_byte(chars[i].1).is_some_and(|b| (0xC2..=0xF4).contains(&b)) {
            i += 1;
            continue;
        }
        let start = i;
        let mut bytes = Vec::new();
        let mut j = i;
        // Greedily take whole sequences while they decode.
        while let Some(lead) = chars.get(j).and_then(|&(_, c)| cp1252_byte(c)) {
            let len = match lead {
                0xC2..=0xDF => 2,
                0xE0..=0xEF => 3,
                0xF0..=0xF4 => 4,
                _ => break,
            };
            let seq: Option<Vec<u8>> = (0..len)
                .map(|k| chars.get(j + k).and_then(|&(_, c)| cp1252_byte(c)))
                .collect();
            let Some(seq) = seq else { break };
            if std::str::from_utf8(&seq).is_err() {
                break;
            }
            bytes.extend_from_slice(&seq);
            j += len;
        }
        if j == start {
            i += 1;
            continue;
        }
        let begin = chars[start].0;
        let end = chars.get(j).map_or(text.len(), |&(at, _)| at);
        let repaired = String::from_utf8(bytes).expect("checked sequences");
        out.push(Mojibake {
            span: Span::new(begin, end),
            repaired,
        });
        i = j;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixed(text: &str) -> Vec<(String, String)> {
        find(text)
            .into_iter()
            .map(|m| (text[m.span.range()].to_string(), m.repaired))
            .collect()
    }

    #[test]
    fn repairs_the_seeds_patterns() {
        assert_eq!(
            fixed("VASTâ€™s plan â€” **Date:** 2025 Â· ok ðŸ”¼ âœ… done"),
            vec![
                ("â€™".into(), "’".into()),
                ("â€”".into(), "—".into()),
                ("Â·".into(), "·".into()),
                ("ðŸ”¼".into(), "🔼".into()),
                ("âœ…".into(), "✅".into()),
            ]
        );
        assert_eq!(
            fixed("cafÃ© crÃ¨me"),
            vec![("Ã©".into(), "é".into()), ("Ã¨".into(), "è".into())]
        );
    }

    #[test]
    fn leaves_correct_text_alone() {
        for ok in [
            "Zoë Åberg",
            "naïve façade",
            "Łukasz Núñez",
            "— ’ “quoted” …",
            "😀 日本語",
            "Ã alone",
            "Â",
        ] {
            assert_eq!(fixed(ok), vec![], "{ok}");
        }
    }
}
