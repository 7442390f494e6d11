import { Router } from 'express';
import type { OutageReads } from '../../infra/http/outage-reads';
import type { StatsService } from './stats.service';

/** The statistics are served from the cache while the database is out. */
export const statsReadsDuringOutage: OutageReads = [/^$/];

export function statsRouter(stats: StatsService): Router {
  const router = Router();
  router.get('/', async (_req, res) => {
    res.json(await stats.getStats());
  });
  return router;
}
