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

const hungAfterMs = 500;
/** A connection silent this long is made again: to the master the sentinels name by then. */
const reconnectAfterMs = 3000;

/**
 * A hung master (SIGSTOP, a paused VM, a dead network path) leaves the connection open and
 * `ready`: every command would wait for the command timeout. A PING every 500 ms notices it
 * within a second; until one is answered again, or the client is ready on a new connection (the
 * new master after a failover), the client does not count as ready and callers fall back at once.
 * A connection silent for 3 s is dropped and made again: one that reached the old master after
 * the sentinels' +switch-master (a frozen one accepts connections) hears of no failover.
 */
function watchAnswers(client: Redis, log: Logger): { now(): boolean; stop(): void } {
  let answering = true;
  let silentSince: number | null = null;
  let pending = false;
  const answered = (): void => {
    answering = true;
    silentSince = null;
  };
  const silent = (): void => {
    if (answering) log.warn({ afterMs: hungAfterMs }, 'redis does not answer: treating it as away until it does');
    answering = false;
    silentSince ??= Date.now();
    if (Date.now() - silentSince >= reconnectAfterMs && client.status === 'ready') {
      log.warn({ silentMs: Date.now() - silentSince }, 'redis has not answered for seconds: connecting again');
      silentSince = null;
      client.disconnect(true);
    }
  };
  const timer = setInterval(() => {
    if (pending || client.status !== 'ready') return;
    pending = true;
    withTimeout(client.ping(), hungAfterMs, 'redis ping')
      .then(answered, silent)
      .finally(() => (pending = false));
  }, hungAfterMs);
  timer.unref();
  client.on('ready', answered);
  return { now: () => answering, stop: () => clearInterval(timer) };
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
  const answering = watchAnswers(client, log);

  return {
    client,
    connections,
    topology,
    isReady: () => client.status === 'ready' && answering.now(),
    waitUntilReady: (timeoutMs) => waitForReady(client, timeoutMs),
    async ping(timeoutMs) {
      const started = performance.now();
      await withTimeout(client.ping(), timeoutMs, 'redis ping');
      return performance.now() - started;
    },
    async close() {
      topology.stop();
      answering.stop();
      connections.release(client);
      await client.quit().catch(() => client.disconnect());
    },
  };
}
