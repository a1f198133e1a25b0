---@brief
---
--- https://github.com/vaultls/vaultls
---
--- A language server for Obsidian-style Markdown vaults: wikilink completion, go to
--- definition, backlinks, broken-link diagnostics and rename.
---
--- Install with `cargo install vaultls --locked`, `cargo binstall vaultls` or `:MasonInstall
--- vaultls`. The vault is the nearest folder holding `.obsidian/`; the server finds it above
--- the root it is given, too.
---
--- Ready for nvim-lspconfig's `lsp/` folder; with this folder (editors/neovim) on
--- 'runtimepath', Neovim 0.11+ finds it as is: `vim.lsp.enable('vaultls')`.

---@type vim.lsp.Config
return {
  cmd = { 'vaultls' },
  filetypes = { 'markdown' },
  root_markers = { '.obsidian', '.git' },
  -- <C-x><C-o> by the plugin's omnifunc when this folder is on 'runtimepath' (its
  -- lua/vaultls.lua): Neovim's own starts at the word under the cursor when every item has
  -- a filter text (`no` of `[[intro no`), and vaultls gives every item one.
  on_attach = function(_, bufnr)
    if pcall(require, 'vaultls') then
      vim.bo[bufnr].omnifunc = "v:lua.require'vaultls'.omnifunc"
    end
  end,
  -- The backlink count code lens (`vim.lsp.codelens.run()`) lists the backlinks.
  commands = {
    ['vaultls.showBacklinks'] = function(command, ctx)
      local args = command.arguments or {}
      vim.lsp.buf_request(ctx.bufnr, 'textDocument/references', {
        textDocument = { uri = args[1] },
        position = args[2] or { line = 0, character = 0 },
        context = { includeDeclaration = false },
      })
    end,
  },
}
