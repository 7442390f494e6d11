import { randomUUID } from 'node:crypto';
import { setImmediate as afterPendingIo, setTimeout as delay } from 'node:timers/promises';
import { NotFoundError } from '../errors/app-error';
import type { Logger } from '../logger';
import type { RedisHandle } from '../redis/redis';
import { isCurrent, parseEntry, releaseLock, storeIfCurrent, unversioned, type CacheEntry } from './cache-entry';
import { openInvalidationChannel } from './invalidation-channel';
import { createLocalCache, type LocalCacheOptions } from './local-cache';

export const cacheKinds = ['profile', 'search', 'stats', 'lesson'] as const;
export type CacheKind = (typeof cacheKinds)[number];

export interface CacheCounters {
  /** Answered from the cache: Redis or this process's memory. */
  hits: number;
  /** Of the hits, answered from this process's memory without asking Redis. */
  localHits: number;
  /** Not in Redis when asked (or there but outdated by a write). */
  misses: number;
  /** Times the loader ran (a database read). */
  loads: number;
  /** Joined a load already running in this process. */
  coalesced: number;
  /** Redis failed; the request was answered from the loader. */
  errors: number;
}

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
type Client = RedisHandle['client'];
/** Found a current entry, or holds the lock (or gave up waiting for it) with the tag versions seen. */
type LockOutcome = { entry: CacheEntry } | { locked: boolean; versions: string[] };
/** `current`: no write got in between. `size`: the entry's JSON length, for a value read from Redis. */
type Outcome<T> = { value: T; current: boolean; size?: number };

/** Bump when the shape of cached values changes: old entries are then simply never read. */
const formatVersion = 'v2';
const pollMs = 15;

/**
 * Cache-aside over the shared Redis. Each entry depends on tags (by default its own key); a
 * write bumps the versions of the tags it can change, and an entry loaded under older
 * versions is neither stored nor served, so no stale value survives a write. Concurrent
 * misses for one key run the loader once per process (single flight) and, through a short
 * Redis lock, once per cluster. A loader's "not found" is cached briefly; its other errors
 * reach the caller and free the lock at once. With Redis down every call simply loads.
 */
export function createCache(options: CacheOptions) {
  const { redis, logger, ttlSeconds } = options;
  const lockTtlMs = options.lockTtlMs ?? 5000;
  const lockWaitMs = options.lockWaitMs ?? 3000;
  const missingTtlMs = options.missingTtlMs ?? 5000;
  const inFlight = new Map<string, { tags: string[]; done: Promise<Outcome<unknown>> }>();
  const counters = Object.fromEntries(
    cacheKinds.map((kind) => [kind, { hits: 0, localHits: 0, misses: 0, loads: 0, coalesced: 0, errors: 0 }]),
  ) as Record<CacheKind, CacheCounters>;
  const base = `${options.keyPrefix}cache:${formatVersion}`;
  const entryKey = (kind: CacheKind, key: string): string => `${base}:${kind}:${key}`;
  const tagKey = (kind: CacheKind, tag: string): string => `${base}:${kind}:tag:${tag}`;
  // A tag version must outlive every entry stored under it, or an old entry could look current.
  const tagTtlMs = (kind: CacheKind): number => 2 * ttlSeconds[kind] * 1000 + lockTtlMs;
  const localTag = (kind: CacheKind, tag: string): string => `${kind}:${tag}`;
  const local = redis !== null && options.local && options.local.ttlMs > 0 ? createLocalCache(options.local) : null;
  // Every process publishes its invalidations (workers too), whether or not it keeps a local layer.
  const invalidations = `${base}:invalidations`;
  const channel = local && redis ? openInvalidationChannel(redis, invalidations, local, logger) : null;
  const localInUse = (): boolean => channel !== null && channel.listening();

  const usable = (): Client | null => (redis !== null && redis.isReady() ? redis.client : null);

  function answer<T>(entry: CacheEntry): T {
    if ('missing' in entry) throw new NotFoundError(entry.missing);
    return entry.value as T;
  }

  /** The entry, the lock holder (if asked) and the current tag versions, in one round trip. */
  async function read(client: Client, kind: CacheKind, key: string, tags: string[], withLock = false) {
    const keys = [entryKey(kind, key), ...(withLock ? [`${entryKey(kind, key)}:lock`] : []), ...tags.map((tag) => tagKey(kind, tag))];
    const [raw, ...rest] = await client.mget(keys);
    const lock = withLock ? rest.shift() : null;
    const versions = rest.map((version) => version ?? unversioned);
    const entry = parseEntry(raw ?? null);
    const current = entry !== null && isCurrent(entry, versions);
    return { entry: current ? entry : null, size: current ? raw!.length : 0, locked: lock !== null && lock !== undefined, versions };
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
      const ttlMs = notFound ? missingTtlMs : ttlSeconds[kind] * 1000;
      try {
        const keys = [entryKey(kind, key), ...tags.map((tag) => tagKey(kind, tag))];
        current = (await storeIfCurrent(client, keys, JSON.stringify(entry), ttlMs, ...versions)) === 1;
      } catch (error) {
        counters[kind].errors++;
        logger.debug({ err: error, kind }, 'cache write failed');
      }
    }
    if (notFound) throw notFound;
    return { value: value as T, current };
  }

  async function readThrough<T>(kind: CacheKind, key: string, tags: string[], loader: Loader<T>): Promise<Outcome<T>> {
    const client = usable();
    if (client === null) {
      if (redis !== null) counters[kind].errors++;
      return loadAndStore(null, kind, key, tags, [], loader);
    }
    let found: Awaited<ReturnType<typeof read>>;
    try {
      found = await read(client, kind, key, tags);
    } catch (error) {
      counters[kind].errors++;
      logger.debug({ err: error, kind }, 'cache read failed; loading from the database');
      return loadAndStore(null, kind, key, tags, [], loader);
    }
    if (found.entry !== null) {
      counters[kind].hits++;
      return { value: answer<T>(found.entry), current: true, size: found.size };
    }
    counters[kind].misses++;
    return loadOnceInCluster(client, kind, key, tags, loader);
  }

  /**
   * Takes the key's lock, or waits for the holder's entry. A waiter that sees the lock gone
   * (the holder's loader failed, which releases it) takes the lock itself. Redis calls only:
   * the loader runs outside, so its errors are never mistaken for cache errors.
   */
  async function lockOrEntry(client: Client, kind: CacheKind, key: string, tags: string[], lockKey: string, token: string): Promise<LockOutcome> {
    const deadline = Date.now() + lockWaitMs;
    let versions: string[] = [];
    while (Date.now() < deadline) {
      if ((await client.set(lockKey, token, 'PX', lockTtlMs, 'NX')) === 'OK') {
        // Another process may have stored the value between our read and our lock.
        const found = await read(client, kind, key, tags);
        if (found.entry === null) return { locked: true, versions: found.versions };
        await releaseLock(client, [lockKey], token);
        return { entry: found.entry };
      }
      for (let locked = true; locked && Date.now() < deadline; ) {
        await delay(pollMs);
        const found = await read(client, kind, key, tags, true);
        if (found.entry !== null) return { entry: found.entry };
        ({ locked, versions } = found);
      }
    }
    return { locked: false, versions };
  }

  async function loadOnceInCluster<T>(client: Client, kind: CacheKind, key: string, tags: string[], loader: Loader<T>): Promise<Outcome<T>> {
    const lockKey = `${entryKey(kind, key)}:lock`;
    const token = randomUUID();
    let outcome: LockOutcome;
    try {
      outcome = await lockOrEntry(client, kind, key, tags, lockKey, token);
    } catch (error) {
      counters[kind].errors++;
      logger.debug({ err: error, kind }, 'cache lock failed; loading from the database');
      return loadAndStore(null, kind, key, tags, [], loader);
    }
    if ('entry' in outcome) return { value: answer<T>(outcome.entry), current: true };
    try {
      return await loadAndStore(client, kind, key, tags, outcome.versions, loader);
    } finally {
      if (outcome.locked) await releaseLock(client, [lockKey], token).catch(() => undefined);
    }
  }

  return {
    /**
     * The cached value of `key`, else the loader's (stored for the kind's TTL). `tags` are what
     * the value depends on (default: the key itself); `invalidate` with any of them drops it.
     */
    async getOrLoad<T>(kind: CacheKind, key: string, loader: Loader<T>, tags: string[] = [key]): Promise<T> {
      if (ttlSeconds[kind] === 0) return loadAndStore(null, kind, key, tags, [], loader).then(({ value }) => value);
      const flightKey = `${kind}:${key}`;
      if (local !== null && localInUse()) {
        // Invalidations this process has already received are applied before the lookup.
        await afterPendingIo();
        const kept = localInUse() ? local.get(flightKey) : undefined;
        if (kept !== undefined) {
          counters[kind].hits++;
          counters[kind].localHits++;
          return kept.value as T;
        }
      }
      const generation = local?.generation() ?? 0;
      const running = inFlight.get(flightKey);
      if (running) {
        counters[kind].coalesced++;
        const { value, current } = await running.done;
        // That load raced a write: its value may be older than the write this caller may have seen.
        if (current) return value as T;
        return (await readThrough(kind, key, tags, loader)).value;
      }
      const flight = { tags, done: readThrough(kind, key, tags, loader) };
      inFlight.set(flightKey, flight);
      try {
        const { value, size } = await flight.done;
        if (local !== null && size !== undefined && localInUse()) {
          local.set(flightKey, value, tags.map((tag) => localTag(kind, tag)), size, ttlSeconds[kind] * 1000, generation);
        }
        return value;
      } finally {
        if (inFlight.get(flightKey) === flight) inFlight.delete(flightKey);
      }
    },

    /**
     * Reads an entry without loading it: for values produced elsewhere (lessons are made by
     * workers). Null when absent, when the kind is disabled (TTL 0) or when Redis is down.
     */
    async peek<T>(kind: CacheKind, key: string): Promise<T | null> {
      const client = usable();
      if (ttlSeconds[kind] === 0 || client === null) return null;
      try {
        const { entry } = await read(client, kind, key, [key]);
        counters[kind][entry === null ? 'misses' : 'hits']++;
        return entry !== null && 'value' in entry ? (entry.value as T) : null;
      } catch (error) {
        counters[kind].errors++;
        logger.debug({ err: error, kind }, 'cache read failed');
        return null;
      }
    },

    /** Stores a value produced elsewhere; losing it (Redis down) only costs a later miss. */
    async put(kind: CacheKind, key: string, value: unknown): Promise<void> {
      const client = usable();
      if (ttlSeconds[kind] === 0 || client === null) return;
      try {
        const { versions } = await read(client, kind, key, [key]);
        const keys = [entryKey(kind, key), tagKey(kind, key)];
        await storeIfCurrent(client, keys, JSON.stringify({ versions, value }), ttlSeconds[kind] * 1000, ...versions);
      } catch (error) {
        counters[kind].errors++;
        logger.warn({ err: error, kind }, 'cache write failed');
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
      for (const [flightKey, flight] of inFlight) {
        if (flightKey.startsWith(`${kind}:`) && flight.tags.some((tag) => list.includes(tag))) inFlight.delete(flightKey);
      }
      const client = usable();
      if (client === null || list.length === 0) return;
      try {
        const version = randomUUID();
        const pipeline = client.multi();
        for (const tag of list) pipeline.set(tagKey(kind, tag), version, 'PX', tagTtlMs(kind));
        pipeline.publish(invalidations, JSON.stringify(localTags));
        await pipeline.exec();
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
