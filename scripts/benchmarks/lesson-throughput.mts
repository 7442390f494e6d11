/**
 * Benchmark: lessons generated per minute per worker, and how long jobs wait in the queue
 * (p50/p95), with 1 and then 2 worker processes (default concurrency, local generator) in
 * one run. Each variant gets a burst (everything enqueued at once: throughput) and then a
 * steady arrival rate at half that throughput (queue wait under normal load).
 * Uses the local stack's Redis and database (its own key prefix and database name).
 * Writes bench/results/lessons-<time>.json and bench/results/lessons.md.
 *
 * Run: ./scripts/bench lessons   (BENCH_LESSONS, BENCH_STEADY_SECONDS, BENCH_WORKERS=1,2 to change it)
 */
import { randomBytes } from 'node:crypto';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type BullModule from 'bull';
import { runBench, stopOnExit } from './stop-on-exit.mts';

const require = createRequire(import.meta.url);
const Bull = require('bull') as typeof BullModule;
const root = join(import.meta.dirname, '..', '..');
const burstSize = Number(process.env.BENCH_LESSONS ?? 240);
const steadySeconds = Number(process.env.BENCH_STEADY_SECONDS ?? 20);
/** Worker processes per variant, in run order; every variant adds to the processes already running. */
const workerCounts = (process.env.BENCH_WORKERS ?? '1,2').split(',').map(Number);
const levels = ['A1', 'A2', 'B1', 'B2', 'C1', 'C2'];
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const uploads = mkdtempSync(join(tmpdir(), 'ep-bench-'));
stopOnExit('the uploads folder', () => rmSync(uploads, { recursive: true, force: true }));

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Each variant starts from an empty database and key space of its own, so none inherits another's data. */
function variantEnvironment(workers: number): Record<string, string> {
  const database = new URL(process.env.MONGODB_URI ?? '');
  database.pathname = `/bench_lessons_${stamp.slice(0, 19).replace(/-/g, '')}_w${workers}`;
  return { ...baseEnv, MONGODB_URI: database.toString(), REDIS_KEY_PREFIX: `bench${Date.now().toString(36)}w${workers}:` };
}

const baseEnv: Record<string, string> = {
  PATH: process.env.PATH ?? '',
  NODE_ENV: 'development',
  // A secret of this run's own: the API refuses the committed development one outside tests.
  JWT_SECRET: randomBytes(32).toString('hex'),
  LOG_LEVEL: 'warn',
  HOST: '127.0.0.1',
  REDIS_URL: process.env.REDIS_URL ?? '',
  STORAGE_LOCAL_DIR: uploads,
  DOCUMENT_SECTION_WORDS: '60',
  RATE_LIMIT_API_MAX: '1000000',
  RATE_LIMIT_UPLOAD_MAX: '1000000',
  RATE_LIMIT_LESSON_JOBS_MAX: '1000000',
  RATE_LIMIT_UPLOAD_JOBS_MAX: '1000000',
};

/** `script` of dist/ in a process of its own; the returned stop (SIGTERM, then its exit) also runs when the bench ends. */
function start(script: string, env: Record<string, string>): () => Promise<void> {
  const child: ChildProcess = spawn(process.execPath, [join(root, 'dist', script)], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return stopOnExit(script, async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    await exited;
  });
}

/** Paragraphs of ~60 words on one theme; words from the graded list keep every section's content distinct. */
function readingText(sections: number, salt: string): string {
  const base = [
    'Gardening is a popular hobby in many countries, and people grow vegetables, flowers and herbs behind their houses.',
    'A successful garden needs good soil, enough water and plenty of sunlight to protect young plants from insects.',
    'Community projects turn empty land into shared gardens where neighbours learn from each other at the weekend.',
  ];
  const words = ['harvest', 'compost', 'shelter', 'orchard', 'seedling', 'meadow', 'drought', 'blossom', 'fertile', 'pruning', 'greenhouse', 'irrigation'];
  return Array.from({ length: sections }, (_, i) =>
    [
      ...base,
      `In the ${salt} guide number ${i}, the ${words[i % words.length]} and the ${words[(i * 7 + 3) % words.length]} were discussed by experienced gardeners for ${i + 2} hours.`,
    ].join(' '),
  ).join('\n\n');
}

async function api<T>(port: number, path: string, init: RequestInit & { token?: string } = {}): Promise<{ status: number; body: T }> {
  const headers: Record<string, string> = { ...(init.token ? { authorization: `Bearer ${init.token}` } : {}) };
  if (typeof init.body === 'string') headers['content-type'] = 'application/json';
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { ...init, headers });
  return { status: response.status, body: (await response.json()) as T };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

interface Phase {
  workers: number;
  phase: 'burst' | 'steady';
  jobs: number;
  arrivalPerSecond: number | null;
  spanSeconds: number;
  lessonsPerMinute: number;
  lessonsPerMinutePerWorker: number;
  waitP50Ms: number;
  waitP95Ms: number;
  runP50Ms: number;
  runP95Ms: number;
}

/** One API process and `workerCount` workers on a fresh database: a burst, then a steady rate. */
async function runVariant(workerCount: number): Promise<Phase[]> {
  const env = variantEnvironment(workerCount);
  const port = await freePort();
  execFileSync(process.execPath, [join(root, 'dist', 'cli', 'migrate.js')], { env, stdio: 'ignore' });
  const stopServer = start('server.js', { ...env, PORT: String(port) });
  const stopWorkers = Array.from({ length: workerCount }, (_, i) => start('worker.js', { ...env, WORKER_ID: `bench-worker-${i + 1}` }));
  const queue = new Bull('lesson-generation', env.REDIS_URL!, { prefix: `${env.REDIS_KEY_PREFIX}bull` });
  const results: Phase[] = [];
  try {
    for (let i = 0; i < 300 && (await fetch(`http://127.0.0.1:${port}/ready`).catch(() => null))?.status !== 200; i++) await delay(100);
    const registered = await api<{ accessToken: string }>(port, '/api/auth/register', {
      method: 'POST',
      body: JSON.stringify({ email: `bench-${Date.now()}@example.com`, password: 'correct horse battery', displayName: 'Bench' }),
    });
    const token = registered.body.accessToken;
    await delay(1500);
    const sectionsNeeded = Math.ceil((burstSize * 3) / levels.length);
    const form = new FormData();
    form.append('file', new Blob([readingText(sectionsNeeded, `w${workerCount}`)]), 'bench.txt');
    const uploaded = await api<{ document: { id: string } }>(port, '/api/documents', { method: 'POST', body: form, token });
    const documentId = uploaded.body.document.id;
    for (let i = 0; i < 600; i++) {
      const document = await api<{ status: string }>(port, `/api/documents/${documentId}`, { token });
      if (document.body.status === 'ready') break;
      await delay(100);
    }
    const requests = Array.from({ length: sectionsNeeded * levels.length }, (_, i) => ({ section: Math.floor(i / levels.length), level: levels[i % levels.length]! }));
    const ask = async (request: { section: number; level: string }): Promise<string> => {
      const response = await api<{ jobId: string }>(port, '/api/lessons', { method: 'POST', body: JSON.stringify({ documentId, ...request }), token });
      if (response.status !== 202) throw new Error(`lesson request answered ${response.status}`);
      return response.body.jobId;
    };

    const measurePhase = async (phase: Phase['phase'], jobIds: string[], arrivalPerSecond: number | null): Promise<Phase> => {
      // Polls only the unfinished jobs, so watching costs Redis and CPU less as they finish.
      const jobs: BullModule.Job[] = [];
      let pending = jobIds;
      while (pending.length > 0) {
        const polled = await Promise.all(pending.map((id) => queue.getJob(id)));
        jobs.push(...polled.filter((job): job is BullModule.Job => job?.finishedOn != null));
        pending = pending.filter((_, i) => polled[i]?.finishedOn == null);
        if (pending.length > 0) await delay(500);
      }
      const waits = jobs.map((job) => job.processedOn! - job.timestamp);
      const runs = jobs.map((job) => job.finishedOn! - job.processedOn!);
      const spanMs = Math.max(...jobs.map((job) => job.finishedOn!)) - Math.min(...jobs.map((job) => job.timestamp));
      const perMinute = (jobs.length / spanMs) * 60_000;
      return {
        workers: workerCount,
        phase,
        jobs: jobs.length,
        arrivalPerSecond,
        spanSeconds: Math.round(spanMs / 100) / 10,
        lessonsPerMinute: Math.round(perMinute),
        lessonsPerMinutePerWorker: Math.round(perMinute / workerCount),
        waitP50Ms: percentile(waits, 50),
        waitP95Ms: percentile(waits, 95),
        runP50Ms: percentile(runs, 50),
        runP95Ms: percentile(runs, 95),
      };
    };

    // Burst: every request at once (20 in flight), the workers drain the backlog.
    const burst = requests.slice(0, burstSize);
    const burstIds: string[] = [];
    for (let i = 0; i < burst.length; i += 20) burstIds.push(...(await Promise.all(burst.slice(i, i + 20).map(ask))));
    const burstResult = await measurePhase('burst', burstIds, null);
    results.push(burstResult);
    process.stdout.write(`${JSON.stringify(burstResult)}\n`);

    // Steady: half the burst throughput, paced, for BENCH_STEADY_SECONDS.
    const rate = Math.max(1, burstResult.lessonsPerMinute / 60 / 2);
    const steady = requests.slice(burstSize, burstSize + Math.round(rate * steadySeconds));
    const steadyIds: string[] = [];
    const started = Date.now();
    for (let i = 0; i < steady.length; i++) {
      const due = started + (i / rate) * 1000;
      if (due > Date.now()) await delay(due - Date.now());
      steadyIds.push(await ask(steady[i]!));
    }
    const steadyResult = await measurePhase('steady', steadyIds, Math.round(rate * 10) / 10);
    results.push(steadyResult);
    process.stdout.write(`${JSON.stringify(steadyResult)}\n`);
  } finally {
    await Promise.all([...stopWorkers, stopServer].map((stop) => stop()));
    await queue.close();
  }
  return results;
}

async function main(): Promise<void> {
  if (!process.env.MONGODB_URI || !process.env.REDIS_URL) throw new Error('MONGODB_URI and REDIS_URL are needed: source .stack/env');
  const results: Phase[] = [];
  for (const workerCount of workerCounts) results.push(...(await runVariant(workerCount)));

  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(join(root, 'bench', 'results', `lessons-${stamp}.json`), `${JSON.stringify({ burstSize, steadySeconds, node: process.version, results }, null, 2)}\n`);
  const rows = results.map(
    (r) =>
      `| ${r.workers} | ${r.phase}${r.arrivalPerSecond ? ` (${r.arrivalPerSecond}/s)` : ''} | ${r.jobs} | ${r.lessonsPerMinute} | ${r.lessonsPerMinutePerWorker} | ${r.waitP50Ms} | ${r.waitP95Ms} | ${r.runP50Ms} | ${r.runP95Ms} |`,
  );
  const table = [
    `# Lesson generation benchmark (${stamp})`,
    '',
    `\`./scripts/bench lessons\` on this machine: per variant a fresh database, 1 API process and N worker processes, local generator, default worker concurrency (3 lessons), Redis and FerretDB of the local stack. Burst: ${burstSize} lessons enqueued at once. Steady: paced at half the burst throughput for ${steadySeconds} s.`,
    '',
    '| workers | phase | lessons | lessons/min | lessons/min per worker | queue wait p50 (ms) | queue wait p95 (ms) | run p50 (ms) | run p95 (ms) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
  writeFileSync(join(root, 'bench', 'results', 'lessons.md'), table);
  process.stdout.write(`\n${table}`);
}

await runBench(main);
