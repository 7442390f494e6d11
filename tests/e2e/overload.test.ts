import { Agent, request as httpRequest } from 'node:http';
import { migrateDatabase } from '../support/migrate';
import { behindNginx, startNginx, type Nginx } from '../support/nginx';
import { privatePm2, type Pm2 } from '../support/pm2';
import { freePort } from '../support/ports';
import { registerOver } from '../support/edge-traffic';
import type { TestSession } from '../support/learners';
import { testEnvironment } from '../support/test-env';
import { waitFor } from '../support/wait';

jest.setTimeout(180_000);

interface Answer {
  kind: 'anonymous read' | 'signed-in read' | 'signed-in write' | 'probe';
  status: number;
  code: string | null;
  retryAfter: string | undefined;
  contentType: string | undefined;
}

/** The in-flight bounds of the test's Nginx, far below what the traffic below keeps in flight. */
const bounds = { all: 12, reads: 8, anonymous: 4 };

let pm2: Pm2;
let apiPort: number;
let edge: Nginx;
let learners: TestSession[];

beforeAll(async () => {
  apiPort = await freePort();
  const env = testEnvironment({ ...behindNginx, PORT: String(apiPort), API_INSTANCES: '2', LOG_LEVEL: 'warn' });
  await migrateDatabase(env.MONGODB_URI!);
  pm2 = privatePm2(env);
  await pm2.command('start', 'ecosystem.config.js', '--only', 'english-practice-api');
  await waitFor('the cluster to be ready', async () => (await fetch(`http://127.0.0.1:${apiPort}/ready`).catch(() => null))?.status === 200, 60_000);
  // Nginx's per-client limits off: every client of the test shares one address.
  edge = await startNginx({ apiPort, rateLimits: false, inflight: bounds });
  learners = [];
  for (let i = 0; i < 10; i++) learners.push(await registerOver(edge.url, `Busy Learner ${i}`));
}, 120_000);

afterAll(async () => {
  await pm2?.kill();
  await edge?.stop();
});

/** One request on a keep-alive connection of `agent`: its status, error code and headers. */
function send(agent: Agent, kind: Answer['kind'], method: string, path: string, token?: string, body?: string): Promise<Answer> {
  return new Promise((resolve) => {
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (body) headers['content-type'] = 'application/json';
    const req = httpRequest(`${edge.url}${path}`, { method, headers, agent, timeout: 10_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        let code: string | null;
        try {
          code = (JSON.parse(text) as { error?: { code?: string } }).error?.code ?? null;
        } catch {
          code = null;
        }
        resolve({ kind, status: res.statusCode ?? 0, code, retryAfter: res.headers['retry-after'], contentType: res.headers['content-type'] });
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ kind, status: 0, code: null, retryAfter: undefined, contentType: undefined }));
    req.end(body);
  });
}

describe('overload at the edge: the in-flight bound', () => {
  it('refuses past its bound with 503 JSON and Retry-After, anonymous first, signed-in writes never here, probes never, and nothing else fails', async () => {
    const answers: Answer[] = [];
    const until = Date.now() + 6000;
    const loop = async (step: (agent: Agent) => Promise<Answer>, pauseMs = 0): Promise<void> => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      while (Date.now() < until) {
        answers.push(await step(agent));
        if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
      }
      agent.destroy();
    };
    const profile = (n: number): string => `/api/profiles/${learners[n % learners.length]!.account.id}`;
    await Promise.all([
      // Far more anonymous readers than their bound, and more signed-in readers than theirs.
      ...Array.from({ length: 32 }, (_, n) => loop((agent) => send(agent, 'anonymous read', 'GET', profile(n)))),
      ...Array.from({ length: 8 }, (_, n) => loop((agent) => send(agent, 'signed-in read', 'GET', '/api/profiles/me', learners[n]!.accessToken))),
      // Two writers: the bound keeps all − reads = 4 places for them.
      ...[8, 9].map((n) =>
        loop((agent) => send(agent, 'signed-in write', 'PATCH', '/api/profiles/me', learners[n]!.accessToken, JSON.stringify({ bio: `busy ${Date.now()}` }))),
      ),
      ...['/live', '/ready', '/health'].map((path) => loop((agent) => send(agent, 'probe', 'GET', path), 50)),
    ]);

    const of = (kind: Answer['kind']): Answer[] => answers.filter((answer) => answer.kind === kind);
    const refusedShare = (kind: Answer['kind']): number => of(kind).filter((answer) => answer.status === 503).length / of(kind).length;
    const summary = Object.fromEntries(
      (['anonymous read', 'signed-in read', 'signed-in write', 'probe'] as const).map((kind) => [
        kind,
        { answers: of(kind).length, refused: Math.round(refusedShare(kind) * 1000) / 10 },
      ]),
    );
    process.stdout.write(`overload: ${JSON.stringify(summary)}\n`);

    // Every refusal is the deliberate one: JSON in the API's error shape, and when to come back.
    const refused = answers.filter((answer) => answer.status === 503);
    expect(refused.length).toBeGreaterThan(100);
    for (const answer of refused)
      expect(answer).toMatchObject({ code: 'OVERLOADED', retryAfter: '1', contentType: expect.stringMatching(/^application\/json/) });
    // The access log keeps a sample of the edge's refusals (1 in 100 by time), not a line each.
    const loggedRefusals = edge.accessLog().filter((line) => line.status === 503 && line.upstream === '').length;
    process.stdout.write(`refusals logged: ${loggedRefusals} of ${refused.length}\n`);
    expect(loggedRefusals).toBeLessThanOrEqual(Math.max(3, refused.length * 0.05));
    // Nothing else failed: no timeout, no connection error, no other 5xx.
    expect(answers.filter((answer) => answer.status !== 200 && answer.status !== 503)).toEqual([]);
    // Probes are never refused, writes of signed-in learners not while others are, and anonymous
    // requests go first.
    expect(of('probe').length).toBeGreaterThan(50);
    expect(of('probe').filter((answer) => answer.status !== 200)).toEqual([]);
    expect(of('signed-in write').length).toBeGreaterThan(20);
    expect(refusedShare('signed-in write')).toBe(0);
    expect(refusedShare('anonymous read')).toBeGreaterThan(0.2);
    expect(refusedShare('signed-in read')).toBeLessThan(refusedShare('anonymous read'));
  });

  it('admits everything again once the load is gone', async () => {
    const agent = new Agent({ keepAlive: true });
    const answers = await Promise.all(
      Array.from({ length: bounds.anonymous }, () => send(agent, 'anonymous read', 'GET', `/api/profiles/${learners[0]!.account.id}`)),
    );
    agent.destroy();
    expect(answers.map((answer) => answer.status)).toEqual(Array.from({ length: bounds.anonymous }, () => 200));
  });
});
