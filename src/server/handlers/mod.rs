//! Request handlers, one file per family. Each is thin: from protocol to a feature's input,
//! the feature, and its result back to protocol. They run on the read pool against a
//! [`Snapshot`](super::state::Snapshot).

pub mod code_action;
pub mod completion;
pub mod diagnostics;
pub mod mentions;
pub mod navigation;
pub mod rename;
pub mod structure;
pub mod symbols;
