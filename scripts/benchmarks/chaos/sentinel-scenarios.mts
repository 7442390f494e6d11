/**
 * The Redis Sentinel scenarios of `./scripts/bench chaos` (issue 27): the cluster is moved onto
 * a master, two replicas and three sentinels of its own, the cost of acknowledging an enqueue
 * only once the replicas hold the job is measured, then each fault (SIGKILL, SIGSTOP, SENTINEL
 * FAILOVER of the master) is made under the mix with the figures the end-to-end test asserts on
 * (tests/e2e/redis-failover.test.ts).
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { RedisSentinels } from '../../../tests/support/redis-sentinel.ts';
import { percentile, pm2, waitReady, type Cluster } from '../bench-kit.mts';
import type { ChaosFigure, Outcome } from './chaos-data.mts';
import { failoverFigures, recovered, type FailoverFigures } from './failover-figures.mts';
import { between, readJobLog, seconds } from './figures.mts';
import { jobStates } from './lesson-jobs.mts';
import { countedWrongSignIns, describeFault, limitProbeSettings, makeFault, startLimitProbes, type FaultOptions, type SentinelFault } from './sentinel-faults.mts';
import type { Sample } from './traffic.mts';

export interface SentinelStage {
  cluster: Cluster;
  edgePort: number;
  token: string;
  keyPrefix: string;
  /** Lesson requests through Nginx at `rate` a second, each a new job. */
  startLessons(rate: number): { samples: Sample[]; stop(): Promise<Sample[]> };
  workerLog(): string;
  /** Sets how long the stand-in lesson provider takes to answer. */
  providerDelay(ms: number): void;
  settleMs: number;
}

/** The auth limit the probes test (the mix signs nobody in). */
export const sentinelAuthLimit = 5;

/** Reloads the API processes and the worker onto the Sentinel deployment, with REDIS_ACK_REPLICAS `ack`. */
export async function moveOntoSentinel(stage: SentinelStage, deployment: RedisSentinels, ack: '0' | 'auto'): Promise<void> {
  // The limit probes sign in wrongly 6 times a second: cheap password hashing keeps them from
  // taking a core (an unknown e-mail is hashed too, so that it takes as long as a known one).
  Object.assign(stage.cluster.env, {
    REDIS_URL: '',
    ...deployment.env,
    REDIS_ACK_REPLICAS: ack,
    ...limitProbeSettings(sentinelAuthLimit),
    PASSWORD_HASH_MEMORY_KIB: '8192',
    PASSWORD_HASH_TIME_COST: '1',
  });
  await pm2(stage.cluster, 'reload', 'english-practice-api', '--update-env');
  // 'job started' is a debug line: the figures time when workers take jobs from it.
  await pm2({ ...stage.cluster, env: { ...stage.cluster.env, LOG_LEVEL: 'debug' } }, 'reload', 'english-practice-worker', '--update-env');
  await waitReady(stage.cluster.port);
  await delay(stage.settleMs);
}

const p = (samples: Sample[], q: number): string => `${Math.round(percentile(samples.map((sample) => sample.ms).sort((a, b) => a - b), q))} ms`;

/**
 * Enqueue latency (lesson requests answered 202) at `rate` a second for `ms`, first without the
 * acknowledgement wait (REDIS_ACK_REPLICAS=0), then with it (auto: WAIT for both replicas).
 */
export async function acknowledgementCost(stage: SentinelStage, deployment: RedisSentinels, rate: number, ms: number, providerDelayMs: number): Promise<Outcome> {
  const start = Date.now();
  const phases: { ack: '0' | 'auto'; samples: Sample[] }[] = [];
  // Jobs that take no time: the faults that follow must not find a backlog in the queue.
  stage.providerDelay(0);
  for (const ack of ['0', 'auto'] as const) {
    await moveOntoSentinel(stage, deployment, ack);
    const lessons = stage.startLessons(rate);
    await delay(ms);
    phases.push({ ack, samples: (await lessons.stop()).filter((sample) => sample.status === 202) });
  }
  const queued = phases.flatMap((phase) => phase.samples.flatMap((sample) => (sample.jobId === undefined ? [] : [sample.jobId])));
  await jobStates(stage.edgePort, stage.token, queued, 120_000);
  stage.providerDelay(providerDelayMs);
  const [without, withWait] = phases.map((phase) => phase.samples) as [Sample[], Sample[]];
  return {
    origin: start,
    start,
    end: Date.now(),
    row: () => ({
      id: 'A',
      scenario: 'Cost of the acknowledgement wait',
      fault: `none: lesson requests at ${rate}/s for ${ms / 1000} s on the Sentinel deployment, without and with WAIT for the replicas`,
      figures: [
        { name: 'enqueue latency, no wait (REDIS_ACK_REPLICAS=0)', value: `p50 ${p(without, 50)}, p95 ${p(without, 95)} (${without.length} acknowledged)` },
        { name: 'enqueue latency, WAIT for every healthy replica (auto)', value: `p50 ${p(withWait, 50)}, p95 ${p(withWait, 95)} (${withWait.length} acknowledged)` },
      ],
    }),
  };
}

const list = (values: (number | null)[], unit: (value: number) => string): string => values.map((value) => (value === null ? 'never' : unit(value))).join(', ');

/** The failing requests of every run by status, path and error code: " (2 × 503 GET /api/search/profiles (SEARCH_BUSY))". */
function failing(results: FailoverFigures[]): string {
  const counts: Record<string, number> = {};
  for (const result of results) for (const [group, count] of Object.entries(result.mix.failing)) counts[group] = (counts[group] ?? 0) + count;
  const groups = Object.entries(counts).map(([group, count]) => `${count} × ${group}`);
  return groups.length === 0 ? '' : ` (${groups.join(', ')})`;
}

/** One row over every run of a fault: each figure lists the runs in order. */
function faultFigures(results: FailoverFigures[]): ChaosFigure[] {
  const sum = (pick: (result: FailoverFigures) => number): number => results.reduce((total, result) => total + pick(result), 0);
  const during = sum((result) => Object.values(result.mix.statuses).reduce((a, b) => a + b, 0));
  const unavailable = sum((result) => result.mix.statuses['503'] ?? 0);
  return [
    { name: 'new master named after', value: list(results.map((result) => result.newMasterAfterMs), seconds) },
    {
      name: 'mix during the failover',
      value: `${unavailable} of ${during} answered 503, ${sum((result) => result.mix.unexpected)} other failures (500, 502, 504, none)${failing(results)}; slowest ${results.map((result) => `${seconds(result.mix.slowestMs)} (${result.mix.slowest})`).join(', ')}`,
    },
    {
      name: 'p50 and p99 before → 10–20 s after the new master',
      value: results
        .map((result) => `p50 ${result.mix.p50BeforeMs} → ${result.mix.p50AfterMs} ms, p99 ${result.mix.p99BeforeMs} → ${result.mix.p99AfterMs} ms (bound ${recovered(result.mix.p99BeforeMs)} ms)`)
        .join('; '),
    },
    { name: 'p99 back to baseline after the new master', value: list(results.map((result) => result.mix.backToBaselineAfterMs), seconds) },
    { name: 'cached reads not 200', value: `${sum((result) => result.cachedReads.not200)} of ${sum((result) => result.cachedReads.sent)}` },
    {
      name: 'acknowledged jobs lost',
      value: `${sum((result) => result.jobs.lost)} of ${sum((result) => result.jobs.acknowledged)} (not completed: ${sum((result) => result.jobs.notCompleted)}; completed twice: ${sum((result) => result.jobs.duplicates)}; enqueues refused 503: ${sum((result) => result.jobs.refused)})`,
    },
    { name: 'last acknowledged job completed after the fault', value: list(results.map((result) => result.jobs.lastCompletedAfterMs), seconds) },
    { name: 'enqueues acknowledged again after the new master', value: list(results.map((result) => result.jobs.acceptedAgainAfterMs), seconds) },
    { name: 'a worker took a new job after the new master', value: list(results.map((result) => result.jobs.firstTakenAfterMs), seconds) },
    {
      name: 'limits',
      value: `${sum((result) => result.limits.serverErrors)} 5xx in ${sum((result) => result.limits.probes)} probes; a budget enforced across processes again after ${list(results.map((result) => result.limits.enforcedAfterMs), seconds)}`,
    },
  ];
}

/** `runs` times `fault` under the mix and lesson requests at `jobRate`; one row for all of them. */
export async function sentinelFault(
  stage: SentinelStage,
  deployment: RedisSentinels,
  scenario: { id: string; fault: SentinelFault; runs: number; jobRate: number; options: FaultOptions },
): Promise<Outcome> {
  const start = Date.now();
  const results: FailoverFigures[] = [];
  const baselineMs = 10_000;
  let origin = 0;
  const runs: { times: Awaited<ReturnType<typeof makeFault>>; lessons: Sample[]; probes: Awaited<ReturnType<ReturnType<typeof startLimitProbes>['stop']>>; states: Map<string, string> }[] = [];
  for (let run = 0; run < scenario.runs; run++) {
    await deployment.settled();
    const lessons = stage.startLessons(scenario.jobRate);
    const counted = async (client: string): Promise<number | null> => countedWrongSignIns(async (...args) => deployment.command(await deployment.master(), ...args), stage.keyPrefix, client);
    // Through the baseline too: the probes' logins cost CPU, before as after the fault.
    const probes = startLimitProbes({ port: stage.cluster.port, limit: sentinelAuthLimit, everyMs: 1000, counted });
    await delay(baselineMs);
    const times = await makeFault(deployment, scenario.fault, scenario.options);
    origin ||= times.at;
    await delay(Math.max(0, times.newMaster + 25_000 - Date.now()));
    const limitProbes = await probes.stop();
    const samples = await lessons.stop();
    const acknowledged = samples.flatMap((sample) => (sample.jobId === undefined ? [] : [sample.jobId]));
    const states = await jobStates(stage.edgePort, stage.token, acknowledged, Math.max(5000, times.at + 60_000 - Date.now()));
    runs.push({ times, lessons: samples, probes: limitProbes, states });
    process.stdout.write(`  ${scenario.fault} run ${run + 1}: ${times.from} → ${times.to}, new master after ${seconds(times.newMaster - times.at)}\n`);
  }
  return {
    origin,
    start,
    end: Date.now(),
    row: (mix) => {
      const log = readJobLog(stage.workerLog());
      for (const run of runs) {
        const runMix = between(mix, run.times.at - baselineMs, run.times.newMaster + 25_000);
        results.push(failoverFigures({ times: run.times, mix: runMix, lessons: run.lessons, states: run.states, log, probes: run.probes, limit: sentinelAuthLimit, baselineMs }));
      }
      return { id: scenario.id, scenario: `Redis Sentinel: ${scenario.fault}`, fault: `${describeFault(scenario.fault, scenario.options)}; ${scenario.runs} run(s)`, figures: faultFigures(results) };
    },
  };
}
