import { createCache } from './infra/cache/cache';
import type { Config } from './infra/config/config';
import type { Database } from './infra/db/database';
import { uncachedDuringOutage } from './infra/http/lifecycle-middleware';
import type { Logger } from './infra/logger';
import type { RedisHandle } from './infra/redis/redis';

/** The API's cache: loads only while the database can be read, else the 503 every stale-tolerant read gives. */
export function createApiCache(config: Config, logger: Logger, redis: RedisHandle | null, database: Database) {
  return createCache({
    redis,
    logger,
    keyPrefix: config.redis.keyPrefix,
    ttlSeconds: config.cache.ttlSeconds,
    local: config.cache.local,
    sourceAvailable: () => database.canRead(),
    unavailable: uncachedDuringOutage,
  });
}
