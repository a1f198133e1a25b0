//! `-- --replay [VAULT…]`: how soon completion offers the note a link's author meant.
//!
//! Samples wikilinks that resolve to another note (deterministically: every k-th of the
//! vault's links in path order, up to [`SAMPLES`]), and replays each as typing: the note's
//! text before the `[[`, then `[[` and the first 1, 2, 3 and 5 characters of the target as the
//! author wrote it. At each length it asks for completion and finds the rank of the intended
//! note. Reports, per typed length, how often it is first (top-1), in the first five (top-5),
//! and not listed at all (absent), with the completion time (p50 / p95).
//!
//! Without a vault argument it replays the generated 10k vault, whose links are random: its
//! table measures the mechanics (cutting, duplicates, speed), not how well context helps.
//! Real vaults (a community knowledge base, Obsidian's help, two game rules compendiums) are
//! what the ranking is tuned on.

use std::path::Path;
use std::time::Instant;

use serde_json::{Value, json};
use vaultls::features::completion::{Completion, CompletionOptions, completion};
use vaultls::syntax::LinkKind;
use vaultls::vault::{FileId, LoadOptions, Vault};

/// Links replayed per vault.
const SAMPLES: usize = 1000;
/// Typed lengths, in characters.
const LENGTHS: [usize; 4] = [1, 2, 3, 5];

pub fn measure(dir: &Path) -> Value {
    let mut vault = Vault::load(dir, &LoadOptions::default()).expect("load the vault");
    // Every wikilink to another note, in path order.
    let mut notes: Vec<_> = vault.notes().map(|(id, _)| id).collect();
    notes.sort_by(|a, b| vault.path(*a).cmp(vault.path(*b)));
    let mut links = Vec::new();
    let type_aliases = std::env::var_os("VAULTLS_REPLAY_ALIASES").is_some();
    let type_names = std::env::var_os("VAULTLS_REPLAY_NAMES").is_some();
    // `VAULTLS_REPLAY_SHORT=1`: targets shorter than 5 characters too (typed whole where
    // longer lengths are asked for), which the default sample leaves out, so a rule about
    // short names can be measured against the links to them (another sample).
    let short_too = std::env::var_os("VAULTLS_REPLAY_SHORT").is_some();
    let history = std::env::var("VAULTLS_REPLAY_HISTORY")
        .ok()
        .map(|spec| History::read(&spec));
    for &id in &notes {
        let note = vault.note(id).unwrap();
        for (link, resolution) in note.syntax.links.iter().zip(note.resolved.iter()) {
            let Some(target) = resolution.file() else {
                continue;
            };
            // `VAULTLS_REPLAY_ALIASES=1`: a link that shows one of its target's aliases
            // (`[[File|Alias]]`, what Obsidian's suggester writes when an alias is picked) is
            // replayed as typing the alias, not the file name (another sample).
            let shown = link
                .display_span()
                .filter(|_| type_aliases)
                .and_then(|span| vaultls::syntax::TextAt::at(note.src(), span.range()))
                .map(str::trim)
                .filter(|shown| {
                    let folded = vaultls::vault::path::fold(shown);
                    vault.note(target).is_some_and(|t| {
                        t.aliases()
                            .any(|(alias, _)| vaultls::vault::path::fold(alias.trim()) == folded)
                    })
                });
            let written = match shown {
                Some(alias) => alias.to_string(),
                None => link.target(note.src()).into_owned(),
            };
            // `VAULTLS_REPLAY_NAMES=1`: a link written with a folder path is replayed as
            // typing the note's name (what Obsidian's suggester is given, when its link format
            // writes the path of the note picked: absolute or relative).
            let written = match written.rsplit_once('/') {
                Some((_, name)) if type_names => name.to_string(),
                _ => written,
            };
            if link.kind() != LinkKind::Wiki
                || link.embed()
                || target == id
                || vault.note(target).is_none()
                || (written.chars().count() < 5 && !short_too)
            {
                continue;
            }
            // With a history, only links it dates, replayed at that time.
            let when = match &history {
                Some(h) => {
                    let raw = link.target(note.src()).trim().to_lowercase();
                    match h.added.get(&(vault.path(id).to_string(), raw)) {
                        Some(&t) => Some(t),
                        None => continue,
                    }
                }
                None => None,
            };
            links.push((id, link.span().start as usize, target, written, when));
        }
    }
    let step = links.len().div_ceil(SAMPLES).max(1);
    let sample: Vec<_> = links.into_iter().step_by(step).collect();
    let mut tally = Tally::new();
    // `VAULTLS_REPLAY_NO_BACKLINK=1`: the target's own links to the note being written are
    // blanked for the replay, as if the author wrote the link before the one back (the
    // replay otherwise sees the vault as it ended).
    let no_backlink = std::env::var_os("VAULTLS_REPLAY_NO_BACKLINK").is_some();
    for (source, start, target, written, when) in &sample {
        let path = vault.path(*source).to_string();
        if let (Some(h), Some(t)) = (&history, when) {
            let paths: Vec<String> = vault.notes().map(|(id, _)| vault.path(id).into()).collect();
            for p in paths {
                vault.set_modified(&p, h.modified_before(&p, *t));
            }
        }
        let original = vault.note(*source).unwrap().text().unwrap().to_string();
        // The target's path and text, to put back after the replay (blanked meanwhile).
        let target_original = no_backlink.then(|| {
            let note = vault.note(*target).unwrap();
            let mut blanked = note.text().unwrap().to_string().into_bytes();
            for (link, resolution) in note.syntax.links.iter().zip(note.resolved.iter()) {
                if resolution.file() == Some(*source) {
                    blanked[link.span().range()].fill(b' ');
                }
            }
            let blanked = String::from_utf8(blanked).expect("links are whole characters");
            let original = (
                vault.path(*target).to_string(),
                note.text().unwrap().to_string(),
            );
            vault.update_note(&original.0, blanked);
            original
        });
        type_link(
            &mut vault,
            &path,
            &original[..*start],
            written,
            *target,
            &[],
            &mut tally,
        );
        vault.update_note(&path, original);
        if let Some((target_path, text)) = target_original {
            vault.update_note(&target_path, text);
        }
    }
    tally.result(&dir.display().to_string(), notes.len())
}

/// Types a link in the note at `path` after `before`: `[[` and the first characters of
/// `written`, asking for completion at each of [`LENGTHS`] and counting where `target` is.
/// `open`: the notes open in the editor meanwhile. Leaves the note holding the last text
/// typed.
pub fn type_link(
    vault: &mut Vault,
    path: &str,
    before: &str,
    written: &str,
    target: FileId,
    open: &[FileId],
    tally: &mut Tally,
) {
    let options = CompletionOptions {
        open: open.to_vec(),
        ..CompletionOptions::default()
    };
    tally.links += 1;
    // `VAULTLS_REPLAY_LOWER=1`: typed in lowercase, as by a writer who leaves shift alone (the
    // ranking folds case; the filter texts a client sorts by do not).
    let lower = std::env::var_os("VAULTLS_REPLAY_LOWER").map(|_| written.to_lowercase());
    let written = lower.as_deref().unwrap_or(written);
    // `VAULTLS_REPLAY_PLAIN=1`: typed without accents (`ordenacao` for `Ordenação`), as on a
    // keyboard without them.
    let plain = std::env::var_os("VAULTLS_REPLAY_PLAIN").map(|_| {
        use unicode_normalization::UnicodeNormalization;
        use unicode_normalization::char::is_combining_mark;
        written
            .nfd()
            .filter(|&c| !is_combining_mark(c))
            .collect::<String>()
    });
    let written = plain.as_deref().unwrap_or(written);
    for (i, &k) in LENGTHS.iter().enumerate() {
        let typed: String = written.chars().take(k).collect();
        let text = format!("{before}[[{typed}");
        let offset = text.len();
        vault.update_note(path, text);
        let file = vault.id(path).unwrap();
        let begun = Instant::now();
        let answer = completion(vault, file, offset, &options);
        tally.times.push(begun.elapsed().as_secs_f64() * 1000.0);
        let rank = answer
            .as_ref()
            .and_then(|c| c.items.iter().position(|item| item.file == Some(target)));
        if let Some(out) = &mut tally.client {
            client_line(out, &typed, rank, answer.as_ref());
        }
        if let Ok(show) = std::env::var("VAULTLS_REPLAY_MISSES")
            && show == k.to_string()
            && rank != Some(0)
        {
            let top: Vec<String> = answer
                .iter()
                .flat_map(|c| c.items.iter().take(3))
                .map(|item| {
                    format!(
                        "{} ({})",
                        item.label,
                        item.detail.clone().unwrap_or_default()
                    )
                })
                .collect();
            eprintln!(
                "miss: [[{typed} rank {rank:?} for {} from {path}: {top:?}",
                vault.path(target)
            );
        }
        match rank {
            Some(0) => {
                tally.top1[i] += 1;
                tally.top5[i] += 1;
            }
            Some(r) if r < 5 => tally.top5[i] += 1,
            Some(_) => {}
            None => {
                tally.absent[i] += 1;
                if k == 5 && std::env::var_os("VAULTLS_REPLAY_SHOW").is_some() {
                    let top: Vec<String> = answer
                        .iter()
                        .flat_map(|c| c.items.iter().take(3))
                        .map(|item| item.label.clone())
                        .collect();
                    eprintln!(
                        "absent: [[{typed} for {} (from {path}): {top:?} ({} items)",
                        vault.path(target),
                        answer.as_ref().map_or(0, |c| c.items.len())
                    );
                }
            }
        }
    }
}

/// Where the intended notes were, over the links replayed.
#[derive(Default)]
pub struct Tally {
    links: usize,
    top1: [usize; LENGTHS.len()],
    top5: [usize; LENGTHS.len()],
    absent: [usize; LENGTHS.len()],
    /// Completion times, ms.
    times: Vec<f64>,
    /// `VAULTLS_REPLAY_CLIENT=FILE`: each list as a client gets it ([`client_line`]).
    client: Option<std::io::BufWriter<std::fs::File>>,
}

impl Tally {
    pub fn new() -> Tally {
        // The vaults of one run go to the file one after the other; a new run starts it anew.
        static STARTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
        let client = std::env::var_os("VAULTLS_REPLAY_CLIENT").map(|path| {
            let again = STARTED.swap(true, std::sync::atomic::Ordering::Relaxed);
            let file = std::fs::OpenOptions::new()
                .create(true)
                .write(true)
                .append(again)
                .truncate(!again)
                .open(path);
            std::io::BufWriter::new(file.expect("VAULTLS_REPLAY_CLIENT: cannot write the file"))
        });
        Tally {
            client,
            ..Tally::default()
        }
    }
}

/// One list as a client gets it, a line of JSON: what was typed, where the note meant is in
/// the server's order, and each item's filter text in that order. A client sorts by its own
/// fuzzy score of what was typed against the filter texts first and by the server's order
/// (`sortText`) among equals: `benches/vault/client_order.mjs` sorts the lines as VS Code
/// does and says where the note meant is then (BENCHMARKS.md).
fn client_line(
    out: &mut impl std::io::Write,
    typed: &str,
    rank: Option<usize>,
    answer: Option<&Completion>,
) {
    let items: Vec<&str> = answer
        .iter()
        .flat_map(|c| c.items.iter().map(|item| item.filter_text.as_str()))
        .collect();
    let line = json!({ "typed": typed, "rank": rank, "items": items });
    writeln!(out, "{line}").expect("VAULTLS_REPLAY_CLIENT: cannot write the file");
}

impl Tally {
    /// The result as JSON ([`table`] renders it).
    pub fn result(mut self, vault: &str, notes: usize) -> Value {
        self.times.sort_by(f64::total_cmp);
        let pct = |n: usize| 100.0 * n as f64 / self.links.max(1) as f64;
        let quantile = |q: f64| {
            let times = &self.times;
            times
                .get(((times.len() as f64 * q) as usize).min(times.len().saturating_sub(1)))
                .copied()
                .unwrap_or(0.0)
        };
        let rows: Vec<Value> = LENGTHS
            .iter()
            .enumerate()
            .map(|(i, k)| {
                json!({
                    "typed": k,
                    "top1_pct": (pct(self.top1[i]) * 10.0).round() / 10.0,
                    "top5_pct": (pct(self.top5[i]) * 10.0).round() / 10.0,
                    "absent_pct": (pct(self.absent[i]) * 10.0).round() / 10.0,
                })
            })
            .collect();
        // What the weights of `Context::score` were tuned on (its comment says what each buys
        // in these points): top-1 at 2, 3 and 5 typed characters and top-5 at 2 and 3, minus
        // twice the absent at 3.
        let at = |k: usize| {
            LENGTHS
                .iter()
                .position(|&l| l == k)
                .expect("a replayed length")
        };
        let objective = pct(self.top1[at(2)])
            + pct(self.top1[at(3)])
            + pct(self.top1[at(5)])
            + pct(self.top5[at(2)])
            + pct(self.top5[at(3)])
            - 2.0 * pct(self.absent[at(3)]);
        json!({
            "vault": vault,
            "notes": notes,
            "links_replayed": self.links,
            "objective": (objective * 10.0).round() / 10.0,
            "by_typed_length": rows,
            "completion_ms_p50": (quantile(0.5) * 100.0).round() / 100.0,
            "completion_ms_p95": (quantile(0.95) * 100.0).round() / 100.0,
        })
    }
}

/// After the replays' tables: their objectives summed (when more than one) and all of them
/// written as JSON to `file` (relative to the crate).
pub fn report(results: &[Value], file: &str) {
    if results.len() > 1 {
        let sum: f64 = results.iter().filter_map(|r| r["objective"].as_f64()).sum();
        println!("objective, summed over the vaults: {:.1}", sum);
    }
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    std::fs::write(&out, serde_json::to_string_pretty(results).unwrap()).unwrap();
}

/// The result as a Markdown table.
pub fn table(r: &Value) -> String {
    let mut out = format!(
        "{} ({} notes, {} links replayed; completion p50 {} ms, p95 {} ms)\n\n| typed | 1 | 2 | 3 | 5 |\n|---|---|---|---|---|\n",
        r["vault"], r["notes"], r["links_replayed"], r["completion_ms_p50"], r["completion_ms_p95"]
    );
    for (key, label) in [
        ("top1_pct", "top-1 %"),
        ("top5_pct", "top-5 %"),
        ("absent_pct", "absent %"),
    ] {
        out += &format!("| {label} |");
        for row in r["by_typed_length"].as_array().unwrap() {
            out += &format!(" {} |", row[key]);
        }
        out += "\n";
    }
    out += &format!(
        "\nobjective (as tuned in `Context::score`): {}\n",
        r["objective"]
    );
    out
}

/// `VAULTLS_REPLAY_HISTORY=GIT_DIR[:FOLDER]`: the vault's history in its git repository (the
/// vault being FOLDER of it), read as `--replay-travel` reads it: each link is replayed at
/// the time a commit added it, with every note's modification time as it was then (its last
/// commit before), so that recency can be measured. Links the history does not date are left
/// out.
struct History {
    /// Each note's commits: their times (nanoseconds) and whether the note is there after.
    commits: std::collections::HashMap<String, Vec<(u64, bool)>>,
    /// (note, target lowercased) → the time of the first commit adding such a link there.
    added: std::collections::HashMap<(String, String), u64>,
    /// `VAULTLS_REPLAY_SAME_COMMIT=1`: a note committed with the link counts as modified
    /// before it was written (by default, after: commits of a synced vault are minutes apart,
    /// and git cannot tell which came first).
    same_commit: bool,
}

impl History {
    fn read(spec: &str) -> History {
        let (git_dir, folder) = spec.split_once(':').unwrap_or((spec, ""));
        let (history, adds) = super::travel::added_links(Path::new(git_dir), folder);
        let mut commits: std::collections::HashMap<String, Vec<(u64, bool)>> = Default::default();
        for commit in &history {
            for (path, exists) in commit.notes() {
                commits
                    .entry(path.to_string())
                    .or_default()
                    .push((commit.time, exists));
            }
        }
        // Dated by the first commit adding the link to the note, wherever the note was then:
        // a note moved takes its links' dates along.
        let mut by_note: std::collections::HashMap<String, std::collections::HashMap<String, u64>> =
            Default::default();
        let mut adds = adds.into_iter().peekable();
        for (i, commit) in history.iter().enumerate() {
            for (from, to) in commit.moves() {
                if let Some(dates) = by_note.remove(from) {
                    let into = by_note.entry(to.to_string()).or_default();
                    for (target, time) in dates {
                        into.entry(target).or_insert(time);
                    }
                }
            }
            while let Some((_, path, target)) = adds.next_if(|(at, ..)| *at == i) {
                (by_note.entry(path).or_default())
                    .entry(target.to_lowercase())
                    .or_insert(commit.time);
            }
        }
        let added = (by_note.into_iter())
            .flat_map(|(path, dates)| {
                dates
                    .into_iter()
                    .map(move |(t, time)| ((path.clone(), t), time))
            })
            .collect();
        History {
            commits,
            added,
            same_commit: std::env::var_os("VAULTLS_REPLAY_SAME_COMMIT").is_some(),
        }
    }

    /// The time of `path`'s last commit before `t`, in nanoseconds; `None` when it did not
    /// exist then.
    fn modified_before(&self, path: &str, t: u64) -> Option<u64> {
        let list = self.commits.get(path)?;
        let i = list.partition_point(|&(time, _)| time < t || (self.same_commit && time == t));
        let &(time, exists) = list.get(i.checked_sub(1)?)?;
        exists.then_some(time)
    }
}
