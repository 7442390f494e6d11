/**
 * Benchmark: what metrics cost. (1) Throughput of a cached read (GET /api/profiles/:id) on two
 * PM2 clusters of 2 API processes, with metrics and without (METRICS_ENABLED=false), measured
 * side by side in one run (interleaved rounds). (2) The time and size of one /metrics scrape of
 * the cluster with its worker (3 processes), then with 10 (7 more snapshots in Redis: copies of
 * the real ones under other instance ids, kept fresh).
 * Self-contained: starts its own Redis and FerretDB (on PostgreSQL) on free ports (MONGODB_URI replaces FerretDB).
 * Writes bench/results/metrics-cost-<time>.json and bench/results/metrics-cost.md.
 *
 * Run: ./scripts/bench metrics   (BENCH_SECONDS, BENCH_CONNECTIONS, BENCH_ROUNDS to change the load)
 */
import { randomBytes } from 'node:crypto';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import autocannon from 'autocannon';
import type { Redis as RedisClient } from 'ioredis';
import { processTicks } from './report/cpu-share.mts';
import { runBench, stopOnExit } from './stop-on-exit.mts';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..');
const seconds = Number(process.env.BENCH_SECONDS ?? 6);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const scrapes = 200;

interface Variant {
  name: string;
  env: Record<string, string>;
  port: number;
  pm2Home: string;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await delay(100)) {
    if (await check().catch(() => false)) return;
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A server process of the benchmark's own, stopped and its data folder removed when the run ends (stop-on-exit.mts). */
async function server(command: string, args: (port: number, dir: string) => string[], ready: (port: number) => Promise<boolean>): Promise<{ port: number }> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'ep-bench-server-'));
  const child: ChildProcess = spawn(command, args(port, dir), { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  stopOnExit(command, async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });
  await waitFor(`${command} on ${port}`, () => ready(port));
  return { port };
}

const portTaken = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = createServer().listen(port, '127.0.0.1');
    socket.once('listening', () => socket.close(() => resolve(false)));
    socket.once('error', () => resolve(true));
  });

async function pm2(variant: Variant, ...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [join(root, 'node_modules/pm2/bin/pm2'), ...args], {
    cwd: root,
    env: { ...process.env, ...variant.env, PM2_HOME: variant.pm2Home, PORT: String(variant.port), HOST: '127.0.0.1', API_INSTANCES: '2', LOG_LEVEL: 'warn' },
  });
  return stdout;
}

async function apiPids(variant: Variant): Promise<number[]> {
  const processes = JSON.parse(await pm2(variant, 'jlist')) as { name: string; pid: number }[];
  return processes.filter((entry) => entry.name === 'english-practice-api').map((entry) => entry.pid);
}

/**
 * CPU seconds the processes have used (/proc, clock ticks of 10 ms). On a box shared with
 * other work, throughput follows the load of others; CPU per request follows only our code.
 */
function cpuSeconds(pids: number[]): number {
  return pids.reduce((ticks, pid) => ticks + processTicks(pid), 0) / 100;
}

async function throughput(variant: Variant, paths: string[]): Promise<{ requestsPerSecond: number; cpuMicrosecondsPerRequest: number }> {
  const pids = await apiPids(variant);
  const cpuBefore = cpuSeconds(pids);
  let next = 0;
  const result = await autocannon({
    url: `http://127.0.0.1:${variant.port}`,
    connections,
    duration: seconds,
    // Each request carries Nginx's stamp, as behind Nginx, so the wait histogram is measured too.
    requests: [
      {
        setupRequest: (request) => ({
          ...request,
          path: paths[next++ % paths.length]!,
          headers: { ...request.headers, 'x-request-start': `t=${(Date.now() / 1000).toFixed(3)}` },
        }),
      },
    ],
  });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${variant.name}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return {
    requestsPerSecond: Math.round(result.requests.average),
    cpuMicrosecondsPerRequest: Math.round(((cpuSeconds(pids) - cpuBefore) * 1e6) / result.requests.total),
  };
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const percentile = (values: number[], p: number): number => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))]!;

/** Sequential scrapes on one keep-alive connection: client-side time of each, and the size. */
async function timeScrapes(port: number, pids: number[]): Promise<{ processes: number; bytes: number; medianMs: number; p95Ms: number; cpuMsPerScrape: number }> {
  const times: number[] = [];
  const cpuBefore = cpuSeconds(pids);
  let text = '';
  for (let i = 0; i < scrapes; i++) {
    const started = performance.now();
    text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    times.push(performance.now() - started);
  }
  const cpuMsPerScrape = Number((((cpuSeconds(pids) - cpuBefore) * 1000) / scrapes).toFixed(2));
  const processes = Number(/^metrics_view_processes (\d+)$/m.exec(text)?.[1] ?? 0);
  return { processes, bytes: Buffer.byteLength(text), medianMs: Number(median(times).toFixed(2)), p95Ms: Number(percentile(times, 95).toFixed(2)), cpuMsPerScrape };
}

async function main(): Promise<void> {
  const load = createRequire(import.meta.url);
  const { Redis } = load('ioredis') as { Redis: new (url: string) => RedisClient };
  const redisServer = await server('redis-server', (port, dir) => ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], portTaken);
  const postgresql = process.env.MONGODB_URI ? null : await server(join(root, 'scripts/lib/postgresql-server'), (port, dir) => [dir, String(port)], portTaken);
  const database =
    postgresql === null
      ? null
      : await server(
          join(root, 'scripts/lib/ferretdb-server'),
          (port, dir) => [`127.0.0.1:${port}`, dir, `postgres://ferretdb@127.0.0.1:${postgresql.port}/ferretdb`],
          portTaken,
        );
  const mongoUri = process.env.MONGODB_URI ?? `mongodb://127.0.0.1:${database!.port}/bench_metrics`;
  const redisUrl = `redis://127.0.0.1:${redisServer.port}`;
  const shared = { MONGODB_URI: mongoUri, REDIS_URL: redisUrl, RATE_LIMIT_ENABLED: 'false', NODE_ENV: 'production', JWT_SECRET: randomBytes(32).toString('hex') };
  const variants: Variant[] = [];
  for (const [name, enabled] of [
    ['metrics', 'true'],
    ['no metrics', 'false'],
  ] as const) {
    const variant: Variant = {
      name,
      env: { ...shared, METRICS_ENABLED: enabled, REDIS_KEY_PREFIX: `bench${variants.length}:` },
      port: await freePort(),
      pm2Home: mkdtempSync(join(tmpdir(), 'ep-bench-pm2-')),
    };
    stopOnExit(`the PM2 daemon of ${name}`, async () => {
      await pm2(variant, 'kill').catch(() => undefined);
      rmSync(variant.pm2Home, { recursive: true, force: true });
    });
    variants.push(variant);
  }
  const [withMetrics, withoutMetrics] = variants as [Variant, Variant];
  const redis = new Redis(redisUrl);
  try {
    await run(process.execPath, [join(root, 'dist/cli/migrate.js')], { cwd: root, env: { ...process.env, ...shared } });
    for (const variant of variants) await pm2(variant, 'start', 'ecosystem.config.js', '--only', 'english-practice-api');
    for (const variant of variants) await waitFor(`${variant.name} ready`, async () => (await fetch(`http://127.0.0.1:${variant.port}/ready`)).ok);

    const paths: string[] = [];
    for (let i = 0; i < 20; i++) {
      const response = await fetch(`http://127.0.0.1:${withMetrics.port}/api/auth/register`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ email: `bench-${Date.now()}-${i}@example.com`, password: 'correct horse battery', displayName: `Bench Learner ${i}` }),
      });
      if (response.status !== 201) throw new Error(`register failed: ${response.status} ${await response.text()}`);
      paths.push(`/api/profiles/${((await response.json()) as { account: { id: string } }).account.id}`);
    }

    // A warm-up round (JIT, pools, caches) whose figures are not kept.
    for (const variant of variants) await throughput(variant, paths);
    const measured: { round: number; variant: string; requestsPerSecond: number; cpuMicrosecondsPerRequest: number }[] = [];
    for (let round = 1; round <= rounds; round++) {
      const order = round % 2 === 1 ? [withMetrics, withoutMetrics] : [withoutMetrics, withMetrics];
      for (const variant of order) {
        const figures = await throughput(variant, paths);
        measured.push({ round, variant: variant.name, ...figures });
        process.stdout.write(`round ${round} ${variant.name}: ${figures.requestsPerSecond} req/s, ${figures.cpuMicrosecondsPerRequest} µs CPU per request\n`);
      }
    }
    const pairedRatios = (figure: 'requestsPerSecond' | 'cpuMicrosecondsPerRequest'): number[] =>
      Array.from({ length: rounds }, (_, index) => {
        const of = (name: string): number => measured.find((m) => m.round === index + 1 && m.variant === name)![figure];
        return of(withMetrics.name) / of(withoutMetrics.name);
      });
    const ratios = pairedRatios('requestsPerSecond');
    const cpuRatios = pairedRatios('cpuMicrosecondsPerRequest');
    const costPercent = Number(((1 - median(ratios)) * 100).toFixed(2));
    // Throughput of a CPU-bound server is 1 / CPU per request: the cost as throughput lost.
    const cpuCostPercent = Number(((1 - 1 / median(cpuRatios)) * 100).toFixed(2));

    await pm2(withMetrics, 'start', 'ecosystem.config.js', '--only', 'english-practice-worker');
    const key = 'bench0:metrics:processes';
    await waitFor('3 processes in the view', async () => (await redis.hlen(key)) >= 3);
    const pids = await apiPids(withMetrics);
    const three = await timeScrapes(withMetrics.port, pids);

    // 7 more processes: copies of the real snapshots under other ids, rewritten every second.
    const originals = Object.entries(await redis.hgetall(key));
    const copies = async (): Promise<void> => {
      const now = Date.now();
      for (let i = 0; i < 7; i++) {
        const [id, json] = originals[i % originals.length]!;
        const copy = json.split(`instance_id=\\"${id}\\"`).join(`instance_id=\\"copy-${i}\\"`).replace(/"at":\d+/, `"at":${now}`).replace(`"instanceId":"${id}"`, `"instanceId":"copy-${i}"`);
        await redis.hset(key, `copy-${i}`, copy);
      }
    };
    await copies();
    const refresh = setInterval(() => void copies(), 1000);
    const ten = await timeScrapes(withMetrics.port, pids);
    clearInterval(refresh);
    if (three.processes !== 3 || ten.processes !== 10) throw new Error(`expected views of 3 and 10 processes, got ${three.processes} and ${ten.processes}`);

    const summary = {
      date: new Date().toISOString(),
      node: process.version,
      load: { seconds, connections, rounds, processesPerCluster: 2, profilesInRotation: paths.length },
      throughputCostPercent: costPercent,
      cpuCostPercent,
      perRoundRatios: ratios.map((ratio) => Number(ratio.toFixed(4))),
      perRoundCpuRatios: cpuRatios.map((ratio) => Number(ratio.toFixed(4))),
      loadAverage: loadavg(),
      measured,
      scrape: { three, ten, scrapesEach: scrapes },
    };
    mkdirSync(join(root, 'bench', 'results'), { recursive: true });
    writeFileSync(join(root, 'bench', 'results', `metrics-cost-${summary.date.replace(/[:.]/g, '-')}.json`), `${JSON.stringify(summary, null, 2)}\n`);
    const rows = measured.map((m) => `| ${m.round} | ${m.variant} | ${m.requestsPerSecond} | ${m.cpuMicrosecondsPerRequest} |`).join('\n');
    const markdown = `# Metrics cost benchmark

${summary.date}, Node ${summary.node}, ${connections} connections for ${seconds} s per measurement, ${rounds} interleaved rounds after a
discarded warm-up, PM2 clusters of 2 API processes on one 2-core box (the load generator shares it), ${paths.length} cached profiles in rotation,
each request stamped with \`X-Request-Start\` as Nginx stamps it (so the wait histogram is measured too).

| figure | value | target |
| --- | --- | --- |
| throughput cost of metrics on GET /api/profiles/:id (cached), from CPU per request | ${cpuCostPercent} % | ≤ 5 % |
| throughput cost, from req/s (follows the box's other load: see the load average) | ${costPercent} % | ≤ 5 % |
| /metrics scrape, 3 processes (2 API + worker): median / p95 wall, API CPU per scrape | ${three.medianMs} / ${three.p95Ms} ms, ${three.cpuMsPerScrape} ms CPU, ${(three.bytes / 1024).toFixed(1)} KiB | |
| /metrics scrape, 10 processes: median / p95 wall, API CPU per scrape | ${ten.medianMs} / ${ten.p95Ms} ms, ${ten.cpuMsPerScrape} ms CPU, ${(ten.bytes / 1024).toFixed(1)} KiB | < 50 ms |

Load average during the run (1, 5, 15 min): ${summary.loadAverage.map((value) => value.toFixed(1)).join(', ')} on 2 cores.

| round | cluster | req/s | µs CPU per request (both API processes) |
| --- | --- | --- | --- |
${rows}

Costs come from the median of per-round ratios (with metrics / without), the pair running back to back in alternating order.
Scrape times are client-side, ${scrapes} sequential scrapes on a keep-alive connection to an idle cluster. Reproduce: \`./scripts/bench metrics\`.
`;
    writeFileSync(join(root, 'bench', 'results', 'metrics-cost.md'), markdown);
    process.stdout.write(`\n${markdown}`);
  } finally {
    redis.disconnect();
  }
}

// The PM2 daemons and the servers are stopped by runBench (stop-on-exit.mts), newest first.
await runBench(main);
