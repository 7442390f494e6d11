/**
 * Benchmark of the hot path (issue 15) and the scale layer, side by side in one run, in
 * interleaved rounds, on PM2 clusters of 2 API processes on the stack's Redis and database:
 * - P3, P5 and the headline: a cluster at the default settings (limits raised only by the load
 *   profile, load/load-profile.env) through Nginx: /live, GET /api/ping (the constant route
 *   behind the whole /api stack) and a cached signed-in GET /api/profiles/:id; bare Express and
 *   a bare node:http cluster as baselines; p99 of the signed-in read at 70 % of its maximum rate
 *   (open model).
 * - Before/after: the build of BENCH_BEFORE_COMMIT (46eb01f, when issue 15 was filed), built in
 *   a temporary git worktree, its cluster next to HEAD's on /live and the cached profile (signed
 *   in and anonymous); and HEAD with one setting changed (ablations).
 * - Cached vs uncached reads, and the rate limiter's cost.
 * Needs `./scripts/stack up` and seeded learners. Writes bench/results/cache-and-limits-<time>.json
 * and bench/results/cache-and-limits.md.
 *
 * Run: ./scripts/bench cache   (BENCH_SECONDS, BENCH_CONNECTIONS, BENCH_ROUNDS, BENCH_FIXED_RATE,
 * BENCH_OPEN_SECONDS, BENCH_BEFORE_COMMIT)
 */
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { buildCommit, type BeforeBuild } from './before-build.mts';
import {
  databaseIdle,
  dropKeys,
  freezeCluster,
  loadProfile,
  measure,
  median,
  newCluster,
  pairedRatio,
  registerLearners,
  root,
  seededProfilePaths,
  startCluster,
  startEdge,
  stopCluster,
  waitForSearchIndex,
  type Cluster,
  type Edge,
  type Measurement,
} from './bench-kit.mts';
import { runBench, stopOnExit } from './stop-on-exit.mts';
import { startProgram, type Server } from './report/hello-servers.mts';
import { probeConnections } from './report/connection-probe.mts';
import { openModel, type OpenModelResult } from './report/open-model.mts';
import { curveFractions, curvePoint, curveSection, curveSummary, goalFraction, percentOf, type ProbedRun } from './report/paced-curve.mts';
import type { createLogger as CreateLogger } from '../../src/infra/logger.js';
import type { loadConfig as LoadConfig } from '../../src/infra/config/config.js';
import type { createRateLimits as CreateRateLimits } from '../../src/infra/rate-limit/rate-limits.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 6);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
/** Requests per second for the limiter's latency cost: well below saturation, so p95 shows work, not queueing. */
const fixedRate = Number(process.env.BENCH_FIXED_RATE ?? 1000);
const openSeconds = Number(process.env.BENCH_OPEN_SECONDS ?? 10);
/** Each open-model run first sends this long at its rate unmeasured: it starts from an idle box (report/open-model.mts). */
const openSettleSeconds = 3;
const beforeCommit = process.env.BENCH_BEFORE_COMMIT ?? '46eb01f';

/** One measured configuration: `config` and `route` name it in the tables (label `config: route`). */
interface Case {
  config: string;
  route: string;
  port: number;
  paths: string[];
  signedIn?: boolean;
  rate?: number;
}
const labelOf = (c: Pick<Case, 'config' | 'route'>): string => `${c.config}: ${c.route}`;

/**
 * CPU the API limiter adds per request, in-process (no network, no other processes):
 * the figure the noisy cluster runs cannot resolve below about a millisecond.
 */
async function limiterMicroseconds(): Promise<number> {
  const load = createRequire(import.meta.url);
  const { loadConfig } = load(join(root, 'dist/infra/config/config.js')) as { loadConfig: typeof LoadConfig };
  const { createLogger } = load(join(root, 'dist/infra/logger.js')) as { createLogger: typeof CreateLogger };
  const { createRateLimits } = load(join(root, 'dist/infra/rate-limit/rate-limits.js')) as { createRateLimits: typeof CreateRateLimits };
  const config = loadConfig({ NODE_ENV: 'development', RATE_LIMIT_API_MAX: '1000000000', LOG_LEVEL: 'silent' }, { needsSecrets: false });
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
  const dropOurKeys = stopOnExit(`the Redis keys under ${prefix}`, () => dropKeys(prefix));
  let keys = 0;
  const keyPrefix = (): Record<string, string> => ({ REDIS_KEY_PREFIX: `${prefix}-${keys++}:` });
  // The default settings: LOG_LEVEL info (the benchmark kit's own default is warn), limits on with
  // the load profile's budgets; HTTP_COMPRESSION, SECURITY_HEADERS and TRUST_PROXY_HOPS as ecosystem.config.js sets them.
  const defaults = { ...loadProfile, LOG_LEVEL: 'info' };
  const limitsOff = { ...defaults, RATE_LIMIT_ENABLED: 'false' };
  // The old build is built while HEAD's clusters start; whatever happens, it is removed at the end.
  const building = buildCommit(beforeCommit);
  // Handled where it is awaited; this keeps an early failure from ending the process before the clean-up.
  building.catch(() => undefined);
  const clusters: Cluster[] = [];
  const servers: Server[] = [];
  let edge: Edge | null = null;
  try {
    const cluster = async (name: string, env: Record<string, string>, checkout?: string): Promise<Cluster> => {
      const started = await newCluster(name, { ...env, ...keyPrefix() }, checkout);
      clusters.push(started);
      return started;
    };
    const head = await cluster('HEAD', defaults);
    const headLimitsOff = await cluster('HEAD, RATE_LIMIT_ENABLED=false', limitsOff);
    const uncached = await cluster('HEAD, uncached (CACHE_TTL_PROFILE_SECONDS=0, limits off)', { ...limitsOff, CACHE_TTL_PROFILE_SECONDS: '0' });
    const ablations = [
      await cluster('HEAD, HTTP_COMPRESSION=true', { ...defaults, HTTP_COMPRESSION: 'true' }),
      await cluster('HEAD, SECURITY_HEADERS=app (helmet in the app)', { ...defaults, SECURITY_HEADERS: 'app' }),
      await cluster('HEAD, CACHE_LOCAL_TTL_MS=0 (no in-process cache layer)', { ...defaults, CACHE_LOCAL_TTL_MS: '0' }),
      await cluster('HEAD, LOG_LEVEL=debug (a line per fast 2xx)', { ...defaults, LOG_LEVEL: 'debug' }),
      headLimitsOff,
    ];
    await Promise.all(clusters.map(startCluster));
    const api = await startProgram('api', { ...defaults, ...keyPrefix() });
    servers.push(api);
    for (const program of ['express', 'nodeHttpCluster'] as const) servers.push(await startProgram(program));
    const [, express, nodeCluster] = servers as [Server, Server, Server];
    edge = await startEdge(head.port);
    const before: BeforeBuild = await building;
    const old = await cluster(`before (${before.commit})`, defaults, before.dir);
    await startCluster(old);

    await waitForSearchIndex(head.port, head.env.REDIS_KEY_PREFIX!);
    const profiles = await seededProfilePaths(head.port);

    const signed = 'GET /api/profiles/:id, signed in';
    const anonymous = 'GET /api/profiles/:id, anonymous';
    const viaNginx = 'Nginx → HEAD';
    const on = (target: Cluster, route: string, extra: Partial<Case> = {}): Case => {
      const paths = route === '/live' ? ['/live'] : profiles;
      return { config: target.name, route, port: target.port, paths, signedIn: route === signed, ...extra };
    };
    const groups: Case[][] = [
      [
        { config: viaNginx, route: '/live', port: edge.port, paths: ['/live'] },
        { config: viaNginx, route: 'GET /api/ping', port: edge.port, paths: ['/api/ping'] },
        { config: viaNginx, route: signed, port: edge.port, paths: profiles, signedIn: true },
      ],
      [
        { config: 'API (1 process)', route: '/live', port: api.port, paths: ['/live'] },
        { config: 'Express hello (1 process)', route: '/', port: express.port, paths: ['/'] },
      ],
      [{ config: 'node:http hello (node:cluster ×2)', route: '/', port: nodeCluster.port, paths: ['/'] }],
      [on(old, '/live'), on(head, '/live')],
      [on(old, signed), on(head, signed), ...ablations.map((ablation) => on(ablation, signed))],
      [on(old, anonymous), on(head, anonymous), on(headLimitsOff, anonymous)],
      [on(head, anonymous, { route: `${anonymous} at ${fixedRate} req/s`, rate: fixedRate }), on(headLimitsOff, anonymous, { route: `${anonymous} at ${fixedRate} req/s`, rate: fixedRate })],
    ];
    // After everything else (the open model included): uncached reads leave FerretDB scanning
    // for minutes after they were answered, which would be measured as the next case's cost.
    const nextToUncached = `${anonymous}, next to uncached`;
    const uncachedGroup = [on(headLimitsOff, anonymous, { route: nextToUncached }), on(uncached, anonymous)];

    // Only the clusters a group measures run; the others are stopped (SIGSTOP) meanwhile.
    const clusterOf = (c: Case): Cluster | undefined => (c.port === edge!.port ? head : clusters.find((started) => started.port === c.port));
    const onlyAwake = async (group: Case[]): Promise<void> => {
      const needed = new Set(group.map(clusterOf).filter((started) => started !== undefined));
      for (const started of clusters) await freezeCluster(started, !needed.has(started));
    };
    // A signed-in learner per round: an access token lives 15 minutes, a full run longer.
    const bearer = async (): Promise<Record<string, string>> => {
      await freezeCluster(head, false);
      return { authorization: `Bearer ${(await registerLearners(head.port, 1))[0]!.token}` };
    };
    const run = async (c: Case, headers: Record<string, string>, runSeconds = seconds): Promise<Measurement> =>
      measure(labelOf(c), c.port, c.paths, { seconds: runSeconds, connections: c.rate ? 10 : connections, ...(c.rate ? { rate: c.rate } : {}), ...(c.signedIn ? { headers } : {}) });

    // A warm-up of every case (JIT, pools, caches) whose figures are not kept.
    const warmUp = await bearer();
    for (const group of groups) {
      await onlyAwake(group);
      for (const c of group) await run(c, warmUp, 2);
    }
    const measurements: (Measurement & { round: number })[] = [];
    for (let round = 1; round <= rounds; round++) {
      const headers = await bearer();
      // Within a group, cases run back to back, in reverse order every other round, so drift hits all alike.
      for (const group of groups) {
        await onlyAwake(group);
        for (const c of round % 2 === 1 ? group : [...group].reverse()) {
          const m = await run(c, headers);
          measurements.push({ ...m, round });
          process.stdout.write(`round ${round} ${m.label}: ${m.requestsPerSecond} req/s, p99 ${m.p99Ms.toFixed(1)} ms, ${m.failed} failed\n`);
        }
      }
      await delay(3000);
    }

    await databaseIdle();
    const nginxSigned = labelOf({ config: viaNginx, route: signed });
    const maximum = median(measurements.filter((m) => m.label === nginxSigned).map((m) => m.requestsPerSecond));
    const rateAt = (fraction: number): number => Math.max(10, Math.round(maximum * fraction));
    const openRate = rateAt(goalFraction);
    await onlyAwake([{ config: viaNginx, route: signed, port: edge.port, paths: profiles }]);
    const openHeaders = await bearer();
    // Three runs per rate with pauses between them: a single stall of a few hundred ms (CPU shared
    // with the generator) moves one run's p99 from under 10 ms to over 40, so the median is reported.
    // The lower rates show where the latency goal holds; rates interleave, so drift hits all alike.
    // Alongside each run, /live on new and on kept-alive connections to the cluster (report/connection-probe.mts).
    const openTargets = profiles.map((path) => ({ method: 'GET' as const, path, headers: openHeaders }));
    const lowest = curveFractions[0]!;
    const openRuns: ProbedRun[] = [];
    const bareRuns: OpenModelResult[] = [];
    for (let repeat = 0; repeat < 3; repeat++) {
      for (const fraction of curveFractions) {
        await delay(3000);
        const probe = probeConnections(head.port);
        const rate = rateAt(fraction);
        const result = { ...(await openModel(edge.port, openTargets, rate, openSeconds, openSettleSeconds)), fraction, probe: await probe.stop() };
        openRuns.push(result);
        process.stdout.write(
          `open model at ${rate} req/s: p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, max ${result.maxMs} ms, dropped ${result.dropped}, failed ${result.failed}; ` +
            `box busy ${percentOf(result.cpu?.box)}, vegeta ${percentOf(result.cpu?.process)}; ` +
            `/live on a new connection p99 ${result.probe.newConnection.p99Ms} ms, kept-alive p99 ${result.probe.keptAlive.p99Ms} ms\n`,
        );
      }
      // The same paced rate at the lowest share on the bare node:http cluster: what the box spends on a paced request anyway.
      await delay(3000);
      const bareRun = await openModel(nodeCluster.port, [{ method: 'GET', path: '/' }], rateAt(lowest), openSeconds, openSettleSeconds);
      bareRuns.push(bareRun);
      process.stdout.write(`open model at ${bareRun.rate} req/s on the bare node:http cluster: p99 ${bareRun.p99Ms} ms; box busy ${percentOf(bareRun.cpu?.box)}, vegeta ${percentOf(bareRun.cpu?.process)}\n`);
    }
    const curve = curveFractions.map((fraction) => curvePoint('Nginx → PM2 ×2', fraction, openRuns.filter((run) => run.fraction === fraction)));
    const seventy = curve.find((point) => point.fraction === goalFraction)!;
    const points = [...curve, curvePoint('bare node:http cluster ×2', lowest, bareRuns)];
    const open = seventy.median;
    const counters = await cacheCounters(head.port);

    for (let round = 1; round <= rounds; round++) {
      await onlyAwake(uncachedGroup);
      for (const c of round % 2 === 1 ? uncachedGroup : [...uncachedGroup].reverse()) {
        if (round === 1) await run(c, openHeaders, 2);
        measurements.push({ ...(await run(c, openHeaders)), round });
      }
    }

    for (const started of clusters) await freezeCluster(started, false);
    const limiterCpuMicroseconds = await limiterMicroseconds();
    const ratio = (numerator: Pick<Case, 'config' | 'route'>, denominator: Pick<Case, 'config' | 'route'>): number =>
      pairedRatio(measurements, labelOf(numerator), labelOf(denominator));
    /** Per-round p95 difference of `label` over `baseline`, then the median. */
    const pairedP95Cost = (label: string, baseline: string): number => {
      const p95s = (of: string): number[] => measurements.filter((m) => m.label === of).map((m) => m.p95Ms);
      const base = p95s(baseline);
      return median(p95s(label).map((p95, round) => p95 - base[round]!));
    };
    const medianOf = (label: string, figure: 'requestsPerSecond' | 'p99Ms'): number => median(measurements.filter((m) => m.label === label).map((m) => m[figure]));

    const beforeAfter = [
      ...['/live', signed, anonymous].flatMap((route) => [old, head].map((target) => ({ config: target.name, route }))),
      ...ablations.map((ablation) => ({ config: ablation.name, route: signed })),
    ].map((row) => ({
      ...row,
      requestsPerSecond: medianOf(labelOf(row), 'requestsPerSecond'),
      p99Ms: medianOf(labelOf(row), 'p99Ms'),
      overBefore: ratio(row, { config: old.name, route: row.route }),
      overHead: ratio(row, { config: head.name, route: row.route }),
    }));
    const fixedRoute = `${anonymous} at ${fixedRate} req/s`;
    const figures = {
      p3LiveOverExpress: ratio({ config: 'API (1 process)', route: '/live' }, { config: 'Express hello (1 process)', route: '/' }),
      p5SignedOverPing: ratio({ config: viaNginx, route: signed }, { config: viaNginx, route: 'GET /api/ping' }),
      p5SignedOverLive: ratio({ config: viaNginx, route: signed }, { config: viaNginx, route: '/live' }),
      headline: ratio({ config: viaNginx, route: signed }, { config: 'node:http hello (node:cluster ×2)', route: '/' }),
      p99At70PercentMs: open.p99Ms,
      cacheHitRatio: counters.hits / Math.max(1, counters.hits + counters.misses),
      cachedOverUncached: ratio({ config: headLimitsOff.name, route: nextToUncached }, { config: uncached.name, route: anonymous }),
      limiterThroughputCostPercent: (1 - ratio({ config: head.name, route: anonymous }, { config: headLimitsOff.name, route: anonymous })) * 100,
      limiterP95CostMs: pairedP95Cost(labelOf({ config: head.name, route: fixedRoute }), labelOf({ config: headLimitsOff.name, route: fixedRoute })),
      limiterP95CostAtSaturationMs: pairedP95Cost(labelOf({ config: head.name, route: anonymous }), labelOf({ config: headLimitsOff.name, route: anonymous })),
      limiterCpuMicroseconds,
    };
    const summary = {
      date: new Date().toISOString(),
      node: process.version,
      load: { seconds, connections, rounds, fixedRate, openSeconds, openSettleSeconds, processesPerCluster: 2, profilesInRotation: profiles.length },
      before: { commit: before.commit, install: before.install },
      figures,
      open: { rate: openRate, maximum, seconds: openSeconds, p50Ms: open.p50Ms, p95Ms: open.p95Ms, p99Ms: open.p99Ms, sent: open.sent, dropped: open.dropped, failed: open.failed, statuses: open.statuses, perSecond: open.perSecond, runs: seventy.runs },
      curve: curveSummary(points),
      beforeAfter,
      measurements,
    };
    mkdirSync(join(root, 'bench', 'results'), { recursive: true });
    writeFileSync(join(root, 'bench', 'results', `cache-and-limits-${summary.date.replace(/[:.]/g, '-')}.json`), `${JSON.stringify(summary, null, 2)}\n`);

    const times = (value: number): string => `${value.toFixed(2)}×`;
    // Against a goal: three decimals, so that 0.347 does not read as a 0.35 that missed.
    const against = (value: number): string => `${value.toFixed(3)}×`;
    const ms = (value: number): string => value.toFixed(1);
    const verdict = (met: boolean): string => (met ? 'met' : '**missed**');
    const markdown = `# Hot path, cache and rate-limit benchmark

${summary.date}, Node ${summary.node}, autocannon with ${connections} connections for ${seconds} s per measurement, ${rounds} interleaved rounds
after a discarded warm-up; PM2 clusters of 2 API processes on one 2-core box that the load generator shares, ${profiles.length} profiles
in rotation. "Default settings": LOG_LEVEL=info, HTTP_COMPRESSION=false, SECURITY_HEADERS=edge and TRUST_PROXY_HOPS=1
(ecosystem.config.js), limits on with the budgets of load/load-profile.env. Nginx: the project's configuration, 1 worker, its own
rate limits off. Signed-in requests carry the Bearer token of a learner registered for the round and read other learners' public
profiles. Only the clusters a group of measurements compares run; the others are stopped (SIGSTOP) meanwhile. The p99 at 70 % is
an open model: requests evenly paced at the rate by vegeta (report/open-model.mts); each run sends ${openSettleSeconds} s at the rate before the
${openSeconds} s it measures (the box was idle for 3 s, so Nginx's upstream pool starts empty); those first seconds' p99 is reported beside.

| figure | value | goal | |
| --- | --- | --- | --- |
| P3: API /live ÷ bare Express (1 process each, direct) | ${against(figures.p3LiveOverExpress)} | ≥ 0.70 | ${verdict(figures.p3LiveOverExpress >= 0.7)} |
| P5: cached signed-in profile ÷ GET /api/ping (Nginx → PM2 ×2) | ${against(figures.p5SignedOverPing)} | ≥ 0.80 | ${verdict(figures.p5SignedOverPing >= 0.8)} |
| P5: cached signed-in profile ÷ /live (Nginx → PM2 ×2) | ${against(figures.p5SignedOverLive)} | ≥ 0.70 | ${verdict(figures.p5SignedOverLive >= 0.7)} |
| headline: cached signed-in profile through Nginx + PM2 ×2 ÷ bare node:http cluster ×2 | ${against(figures.headline)} | ≥ 0.35 | ${verdict(figures.headline >= 0.35)} |
| p99 at 70 % of the maximum (${openRate} of ${maximum} req/s, open model, the median of 3 runs of ${openSeconds} s, Nginx → PM2 ×2, signed-in read) | ${open.p99Ms} ms (p50 ${open.p50Ms}, p95 ${open.p95Ms}, max ${open.maxMs}; dropped ${open.dropped}, failed ${open.failed}; the 3 runs' p99: ${seventy.runs.map((run) => run.p99Ms).join(', ')} ms; their first ${openSettleSeconds} s, unmeasured: p99 ${seventy.runs.map((run) => run.settling?.p99Ms).join(', ')} ms; the median run: box ${percentOf(open.cpu?.box)} busy, vegeta ${percentOf(open.cpu?.process)}) | ≤ 20 ms | ${verdict(open.p99Ms <= 20 && open.dropped === 0)} |
| during those runs, GET /live at the PM2 cluster's port every 20 ms: on a new connection (through the PM2 daemon) vs a kept-alive one, p99 / max per run | ${seventy.runs.map((run) => `${run.probe.newConnection.p99Ms} / ${run.probe.newConnection.maxMs} vs ${run.probe.keptAlive.p99Ms} / ${run.probe.keptAlive.maxMs} ms`).join('; ')} | | |
| cache hit ratio (HEAD, profile lookups) | ${(figures.cacheHitRatio * 100).toFixed(2)} % | | |
| cached ÷ uncached (anonymous, limits off) | ${times(figures.cachedOverUncached)} | | |
| rate limiter throughput cost (anonymous cached read, load profile vs RATE_LIMIT_ENABLED=false) | ${figures.limiterThroughputCostPercent.toFixed(1)} % | ≤ 15 % | |
| rate limiter p95 cost at ${fixedRate} req/s (median of per-round differences) | ${figures.limiterP95CostMs.toFixed(2)} ms | ≤ 1 ms | |
| rate limiter p95 cost at saturation (queueing included) | ${figures.limiterP95CostAtSaturationMs.toFixed(1)} ms | | |
| rate limiter CPU per request, in-process | ${figures.limiterCpuMicroseconds.toFixed(1)} µs | | |

${curveSection(points, maximum, connections)}
## Before and after issue 15 (same run, PM2 ×2 direct)

"before" is commit ${before.commit}, when issue 15 was filed, built in a temporary git worktree (${before.install}; its own
tsconfig.build.json, ecosystem.config.js and PM2) and run with the same environment, Redis and database as HEAD. It has no
GET /api/ping. The JWT key object, the verified-token cache, etag off and /live ahead of the middleware have no setting: they
are inside HEAD ÷ before. The
other rows are HEAD with one setting changed (RATE_LIMIT_ENABLED=false is also the limiter's cost); autocannon sends no
Accept-Encoding, so HTTP_COMPRESSION=true measures the middleware passing a response through, not gzip.

| configuration | route | req/s | p99 ms | ÷ before | ÷ HEAD |
| --- | --- | --- | --- | --- | --- |
${beforeAfter.map((row) => `| ${row.config} | ${row.route} | ${row.requestsPerSecond} | ${ms(row.p99Ms)} | ${times(row.overBefore)} | ${times(row.overHead)} |`).join('\n')}

## Every measurement

| round | measurement | req/s | p50 ms | p95 ms | p99 ms | failed |
| --- | --- | --- | --- | --- | --- | --- |
${measurements.map((m) => `| ${m.round} | ${m.label} | ${m.requestsPerSecond} | ${ms(m.p50Ms)} | ${ms(m.p95Ms)} | ${ms(m.p99Ms)} | ${m.failed} |`).join('\n')}

Ratios are medians of per-round ratios, req/s and p99 in the before/after table medians of the rounds, p95 costs medians of
per-round differences. Saturating runs use ${connections} connections, fixed-rate runs 10. Reproduce:
\`./scripts/stack up && ./scripts/seed --learners 1000 && ./scripts/bench cache\`.
`;
    writeFileSync(join(root, 'bench', 'results', 'cache-and-limits.md'), markdown);
    process.stdout.write(`\n${markdown}`);
  } finally {
    await edge?.stop();
    for (const started of clusters) await stopCluster(started);
    for (const server of servers) await server.stop();
    await building.then((before) => before.remove()).catch(() => undefined);
    await dropOurKeys();
  }
}

await runBench(main);
