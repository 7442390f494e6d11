import { randomUUID } from 'node:crypto';
import { NotFoundError } from '../errors/app-error';
import type { Logger } from '../logger';
import type { RedisHandle } from '../redis/redis';
import { unversioned, type CacheEntry } from './cache-entry';
import type { CacheCounters, CacheKind } from './cache-kinds';
import type { ClusterLock, LockOutcome } from './cluster-lock';
import type { Client, ReadOutcome, TagVersionedStore } from './tag-versioned-store';

export interface LoadContext {
  /**
   * A write touched this entry's tags recently: read from the primary, since a lagging
   * secondary could still show the value from before the write (read-your-writes).
   */
  afterWrite: boolean;
}

export type Loader<T> = (context: LoadContext) => Promise<T>;
/** `current`: no write got in between. `size`: the entry's JSON length, for a value read from Redis. */
export type Outcome<T> = { value: T; current: boolean; size?: number };

/** What a read through the cache uses: the store, the lock, the counters and the loader's limits. */
export interface ReadThroughParts {
  redis: RedisHandle | null;
  store: TagVersionedStore;
  lock: ClusterLock;
  counters: Record<CacheKind, CacheCounters>;
  logger: Logger;
  ttlSeconds: Record<CacheKind, number>;
  missingTtlMs: number;
  sourceAvailable?: (() => boolean) | undefined;
  unavailable?: (() => Error) | undefined;
}

export function answer<T>(entry: CacheEntry): T {
  if ('missing' in entry) throw new NotFoundError(entry.missing);
  return entry.value as T;
}

/** Counts and logs a Redis failure the caller got past (it loads, or goes without the cache). */
export function failed(parts: ReadThroughParts, kind: CacheKind, error: unknown, message: string, level: 'debug' | 'warn' = 'debug'): void {
  parts.counters[kind].errors++;
  parts.logger[level]({ err: error, kind }, message);
}

/** Runs the loader and stores its outcome under `versions`; false when a write got in between. */
export async function loadAndStore<T>(
  parts: ReadThroughParts,
  client: Client | null,
  kind: CacheKind,
  key: string,
  tags: string[],
  versions: string[],
  loader: Loader<T>,
): Promise<Outcome<T>> {
  if (parts.sourceAvailable && !parts.sourceAvailable()) throw parts.unavailable?.() ?? new Error('the cache source is unavailable');
  parts.counters[kind].loads++;
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
      current = await parts.store.storeIfCurrent(client, kind, key, tags, entry, notFound ? parts.missingTtlMs : parts.ttlSeconds[kind] * 1000);
    } catch (error) {
      failed(parts, kind, error, 'cache write failed');
    }
  }
  if (notFound) throw notFound;
  return { value: value as T, current };
}

async function loadOnceInCluster<T>(
  parts: ReadThroughParts,
  client: Client,
  kind: CacheKind,
  key: string,
  tags: string[],
  loader: Loader<T>,
): Promise<Outcome<T>> {
  const token = randomUUID();
  let outcome: LockOutcome;
  try {
    outcome = await parts.lock.lockOrEntry(client, kind, key, tags, token);
  } catch (error) {
    failed(parts, kind, error, 'cache lock failed; loading from the database');
    return loadAndStore(parts, null, kind, key, tags, [], loader);
  }
  if ('entry' in outcome) return { value: answer<T>(outcome.entry), current: true };
  try {
    return await loadAndStore(parts, client, kind, key, tags, outcome.versions, loader);
  } finally {
    if (outcome.locked) await parts.lock.release(client, kind, key, token).catch(() => undefined);
  }
}

/** The entry from Redis, else the loader's value, loaded once in the cluster and stored. */
export async function readThrough<T>(parts: ReadThroughParts, kind: CacheKind, key: string, tags: string[], loader: Loader<T>): Promise<Outcome<T>> {
  const client = parts.store.usable();
  if (client === null) {
    if (parts.redis !== null) parts.counters[kind].errors++;
    return loadAndStore(parts, null, kind, key, tags, [], loader);
  }
  let found: ReadOutcome;
  try {
    found = await parts.store.read(client, kind, key, tags);
  } catch (error) {
    failed(parts, kind, error, 'cache read failed; loading from the database');
    return loadAndStore(parts, null, kind, key, tags, [], loader);
  }
  if (found.entry !== null) {
    parts.counters[kind].hits++;
    return { value: answer<T>(found.entry), current: true, size: found.size };
  }
  parts.counters[kind].misses++;
  return loadOnceInCluster(parts, client, kind, key, tags, loader);
}
