-- Replaces a learner's entry unless the stored one is of a newer version.
-- KEYS: the entries hash. ARGV: id, version, entry JSON, key base. Returns 1 if applied.
local stored = redis.call('HGET', KEYS[1], ARGV[1])
local had = {}
if stored then
  local old = cjson.decode(stored)
  if tonumber(old.v) > tonumber(ARGV[2]) then return 0 end
  for _, name in ipairs(old.keys) do had[name] = true end
end
local has = {}
for _, name in ipairs(cjson.decode(ARGV[3]).keys) do
  has[name] = true
  if not had[name] then redis.call('ZADD', ARGV[4] .. name, 1, ARGV[1]) end
end
for name in pairs(had) do
  if not has[name] then redis.call('ZREM', ARGV[4] .. name, ARGV[1]) end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1
