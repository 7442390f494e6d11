import { timingSafeEqual, createHash } from 'node:crypto';
import type { RequestHandler } from 'express';
import { ForbiddenError } from '../errors/app-error';
import { isInternalAddress } from './internal-address';

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/**
 * Lets internal clients through, and others only with `Authorization: Bearer <token>`. The
 * address is `req.ip`, so behind the edge proxy (TRUST_PROXY_HOPS=1) it is the real client.
 */
export function internalOnly(token: string | null): RequestHandler {
  const expected = token === null ? null : digest(token);
  return (req, _res, next) => {
    if (isInternalAddress(req.ip)) return next();
    const offered = /^Bearer (.+)$/.exec(req.get('authorization') ?? '')?.[1];
    // Equal-length digests: the comparison takes the same time whatever the offered token.
    if (expected !== null && offered !== undefined && timingSafeEqual(digest(offered), expected)) return next();
    next(new ForbiddenError('Metrics are served to internal addresses, or with the metrics token'));
  };
}
