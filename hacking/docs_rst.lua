-- Pandoc filter for hacking/docs_rst.py: one guide of docs/*.md as an extra doc of the collection's docs site.
--
-- Every label starts with ansible_collections.clearip.netsapiens.docsite. (antsibull-docs refuses others):
-- the title is the guide's own label (<prefix><guide>), each other heading <prefix><guide>.<its GitHub anchor>.
-- Links become references that work on the docs site: to another guide (cron.md, cron.md#anchor) or a heading
-- of this one (#anchor) a :ref:, to any other file of the repository its page on the repository's host.
-- Metadata: guide (the file name without .md), guides (the names of all guides, space-separated),
-- repository (the URL of the repository's tree of the default branch, ending in /).

local PREFIX = 'ansible_collections.clearip.netsapiens.docsite.'
local guide, repository
local guides = {}

local function label(name, anchor)
  if anchor and anchor ~= '' then
    return PREFIX .. name .. '.' .. anchor
  end
  return PREFIX .. name
end

local function ref(content, target)
  -- A :ref: with an explicit title; RST escapes < and ` in that title with a backslash.
  local text = pandoc.utils.stringify(content):gsub('([<>`\\])', '\\%1')
  return pandoc.RawInline('rst', ':ref:`' .. text .. ' <' .. target .. '>`')
end

local function read_meta(meta)
  guide = pandoc.utils.stringify(meta.guide)
  repository = pandoc.utils.stringify(meta.repository)
  for name in pandoc.utils.stringify(meta.guides):gmatch('%S+') do
    guides[name] = true
  end
end

local function header(h)
  if h.level == 1 then
    h.identifier = label(guide)
  else
    h.identifier = label(guide, h.identifier)
  end
  return h
end

local function link(l)
  local target = l.target
  if target:match('^%a[%w+.-]*:') then
    return nil   -- http:, https:, mailto: stay as they are
  end
  local anchor = target:match('^#(.+)$')
  if anchor then
    return ref(l.content, label(guide, anchor))
  end
  local name, rest = target:match('^([%w_-]+)%.md(.*)$')
  if name and guides[name] then
    local anchor_of_guide = rest:match('^#(.+)$')
    if not anchor_of_guide and pandoc.utils.stringify(l.content) == target then
      -- [cron.md](cron.md): the docs site shows the guide's title instead of its file name.
      return pandoc.RawInline('rst', ':ref:`' .. label(name) .. '`')
    end
    return ref(l.content, label(name, anchor_of_guide))
  end
  -- Another file of the repository, relative to docs/.
  local path = ('docs/' .. target):gsub('[^/]+/%.%./', '')
  l.target = repository .. path
  return l
end

return {
  { Meta = read_meta },
  { Header = header, Link = link },
}
