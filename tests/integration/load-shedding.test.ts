import { startTestApp, type TestApp } from '../support/test-app';

/** `t=<seconds>` as Nginx stamps it, `agoMs` before now. */
const stampedAgo = (agoMs: number): string => `t=${((Date.now() - agoMs) / 1000).toFixed(3)}`;

function shedCount(metrics: string): number {
  const line = metrics.split('\n').find((entry) => entry.startsWith('http_requests_shed_total'));
  if (line === undefined) throw new Error('no http_requests_shed_total in /metrics');
  return Number(line.split(' ').at(-1));
}

describe('load shedding by queue time (SHED_QUEUE_WAIT_MS=500)', () => {
  let api: TestApp;
  beforeAll(async () => {
    api = await startTestApp({ SHED_QUEUE_WAIT_MS: '500' });
  });
  afterAll(() => api.close());

  it('answers an /api request that waited too long 503 OVERLOADED with Retry-After, and counts it', async () => {
    const before = shedCount((await api.request.get('/metrics').expect(200)).text);
    for (const path of ['/api/ping', '/api/profiles/me', '/api/nope']) {
      const response = await api.request.get(path).set('X-Request-Start', stampedAgo(2000)).expect(503);
      expect(response.body).toEqual({ error: { code: 'OVERLOADED', message: expect.any(String) } });
      expect(response.headers['retry-after']).toBeDefined();
    }
    // A write is shed before its body is read or validated.
    await api.request.post('/api/auth/register').set('X-Request-Start', stampedAgo(2000)).send({ nonsense: true }).expect(503);
    expect(shedCount((await api.request.get('/metrics').expect(200)).text)).toBe(before + 4);
  });

  it('serves a request that waited less, one with no stamp, and one with a stamp it cannot read', async () => {
    await api.request.get('/api/ping').set('X-Request-Start', stampedAgo(100)).expect(200, { status: 'ok' });
    await api.request.get('/api/ping').expect(200);
    await api.request.get('/api/ping').set('X-Request-Start', 'yesterday').expect(200);
    await api.request.get('/api/ping').set('X-Request-Start', stampedAgo(-60_000)).expect(200);
  });

  it('never sheds the probes or /metrics: an orchestrator must not restart a busy process', async () => {
    for (const path of ['/live', '/ready', '/health', '/metrics']) {
      const response = await api.request.get(path).set('X-Request-Start', stampedAgo(60_000));
      expect([path, response.status]).toEqual([path, 200]);
    }
  });
});

describe('load shedding off (SHED_QUEUE_WAIT_MS=0)', () => {
  let api: TestApp;
  beforeAll(async () => {
    api = await startTestApp({ SHED_QUEUE_WAIT_MS: '0' });
  });
  afterAll(() => api.close());

  it('serves a request however long it waited', async () => {
    await api.request.get('/api/ping').set('X-Request-Start', stampedAgo(60_000)).expect(200);
  });
});
