import { Router, type RequestHandler } from 'express';
import { parseInput } from '../../infra/http/validate';
import { authOf, authenticate, type AccessTokens } from '../learners';
import type { LessonsService, ResolvedLessonRequest } from './lessons.service';
import { lessonIdParams, lessonListQuery, lessonRequestBody } from './lessons.validation';

export interface LessonsRouteLimits {
  general: RequestHandler;
  /** Lesson jobs per learner per window; lessons answered at once do not count. */
  lessonJobs: RequestHandler;
}

interface LessonLocals {
  lessonRequest: ResolvedLessonRequest;
}

export function lessonsRouter(lessons: LessonsService, accessTokens: AccessTokens, limits: LessonsRouteLimits): Router {
  const router = Router();
  const signedIn = authenticate(accessTokens);

  router.post(
    '/',
    limits.general,
    signedIn,
    async (req, res, next) => {
      const request = await lessons.resolve(authOf(req).accountId, parseInput(lessonRequestBody, req.body, 'body'));
      const existing = await lessons.findExisting(request);
      if (existing) {
        res.status(200).json({ lesson: existing, cached: true });
        return;
      }
      (res.locals as LessonLocals).lessonRequest = request;
      next();
    },
    limits.lessonJobs,
    async (req, res) => {
      const queued = await lessons.enqueue((res.locals as LessonLocals).lessonRequest, authOf(req).tier);
      res.status(202).location(`/api/jobs/${queued.jobId}`).json(queued);
    },
  );

  router.get('/', limits.general, signedIn, async (req, res) => {
    res.json(await lessons.list(authOf(req).accountId, parseInput(lessonListQuery, req.query, 'query')));
  });

  router.get('/:id', limits.general, signedIn, async (req, res) => {
    res.json(await lessons.get(authOf(req).accountId, parseInput(lessonIdParams, req.params, 'params').id));
  });

  return router;
}
