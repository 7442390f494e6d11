import { accountModel, indexedLearners, createSearchIndex } from '../components/learners';
import { loadConfig } from '../infra/config/config';
import type { Database } from '../infra/db/database';
import { createLogger } from '../infra/logger';
import { errorText } from '../infra/error-text';
import { createRedis } from '../infra/redis/redis';

/**
 * Builds the search index (src/components/learners/search-index.ts) from the accounts, where
 * the database cannot rank searches itself. `missing`: only if it is not complete already
 * (migrate: a rolling deploy must not take it from running processes); `update`: bring every
 * entry up to date in place (seed); `fresh`: from nothing (migrate --rebuild-search-index).
 * Returns a line saying what was done.
 */
export async function buildSearchIndex(database: Database, textSearch: boolean, mode: 'missing' | 'update' | 'fresh'): Promise<string> {
  if (textSearch) return 'search index: not needed (the database has text indexes)';
  const config = loadConfig(undefined, { needsSecrets: false, defaults: { LOG_LEVEL: 'warn' } });
  const redis = createRedis(config.redis, createLogger(config));
  if (!redis) return 'search index: not built (REDIS_URL is not set; searches read the database)';
  try {
    // Redis may still be loading its append-only file (the stack starts it just before).
    await redis.waitUntilReady(30_000);
    if (!redis.isReady()) return 'search index: not checked (Redis is not ready); the API builds it on first use';
    const index = createSearchIndex({
      redis,
      keyPrefix: config.redis.keyPrefix,
      logger: createLogger(config),
      enabled: () => true,
      learners: indexedLearners(accountModel(database.connection)),
    });
    if (mode === 'missing' && (await index.built())) return 'search index: already built';
    const started = performance.now();
    const built = await index.rebuildNow(mode === 'fresh');
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    return built ? `search index: built in ${seconds}s` : 'search index: another process is building it';
  } catch (error) {
    // A derived index: the API rebuilds it when it finds it missing, so this never fails the command.
    return `search index: not built (${errorText(error)}); the API builds it on first use`;
  } finally {
    await redis.close();
  }
}
