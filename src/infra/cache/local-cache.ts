import { LRUCache } from 'lru-cache';

export interface LocalCacheOptions {
  /** How long an entry may be served from this process's memory; never past the Redis entry's own TTL. */
  ttlMs: number;
  /** Memory budget: the entries' JSON length summed. The least recently used go first. */
  maxBytes: number;
}

/** Every request shares the one object: frozen, a mutation throws instead of changing what others read. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

interface LocalEntry {
  value: unknown;
  /** `kind:tag` of every tag the value depends on. */
  tags: string[];
}

/**
 * The in-process layer in front of Redis for the hottest reads. Correct only while every
 * invalidation reaches it: the owner drops entries by tag when a write anywhere in the cluster
 * says so, and clears everything when it can no longer hear those messages.
 *
 * `generation` moves on with every drop, so a value read from Redis before an invalidation
 * arrived (but delivered after it) is not kept: `set` takes the generation seen when the read
 * started and refuses a value from an older one.
 */
export function createLocalCache(options: LocalCacheOptions) {
  const byTag = new Map<string, Set<string>>();
  let generation = 0;

  const entries = new LRUCache<string, LocalEntry>({
    maxSize: options.maxBytes,
    // lru-cache's default (1) caches "now" behind a 1 ms timer that re-arms on every lookup:
    // under load that is a thousand extra wake-ups a second. Read the clock instead.
    ttlResolution: 0,
    dispose: (entry, key) => {
      for (const tag of entry.tags) {
        const keys = byTag.get(tag);
        keys?.delete(key);
        if (keys?.size === 0) byTag.delete(tag);
      }
    },
  });

  return {
    generation: (): number => generation,

    get(key: string): { value: unknown } | undefined {
      const entry = entries.get(key);
      return entry === undefined ? undefined : { value: entry.value };
    },

    /** Keeps `value` unless an invalidation arrived since `seenGeneration` (the start of its read). */
    set(key: string, value: unknown, tags: string[], size: number, ttlMs: number, seenGeneration: number): void {
      if (seenGeneration !== generation || ttlMs <= 0) return;
      entries.set(key, { value: deepFreeze(value), tags }, { ttl: Math.min(ttlMs, options.ttlMs), size: size + key.length });
      if (!entries.has(key)) return;
      for (const tag of tags) {
        let keys = byTag.get(tag);
        if (keys === undefined) byTag.set(tag, (keys = new Set()));
        keys.add(key);
      }
    },

    /** Drops every entry that depends on one of `tags` (`kind:tag`). */
    drop(tags: string[]): void {
      generation++;
      for (const tag of tags) {
        for (const key of [...(byTag.get(tag) ?? [])]) entries.delete(key);
      }
    },

    clear(): void {
      generation++;
      entries.clear();
      byTag.clear();
    },

    size: (): number => entries.size,
  };
}

export type LocalCache = ReturnType<typeof createLocalCache>;
