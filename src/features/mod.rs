//! Features: pure functions of a vault snapshot (no IO, no locks, no protocol types).

pub mod diagnostics;
