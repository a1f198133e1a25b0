//! Writing links: the helpers that completion, rename and code actions share to write a
//! path the way Obsidian would, and the edits they produce.

use crate::config::LinkStyle;
use crate::syntax::Span;
use crate::vault::path::{parent, strip_md};
use crate::vault::{FileId, Resolution, Vault};

/// One text replacement in one note.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    pub file: FileId,
    pub span: Span,
    pub new_text: String,
}

/// The link path for `target` from `from` in a link style.
pub fn styled_link_text(vault: &Vault, from: FileId, target: FileId, style: LinkStyle) -> String {
    let path = vault.path(target);
    let without_md = strip_md(path);
    match style {
        LinkStyle::Shortest => link_text(vault, from, target),
        LinkStyle::Absolute => without_md.to_string(),
        LinkStyle::Relative => {
            let rel = relative(parent(vault.path(from)), path);
            strip_md(&rel).to_string()
        }
    }
}

/// The shortest link path that resolves to `target` from `from` (Obsidian's default link
/// format): the bare name when it is unambiguous, else as many folders as needed.
pub fn link_text(vault: &Vault, from: FileId, target: FileId) -> String {
    let path = vault.path(target);
    let without_md = strip_md(path);
    let parts: Vec<&str> = without_md.split('/').collect();
    for k in 1..parts.len() {
        let candidate = parts[parts.len() - k..].join("/");
        if vault.resolve_path(from, &candidate) == Resolution::to(target) {
            return candidate;
        }
    }
    without_md.to_string()
}

/// The path of `to` relative to the folder `from` (`../x/y.md`, `./y.md`).
pub fn relative(from: &str, to: &str) -> String {
    let from: Vec<&str> = from.split('/').filter(|p| !p.is_empty()).collect();
    let to_parts: Vec<&str> = to.split('/').collect();
    let common = from
        .iter()
        .zip(&to_parts)
        .take_while(|(a, b)| a == b)
        .count()
        .min(to_parts.len() - 1);
    let ups = from.len() - common;
    let rest = to_parts[common..].join("/");
    if ups == 0 {
        format!("./{rest}")
    } else {
        format!("{}{rest}", "../".repeat(ups))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths() {
        assert_eq!(
            relative("Meetings/2025", "People/A.md"),
            "../../People/A.md"
        );
        assert_eq!(relative("People", "People/A.md"), "./A.md");
        assert_eq!(relative("", "People/A.md"), "./People/A.md");
        assert_eq!(relative("A/B", "A/C/D.md"), "../C/D.md");
    }
}
