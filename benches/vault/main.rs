//! The benchmark suite: `cargo bench --bench vault [-- SIZE…]` (default 1000 10000 50000).
//!
//! For each size it generates a vault (cached under `target/bench-vaults/`), then measures:
//! a cold load in a fresh process (time and peak RSS), `vaultls check` end to end, one
//! keystroke (re-index of the edited note plus its diagnostics), completion after `[[` with 0,
//! 1 and 3 typed characters, and the references of the most-linked note. For 10k notes (or the
//! size closest to it) it also drives the server over stdio: `initialize` → first complete
//! completion answer, and completion / definition / references latency.
//!
//! `-- --server-core [SIZE]` measures the server's state model instead (`server_core.rs`).
//! `-- --replay [VAULT…]` replays links as typing and reports how soon completion offers the
//! intended note (`replay.rs`); `-- --replay-travel GIT_DIR[:FOLDER]…` does it through each
//! vault's git history, each link typed in the vault as it was then (`travel.rs`).
//!
//! Prints a Markdown table and writes `target/bench-results.json`. Benchmarks measure; they
//! assert no times.

mod generate;
mod replay;
mod server_core;
#[path = "../../tests/support/mod.rs"]
mod support;
mod travel;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use vaultls::features::{Cancel, completion, diagnostics, references};
use vaultls::vault::{FileId, Vault};

const SEED: u64 = 0x5EED_0F7A_1700;

fn main() {
    // The servers the suite starts over stdio load cold, as before there was a cache: each
    // run gets an empty cache folder (the warm start is measured by `--child-load`).
    let caches = tempfile::tempdir().expect("a temporary folder");
    // SAFETY: set before any thread is started.
    unsafe { std::env::set_var("VAULTLS_CACHE_DIR", caches.path()) };
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--bench"))
        .collect();
    if args.first().map(String::as_str) == Some("--child-load") {
        // `--child-load DIR [CACHE_FILE]`: with a cache file, a load that uses and writes it.
        child_load(Path::new(&args[1]), args.get(2).map(Path::new));
        return;
    }
    if args.first().map(String::as_str) == Some("--in-process") {
        // `--in-process SIZE`: the requests alone (keystroke, completion, references, a
        // folder move), to compare builds without the loads.
        let n = args.get(1).map_or(50_000, |a| a.parse().expect("a size"));
        let (dir, _) = vault_for(n);
        let mut r = json!({"notes": n});
        measure_in_process(&dir, &mut r);
        println!("{r:#}");
        return;
    }
    if args.first().map(String::as_str) == Some("--replay") {
        let dirs: Vec<PathBuf> = if args.len() > 1 {
            args[1..].iter().map(PathBuf::from).collect()
        } else {
            vec![vault_for(10_000).0]
        };
        let mut results = Vec::new();
        for dir in dirs {
            let r = replay::measure(&dir);
            println!("{}", replay::table(&r));
            results.push(r);
        }
        replay::report(&results, "target/bench-replay.json");
        return;
    }
    if args.first().map(String::as_str) == Some("--replay-travel") {
        // `--replay-travel GIT_DIR[:FOLDER]…`: the replay through each vault's git history
        // (the vault being FOLDER of the repository, the whole of it without one).
        let mut results = Vec::new();
        for spec in &args[1..] {
            let (git_dir, folder) = spec.split_once(':').unwrap_or((spec, ""));
            let r = travel::measure(Path::new(git_dir), folder);
            println!("{}", replay::table(&r));
            results.push(r);
        }
        replay::report(&results, "target/bench-replay-travel.json");
        return;
    }
    if args.first().map(String::as_str) == Some("--server-core") {
        let n = args.get(1).map_or(20_000, |a| a.parse().expect("a size"));
        let (dir, _) = vault_for(n);
        println!("machine: {}", machine());
        let r = server_core::measure(&dir, n);
        println!("{r:#}");
        let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-server-core.json");
        std::fs::write(&out, serde_json::to_string_pretty(&r).unwrap()).unwrap();
        return;
    }
    let sizes: Vec<usize> = if args.is_empty() {
        vec![1_000, 10_000, 50_000]
    } else {
        args.iter()
            .map(|a| a.parse().expect("sizes are numbers of notes"))
            .collect()
    };
    let stdio_size = *sizes
        .iter()
        .min_by_key(|&&n| n.abs_diff(10_000))
        .expect("at least one size");
    println!("machine: {}", machine());
    let mut results = Vec::new();
    for &n in &sizes {
        let (dir, bytes) = vault_for(n);
        eprintln!("== {n} notes, {:.1} MB: {}", mb(bytes), dir.display());
        let mut r = json!({"notes": n, "vault_mb": mb(bytes)});
        measure_load(&dir, &mut r);
        measure_check(&dir, &mut r);
        measure_in_process(&dir, &mut r);
        if n == stdio_size {
            measure_stdio(&dir, &mut r);
        }
        eprintln!("{r:#}");
        results.push(r);
    }
    print_table(&results);
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-results.json");
    std::fs::write(&out, serde_json::to_string_pretty(&results).unwrap()).unwrap();
    println!("\nwritten: {}", out.display());
}

/// The vault of `n` notes, generated once per generator version.
fn vault_for(n: usize) -> (PathBuf, u64) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/bench-vaults")
        .join(format!("v{}-{n}", generate::VERSION));
    let marker = dir.join(".generated");
    if let Ok(bytes) = std::fs::read_to_string(&marker)
        && let Ok(bytes) = bytes.trim().parse()
    {
        return (dir, bytes);
    }
    let _ = std::fs::remove_dir_all(&dir);
    let started = Instant::now();
    let bytes = generate::generate(&dir, n, SEED).expect("generate vault");
    std::fs::write(&marker, bytes.to_string()).unwrap();
    eprintln!(
        "generated {n} notes in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    // The generator is deterministic: a second small run gives the same bytes.
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let sa = generate::generate(a.path(), 50, SEED).unwrap();
    let sb = generate::generate(b.path(), 50, SEED).unwrap();
    assert_eq!(sa, sb, "generator is not deterministic");
    (dir, bytes)
}

/// In a fresh process: load the vault, print milliseconds and peak RSS (KiB).
fn child_load(dir: &Path, cache: Option<&Path>) {
    let started = Instant::now();
    let options = vaultls::vault::LoadOptions {
        cache,
        // As the server loads (closed notes in pieces); `VAULTLS_BENCH_WHOLE=1` holds every
        // text, as before issue 18's pieces.
        pieces: std::env::var_os("VAULTLS_BENCH_WHOLE").is_none(),
        ..Default::default()
    };
    let loaded = Vault::load_cached(dir, &options).expect("load");
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    let vault = loaded.vault;
    let (peak, rss) = (status_kib("VmHWM:"), status_kib("VmRSS:"));
    // The cache is written after the load is timed (the server writes it off its loop).
    let written = Instant::now();
    if let Some(write) = loaded.cache_write {
        write.write().expect("cache written");
    }
    println!(
        "{ms} {peak} {} {rss} {} {} {} {} {}",
        vault.file_count(),
        loaded.from_cache,
        written.elapsed().as_secs_f64() * 1000.0,
        loaded.unread,
        u8::from(loaded.indexes_from_cache),
        // The peak with the write, as the server's: it writes beside the vault it serves.
        status_kib("VmHWM:"),
    );
    // `VAULTLS_BENCH_DUMP=FILE` writes the vault's indexes there, to compare a load from a
    // cache file with a fresh one on a real vault (after the peaks are read: it takes memory).
    if let Some(file) = std::env::var_os("VAULTLS_BENCH_DUMP") {
        std::fs::write(file, vault.dump()).expect("dump written");
    }
    std::mem::forget(vault);
}

/// A line of this process's `/proc/self/status`, in KiB (0 where there is none).
fn status_kib(key: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        .unwrap_or(0)
}

/// One `--child-load` in a fresh process: (ms, peak KiB with the cache file's write, notes
/// taken from the cache).
fn child(dir: &Path, cache: Option<&Path>) -> (f64, u64, u64) {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command.args(["--child-load", dir.to_str().unwrap()]);
    command.args(cache);
    let out = command.output().expect("child load");
    let text = String::from_utf8_lossy(&out.stdout);
    let parts: Vec<&str> = text.split_whitespace().collect();
    let get = |i: usize| parts.get(i).and_then(|s| s.parse::<f64>().ok());
    (
        get(0).unwrap_or(f64::NAN),
        get(1).unwrap_or(0.0).max(get(8).unwrap_or(0.0)) as u64,
        get(4).unwrap_or(0.0) as u64,
    )
}

/// Cold loads (no cache), then warm ones: a load that writes the cache, then three that
/// find it valid and nothing changed.
fn measure_load(dir: &Path, r: &mut Value) {
    let mut times = Vec::new();
    let mut peak = 0u64;
    for _ in 0..3 {
        let (ms, kib, _) = child(dir, None);
        times.push(ms);
        peak = peak.max(kib);
    }
    r["load_ms"] = json!(median(&mut times));
    r["load_ms_all"] = json!(times);
    // In MB like the vault's size (VmHWM is in KiB), and as the ratio the memory target uses.
    let peak_mb = mb(peak * 1024);
    r["peak_rss_mb"] = json!(peak_mb);
    r["peak_rss_x_vault"] = json!(peak_mb / r["vault_mb"].as_f64().unwrap_or(f64::NAN));
    let cache = std::env::temp_dir().join(format!("vaultls-bench-{}.idx", std::process::id()));
    let _ = std::fs::remove_file(&cache);
    let (writing_ms, writing_kib, _) = child(dir, Some(&cache));
    r["cache_mb"] = json!(mb(std::fs::metadata(&cache).map_or(0, |m| m.len())));
    r["cold_with_cache_ms"] = json!(writing_ms);
    r["cold_with_cache_peak_mb"] = json!(mb(writing_kib * 1024));
    let mut warm = Vec::new();
    let mut warm_peak = 0u64;
    for _ in 0..3 {
        let (ms, kib, from_cache) = child(dir, Some(&cache));
        assert!(from_cache > 0, "the warm load used the cache");
        warm.push(ms);
        warm_peak = warm_peak.max(kib);
    }
    let _ = std::fs::remove_file(&cache);
    r["warm_ms"] = json!(median(&mut warm));
    r["warm_ms_all"] = json!(warm);
    r["warm_peak_rss_mb"] = json!(mb(warm_peak * 1024));
}

fn measure_check(dir: &Path, r: &mut Value) {
    let mut times = Vec::new();
    let mut peak = 0;
    for _ in 0..3 {
        let started = Instant::now();
        let child = Command::new(env!("CARGO_BIN_EXE_vaultls"))
            // Cold, as the load column: the warm start is measured on the load.
            .args(["check", "--no-cache", dir.to_str().unwrap()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("run vaultls check");
        let (code, kib) = wait_with_peak(child);
        assert!(code.is_some_and(|c| c <= 1), "check failed: {code:?}");
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        peak = peak.max(kib);
    }
    r["check_ms"] = json!(median(&mut times));
    r["check_peak_rss_mb"] = json!(mb(peak * 1024));
}

/// Waits for `child`: its exit code and peak RSS in KiB (from `wait4`'s resource usage, which
/// is the child's alone).
#[cfg(unix)]
fn wait_with_peak(child: std::process::Child) -> (Option<i32>, u64) {
    let mut status = 0;
    // SAFETY: a zeroed `rusage` is a valid value for `wait4` to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `child.id()` is our own child, not waited for yet; both pointers are valid.
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    assert!(pid > 0, "wait4: {}", std::io::Error::last_os_error());
    let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
    (code, usage.ru_maxrss.max(0) as u64)
}

/// Waits for `child`: its exit code (the peak RSS is not measured here).
#[cfg(not(unix))]
fn wait_with_peak(mut child: std::process::Child) -> (Option<i32>, u64) {
    (child.wait().expect("wait for vaultls check").code(), 0)
}

fn measure_in_process(dir: &Path, r: &mut Value) {
    // Every text held whole; `VAULTLS_BENCH_PIECES=1` holds closed notes in pieces, as the
    // server does (requests then read the notes' pieces).
    let options = vaultls::vault::LoadOptions {
        pieces: std::env::var_os("VAULTLS_BENCH_PIECES").is_some(),
        ..Default::default()
    };
    let mut vault = Vault::load(dir, &options).expect("load");
    // The note with the most links, edited at the end of its middle line.
    let (path, text) = vault
        .notes()
        .max_by_key(|(_, n)| n.syntax.links.len())
        .map(|(id, _)| {
            (
                vault.path(id).to_string(),
                vault.text(id).unwrap().into_owned(),
            )
        })
        .unwrap();
    let middle = text[..text.len() / 2].rfind('\n').unwrap_or(0);
    let mut keystroke = Vec::new();
    let mut edited = text.clone();
    for i in 0..200 {
        edited.insert(middle, if i % 2 == 0 { 'x' } else { ' ' });
        let started = Instant::now();
        vault.update_note(&path, edited.clone());
        let file = vault.id(&path).unwrap();
        let found = diagnostics::note_diagnostics(&vault, file);
        keystroke.push(started.elapsed().as_secs_f64() * 1000.0);
        std::hint::black_box(found);
    }
    r["keystroke_ms"] = percentiles(&mut keystroke);
    r["edited_note_links"] = json!(
        vault
            .note(vault.id(&path).unwrap())
            .unwrap()
            .syntax
            .links
            .len()
    );

    // Every query shape: empty, one letter, a common prefix, words inside names (`sync`), a
    // path fragment, and rare letters that start no name (the passes that read the vault when
    // few names match).
    for typed in ["", "T", "Tom", "sync", "Peo/Tom", "xq", "xqz"] {
        let with_link = format!("{text}\n[[{typed}");
        vault.update_note(&path, with_link.clone());
        let file = vault.id(&path).unwrap();
        let mut times = Vec::new();
        let mut count = 0;
        for _ in 0..200 {
            let started = Instant::now();
            let c =
                completion::completion(&vault, file, with_link.len(), &Default::default()).unwrap();
            times.push(started.elapsed().as_secs_f64() * 1000.0);
            count = c.items.len();
        }
        let key = match typed {
            "" | "T" | "Tom" => typed.len().to_string(),
            _ => typed.to_string(),
        };
        r[format!("completion_{key}_ms")] = percentiles(&mut times);
        r[format!("completion_{key}_items")] = json!(count);
    }
    vault.update_note(&path, text);

    let hub: FileId = vault
        .notes()
        .map(|(id, _)| id)
        .max_by_key(|&id| vault.linking_notes(id))
        .unwrap();
    let mut times = Vec::new();
    let mut count = 0;
    for _ in 0..50 {
        let started = Instant::now();
        count = references::references(&vault, hub, 0, false, Cancel::NEVER)
            .unwrap()
            .len();
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    r["hub_references_ms"] = percentiles(&mut times);
    r["hub_backlinks"] = json!(count);

    // Every link's target and heading read from the notes as the vault holds them (in pieces
    // with `VAULTLS_BENCH_PIECES`): what whole-vault requests do note by note.
    let mut times = Vec::new();
    let mut count = 0usize;
    for _ in 0..10 {
        let started = Instant::now();
        count = 0;
        for (_, note) in vault.notes() {
            for link in &note.syntax.links {
                count += link.target(note.src()).len();
            }
            for heading in &note.syntax.headings {
                count += heading.text(note.src()).len();
            }
        }
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    r["read_every_link_ms"] = percentiles(&mut times);
    std::hint::black_box(count);

    // A folder move of 500 notes (the first 500 people notes by path, hubs among them) to
    // another folder: the edits of `workspace/willRenameFiles`.
    let mut people: Vec<FileId> = vault
        .notes()
        .map(|(id, _)| id)
        .filter(|&id| vault.path(id).starts_with("People/"))
        .collect();
    people.sort_by(|a, b| vault.path(*a).cmp(vault.path(*b)));
    people.truncate(500);
    let moves: Vec<(FileId, String)> = people
        .iter()
        .map(|&id| (id, format!("Team/{}", vault.path(id))))
        .collect();
    let mut times = Vec::new();
    let mut count = 0;
    for _ in 0..5 {
        let started = Instant::now();
        count = vaultls::features::rename::move_files(&vault, &moves, Cancel::NEVER)
            .unwrap()
            .len();
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    r["folder_move_500_ms"] = percentiles(&mut times);
    r["folder_move_500_edits"] = json!(count);
    std::mem::forget(vault);
}

fn measure_stdio(dir: &Path, r: &mut Value) {
    let started = Instant::now();
    let caps = json!({
        "general": {"positionEncodings": ["utf-16"]},
        "window": {"workDoneProgress": true},
        "workspace": {"didChangeWatchedFiles": {"dynamicRegistration": false}},
    });
    let mut lsp = support::Lsp::start(dir, caps);
    r["stdio_initialize_ms"] = json!(ms(started.elapsed()));
    lsp.wait_indexed();
    r["stdio_indexed_ms"] = json!(ms(started.elapsed()));
    // A meeting note with links; type `[[Tom` on a new last line.
    let meeting = std::fs::read_dir(dir.join("Meetings/2025"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .min()
        .unwrap();
    let rel = meeting
        .strip_prefix(dir)
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    let (uri, text) = lsp.open(dir, &rel);
    let lines = text.lines().count();
    lsp.notify(
        "textDocument/didChange",
        json!({
            "textDocument": {"uri": uri, "version": 2},
            "contentChanges": [{"range": {"start": {"line": lines, "character": 0}, "end": {"line": lines, "character": 0}}, "text": "\n[[Tom"}],
        }),
    );
    let at = json!({"line": lines + 1, "character": 5});
    let completion = |lsp: &mut support::Lsp| {
        lsp.request(
            "textDocument/completion",
            json!({"textDocument": {"uri": uri}, "position": at}),
        )
    };
    let first = completion(&mut lsp);
    assert!(
        first["result"]["items"]
            .as_array()
            .is_some_and(|i| !i.is_empty())
    );
    r["stdio_first_full_completion_ms"] = json!(ms(started.elapsed()));
    let link_line = text.lines().position(|l| l.contains("[[")).unwrap();
    let col = text.lines().nth(link_line).unwrap();
    let col = col[..col.find("[[").unwrap()].encode_utf16().count() + 3;
    let link = json!({"line": link_line, "character": col});
    let mut times = Vec::new();
    for _ in 0..50 {
        let t = Instant::now();
        completion(&mut lsp);
        times.push(ms(t.elapsed()));
    }
    r["stdio_completion_ms"] = percentiles(&mut times);
    let mut times = Vec::new();
    for _ in 0..50 {
        let t = Instant::now();
        lsp.request(
            "textDocument/definition",
            json!({"textDocument": {"uri": uri}, "position": link}),
        );
        times.push(ms(t.elapsed()));
    }
    r["stdio_definition_ms"] = percentiles(&mut times);
    let mut times = Vec::new();
    let mut count = 0;
    for _ in 0..50 {
        let t = Instant::now();
        let refs = lsp.request(
            "textDocument/references",
            json!({"textDocument": {"uri": uri}, "position": link, "context": {"includeDeclaration": false}}),
        );
        times.push(ms(t.elapsed()));
        count = refs["result"].as_array().map_or(0, Vec::len);
    }
    r["stdio_references_ms"] = percentiles(&mut times);
    r["stdio_references_count"] = json!(count);
    lsp.shutdown();
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1_000_000.0
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn percentiles(values: &mut [f64]) -> Value {
    values.sort_by(f64::total_cmp);
    let at = |p: f64| values[((values.len() as f64 * p) as usize).min(values.len() - 1)];
    json!({"p50": at(0.5), "p95": at(0.95)})
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("{cpu}, {cores} cores")
}

fn print_table(results: &[Value]) {
    let f = |v: &Value| v.as_f64().map_or("–".to_string(), |x| format!("{x:.1}"));
    let p = |v: &Value| {
        if v.is_null() {
            "–".to_string()
        } else {
            format!("{} / {}", f(&v["p50"]), f(&v["p95"]))
        }
    };
    println!();
    println!(
        "| notes | MB | load ms | peak RSS MB (× vault) | check ms (peak MB) | keystroke p50/p95 ms | `[[` | `[[T` | `[[Tom` | hub refs (n) |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for r in results {
        println!(
            "| {} | {} | {} | {} ({:.2}×) | {} ({}) | {} | {} | {} | {} | {} ({}) |",
            r["notes"],
            f(&r["vault_mb"]),
            f(&r["load_ms"]),
            f(&r["peak_rss_mb"]),
            r["peak_rss_x_vault"].as_f64().unwrap_or(f64::NAN),
            f(&r["check_ms"]),
            f(&r["check_peak_rss_mb"]),
            p(&r["keystroke_ms"]),
            p(&r["completion_0_ms"]),
            p(&r["completion_1_ms"]),
            p(&r["completion_3_ms"]),
            p(&r["hub_references_ms"]),
            r["hub_backlinks"],
        );
    }
    println!("\nwarm start (the cache file valid, nothing changed), ms and peak RSS MB:\n");
    println!(
        "| notes | cold load | first load writing the cache (peak) | warm load (× cold) | warm peak RSS | cache file MB |"
    );
    println!("|---|---|---|---|---|---|");
    for r in results {
        let cold = r["load_ms"].as_f64().unwrap_or(f64::NAN);
        let warm = r["warm_ms"].as_f64().unwrap_or(f64::NAN);
        println!(
            "| {} | {} | {} ({}) | {} ({:.2}×) | {} | {} |",
            r["notes"],
            f(&r["load_ms"]),
            f(&r["cold_with_cache_ms"]),
            f(&r["cold_with_cache_peak_mb"]),
            f(&r["warm_ms"]),
            warm / cold,
            f(&r["warm_peak_rss_mb"]),
            f(&r["cache_mb"]),
        );
    }
    println!("\ncompletion by query shape, p50 / p95 ms (items):\n");
    println!("| notes | `[[sync` | `[[Peo/Tom` | `[[xq` | `[[xqz` |");
    println!("|---|---|---|---|---|");
    for r in results {
        let shape = |q: &str| {
            format!(
                "{} ({})",
                p(&r[format!("completion_{q}_ms")]),
                r[format!("completion_{q}_items")]
            )
        };
        println!(
            "| {} | {} | {} | {} | {} |",
            r["notes"],
            shape("sync"),
            shape("Peo/Tom"),
            shape("xq"),
            shape("xqz"),
        );
    }
    for r in results.iter().filter(|r| !r["stdio_indexed_ms"].is_null()) {
        println!(
            "\nover stdio, {} notes: initialize {} ms, indexed {} ms, first completion {} ms; completion {} ms, definition {} ms, references ({}) {} ms (p50 / p95)",
            r["notes"],
            f(&r["stdio_initialize_ms"]),
            f(&r["stdio_indexed_ms"]),
            f(&r["stdio_first_full_completion_ms"]),
            p(&r["stdio_completion_ms"]),
            p(&r["stdio_definition_ms"]),
            r["stdio_references_count"],
            p(&r["stdio_references_ms"]),
        );
    }
}
