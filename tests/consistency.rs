//! Consistency, end to end: a session interleaves editor edits with files created, changed,
//! deleted and renamed outside the editor (announced by the client, or only seen by the
//! server's own watcher), and asks for renames, code actions and commands along the way.
//! Afterwards every answer (definition, references, hover, diagnostics) must equal that of a
//! fresh server started on the final files, and the vault must hold exactly the files the
//! test wrote, untouched: the server never writes, moves or deletes a file itself.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use serde_json::{Value, json};
use support::{Lsp, caps, uri};
use vaultls::syntax::{ColumnUnit, Columns, LineIndex, parse_note};

/// A small deterministic generator (SplitMix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const PATHS: &[&str] = &[
    "Alpha.md",
    "Beta.md",
    "People/Zoë Åberg.md",
    "People/Alpha.md",
    "Projects/Gamma.md",
    "Projects/deep/Delta.md",
    "Inbox/New idea.md",
    "Epsilon.md",
];

const NAMES: &[&str] = &[
    "Swap",
    "Inner",
    "Alpha",
    "Beta",
    "Zoë Åberg",
    "People/Alpha",
    "Gamma",
    "Delta",
    "New idea",
    "Epsilon",
    "Nobody",
];

fn line(rng: &mut Rng) -> String {
    let name = *rng.pick(NAMES);
    match rng.below(11) {
        0 => format!("See [[{name}]] today."),
        9 => format!(
            "[{name}][r{0}] and a note[^{0}]\n\n[r{0}]: {1}.md\n[^{0}]: said",
            rng.below(3),
            name.replace(' ', "%20")
        ),
        10 => format!("[undefined][nowhere{}]", rng.below(3)),
        1 => format!("Details in [[{name}#Intro]] and [[{name}#Nowhere]]."),
        2 => format!("- [ ] ask [[{name}|them]] ^t{}", rng.below(5)),
        3 => format!("[md link]({}.md)", name.replace(' ', "%20")),
        4 => format!("## Part {}", rng.below(3)),
        5 => "#project/vaultls #todo".to_string(),
        6 => format!("Block ref [[{name}#^t1]]"),
        7 => format!("Mentions {name} in plain text — VASTâ€™s"),
        _ => "Plain words.".to_string(),
    }
}

fn note_text(rng: &mut Rng, path: &str) -> String {
    let stem = path.rsplit('/').next().unwrap().trim_end_matches(".md");
    let mut text = if rng.below(3) == 0 {
        let up = *rng.pick(NAMES);
        format!("---\nup: \"[[{up}]]\"\n---\n# {stem}\n## Intro\n")
    } else {
        format!("# {stem}\n## Intro\n")
    };
    for _ in 0..1 + rng.below(5) {
        text.push_str(&line(rng));
        text.push('\n');
    }
    text
}

/// What the vault holds on disk, as the test wrote it: bytes and modification time.
type Disk = BTreeMap<String, (String, SystemTime)>;

fn write(root: &Path, disk: &mut Disk, path: &str, text: String) {
    let abs = root.join(path);
    std::fs::create_dir_all(abs.parent().unwrap()).unwrap();
    std::fs::write(&abs, &text).unwrap();
    let mtime = std::fs::metadata(&abs).unwrap().modified().unwrap();
    disk.insert(path.to_string(), (text, mtime));
}

/// Every file under `root` with its text and modification time.
fn read_disk(root: &Path) -> Disk {
    support::files_under(root)
        .into_iter()
        .map(|path| {
            let rel = path
                .strip_prefix(root)
                .unwrap()
                .to_str()
                .unwrap()
                .to_string();
            let text = std::fs::read_to_string(&path).unwrap();
            let mtime = std::fs::metadata(&path).unwrap().modified().unwrap();
            (rel, (text, mtime))
        })
        .collect()
}

/// The UTF-16 position of byte `offset` of `text`.
fn position(text: &str, offset: usize) -> Value {
    let lc = Columns::new(text, ColumnUnit::Utf16).line_col(offset);
    json!({"line": lc.line, "character": lc.col})
}

/// A client session on `root`.
struct Session {
    lsp: Lsp,
    root: PathBuf,
    /// Documents open in the editor: path → (text, version).
    open: BTreeMap<String, (String, i32)>,
    /// Whether the client tells the server about file changes (else its own watcher must).
    announces: bool,
    /// Workspace folders besides the root: folders of the vault opened as their own.
    nested: BTreeSet<String>,
}

impl Session {
    /// A session on `root` (and `nested` folders of it as workspace folders too); `wait` for
    /// the loads to end first (else the first changes arrive while a folder is still loading).
    fn start(root: &Path, announces: bool, wait: bool, nested: &BTreeSet<String>) -> Session {
        let folder = |path: &Path| json!({"uri": uri(path), "name": "f"});
        let mut folders = vec![folder(root)];
        folders.extend(nested.iter().map(|n| folder(&root.join(n))));
        let mut lsp = Lsp::spawn(json!({
            "processId": null,
            "rootUri": uri(root),
            "workspaceFolders": folders,
            "capabilities": caps(&["utf-16"], announces),
        }));
        if wait {
            for _ in 0..folders.len() {
                lsp.wait_indexed();
            }
        }
        Session {
            lsp,
            root: root.to_path_buf(),
            open: BTreeMap::new(),
            announces,
            nested: nested.clone(),
        }
    }

    /// Adds `folder` of the vault as a workspace folder of its own, or removes it.
    fn toggle_folder(&mut self, folder: &str) {
        let f = json!([{"uri": uri(&self.root.join(folder)), "name": folder}]);
        let event = if self.nested.remove(folder) {
            json!({"added": [], "removed": f})
        } else {
            self.nested.insert(folder.to_string());
            json!({"added": f, "removed": []})
        };
        self.lsp.notify(
            "workspace/didChangeWorkspaceFolders",
            json!({"event": event}),
        );
    }

    fn uri(&self, path: &str) -> String {
        uri(&self.root.join(path))
    }

    fn announce(&mut self, changes: &[(&str, u8)]) {
        if !self.announces {
            return;
        }
        let changes: Vec<Value> = changes
            .iter()
            .map(|(p, kind)| json!({"uri": self.uri(p), "type": kind}))
            .collect();
        self.lsp.notify(
            "workspace/didChangeWatchedFiles",
            json!({"changes": changes}),
        );
    }

    fn open(&mut self, path: &str, text: String) {
        let uri = self.uri(path);
        self.lsp.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "markdown", "version": 1, "text": text}}),
        );
        self.open.insert(path.to_string(), (text, 1));
    }

    /// Replaces line `line` of an open document (a ranged edit), or the whole text.
    fn edit(&mut self, path: &str, new_line: &str, line: usize, whole: bool) {
        let uri = self.uri(path);
        let (text, version) = self.open.get_mut(path).unwrap();
        *version += 1;
        let change = if whole {
            *text = format!("{new_line}\n{text}");
            json!({"text": text.clone()})
        } else {
            let index = LineIndex::new(text);
            let line = line % index.line_count();
            let (start, end) = index.line_span(line);
            let end = start + text[start..end].trim_end_matches(['\n', '\r']).len();
            let range = json!({"start": position(text, start), "end": position(text, end)});
            text.replace_range(start..end, new_line);
            json!({"range": range, "text": new_line})
        };
        let version = *version;
        self.lsp.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]}),
        );
    }

    fn close(&mut self, path: &str) {
        let uri = self.uri(path);
        self.lsp.notify(
            "textDocument/didClose",
            json!({"textDocument": {"uri": uri}}),
        );
        self.open.remove(path);
    }

    /// Requests that propose changes (renames, fixes, commands); none may touch the disk.
    fn ask_for_changes(&mut self, path: &str, text: &str) {
        let uri = self.uri(path);
        let at = |needle: &str| text.find(needle).map(|i| position(text, i + 2));
        if let Some(pos) = at("[[") {
            let doc = json!({"uri": uri});
            for (method, params) in [
                (
                    "textDocument/rename",
                    json!({"textDocument": doc, "position": pos, "newName": "Renamed Note"}),
                ),
                (
                    "textDocument/codeAction",
                    json!({"textDocument": doc, "range": {"start": pos, "end": pos}, "context": {"diagnostics": []}}),
                ),
                (
                    "textDocument/completion",
                    json!({"textDocument": doc, "position": pos}),
                ),
            ] {
                let r = self.lsp.request(method, params);
                assert!(
                    r.get("error").is_none() || method == "textDocument/rename",
                    "{r}"
                );
            }
        }
        let r = self.lsp.request(
            "workspace/willRenameFiles",
            json!({"files": [{"oldUri": uri, "newUri": self.uri("Archive/Moved.md")}]}),
        );
        assert!(r.get("error").is_none(), "{r}");
        let r = self.lsp.request(
            "workspace/executeCommand",
            json!({"command": "vaultls.unlinkedMentions", "arguments": [uri]}),
        );
        assert!(r.get("error").is_none(), "{r}");
    }

    /// Every answer about the final notes, with this session's root written as `ROOT`.
    fn answers(&mut self, texts: &BTreeMap<String, String>) -> String {
        let mut out = Vec::new();
        for (path, text) in texts {
            let uri = self.uri(path);
            let doc = json!({"uri": uri});
            for link in parse_note(text).links {
                let pos = position(text, link.target_span().start as usize);
                let r = self.lsp.request(
                    "textDocument/definition",
                    json!({"textDocument": doc, "position": pos}),
                );
                out.push(format!("{path} {pos} definition {}", r["result"]));
                let r = self.lsp.request(
                    "textDocument/hover",
                    json!({"textDocument": doc, "position": pos}),
                );
                out.push(format!("{path} {pos} hover {}", r["result"]));
            }
            // Completion reads the most of the indexes (names, backlinks, popularity, what
            // the notes around link to): the list right after the first `[[`, in order.
            if let Some(i) = text.find("[[") {
                let pos = position(text, i + 2);
                let r = self.lsp.request(
                    "textDocument/completion",
                    json!({"textDocument": doc, "position": pos}),
                );
                let items: Vec<String> = r["result"]["items"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .map(|i| {
                                format!(
                                    "{} {} {}",
                                    i["label"], i["detail"], i["textEdit"]["newText"]
                                )
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                out.push(format!("{path} {pos} completion {items:?}"));
            }
            let r = self.lsp.request(
                "textDocument/references",
                json!({"textDocument": doc, "position": {"line": 0, "character": 2}, "context": {"includeDeclaration": true}}),
            );
            let mut refs: Vec<String> = r["result"]
                .as_array()
                .map(|a| a.iter().map(Value::to_string).collect())
                .unwrap_or_default();
            refs.sort();
            out.push(format!("{path} references {refs:?}"));
        }
        for path in self.open.keys().cloned().collect::<Vec<_>>() {
            let uri = self.uri(&path);
            let diags = self.lsp.latest_diagnostics(&uri).unwrap_or_default();
            out.push(format!("{path} diagnostics {}", Value::Array(diags)));
        }
        out.join("\n")
            .replace(&uri(&self.root), "ROOT")
            .replace(&self.root.display().to_string(), "ROOT")
    }
}

/// The settings file, switched between ignoring a folder and not.
const SETTINGS: &str = ".vaultls.toml";

/// Notes that only make the load take a while (left out of the comparison).
const FILLER: &str = "Filler/";

/// A note that becomes a folder of the same name (holding `Inner.md`) and back.
const SWAP: &str = "Swap.md";
const SWAP_INNER: &str = "Swap.md/Inner.md";

/// The two names the `Projects` folder takes when it is renamed back and forth.
const FOLDERS: [&str; 2] = ["Projects", "Archive"];

/// A session of random steps. With `during_load`, the vault also holds many filler notes and
/// the steps start right away, while the folder is still loading. With `symlinked`, the
/// client opens the vault through a symlink to it.
fn session(seed: u64, announces: bool, during_load: bool, symlinked: bool) {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().canonicalize().unwrap();
    let root = base.join("vault");
    if symlinked {
        std::fs::create_dir_all(base.join("real")).unwrap();
        std::os::unix::fs::symlink(base.join("real"), &root).unwrap();
    } else {
        std::fs::create_dir_all(&root).unwrap();
    }
    let mut rng = Rng(seed);
    let mut disk = Disk::new();
    for path in &PATHS[..5] {
        let text = note_text(&mut rng, path);
        write(&root, &mut disk, path, text);
    }
    if during_load {
        for i in 0..3000 {
            let text = format!(
                "# Filler {i}
[[Alpha]] [[Nobody]] #todo
"
            );
            write(&root, &mut disk, &format!("{FILLER}{i}.md"), text);
        }
    }
    let mut a = Session::start(&root, announces, !during_load, &BTreeSet::new());

    for step in 0..60 {
        let path = *rng.pick(PATHS);
        let on_disk = disk.contains_key(path);
        match rng.below(13) {
            // The editor.
            0 | 1 if !a.open.contains_key(path) => {
                let text = match disk.get(path) {
                    Some((t, _)) => t.clone(),
                    None => note_text(&mut rng, path),
                };
                a.open(path, text);
            }
            0..=2 if a.open.contains_key(path) => {
                let new_line = line(&mut rng);
                let (at, whole) = (rng.below(8), rng.below(4) == 0);
                a.edit(path, &new_line, at, whole);
            }
            3 if a.open.contains_key(path) => a.close(path),
            // Outside the editor: create or change, delete, rename.
            4 | 5 => {
                let text = note_text(&mut rng, path);
                write(&root, &mut disk, path, text);
                a.announce(&[(path, if on_disk { 2 } else { 1 })]);
            }
            6 if on_disk => {
                std::fs::remove_file(root.join(path)).unwrap();
                disk.remove(path);
                a.announce(&[(path, 3)]);
            }
            7 if on_disk => {
                let to = *rng.pick(PATHS);
                if !disk.contains_key(to) {
                    std::fs::create_dir_all(root.join(to).parent().unwrap()).unwrap();
                    std::fs::rename(root.join(path), root.join(to)).unwrap();
                    let moved = disk.remove(path).unwrap();
                    disk.insert(to.to_string(), moved);
                    a.announce(&[(path, 3), (to, 1)]);
                }
            }
            8 => {
                let text = match a.open.get(path) {
                    Some((t, _)) => t.clone(),
                    None => disk.get(path).map(|(t, _)| t.clone()).unwrap_or_default(),
                };
                if disk.contains_key(path) || a.open.contains_key(path) {
                    a.ask_for_changes(path, &text);
                }
            }
            9 if rng.below(3) == 0 => {
                // The vault's settings: ignore a folder, or stop ignoring it.
                let ignoring = disk
                    .get(SETTINGS)
                    .is_some_and(|(t, _)| t.contains("ignore"));
                let text = if ignoring {
                    String::new()
                } else {
                    "[vault]\nignore = [\"Projects/deep\"]\n".to_string()
                };
                let existed = disk.contains_key(SETTINGS);
                write(&root, &mut disk, SETTINGS, text);
                a.announce(&[(SETTINGS, if existed { 2 } else { 1 })]);
            }
            10 => {
                // A folder renamed, open notes in it or not.
                let [from, to] = if disk.keys().any(|p| p.starts_with("Projects/")) {
                    FOLDERS
                } else {
                    [FOLDERS[1], FOLDERS[0]]
                };
                if root.join(from).exists() && !root.join(to).exists() {
                    std::fs::rename(root.join(from), root.join(to)).unwrap();
                    let moved: Vec<String> = disk
                        .keys()
                        .filter(|p| p.starts_with(&format!("{from}/")))
                        .cloned()
                        .collect();
                    for p in moved {
                        let entry = disk.remove(&p).unwrap();
                        disk.insert(format!("{to}{}", &p[from.len()..]), entry);
                    }
                    a.announce(&[(from, 3), (to, 1)]);
                }
            }
            11 => {
                // A note replaced by a folder of its name, or the reverse.
                if disk.contains_key(SWAP) {
                    std::fs::remove_file(root.join(SWAP)).unwrap();
                    disk.remove(SWAP);
                    let text = note_text(&mut rng, SWAP_INNER);
                    write(&root, &mut disk, SWAP_INNER, text);
                    a.announce(&[(SWAP, 2), (SWAP_INNER, 1)]);
                } else {
                    if disk.remove(SWAP_INNER).is_some() {
                        std::fs::remove_dir_all(root.join(SWAP)).unwrap();
                    }
                    let text = note_text(&mut rng, SWAP);
                    write(&root, &mut disk, SWAP, text);
                    a.announce(&[(SWAP_INNER, 3), (SWAP, 2)]);
                }
            }
            12 => {
                // `People` opened as a workspace folder of its own (it then holds its notes,
                // open ones included), or closed as one.
                a.toggle_folder("People");
            }
            _ => {
                // A pause, so some changes land between others and some pile up.
                std::thread::sleep(Duration::from_millis(rng.below(60) as u64));
            }
        }
        // Nothing on disk but what the test wrote, byte for byte, untouched since.
        assert_eq!(
            read_disk(&root),
            disk,
            "seed {seed} step {step}: the vault changed"
        );
    }

    // What each server should see: the editor's texts over the disk's.
    let mut texts: BTreeMap<String, String> = disk
        .iter()
        .filter(|(p, _)| p.ends_with(".md") && !p.starts_with(FILLER))
        .map(|(p, (t, _))| (p.clone(), t.clone()))
        .collect();
    for (p, (t, _)) in &a.open {
        texts.insert(p.clone(), t.clone());
    }
    let mut b = Session::start(&root, announces, true, &a.nested);
    for (p, (t, _)) in a.open.clone() {
        b.open(&p, t);
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    let (mut got, mut want) = (String::new(), String::new());
    while Instant::now() < deadline {
        got = a.answers(&texts);
        want = b.answers(&texts);
        if got == want {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    if got != want {
        let got: BTreeSet<&str> = got.lines().collect();
        let want: BTreeSet<&str> = want.lines().collect();
        panic!(
            "seed {seed} (client announces changes: {announces}): the session's server differs \
             from a fresh one.\nonly in the session:\n{}\nonly in the fresh server:\n{}",
            got.difference(&want)
                .cloned()
                .collect::<Vec<_>>()
                .join("\n"),
            want.difference(&got)
                .cloned()
                .collect::<Vec<_>>()
                .join("\n"),
        );
    }
    assert!(
        want.contains("definition {"),
        "the comparison covered resolved links"
    );
    a.lsp.shutdown();
    b.lsp.shutdown();
    assert_eq!(
        read_disk(&root),
        disk,
        "seed {seed}: the vault changed at shutdown"
    );
}

/// `seeds`, and with `VAULTLS_SESSIONS=N` set, N times as many (each seed plus multiples of
/// 1000): a longer local run than CI's.
fn more(seeds: &[u64]) -> Vec<u64> {
    let rounds: u64 = std::env::var("VAULTLS_SESSIONS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1)
        .max(1);
    (0..rounds)
        .flat_map(|r| seeds.iter().map(move |s| s + 1000 * r))
        .collect()
}

#[test]
fn client_announced_changes_match_a_fresh_server() {
    for seed in more(&[1, 2, 3]) {
        session(seed, true, false, false);
    }
}

#[test]
fn changes_seen_only_by_our_watcher_match_a_fresh_server() {
    for seed in more(&[11, 12, 13]) {
        session(seed, false, false, false);
    }
}

#[test]
fn changes_during_the_load_match_a_fresh_server() {
    for (seed, announces) in [(21, true), (22, false)] {
        session(seed, announces, true, false);
    }
}

#[test]
fn changes_through_a_symlinked_root_match_a_fresh_server() {
    for (seed, announces) in [(31, true), (32, false)] {
        session(seed, announces, false, true);
    }
}
