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
  vim.api.nvim_buf_set_option(bufnr, 'omnifunc', "v:lua.require'vaultls'.omnifunc")
end

--- The byte column of an LSP position's `character` on `line`.
local function byte_col(line, character, encoding)
  if encoding == 'utf-8' then
    return character
  end
  -- Neovim 0.11's signature, then the one before.
  local ok, col = pcall(vim.str_byteindex, line, encoding, character, false)
  if ok and type(col) == 'number' then
    return col
  end
  ok, col = pcall(vim.str_byteindex, line, character, encoding == 'utf-16')
  return ok and col or #line
end

local listed -- the items the last `omnifunc(1, …)` was given, for `omnifunc(0, …)`

--- Completion for 'omnifunc' (<C-x><C-o>) that starts where the server's edits start and
--- shows the server's list as given. Neovim's own `vim.lsp.omnifunc` starts there only for
--- items without a `filterText`, else at the keyword under the cursor (`no` of `[[intro no`,
--- `intro` of `[[##intro`), and inserts each item there; up to 0.10 it also keeps only the
--- items whose inserted text starts with what was typed, case and all. vaultls gives items a
--- filter text that starts with what was typed (so that editors sorting by their own score
--- keep its order) and sends lists already matched and ranked.
function M.omnifunc(findstart, base)
  if findstart == 0 then
    local items = listed or {}
    listed = nil
    return items
  end
  listed = nil
  local bufnr = vim.api.nvim_get_current_buf()
  local client
  local attached = vim.lsp.get_clients and vim.lsp.get_clients({ bufnr = bufnr })
    or vim.lsp.buf_get_clients(bufnr)
  for _, c in pairs(attached) do
    if c.name == 'vaultls' then
      client = c
    end
  end
  if not client then
    return -3
  end
  local encoding = client.offset_encoding or 'utf-16'
  local params = vim.lsp.util.make_position_params(0, encoding)
  local results = vim.lsp.buf_request_sync(bufnr, 'textDocument/completion', params, 2000)
  local response = results and results[client.id]
  local result = response and response.result
  local items = result and (result.items or result) or {}
  local line = vim.api.nvim_get_current_line()
  local row = params.position.line
  local start
  local kinds = vim.lsp.protocol.CompletionItemKind
  listed = {}
  for _, item in ipairs(items) do
    local edit = item.textEdit
    local range = edit and (edit.range or edit.insert)
    -- One start for the list: an item replacing from elsewhere (a name a wikilink cannot
    -- hold, written as a Markdown link over the brackets) is left out.
    if range and range.start.line == row then
      local col = byte_col(line, range.start.character, encoding)
      start = start or col
      if col == start then
        table.insert(listed, {
          word = edit.newText,
          abbr = item.label,
          menu = item.detail or '',
          kind = kinds[item.kind] or '',
          icase = 1,
          dup = 1,
          empty = 1,
        })
      end
    end
  end
  if not start then
    listed = nil
    return -3
  end
  return start
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
