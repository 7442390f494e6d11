import jwt from 'jsonwebtoken';
import { createAccessTokens } from '../../src/components/learners/tokens';
import { UnauthorizedError } from '../../src/infra/errors/app-error';

const secret = 'a-test-secret-of-at-least-32-characters';
const claims = { accountId: '6b07a49e843058ad62a5f172', tier: 'starter' as const };

function refusal(verify: () => unknown): string {
  try {
    verify();
  } catch (error) {
    if (error instanceof UnauthorizedError) return error.code;
    throw error;
  }
  throw new Error('the token was accepted');
}

/** The token with one character of its signature changed. */
function withFlippedSignature(token: string): string {
  return `${token.slice(0, -2)}${token.slice(-2, -1) === 'A' ? 'B' : 'A'}${token.slice(-1)}`;
}

afterEach(() => jest.useRealTimers());

describe('access tokens, with verified tokens cached until they expire', () => {
  it('accepts its own token, again from the cache, and refuses it tampered either way', () => {
    const tokens = createAccessTokens(secret, 900);
    const token = tokens.issue(claims);
    expect(tokens.verify(token)).toEqual(claims);
    expect(tokens.verify(token)).toEqual(claims);
    const [header, payload, signature] = token.split('.') as [string, string, string];
    expect(refusal(() => tokens.verify(withFlippedSignature(token)))).toBe('INVALID_TOKEN');
    const enterprise = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), tier: 'enterprise' })).toString('base64url');
    expect(refusal(() => tokens.verify(`${header}.${enterprise}.${signature}`))).toBe('INVALID_TOKEN');
  });

  it('refuses a cached token once it has expired', () => {
    jest.useFakeTimers({ now: new Date('2026-11-26T10:00:00Z') });
    const tokens = createAccessTokens(secret, 60);
    const token = tokens.issue(claims);
    expect(tokens.verify(token)).toEqual(claims);
    jest.setSystemTime(new Date('2026-11-26T10:00:59Z'));
    expect(tokens.verify(token)).toEqual(claims);
    jest.setSystemTime(new Date('2026-11-26T10:01:01Z'));
    expect(refusal(() => tokens.verify(token))).toBe('TOKEN_EXPIRED');
  });

  it('refuses tokens without exp, signed with another secret, or with another algorithm', () => {
    const tokens = createAccessTokens(secret, 900);
    const options = { subject: claims.accountId, issuer: 'english-practice', audience: 'english-practice-api' };
    expect(refusal(() => tokens.verify(jwt.sign({ tier: 'starter' }, secret, { ...options, algorithm: 'HS256' })))).toBe('INVALID_TOKEN');
    expect(
      refusal(() =>
        tokens.verify(jwt.sign({ tier: 'starter' }, 'another-secret-of-at-least-32-characters', { ...options, algorithm: 'HS256', expiresIn: 900 })),
      ),
    ).toBe('INVALID_TOKEN');
    expect(refusal(() => tokens.verify(jwt.sign({ tier: 'starter' }, secret, { ...options, algorithm: 'HS512', expiresIn: 900 })))).toBe('INVALID_TOKEN');
    const unsigned = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(
      JSON.stringify({ tier: 'starter', sub: claims.accountId, iss: options.issuer, aud: options.audience, exp: Math.floor(Date.now() / 1000) + 900 }),
    ).toString('base64url')}.`;
    expect(refusal(() => tokens.verify(unsigned))).toBe('INVALID_TOKEN');
  });
});

describe('refused tokens, remembered', () => {
  afterEach(() => jest.restoreAllMocks());

  it('refuses an expired or tampered token again for the same reason without verifying it again, and claimsOf gives null', () => {
    jest.useFakeTimers({ now: new Date('2026-11-26T10:00:00Z') });
    const tokens = createAccessTokens(secret, 60);
    const expired = tokens.issue(claims);
    const tampered = withFlippedSignature(tokens.issue({ ...claims, tier: 'professional' }));
    jest.setSystemTime(new Date('2026-11-26T10:01:01Z'));
    const verify = jest.spyOn(jwt, 'verify');
    for (let i = 0; i < 3; i++) {
      expect(refusal(() => tokens.verify(expired))).toBe('TOKEN_EXPIRED');
      expect(tokens.claimsOf(expired)).toBeNull();
      expect(refusal(() => tokens.verify(tampered))).toBe('INVALID_TOKEN');
      expect(tokens.claimsOf(tampered)).toBeNull();
    }
    expect(verify).toHaveBeenCalledTimes(2);
    // A refusal never becomes an acceptance: the same string stays refused whatever the clock says.
    jest.setSystemTime(new Date('2026-11-26T10:00:30Z'));
    expect(refusal(() => tokens.verify(expired))).toBe('TOKEN_EXPIRED');
  });

  it('accepts a fresh token next to remembered refusals, and does not remember strings longer than 1 KB', () => {
    const tokens = createAccessTokens(secret, 900);
    expect(tokens.claimsOf('not.a.token')).toBeNull();
    const token = tokens.issue(claims);
    expect(tokens.claimsOf(token)).toEqual(claims);
    const verify = jest.spyOn(jwt, 'verify');
    const huge = `${'a'.repeat(1100)}.b.c`;
    expect(refusal(() => tokens.verify(huge))).toBe('INVALID_TOKEN');
    expect(refusal(() => tokens.verify(huge))).toBe('INVALID_TOKEN');
    expect(tokens.claimsOf('not.a.token')).toBeNull();
    expect(verify).toHaveBeenCalledTimes(2);
  });
});
