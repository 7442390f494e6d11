import type { CacheKind } from './cache-kinds';
import { failed, type ReadThroughParts } from './read-through';

/**
 * Reads an entry without loading it: for values produced elsewhere (lessons are made by
 * workers). Null when absent, when the kind is disabled (TTL 0) or when Redis is down.
 */
export async function peekEntry<T>(parts: ReadThroughParts, kind: CacheKind, key: string): Promise<T | null> {
  const client = parts.store.usable();
  if (parts.ttlSeconds[kind] === 0 || client === null) return null;
  try {
    const { entry } = await parts.store.read(client, kind, key, [key]);
    parts.counters[kind][entry === null ? 'misses' : 'hits']++;
    return entry !== null && 'value' in entry ? (entry.value as T) : null;
  } catch (error) {
    failed(parts, kind, error, 'cache read failed');
    return null;
  }
}

/** Stores a value produced elsewhere; losing it (Redis down) only costs a later miss. */
export async function putEntry(parts: ReadThroughParts, kind: CacheKind, key: string, value: unknown): Promise<void> {
  const client = parts.store.usable();
  if (parts.ttlSeconds[kind] === 0 || client === null) return;
  try {
    const { versions } = await parts.store.read(client, kind, key, [key]);
    await parts.store.storeIfCurrent(client, kind, key, [key], { versions, value }, parts.ttlSeconds[kind] * 1000);
  } catch (error) {
    failed(parts, kind, error, 'cache write failed', 'warn');
  }
}
