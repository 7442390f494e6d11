/**
 * `./scripts/bench spike`: the overload figures of issue 26 on their own (`./scripts/bench report`
 * measures the same in its run). A PM2 cluster of 2 API processes on the stack's Redis and
 * database, Nginx in front of it once per shedding setting, and the bare node:http cluster ×2
 * straight and behind the same Nginx;
 * under each pinning (BENCH_PIN): capacity by latency, P7, 2× and 4× spikes and a 2 s stall
 * (overload/measure-overload.mts). Writes bench/results/spike-<date>.md and .json.
 *
 * Run: ./scripts/stack up && ./scripts/bench spike    (settings: docs/benchmarks.md, "Overload")
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { behindNginx, daemonPid, dropKeys, loadProfile, newCluster, registerLearners, root, startCluster, waitForSearchIndex } from './bench-kit.mts';
import { measureOverload, overloadSettings, startEdges, startEdgeWith } from './overload/measure-overload.mts';
import type { OverloadFigures } from './overload/overload-data.mts';
import { overloadMarkdown } from './overload/render-overload.mts';
import { pinningFromEnv, stackProcesses } from './pinning.mts';
import { startProgram } from './report/hello-servers.mts';
import { runBench, stopOnExit } from './stop-on-exit.mts';

async function main(): Promise<void> {
  if (!process.env.MONGODB_URI || !process.env.REDIS_URL) throw new Error('run ./scripts/stack up first (scripts/bench reads .stack/env)');
  const began = Date.now();
  const settings = overloadSettings();
  const pinning = pinningFromEnv();
  const checkout = process.env.BENCH_NGINX_CHECKOUT;
  const prefix = `spike${Date.now() % 1_000_000}`;
  // Everything started here is stopped by runBench, newest first: the keys last.
  stopOnExit(`the Redis keys under ${prefix}`, () => dropKeys(prefix));
  const bare = await startProgram('nodeHttpCluster');
  const cluster = await newCluster('pm2', { ...loadProfile, ...behindNginx, REDIS_KEY_PREFIX: `${prefix}:` });
  await startCluster(cluster);
  const edges = await startEdges(cluster.port, checkout);
  const bareEdge = await startEdgeWith(bare.port, edges[0]!.shedding, checkout);
  await waitForSearchIndex(cluster.port, `${prefix}:`);
  const learners = await registerLearners(cluster.port, 20);
  const headers = { authorization: `Bearer ${learners[0]!.token}` };
  const targets = learners.map((learner) => ({ method: 'GET' as const, path: `/api/profiles/${learner.id}`, headers }));

  const log = (line: string): void => void process.stdout.write(`${line}\n`);
  if (pinning.unavailable) log(pinning.unavailable);
  const figures: OverloadFigures[] = [];
  for (const mode of pinning.modes) {
    pinning.apply(mode, [bare.pid, bareEdge.pid, daemonPid(cluster), ...edges.map(({ edge }) => edge.pid), ...stackProcesses()]);
    figures.push(await measureOverload({ cluster, edges, barePort: bare.port, bareEdge, targets }, mode, pinning.describe(mode), settings, log));
  }

  const date = new Date().toISOString();
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
  const stamp = date.replace(/[:.]/g, '-');
  const markdown = [
    `# Overload: capacity by latency, spikes and a stall (${date.slice(0, 10)})`,
    '',
    `${date}, commit ${commit}${checkout ? `, Nginx configuration of ${checkout}` : ''}, Node ${process.version}; the run took ${Math.round((Date.now() - began) / 1000)} s. ` +
      'A PM2 cluster of 2 API processes on the stack’s Redis and database, behind Nginx (the project’s configuration, 1 worker) once per shedding setting; a cached signed-in ' +
      'GET /api/profiles/:id of 20 learners. Settings: ' +
      `${JSON.stringify(settings)}. Per-second figures of every run are in spike-${stamp}.json beside this file. Reproduce: \`./scripts/stack up && ./scripts/bench spike\`.`,
    '',
    ...overloadMarkdown(figures),
  ].join('\n');
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(join(root, 'bench', 'results', `spike-${stamp}.json`), `${JSON.stringify({ date, commit, settings, figures }, null, 2)}\n`);
  writeFileSync(join(root, 'bench', 'results', `spike-${stamp}.md`), `${markdown}\n`);
  process.stdout.write(`\n${markdown}\n`);
}

await runBench(main);
