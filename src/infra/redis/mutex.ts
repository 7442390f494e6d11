import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { releaseLock } from '../cache/cache-entry';
import { ServiceUnavailableError } from '../errors/app-error';
import type { RedisHandle } from './redis';

const lockTtlMs = 15_000;
const waitLimitMs = 10_000;
const pollMs = 20;

export type Mutex = <T>(name: string, run: () => Promise<T>) => Promise<T>;

/**
 * Runs one `run` per name at a time across the cluster: in line within this process, then under
 * a Redis lock (`SET NX PX`, released only by its holder) across processes and replicas. Without
 * Redis, or while it is unreachable, only the in-process order holds. A holder that dies frees
 * the name after 15 s; a caller that waits 10 s gets 503.
 */
export function createMutex(redis: RedisHandle | null, keyPrefix: string): Mutex {
  const queues = new Map<string, Promise<unknown>>();

  async function underRedisLock<T>(name: string, run: () => Promise<T>): Promise<T> {
    if (redis === null || !redis.isReady()) return run();
    const key = `${keyPrefix}mutex:${name}`;
    const token = randomUUID();
    const deadline = Date.now() + waitLimitMs;
    try {
      while ((await redis.client.set(key, token, 'PX', lockTtlMs, 'NX')) !== 'OK') {
        if (Date.now() >= deadline) throw new ServiceUnavailableError('BUSY');
        await delay(pollMs);
      }
    } catch (error) {
      if (error instanceof ServiceUnavailableError) throw error;
      return run();
    }
    try {
      return await run();
    } finally {
      await releaseLock(redis.client, [key], token).catch(() => undefined);
    }
  }

  return async (name, run) => {
    const before = queues.get(name) ?? Promise.resolve();
    const mine = before.catch(() => undefined).then(() => underRedisLock(name, run));
    queues.set(name, mine);
    try {
      return await mine;
    } finally {
      if (queues.get(name) === mine) queues.delete(name);
    }
  };
}
