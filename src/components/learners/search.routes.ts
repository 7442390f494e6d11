import { Router } from 'express';
import type { OutageReads } from '../../infra/http/outage-reads';
import { parseInput } from '../../infra/http/validate';
import type { SearchService } from './search.service';
import { searchQuery } from './search.validation';

/** Searches are served from the cache while the database is out. */
export const searchReadsDuringOutage: OutageReads = [/^\/profiles$/];

export function searchRouter(search: SearchService): Router {
  const router = Router();
  router.get('/profiles', async (req, res) => {
    res.json(await search.searchProfiles(parseInput(searchQuery, req.query, 'query')));
  });
  return router;
}
