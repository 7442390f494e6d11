-- Learners in all and in each of the given sets, while the index is complete. KEYS: marker, all, sets.
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local counts = {}
for i = 2, #KEYS do counts[#counts + 1] = redis.call('ZCARD', KEYS[i]) end
return counts
