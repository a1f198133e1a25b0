//! The store and every feature on fuzzer-chosen vaults: after any sequence of writes, removes
//! and renames the store equals a fresh load of the same files; no feature panics at any
//! offset; a note rename's edits are well-formed and keep every link pointing at the note.
#![no_main]

use std::collections::BTreeMap;

use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use vaultls::features::{
    Cancel, code_actions, completion, definition, diagnostics, hover, links, mentions, references,
    rename, semantic, structure, symbols,
};
use vaultls::syntax::{Span, line_index::floor_char_boundary};
use vaultls::vault::{FileId, Vault, path::is_note_path};

const PATHS: &[&str] = &[
    "Note.md",
    "a/Note.md",
    "b/note.md",
    "People/Tomer Hagay.md",
    "People/Zoë Åberg.md",
    "x/Microsoft.md",
    "img.png",
    "a/img.png",
    "Board.canvas",
    "a/b/Deep.md",
    "Local.md",
    "with space/%20.md",
];

const FRAGMENTS: &[&str] = &[
    "[[Note]]",
    "[[a/Note.md|shown]]",
    "[[Microsoft#H#Sub]]",
    "[[./Note]]",
    "[[../Note]]",
    "[[../../../etc/passwd]]",
    "[x](/etc/passwd)",
    "![[img.png]]",
    "[[Tomer Hagay|TH]]",
    "[[Zoë Åberg]]",
    "[x](Note.md)",
    "[y](../Local.md#^b1)",
    "[z](<with space/%20.md>)",
    "[[#H]]",
    "[[TH]]",
    "[[Deep#^b1]]",
    "[[/Local]]",
    "[[Board.canvas]]",
    "# H\n",
    "## Sub\n",
    "para ^b1\n",
    "#t #T/x ",
    "`[[code]]`",
    "%% [[hidden]] %%",
    "---\naliases: [TH, \"Zo\"]\ntags: [t, x/y]\ntype: people\n---\n",
    "VASTâ€™s ",
    "\r\n",
    "\n- [ ] task [[Note]]\n",
    "> quote [[Local#",
    "[[",
    "]]",
    "|",
    "#",
    "^",
];

#[derive(Arbitrary, Debug)]
enum Piece {
    Fragment(u8),
    Raw(String),
}

#[derive(Arbitrary, Debug)]
enum Op {
    Write(u8, Vec<Piece>),
    Remove(u8),
    Rename(u8, u8),
    Query(u8, u16),
    RenameNote(u8, String),
}

fn path(n: u8) -> &'static str {
    PATHS[n as usize % PATHS.len()]
}

fn text(pieces: &[Piece]) -> String {
    pieces
        .iter()
        .map(|p| match p {
            Piece::Fragment(n) => FRAGMENTS[*n as usize % FRAGMENTS.len()],
            Piece::Raw(s) => s.as_str(),
        })
        .collect()
}

fn fresh(files: &BTreeMap<String, Option<String>>) -> Vault {
    Vault::from_files(
        "/v",
        files.iter().map(|(p, t)| (p.clone(), t.clone())).collect(),
    )
}

/// A selection end a little after `offset`, on a character boundary.
fn query_end_of(text: &str, offset: usize) -> usize {
    floor_char_boundary(text, text.len().min(offset + 40))
}

fn query(vault: &Vault, file: FileId, offset: u16) {
    let (Some(note), Some(text)) = (vault.note(file), vault.text(file)) else {
        return;
    };
    let text: &str = &text;
    let offset = floor_char_boundary(text, usize::from(offset).min(text.len()));
    let span = Span::new(offset, text.len());
    let _ = completion::completion(
        vault,
        file,
        offset,
        &completion::CompletionOptions {
            limit: 50,
            ..Default::default()
        },
    );
    // With daily notes on, and block search (`[[^^` anywhere in the text reaches it).
    let today = vaultls::features::dates::Date {
        year: 2026,
        month: 11,
        day: 30,
    };
    let options = completion::CompletionOptions {
        limit: 20,
        daily: Some((today, Default::default())),
        // Notes open in the editor (the one being written among them, maybe).
        open: vault.notes().map(|(id, _)| id).take(3).collect(),
        ..Default::default()
    };
    let _ = completion::completion(vault, file, offset, &options);
    if let Some(Ok((_, ids))) =
        completion::block_search(vault, file, offset, &options, Cancel::NEVER)
    {
        for new in ids.into_iter().flatten() {
            let _ = vaultls::features::blocks::add_id(vault, &new);
        }
    }
    // The new note at the root (moved links written again from there) and beside this one.
    let _ = vaultls::features::extract::extract_actions(
        vault,
        file,
        Span::new(offset, query_end_of(text, offset)),
        &vaultls::config::NewNotes::Root,
    );
    let _ = vaultls::features::extract::extract_actions(
        vault,
        file,
        Span::empty(offset),
        &vaultls::config::NewNotes::Current,
    );
    let _ = vaultls::features::inlay::embed_hints(vault, file, span);
    let _ = definition::definition(vault, file, offset);
    let _ = references::references(vault, file, offset, true, Cancel::NEVER);
    let _ = hover::hover(vault, file, offset);
    let _ = code_actions::code_actions(vault, file, span, &Default::default());
    let daily = Default::default();
    // The note's own folder, and a folder that may not exist or climbs out of the vault.
    let new_notes = [
        vaultls::config::NewNotes::Current,
        vaultls::config::NewNotes::Folder(format!(
            "{}/../x",
            &text[..floor_char_boundary(text, offset.min(3))]
        )),
    ];
    let _ = code_actions::code_actions(
        vault,
        file,
        Span::empty(offset),
        &code_actions::CodeActionOptions {
            templates: Some("Templates"),
            daily: Some((today, &daily)),
            new_notes: Some(&new_notes[offset % 2]),
        },
    );
    let _ = diagnostics::note_diagnostics(vault, file);
    let _ = semantic::tokens(vault, file);
    let _ = structure::folding_ranges(vault, file);
    let _ = structure::document_links(vault, file);
    let _ = symbols::outline(&note.syntax, note.src());
    let query_end = floor_char_boundary(text, text.len().min(offset + 4));
    let _ = symbols::workspace_symbols(vault, &text[offset..query_end], 20, Cancel::NEVER);
    let _ = mentions::unlinked_mentions(vault, file, Cancel::NEVER);
    let _ = mentions::mention_at(vault, file, offset);
    if let Some((target, _, _)) = rename::prepare(vault, file, offset) {
        let result = match target {
            rename::RenameTarget::Note(id) => {
                rename::rename_note(vault, id, "Renamed", Cancel::NEVER).map(|r| r.edits)
            }
            rename::RenameTarget::Heading(id, i) => {
                rename::rename_heading(vault, id, i, "New H", Cancel::NEVER)
            }
            rename::RenameTarget::Tag(tag) => {
                rename::rename_tag(vault, &tag, "new/tag", Cancel::NEVER)
            }
            rename::RenameTarget::Label(id, i) => rename::rename_label(vault, id, i, "new"),
        };
        if let Ok(edits) = result {
            well_formed(vault, &edits);
        }
    }
    // The note moved two folders deeper, as a file tree move asks.
    let deeper = format!("Moved/Deeper/{}", vault.path(file));
    if let Ok(edits) = rename::move_files(vault, &[(file, deeper)], Cancel::NEVER) {
        well_formed(vault, &edits);
    }
}

/// Edits lie inside their note, on character boundaries, and do not overlap.
fn well_formed(vault: &Vault, edits: &[links::Edit]) {
    let mut by_file: BTreeMap<FileId, Vec<Span>> = BTreeMap::new();
    for e in edits {
        let text = vault.text(e.file).expect("edits go to notes");
        let (s, t) = (e.span.start as usize, e.span.end as usize);
        assert!(s <= t && t <= text.len(), "{e:?}");
        assert!(
            text.is_char_boundary(s) && text.is_char_boundary(t),
            "{e:?}"
        );
        by_file.entry(e.file).or_default().push(e.span);
    }
    for spans in by_file.values_mut() {
        spans.sort_by_key(|s| (s.start, s.end));
        for w in spans.windows(2) {
            assert!(w[0].end <= w[1].start, "overlapping edits {w:?}");
        }
    }
}

fuzz_target!(|ops: Vec<Op>| {
    let mut model: BTreeMap<String, Option<String>> = BTreeMap::new();
    let mut vault = fresh(&model);
    for op in ops.iter().take(24) {
        match op {
            Op::Write(p, pieces) => {
                let path = path(*p);
                let text = is_note_path(path).then(|| text(pieces));
                vault.upsert_file(path, text.clone());
                model.insert(path.to_string(), text);
            }
            Op::Remove(p) => {
                let existed = model.remove(path(*p)).is_some();
                assert_eq!(vault.remove_file(path(*p)), existed);
            }
            Op::Rename(a, b) => {
                let (from, to) = (path(*a), path(*b));
                let expected = from != to && model.contains_key(from) && !model.contains_key(to);
                assert_eq!(vault.rename_file(from, to), expected);
                if expected {
                    let text = model.remove(from).unwrap();
                    model.insert(
                        to.to_string(),
                        is_note_path(to).then(|| text.unwrap_or_default()),
                    );
                }
            }
            Op::Query(p, offset) => {
                if let Some(id) = vault.id(path(*p)) {
                    query(&vault, id, *offset);
                }
            }
            Op::RenameNote(p, name) => {
                let Some(id) = vault.id(path(*p)) else {
                    continue;
                };
                if vault.note(id).is_none() {
                    continue;
                }
                let Ok(plan) = rename::rename_note(&vault, id, name, Cancel::NEVER) else {
                    continue;
                };
                well_formed(&vault, &plan.edits);
                // Apply it to a copy of the files, as the client would.
                let mut files = model.clone();
                let mut by_file: BTreeMap<FileId, Vec<&links::Edit>> = BTreeMap::new();
                for e in &plan.edits {
                    by_file.entry(e.file).or_default().push(e);
                }
                for (file, mut edits) in by_file {
                    let slot = files.get_mut(vault.path(file)).unwrap().as_mut().unwrap();
                    edits.sort_by_key(|e| std::cmp::Reverse(e.span.start));
                    for e in edits {
                        slot.replace_range(e.span.range(), &e.new_text);
                    }
                }
                let old = vault.path(id).to_string();
                if plan.new_path != old {
                    if files.contains_key(&plan.new_path) {
                        // A rename onto an existing file must be refused, never planned.
                        panic!("rename of {old} onto existing {}", plan.new_path);
                    }
                    let t = files.remove(&old).unwrap();
                    files.insert(plan.new_path.clone(), t);
                }
                // Every link that opened the note still opens it (others may now open it
                // too: unresolved links with the new name).
                let after = fresh(&files);
                let moved = after.id(&plan.new_path).expect("renamed note exists");
                for (source, note) in vault.notes() {
                    let path = if source == id {
                        plan.new_path.as_str()
                    } else {
                        vault.path(source)
                    };
                    let now = after.note(after.id(path).unwrap()).unwrap();
                    for (i, r) in note.resolved.iter().enumerate() {
                        if r.file() == Some(id) {
                            assert_eq!(
                                now.resolved[i].file(),
                                Some(moved),
                                "{old} -> {}: link {i} of {path} lost",
                                plan.new_path
                            );
                        }
                    }
                }
            }
        }
        assert_eq!(vault.dump(), fresh(&model).dump());
    }
});
