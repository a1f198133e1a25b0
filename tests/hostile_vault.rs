//! Hostile vault content: each case loads without a panic, reads nothing outside the vault,
//! and gives the answers a well-formed vault would (links found, broken links reported).

use std::path::{Path, PathBuf};
use std::process::Command;

use vaultls::check::note_findings;
use vaultls::features::definition::definition;
use vaultls::vault::Vault;

fn vault_with(files: &[(&str, &[u8])]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap().join("vault");
    for (path, bytes) in files {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    std::fs::create_dir_all(&root).unwrap();
    (dir, root)
}

/// (path, code, target) of every finding, sorted.
fn findings(vault: &Vault) -> Vec<(String, &'static str, String)> {
    let mut out: Vec<_> = vault
        .notes()
        .flat_map(|(id, note)| note_findings(vault, &Default::default(), id, note))
        .map(|f| (f.path, f.code, f.target.unwrap_or_default()))
        .collect();
    out.sort();
    out
}

/// The notes whose links open `path`.
fn linked_from(vault: &Vault, path: &str) -> Vec<String> {
    let id = vault
        .id(path)
        .unwrap_or_else(|| panic!("{path} in the vault"));
    let mut out: Vec<String> = vault
        .notes()
        .filter(|(_, n)| n.resolved.iter().any(|r| r.file() == Some(id)))
        .map(|(source, _)| vault.path(source).to_string())
        .collect();
    out.sort();
    out
}

fn paths(vault: &Vault) -> Vec<String> {
    let mut out: Vec<String> = vault.files().map(|(_, f)| f.path().to_string()).collect();
    out.sort();
    out
}

#[test]
fn invalid_utf8_and_binary_notes_are_read_lossily() {
    // Bytes of no encoding at all, then a link; a "note" that is really a PNG with NULs.
    let mut bad = b"caf\xe9 \xff\xfe [[Home]]\n".to_vec();
    bad.extend_from_slice(b"\xc3(\xa0\xa1 [[Missing]]");
    let mut binary = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    let mut x: u32 = 7;
    for _ in 0..4096 {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        binary.push((x >> 16) as u8);
    }
    let (_dir, root) = vault_with(&[
        ("Home.md", b"# Home\n"),
        ("bad.md", &bad),
        ("binary.md", &binary),
    ]);
    let vault = Vault::load(&root, &Default::default()).unwrap();
    assert_eq!(linked_from(&vault, "Home.md"), ["bad.md"]);
    let text = &vault
        .note(vault.id("bad.md").unwrap())
        .unwrap()
        .text()
        .unwrap();
    assert!(
        text.starts_with("caf\u{fffd} \u{fffd}\u{fffd} [[Home]]"),
        "{text:?}"
    );
    assert!(vault.note(vault.id("binary.md").unwrap()).is_some());
    let issues: Vec<&str> = vault.issues().iter().map(|i| i.path.as_str()).collect();
    assert_eq!(issues, ["bad.md", "binary.md"]);
    assert!(
        findings(&vault).contains(&("bad.md".into(), "broken-link", "Missing".into())),
        "{:?}",
        findings(&vault)
    );
}

#[test]
fn bom_crlf_and_lone_cr_notes_parse_like_lf_notes() {
    let (_dir, root) = vault_with(&[
        (
            "Bom.md",
            b"\xef\xbb\xbf---\naliases: [Bommy]\n---\n# Bom\n[[Bom|Bommy]] [[Crlf#Sec]]\n",
        ),
        (
            "Crlf.md",
            b"---\r\ntags: [crlf]\r\n---\r\n# T\r\n## Sec\r\ntext ^blk\r\n\r\n[[Lone#Part]] [[Crlf#^blk]] #inline\r\n",
        ),
        ("Lone.md", b"# L\r## Part\r[[Crlf#Sec]] [[Bom#Bom]]\r"),
    ]);
    let vault = Vault::load(&root, &Default::default()).unwrap();
    assert_eq!(
        findings(&vault),
        [],
        "every link, heading and block resolves"
    );
    let bom = vault.note(vault.id("Bom.md").unwrap()).unwrap();
    let aliases: Vec<&str> = bom.aliases().map(|(a, _)| a).collect();
    assert_eq!(aliases, ["Bommy"]);
    let crlf = vault.note(vault.id("Crlf.md").unwrap()).unwrap();
    let headings: Vec<&str> = crlf
        .syntax
        .headings
        .iter()
        .map(|h| h.text(crlf.src()))
        .collect();
    assert_eq!(headings, ["T", "Sec"]);
    let tags: Vec<&str> = crlf
        .syntax
        .tags
        .iter()
        .map(|t| t.name(crlf.src()))
        .collect();
    assert_eq!(tags, ["crlf", "inline"]);
    // Going to [[Crlf#Sec]] from the lone-CR note lands on the heading, not on its CR.
    let lone = vault.id("Lone.md").unwrap();
    let text = &vault.note(lone).unwrap().text().unwrap();
    let at = text.find("Crlf#Sec").unwrap();
    let target = definition(&vault, lone, at).expect("a definition");
    let crlf_text = crlf.text().unwrap();
    assert_eq!(&crlf_text[target.span.range()], "## Sec");
}

#[test]
fn a_20_mb_note_and_a_note_with_100k_links() {
    let mut big = String::with_capacity(21 << 20);
    let mut i = 0;
    while big.len() < 20 << 20 {
        big.push_str(&format!(
            "## Part {i}\nSome text about [[Home]] and things, day {i}. ^b{i}\n\n"
        ));
        i += 1;
    }
    big.push_str("last [[Missing in big]]\n");
    let many: String = (0..100_000).map(|i| format!("[[L{i}]]\n")).collect();
    let (_dir, root) = vault_with(&[
        ("Home.md", b"[[big#Part 7]] [[big#^b9]]\n"),
        ("big.md", big.as_bytes()),
        ("many.md", many.as_bytes()),
    ]);
    let vault = Vault::load(&root, &Default::default()).unwrap();
    let big_note = vault.note(vault.id("big.md").unwrap()).unwrap();
    assert_eq!(big_note.syntax.links.len(), i + 1);
    assert_eq!(big_note.syntax.headings.len(), i);
    let found = findings(&vault);
    let broken: Vec<_> = found.iter().filter(|f| f.0 == "many.md").collect();
    assert_eq!(broken.len(), 100_000);
    assert!(broken.iter().all(|f| f.1 == "broken-link"));
    assert!(found.contains(&("big.md".into(), "broken-link", "Missing in big".into())));
    assert!(!found.iter().any(|f| f.0 == "Home.md"), "{found:?}");
}

#[test]
fn ten_thousand_deep_nesting_keeps_the_innermost_link() {
    let lists = format!("{}[[Home]]\n", "- ".repeat(10_000));
    let quotes = format!("{}[[Home]]\n", "> ".repeat(10_000));
    let mixed = format!("{}[[Home]]\n", "> - ".repeat(5_000));
    let indented: String = (0..2_000)
        .map(|d| format!("{}- level {d}\n", "  ".repeat(d)))
        .chain(std::iter::once(format!(
            "{}- [[Home]]\n",
            "  ".repeat(2_000)
        )))
        .collect();
    let (_dir, root) = vault_with(&[
        ("Home.md", b"# Home\n"),
        ("lists.md", lists.as_bytes()),
        ("quotes.md", quotes.as_bytes()),
        ("mixed.md", mixed.as_bytes()),
        ("indented.md", indented.as_bytes()),
    ]);
    let vault = Vault::load(&root, &Default::default()).unwrap();
    assert_eq!(
        linked_from(&vault, "Home.md"),
        ["indented.md", "lists.md", "mixed.md", "quotes.md"]
    );
    // Folding ranges and symbols walk the structure too.
    for (id, note) in vault.notes() {
        let _ = vaultls::features::structure::folding_ranges(&vault, id);
        let _ = vaultls::features::symbols::outline(&note.syntax, note.src());
        let _ = vaultls::features::semantic::tokens(&vault, id);
    }
}

#[test]
fn yaml_bombs_and_a_megabyte_of_frontmatter() {
    // Billion laughs: each level refers to the one before nine times.
    let mut bomb = String::from(
        "---\na: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    let names: Vec<char> = ('a'..='l').collect();
    for w in names.windows(2) {
        let refs = vec![format!("*{}", w[0]); 9].join(",");
        bomb.push_str(&format!("{}: &{} [{refs}]\n", w[1], w[1]));
    }
    bomb.push_str("tags: *l\naliases: *l\n---\n# Bomb\n[[Home]]\n");
    let aliases: Vec<String> = (0..40_000)
        .map(|i| format!("  - Alias number {i}"))
        .collect();
    let big_fm = format!(
        "---\ntype: people\naliases:\n{}\nnotes: \"{}\"\n---\n# Big\n",
        aliases.join("\n"),
        "x".repeat(300_000)
    );
    assert!(big_fm.len() > 1 << 20);
    let (_dir, root) = vault_with(&[
        (
            "Home.md",
            b"[[Big|Alias number 39999]] [[Alias number 12]] [[Bomb]]\n",
        ),
        ("Bomb.md", bomb.as_bytes()),
        ("Big.md", big_fm.as_bytes()),
    ]);
    let vault = Vault::load(&root, &Default::default()).unwrap();
    let found = findings(&vault);
    assert!(
        found.contains(&("Bomb.md".into(), "frontmatter-yaml", String::new())),
        "{found:?}"
    );
    assert!(found.contains(&("Home.md".into(), "broken-link", "Alias number 12".into())));
    assert_eq!(found.len(), 2, "{found:?}");
    let big = vault.note(vault.id("Big.md").unwrap()).unwrap();
    assert_eq!(big.aliases().count(), 40_000);
    assert_eq!(linked_from(&vault, "Big.md"), ["Home.md"]);
    assert_eq!(linked_from(&vault, "Bomb.md"), ["Home.md"]);
}

#[cfg(unix)]
#[test]
fn symlinks_and_paths_out_of_the_vault_are_never_followed() {
    use std::os::unix::fs::symlink;
    let (dir, root) = vault_with(&[
        (
            "Home.md",
            b"[[Secret]] [[Passwd]] [[Dangling]] [[Inside]] [[Loop/Home]]\n\
              [[../../../etc/passwd]] [[/etc/passwd]] [x](/etc/passwd) [y](../outside/Secret.md)\n\
              [z](../../../../../../etc/passwd) ![[../outside/Secret.md]] [[Real]] [[Out/Secret]]\n",
        ),
        ("Real.md", b"# Real\n"),
    ]);
    let outside = dir.path().canonicalize().unwrap().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("Secret.md"), "root:x:0:0 secret [[Home]]\n").unwrap();
    symlink(&outside, root.join("Out")).unwrap();
    symlink(outside.join("Secret.md"), root.join("Secret.md")).unwrap();
    symlink("/etc/passwd", root.join("Passwd.md")).unwrap();
    symlink(root.join("nowhere.md"), root.join("Dangling.md")).unwrap();
    symlink(&root, root.join("Loop")).unwrap();
    symlink("Real.md", root.join("Inside.md")).unwrap();
    std::fs::create_dir(root.join("sub")).unwrap();
    symlink("..", root.join("sub/up")).unwrap();

    let vault = Vault::load(&root, &Default::default()).unwrap();
    assert_eq!(paths(&vault), ["Home.md", "Real.md"]);
    for (_, note) in vault.notes() {
        assert!(
            !note.text().unwrap().contains("root:x"),
            "read through a symlink"
        );
    }
    let broken: Vec<String> = findings(&vault)
        .into_iter()
        .filter(|f| f.1 == "broken-link")
        .map(|f| f.2)
        .collect();
    assert_eq!(
        broken,
        [
            "../../../../../../etc/passwd",
            "../../../etc/passwd",
            "../outside/Secret.md",
            "../outside/Secret.md",
            "/etc/passwd",
            "/etc/passwd",
            "Dangling",
            "Inside",
            "Loop/Home",
            "Out/Secret",
            "Passwd",
            "Secret",
        ]
    );
    // Going to definition on a link out of the vault goes nowhere.
    let home = vault.id("Home.md").unwrap();
    let text = vault.note(home).unwrap().text().unwrap().to_string();
    for needle in ["../../../etc/passwd", "(/etc/passwd", "../outside"] {
        let at = text.find(needle).unwrap() + 2;
        assert_eq!(definition(&vault, home, at), None, "{needle}");
    }
}

#[cfg(unix)]
#[test]
fn files_deleted_or_replaced_while_the_vault_is_read() {
    use std::os::unix::fs::symlink;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
    let (_dir, root) = vault_with(&[("Home.md", b"[[Churn/0]]\n")]);
    let churn = root.join("Churn");
    std::fs::create_dir_all(&churn).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let rounds = Arc::new(AtomicU32::new(0));
    let worker = {
        let (stop, rounds, churn) = (stop.clone(), rounds.clone(), churn.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                let n = rounds.load(Ordering::Relaxed);
                let p = churn.join(format!("{}.md", n % 8));
                // A note, then a folder, then a symlink out of the vault, then nothing.
                let _ = std::fs::write(&p, format!("# {n}\n[[Home]]\n"));
                let _ = std::fs::remove_file(&p);
                let _ = std::fs::create_dir(&p);
                let _ = std::fs::write(p.join("inner.md"), "[[Home]]");
                let _ = std::fs::remove_dir_all(&p);
                let _ = symlink("/etc/passwd", &p);
                let _ = std::fs::remove_file(&p);
                let _ = std::fs::write(&p, "[[Home]] again");
                rounds.fetch_add(1, Ordering::Relaxed);
            }
        })
    };
    // At least 60 loads, and on until the churn has gone round a few times (a load can be
    // quicker than the thread's start).
    for load in 0.. {
        if load >= 60 && rounds.load(Ordering::Relaxed) >= 5 {
            break;
        }
        assert!(load < 100_000, "the churning thread never ran");
        let vault = Vault::load(&root, &Default::default()).unwrap();
        assert!(vault.id("Home.md").is_some());
        for (id, note) in vault.notes() {
            let path = vault.path(id);
            assert!(path == "Home.md" || path.starts_with("Churn/"), "{path}");
            assert!(
                !note.text().unwrap().contains("root:"),
                "{path} read through a symlink"
            );
        }
        let _ = findings(&vault);
    }
    stop.store(true, Ordering::Relaxed);
    worker.join().unwrap();
}

/// Runs `vaultls check` on `root` as a user that cannot read what was locked (root reads
/// everything, so as root the check runs as `nobody`).
#[cfg(unix)]
fn check_as_unprivileged(root: &Path) -> std::process::Output {
    let bin = env!("CARGO_BIN_EXE_vaultls");
    let args = ["check", root.to_str().unwrap(), "--format", "json"];
    if running_as_root() {
        Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", bin])
            .args(args)
            .output()
            .expect("setpriv (util-linux) runs the check as nobody")
    } else {
        Command::new(bin).args(args).output().unwrap()
    }
}

#[cfg(unix)]
fn running_as_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

#[cfg(unix)]
#[test]
fn permission_denied_files_and_folders_are_reported_not_fatal() {
    use std::os::unix::fs::PermissionsExt;
    let (dir, root) = vault_with(&[
        ("Home.md", b"[[Secret]] [[Locked/Inner]] [[Open]]\n"),
        ("Open.md", b"[[Home]]\n"),
        ("Secret.md", b"# Secret\n[[Home]]\n"),
        ("Locked/Inner.md", b"[[Home]]\n"),
    ]);
    let mode = |p: &Path, m: u32| std::fs::set_permissions(p, std::fs::Permissions::from_mode(m));
    for p in [dir.path(), root.as_path()] {
        mode(p, 0o755).unwrap();
    }
    mode(&root.join("Secret.md"), 0o000).unwrap();
    mode(&root.join("Locked"), 0o000).unwrap();
    let out = check_as_unprivileged(&root);
    // Unlock, so the temporary folder can be removed.
    mode(&root.join("Locked"), 0o755).unwrap();
    mode(&root.join("Secret.md"), 0o644).unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("Secret.md: unreadable"), "{stderr}");
    assert!(stderr.contains("Permission denied"), "{stderr}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let broken: Vec<&str> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "broken-link")
        .map(|d| d["target"].as_str().unwrap())
        .collect();
    // The unreadable note exists (links to it resolve); the unlistable folder's notes are
    // unknown.
    assert_eq!(broken, ["Locked/Inner"]);
    assert_eq!(v["notes"], 3);
}
