import type { Registry } from 'prom-client';
import type { Logger } from '../logger';
import type { RedisHandle } from '../redis/redis';
import { withTimeout } from '../with-timeout';
import { mergeExposition, renderFamilies, type MetricFamily, type RenderedFamily } from './exposition';
import { totalsOf, type Bounds } from './window-totals';
import { WindowHistory, type WindowDelta, type WindowName } from './windows';

/** What each process publishes: its families pre-rendered, and its own window differences. */
export interface ProcessSnapshot {
  instanceId: string;
  role: string;
  at: number;
  families: RenderedFamily[];
  windows: Record<WindowName, WindowDelta>;
  bounds: Bounds;
}

export interface ClusterView {
  snapshots: ProcessSnapshot[];
  /** True when other processes could not be read (Redis down): only this process is shown. */
  partial: boolean;
}

export interface ClusterMetrics {
  readonly registry: Registry;
  /** The text exposition of every live process. */
  exposition(): Promise<string>;
  /** This process's fresh snapshot and every other live one, for the summary. */
  view(): Promise<ClusterView>;
  /** Publishes now and every interval. */
  start(): void;
  /** Stops publishing and withdraws this process's snapshot, so it leaves the view at once. */
  stop(): Promise<void>;
}

export interface ClusterMetricsOptions {
  registry: Registry;
  redis: RedisHandle | null;
  keyPrefix: string;
  instanceId: string;
  role: string;
  intervalMs: number;
  logger: Logger;
}

/** prom-client types `type` as its MetricType enum, whose values are the text format's type names. */
const familiesOf = async (registry: Registry): Promise<MetricFamily[]> => (await registry.getMetricsAsJSON()) as unknown as MetricFamily[];

/** A Redis call inside a scrape must not hold it: Prometheus would time the scrape out. */
const redisTimeoutMs = 500;

/** The live snapshots of the other processes (stale ones deleted); null when Redis cannot say. */
async function otherSnapshots(redis: RedisHandle | null, key: string, instanceId: string, staleMs: number, log: Logger): Promise<ProcessSnapshot[] | null> {
  if (redis === null || !redis.isReady()) return null;
  try {
    const entries = await withTimeout(redis.client.hgetall(key), redisTimeoutMs, 'metrics read');
    const oldest = Date.now() - staleMs;
    const live: ProcessSnapshot[] = [];
    const stale: string[] = [];
    for (const [id, json] of Object.entries(entries)) {
      if (id === instanceId) continue;
      const snapshot = JSON.parse(json) as ProcessSnapshot;
      if (snapshot.at >= oldest) live.push(snapshot);
      else stale.push(id);
    }
    if (stale.length > 0) void redis.client.hdel(key, ...stale).catch(() => undefined);
    return live;
  } catch (error) {
    log.debug({ err: error }, 'metrics of other processes unavailable; answering with this process only');
    return null;
  }
}

/**
 * The whole deployment in one scrape, whichever process answers.
 *
 * Why Redis snapshots: prom-client's AggregatorRegistry needs the `node:cluster` primary, and
 * under PM2 that primary is PM2's own daemon (prom-client #165, #239); compose replicas share
 * no primary at all. Every process (API and worker) already shares Redis, so each writes its
 * registry, rendered, into one hash every `intervalMs`, and `/metrics` on any process returns
 * its own fresh series plus every other live snapshot, each series labelled with its
 * `instance_id` and never summed (a restarted process must look like a new series, not a
 * counter reset).
 *
 * Failure modes:
 * - Redis down: nothing can be published or read; the answer holds this process's series only,
 *   with `metrics_view_partial 1`. Other processes' series are missing, not frozen.
 * - A process that dies without stopping (SIGKILL, crash) leaves its entry behind; entries older
 *   than 3 intervals (at most 30 s) are left out and deleted, and the whole hash expires when
 *   nobody publishes. A process that stops cleanly (`pm2 reload`) withdraws its entry at once.
 * - Other processes' series are up to one interval old; counters stay monotonic per process.
 * - Two scrapes may be answered by different processes: each series comes from its own process
 *   either way, so only freshness, not identity, changes between answers.
 */
export function createClusterMetrics(options: ClusterMetricsOptions): ClusterMetrics {
  const { registry, redis, instanceId, role, intervalMs, logger } = options;
  const key = `${options.keyPrefix}metrics:processes`;
  const staleMs = 3 * intervalMs;
  const history = new WindowHistory();
  const log = logger.child({ component: 'metrics' });
  let timer: NodeJS.Timeout | null = null;

  /** `record`: keep these totals as a sample of the window history (at publish times only). */
  async function ownSnapshot(record: boolean): Promise<ProcessSnapshot> {
    const families = await familiesOf(registry);
    const { totals, bounds } = totalsOf(families);
    if (record) history.record(totals);
    return { instanceId, role, at: Date.now(), families: renderFamilies(families), windows: history.windows(totals), bounds };
  }

  async function publish(): Promise<void> {
    const snapshot = await ownSnapshot(true);
    if (redis === null || !redis.isReady()) return;
    await withTimeout(redis.client.multi().hset(key, instanceId, JSON.stringify(snapshot)).pexpire(key, staleMs).exec(), redisTimeoutMs, 'metrics publish');
  }

  async function view(): Promise<ClusterView> {
    const [own, rest] = await Promise.all([ownSnapshot(false), otherSnapshots(redis, key, instanceId, staleMs, log)]);
    return { snapshots: [own, ...(rest ?? [])], partial: rest === null };
  }

  return {
    registry,
    view,
    async exposition() {
      const { snapshots, partial } = await view();
      const viewFamilies: RenderedFamily[] = [
        {
          name: 'metrics_view_partial',
          help: '1 when the answering process could not read the other processes (Redis down).',
          type: 'gauge',
          samples: `metrics_view_partial ${partial ? 1 : 0}\n`,
        },
        {
          name: 'metrics_view_processes',
          help: 'Processes whose series this answer holds.',
          type: 'gauge',
          samples: `metrics_view_processes ${snapshots.length}\n`,
        },
      ];
      return mergeExposition([viewFamilies, ...snapshots.map((snapshot) => snapshot.families)]);
    },
    start() {
      const tick = (): void => {
        publish().catch((error: unknown) => log.debug({ err: error }, 'metrics publish failed'));
      };
      tick();
      timer = setInterval(tick, intervalMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      if (redis?.isReady()) await withTimeout(redis.client.hdel(key, instanceId), redisTimeoutMs, 'metrics withdraw').catch(() => undefined);
    },
  };
}
