-- vaultls for Neovim (0.7 and later): starts the language server for Markdown files inside a
-- vault and maps the usual LSP keys.
--
--   require('vaultls').setup()                       -- `vaultls` from PATH
--   require('vaultls').setup({ cmd = { '/path/to/vaultls' } })
--
-- The vault is the nearest folder upwards holding `.obsidian/`, else the git root, else the
-- file's own folder.

local M = {}

local defaults = {
  cmd = { 'vaultls' },
  -- Buffer-local key maps; set `keys = false` to keep your own.
  keys = true,
  -- Extra `on_attach(client, bufnr)`.
  on_attach = nil,
}

local clients = {} -- root → client id (Neovim 0.7, which has no vim.lsp.start)

local function exists(path)
  return vim.loop.fs_stat(path) ~= nil
end

--- The vault folder for a file: nearest `.obsidian/`, else `.git`, else its folder.
function M.find_root(fname)
  local dir = vim.fn.fnamemodify(fname, ':p:h')
  for _, marker in ipairs({ '.obsidian', '.git' }) do
    local d = dir
    while d and d ~= '' do
      if exists(d .. '/' .. marker) then
        return d
      end
      local parent = vim.fn.fnamemodify(d, ':h')
      if parent == d then
        break
      end
      d = parent
    end
  end
  return dir
end

local function map_keys(bufnr)
  local function map(lhs, rhs, desc)
    vim.api.nvim_buf_set_keymap(bufnr, 'n', lhs, '', { callback = rhs, noremap = true, silent = true, desc = desc })
  end
  map('gd', vim.lsp.buf.definition, 'vaultls: go to the linked note')
  map('gr', vim.lsp.buf.references, 'vaultls: backlinks')
  map('K', vim.lsp.buf.hover, 'vaultls: preview')
  vim.api.nvim_buf_set_option(bufnr, 'omnifunc', 'v:lua.vim.lsp.omnifunc')
end

--- Client-side commands the server's code lenses name: the backlink count lists the
--- backlinks (`vim.lsp.codelens.run()` on the note's first line).
M.commands = {
  ['vaultls.showBacklinks'] = function(command, ctx)
    local args = command.arguments or {}
    vim.lsp.buf_request(ctx and ctx.bufnr or 0, 'textDocument/references', {
      textDocument = { uri = args[1] or vim.uri_from_bufnr(0) },
      position = args[2] or { line = 0, character = 0 },
      context = { includeDeclaration = false },
    })
  end,
}

--- Starts (or reuses) the client for the vault of buffer `bufnr` and attaches it.
function M.attach(bufnr, opts)
  opts = opts or M.options or defaults
  local fname = vim.api.nvim_buf_get_name(bufnr)
  if fname == '' then
    return
  end
  local root = M.find_root(fname)
  local config = {
    name = 'vaultls',
    cmd = opts.cmd,
    root_dir = root,
    workspace_folders = { { uri = vim.uri_from_fname(root), name = root } },
    commands = M.commands,
    on_attach = function(client, buf)
      if opts.keys then
        map_keys(buf)
      end
      if opts.on_attach then
        opts.on_attach(client, buf)
      end
    end,
  }
  if vim.lsp.start then
    return vim.lsp.start(config, { bufnr = bufnr })
  end
  local id = clients[root]
  if not id or not vim.lsp.get_client_by_id(id) then
    id = vim.lsp.start_client(config)
    clients[root] = id
  end
  if id then
    vim.lsp.buf_attach_client(bufnr, id)
  end
  return id
end

function M.setup(opts)
  M.options = vim.tbl_deep_extend('force', defaults, opts or {})
  local group = vim.api.nvim_create_augroup('vaultls', { clear = true })
  vim.api.nvim_create_autocmd('FileType', {
    group = group,
    pattern = 'markdown',
    callback = function(args)
      M.attach(args.buf, M.options)
    end,
  })
end

return M
