/**
 * A stall under load: while an open model sends a cached signed-in read through Nginx at a
 * fixed rate, both API processes are stopped (SIGSTOP) for a moment, as a long GC pause or a
 * starved VM would stop them; the PM2 daemon keeps running. Requests pile up in Nginx for the
 * length of the stall: does the box answer them all and come back, or does the pile-up spill over?
 *
 * Side by side, interleaved: HEAD, and HEAD with Nginx's upstream pool as it was before (64 idle
 * connections, each ended after 1000 requests; HEAD: 1024 and 10000). Each configuration is a
 * PM2 cluster of 2 API processes behind its own Nginx (the project's configuration, 1 worker).
 * Earlier runs compared worker_connections 4096 and LISTEN_BACKLOG=511 (stall-2026-11-26T1*.json),
 * and load shedding (stall-shedding-*.md). BENCH_STALL_MS=0: no stall, the same runs at a steady rate.
 *   ./scripts/stack up && ./scripts/bench stall
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  dropKeys,
  freezeCluster,
  loadProfile,
  newCluster,
  registerLearners,
  root,
  seededProfilePaths,
  startCluster,
  startEdge,
  stopCluster,
  waitForSearchIndex,
  type Cluster,
  type Edge,
} from './bench-kit.mts';
import { runBench, stopOnExit } from './stop-on-exit.mts';
import { openModel, type OpenModelResult } from './report/open-model.mts';
import { stallRecoveredP99Ms as recoveredP99Ms, stallRun, type StallRun as Run } from './overload/stall-run.mts';

const rate = Number(process.env.BENCH_STALL_RATE ?? 2400);
const stallMs = Number(process.env.BENCH_STALL_MS ?? 2000);
const runSeconds = Number(process.env.BENCH_STALL_SECONDS ?? 15);
const stallAtSeconds = 4;
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);

interface Configuration {
  name: string;
  cluster: Cluster;
  edge: Edge;
}

interface StallRun extends Run {
  config: string;
  round: number;
}

/** Nginx's error log lines by kind (the text after the connection number, digits removed). */
function errorKinds(file: string): Record<string, number> {
  const kinds: Record<string, number> = {};
  for (const line of readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
    const kind = line
      .replace(/^.*?\[(\w+)\] \d+#\d+: (\*\d+ )?/, '$1: ')
      .replace(/ while .*$/, '')
      .replace(/\d+/g, 'N');
    kinds[kind] = (kinds[kind] ?? 0) + 1;
  }
  return kinds;
}

async function main(): Promise<void> {
  if (!process.env.MONGODB_URI || !process.env.REDIS_URL) throw new Error('run ./scripts/stack up first (scripts/bench reads .stack/env)');
  const prefix = `stall${Date.now() % 1_000_000}`;
  const dropOurKeys = stopOnExit(`the Redis keys under ${prefix}`, () => dropKeys(prefix));
  const configurations: Configuration[] = [];
  const clusters: Cluster[] = [];
  const edges: Edge[] = [];
  try {
    const add = async (name: string, env: Record<string, string>, upstreamPool?: { keepalive: number; requests: number }): Promise<Configuration> => {
      const cluster = await newCluster(name, { ...loadProfile, LOG_LEVEL: 'info', REDIS_KEY_PREFIX: `${prefix}-${clusters.length}:`, ...env });
      clusters.push(cluster);
      await startCluster(cluster);
      const edge = await startEdge(cluster.port, upstreamPool ? { upstreamPool } : {});
      edges.push(edge);
      const configuration = { name, cluster, edge };
      configurations.push(configuration);
      return configuration;
    };
    const head = await add('HEAD', {});
    await add('HEAD with the upstream pool of before (keepalive 64, keepalive_requests 1000)', {}, { keepalive: 64, requests: 1000 });

    await waitForSearchIndex(head.cluster.port, head.cluster.env.REDIS_KEY_PREFIX!);
    const profiles = await seededProfilePaths(head.cluster.port);
    const headers = { authorization: `Bearer ${(await registerLearners(head.cluster.port, 1))[0]!.token}` };
    const targets = profiles.map((path) => ({ method: 'GET' as const, path, headers }));

    const awake = async (only: Configuration): Promise<void> => {
      for (const c of configurations) await freezeCluster(c.cluster, c !== only);
    };
    for (const c of configurations) {
      await awake(c);
      await openModel(c.edge.port, targets, Math.round(rate / 2), 5);
    }
    const runs: StallRun[] = [];
    for (let round = 1; round <= rounds; round++) {
      for (const c of round % 2 === 1 ? configurations : [...configurations].reverse()) {
        await awake(c);
        const run = { config: c.name, round, ...(await stallRun(c.edge.port, c.cluster, targets, { rate, seconds: runSeconds, stallMs, stallAtSeconds })) };
        const { result } = run;
        runs.push(run);
        process.stdout.write(
          `round ${round} ${c.name}: ${result.failed} failed, ${result.dropped} never sent, p99 ${result.p99Ms} ms, recovered: ${run.recoveredAfterSeconds === null ? 'not within the run' : `${run.recoveredAfterSeconds} s after the stall`}\n`,
        );
      }
    }
    const errors = Object.fromEntries(configurations.map((c) => [c.name, errorKinds(c.edge.errorLog)]));

    const date = new Date().toISOString();
    mkdirSync(join(root, 'bench', 'results'), { recursive: true });
    const json = { date, node: process.version, rate, stallMs, runSeconds, stallAtSeconds, recoveredP99Ms, profilesInRotation: profiles.length, runs, nginxErrors: errors };
    const jsonName = `stall-${date.replace(/[:.]/g, '-')}.json`;
    writeFileSync(join(root, 'bench', 'results', jsonName), `${JSON.stringify(json, null, 2)}\n`);
    const statuses = (result: OpenModelResult): string =>
      Object.entries(result.statuses)
        .map(([status, count]) => `${status === '0' ? 'no answer' : status} ${count}`)
        .join(', ');
    const defaults = rate === 2400 && stallMs === 2000;
    const lengths = `${rounds === 3 ? '' : `BENCH_ROUNDS=${rounds} `}${runSeconds === 15 ? '' : `BENCH_STALL_SECONDS=${runSeconds} `}`;
    const settings = `${defaults ? '' : `BENCH_STALL_RATE=${rate} BENCH_STALL_MS=${stallMs} `}${lengths}`;
    const stall =
      stallMs > 0
        ? `${stallAtSeconds} s in, both API processes
of the PM2 cluster (2) are stopped with SIGSTOP for ${stallMs / 1000} s (a long GC pause, a starved VM); the PM2 daemon keeps
running.`
        : `no stall (BENCH_STALL_MS=0): the rate alone, so "recovered" reads "every second from ${stallAtSeconds} s on".`;
    const markdown = `# ${stallMs > 0 ? `A ${stallMs / 1000} s stall of the API under load` : `A steady ${rate} req/s, no stall`}

${date}, Node ${process.version}. An open model (vegeta, report/open-model.mts) sends a cached signed-in GET /api/profiles/:id
through Nginx (the project's configuration, 1 worker) at ${rate} req/s for ${runSeconds} s; ${stall} ${rounds} interleaved rounds per configuration; the configuration not measured is stopped meanwhile. Before each run the bench waits (up to 60 s) until 20
reads of /live in a row through Nginx, each on a new connection, answer within 50 ms ("settled before"). "Recovered": seconds
from the end of the stall until every later second of the run has a p99 ≤ ${recoveredP99Ms} ms.

| round | configuration | settled before | failed | never sent | answers | p50 ms | p99 ms | recovered |
| --- | --- | --- | --- | --- | --- | --- | --- | --- |
${runs.map((r) => `| ${r.round} | ${r.config} | ${r.settledBefore ? 'yes' : 'no (60 s)'} | ${r.result.failed} | ${r.result.dropped} | ${statuses(r.result)} | ${r.result.p50Ms} | ${r.result.p99Ms} | ${r.recoveredAfterSeconds === null ? 'not within the run' : `after ${r.recoveredAfterSeconds} s`} |`).join('\n')}

Nginx's error log, lines by kind:

${configurations.map((c) => `- ${c.name}: ${Object.keys(errors[c.name]!).length === 0 ? 'none' : Object.entries(errors[c.name]!).map(([kind, count]) => `${count} × \`${kind}\``).join('; ')}`).join('\n')}

Per-second p99 (ms) and answers of every run are in ${jsonName} beside this file. Reproduce:
\`./scripts/stack up && ./scripts/seed --learners 1000 && ${settings}./scripts/bench stall\`.
`;
    writeFileSync(join(root, 'bench', 'results', defaults ? 'stall.md' : `stall-${rate}rps-${stallMs}ms.md`), markdown);
    process.stdout.write(`\n${markdown}`);
  } finally {
    for (const edge of edges) await edge.stop();
    for (const cluster of clusters) await stopCluster(cluster);
    await dropOurKeys();
  }
}

await runBench(main);
