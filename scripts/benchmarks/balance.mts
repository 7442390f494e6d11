/**
 * Per-request balancing (`./scripts/bench balance`): one PM2 cluster of 2 API processes and two
 * Nginx in front of it, one at a time: the stack's (each process's own port, least_conn, the
 * cluster's port as backup) and one with the cluster's port alone (the stack before). The same
 * paced traffic (vegeta, cached signed-in profile reads, limits raised by the load profile) goes
 * through each in turn, rounds interleaved, at each rate of BALANCE_RATES. Per run: p50 and p99,
 * and each API process's share of a core over the measured seconds.
 * Needs `./scripts/stack up` and seeded learners. Writes bench/results/balance-<time>.json and
 * bench/results/balance.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { dropKeys, loadProfile, median, newCluster, pm2, registerLearners, root, seededProfilePaths, startCluster, startEdge, stopCluster, waitForSearchIndex, type Cluster, type Edge } from './bench-kit.mts';
import { openModel, type OpenModelResult } from './report/open-model.mts';
import { watchCpu } from './report/cpu-share.mts';

const rates = (process.env.BALANCE_RATES ?? '800,1400').split(',').map(Number);
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const seconds = 10;
const settleSeconds = 3;
const edgeNames = ['own ports, least_conn', "the cluster's port alone"] as const;
type EdgeName = (typeof edgeNames)[number];

interface Run {
  rate: number;
  edge: EdgeName;
  round: number;
  p50Ms: number;
  p99Ms: number;
  failed: number;
  dropped: number;
  /** Each API process's share of one core over the measured seconds, busiest first. */
  processCores: number[];
  boxBusy: number | null;
}

async function apiPids(cluster: Cluster): Promise<number[]> {
  const list = JSON.parse(await pm2(cluster, 'jlist')) as { name: string; pid: number; pm2_env: { status: string } }[];
  return list.filter((entry) => entry.name === 'english-practice-api' && entry.pm2_env.status === 'online').map((entry) => entry.pid);
}

const prefix = `balancebench${Date.now() % 1_000_000}:`;
let cluster: Cluster | null = null;
const edges: Edge[] = [];
try {
  cluster = await newCluster('HEAD', { ...loadProfile, LOG_LEVEL: 'info', REDIS_KEY_PREFIX: prefix });
  await startCluster(cluster);
  const byName = new Map<EdgeName, Edge>();
  byName.set(edgeNames[0], await startEdge(cluster));
  byName.set(edgeNames[1], await startEdge(cluster.port));
  edges.push(...byName.values());
  await waitForSearchIndex(cluster.port, prefix);
  const profiles = await seededProfilePaths(cluster.port);
  const headers = { authorization: `Bearer ${(await registerLearners(cluster.port, 1))[0]!.token}` };
  const targets = profiles.map((path) => ({ method: 'GET' as const, path, headers }));
  const pids = await apiPids(cluster);
  // One unmeasured run each: the caches fill and Nginx's pools open.
  for (const edge of byName.values()) await openModel(edge.port, targets, rates[0]!, 3);

  const runs: Run[] = [];
  for (let round = 1; round <= rounds; round++) {
    for (const rate of rates) {
      for (const name of round % 2 === 1 ? edgeNames : [...edgeNames].reverse()) {
        await delay(2000);
        const window = { from: settleSeconds * 1000, to: (settleSeconds + seconds) * 1000 };
        const watches = pids.map((pid) => watchCpu(pid, window.from, window.to));
        const result: OpenModelResult = await openModel(byName.get(name)!.port, targets, rate, seconds, settleSeconds);
        const shares = watches.map((watch) => watch.result());
        const processCores = shares.map((share) => (share ? share.process * share.cores : 0)).sort((a, b) => b - a);
        const run: Run = { rate, edge: name, round, p50Ms: result.p50Ms, p99Ms: result.p99Ms, failed: result.failed, dropped: result.dropped, processCores, boxBusy: result.cpu?.box ?? null };
        runs.push(run);
        process.stdout.write(`round ${round} ${rate} req/s ${name}: p50 ${run.p50Ms} ms, p99 ${run.p99Ms} ms, failed ${run.failed}, processes ${processCores.map((c) => c.toFixed(2)).join(' / ')} of a core\n`);
      }
    }
  }

  const date = new Date().toISOString();
  const percent = (share: number): string => `${Math.round(share * 100)} %`;
  const rows = rates.flatMap((rate) =>
    edgeNames.map((name) => {
      const mine = runs.filter((run) => run.rate === rate && run.edge === name);
      const busier = median(mine.map((run) => run.processCores[0]!));
      const idler = median(mine.map((run) => run.processCores[1] ?? 0));
      return `| ${rate.toLocaleString('en-US')} | ${name} | ${mine.map((run) => run.p99Ms).join(' / ')} | **${median(mine.map((run) => run.p99Ms))}** | ${median(mine.map((run) => run.p50Ms))} | ${percent(busier)} / ${percent(idler)} | ${mine.reduce((sum, run) => sum + run.failed, 0)} |`;
    }),
  );
  const markdown = `# Per-request balancing over the API processes

${date}; \`./scripts/bench balance\` (scripts/benchmarks/balance.mts). One PM2 cluster of 2 API processes
(the load profile's budgets), two Nginx with the project's configuration in front of it, used one at a time:
**own ports, least_conn** is what \`./scripts/stack up\` runs (each process also on INSTANCE_PORT_BASE + its
index, the cluster's port as backup); **the cluster's port alone** is the upstream of before. vegeta sends
cached signed-in profile reads (${profiles.length} profiles) at a fixed rate: ${settleSeconds} s unmeasured, then ${seconds} s measured;
${rounds} rounds, the two Nginx interleaved and alternating which goes first. The load generator shares the
box's 2 cores.

| req/s | upstream | p99 per round, ms | median p99, ms | median p50, ms | busier / idler process, share of a core (median) | failed |
| --- | --- | --- | --- | --- | --- | --- |
${rows.join('\n')}
`;
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(join(root, 'bench', 'results', `balance-${date.replace(/[:.]/g, '-')}.json`), `${JSON.stringify({ date, rates, rounds, seconds, settleSeconds, runs }, null, 2)}\n`);
  writeFileSync(join(root, 'bench', 'results', 'balance.md'), markdown);
  process.stdout.write(`\n${markdown}`);
} finally {
  for (const edge of edges) await edge.stop();
  if (cluster) await stopCluster(cluster);
  await dropKeys(prefix);
}
