import type { Request, RequestHandler } from 'express';
import { UnauthorizedError } from '../../infra/errors/app-error';
import type { AccessClaims, AccessTokens } from './tokens';

declare module 'express-serve-static-core' {
  interface Request {
    /** The signed-in learner, set by `identify` or `authenticate`. */
    auth?: AccessClaims;
  }
}

function bearerToken(req: Request): string | null {
  return /^Bearer ([A-Za-z0-9._-]+)$/.exec(req.headers.authorization ?? '')?.[1] ?? null;
}

/**
 * Requires `Authorization: Bearer <access token>`; sets `req.auth`. A token `identify`
 * already accepted is taken as it is; a refused one answers 401 with its reason (both are
 * remembered per token: tokens.ts).
 */
export function authenticate(accessTokens: AccessTokens): RequestHandler {
  return (req, _res, next) => {
    if (!req.auth) {
      const token = bearerToken(req);
      if (token === null) throw new UnauthorizedError();
      req.auth = accessTokens.verify(token);
    }
    next();
  };
}

/**
 * Sets `req.auth` when a valid access token is present and lets every request through:
 * rate limits key on it. Routes that need a learner still use `authenticate`.
 */
export function identify(accessTokens: AccessTokens): RequestHandler {
  return (req, _res, next) => {
    const token = bearerToken(req);
    if (token !== null) req.auth = accessTokens.claimsOf(token) ?? undefined;
    next();
  };
}

/** The signed-in learner of a request that went through `authenticate`. */
export function authOf(req: Request): AccessClaims {
  if (!req.auth) throw new UnauthorizedError();
  return req.auth;
}
