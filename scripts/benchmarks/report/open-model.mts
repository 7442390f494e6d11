/**
 * A fixed arrival rate, evenly paced (chaos/traffic.mts): a request leaves every 1/rate s
 * whatever the server does, so a slow server cannot slow the generator down, and a burst is
 * never made up by the generator itself.
 *
 * autocannon's `overallRate`, used here before, is not that: each connection sends its share
 * of a second back to back when its one-second interval restarts, so at 1,700 req/s over 343
 * connections the whole second's requests arrived within a few milliseconds and the last
 * waited most of a second: a p99 of 741–873 ms measured the generator's bursts, not the box.
 *
 * Coordinated omission: latency counts from when a request was due, not from when it left,
 * and a request due while `maxInFlight` were unanswered is counted as dropped, never skipped.
 */
import { percentile as rawPercentile } from '../bench-kit.mts';
import { startTraffic, type PlannedRequest } from '../chaos/traffic.mts';

export type { PlannedRequest };

/** Milliseconds to 0.1 ms: finer is noise. */
const percentile = (sorted: number[], p: number): number => Math.round(rawPercentile(sorted, p) * 10) / 10;

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
  /** Answers by status code (0: no answer). */
  statuses: Record<string, number>;
  /** Latency percentiles per second of the run, by when the requests were due. */
  perSecond: { p50Ms: number; p95Ms: number; p99Ms: number; count: number }[];
}

export async function openModel(port: number, requests: PlannedRequest[], rate: number, seconds: number): Promise<OpenModelResult> {
  const started = Date.now();
  const traffic = startTraffic(port, requests, rate, { timeoutMs: 30_000 });
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  await traffic.stop();
  const samples = traffic.samples.filter((sample) => sample.at < started + seconds * 1000);
  const statuses: Record<string, number> = {};
  for (const { status } of samples) statuses[status] = (statuses[status] ?? 0) + 1;
  const sorted = (times: number[]): number[] => [...times].sort((a, b) => a - b);
  const every = sorted(samples.map((sample) => sample.ms));
  const buckets: number[][] = Array.from({ length: seconds }, () => []);
  for (const sample of samples) buckets[Math.min(seconds - 1, Math.floor((sample.at - started) / 1000))]!.push(sample.ms);
  return {
    rate,
    seconds,
    sent: samples.length,
    dropped: traffic.dropped(),
    failed: samples.filter((sample) => sample.status < 200 || sample.status >= 300).length,
    p50Ms: percentile(every, 50),
    p95Ms: percentile(every, 95),
    p99Ms: percentile(every, 99),
    maxMs: every.at(-1) ?? 0,
    statuses,
    perSecond: buckets.map((bucket) => {
      const times = sorted(bucket);
      return { p50Ms: percentile(times, 50), p95Ms: percentile(times, 95), p99Ms: percentile(times, 99), count: times.length };
    }),
  };
}
