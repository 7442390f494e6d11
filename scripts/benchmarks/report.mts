/**
 * `./scripts/bench report`: the whole box in one run (≤ 15 minutes), every configuration
 * started fresh here on the stack's Redis and database, side by side in interleaved rounds.
 * Rows P1–P7, the headline and the mix (docs/benchmarks.md); writes
 * bench/results/report-<date>.md and .html (charts by Chart.js, render-report.mts).
 *
 * Run: ./scripts/bench report   (BENCH_SECONDS per measurement, default 5; BENCH_ROUNDS, default 3)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { dropKeys, loadProfile, measure, median, newCluster, registerLearners, root, startCluster, startEdge, stopCluster, waitForSearchIndex, type Cluster, type Edge, type Measurement } from './bench-kit.mts';
import { runBench, stopOnExit } from './stop-on-exit.mts';
import { startProgram, type Server } from './report/hello-servers.mts';
import { mixRequests } from './report/mix.mts';
import { openModel, type OpenModelResult, type PlannedRequest } from './report/open-model.mts';
import type { MixStep, ReportData, ReportRow, ServerSide, SpikePoint } from './report/report-data.mts';
import { renderHtml, renderMarkdown } from './report/render-report.mts';
import type { buildSummary } from '../../src/components/metrics/summary.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const connections = 50;
/** METRICS_PUBLISH_INTERVAL_MS's default, and a little more. */
const metricsPublishMs = 5500;
const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}×`;
const round = (ms: number): number => Math.round(ms * 10) / 10;

/** The PM2 cluster's /metrics/summary at the end of the mix, its 1-minute window; null when it does not answer. */
async function serverSide(port: number): Promise<ServerSide | null> {
  // The process that answers reports itself live and the other from its last snapshot: wait for one.
  await delay(metricsPublishMs);
  const response = await fetch(`http://127.0.0.1:${port}/metrics/summary`).catch(() => null);
  if (!response?.ok) return null;
  const { windows } = (await response.json()) as ReturnType<typeof buildSummary>;
  const minute = windows['1m'];
  return {
    window: 'the last minute, ending at the end of the mix',
    routes: minute.routes.slice(0, 10).map((route) => ({
      route: `${route.method} ${route.route}`,
      requests: route.requests,
      requestsPerSecond: route.requestsPerSecond,
      p95Ms: route.p95Ms,
      errorRate: route.errorRate,
    })),
    cache: Object.entries(minute.cache).map(([kind, counts]) => ({ kind, ...counts })),
    eventLoopLagP99Ms: minute.eventLoopLagP99Ms,
  };
}

async function main(): Promise<void> {
  if (!process.env.MONGODB_URI || !process.env.REDIS_URL) throw new Error('run ./scripts/stack up first (scripts/bench reads .stack/env)');
  const began = Date.now();
  const prefix = `report${Date.now() % 1_000_000}`;
  const dropOurKeys = stopOnExit(`the Redis keys under ${prefix}`, () => dropKeys(prefix));
  const behindNginx = { TRUST_PROXY_HOPS: '1', HTTP_COMPRESSION: 'false', SECURITY_HEADERS: 'edge' };
  const servers: Server[] = [];
  const edges: Edge[] = [];
  const clusters: Cluster[] = [];
  try {
    // Each kept as soon as it runs, so a failure further on still stops it.
    const kept = async (started: Promise<Server>): Promise<Server> => {
      const server = await started;
      servers.push(server);
      return server;
    };
    const nodeHello = await kept(startProgram('nodeHttp'));
    const expressHello = await kept(startProgram('express'));
    const clusterHello = await kept(startProgram('nodeHttpCluster'));
    const api = await kept(startProgram('api', { ...loadProfile, ...behindNginx, REDIS_KEY_PREFIX: `${prefix}a:` }));
    const apiNoLimits = await kept(startProgram('api', { ...behindNginx, RATE_LIMIT_ENABLED: 'false', REDIS_KEY_PREFIX: `${prefix}a:` }));
    const apiCluster = await kept(startProgram('apiCluster', { ...loadProfile, ...behindNginx, REDIS_KEY_PREFIX: `${prefix}a:` }));
    const pm2 = await newCluster('pm2', { ...loadProfile, ...behindNginx, REDIS_KEY_PREFIX: `${prefix}a:` });
    clusters.push(pm2);
    await startCluster(pm2);
    const helloEdge = await startEdge(nodeHello.port);
    edges.push(helloEdge);
    const pm2Edge = await startEdge(pm2.port);
    edges.push(pm2Edge);

    await waitForSearchIndex(api.port, `${prefix}a:`);
    const learners = await registerLearners(api.port, 20);
    const profiles = learners.map((learner) => `/api/profiles/${learner.id}`);
    // A signed-in learner reading others' public profiles: the read a busy box serves most.
    const signedIn = { authorization: `Bearer ${learners[0]!.token}` };
    const configs: [string, number, string[], Record<string, string>?][] = [
      ['node:http hello', nodeHello.port, ['/']],
      ['Express hello', expressHello.port, ['/']],
      ['Nginx → node:http hello', helloEdge.port, ['/']],
      ['API /live (1 process)', api.port, ['/live']],
      ['API cached profile (1 process)', api.port, profiles],
      ['API GET /api/ping (1 process)', api.port, ['/api/ping']],
      ['API cached profile, signed in (1 process)', api.port, profiles, signedIn],
      ['API cached profile, limiter off (1 process)', apiNoLimits.port, profiles],
      ['API /live (PM2 ×2)', pm2.port, ['/live']],
      ['API /live (node:cluster ×2)', apiCluster.port, ['/live']],
      ['node:http hello (node:cluster ×2)', clusterHello.port, ['/']],
      ['Nginx → PM2 ×2 cached profile', pm2Edge.port, profiles],
    ];
    // Warm-up: caches filled, JIT warm.
    for (const [label, port, paths, headers] of configs) await measure(label, port, paths, { seconds: 1, connections, ...(headers ? { headers } : {}) });
    const measurements: Measurement[] = [];
    for (let round = 0; round < rounds; round++) {
      for (const [label, port, paths, headers] of configs) measurements.push(await measure(label, port, paths, { seconds, connections, ...(headers ? { headers } : {}) }));
    }
    const of = (label: string) => {
      const series = measurements.filter((m) => m.label === label);
      return { rps: median(series.map((m) => m.requestsPerSecond)), p95: round(median(series.map((m) => m.p95Ms))) };
    };
    const r = (numerator: string, denominator: string): string => ratio(of(numerator).rps, of(denominator).rps);
    const rps = (label: string): string => `${label} ${of(label).rps} req/s`;

    // P7: an open model at 70 % of the maximum the closed model found through Nginx + PM2.
    const maximum = of('Nginx → PM2 ×2 cached profile').rps;
    const baseRate = Math.max(10, Math.round(maximum * 0.7));
    const paths: PlannedRequest[] = profiles.map((path) => ({ method: 'GET', path }));
    const baseline = await openModel(pm2Edge.port, paths, baseRate, 20);
    const spike = await openModel(pm2Edge.port, paths, baseRate * 2, 30);
    const recovery = await openModel(pm2Edge.port, paths, baseRate, 30);
    const recoveredAt = recovery.perSecond.findIndex((second) => second.count > 0 && second.p95Ms <= baseline.p95Ms * 1.1);
    const timeline: SpikePoint[] = [
      ...[baseline, spike, recovery].flatMap((run: OpenModelResult) => run.perSecond.map((second) => ({ targetRate: run.rate, sent: second.count, ...second }))),
    ].map((point, second) => ({ second, targetRate: point.targetRate, sent: point.sent, p50Ms: point.p50Ms, p95Ms: point.p95Ms, p99Ms: point.p99Ms }));

    // Mix: rising fixed rates until p95 > 100 ms, failures over 1 % or the rate is not reached.
    const mixPlan = mixRequests(learners);
    const mix: MixStep[] = [];
    let sustainable = 0;
    // From a low rate up, so that a box whose mix sustains far less than its cached reads still finds its rate.
    for (let rate = 10; mix.length < 12; rate = Math.round(rate * 1.5)) {
      const run = await openModel(pm2Edge.port, mixPlan, rate, 10);
      const achieved = Math.round(run.sent / run.seconds);
      mix.push({ rate, achieved, p95Ms: run.p95Ms, failed: run.failed });
      if (run.p95Ms > 100 || run.failed > run.sent * 0.01 || achieved < rate * 0.95) break;
      sustainable = rate;
    }

    const server = await serverSide(pm2.port);
    const limiterOn = of('API cached profile (1 process)');
    const limiterOff = of('API cached profile, limiter off (1 process)');
    const rows: ReportRow[] = [
      { id: 'P1', compares: 'Express hello ÷ node:http hello', value: r('Express hello', 'node:http hello'), detail: `${rps('Express hello')}, ${rps('node:http hello')}` },
      { id: 'P2', compares: 'node:http hello behind our Nginx config ÷ direct', value: r('Nginx → node:http hello', 'node:http hello'), detail: rps('Nginx → node:http hello') },
      { id: 'P3', compares: 'the liveness probe (/live, answered ahead of the middleware stack) ÷ bare Express', value: r('API /live (1 process)', 'Express hello'), detail: rps('API /live (1 process)') },
      {
        id: 'P4',
        compares: "the limiter's cost on a cached read (load-profile budgets vs RATE_LIMIT_ENABLED=false)",
        value: `${(((limiterOn.rps - limiterOff.rps) / limiterOff.rps) * 100).toFixed(1)} % throughput, ${(limiterOn.p95 - limiterOff.p95).toFixed(1)} ms at p95`,
        detail: `${limiterOn.rps} vs ${limiterOff.rps} req/s; p95 ${limiterOn.p95} vs ${limiterOff.p95} ms`,
      },
      {
        id: 'P5',
        compares: 'cached GET /api/profiles/:id signed in (Bearer) ÷ the constant route GET /api/ping behind the same /api stack (1 process)',
        value: r('API cached profile, signed in (1 process)', 'API GET /api/ping (1 process)'),
        detail: `${rps('API cached profile, signed in (1 process)')}, ${rps('API GET /api/ping (1 process)')}`,
      },
      {
        id: 'P6',
        compares: 'PM2 ×2 ÷ one process, and ÷ hand-written node:cluster ×2 (API /live)',
        value: `${r('API /live (PM2 ×2)', 'API /live (1 process)')}; ${r('API /live (PM2 ×2)', 'API /live (node:cluster ×2)')}`,
        detail: `${rps('API /live (PM2 ×2)')}, ${rps('API /live (node:cluster ×2)')}`,
      },
      {
        id: 'P7',
        compares: `open model at 70 % of the maximum (${maximum} req/s, Nginx → PM2 ×2 cached read): ${baseRate}/s, then 2× for 30 s`,
        value: `p50 ${baseline.p50Ms} ms, p99 ${baseline.p99Ms} ms, dropped ${baseline.dropped}; recovered ${recoveredAt < 0 ? 'not within 30 s' : `in ${recoveredAt} s`}`,
        detail: `spike: p95 ${spike.p95Ms} ms, p99 ${spike.p99Ms} ms, dropped ${spike.dropped}, failed ${spike.failed}; baseline p95 ${baseline.p95Ms} ms`,
      },
      { id: 'Headline', compares: 'Nginx + PM2 ×2 + full stack cached read ÷ bare node:http cluster ×2', value: r('Nginx → PM2 ×2 cached profile', 'node:http hello (node:cluster ×2)'), detail: `${rps('Nginx → PM2 ×2 cached profile')}, ${rps('node:http hello (node:cluster ×2)')}` },
      { id: 'Mix', compares: 'maximum sustainable rate of the mix (reads, search, stats, profile edits) at p95 ≤ 100 ms', value: `${sustainable} req/s`, detail: mix.map((step) => `${step.rate}/s → p95 ${step.p95Ms} ms`).join('; ') },
    ];
    const date = new Date().toISOString();
    const data: ReportData = {
      date,
      commit: execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim(),
      machine: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GB (shared: other work may run)`,
      versions: {
        node: process.version,
        nginx: spawnSync('nginx', ['-v'], { encoding: 'utf8' }).stderr.trim().replace('nginx version: ', ''),
        autocannon: (JSON.parse(readFileSync(join(root, 'node_modules/autocannon/package.json'), 'utf8')) as { version: string }).version,
      },
      durationSeconds: (Date.now() - began) / 1000,
      generator: `autocannon; closed model (${connections} connections, ${seconds} s × ${rounds} interleaved rounds, medians) for P1–P6 and the headline; open model (vegeta: a fixed arrival rate evenly paced, a worker per request in flight, requests that never left counted as dropped; the generator shares the 2 cores, about half a core at 2,200 req/s) for P7 and the mix`,
      rows,
      throughput: configs.map(([label]) => ({ label, requestsPerSecond: of(label).rps, p95Ms: of(label).p95 })),
      spike: timeline,
      mix,
      ...(server ? { server } : {}),
      notes: [
        'Everything here ran against the stack’s Redis and database, with fresh processes and a fresh Redis key prefix.',
        server
          ? 'Server-side figures: /metrics/summary of the PM2 cluster behind Nginx, its 1-minute window taken at the end of the mix (the last minute of the mix, or with a short mix also the end of the spike recovery); p95 from the servers’ own histograms (from the request reaching Express to its response, interpolated within buckets of 5, 10, 25, 50 ms …), so without Nginx and the queueing before Express.'
          : 'Server-side figures: /metrics/summary of the PM2 cluster did not answer (METRICS_ENABLED=false?).',
        'The mix is the stand-alone flows of load-test.js by weight (profile reads, search, statistics, profile views and edits); it leaves out sign-ins, uploads and lesson jobs (multi-step flows with polling), which load-test.js covers.',
        'Chaos figures (Redis or database down, SIGTERM, pm2 reloads, a worker killed mid-job, under the mix) come from ./scripts/bench chaos (bench/results/chaos-<date>.md).',
      ],
    };
    const stamp = date.slice(0, 10);
    mkdirSync(join(root, 'bench', 'results'), { recursive: true });
    writeFileSync(join(root, 'bench', 'results', `report-${stamp}.md`), renderMarkdown(data));
    writeFileSync(join(root, 'bench', 'results', `report-${stamp}.html`), renderHtml(data, root));
    writeFileSync(join(root, 'bench', 'results', `report-${stamp}.json`), `${JSON.stringify(data, null, 2)}\n`);
    process.stdout.write(renderMarkdown(data));
  } finally {
    for (const edge of edges) await edge.stop();
    for (const cluster of clusters) await stopCluster(cluster);
    for (const server of servers) await server.stop();
    await dropOurKeys();
  }
}

await runBench(main);
