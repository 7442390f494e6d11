import type { Logger } from '../logger';
import type { RedisHandle } from '../redis/redis';
import { zeroCounters, type CacheCounters, type CacheKind } from './cache-kinds';
import { createClusterLock } from './cluster-lock';
import type { LocalCacheOptions } from './local-cache';
import { createLocalLayer } from './local-layer';
import { loadAndStore, readThrough, type Loader, type Outcome, type ReadThroughParts } from './read-through';
import { peekEntry, putEntry } from './produced-elsewhere';
import { createSingleFlight } from './single-flight';
import { createTagVersionedStore } from './tag-versioned-store';

export { cacheKinds, type CacheCounters, type CacheKind } from './cache-kinds';

export interface CacheOptions {
  redis: RedisHandle | null;
  logger: Logger;
  keyPrefix: string;
  ttlSeconds: Record<CacheKind, number>;
  /** How long a loader may hold the cluster-wide lock on a key. */
  lockTtlMs?: number;
  /** How long others wait for the lock holder's value before loading themselves. */
  lockWaitMs?: number;
  /** How long a "not found" from the loader is remembered. */
  missingTtlMs?: number;
  /**
   * Whether loaders can reach the database now. When not, a miss throws `unavailable()` at
   * once instead of waiting on a database that cannot answer; hits are still served.
   */
  sourceAvailable?: () => boolean;
  unavailable?: () => Error;
  /**
   * An in-process layer in front of Redis for `getOrLoad`, kept only while the invalidations
   * of every process reach this one (Redis pub/sub). Needs Redis; absent, every read asks Redis.
   */
  local?: LocalCacheOptions;
}

/**
 * Cache-aside over the shared Redis, composed of a tag-versioned store (no stale value
 * survives a write), a cluster lock and a single flight (concurrent misses for one key load
 * once per cluster and once per process) and an optional in-process layer. A loader's "not
 * found" is cached briefly; its other errors reach the caller and free the lock at once. With
 * Redis down every call simply loads.
 */
export function createCache(options: CacheOptions) {
  const { redis, logger, ttlSeconds } = options;
  const lockTtlMs = options.lockTtlMs ?? 5000;
  const missingTtlMs = options.missingTtlMs ?? 5000;
  const counters = zeroCounters();
  const store = createTagVersionedStore({ redis, keyPrefix: options.keyPrefix, ttlSeconds, lockTtlMs });
  const lock = createClusterLock({ store, lockTtlMs, lockWaitMs: options.lockWaitMs ?? 3000 });
  const flights = createSingleFlight<Outcome<unknown>>();
  const local = createLocalLayer(redis, options.local, store.invalidations, logger);
  const parts: ReadThroughParts = { ...options, store, lock, counters, missingTtlMs };

  return {
    /**
     * The cached value of `key`, else the loader's (stored for the kind's TTL). `tags` are what
     * the value depends on (default: the key itself); `invalidate` with any of them drops it.
     */
    async getOrLoad<T>(kind: CacheKind, key: string, loader: Loader<T>, tags: string[] = [key]): Promise<T> {
      if (ttlSeconds[kind] === 0) return loadAndStore(parts, null, kind, key, tags, [], loader).then(({ value }) => value);
      const flightKey = `${kind}:${key}`;
      const kept = await local.value(flightKey, counters[kind]);
      if (kept !== undefined) return kept.value as T;
      const generation = local.generation();
      const running = flights.running(flightKey);
      if (running) {
        counters[kind].coalesced++;
        const { value, current } = await running;
        // That load raced a write: its value may be older than the write this caller may have seen.
        if (current) return value as T;
        return (await readThrough(parts, kind, key, tags, loader)).value;
      }
      return flights.run(
        flightKey,
        tags,
        () => readThrough(parts, kind, key, tags, loader),
        ({ value, size }) => {
          local.keep(kind, flightKey, tags, value, size, ttlSeconds[kind] * 1000, generation);
          return value as T;
        },
      );
    },

    peek: <T>(kind: CacheKind, key: string): Promise<T | null> => peekEntry<T>(parts, kind, key),

    put: (kind: CacheKind, key: string, value: unknown): Promise<void> => putEntry(parts, kind, key, value),

    /**
     * Called after a write: every entry depending on one of `tags` is outdated at once, in
     * every process, including loads already running. With Redis down there is nothing to
     * outdate (entries come back empty or expire).
     */
    async invalidate(kind: CacheKind, tags: string | string[]): Promise<void> {
      const list = Array.isArray(tags) ? tags : [tags];
      const message = local.drop(kind, list);
      flights.forget(`${kind}:`, list);
      const client = store.usable();
      if (client === null || list.length === 0) return;
      try {
        await store.bump(client, kind, list, message);
      } catch (error) {
        counters[kind].errors++;
        logger.warn({ err: error, kind, tags: list }, 'cache invalidation failed');
      }
    },

    counters: (): Record<CacheKind, CacheCounters> => structuredClone(counters),

    /** Entries held in this process's memory now. */
    localSize: (): number => local.size(),

    /** Closes the invalidation subscription (shutdown); the shared Redis client is the owner's. */
    close: (): Promise<void> => local.close(),
  };
}

export type Cache = ReturnType<typeof createCache>;
