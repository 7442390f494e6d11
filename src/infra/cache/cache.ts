import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from '../logger';
import type { RedisHandle } from '../redis/redis';

export const cacheKinds = ['profile', 'search', 'stats', 'lesson'] as const;
export type CacheKind = (typeof cacheKinds)[number];

export interface CacheCounters {
  /** Answered from Redis. */
  hits: number;
  /** Not in Redis when asked. */
  misses: number;
  /** Times the loader ran (a database read). */
  loads: number;
  /** Joined a load already running in this process. */
  coalesced: number;
  /** Redis failed; the request was answered from the loader. */
  errors: number;
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
}

/** Bump when the shape of cached values changes: old entries are then simply never read. */
const formatVersion = 'v1';
const releaseLockScript = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

/**
 * Cache-aside over the shared Redis. Concurrent misses for one key run the loader once
 * per process (single flight) and, through a short Redis lock, once per cluster. Kinds
 * whose entries cannot be listed (search) are invalidated by bumping a generation number
 * that is part of their keys. With Redis down every call simply loads.
 */
export function createCache(options: CacheOptions) {
  const { redis, logger, ttlSeconds } = options;
  const lockTtlMs = options.lockTtlMs ?? 5000;
  const lockWaitMs = options.lockWaitMs ?? 3000;
  const inFlight = new Map<string, Promise<unknown>>();
  const counters = Object.fromEntries(
    cacheKinds.map((kind) => [kind, { hits: 0, misses: 0, loads: 0, coalesced: 0, errors: 0 }]),
  ) as Record<CacheKind, CacheCounters>;
  const generationKey = (kind: CacheKind): string => `${options.keyPrefix}cache:${formatVersion}:${kind}:generation`;

  async function keyFor(kind: CacheKind, key: string, client: RedisHandle['client']): Promise<string> {
    const generation = kind === 'search' ? ((await client.get(generationKey(kind))) ?? '0') : '0';
    return `${options.keyPrefix}cache:${formatVersion}:${kind}:${generation}:${key}`;
  }

  async function load<T>(kind: CacheKind, loader: () => Promise<T>): Promise<T> {
    counters[kind].loads++;
    return loader();
  }

  async function readThrough<T>(kind: CacheKind, key: string, loader: () => Promise<T>): Promise<T> {
    if (redis === null || !redis.isReady()) {
      if (redis !== null) counters[kind].errors++;
      return load(kind, loader);
    }
    const { client } = redis;
    let fullKey: string;
    let cached: string | null;
    try {
      fullKey = await keyFor(kind, key, client);
      cached = await client.get(fullKey);
    } catch (error) {
      counters[kind].errors++;
      logger.debug({ err: error, kind }, 'cache read failed; loading from the database');
      return load(kind, loader);
    }
    if (cached !== null) {
      counters[kind].hits++;
      return JSON.parse(cached) as T;
    }
    counters[kind].misses++;
    return loadOnceInCluster(kind, fullKey, loader, client);
  }

  async function loadOnceInCluster<T>(kind: CacheKind, fullKey: string, loader: () => Promise<T>, client: RedisHandle['client']): Promise<T> {
    const lockKey = `${fullKey}:lock`;
    const token = randomUUID();
    try {
      if ((await client.set(lockKey, token, 'PX', lockTtlMs, 'NX')) === 'OK') {
        try {
          // Another process may have stored the value between our read and our lock.
          const stored = await client.get(fullKey);
          if (stored !== null) return JSON.parse(stored) as T;
          const value = await load(kind, loader);
          await client.set(fullKey, JSON.stringify(value), 'EX', ttlSeconds[kind]);
          return value;
        } finally {
          await client.eval(releaseLockScript, 1, lockKey, token).catch(() => undefined);
        }
      }
      for (const deadline = Date.now() + lockWaitMs; Date.now() < deadline; ) {
        await delay(15);
        const stored = await client.get(fullKey);
        if (stored !== null) return JSON.parse(stored) as T;
      }
    } catch (error) {
      counters[kind].errors++;
      logger.debug({ err: error, kind }, 'cache lock failed; loading from the database');
    }
    return load(kind, loader);
  }

  return {
    async getOrLoad<T>(kind: CacheKind, key: string, loader: () => Promise<T>): Promise<T> {
      if (ttlSeconds[kind] === 0) return load(kind, loader);
      const flightKey = `${kind}:${key}`;
      const running = inFlight.get(flightKey) as Promise<T> | undefined;
      if (running) {
        counters[kind].coalesced++;
        return running;
      }
      const flight = readThrough(kind, key, loader).finally(() => inFlight.delete(flightKey));
      inFlight.set(flightKey, flight);
      return flight;
    },

    /**
     * Reads an entry without loading it: for values produced elsewhere (lessons are made by
     * workers). Null when absent, when the kind is disabled (TTL 0) or when Redis is down.
     */
    async peek<T>(kind: CacheKind, key: string): Promise<T | null> {
      if (ttlSeconds[kind] === 0 || redis === null || !redis.isReady()) return null;
      try {
        const cached = await redis.client.get(await keyFor(kind, key, redis.client));
        counters[kind][cached === null ? 'misses' : 'hits']++;
        return cached === null ? null : (JSON.parse(cached) as T);
      } catch (error) {
        counters[kind].errors++;
        logger.debug({ err: error, kind }, 'cache read failed');
        return null;
      }
    },

    /** Stores a value produced elsewhere; losing it (Redis down) only costs a later miss. */
    async put(kind: CacheKind, key: string, value: unknown): Promise<void> {
      if (ttlSeconds[kind] === 0 || redis === null || !redis.isReady()) return;
      try {
        await redis.client.set(await keyFor(kind, key, redis.client), JSON.stringify(value), 'EX', ttlSeconds[kind]);
      } catch (error) {
        counters[kind].errors++;
        logger.warn({ err: error, kind }, 'cache write failed');
      }
    },

    /** Drops one entry; with Redis down there is nothing to drop (it comes back empty or expires). */
    async invalidate(kind: CacheKind, key: string): Promise<void> {
      if (redis === null || !redis.isReady()) return;
      try {
        await redis.client.del(await keyFor(kind, key, redis.client));
      } catch (error) {
        counters[kind].errors++;
        logger.warn({ err: error, kind, key }, 'cache invalidation failed');
      }
    },

    /** Drops every entry of a kind at once by moving it to a new generation. */
    async invalidateAll(kind: CacheKind): Promise<void> {
      if (redis === null || !redis.isReady()) return;
      try {
        await redis.client.incr(generationKey(kind));
      } catch (error) {
        counters[kind].errors++;
        logger.warn({ err: error, kind }, 'cache invalidation failed');
      }
    },

    counters: (): Record<CacheKind, CacheCounters> => structuredClone(counters),
  };
}

export type Cache = ReturnType<typeof createCache>;
