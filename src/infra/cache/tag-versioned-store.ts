import { randomUUID } from 'node:crypto';
import type { RedisHandle } from '../redis/redis';
import { isCurrent, parseEntry, storeIfCurrent, unversioned, type CacheEntry } from './cache-entry';
import type { CacheKind } from './cache-kinds';

export type Client = RedisHandle['client'];

/** Bump when the shape of cached values changes: old entries are then simply never read. */
const formatVersion = 'v2';

export interface TagVersionedStoreOptions {
  redis: RedisHandle | null;
  keyPrefix: string;
  ttlSeconds: Record<CacheKind, number>;
  lockTtlMs: number;
}

/** An entry read with the current versions of the tags asked for (and the key's lock holder, if asked). */
export interface ReadOutcome {
  /** Null when absent or outdated by a write to one of its tags. */
  entry: CacheEntry | null;
  /** The entry's JSON length. */
  size: number;
  locked: boolean;
  versions: string[];
}

/**
 * The entries in Redis and the versions of their tags. An entry is current only while each of
 * its tags has the version seen before its value was loaded; a write bumps the versions of the
 * tags it can change (and tells every process, for their in-memory layers).
 */
export function createTagVersionedStore(options: TagVersionedStoreOptions) {
  const { redis, ttlSeconds } = options;
  const base = `${options.keyPrefix}cache:${formatVersion}`;
  const entryKey = (kind: CacheKind, key: string): string => `${base}:${kind}:${key}`;
  const tagKey = (kind: CacheKind, tag: string): string => `${base}:${kind}:tag:${tag}`;
  // A tag version must outlive every entry stored under it, or an old entry could look current.
  const tagTtlMs = (kind: CacheKind): number => 2 * ttlSeconds[kind] * 1000 + options.lockTtlMs;
  const lockKey = (kind: CacheKind, key: string): string => `${entryKey(kind, key)}:lock`;
  const invalidations = `${base}:invalidations`;

  return {
    /** The pub/sub channel every process's invalidations go to. */
    invalidations,
    lockKey,

    usable: (): Client | null => (redis !== null && redis.isReady() ? redis.client : null),

    /** The entry, the lock holder (if asked) and the current tag versions, in one round trip. */
    async read(client: Client, kind: CacheKind, key: string, tags: string[], withLock = false): Promise<ReadOutcome> {
      const keys = [entryKey(kind, key), ...(withLock ? [lockKey(kind, key)] : []), ...tags.map((tag) => tagKey(kind, tag))];
      const [raw, ...rest] = await client.mget(keys);
      const lock = withLock ? rest.shift() : null;
      const versions = rest.map((version) => version ?? unversioned);
      const entry = parseEntry(raw ?? null);
      const current = entry !== null && isCurrent(entry, versions);
      return { entry: current ? entry : null, size: current ? raw!.length : 0, locked: lock !== null && lock !== undefined, versions };
    },

    /** Stores the entry unless one of its tags moved past the versions it holds; false when one did. */
    async storeIfCurrent(client: Client, kind: CacheKind, key: string, tags: string[], entry: CacheEntry, ttlMs: number): Promise<boolean> {
      const keys = [entryKey(kind, key), ...tags.map((tag) => tagKey(kind, tag))];
      return (await storeIfCurrent(client, keys, JSON.stringify(entry), ttlMs, ...entry.versions)) === 1;
    },

    /** New versions for `tags`, and `message` to every process, in one round trip. */
    async bump(client: Client, kind: CacheKind, tags: string[], message: string): Promise<void> {
      const version = randomUUID();
      const pipeline = client.multi();
      for (const tag of tags) pipeline.set(tagKey(kind, tag), version, 'PX', tagTtlMs(kind));
      pipeline.publish(invalidations, message);
      await pipeline.exec();
    },
  };
}

export type TagVersionedStore = ReturnType<typeof createTagVersionedStore>;
