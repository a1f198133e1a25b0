//! What users tune, per vault: `.obsidian/app.json` (the vault's own link settings) first,
//! then `.vaultls.toml` at the vault root, then the client's `initializationOptions`.
//!
//! ```toml
//! [diagnostics]
//! broken-link = "warning"   # error | warning | info | hint | off, for any finding code
//! mojibake = "off"
//!
//! [completion]
//! link-style = "shortest"   # shortest | relative | absolute
//! markdown-links = false     # [Name](Name.md) instead of [[Name]]
//!
//! [vault]
//! ignore = ["Archive/2019"]   # folders left out of the vault
//! templates = "Templates"      # Templates/people.md fills new notes of type people
//!
//! [hints]
//! embeds = true               # show an embedded block's first line after ![[Note#^id]]
//! ```
//!
//! A bad file never stops vaultls: the problem is reported (with its position) and the
//! defaults stay.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

pub const CONFIG_FILE: &str = ".vaultls.toml";

/// The finding codes a `[diagnostics]` table may name: every code vaultls emits (a test in
/// `features::diagnostics` checks it).
pub const CODES: &[&str] = &[
    "broken-link",
    "broken-heading",
    "broken-block",
    "ambiguous-link",
    "frontmatter-yaml",
    "link-too-long",
    "unquoted-property-link",
    "undefined-reference",
    "undefined-footnote",
    "mojibake",
];

/// How serious a finding is; `[diagnostics]` can change it per code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
    Info,
    Hint,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
            Severity::Hint => "hint",
        }
    }
}

/// How completion writes links (Obsidian's "New link format").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LinkStyle {
    /// The bare name when unambiguous, else as many folders as needed.
    #[default]
    Shortest,
    /// Relative to the linking note (`../People/Name`).
    Relative,
    /// The full vault path (`People/Name`).
    Absolute,
}

/// How completion writes a new link: the path style, and wikilink or Markdown link.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LinkFormat {
    pub style: LinkStyle,
    /// `[Name](Folder/Name.md)` instead of `[[Name]]` (Obsidian's "Use [[Wikilinks]]" off).
    pub markdown: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Config {
    /// Per finding code: a new severity, or `None` to turn it off.
    pub diagnostics: BTreeMap<String, Option<Severity>>,
    pub link_style: LinkStyle,
    /// Whether completion writes Markdown links instead of wikilinks.
    pub markdown_links: bool,
    /// Vault folders (vault-relative, `/`-separated) whose files are left out.
    pub ignore: Vec<String>,
    /// The folder of note templates (`Templates/people.md` for new `people` notes).
    pub templates: Option<String>,
    /// Obsidian's daily notes (`.obsidian/daily-notes.json`).
    pub daily: DailyNotes,
    /// Inlay hints after embeds of a block or heading: its first line. Off unless asked for.
    pub embed_hints: bool,
    /// Where a new note goes when its link names no folder.
    pub new_notes: NewNotes,
}

/// Obsidian's "Default location for new notes" (`newFileLocation` and `newFileFolderPath` in
/// `.obsidian/app.json`): where a note created from a link that names no folder goes. A link
/// with a folder path (`[[Projects/Idea]]`) creates the note there whatever this says
/// (Obsidian's help, Settings → Files and links, and Internal links).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum NewNotes {
    /// The vault's root folder (Obsidian's default).
    #[default]
    Root,
    /// The folder of the note the link is in.
    Current,
    /// This folder, vault-relative and normalized (no `.`, `..` or slashes at either end).
    Folder(String),
}

impl NewNotes {
    /// The folder a new note goes into, written from the note at `current`.
    pub fn folder<'a>(&'a self, current: &'a str) -> &'a str {
        match self {
            NewNotes::Root => "",
            NewNotes::Current => crate::vault::path::parent(current),
            NewNotes::Folder(folder) => folder,
        }
    }
}

/// The settings of Obsidian's daily notes core plugin: where a day's note goes, its name (a
/// moment.js format) and the note it starts from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DailyNotes {
    /// Vault-relative, without slashes at either end; `""` for the vault's root.
    pub folder: String,
    pub format: String,
    /// The template note's path (without `.md`), if any.
    pub template: Option<String>,
}

impl Default for DailyNotes {
    /// Obsidian's defaults.
    fn default() -> DailyNotes {
        DailyNotes {
            folder: String::new(),
            format: "YYYY-MM-DD".to_string(),
            template: None,
        }
    }
}

impl DailyNotes {
    /// Obsidian's `daily-notes.json`; what is missing, empty or unreadable keeps its default.
    pub fn from_obsidian(json: &str) -> DailyNotes {
        let mut daily = DailyNotes::default();
        let Ok(value) = serde_json::from_str::<Value>(json) else {
            return daily;
        };
        let text = |key: &str| {
            value
                .get(key)
                .and_then(Value::as_str)
                .map(|v| v.trim().trim_matches('/').trim())
                .filter(|v| !v.is_empty())
                .map(String::from)
        };
        if let Some(folder) = text("folder") {
            daily.folder = folder;
        }
        if let Some(format) = text("format") {
            daily.format = format;
        }
        daily.template =
            text("template").map(|t| t.strip_suffix(".md").map_or(t.clone(), String::from));
        daily
    }
}

/// A problem in a configuration source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigProblem {
    /// `.vaultls.toml`, `.obsidian/app.json` or `initializationOptions`.
    pub source: String,
    /// Where in the file, as a byte offset, when known; [`ConfigProblem::line_col`] turns it
    /// into a line and column in any unit.
    pub at: Option<usize>,
    pub message: String,
}

impl Config {
    /// The configuration of the vault at `root`, and what was wrong with its files.
    pub fn load(root: &Path) -> (Config, Vec<ConfigProblem>) {
        let mut config = Config::default();
        let mut problems = Vec::new();
        if let Ok(text) = std::fs::read_to_string(root.join(".obsidian/app.json")) {
            config.apply_obsidian(&text);
        }
        if let Ok(text) = std::fs::read_to_string(root.join(".obsidian/daily-notes.json")) {
            config.daily = DailyNotes::from_obsidian(&text);
        }
        if let Ok(text) = std::fs::read_to_string(root.join(CONFIG_FILE)) {
            problems.extend(config.apply_toml(&text));
        }
        (config, problems)
    }

    /// Obsidian's own settings: `newLinkFormat`, `useMarkdownLinks`, `userIgnoreFilters` and
    /// the default location for new notes. Obsidian writes this file; anything unreadable in
    /// it is ignored.
    pub fn apply_obsidian(&mut self, json: &str) {
        let Ok(value) = serde_json::from_str::<Value>(json) else {
            return;
        };
        match value.get("newLinkFormat").and_then(Value::as_str) {
            Some("relative") => self.link_style = LinkStyle::Relative,
            Some("absolute") => self.link_style = LinkStyle::Absolute,
            Some("shortest") => self.link_style = LinkStyle::Shortest,
            _ => {}
        }
        if let Some(markdown) = value.get("useMarkdownLinks").and_then(Value::as_bool) {
            self.markdown_links = markdown;
        }
        // Normalized; an empty folder, or one that leaves the vault, is the root.
        let folder = value
            .get("newFileFolderPath")
            .and_then(Value::as_str)
            .and_then(|f| crate::vault::path::join_normalized("", f.trim()));
        self.new_notes = match value.get("newFileLocation").and_then(Value::as_str) {
            Some("current") => NewNotes::Current,
            Some("folder") => folder.map_or(NewNotes::Root, NewNotes::Folder),
            _ => NewNotes::Root,
        };
        if let Some(filters) = value.get("userIgnoreFilters").and_then(Value::as_array) {
            for f in filters.iter().filter_map(Value::as_str) {
                let folder = f.trim().trim_matches('/');
                if !folder.is_empty() && !self.ignore.iter().any(|i| i == folder) {
                    self.ignore.push(folder.to_string());
                }
            }
        }
    }

    /// `.vaultls.toml`; returns its problems (the valid parts still apply).
    pub fn apply_toml(&mut self, text: &str) -> Vec<ConfigProblem> {
        let problem = |at, message: String| ConfigProblem {
            source: CONFIG_FILE.to_string(),
            at,
            message,
        };
        let table: toml::Table = match text.parse() {
            Ok(t) => t,
            Err(err) => {
                let position = err.span().map(|span| span.start);
                return vec![problem(
                    position,
                    format!("invalid TOML: {}", err.message()),
                )];
            }
        };
        let value = serde_json::to_value(&table).unwrap_or(Value::Null);
        self.apply_json(&value)
            .into_iter()
            .map(|message| {
                // Point at the key the message names, when it can be found.
                let key = message.split('`').nth(1).unwrap_or("");
                let at = (!key.is_empty()).then(|| text.find(key)).flatten();
                problem(at, message)
            })
            .collect()
    }

    /// The same settings as JSON (from `initializationOptions`); returns problem messages.
    pub fn apply_json(&mut self, value: &Value) -> Vec<String> {
        let mut problems = Vec::new();
        let Some(top) = value.as_object() else {
            if !value.is_null() {
                problems.push("settings must be a table of sections".to_string());
            }
            return problems;
        };
        for (section, body) in top {
            match section.as_str() {
                "diagnostics" => {
                    let Some(body) = body.as_object() else {
                        problems.push("`diagnostics` must be a table".into());
                        continue;
                    };
                    for (code, level) in body {
                        if !CODES.contains(&code.as_str()) {
                            problems.push(format!(
                                "unknown finding `{code}`; known: {}",
                                CODES.join(", ")
                            ));
                            continue;
                        }
                        let severity = match level.as_str() {
                            Some("error") => Some(Severity::Error),
                            Some("warning") => Some(Severity::Warning),
                            Some("info") => Some(Severity::Info),
                            Some("hint") => Some(Severity::Hint),
                            Some("off") => None,
                            _ => {
                                problems.push(format!(
                                    "`{code}` must be \"error\", \"warning\", \"info\", \"hint\" or \"off\""
                                ));
                                continue;
                            }
                        };
                        self.diagnostics.insert(code.clone(), severity);
                    }
                }
                "completion" => {
                    let Some(body) = body.as_object() else {
                        problems.push("`completion` must be a table".into());
                        continue;
                    };
                    for (key, v) in body {
                        match (key.as_str(), v.as_str()) {
                            ("link-style", Some("shortest")) => {
                                self.link_style = LinkStyle::Shortest
                            }
                            ("link-style", Some("relative")) => {
                                self.link_style = LinkStyle::Relative
                            }
                            ("link-style", Some("absolute")) => {
                                self.link_style = LinkStyle::Absolute
                            }
                            ("markdown-links", _) => match v.as_bool() {
                                Some(b) => self.markdown_links = b,
                                None => {
                                    problems.push("`markdown-links` must be true or false".into())
                                }
                            },
                            ("link-style", _) => problems.push(
                                "`link-style` must be \"shortest\", \"relative\" or \"absolute\""
                                    .into(),
                            ),
                            _ => problems.push(format!("unknown setting `{key}` in [completion]")),
                        }
                    }
                }
                "hints" => {
                    let Some(body) = body.as_object() else {
                        problems.push("`hints` must be a table".into());
                        continue;
                    };
                    for (key, v) in body {
                        match (key.as_str(), v.as_bool()) {
                            ("embeds", Some(b)) => self.embed_hints = b,
                            ("embeds", None) => {
                                problems.push("`embeds` must be true or false".into())
                            }
                            _ => problems.push(format!("unknown setting `{key}` in [hints]")),
                        }
                    }
                }
                "vault" => {
                    let Some(body) = body.as_object() else {
                        problems.push("`vault` must be a table".into());
                        continue;
                    };
                    for (key, v) in body {
                        match (key.as_str(), v.as_array()) {
                            ("ignore", Some(items)) => {
                                for item in items {
                                    match item.as_str().map(|s| s.trim().trim_matches('/')) {
                                        Some(f) if !f.is_empty() => {
                                            if !self.ignore.iter().any(|i| i == f) {
                                                self.ignore.push(f.to_string());
                                            }
                                        }
                                        _ => problems.push("`ignore` lists folder paths".into()),
                                    }
                                }
                            }
                            ("ignore", None) => {
                                problems.push("`ignore` must be a list of folders".into())
                            }
                            ("templates", _) => {
                                match v.as_str().map(|s| s.trim().trim_matches('/')) {
                                    Some(f) if !f.is_empty() => {
                                        self.templates = Some(f.to_string())
                                    }
                                    _ => problems.push("`templates` must be a folder path".into()),
                                }
                            }
                            _ => problems.push(format!("unknown setting `{key}` in [vault]")),
                        }
                    }
                }
                other => problems.push(format!(
                    "unknown section `{other}`; known: diagnostics, completion, hints, vault"
                )),
            }
        }
        problems
    }

    pub fn link_format(&self) -> LinkFormat {
        LinkFormat {
            style: self.link_style,
            markdown: self.markdown_links,
        }
    }

    /// Whether a vault path lies in an ignored folder.
    pub fn ignores(&self, path: &str) -> bool {
        self.ignore
            .iter()
            .any(|folder| crate::vault::path::is_within(path, folder))
    }
}

impl ConfigProblem {
    /// Where the problem is in `text` (the file it came from), in `unit`s.
    pub fn line_col(
        &self,
        text: &str,
        unit: crate::syntax::ColumnUnit,
    ) -> Option<crate::syntax::LineCol> {
        Some(crate::syntax::Columns::new(text, unit).line_col(self.at?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_settings_apply() {
        let mut c = Config::default();
        let problems = c.apply_toml(
            "[diagnostics]\nbroken-link = \"off\"\nmojibake = \"warning\"\n\n[completion]\nlink-style = \"absolute\"\n\n[vault]\nignore = [\"Templates\", \"/Archive/\"]\n",
        );
        assert_eq!(problems, vec![]);
        assert_eq!(c.diagnostics.get("broken-link"), Some(&None));
        assert_eq!(
            c.diagnostics.get("mojibake"),
            Some(&Some(Severity::Warning))
        );
        assert_eq!(c.link_style, LinkStyle::Absolute);
        assert!(c.ignores("Templates/Person.md"));
        assert!(c.ignores("Archive"));
        assert!(!c.ignores("TemplatesX/a.md"));
    }

    #[test]
    fn problems_are_reported_and_the_rest_applies() {
        use crate::syntax::ColumnUnit;
        let mut c = Config::default();
        let text = "[diagnostics]\nbroken-lnk = \"off\"\nmojibake = \"loud\"\n[completion]\nlink-style = \"relative\"\n";
        let problems = c.apply_toml(text);
        let messages: Vec<(Option<(u32, u32)>, &str)> = problems
            .iter()
            .map(|p| {
                (
                    p.line_col(text, ColumnUnit::Char)
                        .map(|lc| (lc.line, lc.col)),
                    p.message.as_str(),
                )
            })
            .collect();
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert_eq!(messages[0].0, Some((1, 0)));
        assert!(messages[0].1.starts_with("unknown finding `broken-lnk`"));
        assert_eq!(messages[1].0, Some((2, 0)));
        assert_eq!(c.link_style, LinkStyle::Relative);
        let bad = Config::default()
            .clone()
            .apply_toml("[diagnostics\nx = 1\n");
        assert_eq!(bad.len(), 1);
        assert!(bad[0].message.starts_with("invalid TOML"), "{bad:?}");
        assert!(bad[0].at.is_some(), "{bad:?}");
        // Columns in the client's unit: `😀` is 2 UTF-16 units, 1 character.
        let text = "a = \"😀\" b\n";
        let p = &Config::default().apply_toml(text)[0];
        let col = |unit| p.line_col(text, unit).map(|lc| lc.col).unwrap();
        assert_eq!(col(ColumnUnit::Utf16), col(ColumnUnit::Char) + 1, "{p:?}");
        assert_eq!(col(ColumnUnit::Utf8), col(ColumnUnit::Char) + 3, "{p:?}");
    }

    #[test]
    fn daily_notes_settings() {
        let daily = DailyNotes::from_obsidian(
            r#"{"folder": "/Journal/Daily/", "format": "YYYY/MM/YYYY-MM-DD", "template": "Templates/Day.md"}"#,
        );
        assert_eq!(daily.folder, "Journal/Daily");
        assert_eq!(daily.format, "YYYY/MM/YYYY-MM-DD");
        assert_eq!(daily.template.as_deref(), Some("Templates/Day"));
        // Obsidian writes empty strings for the defaults.
        let daily = DailyNotes::from_obsidian(r#"{"folder": "", "format": "", "template": ""}"#);
        assert_eq!(daily, DailyNotes::default());
        assert_eq!(DailyNotes::from_obsidian("{"), DailyNotes::default());
    }

    #[test]
    fn obsidian_settings() {
        let mut c = Config::default();
        c.apply_obsidian(r#"{"newLinkFormat": "relative", "userIgnoreFilters": ["Templates/"]}"#);
        assert_eq!(c.link_style, LinkStyle::Relative);
        assert!(c.ignores("Templates/x.md"));
        c.apply_obsidian("not json");
        assert_eq!(c.new_notes, NewNotes::Root);
        let new_notes = |json: &str| {
            let mut c = Config::default();
            c.apply_obsidian(json);
            c.new_notes
        };
        assert_eq!(
            new_notes(r#"{"newFileLocation": "current"}"#),
            NewNotes::Current
        );
        assert_eq!(
            new_notes(r#"{"newFileLocation": "folder", "newFileFolderPath": "/Inbox/ "}"#),
            NewNotes::Folder("Inbox".into())
        );
        assert_eq!(
            new_notes(r#"{"newFileLocation": "folder", "newFileFolderPath": ""}"#),
            NewNotes::Root
        );
        assert_eq!(
            new_notes(r#"{"newFileLocation": "folder", "newFileFolderPath": "a/./b/../c"}"#),
            NewNotes::Folder("a/c".into())
        );
        assert_eq!(
            new_notes(r#"{"newFileLocation": "folder", "newFileFolderPath": "../out"}"#),
            NewNotes::Root
        );
        assert_eq!(new_notes(r#"{"newFileLocation": "root"}"#), NewNotes::Root);
        assert_eq!(new_notes(r#"{"newFileLocation": 3}"#), NewNotes::Root);
    }
}
