import { createHash, createSecretKey, randomBytes, timingSafeEqual } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { LRUCache } from 'lru-cache';
import { Types } from 'mongoose';
import { UnauthorizedError } from '../../infra/errors/app-error';
import { tiers, type Tier } from '../../shared/tiers';

const issuer = 'english-practice';
const audience = 'english-practice-api';
const algorithm = 'HS256';

export interface AccessClaims {
  accountId: string;
  tier: Tier;
}

/**
 * Access tokens already verified are kept until their `exp`: a signed-in request then costs a
 * look-up instead of an HMAC, a base64 and a JSON parse. A tampered or re-signed token is
 * another string, so it misses and is verified in full. Access tokens cannot be revoked (logout
 * revokes refresh tokens); if they ever can, revocation must delete from here too. Enough for
 * every learner signed in on one process within a token's lifetime, at ~0.5 KB each.
 */
const verifiedTokensKept = 20_000;

/** Why a token is refused: the code and message of the 401. */
type Refusal = 'TOKEN_EXPIRED' | 'INVALID_TOKEN';
/**
 * Refused tokens are remembered too: a client that keeps sending its expired token (a public
 * read works without one, so nothing stops it) cost a full verification and two exceptions per
 * request (docs/design-decisions.md, measured costs). A refusal never turns into an
 * acceptance: expired stays expired, a bad signature stays bad. Only "not before" depends on
 * the clock, so it is not remembered (this service issues no `nbf`). Longer strings than ours
 * (about 250 characters) are not remembered, so that a flood of huge garbage tokens cannot fill
 * memory: at most 10,000 × 1 KB.
 */
const refusedTokensKept = 10_000;
const rememberedTokenLength = 1024;

export function createAccessTokens(secret: string, ttlSeconds: number) {
  // A key object, made once: given a string, jsonwebtoken tries to parse it as a PEM public
  // key on every call and throws (docs/design-decisions.md, measured costs).
  const key = createSecretKey(Buffer.from(secret, 'utf8'));
  // Expiry by the wall clock, as `exp` is.
  const verified = new LRUCache<string, AccessClaims>({ max: verifiedTokensKept, perf: { now: () => Date.now() }, ttlResolution: 0 });
  const refused = new LRUCache<string, Refusal>({ max: refusedTokensKept });

  function check(token: string): AccessClaims | Refusal {
    const known = verified.get(token) ?? refused.get(token);
    if (known !== undefined) return known;
    try {
      // The algorithm is pinned: a token signed with "none" or another algorithm is refused.
      const payload = jwt.verify(token, key, { algorithms: [algorithm], issuer, audience });
      // jsonwebtoken accepts a token without `exp` as never expiring: refuse it.
      if (typeof payload === 'string' || typeof payload.exp !== 'number' || typeof payload.sub !== 'string' || !tiers.includes(payload.tier as Tier)) {
        throw new Error('unexpected claims');
      }
      const claims: AccessClaims = { accountId: payload.sub, tier: payload.tier as Tier };
      const untilExpiryMs = payload.exp * 1000 - Date.now();
      if (untilExpiryMs > 0) verified.set(token, claims, { ttl: untilExpiryMs });
      return claims;
    } catch (error) {
      const refusal: Refusal = error instanceof jwt.TokenExpiredError ? 'TOKEN_EXPIRED' : 'INVALID_TOKEN';
      if (!(error instanceof jwt.NotBeforeError) && token.length <= rememberedTokenLength) refused.set(token, refusal);
      return refusal;
    }
  }

  return {
    ttlSeconds,
    issue: (claims: AccessClaims): string =>
      jwt.sign({ tier: claims.tier }, key, { algorithm, subject: claims.accountId, expiresIn: ttlSeconds, issuer, audience }),
    /** The token's claims, or a 401 that says why it is refused. */
    verify(token: string): AccessClaims {
      const outcome = check(token);
      if (typeof outcome === 'string') throw new UnauthorizedError(undefined, outcome);
      return outcome;
    },
    /** The token's claims, or null when it is refused: for requests that may also come signed out. */
    claimsOf(token: string): AccessClaims | null {
      const outcome = check(token);
      return typeof outcome === 'string' ? null : outcome;
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
