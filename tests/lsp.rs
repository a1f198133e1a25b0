//! End to end: the built binary as a language server over stdio, on a copy of the sample vault.

mod support;

use serde_json::{Value, json};
use support::{Lsp, caps, sample_vault, uri};

/// The UTF-16 position of the first `needle` in `text`, plus `extra` characters.
fn pos16(text: &str, needle: &str, extra: usize) -> Value {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} in text"));
    let line = text[..at].matches('\n').count();
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let col: usize = text[line_start..at].encode_utf16().count() + extra;
    json!({"line": line, "character": col})
}

fn labels(completion: &Value) -> Vec<String> {
    completion["result"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap().to_string())
        .collect()
}

const MEETING: &str = "Meetings/2025/2025-11-07 - Weekly sync on the release train.md";

#[test]
fn completion_definition_references_over_stdio() {
    let (_dir, root) = sample_vault();
    let mut lsp = Lsp::start(&root, caps(&["utf-16"], false));
    let begin = lsp.wait("progress begin", |m| {
        m["method"] == "$/progress" && m["params"]["value"]["kind"] == "begin"
    });
    assert_eq!(begin["params"]["value"]["title"], "Indexing vault");
    lsp.wait_indexed();

    let (uri, text) = lsp.open(&root, MEETING);
    // Type `[[Tom` at the end of the agenda line.
    let end_of_title = pos16(&text, "# Weekly sync on the release train", 34);
    lsp.notify(
        "textDocument/didChange",
        json!({
            "textDocument": {"uri": uri, "version": 2},
            "contentChanges": [{"range": {"start": end_of_title, "end": end_of_title}, "text": " [[Tom"}],
        }),
    );
    let mut at = end_of_title.clone();
    at["character"] = json!(34 + 6);
    let completion = lsp.completion(&uri, &at);
    let got = labels(&completion);
    assert_eq!(
        got.first().map(String::as_str),
        Some("Tomer Hagay"),
        "{got:?}"
    );
    let first = &completion["result"]["items"][0];
    assert_eq!(first["textEdit"]["newText"], "Tomer Hagay]]");
    assert_eq!(first["textEdit"]["range"]["start"]["character"], 34 + 3);
    let resolved = lsp.request("completionItem/resolve", first.clone());
    let doc = resolved["result"]["documentation"]["value"]
        .as_str()
        .unwrap();
    assert!(
        doc.contains("Tomer Hagay") && doc.contains("people"),
        "{doc}"
    );

    // `[[Tomer Hagay#` lists his headings.
    lsp.notify(
        "textDocument/didChange",
        json!({
            "textDocument": {"uri": uri, "version": 3},
            "contentChanges": [{"range": {"start": end_of_title, "end": at}, "text": " [[Tomer Hagay#"}],
        }),
    );
    let mut at = end_of_title.clone();
    at["character"] = json!(34 + 15);
    let headings = labels(&lsp.completion(&uri, &at));
    assert!(
        headings.contains(&"Recent Context".to_string()),
        "{headings:?}"
    );

    // From the meeting's `[[Tomer Hagay]]` to the person note.
    let definition = lsp.request(
        "textDocument/definition",
        json!({"textDocument": {"uri": uri}, "position": pos16(&text, "[[Tomer Hagay]], [[Jeff", 4)}),
    );
    let person_uri = self::uri(&root.join("People/Tomer Hagay.md"));
    assert_eq!(definition["result"]["uri"], person_uri, "{definition}");
    assert_eq!(
        definition["result"]["range"]["start"],
        json!({"line": 0, "character": 0})
    );

    // Hover on the same link previews the person note.
    let hover = lsp.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": pos16(&text, "[[Tomer Hagay]], [[Jeff", 4)}),
    );
    let preview = hover["result"]["contents"]["value"]
        .as_str()
        .unwrap_or_default();
    assert!(
        preview.contains("**Tomer Hagay** · people") && preview.contains("## Profile"),
        "{hover}"
    );

    // And back: references on the person's H1 list the meetings that link to him.
    let person = std::fs::read_to_string(root.join("People/Tomer Hagay.md")).unwrap();
    let references = lsp.request(
        "textDocument/references",
        json!({
            "textDocument": {"uri": person_uri},
            "position": pos16(&person, "# Tomer Hagay", 3),
            "context": {"includeDeclaration": false},
        }),
    );
    let uris: Vec<&str> = references["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["uri"].as_str().unwrap())
        .collect();
    assert!(uris.contains(&uri.as_str()), "{uris:?}");
    let nordics = self::uri(&root.join("Meetings/2025/2025-10-30 Nordics kickoff.md"));
    assert!(
        !uris.contains(&nordics.as_str()),
        "Nordics links Zoë, not Tomer"
    );
    assert!(uris.len() >= 6, "{uris:?}");
    lsp.shutdown();
}

#[test]
fn broken_link_appears_while_typing_and_clears_when_the_note_is_created() {
    for registration in [false, true] {
        let (_dir, root) = sample_vault();
        let mut lsp = Lsp::start(&root, caps(&["utf-16"], registration));
        lsp.wait_indexed();
        let (uri, text) = lsp.open(&root, MEETING);
        let at = pos16(&text, "## Action items", 15);
        lsp.notify(
            "textDocument/didChange",
            json!({
                "textDocument": {"uri": uri, "version": 2},
                "contentChanges": [{"range": {"start": at, "end": at}, "text": " with [[Initech]]"}],
            }),
        );
        let broken = |d: &[Value]| {
            d.iter().any(|d| {
                d["code"] == "broken-link" && d["message"].as_str().unwrap().contains("Initech")
            })
        };
        let diags = lsp.diagnostics(&uri, "broken-link for Initech", broken);
        let d = diags
            .iter()
            .find(|d| d["message"].as_str().unwrap().contains("Initech"))
            .unwrap();
        assert_eq!(d["source"], "vaultls");
        assert_eq!(d["severity"], 2);
        assert_eq!(d["range"]["start"]["character"], 15 + 8);
        assert_eq!(d["range"]["end"]["character"], 15 + 15);

        // Another program creates the note.
        std::fs::create_dir_all(root.join("Customers")).unwrap();
        std::fs::write(root.join("Customers/Initech.md"), "# Initech\n").unwrap();
        if registration {
            let registered = lsp.wait("client/registerCapability", |m| {
                m["method"] == "client/registerCapability"
            });
            assert_eq!(
                registered["params"]["registrations"][0]["method"],
                "workspace/didChangeWatchedFiles"
            );
            lsp.notify(
                "workspace/didChangeWatchedFiles",
                json!({"changes": [{"uri": self::uri(&root.join("Customers/Initech.md")), "type": 1}]}),
            );
        }
        lsp.diagnostics(&uri, "Initech diagnostic cleared", |d| !broken(d));
        lsp.shutdown();
    }
}

#[test]
fn utf16_and_utf8_sessions_agree_on_a_line_with_emoji_and_mojibake() {
    for (encoding, unit_len) in [("utf-16", 2usize), ("utf-8", 4usize)] {
        let (_dir, root) = sample_vault();
        let mut lsp = Lsp::start(&root, caps(&[encoding], false));
        lsp.wait_indexed();
        let text = "# Emoji\n\n😀 VASTâ€™s — [[Tomer Hagay]] and [[Nobody Here]]\n";
        std::fs::write(root.join("Emoji.md"), text).unwrap();
        let uri = lsp.open_text(&root, "Emoji.md", text);
        let line = "😀 VASTâ€™s — [[Tomer Hagay]] and [[Nobody Here]]";
        let col = |needle: &str| -> usize {
            let prefix = &line[..line.find(needle).unwrap()];
            match encoding {
                "utf-16" => prefix.encode_utf16().count(),
                _ => prefix.len(),
            }
        };
        // Our column arithmetic matches the encoding: the emoji alone is `unit_len` wide.
        assert_eq!(col(" VAST"), unit_len);
        let definition = lsp.request(
            "textDocument/definition",
            json!({"textDocument": {"uri": uri}, "position": {"line": 2, "character": col("Hagay]]")}}),
        );
        assert_eq!(
            definition["result"]["uri"],
            self::uri(&root.join("People/Tomer Hagay.md")),
            "{encoding}: {definition}"
        );
        let diags = lsp.diagnostics(&uri, "broken link on the emoji line", |d| {
            d.iter().any(|d| d["code"] == "broken-link")
        });
        let d = diags.iter().find(|d| d["code"] == "broken-link").unwrap();
        assert_eq!(
            d["range"]["start"],
            json!({"line": 2, "character": col("Nobody")}),
            "{encoding}"
        );
        // The double-encoded `â€™` is flagged with its exact width in this encoding.
        let m = diags
            .iter()
            .find(|d| d["code"] == "mojibake")
            .expect("mojibake");
        assert_eq!(
            m["range"]["start"],
            json!({"line": 2, "character": col("â€™")})
        );
        assert_eq!(
            m["range"]["end"],
            json!({"line": 2, "character": col("s — [[")})
        );
        let end = col("Nobody") + "Nobody Here".len(); // ASCII: as wide in both encodings
        assert_eq!(
            d["range"]["end"],
            json!({"line": 2, "character": end}),
            "{encoding}"
        );
        lsp.shutdown();
    }
}

#[test]
fn hostile_client_input_gets_answers_not_crashes() {
    let (_dir, root) = sample_vault();
    let mut lsp = Lsp::start(&root, caps(&["utf-16"], false));
    lsp.wait_indexed();
    let (uri, _) = lsp.open(&root, MEETING);
    // Positions far past the end of a line and of the document.
    for position in [
        json!({"line": 3, "character": 10_000}),
        json!({"line": 99_999, "character": 5}),
    ] {
        for method in ["textDocument/definition", "textDocument/completion"] {
            let r = lsp.request(
                method,
                json!({"textDocument": {"uri": uri}, "position": position}),
            );
            assert!(r.get("error").is_none(), "{method} {r}");
        }
    }
    // A document that is not open and does not exist, and a change to an unopened URI.
    let ghost = self::uri(&root.join("Nope.md"));
    let r = lsp.request(
        "textDocument/references",
        json!({"textDocument": {"uri": ghost}, "position": {"line": 0, "character": 0}, "context": {"includeDeclaration": true}}),
    );
    assert!(r.get("error").is_none(), "{r}");
    lsp.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": ghost, "version": 2}, "contentChanges": [{"text": "x"}]}),
    );
    let r = lsp.request(
        "textDocument/definition",
        json!({"textDocument": {"uri": "untitled:Untitled-1"}, "position": {"line": 0, "character": 0}}),
    );
    assert!(r.get("error").is_none(), "{r}");
    lsp.shutdown();
}

#[test]
fn without_a_root_open_documents_link_to_each_other() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::write(root.join("A.md"), "# A\n[[B#Part]] [[Missing]]\n").unwrap();
    std::fs::write(root.join("B.md"), "# B\n## Part\n").unwrap();
    let mut lsp = Lsp::start_without_root(caps(&["utf-16"], false));
    let (a, _) = lsp.open(&root, "A.md");
    let (b, _) = lsp.open(&root, "B.md");
    let definition = lsp.request(
        "textDocument/definition",
        json!({"textDocument": {"uri": a}, "position": {"line": 1, "character": 3}}),
    );
    assert_eq!(definition["result"]["uri"], b, "{definition}");
    assert_eq!(definition["result"]["range"]["start"]["line"], 1);
    let diags = lsp.diagnostics(&a, "broken link in single-file mode", |d| d.len() == 1);
    assert_eq!(diags[0]["code"], "broken-link");
    lsp.shutdown();
}

#[test]
fn rename_rewrites_links_as_a_workspace_edit_and_touches_no_file() {
    let (_dir, root) = sample_vault();
    let before = support::snapshot(&root);
    let mut caps = caps(&["utf-16"], false);
    caps["workspace"]["workspaceEdit"] =
        json!({"documentChanges": true, "resourceOperations": ["rename"]});
    let mut lsp = Lsp::start(&root, caps);
    lsp.wait_indexed();
    let (uri, text) = lsp.open(&root, MEETING);
    let at = pos16(&text, "[[Tomer Hagay]], [[Jeff", 4);
    let prepared = lsp.request(
        "textDocument/prepareRename",
        json!({"textDocument": {"uri": uri}, "position": at}),
    );
    assert_eq!(
        prepared["result"]["placeholder"], "Tomer Hagay",
        "{prepared}"
    );
    let edit = lsp.request(
        "textDocument/rename",
        json!({"textDocument": {"uri": uri}, "position": at, "newName": "Tomer Hagay-Cohen"}),
    );
    let changes = edit["result"]["documentChanges"]
        .as_array()
        .expect("documentChanges");
    let person = self::uri(&root.join("People/Tomer Hagay.md"));
    let rename = changes.last().unwrap();
    assert_eq!(rename["kind"], "rename");
    assert_eq!(rename["oldUri"], person);
    assert_eq!(
        rename["newUri"],
        self::uri(&root.join("People/Tomer Hagay-Cohen.md"))
    );
    let meeting_edit = changes
        .iter()
        .find(|c| c["textDocument"]["uri"] == uri)
        .expect("the meeting's links are rewritten");
    assert_eq!(meeting_edit["textDocument"]["version"], 1);
    let new_texts: Vec<&str> = meeting_edit["edits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["newText"].as_str().unwrap())
        .collect();
    assert!(
        new_texts.iter().all(|t| *t == "Tomer Hagay-Cohen"),
        "{new_texts:?}"
    );
    // Three in the body and one in the `attendees` property.
    assert_eq!(new_texts.len(), 4, "{new_texts:?}");
    // The server only proposed the change: nothing moved on disk.
    assert!(root.join("People/Tomer Hagay.md").is_file());
    assert!(!root.join("People/Tomer Hagay-Cohen.md").exists());

    // A rename in the editor's file tree: the links are rewritten, the client moves the file.
    let moved = lsp.request(
        "workspace/willRenameFiles",
        json!({"files": [{"oldUri": person, "newUri": self::uri(&root.join("Archive/Tomer Hagay.md"))}]}),
    );
    let changes = moved["result"]["changes"].as_object().expect("changes");
    // Bare [[Tomer Hagay]] links still find the moved note: the meeting needs no edit, but
    // Home's [[People/Tomer Hagay|Tomer]] does.
    assert!(!changes.contains_key(&uri), "{moved}");
    let home = self::uri(&root.join("Home.md"));
    let home_edits = changes[&home].as_array().expect("Home.md edits");
    assert_eq!(home_edits.len(), 1, "{moved}");
    assert_eq!(home_edits[0]["newText"], "Archive/Tomer Hagay");
    lsp.shutdown();
    assert!(
        support::snapshot(&root) == before,
        "the server wrote to the vault"
    );
}

#[test]
fn outline_and_workspace_symbols() {
    let (_dir, root) = sample_vault();
    let mut lsp = Lsp::start(&root, caps(&["utf-16"], false));
    lsp.wait_indexed();
    let (uri, _) = lsp.open(&root, "People/Tomer Hagay.md");
    let outline = lsp.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": uri}}),
    );
    let top = &outline["result"][0];
    assert_eq!(top["name"], "Tomer Hagay", "{outline}");
    let children: Vec<&str> = top["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        children,
        [
            "Profile",
            "Open Tasks",
            "Recent Context",
            "Key Decisions",
            "Related Customers",
            "Related Projects",
            "Related"
        ]
    );
    let symbols = lsp.request("workspace/symbol", json!({"query": "zoe"}));
    let names: Vec<&str> = symbols["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.first(), Some(&"Zoe"), "the alias, exactly: {names:?}");
    assert!(names.contains(&"Zoë Åberg"), "{names:?}");
    lsp.shutdown();
}

/// What real clients advertise for workspace edits: Neovim 0.7 lists resource operations
/// without `documentChanges` (and applies them), eglot 1.9 says `documentChanges` with no
/// resource operation, some clients say nothing. None of them is refused a rename or the
/// create-note fix.
#[test]
fn rename_and_create_work_with_what_each_client_can_do() {
    let shapes = [
        (
            "neovim 0.7",
            json!({"resourceOperations": ["rename", "create", "delete"]}),
        ),
        ("eglot 1.9", json!({"documentChanges": true})),
        ("bare", json!({})),
    ];
    for (client, workspace_edit) in shapes {
        let (_dir, root) = sample_vault();
        let mut caps = caps(&["utf-16"], false);
        caps["workspace"]["workspaceEdit"] = workspace_edit;
        let moves = client == "neovim 0.7";
        let mut lsp = Lsp::start(&root, caps);
        lsp.wait_indexed();
        let (uri, text) = lsp.open(&root, MEETING);
        let at = pos16(&text, "[[Tomer Hagay]], [[Jeff", 4);
        let edit = lsp.request(
            "textDocument/rename",
            json!({"textDocument": {"uri": uri}, "position": at, "newName": "Tomer Hagay-Cohen"}),
        );
        let result = &edit["result"];
        assert!(result.is_object(), "{client}: {edit}");
        // Every link is rewritten, in the form the client takes.
        let meeting_edits: Vec<Value> = match result["documentChanges"].as_array() {
            Some(ops) => {
                assert!(moves || client == "eglot 1.9", "{client}: {result}");
                let renames = ops.iter().filter(|o| o["kind"] == "rename").count();
                assert_eq!(renames, usize::from(moves), "{client}: {result}");
                ops.iter()
                    .filter(|o| o["textDocument"]["uri"] == uri)
                    .flat_map(|o| o["edits"].as_array().unwrap().clone())
                    .collect()
            }
            None => result["changes"][uri.as_str()]
                .as_array()
                .unwrap_or_else(|| panic!("{client}: {result}"))
                .clone(),
        };
        assert_eq!(meeting_edits.len(), 4, "{client}: {result}");
        if !moves {
            let told = lsp.wait("a message saying which file to rename", |m| {
                m["method"] == "window/showMessage"
                    && m["params"]["message"]
                        .as_str()
                        .is_some_and(|t| t.contains("rename \"People/Tomer Hagay.md\""))
            });
            assert_eq!(told["params"]["type"], 2, "a warning: {told}");
        }

        // The create-note fix: a file operation where the client has one, else an edit of
        // the new file that the editor opens unsaved.
        let nordics = "Meetings/2025/2025-10-30 Nordics kickoff.md";
        let (uri, text) = lsp.open(&root, nordics);
        let at = pos16(&text, "[[Zoe]]", 3);
        let actions = lsp.code_actions_at(&uri, &at);
        let create = actions["result"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| {
                a["title"]
                    .as_str()
                    .unwrap()
                    .starts_with("Create note \"Zoe.md\"")
            })
            .unwrap_or_else(|| panic!("{client}: {actions}"))
            .clone();
        let zoe = self::uri(&root.join("Zoe.md"));
        if moves {
            assert_eq!(create["edit"]["documentChanges"][0]["kind"], "create");
        } else {
            let insert = &create["edit"]["changes"][zoe.as_str()][0];
            assert_eq!(insert["newText"], "# Zoe\n", "{client}: {create}");
            assert_eq!(
                create["title"], "Create note \"Zoe.md\" (save it to create the file)",
                "{client}"
            );
        }
        assert!(!root.join("Zoe.md").exists(), "the server creates nothing");
        lsp.shutdown();
    }
}

#[test]
fn quick_fixes_for_broken_links() {
    let (_dir, root) = sample_vault();
    let mut caps = caps(&["utf-16"], false);
    caps["workspace"]["workspaceEdit"] =
        json!({"documentChanges": true, "resourceOperations": ["create", "rename"]});
    let mut lsp = Lsp::start(&root, caps);
    lsp.wait_indexed();
    let nordics = "Meetings/2025/2025-10-30 Nordics kickoff.md";
    let (uri, text) = lsp.open(&root, nordics);
    let at = pos16(&text, "[[Zoe]]", 3);
    let actions = lsp.code_actions_at(&uri, &at);
    let actions = actions["result"].as_array().expect("actions");
    let titles: Vec<&str> = actions
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert!(
        titles.contains(&"Did you mean [[Zoë Åberg|Zoe]]?"),
        "{titles:?}"
    );
    let fix = actions
        .iter()
        .find(|a| a["title"] == "Did you mean [[Zoë Åberg|Zoe]]?")
        .unwrap();
    assert_eq!(
        fix["edit"]["changes"][uri.as_str()][0]["newText"],
        "Zoë Åberg|Zoe"
    );
    let create = actions
        .iter()
        .find(|a| a["title"] == "Create note \"Zoe.md\"")
        .expect("create action");
    let ops = create["edit"]["documentChanges"].as_array().unwrap();
    assert_eq!(ops[0]["kind"], "create");
    assert_eq!(ops[0]["uri"], self::uri(&root.join("Zoe.md")));
    assert!(
        !root.join("Zoe.md").exists(),
        "the server creates nothing itself"
    );
    lsp.shutdown();
}

/// A note named alone goes where Obsidian's "Default location for new notes" says, read from
/// `.obsidian/app.json` at the start and again when it changes.
#[test]
fn the_create_note_fix_follows_the_default_location_for_new_notes() {
    let (_dir, root) = sample_vault();
    let settings = root.join(".obsidian/app.json");
    std::fs::write(&settings, r#"{"newFileLocation": "current"}"#).unwrap();
    let mut lsp = Lsp::start(&root, caps(&["utf-16"], false));
    lsp.wait_indexed();
    let nordics = "Meetings/2025/2025-10-30 Nordics kickoff.md";
    let (uri, text) = lsp.open(&root, nordics);
    let at = pos16(&text, "[[Zoe]]", 3);
    let create_title = |lsp: &mut Lsp| -> String {
        let actions = lsp.code_actions_at(&uri, &at);
        actions["result"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["title"].as_str().unwrap().to_string())
            .find(|t| t.starts_with("Create note"))
            .unwrap_or_else(|| panic!("{actions}"))
    };
    assert_eq!(
        create_title(&mut lsp),
        "Create note \"Meetings/2025/Zoe.md\" (save it to create the file)"
    );
    std::fs::write(
        &settings,
        r#"{"newFileLocation": "folder", "newFileFolderPath": "Inbox"}"#,
    )
    .unwrap();
    lsp.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": self::uri(&settings), "type": 2}]}),
    );
    let wanted = "Create note \"Inbox/Zoe.md\" (save it to create the file)";
    let started = std::time::Instant::now();
    let mut title = create_title(&mut lsp);
    while title != wanted && started.elapsed() < std::time::Duration::from_secs(10) {
        std::thread::sleep(std::time::Duration::from_millis(50));
        title = create_title(&mut lsp);
    }
    assert_eq!(title, wanted);
    lsp.shutdown();
}

#[test]
fn folding_document_links_and_backlink_lens() {
    let (_dir, root) = sample_vault();
    let mut lsp = Lsp::start(&root, caps(&["utf-16"], false));
    lsp.wait_indexed();
    let (person, _) = lsp.open(&root, "People/Tomer Hagay.md");
    let folds = lsp.request(
        "textDocument/foldingRange",
        json!({"textDocument": {"uri": person}}),
    );
    let first = &folds["result"][0];
    assert_eq!(
        (first["startLine"].as_u64(), first["endLine"].as_u64()),
        (Some(0), Some(11)),
        "frontmatter: {folds}"
    );
    let lens = lsp.request(
        "textDocument/codeLens",
        json!({"textDocument": {"uri": person}}),
    );
    let title = lens["result"][0]["command"]["title"].as_str().unwrap();
    assert!(
        title.ends_with("notes") && title.contains("backlinks from"),
        "{title}"
    );
    let (home, _) = lsp.open(&root, "Home.md");
    let links = lsp.request(
        "textDocument/documentLink",
        json!({"textDocument": {"uri": home}}),
    );
    let targets: Vec<&str> = links["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["target"].as_str().unwrap())
        .collect();
    assert_eq!(
        targets,
        [
            self::uri(&root.join("Projects/Pricing.md")),
            self::uri(&root.join("Projects/Status.md"))
        ]
    );
    lsp.shutdown();
}

#[test]
fn renaming_a_tag_or_heading_needs_no_file_operations() {
    let (_dir, root) = sample_vault();
    // A client without resource operations: text edits still work (a note rename too:
    // `rename_and_create_work_with_what_each_client_can_do`).
    let mut lsp = Lsp::start(&root, caps(&["utf-16"], false));
    lsp.wait_indexed();
    let (uri, text) = lsp.open(&root, "People/Zoë Åberg.md");
    let at = pos16(&text, "#région/nordics 😀", 3);
    let prepared = lsp.request(
        "textDocument/prepareRename",
        json!({"textDocument": {"uri": uri}, "position": at}),
    );
    assert_eq!(prepared["result"]["placeholder"], "région/nordics");
    let edit = lsp.request(
        "textDocument/rename",
        json!({"textDocument": {"uri": uri}, "position": at, "newName": "region/nordics"}),
    );
    // No `documentChanges` from this client: a plain `changes` map.
    let changes = edit["result"]["changes"].as_object().expect("edits");
    let edits: Vec<&str> = changes
        .values()
        .flat_map(|c| c.as_array().unwrap())
        .map(|e| e["newText"].as_str().unwrap())
        .collect();
    // The frontmatter scalar "type/people, #région/nordics" and the inline tag.
    assert_eq!(edits, ["region/nordics", "region/nordics"], "{edit}");
    lsp.shutdown();
}

#[test]
fn unlinked_mentions_command() {
    let (_dir, root) = sample_vault();
    std::fs::write(
        root.join("Lunch.md"),
        "Lunch with Dana Levi and dana levi's team.\n",
    )
    .unwrap();
    let mut lsp = Lsp::start(&root, caps(&["utf-16"], false));
    lsp.wait_indexed();
    let dana = self::uri(&root.join("People/Dana Levi.md"));
    let found = lsp.request(
        "workspace/executeCommand",
        json!({"command": "vaultls.unlinkedMentions", "arguments": [dana]}),
    );
    let lunch = self::uri(&root.join("Lunch.md"));
    let in_lunch: Vec<&Value> = found["result"]
        .as_array()
        .expect("locations")
        .iter()
        .filter(|l| l["uri"] == lunch)
        .collect();
    assert_eq!(in_lunch.len(), 2, "{found}");
    assert_eq!(
        in_lunch[0]["range"]["start"],
        json!({"line": 0, "character": 11})
    );
    let bad = lsp.request(
        "workspace/executeCommand",
        json!({"command": "nope", "arguments": []}),
    );
    assert!(bad.get("error").is_some(), "{bad}");
    lsp.shutdown();
}

#[test]
fn semantic_tokens_tell_broken_links_apart() {
    let (_dir, root) = sample_vault();
    std::fs::write(root.join("Tokens.md"), "😀 [[Dana Levi]] [[Nobody]] #tag\n").unwrap();
    let mut lsp = Lsp::start(&root, caps(&["utf-16"], false));
    lsp.wait_indexed();
    let (uri, _) = lsp.open(&root, "Tokens.md");
    let tokens = lsp.request(
        "textDocument/semanticTokens/full",
        json!({"textDocument": {"uri": uri}}),
    );
    let data: Vec<u64> = tokens["result"]["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    // [deltaLine, deltaStart, length, type, modifiers] × 3 (Dana at 5 after the 2-unit emoji, Nobody 14 further, #tag 9 further), columns in UTF-16.
    assert_eq!(
        data,
        [0, 5, 9, 0, 0, 0, 14, 6, 0, 1, 0, 9, 4, 1, 0],
        "{tokens}"
    );
    lsp.shutdown();
}

#[test]
fn settings_from_the_client_and_a_bad_settings_file() {
    let (_dir, root) = sample_vault();
    std::fs::write(root.join(".vaultls.toml"), "[completion\nlink-style = 1\n").unwrap();
    let uri_root = self::uri(&root);
    let mut lsp = Lsp::spawn(json!({
        "processId": null,
        "rootUri": uri_root,
        "capabilities": caps(&["utf-16"], false),
        "initializationOptions": {"completion": {"link-style": "absolute"}},
    }));
    let toml_uri = self::uri(&root.join(".vaultls.toml"));
    let diags = lsp.diagnostics(&toml_uri, "a diagnostic on the bad settings file", |d| {
        !d.is_empty()
    });
    assert!(
        diags[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("invalid TOML"),
        "{diags:?}"
    );
    assert_eq!(diags[0]["range"]["start"]["line"], 0);
    lsp.wait_indexed();
    let (uri, text) = lsp.open(&root, MEETING);
    let end = pos16(&text, "# Weekly sync on the release train", 34);
    lsp.notify(
        "textDocument/didChange",
        json!({
            "textDocument": {"uri": uri, "version": 2},
            "contentChanges": [{"range": {"start": end, "end": end}, "text": " [[Dana L"}],
        }),
    );
    let mut at = end.clone();
    at["character"] = json!(34 + 9);
    let completion = lsp.completion(&uri, &at);
    assert_eq!(
        completion["result"]["items"][0]["textEdit"]["newText"], "People/Dana Levi]]",
        "{completion}"
    );
    lsp.shutdown();
}

/// The vault is the nearest folder holding `.obsidian/`: eglot names a vault without version
/// control by the note's own folder, and a client with no folder names none. Both get the
/// same answers as a client that names the vault.
#[test]
fn the_vault_is_found_above_the_folder_or_file_the_client_names() {
    let (_dir, root) = sample_vault();
    assert!(root.join(".obsidian").is_dir());
    let person = "People/Tomer Hagay.md";
    let answers = |lsp: &mut Lsp| -> (usize, Vec<Value>) {
        let (uri, text) = lsp.open(&root, person);
        let refs = lsp.request(
            "textDocument/references",
            json!({"textDocument": {"uri": uri}, "position": pos16(&text, "# Tomer", 3),
                   "context": {"includeDeclaration": false}}),
        );
        let diagnostics = lsp.diagnostics(&uri, "the note's findings", |d| !d.is_empty());
        (refs["result"].as_array().unwrap().len(), diagnostics)
    };
    let mut named = Lsp::start(&root, caps(&["utf-16"], false));
    named.wait_indexed();
    let expected = answers(&mut named);
    named.shutdown();
    assert!(expected.0 >= 5, "Tomer has backlinks: {expected:?}");

    let mut subfolder = Lsp::start(&root.join("People"), caps(&["utf-16"], false));
    subfolder.wait_indexed();
    assert_eq!(
        answers(&mut subfolder),
        expected,
        "workspace folder = People/"
    );
    subfolder.shutdown();

    let mut no_folder = Lsp::start_without_root(caps(&["utf-16"], false));
    let (uri, _) = no_folder.open(&root, person);
    no_folder.wait_indexed();
    no_folder.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": uri}}),
    );
    assert_eq!(answers(&mut no_folder), expected, "single-file mode");
    no_folder.shutdown();
}

/// Moving a folder in the editor's file tree (attachments and single notes: the fixtures of
/// `features::rename`): the server asked for both
/// (its filters cover folders and every file), and answers with the edits that keep every
/// link working, the moved notes' own relative links included.
#[test]
fn moving_a_folder_keeps_links_working() {
    let (_dir, root) = sample_vault();
    let mut lsp = Lsp::spawn_uninitialized();
    let init = lsp.request(
        "initialize",
        json!({"processId": null, "rootUri": uri(&root), "capabilities": caps(&["utf-16"], false)}),
    );
    let filters =
        init["result"]["capabilities"]["workspace"]["fileOperations"]["willRename"]["filters"]
            .as_array()
            .expect("willRename filters")
            .clone();
    let kinds: Vec<&str> = filters
        .iter()
        .map(|f| f["pattern"]["matches"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["file", "folder"], "{filters:?}");
    assert!(filters.iter().all(|f| f["pattern"]["glob"] == "**/*"));
    lsp.notify("initialized", json!({}));
    lsp.wait_indexed();

    let moved = lsp.request(
        "workspace/willRenameFiles",
        json!({"files": [{"oldUri": uri(&root.join("People")), "newUri": uri(&root.join("Team/People"))}]}),
    );
    let changes = moved["result"]["changes"].as_object().expect("changes");
    let home = uri(&root.join("Home.md"));
    let home_edits: Vec<&str> = changes[&home]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["newText"].as_str().unwrap())
        .collect();
    assert!(
        home_edits.iter().any(|t| t.starts_with("Team/People/")),
        "Home's folder-path links follow the folder: {home_edits:?}"
    );
    // Bare names still find the moved notes: no edit writes a bare name again.
    assert!(
        changes
            .values()
            .flat_map(|e| e.as_array().unwrap())
            .all(|e| e["newText"].as_str().unwrap().contains('/')),
        "{moved}"
    );
    lsp.shutdown();
}

/// Clients that pull findings (VS Code, Neovim 0.10+) get every note's, with result ids, and a
/// refresh when another note changes them; nothing is pushed to them.
#[test]
fn pulled_diagnostics_for_every_note_with_result_ids_and_refresh() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::write(root.join("A.md"), "# A\n\nSee [[Missing]].\n").unwrap();
    std::fs::write(root.join("B.md"), "# B\n\n[[C#Nope]] and [[A]]\n").unwrap();
    std::fs::write(root.join("C.md"), "# C\n\nFine.\n").unwrap();
    let mut pull = caps(&["utf-16"], false);
    pull["textDocument"] = json!({"diagnostic": {"dynamicRegistration": false}});
    pull["workspace"]["diagnostics"] = json!({"refreshSupport": true});
    let mut lsp = Lsp::spawn_uninitialized();
    let init = lsp.request(
        "initialize",
        json!({"processId": null, "rootUri": uri(&root), "capabilities": pull}),
    );
    let provider = &init["result"]["capabilities"]["diagnosticProvider"];
    assert_eq!(provider["workspaceDiagnostics"], true, "{init}");
    assert_eq!(provider["interFileDependencies"], true, "{init}");
    lsp.notify("initialized", json!({}));
    let (a, _) = lsp.open(&root, "A.md");
    let codes = |items: &Value| -> Vec<String> {
        items
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["code"].as_str().unwrap().to_string())
            .collect()
    };

    // One note, after the load: then `unchanged` for the same result id.
    let first = lsp.request(
        "textDocument/diagnostic",
        json!({"textDocument": {"uri": a}}),
    );
    assert_eq!(first["result"]["kind"], "full", "{first}");
    assert_eq!(codes(&first["result"]["items"]), ["broken-link"]);
    let id = first["result"]["resultId"].as_str().unwrap().to_string();
    let again = lsp.request(
        "textDocument/diagnostic",
        json!({"textDocument": {"uri": a}, "previousResultId": id}),
    );
    assert_eq!(again["result"]["kind"], "unchanged", "{again}");
    assert_eq!(again["result"]["resultId"], id.as_str());

    // Every note, closed ones too.
    let all = lsp.request("workspace/diagnostic", json!({"previousResultIds": []}));
    let items = all["result"]["items"].as_array().unwrap().clone();
    let report = |items: &[Value], name: &str| -> Value {
        items
            .iter()
            .find(|r| r["uri"].as_str().unwrap().ends_with(name))
            .unwrap_or_else(|| panic!("no report for {name}: {items:?}"))
            .clone()
    };
    assert_eq!(items.len(), 3, "{all}");
    assert_eq!(codes(&report(&items, "/B.md")["items"]), ["broken-heading"]);
    assert_eq!(codes(&report(&items, "/C.md")["items"]), [] as [String; 0]);
    assert_eq!(report(&items, "/A.md")["version"], 1);
    assert!(report(&items, "/C.md")["version"].is_null());

    // Another program writes the missing note, the heading, and a heading into A, which the
    // editor holds: the server asks the client to pull again; A and B's findings are gone,
    // C's are unchanged, and A is what the editor says.
    let refresh = |m: &Value| m["method"] == "workspace/diagnostic/refresh";
    lsp.drain();
    lsp.notifications.retain(|m| !refresh(m));
    std::fs::write(root.join("Missing.md"), "# Missing\n").unwrap();
    std::fs::write(root.join("C.md"), "# C\n\n## Nope\n").unwrap();
    std::fs::write(root.join("A.md"), "# A\n\n[[Gone]]\n").unwrap();
    let asked = std::time::Instant::now();
    while !lsp.notifications.iter().any(refresh) {
        assert!(asked.elapsed().as_secs() < 20, "no diagnostic refresh");
        std::thread::sleep(std::time::Duration::from_millis(20));
        lsp.drain();
    }
    let previous: Vec<Value> = items
        .iter()
        .map(|r| json!({"uri": r["uri"], "value": r["resultId"]}))
        .collect();
    let a_now = lsp.request(
        "textDocument/diagnostic",
        json!({"textDocument": {"uri": a}}),
    );
    assert_eq!(codes(&a_now["result"]["items"]), [] as [String; 0]);
    let all = lsp.request(
        "workspace/diagnostic",
        json!({"previousResultIds": previous}),
    );
    let items = all["result"]["items"].as_array().unwrap().clone();
    assert_eq!(report(&items, "/C.md")["kind"], "unchanged", "{all}");
    assert_eq!(report(&items, "/B.md")["kind"], "full", "{all}");
    assert_eq!(codes(&report(&items, "/B.md")["items"]), [] as [String; 0]);
    assert_eq!(report(&items, "/A.md")["kind"], "full", "{all}");
    assert!(
        report(&items, "/Missing.md")["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    // Nothing was pushed.
    assert_eq!(lsp.latest_diagnostics(&a), None);
    lsp.shutdown();
}

/// Extract the section under the cursor: a refactor that creates the note (where new notes
/// go) and rewrites this note (and links to what moved) in one edit.
#[test]
fn extract_a_section_to_a_new_note() {
    let (_dir, root) = sample_vault();
    let mut caps = caps(&["utf-16"], false);
    caps["workspace"]["workspaceEdit"] =
        json!({"documentChanges": true, "resourceOperations": ["create", "rename"]});
    let mut lsp = Lsp::start(&root, caps);
    lsp.wait_indexed();
    let (uri, text) = lsp.open(&root, MEETING);
    let at = pos16(&text, "## Decisions", 4);
    let actions = lsp.code_actions_at(&uri, &at);
    let extract = actions["result"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["kind"] == "refactor.extract")
        .unwrap_or_else(|| panic!("no extract action: {actions}"))
        .clone();
    assert!(
        extract["title"].as_str().unwrap().contains("\"Decisions\""),
        "{extract}"
    );
    let ops = extract["edit"]["documentChanges"].as_array().unwrap();
    // Obsidian's default location for new notes: the vault's root (the sample vault sets
    // none).
    let created = self::uri(&root.join("Decisions.md"));
    assert_eq!(ops[0]["kind"], "create", "{extract}");
    assert_eq!(ops[0]["uri"], created.as_str());
    assert!(
        ops[1]["edits"][0]["newText"]
            .as_str()
            .unwrap()
            .contains("Hotfixes ship every two weeks. ^hotfix-cadence"),
        "{extract}"
    );
    let here: Vec<&Value> = ops
        .iter()
        .filter(|o| o["textDocument"]["uri"] == uri)
        .flat_map(|o| o["edits"].as_array().unwrap())
        .collect();
    assert_eq!(here.len(), 1, "{extract}");
    assert_eq!(here[0]["newText"], "[[Decisions]]\n");
    assert_eq!(here[0]["range"]["start"]["line"], 19);
    // The file is not written by the server.
    assert!(!root.join("Meetings/2025/Decisions.md").exists());
    lsp.shutdown();
}

/// `[[^^words`: blocks of the whole vault; one with an id links to it, one without gets an id
/// added to its note by the item's command, through `workspace/applyEdit`.
#[test]
fn block_search_across_the_vault_adds_the_id_through_apply_edit() {
    let (_dir, root) = sample_vault();
    let mut lsp = Lsp::start(&root, caps(&["utf-16"], false));
    lsp.wait_indexed();
    let (uri, text) = lsp.open(&root, "Home.md");
    let lines = text.lines().count();
    let end = json!({"line": lines, "character": 0});
    let mut version = 1;
    let mut complete = |lsp: &mut Lsp, typed: &str| -> Value {
        version += 1;
        lsp.notify(
            "textDocument/didChange",
            json!({
                "textDocument": {"uri": uri, "version": version},
                "contentChanges": [{"range": {"start": end, "end": end}, "text": typed}],
            }),
        );
        let at = json!({"line": lines, "character": typed.encode_utf16().count()});
        let got = lsp.completion(&uri, &at);
        // Back to the text before, for the next query.
        version += 1;
        lsp.notify(
            "textDocument/didChange",
            json!({
                "textDocument": {"uri": uri, "version": version},
                "contentChanges": [{"range": {"start": end, "end": at}, "text": ""}],
            }),
        );
        got["result"]["items"].as_array().unwrap().clone().into()
    };
    // A block that has an id: linked by it, nothing to add.
    let found = complete(&mut lsp, "[[^^hotfixes ship");
    let items = found.as_array().unwrap();
    assert_eq!(items.len(), 1, "{found}");
    assert_eq!(
        items[0]["textEdit"]["newText"],
        "2025-11-07 - Weekly sync on the release train#^hotfix-cadence]]"
    );
    assert!(items[0]["command"].is_null(), "{found}");
    // One without: a new id, added by the command.
    let found = complete(&mut lsp, "[[^^release cadence HOTFIX");
    let items = found.as_array().unwrap();
    assert_eq!(items.len(), 1, "{found}");
    let new_text = items[0]["textEdit"]["newText"].as_str().unwrap();
    let id = new_text
        .strip_prefix("2025-11-07 - Weekly sync on the release train#^")
        .and_then(|t| t.strip_suffix("]]"))
        .unwrap_or_else(|| panic!("{found}"));
    let command = &items[0]["command"];
    assert_eq!(command["command"], "vaultls.addBlockId", "{found}");
    lsp.request(
        "workspace/executeCommand",
        json!({"command": "vaultls.addBlockId", "arguments": command["arguments"]}),
    );
    let apply = lsp.wait("workspace/applyEdit", |m| {
        m["method"] == "workspace/applyEdit"
    });
    let meeting = self::uri(&root.join(MEETING));
    let edits = apply["params"]["edit"]["changes"][meeting.as_str()]
        .as_array()
        .unwrap_or_else(|| panic!("{apply}"));
    assert_eq!(edits.len(), 1, "{apply}");
    assert_eq!(edits[0]["newText"], format!(" ^{id}"));
    let meeting_text = std::fs::read_to_string(root.join(MEETING)).unwrap();
    let line = meeting_text
        .lines()
        .position(|l| l.contains("Release cadence"))
        .unwrap();
    assert_eq!(edits[0]["range"]["start"]["line"], line, "{apply}");
    assert_eq!(
        edits[0]["range"]["start"]["character"],
        meeting_text
            .lines()
            .nth(line)
            .unwrap()
            .encode_utf16()
            .count()
    );
    // Too short a query lists nothing yet.
    let found = complete(&mut lsp, "[[^^r");
    assert!(found.as_array().unwrap().is_empty(), "{found}");
    lsp.shutdown();
}

/// Inlay hints after embeds, when the settings ask for them (off by default).
#[test]
fn embed_hints_only_when_asked_for() {
    for on in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::write(root.join("A.md"), "# A\n\nSee ![[B#^tiers]] here.\n").unwrap();
        std::fs::write(
            root.join("B.md"),
            "# B\n\n- Three tiers, one price ^tiers\n",
        )
        .unwrap();
        let mut lsp = Lsp::spawn(json!({
            "processId": null,
            "rootUri": uri(&root),
            "capabilities": caps(&["utf-16"], false),
            "initializationOptions": {"hints": {"embeds": on}},
        }));
        let (a, _) = lsp.open(&root, "A.md");
        let hints = lsp.request(
            "textDocument/inlayHint",
            json!({"textDocument": {"uri": a}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 3, "character": 0}}}),
        );
        let hints = hints["result"].as_array().unwrap().clone();
        if on {
            assert_eq!(hints.len(), 1, "{hints:?}");
            assert_eq!(hints[0]["label"], "Three tiers, one price");
            assert_eq!(hints[0]["position"], json!({"line": 2, "character": 17}));
        } else {
            assert!(hints.is_empty(), "{hints:?}");
        }
        lsp.shutdown();
    }
}

/// Waits for the server to log `line` (stderr is read on a thread of its own).
fn logged(lsp: &Lsp, line: &str) {
    let waited = std::time::Instant::now();
    while !lsp.log().contains(line) {
        assert!(
            waited.elapsed() < std::time::Duration::from_secs(20),
            "no `{line}` in the log:\n{}",
            lsp.log()
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

/// A restarted server takes its vault from the cache the first one left, answers as the
/// first did, and still sees what changed on disk in between (an edit of the same size).
#[test]
fn a_restarted_server_answers_from_its_cache_as_from_the_files() {
    let (_dir, root) = sample_vault();
    let cache = tempfile::tempdir().unwrap();
    let start = || {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_vaultls"));
        command
            .env("VAULTLS_CACHE_DIR", cache.path())
            .env("VAULTLS_LOG", "info");
        let mut lsp = Lsp::spawn_command(command);
        let folder = uri(&root);
        let init = lsp.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": folder,
                "workspaceFolders": [{"uri": folder, "name": "vault"}],
                "capabilities": caps(&["utf-16"], false),
            }),
        );
        assert!(init.get("result").is_some(), "{init}");
        lsp.notify("initialized", json!({}));
        lsp.wait_indexed();
        lsp
    };
    let person = root.join("People/Tomer Hagay.md");
    let person_text = std::fs::read_to_string(&person).unwrap();
    let ask = |lsp: &mut Lsp| {
        let references = lsp.request(
            "textDocument/references",
            json!({
                "textDocument": {"uri": uri(&person)},
                "position": pos16(&person_text, "# Tomer Hagay", 3),
                "context": {"includeDeclaration": false},
            }),
        );
        let symbols = lsp.request("workspace/symbol", json!({"query": "Tomer"}));
        (references["result"].clone(), symbols["result"].clone())
    };
    let cache_files = || std::fs::read_dir(cache.path()).map_or(0, |d| d.count());

    let mut first = start();
    let answers = ask(&mut first);
    assert!(
        answers.0.as_array().is_some_and(|r| r.len() >= 6),
        "{answers:?}"
    );
    // Written after the load, off the server's loop.
    let waited = std::time::Instant::now();
    while cache_files() == 0 && waited.elapsed() < std::time::Duration::from_secs(20) {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(cache_files(), 1, "one cache file, outside the vault");
    first.shutdown();

    let mut second = start();
    logged(&second, "16 notes read from the cache");
    assert_eq!(ask(&mut second), answers);
    second.shutdown();

    // Its one link to Tomer becomes one to "Tamer" (the same size): the cache must not hide
    // it.
    let edited = root.join("Customers/Acme Storage.md");
    let text = std::fs::read_to_string(&edited).unwrap();
    assert_eq!(text.matches("Tomer").count(), 1, "{text}");
    std::fs::write(&edited, text.replace("[[Tomer Hagay]]", "[[Tamer Hagay]]")).unwrap();
    let mut third = start();
    let (references, _) = ask(&mut third);
    let edited_uri = uri(&edited);
    let references = references.as_array().unwrap().clone();
    assert_eq!(references.len(), answers.0.as_array().unwrap().len() - 1);
    assert!(
        references.iter().all(|l| l["uri"] != edited_uri.as_str()),
        "{references:?}"
    );
    logged(&third, "15 notes read from the cache");
    third.shutdown();
}

#[test]
fn a_client_that_sorts_by_what_was_typed_keeps_the_order_given() {
    // Clients sort by their own score of the typed text against each item's filter text
    // before `sortText`, and filter a list they have by themselves unless it is incomplete.
    let (_dir, root) = sample_vault();
    let mut lsp = Lsp::start(&root, caps(&["utf-16"], false));
    lsp.wait_indexed();
    let uri = lsp.open_text(&root, "Scratch.md", "[[sta");
    let completion = lsp.completion(&uri, &json!({"line": 0, "character": 5}));
    let list = &completion["result"];
    // A short list, not cut: still asked for again at the next letter.
    assert_eq!(list["isIncomplete"], true, "{completion}");
    let items = list["items"].as_array().unwrap();
    assert!(items.len() >= 2 && items.len() < 100, "{completion}");
    for item in items {
        let filter = item.get("filterText").unwrap_or(&item["label"]);
        let filter = filter.as_str().unwrap();
        assert!(filter.starts_with("sta") && filter.len() > 3, "{item}");
    }
    lsp.shutdown();
}

#[test]
fn a_note_open_in_the_editor_is_offered_first_until_it_is_closed() {
    let (_dir, root) = sample_vault();
    let mut lsp = Lsp::start(&root, caps(&["utf-16"], false));
    lsp.wait_indexed();
    // A new note (not saved yet), whose link has nothing else to say which `Status` it means.
    let uri = lsp.open_text(&root, "Scratch.md", "[[Sta");
    // The folder of the first item.
    let first = |lsp: &mut Lsp| {
        let completion = lsp.completion(&uri, &json!({"line": 0, "character": 5}));
        let first = &completion["result"]["items"][0];
        assert_eq!(first["label"], "Status", "{completion}");
        first["detail"].as_str().unwrap().to_string()
    };
    let unopened = first(&mut lsp);
    let other = if unopened.starts_with("Archive/") {
        "Projects/Status.md"
    } else {
        "Archive/Status.md"
    };
    let (other_uri, _) = lsp.open(&root, other);
    let opened = first(&mut lsp);
    assert!(
        opened.starts_with(other.split('/').next().unwrap()),
        "{opened}"
    );
    lsp.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": other_uri}}),
    );
    assert_eq!(first(&mut lsp), unopened);
    lsp.shutdown();
}
