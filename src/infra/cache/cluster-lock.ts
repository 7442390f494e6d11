import { setTimeout as delay } from 'node:timers/promises';
import { releaseLock, type CacheEntry } from './cache-entry';
import type { CacheKind } from './cache-kinds';
import type { Client, TagVersionedStore } from './tag-versioned-store';

/** Found a current entry, or holds the lock (or gave up waiting for it) with the tag versions seen. */
export type LockOutcome = { entry: CacheEntry } | { locked: boolean; versions: string[] };

export interface ClusterLockOptions {
  store: TagVersionedStore;
  /** How long a loader may hold the lock on a key. */
  lockTtlMs: number;
  /** How long others wait for the lock holder's value before loading themselves. */
  lockWaitMs: number;
}

const pollMs = 15;

/** A short Redis lock per key, so that concurrent misses across the cluster load once. */
export function createClusterLock({ store, lockTtlMs, lockWaitMs }: ClusterLockOptions) {
  return {
    /**
     * Takes the key's lock, or waits for the holder's entry. A waiter that sees the lock gone
     * (the holder's loader failed, which releases it) takes the lock itself. Redis calls only:
     * the loader runs outside, so its errors are never mistaken for cache errors.
     */
    async lockOrEntry(client: Client, kind: CacheKind, key: string, tags: string[], token: string): Promise<LockOutcome> {
      const lockKey = store.lockKey(kind, key);
      const deadline = Date.now() + lockWaitMs;
      let versions: string[] = [];
      while (Date.now() < deadline) {
        if ((await client.set(lockKey, token, 'PX', lockTtlMs, 'NX')) === 'OK') {
          // Another process may have stored the value between our read and our lock.
          const found = await store.read(client, kind, key, tags);
          if (found.entry === null) return { locked: true, versions: found.versions };
          await releaseLock(client, [lockKey], token);
          return { entry: found.entry };
        }
        for (let locked = true; locked && Date.now() < deadline;) {
          await delay(pollMs);
          const found = await store.read(client, kind, key, tags, true);
          if (found.entry !== null) return { entry: found.entry };
          ({ locked, versions } = found);
        }
      }
      return { locked: false, versions };
    },

    release: (client: Client, kind: CacheKind, key: string, token: string): Promise<number> => releaseLock(client, [store.lockKey(kind, key)], token),
  };
}

export type ClusterLock = ReturnType<typeof createClusterLock>;
