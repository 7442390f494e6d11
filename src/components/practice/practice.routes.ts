import { Router, type RequestHandler } from 'express';
import { parseInput } from '../../infra/http/validate';
import { authOf, authenticate, type AccessTokens } from '../learners';
import { lessonIdParams } from '../lessons';
import type { PracticeService } from './practice.service';
import { attemptBody, progressQuery } from './practice.validation';

/** `POST /lessons/:id/attempts` and `GET /progress/me`. */
export function practiceRouter(practice: PracticeService, accessTokens: AccessTokens, general: RequestHandler): Router {
  const router = Router();
  const signedIn = authenticate(accessTokens);

  router.post('/lessons/:id/attempts', general, signedIn, async (req, res) => {
    const { id } = parseInput(lessonIdParams, req.params, 'params');
    const { answers } = parseInput(attemptBody, req.body, 'body');
    res.status(201).json(await practice.submit(authOf(req).accountId, id, answers));
  });

  router.get('/progress/me', general, signedIn, async (req, res) => {
    res.json(await practice.progress(authOf(req).accountId, parseInput(progressQuery, req.query, 'query').days));
  });

  return router;
}
