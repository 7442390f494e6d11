import { quantile } from '../../src/components/metrics/summary';
import type { Totals } from '../../src/infra/metrics/window-totals';
import { WindowHistory } from '../../src/infra/metrics/windows';

const totals = (count: number, hits: number, waiting: number): Totals => ({
  http: { 'GET /api/profiles/:id': { count, errors: 0, buckets: [count, count] } },
  cache: { profile: { hits, misses: 0 } },
  gauges: { 'queue_jobs:lesson-generation:waiting': waiting },
});

describe('window history', () => {
  it('gives differences over the last 1 and 5 minutes, and the highest gauge seen in each', () => {
    const start = 1_000_000;
    const history = new WindowHistory(start);
    history.record(totals(100, 10, 500), start + 60_000);
    history.record(totals(400, 40, 5), start + 4 * 60_000);
    const now = start + 5 * 60_000;
    const windows = history.windows(totals(460, 46, 7), now);

    expect(windows['1m'].seconds).toBe(60);
    expect(windows['1m'].http['GET /api/profiles/:id']?.count).toBe(60);
    expect(windows['1m'].cache.profile?.hits).toBe(6);
    expect(windows['1m'].gauges['queue_jobs:lesson-generation:waiting']).toBe(7);
    expect(windows['5m'].seconds).toBe(300);
    expect(windows['5m'].http['GET /api/profiles/:id']?.count).toBe(460);
    expect(windows['5m'].gauges['queue_jobs:lesson-generation:waiting']).toBe(500);
  });

  it('covers only the time since start in a process younger than the window', () => {
    const history = new WindowHistory(0);
    expect(history.windows(totals(30, 0, 0), 30_000)['5m']).toMatchObject({ seconds: 30 });
  });
});

describe('quantile from cumulative buckets', () => {
  it('interpolates inside the bucket holding the rank, as histogram_quantile', () => {
    expect(quantile(0.5, [0.1, 0.5, Infinity], [0, 100, 100])).toBeCloseTo(0.3);
    expect(quantile(0.95, [0.5, 1, Infinity], [0, 100, 100])).toBeCloseTo(0.975);
    expect(quantile(0.99, [0.5, 1, Infinity], [0, 0, 10])).toBe(1);
    expect(quantile(0.5, [0.5, Infinity], [0, 0])).toBeNull();
  });
});
