//! The stdio framing in front of tower-lsp-server. Its codec ends the session at the first
//! frame it cannot decode (invalid JSON, a JSON array, `{}`, a junk line, a missing Content-Length),
//! so the server exited with no log line. Here each incoming frame is checked first: a frame
//! that is not a JSON-RPC message gets the error JSON-RPC prescribes (-32700 parse error or
//! -32600 invalid request, id null unless the object has one), is logged, and the session goes
//! on; only valid frames reach tower-lsp. Our error answers and tower-lsp's output are written
//! to stdout as whole frames, never interleaved.

use std::io;

use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;
use tower_lsp_server::jsonrpc::{Request, Response};

use super::log::{Level, log};

/// Bodies above this are refused (a hostile Content-Length must not allocate gigabytes).
const MAX_BODY: usize = 256 << 20;

/// Bytes from a reader, with lines, exact reads and putting bytes back.
struct Input<R> {
    reader: R,
    buf: Vec<u8>,
    pos: usize,
}

impl<R: AsyncRead + Unpin> Input<R> {
    fn new(reader: R) -> Input<R> {
        Input {
            reader,
            buf: Vec::new(),
            pos: 0,
        }
    }

    /// Reads more into the buffer; `false` at end of input.
    async fn fill(&mut self) -> io::Result<bool> {
        if self.pos > 0 {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        // Straight into the buffer: a 4 MB frame of diagnostics is copied once here.
        self.buf.reserve(256 * 1024);
        let n = self.reader.read_buf(&mut self.buf).await?;
        Ok(n > 0)
    }

    /// One line without its line end; `None` at end of input.
    async fn line(&mut self) -> io::Result<Option<Vec<u8>>> {
        loop {
            if let Some(i) = self.buf[self.pos..].iter().position(|&b| b == b'\n') {
                let mut line = self.buf[self.pos..self.pos + i].to_vec();
                self.pos += i + 1;
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                return Ok(Some(line));
            }
            if !self.fill().await? {
                if self.pos < self.buf.len() {
                    let rest = self.buf[self.pos..].to_vec();
                    self.pos = self.buf.len();
                    return Ok(Some(rest));
                }
                return Ok(None);
            }
        }
    }

    /// The next `n` bytes as a whole frame (header and body), copied once; the body is its
    /// last `n` bytes. `None` when the input ends first.
    async fn frame_of(&mut self, n: usize) -> io::Result<Option<Vec<u8>>> {
        while self.buf.len() - self.pos < n {
            if !self.fill().await? {
                return Ok(None);
            }
        }
        let header = format!("Content-Length: {n}\r\n\r\n");
        let mut out = Vec::with_capacity(header.len() + n);
        out.extend_from_slice(header.as_bytes());
        out.extend_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(Some(out))
    }

    /// Puts bytes back in front of the input.
    fn unread(&mut self, bytes: &[u8]) {
        self.buf.splice(self.pos..self.pos, bytes.iter().copied());
    }
}

/// What a frame's header said.
enum Header {
    Length(usize),
    /// A header section without a usable Content-Length; what was wrong.
    Bad(String),
    End,
}

async fn header<R: AsyncRead + Unpin>(input: &mut Input<R>) -> io::Result<Header> {
    let mut length: Option<Result<usize, String>> = None;
    let mut seen_any = false;
    loop {
        let Some(line) = input.line().await? else {
            return Ok(if seen_any {
                Header::Bad("input ended inside a header".into())
            } else {
                Header::End
            });
        };
        if line.is_empty() {
            if !seen_any {
                continue; // blank lines between frames
            }
            return Ok(match length {
                Some(Ok(n)) => Header::Length(n),
                Some(Err(why)) => Header::Bad(why),
                None => Header::Bad("a header without Content-Length".into()),
            });
        }
        seen_any = true;
        let line = String::from_utf8_lossy(&line);
        // A header can follow junk on the same line (a frame cut short before it).
        let Some(at) = line.to_ascii_lowercase().find("content-length:") else {
            continue;
        };
        let value = line[at + "content-length:".len()..].trim();
        length = Some(match value.parse::<usize>() {
            Ok(n) if n <= MAX_BODY => Ok(n),
            Ok(n) => Err(format!(
                "Content-Length {n} is over the {MAX_BODY}-byte limit"
            )),
            Err(_) => Err(format!("Content-Length {value:?} is not a length")),
        });
    }
}

/// A whole frame around `body`.
fn frame(body: &[u8]) -> Vec<u8> {
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body);
    out
}

/// The JSON-RPC error answer for a frame that is not a message.
fn error_frame(code: i64, message: &str, id: Value) -> Vec<u8> {
    let body = json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}});
    frame(body.to_string().as_bytes())
}

/// Whether a body is a message tower-lsp decodes; else the error frame to answer with.
fn check(body: &[u8]) -> Result<(), Vec<u8>> {
    let value: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(err) => {
            log(
                Level::Warn,
                format!("client sent a frame that is not JSON ({err}); answered a parse error"),
            );
            return Err(error_frame(
                -32700,
                &format!("parse error: {err}"),
                Value::Null,
            ));
        }
    };
    let is_message = serde_json::from_value::<Request>(value.clone()).is_ok()
        || serde_json::from_value::<Response>(value.clone()).is_ok();
    if is_message {
        return Ok(());
    }
    let id = value
        .get("id")
        .filter(|id| id.is_string() || id.is_number())
        .cloned()
        .unwrap_or(Value::Null);
    log(
        Level::Warn,
        format!(
            "client sent JSON that is not a JSON-RPC message: {}",
            truncate(&value)
        ),
    );
    Err(error_frame(
        -32600,
        "invalid request: not a JSON-RPC message",
        id,
    ))
}

fn truncate(value: &Value) -> String {
    let mut s = value.to_string();
    if s.len() > 200 {
        let mut cut = 200;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s.push('…');
    }
    s
}

/// Copies valid frames from the client to tower-lsp (`to_server`), answering the others
/// through `answers`. Returns when the client's input ends.
pub async fn pump_input<R, W>(client: R, mut to_server: W, answers: mpsc::UnboundedSender<Vec<u8>>)
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut input = Input::new(client);
    loop {
        let length = match header(&mut input).await {
            Ok(Header::Length(n)) => n,
            Ok(Header::Bad(why)) => {
                log(
                    Level::Warn,
                    format!("client sent a bad frame header: {why}; answered a parse error"),
                );
                let _ = answers.send(error_frame(
                    -32700,
                    &format!("parse error: {why}"),
                    Value::Null,
                ));
                continue;
            }
            Ok(Header::End) => return,
            Err(err) => {
                log(
                    Level::Error,
                    format!("reading from the client failed: {err}"),
                );
                return;
            }
        };
        let whole = match input.frame_of(length).await {
            Ok(Some(whole)) => whole,
            Ok(None) => {
                log(Level::Warn, "the client's input ended inside a frame");
                return;
            }
            Err(err) => {
                log(
                    Level::Error,
                    format!("reading from the client failed: {err}"),
                );
                return;
            }
        };
        let body = &whole[whole.len() - length..];
        if let Err(answer) = check(body) {
            // A Content-Length larger than its body swallows the next frame: give it back.
            let marker = b"Content-Length:";
            if let Some(at) = body
                .windows(marker.len())
                .position(|w| w.eq_ignore_ascii_case(marker))
            {
                input.unread(&body[at..]);
            }
            let _ = answers.send(answer);
            continue;
        }
        let sent = async {
            to_server.write_all(&whole).await?;
            to_server.flush().await
        };
        if sent.await.is_err() {
            return; // the server has stopped
        }
    }
}

/// Cuts tower-lsp's output (`from_server`) into whole frames and sends them to `frames`.
pub async fn pump_output<R>(from_server: R, frames: mpsc::UnboundedSender<Vec<u8>>)
where
    R: AsyncRead + Unpin,
{
    let mut input = Input::new(from_server);
    loop {
        let length = match header(&mut input).await {
            Ok(Header::Length(n)) => n,
            Ok(Header::Bad(why)) => {
                log(
                    Level::Error,
                    format!("server output without a frame header: {why}"),
                );
                continue;
            }
            Ok(Header::End) | Err(_) => return,
        };
        match input.frame_of(length).await {
            Ok(Some(frame)) => {
                if frames.send(frame).is_err() {
                    return;
                }
            }
            _ => return,
        }
    }
}

/// Writes whole frames to the client until an empty one (the end) or every sender is gone.
pub async fn write_frames<W>(mut client: W, mut frames: mpsc::UnboundedReceiver<Vec<u8>>)
where
    W: AsyncWrite + Unpin,
{
    while let Some(frame) = frames.recv().await {
        if frame.is_empty() {
            return;
        }
        if client.write_all(&frame).await.is_err() || client.flush().await.is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the pumps do with `input`: the frames passed on, and the answers given.
    fn pump(input: &[u8]) -> (Vec<Value>, Vec<Value>) {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let (answers_tx, mut answers_rx) = mpsc::unbounded_channel();
            let mut passed = Vec::new();
            pump_input(input, &mut passed, answers_tx).await;
            let (frames_tx, mut frames_rx) = mpsc::unbounded_channel();
            pump_output(&passed[..], frames_tx).await;
            let body = |f: Vec<u8>| -> Value {
                let at = f.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
                serde_json::from_slice(&f[at..]).unwrap()
            };
            let mut ok = Vec::new();
            while let Ok(f) = frames_rx.try_recv() {
                ok.push(body(f));
            }
            let mut errors = Vec::new();
            while let Ok(f) = answers_rx.try_recv() {
                errors.push(body(f));
            }
            (ok, errors)
        })
    }

    fn f(body: &[u8]) -> Vec<u8> {
        frame(body)
    }

    #[test]
    fn bad_frames_are_answered_and_the_next_ones_pass() {
        let good = br#"{"jsonrpc":"2.0","id":7,"method":"shutdown"}"#;
        let cases: Vec<(&str, Vec<u8>, i64)> = vec![
            ("invalid JSON", f(b"{not json"), -32700),
            ("truncated JSON", f(br#"{"jsonrpc":"2.0","id":5"#), -32700),
            ("a JSON array", f(b"[1,2]"), -32600),
            (
                "invalid UTF-8",
                f(b"{\"jsonrpc\":\"2.0\",\"method\":\"x\xff\"}"),
                -32700,
            ),
            ("an empty object", f(b"{}"), -32600),
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
            (
                "a huge length",
                b"Content-Length: 99999999999\r\n\r\n".to_vec(),
                -32700,
            ),
        ];
        for (what, bad, code) in cases {
            let mut input = bad;
            input.extend(f(good));
            let (ok, errors) = pump(&input);
            assert_eq!(ok.len(), 1, "{what}: the next frame passes");
            assert_eq!(ok[0]["id"], 7, "{what}");
            assert_eq!(errors.len(), 1, "{what}: {errors:?}");
            assert_eq!(errors[0]["error"]["code"], code, "{what}");
            assert_eq!(errors[0]["id"], Value::Null, "{what}");
        }
    }

    #[test]
    fn a_length_longer_than_its_body_gives_the_next_frame_back() {
        let good = br#"{"jsonrpc":"2.0","id":8,"method":"shutdown"}"#;
        let short = br#"{"jsonrpc":"2.0","method":"x"}"#;
        let mut input = format!("Content-Length: {}\r\n\r\n", short.len() + 20).into_bytes();
        input.extend_from_slice(short);
        input.extend(f(good));
        let (ok, errors) = pump(&input);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(ok.len(), 1, "{ok:?}");
        assert_eq!(ok[0]["id"], 8);
    }

    #[test]
    fn an_invalid_request_with_an_id_is_answered_with_it() {
        let (ok, errors) = pump(&f(br#"{"id":3,"method":"x"}"#));
        assert!(ok.is_empty());
        assert_eq!(errors[0]["id"], 3);
        assert_eq!(errors[0]["error"]["code"], -32600);
    }
}
