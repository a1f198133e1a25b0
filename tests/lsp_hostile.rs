//! Hostile client input, end to end over stdio: each message gets a correct answer or a proper
//! LSP error, and the server keeps serving.

mod support;

use serde_json::{Value, json};
use support::{Lsp, caps, sample_vault, uri};

const MEETING: &str = "Meetings/2025/2025-11-07 - Weekly sync on the release train.md";
const PERSON: &str = "People/Tomer Hagay.md";

/// The definition at the first `needle` of the meeting note, on its 13th byte (UTF-16, ASCII
/// line prefix).
fn definition_of(lsp: &mut Lsp, uri: &str, text: &str, needle: &str) -> Value {
    let at = text.find(needle).unwrap() + 13;
    let line = text[..at].matches('\n').count();
    let col = at - text[..at].rfind('\n').map_or(0, |i| i + 1);
    lsp.request(
        "textDocument/definition",
        json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": col}}),
    )
}

fn error_code(response: &Value) -> Option<i64> {
    response["error"]["code"].as_i64()
}

#[test]
fn requests_before_initialize_and_after_shutdown_get_errors() {
    let (_dir, root) = sample_vault();
    let mut lsp = Lsp::spawn_uninitialized();
    let early = lsp.request(
        "textDocument/definition",
        json!({"textDocument": {"uri": uri(&root.join(MEETING))}, "position": {"line": 0, "character": 0}}),
    );
    assert_eq!(
        error_code(&early),
        Some(-32002),
        "server not initialized: {early}"
    );
    // A notification before initialize is dropped, not fatal.
    lsp.notify("textDocument/didOpen", json!({"textDocument": {"uri": "file:///x.md", "languageId": "markdown", "version": 1, "text": "[[x]]"}}));
    let init = lsp.request(
        "initialize",
        json!({"processId": null, "rootUri": uri(&root), "capabilities": caps(&["utf-16"], false)}),
    );
    assert!(init["result"]["capabilities"].is_object(), "{init}");
    lsp.notify("initialized", json!({}));
    lsp.wait_indexed();
    let again = lsp.request(
        "initialize",
        json!({"processId": null, "rootUri": uri(&root), "capabilities": {}}),
    );
    assert!(
        error_code(&again).is_some(),
        "a second initialize is refused: {again}"
    );

    let shutdown = lsp.request("shutdown", Value::Null);
    assert!(shutdown.get("error").is_none(), "{shutdown}");
    let late = lsp.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": uri(&root.join(MEETING))}, "position": {"line": 0, "character": 0}}),
    );
    assert_eq!(
        error_code(&late),
        Some(-32600),
        "invalid request after shutdown: {late}"
    );
    lsp.notify("exit", Value::Null);
    assert_eq!(lsp.wait_exit(), Some(0));
}

#[test]
fn exit_without_shutdown_is_an_error_exit() {
    let (_dir, root) = sample_vault();
    let mut lsp = Lsp::start(&root, caps(&["utf-16"], false));
    lsp.notify("exit", Value::Null);
    assert_eq!(lsp.wait_exit(), Some(1));
}

#[test]
fn a_thousand_requests_in_flight_and_a_cancel_storm() {
    let (_dir, root) = sample_vault();
    let mut lsp = Lsp::start(&root, caps(&["utf-16"], false));
    lsp.wait_indexed();
    let (meeting, text) = lsp.open(&root, MEETING);
    let line = text
        .lines()
        .position(|l| l.starts_with("Attendees: [[Tomer Hagay]]"))
        .unwrap();
    let col = text.lines().nth(line).unwrap().find("[[Tomer").unwrap() + 3;
    let at =
        json!({"textDocument": {"uri": meeting}, "position": {"line": line, "character": col}});
    let methods = [
        "textDocument/definition",
        "textDocument/hover",
        "textDocument/completion",
        "textDocument/documentSymbol",
        "textDocument/prepareRename",
    ];
    let mut ids = Vec::new();
    for i in 0..1000 {
        let method = methods[i % methods.len()];
        let mut params = at.clone();
        if method == "textDocument/documentSymbol" {
            params = json!({"textDocument": {"uri": meeting}});
        }
        ids.push((lsp.send_request(method, params), method));
    }
    let person = uri(&root.join(PERSON));
    for (id, method) in ids {
        let r = lsp.wait(&format!("response {id}"), |m| {
            m["id"] == id && m.get("method").is_none()
        });
        assert!(r.get("error").is_none(), "{method}: {r}");
        if method == "textDocument/definition" {
            assert_eq!(r["result"]["uri"], person, "{r}");
        }
    }

    // Every request followed at once by its cancellation: each still gets exactly one
    // response, a result or "request cancelled".
    let mut ids = Vec::new();
    for _ in 0..500 {
        let id = lsp.send_request(
            "textDocument/references",
            json!({"textDocument": {"uri": person}, "position": {"line": 0, "character": 3}, "context": {"includeDeclaration": true}}),
        );
        lsp.notify("$/cancelRequest", json!({"id": id}));
        // Cancelling what is unknown or done is harmless.
        lsp.notify("$/cancelRequest", json!({"id": id + 100_000}));
        ids.push(id);
    }
    let mut cancelled = 0;
    for id in ids {
        let r = lsp.wait(&format!("response {id}"), |m| {
            m["id"] == id && m.get("method").is_none()
        });
        match error_code(&r) {
            Some(-32800) => cancelled += 1,
            None => assert!(r["result"].is_array(), "{r}"),
            Some(_) => panic!("{r}"),
        }
    }
    eprintln!("{cancelled} of 500 were cancelled before they ran");
    let r = definition_of(&mut lsp, &meeting, &text, "Attendees: [[Tomer Hagay]]");
    assert_eq!(r["result"]["uri"], person, "still serving: {r}");
    lsp.shutdown();
}

#[test]
fn stale_versions_unusual_uris_and_broken_messages() {
    let (_dir, root) = sample_vault();
    let mut lsp = Lsp::start(&root, caps(&["utf-16"], false));
    lsp.wait_indexed();
    let (meeting, text) = lsp.open(&root, MEETING);
    let person = uri(&root.join(PERSON));

    // The same note by another spelling of its URI: escapes of plain letters and lower-case
    // hex. It is the same file, so links from it resolve the same way.
    let odd = meeting
        .replace("Meetings", "%4deetings")
        .replace("%20-%20", "%20%2d%20");
    let odd = odd.replacen("Weekly", "%57eekly", 1);
    assert_ne!(odd, meeting);
    let r = definition_of(&mut lsp, &odd, &text, "Attendees: [[Tomer Hagay]]");
    assert_eq!(r["result"]["uri"], person, "{r}");

    // A raw space in a URI is not a URI: a proper error, not a crash.
    let raw = format!("file://{}", root.join(PERSON).display());
    let r = lsp.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": raw}, "position": {"line": 0, "character": 0}}),
    );
    assert!(r.get("error").is_some() || r["result"].is_null(), "{r}");

    // A stale version: the edit is still applied in order, and answers follow the text.
    lsp.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": meeting, "version": 7}, "contentChanges": [{"text": "[[Nobody Yet]]\n"}]}),
    );
    lsp.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": meeting, "version": 3}, "contentChanges": [{"text": "[[Tomer Hagay]] [[Still Nobody]]\n"}]}),
    );
    let diags = lsp.diagnostics(&meeting, "the last text's diagnostics", |d| {
        d.len() == 1 && d[0]["message"].as_str().unwrap().contains("Still Nobody")
    });
    assert_eq!(diags[0]["code"], "broken-link");

    // A change whose range is reversed and out of bounds, and a change with no range to an
    // unknown URI scheme.
    lsp.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": meeting, "version": 8}, "contentChanges": [
            {"range": {"start": {"line": 9, "character": 99}, "end": {"line": 0, "character": 2}}, "text": "X"}
        ]}),
    );
    lsp.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": "vscode-notebook-cell:/x#1", "languageId": "markdown", "version": 1, "text": "[[Tomer Hagay]]"}}),
    );
    let r = lsp.request(
        "textDocument/definition",
        json!({"textDocument": {"uri": "vscode-notebook-cell:/x#1"}, "position": {"line": 0, "character": 3}}),
    );
    assert!(r.get("error").is_none(), "{r}");

    // Malformed messages: wrong parameter types, an unknown method, a request without params.
    let r = lsp.request(
        "textDocument/definition",
        json!({"textDocument": {"uri": 42}, "position": "here"}),
    );
    assert_eq!(error_code(&r), Some(-32602), "invalid params: {r}");
    let r = lsp.request("vaultls/noSuchThing", json!({}));
    assert_eq!(error_code(&r), Some(-32601), "method not found: {r}");
    let r = lsp.request("textDocument/hover", Value::Null);
    assert!(error_code(&r).is_some(), "{r}");
    let r = lsp.request(
        "workspace/executeCommand",
        json!({"command": "vaultls.unlinkedMentions", "arguments": [{"bogus": true}]}),
    );
    assert!(r.get("error").is_some() || r["result"].is_null(), "{r}");

    // Still serving, with the text as the edits left it.
    let r = lsp.request(
        "textDocument/definition",
        json!({"textDocument": {"uri": meeting}, "position": {"line": 0, "character": 3}}),
    );
    assert!(r.get("error").is_none(), "{r}");
    lsp.shutdown();
}

#[cfg(unix)]
#[test]
fn symlinks_fifos_and_dot_dot_paths_announced_by_the_client_are_not_read() {
    let (dir, root) = sample_vault();
    let mut lsp = Lsp::start(&root, caps(&["utf-16"], true));
    lsp.wait_indexed();
    let outside = dir.path().canonicalize().unwrap().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("Secret.md"), "# Secret\nroot:x:0:0\n").unwrap();
    std::os::unix::fs::symlink(outside.join("Secret.md"), root.join("Passwd.md")).unwrap();
    std::os::unix::fs::symlink(&outside, root.join("Linked")).unwrap();
    let fifo = root.join("pipe.md");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(status.success());
    let changes: Vec<Value> = [
        uri(&root.join("Passwd.md")),
        uri(&root.join("Linked")),
        uri(&root.join("Linked/Secret.md")),
        uri(&fifo),
        format!("{}/../outside/Secret.md", uri(&root)),
    ]
    .into_iter()
    .map(|u| json!({"uri": u, "type": 1}))
    .collect();
    lsp.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": changes}),
    );
    let note = uri(&root.join("Check.md"));
    lsp.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": note, "languageId": "markdown", "version": 1,
            "text": "[[Passwd]] [[Linked/Secret]] [[pipe]] [[../outside/Secret]] [[Secret]]\n"}}),
    );
    let diags = lsp.diagnostics(&note, "five broken links", |d| d.len() == 5);
    assert!(
        diags.iter().all(|d| d["code"] == "broken-link"),
        "{diags:?}"
    );
    // Closing a document whose path is a symlink reads nothing through it either.
    let linked = uri(&root.join("Passwd.md"));
    lsp.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": linked, "languageId": "markdown", "version": 1, "text": "# Mine\n"}}),
    );
    lsp.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": linked}}),
    );
    let symbols = lsp.request("workspace/symbol", json!({"query": "Secret"}));
    assert_eq!(symbols["result"], json!([]), "{symbols}");
    let hover = lsp.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": note}, "position": {"line": 0, "character": 3}}),
    );
    assert!(!hover.to_string().contains("root:x"), "{hover}");
    lsp.shutdown();
}

#[test]
fn malformed_frames_are_answered_and_the_session_goes_on() {
    let (_dir, root) = sample_vault();
    let mut lsp = Lsp::start(&root, caps(&["utf-16"], false));
    lsp.wait_indexed();
    let frame = |body: &[u8]| {
        let mut f = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
        f.extend_from_slice(body);
        f
    };
    let cases: Vec<(&str, Vec<u8>, i64)> = vec![
        ("invalid JSON", frame(b"{not json"), -32700),
        (
            "truncated JSON",
            frame(br#"{"jsonrpc":"2.0","id":5"#),
            -32700,
        ),
        ("a JSON array", frame(b"[1,2]"), -32600),
        (
            "invalid UTF-8",
            frame(b"{\"jsonrpc\":\"2.0\",\"method\":\"x\xff\"}"),
            -32700,
        ),
        ("an empty object", frame(b"{}"), -32600),
        ("a junk line", b"hello there\r\n\r\n".to_vec(), -32700),
        (
            "no Content-Length",
            b"Content-Type: x\r\n\r\n{}".to_vec(),
            -32700,
        ),
        (
            "a negative length",
            b"Content-Length: -5\r\n\r\n{}".to_vec(),
            -32700,
        ),
    ];
    let meeting = uri(&root.join(MEETING));
    for (what, bad, code) in cases {
        lsp.send_raw(&bad);
        let answer = lsp.wait(what, |m| m.get("error").is_some() && m["id"].is_null());
        assert_eq!(error_code(&answer), Some(code), "{what}: {answer}");
        let symbols = lsp.request(
            "textDocument/documentSymbol",
            json!({"textDocument": {"uri": meeting}}),
        );
        assert!(symbols["result"].is_array(), "{what}: then {symbols}");
    }
    // A length longer than its body: the frame after it is not swallowed.
    let short = br#"{"jsonrpc":"2.0","method":"x"}"#;
    let mut bad = format!("Content-Length: {}\r\n\r\n", short.len() + 30).into_bytes();
    bad.extend_from_slice(short);
    lsp.send_raw(&bad);
    let symbols = lsp.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": meeting}}),
    );
    assert!(symbols["result"].is_array(), "{symbols}");
    lsp.shutdown();
}

#[test]
fn a_client_that_never_sends_initialized_still_gets_answers() {
    let (_dir, root) = sample_vault();
    let mut lsp = Lsp::spawn_uninitialized();
    let init = lsp.request(
        "initialize",
        json!({"processId": null, "rootUri": uri(&root), "capabilities": caps(&["utf-16"], false)}),
    );
    assert!(init["result"]["capabilities"].is_object(), "{init}");
    // No `initialized`: the vault never loads, and requests answer instead of waiting for it.
    let meeting = uri(&root.join(MEETING));
    let text = std::fs::read_to_string(root.join(MEETING)).unwrap();
    let answer = definition_of(&mut lsp, &meeting, &text, "[[Tomer Hagay]]");
    assert!(answer.get("error").is_none(), "{answer}");
    lsp.shutdown();
}
