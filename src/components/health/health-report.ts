import { cacheKinds, type Cache } from '../../infra/cache/cache';
import type { Config } from '../../infra/config/config';
import type { Database } from '../../infra/db/database';
import type { RateLimitMode } from '../../infra/rate-limit/failover-store';
import { errorText } from '../../infra/error-text';
import type { RedisHandle } from '../../infra/redis/redis';
import type { HealthCheck, HealthStatus } from './health-check';
import { queueChecks, type QueueCheckDependencies } from './queue-checks';
import { replicationCheck } from './replication-check';
import { eventLoopLag, memoryUsage } from './runtime-metrics';

export interface HealthReport {
  status: HealthStatus;
  version: string;
  releaseId: string;
  serviceId: string;
  instanceId: string;
  description: string;
  checks: Record<string, HealthCheck[]>;
}

export interface HealthDependencies extends QueueCheckDependencies {
  config: Pick<Config, 'version' | 'instanceId' | 'health' | 'queues' | 'redis'>;
  database: Database;
  redis: RedisHandle | null;
  cache: Cache;
  rateLimitMode: RateLimitMode;
  /** This process's job event streams and the Redis event listeners they hold. */
  eventStreams: { open(): number; listeners(): number };
  stopping: () => boolean;
}

const dependencyTimeoutMs = 1000;

function worst(statuses: HealthStatus[]): HealthStatus {
  if (statuses.includes('fail')) return 'fail';
  return statuses.includes('warn') ? 'warn' : 'pass';
}

async function mongoCheck(database: Database, time: string): Promise<HealthCheck> {
  const base = { componentType: 'datastore' as const, time, capabilities: database.capabilities(), pool: database.pool() };
  try {
    const latency = await database.ping(dependencyTimeoutMs);
    return { ...base, status: 'pass', observedValue: Math.round(latency * 100) / 100, observedUnit: 'ms' };
  } catch (error) {
    return { ...base, status: 'fail', output: errorText(error) };
  }
}

async function redisCheck(redis: RedisHandle | null, time: string): Promise<HealthCheck> {
  if (redis === null) {
    return { componentType: 'datastore', time, status: 'warn', output: 'not configured: no cache, per-process rate limits' };
  }
  try {
    const latency = await redis.ping(dependencyTimeoutMs);
    return { componentType: 'datastore', time, status: 'pass', observedValue: Math.round(latency * 100) / 100, observedUnit: 'ms' };
  } catch (error) {
    return { componentType: 'datastore', time, status: 'warn', output: `unreachable, degraded mode: ${errorText(error)}` };
  }
}

/** Limits are shared only while Redis answers; the stores also report a failed merge. */
function rateLimitCheck(deps: HealthDependencies, time: string): HealthCheck {
  const shared = deps.redis !== null && deps.redis.isReady() && deps.rateLimitMode.isShared();
  return {
    componentType: 'component',
    time,
    status: shared ? 'pass' : 'warn',
    observedValue: shared ? 'redis (shared)' : 'per-process memory (fallback)',
  };
}

/** This process's hit rate since start: answered from Redis out of all lookups. */
function cacheCheck(deps: HealthDependencies, redisStatus: HealthStatus, time: string): HealthCheck {
  const counters = deps.cache.counters();
  const totals = cacheKinds.reduce((sum, kind) => ({ hits: sum.hits + counters[kind].hits, misses: sum.misses + counters[kind].misses }), {
    hits: 0,
    misses: 0,
  });
  const lookups = totals.hits + totals.misses;
  return {
    componentType: 'component',
    time,
    status: redisStatus === 'pass' ? 'pass' : 'warn',
    observedValue: lookups === 0 ? 0 : Math.round((totals.hits / lookups) * 1000) / 10,
    observedUnit: 'percent of lookups (this process)',
    byKind: counters,
  };
}

/**
 * The costly part of a report: what the dependencies answered (round trips to each), and the
 * process's memory and event-loop lag (reading the resident set size is a system call).
 */
export interface DependencyChecks {
  mongo: HealthCheck;
  redis: HealthCheck;
  /** The master and its replicas, when there is a Redis. */
  replication: HealthCheck | null;
  queues: Record<string, HealthCheck[]>;
  memory: ReturnType<typeof memoryUsage>;
  lag: ReturnType<typeof eventLoopLag>;
}

/** Runs every dependency check in parallel; a slow dependency costs at most `dependencyTimeoutMs`. */
export async function checkDependencies(deps: HealthDependencies): Promise<DependencyChecks> {
  const time = new Date().toISOString();
  const [mongo, redis, replication, queues] = await Promise.all([
    mongoCheck(deps.database, time),
    redisCheck(deps.redis, time),
    deps.redis ? replicationCheck(deps.redis, deps.queues?.lessons.acknowledgement ?? null, time, dependencyTimeoutMs) : null,
    queueChecks(deps, time, dependencyTimeoutMs),
  ]);
  return { mongo, redis, replication, queues, memory: memoryUsage(), lag: eventLoopLag() };
}

/** The report: the dependencies' answers with this process's own figures as they are now. */
export function buildHealthReport(deps: HealthDependencies, { mongo, redis, replication, queues, memory, lag }: DependencyChecks): HealthReport {
  const time = new Date().toISOString();
  const pool = deps.database.pool();
  const checks: Record<string, HealthCheck[]> = {
    'mongodb:responseTime': [mongo],
    'mongodb:connections': [
      {
        componentType: 'datastore',
        time,
        status: pool.inUse > 0.8 * pool.max ? 'warn' : 'pass',
        observedValue: pool.inUse,
        observedUnit: 'connections in use',
        ...pool,
      },
    ],
    'redis:responseTime': [redis],
    ...(replication ? { 'redis:replication': [replication] } : {}),
    'memory:utilization': [
      {
        componentType: 'system',
        time,
        status: memory.ratio > deps.config.health.memoryWarnRatio ? 'warn' : 'pass',
        observedValue: Math.round(memory.ratio * 1000) / 10,
        observedUnit: 'percent of heap limit',
        heapUsedBytes: memory.heapUsed,
        heapLimitBytes: memory.heapLimit,
        rssBytes: memory.rss,
      },
    ],
    'eventloop:lag': [
      {
        componentType: 'system',
        time,
        status: lag.p99 > deps.config.health.eventLoopLagWarnMs ? 'warn' : 'pass',
        observedValue: Math.round(lag.p99 * 100) / 100,
        observedUnit: 'ms (p99)',
        maxMs: Math.round(lag.max * 100) / 100,
      },
    ],
    'cache:hitRate': [cacheCheck(deps, redis.status, time)],
    'rateLimit:store': [rateLimitCheck(deps, time)],
    'events:streams': [
      {
        componentType: 'component',
        time,
        status: 'pass',
        observedValue: deps.eventStreams.open(),
        observedUnit: 'open streams (this process)',
        listeners: deps.eventStreams.listeners(),
      },
    ],
    ...queues,
    uptime: [{ componentType: 'system', time, status: 'pass', observedValue: Math.round(process.uptime()), observedUnit: 's' }],
    'process:lifecycle': [
      { componentType: 'component', time, status: deps.stopping() ? 'fail' : 'pass', observedValue: deps.stopping() ? 'stopping' : 'serving' },
    ],
  };
  return {
    status: worst(Object.values(checks).flatMap((entries) => entries.map((entry) => entry.status))),
    version: deps.config.version.split('.')[0] ?? '0',
    releaseId: deps.config.version,
    serviceId: 'english-practice-api',
    instanceId: deps.config.instanceId,
    description: 'English Practice backend API',
    checks,
  };
}
