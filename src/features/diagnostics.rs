//! Findings for one note, computed from the store: broken links, headings and blocks,
//! ambiguous links, undefined references and footnotes, frontmatter errors.

use crate::config::Config;
pub use crate::config::Severity;
use crate::syntax::{Link, Span, Subpath, TextAt};
use crate::vault::subpath::{find_block, find_heading};
use crate::vault::{FileId, NameKind, Resolution, Vault};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub span: Span,
    pub severity: Severity,
    /// `broken-link`, `broken-heading`, `broken-block`, `ambiguous-link`, `frontmatter-yaml`,
    /// `link-too-long`, `unquoted-property-link`, `undefined-reference`, `undefined-footnote`,
    /// `mojibake`.
    pub code: &'static str,
    pub message: String,
    /// For link findings, the link's path part as written.
    pub target: Option<String>,
}

/// All findings for a note, in text order. Empty for attachments.
pub fn note_diagnostics(vault: &Vault, id: FileId) -> Vec<Diagnostic> {
    let Some(note) = vault.note(id) else {
        return Vec::new();
    };
    let mut out: Vec<Diagnostic> = note
        .syntax
        .errors
        .iter()
        .map(|e| Diagnostic {
            span: e.span,
            // A link over 64 KiB is valid Markdown, only not indexed; an unquoted property
            // link is valid YAML, only not a link.
            severity: match e.code {
                "link-too-long" | crate::syntax::UNQUOTED_PROPERTY_LINK => Severity::Warning,
                _ => Severity::Error,
            },
            code: e.code,
            message: e.message.clone(),
            target: None,
        })
        .collect();
    for (link, resolution) in note.syntax.links.iter().zip(note.resolved.iter()) {
        link_diagnostic(vault, id, note.src(), link, *resolution, &mut out);
    }
    for r in note.syntax.references.iter().filter(|r| !r.defined) {
        let label = note.src().at(r.label.range()).unwrap_or_default();
        out.push(Diagnostic {
            span: r.span,
            severity: Severity::Warning,
            code: if r.footnote {
                "undefined-footnote"
            } else {
                "undefined-reference"
            },
            message: if r.footnote {
                format!("no footnote [^{label}]: in this note")
            } else {
                format!("no link definition [{label}]: in this note")
            },
            target: None,
        });
    }
    for (span, written, repaired) in super::mojibake(vault, id) {
        out.push(Diagnostic {
            span,
            // A hint by default: text that reads oddly is not a broken link, and editors show
            // one sign per line (`[diagnostics] mojibake = "info"` raises it).
            severity: Severity::Hint,
            code: "mojibake",
            message: format!("double-encoded text: \"{written}\" should read \"{repaired}\""),
            target: None,
        });
    }
    out.sort_by_key(|d| (d.span.start, d.span.end));
    out
}

fn link_diagnostic(
    vault: &Vault,
    source: FileId,
    text: &(impl TextAt + ?Sized),
    link: &Link,
    resolution: Resolution,
    out: &mut Vec<Diagnostic>,
) {
    let written = text
        .at(link.target_span().range())
        .unwrap_or_default()
        .to_string();
    let mut push = |span, severity, code, message| {
        out.push(Diagnostic {
            span,
            severity,
            code,
            message,
            target: Some(written.clone()),
        })
    };
    let Some(target) = resolution.file() else {
        push(
            link.target_span(),
            Severity::Warning,
            "broken-link",
            broken_link_message(vault, &link.target(text)),
        );
        return;
    };
    if resolution.is_ambiguous() {
        let (_, all) = vault.resolve_link(source, text, link);
        let paths: Vec<&str> = all.iter().map(|&id| vault.path(id)).collect();
        push(
            link.target_span(),
            Severity::Hint,
            "ambiguous-link",
            format!(
                "\"{}\" matches {} files ({}); Obsidian opens {}. Write the folder to choose one.",
                link.target(text),
                paths.len(),
                paths.join(", "),
                vault.path(target)
            ),
        );
    }
    let (Some(subpath), Some(subpath_span)) = (link.subpath(text), link.subpath_span()) else {
        return;
    };
    // Subpaths of attachments (`#page=3`, `#icon`) are not checked.
    let Some(note) = vault.note(target) else {
        return;
    };
    let in_note = if target == source {
        "this note".to_string()
    } else {
        format!("\"{}\"", vault.path(target))
    };
    match subpath {
        Subpath::Heading(chain) => {
            if find_heading(note.src(), &note.syntax, &chain).is_none() {
                push(
                    subpath_span,
                    Severity::Warning,
                    "broken-heading",
                    format!("no heading \"{}\" in {in_note}", chain.join("#")),
                );
            }
        }
        Subpath::Block(id) => {
            if find_block(note.src(), &note.syntax, &id).is_none() {
                push(
                    subpath_span,
                    Severity::Warning,
                    "broken-block",
                    format!("no block \"^{id}\" in {in_note}"),
                );
            }
        }
    }
}

/// Findings with the severities `config` sets; those it turns off are dropped.
pub fn configured(config: &Config, diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    if config.diagnostics.is_empty() {
        return diagnostics;
    }
    diagnostics
        .into_iter()
        .filter_map(|mut d| match config.diagnostics.get(d.code) {
            Some(Some(severity)) => {
                d.severity = *severity;
                Some(d)
            }
            Some(None) => None,
            None => Some(d),
        })
        .collect()
}

fn broken_link_message(vault: &Vault, target: &str) -> String {
    let mut msg = format!("no note or file \"{target}\" in the vault");
    // Obsidian does not resolve a bare alias; say which note it names.
    let owners: Vec<&str> = vault
        .notes_named(target)
        .iter()
        .filter(|(_, kind)| *kind != NameKind::FileStem)
        .map(|(id, _)| crate::vault::path::stem(vault.path(*id)))
        .collect();
    if let Some(owner) = owners.first() {
        msg += &format!(
            "; \"{target}\" is a title or alias of [[{owner}]], write [[{owner}|{target}]]"
        );
    }
    msg
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::fixture::Fixture;

    /// A note held in pieces has the findings it has held whole; its mojibake, read from its
    /// file, only while the file is the text it was indexed from.
    #[test]
    fn a_note_held_in_pieces_has_the_same_findings() {
        let dir = tempfile::tempdir().unwrap();
        let text = "---\nbad: [unclosed\n---\n[[Missing]] VASTâ€™s [x][nope] [^gone]\n";
        std::fs::write(dir.path().join("Home.md"), text).unwrap();
        let load = |pieces| {
            let options = crate::vault::LoadOptions {
                pieces,
                ..Default::default()
            };
            crate::vault::Vault::load(dir.path(), &options).unwrap()
        };
        let (whole, held) = (load(false), load(true));
        let codes = |vault: &Vault| -> Vec<(&'static str, String)> {
            let id = vault.id("Home.md").unwrap();
            let found = note_diagnostics(vault, id);
            found.into_iter().map(|d| (d.code, d.message)).collect()
        };
        assert!(
            held.note(held.id("Home.md").unwrap())
                .unwrap()
                .text()
                .is_none()
        );
        assert_eq!(codes(&held), codes(&whole));
        assert_eq!(codes(&held).len(), 5, "{:?}", codes(&held));
        // Changed on disk, not yet told: the summary's findings stay, the prose's wait.
        std::fs::write(dir.path().join("Home.md"), text.replace("VAST", "Vast")).unwrap();
        let left: Vec<_> = codes(&held).into_iter().map(|(code, _)| code).collect();
        assert!(!left.contains(&"mojibake") && left.len() == 4, "{left:?}");
    }

    #[test]
    fn every_code_emitted_is_one_settings_can_name() {
        let long_link = format!("[[{}]]", "a".repeat(70_000));
        let f = Fixture::parse(&format!(
            "//- A/Same.md\n//- B/Same.md\n//- Target.md\n# Top\n\
             //- Props.md\n---\nup: [[Target]]\n---\n\
             //- Home.md\n---\nbad: [unclosed\n---\n$0[[Missing]] [[Same]] [[Target#Nowhere]] \
             [[Target#^noblock]] VASTâ€™s plan [x][nope] [^gone] {long_link}\n"
        ));
        let props = f.vault.id("Props.md").unwrap();
        let mut codes: Vec<&str> = note_diagnostics(&f.vault, f.file)
            .iter()
            .chain(&note_diagnostics(&f.vault, props))
            .map(|d| d.code)
            .collect();
        codes.sort_unstable();
        codes.dedup();
        let mut known = crate::config::CODES.to_vec();
        known.sort_unstable();
        assert_eq!(
            codes, known,
            "each code once here, and CODES lists them all"
        );
    }

    #[test]
    fn settings_change_severities_and_turn_findings_off() {
        let f = Fixture::parse("//- Home.md\n$0[[Missing]] [[Other]]\n");
        let mut config = Config::default();
        config.apply_json(&serde_json::json!({"diagnostics": {"broken-link": "off"}}));
        assert!(configured(&config, note_diagnostics(&f.vault, f.file)).is_empty());
        config.apply_json(&serde_json::json!({"diagnostics": {"broken-link": "error"}}));
        let found = configured(&config, note_diagnostics(&f.vault, f.file));
        assert_eq!(found.len(), 2);
        assert!(found.iter().all(|d| d.severity == Severity::Error));
    }
}

#[cfg(test)]
mod property_link_tests {
    use super::*;
    use crate::features::fixture::Fixture;

    #[test]
    fn property_links_resolve_and_are_checked() {
        let f = Fixture::parse(
            "//- People/Jeff Denworth.md\n# Jeff\n//- Home.md\n---\nattendees: [\"[[Jeff Denworth]]\", \"[[Nobody]]\"]\n---\n$0\n",
        );
        let found: Vec<String> = note_diagnostics(&f.vault, f.file)
            .iter()
            .map(|d| {
                format!(
                    "{} {}",
                    d.code,
                    f.render(crate::features::Location {
                        file: f.file,
                        span: d.span
                    })
                )
            })
            .collect();
        assert_eq!(found, ["broken-link Home.md:2:37-2:43 \"Nobody\""]);
        let jeff = f.vault.id("People/Jeff Denworth.md").unwrap();
        assert_eq!(
            f.vault.linking_notes(jeff),
            1,
            "the property link is a backlink"
        );
    }
}
