import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import type { OverloadRun, Shedding, SpikeFigures } from '../../scripts/benchmarks/overload/overload-data.mts';
import type { ReportData } from '../../scripts/benchmarks/report/report-data.mts';
import { renderHtml, renderMarkdown } from '../../scripts/benchmarks/report/render-report.mts';
import { projectRoot } from '../support/servers';

/**
 * The HTML of `./scripts/bench report`, rendered from a small fixture (not the 15-minute
 * run) and opened in Debian's headless Chromium, offline: its charts must be drawn.
 */
jest.setTimeout(60_000);

const kinds = { ok: 0, refused: 0, timeout: 0, connection: 0, generator: 0, other: 0 };

/** A spike from 70 % of a capacity of 1000/s: seconds 5–9 at `multiple` ×, 20 seconds in all. */
function spike(multiple: number, shedding: Shedding): SpikeFigures {
  const inSpike = (second: number): boolean => second >= 5 && second < 10;
  return {
    multiple,
    capacity: 1000,
    baseRate: 700,
    spikeRate: 1000 * multiple,
    spikeFrom: 5,
    spikeTo: 9.9,
    goodputMin: shedding === 'on' ? 950 : 400,
    goodputMean: shedding === 'on' ? 990 : 700,
    okP99Ms: shedding === 'on' ? 120 : 9000,
    refusedP99Ms: shedding === 'on' ? 3.5 : null,
    spikeKinds: { ...kinds, ok: 5000, refused: shedding === 'on' ? 5000 : 0 },
    kinds: { ...kinds, ok: 19000, refused: shedding === 'on' ? 5000 : 0, timeout: shedding === 'on' ? 0 : 12 },
    recoveredAfterSeconds: shedding === 'on' ? 0.1 : 6.1,
    afterSpike: { firstP99Ms: 150, slowSeconds: shedding === 'on' ? [] : [{ second: 15, sent: 700, p99Ms: 80 }] },
    live: { count: 200, failed: 0, p99Ms: 4, maxMs: shedding === 'on' ? 6 : 2400, over100Ms: shedding === 'on' ? 0 : 35 },
    restarts: 0,
    settledBefore: true,
    perSecond: Array.from({ length: 20 }, (_, second) => ({
      second,
      sent: inSpike(second) ? 1000 * multiple : 700,
      goodput: inSpike(second) ? 990 : 700,
      refused: inSpike(second) && shedding === 'on' ? 1000 * multiple - 990 : 0,
      // Without shedding, one slow second long after the spike.
      p99Ms: inSpike(second) ? 150 : shedding === 'off' && second === 15 ? 80 : 6,
      okP99Ms: inSpike(second) ? 120 + second : 5,
      refusedP99Ms: inSpike(second) && shedding === 'on' ? 3 : null,
      timeouts: 0,
      connectionErrors: 0,
      otherErrors: 0,
      liveMaxMs: 4,
    })),
  };
}

const run = (shedding: Shedding): OverloadRun => ({
  shedding,
  spikes: [spike(2, shedding), spike(4, shedding)],
  stall: { rate: 700, stallMs: 2000, p99Ms: 2100, kinds: { ...kinds, ok: 10500 }, settledBefore: true, recoveredAfterSeconds: shedding === 'on' ? 2 : null },
});

const probe = {
  seconds: 5,
  sent: 5000,
  dropped: 0,
  p50Ms: 2,
  p99Ms: 30,
  maxMs: 60,
  kinds: { ...kinds, ok: 5000 },
  cpu: null,
  passed: true,
  misses: [],
  confirming: false,
  settledBefore: true,
};

const fixture: ReportData = {
  date: '2026-11-26',
  commit: 'abc1234',
  machine: '2 × test CPU, 4 GB',
  versions: { node: 'v24.21.0', nginx: '1.22.1' },
  durationSeconds: 600,
  generator: 'autocannon 9.0.0',
  pinning: { pinned: 'pinned: the generator on CPU 0, the box on CPU 1', unpinned: 'unpinned: generator and box share CPUs 0-1' },
  rows: [
    { id: 'P1', pinning: 'pinned', compares: 'Express hello ÷ node:http hello', value: '0.61×', detail: '9,800 vs 16,000 req/s' },
    { id: 'P7', pinning: 'pinned', compares: '70 % of the maximum <rate>', value: 'p99 12 ms', detail: 'recovered in 4 s' },
  ],
  throughput: [
    { label: 'node:http hello', pinning: 'pinned', requestsPerSecond: 16000, p95Ms: 4 },
    { label: 'Express hello', pinning: 'pinned', requestsPerSecond: 9800, p95Ms: 6 },
    { label: 'node:http hello', pinning: 'unpinned', requestsPerSecond: 17000, p95Ms: 4 },
    { label: 'Express hello', pinning: 'unpinned', requestsPerSecond: 10100, p95Ms: 6 },
  ],
  overload: [
    {
      mode: 'pinned',
      pinning: 'pinned: the generator on CPU 0, the box on CPU 1',
      capacity: {
        stack: {
          rate: 1000,
          probes: [
            { ...probe, rate: 1000 },
            { ...probe, rate: 2000, p99Ms: 900, passed: false, misses: ['p99'] },
            { ...probe, rate: 1000, seconds: 30, confirming: true },
          ],
        },
        // Faster, the generator could not keep the schedule: the bare cluster's capacity is at least this.
        bare: {
          rate: 2500,
          probes: [
            { ...probe, rate: 5000, dropped: 900, passed: false, misses: ['never sent'] },
            { ...probe, rate: 2500, seconds: 30, confirming: true },
          ],
        },
        bareBehindEdge: { rate: 1600, probes: [{ ...probe, rate: 1600, seconds: 30, confirming: true }] },
        stackShedding: 'on',
      },
      ratio: 0.4,
      atSeventy: { rate: 700, seconds: 30, sent: 21000, dropped: 0, p50Ms: 2, p99Ms: 14, maxMs: 40, kinds: { ...kinds, ok: 21000 }, cpu: null },
      runs: [run('on'), run('off')],
    },
  ],
  mix: [
    { pinning: 'pinned', rate: 100, seconds: 10, confirming: false, achieved: 100, p95Ms: 8, fiveXx: 0, failed: 0, held: true },
    { pinning: 'pinned', rate: 400, seconds: 10, confirming: false, achieved: 310, p95Ms: 180, fiveXx: 2, failed: 2, held: false },
    { pinning: 'pinned', rate: 200, seconds: 60, confirming: true, achieved: 199, p95Ms: 30, fiveXx: 0, failed: 0, held: true },
  ],
  servers: [
    {
      pinning: 'pinned',
      window: 'the last minute, ending at the end of the mix',
      routes: [
        { route: 'GET /api/profiles/:id', requests: 1200, requestsPerSecond: 20, p95Ms: 4.2, errorRate: 0 },
        { route: 'GET /api/search/<unmatched>', requests: 3, requestsPerSecond: 0.4, p95Ms: null, errorRate: 0.5 },
      ],
      cache: [{ kind: 'profile', hits: 990, misses: 10, hitRate: 0.99 }],
      eventLoopLagP99Ms: 11.3,
    },
  ],
  notes: ['fixture'],
};

let browser: Browser;
const folder = mkdtempSync(join(tmpdir(), 'ep-report-'));

beforeAll(async () => {
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
});

afterAll(async () => {
  await browser?.close();
  rmSync(folder, { recursive: true, force: true });
});

test('the HTML report draws its charts offline, from the inlined Chart.js: throughput, goodput and p99 through each 2× spike, the mix', async () => {
  const file = join(folder, 'report.html');
  writeFileSync(file, renderHtml(fixture, projectRoot));
  const page = await browser.newPage();
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('request', (request) => requests.push(request.url()));
  await page.goto(pathToFileURL(file).href);

  // Per canvas: a Chart.js chart is bound to it, with its data points laid out, and pixels painted.
  // (A string: this project's types have no DOM.)
  const drawn = await page.evaluate<{ id: string; points: number; datasets: string[]; painted: number }[]>(`
    [...document.querySelectorAll('canvas')].map((canvas) => {
      const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      let painted = 0;
      for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
      const chart = Chart.getChart(canvas);
      return { id: canvas.id, points: chart?.data.datasets[0]?.data.length ?? 0, datasets: chart?.data.datasets.map((dataset) => dataset.label) ?? [], painted };
    })`);
  expect(errors).toEqual([]);
  expect(requests).toEqual([pathToFileURL(file).href]);
  expect(drawn.map((chart) => [chart.id, chart.points])).toEqual([
    ['throughput', 2],
    ['spike-0', 20],
    ['spike-1', 20],
    // The short runs: the confirming run is left out of the chart.
    ['mix', 2],
  ]);
  for (const chart of drawn) expect(chart.painted).toBeGreaterThan(1000);
  // A dataset per pinning; through each spike, goodput and the p99 of the 2xx second by second.
  expect(drawn[0]!.datasets).toEqual(['requests/s, pinned', 'requests/s, unpinned']);
  expect(drawn[1]!.datasets).toEqual(['goodput (2xx/s)', 'refused/s', 'sent/s', 'capacity', 'p99 of the 2xx, ms']);
});

test('the overload section: capacity by latency, P7, the goals per shedding setting, the 2× spike second by second', () => {
  const markdown = renderMarkdown(fixture);
  expect(markdown).toContain(
    "| the bare node:http cluster ×2, straight from the generator | ≥ 2500/s (the generator's limit: faster, it could not send on schedule) | 30 ms | 5000 ✗ never sent, 2500 (30 s) ✓ |",
  );
  expect(markdown).toContain('| 1000/s | 30 ms | 1000 ✓, 2000 ✗ p99, 1000 (30 s) ✓ |');
  expect(markdown).toContain(
    '| capacity ratio (the stack ÷ the bare node:http cluster) ≥ 0.35 | ≤ 0.40× not known (an upper bound: the generator capped the bare cluster) |',
  );
  expect(markdown).toContain('| the same bare cluster behind the same Nginx, shedding on (in-flight bound at Nginx) | 1600/s | 30 ms | 1600 (30 s) ✓ |');
  expect(markdown).toContain(
    '| what Nginx leaves: the bare cluster behind it ÷ straight (the highest ratio any API behind this Nginx could reach) | ≤ 0.64× (1600 ÷ 2500) |',
  );
  expect(markdown).toContain('| what the stack keeps of that: the stack ÷ the bare cluster behind the same Nginx | 0.63× (1000 ÷ 1600) |');
  expect(markdown).toContain('| p99 ≤ 20 ms at 70 % of capacity (700/s for 30 s) | p50 2 ms, p99 14 ms, 0 not 2xx ✓ |');
  expect(markdown).toContain('| goal | shedding on (in-flight bound at Nginx) | shedding off |');
  expect(markdown).toContain('| 2×: p99 of the 2xx ≤ 250 ms | 120 ms ✓ | 9000 ms ✗ |');
  expect(markdown).toContain('| 2×: refused answered in p99 ≤ 50 ms | 3.5 ms (5000 refused) ✓ | none refused ✓ |');
  expect(markdown).toContain(
    '| 2×: 0 timeouts, 0 connection errors (other answers: neither 2xx nor a refusal) | 0 timeouts, 0 connection errors (other: 0) ✓ | 12 timeouts, 0 connection errors (other: 0) ✗ |',
  );
  expect(markdown).toContain(
    '| 2×: p99 back ≤ 50 ms within 5 s after the spike | after 0.1 s (second 9, when the spike ends: p99 of every answer 150 ms) ✓ | ' +
      'after 6.1 s (second 9, when the spike ends: p99 of every answer 150 ms; later seconds over 50 ms: 15 (80 ms)) ✗ |',
  );
  expect(markdown).toContain(
    '| 4× capacity for 5 s: /live (every 100 ms, through Nginx) within 100 ms throughout | slowest 6 ms, p99 4 ms; 0 of 200 over 100 ms or failed ✓ | slowest 2400 ms, p99 4 ms; 35 of 200 over 100 ms or failed ✗ |',
  );
  expect(markdown).toContain(
    '| a 2 s stall of both API processes at 70 %: recovered (every later second p99 ≤ 100 ms) within 5 s | after 2.0 s ✓ | not within the run ✗ |',
  );
  expect(markdown).toContain('| second | phase | on: sent | on: 2xx/s | on: refused/s | on: p99 2xx | on: timeouts + errors | off: sent |');
  expect(markdown).toContain('| 5 | 2× | 2000 | 990 | 1010 | 125 ms | 0 | 2000 | 990 | 0 | 125 ms | 0 |');
  expect(markdown).toContain('| 4 | 70 % | 700 |');
  expect(markdown).toContain('| 10 | after | 700 |');
  expect(renderHtml(fixture, projectRoot)).toContain('<td>2×: p99 of the 2xx ≤ 250 ms</td><td>120 ms ✓</td><td>9000 ms ✗</td>');
});

test('a ratio over a capacity the generator capped reads as a bound: ≥ when it capped the numerator, ? when both', () => {
  const [figures] = fixture.overload;
  const cappedBehindEdge = { rate: 1600, probes: [{ ...probe, rate: 3200, dropped: 900, passed: false, misses: ['never sent' as const] }] };
  const markdown = renderMarkdown({ ...fixture, overload: [{ ...figures!, capacity: { ...figures!.capacity, bareBehindEdge: cappedBehindEdge } }] });
  expect(markdown).toContain(
    '| what Nginx leaves: the bare cluster behind it ÷ straight (the highest ratio any API behind this Nginx could reach) | ? 0.64× (1600 ÷ 2500) |',
  );
  expect(markdown).toContain('| what the stack keeps of that: the stack ÷ the bare cluster behind the same Nginx | ≤ 0.63× (1000 ÷ 1600) |');
  const bareHeld = { rate: 2500, probes: [{ ...probe, rate: 2500, seconds: 30, confirming: true }] };
  const onlyNumerator = renderMarkdown({
    ...fixture,
    overload: [{ ...figures!, capacity: { ...figures!.capacity, bare: bareHeld, bareBehindEdge: cappedBehindEdge } }],
  });
  expect(onlyNumerator).toContain(
    '| what Nginx leaves: the bare cluster behind it ÷ straight (the highest ratio any API behind this Nginx could reach) | ≥ 0.64× (1600 ÷ 2500) |',
  );
});

test('the Markdown report has every row, and names are escaped in the HTML', () => {
  const markdown = renderMarkdown(fixture);
  expect(markdown).toContain('| P1 | pinned | Express hello ÷ node:http hello | 0.61× | 9,800 vs 16,000 req/s |');
  expect(markdown).toContain('| pinned | 400/s | 10 s | 310/s | 180 ms | 2 | 2 | ✗ |');
  expect(markdown).toContain('| pinned | 200/s | 60 s, confirming | 199/s | 30 ms | 0 | 0 | ✓ |');
  expect(markdown).toContain('- unpinned: generator and box share CPUs 0-1');
  expect(renderHtml(fixture, projectRoot)).toContain('70 % of the maximum &#60;rate&#62;');
});

test('the server-side figures from /metrics/summary: per-route p95, cache hit rate and event-loop lag, in both formats', () => {
  const markdown = renderMarkdown(fixture);
  expect(markdown).toContain('## Server side (/metrics/summary), pinned');
  expect(markdown).toContain('Event-loop lag p99 (the highest of any process): 11.3 ms.');
  expect(markdown).toContain('| GET /api/profiles/:id | 1200 | 20.0 | 4.2 ms | 0.0 % |');
  expect(markdown).toContain('| GET /api/search/<unmatched> | 3 | 0.4 | – | 50.0 % |');
  expect(markdown).toContain('| profile | 99.0 % | 990 | 10 |');
  const html = renderHtml(fixture, projectRoot);
  expect(html).toContain('<td>GET /api/search/&#60;unmatched&#62;</td><td>3</td>');
  expect(html).toContain('<td>profile</td><td>99.0 %</td>');
  expect(renderMarkdown({ ...fixture, servers: [] })).not.toContain('Server side');
});
