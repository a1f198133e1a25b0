//! The state model end to end over stdio: a cheap request is answered while a long one is
//! still running, and a cancelled long request answers `RequestCancelled`.

mod support;

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde_json::{Value, json};
use support::{Lsp, caps, uri};

/// A vault where `vaultls.unlinkedMentions` of `Target.md` is slow: the target has many
/// aliases and every other note is long text that mentions none of them, so each alias is
/// searched for in every note.
fn slow_mentions_vault() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap().join("vault");
    std::fs::create_dir_all(&root).unwrap();
    let aliases: Vec<String> = (0..600).map(|i| format!("zq{i}x")).collect();
    std::fs::write(
        root.join("Target.md"),
        format!(
            "---\naliases: [{}]\n---\n# Target\n\n## One\n\n## Two\n",
            aliases.join(", ")
        ),
    )
    .unwrap();
    let body = "lorem ipsum dolor sit amet, consectetur adipiscing elit. ".repeat(300);
    for i in 0..300 {
        std::fs::write(
            root.join(format!("Note {i}.md")),
            format!("# Note {i}\n\n{body}\n"),
        )
        .unwrap();
    }
    (dir, root)
}

fn mentions_request(lsp: &mut Lsp, root: &Path) -> i64 {
    lsp.send_request(
        "workspace/executeCommand",
        json!({"command": "vaultls.unlinkedMentions", "arguments": [uri(&root.join("Target.md"))]}),
    )
}

fn is_response(m: &Value, id: i64) -> bool {
    m["id"] == id && m.get("method").is_none()
}

#[test]
fn a_cheap_request_is_answered_while_a_long_one_runs() {
    let (_dir, root) = slow_mentions_vault();
    let mut lsp = Lsp::start(&root, caps(&["utf-16"], false));
    lsp.wait_indexed();

    // How long the long request takes on its own here.
    let started = Instant::now();
    let alone = mentions_request(&mut lsp, &root);
    let answer = lsp.wait("mentions", |m| is_response(m, alone));
    assert_eq!(answer["result"], json!([]), "{answer}");
    let long = started.elapsed();

    let slow = mentions_request(&mut lsp, &root);
    let symbols = lsp.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": uri(&root.join("Target.md"))}}),
    );
    let names: Vec<&str> = symbols["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Target"], "{symbols}");
    lsp.drain();
    assert!(
        !lsp.notifications.iter().any(|m| is_response(m, slow)),
        "the outline came after the mentions (which take {long:?} alone): it waited behind them"
    );
    let answer = lsp.wait("mentions", |m| is_response(m, slow));
    assert_eq!(answer["result"], json!([]), "{answer}");
}

#[test]
fn a_cancelled_long_request_answers_request_cancelled() {
    let (_dir, root) = slow_mentions_vault();
    let mut lsp = Lsp::start(&root, caps(&["utf-16"], false));
    lsp.wait_indexed();
    let slow = mentions_request(&mut lsp, &root);
    lsp.notify("$/cancelRequest", json!({"id": slow}));
    let answer = lsp.wait("cancelled mentions", |m| is_response(m, slow));
    assert_eq!(answer["error"]["code"], -32800, "{answer}");
    // The server goes on serving.
    let symbols = lsp.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": uri(&root.join("Target.md"))}}),
    );
    assert!(symbols["result"].is_array(), "{symbols}");
}

#[test]
fn an_edit_is_applied_while_a_long_request_runs_and_reads_see_it() {
    let (_dir, root) = slow_mentions_vault();
    let mut lsp = Lsp::start(&root, caps(&["utf-16"], false));
    lsp.wait_indexed();
    let (target_uri, _) = lsp.open(&root, "Target.md");
    let slow = mentions_request(&mut lsp, &root);
    // An edit right behind the long request, then a read that must see it.
    lsp.notify(
        "textDocument/didChange",
        json!({
            "textDocument": {"uri": target_uri, "version": 2},
            "contentChanges": [{"text": "# Renamed\n\n## Only\n"}],
        }),
    );
    let symbols = lsp.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": target_uri}}),
    );
    assert_eq!(symbols["result"][0]["name"], "Renamed", "{symbols}");
    // The long request stepped aside for the edit and ran again on the new text (no aliases
    // now: no mentions), or gave up with ContentModified; either way it answers.
    let answer = lsp.wait("mentions", |m| is_response(m, slow));
    assert!(
        answer["result"] == json!([]) || answer["error"]["code"] == -32801,
        "{answer}"
    );
}

/// The codes of a note's published findings with their severities.
fn codes(diagnostics: &[Value]) -> Vec<(String, i64)> {
    diagnostics
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap_or("").to_string(),
                d["severity"].as_i64().unwrap_or(0),
            )
        })
        .collect()
}

#[test]
fn settings_reload_from_disk_and_from_the_client() {
    let (_dir, root) = support::sample_vault();
    let mut lsp = Lsp::start(&root, caps(&["utf-16"], true));
    lsp.wait_indexed();
    let note = "Meetings/2025/2025-10-30 Nordics kickoff.md";
    let (note_uri, _) = lsp.open(&root, note);
    let broken = |ds: &[Value]| codes(ds).iter().filter(|(c, _)| c == "broken-link").count();
    let before = lsp.diagnostics(&note_uri, "a broken link", |ds| broken(ds) > 0);
    let broken_before = broken(&before);

    let changed = |lsp: &mut Lsp, path: &Path| {
        lsp.notify(
            "workspace/didChangeWatchedFiles",
            json!({"changes": [{"uri": uri(path), "type": 2}]}),
        );
    };
    // `.vaultls.toml` turns broken links off.
    let settings = root.join(".vaultls.toml");
    std::fs::write(&settings, "[diagnostics]\nbroken-link = \"off\"\n").unwrap();
    changed(&mut lsp, &settings);
    lsp.diagnostics(&note_uri, "no broken links", |ds| broken(ds) == 0);

    // The client's settings apply over the file's.
    lsp.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"vaultls": {"diagnostics": {"broken-link": "error"}}}}),
    );
    let now = lsp.diagnostics(&note_uri, "broken links as errors", |ds| broken(ds) > 0);
    assert!(
        codes(&now)
            .iter()
            .filter(|(c, _)| c == "broken-link")
            .all(|&(_, severity)| severity == 1),
        "{now:?}"
    );
    assert_eq!(broken(&now), broken_before);

    // A new ignore list loads the folder again: links into `People/` break.
    lsp.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"vaultls": {}}}),
    );
    std::fs::write(&settings, "[vault]\nignore = [\"People\"]\n").unwrap();
    changed(&mut lsp, &settings);
    let ignored = lsp.diagnostics(&note_uri, "links into People broken", |ds| {
        broken(ds) > broken_before
    });
    assert!(
        ignored
            .iter()
            .any(|d| d["message"].as_str().unwrap_or("").contains("Dana Levi")),
        "{ignored:?}"
    );
}
