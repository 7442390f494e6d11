import { accountModel } from '../../src/components/accounts/account.model';
import { registerLearner, uniqueEmail } from '../support/learners';
import { startRedis, type LocalServer } from '../support/servers';
import { startTestApp, type TestApp } from '../support/test-app';
import { waitFor } from '../support/wait';

const login = (api: TestApp, email: string, forwardedFor?: string) => {
  const request = api.request.post('/api/auth/login').send({ email, password: 'wrong password' });
  return forwardedFor ? request.set('X-Forwarded-For', forwardedFor) : request;
};

const password = 'correct horse battery';

const signIn = (api: TestApp, learner: { account: { email: string }; password: string }, forwardedFor: string) =>
  api.request.post('/api/auth/login').set('X-Forwarded-For', forwardedFor).send({ email: learner.account.email, password: learner.password });

const registerFrom = (api: TestApp, forwardedFor: string) =>
  api.request.post('/api/auth/register').set('X-Forwarded-For', forwardedFor).send({ email: uniqueEmail(), password, displayName: 'Learner' });

describe('rate limits', () => {
  let errors: jest.SpyInstance;
  let warnings: jest.SpyInstance;
  beforeEach(() => {
    errors = jest.spyOn(console, 'error');
    warnings = jest.spyOn(console, 'warn');
  });
  afterEach(() => {
    // express-rate-limit reports configuration mistakes (ERR_ERL_*) on the console.
    const logged = [...errors.mock.calls, ...warnings.mock.calls].map((call) => String(call[0]));
    expect(logged.filter((line) => line.includes('ERR_ERL'))).toEqual([]);
    errors.mockRestore();
    warnings.mockRestore();
  });

  describe('auth attempts', () => {
    let api: TestApp;
    beforeAll(async () => {
      api = await startTestApp({ RATE_LIMIT_AUTH_MAX: '5', RATE_LIMIT_AUTH_EMAIL_MAX: '8', TRUST_PROXY_HOPS: '1' });
    });
    afterAll(() => api.close());

    it('allows 5 attempts per client, then 429 with Retry-After and the standard headers', async () => {
      for (let i = 0; i < 5; i++) await login(api, uniqueEmail(), '203.0.113.7').expect(401);
      const limited = await login(api, uniqueEmail(), '203.0.113.7').expect(429);
      expect(limited.body).toEqual({ error: { code: 'RATE_LIMITED', message: expect.any(String) } });
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect(limited.headers.ratelimit).toMatch(/^limit=5, remaining=0, reset=\d+$/);
      expect(limited.headers['ratelimit-policy']).toBe('5;w=900');
    });

    it('keeps the owner able to sign in from their address while strangers guess from theirs', async () => {
      const owner = await registerLearner(api.request);
      // The reported attack: wrong passwords from four addresses, then the owner from a fresh one.
      for (let i = 0; i < 4; i++) await login(api, owner.account.email, `198.51.100.${i}`).expect(401);
      await signIn(api, owner, '198.51.100.50').expect(200);
      // One stranger's address used up: that address is refused for this e-mail, the owner's is not.
      for (let i = 0; i < 5; i++) await login(api, owner.account.email, '198.51.100.60').expect(401);
      await login(api, owner.account.email, '198.51.100.60').expect(429);
      await signIn(api, owner, '198.51.100.61').expect(200);
    });

    it('caps failed attempts per e-mail from all addresses together at RATE_LIMIT_AUTH_EMAIL_MAX', async () => {
      const email = uniqueEmail();
      for (let i = 0; i < 8; i++) await login(api, email, `198.18.0.${i}`).expect(401);
      const limited = await login(api, email, '198.18.0.99').expect(429);
      expect(limited.headers['ratelimit-policy']).toBe('8;w=900');
      await login(api, uniqueEmail(), '198.18.0.99').expect(401);
    });

    it('never counts registrations or successful logins', async () => {
      const sessions = [];
      for (let i = 0; i < 7; i++) sessions.push(await registerFrom(api, '198.18.1.1').expect(201));
      const learner = sessions[0]!.body as { account: { email: string } };
      for (let i = 0; i < 7; i++) await signIn(api, { account: learner.account, password }, '198.18.1.1').expect(200);
      await login(api, uniqueEmail(), '198.18.1.1').expect(401);
    });

    it("clears the e-mail's failed attempts when the owner signs in", async () => {
      const owner = await registerLearner(api.request);
      for (let i = 0; i < 7; i++) await login(api, owner.account.email, `198.18.2.${i}`).expect(401);
      await signIn(api, owner, '198.18.2.100').expect(200);
      // Without the reset the ceiling (8) would refuse the second of these.
      for (let i = 0; i < 7; i++) await login(api, owner.account.email, `198.18.3.${i}`).expect(401);
    });

    it('keys on the address our proxy saw, not on what the client wrote before it', async () => {
      for (let i = 0; i < 5; i++) await login(api, uniqueEmail(), `10.${i}.0.1, 192.0.2.10`).expect(401);
      await login(api, uniqueEmail(), '10.99.0.1, 192.0.2.10').expect(429);
    });
  });

  it('ignores X-Forwarded-For entirely without a trusted proxy', async () => {
    const api = await startTestApp({ RATE_LIMIT_AUTH_MAX: '3' });
    try {
      for (let i = 0; i < 3; i++) await login(api, uniqueEmail(), `192.0.2.${i}`).expect(401);
      await login(api, uniqueEmail(), '192.0.2.200').expect(429);
    } finally {
      await api.close();
    }
  });

  it('scales signed-in limits by tier and never limits the probes', async () => {
    const api = await startTestApp({ RATE_LIMIT_API_MAX: '2' });
    try {
      const starter = await registerLearner(api.request);
      const professional = await registerLearner(api.request);
      await accountModel(api.deps.database.connection).updateOne({ _id: professional.account.id }, { $set: { tier: 'professional' } });
      const proSession = (await api.request.post('/api/auth/login').send({ email: professional.account.email, password: professional.password }).expect(200))
        .body as { accessToken: string };

      const me = (token: string) => api.request.get('/api/auth/me').set('Authorization', `Bearer ${token}`);
      for (let i = 0; i < 2; i++) await me(starter.accessToken).expect(200);
      await me(starter.accessToken).expect(429);
      for (let i = 0; i < 10; i++) await me(proSession.accessToken).expect(200);
      const limited = await me(proSession.accessToken).expect(429);
      expect(limited.headers['ratelimit-policy']).toBe('10;w=900');

      for (const probe of ['/live', '/ready', '/health']) {
        for (let i = 0; i < 5; i++) await api.request.get(probe).expect(200);
      }
    } finally {
      await api.close();
    }
  });

  describe('with Redis stopped mid-run', () => {
    let redis: LocalServer;
    let api: TestApp;
    beforeAll(async () => {
      redis = await startRedis();
      api = await startTestApp({ REDIS_URL: redis.url, RATE_LIMIT_SEARCH_MAX: '3', RATE_LIMIT_SEARCH_ANONYMOUS_MAX: '3' });
    });
    afterAll(async () => {
      await api.close();
      await redis.destroy();
    });

    it('falls back to per-process limits without failing a request, then shares them again', async () => {
      await redis.stop();
      for (let i = 0; i < 3; i++) await api.request.get('/api/search/profiles?q=anyone').expect(200);
      await api.request.get('/api/search/profiles?q=anyone').expect(429);

      await redis.start();
      await waitFor('limits to count in redis again', async () => {
        await api.request.get('/api/search/profiles?q=anyone');
        const keys = await api.deps.redis!.client.keys(`${api.deps.config.redis.keyPrefix}rl:search:*`).catch(() => []);
        return keys.length > 0;
      });
      const health = JSON.parse((await api.request.get('/health')).text) as { checks: Record<string, { status: string }[]> };
      expect(health.checks['rateLimit:store']![0]!.status).toBe('pass');
    });
  });
});
