import jwt from 'jsonwebtoken';
import { developmentJwtSecret } from '../../src/infra/config/schema';
import { bearer, registerLearner, uniqueEmail } from '../support/learners';
import { startTestApp, type TestApp } from '../support/test-app';

describe('accounts', () => {
  let api: TestApp;
  beforeAll(async () => {
    api = await startTestApp();
  });
  afterAll(() => api.close());

  describe('register', () => {
    it('creates a starter account and signs it in', async () => {
      const email = uniqueEmail();
      const response = await api.request
        .post('/api/auth/register')
        .send({ email: `  ${email.toUpperCase()} `, password: 'a long password', displayName: 'Ana' })
        .expect(201);
      expect(response.body).toMatchObject({
        tokenType: 'Bearer',
        expiresIn: 900,
        accessToken: expect.any(String),
        refreshToken: expect.stringMatching(/^[0-9a-f]{24}\.[A-Za-z0-9_-]{43}$/),
        account: { id: expect.stringMatching(/^[0-9a-f]{24}$/), email, tier: 'starter', displayName: 'Ana' },
      });
      const stored = await api.deps.database.connection.collection('accounts').findOne({ email });
      expect(stored?.passwordHash).toMatch(/^\$argon2id\$/);
      expect(JSON.stringify(response.body)).not.toContain('passwordHash');
    });

    it('refuses a second account with the same e-mail, whatever its case, with 409', async () => {
      const email = uniqueEmail();
      await registerLearner(api.request, { email });
      const response = await api.request
        .post('/api/auth/register')
        .send({ email: email.toUpperCase(), password: 'another password', displayName: 'Copy' })
        .expect(409);
      expect(response.body.error.code).toBe('EMAIL_TAKEN');
    });

    it.each([
      ['a missing password', { email: 'x@example.com', displayName: 'X' }],
      ['a short password', { email: 'x@example.com', password: 'short', displayName: 'X' }],
      ['a bad e-mail', { email: 'not-an-email', password: 'long enough', displayName: 'X' }],
      ['a number for a name', { email: 'x@example.com', password: 'long enough', displayName: 42 }],
      ['an unknown field', { email: 'x@example.com', password: 'long enough', displayName: 'X', tier: 'enterprise' }],
      ['an operator for the e-mail', { email: { $gt: '' }, password: 'long enough', displayName: 'X' }],
      ['an array body', [{ email: 'x@example.com' }]],
      ['an enormous password', { email: 'x@example.com', password: 'p'.repeat(129), displayName: 'X' }],
    ])('refuses %s with 400 and stores nothing', async (_case, body) => {
      const before = await api.deps.database.connection.collection('accounts').countDocuments();
      const response = await api.request
        .post('/api/auth/register')
        .send(body as object)
        .expect(400);
      expect(response.body.error).toMatchObject({ code: 'VALIDATION_FAILED', details: expect.any(Array) });
      expect(await api.deps.database.connection.collection('accounts').countDocuments()).toBe(before);
    });

    it('refuses a body that is not JSON with 415', async () => {
      const response = await api.request.post('/api/auth/register').set('Content-Type', 'text/plain').send('email=x').expect(415);
      expect(response.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    });
  });

  describe('login', () => {
    it('signs in with the right password', async () => {
      const learner = await registerLearner(api.request);
      const response = await api.request.post('/api/auth/login').send({ email: learner.account.email, password: learner.password }).expect(200);
      expect(response.body.account.id).toBe(learner.account.id);
    });

    it('answers a wrong password and an unknown e-mail the same way', async () => {
      const learner = await registerLearner(api.request);
      const wrongPassword = await api.request.post('/api/auth/login').send({ email: learner.account.email, password: 'wrong password' }).expect(401);
      const unknown = await api.request.post('/api/auth/login').send({ email: uniqueEmail(), password: 'wrong password' }).expect(401);
      expect(wrongPassword.body).toEqual(unknown.body);
      expect(unknown.body.error.code).toBe('INVALID_CREDENTIALS');
    });

    it('refuses an operator smuggled into the login', async () => {
      await api.request
        .post('/api/auth/login')
        .send({ email: { $ne: null }, password: { $ne: null } })
        .expect(400);
    });
  });

  describe('tokens', () => {
    it('/me needs a valid access token', async () => {
      const learner = await registerLearner(api.request);
      const me = await api.request
        .get('/api/auth/me')
        .set(...bearer(learner))
        .expect(200);
      expect(me.body).toMatchObject({ id: learner.account.id, email: learner.account.email, tier: 'starter' });

      await api.request.get('/api/auth/me').expect(401);
      await api.request.get('/api/auth/me').set('Authorization', 'Basic abc').expect(401);
      const tampered = `${learner.accessToken.slice(0, -2)}xx`;
      expect((await api.request.get('/api/auth/me').set('Authorization', `Bearer ${tampered}`).expect(401)).body.error.code).toBe('INVALID_TOKEN');
    });

    it('refuses unsigned, foreign-key and expired tokens', async () => {
      const learner = await registerLearner(api.request);
      const claims = { sub: learner.account.id, tier: 'enterprise', iss: 'english-practice', aud: 'english-practice-api' };
      const unsigned = jwt.sign(claims, '', { algorithm: 'none' });
      const foreign = jwt.sign(claims, 'some-other-secret-that-is-long-enough!!', { algorithm: 'HS256' });
      const expired = jwt.sign({ ...claims, exp: Math.floor(Date.now() / 1000) - 10 }, api.deps.config.auth.jwtSecret, { algorithm: 'HS256' });
      for (const token of [unsigned, foreign]) {
        await api.request.get('/api/auth/me').set('Authorization', `Bearer ${token}`).expect(401);
      }
      const response = await api.request.get('/api/auth/me').set('Authorization', `Bearer ${expired}`).expect(401);
      expect(response.body.error.code).toBe('TOKEN_EXPIRED');
    });

    it('keeps refusing a remembered expired or foreign token for its reason, and serves a public read with one as signed out', async () => {
      const learner = await registerLearner(api.request);
      const claims = { sub: learner.account.id, tier: 'enterprise', iss: 'english-practice', aud: 'english-practice-api' };
      const expired = jwt.sign({ ...claims, exp: Math.floor(Date.now() / 1000) - 10 }, api.deps.config.auth.jwtSecret, { algorithm: 'HS256' });
      const foreign = jwt.sign({ ...claims, exp: Math.floor(Date.now() / 1000) + 600 }, 'some-other-secret-that-is-long-enough!!', { algorithm: 'HS256' });
      const valid = jwt.sign({ ...claims, exp: Math.floor(Date.now() / 1000) + 600 }, api.deps.config.auth.jwtSecret, { algorithm: 'HS256' });
      const policyOf = async (authorization?: string): Promise<string> => {
        const read = api.request.get(`/api/profiles/${learner.account.id}`);
        if (authorization) read.set('Authorization', authorization);
        return (await read.expect(200)).headers['ratelimit-policy'] as string;
      };
      const signedOutPolicy = await policyOf();
      expect(await policyOf(`Bearer ${valid}`)).not.toBe(signedOutPolicy);
      for (let i = 0; i < 3; i++) {
        expect((await api.request.get('/api/auth/me').set('Authorization', `Bearer ${expired}`).expect(401)).body.error.code).toBe('TOKEN_EXPIRED');
        expect((await api.request.get('/api/auth/me').set('Authorization', `Bearer ${foreign}`).expect(401)).body.error.code).toBe('INVALID_TOKEN');
        // Served, and counted as a signed-out client (by address), not as the token's enterprise account.
        expect(await policyOf(`Bearer ${expired}`)).toBe(signedOutPolicy);
      }
    });

    it('refuses a correctly signed token that has no exp (it would never expire)', async () => {
      const learner = await registerLearner(api.request);
      const claims = { sub: learner.account.id, tier: 'starter', iss: 'english-practice', aud: 'english-practice-api' };
      const eternal = jwt.sign(claims, api.deps.config.auth.jwtSecret, { algorithm: 'HS256' });
      const response = await api.request.get('/api/auth/me').set('Authorization', `Bearer ${eternal}`).expect(401);
      expect(response.body.error.code).toBe('INVALID_TOKEN');
    });

    it('in production mode, refuses a token forged with the committed development secret', async () => {
      const production = await startTestApp({ NODE_ENV: 'production', JWT_SECRET: 'a-production-secret-that-is-long-enough-1234' });
      try {
        const victim = await registerLearner(production.request);
        await production.request
          .get('/api/auth/me')
          .set(...bearer(victim))
          .expect(200);
        const forged = jwt.sign({ tier: 'enterprise' }, developmentJwtSecret, {
          algorithm: 'HS256',
          subject: victim.account.id,
          expiresIn: 600,
          issuer: 'english-practice',
          audience: 'english-practice-api',
        });
        const response = await production.request.get('/api/auth/me').set('Authorization', `Bearer ${forged}`).expect(401);
        expect(response.body.error.code).toBe('INVALID_TOKEN');
      } finally {
        await production.close();
      }
    });

    it('rotates refresh tokens and revokes the family when a spent one is reused', async () => {
      const learner = await registerLearner(api.request);
      const first = await api.request.post('/api/auth/refresh').send({ refreshToken: learner.refreshToken }).expect(200);
      expect(first.body.refreshToken).not.toBe(learner.refreshToken);

      const reuse = await api.request.post('/api/auth/refresh').send({ refreshToken: learner.refreshToken }).expect(401);
      expect(reuse.body.error.code).toBe('REFRESH_TOKEN_REUSED');
      // The thief's reuse also signed out the legitimate holder of the newer token.
      await api.request.post('/api/auth/refresh').send({ refreshToken: first.body.refreshToken }).expect(401);
    });

    it('lets exactly one of five concurrent refreshes with the same token succeed', async () => {
      const learner = await registerLearner(api.request);
      const results = await Promise.all([1, 2, 3, 4, 5].map(() => api.request.post('/api/auth/refresh').send({ refreshToken: learner.refreshToken })));
      expect(results.map((result) => result.status).sort()).toEqual([200, 401, 401, 401, 401]);
    });

    it('logout revokes the refresh token', async () => {
      const learner = await registerLearner(api.request);
      await api.request.post('/api/auth/logout').send({ refreshToken: learner.refreshToken }).expect(204);
      await api.request.post('/api/auth/refresh').send({ refreshToken: learner.refreshToken }).expect(401);
    });

    it.each([
      ['garbage', 401, 'INVALID_REFRESH_TOKEN'],
      // The right shape, but no such token.
      [`${'a'.repeat(24)}.${'b'.repeat(43)}`, 401, 'INVALID_REFRESH_TOKEN'],
      // An operator where a string belongs never reaches a query.
      [{ $gt: '' }, 400, 'VALIDATION_FAILED'],
    ])('refuses the refresh token %p with %p %s', async (refreshToken, status, code) => {
      const response = await api.request.post('/api/auth/refresh').send({ refreshToken });
      expect([response.status, response.body.error?.code]).toEqual([status, code]);
    });
  });
});
