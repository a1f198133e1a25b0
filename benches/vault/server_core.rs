//! `cargo bench --bench vault -- --server-core [SIZE]` (default 20000): the server's state
//! model over stdio, against the release binary.
//!
//! - a cheap request (documentSymbol, definition) sent right behind a long one
//!   (`vaultls.unlinkedMentions` of a people note, `workspace/symbol "#a"`): its latency, and
//!   the long one's;
//! - a note of one line of 20k / 80k links: keystroke → published diagnostics, and a
//!   definition sent right after the keystroke;
//! - a normal keystroke in a meeting note → published diagnostics (the debounce is 50 ms).
//!
//! Each keystroke adds a different broken link, so every one changes the note's findings and
//! is published. Medians of several runs; nothing is asserted.

use std::path::Path;
use std::time::Instant;

use serde_json::{Value, json};

use super::support::{self, Lsp};
use super::{median, ms};

fn is_response(m: &Value, id: i64) -> bool {
    m["id"] == id && m.get("method").is_none()
}

/// Sends `long`, then `cheap` right behind it: (cheap latency, long latency) in ms.
fn behind(lsp: &mut Lsp, long: (&str, Value), cheap: (&str, Value)) -> (f64, f64) {
    let started = Instant::now();
    let long_id = lsp.send_request(long.0, long.1);
    let cheap_started = Instant::now();
    let cheap_id = lsp.send_request(cheap.0, cheap.1);
    let mut cheap_ms = None;
    let mut long_ms = None;
    while cheap_ms.is_none() || long_ms.is_none() {
        let m = lsp.wait("responses", |m| {
            is_response(m, cheap_id) || is_response(m, long_id)
        });
        if is_response(&m, cheap_id) {
            cheap_ms = Some(ms(cheap_started.elapsed()));
        } else {
            long_ms = Some(ms(started.elapsed()));
        }
    }
    (cheap_ms.unwrap(), long_ms.unwrap())
}

/// Waits for the diagnostics of `uri` at `version`.
fn diagnostics_at(lsp: &mut Lsp, uri: &str, version: i64) {
    lsp.wait("diagnostics", |m| {
        m["method"] == "textDocument/publishDiagnostics"
            && m["params"]["uri"] == uri
            && m["params"]["version"] == version
    });
}

pub fn measure(dir: &Path, notes: usize) -> Value {
    let mut r = json!({"notes": notes});
    let caps = json!({
        "general": {"positionEncodings": ["utf-16"]},
        "window": {"workDoneProgress": true},
        "workspace": {"didChangeWatchedFiles": {"dynamicRegistration": false}},
    });
    let mut lsp = Lsp::start(dir, caps);
    lsp.wait_indexed();

    // A people note to find mentions of, and a meeting note to ask cheap things about.
    let person = std::fs::read_dir(dir.join("People"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .min()
        .unwrap();
    let meeting = std::fs::read_dir(dir.join("Meetings/2025"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .min()
        .unwrap();
    let rel = meeting
        .strip_prefix(dir)
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    let (meeting_uri, text) = lsp.open(dir, &rel);
    let link_line = text.lines().position(|l| l.contains("[[")).unwrap();
    let line = text.lines().nth(link_line).unwrap();
    let col = line[..line.find("[[").unwrap()].encode_utf16().count() + 3;
    let symbols = || {
        (
            "textDocument/documentSymbol",
            json!({"textDocument": {"uri": meeting_uri}}),
        )
    };
    let definition = || {
        (
            "textDocument/definition",
            json!({"textDocument": {"uri": meeting_uri}, "position": {"line": link_line, "character": col}}),
        )
    };
    let mentions = || {
        (
            "workspace/executeCommand",
            json!({"command": "vaultls.unlinkedMentions", "arguments": [support::uri(&person)]}),
        )
    };
    let headings = || ("workspace/symbol", json!({"query": "#a"}));
    for (name, long, cheap) in [
        ("symbols_behind_mentions", mentions(), symbols()),
        ("definition_behind_mentions", mentions(), definition()),
        ("symbols_behind_workspace_symbol", headings(), symbols()),
        (
            "definition_behind_workspace_symbol",
            headings(),
            definition(),
        ),
    ] {
        let (mut cheap_ms, mut long_ms) = (Vec::new(), Vec::new());
        for _ in 0..5 {
            let (c, l) = behind(&mut lsp, long.clone(), cheap.clone());
            cheap_ms.push(c);
            long_ms.push(l);
        }
        r[name] = json!({"cheap_ms": median(&mut cheap_ms), "long_ms": median(&mut long_ms)});
        eprintln!("{name}: {}", r[name]);
    }

    // A normal keystroke → diagnostics.
    let lines = text.lines().count() as i64;
    let mut version = 1;
    let mut keystroke = Vec::new();
    for i in 0..20 {
        version += 1;
        let started = Instant::now();
        lsp.notify(
            "textDocument/didChange",
            json!({
                "textDocument": {"uri": meeting_uri, "version": version},
                "contentChanges": [{"range": {"start": {"line": lines, "character": 0}, "end": {"line": lines, "character": 0}}, "text": format!(" [[Missing {i}]]")}],
            }),
        );
        diagnostics_at(&mut lsp, &meeting_uri, version);
        keystroke.push(ms(started.elapsed()));
    }
    r["keystroke_to_diagnostics_ms"] = json!(median(&mut keystroke));
    eprintln!(
        "keystroke → diagnostics: {} ms",
        r["keystroke_to_diagnostics_ms"]
    );

    // One line of many links.
    for links in [20_000usize, 80_000] {
        let line: String = (0..links)
            .map(|i| format!("[[Note {i}]] é "))
            .collect::<String>();
        let path = dir.join(format!("Long line {links}.md"));
        let uri = support::uri(&path);
        lsp.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "markdown", "version": 1, "text": line}}),
        );
        diagnostics_at(&mut lsp, &uri, 1);
        let end = line.encode_utf16().count();
        let (mut to_diagnostics, mut definition_ms) = (Vec::new(), Vec::new());
        let mut version = 1;
        for i in 0..5 {
            version += 1;
            let started = Instant::now();
            lsp.notify(
                "textDocument/didChange",
                json!({
                    "textDocument": {"uri": uri, "version": version},
                    "contentChanges": [{"range": {"start": {"line": 0, "character": end}, "end": {"line": 0, "character": end}}, "text": format!("[[Missing {i}]]")}],
                }),
            );
            let asked = Instant::now();
            let def = lsp.send_request(
                "textDocument/definition",
                json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": 3}}),
            );
            lsp.wait("definition", |m| is_response(m, def));
            definition_ms.push(ms(asked.elapsed()));
            diagnostics_at(&mut lsp, &uri, version);
            to_diagnostics.push(ms(started.elapsed()));
        }
        let key = format!("long_line_{links}");
        r[&key] = json!({
            "keystroke_to_diagnostics_ms": median(&mut to_diagnostics),
            "definition_after_keystroke_ms": median(&mut definition_ms),
        });
        eprintln!("{key}: {}", r[&key]);
        lsp.notify(
            "textDocument/didClose",
            json!({"textDocument": {"uri": uri}}),
        );
    }
    lsp.shutdown();
    r
}
