import { join } from 'node:path';
import compression from 'compression';
import cors from 'cors';
import express, { type Express } from 'express';
import helmet from 'helmet';
import { apiRoutes, staleTolerantReads } from './api-routes';
import type { AppDependencies } from './app-dependencies';
import { liveProbe, healthProbe, readyProbe } from './components/health';
import { metricsRouter } from './components/metrics';
import { errorHandler, notFoundHandler } from './infra/http/error-handler';
import { requireKnownBodyType } from './infra/http/content-type';
import { closeConnectionsWhileStopping, requireDatabase } from './infra/http/lifecycle-middleware';
import { requestLogging } from './infra/http/request-logging';
import { rateLimitRejections } from './infra/metrics/dependency-metrics';
import { httpMetrics } from './infra/metrics/http-metrics';
import { StreamSlots } from './components/jobs';
import { JobEvents } from './infra/queue/job-events';
import { createRateLimits } from './infra/rate-limit/rate-limits';
import { publicFolder } from './infra/storage/storage-driver';

/** Builds the Express app from its dependencies; it opens nothing itself, so tests pass in real servers. */
export function createApp(deps: AppDependencies): Express {
  const { config, logger, database, lifecycle } = deps;
  const limits = createRateLimits(config, deps.redis, logger, rateLimitRejections(deps.metrics.registry));
  const streams = { events: new JobEvents(), slots: new StreamSlots(config.streams.maxPerAccount) };
  const app = express();
  app.disable('x-powered-by');
  // A weak ETag means hashing every JSON body; API clients do not revalidate with it.
  app.disable('etag');
  // A hop count, never `true`: only addresses appended by our own proxies are believed.
  app.set('trust proxy', config.http.trustProxyHops);

  // Ahead of /live too: while stopping, every response closes its connection (Nginx's pooled ones).
  app.use(closeConnectionsWhileStopping(lifecycle));
  // Polled by every load balancer and orchestrator; it needs no request id, metrics series,
  // security headers or CORS, so it is answered before them.
  app.get('/live', liveProbe(config.instanceId));
  // /health too: never rate limited, so a flood of it must cost close to /live's
  // (docs/design-decisions.md, measured costs).
  const eventStreams = { open: () => streams.slots.open(), listeners: () => streams.events.listenerCount() };
  const probes = { ...deps, rateLimitMode: limits.mode, eventStreams };
  app.get('/health', healthProbe(probes));
  // Next, so the duration covers every other middleware.
  if (config.metrics.enabled) app.use(httpMetrics(deps.metrics.registry));
  app.use(requestLogging(logger, config.requestLog));
  // Behind Nginx the edge sends the same headers (SECURITY_HEADERS=edge, nginx/security-headers.conf).
  if (config.http.securityHeaders === 'app') app.use(helmet());
  app.use(cors({ origin: config.http.corsOrigins, maxAge: 600 }));
  // Behind Nginx the edge compresses (HTTP_COMPRESSION=false): see bench/results/edge.md.
  if (config.http.compression) app.use(compression());

  // The API ahead of readiness, metrics and avatars: the busiest paths skip their layers.
  const api = express.Router();
  api.use(requireDatabase(database, staleTolerantReads));
  api.use(requireKnownBodyType);
  api.use(express.json({ limit: config.http.bodyLimit, strict: true }));
  api.use(apiRoutes(deps, limits, streams));
  app.use('/api', api);

  app.get('/ready', readyProbe(probes));
  app.use(metricsRouter(deps.metrics, config.metrics.token));
  if (config.storage.driver === 'local') {
    // Only the avatar folder: learners' documents in the same storage are private.
    app.use(
      `${config.storage.publicBaseUrl}/${publicFolder}`,
      express.static(join(config.storage.localDir, publicFolder), {
        index: false,
        dotfiles: 'deny',
        immutable: true,
        maxAge: '365d',
        setHeaders: (res) => res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin'),
      }),
    );
  }

  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
