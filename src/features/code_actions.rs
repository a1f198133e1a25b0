//! Quick fixes for broken links: create the missing note (with frontmatter like its
//! neighbours'), or point the link at a note with a close name ("Did you mean …?"); and for
//! double-encoded text: repair the line or the whole note.

use super::dates::{self, Date};
use super::links::{Edit, link_text};
use crate::config::{DailyNotes, NewNotes};
use crate::syntax::{LinkKind, Span};
use crate::vault::path::{file_name, fold, is_note_path, join_normalized, parent, stem};
use crate::vault::{FileId, NameKind, Vault};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeAction {
    pub title: String,
    /// What the action fixes (a broken link, double-encoded text).
    pub link_span: Span,
    /// A note to create: its vault path and content.
    pub create: Option<(String, String)>,
    pub edits: Vec<Edit>,
}

/// How many "Did you mean" suggestions at most.
const SUGGESTIONS: usize = 3;

/// The vault's settings that code actions follow.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CodeActionOptions<'a> {
    /// The folder of note templates: a new note is filled from the template for its type
    /// (`Templates/people.md`) or folder (`Templates/People.md`) when there is one.
    pub templates: Option<&'a str>,
    /// Today, by the user's clock, and the vault's daily notes: a new daily note starts from
    /// their template.
    pub daily: Option<(Date, &'a DailyNotes)>,
    /// Where a note created from a link that names no folder goes.
    pub new_notes: Option<&'a NewNotes>,
}

/// Fixes for the broken links that `range` touches in note `file`.
pub fn code_actions(
    vault: &Vault,
    file: FileId,
    range: Span,
    options: &CodeActionOptions,
) -> Vec<CodeAction> {
    let templates = options.templates;
    let daily = options.daily;
    let new_notes = options.new_notes.unwrap_or(&NewNotes::Root);
    let (Some(note), Some(text)) = (vault.note(file), vault.text(file)) else {
        return Vec::new();
    };
    let mut out = mojibake_repairs(vault, file, range);
    for error in &note.syntax.errors {
        let overlaps = error.span.start <= range.end && range.start <= error.span.end;
        if overlaps && error.code == crate::syntax::UNQUOTED_PROPERTY_LINK {
            let quoted = yaml_quoted(&text[error.span.range()]);
            out.push(CodeAction {
                title: format!("Quote the property link: {quoted}"),
                link_span: error.span,
                create: None,
                edits: vec![Edit {
                    file,
                    span: error.span,
                    new_text: quoted,
                }],
            });
        }
    }
    if let Some((target, span)) = super::mentions::mention_at(vault, file, range.start as usize) {
        let written = &text[span.range()];
        let target_text = link_text(vault, file, target);
        let link = if written == target_text {
            format!("[[{written}]]")
        } else {
            format!("[[{target_text}|{written}]]")
        };
        out.push(CodeAction {
            title: format!("Link to {link}"),
            link_span: span,
            create: None,
            edits: vec![Edit {
                file,
                span,
                new_text: link,
            }],
        });
    }
    for (link, resolution) in note.syntax.links.iter().zip(note.resolved.iter()) {
        let overlaps = link.span().start <= range.end && range.start <= link.span().end;
        if !overlaps || !resolution.is_unresolved() {
            continue;
        }
        let target = link.target(note.src());
        if let Some(create) = create_note(vault, file, &target, new_notes, templates, daily) {
            out.push(CodeAction {
                title: format!("Create note \"{}\"", create.0),
                link_span: link.span(),
                create: Some(create),
                edits: Vec::new(),
            });
        }
        for (id, alias) in near_misses(vault, &link.target(note.src())) {
            let mut new_text = link_text(vault, file, id);
            if link.kind() == LinkKind::Markdown {
                new_text = percent_encoding::utf8_percent_encode(
                    vault.path(id),
                    crate::syntax::LINK_PATH_ENCODE,
                )
                .to_string();
            } else if let (Some(alias), None) = (&alias, link.display_span()) {
                new_text = format!("{new_text}|{alias}");
            }
            let shown = match (&alias, link.kind()) {
                (Some(a), LinkKind::Wiki) => format!("[[{}|{a}]]", link_text(vault, file, id)),
                (None, LinkKind::Wiki) => format!("[[{new_text}]]"),
                (_, LinkKind::Markdown) => format!("({new_text})"),
            };
            out.push(CodeAction {
                title: format!("Did you mean {shown}?"),
                link_span: link.span(),
                create: None,
                edits: vec![Edit {
                    file,
                    span: link.target_span(),
                    new_text,
                }],
            });
        }
    }
    out
}

/// `text` as a YAML string that reads back as `text`: double-quoted (as Obsidian writes
/// property links), single-quoted when that needs no escapes.
fn yaml_quoted(text: &str) -> String {
    if !text.contains(['"', '\\']) {
        format!("\"{text}\"")
    } else if !text.contains('\'') {
        format!("'{text}'")
    } else {
        format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

/// "Repair … on this line" for the lines `range` covers, and "… in the whole note".
fn mojibake_repairs(vault: &Vault, file: FileId, range: Span) -> Vec<CodeAction> {
    let Some(note) = vault.note(file) else {
        return Vec::new();
    };
    let found = super::mojibake(vault, file);
    if found.is_empty() {
        return Vec::new();
    }
    let line_of = |offset: usize| note.lines.line_of(offset);
    let (first, last) = (line_of(range.start as usize), line_of(range.end as usize));
    let edit = |(span, _, repaired): &(Span, String, String)| Edit {
        file,
        span: *span,
        new_text: repaired.clone(),
    };
    let here: Vec<Edit> = found
        .iter()
        .filter(|(span, _, _)| (first..=last).contains(&line_of(span.start as usize)))
        .map(edit)
        .collect();
    let mut out = Vec::new();
    if here.is_empty() {
        return out;
    }
    let span = Span::new(
        here[0].span.start as usize,
        here[here.len() - 1].span.end as usize,
    );
    if here.len() < found.len() {
        out.push(CodeAction {
            title: format!(
                "Repair double-encoded text on this line ({} place{})",
                here.len(),
                if here.len() == 1 { "" } else { "s" }
            ),
            link_span: span,
            create: None,
            edits: here,
        });
    }
    out.push(CodeAction {
        title: format!(
            "Repair double-encoded text in the whole note ({} place{})",
            found.len(),
            if found.len() == 1 { "" } else { "s" }
        ),
        link_span: span,
        create: None,
        edits: found.iter().map(edit).collect(),
    });
    out
}

/// The note a broken link asks for: its path (as Obsidian creates it: at the link's folder
/// path, relative to the vault root or, for `./` and `../`, to this note; a name alone goes to
/// the default location for new notes) and content (the `type` most notes in that folder
/// have).
fn create_note(
    vault: &Vault,
    file: FileId,
    target: &str,
    new_notes: &NewNotes,
    templates: Option<&str>,
    daily: Option<(Date, &DailyNotes)>,
) -> Option<(String, String)> {
    let target = target.trim();
    if target.is_empty() {
        return None;
    }
    let base = if target.starts_with("./") || target.starts_with("../") {
        parent(vault.path(file))
    } else if target.contains('/') {
        ""
    } else {
        new_notes.folder(vault.path(file))
    };
    // The base normalized too: a folder from the settings may hold `..` (nothing is made
    // outside the vault).
    let mut path = join_normalized("", &format!("{base}/{}", target.trim_start_matches('/')))?;
    if !is_note_path(&path) {
        // A name with another extension (`doc.pdf`) is an attachment: nothing to create.
        let name = crate::vault::path::file_name(&path);
        if name
            .rsplit_once('.')
            .is_some_and(|(_, ext)| KNOWN_ATTACHMENTS.contains(&fold(ext).as_ref()))
        {
            return None;
        }
        path.push_str(".md");
    }
    if vault.id(&path).is_some() {
        return None;
    }
    let folder = parent(&path);
    let title = stem(&path);
    let new_day =
        daily.and_then(|(today, daily)| daily_note(vault, file, folder, title, today, daily));
    if let Some(content) = new_day {
        return Some((path, content));
    }
    let ty = folder_type(vault, folder);
    let template = templates.and_then(|dir| {
        let folder_name = crate::vault::path::file_name(folder);
        let names = ty
            .iter()
            .map(String::as_str)
            .chain(Some(folder_name).filter(|f| !f.is_empty()));
        names
            .filter_map(|name| {
                let id = vault.resolve_path(file, &format!("/{dir}/{name}")).file()?;
                Some(vault.text(id)?.replace("{{title}}", title))
            })
            .next()
    });
    if let Some(content) = template {
        return Some((path, content));
    }
    let mut content = String::new();
    if let Some(ty) = ty {
        content += &format!("---\ntype: {ty}\n---\n\n");
    }
    content += &format!("# {title}\n");
    Some((path, content))
}

/// Days around today a new note's name is matched against the daily notes' format.
const DAILY_SPAN: i64 = 400;

/// The content of a new daily note (one named by the daily notes' format for a day within
/// [`DAILY_SPAN`] of today, in their folder): their template, with `{{title}}`, `{{date}}`
/// and `{{date:FORMAT}}` filled for that day, as Obsidian fills them.
fn daily_note(
    vault: &Vault,
    file: FileId,
    folder: &str,
    title: &str,
    today: Date,
    daily: &DailyNotes,
) -> Option<String> {
    let template = daily.template.as_deref()?;
    // The format may hold folders (`YYYY/MM/YYYY-MM-DD`): match the path under the folder.
    let under = if daily.folder.is_empty() {
        folder
    } else {
        folder
            .strip_prefix(daily.folder.as_str())?
            .trim_start_matches('/')
    };
    let named = if under.is_empty() {
        title.to_string()
    } else {
        format!("{under}/{title}")
    };
    let day = (-DAILY_SPAN..=DAILY_SPAN)
        .map(|n| today.add_days(n))
        .find(|&d| dates::format(d, &daily.format) == named)?;
    let id = vault.resolve_path(file, &format!("/{template}")).file()?;
    let mut text = vault.text(id)?.replace("{{title}}", title);
    text = text.replace("{{date}}", &dates::format(day, "YYYY-MM-DD"));
    let mut from = 0;
    while let Some(at) = text[from..].find("{{date:") {
        let start = from + at;
        let Some(len) = text[start..].find("}}") else {
            break;
        };
        let formatted = dates::format(day, &text[start + 7..start + len]);
        text.replace_range(start..start + len + 2, &formatted);
        // On after what was written: a format may write `{{date:` itself.
        from = start + formatted.len();
    }
    Some(text)
}

/// Extensions of files Obsidian embeds rather than notes it creates.
const KNOWN_ATTACHMENTS: &[&str] = &[
    "png", "jpg", "jpeg", "gif", "svg", "webp", "bmp", "avif", "pdf", "mp3", "wav", "ogg", "m4a",
    "flac", "webm", "mp4", "mov", "mkv", "ogv", "canvas", "base",
];

/// The `type` most notes directly in `folder` have, if any has one.
fn folder_type(vault: &Vault, folder: &str) -> Option<String> {
    let mut counts: Vec<(String, usize)> = Vec::new();
    for (id, note) in vault.notes() {
        if parent(vault.path(id)) != folder {
            continue;
        }
        let Some(ty) = note.note_type().map(str::to_string) else {
            continue;
        };
        match counts.iter_mut().find(|(t, _)| *t == ty) {
            Some((_, n)) => *n += 1,
            None => counts.push((ty, 1)),
        }
    }
    counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    counts.into_iter().next().map(|(t, _)| t)
}

/// Notes whose name, title or alias is within a small edit distance of `target` (or which
/// have it as an alias), closest first; the alias when that is what matched.
fn near_misses(vault: &Vault, target: &str) -> Vec<(FileId, Option<String>)> {
    let wanted = fold(crate::vault::path::strip_md(file_name(target.trim()))).into_owned();
    if wanted.is_empty() {
        return Vec::new();
    }
    let wanted_chars: Vec<char> = wanted.chars().collect();
    let max = (wanted_chars.len() / 4).clamp(1, 3);
    let mut found: Vec<(usize, FileId, Option<String>)> = Vec::new();
    for (name, notes) in vault.names() {
        let len = name.chars().count();
        if len.abs_diff(wanted_chars.len()) > max {
            continue;
        }
        let Some(distance) = bounded_distance(&wanted_chars, name, max) else {
            continue;
        };
        for &(id, kind) in notes {
            let alias = (kind == NameKind::Alias).then(|| {
                vault
                    .note(id)
                    .and_then(|n| n.alias_folded_as(name))
                    .unwrap_or(name)
                    .to_string()
            });
            found.push((distance, id, alias));
        }
    }
    found.sort_by(|a, b| (a.0, vault.path(a.1)).cmp(&(b.0, vault.path(b.1))));
    let mut seen = Vec::new();
    found
        .into_iter()
        .filter(|(_, id, alias)| {
            let key = (*id, alias.clone());
            let new = !seen.contains(&key);
            seen.push(key);
            new
        })
        .take(SUGGESTIONS)
        .map(|(_, id, alias)| (id, alias))
        .collect()
}

/// Levenshtein distance between `a` and `b` when it is at most `max`.
fn bounded_distance(a: &[char], b: &str, max: usize) -> Option<usize> {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        let mut row_min = current[0];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            current[j + 1] = (previous[j] + cost)
                .min(previous[j + 1] + 1)
                .min(current[j] + 1);
            row_min = row_min.min(current[j + 1]);
        }
        if row_min > max {
            return None;
        }
        previous = current;
    }
    let d = previous[b.len()];
    (d <= max).then_some(d)
}

#[cfg(test)]
mod tests {
    use expect_test::{Expect, expect};

    use super::*;
    use crate::config::DailyNotes;
    use crate::features::fixture::Fixture;

    fn check(fixture: &str, expect: Expect) {
        let f = Fixture::parse(fixture);
        let actions = code_actions(
            &f.vault,
            f.file,
            Span::empty(f.offset),
            &CodeActionOptions::default(),
        );
        let mut out = String::new();
        for a in actions {
            out += &format!("{}\n", a.title);
            if let Some((path, content)) = &a.create {
                out += &format!("  create {path}: {content:?}\n");
            }
            for e in &a.edits {
                out += &format!("  replace {:?} with {:?}\n", e.span, e.new_text);
            }
        }
        expect.assert_eq(&out);
    }

    const VAULT: &str = "
//- People/Tomer Hagay.md
---
type: people
aliases: [TH]
---
//- People/Dana Levi.md
---
type: people
---
//- Customers/Dell.md
---
type: customer
---
";

    #[test]
    fn unquoted_property_link_is_quoted() {
        check(
            &format!("{VAULT}//- Home.md\n---\nup: [[Tomer $0Hagay]]\n---\n"),
            expect![[r#"
                Quote the property link: "[[Tomer Hagay]]"
                  replace 8..23 with "\"[[Tomer Hagay]]\""
            "#]],
        );
        check(
            &format!("{VAULT}//- Home.md\n---\nrelated:\n  - [[Dana \"D\" Levi$0]]\n---\n"),
            expect![[r#"
                Quote the property link: '[[Dana "D" Levi]]'
                  replace 17..34 with "'[[Dana \"D\" Levi]]'"
            "#]],
        );
    }

    #[test]
    fn typo_in_a_person_link() {
        check(
            &format!("{VAULT}//- Home.md\nSee [[Tomer Hagey$0]]\n"),
            expect![[r##"
                Create note "Tomer Hagey.md"
                  create Tomer Hagey.md: "# Tomer Hagey\n"
                Did you mean [[Tomer Hagay]]?
                  replace 6..17 with "Tomer Hagay"
            "##]],
        );
    }

    #[test]
    fn folder_link_gets_the_folder_type() {
        check(
            &format!(
                "{VAULT}//- Home.md\nSee [[People/Noa Lev$0i]] and [x](Customers/Acme%20Corp.md)\n"
            ),
            expect![[r#"
                Create note "People/Noa Levi.md"
                  create People/Noa Levi.md: "---\ntype: people\n---\n\n# Noa Levi\n"
            "#]],
        );
        check(
            &format!("{VAULT}//- Home.md\nSee [x](Customers/Acme%20C$0orp.md)\n"),
            expect![[r#"
                Create note "Customers/Acme Corp.md"
                  create Customers/Acme Corp.md: "---\ntype: customer\n---\n\n# Acme Corp\n"
            "#]],
        );
    }

    #[test]
    fn alias_and_attachment() {
        check(
            &format!("{VAULT}//- Home.md\n[[T$0h]]\n"),
            expect![[r##"
                Create note "Th.md"
                  create Th.md: "# Th\n"
                Did you mean [[Tomer Hagay|TH]]?
                  replace 2..4 with "Tomer Hagay|TH"
            "##]],
        );
        check(
            &format!("{VAULT}//- Home.md\n![[logo.pn$0g]]\n"),
            expect![[r####""####]],
        );
        check(
            &format!("{VAULT}//- Home.md\n[[Dana Levi$0]]\n"),
            expect![[r####""####]],
        );
    }

    #[test]
    fn mojibake_on_the_line_and_in_the_note() {
        check(
            "//- Note.md\nVASTâ€™s plan â€”$0 ok\nlater Â· too\n",
            expect![[r#"
                Repair double-encoded text on this line (2 places)
                  replace 4..12 with "’"
                  replace 19..27 with "—"
                Repair double-encoded text in the whole note (3 places)
                  replace 4..12 with "’"
                  replace 19..27 with "—"
                  replace 37..41 with "·"
            "#]],
        );
    }

    #[test]
    fn link_a_plain_mention() {
        check(
            &format!("{VAULT}//- Home.md\nLunch with Tomer Ha$0gay and th today\n"),
            expect![[r#"
                Link to [[Tomer Hagay]]
                  replace 11..22 with "[[Tomer Hagay]]"
            "#]],
        );
    }

    #[test]
    fn a_name_alone_goes_to_the_default_location_for_new_notes() {
        let created = |link: &str, new_notes: NewNotes| {
            let f = Fixture::parse(&format!("//- Meetings/Home.md\n[[{link}$0]]\n"));
            let options = CodeActionOptions {
                new_notes: Some(&new_notes),
                ..CodeActionOptions::default()
            };
            let actions = code_actions(&f.vault, f.file, Span::empty(f.offset), &options);
            actions.iter().find_map(|a| a.create.clone()).map(|c| c.0)
        };
        let inbox = || NewNotes::Folder("Inbox".into());
        assert_eq!(created("Idea", NewNotes::Root).unwrap(), "Idea.md");
        assert_eq!(
            created("Idea", NewNotes::Current).unwrap(),
            "Meetings/Idea.md"
        );
        assert_eq!(created("Idea", inbox()).unwrap(), "Inbox/Idea.md");
        // A folder path in the link wins, from the vault root or from this note.
        for location in [NewNotes::Root, NewNotes::Current, inbox()] {
            assert_eq!(
                created("Projects/Idea", location.clone()).unwrap(),
                "Projects/Idea.md"
            );
            assert_eq!(created("/Idea", location.clone()).unwrap(), "Idea.md");
            assert_eq!(created("./Idea", location).unwrap(), "Meetings/Idea.md");
        }
        // A folder setting that leaves the vault creates nothing.
        assert_eq!(created("Idea", NewNotes::Folder("../out".into())), None);
    }

    #[test]
    fn templates_folder_fills_new_notes() {
        let f = Fixture::parse(&format!(
            "{VAULT}//- Templates/people.md\n---\ntype: people\n---\n# {{{{title}}}}\n## Profile\n\
             //- Home.md\n[[People/Noa Lev$0i]]\n"
        ));
        let actions = code_actions(
            &f.vault,
            f.file,
            Span::empty(f.offset),
            &CodeActionOptions {
                templates: Some("Templates"),
                ..CodeActionOptions::default()
            },
        );
        let (path, content) = actions[0].create.clone().unwrap();
        assert_eq!(path, "People/Noa Levi.md");
        assert_eq!(content, "---\ntype: people\n---\n# Noa Levi\n## Profile\n");
    }

    #[test]
    fn a_new_daily_note_starts_from_the_daily_template() {
        let daily = DailyNotes {
            folder: "Journal".into(),
            format: "YYYY/MM/YYYY-MM-DD".into(),
            template: Some("Templates/Day".into()),
        };
        let today = Date {
            year: 2026,
            month: 11,
            day: 30,
        };
        let create = |link: &str| {
            let f = Fixture::parse(&format!(
                "//- Templates/Day.md\n# {{{{title}}}}\n{{{{date:dddd}}}}, {{{{date}}}} {{{{date:[{{{{date:]}}}}\n\
                 //- Home.md\n[[{link}$0]]\n"
            ));
            let actions = code_actions(
                &f.vault,
                f.file,
                Span::empty(f.offset),
                &CodeActionOptions {
                    daily: Some((today, &daily)),
                    ..CodeActionOptions::default()
                },
            );
            actions.iter().find_map(|a| a.create.clone()).unwrap()
        };
        assert_eq!(
            create("Journal/2026/12/2026-12-01"),
            (
                "Journal/2026/12/2026-12-01.md".to_string(),
                "# 2026-12-01\nTuesday, 2026-12-01 {{date:\n".to_string()
            )
        );
        // Not a day's name, or not in the daily folder: an ordinary new note.
        assert_eq!(create("Journal/2026/12/Plans").1, "# Plans\n");
        assert_eq!(create("2026/12/2026-12-01").1, "# 2026-12-01\n");
    }

    #[test]
    fn distance() {
        let a: Vec<char> = "tomer hagey".chars().collect();
        assert_eq!(bounded_distance(&a, "tomer hagay", 2), Some(1));
        assert_eq!(bounded_distance(&a, "tom jones", 2), None);
    }
}
