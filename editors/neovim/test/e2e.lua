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

  -- <C-x><C-o> (the plugin's omnifunc) on two words typed in lowercase: it starts after
  -- the brackets, where the server's edits do, not at the last word, and lists the server's
  -- first item first.
  if vim.bo.omnifunc ~= "v:lua.require'vaultls'.omnifunc" then
    return fail('omnifunc is ' .. vim.bo.omnifunc)
  end
  vim.api.nvim_buf_set_lines(0, last, last + 1, false, { 'See [[dana l' })
  vim.api.nvim_win_set_cursor(0, { last + 1, #'See [[dana l' })
  local start = vim.fn.eval("v:lua.require'vaultls'.omnifunc(1, '')")
  local listed = vim.fn.eval("v:lua.require'vaultls'.omnifunc(0, 'dana l')")
  if start ~= #'See [[' or not listed[1] or not listed[1].word:find('^Dana Levi') then
    return fail('omnifunc on [[dana l started at ' .. start .. ' with ' .. vim.inspect(listed))
  end

  -- The create-note fix on [[Microsoft]], applied as the code action menu applies it.
  local actions = request('textDocument/codeAction', {
    textDocument = { uri = uri },
    range = { start = position_of('[[Microsoft]]', 4), ['end'] = position_of('[[Microsoft]]', 4) },
    context = { diagnostics = {} },
  }) or {}
  local create
  for _, a in ipairs(actions) do
    if a.title:find('Create note "Microsoft.md"', 1, true) then
      create = a
    end
  end
  if not create then
    return fail('no create-note fix on [[Microsoft]]: ' .. vim.inspect(actions))
  end
  vim.lsp.util.apply_workspace_edit(create.edit, client().offset_encoding)
  local new_note = vault .. '/Microsoft.md'
  local created = vim.fn.bufnr(new_note)
  if created == -1 then
    return fail('the create-note fix opened no Microsoft.md')
  end
  vim.fn.bufload(created)
  local first = vim.api.nvim_buf_get_lines(created, 0, 1, false)[1]
  if first ~= '# Microsoft' then
    return fail('Microsoft.md starts with ' .. vim.inspect(first))
  end
  vim.api.nvim_buf_call(created, function() vim.cmd('silent write') end)
  if vim.loop.fs_stat(new_note) == nil then
    return fail('Microsoft.md was not created')
  end

  -- Rename the note from its title, as `:lua vim.lsp.buf.rename()` does: the links are
  -- rewritten and Neovim moves the file.
  vim.api.nvim_buf_set_lines(0, last, last + 1, false, {})
  local title = position_of('# Tomer Hagay', 3)
  vim.api.nvim_win_set_cursor(0, { title.line + 1, title.character })
  vim.lsp.buf.rename('Tomer Hagay-Cohen')
  local moved = vault .. '/People/Tomer Hagay-Cohen.md'
  if not vim.wait(10000, function() return vim.loop.fs_stat(moved) ~= nil end, 50) then
    return fail('rename did not move the note to ' .. moved)
  end
  if vim.loop.fs_stat(vault .. '/People/Tomer Hagay.md') ~= nil then
    return fail('the old note is still there after the rename')
  end
  local meeting_buf = vim.fn.bufnr(vault .. '/' .. meeting)
  local rewritten = meeting_buf ~= -1
    and table.concat(vim.api.nvim_buf_get_lines(meeting_buf, 0, -1, false), '\n'):find('[[Tomer Hagay-Cohen]]', 1, true)
  if not rewritten then
    return fail('the meeting links were not rewritten')
  end

  -- The backlink count code lens runs the plugin's client-side command: the quickfix list
  -- fills with the backlinks.
  local lenses = request('textDocument/codeLens', { textDocument = { uri = vim.uri_from_bufnr(0) } }) or {}
  local lens = lenses[1] and lenses[1].command
  if not lens or lens.command ~= 'vaultls.showBacklinks' then
    return fail('no backlink code lens: ' .. vim.inspect(lenses))
  end
  vim.fn.setqflist({})
  require('vaultls').commands['vaultls.showBacklinks'](lens, { bufnr = vim.api.nvim_get_current_buf() })
  if not vim.wait(10000, function() return #vim.fn.getqflist() > 0 end, 50) then
    return fail('the backlink lens listed nothing')
  end

  io.stdout:write('vaultls neovim e2e: OK\n')
  vim.cmd('qall!')
end

local ok, err = pcall(run)
if not ok then
  fail(tostring(err))
end
