//! Shared by the end-to-end tests and the benchmarks: a minimal LSP client over the built
//! binary's stdio, and file helpers.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const TIMEOUT: Duration = Duration::from_secs(30);

pub struct Lsp {
    child: Child,
    stdin: ChildStdin,
    /// What the server wrote to stderr.
    log: std::sync::Arc<std::sync::Mutex<String>>,
    incoming: Receiver<Value>,
    /// Notifications received while waiting for something else.
    pub notifications: Vec<Value>,
    next_id: i64,
    /// Whether the server's own requests (progress tokens, registrations) get an answer; a
    /// client that never answers them is a real one too.
    pub answers_server: bool,
}

impl Lsp {
    pub fn start(root: &Path, client_caps: Value) -> Lsp {
        let uri = uri(root);
        Lsp::spawn(json!({
            "processId": null,
            "rootUri": uri,
            "workspaceFolders": [{"uri": uri, "name": "vault"}],
            "capabilities": client_caps,
        }))
    }

    pub fn start_without_root(client_caps: Value) -> Lsp {
        Lsp::spawn(json!({"processId": null, "rootUri": null, "capabilities": client_caps}))
    }

    pub fn spawn(init_params: Value) -> Lsp {
        let mut lsp = Lsp::spawn_uninitialized();
        let init = lsp.request("initialize", init_params);
        assert!(
            init["result"]["capabilities"]["completionProvider"].is_object(),
            "{init}"
        );
        lsp.notify("initialized", json!({}));
        lsp
    }

    /// The server process, before `initialize`.
    pub fn spawn_uninitialized() -> Lsp {
        Lsp::spawn_command(Command::new(env!("CARGO_BIN_EXE_vaultls")))
    }

    /// The server started by `command` (a wrapper that runs it as another user, say), before
    /// `initialize`.
    pub fn spawn_command(mut command: Command) -> Lsp {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start vaultls");
        // The server's log is kept, and shown only when the test fails (from `drop`).
        let log = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let stderr = child.stderr.take().unwrap();
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { return };
                let mut log = sink.lock().unwrap_or_else(|e| e.into_inner());
                log.push_str(&line);
                log.push('\n');
            }
        });
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, incoming) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut length = None;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(v) = line.strip_prefix("Content-Length: ") {
                        length = v.parse::<usize>().ok();
                    }
                }
                let mut body = vec![0; length.expect("Content-Length header")];
                reader.read_exact(&mut body).unwrap();
                let msg: Value = serde_json::from_slice(&body).expect("JSON message");
                if tx.send(msg).is_err() {
                    return;
                }
            }
        });
        Lsp {
            child,
            stdin,
            log,
            incoming,
            notifications: Vec::new(),
            next_id: 1,
            answers_server: true,
        }
    }

    /// Sends a request without waiting; returns its id.
    pub fn send_request(&mut self, method: &str, params: Value) -> i64 {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        id
    }

    /// Waits for the server process to end; its exit code.
    pub fn wait_exit(&mut self) -> Option<i32> {
        let deadline = Instant::now() + TIMEOUT;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("server did not exit");
    }

    pub fn send(&mut self, msg: Value) {
        let body = msg.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    /// Writes bytes as they are: malformed frames, as a broken client sends them.
    pub fn send_raw(&mut self, bytes: &[u8]) {
        self.stdin.write_all(bytes).unwrap();
        self.stdin.flush().unwrap();
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// The response to `textDocument/codeAction` at the position `at` of document `uri`,
    /// with no diagnostics in the context.
    pub fn code_actions_at(&mut self, uri: &str, at: &Value) -> Value {
        self.request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri}, "range": {"start": at, "end": at}, "context": {"diagnostics": []}}),
        )
    }

    pub fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.send_request(method, params);
        self.wait(&format!("response to {method}"), |m| {
            m["id"] == id && m.get("method").is_none()
        })
    }

    /// Waits for a message matching `want`, answering the server's own requests and keeping
    /// other notifications.
    pub fn wait(&mut self, what: &str, want: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self.notifications.iter().position(&want) {
            return self.notifications.remove(i);
        }
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let msg = match self.incoming.recv_timeout(left) {
                Ok(m) => m,
                Err(RecvTimeoutError::Timeout) => panic!("timed out waiting for {what}"),
                Err(RecvTimeoutError::Disconnected) => panic!("server exited waiting for {what}"),
            };
            if msg.get("method").is_some() && msg.get("id").is_some() {
                // A request from the server (progress token, capability registration).
                if self.answers_server {
                    let id = msg["id"].clone();
                    self.send(json!({"jsonrpc": "2.0", "id": id, "result": null}));
                }
                self.notifications.push(msg);
                continue;
            }
            if want(&msg) {
                return msg;
            }
            self.notifications.push(msg);
        }
    }

    /// Takes every message that has arrived so far, answering the server's own requests.
    pub fn drain(&mut self) {
        while let Ok(msg) = self.incoming.try_recv() {
            if msg.get("method").is_some() && msg.get("id").is_some() && self.answers_server {
                let id = msg["id"].clone();
                self.send(json!({"jsonrpc": "2.0", "id": id, "result": null}));
            }
            self.notifications.push(msg);
        }
    }

    /// The diagnostics last published for `uri` (`None` if none were).
    pub fn latest_diagnostics(&mut self, uri: &str) -> Option<Vec<Value>> {
        self.drain();
        self.notifications
            .iter()
            .rev()
            .find(|m| m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri)
            .map(|m| m["params"]["diagnostics"].as_array().unwrap().clone())
    }

    /// Waits for diagnostics of `uri` that satisfy `want`.
    pub fn diagnostics(
        &mut self,
        uri: &str,
        what: &str,
        want: impl Fn(&[Value]) -> bool,
    ) -> Vec<Value> {
        let msg = self.wait(what, |m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && want(m["params"]["diagnostics"].as_array().unwrap())
        });
        msg["params"]["diagnostics"].as_array().unwrap().clone()
    }

    /// What the server has written to stderr so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn wait_indexed(&mut self) {
        self.wait("end of indexing progress", |m| {
            m["method"] == "$/progress" && m["params"]["value"]["kind"] == "end"
        });
    }

    pub fn open(&mut self, root: &Path, path: &str) -> (String, String) {
        let text = std::fs::read_to_string(root.join(path)).unwrap();
        (self.open_text(root, path, &text), text)
    }

    /// The answer to `textDocument/completion` at `position` of the document `uri`.
    pub fn completion(&mut self, uri: &str, position: &Value) -> Value {
        self.request(
            "textDocument/completion",
            json!({"textDocument": {"uri": uri}, "position": position}),
        )
    }

    /// Opens `path` (saved or not) holding `text`; its URI.
    pub fn open_text(&mut self, root: &Path, path: &str, text: &str) -> String {
        let uri = uri(&root.join(path));
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "markdown", "version": 1, "text": text}}),
        );
        uri
    }

    pub fn shutdown(mut self) {
        let r = self.request("shutdown", Value::Null);
        assert!(r.get("error").is_none(), "{r}");
        self.notify("exit", Value::Null);
        assert_eq!(
            self.wait_exit(),
            Some(0),
            "exit status after shutdown and exit"
        );
    }
}

impl Drop for Lsp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        if std::thread::panicking() {
            let log = self.log.lock().unwrap_or_else(|e| e.into_inner());
            eprintln!("--- the server's log ---\n{log}");
        }
    }
}

pub fn uri(path: &Path) -> String {
    let encoded: String = path
        .to_str()
        .unwrap()
        .split('/')
        .map(|part| {
            part.bytes()
                .map(|b| match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                        (b as char).to_string()
                    }
                    _ => format!("%{b:02X}"),
                })
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("/");
    format!("file://{encoded}")
}

/// A copy of the sample vault in a temporary folder, so tests can change files in it.
pub fn sample_vault() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap().join("vault");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/vault"),
        &root,
    );
    (dir, root)
}

/// Client capabilities: the position encodings offered, and whether the client watches files
/// for the server.
pub fn caps(encodings: &[&str], watch_registration: bool) -> Value {
    json!({
        "general": {"positionEncodings": encodings},
        "window": {"workDoneProgress": true},
        "workspace": {"didChangeWatchedFiles": {"dynamicRegistration": watch_registration}},
    })
}

/// A copy of a folder.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Every file under `root` (folders walked, not listed).
pub fn files_under(root: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out
}

/// Every file under `root` with its bytes, to show a session changed nothing on disk.
pub fn snapshot(root: &Path) -> std::collections::BTreeMap<std::path::PathBuf, Vec<u8>> {
    files_under(root)
        .into_iter()
        .map(|path| {
            let bytes = std::fs::read(&path).unwrap();
            (path, bytes)
        })
        .collect()
}
