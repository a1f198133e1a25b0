//! Property: any sequence of edits, creates, deletes and renames leaves the store exactly as a
//! fresh load of the resulting files would build it.

use std::collections::BTreeMap;

mod notes;

use notes::{PATHS, content};
use proptest::prelude::*;
use vaultls::vault::{Vault, path::is_note_path};

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
