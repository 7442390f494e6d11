import './infra/runtime-check';
import { createServer } from 'node:http';
import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { createApp } from './app';
import { closeJobQueues, openJobQueues } from './components/jobs/job-queues';
import { createCache } from './infra/cache/cache';
import { configOrExit, exitWithMessage } from './infra/config/config-or-exit';
import { createDatabase } from './infra/db/database';
import { installGracefulShutdown } from './infra/lifecycle/graceful-shutdown';
import { Lifecycle } from './infra/lifecycle/lifecycle';
import { createLogger } from './infra/logger';
import { createRedis } from './infra/redis/redis';
import { createStorage } from './infra/storage/create-storage';

const program = 'english-practice-api';

async function main(): Promise<void> {
  const config = configOrExit(program);
  const logger = createLogger(config);
  const database = createDatabase(config.mongo, logger);
  const redis = createRedis(config.redis, logger);
  const lifecycle = new Lifecycle();
  const storage = createStorage(config.storage);
  const cache = createCache({ redis, logger, keyPrefix: config.redis.keyPrefix, ttlSeconds: config.cache.ttlSeconds });
  const queues = openJobQueues(config, logger, { failFast: true });

  const server = createServer(createApp({ config, logger, database, redis, lifecycle, storage, cache, queues }));
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
      await Promise.all([database.close(), redis?.close(), closeJobQueues(queues)]);
    },
  });

  // Reachable servers are normally connected within milliseconds; unreachable ones must not
  // keep /live from answering, so listen after at most one server-selection timeout.
  await Promise.race([
    Promise.all([
      database.connect(),
      redis?.waitUntilReady(config.mongo.serverSelectionTimeoutMs),
      queues?.uploads.waitUntilReady(config.mongo.serverSelectionTimeoutMs),
      queues?.lessons.waitUntilReady(config.mongo.serverSelectionTimeoutMs),
    ]),
    delay(config.mongo.serverSelectionTimeoutMs),
  ]);
  server.listen(config.http.port, config.http.host);
  await once(server, 'listening');
  lifecycle.markServing();
  logger.info({ address: server.address() }, 'listening');
  // PM2 (wait_ready) replaces the previous process only once this one can serve.
  process.send?.('ready');
}

main().catch((error: unknown) => exitWithMessage(program, `failed to start: ${error instanceof Error ? error.stack : String(error)}`));
