import { setTimeout as delay } from 'node:timers/promises';
import { bearer, registerLearner, type TestSession } from '../support/learners';
import { startRedis, type LocalServer } from '../support/servers';
import { startSecondApp, startTestApp, type TestApp } from '../support/test-app';
import { waitFor } from '../support/wait';

const healthStatus = async (api: TestApp, check: string): Promise<string> =>
  (JSON.parse((await api.request.get('/health')).text) as { checks: Record<string, { status: string }[]> }).checks[check]![0]!.status;

describe('the profile and search cache', () => {
  let api: TestApp;
  let learner: TestSession;
  beforeAll(async () => {
    api = await startTestApp({ CACHE_TTL_PROFILE_SECONDS: '1' });
    learner = await registerLearner(api.request, { displayName: 'Cached Carmen' });
  });
  afterAll(() => api.close());

  it('serves a profile from Redis until its TTL expires', async () => {
    const before = api.deps.cache.counters().profile;
    await api.request.get(`/api/profiles/${learner.account.id}`).expect(200);
    await api.request.get(`/api/profiles/${learner.account.id}`).expect(200);
    expect(api.deps.cache.counters().profile).toMatchObject({ loads: before.loads + 1, hits: before.hits + 1 });
    await delay(1200);
    await api.request.get(`/api/profiles/${learner.account.id}`).expect(200);
    expect(api.deps.cache.counters().profile.loads).toBe(before.loads + 2);
  });

  it('shows a change on the very next read of the profile and of searches', async () => {
    await api.request.get(`/api/profiles/${learner.account.id}`).expect(200);
    expect((await api.request.get('/api/search/profiles?q=carmen').expect(200)).body.total).toBe(1);

    await api.request
      .patch('/api/profiles/me')
      .set(...bearer(learner))
      .send({ displayName: 'Renamed Rosa' })
      .expect(200);

    expect((await api.request.get(`/api/profiles/${learner.account.id}`).expect(200)).body.displayName).toBe('Renamed Rosa');
    expect((await api.request.get('/api/search/profiles?q=carmen').expect(200)).body.total).toBe(0);
    expect((await api.request.get('/api/search/profiles?q=rosa').expect(200)).body.total).toBe(1);
  });

  it('shares entries between searches that normalise alike', async () => {
    const before = api.deps.cache.counters().search;
    await api.request.get('/api/search/profiles?q=%20R%C3%89NAMED%20').expect(200);
    await api.request.get('/api/search/profiles?q=renamed').expect(200);
    expect(api.deps.cache.counters().search.loads).toBe(before.loads + 1);
  });
});

describe('a stampede on one cold key across two API instances', () => {
  it('loads from the database exactly once for 100 concurrent requests', async () => {
    const first = await startTestApp();
    const second = await startSecondApp(first);
    try {
      const learner = await registerLearner(first.request);
      const responses = await Promise.all(
        Array.from({ length: 100 }, (_, index) => (index % 2 === 0 ? first : second).request.get(`/api/profiles/${learner.account.id}`)),
      );
      expect(responses.map((response) => response.status)).toEqual(Array(100).fill(200));
      expect(new Set(responses.map((response) => response.text)).size).toBe(1);
      const loads = first.deps.cache.counters().profile.loads + second.deps.cache.counters().profile.loads;
      expect(loads).toBe(1);
    } finally {
      await second.close();
      await first.close();
    }
  });
});

describe('the cache while Redis is down', () => {
  let redis: LocalServer;
  let api: TestApp;
  let learner: TestSession;
  beforeAll(async () => {
    redis = await startRedis();
    api = await startTestApp({ REDIS_URL: redis.url });
    learner = await registerLearner(api.request);
  });
  afterAll(async () => {
    await api.close();
    await redis.destroy();
  });

  it('answers from the database, reports warn, and resumes caching when Redis returns', async () => {
    const path = `/api/profiles/${learner.account.id}`;
    await api.request.get(path).expect(200);
    await api.request.get(path).expect(200);
    expect(api.deps.cache.counters().profile.hits).toBe(1);

    await redis.stop();
    for (let i = 0; i < 3; i++) await api.request.get(path).expect(200);
    await api.request.get('/api/stats').expect(200);
    expect(api.deps.cache.counters().profile.errors).toBeGreaterThanOrEqual(3);
    expect(await healthStatus(api, 'cache:hitRate')).toBe('warn');
    expect(await healthStatus(api, 'rateLimit:store')).toBe('warn');
    expect(JSON.parse((await api.request.get('/health').expect(200)).text).status).toBe('warn');

    await redis.start();
    await waitFor('redis to be used again', async () => {
      await api.request.get(path).expect(200);
      return (await healthStatus(api, 'cache:hitRate')) === 'pass' && (await healthStatus(api, 'rateLimit:store')) === 'pass';
    });
    const hits = api.deps.cache.counters().profile.hits;
    await api.request.get(path).expect(200);
    await api.request.get(path).expect(200);
    expect(api.deps.cache.counters().profile.hits).toBeGreaterThan(hits);
  });
});
