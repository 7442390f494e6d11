import type { RequestHandler, Response } from 'express';
import { z } from 'zod';
import { AppError, NotFoundError } from '../../infra/errors/app-error';
import { parseInput } from '../../infra/http/validate';
import type { Lifecycle } from '../../infra/lifecycle/lifecycle';
import type { JobEvent } from '../../infra/queue/job-events';
import { authOf } from '../learners';
import { jobIdPattern } from './job-ids';
import type { JobView } from './job-view';
import type { JobsService } from './jobs.service';
import type { StreamSlots } from './stream-slots';

export const jobParams = z.object({ id: z.string().regex(jobIdPattern, 'must be a job id') });
const finalStates = new Set(['completed', 'failed']);

export interface StreamRules {
  slots: StreamSlots;
  heartbeatMs: number;
  /** A stream ends after this long with `retry:`, so the client reconnects and re-authenticates. */
  maxLifetimeMs: number;
}

function send(res: Response, event: string, data: unknown): void {
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

function openEventStream(res: Response): void {
  res.status(200).set({
    'Content-Type': 'text/event-stream; charset=utf-8',
    // no-transform keeps compression from buffering the stream; Nginx is told the same.
    'Cache-Control': 'no-cache, no-transform',
    'X-Accel-Buffering': 'no',
  });
  res.flushHeaders();
}

/** A keep-alive that re-reads the job: a stream whose job ended unseen (or vanished) ends. */
function heartbeat(res: Response, read: () => Promise<JobView>, ended: () => boolean, end: () => void): () => void {
  return () => {
    if (ended()) return;
    res.write(': keep-alive\n\n');
    read().then(
      (view) => {
        if (ended() || !finalStates.has(view.state)) return;
        send(res, 'state', view);
        end();
      },
      (error: unknown) => {
        if (error instanceof NotFoundError) end();
      },
    );
  };
}

/**
 * Server-Sent Events: `state` (the job now), then `progress` events, then `completed` or
 * `failed`, after which the stream ends. Events come from Redis pub/sub, so the stream is
 * right whichever API process serves it. Each heartbeat re-reads the job, so a stream whose
 * job ended unseen (or vanished) ends too; no stream outlives `maxLifetimeMs`.
 */
export function jobEventStream(jobs: JobsService, lifecycle: Lifecycle, streams: StreamRules): RequestHandler {
  return async (req, res) => {
    const { id } = parseInput(jobParams, req.params, 'params');
    const ownerId = authOf(req).accountId;
    const release = streams.slots.take(ownerId);
    if (release === null) {
      res.setHeader('Retry-After', String(Math.ceil(streams.heartbeatMs / 1000)));
      throw new AppError('TOO_MANY_STREAMS');
    }

    let ended = false;
    let stop = (): void => undefined;
    const timers: NodeJS.Timeout[] = [];
    let stopOnShutdown = (): void => undefined;
    /** Frees everything the stream holds; safe to call more than once and before it started. */
    const cleanUp = (): void => {
      if (ended) return;
      ended = true;
      timers.forEach((timer) => clearTimeout(timer));
      stop();
      stopOnShutdown();
      release();
    };
    const end = (): void => {
      cleanUp();
      if (!res.writableEnded) res.end();
    };
    // Attached before any await: a client gone while we subscribe must not leave a listener.
    res.on('close', cleanUp);

    const pending: JobEvent[] = [];
    let live: ((event: JobEvent) => void) | null = null;
    let followed: Awaited<ReturnType<JobsService['follow']>>;
    try {
      followed = await jobs.follow(ownerId, id, (event) => (live ? live(event) : pending.push(event)));
    } catch (error) {
      cleanUp();
      throw error;
    }
    stop = followed.stop;
    if (ended) return stop();

    openEventStream(res);

    const reconnect = (): void => {
      // Tells EventSource clients to reconnect (to this or another process) after a second.
      res.write('retry: 1000\n\n');
      end();
    };
    stopOnShutdown = lifecycle.onStopping(reconnect);
    timers.push(setTimeout(reconnect, streams.maxLifetimeMs));
    const recheck = heartbeat(
      res,
      () => jobs.get(ownerId, id),
      () => ended,
      end,
    );
    timers.push(setInterval(recheck, streams.heartbeatMs));

    const forward = (event: JobEvent): void => {
      if (ended) return;
      send(res, event.type, event.type === 'progress' ? { progress: event.progress } : event);
      if (event.type === 'completed') end();
      // A failed try that will be retried is reported, and the stream goes on.
      if (event.type === 'failed') void jobs.get(ownerId, id).then((view) => view.state === 'failed' && end(), end);
    };
    send(res, 'state', followed.current);
    if (finalStates.has(followed.current.state)) return end();
    for (const event of pending) forward(event);
    live = forward;
  };
}
