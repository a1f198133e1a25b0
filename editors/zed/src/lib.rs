//! Zed extension: runs `vaultls` from PATH (or `lsp.vaultls.binary.path` in settings).
use zed_extension_api::{self as zed, LanguageServerId, Result};

struct Vaultls;

impl zed::Extension for Vaultls {
    fn new() -> Self {
        Vaultls
    }

    fn language_server_command(
        &mut self,
        _id: &LanguageServerId,
        worktree: &zed::Worktree,
    ) -> Result<zed::Command> {
        let path = worktree.which("vaultls").ok_or_else(|| {
            "vaultls not found on PATH: cargo install --path . in the vaultls repository"
                .to_string()
        })?;
        Ok(zed::Command {
            command: path,
            args: vec!["lsp".into()],
            env: Default::default(),
        })
    }
}

zed::register_extension!(Vaultls);
