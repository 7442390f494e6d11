import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApiProcess, type ApiProcess } from '../support/api-process';
import { behindNginx, startNginx, type Nginx } from '../support/nginx';
import { projectRoot } from '../support/servers';
import { rawExchange, rawRequest } from '../support/raw-http';
import { testEnvironment } from '../support/test-env';

/** Issue 30 ("Hostile clients at the edge, round two"): the findings at the edge, through real Nginx. */
jest.setTimeout(90_000);

const uploads = mkdtempSync(join(tmpdir(), 'ep-hostile-edge-'));
const publicClient = '127.0.0.77';
let app: ApiProcess;
let edge: Nginx;

beforeAll(async () => {
  app = await startApiProcess(testEnvironment({ STORAGE_LOCAL_DIR: uploads, ...behindNginx }));
  edge = await startNginx({ apiPort: app.port, storageDir: uploads, publicAddresses: [publicClient] });
});

afterAll(async () => {
  await edge?.stop();
  app?.child.kill('SIGTERM');
  await app?.exitCode;
  rmSync(uploads, { recursive: true, force: true });
});

function errorCode(body: string): string | undefined {
  try {
    return (JSON.parse(body) as { error?: { code?: string } }).error?.code;
  } catch {
    return undefined;
  }
}

/** `count` requests for `path` from `localAddress`, 25 at a time: their statuses. */
async function flood(path: string, localAddress: string, count: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let sent = 0; sent < count; sent += 25) {
    const batch = await Promise.all(Array.from({ length: 25 }, () => rawRequest(`${edge.url}${path}`, { localAddress })));
    statuses.push(...batch.map((response) => response.status));
  }
  return statuses;
}

describe('finding 5: only the exact probe paths skip the per-client limits', () => {
  it.each(['/livez', '/healthcheck-anything', '/ready/../readyz', '/metricsx'])('%s is limited like any other path', async (path) => {
    const statuses = await flood(path, '127.0.0.31', 400);
    expect(statuses.filter((status) => status === 429).length).toBeGreaterThan(0);
  });

  it('the probes themselves are never limited', async () => {
    for (const path of ['/live', '/ready', '/health']) {
      const statuses = await flood(path, '127.0.0.32', 400);
      expect({ path, refused: statuses.filter((status) => status !== 200).length }).toEqual({ path, refused: 0 });
    }
  });

  it.each(['/metrics', '/METRICS', '/Metrics/Summary', '/metrics/summary/'])('%s is not served to a public client, whatever its case', async (path) => {
    const response = await rawRequest(`${edge.url}${path}`, { localAddress: publicClient });
    expect(response.status).toBe(404);
    expect(errorCode(response.body)).toBe('NOT_FOUND');
    expect(response.body).not.toContain('http_request');
  });

  it('an internal client still reads the metrics', async () => {
    const response = await rawRequest(`${edge.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.body).toContain('http_request_duration_seconds');
  });
});

describe('finding 6: Nginx keeps /health answers for a second, one copy per kind of client', () => {
  it('keeps one copy per kind of client, so a public client never gets the internal report', async () => {
    // The API behind sees every test client as loopback (internal), so the split is read from
    // the configuration: the copy is chosen by the same geo that guards /metrics.
    const server = readFileSync(join(projectRoot, 'nginx', 'server.conf'), 'utf8');
    const location = /location = \/health \{[^}]*\}/.exec(server)?.[0] ?? '';
    expect(location).toMatch(/proxy_cache_key \$ep_internal_client;/);
    const internal = await rawRequest(`${edge.url}/health`);
    expect(JSON.parse(internal.body)).toHaveProperty('checks');
    expect(internal.headers['cache-control']).toBe('no-store');
  });

  it('answers repeated /health requests from its copy: the API builds about one report a second', async () => {
    expect((await flood('/health', '127.0.0.33', 500)).every((status) => status === 200)).toBe(true);
    // Each report the API builds is stamped with its time: 20 answers in a row share one or two.
    const stamps = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const report = JSON.parse((await rawRequest(`${edge.url}/health`)).body) as { checks: { uptime: { time: string }[] } };
      stamps.add(report.checks.uptime[0]!.time);
    }
    expect(stamps.size).toBeLessThanOrEqual(2);
  });
});

describe('finding 11: an HTTP/1.0 request without Host is served', () => {
  it.each(['/live', '/ready', '/health', '/api/ping'])('GET %s HTTP/1.0 with no Host, through Nginx', async (path) => {
    const response = await rawExchange(edge.port, `GET ${path} HTTP/1.0\r\n\r\n`);
    expect(response.status).toBe(200);
    expect(response.body).toMatch(/"status"/);
  });

  it('GET /live HTTP/1.0 with no Host, straight at the API', async () => {
    const response = await rawExchange(app.port, 'GET /live HTTP/1.0\r\n\r\n');
    expect(response.status).toBe(200);
  });
});

describe('finding 12: every error a client can meet is the JSON error shape', () => {
  const expectJsonError = async (port: number, request: string, status: number, code: string): Promise<void> => {
    const response = await rawExchange(port, request);
    expect(response.status).toBe(status);
    expect(response.head).toMatch(/content-type: application\/json/i);
    expect(errorCode(response.body)).toBe(code);
  };
  const header = (name: string, size: number): string => `${name}: ${'a'.repeat(size)}\r\n`;

  it('headers of 16-32 KB in total pass Nginx and the API serves them', async () => {
    const response = await rawExchange(
      edge.port,
      `GET /api/ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${header('X-A', 7000)}${header('X-B', 7000)}${header('X-C', 7000)}\r\n`,
    );
    expect(response.status).toBe(200);
  });

  it.each([
    [
      'header lines over 32 KB in total',
      `GET /api/ping HTTP/1.1\r\nHost: x\r\n${[1, 2, 3, 4, 5].map((n) => header(`X-${n}`, 7500)).join('')}\r\n`,
      431,
      'HEADERS_TOO_LARGE',
    ],
    ['one header line over 8 KB', `GET /api/ping HTTP/1.1\r\nHost: x\r\n${header('Cookie', 9000)}\r\n`, 431, 'HEADERS_TOO_LARGE'],
    ['a URI over 8 KB', `GET /api/search/profiles?q=${'a'.repeat(9000)} HTTP/1.1\r\nHost: x\r\n\r\n`, 414, 'URI_TOO_LONG'],
    ['a malformed header line', 'GET /api/ping HTTP/1.1\r\nHost: x\r\nBad Header Line\r\n\r\n', 400, 'BAD_REQUEST'],
    ['a malformed request line', 'GET\r\n\r\n', 400, 'BAD_REQUEST'],
    ['a method Nginx refuses', 'TRACE /api/ping HTTP/1.1\r\nHost: x\r\n\r\n', 405, 'METHOD_NOT_ALLOWED'],
    ['an unknown transfer coding', 'POST /api/auth/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n', 501, 'NOT_IMPLEMENTED'],
    ['an HTTP version Nginx does not speak', 'GET /api/ping HTTP/3.0\r\nHost: x\r\n\r\n', 505, 'HTTP_VERSION_NOT_SUPPORTED'],
  ])('%s: Nginx answers in the error shape', async (_what, request, status, code) => {
    await expectJsonError(edge.port, request, status, code);
  });

  it.each([
    [
      'headers over 64 KB',
      `GET /api/ping HTTP/1.1\r\nHost: x\r\n${[1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((n) => header(`X-${n}`, 7000)).join('')}\r\n`,
      431,
      'HEADERS_TOO_LARGE',
    ],
    ['a malformed header line', 'GET /api/ping HTTP/1.1\r\nHost: x\r\nBad Header Line\r\n\r\n', 400, 'BAD_REQUEST'],
  ])('%s straight at the API: the API answers in the error shape', async (_what, request, status, code) => {
    await expectJsonError(app.port, request, status, code);
  });
});

test('finding 4 through Nginx: invalid percent-encoding in a path is a 400 in the error shape, logged as a client error', async () => {
  const before = app.output().length;
  for (const path of ['/api/profiles/%ff', '/api/documents/%ff', '/api/lessons/%ff', '/api/jobs/%ff']) {
    const response = await rawRequest(`${edge.url}${path}`);
    expect({ path, status: response.status, code: errorCode(response.body) }).toEqual({ path, status: 400, code: 'MALFORMED_URL' });
  }
  await new Promise((resolve) => setTimeout(resolve, 200));
  const logged = app.output().slice(before);
  expect(logged).not.toMatch(/"level":50|URIError|\bat \S+ \(/);
});
