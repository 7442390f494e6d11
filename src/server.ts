import './infra/runtime-check';
import { createServer } from 'node:http';
import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { createApiCache } from './api-cache';
import { createApp } from './app';
import { requiredIndexes } from './database-indexes';
import { closeJobQueues, openJobQueues } from './components/jobs';
import type { Config } from './infra/config/config';
import { createDatabase } from './infra/db/database';
import { answerClientErrorsAsJson } from './infra/http/client-errors';
import { installGracefulShutdown } from './infra/lifecycle/graceful-shutdown';
import { Lifecycle } from './infra/lifecycle/lifecycle';
import { runEntryPoint } from './infra/lifecycle/process-runner';
import { createLogger } from './infra/logger';
import { createProcessMetrics } from './infra/metrics/process-metrics';
import { createRedis } from './infra/redis/redis';
import { createStorage } from './infra/storage/create-storage';

const program = 'english-practice-api';
const maxHeaderBytes = 64 * 1024;

async function main(config: Config): Promise<void> {
  const logger = createLogger(config);
  const database = createDatabase(config.mongo, logger, { requiredIndexes });
  const redis = createRedis(config.redis, logger);
  const lifecycle = new Lifecycle();
  const storage = createStorage(config.storage);
  const cache = createApiCache(config, logger, redis, database);
  const queues = openJobQueues(config, redis, logger, { failFast: true });
  const metrics = createProcessMetrics('api', config.instanceId, { config, logger, redis, database, cache });

  // Headers up to 64 KB: above what Nginx lets through (4 lines of 8 KB), so Nginx, not Node,
  // refuses oversized headers, in the error shape (nginx/server.conf).
  const server = createServer({ maxHeaderSize: maxHeaderBytes }, createApp({ config, logger, database, redis, lifecycle, storage, cache, queues, metrics }));
  answerClientErrorsAsJson(server);
  // Above the proxy's upstream keepalive_timeout (nginx/: 2s), so the proxy, never this
  // server, closes an idle pooled connection: a proxy reusing a socket we close fails the request.
  server.keepAliveTimeout = config.http.keepAliveTimeoutMs;
  server.headersTimeout = config.http.keepAliveTimeoutMs + 1000;

  installGracefulShutdown({
    server,
    lifecycle,
    logger,
    timeoutMs: config.shutdown.timeoutMs,
    readinessDelayMs: config.shutdown.readinessDelayMs,
    idleGraceMs: config.shutdown.idleGraceMs,
    closeResources: async () => {
      await Promise.all([metrics.stop(), cache.close()]);
      await Promise.all([database.close(), redis?.close(), closeJobQueues(queues)]);
    },
  });

  // Redis is normally there within milliseconds; an unreachable one must not hold start-up.
  await Promise.all([
    redis?.waitUntilReady(config.mongo.serverSelectionTimeoutMs),
    queues?.uploads.waitUntilReady(config.mongo.serverSelectionTimeoutMs),
    queues?.lessons.waitUntilReady(config.mongo.serverSelectionTimeoutMs),
  ]);
  // A reachable database is connected within milliseconds: wait for it before listening, so
  // that in a cluster (which hands new connections to any listening process) a process that is
  // just starting can already write. An unreachable one must not keep /live and the cached
  // reads away: listen after at most one server-selection timeout anyway.
  const connected = database.connect();
  await Promise.race([connected, delay(config.mongo.serverSelectionTimeoutMs)]);
  // In a PM2 cluster the primary listens with the backlog given here (LISTEN_BACKLOG).
  server.listen({ port: config.http.port, host: config.http.host, backlog: config.http.listenBacklog });
  await once(server, 'listening');
  lifecycle.markServing();
  metrics.start();
  logger.info({ address: server.address() }, 'listening');
  // `ready` only with the database connected and its schema checked: PM2 (wait_ready) keeps
  // the previous process serving meanwhile, so a release that cannot reach the database
  // never takes over early. connect() also returns when shutdown closes the database.
  await connected;
  if (lifecycle.isStopping()) return;
  logger.info('ready: the database is connected');
  process.send?.('ready');
}

runEntryPoint(program, main);
