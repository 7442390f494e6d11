/**
 * What the benchmarks share: free ports, private PM2 clusters of the built API, Nginx with
 * the project's configuration, and autocannon measurements with percentiles.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import type { searchIndexMarker as SearchIndexMarker } from '../../src/components/learners/index.js';
import { selfSignedCertificate } from '../../tests/support/self-signed.ts';
import { processTicks } from './report/cpu-share.mts';
import { stopOnExit } from './stop-on-exit.mts';

export const run = promisify(execFile);
export const root = join(import.meta.dirname, '..', '..');

/** The load profile's budgets and token lifetime (load/load-profile.env): the limiters run, nobody is limited, a run's tokens outlast it. */
export const loadProfile: Record<string, string> = Object.fromEntries(
  readFileSync(join(root, 'load', 'load-profile.env'), 'utf8')
    .split('\n')
    .filter((line) => /^(RATE_LIMIT_\w+|ACCESS_TOKEN_TTL_SECONDS)=/.test(line))
    .map((line) => line.split('=') as [string, string]),
);

/** How the API runs behind Nginx (as ecosystem.config.js sets it): the client address from one proxy hop, gzip and security headers at the edge. */
export const behindNginx: Record<string, string> = { TRUST_PROXY_HOPS: '1', HTTP_COMPRESSION: 'false', SECURITY_HEADERS: 'edge' };

export const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function waitReady(port: number): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const response = await fetch(`http://127.0.0.1:${port}/ready`).catch(() => null);
    if (response?.status === 200) return;
    await delay(100);
  }
  throw new Error(`nothing ready on port ${port}`);
}

/** `count` new learners registered through the API at `port`: their ids and access tokens. */
export async function registerLearners(port: number, count: number): Promise<{ id: string; token: string }[]> {
  const learners = [];
  for (let n = 0; n < count; n++) {
    const response = await fetch(`http://127.0.0.1:${port}/api/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: `bench-${Date.now()}-${n}@example.com`, password: 'practice-makes-perfect', displayName: `Bench Learner ${n}` }),
    });
    if (response.status !== 201) throw new Error(`register answered ${response.status}`);
    const body = (await response.json()) as { accessToken: string; account: { id: string } };
    learners.push({ id: body.account.id, token: body.accessToken });
  }
  return learners;
}

/**
 * A PM2 cluster of 2 API processes of its own (private PM2_HOME) on a free port, started from
 * `checkout`: this project, or another build of it (its own ecosystem.config.js, PM2 and dist/).
 */
export interface Cluster {
  name: string;
  env: Record<string, string>;
  port: number;
  pm2Home: string;
  checkout: string;
}

/** Each cluster's stop: its PM2 daemon killed (with its processes) and its PM2 home removed. */
const clusterStops = new Map<Cluster, () => Promise<void>>();
/** Clusters being stopped or stopped: any PM2 command but the kill would start a new daemon in their home. */
const stopped = new WeakSet<Cluster>();

export async function newCluster(name: string, env: Record<string, string>, checkout = root): Promise<Cluster> {
  const cluster: Cluster = { name, env, port: await freePort(), pm2Home: mkdtempSync(join(tmpdir(), 'ep-bench-pm2-')), checkout };
  clusterStops.set(
    cluster,
    stopOnExit(`the PM2 daemon of ${name}`, async () => {
      stopped.add(cluster);
      continueProcesses(cluster);
      await pm2(cluster, 'kill').catch(() => undefined);
      rmSync(cluster.pm2Home, { recursive: true, force: true });
      clusterStops.delete(cluster);
    }),
  );
  return cluster;
}

/** A PM2 command on the cluster's daemon; its output (e.g. of `jlist`). LOG_LEVEL is `warn` unless `cluster.env` sets it. */
export async function pm2(cluster: Cluster, ...args: string[]): Promise<string> {
  if (stopped.has(cluster) && args[0] !== 'kill') throw new Error(`the PM2 cluster ${cluster.name} is stopped: pm2 ${args.join(' ')} would start another daemon`);
  const { stdout } = await run(process.execPath, [join(cluster.checkout, 'node_modules/pm2/bin/pm2'), ...args], {
    cwd: cluster.checkout,
    env: { ...process.env, LOG_LEVEL: 'warn', ...cluster.env, PM2_HOME: cluster.pm2Home, PORT: String(cluster.port), HOST: '127.0.0.1', API_INSTANCES: '2' },
  });
  return stdout;
}

/** The cluster's PM2 daemon, parent of its API processes. */
export const daemonPid = (cluster: Cluster): number => Number(readFileSync(join(cluster.pm2Home, 'pm2.pid'), 'utf8'));

/** How often PM2 has restarted the cluster's processes since they started (`restart_time`, summed). */
export async function restarts(cluster: Cluster): Promise<number> {
  const apps = JSON.parse(await pm2(cluster, 'jlist')) as { pm2_env: { restart_time?: number } }[];
  return apps.reduce((sum, app) => sum + (app.pm2_env.restart_time ?? 0), 0);
}

export async function startCluster(cluster: Cluster): Promise<void> {
  await pm2(cluster, 'start', 'ecosystem.config.js', '--only', 'english-practice-api');
  await waitReady(cluster.port);
}

/**
 * Waits until the stack's FerretDB uses under 10 % of a core: a flood of database reads (uncached
 * searches or profiles) leaves it scanning for minutes after the requests were answered, which
 * would be measured as the next configuration's cost. Returns the seconds waited.
 */
export async function databaseIdle(): Promise<number> {
  const pidFile = join(root, '.stack', 'ferretdb.pid');
  if (!existsSync(pidFile)) return 0;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  // In clock ticks, 100 per second.
  const ticks = (): number => processTicks(pid);
  const started = Date.now();
  for (let check = 0; check < 120; check++) {
    const before = ticks();
    await delay(2000);
    if ((ticks() - before) / 200 < 0.1) break;
  }
  return Math.round((Date.now() - started) / 1000);
}

/**
 * Deletes every key under `prefix` in the stack's Redis. Each key prefix gets its own search
 * index (about 11,500 keys at 10,000 learners): left behind, a few runs made Redis 500 MB, and
 * its snapshot every minute then took a core for 5 s in the middle of the measurements.
 */
export async function dropKeys(prefix: string): Promise<void> {
  const redis = new Redis(process.env.REDIS_URL ?? '');
  try {
    const stream = redis.scanStream({ match: `${prefix}*`, count: 1000 });
    for await (const keys of stream as AsyncIterable<string[]>) {
      if (keys.length > 0) await redis.unlink(...keys);
    }
  } finally {
    redis.disconnect();
  }
}

/** The processes of each frozen cluster: its PM2 daemon cannot be asked while it is stopped. */
const frozenProcesses = new Map<Cluster, number[]>();

/**
 * Stops (SIGSTOP) or continues (SIGCONT) every process of a cluster, its PM2 daemon included.
 * An idle API process still takes about 2 % of a core (metrics, pool and health timers); with
 * eight clusters side by side that is a third of a core taken from whatever is measured.
 * Continuing waits until the cluster is ready again.
 */
export async function freezeCluster(cluster: Cluster, frozen: boolean): Promise<void> {
  if (frozen === frozenProcesses.has(cluster)) return;
  if (frozen) {
    const apps = JSON.parse(await pm2(cluster, 'jlist')) as { pid: number }[];
    const pids = [daemonPid(cluster), ...apps.map((app) => app.pid)].filter((pid) => pid > 0);
    frozenProcesses.set(cluster, pids);
    for (const pid of pids) process.kill(pid, 'SIGSTOP');
    return;
  }
  continueProcesses(cluster);
  await waitReady(cluster.port);
}

function continueProcesses(cluster: Cluster): void {
  for (const pid of frozenProcesses.get(cluster) ?? []) {
    try {
      process.kill(pid, 'SIGCONT');
    } catch {
      // Gone already: nothing to continue.
    }
  }
  frozenProcesses.delete(cluster);
}

/** Kills the cluster's PM2 daemon and removes its home; also done on exit (stop-on-exit.mts) if the bench does not. */
export async function stopCluster(cluster: Cluster): Promise<void> {
  await clusterStops.get(cluster)?.();
}

/** Nginx with the project's configuration (scripts/lib/render-nginx-conf) in front of `apiPort`. */
export interface Edge {
  port: number;
  /** Nginx's master process (its workers are its children). */
  pid: number;
  /** Nginx's error log (logs/error.log under its prefix); removed by stop(). */
  errorLog: string;
  stop(): Promise<void>;
}

/**
 * Whether the Nginx configuration of `checkout` bounds the requests in flight (issue 26's load
 * shedding at the edge: render-nginx-conf's NGINX_SHEDDING). Before it, there is nothing to turn on.
 */
export const sheddingKnown = (checkout = root): boolean => readFileSync(join(checkout, 'scripts/lib/render-nginx-conf'), 'utf8').includes('NGINX_SHEDDING');

/**
 * `upstreamPool` replaces the upstream pool's size and requests per connection (to measure an older
 * setting); `checkout` takes the configuration of another checkout (an older commit's); `shedding`
 * sets NGINX_SHEDDING (only where the configuration knows it, sheddingKnown). The in-flight bounds
 * (NGINX_INFLIGHT_*) come from the bench's environment when set there, else the configuration's defaults.
 */
export async function startEdge(
  apiPort: number,
  options: { workers?: string; upstreamPool?: { keepalive: number; requests: number }; checkout?: string; shedding?: 'on' | 'off' } = {},
): Promise<Edge> {
  const prefix = mkdtempSync(join(tmpdir(), 'ep-bench-nginx-'));
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  const stop = stopOnExit('Nginx', async () => {
    if (child?.exitCode === null && child.signalCode === null) {
      child.kill('SIGQUIT');
      await exited;
    }
    rmSync(prefix, { recursive: true, force: true });
  });
  chmodSync(prefix, 0o755);
  mkdirSync(join(prefix, 'logs'));
  mkdirSync(join(prefix, 'tmp'));
  const [port, tlsPort] = [await freePort(), await freePort()];
  await selfSignedCertificate(join(prefix, 'key.pem'), join(prefix, 'cert.pem'));
  const { stdout } = await run(join(options.checkout ?? root, 'scripts/lib/render-nginx-conf'), [], {
    env: {
      PATH: process.env.PATH ?? '',
      API_ADDRESS: `127.0.0.1:${apiPort}`,
      NGINX_PREFIX: prefix,
      NGINX_LISTEN: `127.0.0.1:${port}`,
      NGINX_TLS_LISTEN: `127.0.0.1:${tlsPort}`,
      TLS_CERT: join(prefix, 'cert.pem'),
      TLS_KEY: join(prefix, 'key.pem'),
      STORAGE_DIR: join(root, 'data/uploads'),
      NGINX_RATE_LIMITS: 'off',
      NGINX_WORKERS: options.workers ?? '1',
      ...(options.upstreamPool
        ? { NGINX_UPSTREAM_KEEPALIVE: String(options.upstreamPool.keepalive), NGINX_UPSTREAM_KEEPALIVE_REQUESTS: String(options.upstreamPool.requests) }
        : {}),
      ...(options.shedding ? { NGINX_SHEDDING: options.shedding } : {}),
      ...Object.fromEntries(Object.entries(process.env).filter(([name]) => name.startsWith('NGINX_INFLIGHT_'))),
    },
  });
  writeFileSync(join(prefix, 'nginx.conf'), stdout);
  const nginx = spawn('nginx', ['-p', prefix, '-c', join(prefix, 'nginx.conf'), '-g', 'daemon off;'], { stdio: 'ignore' });
  child = nginx;
  exited = new Promise<void>((resolve) => nginx.once('exit', () => resolve()));
  await waitReady(port);
  return { port, pid: nginx.pid!, errorLog: join(prefix, 'logs', 'error.log'), stop };
}

export interface Measurement {
  label: string;
  requestsPerSecond: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  bytesPerSecond: number;
  failed: number;
}

export function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** autocannon at `port`, cycling through `paths`; closed model (`connections`) unless `rate` is given. */
export async function measure(
  label: string,
  port: number,
  paths: string[],
  options: { seconds: number; connections: number; rate?: number; headers?: Record<string, string> },
): Promise<Measurement> {
  const times: number[] = [];
  let next = 0;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: `http://127.0.0.1:${port}`,
        connections: options.connections,
        duration: options.seconds,
        headers: options.headers ?? {},
        ...(options.rate ? { overallRate: options.rate } : {}),
        requests: [{ setupRequest: (request) => ({ ...request, path: paths[next++ % paths.length]! }) }],
      },
      (error: Error | null, finished) => (error ? reject(error) : resolve(finished)),
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => times.push(responseTime));
  });
  times.sort((a, b) => a - b);
  return {
    label,
    requestsPerSecond: Math.round(result.requests.average),
    p50Ms: percentile(times, 50),
    p95Ms: percentile(times, 95),
    p99Ms: percentile(times, 99),
    bytesPerSecond: Math.round(result.throughput.average),
    failed: result.non2xx + result.errors,
  };
}

/** The median of per-round ratios `numerator / denominator` (series measured in the same rounds). */
export function pairedRatio(measurements: Measurement[], numerator: string, denominator: string): number {
  const series = (label: string): Measurement[] => measurements.filter((m) => m.label === label);
  const bottom = series(denominator);
  const ratios = series(numerator)
    .map((m, round) => m.requestsPerSecond / bottom[round]!.requestsPerSecond)
    .sort((a, b) => a - b);
  return ratios[Math.floor(ratios.length / 2)]!;
}

/** The public profile paths of 50 seeded learners (the first page of a search at the cluster on `port`). */
export async function seededProfilePaths(port: number): Promise<string[]> {
  const listing = await fetch(`http://127.0.0.1:${port}/api/search/profiles?limit=50`);
  if (!listing.ok) throw new Error(`listing learners failed: ${listing.status} ${await listing.text()}`);
  const paths = ((await listing.json()) as { results: { id: string }[] }).results.map((result) => `/api/profiles/${result.id}`);
  if (paths.length < 10) throw new Error('seed learners first: ./scripts/seed --learners 1000');
  return paths;
}

/**
 * On FerretDB, waits until the search index of a fresh key prefix is built (a search starts
 * the rebuild): until then searches, public profiles and statistics read the database, where
 * each lookup scans a collection and a cold start of many at once piles up.
 */
export async function waitForSearchIndex(port: number, keyPrefix: string): Promise<void> {
  // The built module (scripts/bench builds first): Node cannot load src/ as it is.
  const { searchIndexMarker } = createRequire(import.meta.url)(join(root, 'dist/components/learners/index.js')) as { searchIndexMarker: typeof SearchIndexMarker };
  const redis = new Redis(process.env.REDIS_URL ?? '');
  try {
    for (let attempt = 0; attempt < 120; attempt++) {
      if ((await redis.exists(searchIndexMarker(keyPrefix))) === 1) return;
      await fetch(`http://127.0.0.1:${port}/api/search/profiles?q=warmup`).then((response) => response.arrayBuffer()).catch(() => undefined);
      await delay(1000);
    }
    throw new Error(`the search index of ${keyPrefix} was not built within 2 minutes`);
  } finally {
    redis.disconnect();
  }
}
