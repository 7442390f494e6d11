import type { RequestHandler } from 'express';
import onHeaders from 'on-headers';
import type { Database } from '../db/database';
import { databaseUnavailable, ServiceUnavailableError } from '../errors/app-error';
import type { Lifecycle } from '../lifecycle/lifecycle';

/**
 * Once shutdown has begun, every response closes its connection, so keep-alive clients
 * reconnect elsewhere. Decided when the headers are written, which also covers requests
 * that arrived before the signal and finish after it.
 */
export function closeConnectionsWhileStopping(lifecycle: Lifecycle): RequestHandler {
  return (_req, res, next) => {
    onHeaders(res, () => {
      if (lifecycle.isStopping()) res.setHeader('Connection', 'close');
    });
    next();
  };
}

/**
 * API routes need the database: without it they answer 503 at once (with Retry-After)
 * instead of waiting. Writes and primary reads need a primary. Stale-tolerant reads
 * (`staleTolerant`, matched on the path under /api) pass: the cache answers them even
 * while the database hangs or elects a primary, and a miss fails at once on its own when no
 * server can be read from (the cache's `sourceAvailable`).
 */
export function requireDatabase(database: Pick<Database, 'canWrite' | 'schemaProblem'>, staleTolerant: RegExp[] = []): RequestHandler {
  return (req, _res, next) => {
    const problem = database.schemaProblem();
    if (problem !== null) throw new ServiceUnavailableError('SCHEMA_NOT_MIGRATED', `The database is not ready for this release: ${problem}`);
    const staleRead = (req.method === 'GET' || req.method === 'HEAD') && staleTolerant.some((pattern) => pattern.test(req.path));
    if (!staleRead && !database.canWrite()) {
      throw databaseUnavailable();
    }
    next();
  };
}

/** The 503 of a stale-tolerant read that missed the cache while no server can be read from. */
export function uncachedDuringOutage(): ServiceUnavailableError {
  return databaseUnavailable('The database is unavailable and this is not in the cache; try again shortly');
}
