import type { MetricFamily } from './exposition';

/** What the summary needs from one process at one moment: cumulative totals and current gauges. */
export interface Totals {
  /** Keyed by `METHOD route`. Buckets are cumulative counts in the histogram's `le` order. */
  http: Record<string, { count: number; errors: number; buckets: number[] }>;
  /** Keyed by cache kind. */
  cache: Record<string, { hits: number; misses: number }>;
  /** Gauges whose highest value over a window is worth showing (queue depth, pool use, lag). */
  gauges: Record<string, number>;
}

/** The histogram's upper bounds, the same in every process (one definition in http-metrics). */
export type Bounds = number[];

/** Gauges the summary reports. Only the queue gauge has several series per process. */
const summaryGauges = new Set([
  'queue_jobs',
  'db_pool_connections_in_use',
  'db_pool_connections_max',
  'db_pool_checkouts_waiting',
  'nodejs_eventloop_lag_p99_seconds',
]);

const gaugeKey = (family: string, labels: Record<string, string | number>): string =>
  family === 'queue_jobs' ? `${family}:${labels.queue}:${labels.state}` : family;

/** Reads the totals out of a registry's JSON; the bounds come back beside them. */
export function totalsOf(families: MetricFamily[]): { totals: Totals; bounds: Bounds } {
  const totals: Totals = { http: {}, cache: {}, gauges: {} };
  const bounds: Bounds = [];
  for (const family of families) {
    if (family.name === 'http_request_duration_seconds') {
      for (const { value, labels, metricName } of family.values) {
        const key = `${labels.method} ${labels.route}`;
        const entry = (totals.http[key] ??= { count: 0, errors: 0, buckets: [] });
        if (metricName === 'http_request_duration_seconds_bucket') {
          const le = labels.le === '+Inf' ? Infinity : Number(labels.le);
          let index = bounds.indexOf(le);
          if (index < 0) index = bounds.push(le) - 1;
          entry.buckets[index] = (entry.buckets[index] ?? 0) + (value ?? 0);
        } else if (metricName === 'http_request_duration_seconds_count') {
          entry.count += value ?? 0;
          if (labels.status_class === '5xx') entry.errors += value ?? 0;
        }
      }
    } else if (family.name === 'cache_operations_total') {
      for (const { value, labels } of family.values) {
        const entry = (totals.cache[String(labels.kind)] ??= { hits: 0, misses: 0 });
        if (labels.result === 'hit') entry.hits += value ?? 0;
        if (labels.result === 'miss') entry.misses += value ?? 0;
      }
    } else if (summaryGauges.has(family.name)) {
      for (const { value, labels } of family.values) totals.gauges[gaugeKey(family.name, labels)] = value ?? 0;
    }
  }
  return { totals, bounds };
}
