//! A deterministic generator of work vaults in the shape of real ones: people, meetings,
//! projects and transcripts folders; frontmatter with type, title, tags and aliases; headings
//! and block ids; every link form; about 8% links to notes that do not exist; a few hub people
//! notes that thousands of notes link to; non-ASCII and double-encoded text.
//!
//! The same seed and size always give the same files, byte for byte.

use std::fmt::Write as _;
use std::path::Path;

/// Bump when the output changes, so cached vaults are regenerated.
pub const VERSION: u32 = 1;

/// SplitMix64: small, fast, and good enough to shape test data.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const FIRST: &[&str] = &[
    "Tomer", "Jeff", "Dana", "Zoë", "Åsa", "Jason", "Eyal", "Karl", "Andy", "Shachar", "Noa",
    "Łukasz", "José", "Renée", "Ida", "Mía", "Søren", "Chloé", "Ngozi", "Hiroshi",
];
const LAST: &[&str] = &[
    "Hagay",
    "Denworth",
    "Levi",
    "Åberg",
    "Vallery",
    "Traitel",
    "Vietmeier",
    "Perlsteiner",
    "Feinblit",
    "Müller",
    "Núñez",
    "O’Brien",
    "Kowalski",
    "Tanaka",
    "Okafor",
];
const WORDS: &[&str] = &[
    "cloud",
    "pricing",
    "roadmap",
    "release",
    "train",
    "marketplace",
    "GCP",
    "Azure",
    "overage",
    "entitlement",
    "metering",
    "Polaris",
    "Tackle",
    "Salesforce",
    "field",
    "triage",
    "namespace",
    "lease",
    "hotfix",
    "onboarding",
    "hiring",
    "budget",
    "migration",
    "latency",
    "storage",
];
const MOJIBAKE: &[&str] = &["â€”", "â€™", "Â·", "ðŸ”¼", "âœ…"];
const SECTIONS: &[&str] = &[
    "Profile",
    "Recent Context",
    "Key Facts",
    "Decisions",
    "Open Tasks",
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    People,
    Meeting,
    Project,
    Transcript,
}

impl Kind {
    fn folder(self) -> &'static str {
        match self {
            Kind::People => "People",
            Kind::Meeting => "Meetings/2025",
            Kind::Project => "Projects",
            Kind::Transcript => "Sources/Transcripts/2025",
        }
    }

    fn type_name(self) -> &'static str {
        match self {
            Kind::People => "people",
            Kind::Meeting => "meeting",
            Kind::Project => "project",
            Kind::Transcript => "transcript",
        }
    }
}

struct NoteName {
    kind: Kind,
    name: String,
}

/// Writes a vault of `notes` notes (plus a few attachments) into `dir`; returns its size in
/// bytes.
pub fn generate(dir: &Path, notes: usize, seed: u64) -> std::io::Result<u64> {
    let mut rng = Rng::new(seed);
    let names: Vec<NoteName> = (0..notes)
        .map(|i| {
            let r = rng.below(100);
            let kind = match r {
                0..15 => Kind::People,
                15..60 => Kind::Meeting,
                60..70 => Kind::Project,
                _ => Kind::Transcript,
            };
            let name = match kind {
                Kind::People => format!("{} {} {i}", rng.pick(FIRST), rng.pick(LAST)),
                Kind::Meeting => format!(
                    "2025-{:02}-{:02} - {} {} sync {i}",
                    rng.below(12) + 1,
                    rng.below(28) + 1,
                    rng.pick(WORDS),
                    rng.pick(WORDS)
                ),
                Kind::Project => format!("{} {} {i}", rng.pick(WORDS), rng.pick(WORDS)),
                Kind::Transcript => format!(
                    "2025-10 - Jason and {} aligned on {}, {} and {} — part {i}",
                    rng.pick(FIRST),
                    rng.pick(WORDS),
                    rng.pick(WORDS),
                    rng.pick(WORDS)
                ),
            };
            NoteName { kind, name }
        })
        .collect();
    let hubs: Vec<usize> = (0..notes)
        .filter(|&i| names[i].kind == Kind::People)
        .take(20)
        .collect();
    let attachments = ["diagram.png", "roadmap.pdf", "logo.svg", "org chart.png"];
    std::fs::create_dir_all(dir.join("assets"))?;
    for a in attachments {
        std::fs::write(dir.join("assets").join(a), b"\x89PNG\r\n")?;
    }
    std::fs::create_dir_all(dir.join(".obsidian"))?;
    std::fs::write(dir.join(".obsidian/app.json"), "{}\n")?;
    let mut total = 0u64;
    let mut text = String::new();
    for (i, note) in names.iter().enumerate() {
        text.clear();
        write_note(&mut text, &mut rng, i, note, &names, &hubs, &attachments);
        let folder = dir.join(note.kind.folder());
        std::fs::create_dir_all(&folder)?;
        std::fs::write(folder.join(format!("{}.md", note.name)), &text)?;
        total += text.len() as u64;
    }
    Ok(total)
}

fn write_note(
    out: &mut String,
    rng: &mut Rng,
    index: usize,
    note: &NoteName,
    names: &[NoteName],
    hubs: &[usize],
    attachments: &[&str],
) {
    let kind = note.kind;
    let _ = write!(
        out,
        "---\ntype: {}\ntitle: \"{}\"\ncreated: '2026-01-{:02}'\ntags:\n- type/{}\n- generated\n",
        kind.type_name(),
        note.name,
        rng.below(28) + 1,
        kind.type_name()
    );
    if kind == Kind::People {
        let first = note.name.split(' ').next().unwrap_or("X");
        let _ = writeln!(
            out,
            "aliases: [\"{first} {index}\"]\nlast_contact: \"2025-11-07\""
        );
    }
    out.push_str("---\n\n");
    let _ = writeln!(out, "# {}\n", note.name);
    let target_len = 2200 + rng.below(4000);
    let mut line = 0;
    let mut section = 0;
    while out.len() < target_len {
        if line % 12 == 0 && section < SECTIONS.len() {
            // "Key Facts" sits under "Recent Context", for `#H1#H2` links.
            let marks = if SECTIONS[section] == "Key Facts" {
                "###"
            } else {
                "##"
            };
            let _ = writeln!(out, "\n{marks} {}\n", SECTIONS[section]);
            section += 1;
            if SECTIONS[section - 1] == "Open Tasks" {
                out.push_str("```tasks\nnot done\npath includes [[not a link]]\n```\n\n");
            }
        }
        line += 1;
        let words: Vec<&str> = (0..6 + rng.below(10)).map(|_| *rng.pick(WORDS)).collect();
        let _ = write!(
            out,
            "- 2025-11-{:02}: {} {} {}",
            rng.below(28) + 1,
            link(rng, names, hubs, attachments),
            rng.pick(MOJIBAKE),
            words.join(" ")
        );
        if rng.chance(30) {
            let _ = write!(out, " {}", link(rng, names, hubs, attachments));
        }
        if rng.chance(15) {
            let _ = write!(out, " #topic/{}", rng.pick(WORDS).to_lowercase());
        }
        if line % 5 == 0 {
            let _ = write!(out, " ^b{}", line / 5);
        }
        out.push('\n');
    }
}

/// One link in one of Obsidian's forms; about 8% point at notes that do not exist.
fn link(rng: &mut Rng, names: &[NoteName], hubs: &[usize], attachments: &[&str]) -> String {
    if rng.chance(8) {
        return format!("[[Missing {} {}]]", rng.pick(WORDS), rng.below(500));
    }
    let target = if !hubs.is_empty() && rng.chance(22) {
        &names[*rng.pick(hubs)]
    } else {
        &names[rng.below(names.len())]
    };
    let name = &target.name;
    let folder = target.kind.folder();
    let short: String = name.chars().take(20).collect();
    match rng.below(100) {
        0..45 => format!("[[{name}]]"),
        45..65 => format!("[[{folder}/{name}.md|{short}]]"),
        65..75 => format!("[[{name}#Profile]]"),
        75..80 => format!("[[{name}#Recent Context#Key Facts]]"),
        80..88 => format!(
            "[{short}]({}/{}.md)",
            folder.replace(' ', "%20"),
            name.replace(' ', "%20")
        ),
        88..95 => format!("![[{name}#^b1]]"),
        _ => format!("![[{}]]", rng.pick(attachments)),
    }
}
