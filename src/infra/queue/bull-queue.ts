import Bull from 'bull';
import type { Redis } from 'ioredis';
import type { Config } from '../config/config';
import type { Logger } from '../logger';
import type { RedisConnections } from '../redis/connections';
import { waitForReady } from '../redis/redis';
import type { Acknowledgement } from './acknowledgement';

/** Bull's types name its own nested ioredis 5; ours is ioredis 6, which Bull drives the same way. */
type BullRedis = ReturnType<NonNullable<Bull.QueueOptions['createClient']>>;

export interface QueueConnection {
  connections: RedisConnections;
  keyPrefix: string;
  settings: Config['queues'];
  /**
   * API processes fail fast (no offline queue: an enqueue answers 503 at once while Redis is
   * away); workers queue their commands through a reconnect so a blip does not fail a job.
   */
  failFast: boolean;
  acknowledgement: Acknowledgement;
}

export interface OpenQueue<T> {
  queue: Bull.Queue<T>;
  /** Bull's command client: where jobs are added, and where WAIT confirms them on replicas. */
  client: Redis;
  acknowledgement: Acknowledgement;
  /** Resolves once the command connection is up, or after `timeoutMs` whatever the state. */
  waitUntilReady(timeoutMs: number): Promise<void>;
  isReady(): boolean;
  /** Stops taking jobs, lets active ones finish (when this process runs jobs), then disconnects. */
  close(): Promise<void>;
}

const uses = { client: 'queue', bclient: 'queue-blocking', subscriber: 'queue-events' } as const;

/**
 * One Bull queue on the shared Redis. Its three connections come from the connection factory:
 * the command client, and the blocking and subscriber clients (connections.ts says why each has
 * the options it has).
 */
export function openQueue<T>(name: string, connection: QueueConnection, logger: Logger): OpenQueue<T> {
  const log = logger.child({ component: 'queue', queue: name });
  const clients: Redis[] = [];
  const { settings } = connection;

  const queue = new Bull<T>(name, {
    prefix: `${connection.keyPrefix}bull`,
    createClient(type) {
      const client = connection.connections.open(uses[type], { failFast: connection.failFast });
      clients.push(client);
      return client as unknown as BullRedis;
    },
    settings: {
      lockDuration: settings.lockDurationMs,
      stalledInterval: settings.stalledIntervalMs,
      // A job whose worker died is run again once; dying twice means the job kills workers.
      maxStalledCount: 1,
    },
    defaultJobOptions: {
      attempts: settings.attempts,
      backoff: { type: 'exponential', delay: settings.backoffMs },
      removeOnComplete: settings.keepCompleted,
      removeOnFail: settings.keepFailed,
    },
  });

  let reported: 'up' | 'down' | null = null;
  queue.on('error', (error: Error) => {
    if (reported !== 'down') log.warn({ err: error }, 'queue connection problem; retrying');
    reported = 'down';
  });
  // Touching `client` opens the command connection now rather than at the first enqueue.
  const client = queue.client as unknown as Redis;
  client.on('ready', () => {
    if (reported === 'down') log.info('queue connection restored');
    reported = 'up';
  });

  return {
    queue,
    client,
    acknowledgement: connection.acknowledgement,
    isReady: () => client.status === 'ready',
    waitUntilReady: (timeoutMs) => waitForReady(client, timeoutMs),
    async close() {
      for (const opened of clients) connection.connections.release(opened);
      await queue.close().catch((error: unknown) => log.warn({ err: error }, 'closing the queue failed'));
      // Bull leaves connections it did not create itself open.
      await Promise.all(clients.map((c) => c.quit().catch(() => c.disconnect())));
    },
  };
}
