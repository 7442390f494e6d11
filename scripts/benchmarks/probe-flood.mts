/**
 * Benchmark of issue 30, finding 6: one address floods a probe (`/health` or `/live`) through
 * Nginx while other clients read the API; what the flood does to the other routes' p95. The
 * probes are never rate limited, so this is what a stranger can do to the box. Each round
 * measures the reads without a flood, under a `/live` flood and under a `/health` flood, back
 * to back, in alternating order. Needs `./scripts/stack up` (its Redis and database).
 * Writes bench/results/probe-flood.md and .json.
 *
 * Run: ./scripts/bench probes   (BENCH_SECONDS, BENCH_ROUNDS, BENCH_FLOOD_CONNECTIONS, BENCH_READER_RATE;
 * BENCH_CHECKOUT: the folder of another built checkout to measure instead, its API and its Nginx
 * configuration, e.g. a git worktree of an older commit)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execSync } from 'node:child_process';
import { cpus } from 'node:os';
import { loadProfile, measure, median, newCluster, registerLearners, root, startCluster, startEdge, stopCluster, type Cluster, type Edge } from './bench-kit.mts';
import { openModel, type OpenModelResult } from './report/open-model.mts';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const floodConnections = Number(process.env.BENCH_FLOOD_CONNECTIONS ?? 50);
/** The other clients: reads evenly paced at a rate a quiet box serves easily (an open model, vegeta). */
const readerRate = Number(process.env.BENCH_READER_RATE ?? 200);

type Flood = 'none' | '/live' | '/health';

async function main(): Promise<void> {
  if (!process.env.MONGODB_URI || !process.env.REDIS_URL) throw new Error('run ./scripts/stack up first (scripts/bench reads .stack/env)');
  const checkout = process.env.BENCH_CHECKOUT ?? root;
  const cluster: Cluster = await newCluster('probe flood', {
    ...loadProfile,
    TRUST_PROXY_HOPS: '1',
    HTTP_COMPRESSION: 'false',
    SECURITY_HEADERS: 'edge',
    REDIS_KEY_PREFIX: `probes${Date.now() % 1_000_000}:`,
  }, checkout);
  let edge: Edge | null = null;
  try {
    await startCluster(cluster);
    edge = await startEdge(cluster.port, { checkout });
    const learners = await registerLearners(cluster.port, 20);
    const reads = [...learners.map(({ id }) => `/api/profiles/${id}`), '/api/stats', '/api/ping'];
    const measurements: (OpenModelResult & { flood: Flood; floodRequestsPerSecond: number })[] = [];
    const planned = reads.map((path) => ({ method: 'GET' as const, path }));

    const under = async (flood: Flood, round: number): Promise<void> => {
      // The flood runs a second longer than the reads, which settle for their first second.
      const flooding = flood === 'none' ? null : measure(`flood ${flood}`, edge!.port, [flood], { seconds: seconds + 2, connections: floodConnections });
      const measured = await openModel(edge!.port, planned, readerRate, seconds, 1);
      const floodResult = await flooding;
      measurements.push({ ...measured, flood, floodRequestsPerSecond: floodResult?.requestsPerSecond ?? 0 });
      process.stdout.write(
        `round ${round}, flood ${flood}: reads p50 ${measured.p50Ms} ms, p95 ${measured.p95Ms} ms, ${measured.failed} failed, ${measured.dropped} dropped` +
          (floodResult ? `; flood ${floodResult.requestsPerSecond} req/s` : '') +
          '\n',
      );
    };

    await openModel(edge.port, planned, readerRate, 2);
    const floods: Flood[] = ['none', '/live', '/health'];
    for (let round = 1; round <= rounds; round++) {
      for (const flood of round % 2 === 1 ? floods : [...floods].reverse()) await under(flood, round);
    }

    const p95 = (flood: Flood): number => median(measurements.filter((m) => m.flood === flood).map((m) => m.p95Ms));
    const rate = (flood: Flood): number => median(measurements.filter((m) => m.flood === flood).map((m) => m.floodRequestsPerSecond));
    // Per round, /health's flood against /live's measured back to back; the median of those ratios.
    const roundsOf = (flood: Flood): number[] => measurements.filter((m) => m.flood === flood).map((m) => m.p95Ms);
    const live = roundsOf('/live');
    const ratio = median(roundsOf('/health').map((p95Health, round) => p95Health / Math.max(live[round]!, 0.001)));
    const commit = execSync('git rev-parse --short HEAD', { cwd: checkout, encoding: 'utf8' }).trim();
    const lines = [
      '# One address flooding a probe through Nginx: the other routes\' p95',
      '',
      `Commit ${commit}, ${new Date().toISOString()}, ${cpus().length} cores shared with other work. A PM2 cluster of 2 API`,
      `processes behind Nginx (rate limits off at the edge: the probes are exempt anyway). Readers: ${readerRate} req/s evenly paced`,
      `(vegeta) over 20 cached public profiles, /api/stats and /api/ping; the flood: ${floodConnections} connections on one probe (autocannon).`,
      `${rounds} rounds of ${seconds} s, each flood back to back in alternating order; medians of the rounds.`,
      '',
      '| flood | readers\' p95 (ms) | flood (req/s) |',
      '| --- | --- | --- |',
      ...(['none', '/live', '/health'] as Flood[]).map((flood) => `| ${flood} | ${p95(flood)} | ${rate(flood)} |`),
      '',
      `p95 under the /health flood ÷ under the /live flood, per round (median): **${ratio.toFixed(2)}** (acceptance: at most 1.5).`,
      `Rounds: ${roundsOf('/health').map((p95Health, round) => (p95Health / Math.max(live[round]!, 0.001)).toFixed(2)).join(', ')}.`,
      '',
    ];
    const results = join(root, 'bench', 'results');
    mkdirSync(results, { recursive: true });
    const name = checkout === root ? 'probe-flood' : `probe-flood-${commit}`;
    writeFileSync(join(results, `${name}.md`), lines.join('\n'));
    writeFileSync(join(results, `${name}.json`), JSON.stringify({ commit, rounds, seconds, floodConnections, readerRate, measurements, ratio }, null, 2));
    process.stdout.write(`\n${lines.join('\n')}\n`);
  } finally {
    await edge?.stop();
    await stopCluster(cluster);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
