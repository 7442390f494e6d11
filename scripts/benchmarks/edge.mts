/**
 * Benchmark of the edge: the same PM2 cluster measured straight at its port and through
 * Nginx (nginx/), for the constant route /live and a cached read; and where gzip is cheaper,
 * at the edge (HTTP_COMPRESSION=false, Nginx compresses) or in the API (Nginx passes the
 * compressed body through). Side by side in one run, in interleaved rounds. Needs
 * `./scripts/stack up` (its Redis and database) and seeded learners.
 * Writes bench/results/edge-<time>.json and bench/results/edge.md.
 *
 * Run: ./scripts/bench edge   (BENCH_SECONDS, BENCH_CONNECTIONS, BENCH_ROUNDS, BENCH_NGINX_WORKERS)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { dropKeys, measure, newCluster, pairedRatio, root, seededProfilePaths, startCluster, startEdge, stopCluster, type Cluster, type Edge, type Measurement } from './bench-kit.mts';
import { runBench, stopOnExit } from './stop-on-exit.mts';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const nginxWorkers = process.env.BENCH_NGINX_WORKERS ?? '1';

async function main(): Promise<void> {
  if (!process.env.MONGODB_URI || !process.env.REDIS_URL) throw new Error('run ./scripts/stack up first (scripts/bench reads .stack/env)');
  const prefix = `edge${Date.now() % 1_000_000}`;
  const dropOurKeys = stopOnExit(`the Redis keys under ${prefix}`, () => dropKeys(prefix));
  const behindNginx = { RATE_LIMIT_ENABLED: 'false', TRUST_PROXY_HOPS: '1' };
  const edgeGzip = await newCluster('edge gzip', { ...behindNginx, HTTP_COMPRESSION: 'false', REDIS_KEY_PREFIX: `${prefix}a:` });
  const appGzip = await newCluster('app gzip', { ...behindNginx, HTTP_COMPRESSION: 'true', REDIS_KEY_PREFIX: `${prefix}b:` });
  const clusters: Cluster[] = [edgeGzip, appGzip];
  const edges: Edge[] = [];
  try {
    for (const cluster of clusters) await startCluster(cluster);
    const [nginx, nginxToAppGzip] = [await startEdge(edgeGzip.port, { workers: nginxWorkers }), await startEdge(appGzip.port, { workers: nginxWorkers })];
    edges.push(nginx, nginxToAppGzip);

    const profiles = await seededProfilePaths(edgeGzip.port);
    // A JSON body worth compressing (~10 KB): one cached page of 50 search results.
    const searchPage = ['/api/search/profiles?limit=50'];
    const gzip = { 'accept-encoding': 'gzip' };
    const load = { seconds, connections };

    const measurements: Measurement[] = [];
    const record = async (label: string, port: number, paths: string[], headers?: Record<string, string>): Promise<void> => {
      const m = await measure(label, port, paths, { ...load, ...(headers ? { headers } : {}) });
      measurements.push(m);
      process.stdout.write(`${label}: ${m.requestsPerSecond} req/s, p95 ${m.p95Ms} ms, ${m.failed} failed\n`);
    };
    const cases: [string, number, string[], Record<string, string>?][] = [
      ['/live direct', edgeGzip.port, ['/live']],
      ['/live through Nginx', nginx.port, ['/live']],
      ['cached profile direct', edgeGzip.port, profiles],
      ['cached profile through Nginx', nginx.port, profiles],
      ['search page, gzip at the edge', nginx.port, searchPage, gzip],
      ['search page, gzip in the API', nginxToAppGzip.port, searchPage, gzip],
    ];
    for (const [, port, paths, headers] of cases) await measure('warm-up', port, paths, { seconds: 2, connections, ...(headers ? { headers } : {}) });
    for (let round = 1; round <= rounds; round++) {
      // Each pair back to back, in alternating order, so drift hits both sides alike.
      for (let pair = 0; pair < cases.length; pair += 2) {
        const ordered = round % 2 === 1 ? [cases[pair]!, cases[pair + 1]!] : [cases[pair + 1]!, cases[pair]!];
        for (const [label, port, paths, headers] of ordered) await record(label, port, paths, headers);
      }
      await delay(1000);
    }

    const summary = {
      date: new Date().toISOString(),
      node: process.version,
      load: { seconds, connections, rounds, apiProcesses: 2, nginxWorkers },
      liveThroughNginxOverDirect: pairedRatio(measurements, '/live through Nginx', '/live direct'),
      cachedThroughNginxOverDirect: pairedRatio(measurements, 'cached profile through Nginx', 'cached profile direct'),
      edgeGzipOverAppGzip: pairedRatio(measurements, 'search page, gzip at the edge', 'search page, gzip in the API'),
      measurements,
    };
    mkdirSync(join(root, 'bench', 'results'), { recursive: true });
    writeFileSync(join(root, 'bench', 'results', `edge-${summary.date.replace(/[:.]/g, '-')}.json`), `${JSON.stringify(summary, null, 2)}\n`);
    const rows = measurements
      .map((m) => `| ${m.label} | ${m.requestsPerSecond} | ${m.p50Ms} | ${m.p95Ms} | ${m.p99Ms} | ${(m.bytesPerSecond / 1e6).toFixed(1)} | ${m.failed} |`)
      .join('\n');
    const markdown = `# Edge benchmark: Nginx in front of the PM2 cluster

${summary.date}, Node ${summary.node}, autocannon with ${connections} connections for ${seconds} s per measurement, ${rounds} interleaved
rounds after a warm-up; a PM2 cluster of 2 API processes and Nginx (${nginxWorkers} workers, rate limits off) on one 2-core box that the
load generator shares. Ratios are medians of per-round ratios.

| figure | value | target |
| --- | --- | --- |
| /live through Nginx ÷ direct | ${summary.liveThroughNginxOverDirect.toFixed(2)} | ≥ 0.75 |
| cached GET /api/profiles/:id through Nginx ÷ direct | ${summary.cachedThroughNginxOverDirect.toFixed(2)} | ≥ 0.75 |
| 50-result search page, gzip at the edge ÷ gzip in the API (both through Nginx) | ${summary.edgeGzipOverAppGzip.toFixed(2)} | > 1: the edge is cheaper |

| measurement | req/s | p50 ms | p95 ms | p99 ms | MB/s | failed |
| --- | --- | --- | --- | --- | --- | --- |
${rows}

Reproduce: \`./scripts/stack up && ./scripts/seed --learners 1000 && ./scripts/bench edge\`.
`;
    writeFileSync(join(root, 'bench', 'results', 'edge.md'), markdown);
    process.stdout.write(`\n${markdown}`);
  } finally {
    for (const edge of edges) await edge.stop();
    for (const cluster of clusters) await stopCluster(cluster);
    await dropOurKeys();
  }
}

await runBench(main);
