/**
 * `./scripts/bench report`: the whole box in one run, every configuration started fresh here on
 * the stack's Redis and database, side by side in interleaved rounds, under each pinning
 * (BENCH_PIN, pinning.mts: the generator on one CPU, the box on the other, then unpinned).
 * Rows P1–P7, the spike, the headline and the mix, and the overload section (capacity by
 * latency, 2× and 4× spikes, a stall: overload/measure-overload.mts, the same as
 * `./scripts/bench spike`) (docs/benchmarks.md); writes bench/results/report-<date>.md, .html
 * (charts by Chart.js, render-report.mts) and .json.
 *
 * Run: ./scripts/bench report   (BENCH_SECONDS per closed-model measurement, default 5;
 * BENCH_ROUNDS, default 3; the overload's settings: docs/benchmarks.md)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import {
  behindNginx,
  daemonPid,
  dropKeys,
  loadProfile,
  measure,
  median,
  newCluster,
  registerLearners,
  root,
  startCluster,
  startEdge,
  stopCluster,
  waitForSearchIndex,
  type Cluster,
  type Edge,
  type Measurement,
} from './bench-kit.mts';
import { generatorBound } from './overload/capacity.mts';
import { measureOverload, overloadSettings, startEdges, startEdgeWith } from './overload/measure-overload.mts';
import type { OverloadFigures } from './overload/overload-data.mts';
import { sheddingLabel } from './overload/render-overload.mts';
import { pinningFromEnv, stackProcesses, type PinMode } from './pinning.mts';
import { runBench, stopOnExit } from './stop-on-exit.mts';
import { startProgram, type Server } from './report/hello-servers.mts';
import { mixRequests } from './report/mix.mts';
import { findMixRate, mixConfirmSeconds, mixP95Ms } from './report/mix-search.mts';
import type { PlannedRequest } from './report/open-model.mts';
import type { MixStep, ReportData, ReportRow, ServerSide, ThroughputBar } from './report/report-data.mts';
import { renderHtml, renderMarkdown } from './report/render-report.mts';
import type { buildSummary } from '../../src/components/metrics/summary.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const connections = 50;
/** METRICS_PUBLISH_INTERVAL_MS's default, and a little more. */
const metricsPublishMs = 5500;
const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}×`;
const round = (ms: number): number => Math.round(ms * 10) / 10;

/** The PM2 cluster's /metrics/summary at the end of the mix's search, its 1-minute window; null when it does not answer. */
async function serverSide(port: number, pinning: PinMode, sustainable: number): Promise<ServerSide | null> {
  // The process that answers reports itself live and the other from its last snapshot: wait for one.
  await delay(metricsPublishMs);
  const response = await fetch(`http://127.0.0.1:${port}/metrics/summary`).catch(() => null);
  if (!response?.ok) return null;
  const { windows } = (await response.json()) as ReturnType<typeof buildSummary>;
  const minute = windows['1m'];
  return {
    pinning,
    window: `the last minute, ending at the end of the mix's search (its last run: ${mixConfirmSeconds} s at the sustainable rate, ${sustainable}/s)`,
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
  const pinning = pinningFromEnv();
  const overloadSetting = overloadSettings();
  const checkout = process.env.BENCH_NGINX_CHECKOUT;
  const prefix = `report${Date.now() % 1_000_000}`;
  const dropOurKeys = stopOnExit(`the Redis keys under ${prefix}`, () => dropKeys(prefix));
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
    const keptEdge = async (started: Promise<Edge>): Promise<Edge> => {
      const edge = await started;
      edges.push(edge);
      return edge;
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
    const helloEdge = await keptEdge(startEdge(nodeHello.port, checkout ? { checkout } : {}));
    // The stack's Nginx once per shedding setting measured; the first is the stack's own (its closed-model row, the mix).
    const pm2Edges = await startEdges(pm2.port, checkout);
    edges.push(...pm2Edges.map(({ edge }) => edge));
    const pm2Edge = pm2Edges[0]!.edge;
    // The bare cluster behind the same Nginx as the stack's first (P7's share of Nginx).
    const clusterHelloEdge = await keptEdge(startEdgeWith(clusterHello.port, pm2Edges[0]!.shedding, checkout));

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
    const signedInReads: PlannedRequest[] = profiles.map((path) => ({ method: 'GET', path, headers: signedIn }));
    const mixPlan = mixRequests(learners);
    const boxPids = [...servers.map((server) => server.pid), ...edges.map((edge) => edge.pid), daemonPid(pm2), ...stackProcesses()];
    const log = (line: string): void => void process.stdout.write(`${line}\n`);
    if (pinning.unavailable) log(pinning.unavailable);

    const rows: ReportRow[] = [];
    const throughput: ThroughputBar[] = [];
    const overload: OverloadFigures[] = [];
    const mix: MixStep[] = [];
    const serverFigures: ServerSide[] = [];
    for (const mode of pinning.modes) {
      pinning.apply(mode, boxPids);
      // Warm-up: caches filled, JIT warm.
      for (const [label, port, paths, headers] of configs) await measure(label, port, paths, { seconds: 1, connections, ...(headers ? { headers } : {}) });
      const measurements: Measurement[] = [];
      for (let round = 0; round < rounds; round++) {
        for (const [label, port, paths, headers] of configs)
          measurements.push(await measure(label, port, paths, { seconds, connections, ...(headers ? { headers } : {}) }));
      }
      const of = (label: string) => {
        const series = measurements.filter((m) => m.label === label);
        return { rps: median(series.map((m) => m.requestsPerSecond)), p95: round(median(series.map((m) => m.p95Ms))) };
      };
      const r = (numerator: string, denominator: string): string => ratio(of(numerator).rps, of(denominator).rps);
      const rps = (label: string): string => `${label} ${of(label).rps} req/s`;

      // P7 and the overload figures: capacity by latency, spikes, a stall (overload/measure-overload.mts).
      const figures = await measureOverload(
        { cluster: pm2, edges: pm2Edges, barePort: clusterHello.port, bareEdge: clusterHelloEdge, targets: signedInReads },
        mode,
        pinning.describe(mode),
        overloadSetting,
        log,
      );
      overload.push(figures);
      const [firstRun] = figures.runs;
      const spike = firstRun?.spikes.find((each) => each.multiple === 2);

      // Mix: its sustainable rate (each run waits for a settled box); the servers' own figures over
      // the last minute, the confirming run at that rate, when one held.
      const { sustainable, steps } = await findMixRate(pm2Edge.port, mixPlan, mode, log);
      mix.push(...steps);
      const server = sustainable > 0 ? await serverSide(pm2.port, mode, sustainable) : null;
      if (server) serverFigures.push(server);

      const limiterOn = of('API cached profile (1 process)');
      const limiterOff = of('API cached profile, limiter off (1 process)');
      const row = (id: string, compares: string, value: string, detail: string): ReportRow => ({ id, pinning: mode, compares, value, detail });
      rows.push(
        row('P1', 'Express hello ÷ node:http hello', r('Express hello', 'node:http hello'), `${rps('Express hello')}, ${rps('node:http hello')}`),
        row('P2', 'node:http hello behind our Nginx config ÷ direct', r('Nginx → node:http hello', 'node:http hello'), rps('Nginx → node:http hello')),
        row(
          'P3',
          'the liveness probe (/live, answered ahead of the middleware stack) ÷ bare Express',
          r('API /live (1 process)', 'Express hello'),
          rps('API /live (1 process)'),
        ),
        row(
          'P4',
          "the limiter's cost on a cached read (load-profile budgets vs RATE_LIMIT_ENABLED=false)",
          `${(((limiterOn.rps - limiterOff.rps) / limiterOff.rps) * 100).toFixed(1)} % throughput, ${(limiterOn.p95 - limiterOff.p95).toFixed(1)} ms at p95`,
          `${limiterOn.rps} vs ${limiterOff.rps} req/s; p95 ${limiterOn.p95} vs ${limiterOff.p95} ms`,
        ),
        row(
          'P5',
          'cached GET /api/profiles/:id signed in (Bearer) ÷ the constant route GET /api/ping behind the same /api stack (1 process)',
          r('API cached profile, signed in (1 process)', 'API GET /api/ping (1 process)'),
          `${rps('API cached profile, signed in (1 process)')}, ${rps('API GET /api/ping (1 process)')}`,
        ),
        row(
          'P6',
          'PM2 ×2 ÷ one process, and ÷ hand-written node:cluster ×2 (API /live)',
          `${r('API /live (PM2 ×2)', 'API /live (1 process)')}; ${r('API /live (PM2 ×2)', 'API /live (node:cluster ×2)')}`,
          `${rps('API /live (PM2 ×2)')}, ${rps('API /live (node:cluster ×2)')}`,
        ),
        row(
          'P7',
          'capacity (the highest paced rate with p99 ≤ 50 ms for the full run) of the stack, a cached signed-in read through Nginx → PM2 ×2, ÷ that of the bare node:http cluster ×2; p99 at 70 % of the capacity',
          `${generatorBound(figures.capacity.bare) ? '≤ ' : ''}${figures.ratio.toFixed(2)}×; p99 ${figures.atSeventy.p99Ms} ms at 70 %`,
          `${figures.capacity.stack.rate} vs ${generatorBound(figures.capacity.bare) ? `≥ ${figures.capacity.bare.rate} (the generator's limit)` : figures.capacity.bare.rate} req/s (the bare cluster behind the same Nginx: ${figures.capacity.bareBehindEdge.rate} req/s); at ${figures.atSeventy.rate}/s for ${figures.atSeventy.seconds} s: p50 ${figures.atSeventy.p50Ms} ms, p99 ${figures.atSeventy.p99Ms} ms`,
        ),
        ...(spike && firstRun
          ? [
              row(
                'Spike',
                `2× the capacity (${spike.spikeRate}/s) for ${Math.round(spike.spikeTo - spike.spikeFrom)} s from 70 %, ${sheddingLabel(firstRun.shedding)} (all shedding settings: the overload section)`,
                `lowest goodput ${spike.goodputMin}/s (${Math.round((spike.goodputMin / spike.capacity) * 100)} % of capacity); p99 of the 2xx ${spike.okP99Ms ?? '–'} ms; p99 back ≤ 50 ms ${spike.recoveredAfterSeconds === null ? 'not within the run' : `after ${spike.recoveredAfterSeconds.toFixed(1)} s`}`,
                `${spike.kinds.refused} refused (p99 ${spike.refusedP99Ms ?? '–'} ms), ${spike.kinds.timeout} timeouts, ${spike.kinds.connection} connection errors, ${spike.kinds.other} other answers`,
              ),
            ]
          : []),
        row(
          'Headline',
          'Nginx + PM2 ×2 + full stack cached read ÷ bare node:http cluster ×2 (closed model)',
          r('Nginx → PM2 ×2 cached profile', 'node:http hello (node:cluster ×2)'),
          `${rps('Nginx → PM2 ×2 cached profile')}, ${rps('node:http hello (node:cluster ×2)')}`,
        ),
        row(
          'Mix',
          `maximum sustainable rate of the mix (reads, search, stats, profile edits) at p95 ≤ ${mixP95Ms} ms, no 5xx, confirmed for ${mixConfirmSeconds} s`,
          `${sustainable} req/s`,
          steps.map((step) => `${step.rate}/s${step.confirming ? ` (${step.seconds} s)` : ''} → p95 ${step.p95Ms} ms ${step.held ? '✓' : '✗'}`).join('; '),
        ),
      );
      throughput.push(...configs.map(([label]) => ({ label, pinning: mode, requestsPerSecond: of(label).rps, p95Ms: of(label).p95 })));
    }

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
      generator: `autocannon, in the bench's own process; closed model (${connections} connections, ${seconds} s × ${rounds} interleaved rounds, medians) for P1–P6 and the headline; open model (vegeta: a fixed arrival rate evenly paced, a worker per request in flight, requests that never left counted as dropped) for P7, the overload section and the mix`,
      pinning: Object.fromEntries(pinning.modes.map((mode) => [mode, pinning.describe(mode)])),
      rows,
      throughput,
      overload,
      mix,
      servers: serverFigures,
      notes: [
        'Everything here ran against the stack’s Redis and database, with fresh processes and a fresh Redis key prefix.',
        `Each figure was measured under each pinning (BENCH_PIN: ${pinning.modes.join(', ')}), all of one pinning before the next.${checkout ? ` Nginx's configuration: ${checkout}'s (BENCH_NGINX_CHECKOUT).` : ''}`,
        serverFigures.length > 0
          ? `Server-side figures: /metrics/summary of the PM2 cluster behind Nginx, its 1-minute window read at the end of each pinning's mix search, whose last run is the ${mixConfirmSeconds} s run that confirmed the sustainable rate; p95 from the servers’ own histograms (from the request reaching Express to its response, interpolated within buckets of 5, 10, 25, 50 ms …), so without Nginx and the queueing before Express.`
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
