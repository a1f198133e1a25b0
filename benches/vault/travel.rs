//! `-- --replay-travel GIT_DIR[:FOLDER]…`: the replay through a vault's git history, each
//! link typed in the vault as it was when the link was written.
//!
//! The usual replay types links into the vault as it ended: every note created since is
//! there to compete, and every link written since is there to help (a note linking back,
//! popularity, neighbours). Here the vault is built commit by commit from the repository's
//! history (its notes under `FOLDER`, the whole repository without one), with each note's
//! modification time the time of its last commit. Links a commit adds are sampled (every
//! k-th, about [`ADDS`] of them); each is typed just before its commit is applied: after the
//! text the commit's version of the note has before the link, among the other notes as they
//! were. A link whose target did not exist before its commit is not replayed: no completion
//! could have offered it.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;
use vaultls::syntax::{LinkKind, parse_note};
use vaultls::vault::path::{file_name, link_key};
use vaultls::vault::{FileId, Vault};

use super::replay::{Tally, type_link};

/// Links added in the history that are sampled (those whose target existed are replayed).
const ADDS: usize = 3000;

/// One file changed by a commit.
struct Change {
    /// Vault path.
    path: String,
    /// The vault path it was moved from, for a note the commit moves ([`moves`]).
    from: Option<String>,
    /// The blob before and after the commit; `None` for a note it adds or deletes.
    old: Option<String>,
    new: Option<String>,
}

pub struct Commit {
    /// Nanoseconds since 1970.
    pub time: u64,
    changes: Vec<Change>,
}

impl Commit {
    /// The notes the commit changed, each with whether it is there after it (a note moved:
    /// where it was, gone, and where it is).
    pub fn notes(&self) -> impl Iterator<Item = (&str, bool)> {
        self.changes.iter().flat_map(|c| {
            let from = c.from.as_deref().map(|from| (from, false));
            from.into_iter().chain([(c.path.as_str(), c.new.is_some())])
        })
    }

    /// The notes the commit moves: (from, to).
    pub fn moves(&self) -> impl Iterator<Item = (&str, &str)> {
        (self.changes.iter()).filter_map(|c| Some((c.from.as_deref()?, c.path.as_str())))
    }
}

/// Blobs read from the repository by one `git cat-file --batch`.
struct Blobs {
    child: std::process::Child,
    /// `None` once closed (on drop, so that git ends).
    input: Option<std::process::ChildStdin>,
    output: BufReader<std::process::ChildStdout>,
    cache: HashMap<String, Option<String>>,
}

impl Blobs {
    fn open(git_dir: &Path) -> Blobs {
        let mut child = Command::new("git")
            .arg(format!("--git-dir={}", git_dir.display()))
            .args(["cat-file", "--batch"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("git cat-file");
        Blobs {
            input: child.stdin.take(),
            output: BufReader::new(child.stdout.take().unwrap()),
            cache: HashMap::new(),
            child,
        }
    }

    /// A blob's text (lossy), `None` when the repository lacks it (a partial clone).
    fn get(&mut self, sha: &str) -> Option<String> {
        if let Some(text) = self.cache.get(sha) {
            return text.clone();
        }
        let input = self.input.as_mut().unwrap();
        writeln!(input, "{sha}").unwrap();
        input.flush().unwrap();
        let mut header = String::new();
        self.output.read_line(&mut header).unwrap();
        let fields: Vec<&str> = header.split_whitespace().collect();
        let text = match fields.as_slice() {
            [_, _, size] => {
                let mut bytes = vec![0; size.parse().unwrap()];
                self.output.read_exact(&mut bytes).unwrap();
                let mut newline = [0];
                self.output.read_exact(&mut newline).unwrap();
                Some(String::from_utf8_lossy(&bytes).into_owned())
            }
            _ => None,
        };
        // Only the blobs read twice (a note's text before and after a commit) are kept.
        if self.cache.len() > 4096 {
            self.cache.clear();
        }
        self.cache.insert(sha.to_string(), text.clone());
        text
    }
}

impl Drop for Blobs {
    fn drop(&mut self) {
        drop(self.input.take());
        let _ = self.child.wait();
    }
}

/// The history of the notes under `folder`, oldest commit first.
fn history(git_dir: &Path, folder: &str) -> Vec<Commit> {
    let out = Command::new("git")
        .arg(format!("--git-dir={}", git_dir.display()))
        .args([
            "log",
            "--reverse",
            "--format=C %ct",
            "--raw",
            "--no-renames",
            "--no-abbrev",
        ])
        .args(["--", if folder.is_empty() { "." } else { folder }])
        .output()
        .expect("git log");
    let mut commits: Vec<Commit> = Vec::new();
    let none = |sha: &str| (!sha.bytes().all(|b| b == b'0')).then(|| sha.to_string());
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        if let Some(time) = line.strip_prefix("C ") {
            commits.push(Commit {
                time: time.parse::<u64>().unwrap() * 1_000_000_000,
                changes: Vec::new(),
            });
        } else if let Some((meta, path)) = line.strip_prefix(':').and_then(|l| l.split_once('\t')) {
            let fields: Vec<&str> = meta.split_whitespace().collect();
            let rel = path
                .strip_prefix(folder)
                .unwrap_or(path)
                .trim_start_matches('/');
            if !rel.ends_with(".md") || commits.is_empty() {
                continue;
            }
            commits.last_mut().unwrap().changes.push(Change {
                path: rel.to_string(),
                from: None,
                old: none(fields[2]),
                new: none(fields[3]),
            });
        }
    }
    for commit in &mut commits {
        moves(&mut commit.changes);
    }
    commits
}

/// Pairs the notes a commit deletes with the ones it adds into moves: the same text and file
/// name, else the one note of a text deleted and the one added, else the one of a file name
/// (a move to another folder, edited or not). A note moved is not a note written anew: every
/// link of a note moved would count as added by the move (a third of the zettelkasten's note
/// changes are moves), and be typed in it with the note still where it was, under a name like
/// its own. Done here, not by git's rename detection, which reads the blobs and stops at the
/// first one a partial clone lacks.
fn moves(changes: &mut Vec<Change>) {
    let mut gone = vec![false; changes.len()];
    for pass in 0..3 {
        // An add's text is its new blob, a delete's its old one.
        let key = |c: &Change| {
            let blob = c.new.as_deref().or(c.old.as_deref()).unwrap_or_default();
            match pass {
                0 => format!("{blob}/{}", file_name(&c.path)),
                1 => blob.to_string(),
                _ => file_name(&c.path).to_string(),
            }
        };
        let mut adds: HashMap<String, Vec<usize>> = HashMap::new();
        let mut dels: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, c) in changes.iter().enumerate() {
            if c.old.is_none() && c.new.is_some() && c.from.is_none() {
                adds.entry(key(c)).or_default().push(i);
            } else if c.old.is_some() && c.new.is_none() && !gone[i] {
                dels.entry(key(c)).or_default().push(i);
            }
        }
        for (key, dels) in dels {
            match (dels.as_slice(), adds.get(&key).map(Vec::as_slice)) {
                (&[d], Some(&[a])) => {
                    changes[a].from = Some(changes[d].path.clone());
                    changes[a].old = changes[d].old.clone();
                    gone[d] = true;
                }
                _ => continue,
            }
        }
    }
    let mut gone = gone.into_iter();
    changes.retain(|_| !gone.next().unwrap_or(false));
}

/// The wikilinks of a note's text: (target as written, trimmed; start of the link).
fn wikilinks(text: &str) -> Vec<(String, usize)> {
    parse_note(text)
        .links
        .iter()
        .filter(|l| l.kind() == LinkKind::Wiki && !l.embed())
        .map(|l| (l.target(text).trim().to_string(), l.span().start as usize))
        .filter(|(t, _)| !t.is_empty())
        .collect()
}

/// The history of the notes under `folder`, oldest commit first, and every link a commit adds
/// to a note: (commit, path, target as written).
#[allow(clippy::type_complexity)]
pub fn added_links(git_dir: &Path, folder: &str) -> (Vec<Commit>, Vec<(usize, String, String)>) {
    let commits = history(git_dir, folder);
    let mut blobs = Blobs::open(git_dir);
    let mut adds: Vec<(usize, String, String)> = Vec::new();
    for (i, commit) in commits.iter().enumerate() {
        for change in &commit.changes {
            let Some(new) = change.new.as_deref().and_then(|s| blobs.get(s)) else {
                continue;
            };
            let before: std::collections::HashSet<String> = match change.old.as_deref() {
                Some(old) => match blobs.get(old) {
                    // By what each link names ([`link_key`]: its last part, folded, without
                    // `.md`), whatever path it is written with: a link the note had to the
                    // same name is not a link added. Moving notes rewrites the paths of the
                    // links to them (Obsidian does it), and those were not typed (a rules
                    // compendium moved into a subfolder had a thousand links rewritten so).
                    Some(text) => (wikilinks(&text).iter())
                        .map(|(t, _)| link_key(t).into_owned())
                        .collect(),
                    None => continue,
                },
                None => Default::default(),
            };
            let mut seen = std::collections::HashSet::new();
            for (target, _) in wikilinks(&new) {
                if !before.contains(&*link_key(&target)) && seen.insert(target.clone()) {
                    adds.push((i, change.path.clone(), target));
                }
            }
        }
    }
    (commits, adds)
}

pub fn measure(git_dir: &Path, folder: &str) -> Value {
    let (commits, adds) = added_links(git_dir, folder);
    let mut blobs = Blobs::open(git_dir);
    let step = adds.len().div_ceil(ADDS).max(1);
    let mut sampled: HashMap<usize, Vec<(String, String)>> = HashMap::new();
    for (i, path, target) in adds.into_iter().step_by(step) {
        sampled.entry(i).or_default().push((path, target));
    }
    let mut vault = Vault::new("/travel");
    let mut tally = Tally::new();
    let short_too = std::env::var_os("VAULTLS_REPLAY_SHORT").is_some();
    let open_mode = std::env::var("VAULTLS_REPLAY_OPEN").ok();
    for (i, commit) in commits.iter().enumerate() {
        // A note moved is moved before it is written in: its links are typed where it is
        // going, and it is no longer where it was.
        for (from, to) in commit.moves() {
            if !vault.rename_file(from, to) {
                vault.remove_file(from);
            }
        }
        for (path, target) in sampled.remove(&i).unwrap_or_default() {
            let change = commit.changes.iter().find(|c| c.path == path).unwrap();
            let Some(text) = change.new.as_deref().and_then(|s| blobs.get(s)) else {
                continue;
            };
            let Some(&(_, start)) = wikilinks(&text).iter().find(|(t, _)| *t == target) else {
                continue;
            };
            if target.chars().count() < 5 && !short_too {
                continue;
            }
            // The note as it was, to put back; the new one holds the text before the link.
            let original = vault.id(&path).and_then(|id| {
                let note = vault.note(id)?;
                Some((note.text().unwrap().to_string(), vault.modified(id)))
            });
            vault.update_note(&path, text[..start].to_string());
            let source = vault.id(&path).unwrap();
            let intended = match vault.resolve_path(source, &target).file() {
                Some(id) if vault.note(id).is_some() => id,
                _ => source,
            };
            if intended != source {
                // `VAULTLS_REPLAY_OPEN=commit`: the notes open in the editor are the others
                // this commit changes that were there before it (edited in the same sitting;
                // the history cannot say whether before the link or after);
                // `=commit-but-target`: the same without the link's target (never the
                // note meant: what the signal costs when it only misleads).
                let open: Vec<FileId> = match open_mode.as_deref() {
                    Some(mode @ ("commit" | "commit-but-target")) => (commit.changes.iter())
                        .filter(|c| c.old.is_some() && c.new.is_some() && c.path != path)
                        .filter_map(|c| vault.id(&c.path))
                        .filter(|&id| mode == "commit" || id != intended)
                        .collect(),
                    _ => Vec::new(),
                };
                type_link(
                    &mut vault,
                    &path,
                    &text[..start],
                    &target,
                    intended,
                    &open,
                    &mut tally,
                );
            }
            match original {
                Some((text, modified)) => {
                    vault.update_note(&path, text);
                    vault.set_modified(&path, modified);
                }
                None => {
                    vault.remove_file(&path);
                }
            }
        }
        for change in &commit.changes {
            match change.new.as_deref().map(|s| blobs.get(s)) {
                Some(Some(text)) => {
                    vault.update_note(&change.path, text);
                    vault.set_modified(&change.path, Some(commit.time));
                }
                // A blob the repository lacks: the note as it was.
                Some(None) => {}
                None => {
                    vault.remove_file(&change.path);
                }
            }
        }
    }
    let notes = vault.notes().count();
    tally.result(
        &format!("{} {folder} (through its history)", git_dir.display()),
        notes,
    )
}
