import type { JobQueues } from './components/jobs';
import type { Cache } from './infra/cache/cache';
import type { Config } from './infra/config/config';
import type { Database } from './infra/db/database';
import type { Lifecycle } from './infra/lifecycle/lifecycle';
import type { Logger } from './infra/logger';
import type { ClusterMetrics } from './infra/metrics/cluster-metrics';
import type { RedisHandle } from './infra/redis/redis';
import type { StorageDriver } from './infra/storage/storage-driver';

/** What the app is built from: every server it talks to is opened by the caller. */
export interface AppDependencies {
  config: Config;
  logger: Logger;
  database: Database;
  redis: RedisHandle | null;
  lifecycle: Lifecycle;
  storage: StorageDriver;
  cache: Cache;
  /** Null without Redis: nothing can be queued and job endpoints answer 503. */
  queues: JobQueues | null;
  metrics: ClusterMetrics;
}
