//! Property: any sequence of edits, creates, deletes and renames leaves the store exactly as a
//! fresh load of the resulting files would build it.

use std::collections::BTreeMap;

use proptest::prelude::*;
use vaultls::vault::{Vault, path::is_note_path};

const PATHS: &[&str] = &[
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

const FRAGMENTS: &[&str] = &[
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
];

fn content() -> impl Strategy<Value = String> {
    let fm = prop_oneof![
        Just(String::new()),
        Just("---\naliases: [TH]\ntags: [t]\n---\n".to_string()),
        Just("---\ntitle: Microsoft\n---\n".to_string()),
        Just("---\ntype: people\nstatus: [a, b, a]\n---\n".to_string()),
        Just("---\ntitle: [broken\n---\n".to_string()),
        Just("---\nup: \"[[Note]]\"\nrelated: [\"[[a/Note|N]]\", \"[[Missing]]\"]\nbad: [[Local]]\n---\n".to_string()),
    ];
    (fm, prop::collection::vec(0..FRAGMENTS.len(), 0..6)).prop_map(|(fm, frags)| {
        let body: Vec<&str> = frags.iter().map(|&i| FRAGMENTS[i]).collect();
        format!("{fm}{}\n", body.join("\n\n"))
    })
}

#[derive(Clone, Debug)]
enum Op {
    Write(usize, String),
    Remove(usize),
    Rename(usize, usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0..PATHS.len(), content()).prop_map(|(p, c)| Op::Write(p, c)),
        1 => (0..PATHS.len()).prop_map(Op::Remove),
        1 => (0..PATHS.len(), 0..PATHS.len()).prop_map(|(a, b)| Op::Rename(a, b)),
    ]
}

fn fresh(files: &BTreeMap<String, Option<String>>) -> Vault {
    Vault::from_files(
        "/v",
        files.iter().map(|(p, t)| (p.clone(), t.clone())).collect(),
    )
}

proptest! {
    // PROPTEST_CASES raises it for a longer local run.
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(256)
    ))]

    #[test]
    fn incremental_equals_fresh_load(
        initial in prop::collection::vec((0..PATHS.len(), content()), 0..6),
        ops in prop::collection::vec(op(), 1..25),
    ) {
        let mut model: BTreeMap<String, Option<String>> = BTreeMap::new();
        for (p, c) in initial {
            let path = PATHS[p];
            model.insert(path.to_string(), is_note_path(path).then_some(c));
        }
        let mut vault = fresh(&model);
        for op in ops {
            match op {
                Op::Write(p, c) => {
                    let path = PATHS[p];
                    vault.upsert_file(path, Some(c.clone()));
                    model.insert(path.to_string(), is_note_path(path).then_some(c));
                }
                Op::Remove(p) => {
                    let existed = model.remove(PATHS[p]).is_some();
                    prop_assert_eq!(vault.remove_file(PATHS[p]), existed);
                }
                Op::Rename(a, b) => {
                    let (from, to) = (PATHS[a], PATHS[b]);
                    let ok = vault.rename_file(from, to);
                    let expected = from != to && model.contains_key(from) && !model.contains_key(to);
                    prop_assert_eq!(ok, expected);
                    if expected {
                        let text = model.remove(from).unwrap();
                        let text = is_note_path(to).then(|| text.unwrap_or_default());
                        model.insert(to.to_string(), text);
                    }
                }
            }
            prop_assert_eq!(vault.dump(), fresh(&model).dump());
        }
    }
}
