import type { Redis } from 'ioredis';
import type { Logger } from '../../infra/logger';
import type { RedisHandle } from '../../infra/redis/redis';
import { searchIndexKeys, type IndexedLearner, type IndexedPage } from './search-index-entries';
import { entriesOf, levelCountsOf, queryPage } from './search-index-reads';
import { putLearner, rebuildIndex } from './search-index-rebuild';
import type { SearchFilters } from './search-terms';

export { searchIndexMarker, type IndexedLearner } from './search-index-entries';

export interface SearchIndexOptions {
  redis: Pick<RedisHandle, 'client' | 'isReady'> | null;
  keyPrefix: string;
  logger: Logger;
  /** False where the database ranks searches itself (MongoDB's text index): nothing is kept. */
  enabled: () => boolean;
  /** Every learner, read when the index is (re)built. */
  learners: () => AsyncIterable<IndexedLearner>;
}

/** Where the index is: its Redis client when in use, whether it is complete, its rebuilds. */
function indexState(options: SearchIndexOptions) {
  const keys = searchIndexKeys(options.keyPrefix);
  const log = options.logger.child({ component: 'search-index' });
  let rebuilding: Promise<void> | null = null;
  // An edit this process could not index: the index is no longer complete.
  let incomplete = false;
  /** Redis, when the index is in use. */
  const usable = (): Redis | null => (options.enabled() ? (options.redis?.client ?? null) : null);
  const rebuild = (client: Redis, fresh: boolean): Promise<void> => rebuildIndex(client, keys, options.learners, log, fresh);
  return {
    keys,
    log,
    usable,
    /**
     * Redis for a read, when it answers now: a search or a statistic while it is away or hung
     * goes to the database at once, rather than after a command timeout.
     */
    readable: (): Redis | null => (options.redis?.isReady() ? usable() : null),
    markIncomplete: (): void => {
      incomplete = true;
    },
    forgetIfIncomplete: async (client: Redis): Promise<void> => {
      if (!incomplete) return;
      await client.del(keys.marker);
      incomplete = false;
    },
    rebuild,
    rebuildInBackground: (client: Redis): void => {
      rebuilding ??= rebuild(client, false)
        .catch((error: unknown) => log.error({ err: error }, 'search index rebuild failed'))
        .finally(() => (rebuilding = null));
    },
  };
}

/**
 * The search index in Redis, where the database cannot answer a search from its own (FerretDB):
 * a sorted set per field word and filter value, and each learner's entry with the version of
 * the profile it was made from, replaced only by a newer one. It is derived data, rebuilt when
 * its marker is missing. Why and how: docs/search.md (The search index in Redis).
 */
export function createSearchIndex(options: SearchIndexOptions) {
  const state = indexState(options);
  const { keys, log, usable, readable, forgetIfIncomplete, rebuild, rebuildInBackground } = state;

  return {
    /** Puts a learner's entry in place, unless the index holds a newer version already. */
    async put(learner: IndexedLearner): Promise<void> {
      const redis = usable();
      if (!redis) return;
      try {
        await forgetIfIncomplete(redis);
        await putLearner(redis, keys, learner);
      } catch (error) {
        state.markIncomplete();
        log.warn({ err: error }, 'could not index a profile edit; searches use the database until the index is rebuilt');
      }
    },

    /**
     * A page of learners in ranking order and the total, or null when the index cannot answer
     * (disabled, Redis unavailable, not built yet). A missing index starts a rebuild.
     */
    async query(words: string[], query: SearchFilters, page: { offset: number; limit: number }): Promise<IndexedPage | null> {
      const redis = readable();
      if (!redis) return null;
      try {
        await forgetIfIncomplete(redis);
        const found = await queryPage(redis, keys, words, query, page);
        if (found === null) rebuildInBackground(redis);
        return found;
      } catch (error) {
        log.warn({ err: error }, 'search index unavailable; searching the database');
        return null;
      }
    },

    /**
     * The entries of these learners (those it has), or null when the index cannot answer or
     * is not complete (an entry may then be older than the database).
     */
    async learners(ids: string[]): Promise<IndexedLearner[] | null> {
      const redis = readable();
      if (!redis || ids.length === 0) return redis ? [] : null;
      try {
        return await entriesOf(redis, keys, ids);
      } catch {
        return null;
      }
    },

    /**
     * How many learners there are, in all and per level, from the complete index (statistics
     * without a scan); null when it cannot say.
     */
    async levelCounts<Level extends string>(levels: readonly Level[]): Promise<{ total: number; byLevel: Record<Level, number> } | null> {
      const redis = readable();
      if (!redis) return null;
      try {
        return await levelCountsOf(redis, keys, levels);
      } catch {
        return null;
      }
    },

    /** Whether the index is complete; false when it is disabled or Redis cannot say. */
    async built(): Promise<boolean> {
      const redis = usable();
      if (!redis) return false;
      return (await redis.exists(keys.marker).catch(() => 0)) === 1;
    },

    /** Rebuilds now (the migrate and seed commands); true if the index is complete afterwards. */
    async rebuildNow(fresh: boolean): Promise<boolean> {
      const redis = usable();
      if (!redis) return false;
      await rebuild(redis, fresh);
      return (await redis.exists(keys.marker)) === 1;
    },
  };
}

export type SearchIndex = ReturnType<typeof createSearchIndex>;
