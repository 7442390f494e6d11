import { accountModel } from '../../src/components/learners/account.model';
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

  describe('failed sign-ins (the production budgets: 5 per account and address, 20 per address, guarded from 50)', () => {
    let api: TestApp;
    const budgets = {
      RATE_LIMIT_AUTH_MAX: '5',
      RATE_LIMIT_AUTH_ADDRESS_MAX: '20',
      RATE_LIMIT_AUTH_EMAIL_MAX: '50',
      RATE_LIMIT_AUTH_GUARDED_MAX: '2',
      RATE_LIMIT_AUTH_WINDOW_SECONDS: '900',
    };
    beforeAll(async () => {
      api = await startTestApp({ ...budgets, TRUST_PROXY_HOPS: '1' });
    });
    afterAll(() => api.close());

    it('lets an attacker address make 5 wrong guesses at one account and 20 in all per 15 minutes, then 429 with Retry-After', async () => {
      const target = await registerLearner(api.request);
      for (let i = 0; i < 5; i++) await login(api, target.account.email, '203.0.113.7').expect(401);
      const limited = await login(api, target.account.email, '203.0.113.7').expect(429);
      expect(limited.body).toEqual({ error: { code: 'RATE_LIMITED', message: expect.any(String) } });
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(890);
      expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(900);
      // Other accounts from the same address: 15 more (password spraying), then nothing.
      for (let i = 0; i < 15; i++) await login(api, uniqueEmail(), '203.0.113.7').expect(401);
      await login(api, uniqueEmail(), '203.0.113.7').expect(429);
      // The owner, from their own address, is not affected.
      await signIn(api, target, '203.0.113.8').expect(200);
    });

    it('gives 100 wrong guesses sent at once no more than the 5 a window allows', async () => {
      const target = await registerLearner(api.request);
      const statuses = (await Promise.all(Array.from({ length: 100 }, () => login(api, target.account.email, '203.0.113.9')))).map((r) => r.status);
      expect(statuses.filter((status) => status === 401)).toHaveLength(5);
      expect(statuses.filter((status) => status === 429)).toHaveLength(95);
    });

    it('signs a classroom of 40 behind one address in at once with no refusal, typos included', async () => {
      const classroom = await Promise.all(Array.from({ length: 40 }, () => registerLearner(api.request)));
      // Three learners mistype first: failures of their own, far from the address's 20.
      for (const learner of classroom.slice(0, 3)) await login(api, learner.account.email, '198.51.100.40').expect(401);
      const started = Date.now();
      const statuses = (await Promise.all(classroom.map((learner) => signIn(api, learner, '198.51.100.40')))).map((r) => r.status);
      process.stdout.write(`classroom: 40 sign-ins from one address in ${Date.now() - started} ms\n`);
      expect(statuses).toEqual(classroom.map(() => 200));
      // A second lesson the same morning: all again, still none refused.
      const again = (await Promise.all(classroom.map((learner) => signIn(api, learner, '198.51.100.40')))).map((r) => r.status);
      expect(again).toEqual(classroom.map(() => 200));
    });

    it('keeps the owner signing in after 1,000 wrong guesses at the account from 50 addresses', async () => {
      const owner = await registerLearner(api.request);
      const addresses = Array.from({ length: 50 }, (_, i) => `192.0.2.${i + 1}`);
      const statuses: number[] = [];
      // 20 guesses from each address, 10 addresses at a time (more at once makes FerretDB on
      // SQLite, which scans the accounts for each e-mail, time out: 503, which counts nothing).
      for (let batch = 0; batch < addresses.length; batch += 10) {
        await Promise.all(
          addresses.slice(batch, batch + 10).map(async (address) => {
            for (let i = 0; i < 20; i++) statuses.push((await login(api, owner.account.email, address)).status);
          }),
        );
      }
      expect(statuses).toHaveLength(1000);
      const verified = statuses.filter((status) => status === 401).length;
      process.stdout.write(`1,000 guesses from 50 addresses: ${verified} checked, ${statuses.filter((s) => s === 429).length} refused\n`);
      // Guarded past 50 failures: each address keeps at most 2 (whichever came first, at most 5).
      expect(verified).toBeGreaterThanOrEqual(50);
      expect(verified).toBeLessThanOrEqual(50 + 2 * 50);
      expect(statuses.filter((status) => status !== 401 && status !== 429)).toEqual([]);
      // The owner, from a new address (a phone on another network), and from home after one typo.
      await signIn(api, owner, '198.51.100.200').expect(200);
      await login(api, owner.account.email, '198.51.100.201').expect(401);
      await signIn(api, owner, '198.51.100.201').expect(200);
      // While guarded, a new address gets 2 wrong guesses at it, not 5.
      await login(api, owner.account.email, '198.51.100.202').expect(401);
      await login(api, owner.account.email, '198.51.100.202').expect(401);
      await login(api, owner.account.email, '198.51.100.202').expect(429);
    });

    it('counts only wrong credentials: never a bad request, a refusal or a success', async () => {
      const learner = await registerLearner(api.request);
      // Malformed bodies: 400, nothing counted.
      for (let i = 0; i < 30; i++)
        await api.request.post('/api/auth/login').set('X-Forwarded-For', '198.18.0.1').send({ email: 'not an e-mail', password: 'x' }).expect(400);
      // 4 typos, then the right password: the pair's count is cleared.
      for (let i = 0; i < 4; i++) await login(api, learner.account.email, '198.18.0.1').expect(401);
      await signIn(api, learner, '198.18.0.1').expect(200);
      for (let i = 0; i < 4; i++) await login(api, learner.account.email, '198.18.0.1').expect(401);
      await signIn(api, learner, '198.18.0.1').expect(200);
      // The address's own count (8 so far) is not cleared by a success: 12 more, then 429,
      // and the refusals themselves do not count (the owner of another account still passes).
      for (let i = 0; i < 12; i++) await login(api, uniqueEmail(), '198.18.0.1').expect(401);
      for (let i = 0; i < 5; i++) await login(api, uniqueEmail(), '198.18.0.1').expect(429);
      await signIn(api, learner, '198.18.0.2').expect(200);
    });

    it('never counts registrations or successful sign-ins', async () => {
      const sessions = [];
      for (let i = 0; i < 7; i++) sessions.push(await registerFrom(api, '198.18.1.1').expect(201));
      const learner = sessions[0]!.body as { account: { email: string } };
      for (let i = 0; i < 30; i++) await signIn(api, { account: learner.account, password }, '198.18.1.1').expect(200);
      await login(api, uniqueEmail(), '198.18.1.1').expect(401);
    });

    it('keys on the address our proxy saw, not on what the client wrote before it', async () => {
      const target = uniqueEmail();
      for (let i = 0; i < 5; i++) await login(api, target, `10.${i}.0.1, 192.0.2.210`).expect(401);
      await login(api, target, '10.99.0.1, 192.0.2.210').expect(429);
    });
  });

  it('gives each address a fresh budget in the next window', async () => {
    const api = await startTestApp({ RATE_LIMIT_AUTH_MAX: '2', RATE_LIMIT_AUTH_WINDOW_SECONDS: '1', TRUST_PROXY_HOPS: '1' });
    try {
      const target = uniqueEmail();
      for (let i = 0; i < 2; i++) await login(api, target, '203.0.113.50').expect(401);
      const limited = await login(api, target, '203.0.113.50').expect(429);
      expect(limited.headers['retry-after']).toBe('1');
      await new Promise((resolve) => setTimeout(resolve, 1100));
      for (let i = 0; i < 2; i++) await login(api, target, '203.0.113.50').expect(401);
      await login(api, target, '203.0.113.50').expect(429);
    } finally {
      await api.close();
    }
  });

  it('ignores X-Forwarded-For entirely without a trusted proxy', async () => {
    const api = await startTestApp({ RATE_LIMIT_AUTH_ADDRESS_MAX: '3' });
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

  it('takes the tier from the database at the next refresh: a token is trusted only while it lives', async () => {
    const api = await startTestApp({ RATE_LIMIT_API_MAX: '2', ACCESS_TOKEN_TTL_SECONDS: '900' });
    try {
      const learner = await registerLearner(api.request);
      await accountModel(api.deps.database.connection).updateOne({ _id: learner.account.id }, { $set: { tier: 'professional' } });
      const me = (token: string) => api.request.get('/api/auth/me').set('Authorization', `Bearer ${token}`);
      // The token issued before the change says starter, and is held to starter's budget.
      for (let i = 0; i < 2; i++) await me(learner.accessToken).expect(200);
      expect((await me(learner.accessToken).expect(429)).headers['ratelimit-policy']).toBe('2;w=900');
      const refreshed = (await api.request.post('/api/auth/refresh').send({ refreshToken: learner.refreshToken }).expect(200)).body as { accessToken: string };
      const upgraded = await me(refreshed.accessToken).expect(200);
      expect(upgraded.body.tier).toBe('professional');
      expect(upgraded.headers['ratelimit-policy']).toBe('10;w=900');
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
