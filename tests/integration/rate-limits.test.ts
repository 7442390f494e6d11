import { accountModel } from '../../src/components/accounts/account.model';
import { registerLearner, uniqueEmail } from '../support/learners';
import { startRedis, type LocalServer } from '../support/servers';
import { startTestApp, type TestApp } from '../support/test-app';
import { waitFor } from '../support/wait';

const login = (api: TestApp, email: string, forwardedFor?: string) => {
  const request = api.request.post('/api/auth/login').send({ email, password: 'wrong password' });
  return forwardedFor ? request.set('X-Forwarded-For', forwardedFor) : request;
};

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
      api = await startTestApp({ RATE_LIMIT_AUTH_MAX: '5', TRUST_PROXY_HOPS: '1' });
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

    it('allows 5 attempts per account, whichever addresses they come from', async () => {
      const email = uniqueEmail();
      for (let i = 0; i < 5; i++) await login(api, email, `198.51.100.${i}`).expect(401);
      await login(api, email, '198.51.100.99').expect(429);
      await login(api, uniqueEmail(), '198.51.100.99').expect(401);
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
      api = await startTestApp({ REDIS_URL: redis.url, RATE_LIMIT_SEARCH_MAX: '3' });
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
