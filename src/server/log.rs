//! Logging to stderr (never stdout, which carries the protocol). The level comes from the
//! `VAULTLS_LOG` environment variable: `off`, `error`, `warn` (default), `info` or `debug`.

use std::fmt::Display;
use std::sync::OnceLock;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Off,
    Error,
    Warn,
    Info,
    Debug,
}

fn max_level() -> Level {
    static LEVEL: OnceLock<Level> = OnceLock::new();
    *LEVEL.get_or_init(|| {
        match std::env::var("VAULTLS_LOG")
            .unwrap_or_default()
            .to_ascii_lowercase()
            .as_str()
        {
            "off" => Level::Off,
            "error" => Level::Error,
            "info" => Level::Info,
            "debug" | "trace" => Level::Debug,
            _ => Level::Warn,
        }
    })
}

pub fn log(level: Level, message: impl Display) {
    if level != Level::Off && level <= max_level() {
        eprintln!("vaultls [{level:?}] {message}");
    }
}
