import type { Response } from 'supertest';
import { freePort } from '../support/ports';
import { helmetDefaultHeaders } from '../support/security-headers';
import { startFerretDb, startRedis, type LocalServer } from '../support/servers';
import { startTestApp, type TestApp } from '../support/test-app';
import { waitFor } from '../support/wait';

function checkStatus(response: Response, name: string): string {
  return (JSON.parse(response.text) as { checks: Record<string, { status: string }[]> }).checks[name]![0]!.status;
}

async function timed<T>(work: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = performance.now();
  const result = await work();
  return { result, ms: performance.now() - started };
}

describe('probes with every dependency up', () => {
  let api: TestApp;
  beforeAll(async () => {
    api = await startTestApp();
  });
  afterAll(() => api.close());

  it('/live answers without touching a dependency', async () => {
    const response = await api.request.get('/live').expect(200);
    expect(response.body).toEqual({ status: 'alive', instanceId: api.deps.config.instanceId });
    expect(response.headers['cache-control']).toBe('no-store');
  });

  it('/ready is 200', async () => {
    await api.request.get('/ready').expect(200, { status: 'ready', instanceId: api.deps.config.instanceId });
  });

  it('is connected, and so ready, only once its pool holds MONGODB_POOL_MIN connections', () => {
    // The driver opens them one at a time, 100 ms apart: without the wait, 1 or 2 would be open here.
    expect(api.deps.config.mongo.poolMin).toBe(5);
    expect(api.deps.database.pool().open).toBeGreaterThanOrEqual(5);
  });

  it('/health is an application/health+json report with a check per dependency; "warn" while no queue worker runs', async () => {
    const response = await api.request.get('/health').expect(200);
    expect(response.headers['content-type']).toMatch(/^application\/health\+json/);
    const report = JSON.parse(response.text) as Record<string, unknown> & { checks: Record<string, Record<string, unknown>[]> };
    expect(report).toMatchObject({ status: 'warn', releaseId: api.deps.config.version, instanceId: api.deps.config.instanceId });
    const warnings = Object.entries(report.checks).filter(([, entries]) => entries.some((entry) => entry.status !== 'pass'));
    expect(warnings.map(([name]) => name)).toEqual(['workers:alive']);
    expect(report.checks['workers:alive']![0]).toMatchObject({ observedValue: 0, output: expect.stringMatching(/no worker/) });
    expect(report.checks['queues:depth']).toEqual([
      expect.objectContaining({ componentId: 'upload-processing', status: 'pass', observedValue: 0, waiting: 0, active: 0 }),
      expect.objectContaining({ componentId: 'lesson-generation', status: 'pass', observedValue: 0 }),
    ]);
    expect(Object.keys(report.checks).sort()).toEqual(
      [
        'cache:hitRate',
        'eventloop:lag',
        'events:streams',
        'memory:utilization',
        'mongodb:connections',
        'mongodb:responseTime',
        'process:lifecycle',
        'queues:depth',
        'rateLimit:store',
        'redis:responseTime',
        'redis:replication',
        'uptime',
        'workers:alive',
      ].sort(),
    );
    // One Redis server without replicas: nothing to wait for, nothing missing.
    expect(report.checks['redis:replication']![0]).toMatchObject({
      status: 'pass',
      mode: 'standalone',
      master: `127.0.0.1:${new URL(api.env.REDIS_URL!).port}`,
      observedValue: 0,
      knownReplicas: 0,
      jobsWaitForReplicas: 0,
      failovers: 0,
    });
    const mongo = report.checks['mongodb:responseTime']![0]!;
    expect(mongo).toMatchObject({ status: 'pass', observedUnit: 'ms', capabilities: { transactions: expect.any(Boolean), textSearch: expect.any(Boolean) } });
    expect(report.checks['mongodb:connections']![0]).toMatchObject({ max: 20, min: 5, open: expect.any(Number) });
    expect((report.checks['mongodb:connections']![0]!.open as number) >= 1).toBe(true);
  });

  it('finding 6 (issue 30): a flood of /health, internal or not, runs the dependency checks at most once a second', async () => {
    const pings = jest.spyOn(api.deps.database, 'ping');
    const redisPings = jest.spyOn(api.deps.redis!, 'ping');
    try {
      const started = Date.now();
      const answers = [];
      for (let round = 0; round < 10; round++) {
        answers.push(...(await Promise.all(Array.from({ length: 20 }, () => api.request.get('/health')))));
        answers.push(...(await Promise.all(Array.from({ length: 20 }, () => api.request.get('/health').set('X-Forwarded-For', '203.0.113.5')))));
      }
      const seconds = Math.ceil((Date.now() - started) / 1000);
      expect(answers.map((answer) => answer.status).every((status) => status === 200)).toBe(true);
      expect(pings.mock.calls.length).toBeLessThanOrEqual(seconds + 1);
      expect(redisPings.mock.calls.length).toBeLessThanOrEqual(seconds + 1);
    } finally {
      pings.mockRestore();
      redisPings.mockRestore();
    }
  });

  it('/ready fails with 503 as soon as shutdown begins', async () => {
    api.deps.lifecycle.beginShutdown();
    const response = await api.request.get('/ready').expect(503);
    expect(response.body.error.code).toBe('SHUTTING_DOWN');
    expect(checkStatus(await api.request.get('/health').expect(503), 'process:lifecycle')).toBe('fail');
  });
});

describe('probes without Redis', () => {
  it('serves with Redis unset and reports "warn"', async () => {
    const api = await startTestApp({ REDIS_URL: '' });
    try {
      await api.request.get('/ready').expect(200);
      const health = await api.request.get('/health').expect(200);
      expect(JSON.parse(health.text).status).toBe('warn');
      expect(checkStatus(health, 'redis:responseTime')).toBe('warn');
    } finally {
      await api.close();
    }
  });

  describe('with Redis stopped mid-run and restarted', () => {
    let redis: LocalServer;
    let api: TestApp;
    beforeAll(async () => {
      redis = await startRedis();
      api = await startTestApp({ REDIS_URL: redis.url });
    });
    afterAll(async () => {
      await api.close();
      await redis.destroy();
    });

    it('warns while Redis is down and passes once it is back, without a restart', async () => {
      expect(checkStatus(await api.request.get('/health'), 'redis:responseTime')).toBe('pass');
      await redis.stop();
      // A report is shared for up to a second (a flood of /health costs one a second).
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const { result: health, ms } = await timed(() => api.request.get('/health').expect(200));
      expect(ms).toBeLessThan(2000);
      expect(JSON.parse(health.text).status).toBe('warn');
      await api.request.get('/ready').expect(200);
      await api.request.get('/live').expect(200);
      await redis.start();
      await waitFor('redis check to pass again', async () => checkStatus(await api.request.get('/health'), 'redis:responseTime') === 'pass');
    });
  });
});

describe('probes without the database', () => {
  it('at start-up: /live 200, /ready 503, API calls 503 in under a second', async () => {
    const closedPort = await freePort();
    const api = await startTestApp({ MONGODB_URI: `mongodb://127.0.0.1:${closedPort}/nothing` }, { connectDatabase: false });
    try {
      await api.request.get('/live').expect(200);
      expect((await api.request.get('/ready').expect(503)).body.error.code).toBe('DATABASE_UNAVAILABLE');
      const { result, ms } = await timed(() => api.request.get('/api/anything').expect(503));
      expect(ms).toBeLessThan(1000);
      expect(result.body).toEqual({ error: { code: 'DATABASE_UNAVAILABLE', message: expect.any(String) } });
      expect(result.headers['retry-after']).toBeDefined();
      const health = await api.request.get('/health').expect(503);
      expect(JSON.parse(health.text).status).toBe('fail');
    } finally {
      await api.close();
    }
  });

  it('/live answers 200 ahead of every other middleware: no request id, security headers, CORS or metrics series', async () => {
    const closedPort = await freePort();
    const api = await startTestApp(
      { MONGODB_URI: `mongodb://127.0.0.1:${closedPort}/nothing`, CORS_ORIGINS: 'https://app.example' },
      { connectDatabase: false },
    );
    try {
      const asked = (path: string) => api.request.get(path).set('Origin', 'https://app.example').set('X-Request-Id', 'probe-1');
      const live = await asked('/live').expect(200);
      expect(live.body).toEqual({ status: 'alive', instanceId: api.deps.config.instanceId });
      expect(live.headers['cache-control']).toBe('no-store');
      const added = (headers: Record<string, string>): string[] =>
        ['x-request-id', 'access-control-allow-origin', ...Object.keys(helmetDefaultHeaders())].filter((name) => name in headers);
      expect(added(live.headers)).toEqual([]);
      // The same app adds all of them to any other route, even to a 503 for the missing database.
      const ready = await asked('/ready').expect(503);
      expect(added(ready.headers)).toEqual(['x-request-id', 'access-control-allow-origin', ...Object.keys(helmetDefaultHeaders())]);
      const series = await api.deps.metrics.registry.metrics();
      expect(series).toContain('route="/ready"');
      expect(series).not.toContain('route="/live"');
    } finally {
      await api.close();
    }
  });

  describe('stopped mid-run and restarted', () => {
    let database: LocalServer;
    let api: TestApp;
    beforeAll(async () => {
      database = await startFerretDb();
      api = await startTestApp({ MONGODB_URI: `${database.url}/midrun` });
    });
    afterAll(async () => {
      await api.close();
      await database.destroy();
    });

    it('fails readiness and API calls fast, then recovers by itself', async () => {
      await api.request.get('/ready').expect(200);
      await database.stop();
      await waitFor('/ready to fail', async () => (await api.request.get('/ready')).status === 503, 10_000);
      await waitFor('the API to refuse requests', async () => (await api.request.get('/api/anything')).status === 503, 3000);
      const { result, ms } = await timed(() => api.request.get('/api/anything'));
      expect(result.status).toBe(503);
      expect(ms).toBeLessThan(1000);
      await api.request.get('/live').expect(200);
      await database.start();
      await waitFor('/ready to pass again', async () => (await api.request.get('/ready')).status === 200, 15_000);
    });
  });
});
