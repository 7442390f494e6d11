import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import type { ReportData } from '../../scripts/benchmarks/report/report-data.mts';
import { renderHtml, renderMarkdown } from '../../scripts/benchmarks/report/render-report.mts';
import { projectRoot } from '../support/servers';

/**
 * The HTML of `./scripts/bench report`, rendered from a small fixture (not the 15-minute
 * run) and opened in Debian's headless Chromium, offline: its charts must be drawn.
 */
jest.setTimeout(60_000);

const fixture: ReportData = {
  date: '2026-11-26',
  commit: 'abc1234',
  machine: '2 × test CPU, 4 GB',
  versions: { node: 'v24.21.0', nginx: '1.22.1' },
  durationSeconds: 600,
  generator: 'autocannon 9.0.0',
  rows: [
    { id: 'P1', compares: 'Express hello ÷ node:http hello', value: '0.61×', detail: '9,800 vs 16,000 req/s' },
    { id: 'P7', compares: '70 % of the maximum <rate>', value: 'p99 12 ms', detail: 'recovered in 4 s' },
  ],
  throughput: [
    { label: 'node:http hello', requestsPerSecond: 16000, p95Ms: 4 },
    { label: 'Express hello', requestsPerSecond: 9800, p95Ms: 6 },
  ],
  spike: Array.from({ length: 20 }, (_, second) => ({ second, targetRate: second >= 5 && second < 10 ? 400 : 200, sent: 200, p50Ms: 2, p95Ms: 5 + (second % 7), p99Ms: 9 + second })),
  mix: [
    { rate: 100, achieved: 100, p95Ms: 8, failed: 0 },
    { rate: 200, achieved: 199, p95Ms: 30, failed: 0 },
    { rate: 400, achieved: 310, p95Ms: 180, failed: 2 },
  ],
  server: {
    window: 'the last minute, ending at the end of the mix',
    routes: [
      { route: 'GET /api/profiles/:id', requests: 1200, requestsPerSecond: 20, p95Ms: 4.2, errorRate: 0 },
      { route: 'GET /api/search/<unmatched>', requests: 3, requestsPerSecond: 0.4, p95Ms: null, errorRate: 0.5 },
    ],
    cache: [{ kind: 'profile', hits: 990, misses: 10, hitRate: 0.99 }],
    eventLoopLagP99Ms: 11.3,
  },
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

test('the HTML report draws its three charts offline, from the inlined Chart.js', async () => {
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
  const drawn = await page.evaluate<{ id: string; points: number; painted: number }[]>(`
    [...document.querySelectorAll('canvas')].map((canvas) => {
      const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      let painted = 0;
      for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
      return { id: canvas.id, points: Chart.getChart(canvas)?.data.datasets[0]?.data.length ?? 0, painted };
    })`);
  expect(errors).toEqual([]);
  expect(requests).toEqual([pathToFileURL(file).href]);
  expect(drawn.map((chart) => [chart.id, chart.points])).toEqual([
    ['throughput', 2],
    ['spike', 20],
    ['mix', 3],
  ]);
  for (const chart of drawn) expect(chart.painted).toBeGreaterThan(1000);
});

test('the Markdown report has every row, and names are escaped in the HTML', () => {
  const markdown = renderMarkdown(fixture);
  expect(markdown).toContain('| P1 | Express hello ÷ node:http hello | 0.61× | 9,800 vs 16,000 req/s |');
  expect(markdown).toContain('| 400/s | 310/s | 180 ms | 2 |');
  expect(renderHtml(fixture, projectRoot)).toContain('70 % of the maximum &#60;rate&#62;');
});

test('the server-side figures from /metrics/summary: per-route p95, cache hit rate and event-loop lag, in both formats', () => {
  const markdown = renderMarkdown(fixture);
  expect(markdown).toContain('Event-loop lag p99 (the highest of any process): 11.3 ms.');
  expect(markdown).toContain('| GET /api/profiles/:id | 1200 | 20.0 | 4.2 ms | 0.0 % |');
  expect(markdown).toContain('| GET /api/search/<unmatched> | 3 | 0.4 | – | 50.0 % |');
  expect(markdown).toContain('| profile | 99.0 % | 990 | 10 |');
  const html = renderHtml(fixture, projectRoot);
  expect(html).toContain('<td>GET /api/search/&#60;unmatched&#62;</td><td>3</td>');
  expect(html).toContain('<td>profile</td><td>99.0 %</td>');
  expect(renderMarkdown({ ...fixture, server: undefined })).not.toContain('Server side');
});
