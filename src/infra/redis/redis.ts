import { once } from 'node:events';
import type { Redis } from 'ioredis';
import type { RedisConfig } from '../config/redis-config';
import type { Logger } from '../logger';
import { withTimeout } from '../with-timeout';
import { createConnections, type RedisConnections } from './connections';
import { watchTopology, type TopologyWatch } from './topology';

export interface RedisHandle {
  readonly client: Redis;
  /** Where every other client of this process (queues, subscribers) comes from. */
  readonly connections: RedisConnections;
  /** Who is master and how many replicas follow it, read every second. */
  readonly topology: TopologyWatch;
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
 * One shared client per process (connections.ts, `shared`). Commands fail at once while Redis
 * is unreachable or hung, so callers can fall back instead of waiting; the client keeps
 * reconnecting in the background (to the new master after a failover) and is used again as
 * soon as Redis is back. Returns null when no Redis is configured: the API then runs without it.
 */
export function createRedis(config: RedisConfig, logger: Logger): RedisHandle | null {
  const { server } = config;
  if (server === null) {
    logger.warn({ component: 'redis' }, 'neither REDIS_URL nor REDIS_SENTINELS is set: running without cache and shared rate limits');
    return null;
  }
  const log = logger.child({ component: 'redis' });
  const connections = createConnections({ ...config, server }, logger);
  const client = connections.open('shared');
  let reported: 'up' | 'down' | null = null;
  client.on('ready', () => {
    if (reported !== 'up') log.info({ master: connections.stats().master }, 'connected to redis');
    reported = 'up';
  });
  client.on('error', (error: Error) => {
    if (reported !== 'down') log.warn({ err: error }, 'redis unavailable; continuing without it until it is back');
    reported = 'down';
  });
  const topology = watchTopology(connections, client, logger);

  return {
    client,
    connections,
    topology,
    isReady: () => client.status === 'ready',
    waitUntilReady: (timeoutMs) => waitForReady(client, timeoutMs),
    async ping(timeoutMs) {
      const started = performance.now();
      await withTimeout(client.ping(), timeoutMs, 'redis ping');
      return performance.now() - started;
    },
    async close() {
      topology.stop();
      await client.quit().catch(() => client.disconnect());
    },
  };
}
