import { readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { failoverFigures, recovered, type FailoverFigures } from '../../scripts/benchmarks/chaos/failover-figures.mts';
import { between, readJobLog } from '../../scripts/benchmarks/chaos/figures.mts';
import { api, jobStates, lessonRequests, readyDocument } from '../../scripts/benchmarks/chaos/lesson-jobs.mts';
import {
  countedWrongSignIns,
  enforced,
  limitProbeSettings,
  makeFault,
  sentinelFaults,
  startLimitProbes,
  type FaultOptions,
  type SentinelFault,
} from '../../scripts/benchmarks/chaos/sentinel-faults.mts';
import { spread, startTraffic, type Traffic } from '../../scripts/benchmarks/chaos/traffic.mts';
import { mixRequests } from '../../scripts/benchmarks/report/mix.mts';
import { queueNames } from '../../src/components/jobs/job-queues';
import { registerOver } from '../support/edge-traffic';
import { llmEnvironment, startFakeLlm, type FakeLlm } from '../support/fake-llm';
import { sample as metricSample } from '../support/metrics-text';
import { migrateDatabase } from '../support/migrate';
import { startNginx, type Nginx } from '../support/nginx';
import { privatePm2, type Pm2 } from '../support/pm2';
import { freePort } from '../support/ports';
import { startRedisSentinels, type RedisSentinels } from '../support/redis-sentinel';
import { openEventStream } from '../support/sse';
import { testEnvironment } from '../support/test-env';
import { waitFor } from '../support/wait';

/**
 * Issue 27's acceptance, on real processes: a master, two replicas and three sentinels (Debian's
 * redis-server and redis-sentinel), two API processes and a worker under PM2, Nginx in front, the
 * mix of load-test.js and lesson jobs at a steady rate through Nginx. Each Sentinel fault (SIGKILL
 * of the master; SIGSTOP for 30 s; SENTINEL FAILOVER) runs SENTINEL_FAILOVER_RUNS times (1 by
 * default, to keep CI short; the issue's 5 with SENTINEL_FAILOVER_RUNS=5).
 */
const runs = Number(process.env.SENTINEL_FAILOVER_RUNS ?? 1);
const faultOptions: FaultOptions = { stopMs: 30_000, restartAfterMs: 5000 };
const authLimit = 5;
const mixRate = 20;
const jobRate = 1;
const baselineMs = 10_000;
/** Each run lasts at least this long after the new master: the recovery figures look 20 s past it. */
const afterNewMasterMs = 25_000;
const apiApp = 'english-practice-api';
const workerApp = 'english-practice-worker';

jest.setTimeout(runs * 3 * 150_000 + 120_000);

interface Pm2Process {
  name: string;
  pid: number;
  pm2_env: { status: string; restart_time: number; pm_out_log_path: string };
}

let deployment: RedisSentinels;
let llm: FakeLlm;
let pm2: Pm2;
let nginx: Nginx;
let apiPort: number;
let keyPrefix: string;
let token: string;
let mix: Traffic;
let lessons: Traffic;
let processesAtStart: Pm2Process[];
const figures: Record<SentinelFault, FailoverFigures[]> = { kill: [], stop: [], failover: [] };

const processes = async (): Promise<Pm2Process[]> =>
  (JSON.parse(await pm2.command('jlist')) as Pm2Process[]).filter((entry) => entry.pm2_env.status === 'online');
const logOf = (app: string): string =>
  [...new Set(processesAtStart.filter((entry) => entry.name === app).map((entry) => entry.pm2_env.pm_out_log_path))]
    .map((path) => readFileSync(path, 'utf8'))
    .join('\n');
const workerLog = (): string => logOf(workerApp);

/**
 * What a failing run tells about each acknowledged job it did not see completed: the API's answer
 * for it, its hash and the places it sits in Redis on the master, and every worker and API log line
 * naming it.
 */
async function unfinishedJobsReport(acknowledged: string[], states: Map<string, string>): Promise<string> {
  const master = await deployment.master();
  const key = (name: string): string => `${keyPrefix}bull:${queueNames.lessons}:${name}`;
  const lines = [...logOf(workerApp).split('\n'), ...logOf(apiApp).split('\n')];
  const reports = [];
  for (const id of [...new Set(acknowledged)].filter((candidate) => states.get(candidate) !== 'completed')) {
    const answer = await api<unknown>(nginx.port, `/api/jobs/${encodeURIComponent(id)}`, { token }).catch((error: unknown) => String(error));
    const read = (...args: string[]): Promise<unknown> => deployment.command(master, ...args).catch((error: unknown) => `(${String(error)})`);
    const hash = await read('HGETALL', key(id));
    const places = {
      completed: await read('ZSCORE', key('completed'), id),
      failed: await read('ZSCORE', key('failed'), id),
      delayed: await read('ZSCORE', key('delayed'), id),
      active: await read('LPOS', key('active'), id),
      wait: await read('LPOS', key('wait'), id),
      lock: await read('GET', `${key(id)}:lock`),
    };
    const logLines = lines.filter((line) => line.includes(id));
    reports.push(`${id}: ${JSON.stringify({ state: states.get(id), answer, hash, places })}\n  ${logLines.join('\n  ')}`);
  }
  return reports.join('\n');
}

beforeAll(async () => {
  deployment = await startRedisSentinels({ downAfterMs: 2000, failoverTimeoutMs: 6000 });
  llm = await startFakeLlm();
  // Jobs take 1.5 s: some are always in flight when a fault strikes.
  llm.delayMs = 1500;
  apiPort = await freePort();
  const env = testEnvironment({
    ...deployment.env,
    ...llmEnvironment(llm),
    REDIS_URL: '',
    PORT: String(apiPort),
    HOST: '127.0.0.1',
    API_INSTANCES: '2',
    LOG_LEVEL: 'warn',
    ...limitProbeSettings(authLimit),
    PASSWORD_HASH_MEMORY_KIB: '8192',
    PASSWORD_HASH_TIME_COST: '1',
    DOCUMENT_SECTION_WORDS: '50',
    // A job whose worker lost it in a failover is taken over within seconds (default 30 s).
    QUEUE_LOCK_DURATION_MS: '5000',
    QUEUE_STALLED_INTERVAL_MS: '5000',
    // Event streams re-read their job every 2 s: one whose events a failover dropped still ends.
    SSE_HEARTBEAT_SECONDS: '2',
  });
  keyPrefix = env.REDIS_KEY_PREFIX!;
  await migrateDatabase(env.MONGODB_URI!);
  pm2 = privatePm2(env);
  await pm2.command('start', 'ecosystem.config.js', '--only', apiApp);
  // 'job started' is a debug line: the figures time when workers take jobs from it.
  await pm2.commandWithEnv({ LOG_LEVEL: 'debug' }, 'start', 'ecosystem.config.js', '--only', workerApp);
  await waitFor('the cluster to be ready', async () => (await fetch(`http://127.0.0.1:${apiPort}/ready`).catch(() => null))?.status === 200, 60_000);
  processesAtStart = await processes();
  nginx = await startNginx({ apiPort });

  // One after the other: the auth limit (5) counts attempts until they succeed.
  const sessions = [];
  for (let n = 0; n < 6; n++) sessions.push(await registerOver(nginx.url, `Failover Learner ${n}`));
  token = sessions[0]!.accessToken;
  const sections = Math.max(60, runs * 3 * 40);
  const documentId = await readyDocument(nginx.port, token, sections);
  mix = startTraffic(nginx.port, spread(mixRequests(sessions.map((session) => ({ id: session.account.id, token: session.accessToken })))), mixRate, {
    timeoutMs: 30_000,
  });
  lessons = startTraffic(nginx.port, lessonRequests(documentId, token, sections), jobRate, { timeoutMs: 30_000 });
  // Caches and JIT warm up before the first baseline.
  await delay(5000);
}, 180_000);

afterAll(async () => {
  await Promise.all([mix?.stop(), lessons?.stop()]);
  await nginx?.stop();
  await pm2?.kill();
  await llm?.close();
  await deployment?.destroy();
  const rows = Object.entries(figures).flatMap(([fault, list]) => list.map((entry, index) => `${fault} #${index + 1}: ${JSON.stringify(entry)}`));
  process.stdout.write(`Sentinel failover figures (${runs} run(s) a fault):\n${rows.join('\n')}\n`);
});

/** How many of the counts of this client Redis holds, read from the master. */
async function counted(client: string): Promise<number | null> {
  return countedWrongSignIns(async (...args) => deployment.command(await deployment.master(), ...args), keyPrefix, client);
}

async function oneRun(fault: SentinelFault): Promise<FailoverFigures> {
  await deployment.settled();
  // The limit probes run through the baseline too: their logins cost CPU, before as after the fault.
  const probes = startLimitProbes({ port: apiPort, limit: authLimit, everyMs: 1000, counted });
  await delay(baselineMs);
  // An event stream on a job in flight when the fault strikes: it must end with the job completed.
  const lastAcknowledged = [...lessons.samples].reverse().find((sample) => sample.jobId !== undefined)!.jobId!;
  const stream = await openEventStream(`${nginx.url}/api/jobs/${encodeURIComponent(lastAcknowledged)}/events`, { authorization: `Bearer ${token}` });
  const times = await makeFault(deployment, fault, faultOptions);
  await delay(Math.max(0, times.newMaster + afterNewMasterMs - Date.now()));
  const limitProbes = await probes.stop();
  const runMix = between(mix.samples, times.at - baselineMs, Date.now());
  const runLessons = between(lessons.samples, times.at - baselineMs, Date.now());
  const acknowledged = runLessons.flatMap((sample) => (sample.jobId === undefined ? [] : [sample.jobId]));
  const states = await jobStates(nginx.port, token, acknowledged, Math.max(5000, times.at + 60_000 - Date.now()));
  const events = await Promise.race([stream.events(), delay(30_000, null, { ref: false })]);
  const result = failoverFigures({
    times,
    mix: runMix,
    lessons: runLessons,
    states,
    log: readJobLog(workerLog()),
    probes: limitProbes,
    limit: authLimit,
    baselineMs,
  });
  process.stdout.write(`${fault}: ${times.from} -> ${times.to}, ${JSON.stringify(result)}\n`);
  if (result.jobs.notCompleted > 0)
    process.stdout.write(
      `${fault}: acknowledged jobs not completed (fault at ${new Date(times.at).toISOString()}, new master at ${new Date(times.newMaster).toISOString()}):\n${await unfinishedJobsReport(acknowledged, states)}\n`,
    );
  // The stream followed the job across the failover: it ended, with the job completed.
  expect(events?.some((event) => event.event === 'completed' || (event.event === 'state' && (event.data as { state: string }).state === 'completed'))).toBe(
    true,
  );
  // Before the fault each probe's budget was enforced across processes, as after it.
  const before = limitProbes.filter((probe) => probe.end < times.at);
  expect(before.length).toBeGreaterThan(0);
  expect(before.filter((probe) => !enforced(probe, authLimit))).toEqual([]);
  return result;
}

describe.each(sentinelFaults.map((fault) => [fault]))('Redis Sentinel: %s of the master under traffic', (fault) => {
  it(`loses no acknowledged job, answers 503 at worst, and recovers by itself (${runs} run(s))`, async () => {
    for (let run = 0; run < runs; run++) figures[fault].push(await oneRun(fault));
    for (const result of figures[fault]) {
      // Acknowledged jobs: none lost, all completed within 60 s of the fault (duplicates are counted, allowed).
      expect(result.jobs).toMatchObject({ lost: 0, notCompleted: 0, unexpected: 0 });
      expect(result.jobs.acknowledged).toBeGreaterThan(0);
      expect(result.jobs.lastCompletedAfterMs).toBeLessThanOrEqual(60_000);
      // Workers take new jobs within 10 s of the new master.
      expect(result.jobs.firstTakenAfterMs).not.toBeNull();
      expect(result.jobs.firstTakenAfterMs!).toBeLessThanOrEqual(10_000);
      // The API: only 503s besides normal answers, nothing hanging 5 s, latency back within 10 s
      // of the new master. The p99 of 200 requests on a shared 2-core box moves by hundreds of ms
      // with other people's load: it is held to 1 s at least, the median to the pre-fault one.
      expect(result.mix.unexpected).toBe(0);
      expect(result.mix.slowestMs).toBeLessThanOrEqual(5000);
      expect(result.mix.p50AfterMs).toBeLessThanOrEqual(recovered(result.mix.p50BeforeMs));
      expect(result.mix.p99AfterMs).toBeLessThanOrEqual(Math.max(recovered(result.mix.p99BeforeMs), 1000));
      // Cached reads answered 200 throughout.
      expect(result.cachedReads.not200).toBe(0);
      // The limiter: never a 5xx, and a client's budget enforced across processes within 10 s.
      expect(result.limits.serverErrors).toBe(0);
      expect(result.limits.enforcedAfterMs).not.toBeNull();
      expect(result.limits.enforcedAfterMs!).toBeLessThanOrEqual(10_000);
    }
    // No process was restarted: the same pids, no PM2 restart.
    const now = await processes();
    expect(now.map(({ name, pid, pm2_env }) => ({ name, pid, restarts: pm2_env.restart_time })).sort((a, b) => a.pid - b.pid)).toEqual(
      processesAtStart.map(({ name, pid }) => ({ name, pid, restarts: 0 })).sort((a, b) => a.pid - b.pid),
    );
  });
});

describe('observing the failovers', () => {
  it('/health names the master the sentinels name, with both replicas; the metrics count the failovers each process followed', async () => {
    const master = await deployment.settled();
    await waitFor('/health to name the current master with 2 replicas in sync', async () => {
      const report = (await (await fetch(`http://127.0.0.1:${apiPort}/health`)).json()) as { checks: Record<string, Record<string, unknown>[]> };
      const replication = report.checks['redis:replication']?.[0];
      return (
        replication?.master === master.address && replication.connectedTo === master.address && replication.observedValue === 2 && replication.status === 'pass'
      );
    });
    const text = await (await fetch(`http://127.0.0.1:${apiPort}/metrics`)).text();
    const apis = processesAtStart.filter((entry) => entry.name === apiApp);
    const failovers = [...text.matchAll(/^redis_failovers_total\{[^}]*role="api"[^}]*\} (\d+)/gm)].map((match) => Number(match[1]));
    expect(failovers).toHaveLength(apis.length);
    for (const count of failovers) expect(count).toBeGreaterThanOrEqual(runs * sentinelFaults.length);
    expect(metricSample(text, 'redis_replicas', { state: 'healthy' })).toBe(2);
  });
});
