import { once } from 'node:events';
import { Redis } from 'ioredis';
import type { Config } from '../config/config';
import type { Logger } from '../logger';
import { withTimeout } from '../with-timeout';

export interface RedisHandle {
  readonly client: Redis;
  isReady(): boolean;
  /** Resolves once connected (at once if already), or after `timeoutMs` whatever the state. */
  waitUntilReady(timeoutMs: number): Promise<void>;
  /** Round-trip time in ms; rejects when Redis does not answer within `timeoutMs`. */
  ping(timeoutMs: number): Promise<number>;
  close(): Promise<void>;
}

/** Resolves once `client` is connected (at once if already), or after `timeoutMs` whatever the state. */
export async function waitForReady(client: Redis, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') return;
  await withTimeout(once(client, 'ready'), timeoutMs, 'redis connection').catch(() => undefined);
}

/**
 * One shared client per process. Commands fail at once while Redis is unreachable
 * (no offline queue), so callers can fall back instead of waiting; the client keeps
 * reconnecting in the background and is used again as soon as Redis is back.
 * Returns null when no Redis is configured: the API then runs without it.
 */
export function createRedis(config: Config['redis'], logger: Logger): RedisHandle | null {
  if (config.url === null) {
    logger.warn({ component: 'redis' }, 'REDIS_URL is not set: running without cache and shared rate limits');
    return null;
  }
  const log = logger.child({ component: 'redis' });
  const client = new Redis(config.url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    retryStrategy: (attempt) => Math.min(100 * 2 ** attempt, 2000),
    lazyConnect: false,
    // Commands issued in the same tick (cache reads, rate-limit counters of concurrent
    // requests) go to Redis in one write: fewer syscalls and round trips under load.
    enableAutoPipelining: true,
  });
  let reported: 'up' | 'down' | null = null;
  client.on('ready', () => {
    if (reported !== 'up') log.info('connected to redis');
    reported = 'up';
  });
  client.on('error', (error: Error) => {
    if (reported !== 'down') log.warn({ err: error }, 'redis unavailable; continuing without it until it is back');
    reported = 'down';
  });

  return {
    client,
    isReady: () => client.status === 'ready',
    waitUntilReady: (timeoutMs) => waitForReady(client, timeoutMs),
    async ping(timeoutMs) {
      const started = performance.now();
      await withTimeout(client.ping(), timeoutMs, 'redis ping');
      return performance.now() - started;
    },
    async close() {
      await client.quit().catch(() => client.disconnect());
    },
  };
}
