import { failoverFigures, percentileOf, recovered, type FailoverRun } from '../../scripts/benchmarks/chaos/failover-figures.mts';
import type { JobLog } from '../../scripts/benchmarks/chaos/figures.mts';
import { enforced, type LimitProbe } from '../../scripts/benchmarks/chaos/sentinel-faults.mts';
import type { Sample } from '../../scripts/benchmarks/chaos/traffic.mts';

/** The figures of issue 27's failover runs, on fixed samples rather than a run of real processes. */

const at = 100_000;
const newMaster = at + 3000;
const times = { fault: 'kill' as const, at, newMaster, whole: newMaster + 8000, from: '127.0.0.1:1', to: '127.0.0.1:2' };
const sample = (due: number, status: number, ms: number, request = 'GET /api/profiles/<id>', jobId?: string): Sample => ({
  at: due,
  status,
  ms,
  request,
  ...(jobId ? { jobId } : {}),
});
const emptyLog: JobLog = { completions: new Map(), running: new Map(), events: [] };

function run(overrides: Partial<FailoverRun>): FailoverRun {
  return { times, mix: [], lessons: [], states: new Map(), log: emptyLog, probes: [], limit: 5, baselineMs: 10_000, ...overrides };
}

/** One request every 100 ms from `from` to `to`, each taking `ms`. */
const steady = (from: number, to: number, ms: (due: number) => number, status = 200): Sample[] =>
  Array.from({ length: Math.floor((to - from) / 100) }, (_, i) => sample(from + i * 100, status, ms(from + i * 100)));

test('percentiles take the nearest rank; "back to baseline" is three times the baseline or 150 ms above it', () => {
  expect(percentileOf([5, 1, 4, 2, 3], 50)).toBe(3);
  expect(
    percentileOf(
      Array.from({ length: 100 }, (_, i) => i + 1),
      99,
    ),
  ).toBe(99);
  expect(percentileOf([], 99)).toBe(0);
  expect(recovered(10)).toBe(160);
  expect(recovered(100)).toBe(300);
});

test('the mix: answers besides 2xx and 503 are unexpected, the slowest is named, p99 recovers after the slow seconds', () => {
  const slowUntil = newMaster + 3000;
  const mix = [
    ...steady(at - 10_000, at, () => 10),
    ...steady(at, newMaster + 30_000, (due) => (due < slowUntil ? 900 : 12)),
    sample(at + 500, 503, 40),
    sample(at + 600, 502, 40, 'PATCH /api/profiles/me'),
    sample(at + 700, 0, 30_000, 'GET /api/stats'),
  ];
  const { mix: figures, cachedReads } = failoverFigures(run({ mix }));
  expect(figures.unexpected).toBe(2);
  expect(figures.failing).toEqual({ '503 GET /api/profiles/<id>': 1, '502 PATCH /api/profiles/me': 1, '0 GET /api/stats': 1 });
  expect(figures.slowest).toBe('GET /api/stats (0), due 700 ms after the fault');
  expect(figures.p99BeforeMs).toBe(10);
  expect(figures.p99AfterMs).toBe(12);
  expect([figures.p50BeforeMs, figures.p50AfterMs]).toEqual([10, 12]);
  expect(figures.backToBaselineAfterMs).toBe(3000);
  // The profile answered 503 and the statistics not at all.
  expect(cachedReads.not200).toBe(2);
});

test('jobs: lost and unfinished ones, duplicates, and when workers took and finished them', () => {
  const lessons = [
    sample(at - 2000, 202, 20, 'POST /api/lessons', 'job-a'),
    sample(at + 1000, 503, 1000, 'POST /api/lessons'),
    sample(at + 2000, 500, 10, 'POST /api/lessons'),
    sample(newMaster + 1500, 202, 20, 'POST /api/lessons', 'job-b'),
    sample(newMaster + 2500, 202, 20, 'POST /api/lessons', 'job-c'),
  ];
  const log: JobLog = {
    completions: new Map([
      ['job-a', 2],
      ['job-b', 1],
    ]),
    running: new Map(),
    events: [
      { msg: 'job started', jobId: 'job-a', at: at - 1500 },
      { msg: 'job completed', jobId: 'job-a', at: at - 1000 },
      // A job acknowledged before the new master, run again after it, is not the first new one taken.
      { msg: 'job started', jobId: 'job-a', at: newMaster + 500 },
      { msg: 'job completed', jobId: 'job-a', at: newMaster + 900 },
      { msg: 'job started', jobId: 'job-b', at: newMaster + 1600 },
      { msg: 'job completed', jobId: 'job-b', at: newMaster + 3000 },
    ],
  };
  const states = new Map([
    ['job-a', 'completed'],
    ['job-b', 'completed'],
    ['job-c', 'missing'],
  ]);
  expect(failoverFigures(run({ lessons, log, states })).jobs).toEqual({
    acknowledged: 3,
    refused: 1,
    unexpected: 1,
    lost: 1,
    notCompleted: 1,
    duplicates: 1,
    lastCompletedAfterMs: 6000,
    firstTakenAfterMs: 1600,
    acceptedAgainAfterMs: 1500,
  });
});

test('limits: enforced once the last attempt is refused and Redis counted every wrong password; 5xx and no answer are server errors', () => {
  const probe = (start: number, statuses: number[], counted: number | null): LimitProbe => ({ at: start, end: start + 100, statuses, counted });
  const limited = [401, 401, 401, 401, 401, 429];
  expect(enforced(probe(0, limited, 5), 5)).toBe(true);
  // Counted per process (Redis away): the statuses can look right while Redis saw none of it.
  expect(enforced(probe(0, limited, null), 5)).toBe(false);
  expect(enforced(probe(0, [401, 401, 401, 401, 401, 401], 3), 5)).toBe(false);
  const probes = [probe(at - 1000, limited, 5), probe(newMaster + 200, [401, 503, 401, 0, 401, 401], null), probe(newMaster + 1200, limited, 5)];
  expect(failoverFigures(run({ probes })).limits).toEqual({ probes: 3, serverErrors: 2, enforcedAfterMs: 1200 });
});
