import { brotliCompressSync, deflateSync, gzipSync, zstdCompressSync } from 'node:zlib';
import { helmetDefaultHeaders } from '../support/security-headers';
import { startTestApp, type TestApp } from '../support/test-app';

describe('HTTP basics on real servers', () => {
  let api: TestApp;
  beforeAll(async () => {
    api = await startTestApp({ CORS_ORIGINS: 'https://app.example', BODY_LIMIT: '1kb' });
  });
  afterAll(() => api.close());

  it('answers an unknown route with 404 in the error shape', async () => {
    for (const path of ['/nope', '/api/nope']) {
      const response = await api.request.get(path).expect(404);
      expect(response.body).toEqual({ error: { code: 'NOT_FOUND', message: expect.stringContaining(path) } });
    }
  });

  it('refuses malformed JSON with 400 and no stack trace', async () => {
    const response = await api.request.post('/api/anything').set('Content-Type', 'application/json').send('{"email": ').expect(400);
    expect(response.body.error.code).toBe('MALFORMED_JSON');
    expect(JSON.stringify(response.body)).not.toMatch(/at .*\.(js|ts):\d+/);
  });

  it('refuses a body over the limit with 413', async () => {
    const response = await api.request
      .post('/api/anything')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ bio: 'x'.repeat(2048) }))
      .expect(413);
    expect(response.body.error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('refuses an unsupported body encoding with 415', async () => {
    const response = await api.request.post('/api/anything').set('Content-Type', 'application/json').set('Content-Encoding', 'compress').send('{}').expect(415);
    expect(response.body.error.code).toBe('UNSUPPORTED_ENCODING');
  });

  // superagent JSON-encodes a Buffer sent as application/json; these bodies must go as they are.
  const asSent = (bytes: unknown): string => bytes as string;
  const body = Buffer.from(JSON.stringify({ email: 'a@example.com', password: 'correct horse battery' }));
  const corrupt = (compressed: Buffer): Buffer => Buffer.concat([compressed.subarray(0, 6), Buffer.from('not the rest of the stream at all')]);
  it.each([
    ['deflate', 'garbage', Buffer.from('this was never deflated')],
    ['gzip', 'garbage', Buffer.from('this was never gzipped')],
    ['br', 'garbage', Buffer.from('this was never brotli-compressed')],
    ['zstd', 'garbage', Buffer.from('this was never zstd-compressed')],
    ['deflate', 'a corrupted stream', corrupt(deflateSync(body))],
    ['gzip', 'a corrupted stream', corrupt(gzipSync(body))],
    ['gzip', 'a truncated stream', gzipSync(body).subarray(0, 12)],
    ['br', 'a corrupted stream', corrupt(brotliCompressSync(body))],
    ['zstd', 'a corrupted stream', corrupt(zstdCompressSync(body))],
  ])('refuses a %s body that is %s with 400, on a public and a signed-in route', async (encoding, _what, bytes) => {
    for (const path of ['/api/auth/login', '/api/profiles/me']) {
      const response = await api.request
        .post(path)
        .set('Content-Type', 'application/json')
        .set('Content-Encoding', encoding)
        .serialize(asSent)
        .send(bytes)
        .expect(400);
      expect(response.body).toEqual({ error: { code: 'UNDECODABLE_BODY', message: expect.any(String) } });
    }
  });

  it('still reads a well-formed compressed body', async () => {
    const response = await api.request
      .post('/api/auth/login')
      .set('Content-Type', 'application/json')
      .set('Content-Encoding', 'gzip')
      .serialize(asSent)
      .send(gzipSync(body))
      .expect(401);
    expect(response.body.error.code).toBe('INVALID_CREDENTIALS');
  });

  it('echoes a well-formed request id and replaces a hostile one', async () => {
    const kept = await api.request.get('/api/ping').set('X-Request-Id', 'abc-123');
    expect(kept.headers['x-request-id']).toBe('abc-123');
    const replaced = await api.request.get('/api/ping').set('X-Request-Id', '"}{"level":60,"msg":"forged');
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("sends helmet's headers by default (SECURITY_HEADERS=app), and no x-powered-by", async () => {
    const response = await api.request.get('/api/ping').expect(200);
    expect(response.headers).toMatchObject(helmetDefaultHeaders());
    expect(response.headers['x-powered-by']).toBeUndefined();
  });

  it('allows only the configured CORS origins', async () => {
    const allowed = await api.request.get('/api/ping').set('Origin', 'https://app.example');
    expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example');
    const other = await api.request.get('/api/ping').set('Origin', 'https://evil.example');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('SECURITY_HEADERS=edge: the reverse proxy sends the security headers', () => {
  let api: TestApp;
  beforeAll(async () => {
    api = await startTestApp({ SECURITY_HEADERS: 'edge', CORS_ORIGINS: 'https://app.example' });
  });
  afterAll(() => api.close());

  const helmetNames = Object.keys(helmetDefaultHeaders());

  it.each([
    ['a success', '/api/ping', 200],
    ['an error', '/api/nope', 404],
  ])("%s carries none of helmet's headers, and the rest as with helmet", async (_what, path, status) => {
    const response = await api.request.get(path).set('Origin', 'https://app.example').expect(status);
    expect(helmetNames.length).toBeGreaterThan(0);
    expect(helmetNames.filter((name) => name in response.headers)).toEqual([]);
    expect(response.headers['x-request-id']).toBeDefined();
    expect(response.headers['access-control-allow-origin']).toBe('https://app.example');
    expect(response.headers['x-powered-by']).toBeUndefined();
  });
});
