import type { RequestHandler } from 'express';
import type { Logger } from '../logger';
import { ServiceUnavailableError } from '../errors/app-error';
import { LinesPerSecond } from './lines-per-second';
import { queueWaitMs } from './queue-wait';

/**
 * Load shedding by queue time. A request that already waited longer than `maxWaitMs` between
 * Nginx and the app (in the listen queue, the PM2 daemon's hand-off, or a socket's buffer
 * while the process was busy) is answered 503 at once instead of being served late. After a
 * stall, thousands of such requests pile up; serving each in full makes every later one wait
 * longer still, and the box never catches up (./scripts/bench stall). Answering the stale ones
 * takes a fraction of the work, so the queue drains and fresh requests are served on time.
 * The event-loop lag does not show this wait: the requests queue outside the loop.
 * Mounted ahead of request logging: a flood of them is one warning a second, not a line each.
 */
export function shedStaleRequests(options: { maxWaitMs: number; logger: Logger; onShed: () => void; now?: () => number }): RequestHandler {
  const { maxWaitMs, logger, onShed } = options;
  const now = options.now ?? Date.now;
  const warnings = new LinesPerSecond(1);
  return (req, _res, next) => {
    const waited = queueWaitMs(req.headers, now());
    if (waited === null || waited <= maxWaitMs) {
      next();
      return;
    }
    onShed();
    if (warnings.take()) logger.warn({ waitedMs: Math.round(waited), maxWaitMs, shedSinceLastLine: warnings.takeSkipped() + 1 }, 'requests shed: they waited too long before the app read them');
    throw new ServiceUnavailableError('OVERLOADED', 'The API is overloaded; try again shortly');
  };
}
