//! vaultls: a language server for Obsidian-style Markdown vaults.
//!
//! Layers, each calling only downward: [`syntax`] (a note's text → summary), [`vault`] (store,
//! indexes, link resolution, incremental updates), [`features`] (pure functions of a vault
//! snapshot), and the front ends (the `check` CLI report in [`check`]).

pub mod check;
pub mod config;
pub mod features;
pub mod server;
pub mod syntax;
pub mod vault;
