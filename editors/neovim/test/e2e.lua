-- Headless end-to-end test: a real Neovim drives vaultls on a copy of the sample vault.
-- Run by tests/neovim.rs:
--   VAULTLS_BIN=… VAULT=… nvim --headless --clean -c 'luafile editors/neovim/test/e2e.lua'
-- Prints `vaultls neovim e2e: OK` and exits 0, or prints the failure and exits 1.

local bin = assert(os.getenv('VAULTLS_BIN'), 'VAULTLS_BIN not set')
local vault = assert(os.getenv('VAULT'), 'VAULT not set')
local here = debug.getinfo(1, 'S').source:sub(2)
local plugin = vim.fn.fnamemodify(here, ':p:h:h')

local function fail(msg)
  io.stdout:write('vaultls neovim e2e: FAIL: ' .. msg .. '\n')
  vim.cmd('cquit 1')
end

local function client()
  return vim.lsp.buf_get_clients(0)[next(vim.lsp.buf_get_clients(0)) or 0]
end

local function request(method, params)
  local results = vim.lsp.buf_request_sync(0, method, params, 10000) or {}
  for _, r in pairs(results) do
    if r.err then
      error(method .. ': ' .. vim.inspect(r.err))
    end
    return r.result
  end
end

local function position_of(pattern, extra)
  local lines = vim.api.nvim_buf_get_lines(0, 0, -1, false)
  for i, line in ipairs(lines) do
    local s = line:find(pattern, 1, true)
    if s then
      -- Columns are UTF-16 for this client; these lines are ASCII up to the match.
      return { line = i - 1, character = s - 1 + (extra or 0) }
    end
  end
  error('no ' .. pattern .. ' in buffer')
end

local function run()
  vim.opt.rtp:prepend(plugin)
  require('vaultls').setup({ cmd = { bin } })
  vim.cmd('edit ' .. vim.fn.fnameescape(vault .. '/People/Tomer Hagay.md'))
  local uri = vim.uri_from_bufnr(0)

  if not vim.wait(10000, function() return client() ~= nil end, 50) then
    return fail('client did not attach')
  end

  -- Indexing has ended once the server knows the meetings that link to Tomer.
  local meeting = 'Meetings/2025/2025-11-07 - Weekly sync on the release train.md'
  local refs
  local indexed = vim.wait(20000, function()
    refs = request('textDocument/references', {
      textDocument = { uri = uri },
      position = position_of('# Tomer Hagay', 3),
      context = { includeDeclaration = false },
    }) or {}
    for _, loc in ipairs(refs) do
      if vim.uri_to_fname(loc.uri):sub(-#meeting) == meeting then
        return true
      end
    end
    return false
  end, 200)
  if not indexed then
    return fail('references on the person note never listed ' .. meeting .. ': ' .. vim.inspect(refs))
  end

  -- Broken-link diagnostic (the sample links [[Microsoft]], which does not exist).
  local has_broken = vim.wait(10000, function()
    for _, d in ipairs(vim.diagnostic.get(0)) do
      if d.code == 'broken-link' and d.message:find('Microsoft', 1, true) then
        return true
      end
    end
    return false
  end, 50)
  if not has_broken then
    return fail('no broken-link diagnostic for [[Microsoft]]: ' .. vim.inspect(vim.diagnostic.get(0)))
  end

  -- Go to definition: [[Jeff Denworth]] → the person note.
  local def = request('textDocument/definition', {
    textDocument = { uri = uri },
    position = position_of('[[Jeff Denworth]]', 4),
  })
  local target = def and (def.uri or (def[1] and def[1].uri))
  if not target or not vim.uri_to_fname(target):find('People/Jeff Denworth.md', 1, true) then
    return fail('definition of [[Jeff Denworth]] went to ' .. vim.inspect(def))
  end

  -- Hover (K) previews the linked person.
  local hover = request('textDocument/hover', {
    textDocument = { uri = uri },
    position = position_of('[[Jeff Denworth]]', 4),
  })
  local value = hover and hover.contents and hover.contents.value or ''
  if not value:find('Jeff Denworth', 1, true) then
    return fail('hover on [[Jeff Denworth]] gave ' .. vim.inspect(hover))
  end

  -- Completion after `[[` typed into the buffer.
  local last = vim.api.nvim_buf_line_count(0)
  vim.api.nvim_buf_set_lines(0, last, last, false, { 'See [[Dan' })
  local items
  local completed = vim.wait(10000, function()
    local result = request('textDocument/completion', {
      textDocument = { uri = uri },
      position = { line = last, character = 9 },
    })
    items = result and (result.items or result) or {}
    for _, item in ipairs(items) do
      if item.label == 'Dana Levi' then
        return true
      end
    end
    return false
  end, 100)
  if not completed then
    return fail('completion after [[Dan did not offer Dana Levi: ' .. vim.inspect(items))
  end

  io.stdout:write('vaultls neovim e2e: OK\n')
  vim.cmd('qall!')
end

local ok, err = pcall(run)
if not ok then
  fail(tostring(err))
end
