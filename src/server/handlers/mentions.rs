//! `workspace/executeCommand` `vaultls.unlinkedMentions`: a note's unlinked mentions.

use tower_lsp_server::jsonrpc::Error;
use tower_lsp_server::ls_types::*;

use crate::features;
use crate::server::scheduler::Answer;
use crate::server::state::Snapshot;
use crate::server::to_proto;

/// The note's URI, from the command's first argument.
pub fn note_argument(p: &ExecuteCommandParams) -> Result<Uri, Error> {
    p.arguments
        .first()
        .and_then(|a| a.as_str())
        .and_then(|s| s.parse::<Uri>().ok())
        .ok_or_else(|| Error::invalid_params("expected the note's URI as the first argument"))
}

pub fn unlinked_mentions(s: &Snapshot, uri: &Uri) -> Answer<Option<LSPAny>> {
    let Some((id, vault, file)) = s.note_of(uri) else {
        return Ok(None);
    };
    let found = features::mentions::unlinked_mentions(vault, file, s.cancel)?;
    Ok(serde_json::to_value(to_proto::locations(s, id, found)).ok())
}
