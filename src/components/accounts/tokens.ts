import { createHash, createSecretKey, randomBytes, timingSafeEqual } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { Types } from 'mongoose';
import { UnauthorizedError } from '../../infra/errors/app-error';
import { tiers, type Tier } from './account.model';
import { VerifiedTokens } from './verified-tokens';

const issuer = 'english-practice';
const audience = 'english-practice-api';
const algorithm = 'HS256';

export interface AccessClaims {
  accountId: string;
  tier: Tier;
}

/** Enough for every learner signed in on one process within a token's lifetime, at ~0.5 KB each. */
const verifiedTokensKept = 20_000;

export function createAccessTokens(secret: string, ttlSeconds: number) {
  // A key object, made once: given a string, jsonwebtoken tries to parse it as a PEM public
  // key on every call and throws (13 % of a cached read's CPU).
  const key = createSecretKey(Buffer.from(secret, 'utf8'));
  const verified = new VerifiedTokens<AccessClaims>(verifiedTokensKept);
  return {
    ttlSeconds,
    issue: (claims: AccessClaims): string =>
      jwt.sign({ tier: claims.tier }, key, { algorithm, subject: claims.accountId, expiresIn: ttlSeconds, issuer, audience }),
    verify(token: string): AccessClaims {
      const known = verified.get(token);
      if (known !== undefined) return known;
      try {
        // The algorithm is pinned: a token signed with "none" or another algorithm is refused.
        const payload = jwt.verify(token, key, { algorithms: [algorithm], issuer, audience });
        // jsonwebtoken accepts a token without `exp` as never expiring: refuse it.
        if (typeof payload === 'string' || typeof payload.exp !== 'number' || typeof payload.sub !== 'string' || !tiers.includes(payload.tier as Tier)) {
          throw new Error('unexpected claims');
        }
        const claims: AccessClaims = { accountId: payload.sub, tier: payload.tier as Tier };
        verified.set(token, claims, payload.exp * 1000);
        return claims;
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
