//! Test fixtures: several notes in one string, and a `$0` cursor.
//!
//! ```text
//! //- People/Tomer.md
//! # Tomer
//! //- Home.md
//! [[Tom$0
//! ```

use crate::syntax::{ColumnUnit, Columns, Span};
use crate::vault::{FileId, Vault};

use super::Location;

pub struct Fixture {
    pub vault: Vault,
    /// The note holding `$0`, and the cursor's byte offset in it.
    pub file: FileId,
    pub offset: usize,
}

impl Fixture {
    pub fn parse(text: &str) -> Fixture {
        let mut files = Vec::new();
        let mut cursor = None;
        for chunk in text.split("//- ").filter(|c| !c.trim().is_empty()) {
            let (path, body) = chunk.split_once('\n').unwrap_or((chunk, ""));
            let path = path.trim().to_string();
            let body = match body.find("$0") {
                Some(at) => {
                    cursor = Some((path.clone(), at));
                    body.replacen("$0", "", 1)
                }
                None => body.to_string(),
            };
            let is_note = crate::vault::path::is_note_path(&path);
            files.push((path, is_note.then_some(body)));
        }
        let vault = Vault::from_files("/vault", files);
        let (path, offset) = cursor.expect("fixture has a $0 cursor");
        let file = vault.id(&path).expect("cursor note");
        Fixture {
            vault,
            file,
            offset,
        }
    }

    /// `path:line:col-line:col "text"` (1-based), for expectations.
    pub fn render(&self, loc: Location) -> String {
        let path = self.vault.path(loc.file);
        let Some(note) = self.vault.note(loc.file) else {
            return format!("{path} (file)");
        };
        self.render_span(path, note.text().unwrap(), loc.span)
    }

    fn render_span(&self, path: &str, text: &str, span: Span) -> String {
        if span.is_empty() && span.start == 0 {
            return format!("{path} (note)");
        }
        let columns = Columns::new(text, ColumnUnit::Char);
        let s = columns.line_col(span.start as usize);
        let e = columns.line_col(span.end as usize);
        format!(
            "{path}:{}:{}-{}:{} {:?}",
            s.line + 1,
            s.col + 1,
            e.line + 1,
            e.col + 1,
            &text[span.range()]
        )
    }
}
