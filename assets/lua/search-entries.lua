-- Entries by id, only while the index is complete. KEYS: marker, entries hash. ARGV: ids.
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
return redis.call('HMGET', KEYS[2], unpack(ARGV))
