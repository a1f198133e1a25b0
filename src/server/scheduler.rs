//! The state model, after rust-analyzer's main loop and ruff_server's scheduler.
//!
//! - **Writes in arrival order, on one path.** Every change (document edits, disk events,
//!   workspace folders, settings, a finished load) is a [`Mutation`] queued by its
//!   notification handler and applied by the one writer task, in the order the client sent
//!   them. Handlers queue synchronously on their first poll, which the transport makes in
//!   arrival order.
//! - **Reads on a pool.** Each request runs on a blocking thread against the state under a
//!   read lock, so no read waits for another read. A read first waits until every mutation
//!   queued before it is applied: it answers on the text the client has sent.
//! - **Writes never wait for long reads.** The writer bumps `generation` before it asks for
//!   the lock; the features that read many notes look at it between notes ([`Cancel`]) and
//!   step aside, and their request runs again on the new state (up to [`READ_ATTEMPTS`] times,
//!   then it answers `ContentModified`, which clients retry). A `$/cancelRequest` drops the
//!   request's future, which trips its flag: the read stops at its next look.
//!
//! Why a lock and not copy-on-write snapshots: a write with an outstanding snapshot would
//! copy the vault's indexes (tens of MB at 50k notes) or need persistent maps throughout the
//! vault (slower loads, more memory). Cheap reads hold the lock for microseconds; long ones
//! give it up at once; so a write waits at most one note's worth of a long read.

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard};
use std::time::Duration;

use tokio::sync::{Notify, mpsc, watch};
use tower_lsp_server::jsonrpc::{Error, ErrorCode};
use tower_lsp_server::ls_types::*;

use super::log::{Level, log};
use super::state::{Snapshot, State};
use crate::features::{Cancel, Cancelled};
use crate::vault::Vault;

/// How many times a read that had to step aside for a write runs again before it answers
/// `ContentModified`.
pub const READ_ATTEMPTS: usize = 3;

/// A change to the state, applied in arrival order by the writer task.
pub enum Mutation {
    Open(DidOpenTextDocumentParams),
    Change(DidChangeTextDocumentParams),
    Close(DidCloseTextDocumentParams),
    /// Paths changed on disk (the client's notifications or our own watcher).
    Disk(Vec<PathBuf>),
    Folders(DidChangeWorkspaceFoldersParams),
    Settings(serde_json::Value),
    /// Load number `load` of a folder has finished (`Err`: its root could not be read). Only
    /// the folder's current load is installed.
    Loaded {
        folder: usize,
        load: u64,
        /// The root folder's identity when the load started.
        identity: Option<super::state::FolderIdentity>,
        root: PathBuf,
        vault: Result<Box<Vault>, String>,
        took: Duration,
    },
}

/// Why a request has no answer.
pub enum Failure {
    /// The answer is no longer wanted, or the state changed under it.
    Cancelled,
    /// A protocol error for the client (bad parameters, nothing to rename here…).
    Rpc(Error),
}

impl From<Cancelled> for Failure {
    fn from(_: Cancelled) -> Failure {
        Failure::Cancelled
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        Failure::Rpc(e)
    }
}

/// What a request handler returns.
pub type Answer<T> = Result<T, Failure>;

/// LSP's `ContentModified`: the state changed while the request ran; clients retry.
pub fn content_modified() -> Error {
    Error {
        code: ErrorCode::ServerError(-32801),
        message: "content modified".into(),
        data: None,
    }
}

pub struct Core {
    state: RwLock<State>,
    /// Odd while a write is waiting for the lock or holding it; bumped twice per write. A long
    /// read that sees it move steps aside.
    generation: AtomicU64,
    /// Mutations queued / applied so far: a read waits until `applied` reaches the `queued` it
    /// saw when it arrived.
    queued: AtomicU64,
    applied: watch::Sender<u64>,
    queue: mpsc::UnboundedSender<Mutation>,
    /// Wakes the diagnostics publisher after any change.
    pub changed: Notify,
    /// The last diagnostics sent per URI, so unchanged ones are not sent again.
    pub published: Mutex<HashMap<String, Vec<Diagnostic>>>,
    pub watcher: Mutex<Option<super::watch::Watcher>>,
    /// Set at `initialized`, when the folders' loads start.
    pub started: AtomicBool,
}

impl Core {
    /// The core, and the receiving end of its mutation queue for the writer task.
    pub fn new() -> (Core, mpsc::UnboundedReceiver<Mutation>) {
        let (queue, rx) = mpsc::unbounded_channel();
        let core = Core {
            state: RwLock::new(State::default()),
            generation: AtomicU64::new(0),
            queued: AtomicU64::new(0),
            applied: watch::Sender::new(0),
            queue,
            changed: Notify::new(),
            published: Mutex::new(HashMap::new()),
            watcher: Mutex::new(None),
            started: AtomicBool::new(false),
        };
        (core, rx)
    }

    /// Queues a change. Synchronous: called on a handler's first poll, in arrival order.
    pub fn mutate(&self, m: Mutation) {
        self.queued.fetch_add(1, Ordering::SeqCst);
        if self.queue.send(m).is_err() {
            log(Level::Error, "the writer has stopped; change dropped");
        }
    }

    /// Marks one queued mutation as applied (the writer calls it after each, even a failed
    /// one, so reads never wait forever).
    pub fn mark_applied(&self) {
        self.applied.send_modify(|n| *n += 1);
        self.changed.notify_one();
    }

    /// Waits until every mutation queued before now is applied.
    pub async fn caught_up(&self) {
        let needed = self.queued.load(Ordering::SeqCst);
        let mut applied = self.applied.subscribe();
        let _ = applied.wait_for(|&n| n >= needed).await;
    }

    /// Waits until every folder's load has finished (a folder loading again after a settings
    /// change counts as loading). Loads start at `initialized`; before it (a client that
    /// never sends it) nothing is waited for.
    pub async fn loads_done(&self) {
        if !self.started.load(Ordering::SeqCst) {
            return;
        }
        let mut applied = self.applied.subscribe();
        let _ = applied
            .wait_for(|_| self.peek().folders.iter().flatten().all(|w| w.indexed))
            .await;
    }

    /// Changes the state: long reads in flight step aside first. A panic is logged and the
    /// server goes on (the vault's own updates are written not to panic on any input).
    pub fn write<R>(&self, what: &str, f: impl FnOnce(&mut State) -> R) -> Option<R> {
        self.generation.fetch_add(1, Ordering::SeqCst);
        let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
        let out = catch_unwind(AssertUnwindSafe(|| f(&mut state)));
        self.generation.fetch_add(1, Ordering::SeqCst);
        drop(state);
        match out {
            Ok(v) => Some(v),
            Err(_) => {
                log(
                    Level::Error,
                    format!("{what} failed (panic); still serving"),
                );
                None
            }
        }
    }

    /// The state under a read lock, for short looks from async code (no features run).
    pub fn peek(&self) -> RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs a read on the calling (blocking) thread. `stop` is the request's own
    /// cancellation flag. A panic becomes an internal error instead of a dead server.
    pub fn run_read<T>(
        &self,
        what: &str,
        stop: &AtomicBool,
        f: &dyn Fn(&Snapshot) -> Answer<T>,
    ) -> Result<T, Error> {
        let mut attempts = 0;
        loop {
            let state = self.state.read().unwrap_or_else(|e| e.into_inner());
            let generation = self.generation.load(Ordering::SeqCst);
            if generation % 2 == 1 {
                // A write is about to take the lock: let it go first.
                drop(state);
                std::thread::yield_now();
                continue;
            }
            let is_cancelled = || {
                stop.load(Ordering::Relaxed)
                    || self.generation.load(Ordering::Relaxed) != generation
            };
            let snapshot = Snapshot {
                state: &state,
                cancel: Cancel::new(&is_cancelled),
            };
            match catch_unwind(AssertUnwindSafe(|| f(&snapshot))) {
                Ok(Ok(v)) => return Ok(v),
                Ok(Err(Failure::Rpc(e))) => return Err(e),
                Ok(Err(Failure::Cancelled)) if stop.load(Ordering::Relaxed) => {
                    return Err(Error::request_cancelled());
                }
                Ok(Err(Failure::Cancelled)) => {
                    attempts += 1;
                    if attempts >= READ_ATTEMPTS {
                        log(Level::Info, format!("{what}: content modified, gave up"));
                        return Err(content_modified());
                    }
                    // Let the write through, then answer on the new state.
                    log(Level::Debug, format!("{what}: stepped aside for a change"));
                }
                Err(_) => {
                    log(
                        Level::Error,
                        format!("{what} failed (panic); still serving"),
                    );
                    return Err(Error::internal_error());
                }
            }
        }
    }
}

/// Sets a request's cancellation flag when its future is dropped: the transport drops it on
/// `$/cancelRequest` (and answers `RequestCancelled` itself).
pub struct CancelOnDrop(pub Arc<AtomicBool>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// Whether a read may answer while a folder is still loading.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum During {
    /// It waits for the loads: an answer from half a vault would be silently wrong
    /// (references, definitions, renames…). The client shows the load's progress meanwhile.
    WaitForLoad,
    /// It answers at once: its answer is about the note itself, or says it is partial
    /// (completion's `isIncomplete`).
    AnswerNow,
}

/// Runs a read request on the blocking pool once the mutations before it are applied.
pub async fn read<T, F>(
    core: &Arc<Core>,
    what: &'static str,
    during: During,
    f: F,
) -> Result<T, Error>
where
    T: Send + 'static,
    F: Fn(&Snapshot) -> Answer<T> + Send + Sync + 'static,
{
    core.caught_up().await;
    if during == During::WaitForLoad {
        core.loads_done().await;
    }
    let stop = Arc::new(AtomicBool::new(false));
    let _cancel_on_drop = CancelOnDrop(stop.clone());
    let core = core.clone();
    tokio::task::spawn_blocking(move || core.run_read(what, &stop, &f))
        .await
        .unwrap_or_else(|_| Err(Error::internal_error()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A read that looks at `cancel` in a loop until it trips, counting how often it ran.
    fn long_read(runs: &AtomicU64) -> impl Fn(&Snapshot) -> Answer<()> + '_ {
        move |s: &Snapshot| {
            runs.fetch_add(1, Ordering::SeqCst);
            loop {
                s.cancel.check()?;
                std::thread::sleep(Duration::from_millis(1));
            }
        }
    }

    #[test]
    fn a_write_does_not_wait_for_a_long_read() {
        let (core, _rx) = Core::new();
        let core = Arc::new(core);
        let runs = AtomicU64::new(0);
        let stop = AtomicBool::new(false);
        std::thread::scope(|scope| {
            let reader = scope.spawn(|| core.run_read("long", &stop, &long_read(&runs)));
            while runs.load(Ordering::SeqCst) == 0 {
                std::thread::yield_now();
            }
            // A write blocked for the whole read would never return: this read never ends
            // on its own.
            for _ in 0..READ_ATTEMPTS {
                let before = runs.load(Ordering::SeqCst);
                core.write("test", |s| s.documents.clear());
                // The read steps aside, and runs again on the new state.
                while runs.load(Ordering::SeqCst) == before && !reader.is_finished() {
                    std::thread::yield_now();
                }
            }
            let answer = reader.join().unwrap();
            assert_eq!(answer.unwrap_err().code, content_modified().code);
            assert_eq!(runs.load(Ordering::SeqCst), READ_ATTEMPTS as u64);
        });
    }

    #[test]
    fn a_cancelled_read_stops_with_request_cancelled() {
        let (core, _rx) = Core::new();
        let runs = AtomicU64::new(0);
        let stop = AtomicBool::new(false);
        std::thread::scope(|scope| {
            let reader = scope.spawn(|| core.run_read("long", &stop, &long_read(&runs)));
            while runs.load(Ordering::SeqCst) == 0 {
                std::thread::yield_now();
            }
            stop.store(true, Ordering::Relaxed);
            let answer = reader.join().unwrap();
            assert_eq!(answer.unwrap_err().code, ErrorCode::RequestCancelled);
            assert_eq!(runs.load(Ordering::SeqCst), 1);
        });
    }

    #[test]
    fn reads_wait_for_the_mutations_queued_before_them() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let (core, mut rx) = Core::new();
            let core = Arc::new(core);
            core.mutate(Mutation::Disk(Vec::new()));
            let waiting = tokio::spawn({
                let core = core.clone();
                async move { core.caught_up().await }
            });
            tokio::task::yield_now().await;
            assert!(!waiting.is_finished(), "one mutation is not applied yet");
            assert!(rx.recv().await.is_some());
            core.mark_applied();
            waiting.await.unwrap();
        });
    }

    #[test]
    fn a_panicking_read_is_an_internal_error() {
        let (core, _rx) = Core::new();
        let stop = AtomicBool::new(false);
        let answer = core.run_read::<()>("boom", &stop, &|_| panic!("bug"));
        assert_eq!(answer.unwrap_err().code, ErrorCode::InternalError);
    }
}
