/**
 * `./scripts/bench chaos`: the chaos figures of issues 14 and 27, all behind Nginx under the mix
 * of load-test.js at a fixed arrival rate. The scenarios, one after the other:
 *   1. Redis killed (SIGKILL) for CHAOS_OUTAGE_SECONDS, then started again on its port and its
 *      append-only file: 5xx %, the latency of the enqueues answered 503, acknowledged jobs lost;
 *   2. the database frozen (SIGSTOP) for that long, then killed for that long and started again
 *      on its data: the slowest answer, 5xx %, and each API process's /ready flips;
 *   3. SIGTERM to one API process (PM2 starts another), then CHAOS_RELOADS `pm2 reload`s: failed requests;
 *   4. one of two workers SIGKILLed while it runs jobs: jobs completed exactly once;
 *   A, 5–7. the cluster moved onto Redis with Sentinel (a master, two replicas, three sentinels of
 *      its own): the cost of acknowledging an enqueue only once the replicas hold the job (A),
 *      then SIGKILL of the master (5), SIGSTOP for 30 s (6), SENTINEL FAILOVER (7), each
 *      CHAOS_SENTINEL_RUNS times: jobs lost, 503s, recovery (chaos/sentinel-scenarios.mts).
 * Self-contained and destructive only to what it starts: its own Redis and FerretDB (free
 * ports, temporary data), its own PM2 daemon (private PM2_HOME: 2 API processes, 1 worker, a
 * second for scenario 4), its own Nginx, and a stand-in lesson provider answering after
 * CHAOS_LLM_DELAY_MS so that jobs are in flight when a fault strikes. Everything is stopped and
 * removed at the end, on failure, on Ctrl-C, and after CHAOS_DEADLINE_SECONDS.
 * Writes bench/results/chaos-<date>.md and .json.
 *
 * Run: ./scripts/bench chaos   (CHAOS_OUTAGE_SECONDS 30, CHAOS_RATE 40 req/s, CHAOS_JOB_RATE 1 job/s,
 * CHAOS_RELOADS 10, CHAOS_SETTLE_SECONDS 5, CHAOS_JOB_WINDOW_SECONDS 30: smaller for a quick try;
 * CHAOS_SCENARIOS=1,2,3,4,5,6,7 picks scenarios; CHAOS_SENTINEL_RUNS 1, CHAOS_SENTINEL_DOWN_AFTER_MS
 * 5000 as the local stack's sentinels, CHAOS_ACK_RATE 5 lesson requests/s for CHAOS_ACK_SECONDS 30)
 */
import { randomBytes } from 'node:crypto';
import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { llmEnvironment, startFakeLlm } from '../../tests/support/fake-llm.ts';
import { startRedisSentinels } from '../../tests/support/redis-sentinel.ts';
import { loadProfile, newCluster, percentile, pm2, registerLearners, root, startCluster, startEdge, waitReady, type Cluster } from './bench-kit.mts';
import type { ChaosData, ChaosRow, Outcome } from './chaos/chaos-data.mts';
import { between, describeFlips, failed, failingRequests, readJobLog, seconds, serverFailed, share, statusCounts, timeline } from './chaos/figures.mts';
import { jobStates, lessonRequests, readyDocument } from './chaos/lesson-jobs.mts';
import { startFerretDb, startRedis, waitFor, type PrivateServer } from './chaos/private-server.mts';
import { watchReadiness } from './chaos/readiness.mts';
import { renderChaosMarkdown } from './chaos/render-chaos.mts';
import { sentinelFaults } from './chaos/sentinel-faults.mts';
import { acknowledgementCost, sentinelFault, type SentinelStage } from './chaos/sentinel-scenarios.mts';
import { spread, startTraffic, type Sample, type Traffic } from './chaos/traffic.mts';
import { mixRequests } from './report/mix.mts';
import type { PlannedRequest } from './report/open-model.mts';
import { exitAfterStopping, runBench, stopOnExit } from './stop-on-exit.mts';

const run = promisify(execFile);

function setting(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!(value > 0)) throw new Error(`${name} must be a positive number`);
  return value;
}
const outageMs = setting('CHAOS_OUTAGE_SECONDS', 30) * 1000;
const rate = setting('CHAOS_RATE', 40);
const jobRate = setting('CHAOS_JOB_RATE', 1);
const reloads = setting('CHAOS_RELOADS', 10);
const settleMs = setting('CHAOS_SETTLE_SECONDS', 5) * 1000;
const jobWindowMs = setting('CHAOS_JOB_WINDOW_SECONDS', 30) * 1000;
/** Bull's lock and stalled-check period: short, so that a dead worker's job is taken over within the run. */
const queueLockMs = setting('CHAOS_QUEUE_LOCK_MS', 5000);
const llmDelayMs = setting('CHAOS_LLM_DELAY_MS', 2000);
const deadlineMs = setting('CHAOS_DEADLINE_SECONDS', 1200) * 1000;
const sentinelRuns = setting('CHAOS_SENTINEL_RUNS', 1);
const sentinelDownAfterMs = setting('CHAOS_SENTINEL_DOWN_AFTER_MS', 5000);
const ackRate = setting('CHAOS_ACK_RATE', 5);
const ackMs = setting('CHAOS_ACK_SECONDS', 30) * 1000;
/** Sections of the document the lesson requests use: × 6 levels, a distinct lesson (a new job) each. */
const sections = 80 + Math.ceil((ackRate * ackMs * 2) / 1000 / 6) + sentinelRuns * 3 * 20;

setTimeout(() => void exitAfterStopping(`chaos: deadline of ${deadlineMs / 1000} s passed`, 1), deadlineMs).unref();

interface Pm2Process {
  name: string;
  pid: number;
  pm2_env: { status: string; pm_out_log_path: string };
}
const apiApp = 'english-practice-api';
const workerApp = 'english-practice-worker';

async function onlineProcesses(cluster: Cluster, app: string): Promise<Pm2Process[]> {
  const list = JSON.parse(await pm2(cluster, 'jlist')) as Pm2Process[];
  return list.filter((entry) => entry.name === app && entry.pm2_env.status === 'online' && entry.pid > 0);
}

const count = (states: Map<string, string>, wanted: (state: string) => boolean): number => [...states.values()].filter(wanted).length;
const ms = (values: number[], p: number): string => `${Math.round(percentile([...values].sort((a, b) => a - b), p))} ms`;

/** What the scenarios share. */
interface Box {
  cluster: Cluster;
  edgePort: number;
  mix: Traffic;
  token: string;
  lessonPlans: PlannedRequest[];
  nextPlan: number;
  workerLog(): string;
}

/** A trickle of new lesson requests (each a new job) through Nginx; `samples` fills as answers come. */
function startJobs(box: Box, perSecond = jobRate): { samples: Sample[]; stop(): Promise<Sample[]> } {
  const traffic = startTraffic(box.edgePort, box.lessonPlans.slice(box.nextPlan), perSecond);
  return {
    samples: traffic.samples,
    async stop() {
      await traffic.stop();
      box.nextPlan += traffic.samples.length + traffic.dropped();
      if (box.nextPlan > box.lessonPlans.length) throw new Error(`the lesson requests repeated: make the document longer than ${sections} sections`);
      return traffic.samples;
    },
  };
}

const acknowledgedJobs = (samples: Sample[]): string[] => samples.flatMap((sample) => (sample.jobId === undefined ? [] : [sample.jobId]));

async function recovered(box: Box): Promise<void> {
  await waitReady(box.cluster.port);
  await delay(settleMs);
}

function baselineRow(samples: Sample[]): ChaosRow {
  const times = samples.map((sample) => sample.ms);
  return {
    id: '0',
    scenario: 'Baseline',
    fault: 'none: the mix alone, before the first fault',
    figures: [
      { name: 'latency', value: `p50 ${ms(times, 50)}, p95 ${ms(times, 95)}, p99 ${ms(times, 99)}` },
      { name: '5xx', value: share(samples, serverFailed) },
    ],
  };
}

async function redisKilled(box: Box, redis: PrivateServer): Promise<Outcome> {
  const start = Date.now();
  const jobs = startJobs(box);
  await delay(settleMs);
  const killed = Date.now();
  await redis.kill();
  await delay(outageMs);
  const restarted = Date.now();
  await redis.start();
  const acceptedAgain = (): Sample | undefined => jobs.samples.find((sample) => sample.at >= restarted && sample.status === 202);
  await waitFor('an enqueue accepted again', () => acceptedAgain() !== undefined, 60_000).catch(() => undefined);
  await delay(settleMs);
  const jobSamples = await jobs.stop();
  const end = Date.now();
  const acknowledged = acknowledgedJobs(jobSamples);
  const states = await jobStates(box.edgePort, box.token, acknowledged, jobWindowMs);
  const completions = readJobLog(box.workerLog()).completions;
  const outageJobs = between(jobSamples, killed, restarted);
  const refused = outageJobs.filter((sample) => sample.status === 503).map((sample) => sample.ms);
  const again = acceptedAgain();
  return {
    origin: killed,
    start,
    end,
    row: (mix) => ({
      id: '1',
      scenario: 'Redis killed',
      fault: `SIGKILL, ${outageMs / 1000} s down, started again on the same port and append-only file`,
      figures: [
        { name: '5xx during the outage', value: share(between(mix, killed, restarted), serverFailed) },
        { name: '5xx overall', value: `${share(between(mix, start, end), serverFailed)} (from ${seconds(killed - start)} before the kill to ${seconds(end - restarted)} after the restart)` },
        {
          name: 'enqueue 503 latency',
          value: refused.length === 0 ? 'no lesson request answered 503' : `p50 ${ms(refused, 50)}, p95 ${ms(refused, 95)} (${refused.length} of ${outageJobs.length} lesson requests during the outage)`,
        },
        { name: 'enqueues accepted again', value: again === undefined ? 'not within 60 s' : `${seconds(again.at - restarted)} after the restart` },
        {
          name: 'acknowledged jobs lost',
          value: `${count(states, (state) => state === 'missing' || state === 'failed')} of ${acknowledged.length} (not finished ${seconds(jobWindowMs)} later: ${count(states, (state) => !['completed', 'failed', 'missing'].includes(state))}; completed twice: ${acknowledged.filter((id) => (completions.get(id) ?? 0) > 1).length})`,
        },
      ],
    }),
  };
}

async function databaseHungThenKilled(box: Box, database: PrivateServer): Promise<Outcome> {
  const watch = await watchReadiness(box.cluster.port, 2);
  const start = Date.now();
  await delay(settleMs);
  const hung = Date.now();
  database.signal('SIGSTOP');
  await delay(outageMs);
  const killed = Date.now();
  await database.kill();
  await delay(outageMs);
  const restarted = Date.now();
  await database.start();
  await waitFor('both API processes ready again', () => watch.allReady(), 60_000);
  const readyAgain = Date.now();
  await delay(settleMs);
  const readiness = await watch.stop();
  const end = Date.now();
  return {
    origin: hung,
    start,
    end,
    row: (mix) => {
      const during = between(mix, hung, readyAgain);
      const phases: [string, number, number][] = [
        ['while hung', hung, killed],
        ['while killed', killed, restarted],
        ['after the restart', restarted, end],
      ];
      const slowest = during.reduce<Sample | null>((worst, sample) => (worst === null || sample.ms > worst.ms ? sample : worst), null);
      return {
        id: '2',
        scenario: 'Database hung, then killed',
        fault: `FerretDB SIGSTOP ${outageMs / 1000} s, then SIGKILL ${outageMs / 1000} s, started again on the same port and data`,
        figures: [
          {
            name: 'slowest answer',
            value: slowest === null ? 'no requests' : `${seconds(slowest.ms)} (${slowest.request}, status ${slowest.status}, due ${seconds(slowest.at - hung)} after the hang began)`,
          },
          { name: '5xx while hung', value: share(between(mix, hung, killed), serverFailed) },
          { name: '5xx while killed', value: share(between(mix, killed, restarted), serverFailed) },
          { name: '5xx from the hang until ready again', value: share(during, serverFailed) },
          {
            name: 'readiness flips (/ready of each API process every 200 ms; times from the hang)',
            value: readiness.map((process, index) => `API ${index + 1}: ${describeFlips(process.samples, hung)}${process.strays > 0 ? ` (${process.strays} answers from another process)` : ''}`).join('; '),
          },
          { name: 'ready again', value: `${seconds(readyAgain - restarted)} after FerretDB restarted` },
          {
            name: '500s (a database failure the API did not answer as 503)',
            value: phases.map(([phase, from, to]) => `${between(mix, from, to).filter((sample) => sample.status === 500).length} ${phase}`).join(', '),
          },
        ],
      };
    },
  };
}

async function apiTerminatedAndReloaded(box: Box): Promise<Outcome> {
  const start = Date.now();
  await delay(settleMs);
  const [victim] = await onlineProcesses(box.cluster, apiApp);
  if (!victim) throw new Error('no API process online');
  const terminated = Date.now();
  process.kill(victim.pid, 'SIGTERM');
  await waitFor(
    'PM2 to replace the API process',
    async () => {
      const online = await onlineProcesses(box.cluster, apiApp);
      return online.length === 2 && online.every((entry) => entry.pid !== victim.pid);
    },
    60_000,
  );
  const replaced = Date.now();
  await delay(settleMs);
  const reloadsBegan = Date.now();
  for (let n = 0; n < reloads; n++) await pm2(box.cluster, 'reload', apiApp);
  const reloadsEnded = Date.now();
  await delay(settleMs);
  const end = Date.now();
  return {
    origin: terminated,
    start,
    end,
    row: (mix) => ({
      id: '3',
      scenario: 'SIGTERM to an API process; pm2 reloads',
      fault: `SIGTERM to 1 of 2 API processes (PM2 starts another), then ${reloads} back-to-back \`pm2 reload ${apiApp}\``,
      figures: [
        { name: 'failed requests, SIGTERM', value: `${share(between(mix, terminated, reloadsBegan), failed)}; replaced in ${seconds(replaced - terminated)}` },
        { name: `failed requests, ${reloads} reloads`, value: `${share(between(mix, reloadsBegan, end), failed)}; ${seconds((reloadsEnded - reloadsBegan) / reloads)} a reload` },
      ],
    }),
  };
}

async function workerKilledMidJob(box: Box): Promise<Outcome> {
  await pm2(box.cluster, 'scale', workerApp, '2');
  await waitFor('2 workers online', async () => (await onlineProcesses(box.cluster, workerApp)).length === 2, 60_000);
  const start = Date.now();
  const jobs = startJobs(box);
  await delay(settleMs);
  // The worker to kill: one that has started jobs it has not finished.
  const aim: { pid?: number; inFlight?: string[] } = {};
  await waitFor(
    'a worker with jobs in flight',
    async () => {
      const running = readJobLog(box.workerLog()).running;
      for (const worker of await onlineProcesses(box.cluster, workerApp)) {
        const jobsOf = [...running].find(([workerId, ids]) => workerId.endsWith(`-${worker.pid}`) && ids.size > 0);
        if (jobsOf) Object.assign(aim, { pid: worker.pid, inFlight: [...jobsOf[1]] });
      }
      return aim.pid !== undefined;
    },
    30_000,
  );
  const { pid, inFlight = [] } = aim;
  const killed = Date.now();
  process.kill(pid!, 'SIGKILL');
  await delay(2 * settleMs);
  const jobSamples = await jobs.stop();
  const end = Date.now();
  const acknowledged = acknowledgedJobs(jobSamples);
  const states = await jobStates(box.edgePort, box.token, acknowledged, jobWindowMs);
  const completions = readJobLog(box.workerLog()).completions;
  const times = (id: string): number => completions.get(id) ?? 0;
  return {
    origin: killed,
    start,
    end,
    row: (mix) => ({
      id: '4',
      scenario: 'A worker SIGKILLed mid-job',
      fault: `2 workers, lesson jobs of ${llmDelayMs / 1000} s at ${jobRate}/s; SIGKILL to a worker with ${inFlight.length} job(s) in flight`,
      figures: [
        { name: 'jobs completed exactly once', value: `${acknowledged.filter((id) => times(id) === 1).length} of ${acknowledged.length} acknowledged` },
        { name: 'completed twice or more', value: String(acknowledged.filter((id) => times(id) > 1).length) },
        { name: `not completed ${seconds(jobWindowMs)} later`, value: String(acknowledged.filter((id) => states.get(id) !== 'completed').length) },
        { name: "the killed worker's jobs", value: `${inFlight.filter((id) => times(id) === 1 && states.get(id) === 'completed').length} of ${inFlight.length} completed once by another worker` },
        { name: '5xx of the mix', value: share(between(mix, start, end), serverFailed) },
      ],
    }),
  };
}

const version = (command: string, ...args: string[]): string => {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  return `${result.stdout}${result.stderr}`.split('\n')[0]!.trim();
};

async function main(): Promise<void> {
  const began = Date.now();
  // What it starts stops itself on exit (stop-on-exit.mts): the servers, the cluster, Nginx, and these.
  const scratch = mkdtempSync(join(tmpdir(), 'ep-chaos-'));
  stopOnExit('the scratch folder', () => rmSync(scratch, { recursive: true, force: true }));
  const redis = await startRedis();
  const database = await startFerretDb();
  const llm = await startFakeLlm();
  llm.delayMs = llmDelayMs;
  stopOnExit('the lesson provider stand-in', () => llm.close());

  const env = {
    ...loadProfile,
    ...llmEnvironment(llm),
    NODE_ENV: 'production',
    JWT_SECRET: randomBytes(32).toString('hex'),
    MONGODB_URI: `mongodb://127.0.0.1:${database.port}/chaos`,
    REDIS_URL: `redis://127.0.0.1:${redis.port}`,
    REDIS_KEY_PREFIX: 'chaos:',
    STORAGE_LOCAL_DIR: join(scratch, 'uploads'),
    DOCUMENT_SECTION_WORDS: '50',
    QUEUE_LOCK_DURATION_MS: String(queueLockMs),
    QUEUE_STALLED_INTERVAL_MS: String(queueLockMs),
    // PM2 runs fork-mode apps (the workers) on the `node` of PATH: this one.
    PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}`,
  };
  await run(process.execPath, [join(root, 'dist/cli/migrate.js')], { cwd: root, env: { ...process.env, ...env } });
  const cluster = await newCluster('chaos', env);
  await startCluster(cluster);
  // 'job started' is a debug line: the workers log it so that a kill can be aimed at a job in flight.
  await pm2({ ...cluster, env: { ...env, LOG_LEVEL: 'debug' } }, 'start', 'ecosystem.config.js', '--only', workerApp);
  await waitFor('the worker online', async () => (await onlineProcesses(cluster, workerApp)).length === 1, 60_000);
  const workerLogPath = (await onlineProcesses(cluster, workerApp))[0]!.pm2_env.pm_out_log_path;
  const edge = await startEdge(cluster.port);

  const learners = await registerLearners(edge.port, 10);
  const token = learners[0]!.token;
  const documentId = await readyDocument(edge.port, token, sections);
  const lessonPlans = lessonRequests(documentId, token, sections);
  const mix = startTraffic(edge.port, spread(mixRequests(learners)), rate);
  const stopMix = stopOnExit('the traffic', () => mix.stop());
  const box: Box = { cluster, edgePort: edge.port, mix, token, lessonPlans, nextPlan: 0, workerLog: () => readFileSync(workerLogPath, 'utf8') };
  // The first seconds warm caches and JIT; the baseline is the mix without a fault after them.
  await delay(settleMs);
  const baseline: Outcome = { origin: Date.now(), start: Date.now(), end: Date.now() + 2 * settleMs, row: (samples) => baselineRow(between(samples, baseline.start, baseline.end)) };
  await delay(2 * settleMs);

  const chosen = (process.env.CHAOS_SCENARIOS ?? '1,2,3,4,5,6,7').split(',');
  const scenarios: [string, string, () => Promise<Outcome>][] = [
    ['1', 'Redis killed', () => redisKilled(box, redis)],
    ['2', 'database hung, then killed', () => databaseHungThenKilled(box, database)],
    ['3', 'SIGTERM to an API process, pm2 reloads', () => apiTerminatedAndReloaded(box)],
    ['4', 'a worker killed mid-job', () => workerKilledMidJob(box)],
  ];
  const outcomes: Outcome[] = [baseline];
  for (const [id, name, scenario] of scenarios.filter(([id]) => chosen.includes(id))) {
    if (outcomes.length > 1) await recovered(box);
    process.stdout.write(`scenario ${id}: ${name}\n`);
    outcomes.push(await scenario());
  }
  const sentinelIds = sentinelFaults.map((_, index) => String(index + 5));
  if (sentinelIds.some((id) => chosen.includes(id))) {
    await recovered(box);
    process.stdout.write('moving the cluster onto Redis with Sentinel\n');
    const deployment = await startRedisSentinels({ downAfterMs: sentinelDownAfterMs, failoverTimeoutMs: 10_000 });
    stopOnExit('Redis with Sentinel', () => deployment.destroy());
    const stage: SentinelStage = { cluster, edgePort: edge.port, token, keyPrefix: env.REDIS_KEY_PREFIX, startLessons: (perSecond) => startJobs(box, perSecond), workerLog: () => box.workerLog(), providerDelay: (ms) => (llm.delayMs = ms), settleMs };
    process.stdout.write('scenario A: the cost of the acknowledgement wait\n');
    outcomes.push(await acknowledgementCost(stage, deployment, ackRate, ackMs, llmDelayMs));
    for (const [index, fault] of sentinelFaults.entries()) {
      const id = sentinelIds[index]!;
      if (!chosen.includes(id)) continue;
      process.stdout.write(`scenario ${id}: Redis Sentinel, ${fault} of the master\n`);
      outcomes.push(await sentinelFault(stage, deployment, { id, fault, runs: sentinelRuns, jobRate, options: { stopMs: outageMs, restartAfterMs: settleMs } }));
    }
  }
  await stopMix();
  const rows = outcomes.map((outcome) => outcome.row(mix.samples));

  const date = new Date().toISOString();
  const data: ChaosData = {
    date,
    commit: (await run('git', ['rev-parse', '--short', 'HEAD'], { cwd: root })).stdout.trim(),
    machine: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GB (shared: other work may run)`,
    versions: {
      node: process.version,
      nginx: version('nginx', '-v').replace('nginx version: ', ''),
      redis: version('redis-server', '--version'),
      ferretdb: version(process.env.FERRETDB_BIN ?? join(root, '.tools', 'bin', 'ferretdb'), '--version'),
      pm2: (JSON.parse(readFileSync(join(root, 'node_modules/pm2/package.json'), 'utf8')) as { version: string }).version,
    },
    durationSeconds: (Date.now() - began) / 1000,
    settings: {
      'mix rate': `${rate} req/s`,
      'lesson requests': `${jobRate}/s in scenarios 1, 4 and 5–7, ${ackRate}/s in A`,
      outage: `${outageMs / 1000} s`,
      reloads,
      'queue lock and stalled check': `${queueLockMs} ms`,
      'lesson provider delay': `${llmDelayMs} ms`,
      'Sentinel runs a fault': sentinelRuns,
      "sentinels' down-after": `${sentinelDownAfterMs} ms`,
      'mix requests sent': mix.samples.length,
      'mix requests dropped': mix.dropped(),
    },
    rows,
    timelines: Object.fromEntries(outcomes.map((outcome, index) => [rows[index]!.id, timeline(mix.samples, outcome.origin, outcome.start, outcome.end)])),
    statuses: Object.fromEntries(outcomes.map((outcome, index) => [rows[index]!.id, statusCounts(between(mix.samples, outcome.start, outcome.end))])),
    failing: Object.fromEntries(outcomes.map((outcome, index) => [rows[index]!.id, failingRequests(between(mix.samples, outcome.start, outcome.end))])),
    notes: [
      'Traffic: the stand-alone flows of load-test.js by weight (public profile reads, search, statistics, profile views and edits), an open model through Nginx: each request leaves when due whatever the answers before it, and its latency counts from when it was due (no coordinated omission); requests that would have exceeded 2,000 in flight are counted as dropped.',
      '5xx counts requests with no answer too; "failed" (scenario 3) is anything but a 2xx. Each figure covers the requests due within the phase named.',
      'Jobs: lesson requests for distinct sections and levels of one document, each a new job, answered by a stand-in provider after the set delay. An acknowledged job is one answered 202 with a job id; lost means its job is gone or failed for good. Completions are the workers’ "job completed" log lines per job id.',
      `The queue lock and stalled check run at ${queueLockMs} ms instead of 30 s so that a dead worker's job is taken over within the run; with the defaults it takes up to a minute.`,
      'Redis runs with appendfsync always, so a job is on disk before the API acknowledges it (scenarios 1–4).',
      'Scenarios A and 5–7: the API processes and the worker are reloaded onto a master, two replicas and three sentinels (quorum 2, failover-timeout 10 s) of their own, with REDIS_ACK_REPLICAS=auto (WAIT for every healthy replica) except in the first half of A, and the auth limit at 5 for the limit probes: a new client every second sends 6 wrong logins straight to the cluster (round robin over its processes), enforced when the 6th is refused and Redis counted all 6. p99 figures compare the 10 s before the fault with 10–20 s after the new master; "back to baseline" is the first second from which every 5-s window stays under max(3 × baseline, baseline + 150 ms). The job and limit figures of a run cover the run only; a duplicate is an acknowledged job completed twice (at-least-once).',
    ],
  };
  const stamp = date.slice(0, 10);
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  const markdown = renderChaosMarkdown(data);
  writeFileSync(join(root, 'bench', 'results', `chaos-${stamp}.md`), markdown);
  writeFileSync(join(root, 'bench', 'results', `chaos-${stamp}.json`), `${JSON.stringify(data, null, 2)}\n`);
  process.stdout.write(`\n${markdown}`);
}

await runBench(main);
