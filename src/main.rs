use std::mem::ManuallyDrop;
use std::process::ExitCode;

use vaultls::check::{Format, write_report};
use vaultls::config::Config;
use vaultls::syntax::ColumnUnit;
use vaultls::vault::{LoadOptions, Vault};

const USAGE: &str = "\
vaultls: a language server for Obsidian-style Markdown vaults

Usage:
  vaultls [lsp] [--stdio]                       serve the Language Server Protocol on stdio
  vaultls check [PATH] [--format text|json] [--no-cache]
                                               report broken links and other findings
  vaultls --help | --version

lsp:
  The vault is the nearest folder holding `.obsidian/` from the editor's workspace folder up
  (else the folder itself; each folder its own vault). Logs go to
  stderr; set VAULTLS_LOG to off, error, warn (default), info or debug.

check:
  PATH             the vault, or a folder or note in it (default: the current folder). The
                   vault is the nearest folder from PATH up that holds `.obsidian/` (else PATH);
                   findings are reported for the notes under PATH.
  --format FORMAT  `text` (default): one `path:line:col: severity[code]: message` line per
                   finding and a summary; `json`: one JSON object
  --no-cache       parse every note, and leave the vault's cache file as it is
  Exit status: 0 no warnings or errors, 1 warnings or errors found, 2 usage error or no vault.

cache:
  What a load learns is kept in $VAULTLS_CACHE_DIR, else the platform's cache folder
  (~/.cache/vaultls on Linux): the next load parses only notes whose text changed. It is
  checked, never trusted: a stale or damaged file is ignored and written again.
  VAULTLS_CACHE_DIR=off turns it off.
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // `--stdio` is what many client configurations pass (stdio is the only transport).
    let lsp_args = |rest: &[String]| rest.iter().all(|a| a == "--stdio");
    match args.first().map(String::as_str) {
        None => lsp(),
        Some("--stdio") if lsp_args(&args[1..]) => lsp(),
        Some("lsp") if lsp_args(&args[1..]) => lsp(),
        Some("lsp") => usage_error("`lsp` takes no arguments (but `--stdio`)"),
        Some("check")
            if args[1..]
                .iter()
                .any(|a| matches!(a.as_str(), "-h" | "--help")) =>
        {
            print!("{USAGE}");
            ExitCode::SUCCESS
        }
        Some("check") => check(&args[1..]),
        Some("-h" | "--help" | "help") => {
            print!("{USAGE}");
            ExitCode::SUCCESS
        }
        Some("-V" | "--version") => {
            println!("vaultls {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        Some(other) => usage_error(&format!("unknown command `{other}`")),
    }
}

fn lsp() -> ExitCode {
    use std::io::IsTerminal;
    if std::io::stdin().is_terminal() {
        // Someone typed `vaultls` in a terminal: say what it waits for.
        eprintln!(
            "vaultls speaks the Language Server Protocol on stdin/stdout, for an editor to start; \
             to check a vault from here: vaultls check PATH (vaultls --help for more)"
        );
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("vaultls: cannot start: {err}");
            return ExitCode::FAILURE;
        }
    };
    let clean = runtime.block_on(vaultls::server::run_stdio());
    // Everything for the client is written by now. Exit at once: a vault load may still run on
    // a blocking thread, and a read of stdin is always in flight (the client may never close
    // it). LSP: exit code 1 when the client left without `shutdown` (or closed the pipe).
    std::process::exit(if clean { 0 } else { 1 })
}

fn usage_error(message: &str) -> ExitCode {
    eprintln!("vaultls: {message}\n\n{USAGE}");
    ExitCode::from(2)
}

fn check(args: &[String]) -> ExitCode {
    let mut format = Format::Text;
    let mut use_cache = true;
    let mut vault_arg: Option<&str> = None;
    let mut i = 0;
    while i < args.len() {
        let arg = args[i].as_str();
        let value = if arg == "--format" {
            i += 1;
            match args.get(i) {
                Some(v) => Some(v.as_str()),
                None => return usage_error("--format needs a value: text or json"),
            }
        } else {
            arg.strip_prefix("--format=")
        };
        if let Some(v) = value {
            format = match v {
                "text" => Format::Text,
                "json" => Format::Json,
                other => {
                    return usage_error(&format!("unknown format `{other}`: use text or json"));
                }
            };
        } else if arg == "--no-cache" {
            use_cache = false;
        } else if arg.starts_with('-') && arg != "-" {
            return usage_error(&format!("unknown option `{arg}`"));
        } else if vault_arg.replace(arg).is_some() {
            return usage_error("more than one vault given");
        }
        i += 1;
    }
    let vault_arg = vault_arg.unwrap_or(".");
    // The vault is the nearest folder from VAULT up that holds `.obsidian/` (as the server
    // finds it): inside it, only the findings under VAULT are reported, with links resolved
    // against the whole vault.
    // `..` resolved (a lexical absolute path would look for the vault above `a/b` in `a/b/../c`).
    let given = std::fs::canonicalize(vault_arg)
        .or_else(|_| std::path::absolute(vault_arg))
        .unwrap_or_else(|_| vault_arg.into());
    let found = vaultls::vault::load::find_vault_root(&given);
    let root_buf = found.clone().unwrap_or_else(|| given.clone());
    let within = found
        .as_ref()
        .and_then(|root| given.strip_prefix(root).ok())
        .map(|rel| {
            rel.components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/")
        })
        .unwrap_or_default();
    if !within.is_empty() {
        eprintln!(
            "vaultls: `{vault_arg}` is in the vault at {} (the nearest folder with .obsidian/): \
             checking its notes against the whole vault",
            root_buf.display()
        );
    }
    // The process exits right after the report: freeing every string of a large vault one
    // by one would only delay the exit.
    let root = root_buf.as_path();
    let (config, problems) = Config::load(root);
    let settings = std::fs::read_to_string(root.join(vaultls::config::CONFIG_FILE));
    for p in &problems {
        let at = settings
            .as_deref()
            .ok()
            .filter(|_| p.source == vaultls::config::CONFIG_FILE)
            .and_then(|text| p.line_col(text, ColumnUnit::Char))
            .map_or(String::new(), |lc| {
                format!(":{}:{}", lc.line + 1, lc.col + 1)
            });
        eprintln!(
            "vaultls: {}{at}: {} (the rest of the settings apply)",
            p.source, p.message
        );
    }
    let ignored = |path: &str| config.ignores(path);
    let cache = use_cache
        .then(|| vaultls::vault::cache::cache_file(root))
        .flatten();
    let options = LoadOptions {
        ignored: Some(&ignored),
        cache: cache.as_deref(),
        // As the server holds notes: mojibake, the one finding that reads prose, reads the
        // files of the notes that have some.
        pieces: true,
        // It never completes.
        without_search: true,
        ..LoadOptions::default()
    };
    let loaded = match Vault::load_cached(root, &options) {
        Ok(loaded) => loaded,
        Err(err) => {
            eprintln!("vaultls: cannot open vault `{vault_arg}`: {err}");
            return ExitCode::from(2);
        }
    };
    // Written beside the report, finished before the process ends.
    let writing = loaded.cache_write.map(|write| {
        std::thread::spawn(move || {
            let file = write.file().to_path_buf();
            write
                .write()
                .map_err(|err| format!("cache {} not written: {err}", file.display()))
        })
    });
    let vault = ManuallyDrop::new(loaded.vault);
    for issue in vault.issues() {
        eprintln!("vaultls: {}: {}", issue.path, issue.message);
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let written = write_report(&vault, vault_arg, &config, &within, format, &mut out);
    drop(out);
    if let Some(Ok(Err(message))) = writing.map(|w| w.join()) {
        eprintln!("vaultls: {message}");
    }
    match written {
        Ok(summary) => ExitCode::from(summary.exit_code() as u8),
        // A reader that stopped early (`| head`) has what it wanted: no message.
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::from(2),
        Err(err) => {
            eprintln!("vaultls: report not written: {err}");
            ExitCode::from(2)
        }
    }
}
