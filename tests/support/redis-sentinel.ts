import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './ports.ts';
import { portAccepts, waitFor } from './wait.ts';

/**
 * One redis-server or redis-sentinel on a loopback port, run from a configuration file in its
 * own folder. The file is written once: a restart reads it as the server (or Sentinel) last
 * rewrote it, as a supervisor's restart would.
 */
export interface RedisProcess {
  readonly port: number;
  /** 127.0.0.1:port, as the sentinels name it. */
  readonly address: string;
  readonly dir: string;
  /** SIGSTOP freezes it with its sockets open (a hung server); SIGCONT thaws it. */
  signal(signal: 'SIGSTOP' | 'SIGCONT'): void;
  /** SIGKILL, then waits until its port is closed. */
  kill(): Promise<void>;
  start(): Promise<void>;
  /** Stops it whatever its state (frozen included). */
  stop(): Promise<void>;
}

async function redisProcess(program: 'redis-server' | 'redis-sentinel', name: string, configure: (port: number, dir: string) => string): Promise<RedisProcess> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), `ep-${name}-`));
  const conf = join(dir, `${name}.conf`);
  writeFileSync(conf, configure(port, dir));
  const binary = program === 'redis-server' ? (process.env.REDIS_SERVER_BIN ?? 'redis-server') : (process.env.REDIS_SENTINEL_BIN ?? 'redis-sentinel');
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  const running = (): boolean => child !== null && child.exitCode === null && child.signalCode === null;
  const end = async (signal: NodeJS.Signals): Promise<void> => {
    if (!running()) return;
    child!.kill(signal);
    await exited;
    await waitFor(`${name}'s port ${port} to close`, async () => !(await portAccepts(port)));
  };
  const server: RedisProcess = {
    port,
    address: `127.0.0.1:${port}`,
    dir,
    signal(signal) {
      if (running()) child!.kill(signal);
    },
    kill: () => end('SIGKILL'),
    async start() {
      const started = spawn(binary, [conf], { stdio: 'ignore' });
      child = started;
      exited = new Promise((resolve) => started.once('exit', () => resolve()));
      await waitFor(`${name} on port ${port}`, () => {
        if (started.exitCode !== null) throw new Error(`${name} exited with ${started.exitCode} (log in ${dir})`);
        return portAccepts(port);
      });
    },
    async stop() {
      server.signal('SIGCONT');
      const killLater = setTimeout(() => child?.kill('SIGKILL'), 5000);
      await end('SIGTERM');
      clearTimeout(killLater);
    },
  };
  await server.start();
  return server;
}

export interface SentinelOptions {
  /** Sentinel's down-after-milliseconds: how long a master may not answer before it is failed over. */
  downAfterMs?: number;
  failoverTimeoutMs?: number;
}

/** A master, two replicas and three sentinels monitoring them, each its own process. */
export interface RedisSentinels {
  /** The master group's name. */
  readonly name: string;
  readonly nodes: RedisProcess[];
  readonly sentinels: RedisProcess[];
  /** What the app is configured with to use them. */
  readonly env: { REDIS_SENTINELS: string; REDIS_SENTINEL_NAME: string };
  /** The node the first answering sentinel names master. */
  master(): Promise<RedisProcess>;
  /**
   * Waits until every sentinel names the same master (other than `not`, when given), that master
   * says it is one and has `replicas` replicas online (default: every other node), and returns it.
   */
  settled(options?: { not?: RedisProcess; replicas?: number; timeoutMs?: number }): Promise<RedisProcess>;
  /** Asks the sentinels for a failover (SENTINEL FAILOVER), the next one when one refuses. */
  requestFailover(): Promise<void>;
  /** Resolves as soon as a sentinel names a master other than `old`, with that master. */
  masterChanged(old: RedisProcess, timeoutMs?: number): Promise<RedisProcess>;
  /** A command to a node or a sentinel, on a connection of its own. */
  command(target: RedisProcess, ...args: (string | number)[]): Promise<unknown>;
  destroy(): Promise<void>;
}

const dataNodeConf = (port: number, dir: string, replicaOf: number | null): string =>
  [
    `port ${port}`,
    'bind 127.0.0.1',
    `dir ${dir}`,
    `logfile ${join(dir, 'redis.log')}`,
    'save ""',
    'appendonly no',
    // A rejoining old master needs a full copy: send it at once rather than after 5 s.
    'repl-diskless-sync-delay 0',
    ...(replicaOf === null ? [] : [`replicaof 127.0.0.1 ${replicaOf}`]),
  ].join('\n');

const sentinelConf = (port: number, dir: string, name: string, masterPort: number, options: Required<SentinelOptions>): string =>
  [
    `port ${port}`,
    'bind 127.0.0.1',
    `dir ${dir}`,
    `logfile ${join(dir, 'sentinel.log')}`,
    `sentinel monitor ${name} 127.0.0.1 ${masterPort} 2`,
    `sentinel down-after-milliseconds ${name} ${options.downAfterMs}`,
    `sentinel failover-timeout ${name} ${options.failoverTimeoutMs}`,
    `sentinel parallel-syncs ${name} 1`,
  ].join('\n');

function fieldsOf(reply: unknown): Record<string, string> {
  const list = Array.isArray(reply) ? reply.map(String) : [];
  return Object.fromEntries(list.flatMap((value, index) => (index % 2 === 0 ? [[value, list[index + 1] ?? '']] : [])));
}

/**
 * Debian's redis-server and redis-sentinel on free loopback ports: node 0 starts as master, nodes
 * 1 and 2 replicate it, three sentinels (quorum 2) monitor it. Resolves once the sentinels know
 * each other and both replicas.
 */
export async function startRedisSentinels(options: SentinelOptions = {}): Promise<RedisSentinels> {
  const settings = { downAfterMs: options.downAfterMs ?? 2000, failoverTimeoutMs: options.failoverTimeoutMs ?? 6000 };
  const name = 'ep-test';
  const nodes: RedisProcess[] = [];
  const sentinels: RedisProcess[] = [];
  const destroy = async (): Promise<void> => {
    await Promise.all([...sentinels, ...nodes].map((server) => server.stop()));
    for (const server of [...sentinels, ...nodes]) rmSync(server.dir, { recursive: true, force: true });
  };
  try {
    const first = await redisProcess('redis-server', 'redis-node', (port, dir) => dataNodeConf(port, dir, null));
    nodes.push(first);
    for (let i = 0; i < 2; i++) nodes.push(await redisProcess('redis-server', 'redis-node', (port, dir) => dataNodeConf(port, dir, first.port)));
    for (let i = 0; i < 3; i++)
      sentinels.push(await redisProcess('redis-sentinel', 'redis-sentinel', (port, dir) => sentinelConf(port, dir, name, first.port, settings)));
  } catch (error) {
    await destroy();
    throw error;
  }

  async function command(target: RedisProcess, ...args: (string | number)[]): Promise<unknown> {
    const client = new Redis({
      port: target.port,
      host: '127.0.0.1',
      lazyConnect: true,
      retryStrategy: null,
      maxRetriesPerRequest: 0,
      connectTimeout: 1000,
      commandTimeout: 2000,
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      return await client.call(String(args[0]), ...args.slice(1).map(String));
    } finally {
      client.disconnect();
    }
  }

  const byAddress = (address: string): RedisProcess => {
    const node = nodes.find((candidate) => candidate.address === address);
    if (!node) throw new Error(`the sentinels name ${address}, which is none of the nodes`);
    return node;
  };
  const masterNamedBy = async (sentinel: RedisProcess): Promise<string> => {
    const [host, port] = (await command(sentinel, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name)) as [string, string];
    return `${host}:${port}`;
  };

  /** What a sentinel knows: the other sentinels, and the replicas it sees following `master`. */
  const sentinelView = async (sentinel: RedisProcess, master: string): Promise<{ others: number; following: number } | null> => {
    try {
      const fields = fieldsOf(await command(sentinel, 'SENTINEL', 'MASTER', name));
      const replicas = ((await command(sentinel, 'SENTINEL', 'REPLICAS', name)) as unknown[]).map(fieldsOf);
      const following = replicas.filter(
        (replica) =>
          replica['role-reported'] === 'slave' &&
          replica['master-link-status'] === 'ok' &&
          `${replica['master-host']}:${replica['master-port']}` === master &&
          !/s_down|disconnected/.test(replica.flags ?? ''),
      );
      return { others: Number(fields['num-other-sentinels']), following: following.length };
    } catch {
      return null;
    }
  };

  const deployment: RedisSentinels = {
    name,
    nodes,
    sentinels,
    env: { REDIS_SENTINELS: sentinels.map((sentinel) => sentinel.address).join(','), REDIS_SENTINEL_NAME: name },
    command,
    async master() {
      for (const sentinel of sentinels) {
        const address = await masterNamedBy(sentinel).catch(() => null);
        if (address !== null) return byAddress(address);
      }
      throw new Error('no sentinel answered');
    },
    async settled({ not, replicas = nodes.length - 1, timeoutMs = 60_000 } = {}) {
      let master: RedisProcess | null = null;
      await waitFor(
        `the sentinels to agree on a master${not ? ` other than ${not.address}` : ''} with ${replicas} replicas online`,
        async () => {
          const named = await Promise.all(sentinels.map((sentinel) => masterNamedBy(sentinel).catch(() => null)));
          const address = named[0];
          if (!address || named.some((other) => other !== address) || address === not?.address) return false;
          const info = String(await command(byAddress(address), 'INFO', 'replication').catch(() => ''));
          const online = [...info.matchAll(/^slave\d+:.*state=online/gm)].length;
          master = byAddress(address);
          if (!/^role:master/m.test(info) || online < replicas) return false;
          // Every sentinel must see the replicas as replicas of this master: one that still has an
          // old view "corrects" a replica the next failover promotes, and that failover aborts.
          const views = await Promise.all(sentinels.map((sentinel) => sentinelView(sentinel, address)));
          return views.every((view) => view !== null && view.others === sentinels.length - 1 && view.following >= replicas);
        },
        timeoutMs,
      );
      return master!;
    },
    async requestFailover() {
      // A sentinel refuses while a failover of its own is recent or in progress: ask another.
      await waitFor('a sentinel to accept SENTINEL FAILOVER', async () => {
        for (const sentinel of sentinels) {
          if ((await command(sentinel, 'SENTINEL', 'FAILOVER', name).catch(() => null)) === 'OK') return true;
        }
        return false;
      });
    },
    async masterChanged(old, timeoutMs = 60_000) {
      let fresh: RedisProcess | null = null;
      await waitFor(
        `a sentinel to name a master other than ${old.address}`,
        async () => {
          const named = await Promise.all(sentinels.map((sentinel) => masterNamedBy(sentinel).catch(() => null)));
          const other = named.find((address) => address !== null && address !== old.address);
          if (other) fresh = byAddress(other);
          return fresh !== null;
        },
        timeoutMs,
      );
      return fresh!;
    },
    destroy,
  };
  try {
    await deployment.settled();
  } catch (error) {
    await destroy();
    throw error;
  }
  return deployment;
}
