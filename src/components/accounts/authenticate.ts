import type { Request, RequestHandler } from 'express';
import { UnauthorizedError } from '../../infra/errors/app-error';
import type { AccessClaims, AccessTokens } from './tokens';

declare module 'express-serve-static-core' {
  interface Request {
    /** Set by `authenticate` on routes that need a signed-in learner. */
    auth?: AccessClaims;
  }
}

/** Requires `Authorization: Bearer <access token>`; sets `req.auth`. */
export function authenticate(accessTokens: AccessTokens): RequestHandler {
  return (req, _res, next) => {
    const match = /^Bearer ([A-Za-z0-9._-]+)$/.exec(req.headers.authorization ?? '');
    if (!match) throw new UnauthorizedError();
    req.auth = accessTokens.verify(match[1]!);
    next();
  };
}

/**
 * Sets `req.auth` when a valid access token is present and lets every request through:
 * rate limits key on it. Routes that need a learner still use `authenticate`.
 */
export function identify(accessTokens: AccessTokens): RequestHandler {
  return (req, _res, next) => {
    const match = /^Bearer ([A-Za-z0-9._-]+)$/.exec(req.headers.authorization ?? '');
    if (match) {
      try {
        req.auth = accessTokens.verify(match[1]!);
      } catch {
        req.auth = undefined;
      }
    }
    next();
  };
}

/** The signed-in learner of a request that went through `authenticate`. */
export function authOf(req: Request): AccessClaims {
  if (!req.auth) throw new UnauthorizedError();
  return req.auth;
}
