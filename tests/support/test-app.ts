import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import supertest from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { createApiCache } from '../../src/api-cache';
import { createApp } from '../../src/app';
import type { AppDependencies } from '../../src/app-dependencies';
import { loadConfig } from '../../src/infra/config/config';
import { createDatabase } from '../../src/infra/db/database';
import { Lifecycle } from '../../src/infra/lifecycle/lifecycle';
import { createLogger } from '../../src/infra/logger';
import { createProcessMetrics } from '../../src/infra/metrics/process-metrics';
import { createRedis } from '../../src/infra/redis/redis';
import { requiredIndexes } from '../../src/database-indexes';
import { closeJobQueues, openJobQueues } from '../../src/components/jobs/job-queues';
import { createStorage } from '../../src/infra/storage/create-storage';
import type { StorageDriver } from '../../src/infra/storage/storage-driver';
import { migrateDatabase } from './migrate';
import { testEnvironment } from './test-env';

export interface TestApp {
  deps: AppDependencies;
  /** The environment the app was configured from: start workers or API processes on the same servers. */
  env: Record<string, string>;
  request: TestAgent;
  close(): Promise<void>;
}

/**
 * The real app on real servers, in-process. `connectDatabase: false` leaves the database
 * unconnected, as after a start-up with the database down.
 */
export async function startTestApp(env: Record<string, string> = {}, options: { connectDatabase?: boolean; storage?: StorageDriver } = {}): Promise<TestApp> {
  const uploads = mkdtempSync(join(tmpdir(), 'ep-uploads-'));
  const appEnv = testEnvironment({ STORAGE_LOCAL_DIR: uploads, ...env });
  const config = loadConfig(appEnv);
  const logger = createLogger(config);
  const database = createDatabase(config.mongo, logger, { requiredIndexes });
  const redis = createRedis(config.redis, logger);
  await redis?.waitUntilReady(2000);
  if (options.connectDatabase ?? true) {
    await migrateDatabase(config.mongo.uri);
    await database.connect();
  } else {
    void database.connect();
  }
  const storage = options.storage ?? createStorage(config.storage);
  const cache = createApiCache(config, logger, redis, database);
  const queues = openJobQueues(config, redis, logger, { failFast: true });
  await Promise.all([queues?.uploads.waitUntilReady(2000), queues?.lessons.waitUntilReady(2000)]);
  const metrics = createProcessMetrics('api', config.instanceId, { config, logger, redis, database, cache });
  const deps: AppDependencies = { config, logger, database, redis, lifecycle: new Lifecycle(), storage, cache, queues, metrics };
  deps.lifecycle.markServing();
  const app = createApp(deps);
  return {
    deps,
    env: appEnv,
    request: supertest(app),
    async close() {
      if (database.isConnected()) await database.connection.dropDatabase().catch(() => undefined);
      await Promise.all([metrics.stop(), cache.close()]);
      await Promise.all([database.close(), redis?.close(), closeJobQueues(queues)]);
      rmSync(uploads, { recursive: true, force: true });
    },
  };
}

/**
 * Another API process beside `first`: the same database, Redis and key prefix, so caches,
 * invalidations and limits are shared as in a cluster. `env` adds settings of its own.
 */
export function startSecondApp(first: TestApp, env: Record<string, string> = {}): Promise<TestApp> {
  const shared = { MONGODB_URI: first.deps.config.mongo.uri, REDIS_URL: first.env.REDIS_URL!, REDIS_KEY_PREFIX: first.deps.config.redis.keyPrefix };
  return startTestApp({ ...shared, ...env });
}
