//! Completion: note names, titles and aliases after `[[` (and attachments after `![[`), a
//! note's headings after `[[Note#`, its block ids after `[[Note#^`, tags after `#`, and note
//! paths after `](` in Markdown links.

use nucleo_matcher::{Config, Matcher, Utf32Str};
use percent_encoding::utf8_percent_encode;

use super::dates::{self, Date};
use super::links::{link_text, styled_link_text};
use crate::config::{DailyNotes, LinkFormat};
use crate::syntax::line_index::floor_char_boundary;
use crate::syntax::{LINK_PATH_ENCODE, Span, TextAt, is_tag_char};
use crate::vault::path::{file_name, fold, is_note_path, is_within, parent, stem};
use crate::vault::{FileId, Linking, NameKind, Resolution, Vault};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ItemKind {
    Note,
    Alias,
    Attachment,
    Heading,
    Block,
    Tag,
    /// A frontmatter key.
    Property,
    /// A frontmatter value.
    Value,
    /// A name linked somewhere whose note does not exist yet.
    Unresolved,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompletionItem {
    pub label: String,
    pub kind: ItemKind,
    /// Where the item lives (a note's folder, a heading's level).
    pub detail: Option<String>,
    /// The text that replaces `replace`.
    pub new_text: String,
    pub replace: Span,
    /// What the client filters on as the user types on.
    pub filter_text: String,
    /// The note or file the item names, for documentation on demand.
    pub file: Option<FileId>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Completion {
    /// Best first.
    pub items: Vec<CompletionItem>,
    /// More matched than were sent: the client must ask again as the user types.
    pub is_incomplete: bool,
}

/// How completion answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompletionOptions {
    /// At most this many items; the answer says when more matched.
    pub limit: usize,
    /// How new links are written (the vault's settings).
    pub format: LinkFormat,
    /// Today, by the user's clock, and the vault's daily notes: `[[today`, `[[tomorrow`,
    /// `[[friday` complete to the day's note. `None`: not offered.
    pub daily: Option<(Date, DailyNotes)>,
    /// The notes open in the editor (the one being written may be among them): likelier
    /// link targets than their names alone say ([`Weights::open`]).
    pub open: Vec<FileId>,
}

impl Default for CompletionOptions {
    fn default() -> CompletionOptions {
        CompletionOptions {
            limit: 100,
            format: LinkFormat::default(),
            daily: None,
            open: Vec::new(),
        }
    }
}

/// Completion at `offset` of note `file`; `None` where nothing is completed (plain text, link
/// display text).
pub fn completion(
    vault: &Vault,
    file: FileId,
    offset: usize,
    options: &CompletionOptions,
) -> Option<Completion> {
    let text = vault.text(file)?;
    let offset = crate::syntax::line_index::floor_char_boundary(&text, offset.min(text.len()));
    let mut result = answer(vault, file, &text, offset, options)?;
    typed_first(&text, offset, &mut result.items);
    Some(result)
}

/// Each item's filter text starting with what was typed in its range (`replace` up to the
/// cursor), as it was typed, so that a client ranks them all alike and shows them in the
/// order given. Clients sort by their own score of the typed text against the filter texts
/// first and by the server's order (`sortText`) only among equals, and that score counts
/// case: VS Code's (its `CompletionModel`, `fuzzyScore`) gives a letter typed in the name's
/// case more, so `[[intro` put a name holding the word (`intro …`, as typed) before every
/// `Introduction …` whatever their rank; it does not fold accents either, so `[[ordenac`
/// dropped `Ordenação` (issue 19: accents typed without them find the note). Emacs' eglot
/// keeps only the items whose filter text starts with the word typed, case and all. Replayed as typed in lowercase, top-1 at 3
/// characters as VS Code showed it: Obsidian's help vault 15.0 %, the Obsidian Hub 60.3 %, a
/// zettelkasten 2.0 %, against 77.8 / 84.6 / 46.1 % in the order given (BENCHMARKS.md,
/// "The order a client shows"). The rest of the filter text (the name) is what further
/// typing narrows on until the next list comes.
fn typed_first(text: &str, offset: usize, items: &mut [CompletionItem]) {
    for item in items {
        let start = item.replace.start as usize;
        let Some(typed) = text.get(start..offset).map(str::trim_start) else {
            continue;
        };
        // A filter text that is what was typed scores more again (VS Code's, for the `Pro`
        // whose letters start the name meant, [`SHORT_NAME`]): it gets the typed text too.
        let goes_on = item.filter_text.len() > typed.len();
        if typed.is_empty() || (item.filter_text.starts_with(typed) && goes_on) {
            continue;
        }
        item.filter_text = format!("{typed} {}", item.filter_text);
    }
}

/// [`completion`], the filter texts as each kind of item has them.
fn answer(
    vault: &Vault,
    file: FileId,
    text: &str,
    offset: usize,
    options: &CompletionOptions,
) -> Option<Completion> {
    let (limit, format) = (options.limit, options.format);
    let note = vault.note(file)?;
    let line_start = text[..offset].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let prefix = &text[line_start..offset];
    let open_link = open_wikilink(text, offset);
    if let Some(fm) = &note.syntax.frontmatter
        && fm.yaml_span.start as usize <= offset
        && offset <= fm.yaml_span.end as usize
        && open_link.is_none()
    {
        // Keys and values; a property value being written as a link (`up: "[[Pri`)
        // completes notes below, as in the body.
        return frontmatter(vault, file, offset, limit);
    }
    if in_opaque(text, offset) {
        return None;
    }
    let line_end = text[offset..]
        .find(['\n', '\r'])
        .map_or(text.len(), |i| offset + i);
    let after = &text[offset..line_end];

    if let Some(OpenLink { start, closing }) = open_link {
        let embed = text[..start - 2].ends_with('!');
        let mut result = wikilink(vault, file, text, start, offset, closing, embed, options)?;
        let typed = &text[start..offset];
        // Not where links are written as Markdown: the day's note would be a wikilink.
        if let Some((today, daily)) = &options.daily
            && !embed
            && !format.markdown
            && !typed.contains(['#', '|', '/'])
        {
            let end = closing.map_or(offset, |close| offset + close);
            let suffix = if closing.is_some() { "" } else { "]]" };
            let replace = Span::new(start, end);
            daily_items(
                vault,
                file,
                typed,
                replace,
                suffix,
                (*today, daily),
                options,
                &mut result,
            );
        }
        return Some(result);
    }
    if let Some(open) = prefix.rfind("](").filter(|&o| !prefix[o..].contains(')')) {
        let typed_start = line_start + open + 2;
        let closed = closing_at(after, ")").is_some();
        let query = &text[typed_start..offset];
        let query = query.strip_prefix('<').unwrap_or(query);
        let replace = Span::new(offset - query.len(), offset);
        let items = note_items(vault, file, query, replace, options, |vault, id, _| {
            let path = vault.path(id);
            let encoded = utf8_percent_encode(path, LINK_PATH_ENCODE).to_string();
            if closed {
                encoded
            } else {
                format!("{encoded})")
            }
        });
        return Some(items);
    }
    tag(vault, file, text, line_start, offset, limit)
}

/// Obsidian's block search, `[[^^words` at `offset` of note `file`: the paragraphs and list
/// items of the vault holding every word, each completing to `[[Note#^id]]`. `None` when the
/// cursor is not in such a link. With each item, the id to add to its block when it has none
/// (the server adds it when the item is accepted). Reads the vault: stops when cancelled.
#[allow(clippy::type_complexity)]
pub fn block_search(
    vault: &Vault,
    file: FileId,
    offset: usize,
    options: &CompletionOptions,
    cancel: super::Cancel,
) -> Option<Result<(Completion, Vec<Option<super::blocks::NewBlockId>>), super::Cancelled>> {
    let text = vault.text(file)?;
    let text: &str = &text;
    let offset = crate::syntax::line_index::floor_char_boundary(text, offset.min(text.len()));
    let OpenLink { start, closing } = open_wikilink(text, offset)?;
    let query = text[start..offset].strip_prefix("^^")?;
    if query.contains(['|', '#', '[', ']']) || in_opaque(text, offset) {
        return None;
    }
    let end = closing.map_or(offset, |close| {
        let rest = &text[offset..offset + close];
        offset + rest.find('|').unwrap_or(rest.len())
    });
    let suffix = if closing.is_some() { "" } else { "]]" };
    let replace = Span::new(start, end);
    Some((|| {
        // One more: the block being written holds the query itself, and is not offered.
        let (hits, mut more) = super::blocks::search(vault, query, options.limit + 1, cancel)?;
        let mut hits: Vec<_> = hits
            .into_iter()
            .filter(|h| {
                !(h.file == file && h.span.start as usize <= start && offset <= h.span.end as usize)
            })
            .collect();
        if hits.len() > options.limit {
            hits.truncate(options.limit);
            more = true;
        }
        let mut items = Vec::new();
        let mut ids = Vec::new();
        for hit in hits {
            let Some(target) = vault.text(hit.file) else {
                continue;
            };
            let block = &target[hit.span.range()];
            let (id, new) = match hit.id {
                Some(id) => (id, None),
                None => {
                    let id = super::blocks::new_id(vault, hit.file, block);
                    let new = super::blocks::NewBlockId {
                        file: hit.file,
                        block: hit.span,
                        block_text: block.to_string(),
                        id: id.clone(),
                    };
                    (id, Some(new))
                }
            };
            let link = if hit.file == file {
                String::new()
            } else {
                styled_link_text(vault, file, hit.file, options.format.style)
            };
            let label = super::blocks::one_line(block, 80);
            items.push(CompletionItem {
                new_text: format!("{link}#^{id}{suffix}"),
                detail: Some(crate::vault::path::strip_md(vault.path(hit.file)).to_string()),
                kind: ItemKind::Block,
                // What was typed comes first ([`typed_first`]).
                filter_text: label.clone(),
                label,
                replace,
                file: Some(hit.file),
            });
            ids.push(new);
        }
        typed_first(text, offset, &mut items);
        Ok((
            Completion {
                items,
                is_incomplete: more,
            },
            ids,
        ))
    })())
}

/// Inside code, math, HTML or a `%%` comment nothing is a link or a tag: nothing to
/// complete. The syntax layer says where those are (a parse of this note only).
fn in_opaque(text: &str, offset: usize) -> bool {
    let opaque = crate::syntax::opaque_spans(text);
    let i = opaque.partition_point(|s| (s.start as usize) < offset);
    i > 0 && offset < opaque[i - 1].end as usize
}

/// In the frontmatter: keys seen across the vault at the start of a line, and after `key: `
/// (or in a `key:` list) the values seen for that key; tags for `tags`.
fn frontmatter(vault: &Vault, file: FileId, offset: usize, limit: usize) -> Option<Completion> {
    let note = vault.note(file)?;
    let text = vault.text(file)?;
    let text: &str = &text;
    let line_start = text[..offset].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let prefix = &text[line_start..offset];
    let trimmed = prefix.trim_start();
    let (key, partial) = if let Some(item) = trimmed.strip_prefix('-') {
        // A list item: its key is on the nearest line above that is not indented.
        let key = text[..line_start]
            .lines()
            .rev()
            .find(|l| !l.starts_with([' ', '\t', '-']) && l.contains(':'))
            .and_then(|l| l.split_once(':'))
            .map(|(k, _)| k.trim().to_string())?;
        (Some(key), item.trim_start())
    } else if let Some((key, rest)) = trimmed.split_once(':') {
        (Some(key.trim().to_string()), rest.trim_start())
    } else if prefix.starts_with([' ', '\t']) {
        return None;
    } else {
        (None, trimmed)
    };
    let partial = partial.trim_matches(['"', '\'', '[']);
    let replace = Span::new(offset - partial.len(), offset);
    let wanted = fold(partial).into_owned();
    let mut found: Vec<(u32, String, ItemKind, String)> = match &key {
        None => {
            let present: Vec<&str> = note.property_keys().collect();
            vault
                .properties()
                .filter(|(k, _)| !present.iter().any(|p| p == k))
                .map(|(k, p)| (p.notes, k.to_string(), ItemKind::Property, format!("{k}: ")))
                .collect()
        }
        Some(k) if k.eq_ignore_ascii_case("tags") || k.eq_ignore_ascii_case("tag") => vault
            .tags()
            // A tag's display casing folds back to it: filter before looking the casing up.
            .filter(|t| t.contains(&wanted))
            .map(|t| {
                let (_, uses) = vault.tag_count(t);
                let shown = shown_tag(vault, t).unwrap_or_else(|| t.to_string());
                (uses, shown.clone(), ItemKind::Tag, shown)
            })
            .collect(),
        Some(k) => vault
            .property(k)
            .map(|p| {
                p.values
                    .iter()
                    .map(|(v, n)| (*n, v.clone(), ItemKind::Value, v.clone()))
                    .collect()
            })
            .unwrap_or_default(),
    };
    found.retain(|(_, label, _, _)| fold(label).contains(&wanted) && *label != partial);
    found.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    let is_incomplete = found.len() > limit;
    let items = found
        .into_iter()
        .take(limit)
        .map(|(count, label, kind, new_text)| CompletionItem {
            detail: Some(match kind {
                ItemKind::Property if count == 1 => "in 1 note".to_string(),
                ItemKind::Property => format!("in {count} notes"),
                _ => format!("{count}×"),
            }),
            filter_text: label.clone(),
            label,
            kind,
            new_text,
            replace,
            file: None,
        })
        .collect();
    Some(Completion {
        items,
        is_incomplete,
    })
}

/// A wikilink being typed: opened on the cursor's line before it and not closed before it.
struct OpenLink {
    /// Where its text starts, after `[[`.
    start: usize,
    /// When it is closed on this line after the cursor: where `]]` is, from the cursor.
    closing: Option<usize>,
}

/// The wikilink being typed at `offset` (a character boundary of `text`), if any.
fn open_wikilink(text: &str, offset: usize) -> Option<OpenLink> {
    let line_start = text[..offset].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let prefix = &text[line_start..offset];
    let open = prefix
        .rfind("[[")
        .filter(|&o| !prefix[o..].contains("]]"))?;
    let line_end = text[offset..]
        .find(['\n', '\r'])
        .map_or(text.len(), |i| offset + i);
    Some(OpenLink {
        start: line_start + open + 2,
        closing: closing_at(&text[offset..line_end], "]]"),
    })
}

/// Offset in `after` of `close` when the link is already closed on this line (before any
/// other link opens).
fn closing_at(after: &str, close: &str) -> Option<usize> {
    let at = after.find(close)?;
    let reopened = after[..at].contains("[[") || after[..at].contains("](");
    (!reopened).then_some(at)
}

#[allow(clippy::too_many_arguments)]
fn wikilink(
    vault: &Vault,
    file: FileId,
    text: &str,
    start: usize,
    offset: usize,
    closing: Option<usize>,
    embed: bool,
    options: &CompletionOptions,
) -> Option<Completion> {
    let (limit, format) = (options.limit, options.format);
    let style = format.style;
    let typed = &text[start..offset];
    if typed.contains('|') {
        return None; // display text is the user's own
    }
    if typed.starts_with("^^") {
        return Some(Completion::default()); // block search: see `block_search`
    }
    // In a closed link the completed part runs on to the next `#`, `|` or `]]`.
    let part_end = |from: usize| match closing {
        Some(close) => {
            let rest = &text[from..offset + close];
            from + rest.find(['#', '|']).unwrap_or(rest.len())
        }
        None => offset,
    };
    if let Some(query) = typed.strip_prefix("##") {
        // Obsidian's `[[##`: headings across the vault.
        let replace = Span::new(start, part_end(offset));
        let suffix = if closing.is_some() { "" } else { "]]" };
        return Some(vault_headings(
            vault, file, query, replace, suffix, limit, style,
        ));
    }
    let Some(hash) = typed.find('#') else {
        if format.markdown && !embed {
            // `[[Tom` becomes `[Tomer Hagay](People/Tomer%20Hagay.md)`, brackets included.
            let end = closing.map_or(offset, |close| offset + close + 2);
            let replace = Span::new(start - 2, end);
            let mut result =
                note_items(vault, file, typed, replace, options, |vault, id, alias| {
                    let mut path = styled_link_text(vault, file, id, style);
                    if is_note_path(vault.path(id)) {
                        path.push_str(".md");
                    }
                    let label =
                        alias.map_or_else(|| stem(vault.path(id)).to_string(), String::from);
                    let encoded = utf8_percent_encode(&path, LINK_PATH_ENCODE);
                    format!("[{label}]({encoded})")
                });
            for item in &mut result.items {
                item.filter_text = format!("[[{}", item.filter_text);
            }
            return Some(result);
        }
        let replace = Span::new(start, part_end(offset));
        let suffix = if closing.is_some() { "" } else { "]]" };
        let mut result = note_items(vault, file, typed, replace, options, |vault, id, alias| {
            let target = styled_link_text(vault, file, id, style);
            match alias {
                Some(alias) => format!("{target}|{alias}{suffix}"),
                None => format!("{target}{suffix}"),
            }
        });
        // A name a wikilink cannot hold (`#`, `|`, `^`, brackets, edge spaces) is written as
        // a Markdown link with its path percent-encoded, which resolves; brackets included.
        let whole = Span::new(
            start - 2,
            closing.map_or(offset, |close| offset + close + 2),
        );
        for item in &mut result.items {
            let Some(id) = item.file else { continue };
            // A link path is made of the note's path components (and `./`, `../`): when each
            // of them can be held, so can the link, and it need not be written again.
            let path = crate::vault::path::strip_md(vault.path(id));
            if path.split('/').all(wikilink_can_hold) {
                continue;
            }
            let target = styled_link_text(vault, file, id, style);
            if !wikilink_can_hold(&target) {
                let path = format!("{target}.md");
                let encoded = utf8_percent_encode(&path, LINK_PATH_ENCODE);
                item.new_text = format!("[{}]({encoded})", item.label.replace(['[', ']'], ""));
                item.replace = whole;
                item.filter_text = format!("[[{}", item.filter_text);
            }
        }
        if embed || typed.contains('.') {
            attachment_items(vault, file, typed, replace, suffix, limit, &mut result);
        } else {
            unresolved_items(vault, file, typed, replace, suffix, limit, &mut result);
        }
        return Some(result);
    };
    let note_part = &typed[..hash];
    let target = if note_part.trim().is_empty() {
        file
    } else {
        match vault.resolve_path(file, note_part).file() {
            Some(id) => id,
            None => return Some(Completion::default()),
        }
    };
    let note = vault.note(target)?;
    let sub_start = start + hash + 1;
    let sub = &text[sub_start..offset];
    let end = part_end(offset);
    let suffix = if closing.is_some() { "" } else { "]]" };
    if let Some(query) = sub.strip_prefix('^') {
        // The blocks' text, for their details: a note held in pieces is read from its file.
        let target_text = vault.text(target);
        let replace = Span::new(sub_start, end);
        let items = note
            .syntax
            .blocks
            .iter()
            .map(|b| (b, b.id(note.src())))
            .filter(|(_, id)| fold(id).contains(&*fold(query)))
            .take(limit)
            .map(|(b, id)| CompletionItem {
                label: format!("^{id}"),
                kind: ItemKind::Block,
                detail: target_text
                    .as_deref()
                    .and_then(|t| t.get(b.block_span.range()))
                    .map(snippet),
                new_text: format!("^{id}{suffix}"),
                replace,
                filter_text: format!("^{id}"),
                file: Some(target),
            })
            .collect();
        return Some(Completion {
            items,
            is_incomplete: false,
        });
    }
    // `[[Note#H1#H2` completes the last level, among the headings inside the section the
    // levels before it name (all headings when there is no level before).
    let last = sub.rfind('#').map_or(sub_start, |i| sub_start + i + 1);
    let replace = Span::new(last, end);
    let query = fold(&text[last..offset]).into_owned();
    let chain: Vec<String> = text[sub_start..last]
        .split('#')
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .map(String::from)
        .collect();
    let headings = &note.syntax.headings;
    let (from, to, min_level) = if chain.is_empty() {
        (0, headings.len(), 0)
    } else {
        let parent = crate::vault::subpath::find_heading(note.src(), &note.syntax, &chain)?;
        let at = headings.iter().position(|h| h.span == parent.span)?;
        let to = note.syntax.section_end_index(at);
        (at + 1, to, parent.level)
    };
    let items = headings[from..to]
        .iter()
        .filter(|h| h.level > min_level)
        .map(|h| (h, h.text(note.src())))
        .filter(|(_, name)| query.is_empty() || fold(name).contains(&query))
        .take(limit)
        .map(|(h, name)| CompletionItem {
            label: name.to_string(),
            kind: ItemKind::Heading,
            detail: Some(format!("H{}", h.level)),
            // As Obsidian writes a heading link: `?`, `&`, brackets, `#`… left out.
            new_text: format!(
                "{}{suffix}",
                crate::vault::subpath::heading_link_text(h.source(note.src()))
            ),
            replace,
            filter_text: name.to_string(),
            file: Some(target),
        })
        .collect();
    Some(Completion {
        items,
        is_incomplete: false,
    })
}

/// Headings of every note matching `query` (by their start, or a word's, case and accents as
/// names are matched), each completing to a link to it: `[[Note#Heading]]`. Exact matches
/// first, then those starting with the query, then by word; within each, headings of more
/// linked notes first.
fn vault_headings(
    vault: &Vault,
    file: FileId,
    query: &str,
    replace: Span,
    suffix: &str,
    limit: usize,
    style: crate::config::LinkStyle,
) -> Completion {
    let query_folded = fold(query.trim()).into_owned();
    if query_folded.is_empty() {
        // Every heading of the vault is not a list: the user types on.
        return Completion {
            items: Vec::new(),
            is_incomplete: true,
        };
    }
    let mut more = false;
    // (how, heading text, where: note and heading index).
    type Found<'v> = (Match, &'v str, &'v [(FileId, u32)]);
    let (mut found, cut): (Vec<Found>, bool) =
        by_prefix(vault.headings_with_prefix(&query_folded), &query_folded);
    more |= cut;
    if query_folded.chars().count() >= 2 && found.len() < limit {
        match vault.headings_with_word_prefix(&query_folded, CLASS_CAP) {
            Some(words) => found.extend(words.map(|(text, at)| (Match::WordStart, text, at))),
            None => more = true,
        }
    }
    // A heading most notes share (`## Profile` in every people note) is boilerplate: of its
    // notes only those the context speaks for are read (linked from this note or around
    // it, the most linked), each checked for the heading; the client asks again as the
    // user types. Reading its thousands of notes cost 5 ms at 50k.
    let mut important: Option<Vec<FileId>> = None;
    let mut hits: Vec<(Match, usize, &str, FileId, u32)> = Vec::new();
    for (matched, text, at) in found {
        if at.len() <= SHARED_HEADING {
            hits.extend(
                at.iter()
                    .map(|&(id, i)| (matched, vault.linking_notes(id), text, id, i)),
            );
            continue;
        }
        more = true;
        let notes = important.get_or_insert_with(|| {
            let context = Context::new(vault, file, None, &[]);
            let mut ids: Vec<FileId> = context
                .linked
                .keys()
                .chain(context.around.keys())
                .copied()
                .chain(vault.most_linked(POPULAR))
                .chain(std::iter::once(file))
                .collect();
            ids.sort_unstable();
            ids.dedup();
            ids
        });
        for &id in notes.iter() {
            let Some(note) = vault.note(id) else { continue };
            for (i, h) in note.syntax.headings.iter().enumerate() {
                if fold(h.text(note.src()).trim()) == text {
                    hits.push((matched, vault.linking_notes(id), text, id, i as u32));
                }
            }
        }
    }
    let order = |a: &(Match, usize, &str, FileId, u32), b: &(Match, usize, &str, FileId, u32)| {
        b.0.cmp(&a.0)
            .then_with(|| b.1.cmp(&a.1))
            .then_with(|| a.2.cmp(b.2))
            .then_with(|| vault.path(a.3).cmp(vault.path(b.3)))
            .then_with(|| a.4.cmp(&b.4))
    };
    if hits.len() > limit {
        hits.select_nth_unstable_by(limit, order);
        hits.truncate(limit);
        more = true;
    }
    hits.sort_by(order);
    let items = hits
        .into_iter()
        .filter_map(|(_, _, _, id, i)| {
            let note = vault.note(id)?;
            let h = note.syntax.headings.get(i as usize)?;
            let label = h.text(note.src()).trim().to_string();
            let target = if id == file {
                String::new()
            } else {
                styled_link_text(vault, file, id, style)
            };
            let anchor = crate::vault::subpath::heading_link_text(h.source(note.src()));
            Some(CompletionItem {
                new_text: format!("{target}#{anchor}{suffix}"),
                detail: Some(format!(
                    "H{} in {}",
                    h.level,
                    crate::vault::path::strip_md(vault.path(id))
                )),
                kind: ItemKind::Heading,
                // What was typed, `##` included, comes first ([`typed_first`]).
                filter_text: format!("##{label}"),
                label,
                replace,
                file: Some(id),
            })
        })
        .collect();
    Completion {
        items,
        is_incomplete: more,
    }
}

/// How a name matched what was typed, best last.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Match {
    /// Loosely (nucleo's score, higher is better), or anything for an empty query.
    Fuzzy(u32),
    /// A folder of the note's path starts with the query (links written with their path).
    Folder,
    /// A word inside the name starts with the query (`agile` in `obsidian-agile-notes`).
    WordStart,
    /// The name starts with the query.
    Prefix,
    /// The name is the query.
    Exact,
}

impl Match {
    /// The query is the name, starts it or starts a word of it.
    fn by_name(self) -> bool {
        matches!(self, Match::Exact | Match::Prefix | Match::WordStart)
    }
}

/// One name matched by the query, for one note.
struct Hit<'a> {
    id: FileId,
    kind: NameKind,
    name: &'a str,
    matched: Match,
}

/// What the note being written says about the link it is about to get: what it links to
/// already, into which folders, and what the notes around it link to. Built once per request
/// from this note's links and its neighbours' (capped), never from the whole vault.
struct Context<'v> {
    /// Notes this note links to, and how many times.
    linked: rustc_hash::FxHashMap<FileId, u32>,
    /// Whether this note links the same notes again and again (a log, a journal): then a
    /// note it links already is as likely as any.
    repeats: bool,
    /// Links of this note into each folder, and all of them.
    into_folder: rustc_hash::FxHashMap<&'v str, u32>,
    links: u32,
    /// The words ([`WORD_CHARS`] or longer, folded; by [`word_key`]) written in the
    /// [`WORDS_BEFORE`] bytes before the link and in the note's path.
    words: rustc_hash::FxHashSet<u64>,
    /// Notes linked by this note's neighbours (the notes it links to and the notes linking to
    /// it), with how many neighbours link each; and the highest such count.
    around: rustc_hash::FxHashMap<FileId, u32>,
    around_max: u32,
    /// The notes linking to this one.
    linking: Linking<'v>,
    /// The list of links the cursor is in, and the note it goes on with ([`List`]).
    list: Option<List<'v>>,
    next: Option<FileId>,
    /// The notes linked within [`NEARBY`] bytes of the link being written (all it links when
    /// it is written nowhere in particular).
    nearby: rustc_hash::FxHashSet<FileId>,
    /// The notes modified last on disk, other than this one, with their place among them
    /// ([`recent_places`]).
    recent: rustc_hash::FxHashMap<FileId, u32>,
    /// The notes open in the editor, other than this one.
    open: rustc_hash::FxHashSet<FileId>,
}

/// The weights of [`Context::score`], in points (what each buys is measured there).
struct Weights {
    exact: f32,
    prefix: f32,
    word_start: f32,
    folder_match: f32,
    fuzzy: f32,
    alias: f32,
    path_alias: f32,
    title: f32,
    linked: f32,
    folder_share: f32,
    around: f32,
    popular: f32,
    links_here: f32,
    next_in_list: f32,
    words_before: f32,
    recent: f32,
    open: f32,
}

const WEIGHTS: Weights = Weights {
    exact: 100.0,
    prefix: 70.0,
    word_start: 45.0,
    folder_match: 45.0,
    fuzzy: 20.0,
    alias: 2.0,
    path_alias: 40.0,
    title: 4.0,
    linked: 10.0,
    folder_share: 30.0,
    around: 8.0,
    popular: 8.0,
    links_here: 10.0,
    next_in_list: 30.0,
    words_before: 6.0,
    recent: 10.0,
    open: 5.0,
};

/// Names this short (in characters), matched whole, score as names starting with the query
/// ([`Context::score`]): 2 gained half of what 3 does; 5 a little more than 3 (the help
/// vault's `Views` against `Views and editing mode`), but a name typed whole should come
/// first for five letters.
const SHORT_NAME: usize = 3;

/// Up to this many notes linking to the note being written, each gets all of
/// [`Weights::links_here`]; past it, a share.
const LINKS_HERE_FULL: f32 = 5.0;

/// Neighbours read for [`Context::around`], and links read per neighbour: a hub's thousands
/// of backlinks would make every keystroke read the vault.
const NEIGHBOURS: usize = 40;
const NEIGHBOUR_LINKS: usize = 200;

/// Bytes around the link being written within which a note it links already is not likely
/// again (about a paragraph).
const NEARBY: u32 = 300;

impl<'v> Context<'v> {
    /// The context of a link written at `at` (`None`: anywhere in the note).
    fn new(vault: &'v Vault, file: FileId, at: Option<Span>, open: &[FileId]) -> Context<'v> {
        let mut linked = rustc_hash::FxHashMap::default();
        let mut into_folder = rustc_hash::FxHashMap::default();
        let mut links = 0;
        let targets = |id: FileId| {
            vault
                .note(id)
                .into_iter()
                .flat_map(|n| n.resolved.iter().filter_map(|r| r.file()))
        };
        // One pass over this note's links: what they lead to, into which folders, and which
        // of them are near the link being written (all, when it is written nowhere in
        // particular).
        let mut nearby = rustc_hash::FxHashSet::default();
        let own = vault.note(file).into_iter();
        for (link, resolution) in own.flat_map(|n| n.syntax.links.iter().zip(n.resolved.iter())) {
            let Some(target) = resolution.file().filter(|&t| t != file) else {
                continue;
            };
            *linked.entry(target).or_insert(0) += 1;
            *into_folder.entry(parent(vault.path(target))).or_insert(0) += 1;
            links += 1;
            let span = link.span();
            if at.is_none_or(|at| {
                span.end.saturating_add(NEARBY) >= at.start
                    && span.start <= at.end.saturating_add(NEARBY)
            }) {
                nearby.insert(target);
            }
        }
        let repeats = linked.len() >= 2 && links as f32 >= 1.5 * linked.len() as f32;
        let mut around: rustc_hash::FxHashMap<FileId, u32> = rustc_hash::FxHashMap::default();
        // The same neighbours in any server: the first by path (ids differ between a
        // server that saw the vault grow and one that loaded it).
        let first_by_path = |mut ids: Vec<FileId>| {
            let n = NEIGHBOURS / 2;
            if ids.len() > n {
                ids.select_nth_unstable_by(n, |a, b| vault.path(*a).cmp(vault.path(*b)));
                ids.truncate(n);
            }
            ids
        };
        let mut neighbours = first_by_path(linked.keys().copied().collect());
        neighbours.extend(first_by_path(
            vault
                .linking_note_ids(file)
                .filter(|&n| n != file)
                .collect(),
        ));
        for n in neighbours {
            let mut seen = rustc_hash::FxHashSet::default();
            for t in targets(n).take(NEIGHBOUR_LINKS) {
                if t != n && t != file && seen.insert(t) {
                    *around.entry(t).or_insert(0) += 1;
                }
            }
        }
        let around_max = around.values().copied().max().unwrap_or(0);
        let mut words = rustc_hash::FxHashSet::default();
        let mut add = |text: &str| {
            words.extend(long_words(&fold(text)).map(word_key));
        };
        add(vault.path(file));
        if let (Some(at), Some(text)) = (at, vault.text(file)) {
            let end = floor_char_boundary(&text, (at.start as usize).min(text.len()));
            let start = floor_char_boundary(&text, end.saturating_sub(WORDS_BEFORE));
            add(&text[start..end]);
        }
        let (list, next) = match at.and_then(|at| List::at(vault, file, at, &linked)) {
            Some((list, next)) => (Some(list), next),
            None => (None, None),
        };
        Context {
            linked,
            repeats,
            into_folder,
            links,
            words,
            around,
            around_max,
            linking: vault.linking(file),
            list,
            next,
            nearby,
            recent: recent_places(vault, file),
            // A client that opens a folder's every file says nothing by it.
            open: if open.len() <= OPEN_MOST {
                open.iter().copied().filter(|&id| id != file).collect()
            } else {
                Default::default()
            },
        }
    }

    /// The one scoring function of note completion, higher first; with
    /// [`Context::folder_score`], the whole of it. Weights ([`WEIGHTS`]) are points, tuned by
    /// coordinate search on the replay benchmark (`cargo bench --bench vault -- --replay
    /// VAULT…`, BENCHMARKS.md) over a 6.5k-note community knowledge base and Obsidian's help
    /// vault (two rules compendiums since). The objective (which the replay prints) summed,
    /// per vault, top-1 at 2, 3 and 5 typed characters and top-5 at 2 and 3, minus twice the
    /// absent at 3; what each signal buys is its objective at the tuned point against the
    /// signal turned off:
    /// - the match dominates: an exact name (100), a name starting with the query (70), a
    ///   word inside it or a folder of its path (45: 55 and 65 for words cost 3 and 9), a
    ///   loose match (20–40). Up to [`SHORT_NAME`] characters an exact name only starts a
    ///   name (70): the Hub's one-letter alias `m` was first for 98 of its 958 links replayed
    ///   at `[[M`, and a zettelkasten's abbreviations (`Pro`, `Use`, `Log`, aliases of longer
    ///   notes) came first wherever their three letters began the name typed (+16 there,
    ///   Hub +1, with links to short names replayed too: +16 and +0.5);
    /// - a note this note links already: −10 (+13.5; −20 costs 11, −35 costs 26); since
    ///   lists have their own signal (below), only within [`NEARBY`] bytes of the cursor or
    ///   in a list: documentation links a note again in each section (help vault top-1 at 3 / 5
    ///   characters 75.6 / 79.8 → 76.9 / 81.7 %; +5 over the whole note, +2 over 600 bytes,
    ///   +4 over 1,500; the Hub's top-5 at 3 gives up 0.7 points); +10 when the note repeats
    ///   its links, as a log links its regulars again (top-1 at 3 on the knowledge base
    ///   33.6 → 34.6 %);
    /// - the share of this note's links going into the candidate's folder: up to +30 (+39, the
    ///   largest context signal). The note's own folder was measured too and hurt (−4 at +6,
    ///   −12 at +12): the folder share already says it, where it holds;
    /// - what this note's neighbours link to: up to +8 (+10);
    /// - a note that links to this one: +10, shared out when more than 5 do (+87, by far the
    ///   largest: a person's note links the plugins that name them as author, a map of
    ///   content the notes that point up to it). The replay sees the vault as it ended, so
    ///   the link back is always there; replayed without it (written after), the signal costs
    ///   12 (help vault top-1 at 3 characters −4 points); sharing it out past 5 notes took
    ///   that cost from 20 to 12 for a point of the gain. Unshared, +3/+5/+7/+20 gained
    ///   62/75/78/87;
    /// - the next note of a sorted list of links ([`List`]): +30 (+175: the Obsidian
    ///   Hub's folder indexes list every note of their folder by name, a fifth of its links;
    ///   its top-1 at 3 characters 52.6 → 79.7 %, Obsidian's help vault 74.0 → 74.3 %). Any
    ///   weight from +25 to +60 does as well; +15 gives up 3 points of top-1. Lists through a
    ///   folder tree in path order: +97 on a rules compendium (13th Age SRD, whose bestiary
    ///   lists every monster by kind and family), the other vaults unchanged;
    /// - the share of the candidate's words (of [`WORD_CHARS`] or more) written in the
    ///   [`WORDS_BEFORE`] bytes before the link or in the note's path: up to +6 (on the four
    ///   vaults of BENCHMARKS.md: the Hub +5.6, the help vault +7.1, a rules compendium +2.5,
    ///   Pokerole's SRD +132, whose entries name their abilities in their properties and link
    ///   them below). +3 / +8 / +12 gave the three written by hand −5 / −2 / −6 against +6;
    ///   a count of words instead of their share, −7 to −11 on those three; 800 bytes lost
    ///   Pokerole's gain, 4,000 gave nothing more; words of 3 or 5 characters, as well on
    ///   the three and less on Pokerole;
    /// - popularity, the log of linking notes, +8 at a thousand. Tuned first at +16 on the
    ///   vaults as they ended (+3 over +4), where every link written later counts; replayed
    ///   through their history with moves followed (`--replay-travel`), against +16, +8 gains
    ///   +15.2 on the five vaults and +10.0 on the two held out (+4 / +6 / +12: +13.6 / +17.7
    ///   / +6.7 and +11.6 / +9.4 / +6.7; off: −51.4 and +6.5), and as they ended +2.0 and
    ///   +8.7;
    /// - file names before aliases (−2) before titles (−4); an alias holding a `/` is the old
    ///   path of a moved note, kept for Obsidian Publish to redirect from (its help,
    ///   `Obsidian Publish/Permalinks.md`), not a name to write: −40 (+6: on Obsidian's help
    ///   vault, whose notes keep dozens, top-1 at 3 characters 74.3 → 75.6 %, top-5 93.6 →
    ///   94.8 %; from −20 up, as good as leaving them out);
    /// - a note modified lately on disk ([`recent_places`]): +10 for the newest, over the
    ///   square root of its place, down to +1.4 at the 50th. Measured by replaying each link
    ///   at the time its git history says it was written, with every note's modification time
    ///   as it was then (`VAULTLS_REPLAY_HISTORY`, BENCHMARKS.md), on the zettelkasten, the
    ///   help vault and the Hub: +2.1 summed (zettelkasten +3.4, help −2.1) when a note
    ///   committed with the link counts as written after it, +19.7 (zettelkasten +15) when
    ///   before; the history cannot tell, its commits being half an hour apart. With a first,
    ///   cruder dating of links: +1.6 / +16.3, and +15 made +0.4 / +19.3, +20 over the place
    ///   itself, down to the 20th, −0.1 / +12.5. On two vaults held out (an agency's working
    ///   vault, an actuarial wiki): +5.6 / +40.6.
    ///   Replayed through the vaults' history (`--replay-travel`): +14.8 over the five, +10.1
    ///   over the two held out; +20 and +30 gave less.
    /// - a note open in the editor: +5, shared out when more than [`OPEN_FULL`] are, none
    ///   past [`OPEN_MOST`] (a client opening a folder's every file). No history says what
    ///   was open; the replay through history (`VAULTLS_REPLAY_OPEN`) takes the other notes
    ///   the link's commit changed, as edited in the same sitting, and gives the bounds: if
    ///   they were open before the link was typed, +38.9 over the five and +20.9 over the two
    ///   held out; with the link's target taken out of them (the signal only misleading),
    ///   −12.6 and −5.6. +3: +32.5 / +15.3 and −7.9 / −4.2; +10: +43.3 / +24.0 and −21.0 /
    ///   −9.6; +20: +47.8 / +23.8 and −26.8 / −14.4. +5 breaks even when the target was
    ///   open before its link a quarter of the times the commit changed it too.
    fn score(&self, vault: &Vault, hit: &Hit) -> f32 {
        let w = &WEIGHTS;
        let matched = match hit.matched {
            // A few typed letters are the start of a name, not a name (`m`, `pro`).
            Match::Exact if hit.name.chars().nth(SHORT_NAME).is_none() => w.prefix,
            Match::Exact => w.exact,
            Match::Prefix => w.prefix,
            Match::WordStart => w.word_start,
            Match::Folder => w.folder_match,
            Match::Fuzzy(s) => w.fuzzy + (s as f32 / 40.0).min(w.fuzzy),
        };
        let kind = match hit.kind {
            NameKind::FileStem => 0.0,
            NameKind::Alias if hit.name.contains('/') => -w.path_alias,
            NameKind::Alias => -w.alias,
            NameKind::Title => -w.title,
        };
        let linked = match self.linked.get(&hit.id) {
            Some(_) if self.repeats => w.linked,
            Some(_) if self.list.is_some() || self.nearby.contains(&hit.id) => -w.linked,
            _ => 0.0,
        };
        let around = match self.around.get(&hit.id) {
            Some(&n) if self.around_max >= 2 => w.around * n as f32 / self.around_max as f32,
            _ => 0.0,
        };
        // Log of linking notes, 1 at a thousand.
        let popular =
            w.popular * ((1.0 + vault.linking_notes(hit.id) as f32).ln() / 1001f32.ln()).min(1.5);
        // Each of many notes linking here (a hub's) says less about which one is meant.
        let links_here = if self.linking.contains(hit.id) {
            shared_out(w.links_here, LINKS_HERE_FULL, self.linking.len())
        } else {
            0.0
        };
        let next = if self.next == Some(hit.id) {
            w.next_in_list
        } else {
            0.0
        };
        let recent = match self.recent.get(&hit.id) {
            Some(&place) => w.recent / (place as f32).sqrt(),
            None => 0.0,
        };
        // Each of many open notes says less about which one is meant.
        let open = if self.open.contains(&hit.id) {
            shared_out(w.open, OPEN_FULL, self.open.len())
        } else {
            0.0
        };
        matched + kind + linked + around + popular + links_here + next + recent + open
    }

    /// The part of the score that reads the candidate's path (its folder against the ones this
    /// note links into, its name against the words written before the link): worked out only
    /// for the best candidates by [`Context::score`], as it costs a path scan per candidate.
    fn folder_score(&self, vault: &Vault, hit: &Hit) -> f32 {
        let path = vault.path(hit.id);
        // The hit's own name when it is the folded file name (no fold again).
        let name = match hit.kind {
            NameKind::FileStem if !hit.name.is_empty() => std::borrow::Cow::Borrowed(hit.name),
            _ => fold(stem(path)),
        };
        let (mut all, mut written) = (0, 0);
        for word in long_words(&name) {
            all += 1;
            written += usize::from(self.words.contains(&word_key(word)));
        }
        let words = if all == 0 {
            0.0
        } else {
            WEIGHTS.words_before * written as f32 / all as f32
        };
        if self.links < 2 {
            return words;
        }
        let links = self.into_folder.get(parent(path)).copied().unwrap_or(0);
        words + WEIGHTS.folder_share * links as f32 / self.links as f32
    }
}

/// The notes modified last on disk ([`Vault::recently_modified`]), other than `file`, each
/// with its place among them: 1 for the newest. Notes modified less than [`RECENT_GAP`] apart,
/// one after the other, were written at once (a copy, a clone, a sync, one save of many
/// notes) and share the place of the last of them. At most [`RECENT`] notes: a group reaching
/// past that place is left out, so that a vault copied or cloned at once has no recent note,
/// and after a `git pull` of hundreds of notes only the ones edited since are.
fn recent_places(vault: &Vault, file: FileId) -> rustc_hash::FxHashMap<FileId, u32> {
    let mut places = rustc_hash::FxHashMap::default();
    let mut group: Vec<FileId> = Vec::new();
    let mut last: Option<u64> = None;
    let mut count = 0;
    for (id, modified) in vault.recently_modified().filter(|&(id, _)| id != file) {
        if last.is_none_or(|last| last - modified > RECENT_GAP) {
            places.extend(group.drain(..).map(|id| (id, count)));
        }
        last = Some(modified);
        count += 1;
        if count > RECENT {
            return places;
        }
        group.push(id);
    }
    places.extend(group.into_iter().map(|id| (id, count)));
    places
}

/// A weight each of `many` notes gets in full up to `full` of them, and a share of past it.
fn shared_out(weight: f32, full: f32, many: usize) -> f32 {
    weight * (full / many as f32).min(1.0)
}

/// Up to this many notes open in the editor, each gets all of [`Weights::open`]; past it,
/// a share.
const OPEN_FULL: f32 = 10.0;

/// Past this many notes open in the editor, none counts as open.
const OPEN_MOST: usize = 50;

/// Notes modified last that [`recent_places`] reads.
const RECENT: u32 = 50;

/// Notes modified within this many nanoseconds of each other, one after the other, were
/// written at once ([`recent_places`]): a second. A copy or a clone writes notes
/// milliseconds apart; a person saves two notes seconds apart at the least.
const RECENT_GAP: u64 = 1_000_000_000;

/// Bytes before the link being written whose words say what it may be about.
const WORDS_BEFORE: usize = 2000;

/// Characters a word has at least to count in [`Context::words`].
const WORD_CHARS: usize = 4;

/// The words of `text` (already folded) of [`WORD_CHARS`] characters or more: runs of
/// letters and digits.
fn long_words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() >= WORD_CHARS && w.chars().nth(WORD_CHARS - 1).is_some())
}

/// A word as [`Context::words`] holds it: a 64-bit hash, so that neither building the set nor
/// looking a candidate's words up copies them (two words sharing a hash cost a few points to
/// one candidate, once in billions).
fn word_key(word: &str) -> u64 {
    use std::hash::{BuildHasher, BuildHasherDefault};
    BuildHasherDefault::<rustc_hash::FxHasher>::default().hash_one(word)
}

/// Links in a row before the cursor that make a [`List`], when they go into one folder in
/// order, or through a folder tree one after the other.
const LIST_RUN: usize = 3;

/// Names read past the last one listed for the next (other folders' names, titles and
/// aliases come between); in path order, entries of the walk through the folder tree. On the
/// Obsidian Hub's lists, 1,000 found 0.3 points more of top-1 at 3 characters than 300 but
/// took completion's p95 from 2.6 to 3.6 ms; 100 lost 0.2 more.
const LIST_LOOKAHEAD: usize = 300;

/// A sorted list of links the cursor is in: the last [`LIST_RUN`] links before it go to notes
/// of one folder in order ([`Order`]: by name, file name or what they show), as an index, a
/// glossary or a list of people is; or through a folder tree note by note, in path order.
struct List<'v> {
    /// The folder listed; in path order, the folder the list stays within.
    folder: &'v str,
    order: Order,
    /// The last listed note's name (folded); in path order its [`path_key`].
    last: String,
    /// In path order, the last listed note's path.
    last_path: Option<String>,
    /// The name (in path order, the key) of the first link after the cursor, when it goes on
    /// with the list (a note added at its place in a list otherwise whole).
    upper: Option<String>,
}

impl<'v> List<'v> {
    /// The list the link being written at `at` is in, if any, and the note it goes on with
    /// that this note does not link yet (`linked`).
    fn at(
        vault: &'v Vault,
        file: FileId,
        at: Span,
        linked: &rustc_hash::FxHashMap<FileId, u32>,
    ) -> Option<(List<'v>, Option<FileId>)> {
        let note = vault.note(file)?;
        // The last links before `at`, the latest first: (note, name, shown).
        let mut run = Vec::with_capacity(LIST_RUN);
        for (link, resolution) in note
            .syntax
            .links
            .iter()
            .zip(note.resolved.iter())
            .filter(|(l, _)| l.span().end <= at.start)
            .rev()
            .take(LIST_RUN)
        {
            let id = listed(vault, file, resolution)?;
            let name = list_name(vault, id);
            let shown = shown(note, link, &name);
            run.push((id, name, shown));
        }
        if run.len() < LIST_RUN {
            return None;
        }
        let in_folder = Self::in_folder(vault, file, at, &run);
        let next = in_folder.as_ref().and_then(|l| l.next(vault, file, linked));
        if next.is_some() {
            return Some((in_folder?, next));
        }
        // A list going through a folder tree note by note: its last links in several folders,
        // or at the end of one (the list goes on into the next).
        match Self::in_path_order(vault, file, at, &run) {
            Some(list) => {
                let next = list.next(vault, file, linked);
                Some((list, next))
            }
            None => Some((in_folder?, None)),
        }
    }

    /// A list of the notes of one folder in order ([`Order`]), the latest of its `run` of
    /// links (note, name, what it shows) first.
    fn in_folder(
        vault: &'v Vault,
        file: FileId,
        at: Span,
        run: &[(FileId, String, String)],
    ) -> Option<List<'v>> {
        let note = vault.note(file)?;
        let folder = parent(vault.path(run[0].0));
        if run
            .iter()
            .any(|(id, _, _)| parent(vault.path(*id)) != folder)
        {
            return None;
        }
        let sorted = |by_file_name| {
            run.windows(2)
                .all(|w| file_key(by_file_name, &w[0].1) > file_key(by_file_name, &w[1].1))
        };
        let order = match (sorted(false), sorted(true)) {
            (true, true) => Order::Either,
            (true, false) => Order::Name,
            (false, true) => Order::FileName,
            (false, false) if run.windows(2).all(|w| w[0].2 > w[1].2) => Order::Shown,
            (false, false) => return None,
        };
        let (_, last_name, last_shown) = &run[0];
        let last = if order == Order::Shown {
            last_shown.clone()
        } else {
            last_name.clone()
        };
        let upper = after(note, at)
            .and_then(|(link, r)| Some((link, listed(vault, file, r)?)))
            .filter(|&(_, id)| parent(vault.path(id)) == folder)
            .map(|(link, id)| {
                let name = list_name(vault, id);
                if order == Order::Shown {
                    shown(note, link, &name)
                } else {
                    name
                }
            })
            .filter(|n| order.by().any(|b| file_key(b, n) > file_key(b, &last)));
        Some(List {
            folder,
            order,
            last,
            last_path: None,
            upper,
        })
    }

    /// A list going through a folder tree in the order of paths, a folder's notes and
    /// subfolders by name (its folder note first), as an index of a folder tree lists them (a
    /// rules compendium's bestiary, by kind and family): each link of the run the note right
    /// after the one before. Within the deepest folder holding the listed notes and the note
    /// being written.
    fn in_path_order(
        vault: &'v Vault,
        file: FileId,
        at: Span,
        run: &[(FileId, String, String)],
    ) -> Option<List<'v>> {
        let keys: Vec<String> = run
            .iter()
            .map(|(id, _, _)| path_key(vault.path(*id)))
            .collect();
        if !keys.windows(2).all(|w| w[0] > w[1]) {
            return None;
        }
        let mut scope = parent(vault.path(file));
        for (id, _, _) in run {
            scope = common_folder(scope, parent(vault.path(*id)));
        }
        let last = vault.path(run[0].0).to_string();
        let note = vault.note(file)?;
        let upper = after(note, at)
            .and_then(|(_, r)| listed(vault, file, r))
            .filter(|&id| within(vault.path(id), scope))
            .map(|id| path_key(vault.path(id)))
            .filter(|key| *key > keys[0]);
        let list = List {
            folder: scope,
            order: Order::Path,
            last: keys[0].clone(),
            last_path: Some(last),
            upper,
        };
        // Each listed note the one after the one before: three links into several folders
        // are in path order by chance one time in six, and a rules compendium's notes link
        // their abilities, moves and kin in whatever order.
        run.windows(2)
            .all(|w| list.next_by_path(vault, vault.path(w[1].0), |id| id != file) == Some(w[0].0))
            .then_some(list)
    }

    /// What the list is sorted by for a note named `name` (folded): its file name unless the
    /// list is sorted by name alone. A list that reads the same both ways goes on by file
    /// name (`Dark Graphite Pie` before `Dark Graphite`): a guess either way, and the lists
    /// of the Obsidian Hub, made by a script, are sorted so (absent at 3 characters 1.1 →
    /// 0.4 %, top-1 80.7 → 81.5 %).
    fn key<'a>(&self, name: &'a str) -> std::borrow::Cow<'a, str> {
        file_key(matches!(self.order, Order::FileName | Order::Either), name)
    }

    /// What the list would be sorted by for note `id`, if it goes where the cursor is. Sorted
    /// by what the links show, any of the note's names may be shown (an alias, its title).
    fn key_of(&self, vault: &Vault, id: FileId) -> Option<String> {
        let path = vault.path(id);
        if self.order == Order::Path {
            let key = path_key(path);
            return (within(path, self.folder) && self.fits_key(&key)).then_some(key);
        }
        let folder = parent(path);
        if folder != self.folder {
            return None;
        }
        let name = fold(stem(path));
        if self.order != Order::Shown {
            return self
                .fits(folder, &name)
                .then(|| self.key(&name).into_owned());
        }
        let note = vault.note(id)?;
        let title = fold(note.title(vault.path(id))).into_owned();
        let mut names = vec![name.into_owned(), title];
        names.extend(
            note.aliases()
                .map(|(alias, _)| fold(alias.trim()).into_owned()),
        );
        names.into_iter().filter(|n| self.fits(folder, n)).min()
    }

    /// In path order, whether a note of [`path_key`] `key` would go where the cursor is.
    fn fits_key(&self, key: &str) -> bool {
        key > self.last.as_str() && self.upper.as_deref().is_none_or(|upper| key < upper)
    }

    /// Whether a note named `name` (folded) in `folder` would go where the cursor is.
    fn fits(&self, folder: &str, name: &str) -> bool {
        folder == self.folder
            && self.order.by().any(|b| {
                let key = file_key(b, name);
                key > file_key(b, &self.last)
                    && self
                        .upper
                        .as_deref()
                        .is_none_or(|upper| key < file_key(b, upper))
            })
    }

    /// The note the list goes on with: the first of its folder by name after the last one
    /// listed that the note does not link yet (and that fits before the link after).
    fn next(
        &self,
        vault: &Vault,
        file: FileId,
        linked: &rustc_hash::FxHashMap<FileId, u32>,
    ) -> Option<FileId> {
        if let Some(last) = &self.last_path {
            return self.next_by_path(vault, last, |id| {
                id != file && !linked.contains_key(&id) && self.fits_key(&path_key(vault.path(id)))
            });
        }
        // Two such notes differ in case only: the first by path, as in every server.
        let note_named = |name: &str, notes: &[(FileId, NameKind)]| {
            notes
                .iter()
                .filter(|&&(id, kind)| {
                    (kind == NameKind::FileStem || self.order == Order::Shown)
                        && id != file
                        && !linked.contains_key(&id)
                        && parent(vault.path(id)) == self.folder
                        && self.fits(self.folder, name)
                })
                .map(|&(id, _)| (self.key(name).into_owned(), vault.path(id), id))
                .min()
        };
        // By file name, a name that is a prefix of the last one listed, followed by a
        // character before the extension's `.`, comes after it (`arrows` after `arrows-in-md`).
        let mut found = Vec::new();
        if matches!(self.order, Order::FileName | Order::Either) {
            for (i, c) in self.last.char_indices() {
                if c < '.'
                    && let Some((name, notes)) = vault.name_entry(&self.last[..i])
                {
                    found.extend(note_named(name, notes));
                }
            }
        }
        // Then the first in name order from the last one listed.
        for (name, notes) in vault.names_after(&self.last).take(LIST_LOOKAHEAD) {
            if !self.fits(self.folder, name) {
                if matches!(self.order, Order::Name | Order::Shown) {
                    break;
                }
                continue;
            }
            if let Some(next) = note_named(name, notes) {
                found.push(next);
                break;
            }
        }
        found.into_iter().min().map(|(_, _, id)| id)
    }

    /// The first note after `last` in path order within the list's folder that `wanted`
    /// takes: from `last`'s folder up, each folder's notes and subfolders past the one before
    /// in order, into each subfolder. `None` also when the walk grows too long: past
    /// [`LIST_LOOKAHEAD`] entries, or [`PATH_ORDER_READ`] notes read to sort folders.
    fn next_by_path(
        &self,
        vault: &Vault,
        last: &str,
        wanted: impl Fn(FileId) -> bool,
    ) -> Option<FileId> {
        let mut budget = Walk {
            entries: LIST_LOOKAHEAD,
            read: PATH_ORDER_READ,
        };
        let mut folder = parent(last).to_string();
        let mut past = entry_key(&fold(file_name(&folder)), last, false);
        loop {
            if let Some(id) = first_in(vault, &folder, Some(&past), &wanted, &mut budget)? {
                return Some(id);
            }
            if folder == self.folder || folder.is_empty() {
                return None;
            }
            past = entry_key("", &folder, true);
            folder = parent(&folder).to_string();
        }
    }
}

/// The note a link of a list leads to, other than the note being written.
fn listed(vault: &Vault, file: FileId, resolution: &Resolution) -> Option<FileId> {
    resolution
        .file()
        .filter(|&id| id != file && vault.note(id).is_some())
}

/// A listed note's name, folded.
fn list_name(vault: &Vault, id: FileId) -> String {
    fold(stem(vault.path(id))).into_owned()
}

/// What a link of `note` shows: its display text, else its note's name (folded, `name`).
fn shown(note: &crate::vault::Note, link: &crate::syntax::Link, name: &str) -> String {
    match link.display_span() {
        Some(span) => fold(note.src().at(span.range()).unwrap_or_default().trim()).into_owned(),
        None => name.to_string(),
    }
}

/// The first link of `note` after the link being written at `at`, with where it leads.
fn after(note: &crate::vault::Note, at: Span) -> Option<(&crate::syntax::Link, &Resolution)> {
    note.syntax
        .links
        .iter()
        .zip(note.resolved.iter())
        .find(|(l, _)| l.span().start >= at.end)
}

/// What a walk in path order ([`List::next_by_path`]) may still do: entries to visit, notes
/// to read.
struct Walk {
    entries: usize,
    read: usize,
}

/// The first note `wanted` takes in `folder` (at any depth) in path order, past the entry
/// key `past`: `Some(None)` when there is none, `None` when the walk's budget ran out.
fn first_in(
    vault: &Vault,
    folder: &str,
    past: Option<&str>,
    wanted: &impl Fn(FileId) -> bool,
    budget: &mut Walk,
) -> Option<Option<FileId>> {
    enum Entry<'a> {
        Note(FileId),
        Folder(&'a str),
    }
    let notes = vault.notes_in_folder(folder);
    budget.read = budget.read.checked_sub(notes.len())?;
    let name = fold(file_name(folder)).into_owned();
    let mut entries: Vec<(String, &str, Entry)> = notes
        .iter()
        .map(|&id| {
            let path = vault.path(id);
            (entry_key(&name, path, false), path, Entry::Note(id))
        })
        .chain(
            vault
                .subfolders(folder)
                .into_iter()
                .map(|sub| (entry_key(&name, sub, true), sub, Entry::Folder(sub))),
        )
        .filter(|(key, _, _)| past.is_none_or(|p| key.as_str() > p))
        .collect();
    // Two notes differing in case only: the first by path, as in every server.
    entries.sort_unstable_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
    for (_, _, entry) in entries {
        budget.entries = budget.entries.checked_sub(1)?;
        match entry {
            Entry::Note(id) if wanted(id) => return Some(Some(id)),
            Entry::Note(_) => {}
            Entry::Folder(sub) => {
                let inner = if folder.is_empty() {
                    sub.to_string()
                } else {
                    format!("{folder}/{sub}")
                };
                if let Some(id) = first_in(vault, &inner, None, wanted, budget)? {
                    return Some(Some(id));
                }
            }
        }
    }
    Some(None)
}

/// Notes read at most by one walk in path order ([`List::next_by_path`]), to sort the
/// folders it goes through: the lists of folders larger than this are in name order, which
/// the name index follows.
const PATH_ORDER_READ: usize = 4000;

/// The key of a note's path in path order ([`List::in_path_order`]), as a string ordered as
/// the paths are: each folder by its folded name, then the note by its folded name, or first
/// of all when it is its folder's note (`Devils/Devils.md`).
fn path_key(path: &str) -> String {
    let folder = parent(path);
    let mut key = String::with_capacity(path.len() + 8);
    let mut within = "";
    for part in folder.split('/').filter(|p| !p.is_empty()) {
        key.push_str(&entry_key(within, part, true));
        within = part;
    }
    key.push_str(&entry_key(&fold(within), path, false));
    key
}

/// The key of one entry of a folder named `folder` (folded) in path order: a subfolder
/// named `name`, or the note at `name`'s path. A note named as its folder comes first (its
/// folder's note); a note `X` before the folder `X` beside it. Folded names never hold the
/// separators `\0` and `\u{1}`, so keys compare as their entries do.
fn entry_key(folder: &str, name: &str, is_folder: bool) -> String {
    let own = fold(if is_folder {
        file_name(name)
    } else {
        stem(name)
    });
    let own = if !is_folder && own == folder {
        "".into()
    } else {
        own
    };
    format!("{own}\0{}\u{1}", if is_folder { '1' } else { '0' })
}

/// Whether `path` is inside `folder` (`""`: the root, which [`is_within`] does not take for
/// an ancestor) at any depth.
fn within(path: &str, folder: &str) -> bool {
    folder.is_empty() || is_within(path, folder)
}

/// The deepest folder holding both `a` and `b` (folders, `""`: the root).
fn common_folder<'a>(a: &'a str, b: &str) -> &'a str {
    let (mut end, mut at) = (0, 0);
    for (x, y) in a.split('/').zip(b.split('/')) {
        if x != y {
            break;
        }
        end = at + x.len();
        at = end + 1;
    }
    &a[..end]
}

/// How a [`List`]'s links are sorted: by name, or by file name with its extension
/// (`arrows-in-md.md` before `arrows.md`, as a script listing a folder sorts); `Either` while
/// its links read the same both ways (names that are no prefix of one another).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Order {
    Name,
    FileName,
    Either,
    /// By what the links show: display text where they have one (`[[ai-chat|AI Chat]]`),
    /// else the name.
    Shown,
    /// By path, through a folder tree ([`List::in_path_order`]).
    Path,
}

impl Order {
    /// For [`file_key`]: whether by file name, each way this order may be.
    fn by(self) -> impl Iterator<Item = bool> {
        let ways: &[bool] = match self {
            Order::Name | Order::Shown | Order::Path => &[false],
            Order::FileName => &[true],
            Order::Either => &[false, true],
        };
        ways.iter().copied()
    }
}

/// The key a list sorted by name (`by_file_name`: by file name) orders a note named `name`
/// (folded) by.
fn file_key(by_file_name: bool, name: &str) -> std::borrow::Cow<'_, str> {
    if by_file_name {
        format!("{name}.md").into()
    } else {
        name.into()
    }
}

/// Candidates read at most from one index (names starting with the query, names with a word
/// starting with it, notes in folders starting with it).
const CLASS_CAP: usize = 1500;

/// Notes matched by a name listed at most past the list's `limit`: every such match is
/// listed while they are this few, so the cap never hides a name the user is typing (the
/// Obsidian Hub's `[[obs` lists its 666 `obsidian-…` plugins and others: 259 KB of JSON, 9 ms
/// over stdio against 2 ms for 100 items). Past it, the best `limit` are, and typing on
/// narrows them. The notes of the folders the query starts are listed with them when all
/// fit: through the history of a rules compendium whose links are written with their path
/// (`[[Compendium/13A/…`), the note meant was absent at 3 typed characters 8.5 → 0 % (the
/// zettelkasten's 0.5 → 0.3 %, the Obsidian Hub's 0.2 → 0 %; no top-1 or top-5 changed).
const NAME_MATCHES_LISTED: usize = 1000;

/// Notes past which a heading shared by them is read only in the notes the context names.
const SHARED_HEADING: usize = 1000;

/// Notes read at most from the folders matching the query.
const FOLDER_CAP: usize = 4000;

/// The most linked notes matched one by one when an index holds more than `CLASS_CAP`
/// candidates (whole groups of equal popularity, so fewer when a group would not fit).
const POPULAR: usize = 300;

/// Names tried for a loose match at most: the rarest three characters of a query can still be
/// in tens of thousands of names (`ync` in every `sync`), and a loose match is the last resort.
const LOOSE_CANDIDATES: usize = 20_000;

/// Candidates scored at most, besides the notes this note and its neighbours link to.
const PRE_CUT: usize = 4000;

/// Candidates given the full score: the best by the rest of it. Thousands of names can start
/// with one or two letters; the folder part (at most `folder_share` points) reorders these.
const FOLDER_SCORED: usize = 1500;

/// The folded names a note is known by, as the name index holds them.
fn note_names(vault: &Vault, id: FileId) -> Vec<(&str, NameKind)> {
    let Some(note) = vault.note(id) else {
        return Vec::new();
    };
    let mut wanted = vec![(fold(stem(vault.path(id))), NameKind::FileStem)];
    wanted.push((fold(note.title(vault.path(id))), NameKind::Title));
    wanted.extend(note.aliases().map(|(a, _)| (fold(a), NameKind::Alias)));
    wanted
        .into_iter()
        .filter_map(|(name, kind)| {
            // Borrow the index's own key, which outlives this call.
            let (key, _) = vault
                .names_with_prefix(&name)
                .find(|(key, notes)| *key == name && notes.contains(&(id, kind)))?;
            Some((key, kind))
        })
        .collect()
}

/// The first `CLASS_CAP` of `names` (an index's names starting with the folded `query`, in
/// name order), each an exact or a prefix match; and whether more were left.
#[allow(clippy::type_complexity)]
fn by_prefix<'v, E>(
    names: impl Iterator<Item = (&'v str, &'v [E])>,
    query: &str,
) -> (Vec<(Match, &'v str, &'v [E])>, bool) {
    let mut out = Vec::new();
    for (name, entries) in names {
        if out.len() == CLASS_CAP {
            return (out, true);
        }
        let matched = if name == query {
            Match::Exact
        } else {
            Match::Prefix
        };
        out.push((matched, name, entries));
    }
    (out, false)
}

/// Adds the hits of one note for the folded query (`finder` finds it): by each of its names
/// that is the query, starts with it or has a word starting with it, as the name indexes
/// would find them; and by its folder, from `folder_from` typed characters.
fn match_note<'v>(
    vault: &'v Vault,
    id: FileId,
    query: &str,
    finder: &memchr::memmem::Finder,
    folder_from: usize,
    hits: &mut Vec<Hit<'v>>,
) {
    let Some(note) = vault.note(id) else { return };
    let path = vault.path(id);
    let stem = fold(stem(path));
    let mut names = vec![(fold(note.title(path)), NameKind::Title)];
    names.extend(note.aliases().map(|(a, _)| (fold(a), NameKind::Alias)));
    names.retain(|(name, _)| *name != stem);
    names.insert(0, (stem, NameKind::FileStem));
    for (name, kind) in names {
        let matched = if name == query {
            Match::Exact
        } else if name.starts_with(query) {
            Match::Prefix
        } else if crate::vault::names::starts_a_word(&name, finder) {
            Match::WordStart
        } else {
            continue;
        };
        // The index's own key, which outlives this request.
        let Some((name, notes)) = vault.name_entry(&name) else {
            continue;
        };
        let shared_title = notes.iter().filter(|(_, k)| *k == NameKind::Title).count() >= 3;
        if kind == NameKind::Title && shared_title {
            continue;
        }
        hits.push(Hit {
            id,
            kind,
            name,
            matched,
        });
    }
    let folder = parent(path);
    if query.chars().count() >= folder_from
        && crate::vault::names::components(folder).any(|part| part.starts_with(query))
    {
        hits.push(Hit {
            id,
            kind: NameKind::FileStem,
            name: "",
            matched: Match::Folder,
        });
    }
}

/// Adds a hit for each note a matched name names (the note being edited only by alias). A
/// title several notes share (`# References`, `# Notes`) names none of them: it is left out.
fn add_hits<'v>(
    file: FileId,
    hits: &mut Vec<Hit<'v>>,
    name: &'v str,
    notes: &'v [(FileId, NameKind)],
    matched: Match,
) {
    let shared_title = notes.iter().filter(|(_, k)| *k == NameKind::Title).count() >= 3;
    for &(id, kind) in notes {
        if id == file && kind != NameKind::Alias || kind == NameKind::Title && shared_title {
            continue;
        }
        // A title or alias spelled as the file name (folded, as here) is the file name: one
        // hit per note and name.
        if kind != NameKind::FileStem && notes.contains(&(id, NameKind::FileStem)) {
            continue;
        }
        hits.push(Hit {
            id,
            kind,
            name,
            matched,
        });
    }
}

/// What breaks ties between candidates while the best are chosen (not while they are
/// sorted): the matched name, then its kind, then the note's path, which is read only when
/// the names are equal (paths share long folders, and reading them costs a cache miss per
/// candidate). The same choice in every server, whatever ids it gave.
fn tie(vault: &Vault, a: &Hit, b: &Hit) -> std::cmp::Ordering {
    a.name
        .cmp(b.name)
        .then_with(|| a.kind.cmp(&b.kind))
        .then_with(|| vault.path(a.id).cmp(vault.path(b.id)))
}

/// The order of scored candidates: score, then path and name kind, so every server lists the
/// same notes whatever ids it gave them.
fn better(vault: &Vault, (a, x): &(f32, Hit), (b, y): &(f32, Hit)) -> std::cmp::Ordering {
    b.total_cmp(a)
        .then_with(|| vault.path(x.id).cmp(vault.path(y.id)))
        .then_with(|| x.kind.cmp(&y.kind))
        .then_with(|| x.name.cmp(y.name))
}

/// Notes matching `query` by file name, title, alias or folder, best first by
/// [`Context::score`], one item per note (by its best-matching name).
fn note_items(
    vault: &Vault,
    file: FileId,
    query: &str,
    replace: Span,
    options: &CompletionOptions,
    new_text: impl Fn(&Vault, FileId, Option<&str>) -> String,
) -> Completion {
    let limit = options.limit;
    // `People/Tom`: the name part is looked up in the name index as usual, and the folder
    // part must match the note's folder (fuzzily: `meet/2025` finds `Meetings/2025`), as
    // Obsidian searches paths.
    let (folder_query, query) = match query.rfind('/') {
        Some(i) => (Some(&query[..i]), &query[i + 1..]),
        None => (None, query),
    };
    let query_folded = fold(query.trim()).into_owned();
    let mut context = Context::new(vault, file, Some(replace), &options.open);
    let mut hits: Vec<Hit> = Vec::new();
    let mut more = false;
    // Every name holding the query as a name, a prefix or a word start was read (none was
    // cut at `CLASS_CAP`): such matches can all be listed.
    let mut names_read = false;
    // And every note in a folder starting with the query (none past `FOLDER_CAP`).
    let mut folders_read = false;
    if query_folded.is_empty() {
        // The most linked notes and what this note's neighbours link to, by each of their
        // names; with the first names in order when the vault has fewer linked notes than
        // the list holds.
        let mut top = vault.most_linked(limit * 2);
        let mut around: Vec<(FileId, u32)> =
            context.around.iter().map(|(&id, &n)| (id, n)).collect();
        // Ties by path: the same list in every server, whatever ids it gave.
        around.sort_unstable_by(|a, b| {
            b.1.cmp(&a.1)
                .then_with(|| vault.path(a.0).cmp(vault.path(b.0)))
        });
        top.extend(around.into_iter().take(limit).map(|(id, _)| id));
        top.extend(context.next);
        top.extend(context.open.iter().copied());
        top.sort_unstable();
        top.dedup();
        if top.len() < limit {
            for (name, notes) in vault.names().take(PRE_CUT) {
                add_hits(file, &mut hits, name, notes, Match::Fuzzy(0));
            }
            more |= vault.names().nth(PRE_CUT).is_some();
        }
        for id in top {
            for (name, kind) in note_names(vault, id) {
                if id == file && kind != NameKind::Alias {
                    continue;
                }
                hits.push(Hit {
                    id,
                    kind,
                    name,
                    matched: Match::Fuzzy(0),
                });
            }
        }
    } else {
        // Each kind of match is read from its index, at most `CLASS_CAP` candidates of it:
        // past that, one or two letters match a good part of the vault and the note meant
        // is among them only by what the context or its popularity say, so those notes are
        // matched one by one instead.
        let (prefixed, mut cut) = by_prefix(vault.names_with_prefix(&query_folded), &query_folded);
        for (matched, name, notes) in prefixed {
            add_hits(file, &mut hits, name, notes, matched);
        }
        // Words inside names, and folders of paths, for two characters and more (one
        // matches too much to rank), and only while the names starting with the query are
        // few enough to be listed whole: past that, they fill the list and the user types on.
        let roomy = hits.len() < NAME_MATCHES_LISTED.max(limit * 4);
        if query_folded.chars().count() >= 2 && roomy {
            match vault.names_with_word_prefix(&query_folded, CLASS_CAP) {
                Some(names) => {
                    names_read = !cut;
                    for (name, notes) in names {
                        add_hits(file, &mut hits, name, notes, Match::WordStart);
                    }
                }
                None => cut = true,
            }
            // Whole folders, those this note links into first (a map of content written
            // with paths: `[[01 - Community/People/…`), while they total at most
            // `FOLDER_CAP` notes.
            let mut folders: Vec<(&str, &[FileId])> =
                vault.folders_with_prefix(&query_folded).collect();
            folders.sort_unstable_by(|a, b| {
                let share = |f: &str| context.into_folder.get(f).copied().unwrap_or(0);
                share(b.0).cmp(&share(a.0)).then_with(|| a.0.cmp(b.0))
            });
            let mut total = 0;
            folders_read = true;
            for (_, ids) in folders {
                total += ids.len();
                if total > FOLDER_CAP {
                    cut = true;
                    folders_read = false;
                    break;
                }
                for &id in ids.iter().filter(|&&id| id != file) {
                    hits.push(Hit {
                        id,
                        kind: NameKind::FileStem,
                        name: "",
                        matched: Match::Folder,
                    });
                }
            }
        }
        if cut {
            more = true;
            let popular = vault.most_linked(POPULAR);
            let important = context
                .linked
                .keys()
                .chain(context.around.keys())
                .chain(&context.open)
                .chain(&popular)
                .copied()
                .filter(|&id| id != file)
                .collect::<rustc_hash::FxHashSet<FileId>>();
            let finder = memchr::memmem::Finder::new(query_folded.as_bytes());
            for id in important {
                match_note(vault, id, &query_folded, &finder, 2, &mut hits);
            }
        }
        let finder = memchr::memmem::Finder::new(query_folded.as_bytes());
        if let Some(next) = context.next.filter(|&n| !hits.iter().any(|h| h.id == n)) {
            // The folder of a list's next note matches from the first letter (a list written
            // with paths: `[[01 - Community/People/…`).
            match_note(vault, next, &query_folded, &finder, 1, &mut hits);
        }
        // A loose match (the query's characters in order, accents aside), only when the rest
        // leave the list short; among the names holding the rarest three characters of the
        // query, which a loose match of a typed name nearly always has.
        if hits.len() >= limit * 2 {
            more = true;
        } else {
            let pattern = super::fuzzy_pattern(query);
            let mut matcher = Matcher::new(Config::DEFAULT);
            let mut buf = Vec::new();
            for (name, notes) in vault.names_loosely(query, LOOSE_CANDIDATES) {
                if name.starts_with(&query_folded)
                    || crate::vault::names::starts_a_word(name, &finder)
                {
                    continue;
                }
                if let Some(score) = pattern.score(Utf32Str::new(name, &mut buf), &mut matcher) {
                    add_hits(file, &mut hits, name, notes, Match::Fuzzy(score));
                }
            }
        }
    }
    // A space typed after a whole word says the name goes on with another word (`[[File `
    // for `File Descriptor`): a name that is the query, or goes on within its last word
    // (`Filesystem`), is matched as a word inside another would be, after every name going
    // on with a word. On a 13k-note zettelkasten, top-1 at 5 typed characters 54.3 → 56.2 %
    // for the name that is the query (as a name starting with it instead, 56.0 %), → 57.0 %
    // with the names going on within the word (Obsidian's help 82.8 → 83.1 %).
    if query.ends_with(char::is_whitespace) {
        let goes_on_in_word = |name: &str| {
            name.get(query_folded.len()..)
                .is_some_and(|rest| rest.starts_with(char::is_alphanumeric))
        };
        for hit in hits.iter_mut().filter(|h| {
            h.matched == Match::Exact || (h.matched == Match::Prefix && goes_on_in_word(h.name))
        }) {
            hit.matched = Match::WordStart;
        }
    }
    // In a sorted list, the first candidate by name that fits at the cursor: the note the
    // list goes on with when the query matches it, else the first one the query matches
    // (a list of some of a folder's notes skips others).
    if let Some(list) = &context.list {
        let fitting = hits
            .iter()
            .filter(|h| h.id != file && !context.linked.contains_key(&h.id))
            .filter_map(|h| Some((list.key_of(vault, h.id)?, vault.path(h.id), h.id)))
            .min();
        context.next = fitting.map(|(_, _, id)| id);
    }
    if let Some(folders) = folder_query.map(str::trim).filter(|f| !f.is_empty()) {
        let pattern = super::fuzzy_pattern(folders);
        let mut matcher = Matcher::new(Config::DEFAULT);
        let mut buf = Vec::new();
        hits.retain(|h| {
            let folder = parent(vault.path(h.id));
            pattern
                .score(Utf32Str::new(folder, &mut buf), &mut matcher)
                .is_some()
        });
        // The notes of a folder beyond the most linked are not all listed for an empty name:
        // the client asks again as the user types on.
        more |= query_folded.is_empty();
    }
    // Notes matched by a name (the query is one, starts one or starts a word of one) are all
    // listed when they are few enough for a list to show whole, and with them the notes
    // matched by a folder of their path (a link written with its path: `[[Compendium/13A/…`)
    // when all of these are too: they skip every cut below.
    let mut by_name: Vec<Hit> = Vec::new();
    let mut listed_by_name = rustc_hash::FxHashSet::default();
    if names_read && query_folded.chars().count() >= 2 {
        // Listed whole: a match by name, and with `folders` one by folder.
        let whole =
            |h: &Hit, folders: bool| h.matched.by_name() || folders && h.matched == Match::Folder;
        let ids = |folders: bool| -> rustc_hash::FxHashSet<FileId> {
            hits.iter()
                .filter(|h| whole(h, folders))
                .map(|h| h.id)
                .collect()
        };
        let names = ids(false);
        if names.len() <= NAME_MATCHES_LISTED {
            let with_folders = folders_read
                .then(|| ids(true))
                .filter(|all| all.len() <= NAME_MATCHES_LISTED);
            let folders_too = with_folders.is_some();
            listed_by_name = with_folders.unwrap_or(names);
            let rest;
            (by_name, rest) = hits.into_iter().partition(|h| whole(h, folders_too));
            hits = rest;
        }
    }
    // The ranking sees every candidate before the list is cut; one or two letters match
    // thousands of names in a large vault: past `PRE_CUT`, only the best by match and
    // popularity are scored, with every note the context speaks for.
    if hits.len() > PRE_CUT {
        let (mut kept, mut rest): (Vec<Hit>, Vec<Hit>) = hits.into_iter().partition(|h| {
            context.linked.contains_key(&h.id)
                || context.around.contains_key(&h.id)
                || context.open.contains(&h.id)
                || context.next == Some(h.id)
        });
        if rest.len() > PRE_CUT {
            // Keys worked out once per candidate: a comparison reading two paths per step
            // took most of the time when thousands of names match (14 → 4 ms for `sync` at
            // 50k notes).
            let mut keyed: Vec<((Match, usize), Hit)> = rest
                .into_iter()
                .map(|h| ((h.matched, vault.linking_notes(h.id)), h))
                .collect();
            keyed.select_nth_unstable_by(PRE_CUT, |(x, a), (y, b)| {
                y.cmp(x).then_with(|| tie(vault, a, b))
            });
            keyed.truncate(PRE_CUT);
            rest = keyed.into_iter().map(|(_, h)| h).collect();
            more = true;
        }
        kept.extend(rest);
        hits = kept;
    }
    let mut scored: Vec<(f32, Hit)> = hits
        .into_iter()
        .map(|h| (context.score(vault, &h), h))
        .collect();
    if scored.len() > FOLDER_SCORED {
        scored.select_nth_unstable_by(FOLDER_SCORED, |(x, a), (y, b)| {
            y.total_cmp(x).then_with(|| tie(vault, a, b))
        });
        scored.truncate(FOLDER_SCORED);
        more = true;
    }
    for (score, hit) in &mut scored {
        *score += context.folder_score(vault, hit);
    }
    // Only the best few need a full sort (more than `limit`: a note may hold several).
    let keep = limit * 3 + 8;
    if scored.len() > keep {
        scored.select_nth_unstable_by(keep, |a, b| better(vault, a, b));
        scored.truncate(keep);
        more = true;
    }
    scored.extend(by_name.into_iter().map(|h| {
        let score = context.score(vault, &h) + context.folder_score(vault, &h);
        (score, h)
    }));
    scored.sort_by(|a, b| better(vault, a, b));
    let mut seen = rustc_hash::FxHashSet::default();
    let mut items = Vec::new();
    for (_, hit) in scored {
        let Hit {
            id,
            kind,
            name: folded_name,
            ..
        } = hit;
        if seen.contains(&id) {
            continue;
        }
        let Some(note) = vault.note(id) else { continue };
        let path = vault.path(id);
        let (label, alias) = match kind {
            NameKind::FileStem => (stem(path).to_string(), None),
            NameKind::Title => {
                let title = note.title(path);
                if fold(title) == fold(stem(path)) {
                    continue;
                }
                (title.to_string(), None)
            }
            NameKind::Alias => {
                let Some(alias) = note.alias_folded_as(folded_name) else {
                    continue;
                };
                // An alias spelled as the file name is the file name.
                if fold(alias) == fold(stem(path)) {
                    (stem(path).to_string(), None)
                } else {
                    (alias.to_string(), Some(alias))
                }
            }
        };
        // Past `limit`, only the notes matched by a name that are all listed.
        if items.len() >= limit && !listed_by_name.contains(&id) {
            more = true;
            continue;
        }
        seen.insert(id);
        let folder = parent(path);
        let detail = match kind {
            NameKind::FileStem => shown_folder(folder),
            // Which note the item inserts.
            _ => format!("→ {}", crate::vault::path::strip_md(path)),
        };
        items.push(CompletionItem {
            new_text: new_text(vault, id, alias),
            label: label.clone(),
            kind: if alias.is_some() {
                ItemKind::Alias
            } else {
                ItemKind::Note
            },
            detail: Some(detail),
            replace,
            // Folders included when typed; what was typed comes first ([`typed_first`]).
            filter_text: match folder_query {
                Some(_) if !folder.is_empty() => format!("{folder}/{label}"),
                _ => label,
            },
            file: Some(id),
        });
    }
    Completion {
        items,
        is_incomplete: more,
    }
}

fn shown_folder(folder: &str) -> String {
    if folder.is_empty() {
        "/".to_string()
    } else {
        format!("{folder}/")
    }
}

/// `today`, `yesterday`, `tomorrow` and the weekdays, for two typed letters or more: each
/// completes to that day's daily note, named and placed as `.obsidian/daily-notes.json` says
/// (Obsidian's core plugin). A note not created yet is linked by its folder and name, so
/// following the link (or the create-note fix) makes it where Obsidian would. Listed first
/// when the word is typed whole, else after the first three items.
#[allow(clippy::too_many_arguments)]
fn daily_items(
    vault: &Vault,
    file: FileId,
    typed: &str,
    replace: Span,
    suffix: &str,
    (today, daily): (Date, &DailyNotes),
    options: &CompletionOptions,
    out: &mut Completion,
) {
    let query = fold(typed.trim()).into_owned();
    if query.chars().count() < 2 {
        return;
    }
    // A list longer than `limit` holds every name match (see `NAME_MATCHES_LISTED`): the
    // days come on top of it, and none of it is cut.
    let capped = out.items.len() <= options.limit;
    let mut at = 0;
    for (word, day) in dates::named_days(today) {
        if !word.starts_with(query.as_str()) {
            continue;
        }
        let name = dates::format(day, &daily.format);
        let path = if daily.folder.is_empty() {
            name.clone()
        } else {
            format!("{}/{name}", daily.folder)
        };
        let existing = vault.id(&format!("{path}.md"));
        let (new_text, kind, detail) = match existing {
            Some(id) => (
                styled_link_text(vault, file, id, options.format.style),
                ItemKind::Note,
                format!("→ {path}"),
            ),
            None => (
                path.clone(),
                ItemKind::Unresolved,
                format!("→ {path} (not created yet)"),
            ),
        };
        if !wikilink_can_hold(&new_text) {
            continue;
        }
        let item = CompletionItem {
            label: word.to_string(),
            kind,
            detail: Some(detail),
            new_text: format!("{new_text}{suffix}"),
            replace,
            filter_text: word.to_string(),
            file: existing,
        };
        let position = if word == query { at } else { 3 + at };
        out.items.insert(position.min(out.items.len()), item);
        at += 1;
    }
    if capped && out.items.len() > options.limit {
        out.items.truncate(options.limit);
        out.is_incomplete = true;
    }
}

/// Names linked somewhere that have no note yet, after the notes while the list has room:
/// most linked first, written as the first link to them wrote them (Obsidian lists them too,
/// so a note can be linked before it is written).
fn unresolved_items(
    vault: &Vault,
    file: FileId,
    query: &str,
    replace: Span,
    suffix: &str,
    limit: usize,
    out: &mut Completion,
) {
    let query = fold(query.trim()).into_owned();
    if query.is_empty() || query.contains('/') || out.items.len() >= limit {
        return;
    }
    // Not the link being typed.
    let typing = vault
        .note(file)
        .and_then(|n| super::link_at(&n.syntax, replace.start as usize))
        .map(|(i, _)| i as u32);
    let mut found: Vec<(usize, String)> = vault
        .unresolved()
        .filter(|(key, _)| key.starts_with(query.as_str()))
        .filter_map(|(_, sites)| {
            let others: Vec<_> = sites
                .iter()
                .filter(|s| s.source != file || Some(s.link) != typing)
                .collect();
            let site = others.first()?;
            let note = vault.note(site.source)?;
            let link = note.syntax.links.get(site.link as usize)?;
            Some((others.len(), link.target(note.src()).into_owned()))
        })
        .filter(|(_, name)| !name.trim().is_empty())
        .collect();
    found.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    for (links, name) in found {
        if out.items.len() >= limit {
            out.is_incomplete = true;
            break;
        }
        out.items.push(CompletionItem {
            new_text: format!("{name}{suffix}"),
            label: name.clone(),
            kind: ItemKind::Unresolved,
            detail: Some(format!(
                "not created yet · {links} link{}",
                if links == 1 { "" } else { "s" }
            )),
            replace,
            filter_text: name,
            file: None,
        });
    }
}

/// Attachments (non-note files) whose name contains the query; they need their extension.
fn attachment_items(
    vault: &Vault,
    file: FileId,
    query: &str,
    replace: Span,
    suffix: &str,
    limit: usize,
    out: &mut Completion,
) {
    let query = fold(query.trim()).into_owned();
    let mut found: Vec<(FileId, &str)> = vault
        .files()
        .filter(|(_, f)| f.note.is_none())
        .map(|(id, f)| (id, f.path()))
        .filter(|(_, p)| fold(crate::vault::path::file_name(p)).contains(&query))
        .collect();
    found.sort_by_key(|(_, p)| *p);
    for (id, path) in found {
        if out.items.len() >= limit {
            out.is_incomplete = true;
            break;
        }
        let name = crate::vault::path::file_name(path).to_string();
        out.items.push(CompletionItem {
            new_text: format!("{}{suffix}", link_text(vault, file, id)),
            label: name.clone(),
            kind: ItemKind::Attachment,
            detail: Some(shown_folder(parent(path))),
            replace,
            filter_text: name,
            file: Some(id),
        });
    }
}

/// Whether a link path can be written as a wikilink that resolves to it: Obsidian reads `#` as
/// the start of a subpath, `|` as the start of the display text, `]]` as the end, `^` after a
/// `#` as a block, and trims the path.
fn wikilink_can_hold(path: &str) -> bool {
    !path.contains(['#', '|', '^', '[', ']']) && path.trim() == path
}

/// Tags after `#` (not a heading marker), most used first.
fn tag(
    vault: &Vault,
    file: FileId,
    text: &str,
    line_start: usize,
    offset: usize,
    limit: usize,
) -> Option<Completion> {
    let prefix = &text[line_start..offset];
    let typed_len: usize = prefix
        .chars()
        .rev()
        .take_while(|&c| is_tag_char(c))
        .map(char::len_utf8)
        .sum();
    let hash = prefix.len() - typed_len;
    if hash == 0 || !prefix[..hash].ends_with('#') {
        return None;
    }
    let before = prefix[..hash - 1].chars().next_back();
    if before.is_some_and(|c| !c.is_whitespace()) {
        return None;
    }
    let query = fold(&prefix[hash..]).into_owned();
    let mut tags: Vec<(usize, &str)> = vault
        .tags()
        .filter(|t| t.contains(&query))
        .filter_map(|t| {
            let (notes, uses) = vault.tag_count(t);
            // The tag being typed is in the index too; alone it is no suggestion.
            let only_this =
                *t == query && (notes, uses) == (1, 1) && vault.first_tagged_note(t) == Some(file);
            (!only_this).then_some((uses as usize, t))
        })
        .collect();
    tags.sort_by(|a, b| (b.0, a.1).cmp(&(a.0, b.1)));
    let replace = Span::new(line_start + hash, offset);
    let is_incomplete = tags.len() > limit;
    let items = tags
        .into_iter()
        .take(limit)
        .map(|(uses, folded)| {
            let shown = shown_tag(vault, folded).unwrap_or_else(|| folded.to_string());
            CompletionItem {
                label: format!("#{shown}"),
                kind: ItemKind::Tag,
                detail: Some(if uses == 1 {
                    "1 use".to_string()
                } else {
                    format!("{uses} uses")
                }),
                new_text: shown.clone(),
                replace,
                filter_text: shown,
                file: None,
            }
        })
        .collect();
    Some(Completion {
        items,
        is_incomplete,
    })
}

/// A tag as first written in the vault (tags are case-insensitive; display keeps a casing).
fn shown_tag(vault: &Vault, folded: &str) -> Option<String> {
    let note = vault.note(vault.first_tagged_note(folded)?)?;
    note.syntax
        .tags
        .iter()
        .map(|t| t.name(note.src()))
        .find(|name| *fold(name) == *folded)
        .map(str::to_string)
}

fn snippet(text: &str) -> String {
    let line = text.lines().next().unwrap_or("").trim();
    if line.chars().count() > 60 {
        let cut: String = line.chars().take(59).collect();
        format!("{cut}…")
    } else {
        line.to_string()
    }
}

/// Documentation for a completion item naming `id`: its type and title, then its first lines.
pub fn documentation(vault: &Vault, id: FileId) -> Option<String> {
    let note = vault.note(id)?;
    let mut out = super::note_card(vault, id, note);
    out += "\n\n";
    let body_start = note.syntax.body_start();
    let text = vault.text(id)?;
    let body: Vec<&str> = text[body_start..]
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.trim().is_empty())
        .take(10)
        .collect();
    out += &body.join("\n");
    Some(out)
}

#[cfg(test)]
mod tests {
    use expect_test::{Expect, expect};

    use super::*;
    use crate::config::LinkStyle;
    use crate::features::fixture::Fixture;

    #[test]
    fn folder_paths_in_the_query_match_folders() {
        let labels = |query: &str| {
            let f = Fixture::parse(&format!(
                "//- People/Tomer Hagay.md\n//- Archive/Tomer old.md\n//- Meetings/2025/Weekly.md\n\
                 //- Meetings/2025/Tomorrow.md\n//- Home.md\n[[{query}$0\n"
            ));
            let c = completion(&f.vault, f.file, f.offset, &CompletionOptions::default()).unwrap();
            c.items
                .iter()
                .map(|i| format!("{} <{}>", i.label, i.filter_text))
                .collect::<Vec<_>>()
        };
        assert_eq!(labels("People/Tom"), ["Tomer Hagay <People/Tomer Hagay>"]);
        assert_eq!(
            labels("meet/2025/We"),
            ["Weekly <meet/2025/We Meetings/2025/Weekly>"]
        );
        let mut in_folder = labels("Meetings/2025/");
        in_folder.sort();
        assert_eq!(
            in_folder,
            [
                "Tomorrow <Meetings/2025/Tomorrow>",
                "Weekly <Meetings/2025/Weekly>"
            ]
        );
        // Without a folder, every folder.
        assert_eq!(labels("Tom").len(), 3);
    }

    #[test]
    fn a_property_value_written_as_a_link_completes_notes() {
        let labels = |body: &str| {
            let f = Fixture::parse(&format!("//- People/Tomer Hagay.md\n//- Home.md\n{body}"));
            let c = completion(&f.vault, f.file, f.offset, &CompletionOptions::default()).unwrap();
            c.items
                .iter()
                .map(|i| (i.label.clone(), i.new_text.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            labels("---\nup: \"[[Tom$0\"\n---\n"),
            [("Tomer Hagay".to_string(), "Tomer Hagay]]".to_string())]
        );
        assert_eq!(
            labels("---\nattendees:\n  - \"[[Tom$0]]\"\n---\n"),
            [("Tomer Hagay".to_string(), "Tomer Hagay".to_string())]
        );
        // Elsewhere in the properties: keys and values, not notes.
        assert!(labels("---\nup: Tom$0\n---\n").is_empty());
    }

    #[test]
    fn every_filter_text_starts_with_what_was_typed_as_typed() {
        // Clients sort by their own score of the typed text against the filter texts before
        // the order given, and VS Code's counts case and a whole match: each item's filter
        // text starts with the typed text as typed and goes on past it.
        let vault = "//- Notes/Introduction to Sync.md\n//- Notes/Obsidian intro notes.md\n\
                     //- Notes/Introduction to Publish.md\n//- Pro.md\n//- Product.md\n\
                     //- Pricing.md\n## Introduction\nTiers of pricing. #Status/weekly\n\
                     //- Ordenação externa.md\n";
        let filters = |editing: &str, markdown: bool| {
            let f = Fixture::parse(&format!("{vault}//- Home.md\n{editing}"));
            let options = CompletionOptions {
                format: LinkFormat {
                    markdown,
                    ..LinkFormat::default()
                },
                ..CompletionOptions::default()
            };
            let c = match block_search(
                &f.vault,
                f.file,
                f.offset,
                &options,
                super::super::Cancel::NEVER,
            ) {
                Some(found) => found.unwrap().0,
                None => completion(&f.vault, f.file, f.offset, &options).unwrap(),
            };
            let text = f.vault.text(f.file).unwrap();
            (c.items.into_iter())
                .map(|i| {
                    let typed = text[i.replace.start as usize..f.offset].trim_start();
                    (i.filter_text, typed.to_string())
                })
                .collect::<Vec<_>>()
        };
        for (editing, markdown, typed, items) in [
            ("[[intro$0", false, "intro", 3),
            ("[[INTRO$0", false, "INTRO", 3),
            ("[[notes/intr$0", false, "notes/intr", 2),
            ("[[Pro$0", false, "Pro", 2),
            ("[[pro$0", false, "pro", 2),
            ("[[##intro$0", false, "##intro", 1),
            ("[[^^tiers$0", false, "^^tiers", 1),
            ("[[intro$0", true, "[[intro", 3),
            ("#stat$0", false, "stat", 1),
            // VS Code's matcher does not fold accents: `Ordenação` alone was dropped.
            ("[[ordenac$0", false, "ordenac", 1),
        ] {
            let found = filters(editing, markdown);
            assert!(found.len() >= items, "{editing}: {found:?}");
            for (filter, typed_in_range) in &found {
                assert_eq!(typed_in_range, typed, "{editing}");
                assert!(
                    filter.starts_with(typed) && filter.len() > typed.len(),
                    "{editing}: {filter:?} for {typed_in_range:?}"
                );
            }
        }
    }

    #[test]
    fn block_search_is_not_offered_in_code() {
        let search = |editing: &str| {
            let f = Fixture::parse(&format!(
                "//- Pricing.md\nTiers of pricing.\n//- Home.md\n{editing}"
            ));
            let options = CompletionOptions::default();
            block_search(
                &f.vault,
                f.file,
                f.offset,
                &options,
                super::super::Cancel::NEVER,
            )
            .map(|found| found.unwrap().0.items.len())
        };
        assert_eq!(search("[[^^tiers$0\n"), Some(1));
        assert_eq!(search("```\n[[^^tiers$0\n```\n"), None);
        assert_eq!(search("`[[^^tiers$0`\n"), None);
        assert_eq!(search("%% [[^^tiers$0 %%\n"), None);
    }

    #[test]
    fn nothing_is_completed_where_nothing_is_a_link() {
        let complete = |body: &str| {
            let f = Fixture::parse(&format!("//- Tomer.md\n# Tomer\n//- Home.md\n{body}"));
            completion(&f.vault, f.file, f.offset, &CompletionOptions::default())
                .map(|c| c.items.len())
        };
        assert_eq!(complete("```\n[[To$0\n```\n"), None, "a code fence");
        assert_eq!(complete("see `[[To$0` here\n"), None, "inline code");
        assert_eq!(complete("%% [[To$0 %%\n"), None, "a comment");
        assert_eq!(complete("$$\n[[To$0\n$$\n"), None, "math");
        assert_eq!(complete("an unclosed `[[To$0\n"), Some(1), "not code");
        assert_eq!(complete("text [[To$0\n"), Some(1));
    }

    #[test]
    fn names_a_wikilink_cannot_hold_complete_to_links_that_resolve() {
        let fixture =
            "//- C# notes.md\n# C#\n//- Q [draft].md\n//- Pipe | note.md\n//- Home.md\nSee [[$0\n";
        let f = Fixture::parse(fixture);
        let options = CompletionOptions::default();
        let got = completion(&f.vault, f.file, f.offset, &options).unwrap();
        let text = &f.vault.note(f.file).unwrap().text().unwrap();
        let mut checked = 0;
        for item in got.items.iter().filter(|i| i.file.is_some()) {
            let mut edited = text.to_string();
            edited.replace_range(item.replace.range(), &item.new_text);
            let mut files: Vec<(String, Option<String>)> = f
                .vault
                .notes()
                .map(|(id, n)| (f.vault.path(id).to_string(), n.text().map(String::from)))
                .collect();
            files.retain(|(p, _)| p != "Home.md");
            files.push(("Home.md".into(), Some(edited.clone())));
            let vault = Vault::from_files("/v", files);
            let home = vault.id("Home.md").unwrap();
            let resolved = vault.note(home).unwrap().resolved[0].file();
            assert_eq!(
                resolved, item.file,
                "{edited:?} resolves to the item's note"
            );
            checked += 1;
        }
        assert_eq!(checked, 3, "{got:?}");
        let c_sharp = got.items.iter().find(|i| i.label == "C# notes").unwrap();
        assert_eq!(c_sharp.new_text, "[C# notes](C%23%20notes.md)");
    }

    /// Each item on a line: kind, label, the text it inserts and what that replaces, detail.
    fn shown(text: &str, items: &[CompletionItem]) -> String {
        let mut s = String::new();
        for i in items {
            s += &format!(
                "{:?} {:?} -> {:?} replacing {:?} ({})\n",
                i.kind,
                i.label,
                i.new_text,
                &text[i.replace.range()],
                i.detail.as_deref().unwrap_or("")
            );
        }
        s
    }

    fn check(fixture: &str, expect: Expect) {
        let f = Fixture::parse(fixture);
        let text = &f.vault.note(f.file).unwrap().text().unwrap();
        let out = match completion(
            &f.vault,
            f.file,
            f.offset,
            &CompletionOptions {
                limit: 5,
                ..CompletionOptions::default()
            },
        ) {
            None => "none\n".to_string(),
            Some(c) => {
                let mut s = shown(text, &c.items);
                if c.is_incomplete {
                    s += "(incomplete)\n";
                }
                s
            }
        };
        expect.assert_eq(&out);
    }

    const VAULT: &str = "
//- People/Tomer Hagay.md
---
type: people
aliases: [TH, Tomer]
---
# Tomer Hagay
## Profile
### Role
Leads triage. ^role
## Open Tasks
//- People/Tom Jones.md
# Tom Jones
//- Archive/Tom Jones.md
old
//- Projects/Pricing.md
---
title: Pricing Plan
tags: [project]
---
[[Tomer Hagay]] [[Tomer Hagay]] #project #Project/Cloud
//- assets/tomato.png
";

    #[test]
    fn notes_after_brackets() {
        check(
            &format!("{VAULT}//- Home.md\nSee [[tom$0\n"),
            expect![[r#"
                Note "Tomer Hagay" -> "Tomer Hagay]]" replacing "tom" (People/)
                Note "Tom Jones" -> "Archive/Tom Jones]]" replacing "tom" (Archive/)
                Note "Tom Jones" -> "People/Tom Jones]]" replacing "tom" (People/)
            "#]],
        );
    }

    #[test]
    fn closed_link_replaces_the_name_only() {
        check(
            &format!("{VAULT}//- Home.md\nSee [[Pri$0ce|the plan]] now\n"),
            expect![[r#"
                Note "Pricing" -> "Pricing" replacing "Price" (Projects/)
            "#]],
        );
    }

    #[test]
    fn empty_query_ranks_most_linked_first_and_caps() {
        check(
            &format!("{VAULT}//- Home.md\n[[$0\n//- A.md\n//- B.md\n//- C.md\n"),
            expect![[r#"
                Note "Tomer Hagay" -> "Tomer Hagay]]" replacing "" (People/)
                Note "A" -> "A]]" replacing "" (/)
                Note "Tom Jones" -> "Archive/Tom Jones]]" replacing "" (Archive/)
                Note "B" -> "B]]" replacing "" (/)
                Note "C" -> "C]]" replacing "" (/)
                (incomplete)
            "#]],
        );
    }

    #[test]
    fn empty_query_in_a_linked_vault_lists_the_most_linked() {
        check(
            "//- A.md\n//- B.md\n//- C.md\n//- D.md\n//- E.md\n//- F.md\n//- G.md\n\
             //- L1.md\n[[A]] [[B]] [[C]] [[D]] [[E]] [[F]]\n//- L2.md\n[[A]] [[B]] [[C]]\n\
             //- L3.md\n[[A]] [[G]]\n//- A2.md\n[[A]]\n//- Home.md\n[[Home]] [[$0\n",
            expect![[r#"
                Note "A" -> "A]]" replacing "" (/)
                Note "B" -> "B]]" replacing "" (/)
                Note "C" -> "C]]" replacing "" (/)
                Note "D" -> "D]]" replacing "" (/)
                Note "E" -> "E]]" replacing "" (/)
                (incomplete)
            "#]],
        );
    }

    #[test]
    fn daily_notes_by_their_day() {
        let daily = DailyNotes {
            folder: "Daily".into(),
            format: "YYYY-MM-DD".into(),
            template: None,
        };
        // A Monday.
        let today = Date {
            year: 2026,
            month: 11,
            day: 30,
        };
        let vault = "//- Daily/2026-11-30.md\n# Monday\n//- Tomer Hagay.md\n//- Todo.md\n";
        let daily_check = |editing: &str, expect: Expect| {
            let f = Fixture::parse(&format!("{vault}//- Home.md\n{editing}"));
            let text = &f.vault.note(f.file).unwrap().text().unwrap();
            let options = CompletionOptions {
                limit: 5,
                daily: Some((today, daily.clone())),
                ..CompletionOptions::default()
            };
            let got = completion(&f.vault, f.file, f.offset, &options).unwrap();
            expect.assert_eq(&shown(text, &got.items));
        };
        // Typed whole: first; today's note exists and is linked as any note.
        daily_check(
            "[[today$0",
            expect![[r#"
                Note "today" -> "2026-11-30]]" replacing "today" (→ Daily/2026-11-30)
            "#]],
        );
        // Begun: after the first three names; one not created yet by its folder and name.
        daily_check(
            "[[to$0",
            expect![[r#"
                Note "Todo" -> "Todo]]" replacing "to" (/)
                Note "Tomer Hagay" -> "Tomer Hagay]]" replacing "to" (/)
                Note "today" -> "2026-11-30]]" replacing "to" (→ Daily/2026-11-30)
                Unresolved "tomorrow" -> "Daily/2026-12-01]]" replacing "to" (→ Daily/2026-12-01 (not created yet))
            "#]],
        );
        // Weekdays: the next one; in a closed link, the name part only.
        daily_check(
            "[[fri$0]]",
            expect![[r#"
                Unresolved "friday" -> "Daily/2026-12-04" replacing "fri" (→ Daily/2026-12-04 (not created yet))
            "#]],
        );
    }

    #[test]
    fn headings_across_the_vault() {
        let vault = "//- People/Tomer Hagay.md\n# Tomer\n## Pricing call\n## Notes\n\
                     //- Projects/Pricing.md\n# Pricing\n## Pricing? Tiers & [limits]\n\
                     //- Popular.md\n## Old pricing\n//- Fan.md\n[[Popular]]\n";
        check(
            &format!("{vault}//- Home.md\n## Pricing draft\n[[##pric$0"),
            expect![[r###"
                Heading "Pricing" -> "Pricing#Pricing]]" replacing "##pric" (H1 in Projects/Pricing)
                Heading "Pricing call" -> "Tomer Hagay#Pricing call]]" replacing "##pric" (H2 in People/Tomer Hagay)
                Heading "Pricing draft" -> "#Pricing draft]]" replacing "##pric" (H2 in Home)
                Heading "Pricing? Tiers & [limits]" -> "Pricing#Pricing Tiers limits]]" replacing "##pric" (H2 in Projects/Pricing)
                Heading "Old pricing" -> "Popular#Old pricing]]" replacing "##pric" (H2 in Popular)
            "###]],
        );
        // Inside a closed link, the whole `##…` part is replaced.
        check(
            &format!("{vault}//- Home.md\n[[##NOTE$0s]]"),
            expect![[r###"
                Heading "Notes" -> "Tomer Hagay#Notes" replacing "##NOTEs" (H2 in People/Tomer Hagay)
            "###]],
        );
    }

    #[test]
    fn a_heading_most_notes_share_lists_those_the_context_names() {
        let mut fixture = String::new();
        for i in 0..(SHARED_HEADING + 5) {
            fixture.push_str(&format!("//- People/P{i:04}.md\n## Profile\n"));
        }
        fixture.push_str("//- Home.md\n[[People/P0003]] [[##prof$0\n");
        let f = Fixture::parse(&fixture);
        let got = completion(&f.vault, f.file, f.offset, &CompletionOptions::default()).unwrap();
        let notes: Vec<&str> = got
            .items
            .iter()
            .map(|i| f.vault.path(i.file.unwrap()))
            .collect();
        assert_eq!(notes, ["People/P0003.md"]);
        assert!(got.is_incomplete);
    }

    #[test]
    fn headings_blocks_and_same_note() {
        check(
            &format!("{VAULT}//- Home.md\n[[Tomer Hagay#pro$0\n"),
            expect![[r####"
                Heading "Profile" -> "Profile]]" replacing "pro" (H2)
            "####]],
        );
        check(
            &format!("{VAULT}//- Home.md\n[[Tomer Hagay#Profile#$0]]\n"),
            expect![[r#"
                Heading "Role" -> "Role" replacing "" (H3)
            "#]],
        );
        check(
            &format!("{VAULT}//- Home.md\n[[tomer hagay#^$0\n"),
            expect![[r####"
                Block "^role" -> "^role]]" replacing "^" (Leads triage. ^role)
            "####]],
        );
        check(
            "//- Home.md\n# Intro\n## Details\n[[#De$0\n",
            expect![[r####"
                Heading "Details" -> "Details]]" replacing "De" (H2)
            "####]],
        );
    }

    #[test]
    fn embeds_offer_attachments() {
        check(
            &format!("{VAULT}//- Home.md\n![[toma$0\n"),
            expect![[r#"
                Note "Tomer Hagay" -> "Tomer Hagay]]" replacing "toma" (People/)
                Attachment "tomato.png" -> "tomato.png]]" replacing "toma" (assets/)
            "#]],
        );
    }

    #[test]
    fn tags_after_hash() {
        check(
            &format!("{VAULT}//- Home.md\nText #pro$0\n"),
            expect![[r##"
                Tag "#project" -> "project" replacing "pro" (2 uses)
                Tag "#Project/Cloud" -> "Project/Cloud" replacing "pro" (1 use)
            "##]],
        );
        check(
            &format!("{VAULT}//- Home.md\nText x#pro$0\n"),
            expect![[r#"
            none
        "#]],
        );
    }

    #[test]
    fn frontmatter_keys_and_values() {
        let vault = "//- P/A.md\n---\ntype: people\nstatus: active\n---\n\
                     //- P/B.md\n---\ntype: people\nrole: [pm, lead]\n---\n\
                     //- M/C.md\n---\ntype: meeting\ntags: [Project]\n---\n";
        check(
            &format!("{vault}//- N.md\n---\ntype: peo$0\n---\n"),
            expect![[r#"
                Value "people" -> "people" replacing "peo" (2×)
            "#]],
        );
        check(
            &format!("{vault}//- N.md\n---\ntype: x\nst$0\n---\n"),
            expect![[r#"
                Property "status" -> "status: " replacing "st" (in 1 note)
            "#]],
        );
        check(
            &format!("{vault}//- N.md\n---\nrole:\n  - $0\n---\n"),
            expect![[r#"
                Value "lead" -> "lead" replacing "" (1×)
                Value "pm" -> "pm" replacing "" (1×)
            "#]],
        );
        check(
            &format!("{vault}//- N.md\n---\ntags: [pro$0]\n---\n"),
            expect![[r#"
                Tag "Project" -> "Project" replacing "pro" (1×)
            "#]],
        );
    }

    #[test]
    fn markdown_link_paths() {
        check(
            &format!("{VAULT}//- Home.md\n[plan](pric$0\n"),
            expect![[r#"
                Note "Pricing" -> "Projects/Pricing.md)" replacing "pric" (Projects/)
            "#]],
        );
    }

    #[test]
    fn display_text_is_not_completed() {
        check(
            &format!("{VAULT}//- Home.md\n[[Pricing|pl$0\n"),
            expect![[r#"
            none
        "#]],
        );
    }

    #[test]
    fn markdown_link_format() {
        let f = Fixture::parse(&format!(
            "{VAULT}//- Meetings/Home.md\nSee [[tomer h$0]] now\n"
        ));
        let format = LinkFormat {
            style: LinkStyle::Shortest,
            markdown: true,
        };
        let c = completion(
            &f.vault,
            f.file,
            f.offset,
            &CompletionOptions {
                limit: 5,
                format,
                ..CompletionOptions::default()
            },
        )
        .unwrap();
        let text = &f.vault.note(f.file).unwrap().text().unwrap();
        let first = &c.items[0];
        assert_eq!(first.new_text, "[Tomer Hagay](Tomer%20Hagay.md)");
        assert_eq!(&text[first.replace.range()], "[[tomer h]]");
    }

    #[test]
    fn link_styles() {
        let f = Fixture::parse(&format!("{VAULT}//- Meetings/Home.md\n$0\n"));
        let id = f.vault.id("People/Tomer Hagay.md").unwrap();
        let text = |style| styled_link_text(&f.vault, f.file, id, style);
        assert_eq!(text(LinkStyle::Shortest), "Tomer Hagay");
        assert_eq!(text(LinkStyle::Absolute), "People/Tomer Hagay");
        assert_eq!(text(LinkStyle::Relative), "../People/Tomer Hagay");
    }

    #[test]
    fn link_text_is_the_shortest_unambiguous_path() {
        let f = Fixture::parse(&format!("{VAULT}//- Home.md\n$0\n"));
        let id = |p: &str| f.vault.id(p).unwrap();
        assert_eq!(
            link_text(&f.vault, f.file, id("People/Tomer Hagay.md")),
            "Tomer Hagay"
        );
        assert_eq!(
            link_text(&f.vault, f.file, id("People/Tom Jones.md")),
            "People/Tom Jones"
        );
        assert_eq!(
            link_text(&f.vault, f.file, id("assets/tomato.png")),
            "tomato.png"
        );
    }
}

#[cfg(test)]
mod ranking_tests {
    use super::*;
    use crate::features::fixture::Fixture;

    /// The labels and folders completion lists at `$0`, best first.
    fn ranked(fixture: &str) -> Vec<String> {
        let f = Fixture::parse(fixture);
        completion(&f.vault, f.file, f.offset, &CompletionOptions::default())
            .unwrap()
            .items
            .iter()
            .take(6)
            .map(|i| format!("{} ({})", i.label, i.detail.as_deref().unwrap_or("")))
            .collect()
    }

    /// Every label listed, and whether the list says it is incomplete.
    fn listed(fixture: &str) -> (Vec<String>, bool) {
        let f = Fixture::parse(fixture);
        let answer = completion(&f.vault, f.file, f.offset, &CompletionOptions::default());
        let answer = answer.unwrap();
        let labels = answer.items.into_iter().map(|i| i.label).collect();
        (labels, answer.is_incomplete)
    }

    #[test]
    fn a_note_not_linked_yet_comes_before_one_this_note_links() {
        let got = ranked(
            "//- Ordenação externa.md\n//- Ordenação por intercalação balanceada.md\n\
             //- Other.md\n[[Ordenação externa]]\n//- Index.md\n[[Ordenação externa]] and [[Ord$0\n",
        );
        assert_eq!(
            got[0], "Ordenação por intercalação balanceada (/)",
            "{got:?}"
        );
    }

    #[test]
    fn a_sorted_list_of_links_goes_on_with_the_next_note() {
        // Zed is the most linked note: first in any list without a reason for another.
        let index = |list: &str| {
            ranked(&format!(
                "//- People/Alice.md\n//- People/Bob.md\n//- People/Carol.md\n\
                 //- People/Dan.md\n//- People/Dora.md\n//- People/Eve.md\n//- People/Zed.md\n\
                 //- a.md\n[[Zed]]\n//- b.md\n[[Zed]]\n//- c.md\n[[Zed]]\n//- Index.md\n{list}\n"
            ))[0]
                .clone()
        };
        // At the end of a list, the next note by name; typed letters it lacks end it.
        assert_eq!(
            index("- [[Alice]]\n- [[Bob]]\n- [[Carol]]\n- [[$0"),
            "Dan (People/)"
        );
        assert_eq!(
            index("- [[Alice]]\n- [[Bob]]\n- [[Carol]]\n- [[Z$0"),
            "Zed (People/)"
        );
        // Where a note is missing from a list otherwise whole; none missing there, none.
        let gap = "- [[Alice]]\n- [[Bob]]\n- [[Carol]]\n- [[$0\n- [[Dora]]\n- [[Eve]]";
        assert_eq!(index(gap), "Dan (People/)");
        let whole = "- [[Alice]]\n- [[Bob]]\n- [[Carol]]\n- [[$0\n- [[Dan]]\n- [[Eve]]";
        assert_eq!(index(whole), "Zed (People/)");
        // Links out of order, or fewer than three, are no list.
        assert_eq!(
            index("- [[Carol]]\n- [[Alice]]\n- [[Bob]]\n- [[$0"),
            "Zed (People/)"
        );
        assert_eq!(index("- [[Bob]]\n- [[Carol]]\n- [[$0"), "Zed (People/)");
        // A list written with paths: the next note's folder matches from the first letter.
        let paths = "- [[People/Alice]]\n- [[People/Bob]]\n- [[People/Carol]]\n- [[P$0";
        assert_eq!(index(paths), "Dan (People/)");
        // A list of some of a folder's notes: the first the query matches after the last.
        let got = ranked(
            "//- People/Alice.md\n//- People/Bob.md\n//- People/Carol.md\n//- People/Dan.md\n\
             //- People/Dan Morgan.md\n//- People/Abe Moss.md\n//- a.md\n[[Abe Moss]]\n\
             //- b.md\n[[Abe Moss]]\n//- Index.md\n- [[Alice]]\n- [[Bob]]\n- [[Carol]]\n- [[Mo$0\n",
        );
        assert_eq!(got[0], "Dan Morgan (People/)", "{got:?}");
    }

    #[test]
    fn three_letters_typed_are_the_start_of_a_name_more_than_an_abbreviation() {
        // `Pro` is an alias of a note nobody links; `Pro Life` is linked.
        let fixture = |typed: &str| {
            format!(
                "//- Universal Health Care.md\n---\naliases: [Pro]\n---\n//- Pro Life.md\n\
                 //- a.md\n[[Pro Life]]\n//- b.md\n[[Pro Life]]\n//- Abortion.md\n[[{typed}$0\n"
            )
        };
        assert_eq!(ranked(&fixture("Pro"))[0], "Pro Life (/)");
        // A longer name typed whole is a name.
        let got = ranked(&fixture("Pro L").replace("aliases: [Pro]", "aliases: [Pro L]"));
        assert_eq!(got[0], "Pro L (→ Universal Health Care)", "{got:?}");
    }

    #[test]
    fn a_space_after_a_whole_name_says_the_name_goes_on() {
        // `File` and `Filesystem` are the more linked; a space typed after `File` asks for
        // a name going on with another word.
        let fixture = |typed: &str| {
            format!(
                "//- OS/File.md\n//- OS/File Descriptor.md\n//- OS/Filesystem.md\n\
                 //- a.md\n[[File]] [[Filesystem]]\n//- b.md\n[[File]] [[Filesystem]]\n\
                 //- select.md\nReturns a [[{typed}$0\n"
            )
        };
        assert_eq!(ranked(&fixture("File"))[0], "File (OS/)");
        let got = ranked(&fixture("File "));
        assert_eq!(got[0], "File Descriptor (OS/)", "{got:?}");
    }

    #[test]
    fn a_note_named_in_the_words_before_the_link_comes_first() {
        // `Cloud Nine` is the more linked; the note being written names `Chlorophyll` (in its
        // properties, as a generated entry does, or in its prose).
        let fixture = |before: &str| {
            format!(
                "//- Abilities/Chlorophyll.md\n//- Abilities/Cloud Nine.md\n\
                 //- a.md\n[[Cloud Nine]]\n//- b.md\n[[Cloud Nine]]\n\
                 //- Skiploom.md\n{before}\n\nAbility: [[C$0\n"
            )
        };
        let got = ranked(&fixture("---\nability: Chlorophyll\n---"));
        assert_eq!(got[0], "Chlorophyll (Abilities/)", "{got:?}");
        let got = ranked(&fixture("It blooms in the sun."));
        assert_eq!(got[0], "Cloud Nine (Abilities/)", "{got:?}");
    }

    #[test]
    fn what_the_note_says_outweighs_a_score_of_notes_linking_another() {
        // Popularity is a prior: twenty notes linking `Report` say less than the note being
        // written naming `Review` just before the link (through history, popularity at +16
        // ranked the other way, and cost 15 points of the replay's objective against +8).
        let mut fixture = String::from("//- Report.md\n//- Review.md\n");
        for i in 0..20 {
            fixture.push_str(&format!("//- Log {i}.md\n[[Report]]\n"));
        }
        fixture.push_str("//- Notes.md\nAfter the review: [[Re$0\n");
        let got = ranked(&fixture);
        assert_eq!(got[0], "Review (/)", "{got:?}");
        let got = ranked(&fixture.replace("the review", "it"));
        assert_eq!(got[0], "Report (/)", "{got:?}");
    }

    #[test]
    fn a_list_through_a_folder_tree_goes_on_with_the_next_note_by_path() {
        // A bestiary's index: each kind's notes by name, a family's folder note before its
        // members, then the next kind. `Bleeding` is the most linked note: first without a
        // list.
        let index = |list: &str| {
            ranked(&format!(
                "//- M/Beast/Bear.md\n//- M/Beast/Boar.md\n//- M/Beast/Wolves/Wolves.md\n\
                 //- M/Beast/Wolves/Dire Wolf.md\n//- M/Beast/Wolves/Winter Wolf.md\n\
                 //- M/Devil/Bone Devil.md\n//- M/Devil/Devil.md\n//- M/Devil/Imp.md\n\
                 //- Rules/Bleeding.md\n//- a.md\n[[Bleeding]]\n//- b.md\n[[Bleeding]]\n\
                 //- M/Monsters.md\n{list}\n"
            ))[0]
                .clone()
        };
        // Into a family's folder: its members after its folder note.
        assert_eq!(
            index("- [[Bear]]\n- [[Boar]]\n- [[Wolves]]\n- [[$0"),
            "Dire Wolf (M/Beast/Wolves/)"
        );
        // Out of it at its end, into the next kind: its folder note first, then by name.
        let end = "- [[Wolves]]\n- [[Dire Wolf]]\n- [[Winter Wolf]]\n- [[";
        assert_eq!(index(&format!("{end}$0")), "Devil (M/Devil/)");
        assert_eq!(index(&format!("{end}Bo$0")), "Bone Devil (M/Devil/)");
        // Written with paths, the next note matches by its folder from the first letter.
        let paths = "- [[M/Beast/Boar]]\n- [[M/Beast/Wolves/Wolves]]\n\
                     - [[M/Beast/Wolves/Dire Wolf]]\n- [[M$0";
        assert_eq!(index(paths), "Winter Wolf (M/Beast/Wolves/)");
        // Notes skipped between the links: no list (else `Imp` would come next).
        assert_ne!(
            index("- [[Bear]]\n- [[Dire Wolf]]\n- [[Bone Devil]]\n- [[$0"),
            "Imp (M/Devil/)"
        );
    }

    #[test]
    fn a_list_sorted_by_what_its_links_show_goes_on_with_the_next_alias() {
        // Plugins listed by their aliases (`[[p3|Amy]]`): after `Cat` comes the note known as
        // `Dan`, though `p6` (known as `Zoe`) is the most linked.
        let alias =
            |file: &str, alias: &str| format!("//- P/{file}.md\n---\naliases: [{alias}]\n---\n");
        let fixture = format!(
            "{}{}{}{}{}{}//- a.md\n[[p6]]\n//- b.md\n[[p6]]\n//- c.md\n[[p6]]\n\
             //- Index.md\n- [[p3|Amy]]\n- [[p1|Bob]]\n- [[p4|Cat]]\n- [[$0\n",
            alias("p1", "Bob"),
            alias("p2", "Dan"),
            alias("p3", "Amy"),
            alias("p4", "Cat"),
            alias("p5", "Eve"),
            alias("p6", "Zoe"),
        );
        let f = Fixture::parse(&fixture);
        let (list, next) = List::at(
            &f.vault,
            f.file,
            Span::new(f.offset, f.offset),
            &Default::default(),
        )
        .unwrap();
        assert!(list.order == Order::Shown);
        assert_eq!(next.map(|id| f.vault.path(id)), Some("P/p2.md"));
        let got = ranked(&fixture);
        assert_eq!(got[0], "p2 (P/)", "{got:?}");
    }

    #[test]
    fn a_list_sorted_by_file_name_goes_on_with_a_shorter_name() {
        // `ann lee.md` before `ann.md`, as a script lists a folder: after `Bo Ek` comes `Bo`,
        // before `Cy`, though `bo` comes before `bo ek` by name.
        let fixture = "//- People/Ann.md\n//- People/Ann Lee.md\n//- People/Bo.md\n\
             //- People/Bo Ek.md\n//- People/Cy.md\n//- Index.md\n\
             - [[Ann Lee]]\n- [[Ann]]\n- [[Bo Ek]]\n- [[$0\n";
        let f = Fixture::parse(fixture);
        let (list, next) = List::at(
            &f.vault,
            f.file,
            Span::new(f.offset, f.offset),
            &Default::default(),
        )
        .unwrap();
        assert!(list.order == Order::FileName);
        assert_eq!(next.map(|id| f.vault.path(id)), Some("People/Bo.md"));
        let got = ranked(fixture);
        assert_eq!(got[0], "Bo (People/)", "{got:?}");
    }

    #[test]
    fn an_old_path_kept_as_an_alias_comes_after_the_names() {
        // `Obsidian Sync/Setup` is where Settings was: a redirect for Obsidian Publish.
        let got = ranked(
            "//- Settings.md\n---\naliases: [Obsidian Sync/Setup]\n---\n\
             //- Obsidian URI.md\n//- a.md\n[[Settings]]\n//- b.md\n[[Settings]]\n\
             //- Index.md\n[[Obs$0\n",
        );
        assert_eq!(got[0], "Obsidian URI (/)", "{got:?}");
    }

    #[test]
    fn a_note_linked_sections_away_is_offered_again() {
        let fixture = |between: &str| {
            format!(
                "//- Ordenação externa.md\n//- Ordenação por intercalação balanceada.md\n\
                 //- Other.md\n[[Ordenação externa]]\n//- Index.md\n[[Ordenação externa]]\n\
                 {between}[[Ord$0\n"
            )
        };
        // A paragraph after the first link, the other note first; a section away, the one
        // two notes link.
        let got = ranked(&fixture("and "));
        assert_eq!(
            got[0], "Ordenação por intercalação balanceada (/)",
            "{got:?}"
        );
        let section = format!("\n## Later\n\n{}\n\n", "Words. ".repeat(60));
        let got = ranked(&fixture(&section));
        assert_eq!(got[0], "Ordenação externa (/)", "{got:?}");
    }

    #[test]
    fn one_typed_letter_is_no_exact_name() {
        // `m` is someone's alias; typing `M` begins a name.
        let got = ranked(
            "//- People/mudnug.md\n---\naliases: [m]\n---\n//- Monokai.md\n\
             //- a.md\n[[Monokai]]\n//- Index.md\n[[M$0\n",
        );
        assert_eq!(got[0], "Monokai (/)", "{got:?}");
    }

    #[test]
    fn a_note_that_links_here_comes_first() {
        // A plugin names its author; in the author's note, their plugin comes before another
        // of the same prefix that sorts first.
        let fixture = |author: &str| {
            format!(
                "//- Plugins/tistory-poster.md\n---\nauthor: \"[[someone]]\"\n---\n\
                 //- Plugins/tistory-publisher.md\n---\nauthor: \"[[{author}]]\"\n---\n\
                 //- People/someone.md\n//- People/bekurin.md\n# bekurin\n\n[[tis$0\n"
            )
        };
        let got = ranked(&fixture("bekurin"));
        assert_eq!(got[0], "tistory-publisher (Plugins/)", "{got:?}");
        // And without the link back, the other one does.
        let got = ranked(&fixture("someone"));
        assert_eq!(got[0], "tistory-poster (Plugins/)", "{got:?}");
    }

    #[test]
    fn a_note_that_repeats_its_links_gets_them_offered_again() {
        // A log that links the same people over and over.
        let got = ranked(
            "//- Dana Levi.md\n//- Dana Lee.md\n//- X.md\n[[Dana Lee]] [[Dana Lee]]\n\
             //- Log.md\n[[Dana Levi]] [[Dana Levi]] [[Dana Levi]] [[Other]] [[Other]] [[Dan$0\n//- Other.md\n",
        );
        assert_eq!(got[0], "Dana Levi (/)", "{got:?}");
    }

    #[test]
    fn the_folders_this_note_links_into_come_first() {
        let got = ranked(
            "//- Animals/Bear.md\n//- Animals/Beaver.md\n//- A.md\n[[Bear]] [[Beaver]]\n//- B.md\n[[Bear]]\n\
             //- Bestiary/Devil/Bearded-Devil.md\n//- Bestiary/Devil/Imp.md\n//- Bestiary/Dragon/Wyrm.md\n\
             //- Bestiary/Bestiary.md\n[[Imp]] [[Wyrm]] [[Bea$0\n",
        );
        assert_eq!(got[0], "Bearded-Devil (Bestiary/Devil/)", "{got:?}");
    }

    #[test]
    fn words_inside_names_and_folders_of_paths_match() {
        let got = ranked(
            "//- Plugins/obsidian-agile-task-notes.md\n//- Plugins/obsidian-git.md\n\
             //- Home.md\n[[agile$0\n",
        );
        assert_eq!(got, ["obsidian-agile-task-notes (Plugins/)"]);
        let got = ranked(
            "//- 00 - Contribute/Updating MOC files.md\n//- Other/Note.md\n//- Home.md\n[[00 -$0\n",
        );
        assert_eq!(got, ["Updating MOC files (00 - Contribute/)"]);
        let got = ranked(
            "//- Bestiary/Devil/Bearded-Devil.md\n//- Bestiary/Dragon/Wyrm.md\n//- Devotions.md\n\
             //- Home.md\n[[Bestiary/Dev$0\n",
        );
        assert_eq!(got[0], "Bearded-Devil (Bestiary/Devil/)", "{got:?}");
    }

    #[test]
    fn accents_need_not_be_typed() {
        let got = ranked("//- Ordenação externa.md\n//- Home.md\n[[ordenacao$0\n");
        assert_eq!(got, ["Ordenação externa (/)"]);
    }

    #[test]
    fn one_item_per_note_and_shared_titles_name_no_note() {
        // The alias spelled as the file name, and a title three notes share.
        let got = ranked(
            "//- Barbarian.md\n---\naliases: [Barbarian, Barb]\n---\n\
             //- Ref A.md\n# References\n//- Ref B.md\n# References\n//- Ref C.md\n# References\n\
             //- Home.md\n[[Ba$0\n",
        );
        assert_eq!(got, ["Barbarian (/)"]);
        let got = ranked(
            "//- Ref A.md\n# References\n//- Ref B.md\n# References\n//- Ref C.md\n# References\n\
             //- Home.md\n[[Referen$0\n",
        );
        assert!(got.iter().all(|g| !g.starts_with("References")), "{got:?}");
    }

    #[test]
    fn names_linked_but_not_created_come_after_the_notes() {
        let got = ranked(
            "//- Zoë Åberg.md\n//- A.md\n[[Zoe New]] [[Zoe New]] [[zoe other]]\n//- Home.md\n[[Zo$0\n",
        );
        assert_eq!(
            got,
            [
                "Zoë Åberg (/)",
                "Zoe New (not created yet · 2 links)",
                "zoe other (not created yet · 1 link)"
            ]
        );
    }

    #[test]
    fn a_note_modified_lately_comes_first_unless_all_were_written_at_once() {
        // Two notes alike (`Mercury` is linked once more, so it comes first by default).
        let fixture = "//- Mercury report.md\n//- Mars report.md\n//- Other.md\n\
                       [[Mercury report]]\n//- Log.md\n[[M$0\n";
        let first = |times: &[(&str, u64)]| {
            let mut f = Fixture::parse(fixture);
            for (path, time) in times {
                f.vault.set_modified(path, Some(*time));
            }
            let answer = completion(&f.vault, f.file, f.offset, &CompletionOptions::default());
            answer.unwrap().items[0].label.clone()
        };
        let s = 1_000_000_000;
        assert_eq!(first(&[]), "Mercury report");
        assert_eq!(
            first(&[("Mercury report.md", 100 * s), ("Mars report.md", 200 * s)]),
            "Mars report"
        );
        // The note being written, modified last, is no reason for another to come later.
        assert_eq!(
            first(&[("Mars report.md", 200 * s), ("Log.md", 300 * s)]),
            "Mars report"
        );
        // Notes written within a second of each other, one after the other, are one write (a
        // copy, a clone): past 50 of them, nothing is recent.
        let mut times: Vec<(String, u64)> = (0..60)
            .map(|i| (format!("n{i}.md"), 1_000 * s + i * s / 2))
            .collect();
        times.push(("Mars report.md".into(), 1_000 * s + 60 * s / 2));
        let notes: String = times.iter().map(|(p, _)| format!("//- {p}\n")).collect();
        let mut f = Fixture::parse(&format!("{notes}{fixture}"));
        for (path, time) in &times {
            f.vault.set_modified(path, Some(*time));
        }
        let places = recent_places(&f.vault, f.file);
        assert!(places.is_empty(), "{places:?}");
        // A second between writes parts them: the last one is recent again.
        f.vault
            .set_modified("Mars report.md", Some(1_000 * s + 32 * s));
        let places = recent_places(&f.vault, f.file);
        let mars = f.vault.id("Mars report.md").unwrap();
        assert_eq!(places.into_iter().collect::<Vec<_>>(), [(mars, 1)]);
    }

    #[test]
    fn a_note_open_in_the_editor_comes_first_unless_the_editor_opened_a_folder() {
        // Two notes alike (`Mercury` is linked once more, so it comes first by default).
        let fixture = "//- Mercury report.md\n//- Mars report.md\n//- Other.md\n\
                       [[Mercury report]]\n//- Log.md\n[[M$0\n";
        let first = |open: &[&str], more: usize| {
            let notes: String = (0..more).map(|i| format!("//- n{i}.md\n")).collect();
            let f = Fixture::parse(&format!("{notes}{fixture}"));
            let ids = (open.iter().map(|p| p.to_string()))
                .chain((0..more).map(|i| format!("n{i}.md")))
                .map(|p| f.vault.id(&p).unwrap());
            let options = CompletionOptions {
                open: ids.collect(),
                ..CompletionOptions::default()
            };
            let answer = completion(&f.vault, f.file, f.offset, &options);
            answer.unwrap().items[0].label.clone()
        };
        assert_eq!(first(&[], 0), "Mercury report");
        assert_eq!(first(&["Mars report.md"], 0), "Mars report");
        // The note being written, open as it is, is no reason for another to come later.
        assert_eq!(first(&["Mars report.md", "Log.md"], 0), "Mars report");
        assert_eq!(first(&["Mercury report.md", "Log.md"], 0), "Mercury report");
        // Each of a few more open notes still counts; past 50, none does.
        assert_eq!(first(&["Mars report.md"], 20), "Mars report");
        assert_eq!(first(&["Mars report.md"], 50), "Mercury report");
        // With nothing typed, an open note is offered though no note links to it (a list of
        // one: not every name fills it, as it would a longer one in so small a vault).
        let f =
            Fixture::parse("//- Linked.md\n//- Lone.md\n//- a.md\n[[Linked]]\n//- Log.md\n[[$0\n");
        let options = CompletionOptions {
            limit: 1,
            open: vec![f.vault.id("Lone.md").unwrap()],
            ..CompletionOptions::default()
        };
        let answer = completion(&f.vault, f.file, f.offset, &options).unwrap();
        let labels: Vec<&str> = answer.items.iter().map(|i| i.label.as_str()).collect();
        assert_eq!(labels, ["Lone"]);
    }

    #[test]
    fn the_cap_never_hides_an_exact_match() {
        let mut fixture = String::new();
        for i in 0..150 {
            fixture += &format!(
                "//- obsidian-plugin-{i:03}.md\n//- L{i}.md\n[[obsidian-plugin-{i:03}]]\n"
            );
        }
        fixture += "//- obsidian.md\n//- Home.md\n[[obsidian$0\n";
        let got = ranked(&fixture);
        assert_eq!(got[0], "obsidian (/)", "{got:?}");
    }

    #[test]
    fn every_name_match_is_listed_while_a_list_can_show_them_all() {
        // 300 names start with the query and 200 have a word starting with it: all 500 are
        // listed, past the list's 100, names first; a loose match is not.
        let mut fixture = notes(0..300, |i| format!("obsidian-plugin-{i:03}"));
        fixture += &notes(0..200, |i| format!("Old obsidian tip {i:03}"));
        fixture += "//- Oxbow basin index.md\n//- Home.md\n[[obsid$0\n";
        let labels = |fixture: &str| -> Vec<String> {
            let (labels, incomplete) = listed(fixture);
            // Loose matches (`Oxbow basin index`) were not looked for.
            assert!(incomplete);
            labels
        };
        let got = labels(&fixture);
        assert_eq!(got.len(), 500, "{:?}", &got[490..]);
        assert!(got[..300].iter().all(|l| l.starts_with("obsidian-plugin-")));
        assert!(got[300..].iter().all(|l| l.starts_with("Old obsidian tip")));
        // Past `NAME_MATCHES_LISTED` notes the list holds `limit` and the user types on.
        let mut fixture = notes(0..=NAME_MATCHES_LISTED, |i| {
            format!("obsidian-plugin-{i:04}")
        });
        fixture += "//- Home.md\n[[obsid$0\n";
        assert_eq!(labels(&fixture).len(), 100);
    }

    #[test]
    fn every_note_of_a_folder_typed_is_listed_while_a_list_can_show_them_all() {
        let labels = |fixture: &str| listed(fixture).0;
        // A vault whose links are written with their path (`[[Compendium/Monsters/…`): the
        // start of the path names 150 notes, none by its name; all are listed, past 100.
        let mut fixture = notes(0..150, |i| format!("Compendium/Monsters/Beast {i:03}"));
        fixture += "//- Home.md\n[[Com$0\n";
        let got = labels(&fixture);
        assert_eq!(got.len(), 150, "{:?}", got.last());
        assert!(got.iter().all(|l| l.starts_with("Beast ")));
        // With the names matched, more than a list shows: the names are all listed still,
        // the folder's notes only within the list's 100.
        let mut fixture = notes(0..300, |i| format!("Compass {i:03}"));
        fixture += &notes(0..800, |i| format!("Compendium/Beast {i:03}"));
        fixture += "//- Home.md\n[[Com$0\n";
        let got = labels(&fixture);
        assert_eq!(got.len(), 300, "{:?}", got.last());
        assert!(got.iter().all(|l| l.starts_with("Compass ")));
        // Folders past `FOLDER_CAP` notes are not read whole: the one read first is not
        // listed as if it were all there is.
        let mut fixture = notes(0..500, |i| format!("Compendium A/Beast {i:03}"));
        fixture += &notes(0..FOLDER_CAP, |i| format!("Compendium B/Beast {i:04}"));
        fixture += "//- Home.md\n[[Com$0\n";
        assert_eq!(labels(&fixture).len(), 100);
    }

    #[test]
    fn the_days_come_on_top_of_a_list_of_every_name_match() {
        let mut fixture = notes(0..150, |i| format!("Today list {i:03}"));
        fixture += "//- Home.md\n[[toda$0\n";
        let f = Fixture::parse(&fixture);
        let daily = DailyNotes {
            folder: String::new(),
            format: "YYYY-MM-DD".into(),
            template: None,
        };
        let today = Date {
            year: 2026,
            month: 11,
            day: 30,
        };
        let options = CompletionOptions {
            daily: Some((today, daily)),
            ..CompletionOptions::default()
        };
        let got = completion(&f.vault, f.file, f.offset, &options).unwrap();
        assert_eq!(got.items.len(), 151);
        // After the first three, the word not being typed whole.
        assert_eq!(got.items[3].label, "today");
    }

    /// One note of the fixture for each number of `numbers`, at the path `path` makes of it.
    fn notes(numbers: impl IntoIterator<Item = usize>, path: impl Fn(usize) -> String) -> String {
        numbers
            .into_iter()
            .map(|i| format!("//- {}.md\n", path(i)))
            .collect()
    }

    /// A vault where more names match than an index is read for (`CLASS_CAP`): `alpha 0000`
    /// to `alpha 2999`, `meet 0000`…, with the one meant past the cut in name order.
    fn crowded(extra: &str, editing: &str) -> Vec<String> {
        ranked(&crowded_fixture(extra, editing))
    }

    /// The fixture of [`crowded`].
    fn crowded_fixture(extra: &str, editing: &str) -> String {
        let mut fixture = String::new();
        for i in 0..3000 {
            fixture.push_str(&format!(
                "//- Alpha {i:04}.md\n//- Notes/Meet sync {i:04}.md\n"
            ));
        }
        fixture.push_str(extra);
        fixture.push_str(editing);
        fixture
    }

    #[test]
    fn past_the_cut_a_popular_note_still_ranks() {
        let mut hubs = String::new();
        for i in 0..5 {
            hubs.push_str(&format!("//- Hub {i}.md\n[[Alpha zulu]] [[Meet zulu]]\n"));
        }
        let got = crowded(
            &format!("//- Alpha zulu.md\n//- Meet zulu.md\n{hubs}"),
            "//- Home.md\n[[alp$0\n",
        );
        assert_eq!(got[0], "Alpha zulu (/)", "{got:?}");
        // By a word inside the name, past the word index's cut (3000 names have `sync`).
        let mut hubs = String::new();
        for i in 0..5 {
            hubs.push_str(&format!("//- Hub {i}.md\n[[Other sync zulu]]\n"));
        }
        let got = crowded(
            &format!("//- Other sync zulu.md\n{hubs}"),
            "//- Home.md\n[[sync$0\n",
        );
        assert_eq!(got[0], "Other sync zulu (/)", "{got:?}");
    }

    #[test]
    fn past_the_cut_the_notes_this_one_links_around_still_rank() {
        // The neighbours of this note (what the notes it links to link to) speak for a note
        // no index read reaches.
        let got = crowded(
            "//- Alpha zulu.md\n//- Friend.md\n[[Alpha zulu]]\n//- Friend 2.md\n[[Alpha zulu]]\n",
            "//- Home.md\n[[Friend]] [[Friend 2]] [[alph$0\n",
        );
        assert_eq!(got[0], "Alpha zulu (/)", "{got:?}");
    }

    #[test]
    fn past_the_cut_a_note_open_in_the_editor_still_ranks() {
        let f = Fixture::parse(&crowded_fixture(
            "//- Alpha zulu.md\n",
            "//- Home.md\n[[alp$0\n",
        ));
        let options = CompletionOptions {
            open: vec![f.vault.id("Alpha zulu.md").unwrap()],
            ..CompletionOptions::default()
        };
        let got = completion(&f.vault, f.file, f.offset, &options).unwrap();
        assert_eq!(got.items[0].label, "Alpha zulu");
    }
}
