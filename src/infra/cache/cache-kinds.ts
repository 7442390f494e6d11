/** What the cache holds; each kind has its own TTL (config `cache.ttlSeconds`) and counters. */
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

export function zeroCounters(): Record<CacheKind, CacheCounters> {
  return Object.fromEntries(cacheKinds.map((kind) => [kind, { hits: 0, localHits: 0, misses: 0, loads: 0, coalesced: 0, errors: 0 }])) as Record<
    CacheKind,
    CacheCounters
  >;
}
