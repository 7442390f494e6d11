import './infra/runtime-check';
import { hostname } from 'node:os';
import { closeJobQueues, openJobQueues, registerQueueMetrics } from './components/jobs';
import { registerGeneratorMetrics, createLessonGenerator } from './components/lessons';
import { createCache } from './infra/cache/cache';
import type { Config } from './infra/config/config';
import { exitWithMessage } from './infra/config/config-or-exit';
import { createDatabase } from './infra/db/database';
import { runEntryPoint, stopOnSignals } from './infra/lifecycle/process-runner';
import { createLogger } from './infra/logger';
import { createProcessMetrics } from './infra/metrics/process-metrics';
import { watchQueues } from './infra/queue/queue-watchdog';
import { startHeartbeats } from './infra/queue/worker-heartbeats';
import { createRedis } from './infra/redis/redis';
import { createStorage } from './infra/storage/create-storage';
import { startJobProcessors } from './job-processors';

const program = 'english-practice-worker';

async function main(config: Config): Promise<void> {
  if (config.redis.server === null) exitWithMessage(program, 'REDIS_URL or REDIS_SENTINELS is required: the queues live in Redis');
  const logger = createLogger(config).child({ workerId: config.worker.id });
  const database = createDatabase(config.mongo, logger);
  const redis = createRedis(config.redis, logger)!;
  const queues = openJobQueues(config, redis, logger, { failFast: false })!;
  const cache = createCache({ redis, logger, keyPrefix: config.redis.keyPrefix, ttlSeconds: config.cache.ttlSeconds });
  const generator = createLessonGenerator(config.lessons, logger);
  const startedAt = new Date().toISOString();
  const metrics = createProcessMetrics('worker', config.worker.id, { config, logger, redis, database, cache });
  const watchdog = watchQueues(
    [
      { queue: queues.uploads.queue, concurrency: config.worker.uploadConcurrency },
      { queue: queues.lessons.queue, concurrency: config.worker.lessonConcurrency },
    ],
    logger,
  );
  registerQueueMetrics(metrics.registry, queues, watchdog);
  registerGeneratorMetrics(metrics.registry, generator);

  // Jobs need the database: take none before it answers.
  await database.connect();
  await redis.waitUntilReady(config.mongo.serverSelectionTimeoutMs);
  const activity = startJobProcessors({ config, logger, database, storage: createStorage(config.storage), cache, queues, generator });
  const stopHeartbeats = startHeartbeats(redis.client, config.redis.keyPrefix, () => ({
    workerId: config.worker.id,
    pid: process.pid,
    host: hostname(),
    startedAt,
    concurrency: { uploads: config.worker.uploadConcurrency, lessons: config.worker.lessonConcurrency },
    activeJobs: activity.active,
    processed: activity.processed,
    failed: activity.failed,
    generator: generator.status(),
  }));
  metrics.start();
  logger.info({ concurrency: { uploads: config.worker.uploadConcurrency, lessons: config.worker.lessonConcurrency } }, 'worker started');

  // Past the timeout, unfinished jobs are left to stall: another worker runs them again.
  const messages = {
    started: 'worker stopping: taking no new jobs',
    timedOut: 'worker shutdown timed out; unfinished jobs will be picked up by another worker',
    done: 'worker stopped',
  };
  stopOnSignals({ logger, timeoutMs: config.worker.shutdownTimeoutMs, messages, details: () => ({ activeJobs: activity.active }) }, async () => {
    watchdog.stop();
    await closeJobQueues(queues);
    await Promise.all([stopHeartbeats(), metrics.stop()]);
    generator.shutdown();
    await Promise.all([database.close(), redis.close()]);
  });
  process.send?.('ready');
}

runEntryPoint(program, main);
