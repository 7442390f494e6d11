/**
 * Search at 10,000 learners (issue 12, finding 2): uncached searches answered from the search
 * index (SEARCH_INDEX=auto) and from the database (SEARCH_INDEX=off: what every search did
 * before the index), side by side on the same data, each through Nginx:
 *   1. uncached latency: unique queries (words, filters, pages) at a fixed arrival rate;
 *   2. a 20 s flood of unique queries from 4 clients as fast as they go, while other routes
 *      (cached profile reads, /api/ping) run at a fixed rate: their p95 against a
 *      baseline taken just before, and again just after (recovery).
 * Tops the stack's database up to 10,000 learners first (./scripts/seed builds the index).
 * Writes bench/results/search-<time>.json and bench/results/search.md.
 *
 * Run: ./scripts/bench search   (SEARCH_BENCH_SECONDS per phase, default 20; SEARCH_BENCH_RATE, default 20/s)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { databaseIdle, loadProfile, measure, newCluster, root, run, startCluster, startEdge, stopCluster, type Cluster, type Edge, type Measurement } from './bench-kit.mts';
import { runBench } from './stop-on-exit.mts';
import { openModel, type OpenModelResult, type PlannedRequest } from './report/open-model.mts';

const seconds = Number(process.env.SEARCH_BENCH_SECONDS ?? 20);
const searchRate = Number(process.env.SEARCH_BENCH_RATE ?? 20);
const otherRate = 50;
const learnersWanted = 10_000;
const floodClients = 4;

/** Words learners' profiles hold (seed interests, job titles, plans) and some they do not. */
const vocabulary = [
  ...['travel', 'cooking', 'football', 'music', 'movies', 'photography', 'hiking', 'chess', 'business', 'technology'],
  ...['medicine', 'literature', 'history', 'gaming', 'fashion', 'yoga', 'science', 'art', 'economics', 'volunteering'],
  ...['engineer', 'manager', 'designer', 'developer', 'officer', 'analyst', 'consultant', 'director', 'specialist', 'assistant'],
  ...['abroad', 'exam', 'books', 'colleagues', 'work', 'maria', 'john', 'anna', 'david', 'laura', 'xylophone', 'origami'],
];
const levels = ['', 'A2', 'B1', 'B2', 'C1'];
const languages = ['', 'es', 'de', 'ja'];

/** `count` searches no two alike, so none is answered from the search cache. */
function uniqueSearches(count: number): PlannedRequest[] {
  const paths = new Set<string>();
  // A fixed pseudo-random sequence (mulberry32): the same queries on every run.
  let state = 12345;
  const pick = <T,>(values: T[]): T => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return values[((t ^ (t >>> 14)) >>> 0) % values.length]!;
  };
  while (paths.size < count) {
    const words = pick([1, 1, 2]) === 1 ? pick(vocabulary) : `${pick(vocabulary)} ${pick(vocabulary)}`;
    const query = new URLSearchParams({ q: words, page: String(pick([1, 1, 1, 2, 3, 4, 5])), limit: String(pick([10, 12, 15, 20, 20, 25, 30, 40, 50])) });
    const level = pick(levels);
    const language = pick(languages);
    if (level) query.set('level', level);
    if (language) query.set('nativeLanguage', language);
    paths.add(`/api/search/profiles?${query.toString()}`);
  }
  return [...paths].map((path) => ({ method: 'GET', path }));
}

async function learnerIds(uri: string): Promise<{ count: number; ids: string[] }> {
  const client = await MongoClient.connect(uri);
  try {
    const accounts = client.db().collection('accounts');
    const count = await accounts.countDocuments();
    const ids = (await accounts.find({}, { projection: { _id: 1 } }).limit(200).toArray()).map((account) => account._id.toHexString());
    return { count, ids };
  } finally {
    await client.close();
  }
}

interface ClusterFigures {
  name: string;
  uncached: OpenModelResult;
  baseline: OpenModelResult;
  duringFlood: OpenModelResult;
  flood: Measurement;
  after: OpenModelResult;
  /** Seconds the database stayed busy after the phase after the flood. */
  databaseBusyAfter: number;
}

async function main(): Promise<void> {
  if (!process.env.MONGODB_URI || !process.env.REDIS_URL) throw new Error('run ./scripts/stack up first (scripts/bench reads .stack/env)');
  let { count, ids } = await learnerIds(process.env.MONGODB_URI);
  if (count < learnersWanted) {
    process.stdout.write(`seeding ${learnersWanted - count} learners (to ${learnersWanted})\n`);
    await run(process.execPath, [join(root, 'dist/cli/seed.js'), '--learners', String(learnersWanted - count)], { env: process.env });
    ({ count, ids } = await learnerIds(process.env.MONGODB_URI));
  }
  // The index of the stack's key prefix: built by seed or migrate, built here if missing.
  const { stdout: migrated } = await run(process.execPath, [join(root, 'dist/cli/migrate.js')], { env: process.env });
  process.stdout.write(migrated.split('\n').filter((line) => line.startsWith('search index')).join('\n') + '\n');

  const behindNginx = { ...loadProfile, TRUST_PROXY_HOPS: '1' };
  // The index is the one of the stack's key prefix; the database configuration has a cache of its own.
  const clusters: Cluster[] = [
    await newCluster('search index', { ...behindNginx, SEARCH_INDEX: 'auto' }),
    await newCluster('database', { ...behindNginx, SEARCH_INDEX: 'off', REDIS_KEY_PREFIX: `searchbench${Date.now() % 1_000_000}:` }),
  ];
  // Disjoint slices per phase: no search is ever asked twice.
  const pool = uniqueSearches(clusters.length * 25_000);
  const slice = (from: number, count: number): PlannedRequest[] => pool.slice(from, from + count);
  const edges: Edge[] = [];
  const figures: ClusterFigures[] = [];
  try {
    for (const cluster of clusters) {
      await startCluster(cluster);
      edges.push(await startEdge(cluster.port));
    }
    // Statistics are left out: without the index they group every account on FerretDB (seconds).
    const others: PlannedRequest[] = ids.flatMap((id, n) => [
      { method: 'GET' as const, path: `/api/profiles/${id}` },
      ...(n % 4 === 0 ? [{ method: 'GET' as const, path: '/api/ping' }] : []),
    ]);
    for (const [n, cluster] of clusters.entries()) {
      const port = edges[n]!.port;
      // Warm the profile cache the other routes read, as on a running box: each once, in order.
      for (const request of others) await fetch(`http://127.0.0.1:${port}${request.path}`).then((response) => response.arrayBuffer());
      process.stdout.write(`${cluster.name}: the database was idle after ${await databaseIdle()} s\n`);
      process.stdout.write(`${cluster.name}: uncached searches at ${searchRate}/s for ${seconds} s\n`);
      const uncached = await openModel(port, slice(n * 25_000, searchRate * seconds), searchRate, seconds);
      process.stdout.write(`${cluster.name}: other routes, baseline\n`);
      const baseline = await openModel(port, others, otherRate, seconds);
      process.stdout.write(`${cluster.name}: other routes during a flood of unique searches from ${floodClients} clients\n`);
      const [duringFlood, flood] = await Promise.all([
        openModel(port, others, otherRate, seconds),
        measure('flood', port, slice(n * 25_000 + searchRate * seconds, 20_000).map((search) => search.path), { seconds, connections: floodClients }),
      ]);
      process.stdout.write(`${cluster.name}: other routes after the flood\n`);
      const after = await openModel(port, others, otherRate, seconds);
      const databaseBusyAfter = await databaseIdle();
      figures.push({ name: cluster.name, uncached, baseline, duringFlood, flood, after, databaseBusyAfter });
    }
  } finally {
    for (const edge of edges) await edge.stop();
    for (const cluster of clusters) await stopCluster(cluster);
  }

  const date = new Date().toISOString();
  const summary = { date, node: process.version, learners: count, seconds, searchRate, otherRate, floodClients, figures };
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(join(root, 'bench', 'results', `search-${date.replace(/[:.]/g, '-')}.json`), `${JSON.stringify(summary, null, 2)}\n`);

  const statuses = (result: OpenModelResult): string =>
    Object.entries(result.statuses)
      .map(([status, times]) => `${times}× ${status}`)
      .join(', ');
  const over2s = (result: OpenModelResult): string => (result.maxMs > 2000 ? `yes (max ${result.maxMs} ms)` : `no (max ${result.maxMs} ms)`);
  const rows = figures
    .map(
      (f) => `| ${f.name} | ${f.uncached.p50Ms} | ${f.uncached.p95Ms} | ${f.uncached.p99Ms} | ${over2s(f.uncached)} | ${statuses(f.uncached)}, ${f.uncached.dropped} unsent |
`,
    )
    .join('');
  const floodRows = figures
    .map(
      (f) =>
        `| ${f.name} | ${f.flood.requestsPerSecond}/s, ${f.flood.failed} non-2xx | ${f.baseline.p95Ms} | ${f.duringFlood.p95Ms} (${(f.duringFlood.p95Ms / f.baseline.p95Ms).toFixed(2)}×) | ${f.after.p95Ms} (${(f.after.p95Ms / f.baseline.p95Ms).toFixed(2)}×) | ${f.duringFlood.failed + f.after.failed} | ${f.databaseBusyAfter} s |
`,
    )
    .join('');
  const markdown = `# Search benchmark: ${count} learners

${date}, Node ${process.version}; FerretDB (the stack's database), PM2 cluster of 2 API processes behind Nginx per configuration,
limits from load/load-profile.env. Both configurations run on the same data, one after the other, on one 2-core box that the load
generator shares. Targets (issue 12): uncached p95 ≤ 200 ms and no request over 2 s; during the flood, other routes' p95 within 2× of baseline.

## Uncached searches: ${searchRate}/s for ${seconds} s, every query unique (words, level, language, page, size)

| configuration | p50 ms | p95 ms | p99 ms | over 2 s | answers |
| --- | --- | --- | --- | --- | --- |
${rows}
## A flood of unique searches from ${floodClients} clients for ${seconds} s; other routes at ${otherRate}/s (cached profile reads, /api/ping)

| configuration | flood searches | other routes p95 ms, baseline | during the flood | after it | other routes failed | database busy afterwards |
| --- | --- | --- | --- | --- | --- | --- |
${floodRows}
Reproduce: \`./scripts/stack up && ./scripts/bench search\` (tops the database up to ${learnersWanted} learners).
`;
  writeFileSync(join(root, 'bench', 'results', 'search.md'), markdown);
  process.stdout.write(`\n${markdown}`);
}

await runBench(main);
