import { Router } from 'express';
import { parseInput } from '../../infra/http/validate';
import type { SearchService } from './search.service';
import { searchQuery } from './search.validation';

export function searchRouter(search: SearchService): Router {
  const router = Router();
  router.get('/profiles', async (req, res) => {
    res.json(await search.searchProfiles(parseInput(searchQuery, req.query, 'query')));
  });
  return router;
}
