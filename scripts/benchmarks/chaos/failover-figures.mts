/**
 * The figures of one Sentinel failover under traffic (issue 27), from what the run recorded:
 * pure arithmetic, so that the end-to-end test asserts on the same numbers `./scripts/bench
 * chaos` reports, and a unit test can check them on fixed data.
 */
import { between, failingRequests, type JobLog } from './figures.mts';
import { enforced, type FaultTimes, type LimitProbe } from './sentinel-faults.mts';
import type { Sample } from './traffic.mts';

export interface FailoverRun {
  times: FaultTimes;
  /** The mix (load-test.js's flows) through Nginx, the whole run. */
  mix: Sample[];
  /** The lesson requests through Nginx, the whole run. */
  lessons: Sample[];
  /** The final state of each acknowledged job ('missing': gone). */
  states: Map<string, string>;
  log: JobLog;
  probes: LimitProbe[];
  /** The auth limit the probes test. */
  limit: number;
  /** How long before the fault the baseline latency is taken. */
  baselineMs: number;
}

export interface FailoverFigures {
  /** From the fault to a sentinel naming the new master. */
  newMasterAfterMs: number;
  mix: {
    sent: number;
    /** Statuses of the mix from the fault until all was whole again (and at least 20 s after the new master). */
    statuses: Record<string, number>;
    /** Answers other than 2xx and 503 in that window (status 0: none). */
    unexpected: number;
    slowestMs: number;
    /** The slowest request of that window: what it was and when it was due, from the fault. */
    slowest: string;
    /** Its 5xx and unanswered requests by status, method and path. */
    failing: Record<string, number>;
    p50BeforeMs: number;
    p99BeforeMs: number;
    /** p50 and p99 of the requests due 10 to 20 s after the new master. */
    p50AfterMs: number;
    p99AfterMs: number;
    /** The first second after the new master from which each 5-s window's p99 stays within `recovered` of the baseline. */
    backToBaselineAfterMs: number | null;
  };
  cachedReads: { sent: number; not200: number };
  jobs: {
    acknowledged: number;
    refused: number;
    unexpected: number;
    lost: number;
    notCompleted: number;
    /** Acknowledged jobs completed more than once (at-least-once: allowed, counted). */
    duplicates: number;
    /** From the fault to the last acknowledged job's completion. */
    lastCompletedAfterMs: number | null;
    /** From the new master to the first job a worker started that was acknowledged after it. */
    firstTakenAfterMs: number | null;
    /** From the new master to the first enqueue acknowledged again. */
    acceptedAgainAfterMs: number | null;
  };
  limits: { probes: number; serverErrors: number; enforcedAfterMs: number | null };
}

/** The cached reads of the mix (public profile, search, statistics): they must answer 200 throughout. */
export const cachedRead = (sample: Sample): boolean => /^GET \/api\/(profiles\/<id>|search\/profiles|stats)/.test(sample.request);

export function percentileOf(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * The latency a p99 counts as back to the baseline: three times it, or 150 ms above it on a fast
 * baseline. On a shared 2-core box the p99 of a few hundred requests moves by tens of ms between
 * quiet windows; what a failover leaves behind when clients do not recover (each request waiting
 * for a command timeout, 500 ms) is far above this.
 */
export const recovered = (baselineMs: number): number => Math.max(3 * baselineMs, baselineMs + 150);

const p99 = (samples: Sample[]): number => percentileOf(samples.map((sample) => sample.ms), 99);
const p50 = (samples: Sample[]): number => percentileOf(samples.map((sample) => sample.ms), 50);

function backToBaseline(mix: Sample[], from: number, until: number, limitMs: number): number | null {
  for (let start = from; start + 5000 <= until; start += 1000) {
    let stays = true;
    for (let later = start; later + 5000 <= until && stays; later += 1000) stays = p99(between(mix, later, later + 5000)) <= limitMs;
    if (stays) return start - from;
  }
  return null;
}

export function failoverFigures(run: FailoverRun): FailoverFigures {
  const { times, mix, lessons, states, log } = run;
  const windowEnd = Math.max(times.whole, times.newMaster + 20_000);
  const during = between(mix, times.at, windowEnd);
  const statuses: Record<string, number> = {};
  for (const sample of during) statuses[sample.status] = (statuses[sample.status] ?? 0) + 1;
  const slowest = during.reduce<Sample | undefined>((worst, sample) => (worst === undefined || sample.ms > worst.ms ? sample : worst), undefined);
  const before = between(mix, times.at - run.baselineMs, times.at);
  const after = between(mix, times.newMaster + 10_000, times.newMaster + 20_000);
  const baseline = p99(before);
  const lastDue = Math.max(...mix.map((sample) => sample.at), times.at);

  const acknowledged = lessons.filter((sample) => sample.status === 202 && sample.jobId !== undefined);
  const ids = new Set(acknowledged.map((sample) => sample.jobId!));
  const completedAt = new Map<string, number>();
  for (const event of log.events) if (event.msg === 'job completed' && ids.has(event.jobId) && !completedAt.has(event.jobId)) completedAt.set(event.jobId, event.at);
  const afterNewMaster = new Set(acknowledged.filter((sample) => sample.at >= times.newMaster).map((sample) => sample.jobId!));
  const firstTaken = log.events.find((event) => event.msg === 'job started' && afterNewMaster.has(event.jobId) && event.at >= times.newMaster);
  const acceptedAgain = acknowledged.find((sample) => sample.at >= times.newMaster);
  const completions = [...completedAt.values()];

  const probesAfter = run.probes.filter((probe) => probe.at >= times.newMaster);
  const firstEnforced = probesAfter.find((probe) => enforced(probe, run.limit));
  const cached = mix.filter(cachedRead);

  return {
    newMasterAfterMs: times.newMaster - times.at,
    mix: {
      sent: mix.length,
      statuses,
      unexpected: during.filter((sample) => !(sample.status >= 200 && sample.status < 300) && sample.status !== 503).length,
      slowestMs: slowest?.ms ?? 0,
      slowest: slowest === undefined ? 'none' : `${slowest.request} (${slowest.status}), due ${slowest.at - times.at} ms after the fault`,
      failing: failingRequests(during),
      p50BeforeMs: p50(before),
      p99BeforeMs: baseline,
      p50AfterMs: p50(after),
      p99AfterMs: p99(after),
      backToBaselineAfterMs: backToBaseline(mix, times.newMaster, lastDue, recovered(baseline)),
    },
    cachedReads: { sent: cached.length, not200: cached.filter((sample) => sample.status !== 200).length },
    jobs: {
      acknowledged: acknowledged.length,
      refused: lessons.filter((sample) => sample.status === 503).length,
      unexpected: lessons.filter((sample) => ![200, 202, 503].includes(sample.status)).length,
      lost: [...ids].filter((id) => ['missing', 'failed'].includes(states.get(id) ?? 'missing')).length,
      notCompleted: [...ids].filter((id) => states.get(id) !== 'completed').length,
      duplicates: [...ids].filter((id) => (log.completions.get(id) ?? 0) > 1).length,
      lastCompletedAfterMs: completions.length === 0 ? null : Math.max(...completions) - times.at,
      firstTakenAfterMs: firstTaken === undefined ? null : firstTaken.at - times.newMaster,
      acceptedAgainAfterMs: acceptedAgain === undefined ? null : acceptedAgain.at - times.newMaster,
    },
    limits: {
      probes: run.probes.length,
      serverErrors: run.probes.flatMap((probe) => probe.statuses).filter((status) => status === 0 || status >= 500).length,
      enforcedAfterMs: firstEnforced === undefined ? null : firstEnforced.at - times.newMaster,
    },
  };
}
