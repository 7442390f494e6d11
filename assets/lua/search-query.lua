-- One round trip: the tiers as one sorted set (score 1 name, 2 interests, 3 bio; the best tier
-- of each learner wins), cut by the filters, counted, sliced and joined with the entries.
-- Equal scores sort by member, so each tier is in id order: the ranking of the database path.
-- KEYS: marker, entries hash, scratch key, n name sets, n interest sets, n bio sets, m filter
-- sets. ARGV: n, m, offset, limit. Returns nil when the marker is missing.
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local n, m = tonumber(ARGV[1]), tonumber(ARGV[2])
local first, last = tonumber(ARGV[3]), tonumber(ARGV[3]) + tonumber(ARGV[4]) - 1
local scratch = KEYS[3]
local source = KEYS[4]
if n > 0 then
  local union = {'ZUNIONSTORE', scratch, 3 * n}
  for i = 1, 3 * n do union[#union + 1] = KEYS[3 + i] end
  union[#union + 1] = 'WEIGHTS'
  for tier = 1, 3 do for _ = 1, n do union[#union + 1] = tier end end
  union[#union + 1] = 'AGGREGATE'
  union[#union + 1] = 'MIN'
  redis.call(unpack(union))
  source = scratch
end
if m > (n > 0 and 0 or 1) then
  local sets = {}
  if n > 0 then sets[1] = scratch end
  for i = 1, m do sets[#sets + 1] = KEYS[3 + 3 * n + i] end
  local inter = {'ZINTERSTORE', scratch, #sets}
  for _, name in ipairs(sets) do inter[#inter + 1] = name end
  inter[#inter + 1] = 'WEIGHTS'
  for i = 1, #sets do inter[#inter + 1] = (n > 0 and i == 1) and 1 or 0 end
  redis.call(unpack(inter))
  source = scratch
end
local total = redis.call('ZCARD', source)
local ids = redis.call('ZRANGE', source, first, last)
redis.call('DEL', scratch)
local entries = {}
if #ids > 0 then entries = redis.call('HMGET', KEYS[2], unpack(ids)) end
return {total, ids, entries}
