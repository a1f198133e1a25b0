//! The live index equals a fresh load, one test per class of issue 14, end to end over
//! stdio: symlinked roots, back-to-back watch batches, folders renamed under an open note,
//! note↔folder swaps, ignored folders moved in, workspace folders added and removed, clients
//! that never answer the server, and no false findings while the vault loads.

mod support;

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use support::{Lsp, caps, uri};

fn vault(files: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap().join("vault");
    std::fs::create_dir_all(&root).unwrap();
    for (path, text) in files {
        write(&root, path, text);
    }
    (dir, root)
}

fn write(root: &Path, path: &str, text: &str) {
    let abs = root.join(path);
    std::fs::create_dir_all(abs.parent().unwrap()).unwrap();
    std::fs::write(abs, text).unwrap();
}

/// Tells the server that `paths` changed (the client watches for it).
fn announce(lsp: &mut Lsp, root: &Path, paths: &[&str]) {
    let changes: Vec<Value> = paths
        .iter()
        .map(|p| json!({"uri": uri(&root.join(p)), "type": 2}))
        .collect();
    lsp.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": changes}),
    );
}

/// The definition of the link `[[name]]` in the note at `doc` (a URI), whose text is `text`.
fn definition(lsp: &mut Lsp, doc: &str, text: &str, name: &str) -> Value {
    let at = text.find(&format!("[[{name}")).unwrap() + 3;
    let line = text[..at].matches('\n').count();
    let col = at - text[..at].rfind('\n').map_or(0, |i| i + 1);
    lsp.request(
        "textDocument/definition",
        json!({"textDocument": {"uri": doc}, "position": {"line": line, "character": col}}),
    )["result"]
        .clone()
}

#[test]
fn a_vault_opened_through_a_symlink_works() {
    let (dir, root) = vault(&[
        ("People/Tomer.md", "# Tomer\n"),
        ("Home.md", "# Home\nMet [[Tomer]].\n"),
    ]);
    let link = dir.path().canonicalize().unwrap().join("notes");
    std::os::unix::fs::symlink(&root, &link).unwrap();
    let mut lsp = Lsp::start(&link, caps(&["utf-16"], true));
    lsp.wait_indexed();
    let (home, text) = lsp.open(&link, "Home.md");
    let target = definition(&mut lsp, &home, &text, "Tomer");
    assert_eq!(
        target["uri"],
        uri(&link.join("People/Tomer.md")),
        "{target}"
    );
    let found = lsp.diagnostics(&home, "the findings of Home", |_| true);
    assert_eq!(found, Vec::<Value>::new());
    // A note created later, announced by its path through the link.
    write(&root, "People/Dana.md", "# Dana\n");
    announce(&mut lsp, &link, &["People/Dana.md"]);
    let items = lsp.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": home}, "position": {"line": 1, "character": 6}}),
    );
    let labels: Vec<&str> = items["result"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    assert!(labels.contains(&"Dana"), "{labels:?}");
}

#[test]
fn back_to_back_watch_batches_apply_in_order() {
    let (_dir, root) = vault(&[("Home.md", "# v0\n")]);
    let mut lsp = Lsp::start(&root, caps(&["utf-16"], true));
    lsp.wait_indexed();
    let many: Vec<String> = (0..3000).map(|i| format!("Bulk/{i}.md")).collect();
    for path in &many {
        write(&root, path, "# bulk\n");
    }
    for round in 1..=3 {
        write(&root, "Home.md", &format!("# old {round}\n"));
        let mut batch: Vec<&str> = many.iter().map(String::as_str).collect();
        batch.push("Home.md");
        announce(&mut lsp, &root, &batch);
        write(&root, "Home.md", &format!("# new {round}\n"));
        announce(&mut lsp, &root, &["Home.md"]);
        let symbols = lsp.request(
            "textDocument/documentSymbol",
            json!({"textDocument": {"uri": uri(&root.join("Home.md"))}}),
        );
        assert_eq!(
            symbols["result"][0]["name"],
            format!("new {round}"),
            "{symbols}"
        );
    }
}

#[test]
fn an_open_note_survives_its_folder_being_renamed() {
    let (_dir, root) = vault(&[
        ("Target.md", "# Target\n"),
        ("Projects/Plan.md", "# Plan\nSee [[Target]].\n"),
    ]);
    let mut lsp = Lsp::start(&root, caps(&["utf-16"], true));
    lsp.wait_indexed();
    let (plan, text) = lsp.open(&root, "Projects/Plan.md");
    std::fs::rename(root.join("Projects"), root.join("Archive")).unwrap();
    announce(&mut lsp, &root, &["Projects", "Archive"]);
    let target = definition(&mut lsp, &plan, &text, "Target");
    assert_eq!(target["uri"], uri(&root.join("Target.md")), "{target}");
    let refs = lsp.request(
        "textDocument/references",
        json!({"textDocument": {"uri": uri(&root.join("Target.md"))}, "position": {"line": 0, "character": 2}, "context": {"includeDeclaration": false}}),
    );
    let from: Vec<&str> = refs["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["uri"].as_str().unwrap())
        .collect();
    assert!(from.contains(&plan.as_str()), "{refs}");
    assert!(
        from.contains(&uri(&root.join("Archive/Plan.md")).as_str()),
        "{refs}"
    );
}

#[test]
fn a_note_replaced_by_a_folder_of_its_name_leaves_no_ghost() {
    let (_dir, root) = vault(&[
        ("Plan.md", "# Plan\n"),
        ("Home.md", "# Home\n[[Plan]] and [[Inner]]\n"),
    ]);
    let mut lsp = Lsp::start(&root, caps(&["utf-16"], true));
    lsp.wait_indexed();
    let home = uri(&root.join("Home.md"));
    let text = std::fs::read_to_string(root.join("Home.md")).unwrap();
    std::fs::remove_file(root.join("Plan.md")).unwrap();
    write(&root, "Plan.md/Inner.md", "# Inner\n");
    announce(&mut lsp, &root, &["Plan.md"]);
    assert_eq!(definition(&mut lsp, &home, &text, "Plan"), Value::Null);
    let inner = definition(&mut lsp, &home, &text, "Inner");
    assert_eq!(inner["uri"], uri(&root.join("Plan.md/Inner.md")), "{inner}");
    // And back: the folder's notes go with it.
    std::fs::remove_dir_all(root.join("Plan.md")).unwrap();
    write(&root, "Plan.md", "# Plan again\n");
    announce(&mut lsp, &root, &["Plan.md"]);
    assert_eq!(definition(&mut lsp, &home, &text, "Inner"), Value::Null);
    let plan = definition(&mut lsp, &home, &text, "Plan");
    assert_eq!(plan["uri"], uri(&root.join("Plan.md")), "{plan}");
}

#[test]
fn a_folder_moved_in_keeps_its_ignored_subfolders_out() {
    let (dir, root) = vault(&[
        (".vaultls.toml", "[vault]\nignore = [\"Archive/2019\"]\n"),
        ("Home.md", "# Home\n[[Old]] and [[Kept]]\n"),
    ]);
    let outside = dir.path().canonicalize().unwrap().join("outside");
    write(&outside, "Archive/2019/Old.md", "# Old\n");
    write(&outside, "Archive/Kept.md", "# Kept\n");
    let mut lsp = Lsp::start(&root, caps(&["utf-16"], true));
    lsp.wait_indexed();
    std::fs::rename(outside.join("Archive"), root.join("Archive")).unwrap();
    announce(&mut lsp, &root, &["Archive"]);
    let home = uri(&root.join("Home.md"));
    let text = std::fs::read_to_string(root.join("Home.md")).unwrap();
    let kept = definition(&mut lsp, &home, &text, "Kept");
    assert_eq!(kept["uri"], uri(&root.join("Archive/Kept.md")), "{kept}");
    assert_eq!(definition(&mut lsp, &home, &text, "Old"), Value::Null);
}

/// A note of an ignored folder (or a dot-folder) opened and closed in the editor: while open
/// it is a note like any other, once closed it is out again, as a fresh load leaves it.
#[test]
fn a_note_of_an_ignored_folder_is_out_again_once_closed() {
    let (_dir, root) = vault(&[
        (".vaultls.toml", "[vault]\nignore = [\"Archive\"]\n"),
        ("Archive/Old.md", "# Old\n"),
        (".trash/Gone.md", "# Gone\n"),
        ("Home.md", "# Home\n[[Old]] and [[Gone]]\n"),
    ]);
    let mut lsp = Lsp::start(&root, caps(&["utf-16"], true));
    lsp.wait_indexed();
    let home = uri(&root.join("Home.md"));
    let text = std::fs::read_to_string(root.join("Home.md")).unwrap();
    for path in ["Archive/Old.md", ".trash/Gone.md"] {
        let (doc, _) = lsp.open(&root, path);
        lsp.notify(
            "textDocument/didClose",
            json!({"textDocument": {"uri": doc}}),
        );
    }
    assert_eq!(definition(&mut lsp, &home, &text, "Old"), Value::Null);
    assert_eq!(definition(&mut lsp, &home, &text, "Gone"), Value::Null);
    lsp.shutdown();
}

/// Two workspace folders inside one vault (`.obsidian/` above them) are one vault; it stays
/// while either is open.
#[test]
fn two_folders_of_one_vault_share_it_until_the_last_goes() {
    let (_dir, root) = vault(&[
        (".obsidian/app.json", "{}"),
        ("People/Tomer.md", "# Tomer\n"),
        ("Projects/Plan.md", "# Plan\nWith [[Tomer]].\n"),
    ]);
    let folder = |name: &str| json!({"uri": uri(&root.join(name)), "name": name});
    let mut lsp = Lsp::spawn(json!({
        "processId": null,
        "workspaceFolders": [folder("People"), folder("Projects")],
        "capabilities": caps(&["utf-16"], true),
    }));
    lsp.wait_indexed();
    let (plan, text) = lsp.open(&root, "Projects/Plan.md");
    lsp.notify(
        "workspace/didChangeWorkspaceFolders",
        json!({"event": {"added": [], "removed": [folder("People")]}}),
    );
    let tomer = definition(&mut lsp, &plan, &text, "Tomer");
    assert_eq!(tomer["uri"], uri(&root.join("People/Tomer.md")), "{tomer}");
    lsp.shutdown();
}

#[test]
fn open_notes_follow_workspace_folders_added_and_removed() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().canonicalize().unwrap();
    let (a, b) = (base.join("a"), base.join("b"));
    write(&a, "A.md", "# A\n");
    write(&b, "Other.md", "# Other\n");
    write(&b, "Note.md", "# Note\n[[Other]]\n");
    let text = "# Note\n[[Other]]\n";
    let mut lsp = Lsp::start(&a, caps(&["utf-16"], true));
    lsp.wait_indexed();
    let (note, _) = lsp.open(&b, "Note.md");
    assert_eq!(definition(&mut lsp, &note, text, "Other"), Value::Null);
    let folder = json!([{"uri": uri(&b), "name": "b"}]);
    for _ in 0..2 {
        lsp.notify(
            "workspace/didChangeWorkspaceFolders",
            json!({"event": {"added": folder, "removed": []}}),
        );
        let target = definition(&mut lsp, &note, text, "Other");
        assert_eq!(target["uri"], uri(&b.join("Other.md")), "{target}");
        lsp.notify(
            "workspace/didChangeWorkspaceFolders",
            json!({"event": {"added": [], "removed": folder}}),
        );
        assert_eq!(definition(&mut lsp, &note, text, "Other"), Value::Null);
        // The note itself still answers (from the loose vault).
        let symbols = lsp.request(
            "textDocument/documentSymbol",
            json!({"textDocument": {"uri": note}}),
        );
        assert_eq!(symbols["result"][0]["name"], "Note", "{symbols}");
    }
}

#[test]
fn a_client_that_never_answers_the_server_still_gets_a_vault_and_an_exit() {
    let (_dir, root) = vault(&[("Target.md", "# Target\n"), ("Home.md", "[[Target]]\n")]);
    let mut lsp = Lsp::spawn_uninitialized();
    lsp.answers_server = false;
    let init = lsp.request(
        "initialize",
        json!({"processId": null, "rootUri": uri(&root), "capabilities": caps(&["utf-16"], true)}),
    );
    assert!(init["result"]["capabilities"].is_object(), "{init}");
    lsp.notify("initialized", json!({}));
    let home = uri(&root.join("Home.md"));
    let target = definition(&mut lsp, &home, "[[Target]]\n", "Target");
    assert_eq!(target["uri"], uri(&root.join("Target.md")), "{target}");
    let shutdown = lsp.request("shutdown", Value::Null);
    assert!(shutdown.get("error").is_none(), "{shutdown}");
    lsp.notify("exit", Value::Null);
    assert_eq!(lsp.wait_exit(), Some(0));
}

#[test]
fn no_false_findings_while_the_vault_loads() {
    let mut files: Vec<(String, String)> = (0..3000)
        .map(|i| {
            (
                format!("Filler/{i}.md"),
                format!("# Filler {i}\n[[Filler/{}]]\n", i + 1),
            )
        })
        .collect();
    files.push((
        "Home.md".into(),
        "# Home\n[[Filler/2999]] [[Filler/1]] [[Missing]]\n".into(),
    ));
    let files: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let (_dir, root) = vault(&files);
    let mut lsp = Lsp::start(&root, caps(&["utf-16"], true));
    // Right away, while the folder is still loading.
    let (home, _) = lsp.open(&root, "Home.md");
    let first = lsp.diagnostics(&home, "the first findings of Home", |_| true);
    let messages: Vec<&str> = first
        .iter()
        .map(|d| d["message"].as_str().unwrap())
        .collect();
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(messages[0].contains("Missing"), "{messages:?}");
    // References answered during the load wait for it: none missing.
    let refs = lsp.request(
        "textDocument/references",
        json!({"textDocument": {"uri": uri(&root.join("Filler/1.md"))}, "position": {"line": 0, "character": 2}, "context": {"includeDeclaration": false}}),
    );
    assert_eq!(refs["result"].as_array().map(Vec::len), Some(2), "{refs}");
}

#[test]
fn a_root_deleted_and_made_again_is_watched_again() {
    let (_dir, root) = vault(&[
        ("Target.md", "# Target\n"),
        ("Home.md", "[[Target]] [[Fresh]]\n"),
    ]);
    // The server watches files itself.
    let mut lsp = Lsp::start(&root, caps(&["utf-16"], false));
    lsp.wait_indexed();
    let home = uri(&root.join("Home.md"));
    let text = "[[Target]] [[Fresh]]\n";
    std::fs::remove_dir_all(&root).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    // A re-clone: the same folder, other notes.
    write(&root, "Home.md", text);
    write(&root, "Fresh.md", "# Fresh\n");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let (mut fresh, mut target) = (Value::Null, Value::Null);
    while std::time::Instant::now() < deadline {
        fresh = definition(&mut lsp, &home, text, "Fresh");
        target = definition(&mut lsp, &home, text, "Target");
        if !fresh.is_null() && target.is_null() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(fresh["uri"], uri(&root.join("Fresh.md")), "{fresh}");
    assert_eq!(target, Value::Null, "Target.md went with the old folder");
    // And the new folder is watched: a note made now is seen.
    write(&root, "Later.md", "# Later\n");
    write(&root, "Home.md", "[[Later]]\n");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let mut later = Value::Null;
    while std::time::Instant::now() < deadline && later.is_null() {
        later = definition(&mut lsp, &home, "[[Later]]\n", "Later");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(later["uri"], uri(&root.join("Later.md")), "{later}");
}

#[test]
fn an_event_naming_the_root_reloads_only_a_replaced_folder() {
    let (_dir, root) = vault(&[
        ("Target.md", "# Target\n"),
        ("Home.md", "[[Target]] [[Fresh]]\n"),
    ]);
    let mut lsp = Lsp::start(&root, caps(&["utf-16"], true));
    lsp.wait_indexed();
    let begins = |lsp: &mut Lsp| {
        lsp.drain();
        lsp.notifications
            .iter()
            .filter(|m| m["method"] == "$/progress" && m["params"]["value"]["kind"] == "begin")
            .count()
    };
    let home = uri(&root.join("Home.md"));
    let text = "[[Target]] [[Fresh]]\n";
    let loads = begins(&mut lsp);
    // The same folder: nothing to load again.
    announce(&mut lsp, &root, &[""]);
    let target = definition(&mut lsp, &home, text, "Target");
    assert_eq!(target["uri"], uri(&root.join("Target.md")), "{target}");
    assert_eq!(
        begins(&mut lsp),
        loads,
        "no second load for an unchanged root"
    );
    // Deleted and made again, announced by the client: loaded again.
    std::fs::remove_dir_all(&root).unwrap();
    write(&root, "Home.md", text);
    write(&root, "Fresh.md", "# Fresh\n");
    announce(&mut lsp, &root, &[""]);
    let fresh = definition(&mut lsp, &home, text, "Fresh");
    assert_eq!(fresh["uri"], uri(&root.join("Fresh.md")), "{fresh}");
    assert_eq!(definition(&mut lsp, &home, text, "Target"), Value::Null);
}

/// The server as user `nobody`, for whom permissions count (root reads every folder); `None`
/// where this process cannot switch users.
fn as_nobody() -> Option<Lsp> {
    let ok = std::process::Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "true"])
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        eprintln!("skipped: cannot run the server as another user here");
        return None;
    }
    let mut command = std::process::Command::new("setpriv");
    command
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(env!("CARGO_BIN_EXE_vaultls"));
    Some(Lsp::spawn_command(command))
}

/// Polls the definition of `[[name]]` until `done` accepts it (or 10 s pass).
fn definition_until(
    lsp: &mut Lsp,
    doc: &str,
    text: &str,
    name: &str,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let got = definition(lsp, doc, text, name);
        if done(&got) || std::time::Instant::now() > deadline {
            return got;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

#[test]
fn unreadable_folders_are_skipped_and_the_rest_is_still_watched() {
    use std::os::unix::fs::PermissionsExt;
    let text = "[[a]] [[b]] [[c]]\n";
    let (dir, root) = vault(&[("A/a.md", "# a\n"), ("B/b.md", "# b\n"), ("Home.md", text)]);
    let mode = |path: &Path, mode: u32| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap()
    };
    // The temporary folder is private to its owner; the vault's user must reach it.
    mode(dir.path(), 0o755);
    mode(&root.join("B"), 0o000);
    let Some(mut lsp) = as_nobody() else { return };
    let init = lsp.request(
        "initialize",
        json!({"processId": null, "rootUri": uri(&root), "capabilities": caps(&["utf-16"], false)}),
    );
    assert!(init["result"]["capabilities"].is_object(), "{init}");
    lsp.notify("initialized", json!({}));
    let home = uri(&root.join("Home.md"));
    let a = definition(&mut lsp, &home, text, "a");
    assert_eq!(a["uri"], uri(&root.join("A/a.md")), "{a}");
    assert_eq!(
        definition(&mut lsp, &home, text, "b"),
        Value::Null,
        "B cannot be read"
    );
    // The unreadable folder did not stop the watching of the others.
    write(&root, "A/c.md", "# c\n");
    let c = definition_until(&mut lsp, &home, text, "c", |v| !v.is_null());
    assert_eq!(c["uri"], uri(&root.join("A/c.md")), "{c}");
    // A folder that becomes unreadable loses its notes, as a fresh load would.
    mode(&root.join("A"), 0o000);
    let a = definition_until(&mut lsp, &home, text, "a", Value::is_null);
    assert_eq!(a, Value::Null, "A cannot be read any more");
    mode(&root.join("A"), 0o755);
    mode(&root.join("B"), 0o755);
}

/// Sets when the file at `path` was last modified.
fn touch(root: &Path, path: &str, time: std::time::SystemTime) {
    let file = std::fs::File::options()
        .write(true)
        .open(root.join(path))
        .unwrap();
    file.set_modified(time).unwrap();
}

/// The labels completion offers at the end of `[[M` in `Log.md`.
fn offered(lsp: &mut Lsp, root: &Path) -> Vec<String> {
    let answer = lsp.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": uri(&root.join("Log.md"))},
               "position": {"line": 0, "character": 3}}),
    );
    answer["result"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_note_saved_unchanged_counts_as_modified_lately_as_in_a_fresh_server() {
    let (_dir, root) = vault(&[
        ("Mercury report.md", "# Mercury\n"),
        ("Mars report.md", "# Mars\n"),
        ("Other.md", "[[Mercury report]]\n"),
        ("Log.md", "[[M\n"),
    ]);
    let long_ago = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1 << 30);
    let at = |s: u64| long_ago + std::time::Duration::from_secs(s);
    for (i, path) in ["Mars report.md", "Other.md", "Mercury report.md", "Log.md"]
        .iter()
        .enumerate()
    {
        touch(&root, path, at(10 * i as u64));
    }
    let fresh = |root: &Path| {
        let mut lsp = Lsp::start(root, caps(&["utf-16"], true));
        lsp.wait_indexed();
        lsp.open(root, "Log.md");
        offered(&mut lsp, root)
    };
    let mut lsp = Lsp::start(&root, caps(&["utf-16"], true));
    lsp.wait_indexed();
    lsp.open(&root, "Log.md");
    assert_eq!(offered(&mut lsp, &root)[0], "Mercury report");
    // Saved again with the same text: modified now, so written lately.
    write(&root, "Mars report.md", "# Mars\n");
    touch(&root, "Mars report.md", at(100));
    announce(&mut lsp, &root, &["Mars report.md"]);
    let now = offered(&mut lsp, &root);
    assert_eq!(now[0], "Mars report", "{now:?}");
    assert_eq!(now, fresh(&root));
    // The same for a note open in the editor (whose text the editor's stays).
    lsp.open(&root, "Mercury report.md");
    touch(&root, "Mercury report.md", at(200));
    announce(&mut lsp, &root, &["Mercury report.md"]);
    let now = offered(&mut lsp, &root);
    assert_eq!(now[0], "Mercury report", "{now:?}");
    let mut fresh_lsp = Lsp::start(&root, caps(&["utf-16"], true));
    fresh_lsp.wait_indexed();
    fresh_lsp.open(&root, "Log.md");
    fresh_lsp.open(&root, "Mercury report.md");
    assert_eq!(now, offered(&mut fresh_lsp, &root));
}
