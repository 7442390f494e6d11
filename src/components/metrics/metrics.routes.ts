import { Router } from 'express';
import type { ClusterMetrics } from '../../infra/metrics/cluster-metrics';
import { internalOnly } from '../../infra/http/internal-only';
import { buildSummary } from './summary';

/** `/metrics` (Prometheus text) and `/metrics/summary` (JSON), for internal clients or the token. */
export function metricsRouter(metrics: ClusterMetrics, token: string | null): Router {
  const router = Router();
  router.use('/metrics', internalOnly(token));

  router.get('/metrics', async (_req, res) => {
    const text = await metrics.exposition();
    res.set('Cache-Control', 'no-store').type('text/plain; version=0.0.4; charset=utf-8').send(text);
  });

  router.get('/metrics/summary', async (_req, res) => {
    res.set('Cache-Control', 'no-store').json(buildSummary(await metrics.view()));
  });

  return router;
}
