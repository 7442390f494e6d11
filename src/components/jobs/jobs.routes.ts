import { Router, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import type { Lifecycle } from '../../infra/lifecycle/lifecycle';
import { parseInput } from '../../infra/http/validate';
import type { JobEvent } from '../../infra/queue/job-events';
import { authOf, authenticate } from '../accounts/authenticate';
import type { AccessTokens } from '../accounts/tokens';
import { jobIdPattern } from './job-ids';
import type { JobsService } from './jobs.service';

const jobParams = z.object({ id: z.string().regex(jobIdPattern, 'must be a job id') });
const heartbeatMs = 15_000;
const finalStates = new Set(['completed', 'failed']);

function send(res: Response, event: string, data: unknown): void {
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

export function jobsRouter(jobs: JobsService, accessTokens: AccessTokens, lifecycle: Lifecycle, general: RequestHandler): Router {
  const router = Router();
  const signedIn = authenticate(accessTokens);

  router.get('/:id', general, signedIn, async (req, res) => {
    res.json(await jobs.get(authOf(req).accountId, parseInput(jobParams, req.params, 'params').id));
  });

  /**
   * Server-Sent Events: `state` (the job now), then `progress` events, then `completed` or
   * `failed`, after which the stream ends. Events come from Redis pub/sub, so the stream is
   * right whichever API process serves it.
   */
  router.get('/:id/events', general, signedIn, async (req, res) => {
    const { id } = parseInput(jobParams, req.params, 'params');
    const ownerId = authOf(req).accountId;
    const pending: JobEvent[] = [];
    let live: ((event: JobEvent) => void) | null = null;
    const { current, stop } = await jobs.follow(ownerId, id, (event) => (live ? live(event) : pending.push(event)));

    res.status(200).set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      // no-transform keeps compression from buffering the stream; Nginx is told the same.
      'Cache-Control': 'no-cache, no-transform',
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();

    let ended = false;
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), heartbeatMs);
    const end = (): void => {
      if (ended) return;
      ended = true;
      clearInterval(heartbeat);
      stop();
      stopOnShutdown();
      res.end();
    };
    const stopOnShutdown = lifecycle.onStopping(() => {
      // Tells EventSource clients to reconnect (to another process) after a second.
      res.write('retry: 1000\n\n');
      end();
    });
    req.on('close', end);

    const forward = (event: JobEvent): void => {
      if (ended) return;
      send(res, event.type, event.type === 'progress' ? { progress: event.progress } : event);
      if (event.type === 'completed') end();
      // A failed try that will be retried is reported, and the stream goes on.
      if (event.type === 'failed') void jobs.get(ownerId, id).then((view) => view.state === 'failed' && end(), end);
    };
    send(res, 'state', current);
    if (finalStates.has(current.state)) return end();
    for (const event of pending) forward(event);
    live = forward;
  });

  return router;
}
