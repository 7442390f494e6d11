import { Router } from 'express';
import type { StatsService } from './stats.service';

export function statsRouter(stats: StatsService): Router {
  const router = Router();
  router.get('/', async (_req, res) => {
    res.json(await stats.getStats());
  });
  return router;
}
