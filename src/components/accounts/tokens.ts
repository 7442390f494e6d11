import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { Types } from 'mongoose';
import { UnauthorizedError } from '../../infra/errors/app-error';
import { tiers, type Tier } from './account.model';

const issuer = 'english-practice';
const audience = 'english-practice-api';
const algorithm = 'HS256';

export interface AccessClaims {
  accountId: string;
  tier: Tier;
}

export function createAccessTokens(secret: string, ttlSeconds: number) {
  return {
    ttlSeconds,
    issue: (claims: AccessClaims): string =>
      jwt.sign({ tier: claims.tier }, secret, { algorithm, subject: claims.accountId, expiresIn: ttlSeconds, issuer, audience }),
    verify(token: string): AccessClaims {
      try {
        // The algorithm is pinned: a token signed with "none" or another algorithm is refused.
        const payload = jwt.verify(token, secret, { algorithms: [algorithm], issuer, audience });
        // jsonwebtoken accepts a token without `exp` as never expiring: refuse it.
        if (typeof payload === 'string' || typeof payload.exp !== 'number' || typeof payload.sub !== 'string' || !tiers.includes(payload.tier as Tier)) {
          throw new Error('unexpected claims');
        }
        return { accountId: payload.sub, tier: payload.tier as Tier };
      } catch (error) {
        const expired = error instanceof jwt.TokenExpiredError;
        throw new UnauthorizedError(expired ? 'Access token expired' : 'Invalid access token', expired ? 'TOKEN_EXPIRED' : 'INVALID_TOKEN');
      }
    },
  };
}

export type AccessTokens = ReturnType<typeof createAccessTokens>;

/** A refresh token as the client holds it: `<token id>.<secret>`. */
export interface OpaqueRefreshToken {
  id: Types.ObjectId;
  secret: string;
}

export function newRefreshToken(): OpaqueRefreshToken & { value: string; secretHash: string } {
  const id = new Types.ObjectId();
  const secret = randomBytes(32).toString('base64url');
  return { id, secret, value: `${id.toHexString()}.${secret}`, secretHash: hashSecret(secret) };
}

export function parseRefreshToken(value: string): OpaqueRefreshToken | null {
  const match = /^([0-9a-f]{24})\.([A-Za-z0-9_-]{43})$/.exec(value);
  return match ? { id: new Types.ObjectId(match[1]), secret: match[2]! } : null;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function secretMatches(secret: string, storedHash: string): boolean {
  const given = Buffer.from(hashSecret(secret), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return given.length === stored.length && timingSafeEqual(given, stored);
}
