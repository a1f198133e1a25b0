//! Vault-relative paths: always `/`-separated, no leading `/`, no `.` or `..` components.

use std::borrow::Cow;

use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

/// Whether a vault path is a Markdown note (Obsidian only indexes `.md` as notes).
pub fn is_note_path(path: &str) -> bool {
    // Bytes, not a `str` slice: the name's last three bytes may cut a character (`ԧNo`).
    let name = file_name(path).as_bytes();
    name.len() > 3 && name[name.len() - 3..].eq_ignore_ascii_case(b".md")
}

pub fn file_name(path: &str) -> &str {
    // memchr's byte search, here and below, not `str`'s searches for a `char`: their setup
    // on short paths and targets was ~5 % of a cold load's instructions (a few calls a link).
    memchr::memrchr(b'/', path.as_bytes()).map_or(path, |i| &path[i + 1..])
}

/// The folder of a vault path (`""` at the root).
pub fn parent(path: &str) -> &str {
    memchr::memrchr(b'/', path.as_bytes()).map_or("", |i| &path[..i])
}

/// The file name without a `.md` extension (other extensions are kept: `img.png`).
pub fn stem(path: &str) -> &str {
    let name = file_name(path);
    if is_note_path(name) {
        &name[..name.len() - 3]
    } else {
        name
    }
}

/// Removes a trailing `.md` (any case) from a path or name.
pub fn strip_md(s: &str) -> &str {
    if is_note_path(s) {
        &s[..s.len() - 3]
    } else {
        s
    }
}

/// Joins `rel` onto the folder `base` and normalizes `.` and `..`. `None` when the result would
/// leave the vault (more `..` than folders) or is empty.
pub fn join_normalized(base: &str, rel: &str) -> Option<String> {
    let mut parts: Vec<&str> = base.split('/').filter(|p| !p.is_empty()).collect();
    for part in rel.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// Whether `path` is `ancestor` or lies below it (`a/b` is within `a`, `ab` is not). Serves
/// folders and nested tags alike.
pub fn is_within(path: &str, ancestor: &str) -> bool {
    path.strip_prefix(ancestor)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// Case-folds a path or name for Obsidian's case-insensitive matching; borrows when there is
/// nothing to fold (ASCII without capitals, the common case for tags and keys).
pub fn fold(s: &str) -> Cow<'_, str> {
    if is_folded(s) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(fold_owned(s))
    }
}

/// Whether [`fold`] leaves `s` as it is: ASCII without capitals (checked without folding).
pub fn is_folded(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii() && !b.is_ascii_uppercase())
}

/// Lowercase, character by character, with both Greek small sigmas as `σ`: `str::to_lowercase`
/// writes a final `ς` by context, so `ΟΔΥΣΣΕΥΣ` and the `ΟΔΥΣΣΕΥΣ` of `ΟΔΥΣΣΕΥΣ.md` would
/// fold differently (found by fuzzing). Also faster for names that are mostly ASCII with a few
/// accents (`Zoë Åberg`): ASCII runs are lowercased in bulk.
fn fold_owned(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    fold_into(s, &mut out);
    out
}

/// Appends `s` folded as [`fold`] folds it.
///
/// Folding also composes (Unicode NFC): a name decomposed on disk (`Zoe` + U+0308, as macOS
/// and some sync clients write file names) matches the composed `Zoë` typed in a link, as in
/// Obsidian. Only non-ASCII text can need it, and the quick check settles nearly all of it.
pub fn fold_into(s: &str, out: &mut String) {
    let start = out.len();
    lowercase_into(s, out);
    compose_from(out, start);
}

/// Composes (NFC) `out[start..]` in place when it is not composed already.
pub fn compose_from(out: &mut String, start: usize) {
    let tail = &out[start..];
    if !tail.is_ascii() && !is_composed(tail) {
        let composed: String = tail.nfc().collect();
        out.truncate(start);
        out.push_str(&composed);
    }
}

/// Whether `s` is in Unicode normal form C.
fn is_composed(s: &str) -> bool {
    match is_nfc_quick(s.chars()) {
        IsNormalized::Yes => true,
        IsNormalized::No => false,
        IsNormalized::Maybe => s.chars().eq(s.nfc()),
    }
}

/// The lowercasing part of [`fold_into`].
fn lowercase_into(s: &str, out: &mut String) {
    let mut rest = s;
    while !rest.is_empty() {
        // A run of ASCII at once, then one other character.
        let ascii = rest
            .bytes()
            .position(|b| !b.is_ascii())
            .unwrap_or(rest.len());
        let start = out.len();
        out.push_str(&rest[..ascii]);
        out[start..].make_ascii_lowercase();
        let mut chars = rest[ascii..].chars();
        if let Some(c) = chars.next() {
            push_folded(c, out);
        }
        rest = chars.as_str();
    }
}

/// Appends one character folded as [`fold`] folds it: the one case rule of the codebase
/// (names, paths, tags, headings and mentions all fold through it).
pub fn push_folded(c: char, out: &mut String) {
    match c {
        'Σ' | 'ς' => out.push('σ'),
        c if c.is_ascii() => out.push(c.to_ascii_lowercase()),
        c => out.extend(c.to_lowercase()),
    }
}

/// `s` folded as [`fold`] folds it, with, when folding changed byte lengths (`İ` becomes
/// three bytes, `ẞ` two), the offset in `s` of the character each folded byte came from
/// (one entry more, for the end): a match in the folded text maps back to `s`.
pub fn fold_mapped(s: &str) -> (Cow<'_, str>, Option<Vec<u32>>) {
    let folded = fold(s);
    if folded.len() == s.len() {
        return (folded, None);
    }
    let mut out = String::with_capacity(folded.len());
    let mut map = Vec::with_capacity(folded.len() + 1);
    for (i, c) in s.char_indices() {
        let before = out.len();
        push_folded(c, &mut out);
        map.resize(map.len() + (out.len() - before), i as u32);
    }
    map.push(s.len() as u32);
    (Cow::Owned(out), Some(map))
}

/// The key under which a link is indexed for incremental re-resolution: its last path
/// component, case-folded, without `.md`. Every file the link can resolve to has this key as
/// its [`file_key`].
pub fn link_key(target: &str) -> Cow<'_, str> {
    let last = file_name(target.trim_end_matches('/'));
    fold(strip_md(last.trim()))
}

/// The key of a file in the name index: its folded name, for a note without `.md`. It is
/// the [`link_key`] of every link that can resolve to the file (a link ending in `.md` also
/// looks its name up without it).
pub fn file_key(path: &str) -> String {
    fold(strip_md(file_name(path))).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert!(is_note_path("a/B.MD"));
        assert!(!is_note_path(".md"));
        assert!(!is_note_path("a/img.png"));
        // Found by fuzzing (vault_ops): the last three bytes cut the `ԧ`.
        assert!(!is_note_path("x/ԧNo") && !is_note_path("RéQA"));
        assert_eq!(stem("RéQA"), "RéQA");
        assert_eq!(strip_md("é.md"), "é");
        assert_eq!(stem("People/Tomer Hagay.md"), "Tomer Hagay");
        assert_eq!(stem("x/icon.svg"), "icon.svg");
        assert_eq!(parent("People/Tomer Hagay.md"), "People");
        assert_eq!(parent("Root.md"), "");
        assert_eq!(
            join_normalized("a/b", "../c/./d.md").as_deref(),
            Some("a/c/d.md")
        );
        assert_eq!(join_normalized("a", "../../etc/passwd"), None);
        assert_eq!(join_normalized("", "/x//y"), Some("x/y".into()));
        assert_eq!(link_key("Folder/Note.MD"), "note");
        assert_eq!(link_key("img.PNG"), "img.png");
        assert_eq!(file_key("F/Note.MD"), "note");
        assert_eq!(file_key("F/x.md.md"), "x.md");
        assert_eq!(file_key("F/img.png"), "img.png");
        assert!(is_within("a/b", "a") && is_within("a", "a"));
        for name in ["Zoë ÅBERG", "İstanbul", "ǅ ẞ ﬃ", "MiXeD ÄÖÜ"] {
            assert_eq!(fold(name), name.to_lowercase(), "{name}");
        }
        // No final sigma: a name folds the same wherever it ends.
        assert_eq!(fold("ΟΔΥΣΣΕΥΣ"), "οδυσσευσ");
        assert_eq!(fold("Οδυσσεύς.md"), "οδυσσεύσ.md");
        assert_eq!(file_key("Ο/ΟΔΥΣΣΕΥΣ.md"), fold("ΟΔΥΣΣΕΥΣ"));
        assert!(!is_within("ab", "a") && !is_within("a", "a/b"));
    }

    #[test]
    fn decomposed_and_composed_names_fold_alike() {
        let composed = "Zoë Åberg";
        let decomposed: String = composed.nfd().collect();
        assert_ne!(composed, decomposed);
        assert_eq!(fold(&decomposed), fold(composed));
        assert_eq!(fold(&decomposed), "zoë åberg");
        assert_eq!(
            file_key(&format!("People/{decomposed}.md")),
            file_key("People/Zoë Åberg.md")
        );
    }

    #[test]
    fn one_fold_for_every_rule() {
        // Final sigma folds like any sigma; `İ` and `ß` as Unicode lowercases them.
        assert_eq!(fold("ΟΔΥΣΣΕΥΣ"), "οδυσσευσ");
        assert_eq!(fold("İstanbul"), "i\u{307}stanbul");
        assert_eq!(fold("Straße STRASSE"), "straße strasse");
        let (folded, map) = fold_mapped("İstanbul");
        let map = map.expect("İ grows by a byte");
        assert_eq!(folded.len() + 1, map.len());
        let at = folded.find("stanbul").unwrap();
        assert_eq!(map[at], 2, "s comes after the two bytes of İ");
        assert_eq!(fold_mapped("Plain").1, None);
        // Headings fold the same way.
        assert_eq!(
            crate::vault::subpath::normalize_heading("ΟΔΥΣΣΕΥΣ"),
            "οδυσσευσ"
        );
    }
}
