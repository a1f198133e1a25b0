//! Random vault contents for the property tests over the store (`incremental.rs`,
//! `cache.rs`): paths whose names collide in every way links can tell apart, and notes made
//! of every link form, heading, block, tag, property and opaque span.
#![allow(dead_code)]

use proptest::prelude::*;

pub const PATHS: &[&str] = &[
    "Note.md",
    "a/Note.md",
    "b/note.md",
    "People/Tomer Hagay.md",
    "Microsoft.md",
    "x/Microsoft.md",
    "img.png",
    "a/img.png",
    "Home.md",
    "a/b/Deep.md",
    "a/b/Local.md",
    "Local.md",
    // A note named `Note.md` and a file named `Note`: one name key each, `note.md` and
    // `note`, found by links written with and without `.md`.
    "Note.md.md",
    "c/Note",
];

pub const FRAGMENTS: &[&str] = &[
    "[[Note]]",
    "[[a/Note]]",
    "[[Microsoft#H]]",
    "[[./Note]]",
    "[[../Note]]",
    "[[../Local]]",
    "[[Local]]",
    "![[img.png]]",
    "[[Tomer Hagay|TH]]",
    "[x](Note.md)",
    "[y](../Local.md#^b1)",
    "[[#H]]",
    "[[TH]]",
    "[[Deep#^b1]]",
    "[[/Home]]",
    "[[Note.md]]",
    "[[note.MD.md]]",
    "[[c/Note]]",
    "# H",
    "## Sub",
    "para ^b1",
    "#t #T/x",
    "`[[code]]`",
    "%% [[hidden]] %%",
    "[ref link][r] and [^1]\n\n[r]: Note.md\n\n[^1]: a footnote with [[Local]]",
    "[dangling][nowhere] [^none]",
    "## *Sub* `x`",
    "caf\u{e9} — na\u{ef}ve",
    "[[",
];

pub fn content() -> impl Strategy<Value = String> {
    let fm = prop_oneof![
        Just(String::new()),
        Just("---\naliases: [TH]\ntags: [t]\n---\n".to_string()),
        Just("---\ntitle: Microsoft\n---\n".to_string()),
        Just("---\ntype: people\nstatus: [a, b, a]\n---\n".to_string()),
        Just("---\ntitle: [broken\n---\n".to_string()),
        Just("---\ntitle: \"Micro\\u0073oft\"\ntags: [t, \"x\\ty\"]\n---\n".to_string()),
        Just("---\nup: \"[[Note]]\"\nrelated: [\"[[a/Note|N]]\", \"[[Missing]]\"]\nbad: [[Local]]\n---\n".to_string()),
    ];
    (fm, prop::collection::vec(0..FRAGMENTS.len(), 0..6)).prop_map(|(fm, frags)| {
        let body: Vec<&str> = frags.iter().map(|&i| FRAGMENTS[i]).collect();
        format!("{fm}{}\n", body.join("\n\n"))
    })
}
