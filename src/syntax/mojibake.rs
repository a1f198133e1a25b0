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
///
/// A stretch starts with a character standing for a UTF-8 lead byte (0xC2..=0xF4), that is
/// U+00C2..=U+00F4, whose own UTF-8 starts with the byte 0xC3: memchr jumps from one 0xC3 to
/// the next, so clean text costs one fast scan.
pub fn find(text: &str) -> Vec<Mojibake> {
    spans(text)
        .into_iter()
        .map(|span| Mojibake {
            span,
            repaired: repair(&text[span.range()]).unwrap_or_default(),
        })
        .collect()
}

/// Where [`find`]'s stretches are, without their repairs.
pub fn spans(text: &str) -> Vec<Span> {
    runs(text).collect()
}

/// Whether `text` has a stretch [`spans`] finds: what a note's summary keeps
/// ([`super::NoteSyntax::mojibake`]), so that a note not held whole needs its file only when
/// it has some. Stops at the first.
pub fn any(text: &str) -> bool {
    runs(text).next().is_some()
}

/// [`spans`], one after another.
fn runs(text: &str) -> impl Iterator<Item = Span> + '_ {
    let bytes = text.as_bytes();
    let mut from = 0;
    let mut scratch = Vec::new();
    std::iter::from_fn(move || {
        while let Some(k) = memchr::memchr(0xC3, &bytes[from..]) {
            let at = from + k;
            scratch.clear();
            match decode_run(&text[at..], &mut scratch) {
                0 => from = at + 1,
                len => {
                    from = at + len;
                    return Some(Span::new(at, at + len));
                }
            }
        }
        None
    })
}

/// What a stretch [`spans`] found should read; `None` when `written` is not one whole.
pub fn repair(written: &str) -> Option<String> {
    let mut repaired = Vec::new();
    (decode_run(written, &mut repaired) == written.len() && !written.is_empty())
        .then(|| String::from_utf8(repaired).ok())
        .flatten()
}

/// The double-encoded run at the start of `rest`: its length in bytes (0 for none), its
/// repair appended to `repaired`. Takes whole sequences greedily while each maps back to
/// well-formed UTF-8.
fn decode_run(rest: &str, repaired: &mut Vec<u8>) -> usize {
    let mut consumed = 0;
    let mut chars = rest.chars();
    loop {
        let mut look = chars.clone();
        let Some(lead) = look.next().and_then(cp1252_byte) else {
            break;
        };
        let len = match lead {
            0xC2..=0xDF => 2,
            0xE0..=0xEF => 3,
            0xF0..=0xF4 => 4,
            _ => break,
        };
        let mut seq = [lead, 0, 0, 0];
        let mut taken = look.clone();
        let mut complete = true;
        for slot in seq.iter_mut().take(len).skip(1) {
            match taken.next().and_then(cp1252_byte) {
                Some(b) => *slot = b,
                None => {
                    complete = false;
                    break;
                }
            }
        }
        if !complete || std::str::from_utf8(&seq[..len]).is_err() {
            break;
        }
        repaired.extend_from_slice(&seq[..len]);
        consumed = rest.len() - taken.as_str().len();
        chars = taken;
    }
    consumed
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first implementation, char by char over the whole text: the memchr version must
    /// find exactly the same runs.
    fn find_slowly(text: &str) -> Vec<Mojibake> {
        let mut out = Vec::new();
        let chars: Vec<(usize, char)> = text.char_indices().collect();
        let mut i = 0;
        while i < chars.len() {
            if !cp1252_byte(chars[i].1).is_some_and(|b| (0xC2..=0xF4).contains(&b)) {
                i += 1;
                continue;
            }
            let start = i;
            let mut bytes = Vec::new();
            let mut j = i;
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
            let end = chars.get(j).map_or(text.len(), |&(at, _)| at);
            out.push(Mojibake {
                span: Span::new(chars[start].0, end),
                repaired: String::from_utf8(bytes).unwrap(),
            });
            i = j;
        }
        out
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]
        #[test]
        fn memchr_scan_finds_what_a_full_scan_finds(
            parts in proptest::collection::vec(proptest::sample::select(vec![
                "Ã", "©", "â", "€", "”", "™", "ð", "Ÿ", "”", "¼", "Â", " ", "a", "Ã©", "â€”",
                "ðŸ”¼", "Zoë", "Å", "\u{80}", "\u{9d}", "é", "\n", "Ä", "Ö", "ô", "õ", "Ã\u{a0}",
            ]), 0..24)
        ) {
            let text: String = parts.concat();
            let slowly = find_slowly(&text);
            // What a summary keeps: whether there is any (found by stopping at the first).
            proptest::prop_assert_eq!(any(&text), !slowly.is_empty());
            proptest::prop_assert_eq!(find(&text), slowly);
        }
    }

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
