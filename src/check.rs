//! `vaultls check`: every finding of a vault as text lines or one JSON object.

use rayon::prelude::*;
use serde::Serialize;

use crate::config::Config;
use crate::features::diagnostics::{Severity, configured, note_diagnostics};
use crate::syntax::{ColumnUnit, Columns};
use crate::vault::Vault;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

/// One finding with 1-based positions; columns count Unicode characters.
#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    pub path: String,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    pub severity: &'static str,
    pub code: &'static str,
    pub message: String,
    pub target: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub vault: String,
    pub notes: usize,
    pub files: usize,
    pub links: usize,
    pub diagnostics: Vec<Finding>,
    #[serde(skip)]
    pub has_problems: bool,
}

/// Computes the report; `vault_name` is how the vault is named in the output. Findings take
/// the severities `config` sets; those it turns off are left out.
pub fn report(vault: &Vault, vault_name: &str, config: &Config) -> Report {
    report_within(vault, vault_name, config, "")
}

/// [`report`] for the notes at or under the vault path `within` (a folder or a note; `""`
/// for the whole vault): links still resolve against the whole vault.
pub fn report_within(vault: &Vault, vault_name: &str, config: &Config, within: &str) -> Report {
    let inside = |path: &str| {
        within.is_empty()
            || path == within
            || path
                .strip_prefix(within)
                .is_some_and(|rest| rest.starts_with('/'))
    };
    let mut notes: Vec<_> = vault
        .notes()
        .filter(|(id, _)| inside(vault.path(*id)))
        .collect();
    notes.sort_by(|a, b| vault.path(a.0).cmp(vault.path(b.0)));
    let per_note: Vec<Vec<Finding>> = notes
        .par_iter()
        .map(|(id, note)| {
            let diagnostics = configured(config, note_diagnostics(vault, *id));
            if diagnostics.is_empty() {
                return Vec::new();
            }
            let columns = Columns::with_lines(&note.text, &note.lines, ColumnUnit::Char);
            diagnostics
                .into_iter()
                .map(|d| {
                    let start = columns.line_col(d.span.start as usize);
                    let end = columns.line_col(d.span.end as usize);
                    Finding {
                        path: vault.path(*id).to_string(),
                        line: start.line + 1,
                        column: start.col + 1,
                        end_line: end.line + 1,
                        end_column: end.col + 1,
                        severity: d.severity.as_str(),
                        code: d.code,
                        message: d.message,
                        target: d.target,
                    }
                })
                .collect()
        })
        .collect();
    let findings: Vec<Finding> = per_note.into_iter().flatten().collect();
    Report {
        vault: vault_name.to_string(),
        notes: notes.len(),
        files: if within.is_empty() {
            vault.file_count()
        } else {
            vault
                .files()
                .filter(|(id, _)| inside(vault.path(*id)))
                .count()
        },
        links: notes.iter().map(|(_, n)| n.syntax.links.len()).sum(),
        has_problems: findings.iter().any(|f| {
            f.severity == Severity::Error.as_str() || f.severity == Severity::Warning.as_str()
        }),
        diagnostics: findings,
    }
}

impl Report {
    /// Exit status: 0 when there is no warning or error, 1 otherwise.
    pub fn exit_code(&self) -> i32 {
        i32::from(self.has_problems)
    }

    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Json => {
                let mut s = serde_json::to_string_pretty(self).expect("report serializes");
                s.push('\n');
                s
            }
            Format::Text => {
                let mut out = String::new();
                let count = |sev: &str| {
                    self.diagnostics
                        .iter()
                        .filter(|d| d.severity == sev)
                        .count()
                };
                for d in &self.diagnostics {
                    out += &format!(
                        "{}:{}:{}: {}[{}]: {}\n",
                        d.path, d.line, d.column, d.severity, d.code, d.message
                    );
                }
                let n = |count: usize, one: &str| {
                    format!("{count} {one}{}", if count == 1 { "" } else { "s" })
                };
                out += &format!(
                    "{} ({}), {}: {} ({}, {}, {}, {})\n",
                    n(self.notes, "note"),
                    n(self.files, "file"),
                    n(self.links, "link"),
                    n(self.diagnostics.len(), "finding"),
                    n(count("error"), "error"),
                    n(count("warning"), "warning"),
                    n(count("info"), "info"),
                    n(count("hint"), "hint"),
                );
                out
            }
        }
    }
}
