//! The direct reader against saphyr: wherever it answers, it must answer what saphyr does.

use proptest::prelude::*;

use super::super::yaml_fields;
use super::fields;

/// Fields from the direct reader, checked against saphyr; `None` when the reader declined.
fn checked(yaml: &str) -> Option<String> {
    let direct = fields(yaml, 0)?;
    let saphyr = yaml_fields(yaml, 0, yaml.len());
    assert_eq!(Ok(&direct), saphyr.as_ref(), "{yaml:?}");
    Some(format!("{direct:?}"))
}

#[test]
fn typical_frontmatter_is_read_directly_and_as_saphyr_reads_it() {
    let typical = [
        "type: people\ntags: [people, team/core]\naliases:\n  - Tomer\n  - \"T. H.\"\n",
        "title: Q3 review\ndate: 2024-01-05\ncount: 007\nratio: 1.50\ndone: True\nnone: ~\n",
        "tags:\n- a\n- 'b c'\nempty:\nlist: []\nurl: https://example.com/a?b=c#d\n",
        "name: Élodie Müller\nnote: a, b, c\nplace: C#\n\n  \nlast: -5\n",
    ];
    for yaml in typical {
        assert!(checked(yaml).is_some(), "declined {yaml:?}");
    }
}

#[test]
fn unusual_yaml_goes_to_saphyr() {
    let unusual = [
        "a: b: c\n",
        "a: #comment\n",
        "a: x # comment\n",
        "a: |\n  text\n",
        "a:\n  b: c\n",
        "a: [x, [y]]\n",
        "a: {b: c}\n",
        "a: *x\n",
        "a: \"x\\ty\"\n",
        "a: 'it''s'\n",
        "a: one\n  two\n",
        "a: 1\na: 2\n",
        "a:\n  - x\n    y\n",
        "a:\n  - x\n   - y\n",
        "# comment\na: b\n",
        "a:\tb\n",
        "a: b\r\n",
        "- a\n",
        "key : v\n",
        "a: [x, ]\n",
    ];
    for yaml in unusual {
        assert_eq!(fields(yaml, 0), None, "{yaml:?}");
    }
}

fn piece(options: &'static [&'static str]) -> impl Strategy<Value = &'static str> {
    prop::sample::select(options)
}

const KEYS: &[&str] = &[
    "title", "type", "tags", "aliases", "a b", "1", "007", "true", "null", "~", "k:v", "x#", "-k",
    "é", "key ", " key", "_k", "1.0", "Title", "a-b", "tags", "a.b", "?k", "k]",
];

const SCALARS: &[&str] = &[
    "Tomer Hagay",
    "people",
    "2024-01-05",
    "007",
    "0x1F",
    "+12",
    "1.50",
    ".inf",
    "-.5",
    "true",
    "False",
    "null",
    "~",
    "",
    "a: b",
    "a:b",
    "C#",
    "a #b",
    "#tag",
    "\"quoted\"",
    "'single'",
    "\"a\\\"b\"",
    "'it''s'",
    "[a, b]",
    "[a,, b]",
    "[]",
    "[ ]",
    "[\"x\", y]",
    "{a: b}",
    "*alias",
    "&anchor x",
    "!tag x",
    "|",
    ">",
    "-x",
    "- x",
    "-",
    "---",
    "...",
    "a, b",
    "é ü",
    "a  b",
    "a ",
    " a",
    "@x",
    "`x`",
    "%x",
    "?x",
    ":x",
    "x:",
    "[a, [b]]",
    "[a: b]",
    "['a', \"b\"]",
    "inf",
    "NaN",
    "1e3",
    "0o17",
    "\"\"",
    "''",
    "[~, null, 1]",
    "\"a: b\"",
    "'# x'",
    "[a b, c]",
    "x]",
    "\u{a0}x",
    "Ünïcödé",
    "[é, 'ü']",
    "-1",
    "0.0",
    "1_000",
    "+.inf",
    ".NaN",
    "[ a , b ]",
];

const LINES: &[&str] = &[
    "{k}: {s}",
    "{k}: {s}",
    "{k}: {s}",
    "{k}:",
    "{k}:{s}",
    "  - {s}",
    "- {s}",
    "    - {s}",
    "",
    "  ",
    "# c",
    "  {s}",
    "{k}: {s}  ",
    "-{s}",
    "{k}:  {s}",
    "   - {s}",
];

fn line() -> impl Strategy<Value = String> {
    (piece(LINES), piece(KEYS), piece(SCALARS))
        .prop_map(|(line, k, s)| line.replace("{k}", k).replace("{s}", s))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn the_direct_reader_agrees_with_saphyr(
        lines in prop::collection::vec(line(), 0..8),
        newline_at_end in any::<bool>(),
    ) {
        let mut yaml = lines.join("\n");
        if newline_at_end {
            yaml.push('\n');
        }
        checked(&yaml);
    }
}

#[test]
fn the_sample_vault_reads_the_same_both_ways() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/vault");
    let mut stack = vec![root];
    let (mut notes, mut direct) = (0, 0);
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "md") {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                let Some(body) = text.strip_prefix("---\n") else {
                    continue;
                };
                let Some(end) = body.find("\n---") else {
                    continue;
                };
                notes += 1;
                direct += usize::from(checked(&body[..end + 1]).is_some());
            }
        }
    }
    assert!(notes >= 5, "{notes} notes with frontmatter");
    assert!(
        direct * 2 >= notes,
        "only {direct} of {notes} read directly"
    );
}
