import { luaScript } from '../redis/lua-script';

/**
 * What one cache key holds. `versions` are the versions of the entry's tags seen *before* its
 * value was loaded ('' for a tag never written); an entry is valid only while every tag still
 * has that version, so a write that bumps a tag during or after the load makes it a miss.
 */
export type CacheEntry = { versions: string[] } & ({ value: unknown } | { missing: string });

/** A tag version for a tag that was never written (or whose version expired). */
export const unversioned = '';

export function isCurrent(entry: CacheEntry, versions: string[]): boolean {
  return entry.versions.length === versions.length && entry.versions.every((version, index) => version === versions[index]);
}

export function parseEntry(raw: string | null): CacheEntry | null {
  if (raw === null) return null;
  const parsed = JSON.parse(raw) as Partial<CacheEntry>;
  // Entries of an older shape are simply misses.
  return Array.isArray(parsed.versions) && ('value' in parsed || 'missing' in parsed) ? (parsed as CacheEntry) : null;
}

/** Stores an entry only if its tags still have the versions it was loaded under (see the file). */
export const storeIfCurrent = luaScript<number>('epCacheStoreIfCurrent', 'cache-store-if-current');

/** Deletes the lock only if it still holds this loader's token. */
export const releaseLock = luaScript<number>('epCacheReleaseLock', 'cache-release-lock');
