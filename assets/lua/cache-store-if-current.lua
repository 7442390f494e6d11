-- Stores an entry only if its tags still have the versions it was loaded under: a load that
-- raced a write never puts the old value back. KEYS: entry, then the tag keys; ARGV: the
-- entry, its TTL in ms, then the expected tag versions.
for i = 2, #KEYS do
  if (redis.call('get', KEYS[i]) or '') ~= ARGV[i + 1] then return 0 end
end
redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
