import { setImmediate as afterPendingIo } from 'node:timers/promises';
import type { Logger } from '../logger';
import type { RedisHandle } from '../redis/redis';
import type { CacheCounters, CacheKind } from './cache-kinds';
import { openInvalidationChannel } from './invalidation-channel';
import { createLocalCache, type LocalCacheOptions } from './local-cache';

const localTag = (kind: CacheKind, tag: string): string => `${kind}:${tag}`;

/**
 * The in-process layer in front of Redis with the subscription that keeps it right: values are
 * kept and served only while this process receives every process's invalidations. Every
 * process publishes its invalidations (workers too), whether or not it keeps a layer.
 */
export function createLocalLayer(redis: RedisHandle | null, options: LocalCacheOptions | undefined, invalidations: string, logger: Logger) {
  const local = redis !== null && options && options.ttlMs > 0 ? createLocalCache(options) : null;
  const channel = local && redis ? openInvalidationChannel(redis, invalidations, local, logger) : null;
  const inUse = (): boolean => channel !== null && channel.listening();

  return {
    /** The value kept for `key`, after the invalidations this process has already received. */
    async value(key: string, counters: CacheCounters): Promise<{ value: unknown } | undefined> {
      if (local === null || !inUse()) return undefined;
      await afterPendingIo();
      const kept = inUse() ? local.get(key) : undefined;
      if (kept === undefined) return undefined;
      counters.hits++;
      counters.localHits++;
      return kept;
    },

    /** Where invalidations stand now: a value read from here on may be kept. */
    generation: (): number => local?.generation() ?? 0,

    /** Keeps a value read from Redis (its JSON `size`), unless an invalidation arrived since `generation`. */
    keep(kind: CacheKind, key: string, tags: string[], value: unknown, size: number | undefined, ttlMs: number, generation: number): void {
      if (local === null || size === undefined || !inUse()) return;
      local.set(
        key,
        value,
        tags.map((tag) => localTag(kind, tag)),
        size,
        ttlMs,
        generation,
      );
    },

    /** Drops this process's values that depend on `tags`; returns the message that tells the others. */
    drop(kind: CacheKind, tags: string[]): string {
      const localTags = tags.map((tag) => localTag(kind, tag));
      local?.drop(localTags);
      return JSON.stringify(localTags);
    },

    size: (): number => local?.size() ?? 0,

    close: async (): Promise<void> => {
      await channel?.close();
    },
  };
}
