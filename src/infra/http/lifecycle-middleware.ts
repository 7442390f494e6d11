import type { RequestHandler } from 'express';
import onHeaders from 'on-headers';
import type { Database } from '../db/database';
import { ServiceUnavailableError } from '../errors/app-error';
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

/** API routes need the database: without it they answer 503 at once instead of waiting. */
export function requireDatabase(database: Pick<Database, 'isConnected'>): RequestHandler {
  return (_req, _res, next) => {
    if (!database.isConnected()) {
      throw new ServiceUnavailableError('DATABASE_UNAVAILABLE', 'The database is unavailable; try again shortly');
    }
    next();
  };
}
