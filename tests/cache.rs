//! Property: a load that takes what it can from a cache file builds exactly what a load
//! without one builds, whatever happened to the vault since the file was written (notes
//! edited, also to the same size, added, deleted, renamed; twice over) and whatever happened to the file
//! (truncated, a bit flipped, emptied, replaced by junk or by another vault's cache, written
//! by another build). And a cache written for a vault that has not changed since is used
//! whole: nothing is parsed or resolved again, and nothing is written.
//!
//! Loads hold notes whole or, as the server does, in pieces; then a note whose file's stamp
//! is unchanged is taken without reading the file. With `settled`, every file looks modified
//! an hour ago, and a file an operation changes is given that time back: an edit keeping
//! the size and the modification time (a recased letter) must still be seen.

use std::path::Path;

mod notes;

use notes::{PATHS, content};
use proptest::prelude::*;
use vaultls::vault::{LoadOptions, Loaded, Vault};

#[derive(Clone, Debug)]
enum Op {
    Write(usize, String),
    /// Changes one letter's case: the same size, most likely the same modification time.
    Recase(usize),
    Remove(usize),
    Rename(usize, usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0..PATHS.len(), content()).prop_map(|(p, c)| Op::Write(p, c)),
        2 => (0..PATHS.len()).prop_map(Op::Recase),
        1 => (0..PATHS.len()).prop_map(Op::Remove),
        1 => (0..PATHS.len(), 0..PATHS.len()).prop_map(|(a, b)| Op::Rename(a, b)),
    ]
}

#[derive(Clone, Debug)]
enum Damage {
    None,
    /// Cut to this many thousandths of its size.
    Truncate(u32),
    /// One bit flipped at this many thousandths of the file.
    Flip(u32, u8),
    Empty,
    Junk(Vec<u8>),
    /// Replaced by the cache file of another vault.
    OtherVault,
    /// Gone.
    Missing,
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        4 => Just(Damage::None),
        2 => (0..1000u32).prop_map(Damage::Truncate),
        3 => (0..1000u32, 0..8u8).prop_map(|(at, bit)| Damage::Flip(at, bit)),
        1 => Just(Damage::Empty),
        1 => prop::collection::vec(any::<u8>(), 0..200).prop_map(Damage::Junk),
        1 => Just(Damage::OtherVault),
        1 => Just(Damage::Missing),
    ]
}

/// A load holding notes whole or in pieces, with the search lists (as the server) or
/// without (as `vaultls check`).
fn load(root: &Path, cache: Option<&Path>, pieces: bool, search: bool) -> Loaded {
    let options = LoadOptions {
        cache,
        pieces,
        without_search: !search,
        ..LoadOptions::default()
    };
    Vault::load_cached(root, &options).expect("vault loads")
}

/// Loads with the cache file and writes the one the load leaves; whether it wrote one.
fn load_and_write(root: &Path, cache: &Path, pieces: bool, search: bool) -> (Loaded, bool) {
    let mut loaded = load(root, Some(cache), pieces, search);
    let write = loaded.cache_write.take();
    let wrote = write.is_some();
    if let Some(write) = write {
        write.write().expect("cache written");
    }
    (loaded, wrote)
}

fn write_file(root: &Path, path: &str, text: &str) {
    let abs = root.join(path);
    std::fs::create_dir_all(abs.parent().unwrap()).unwrap();
    std::fs::write(abs, text).unwrap();
}

/// Gives the file at `path` the modification time of an hour before `now`.
fn settle(root: &Path, path: &str, now: std::time::SystemTime) {
    if let Ok(file) = std::fs::File::options().append(true).open(root.join(path)) {
        file.set_modified(now - std::time::Duration::from_secs(3600))
            .unwrap();
    }
}

fn apply(root: &Path, op: &Op) {
    match op {
        Op::Write(p, text) => write_file(root, PATHS[*p], text),
        Op::Recase(p) => {
            let abs = root.join(PATHS[*p]);
            if let Ok(mut text) = std::fs::read_to_string(&abs)
                && let Some(i) = text.find(|c: char| c.is_ascii_alphabetic())
            {
                let c = text.as_bytes()[i];
                let swapped = if c.is_ascii_lowercase() {
                    c.to_ascii_uppercase()
                } else {
                    c.to_ascii_lowercase()
                };
                text.replace_range(i..i + 1, &(swapped as char).to_string());
                std::fs::write(&abs, text).unwrap();
            }
        }
        Op::Remove(p) => {
            let _ = std::fs::remove_file(root.join(PATHS[*p]));
        }
        Op::Rename(a, b) => {
            let (from, to) = (root.join(PATHS[*a]), root.join(PATHS[*b]));
            if from.is_file() && !to.exists() {
                std::fs::create_dir_all(to.parent().unwrap()).unwrap();
                std::fs::rename(from, to).unwrap();
            }
        }
    }
}

fn spoil(cache: &Path, damage: &Damage, other: &Path) {
    let bytes = std::fs::read(cache).unwrap_or_default();
    let at = |thousandths: u32| (bytes.len() * thousandths as usize / 1000).min(bytes.len());
    match damage {
        Damage::None => {}
        Damage::Truncate(t) => std::fs::write(cache, &bytes[..at(*t)]).unwrap(),
        Damage::Flip(t, bit) => {
            let mut bytes = bytes.clone();
            let i = at(*t).min(bytes.len() - 1);
            bytes[i] ^= 1 << bit;
            std::fs::write(cache, bytes).unwrap();
        }
        Damage::Empty => std::fs::write(cache, b"").unwrap(),
        Damage::Junk(junk) => std::fs::write(cache, junk).unwrap(),
        Damage::OtherVault => {
            std::fs::copy(other, cache).unwrap();
        }
        Damage::Missing => std::fs::remove_file(cache).unwrap(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(64)
    ))]

    #[test]
    fn a_load_from_any_cache_equals_a_fresh_load(
        initial in prop::collection::vec((0..PATHS.len(), content()), 1..7),
        ops in prop::collection::vec(op(), 0..6),
        more_ops in prop::collection::vec(op(), 0..4),
        damage in damage(),
        settled in any::<bool>(),
        pieces in any::<bool>(),
        first_search in any::<bool>(),
    ) {
        let now = std::time::SystemTime::now();
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("vault");
        let cache = dir.path().join("cache/vault.idx");
        for (p, text) in &initial {
            write_file(&root, PATHS[*p], text);
        }
        if settled {
            PATHS.iter().for_each(|p| settle(&root, p, now));
        }
        // Another vault's cache, for `Damage::OtherVault`: the same files, another root.
        let other_root = dir.path().join("other");
        let other_cache = dir.path().join("cache/other.idx");
        for (p, text) in &initial {
            write_file(&other_root, PATHS[*p], text);
        }
        load_and_write(&other_root, &other_cache, pieces, true);

        let (first, _) = load_and_write(&root, &cache, pieces, first_search);
        prop_assert_eq!(first.from_cache, 0);
        prop_assert!(cache.is_file(), "the first load writes the cache");
        for op in &ops {
            apply(&root, op);
            if settled {
                let touched = match op {
                    Op::Write(p, _) | Op::Recase(p) => vec![*p],
                    Op::Rename(a, b) => vec![*a, *b],
                    Op::Remove(_) => vec![],
                };
                touched.into_iter().for_each(|p| settle(&root, PATHS[p], now));
            }
        }
        spoil(&cache, &damage, &other_cache);

        let fresh = load(&root, None, false, true).vault.dump();
        let (second, rewritten) = load_and_write(&root, &cache, pieces, true);
        prop_assert_eq!(&second.vault.dump(), &fresh);
        if !matches!(damage, Damage::None) {
            // Damage to the records: nothing is used. To the stored indexes alone: the
            // records are, the indexes are built, and the file is written again.
            let unused = second.from_cache == 0 && second.cache_unused.is_some();
            let rebuilt = !second.indexes_from_cache && rewritten;
            prop_assert!(unused || rebuilt, "a damaged cache is not used");
        }
        if !first_search {
            // A file without the search lists cannot give them: built, and written again.
            prop_assert!(!second.indexes_from_cache && rewritten);
        } else if pieces && matches!(damage, Damage::None) {
            // Notes edited, added, removed, renamed: the stored indexes are taken, and
            // patched as incremental updates would (the notes edited or removed as stored say
            // what to take out).
            prop_assert!(second.indexes_from_cache);
        }

        // Nothing changed since the second load wrote its cache: all of it is used, the
        // derived indexes too, with their search lists or without.
        for search in [true, false] {
            let third = load(&root, Some(&cache), pieces, search);
            prop_assert_eq!(&third.vault.dump(), &fresh);
            prop_assert!(third.cache_unused.is_none());
            prop_assert_eq!(third.from_cache, third.vault.notes().count());
            prop_assert!(third.indexes_from_cache);
            prop_assert!(third.cache_write.is_none(), "an unchanged vault's cache is not written");
        // Held in pieces, files settled: not one is read. Held whole: every one is.
            if settled && pieces {
                prop_assert_eq!(third.unread, third.from_cache);
            } else if !pieces {
                prop_assert_eq!(third.unread, 0);
            }
        }

        // And changed again: the file the second load wrote (its removed files' slots left
        // empty, for files added now) is patched in turn.
        for op in &more_ops {
            apply(&root, op);
        }
        let fresh = load(&root, None, false, true).vault.dump();
        let (fourth, _) = load_and_write(&root, &cache, pieces, true);
        prop_assert_eq!(&fourth.vault.dump(), &fresh);
        prop_assert!(fourth.indexes_from_cache || !pieces);
        let fifth = load(&root, Some(&cache), pieces, true);
        prop_assert_eq!(&fifth.vault.dump(), &fresh);
        prop_assert!(fifth.indexes_from_cache && fifth.cache_write.is_none());
    }
}

#[test]
fn a_cache_is_never_placed_inside_the_vault() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("vault");
    std::fs::create_dir_all(root.join("sub")).unwrap();
    // SAFETY: this test binary's other tests do not read the variable.
    unsafe { std::env::set_var(vaultls::vault::cache::CACHE_DIR_VAR, root.join("sub")) };
    assert_eq!(vaultls::vault::cache::cache_file(&root), None);
    // Not yet made, and through a symlink to the vault.
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(&root, dir.path().join("link")).unwrap();
        let through = dir.path().join("link/new/cache");
        unsafe { std::env::set_var(vaultls::vault::cache::CACHE_DIR_VAR, &through) };
        assert_eq!(vaultls::vault::cache::cache_file(&root), None);
        // A dot-folder of the vault is never read: a vault at the home folder keeps its
        // cache in `~/.cache`.
        let hidden = dir.path().join("link/.cache/vaultls");
        unsafe { std::env::set_var(vaultls::vault::cache::CACHE_DIR_VAR, &hidden) };
        assert!(vaultls::vault::cache::cache_file(&root).is_some());
    }
    unsafe { std::env::set_var(vaultls::vault::cache::CACHE_DIR_VAR, dir.path().join("c")) };
    let file = vaultls::vault::cache::cache_file(&root).expect("a cache file outside");
    assert!(file.starts_with(dir.path().join("c")));
    assert!(!file.starts_with(&root));
    unsafe { std::env::set_var(vaultls::vault::cache::CACHE_DIR_VAR, "off") };
    assert_eq!(vaultls::vault::cache::cache_file(&root), None, "turned off");
    unsafe { std::env::remove_var(vaultls::vault::cache::CACHE_DIR_VAR) };
}
