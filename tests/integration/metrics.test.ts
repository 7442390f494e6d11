import type { buildSummary } from '../../src/components/metrics/summary';
import { createCache } from '../../src/infra/cache/cache';
import { createProcessMetrics } from '../../src/infra/metrics/process-metrics';
import { bearer, registerLearner, type TestSession } from '../support/learners';
import { sample } from '../support/metrics-text';
import { freePort } from '../support/ports';
import { promtool } from '../support/promtool';
import { startTestApp, type TestApp } from '../support/test-app';
import { waitFor } from '../support/wait';

const token = 'metrics-token-for-the-tests-0123';

describe('/metrics on one process', () => {
  let api: TestApp;
  let learner: TestSession;
  beforeAll(async () => {
    api = await startTestApp({ TRUST_PROXY_HOPS: '1', METRICS_TOKEN: token, RATE_LIMIT_AUTH_MAX: '3', RATE_LIMIT_AUTH_WINDOW_SECONDS: '600' });
    learner = await registerLearner(api.request);
  });
  afterAll(() => api.close());

  it('counts requests by route template, method and status class, with no ids in the labels', async () => {
    const { id } = learner.account;
    for (let i = 0; i < 3; i++) await api.request.get(`/api/profiles/${id}`).expect(200);
    await api.request.get('/api/profiles/000000000000000000000000').expect(404);
    await api.request.get('/no/such/path/secret@example.com').expect(404);
    const text = (
      await api.request
        .get('/metrics')
        .expect(200)
        .expect('Content-Type', /text\/plain/)
    ).text;

    const instance_id = api.deps.config.instanceId;
    const route = '/api/profiles/:id';
    expect(sample(text, 'http_request_duration_seconds_count', { instance_id, method: 'GET', route, status_class: '2xx' })).toBe(3);
    // The 404 left the sub-router through the error handler: its template is still known.
    expect(sample(text, 'http_request_duration_seconds_count', { route, status_class: '4xx' })).toBe(1);
    expect(sample(text, 'http_request_duration_seconds_count', { route: 'unmatched', status_class: '4xx' })).toBe(1);
    expect(sample(text, 'http_requests_in_flight', { instance_id })).toBe(1);
    expect(text).not.toContain(id);
    expect(text).not.toContain('example.com');
  });

  it("measures the wait behind Nginx from its X-Request-Start stamp, and only from a stamp of Nginx's form", async () => {
    const queued = (text: string, le?: string): number =>
      (le ? sample(text, 'http_request_queue_seconds_bucket', { le }) : sample(text, 'http_request_queue_seconds_count', {})) ?? 0;
    const before = (await api.request.get('/metrics').expect(200)).text;
    const stampedAgo = (seconds: number): string => `t=${((Date.now() - seconds * 1000) / 1000).toFixed(3)}`;
    await api.request.get('/api/stats').set('X-Request-Start', stampedAgo(0.3)).expect(200);
    for (const notNginx of ['t=1', 'soon', 't=', String(Date.now() / 1000), `t=${Date.now()}`]) {
      await api.request.get('/api/stats').set('X-Request-Start', notNginx).expect(200);
    }
    await api.request.get('/api/stats').expect(200);
    const after = (await api.request.get('/metrics').expect(200)).text;
    expect(queued(after) - queued(before)).toBe(1);
    expect(queued(after, '0.25') - queued(before, '0.25')).toBe(0);
    expect(queued(after, '1') - queued(before, '1')).toBe(1);
  });

  it('reports the cache, the pool, Redis and the database, and Node defaults', async () => {
    const text = (await api.request.get('/metrics').expect(200)).text;
    expect(sample(text, 'cache_operations_total', { kind: 'profile', result: 'hit' })).toBeGreaterThanOrEqual(2);
    expect(sample(text, 'cache_operations_total', { kind: 'profile', result: 'miss' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'redis_up', {})).toBe(1);
    expect(sample(text, 'database_up', {})).toBe(1);
    expect(sample(text, 'db_pool_connections_max', {})).toBe(api.deps.config.mongo.poolMax);
    expect(sample(text, 'nodejs_eventloop_lag_p99_seconds', {})).not.toBeNull();
    expect(sample(text, 'nodejs_heap_size_limit_bytes', {})).toBeGreaterThan(0);
    expect(sample(text, 'metrics_view_partial', {})).toBe(0);
  });

  it('counts rate-limit rejections by limit', async () => {
    const attempt = () => api.request.post('/api/auth/login').send({ email: 'nobody@example.com', password: 'wrong password!' });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await attempt()).status);
    const refused = statuses.filter((status) => status === 429).length;
    expect(refused).toBeGreaterThan(0);
    const text = (await api.request.get('/metrics').expect(200)).text;
    expect(sample(text, 'rate_limit_rejections_total', { limit: 'sign-in' })).toBe(refused);
  });

  it('passes promtool check metrics', async () => {
    const text = (await api.request.get('/metrics').expect(200)).text;
    const result = await promtool(['check', 'metrics'], text);
    expect(result).toEqual({ code: 0, output: '' });
  });

  it('refuses outside addresses without the token, in the error shape', async () => {
    const outside = (path: string) => api.request.get(path).set('X-Forwarded-For', '203.0.113.9');
    const refused = await outside('/metrics').expect(403);
    expect(refused.body).toEqual({ error: { code: 'FORBIDDEN', message: expect.any(String) } });
    await outside('/metrics/summary').expect(403);
    await outside('/metrics').set('Authorization', 'Bearer not-the-metrics-token').expect(403);
    await outside('/metrics')
      .set(...bearer({ accessToken: token }))
      .expect(200);
    await api.request.get('/metrics').set('X-Forwarded-For', '10.1.2.3').expect(200);
  });

  it('summarises the last 1 and 5 minutes per route', async () => {
    const summary = (await api.request.get('/metrics/summary').expect(200)).body as ReturnType<typeof buildSummary>;
    expect(summary.partial).toBe(false);
    for (const window of ['1m', '5m'] as const) {
      const route = summary.windows[window].routes.find((entry) => entry.method === 'GET' && entry.route === '/api/profiles/:id');
      expect(route).toMatchObject({ requests: 4, errorRate: 0 });
      expect(route?.p50Ms).toBeGreaterThan(0);
      expect(route?.p99Ms).toBeGreaterThanOrEqual(route?.p50Ms ?? Infinity);
      expect(summary.windows[window].cache.profile?.hitRate).toBeGreaterThan(0);
      expect(summary.windows[window].pool.size).toBe(api.deps.config.mongo.poolMax);
    }
  });
});

describe('the cluster-wide view', () => {
  let api: TestApp;
  beforeAll(async () => {
    api = await startTestApp({ METRICS_PUBLISH_INTERVAL_MS: '500' });
  });
  afterAll(() => api.close());

  it("shows another process's series beside its own, each with its instance_id, until it stops", async () => {
    const { config, logger, redis, database } = api.deps;
    const cache = createCache({ redis, logger, keyPrefix: config.redis.keyPrefix, ttlSeconds: config.cache.ttlSeconds });
    const other = createProcessMetrics('worker', 'other-process', { config, logger, redis, database, cache });
    other.start();
    try {
      await waitFor(
        'the other process in the scrape',
        async () => sample((await api.request.get('/metrics')).text, 'redis_up', { instance_id: 'other-process' }) === 1,
      );
      const text = (await api.request.get('/metrics').expect(200)).text;
      expect(sample(text, 'redis_up', { instance_id: config.instanceId, role: 'api' })).toBe(1);
      expect(sample(text, 'metrics_view_processes', {})).toBe(2);
      expect((await promtool(['check', 'metrics'], text)).code).toBe(0);
    } finally {
      await other.stop();
    }
    const after = (await api.request.get('/metrics').expect(200)).text;
    expect(sample(after, 'redis_up', { instance_id: 'other-process' })).toBeNull();
  });
});

describe('/metrics with Redis down', () => {
  let api: TestApp;
  beforeAll(async () => {
    api = await startTestApp({ REDIS_URL: `redis://127.0.0.1:${await freePort()}` });
  });
  afterAll(() => api.close());

  it("answers with the process's own series and says the view is partial", async () => {
    const text = (await api.request.get('/metrics').expect(200)).text;
    expect(sample(text, 'metrics_view_partial', {})).toBe(1);
    expect(sample(text, 'redis_up', { instance_id: api.deps.config.instanceId })).toBe(0);
    expect((await api.request.get('/metrics/summary').expect(200)).body.partial).toBe(true);
  });
});
