import type { ClusterView } from '../../infra/metrics/cluster-metrics';
import type { Bounds } from '../../infra/metrics/window-totals';
import { windowsMs, type WindowDelta, type WindowName } from '../../infra/metrics/windows';

export interface RouteSummary {
  method: string;
  route: string;
  requests: number;
  requestsPerSecond: number;
  /** Share of responses that were server errors (5xx). */
  errorRate: number;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
}

export interface WindowSummary {
  requestsPerSecond: number;
  errorRate: number;
  routes: RouteSummary[];
  cache: Record<string, { hits: number; misses: number; hitRate: number | null }>;
  /** Highest depth seen in the window, by queue and state. */
  queues: Record<string, Record<string, number>>;
  /** Highest pool use in the window: connections in use against the pool size, in the busiest process. */
  pool: { inUse: number; size: number; use: number; waiting: number };
  /** Highest event-loop p99 delay of any process in the window. */
  eventLoopLagP99Ms: number;
}

const round = (value: number, digits = 3): number => Number(value.toFixed(digits));

/** Prometheus's histogram_quantile: linear interpolation inside the bucket holding the rank. */
export function quantile(q: number, bounds: Bounds, cumulative: number[]): number | null {
  const total = cumulative[cumulative.length - 1] ?? 0;
  if (total === 0) return null;
  const rank = q * total;
  for (let index = 0; index < bounds.length; index++) {
    const count = cumulative[index] ?? 0;
    if (count < rank) continue;
    const upper = bounds[index]!;
    if (upper === Infinity) return bounds[index - 1] ?? null;
    const lower = index === 0 ? 0 : bounds[index - 1]!;
    const below = index === 0 ? 0 : (cumulative[index - 1] ?? 0);
    return lower + ((upper - lower) * (rank - below)) / Math.max(1, count - below);
  }
  return null;
}

function summarise(deltas: WindowDelta[], bounds: Bounds): WindowSummary {
  const routes = new Map<string, { requests: number; rate: number; errors: number; buckets: number[] }>();
  const cache: WindowSummary['cache'] = {};
  const queues: WindowSummary['queues'] = {};
  const pool = { inUse: 0, size: 0, use: 0, waiting: 0 };
  let lag = 0;
  for (const delta of deltas) {
    for (const [key, { count, errors, buckets }] of Object.entries(delta.http)) {
      const entry = routes.get(key) ?? { requests: 0, rate: 0, errors: 0, buckets: [] };
      entry.requests += count;
      entry.rate += count / delta.seconds;
      entry.errors += errors;
      buckets.forEach((value, index) => (entry.buckets[index] = (entry.buckets[index] ?? 0) + value));
      routes.set(key, entry);
    }
    for (const [kind, { hits, misses }] of Object.entries(delta.cache)) {
      const entry = (cache[kind] ??= { hits: 0, misses: 0, hitRate: null });
      entry.hits += hits;
      entry.misses += misses;
    }
    const gauges = delta.gauges;
    for (const [key, value] of Object.entries(gauges)) {
      const [family, queue, state] = key.split(':');
      if (family === 'queue_jobs' && queue && state) (queues[queue] ??= {})[state] = Math.max(queues[queue][state] ?? 0, value);
    }
    const inUse = gauges.db_pool_connections_in_use ?? 0;
    const size = gauges.db_pool_connections_max ?? 0;
    if (size > 0 && inUse / size >= pool.use) Object.assign(pool, { inUse, size, use: round(inUse / size) });
    pool.waiting = Math.max(pool.waiting, gauges.db_pool_checkouts_waiting ?? 0);
    lag = Math.max(lag, gauges.nodejs_eventloop_lag_p99_seconds ?? 0);
  }
  for (const entry of Object.values(cache)) entry.hitRate = entry.hits + entry.misses === 0 ? null : round(entry.hits / (entry.hits + entry.misses));
  const toMs = (seconds: number | null): number | null => (seconds === null ? null : round(seconds * 1000, 1));
  const routeSummaries = [...routes.entries()]
    .map(([key, { requests, rate, errors, buckets }]): RouteSummary => {
      const [method = '', route = ''] = key.split(' ');
      return {
        method,
        route,
        requests,
        requestsPerSecond: round(rate),
        errorRate: round(errors / requests),
        p50Ms: toMs(quantile(0.5, bounds, buckets)),
        p95Ms: toMs(quantile(0.95, bounds, buckets)),
        p99Ms: toMs(quantile(0.99, bounds, buckets)),
      };
    })
    .sort((a, b) => b.requests - a.requests);
  const requests = routeSummaries.reduce((sum, route) => sum + route.requests, 0);
  const errors = [...routes.values()].reduce((sum, route) => sum + route.errors, 0);
  return {
    requestsPerSecond: round(routeSummaries.reduce((sum, route) => sum + route.requestsPerSecond, 0)),
    errorRate: requests === 0 ? 0 : round(errors / requests),
    routes: routeSummaries,
    cache,
    queues,
    pool,
    eventLoopLagP99Ms: round(lag * 1000, 1),
  };
}

/** `/metrics/summary`: the cluster over the last 1 and 5 minutes, for people without Prometheus. */
export function buildSummary({ snapshots, partial }: ClusterView, now = Date.now()) {
  const bounds = snapshots.find((snapshot) => snapshot.bounds.length > 0)?.bounds ?? [];
  const windows = Object.fromEntries(
    (Object.keys(windowsMs) as WindowName[]).map((name) => [
      name,
      summarise(
        snapshots.map((snapshot) => snapshot.windows[name]),
        bounds,
      ),
    ]),
  ) as Record<WindowName, WindowSummary>;
  return {
    generatedAt: new Date(now).toISOString(),
    partial,
    processes: snapshots.map(({ instanceId, role, at }) => ({ instanceId, role, ageSeconds: round((now - at) / 1000, 1) })),
    windows,
  };
}
