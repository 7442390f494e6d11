import type { ChaosData } from '../../scripts/benchmarks/chaos/chaos-data.mts';
import { between, describeFlips, failed, failingRequests, readJobLog, serverFailed, share, timeline } from '../../scripts/benchmarks/chaos/figures.mts';
import { renderChaosMarkdown } from '../../scripts/benchmarks/chaos/render-chaos.mts';
import { spread, type Sample } from '../../scripts/benchmarks/chaos/traffic.mts';

/** The arithmetic behind `./scripts/bench chaos`, on fixed samples rather than a 6-minute run. */

const sample = (at: number, status: number, ms = 10, request = 'GET /api/stats'): Sample => ({ at, status, ms, request });

test('5xx share counts unanswered requests, and only the requests due in the phase', () => {
  const samples = [sample(999, 503), sample(1000, 200), sample(1500, 0), sample(1999, 502), sample(2000, 500)];
  const phase = between(samples, 1000, 2000);
  expect(share(phase, serverFailed)).toBe('66.7 % (2 of 3)');
  expect(share([sample(0, 200), sample(1, 429)], failed)).toBe('50.0 % (1 of 2)');
  expect(share([], serverFailed)).toBe('0.0 % (0 of 0)');
});

test('readiness flips are the changes after the first poll, timed from the fault', () => {
  const polls = [true, true, false, false, true].map((ready, index) => ({ at: 10_000 + index * 1000, ready }));
  expect(describeFlips(polls, 11_500)).toBe('2 (down +0.5 s, up +2.5 s)');
  expect(describeFlips(polls.slice(0, 2), 0)).toBe('0');
});

test('the timeline counts each second from the fault, before it negative', () => {
  const samples = [sample(9_100, 200, 30), sample(10_200, 503, 900), sample(10_900, 0, 60_000), sample(11_000, 200, 5)];
  expect(timeline(samples, 10_000, 0, 20_000)).toEqual([
    { second: -1, sent: 1, failed: 0, maxMs: 30 },
    { second: 0, sent: 2, failed: 2, maxMs: 60_000 },
    { second: 1, sent: 1, failed: 0, maxMs: 5 },
  ]);
});

test('failing requests are grouped by status, method and path, without the query', () => {
  const samples = [
    sample(0, 503, 1, 'GET /api/search/profiles?q=garden'),
    sample(1, 503, 1, 'GET /api/search/profiles?q=art'),
    sample(2, 200),
    sample(3, 0, 1, 'PATCH /api/profiles/me'),
  ];
  expect(failingRequests(samples)).toEqual({ '503 GET /api/search/profiles': 2, '0 PATCH /api/profiles/me': 1 });
});

test("the workers' log says which jobs each worker has in flight and how often each job completed", () => {
  const line = (msg: string, jobId: string, workerId: string): string =>
    JSON.stringify({ level: 30, time: '2026-11-26T06:00:00.000Z', workerId, component: 'worker', jobId, msg });
  const log = [
    line('job started', 'lesson-1', 'box-worker-0-100'),
    line('job started', 'lesson-2', 'box-worker-0-100'),
    'PM2 | a line that is not JSON',
    '{"broken json',
    line('job completed', 'lesson-2', 'box-worker-0-100'),
    line('job started', 'lesson-3', 'box-worker-1-200'),
    line('job failed', 'lesson-3', 'box-worker-1-200'),
    line('job started', 'lesson-1', 'box-worker-1-200'),
    line('job completed', 'lesson-1', 'box-worker-1-200'),
    line('job completed', 'lesson-2', 'box-worker-1-200'),
  ].join('\n');
  const { completions, running, events } = readJobLog(log);
  expect(Object.fromEntries(completions)).toEqual({ 'lesson-1': 1, 'lesson-2': 2 });
  expect(events.map(({ msg, jobId }) => `${msg} ${jobId}`)).toEqual([
    'job started lesson-1',
    'job started lesson-2',
    'job completed lesson-2',
    'job started lesson-3',
    'job started lesson-1',
    'job completed lesson-1',
    'job completed lesson-2',
  ]);
  expect(events[0]!.at).toBe(Date.parse('2026-11-26T06:00:00.000Z'));
  expect([...running.get('box-worker-0-100')!]).toEqual(['lesson-1']);
  expect(running.get('box-worker-1-200')!.size).toBe(0);
});

test('spread keeps every request once and mixes the flows from the start', () => {
  const planned = [
    ...Array<string>(30).fill('profile'),
    ...Array<string>(36).fill('search'),
    ...Array<string>(8).fill('stats'),
    ...Array<string>(20).fill('update'),
  ];
  const spreadOut = spread(planned);
  expect([...spreadOut].sort()).toEqual([...planned].sort());
  expect(new Set(spreadOut.slice(0, 10)).size).toBeGreaterThanOrEqual(3);
});

test('the Markdown has one row a scenario, each figure named, pipes escaped', () => {
  const data: ChaosData = {
    date: '2026-11-26T06:00:00.000Z',
    commit: 'abc1234',
    machine: '2 × test CPU, 4 GB',
    versions: { node: 'v24.21.0' },
    durationSeconds: 331.4,
    settings: { 'mix rate': '40 req/s', reloads: 10 },
    rows: [
      {
        id: '1',
        scenario: 'Redis killed',
        fault: 'SIGKILL, 30 s down',
        figures: [
          { name: '5xx during the outage', value: '0.0 % (0 of 1200)' },
          { name: 'acknowledged jobs lost', value: '0 of 12' },
        ],
      },
      { id: '3', scenario: 'SIGTERM | reloads', fault: 'SIGTERM', figures: [{ name: 'failed requests', value: '0.1 % (1 of 1000)' }] },
    ],
    timelines: {},
    statuses: {},
    failing: {},
    notes: ['A note.'],
  };
  const markdown = renderChaosMarkdown(data);
  expect(markdown).toContain('The run took 331 s.');
  expect(markdown).toContain('| 1 | Redis killed | SIGKILL, 30 s down | **5xx during the outage**: 0.0 % (0 of 1200)<br>**acknowledged jobs lost**: 0 of 12 |');
  expect(markdown).toContain('| 3 | SIGTERM \\| reloads |');
  expect(markdown.split('\n').filter((row) => /^\| \d /.test(row))).toHaveLength(2);
});
