import { Counter, Gauge, type Registry } from 'prom-client';
import { cacheKinds, type Cache } from '../cache/cache';
import type { Database } from '../db/database';
import { connectionUses } from '../redis/connections';
import type { RedisHandle } from '../redis/redis';

export interface DependencyMetricsSources {
  redis: RedisHandle | null;
  database: Database;
  cache: Cache;
}

const cacheResults = { hits: 'hit', localHits: 'local_hit', misses: 'miss', loads: 'load', coalesced: 'coalesced', errors: 'error' } as const;

/**
 * Redis and database reachability, the database pool and the cache's counters, read when
 * the registry is collected: the request path pays nothing for them, and the cache keeps
 * its own counters (metrics only read them).
 */
export function registerDependencyMetrics(registry: Registry, { redis, database, cache }: DependencyMetricsSources): void {
  const registers = [registry];
  new Gauge({
    name: 'redis_up',
    help: '1 when this process is connected to Redis; 0 also when none is configured.',
    registers,
    collect() {
      this.set(redis?.isReady() ? 1 : 0);
    },
  });
  registerRedisTopologyMetrics(registry, redis);
  new Gauge({
    name: 'database_up',
    help: '1 when this process reaches the database and its last ping answered.',
    registers,
    collect() {
      this.set(database.isConnected() ? 1 : 0);
    },
  });
  const pool = (name: string, help: string, read: (statistics: ReturnType<Database['pool']>) => number): Gauge =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(read(database.pool()));
      },
    });
  pool('db_pool_connections_in_use', 'Database connections checked out of the pool.', (statistics) => statistics.inUse);
  pool('db_pool_connections_open', 'Database connections open in the pool.', (statistics) => statistics.open);
  pool('db_pool_connections_max', 'Largest size the pool may grow to (MONGODB_POOL_MAX).', (statistics) => statistics.max);
  pool('db_pool_checkouts_waiting', 'Operations waiting for a pool connection.', (statistics) => statistics.waiting);
  new Counter({
    name: 'cache_operations_total',
    help: "Cache reads by kind and result: hit, local_hit (of the hits, from the process's memory), miss, load (the database was read), coalesced (joined a load in flight), error (Redis failed).",
    labelNames: ['kind', 'result'],
    registers,
    collect() {
      const counters = cache.counters();
      this.reset();
      for (const kind of cacheKinds) {
        for (const [field, result] of Object.entries(cacheResults) as [keyof typeof cacheResults, string][]) this.inc({ kind, result }, counters[kind][field]);
      }
    },
  });
}

/** Replicas, failovers and reconnections as this process sees them (connections.ts, topology.ts). */
function registerRedisTopologyMetrics(registry: Registry, redis: RedisHandle | null): void {
  if (redis === null) return;
  const registers = [registry];
  new Gauge({
    name: 'redis_replicas',
    help: 'Replicas of the Redis master: connected (in sync, as the master says), healthy (could be promoted, as Sentinel says) and known (by Sentinel, down ones too; standalone: connected).',
    labelNames: ['state'],
    registers,
    collect() {
      const topology = redis.topology.current();
      this.reset();
      if (topology === null) return;
      if (topology.connectedReplicas !== null) this.set({ state: 'connected' }, topology.connectedReplicas);
      this.set({ state: 'healthy' }, topology.healthyReplicas);
      this.set({ state: 'known' }, topology.knownReplicas);
    },
  });
  new Counter({
    name: 'redis_failovers_total',
    help: 'Times this process found the Redis master at a new address (a failover it followed).',
    registers,
    collect() {
      this.reset();
      this.inc(redis.connections.stats().failovers);
    },
  });
  new Counter({
    name: 'redis_reconnections_total',
    help: 'Times a Redis connection of this process was ready again after it was lost, by what the connection is for.',
    labelNames: ['connection'],
    registers,
    collect() {
      const { reconnections } = redis.connections.stats();
      this.reset();
      for (const use of connectionUses) this.inc({ connection: use }, reconnections[use]);
    },
  });
}

/** Requests refused by a rate limit, by the limit's name. */
export function rateLimitRejections(registry: Registry): (limit: string) => void {
  const counter = new Counter({
    name: 'rate_limit_rejections_total',
    help: 'Requests refused with 429, by limit.',
    labelNames: ['limit'],
    registers: [registry],
  });
  return (limit) => counter.inc({ limit });
}
