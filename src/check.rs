//! `vaultls check`: every finding of a vault as text lines or one JSON object.

use std::io::{self, Write};

use rayon::prelude::*;
use serde::Serialize;

use crate::config::Config;
use crate::features::diagnostics::{configured, note_diagnostics};
use crate::syntax::ColumnUnit;
use crate::vault::path::is_within;
use crate::vault::{FileId, Vault};

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

/// What a report counted, once written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub notes: usize,
    pub files: usize,
    pub links: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    pub hints: usize,
}

impl Summary {
    pub fn findings(&self) -> usize {
        self.errors + self.warnings + self.infos + self.hints
    }

    /// Exit status: 0 when there is no warning or error, 1 otherwise.
    pub fn exit_code(&self) -> i32 {
        i32::from(self.errors + self.warnings > 0)
    }

    fn count(&mut self, severity: &str) {
        match severity {
            "error" => self.errors += 1,
            "warning" => self.warnings += 1,
            "info" => self.infos += 1,
            _ => self.hints += 1,
        }
    }
}

/// Notes whose findings are worked out together (in parallel) and written before the next
/// ones: the report is never whole in memory. A generated 50k-note vault has 1.3M findings,
/// which held whole took `check`'s peak from the load's 0.4 GB to 1.1 GB; batches of 1,024
/// notes (27k findings) still added 6-8 MB to it, batches of 64 add 1-2 (no slower).
const BATCH: usize = 64;

/// Writes the report of the notes at or under the vault path `within` (a folder or a note;
/// `""` for the whole vault) to `out`, findings in path order as they are worked out;
/// `vault_name` is how the vault is named in it. Findings take the severities `config` sets;
/// those it turns off are left out. Links still resolve against the whole vault.
pub fn write_report(
    vault: &Vault,
    vault_name: &str,
    config: &Config,
    within: &str,
    format: Format,
    out: &mut impl Write,
) -> io::Result<Summary> {
    let inside = |path: &str| within.is_empty() || is_within(path, within);
    // Ids alone, sorted in place (paths are unique: no stable sort's buffer): with the
    // notes beside them and a merge sort this list was 1.2 MB of `check`'s peak at 50k notes.
    let mut notes: Vec<FileId> = vault
        .notes()
        .map(|(id, _)| id)
        .filter(|id| inside(vault.path(*id)))
        .collect();
    notes.sort_unstable_by(|a, b| vault.path(*a).cmp(vault.path(*b)));
    let mut summary = Summary {
        notes: notes.len(),
        files: if within.is_empty() {
            vault.file_count()
        } else {
            vault
                .files()
                .filter(|(id, _)| inside(vault.path(*id)))
                .count()
        },
        links: notes
            .iter()
            .filter_map(|id| vault.note(*id))
            .map(|n| n.syntax.links.len())
            .sum(),
        ..Summary::default()
    };
    if format == Format::Json {
        // As serde_json's pretty printer writes the whole report (its fields in this order).
        write!(
            out,
            "{{\n  \"vault\": {},\n  \"notes\": {},\n  \"files\": {},\n  \"links\": {},\n  \
             \"diagnostics\": [",
            serde_json::to_string(vault_name).map_err(io::Error::other)?,
            summary.notes,
            summary.files,
            summary.links
        )?;
    }
    for batch in notes.chunks(BATCH) {
        let findings: Vec<Vec<Finding>> = batch
            .par_iter()
            .filter_map(|&id| Some(note_findings(vault, config, id, vault.note(id)?)))
            .collect();
        for finding in findings.iter().flatten() {
            let first = summary.findings() == 0;
            summary.count(finding.severity);
            match format {
                Format::Text => writeln!(
                    out,
                    "{}:{}:{}: {}[{}]: {}",
                    finding.path,
                    finding.line,
                    finding.column,
                    finding.severity,
                    finding.code,
                    finding.message
                )?,
                Format::Json => {
                    let pretty = serde_json::to_string_pretty(finding).map_err(io::Error::other)?;
                    out.write_all(if first { b"\n" } else { b",\n" })?;
                    for (i, line) in pretty.lines().enumerate() {
                        if i > 0 {
                            out.write_all(b"\n")?;
                        }
                        write!(out, "    {line}")?;
                    }
                }
            }
        }
    }
    match format {
        Format::Json if summary.findings() == 0 => out.write_all(b"]\n}\n")?,
        Format::Json => out.write_all(b"\n  ]\n}\n")?,
        Format::Text => {
            let n = |count: usize, one: &str| {
                format!("{count} {one}{}", if count == 1 { "" } else { "s" })
            };
            writeln!(
                out,
                "{} ({}), {}: {} ({}, {}, {}, {})",
                n(summary.notes, "note"),
                n(summary.files, "file"),
                n(summary.links, "link"),
                n(summary.findings(), "finding"),
                n(summary.errors, "error"),
                n(summary.warnings, "warning"),
                n(summary.infos, "info"),
                n(summary.hints, "hint"),
            )?;
        }
    }
    out.flush()?;
    Ok(summary)
}

/// The findings of one note, with positions, as [`write_report`] writes them.
pub fn note_findings(
    vault: &Vault,
    config: &Config,
    id: FileId,
    note: &crate::vault::Note,
) -> Vec<Finding> {
    let diagnostics = configured(config, note_diagnostics(vault, id));
    if diagnostics.is_empty() {
        return Vec::new();
    }
    let columns = note.columns(ColumnUnit::Char);
    diagnostics
        .into_iter()
        .map(|d| {
            let start = columns.line_col(d.span.start as usize);
            let end = columns.line_col(d.span.end as usize);
            Finding {
                path: vault.path(id).to_string(),
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
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vault(files: &[(&str, &str)]) -> Vault {
        Vault::from_files(
            "/v",
            files
                .iter()
                .map(|(p, t)| (p.to_string(), Some(t.to_string())))
                .collect(),
        )
    }

    fn written(vault: &Vault, format: Format) -> (String, Summary) {
        let mut out = Vec::new();
        let summary = write_report(vault, "v", &Config::default(), "", format, &mut out).unwrap();
        (String::from_utf8(out).unwrap(), summary)
    }

    #[test]
    fn the_json_report_is_written_as_serde_json_writes_it_whole() {
        for files in [
            &[
                ("a.md", "[[nowhere]] and [[b#Missing]]\n"),
                ("b.md", "# B\n"),
            ][..],
            &[("a.md", "[[b]]\n"), ("b.md", "")][..],
        ] {
            #[derive(Serialize)]
            struct Whole<'a> {
                vault: &'a str,
                notes: usize,
                files: usize,
                links: usize,
                diagnostics: Vec<Finding>,
            }
            let vault = vault(files);
            let (json, summary) = written(&vault, Format::Json);
            let mut notes: Vec<_> = vault.notes().collect();
            notes.sort_by(|a, b| vault.path(a.0).cmp(vault.path(b.0)));
            let whole = Whole {
                vault: "v",
                notes: 2,
                files: 2,
                links: notes.iter().map(|(_, n)| n.syntax.links.len()).sum(),
                diagnostics: notes
                    .iter()
                    .flat_map(|(id, n)| note_findings(&vault, &Config::default(), *id, n))
                    .collect(),
            };
            assert_eq!(json, serde_json::to_string_pretty(&whole).unwrap() + "\n");
            assert_eq!(whole.diagnostics.len(), summary.findings());
            // The first vault has findings, the second none (`"diagnostics": []`).
            assert_eq!(summary.findings() == 0, files[1].1.is_empty());
        }
    }

    #[test]
    fn a_reader_gone_is_an_error_not_a_panic() {
        struct Gone;
        impl Write for Gone {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::ErrorKind::BrokenPipe.into())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let vault = vault(&[("a.md", "[[nowhere]]\n")]);
        for format in [Format::Text, Format::Json] {
            let got = write_report(&vault, "v", &Config::default(), "", format, &mut Gone);
            assert_eq!(got.unwrap_err().kind(), io::ErrorKind::BrokenPipe);
        }
    }
}
