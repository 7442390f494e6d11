import { endpointRows, failedThresholds, htmlReport, textReport, type SummaryData } from '../../load/summary.js';

/** The shape of k6's handleSummary data, cut to what the reports read. */
const data: SummaryData = {
  state: { testRunDurationMs: 30_000 },
  metrics: {
    http_reqs: { type: 'counter', values: { count: 600, rate: 20 } },
    http_req_failed: { type: 'rate', values: { rate: 0.02 }, thresholds: { 'rate<0.01': { ok: false } } },
    checks: { type: 'rate', values: { rate: 1 }, thresholds: { 'rate>0.99': { ok: true } } },
    'http_req_duration{name:GET /api/stats}': {
      type: 'trend',
      values: { 'p(95)': 12.5, 'p(99)': 30 },
      thresholds: { 'p(95)<100': { ok: true }, 'p(99)<250': { ok: true } },
    },
    'http_req_duration{name:POST /api/lessons}': {
      type: 'trend',
      values: { 'p(95)': 240, 'p(99)': 900 },
      thresholds: { 'p(95)<200': { ok: false }, 'p(99)<500': { ok: false } },
    },
  },
};

test('endpoints slowest first, with their budget verdicts; failed thresholds listed', () => {
  expect(endpointRows(data)).toEqual([
    { name: 'POST /api/lessons', p95: 240, p99: 900, ok: false },
    { name: 'GET /api/stats', p95: 12.5, p99: 30, ok: true },
  ]);
  expect(failedThresholds(data)).toEqual([
    'http_req_failed: rate<0.01',
    'http_req_duration{name:POST /api/lessons}: p(95)<200',
    'http_req_duration{name:POST /api/lessons}: p(99)<500',
  ]);
});

test('the text and HTML reports carry the headline and each endpoint, names escaped in HTML', () => {
  const text = textReport(data, 'smoke');
  expect(text).toContain('scenario smoke: 600 requests in 30 s (20.0/s), failed 2.00 %, checks 100.00 %');
  expect(text).toMatch(/POST \/api\/lessons\s+240\.0 ms\s+900\.0 ms\s+OVER/);
  const html = htmlReport(data, 'smoke');
  expect(html).toContain('<tr class="over"><td>POST /api/lessons</td>');
  expect(html).toContain('http_req_duration{name:POST /api/lessons}: p(95)&#60;200');
});
