//! `vaultls check` end to end on the bundled sample vault, against exact expected output.

mod support;

use std::process::{Command, Output};

use expect_test::expect_file;

fn vaultls(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vaultls"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run vaultls")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("utf-8 output")
}

#[test]
fn check_sample_vault_text() {
    let out = vaultls(&["check", "examples/vault"]);
    expect_file!["expected/check.txt"].assert_eq(&stdout(&out));
    assert_eq!(out.status.code(), Some(1), "warnings and errors exit 1");
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn check_sample_vault_json() {
    let out = vaultls(&["check", "examples/vault", "--format", "json"]);
    let text = stdout(&out);
    expect_file!["expected/check.json"].assert_eq(&text);
    let v: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    assert_eq!(v["notes"], 16);
    assert_eq!(out.status.code(), Some(1));
    // Same findings in both formats.
    let text_lines = stdout(&vaultls(&["check", "examples/vault"]))
        .lines()
        .count()
        - 1;
    assert_eq!(v["diagnostics"].as_array().unwrap().len(), text_lines);
}

#[test]
fn clean_vault_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("A.md"), "[[B]] [[B#H]] #tag\n").unwrap();
    std::fs::write(dir.path().join("B.md"), "# H\n[[A]]\n").unwrap();
    let out = vaultls(&["check", dir.path().to_str().unwrap(), "--format=text"]);
    assert_eq!(
        stdout(&out),
        "2 notes (2 files), 3 links: 0 findings (0 errors, 0 warnings, 0 infos, 0 hints)\n"
    );
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn hints_alone_exit_zero() {
    let dir = tempfile::tempdir().unwrap();
    for p in ["a", "b"] {
        std::fs::create_dir(dir.path().join(p)).unwrap();
        std::fs::write(dir.path().join(p).join("N.md"), "").unwrap();
    }
    std::fs::write(dir.path().join("Home.md"), "[[N]]\n").unwrap();
    let out = vaultls(&["check", dir.path().to_str().unwrap()]);
    assert!(
        stdout(&out).starts_with("Home.md:1:3: hint[ambiguous-link]"),
        "{}",
        stdout(&out)
    );
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn usage_errors_exit_two() {
    for args in [
        &["check", "no/such/vault"][..],
        &["check", "examples/vault", "--format", "xml"],
        &["check", "examples/vault", "--format"],
        &["check", "a", "b"],
        &["check", "--bogus"],
        &["frobnicate"],
        &["check", "Cargo.toml"],
    ] {
        let out = vaultls(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.starts_with("vaultls: "), "{args:?}: {err}");
    }
}

#[test]
fn unreadable_and_invalid_files_do_not_fail_the_load() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.md"), b"\xff\xfe [[Good]] \x00 binary").unwrap();
    std::fs::write(dir.path().join("Good.md"), "ok").unwrap();
    std::fs::create_dir(dir.path().join(".obsidian")).unwrap();
    std::fs::write(dir.path().join(".obsidian/ignored.md"), "[[Missing]]").unwrap();
    let out = vaultls(&["check", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(
        stdout(&out),
        "2 notes (2 files), 1 link: 0 findings (0 errors, 0 warnings, 0 infos, 0 hints)\n"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.md: not valid UTF-8"), "{err}");
}

#[test]
fn hostile_notes_are_checked_without_failing() {
    let dir = tempfile::tempdir().unwrap();
    let many: Vec<String> = (0..20_000).map(|i| format!("[[L{i}]]")).collect();
    std::fs::write(dir.path().join("many.md"), many.join(" ")).unwrap();
    std::fs::write(dir.path().join("brackets.md"), "[[".repeat(50_000)).unwrap();
    std::fs::write(
        dir.path().join("yaml.md"),
        format!("---\nx: {}\n---\n[[many]]\n", "[".repeat(50_000)),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("binary.md"),
        [0u8, 159, 146, 150, 255, 0, 10],
    )
    .unwrap();
    let out = vaultls(&["check", dir.path().to_str().unwrap(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    let findings = v["diagnostics"].as_array().unwrap();
    let broken = findings
        .iter()
        .filter(|d| d["code"] == "broken-link")
        .count();
    assert_eq!(broken, 20_000);
    let last = findings.iter().rfind(|d| d["path"] == "many.md").unwrap();
    assert_eq!(last["target"], "L19999");
    // Columns count characters along one long line.
    let expected_column = many[..19_999].iter().map(|l| l.len() + 1).sum::<usize>() + 3;
    assert_eq!(last["column"], expected_column);
    assert!(
        findings
            .iter()
            .any(|d| d["path"] == "yaml.md" && d["code"] == "frontmatter-yaml")
    );
}

#[test]
fn vault_settings_change_findings_and_ignore_folders() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("Templates")).unwrap();
    std::fs::create_dir_all(root.join(".obsidian")).unwrap();
    std::fs::write(root.join("Templates/Person.md"), "[[{{name}}]]\n").unwrap();
    std::fs::write(root.join("A.md"), "[[Missing]] VASTâ€™s\n").unwrap();
    std::fs::write(
        root.join(".obsidian/app.json"),
        r#"{"userIgnoreFilters": ["Templates/"]}"#,
    )
    .unwrap();
    std::fs::write(
        root.join(".vaultls.toml"),
        "[diagnostics]\nbroken-link = \"hint\"\nmojibake = \"off\"\nbogus = \"off\"\n",
    )
    .unwrap();
    let out = vaultls(&["check", root.to_str().unwrap()]);
    assert_eq!(
        stdout(&out),
        "A.md:1:3: hint[broken-link]: no note or file \"Missing\" in the vault\n\
         1 note (1 file), 1 link: 1 finding (0 errors, 0 warnings, 0 infos, 1 hint)\n"
    );
    assert_eq!(out.status.code(), Some(0), "a hint does not fail the check");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(".vaultls.toml:4:1: unknown finding `bogus`"),
        "{err}"
    );
}

/// `check` on a folder or note inside a vault reads the whole vault (links resolve as in
/// Obsidian) and reports only what is under the path.
#[test]
fn check_inside_the_vault_reports_that_part_against_the_whole_vault() {
    let whole = stdout(&vaultls(&["check", "examples/vault"]));
    let people = vaultls(&["check", "examples/vault/People"]);
    let expected: Vec<String> = whole
        .lines()
        .filter(|l| l.starts_with("People/"))
        .map(String::from)
        .collect();
    let got = stdout(&people);
    let (summary, findings) = got.trim_end().rsplit_once('\n').unwrap();
    assert_eq!(summary.lines().collect::<Vec<_>>(), expected);
    assert!(findings.starts_with("4 notes (4 files)"), "{findings}");
    assert!(
        String::from_utf8_lossy(&people.stderr).contains("is in the vault at"),
        "says which vault it checks"
    );
    let note = stdout(&vaultls(&["check", "examples/vault/People/Tomer Hagay.md"]));
    assert!(
        note.ends_with(
            "\n1 note (1 file), 15 links: 10 findings (0 errors, 4 warnings, 0 infos, 6 hints)\n"
        ),
        "{note}"
    );
}

#[test]
fn help_and_the_flags_clients_pass() {
    let help = vaultls(&["check", "--help"]);
    assert_eq!(help.status.code(), Some(0));
    assert!(stdout(&help).contains("vaultls check [PATH]"));
    // `--stdio` (and `lsp --stdio`) serve LSP: a clean session exits 0.
    for args in [&["--stdio"][..], &["lsp", "--stdio"]] {
        let mut command = Command::new(env!("CARGO_BIN_EXE_vaultls"));
        command.args(args);
        let mut lsp = support::Lsp::spawn_command(command);
        let init = lsp.request("initialize", serde_json::json!({"capabilities": {}}));
        assert!(
            init["result"]["capabilities"].is_object(),
            "{args:?}: {init}"
        );
        lsp.shutdown();
    }
}

#[test]
fn check_keeps_a_cache_outside_the_vault_and_answers_as_without_it() {
    let dir = tempfile::tempdir().unwrap();
    let vault = dir.path().join("vault");
    let cache = dir.path().join("cache");
    std::fs::create_dir_all(vault.join(".obsidian")).unwrap();
    std::fs::write(vault.join("a.md"), "[[b]] [[c]]\n").unwrap();
    std::fs::write(vault.join("b.md"), "# B\n").unwrap();
    let check = |extra: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_vaultls"))
            .arg("check")
            .arg(&vault)
            .args(extra)
            .env("VAULTLS_CACHE_DIR", &cache)
            .output()
            .expect("run vaultls");
        assert!(
            out.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        stdout(&out)
    };
    let files = || -> Vec<String> {
        std::fs::read_dir(&cache)
            .map(|d| {
                d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    let uncached = check(&["--no-cache"]);
    assert!(uncached.contains("\"c\""), "{uncached}");
    assert_eq!(files(), Vec::<String>::new(), "--no-cache writes no cache");
    assert_eq!(check(&[]), uncached);
    let written = files();
    assert!(
        written.len() == 1 && written[0].starts_with("vault-") && written[0].ends_with(".idx"),
        "{written:?}"
    );
    #[cfg(unix)]
    {
        // The owner's alone: the notes' paths are in it.
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode();
        assert_eq!(mode(&cache) & 0o777, 0o700);
        assert_eq!(mode(&cache.join(&written[0])) & 0o777, 0o600);
    }
    assert_eq!(check(&[]), uncached, "answered from the cache");
    // The same size, most likely the same modification time: the text is what is compared.
    std::fs::write(vault.join("a.md"), "[[b]] [[d]]\n").unwrap();
    let edited = check(&[]);
    assert!(
        edited.contains("\"d\"") && !edited.contains("\"c\""),
        "{edited}"
    );
    assert_eq!(edited, check(&["--no-cache"]));
    assert_eq!(files(), written, "one file per vault, replaced");
}

#[test]
fn a_reader_that_stops_early_ends_the_check_quietly() {
    // Enough findings that the report outgrows the pipe's buffer (64 KiB on Linux) long
    // before its end: a reader that closes after one line makes every later write fail.
    let dir = tempfile::tempdir().unwrap();
    let links: String = (0..40_000).map(|i| format!("[[missing {i}]]\n")).collect();
    std::fs::write(dir.path().join("many.md"), links).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_vaultls"))
        .args(["check", "--no-cache", dir.path().to_str().unwrap()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run vaultls");
    let mut first = String::new();
    let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
    std::io::BufRead::read_line(&mut out, &mut first).unwrap();
    assert!(
        first.starts_with("many.md:1:3: warning[broken-link]"),
        "{first}"
    );
    drop(out);
    let done = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&done.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.is_empty(), "no message for a reader gone: {stderr}");
    assert_eq!(done.status.code(), Some(2));
}
