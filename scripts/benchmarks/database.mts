/**
 * `./scripts/bench database`: what the embedded database costs a learner's own flows (issue 24).
 *   1. The five operations the API runs most, through its own account model, at 10,000 and
 *      100,000 seeded learners, on FerretDB 1.24's SQLite backend, on its PostgreSQL backend
 *      without the containment indexes (scripts/lib/ferretdb-indexes.sql), and on PostgreSQL as
 *      the stack runs it: p50 and p95 of sequential calls, one client.
 *   2. Sign-in (argon2 included) and refresh through a PM2 cluster of 2 API processes at 10,000
 *      learners, paced at 20 per second for 10 s each, SQLite against PostgreSQL.
 * Self-contained: its own Redis, FerretDB and PostgreSQL on free ports (no stack needed).
 * BENCH_DATABASE_SIZES (10000,100000): the collection sizes measured.
 * Results: bench/results/database.md and database-<date>.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { Connection, Model, Mongoose } from 'mongoose';
import type { Account } from '../../src/components/learners/index.js';
import { loadProfile, newCluster, root, run, startCluster, stopCluster } from './bench-kit.mts';
import { startFerretDb, startRedis, type PrivateServer } from './chaos/private-server.mts';
import { runBench } from './stop-on-exit.mts';

const load = createRequire(import.meta.url);
const mongoose = load('mongoose') as Mongoose;
const { accountModel } = load(join(root, 'dist/components/learners/index.js')) as { accountModel: (connection: Connection) => Model<Account> };
const { fakeLearner } = load(join(root, 'dist/cli/seed-learners.js')) as { fakeLearner: (index: number, runId: string, passwordHash: string) => Account };
const { createPasswordHasher } = load(join(root, 'dist/components/learners/index.js')) as {
  createPasswordHasher: (cost: { memoryKib: number; timeCost: number }) => { hash(password: string): Promise<string> };
};
const { loadConfig } = load(join(root, 'dist/infra/config/config.js')) as { loadConfig: (env: NodeJS.ProcessEnv, options: { needsSecrets: boolean }) => { auth: { passwordHash: { memoryKib: number; timeCost: number } } } };

/** BENCH_DATABASE_SIZES=10000 for a quick run. */
const sizes = (process.env.BENCH_DATABASE_SIZES ?? '10000,100000').split(',').map(Number);
const warmUp = 5;
const pacedPerSecond = 20;
const pacedSeconds = 10;

interface Timing {
  p50Ms: number;
  p95Ms: number;
  calls: number;
}
type Operations = Record<string, Timing>;
interface Variant {
  name: string;
  learners: number;
  operations: Operations;
}
type PacedTiming = Timing & { failed: number; statuses: Record<string, number> };
interface Paced {
  backend: string;
  signIn: PacedTiming;
  refresh: PacedTiming;
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
const timing = (times: number[]): Timing => {
  const sorted = [...times].sort((a, b) => a - b);
  return { p50Ms: Math.round(percentile(sorted, 50) * 10) / 10, p95Ms: Math.round(percentile(sorted, 95) * 10) / 10, calls: times.length };
};

/**
 * Inserts learners (the seed's fakeLearner, one shared password hash) through the account model
 * until the collection holds `learners`; returns the e-mail prefix of this run's learners.
 * Not ./scripts/seed: its search-index pass after 90,000 inserts kept FerretDB on SQLite too
 * busy to answer the driver's heartbeat, and the run failed.
 */
async function seedTo(accounts: Model<Account>, have: number, learners: number, passwordHash: string): Promise<string> {
  const runId = Math.random().toString(16).slice(2, 8);
  for (let offset = have; offset < learners; offset += 1000) {
    const batch = Array.from({ length: Math.min(1000, learners - offset) }, (_, index) => fakeLearner(offset - have + index, runId, passwordHash));
    await accounts.insertMany(batch, { ordered: false, lean: true });
  }
  return `seed-${runId}-`;
}

/** The five operations, each `calls` times after a warm-up, on learners spread over the collection. */
async function measureOperations(accounts: Model<Account>, learners: number, calls: number): Promise<Operations> {
  const sample = await accounts.find({}, { _id: 1, email: 1 }).skip(Math.floor(learners / 2)).limit(calls + warmUp).lean<Pick<Account, '_id' | 'email'>[]>();
  const operations: Record<string, (index: number) => Promise<unknown>> = {
    'findById (findOne {_id})': (i) => accounts.findById(sample[i]!._id).lean(),
    'findOne {email}': (i) => accounts.findOne({ email: sample[i]!.email }).lean(),
    'updateOne {_id} $set + $inc': (i) => accounts.updateOne({ _id: sample[i]!._id }, { $set: { 'profile.bio': `bench ${i}` }, $inc: { profileVersion: 1 } }),
    'findOneAndUpdate {_id}': (i) => accounts.findOneAndUpdate({ _id: sample[i]!._id }, { $set: { 'profile.timezone': 'Europe/Madrid' } }, { returnDocument: 'after' }).lean(),
    'find {profile.level, profile.nativeLanguage} limit 20': () => accounts.find({ 'profile.level': 'B2', 'profile.nativeLanguage': 'es' }).limit(20).lean(),
  };
  const results: Operations = {};
  for (const [name, operation] of Object.entries(operations)) {
    for (let i = 0; i < warmUp; i++) await operation(calls + i);
    const times: number[] = [];
    for (let i = 0; i < calls; i++) {
      const started = performance.now();
      await operation(i);
      times.push(performance.now() - started);
    }
    results[name] = timing(times);
    process.stdout.write(`  ${name}: p50 ${results[name].p50Ms} ms, p95 ${results[name].p95Ms} ms\n`);
  }
  return results;
}

/**
 * Runs `measure` with the GIN indexes the trigger of ferretdb-indexes.sql added dropped (PostgreSQL
 * as FerretDB alone leaves it), then creates them again as they were.
 */
async function withoutContainmentIndexes<T>(postgresql: PrivateServer, measure: () => Promise<T>): Promise<T> {
  const psql = (sql: string): Promise<{ stdout: string }> =>
    run('psql', ['--quiet', '--no-psqlrc', '--tuples-only', '--no-align', '--host=127.0.0.1', `--port=${postgresql.port}`, '--username=ferretdb', '--dbname=ferretdb', '--command', sql]);
  const { stdout } = await psql(`SELECT schemaname || '.' || indexname || E'\t' || indexdef FROM pg_indexes WHERE indexname LIKE '%\\_gin'`);
  const indexes = stdout.split('\n').filter(Boolean).map((line) => line.split('\t') as [string, string]);
  for (const [name] of indexes) await psql(`DROP INDEX ${name}`);
  try {
    return await measure();
  } finally {
    for (const [, definition] of indexes) await psql(definition);
  }
}

/** `count` requests, one every 1/`perSecond` s whatever the answers take (an open model), each timed; what each answered. */
async function paced(count: number, perSecond: number, request: (index: number) => Promise<number>): Promise<PacedTiming> {
  const times: number[] = [];
  const statuses: Record<string, number> = {};
  const started = performance.now();
  await Promise.all(
    Array.from({ length: count }, async (_, index) => {
      await delay(Math.max(0, started + (index * 1000) / perSecond - performance.now()));
      const sent = performance.now();
      const status = await request(index).catch(() => 0);
      statuses[status] = (statuses[status] ?? 0) + 1;
      times.push(performance.now() - sent);
    }),
  );
  return { ...timing(times), failed: count - (statuses[200] ?? 0), statuses };
}

async function signInAndRefresh(backend: string, uri: string, redisUrl: string, emails: string): Promise<Paced> {
  const cluster = await newCluster(`api on ${backend}`, { ...loadProfile, MONGODB_URI: uri, REDIS_URL: redisUrl, REDIS_KEY_PREFIX: `benchdb-${backend}:`, NODE_ENV: 'production', SEARCH_INDEX: 'off', JWT_SECRET: `bench-${Math.random().toString(36).slice(2)}-${'x'.repeat(24)}` });
  await startCluster(cluster);
  try {
    const url = `http://127.0.0.1:${cluster.port}/api/auth`;
    const post = (path: string, body: unknown): Promise<Response> =>
      fetch(`${url}/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const refreshTokens: string[] = [];
    const count = pacedPerSecond * pacedSeconds;
    const signIn = await paced(count, pacedPerSecond, async (n) => {
      const response = await post('login', { email: `${emails}${n * 37}@example.com`, password: 'practice-makes-perfect' });
      if (response.status === 200) refreshTokens[n] = ((await response.json()) as { refreshToken: string }).refreshToken;
      else await response.arrayBuffer();
      return response.status;
    });
    const refresh = await paced(count, pacedPerSecond, async (n) => {
      if (refreshTokens[n] === undefined) return -1;
      const response = await post('refresh', { refreshToken: refreshTokens[n] });
      await response.arrayBuffer();
      return response.status;
    });
    process.stdout.write(`  sign-in p95 ${signIn.p95Ms} ms ${JSON.stringify(signIn.statuses)}, refresh p95 ${refresh.p95Ms} ms ${JSON.stringify(refresh.statuses)}\n`);
    return { backend, signIn, refresh };
  } finally {
    await stopCluster(cluster);
  }
}

async function main(): Promise<void> {
  const began = new Date();
  const redis = await startRedis();
  const redisUrl = `redis://127.0.0.1:${redis.port}`;
  const variants: Variant[] = [];
  const pacedResults: Paced[] = [];
  // The cost the API hashes with (PASSWORD_HASH_*), as ./scripts/seed does.
  const passwordHash = await createPasswordHasher(loadConfig(process.env, { needsSecrets: false }).auth.passwordHash).hash('practice-makes-perfect');
  for (const backend of ['sqlite', 'postgresql'] as const) {
    const database = await startFerretDb(backend);
    const uri = `mongodb://127.0.0.1:${database.port}/bench_database`;
    await run(process.execPath, [join(root, 'dist/cli/migrate.js')], { env: { ...process.env, MONGODB_URI: uri, REDIS_URL: redisUrl, REDIS_KEY_PREFIX: 'benchdb:' } });
    const connection = await mongoose.createConnection(uri).asPromise();
    const accounts = accountModel(connection);
    let have = 0;
    for (const learners of sizes) {
      process.stdout.write(`${backend}: seeding to ${learners} learners\n`);
      const emails = await seedTo(accounts, have, learners, passwordHash);
      have = learners;
      // SQLite scans every row for each call: fewer calls at 100,000, or it takes a quarter of an hour.
      const calls = backend === 'sqlite' && learners > 10_000 ? 10 : 40;
      process.stdout.write(`${backend}, ${learners} learners:\n`);
      variants.push({ name: backend === 'sqlite' ? 'FerretDB on SQLite' : 'FerretDB on PostgreSQL (as the stack runs it)', learners, operations: await measureOperations(accounts, learners, calls) });
      if (backend === 'postgresql') {
        process.stdout.write(`postgresql without the containment indexes, ${learners} learners:\n`);
        const operations = await withoutContainmentIndexes(database.postgresql!, () => measureOperations(accounts, learners, calls));
        variants.push({ name: 'FerretDB on PostgreSQL without the containment indexes', learners, operations });
      }
      if (learners === 10_000) {
        process.stdout.write(`${backend}: sign-in and refresh, paced at ${pacedPerSecond}/s\n`);
        pacedResults.push(await signInAndRefresh(backend, uri, redisUrl, emails));
      }
    }
    await connection.close();
    await database.destroy();
  }
  await redis.destroy();

  const json = { began: began.toISOString(), node: process.version, cpus: cpus().length, pacedPerSecond, pacedSeconds, variants, paced: pacedResults };
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(join(root, 'bench', 'results', `database-${began.toISOString().replace(/[:.]/g, '-')}.json`), `${JSON.stringify(json, null, 2)}\n`);
  writeFileSync(join(root, 'bench', 'results', 'database.md'), markdown(json));
  process.stdout.write(`\n${markdown(json)}`);
}

const statusText = (statuses: Record<string, number>): string =>
  Object.entries(statuses)
    .map(([status, count]) => `${count}× ${status}`)
    .join(', ');

function markdown(result: { began: string; node: string; cpus: number; variants: Variant[]; paced: Paced[] }): string {
  const names = Object.keys(result.variants[0]!.operations);
  const lines = [
    '# The embedded database: a learner\'s own operations',
    '',
    `\`./scripts/bench database\`, ${result.began}, Node ${result.node}, ${result.cpus} cores; FerretDB 1.24.2, Debian's PostgreSQL 15; one client, sequential calls, unpinned, nothing else running on the box.`,
    '',
    '## Five operations through the API\'s account model (p50 / p95, ms)',
    '',
    `| operation | ${result.variants.map((variant) => `${variant.name}, ${variant.learners.toLocaleString('en')}`).join(' | ')} |`,
    `| --- | ${result.variants.map(() => '---').join(' | ')} |`,
    ...names.map((name) => `| \`${name}\` | ${result.variants.map((variant) => `${variant.operations[name]!.p50Ms} / ${variant.operations[name]!.p95Ms}`).join(' | ')} |`),
    '',
    `## Sign-in and refresh at 10,000 learners, paced at ${pacedPerSecond}/s for ${pacedSeconds} s (PM2 cluster of 2 API processes)`,
    '',
    '| backend | sign-in p50 / p95 (ms) | sign-in answers | refresh p50 / p95 (ms) | refresh answers |',
    '| --- | --- | --- | --- | --- |',
    ...result.paced.map((row) => `| ${row.backend} | ${row.signIn.p50Ms} / ${row.signIn.p95Ms} | ${statusText(row.signIn.statuses)} | ${row.refresh.p50Ms} / ${row.refresh.p95Ms} | ${statusText(row.refresh.statuses)} |`),
    '',
    'Answers: count by status (0: no answer; -1: not sent, its sign-in had failed).',
    '',
  ];
  return `${lines.join('\n')}\n`;
}

await runBench(main);
