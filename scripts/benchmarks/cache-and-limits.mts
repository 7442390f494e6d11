/**
 * Benchmark: cached vs uncached GET /api/profiles/:id, the rate limiter's cost, and a
 * constant route (/live) as the ceiling, on PM2 clusters of 2 API processes each, measured
 * side by side in one run (interleaved rounds). Needs `./scripts/stack up` (its Redis and
 * database). Writes bench/results/cache-and-limits-<time>.json and bench/results/cache-and-limits.md.
 *
 * Run: ./scripts/bench   (BENCH_SECONDS, BENCH_CONNECTIONS, BENCH_ROUNDS to change the load)
 */
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import autocannon from 'autocannon';
import { freePort, percentile, pm2, root, waitReady, type Cluster } from './bench-kit.mts';
import type { createLogger as CreateLogger } from '../../src/infra/logger.js';
import type { loadConfig as LoadConfig } from '../../src/infra/config/config.js';
import type { createRateLimits as CreateRateLimits } from '../../src/infra/rate-limit/rate-limits.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 6);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
/** Requests per second for the latency comparison: well below saturation, so p95 shows work, not queueing. */
const fixedRate = Number(process.env.BENCH_FIXED_RATE ?? 1000);

type Variant = Cluster;

interface Measurement {
  variant: string;
  target: string;
  requestsPerSecond: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
}

async function measure(variant: Variant, target: string, paths: string[], rate?: number): Promise<Measurement> {
  const times: number[] = [];
  let next = 0;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: `http://127.0.0.1:${variant.port}`,
        connections: rate ? 10 : connections,
        duration: seconds,
        ...(rate ? { overallRate: rate } : {}),
        requests: [{ setupRequest: (request) => ({ ...request, path: paths[next++ % paths.length]! }) }],
      },
      (error: Error | null, finished) => (error ? reject(error) : resolve(finished)),
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => times.push(responseTime));
  });
  times.sort((a, b) => a - b);
  return {
    variant: variant.name,
    target,
    requestsPerSecond: Math.round(result.requests.average),
    p50Ms: percentile(times, 50),
    p95Ms: percentile(times, 95),
    p99Ms: percentile(times, 99),
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

/**
 * CPU the API limiter adds per request, in-process (no network, no other processes):
 * the figure the noisy cluster runs cannot resolve below about a millisecond.
 */
async function limiterMicroseconds(): Promise<number> {
  const load = createRequire(import.meta.url);
  const { loadConfig } = load(join(root, 'dist/infra/config/config.js')) as { loadConfig: typeof LoadConfig };
  const { createLogger } = load(join(root, 'dist/infra/logger.js')) as { createLogger: typeof CreateLogger };
  const { createRateLimits } = load(join(root, 'dist/infra/rate-limit/rate-limits.js')) as { createRateLimits: typeof CreateRateLimits };
  const config = loadConfig({ RATE_LIMIT_API_MAX: '1000000000', LOG_LEVEL: 'silent' });
  const { api } = createRateLimits(config, null, createLogger(config));
  const response = (): unknown =>
    Object.assign(new EventEmitter(), { headersSent: false, setHeader: () => undefined, append: () => undefined, getHeader: () => undefined });
  const pass = (): Promise<void> =>
    new Promise((resolve) => {
      const request = { ip: '127.0.0.1', headers: {}, app: { get: () => 0 }, method: 'GET', originalUrl: '/api/profiles/x' };
      void api(request as never, response() as never, () => resolve());
    });
  const n = 50_000;
  for (let i = 0; i < n; i++) await pass();
  const started = performance.now();
  for (let i = 0; i < n; i++) await pass();
  return ((performance.now() - started) * 1000) / n;
}

async function cacheCounters(port: number): Promise<{ hits: number; misses: number }> {
  const byInstance = new Map<string, { hits: number; misses: number }>();
  for (let i = 0; i < 40 && byInstance.size < 2; i++) {
    const response = await fetch(`http://127.0.0.1:${port}/health`, { headers: { Connection: 'close' } });
    const report = (await response.json()) as { instanceId: string; checks: Record<string, { byKind: Record<string, { hits: number; misses: number }> }[]> };
    byInstance.set(report.instanceId, report.checks['cache:hitRate']![0]!.byKind.profile!);
  }
  return [...byInstance.values()].reduce((sum, counts) => ({ hits: sum.hits + counts.hits, misses: sum.misses + counts.misses }), { hits: 0, misses: 0 });
}

async function main(): Promise<void> {
  if (!process.env.MONGODB_URI || !process.env.REDIS_URL) throw new Error('run ./scripts/stack up first (scripts/bench reads .stack/env)');
  const prefix = `bench${Date.now() % 1_000_000}`;
  const noLimits = { RATE_LIMIT_ENABLED: 'false' };
  const generousLimits = { RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_API_MAX: '1000000000' };
  const variants: Variant[] = [];
  for (const [name, env] of [
    ['cached', { ...noLimits }],
    ['uncached', { ...noLimits, CACHE_TTL_PROFILE_SECONDS: '0' }],
    ['cached+limiter', { ...generousLimits }],
  ] as const) {
    variants.push({ name, env: { ...env, REDIS_KEY_PREFIX: `${prefix}-${variants.length}:` }, port: await freePort(), pm2Home: mkdtempSync(join(tmpdir(), 'ep-bench-pm2-')) });
  }
  try {
    for (const variant of variants) await pm2(variant, 'start', 'ecosystem.config.js', '--only', 'english-practice-api');
    await Promise.all(variants.map((variant) => waitReady(variant.port)));

    const listing = await fetch(`http://127.0.0.1:${variants[0]!.port}/api/search/profiles?limit=50`);
    if (!listing.ok) throw new Error(`listing learners failed: ${listing.status} ${await listing.text()}`);
    const search = (await listing.json()) as { results: { id: string }[] };
    const profilePaths = search.results.map((result) => `/api/profiles/${result.id}`);
    if (profilePaths.length < 10) throw new Error('seed learners first: ./scripts/seed --learners 1000');

    const [cachedCluster, uncachedCluster, limitedCluster] = variants as [Variant, Variant, Variant];
    const measurements: Measurement[] = [];
    const record = async (variant: Variant, target: string, paths: string[], rate?: number): Promise<void> => {
      measurements.push(await measure(variant, target, paths, rate));
      const last = measurements.at(-1)!;
      process.stdout.write(`${variant.name} ${target}: ${last.requestsPerSecond} req/s, p95 ${last.p95Ms.toFixed(2)} ms\n`);
    };
    // A warm-up round (JIT, pools, caches) whose figures are not kept.
    for (const variant of [cachedCluster, limitedCluster, uncachedCluster]) await measure(variant, 'warm-up', profilePaths);
    for (let round = 1; round <= rounds; round++) {
      // The pair under comparison runs back to back, in alternating order, before the
      // uncached run, which leaves the database busy for a while after it ends.
      const pair = round % 2 === 1 ? [cachedCluster, limitedCluster] : [limitedCluster, cachedCluster];
      for (const variant of pair) await record(variant, 'GET /api/profiles/:id', profilePaths);
      await record(cachedCluster, 'GET /live (constant)', ['/live']);
      for (const variant of pair) await record(variant, `GET /api/profiles/:id at ${fixedRate} req/s`, profilePaths, fixedRate);
      await record(uncachedCluster, 'GET /api/profiles/:id', profilePaths);
      await delay(3000);
    }
    const counters = await cacheCounters(variants[0]!.port);
    const limiterCpuMicroseconds = await limiterMicroseconds();

    /** Per-round ratio of two series (measured in the same round, so under the same conditions), then the median. */
    const pairedRatio = (numerator: [string, string], denominator: [string, string]): number => {
      const series = ([variant, target]: [string, string]): Measurement[] => measurements.filter((m) => m.variant === variant && m.target === target);
      const top = series(numerator);
      const bottom = series(denominator);
      const ratios = top.map((m, round) => m.requestsPerSecond / bottom[round]!.requestsPerSecond).sort((a, b) => a - b);
      return ratios[Math.floor(ratios.length / 2)]!;
    };
    const profiles = 'GET /api/profiles/:id';
    const fixedTarget = `GET /api/profiles/:id at ${fixedRate} req/s`;
    /** Per-round p95 difference of the limiter cluster over the cached one, then the median. */
    const pairedP95Cost = (target: string): number => {
      const p95s = (variant: string): number[] => measurements.filter((m) => m.variant === variant && m.target === target).map((m) => m.p95Ms);
      const cached = p95s('cached');
      const costs = p95s('cached+limiter').map((p95, round) => p95 - cached[round]!).sort((a, b) => a - b);
      return costs[Math.floor(costs.length / 2)]!;
    };
    const summary = {
      date: new Date().toISOString(),
      node: process.version,
      load: { seconds, connections, rounds, processesPerCluster: 2, learnersInRotation: profilePaths.length },
      cacheHitRatio: counters.hits / Math.max(1, counters.hits + counters.misses),
      cachedOverUncached: pairedRatio(['cached', profiles], ['uncached', profiles]),
      cachedOverConstant: pairedRatio(['cached', profiles], ['cached', 'GET /live (constant)']),
      limiterThroughputCostPercent: (1 - pairedRatio(['cached+limiter', profiles], ['cached', profiles])) * 100,
      limiterP95CostMs: pairedP95Cost(fixedTarget),
      limiterCpuMicroseconds,
      limiterP95CostAtSaturationMs: pairedP95Cost('GET /api/profiles/:id'),
      measurements,
    };
    mkdirSync(join(root, 'bench', 'results'), { recursive: true });
    writeFileSync(join(root, 'bench', 'results', `cache-and-limits-${summary.date.replace(/[:.]/g, '-')}.json`), `${JSON.stringify(summary, null, 2)}\n`);
    const table = measurements
      .map((m) => `| ${m.variant} | ${m.target} | ${m.requestsPerSecond} | ${m.p50Ms.toFixed(2)} | ${m.p95Ms.toFixed(2)} | ${m.p99Ms.toFixed(2)} | ${m.non2xx + m.errors} |`)
      .join('\n');
    const markdown = `# Cache and rate-limit benchmark

${summary.date}, Node ${summary.node}, ${connections} connections for ${seconds} s per measurement, ${rounds} interleaved rounds,
PM2 clusters of 2 API processes on one 2-core box (the load generator shares it), ${profilePaths.length} profiles in rotation.

| figure | value | target |
| --- | --- | --- |
| cache hit ratio (cached cluster, profile lookups) | ${(summary.cacheHitRatio * 100).toFixed(2)} % | |
| cached / uncached throughput | ${summary.cachedOverUncached.toFixed(2)}× | |
| cached / constant route (/live) throughput | ${(summary.cachedOverConstant * 100).toFixed(1)} % | ≥ 80 % |
| rate limiter throughput cost | ${summary.limiterThroughputCostPercent.toFixed(1)} % | ≤ 15 % |
| rate limiter p95 cost at ${fixedRate} req/s (median of per-round differences) | ${summary.limiterP95CostMs.toFixed(2)} ms | ≤ 1 ms |
| rate limiter CPU per request, in-process | ${summary.limiterCpuMicroseconds.toFixed(1)} µs | |
| rate limiter p95 cost at saturation (queueing included) | ${summary.limiterP95CostAtSaturationMs.toFixed(1)} ms | |

| cluster | route | req/s | p50 ms | p95 ms | p99 ms | failed |
| --- | --- | --- | --- | --- | --- | --- |
${table}

Ratios are medians of per-round ratios (after a discarded warm-up round), p95 costs medians of per-round differences; in each round the cached and cached+limiter clusters run back to back in alternating order, and the uncached one last; saturating runs use ${connections} connections, fixed-rate runs 10. Reproduce: \`./scripts/stack up && ./scripts/seed --learners 1000 && ./scripts/bench\`.
`;
    writeFileSync(join(root, 'bench', 'results', 'cache-and-limits.md'), markdown);
    process.stdout.write(`\n${markdown}`);
  } finally {
    for (const variant of variants) {
      await pm2(variant, 'kill').catch(() => undefined);
      rmSync(variant.pm2Home, { recursive: true, force: true });
    }
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
