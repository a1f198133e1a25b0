use super::*;
use crate::syntax::parse_note;

fn vault(files: &[&str]) -> Vault {
    Vault::from_files(
        "/vault",
        files
            .iter()
            .map(|p| (p.to_string(), is_note_path(p).then(String::new)))
            .collect(),
    )
}

/// Resolves `link` (a whole link, e.g. `[[Note]]`) written in `source`.
fn resolve(v: &Vault, source: &str, link: &str) -> String {
    let link_text = link;
    let syntax = parse_note(link);
    let link = &syntax.links[0];
    let id = v.id(source).expect("source exists");
    let (resolution, all) = v.resolve_link(id, link_text, link);
    assert_eq!(
        resolution.is_ambiguous(),
        all.len() > 1,
        "{resolution:?} {all:?}"
    );
    match resolution.file() {
        Some(id) if resolution.is_ambiguous() => {
            let all: Vec<&str> = all.iter().map(|&i| v.path(i)).collect();
            let n = all.len();
            format!("{} (ambiguous: {}) {n}", v.path(id), all.join(", "))
        }
        Some(id) => v.path(id).to_string(),
        None => "unresolved".into(),
    }
}

#[test]
fn resolution_rules() {
    let v = vault(&[
        "Home.md",
        "note.md",
        "People/Tomer Hagay.md",
        "People/Jeff Denworth.md",
        "Meetings/2025-11-07 Sync.md",
        "Meetings/Sub/Deep.md",
        "Meetings/Local.md",
        "Projects/Local.md",
        "Projects/Dup.md",
        "Archive/Dup.md",
        "folder/note.md",
        "Sources/Transcripts/2025/2025-10 - Tomer Hagay.md",
        "attachments/image.png",
        "icons/icon.svg",
        "5.5 Features.md",
        "Foo.canvas",
        "Foo.canvas.md",
        "Greek/ΟΔΥΣΣΕΥΣ.md",
    ]);
    let table: &[(&str, &str, &str)] = &[
        // bare names resolve anywhere, case-insensitively, `.md` optional
        ("Home.md", "[[Tomer Hagay]]", "People/Tomer Hagay.md"),
        ("Home.md", "[[tomer hagay]]", "People/Tomer Hagay.md"),
        // a final sigma folds like any other (found by fuzzing)
        ("Home.md", "[[ΟΔΥΣΣΕΥΣ]]", "Greek/ΟΔΥΣΣΕΥΣ.md"),
        ("Home.md", "[[Οδυσσεύς]]", "unresolved"),
        ("Home.md", "[[οδυσσευς]]", "Greek/ΟΔΥΣΣΕΥΣ.md"),
        ("Home.md", "[[Tomer Hagay.md]]", "People/Tomer Hagay.md"),
        (
            "Home.md",
            "[[TOMER HAGAY.MD|Tomer]]",
            "People/Tomer Hagay.md",
        ),
        ("Home.md", "[[5.5 Features]]", "5.5 Features.md"),
        // vault-relative paths match exactly
        (
            "Home.md",
            "[[People/Jeff Denworth]]",
            "People/Jeff Denworth.md",
        ),
        (
            "Home.md",
            "[[Sources/Transcripts/2025/2025-10 - Tomer Hagay.md|Tomer]]",
            "Sources/Transcripts/2025/2025-10 - Tomer Hagay.md",
        ),
        ("Home.md", "[[Jeff Denworth/People]]", "unresolved"),
        // a partial path matches as a suffix
        (
            "Home.md",
            "[[Transcripts/2025/2025-10 - Tomer Hagay]]",
            "Sources/Transcripts/2025/2025-10 - Tomer Hagay.md",
        ),
        (
            "Home.md",
            "[[ranscripts/2025/2025-10 - Tomer Hagay]]",
            "unresolved",
        ),
        // relative to the linking note's folder
        (
            "Meetings/2025-11-07 Sync.md",
            "[[Sub/Deep]]",
            "Meetings/Sub/Deep.md",
        ),
        (
            "Meetings/2025-11-07 Sync.md",
            "[[./Local]]",
            "Meetings/Local.md",
        ),
        ("Meetings/Sub/Deep.md", "[[../Local]]", "Meetings/Local.md"),
        ("Meetings/Sub/Deep.md", "[[../../Home]]", "Home.md"),
        ("Home.md", "[[../../../etc/passwd]]", "unresolved"),
        ("Home.md", "[[./Tomer Hagay]]", "unresolved"),
        // vault-absolute
        ("Meetings/Local.md", "[[/Home]]", "Home.md"),
        ("Meetings/Local.md", "[[/Local]]", "unresolved"),
        // exact root path beats a deeper same-name note, with no ambiguity
        ("folder/note.md", "[[note]]", "note.md"),
        ("Home.md", "[[folder/note]]", "folder/note.md"),
        // several matches: closest to the root wins, flagged
        (
            "Home.md",
            "[[Local]]",
            "Meetings/Local.md (ambiguous: Meetings/Local.md, Projects/Local.md) 2",
        ),
        (
            "Home.md",
            "[[Dup]]",
            "Archive/Dup.md (ambiguous: Archive/Dup.md, Projects/Dup.md) 2",
        ),
        // …unless the linking note's folder has it
        ("Projects/Dup.md", "[[Local]]", "Projects/Local.md"),
        // empty path: the same note
        ("Meetings/Local.md", "[[#Heading]]", "Meetings/Local.md"),
        ("Meetings/Local.md", "[[#^block]]", "Meetings/Local.md"),
        // attachments need their extension
        ("Home.md", "![[image.png]]", "attachments/image.png"),
        ("Home.md", "![[Image.PNG|100]]", "attachments/image.png"),
        ("Home.md", "![[icon.svg#icon]]", "icons/icon.svg"),
        ("Home.md", "![[image]]", "unresolved"),
        ("Home.md", "[[Foo.canvas]]", "Foo.canvas"),
        // markdown links: percent-decoded, relative, absolute
        (
            "Home.md",
            "[x](People/Tomer%20Hagay.md)",
            "People/Tomer Hagay.md",
        ),
        (
            "Meetings/Sub/Deep.md",
            "[x](../Local.md#h)",
            "Meetings/Local.md",
        ),
        (
            "Home.md",
            "[x](<Jeff Denworth.md>)",
            "People/Jeff Denworth.md",
        ),
        (
            "Home.md",
            "[x](/People/Jeff%20Denworth.md)",
            "People/Jeff Denworth.md",
        ),
        ("Home.md", "[[Microsoft]]", "unresolved"),
    ];
    let mut failures = Vec::new();
    for (source, link, want) in table {
        let got = resolve(&v, source, link);
        if got != *want {
            failures.push(format!("{link} in {source}: got {got}, want {want}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn aliases_are_names_not_targets() {
    let mut v = Vault::new("/v");
    v.update_note(
        "People/Tomer Hagay.md",
        "---\naliases: [TH]\n---\n# Tomer\n".into(),
    );
    v.update_note("Home.md", "[[TH]]\n".into());
    let home = v.id("Home.md").unwrap();
    assert_eq!(*v.note(home).unwrap().resolved, [Resolution::UNRESOLVED]);
    let tomer = v.id("People/Tomer Hagay.md").unwrap();
    let mut kinds: Vec<NameKind> = v.notes_named("th").iter().map(|(_, k)| *k).collect();
    kinds.sort();
    assert_eq!(kinds, vec![NameKind::Alias]);
    assert_eq!(v.notes_named("TOMER")[0], (tomer, NameKind::Title));
    assert_eq!(v.notes_named("tomer hagay")[0], (tomer, NameKind::FileStem));
    // A title that is the file stem (no H1, or one repeating it) names the note once.
    v.update_note("Plain.md", "no title\n".into());
    v.update_note("Repeated.md", "# REPEATED\n".into());
    for name in ["plain", "repeated"] {
        let kinds: Vec<NameKind> = v.notes_named(name).iter().map(|(_, k)| *k).collect();
        assert_eq!(kinds, [NameKind::FileStem], "{name}");
    }
    // Renamed, the H1 is a name of its own again, and the new stem's entry is the only one.
    v.rename_file("Repeated.md", "Other.md");
    let kinds = |name| -> Vec<NameKind> { v.notes_named(name).iter().map(|(_, k)| *k).collect() };
    assert_eq!(kinds("repeated"), [NameKind::Title]);
    assert_eq!(kinds("other"), [NameKind::FileStem]);
}

#[test]
fn creating_and_deleting_a_note_resolves_and_breaks_links() {
    let mut v = Vault::new("/v");
    v.update_note(
        "People/Tomer.md",
        "[[Microsoft]] and [[microsoft|MS]]\n".into(),
    );
    v.update_note("Meetings/M.md", "[[Microsoft#Deals]]\n".into());
    assert_eq!(v.unresolved_sites("Microsoft.md").len(), 3);
    v.update_note("Customers/Microsoft.md", "# Deals\n".into());
    assert_eq!(v.unresolved().count(), 0);
    let ms = v.id("Customers/Microsoft.md").unwrap();
    assert_eq!(v.backlinks(ms).len(), 3);
    v.rename_file("Customers/Microsoft.md", "Customers/MSFT.md");
    assert_eq!(v.unresolved_sites("Microsoft.md").len(), 3);
    v.rename_file("Customers/MSFT.md", "Archive/Microsoft.md");
    assert_eq!(v.unresolved().count(), 0);
    assert!(v.remove_file("Archive/Microsoft.md"));
    assert_eq!(v.unresolved_sites("Microsoft.md").len(), 3);
    assert!(v.backlinks(ms).is_empty());
}

#[test]
fn second_same_name_note_makes_links_ambiguous() {
    let mut v = Vault::new("/v");
    v.update_note("A/Note.md", String::new());
    v.update_note("Home.md", "[[Note]]\n".into());
    let home = v.id("Home.md").unwrap();
    let a = v.id("A/Note.md").unwrap();
    assert_eq!(v.note(home).unwrap().resolved[0], Resolution::to(a));
    v.upsert_file("B/Note.md", None);
    assert_eq!(v.note(home).unwrap().resolved[0], Resolution::ambiguous(a));
    v.remove_file("A/Note.md");
    let b = v.id("B/Note.md").unwrap();
    assert_eq!(v.note(home).unwrap().resolved[0], Resolution::to(b));
}

#[test]
fn tags_index() {
    let v = Vault::from_files(
        "/v",
        vec![
            (
                "a.md".into(),
                Some("---\ntags: [Project]\n---\n#project #x\n".into()),
            ),
            ("b.md".into(), Some("#PROJECT\n".into())),
        ],
    );
    let uses = v.tag_uses("project");
    let counts: Vec<(String, u32)> = uses
        .iter()
        .map(|(id, c)| (v.path(*id).to_string(), *c))
        .collect();
    assert_eq!(
        counts,
        vec![("a.md".to_string(), 2), ("b.md".to_string(), 1)]
    );
}

#[test]
fn a_resolution_per_link_stays_small() {
    // One per link, 1.4M in a 50k-note vault: the file id with a bit for ambiguity.
    assert_eq!(std::mem::size_of::<Resolution>(), 4);
    assert_eq!(std::mem::size_of::<Option<FileId>>(), 4);
    let v = vault(&["a.md", "b.md"]);
    let ids: Vec<FileId> = v.files().map(|(id, _)| id).collect();
    assert_eq!(ids.len(), 2);
    assert!(ids[0] < ids[1]);
    assert_eq!(v.path(ids[1]), "b.md");
}

#[test]
fn a_note_gone_when_read_is_left_out_as_if_deleted() {
    let files = |with_gone: bool| -> Vec<(String, Option<String>)> {
        let mut files = vec![
            ("a.md".to_string(), Some("[[gone]] [[b]] #t".to_string())),
            ("b.md".to_string(), Some("[[gone#H]] [[a]]".to_string())),
            ("sub/gone.md".to_string(), Some("# H".to_string())),
        ];
        if with_gone {
            files.push(("gone.md".to_string(), None));
        }
        files
    };
    // `gone.md` is listed, then vanishes before it is read: links that would have opened
    // it open the other `gone` note, exactly as in a vault that never had it.
    fn as_read(text: String) -> super::load::NoteRead {
        super::load::NoteRead {
            text,
            problem: None,
            modified: None,
            stamp: None,
        }
    }
    let read = |path: &str, text: Option<String>| text.filter(|_| path != "gone.md").map(as_read);
    let (built, issues, _) = Vault::build(
        Vault::registered("/vault".into(), None, false, true),
        files(true),
        &read,
        &|_, _| None,
        &|_, _| {},
        None,
        false,
    );
    let given = |_: &str, text: Option<String>| text.map(as_read);
    let (expected, _, _) = Vault::build(
        Vault::registered("/vault".into(), None, false, true),
        files(false),
        &given,
        &|_, _| None,
        &|_, _| {},
        None,
        false,
    );
    assert!(issues.is_empty());
    assert_eq!(built.id("gone.md"), None);
    assert_eq!(built.dump(), expected.dump());
    let a = built.id("a.md").unwrap();
    assert_eq!(
        built.note(a).unwrap().resolved[0].file(),
        built.id("sub/gone.md")
    );
}

#[test]
fn a_bulk_load_indexes_as_adding_the_files_one_by_one_does() {
    let files: Vec<(String, Option<String>)> = [
        (
            "Home.md",
            "[[a]] [[a]] [[b#H]] [[missing]] [[Missing]] ![[pic.png]] #t #t/x",
        ),
        (
            "a.md",
            "---\naliases: [Alpha]\ntags: [t]\n---\n[[Home]] [[b]] [[b]] [[nowhere]]",
        ),
        (
            "sub/b.md",
            "# H\n[[../Home]] [[a]] [x](../a.md) [[missing]]",
        ),
        ("other/b.md", "[[b]] [[Alpha]]"),
        ("pic.png", ""),
    ]
    .iter()
    .map(|(p, t)| (p.to_string(), is_note_path(p).then(|| t.to_string())))
    .collect();
    let bulk = Vault::from_files("/vault", files.clone());
    let mut one_by_one = Vault::new("/vault");
    for (path, text) in files {
        one_by_one.upsert_file(&path, text);
    }
    assert_eq!(bulk.dump(), one_by_one.dump());
    let a = bulk.id("a.md").unwrap();
    assert_eq!(bulk.linking_notes(a), 2);
}

#[test]
fn counts_stay_sorted_and_drop_notes_at_zero() {
    let id = FileId::new;
    let mut counts = Counts::default();
    for (i, n) in [(5, 1), (2, 1), (9, 2), (2, 1), (0, 1)] {
        counts.add(id(i), n);
    }
    assert_eq!(
        counts.entries().collect::<Vec<_>>(),
        [(id(0), 1), (id(2), 2), (id(5), 1), (id(9), 2)]
    );
    counts.remove_one(id(2));
    counts.remove_one(id(5));
    counts.remove_one(id(7));
    assert_eq!(
        counts.entries().collect::<Vec<_>>(),
        [(id(0), 1), (id(2), 1), (id(9), 2)]
    );
    assert_eq!(counts.ids().collect::<Vec<_>>(), [id(0), id(2), id(9)]);
    // A note counting more is marked, its count kept aside until it counts once again.
    counts.add(id(9), 3);
    assert_eq!(counts.entries().last(), Some((id(9), 5)));
    for _ in 0..4 {
        counts.remove_one(id(9));
    }
    assert_eq!(counts.entries().last(), Some((id(9), 1)));
    assert!(counts.more.is_none(), "{counts:?}");
    counts.remove_one(id(9));
    assert_eq!(counts.ids().collect::<Vec<_>>(), [id(0), id(2)]);
    assert!(counts.contains(id(2)) && !counts.contains(id(9)));
}

#[test]
fn name_key_ids_go_inline_when_one_is_left() {
    let id = FileId::new;
    let mut ids = Ids::One(id(1));
    ids.push(id(2));
    ids.push(id(3));
    assert_eq!(ids.as_slice(), [id(1), id(2), id(3)]);
    assert!(ids.remove(id(1)) && ids.remove(id(9)));
    assert!(ids.remove(id(3)));
    assert_eq!(ids, Ids::One(id(2)));
    assert!(ids.remove(id(9)));
    assert!(!ids.remove(id(2)));
}

#[test]
fn decomposed_file_names_resolve_from_composed_links_and_back() {
    // `Zoë Åberg` as macOS writes file names (NFD), and a link typed composed (NFC).
    let decomposed: String =
        unicode_normalization::UnicodeNormalization::nfd("Zoë Åberg").collect();
    let path = format!("People/{decomposed}.md");
    let v = vault(&["Home.md", &path, "Café.md"]);
    assert_eq!(resolve(&v, "Home.md", "[[Zoë Åberg]]"), path);
    assert_eq!(resolve(&v, "Home.md", "[[People/Zoë Åberg]]"), path);
    let cafe: String = unicode_normalization::UnicodeNormalization::nfd("[[Café]]").collect();
    assert_eq!(resolve(&v, "Home.md", &cafe), "Café.md");
    // Headings too.
    let heading: String = unicode_normalization::UnicodeNormalization::nfd("Réunion").collect();
    assert_eq!(
        crate::vault::subpath::normalize_heading(&heading),
        crate::vault::subpath::normalize_heading("Réunion")
    );
}

/// Obsidian's choice among notes of the same name, observed with
/// `app.metadataCache.getFirstLinkpathDest` on Obsidian 1.13.7 (pvliesdonk/markdown-vault-mcp
/// #1380): the exact vault path, else the linking note's own folder (an ancestor counts for
/// nothing), else the shortest path string.
#[test]
fn same_name_notes_resolve_in_obsidians_order() {
    let v = vault(&[
        "a/b/Note.md",
        "zzzz/Note.md",
        "zzzz/deep/Source.md",
        "Home.md",
        "c/Other.md",
        "c/Source.md",
        "c/d/Other.md",
        "x/Other.md",
    ]);
    let first = |source: &str, link: &str| {
        resolve(&v, source, link)
            .split(' ')
            .next()
            .unwrap()
            .to_string()
    };
    // Shortest path string, not fewest folders.
    assert_eq!(first("Home.md", "[[Note]]"), "a/b/Note.md");
    // An ancestor folder counts for nothing.
    assert_eq!(first("zzzz/deep/Source.md", "[[Note]]"), "a/b/Note.md");
    // The linking note's own folder wins.
    assert_eq!(first("c/Source.md", "[[Other]]"), "c/Other.md");
    assert_eq!(first("Home.md", "[[Other]]"), "c/Other.md");
    // An exact vault path wins over everything.
    let v = vault(&["Note.md", "b/Note.md", "b/Source.md"]);
    assert_eq!(
        resolve(&v, "b/Source.md", "[[Note]]")
            .split(' ')
            .next()
            .unwrap(),
        "Note.md"
    );
}

/// Names ending in `.md` are looked up with and without it (a note's key is its name without
/// `.md`): `x.md.md` is a note named `x.md`, `x` a file without extension.
#[test]
fn names_ending_in_md_resolve_by_both_keys() {
    let v = vault(&[
        "Home.md",
        "x.md",
        "x.md.md",
        "x",
        "a/y.md.md",
        "b/z",
        "c/z.md",
        "Foo.MD",
    ]);
    let got: Vec<String> = [
        "[[x]]",
        "[[x.md]]",
        "[[X.MD]]",
        "[[x.md.md]]",
        "[[y]]",
        "[[y.md]]",
        "[[a/y.md]]",
        "[[y.md.md]]",
        "[[z]]",
        "[[z.md]]",
        "[[b/z]]",
        "[[foo]]",
        "[[foo.md]]",
        "[x](x.md)",
        "[x](x.md.md)",
    ]
    .iter()
    .map(|link| format!("{link} -> {}", resolve(&v, "Home.md", link)))
    .collect();
    // As when every note was also indexed under its name with `.md` (checked against that
    // build).
    let expected = [
        "[[x]] -> x",
        "[[x.md]] -> x.md",
        "[[X.MD]] -> x.md",
        "[[x.md.md]] -> x.md.md",
        "[[y]] -> unresolved",
        "[[y.md]] -> unresolved",
        "[[a/y.md]] -> unresolved",
        "[[y.md.md]] -> a/y.md.md",
        "[[z]] -> b/z (ambiguous: b/z, c/z.md) 2",
        "[[z.md]] -> c/z.md",
        "[[b/z]] -> b/z",
        "[[foo]] -> Foo.MD",
        "[[foo.md]] -> Foo.MD",
        "[x](x.md) -> x.md",
        "[x](x.md.md) -> x.md.md",
    ];
    assert_eq!(got, expected);
}

#[test]
fn modification_times_follow_renames_and_removals() {
    let mut v = vault(&["a.md", "b.md", "img.png"]);
    let order = |v: &Vault| -> Vec<(String, u64)> {
        v.recently_modified()
            .map(|(id, t)| (v.path(id).to_string(), t))
            .collect()
    };
    let owned = |list: &[(&str, u64)]| -> Vec<(String, u64)> {
        list.iter().map(|(p, t)| (p.to_string(), *t)).collect()
    };
    v.set_modified("a.md", Some(5));
    v.set_modified("b.md", Some(7));
    // Attachments keep theirs, but are not notes written lately.
    v.set_modified("img.png", Some(9));
    v.set_modified("missing.md", Some(11));
    assert_eq!(order(&v), owned(&[("b.md", 7), ("a.md", 5)]));
    assert!(v.rename_file("a.md", "c.md"));
    assert_eq!(order(&v), owned(&[("b.md", 7), ("c.md", 5)]));
    v.set_modified("b.md", Some(3));
    assert_eq!(order(&v), owned(&[("c.md", 5), ("b.md", 3)]));
    // An edit in the editor is not a modification on disk.
    v.update_note("c.md", "new text".into());
    assert_eq!(v.modified(v.id("c.md").unwrap()), Some(5));
    assert!(v.remove_file("c.md"));
    v.set_modified("b.md", None);
    assert_eq!(order(&v), []);
    assert_eq!(v.modified(v.id("img.png").unwrap()), Some(9));
    assert!(v.dump().contains("recent lookups true"));
}

#[test]
fn a_load_reads_each_notes_modification_time() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.md"), "[[b]]").unwrap();
    std::fs::write(dir.path().join("b.md"), "").unwrap();
    let v = Vault::load(dir.path(), &LoadOptions::default()).unwrap();
    for name in ["a.md", "b.md"] {
        let on_disk = load::modified(&std::fs::metadata(dir.path().join(name)).unwrap());
        assert!(on_disk.is_some());
        assert_eq!(v.modified(v.id(name).unwrap()), on_disk, "{name}");
    }
    assert_eq!(v.recently_modified().count(), 2);
}

/// A vault loaded with `pieces` keeps of each note what its summary reads, indexes it as a
/// vault holding every text does, reads the rest from the file while the file is the text it
/// read, and holds an editor's text whole.
#[test]
fn notes_held_in_pieces_index_alike_and_read_their_files() {
    let dir = tempfile::tempdir().unwrap();
    let files = [
        (
            "a.md",
            "---\ntitle: Alpha é\naliases: [Al]\ntags: [x]\n---\n# A\nProse [[b#Part|b]] #t\n",
        ),
        (
            "b.md",
            "Lead—in 😀 prose.\n## Part\nBody é😀 ^blk\n\n[x](a.md)\n",
        ),
        ("c.md", "no links, only prose\n"),
    ];
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let whole = Vault::load(dir.path(), &LoadOptions::default()).unwrap();
    let options = LoadOptions {
        pieces: true,
        ..LoadOptions::default()
    };
    let mut held = Vault::load(dir.path(), &options).unwrap();
    assert_eq!(held.dump(), whole.dump());
    let (a, b) = (held.id("a.md").unwrap(), held.id("b.md").unwrap());
    assert_eq!(held.note(a).unwrap().text(), None);
    assert_eq!(held.text(a).as_deref(), Some(files[0].1));
    for (unit, col) in [(ColumnUnit::Utf16, 9), (ColumnUnit::Char, 8)] {
        let (w, h) = (whole.note(b).unwrap(), held.note(b).unwrap());
        let span = w.syntax.blocks[0].span;
        let at = |n: &Note| n.columns(unit).line_col(span.start as usize);
        assert_eq!(at(h), at(w));
        assert_eq!(
            at(h).col,
            col,
            "{unit:?}: `Body é😀 ` in units, not 12 bytes"
        );
    }
    // Changed on disk, not yet told: not the text the summary was made from.
    std::fs::write(
        dir.path().join("b.md"),
        "Lead—in 😀 prose.\n## Part\nBody ^blk\n",
    )
    .unwrap();
    assert_eq!(held.text(b), None);
    held.upsert_file(
        "b.md",
        Some(std::fs::read_to_string(dir.path().join("b.md")).unwrap()),
    );
    assert_eq!(held.note(b).unwrap().text(), None);
    assert!(held.text(b).is_some());
    // An editor's text is held whole.
    held.update_note("c.md", "edited [[a]]".into());
    let c = held.id("c.md").unwrap();
    assert_eq!(held.note(c).unwrap().text(), Some("edited [[a]]"));
}

#[test]
fn a_cache_file_keeps_only_the_pooled_strings_its_notes_name() {
    let (dir, caches) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    std::fs::write(dir.path().join("a.md"), "[[b]] and [[c#Part]]\n").unwrap();
    std::fs::write(dir.path().join("b.md"), "[[a]]\n").unwrap();
    let cache = caches.path().join("vault.idx");
    let options = LoadOptions {
        pieces: true,
        cache: Some(&cache),
        ..LoadOptions::default()
    };
    let loaded = Vault::load_cached(dir.path(), &options).unwrap();
    // A string the pool holds for a note that since changed.
    loaded.vault.pool.intern("[gone").unwrap();
    loaded.cache_write.unwrap().write().unwrap();
    let again = Vault::load_cached(dir.path(), &options).unwrap();
    assert_eq!(again.from_cache, 2, "{:?}", again.cache_unused);
    let mut strings: Vec<&str> = again.vault.pool.strings().collect();
    strings.sort_unstable();
    assert_eq!(strings, ["Part", "[a", "[b", "[c"]);
    assert_eq!(again.vault.dump(), loaded.vault.dump());
}

#[test]
fn a_load_without_search_indexes_the_same_but_for_word_starts_and_trigrams() {
    let dir = tempfile::tempdir().unwrap();
    let files = [
        (
            "Obsidian Agile Notes.md",
            "---\naliases: [Sprint Board]\n---\n# Weekly Review\n",
        ),
        (
            "b.md",
            "[[Obsidian Agile Notes#Weekly Review]] [[missing]] #tag\n",
        ),
    ];
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let full = Vault::load(dir.path(), &LoadOptions::default()).unwrap();
    let options = LoadOptions {
        without_search: true,
        ..LoadOptions::default()
    };
    let mut exact = Vault::load(dir.path(), &options).unwrap();
    // Links, names, headings, tags and backlinks alike (the gram indexes are checked, as
    // derived, for what each keeps).
    assert_eq!(exact.dump(), full.dump());
    assert_eq!(
        exact.notes_named("sprint board"),
        full.notes_named("sprint board")
    );
    for (vault, searched) in [(&full, true), (&exact, false)] {
        let words = vault.names_with_word_prefix("ag", 100).map(|n| n.count());
        assert_eq!(words, searched.then_some(1));
        let headings = vault
            .headings_with_word_prefix("re", 100)
            .map(|h| h.count());
        assert_eq!(headings, searched.then_some(1));
        let loose = vault.names_loosely("agile", 100).count();
        assert_eq!(loose, usize::from(searched));
    }
    // Updated as any vault is.
    exact.update_note("b.md", "# Sprint Notes\n[[Obsidian Agile Notes]]".into());
    assert!(exact.names_with_word_prefix("no", 100).is_none());
    assert_eq!(exact.headings_with_prefix("sprint notes").count(), 1);
}
