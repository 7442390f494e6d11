import type { ConnectionOptions } from 'node:tls';
import { Redis, type RedisOptions } from 'ioredis';
import type { RedisConfig, RedisServer, SentinelAddress } from '../config/redis-config';
import type { Logger } from '../logger';
import { defineLuaScripts } from './lua-script';

/**
 * What a connection is for; each use gets the options it needs (docs/redis-high-availability.md):
 * - `shared`: the process's client for the cache, rate limits, metrics, heartbeats and the search
 *   index. Fails fast: no offline queue, one retry, a command timeout (a hung master), nothing
 *   re-sent after a reconnect; callers fall back instead of waiting.
 * - `invalidations`: the cache's pub/sub subscriber; it subscribes again itself on each `ready`.
 * - `queue`: Bull's command client. In API processes fail-fast like `shared` (an enqueue answers
 *   503 at once); in workers it queues its commands through a reconnect, so a failover does not
 *   fail a job that is finishing.
 * - `queue-blocking`, `queue-events`: Bull's blocking and subscriber clients, which Bull requires
 *   to retry forever and to skip the ready check (bull #1873).
 */
export type ConnectionUse = 'shared' | 'invalidations' | 'queue' | 'queue-blocking' | 'queue-events';

export interface ConnectionStats {
  /** `ready` again after a lost connection, per use. */
  reconnections: Record<ConnectionUse, number>;
  /** Clients that had stopped for good without being closed, connected again (see `revive`). */
  revived: number;
  /** Times the shared client found the master at another address than before: a failover seen by this process. */
  failovers: number;
  /** The address the shared client is connected to (null while it is not). */
  master: string | null;
}

export interface RedisConnections {
  readonly server: RedisServer;
  /** A new client for `use`. `failFast` applies to `queue` (API processes); the other uses decide for themselves. */
  open(use: ConnectionUse, options?: { failFast?: boolean }): Redis;
  /** Says that the client's owner is closing it (before its quit or disconnect): it is not connected again. */
  release(client: Redis): void;
  /** A client to one sentinel, for reading the topology: no retries, the caller moves on to the next. */
  openSentinel(sentinel: SentinelAddress): Redis;
  stats(): ConnectionStats;
}

export const connectionUses: readonly ConnectionUse[] = ['shared', 'invalidations', 'queue', 'queue-blocking', 'queue-events'];

/** Reconnect quickly, then every 2 s: a failover takes seconds, and a client must be back right after it. */
const retryStrategy = (attempt: number): number => Math.min(100 * 2 ** attempt, 2000);

/** Sentinel mode: how the master is found, and how a failover is noticed even when the old master hangs. */
function sentinelOptions(server: Extract<RedisServer, { mode: 'sentinel' }>, tls: ConnectionOptions): RedisOptions {
  return {
    sentinels: server.sentinels,
    name: server.name,
    role: 'master',
    username: server.username ?? undefined,
    password: server.password ?? undefined,
    sentinelPassword: server.sentinelPassword ?? undefined,
    ...(server.tls ? { enableTLSForSentinelMode: true, tls } : {}),
    ...(server.sentinelTls ? { sentinelTLS: tls } : {}),
    // ioredis otherwise notices a failover only when the old master closes the connection: a
    // hung (SIGSTOPped, paused) master keeps clients on it (ioredis #1314, #1328). With the
    // detector each client subscribes to +switch-master on the sentinels and reconnects at once.
    failoverDetector: true,
    // The detector's subscriptions: back within 2 s when a sentinel restarts (default 60 s).
    sentinelReconnectStrategy: () => 2000,
    // All sentinels unreachable: ask again soon, the client must not give up.
    sentinelRetryStrategy: (attempt: number) => Math.min(attempt * 100, 1000),
    sentinelCommandTimeout: 1000,
  };
}

function tlsOptions(config: RedisConfig): ConnectionOptions {
  return config.tlsCa === null ? {} : { ca: config.tlsCa };
}

/** What a command does when Redis is away: fail at once (a caller that falls back) or wait. */
const failFast = (failFastOptions: boolean, commandTimeout: number): RedisOptions =>
  failFastOptions
    ? {
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        commandTimeout,
        // A command sent to a master that then went away is not sent again to the next one:
        // its caller already failed (timeout) and fell back, or answered 503.
        autoResendUnfulfilledCommands: false,
        // A write that reached a demoted master: reconnect (Sentinel names the new one) and fail it.
        reconnectOnError: (error) => (error.message.startsWith('READONLY') ? 1 : false),
      }
    : {
        maxRetriesPerRequest: null,
        // A write that reached a demoted master: reconnect and send it again to the new one.
        reconnectOnError: (error) => (error.message.startsWith('READONLY') ? 2 : false),
      };

function optionsFor(config: RedisConfig, use: ConnectionUse, queueFailsFast: boolean): RedisOptions {
  const timeout = config.commandTimeoutMs;
  switch (use) {
    case 'shared':
      // Commands issued in the same tick (cache reads, rate-limit counters of concurrent
      // requests) go to Redis in one write: fewer syscalls and round trips under load.
      return { ...failFast(true, timeout), enableAutoPipelining: true };
    case 'invalidations':
      return { ...failFast(true, timeout), autoResubscribe: false };
    case 'queue':
      // Room for the WAIT that acknowledges an enqueue (it blocks up to REDIS_ACK_TIMEOUT_MS).
      return failFast(queueFailsFast, config.commandTimeoutMs + config.ackTimeoutMs);
    case 'queue-blocking':
    case 'queue-events':
      return { ...failFast(false, timeout), enableReadyCheck: false };
  }
}

/**
 * ioredis gives up on a client for good (status `end`, no retry) when its connector fails to
 * connect, and its failover detector makes it fail: on +switch-master it disconnects the
 * connector even while the client is reconnecting (after the master died), and that connect
 * then fails with "Connection is closed". Seen in the failover test: an API process's shared
 * client never came back after a SIGKILL failover. A client that ends without its owner having
 * released it is connected again.
 */
function revive(client: Redis, use: ConnectionUse, owner: { server: RedisServer; released: WeakSet<Redis>; stats: ConnectionStats; log: Logger }): void {
  const { server, released, stats, log } = owner;
  client.on('end', () => {
    if (released.has(client)) {
      // quit() ends the connection but not the failover detector's subscriptions to the
      // sentinels, which would keep the process alive; disconnect() ends those too.
      if (server.mode === 'sentinel') client.disconnect();
      return;
    }
    stats.revived++;
    log.warn({ connection: use }, 'a redis client stopped reconnecting without being closed: connecting it again');
    setTimeout(() => {
      if (!released.has(client) && client.status === 'end') client.connect().catch(() => undefined);
    }, 500).unref();
  });
}

/**
 * The one place Redis clients are made (every use above, standalone or Sentinel), and where this
 * process counts its reconnections and the failovers it lived through.
 */
export function createConnections(config: RedisConfig & { server: RedisServer }, logger: Logger): RedisConnections {
  const { server } = config;
  const log = logger.child({ component: 'redis' });
  const tls = tlsOptions(config);
  const stats: ConnectionStats = {
    reconnections: Object.fromEntries(connectionUses.map((use) => [use, 0])) as Record<ConnectionUse, number>,
    revived: 0,
    failovers: 0,
    master: null,
  };
  const released = new WeakSet<Redis>();
  let lastMaster: string | null = null;

  const base: RedisOptions = { retryStrategy, connectTimeout: 2000, lazyConnect: false };

  function track(client: Redis, use: ConnectionUse): Redis {
    defineLuaScripts(client);
    revive(client, use, { server, released, stats, log });
    let connectedBefore = false;
    client.on('ready', () => {
      if (connectedBefore) stats.reconnections[use]++;
      connectedBefore = true;
      if (use !== 'shared') return;
      const address = `${client.stream.remoteAddress ?? '?'}:${client.stream.remotePort ?? '?'}`;
      if (lastMaster !== null && lastMaster !== address) {
        stats.failovers++;
        log.warn({ from: lastMaster, to: address }, 'the redis master moved (failover): following it');
      }
      lastMaster = address;
      stats.master = address;
    });
    if (use === 'shared') client.on('close', () => (stats.master = null));
    return client;
  }

  return {
    server,
    open(use, options = {}) {
      const own = { ...base, ...optionsFor(config, use, options.failFast ?? true) };
      if (server.mode === 'standalone') {
        const secure = server.url.startsWith('rediss:') ? { tls } : {};
        return track(new Redis(server.url, { ...own, ...secure }), use);
      }
      return track(new Redis({ ...own, ...sentinelOptions(server, tls) }), use);
    },
    release: (client) => released.add(client),
    openSentinel(sentinel) {
      const sentinelServer = server.mode === 'sentinel' ? server : null;
      return new Redis({
        host: sentinel.host,
        port: sentinel.port,
        password: sentinelServer?.sentinelPassword ?? undefined,
        ...(sentinelServer?.sentinelTls ? { tls } : {}),
        enableReadyCheck: false,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        retryStrategy: null,
        connectTimeout: 1000,
        commandTimeout: 1000,
        lazyConnect: true,
      });
    },
    stats: () => structuredClone(stats),
  };
}
