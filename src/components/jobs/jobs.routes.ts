import { Router, type RequestHandler } from 'express';
import type { Lifecycle } from '../../infra/lifecycle/lifecycle';
import { parseInput } from '../../infra/http/validate';
import { authOf, authenticate, type AccessTokens } from '../learners';
import { jobEventStream, jobParams, type StreamRules } from './job-event-stream';
import type { JobsService } from './jobs.service';

export type { StreamRules } from './job-event-stream';

export function jobsRouter(jobs: JobsService, accessTokens: AccessTokens, lifecycle: Lifecycle, general: RequestHandler, streams: StreamRules): Router {
  const router = Router();
  const signedIn = authenticate(accessTokens);

  router.get('/:id', general, signedIn, async (req, res) => {
    res.json(await jobs.get(authOf(req).accountId, parseInput(jobParams, req.params, 'params').id));
  });

  router.get('/:id/events', general, signedIn, jobEventStream(jobs, lifecycle, streams));

  return router;
}
