-- Deletes the lock only if it still holds this loader's token. KEYS: the lock; ARGV: the token.
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end
