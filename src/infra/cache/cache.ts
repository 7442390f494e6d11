import { randomUUID } from 'node:crypto';
import { setImmediate as afterPendingIo } from 'node:timers/promises';
import { NotFoundError } from '../errors/app-error';
import type { Logger } from '../logger';
import type { RedisHandle } from '../redis/redis';
import { unversioned, type CacheEntry } from './cache-entry';
import { zeroCounters, type CacheCounters, type CacheKind } from './cache-kinds';
import { createClusterLock, type LockOutcome } from './cluster-lock';
import { openInvalidationChannel } from './invalidation-channel';
import { createLocalCache, type LocalCacheOptions } from './local-cache';
import { createSingleFlight } from './single-flight';
import { createTagVersionedStore, type Client, type ReadOutcome } from './tag-versioned-store';

export { cacheKinds, type CacheCounters, type CacheKind } from './cache-kinds';

export interface LoadContext {
  /**
   * A write touched this entry's tags recently: read from the primary, since a lagging
   * secondary could still show the value from before the write (read-your-writes).
   */
  afterWrite: boolean;
}

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

type Loader<T> = (context: LoadContext) => Promise<T>;
/** `current`: no write got in between. `size`: the entry's JSON length, for a value read from Redis. */
type Outcome<T> = { value: T; current: boolean; size?: number };

function answer<T>(entry: CacheEntry): T {
  if ('missing' in entry) throw new NotFoundError(entry.missing);
  return entry.value as T;
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
  const localTag = (kind: CacheKind, tag: string): string => `${kind}:${tag}`;
  const local = redis !== null && options.local && options.local.ttlMs > 0 ? createLocalCache(options.local) : null;
  // Every process publishes its invalidations (workers too), whether or not it keeps a local layer.
  const channel = local && redis ? openInvalidationChannel(redis, store.invalidations, local, logger) : null;
  const localInUse = (): boolean => channel !== null && channel.listening();

  function failed(kind: CacheKind, error: unknown, message: string, level: 'debug' | 'warn' = 'debug'): void {
    counters[kind].errors++;
    logger[level]({ err: error, kind }, message);
  }

  /** Runs the loader and stores its outcome under `versions`; false when a write got in between. */
  async function loadAndStore<T>(client: Client | null, kind: CacheKind, key: string, tags: string[], versions: string[], loader: Loader<T>): Promise<Outcome<T>> {
    if (options.sourceAvailable && !options.sourceAvailable()) throw options.unavailable?.() ?? new Error('the cache source is unavailable');
    counters[kind].loads++;
    let entry: CacheEntry;
    let value: T | undefined;
    let notFound: NotFoundError | undefined;
    try {
      value = await loader({ afterWrite: versions.some((version) => version !== unversioned) });
      entry = { versions, value };
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
      notFound = error;
      entry = { versions, missing: error.message };
    }
    let current = true;
    if (client !== null) {
      try {
        current = await store.storeIfCurrent(client, kind, key, tags, entry, notFound ? missingTtlMs : ttlSeconds[kind] * 1000);
      } catch (error) {
        failed(kind, error, 'cache write failed');
      }
    }
    if (notFound) throw notFound;
    return { value: value as T, current };
  }

  async function readThrough<T>(kind: CacheKind, key: string, tags: string[], loader: Loader<T>): Promise<Outcome<T>> {
    const client = store.usable();
    if (client === null) {
      if (redis !== null) counters[kind].errors++;
      return loadAndStore(null, kind, key, tags, [], loader);
    }
    let found: ReadOutcome;
    try {
      found = await store.read(client, kind, key, tags);
    } catch (error) {
      failed(kind, error, 'cache read failed; loading from the database');
      return loadAndStore(null, kind, key, tags, [], loader);
    }
    if (found.entry !== null) {
      counters[kind].hits++;
      return { value: answer<T>(found.entry), current: true, size: found.size };
    }
    counters[kind].misses++;
    return loadOnceInCluster(client, kind, key, tags, loader);
  }

  async function loadOnceInCluster<T>(client: Client, kind: CacheKind, key: string, tags: string[], loader: Loader<T>): Promise<Outcome<T>> {
    const token = randomUUID();
    let outcome: LockOutcome;
    try {
      outcome = await lock.lockOrEntry(client, kind, key, tags, token);
    } catch (error) {
      failed(kind, error, 'cache lock failed; loading from the database');
      return loadAndStore(null, kind, key, tags, [], loader);
    }
    if ('entry' in outcome) return { value: answer<T>(outcome.entry), current: true };
    try {
      return await loadAndStore(client, kind, key, tags, outcome.versions, loader);
    } finally {
      if (outcome.locked) await lock.release(client, kind, key, token).catch(() => undefined);
    }
  }

  /** The value this process keeps in memory, after the invalidations it has already received. */
  async function localValue(kind: CacheKind, flightKey: string): Promise<{ value: unknown } | undefined> {
    if (local === null || !localInUse()) return undefined;
    await afterPendingIo();
    const kept = localInUse() ? local.get(flightKey) : undefined;
    if (kept === undefined) return undefined;
    counters[kind].hits++;
    counters[kind].localHits++;
    return kept;
  }

  return {
    /**
     * The cached value of `key`, else the loader's (stored for the kind's TTL). `tags` are what
     * the value depends on (default: the key itself); `invalidate` with any of them drops it.
     */
    async getOrLoad<T>(kind: CacheKind, key: string, loader: Loader<T>, tags: string[] = [key]): Promise<T> {
      if (ttlSeconds[kind] === 0) return loadAndStore(null, kind, key, tags, [], loader).then(({ value }) => value);
      const flightKey = `${kind}:${key}`;
      const kept = await localValue(kind, flightKey);
      if (kept !== undefined) return kept.value as T;
      const generation = local?.generation() ?? 0;
      const running = flights.running(flightKey);
      if (running) {
        counters[kind].coalesced++;
        const { value, current } = await running;
        // That load raced a write: its value may be older than the write this caller may have seen.
        if (current) return value as T;
        return (await readThrough(kind, key, tags, loader)).value;
      }
      return flights.run(flightKey, tags, () => readThrough(kind, key, tags, loader), ({ value, size }) => {
        if (local !== null && size !== undefined && localInUse()) {
          local.set(flightKey, value, tags.map((tag) => localTag(kind, tag)), size, ttlSeconds[kind] * 1000, generation);
        }
        return value as T;
      });
    },

    /**
     * Reads an entry without loading it: for values produced elsewhere (lessons are made by
     * workers). Null when absent, when the kind is disabled (TTL 0) or when Redis is down.
     */
    async peek<T>(kind: CacheKind, key: string): Promise<T | null> {
      const client = store.usable();
      if (ttlSeconds[kind] === 0 || client === null) return null;
      try {
        const { entry } = await store.read(client, kind, key, [key]);
        counters[kind][entry === null ? 'misses' : 'hits']++;
        return entry !== null && 'value' in entry ? (entry.value as T) : null;
      } catch (error) {
        failed(kind, error, 'cache read failed');
        return null;
      }
    },

    /** Stores a value produced elsewhere; losing it (Redis down) only costs a later miss. */
    async put(kind: CacheKind, key: string, value: unknown): Promise<void> {
      const client = store.usable();
      if (ttlSeconds[kind] === 0 || client === null) return;
      try {
        const { versions } = await store.read(client, kind, key, [key]);
        await store.storeIfCurrent(client, kind, key, [key], { versions, value }, ttlSeconds[kind] * 1000);
      } catch (error) {
        failed(kind, error, 'cache write failed', 'warn');
      }
    },

    /**
     * Called after a write: every entry depending on one of `tags` is outdated at once, in
     * every process, including loads already running. With Redis down there is nothing to
     * outdate (entries come back empty or expire).
     */
    async invalidate(kind: CacheKind, tags: string | string[]): Promise<void> {
      const list = Array.isArray(tags) ? tags : [tags];
      const localTags = list.map((tag) => localTag(kind, tag));
      local?.drop(localTags);
      flights.forget(`${kind}:`, list);
      const client = store.usable();
      if (client === null || list.length === 0) return;
      try {
        await store.bump(client, kind, list, JSON.stringify(localTags));
      } catch (error) {
        counters[kind].errors++;
        logger.warn({ err: error, kind, tags: list }, 'cache invalidation failed');
      }
    },

    counters: (): Record<CacheKind, CacheCounters> => structuredClone(counters),

    /** Entries held in this process's memory now. */
    localSize: (): number => local?.size() ?? 0,

    /** Closes the invalidation subscription (shutdown); the shared Redis client is the owner's. */
    close: async (): Promise<void> => {
      await channel?.close();
    },
  };
}

export type Cache = ReturnType<typeof createCache>;
