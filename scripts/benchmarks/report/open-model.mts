/**
 * Fixed arrival rate with autocannon (`overallRate`), so a slow server cannot slow the
 * generator down. Coordinated omission: autocannon times each request from when it is sent,
 * and a connection waits for its answer before sending again, so a stalled server would make
 * the generator send less and hide the stall. Against that, (1) the connections are many (one
 * per 5 requests/s: a connection falls behind only when answers take over 200 ms), and (2)
 * every request the schedule asked for but that was not sent is counted as dropped and
 * reported next to the percentiles, never silently skipped.
 */
import autocannon from 'autocannon';
import { percentile as rawPercentile } from '../bench-kit.mts';

/** Milliseconds to 0.1 ms: finer is noise. */
const percentile = (sorted: number[], p: number): number => Math.round(rawPercentile(sorted, p) * 10) / 10;

export interface PlannedRequest {
  method: 'GET' | 'POST' | 'PATCH';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface OpenModelResult {
  rate: number;
  seconds: number;
  sent: number;
  dropped: number;
  failed: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Answers by status code. */
  statuses: Record<string, number>;
  /** Latency percentiles per second of the run. */
  perSecond: { p50Ms: number; p95Ms: number; p99Ms: number; count: number }[];
}

export async function openModel(port: number, requests: PlannedRequest[], rate: number, seconds: number): Promise<OpenModelResult> {
  const started = Date.now();
  const buckets: number[][] = Array.from({ length: seconds + 1 }, () => []);
  const all: number[] = [];
  const statuses: Record<string, number> = {};
  let next = 0;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: `http://127.0.0.1:${port}`,
        connections: Math.max(10, Math.ceil(rate / 5)),
        overallRate: rate,
        duration: seconds,
        requests: [{ setupRequest: (request) => ({ ...request, ...requests[next++ % requests.length]! }) }],
      },
      (error: Error | null, finished) => (error ? reject(error) : resolve(finished)),
    );
    instance.on('response', (_client, status, _bytes, responseTime) => {
      statuses[status] = (statuses[status] ?? 0) + 1;
      all.push(responseTime);
      buckets[Math.min(seconds, Math.floor((Date.now() - started) / 1000))]!.push(responseTime);
    });
  });
  const sorted = (times: number[]): number[] => [...times].sort((a, b) => a - b);
  const every = sorted(all);
  return {
    rate,
    seconds,
    sent: result.requests.total,
    dropped: Math.max(0, rate * seconds - result.requests.total),
    failed: result.non2xx + result.errors + result.timeouts,
    p50Ms: percentile(every, 50),
    p95Ms: percentile(every, 95),
    p99Ms: percentile(every, 99),
    maxMs: Math.round((every.at(-1) ?? 0) * 10) / 10,
    statuses,
    perSecond: buckets.slice(0, seconds).map((bucket) => {
      const times = sorted(bucket);
      return { p50Ms: percentile(times, 50), p95Ms: percentile(times, 95), p99Ms: percentile(times, 99), count: times.length };
    }),
  };
}
