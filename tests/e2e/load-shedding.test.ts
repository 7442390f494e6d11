import { setTimeout as delay } from 'node:timers/promises';
import { startApiProcess, type ApiProcess } from '../support/api-process';
import { behindNginx, startNginx, type Nginx } from '../support/nginx';
import { rawRequest, type RawResponse } from '../support/raw-http';

jest.setTimeout(60_000);

// The API behind the real Nginx, which stamps each request (X-Request-Start) as it passes it on.
let app: ApiProcess;
let edge: Nginx;

beforeAll(async () => {
  app = await startApiProcess({ ...behindNginx, SHED_QUEUE_WAIT_MS: '300' });
  edge = await startNginx({ apiPort: app.port, rateLimits: false });
});

afterAll(async () => {
  await edge?.stop();
  app?.child.kill('SIGCONT');
  app?.child.kill('SIGTERM');
  await app?.exitCode;
});

const codeOf = (response: RawResponse): string | undefined => (JSON.parse(response.body) as { error?: { code: string } }).error?.code;

it('requests that queued behind a stalled API process are shed once it runs again; fresh ones are served', async () => {
  app.child.kill('SIGSTOP');
  const queued = ['/api/ping', '/api/ping', '/api/ping', '/live'].map((path) => rawRequest(`${edge.url}${path}`));
  await delay(1000);
  app.child.kill('SIGCONT');
  const answers = await Promise.all(queued);
  expect(answers.slice(0, 3).map((response) => [response.status, codeOf(response), response.headers['retry-after'] !== undefined])).toEqual([
    [503, 'OVERLOADED', true],
    [503, 'OVERLOADED', true],
    [503, 'OVERLOADED', true],
  ]);
  expect(answers[3]!.status).toBe(200);
  expect(app.output()).toMatch(/requests shed: they waited too long/);

  const fresh = await rawRequest(`${edge.url}/api/ping`);
  expect([fresh.status, fresh.body]).toEqual([200, '{"status":"ok"}']);
});

it("a client's own X-Request-Start is replaced by Nginx's: a forged old stamp is not shed", async () => {
  const forged = await rawRequest(`${edge.url}/api/ping`, { headers: { 'X-Request-Start': 't=1000000000.000' } });
  expect(forged.status).toBe(200);
});
