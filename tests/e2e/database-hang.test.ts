import { setTimeout as delay } from 'node:timers/promises';
import { startApiProcess, type ApiProcess } from '../support/api-process';
import { startFerretDb, type LocalServer } from '../support/servers';

jest.setTimeout(90_000);

interface Answer {
  path: string;
  status: number;
  ms: number;
  retryAfter: string | null;
}

/**
 * A database that hangs (SIGSTOP: its sockets stay open, nothing answers) for 20 s under
 * light traffic. A FerretDB of this test's own, so no other test file is frozen.
 */
describe('the API while the database hangs', () => {
  let database: LocalServer;
  let api: ApiProcess;
  beforeAll(async () => {
    database = await startFerretDb();
    api = await startApiProcess({ MONGODB_URI: `${database.url}/hang`, LOG_LEVEL: 'warn' });
  });
  afterAll(async () => {
    database.signal('SIGCONT');
    api.child.kill('SIGTERM');
    await api.exitCode;
    await database.destroy();
  });

  const base = (): string => `http://127.0.0.1:${api.port}`;
  async function call(path: string, init: RequestInit = {}): Promise<Answer> {
    const started = performance.now();
    const response = await fetch(`${base()}${path}`, { ...init, signal: AbortSignal.timeout(15_000) });
    await response.arrayBuffer();
    return { path, status: response.status, ms: Math.round(performance.now() - started), retryAfter: response.headers.get('retry-after') };
  }

  it('answers every request within 3 s, serves cached reads throughout, refuses writes one by one, and is ready again soon after', async () => {
    const registered = await fetch(`${base()}/api/auth/register`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: 'hang@example.com', password: 'correct horse battery', displayName: 'Hanging Hugo' }),
    });
    const session = (await registered.json()) as { accessToken: string; account: { id: string } };
    const profile = `/api/profiles/${session.account.id}`;
    // In the cache before the outage.
    expect((await call(profile)).status).toBe(200);
    expect((await call('/api/stats')).status).toBe(200);

    database.signal('SIGSTOP');
    const stoppedAt = performance.now();
    const answers: (Answer & { at: number })[] = [];
    const edit = { method: 'PATCH', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${session.accessToken}` }, body: '{"bio":"frozen"}' };
    const client = async (paths: [string, RequestInit?][]): Promise<void> => {
      while (performance.now() - stoppedAt < 20_000) {
        for (const [path, init] of paths) answers.push({ ...(await call(path, init)), at: performance.now() - stoppedAt });
        await delay(100);
      }
    };
    await Promise.all([client([[profile], ['/api/stats']]), client([['/api/profiles/me', edit], ['/ready'], ['/live']])]);
    database.signal('SIGCONT');
    const resumedAt = performance.now();
    let readyAfter = Infinity;
    while (performance.now() - resumedAt < 10_000) {
      if ((await call('/ready')).status === 200) {
        readyAfter = performance.now() - resumedAt;
        break;
      }
      await delay(100);
    }

    const slowest = Math.max(...answers.map((answer) => answer.ms));
    const firstUnready = answers.find((answer) => answer.path === '/ready' && answer.status === 503);
    process.stdout.write(
      `database hung 20 s: ${answers.length} answers, slowest ${slowest} ms; /ready 503 after ${Math.round(firstUnready?.at ?? -1)} ms; ready again ${Math.round(readyAfter)} ms after recovery\n`,
    );
    expect(answers.filter((answer) => answer.ms >= 3000)).toEqual([]);
    expect(answers.filter((answer) => [profile, '/api/stats', '/live'].includes(answer.path) && answer.status !== 200)).toEqual([]);
    const writes = answers.filter((answer) => answer.path === '/api/profiles/me');
    expect(writes.length).toBeGreaterThan(5);
    for (const write of writes) expect(write).toMatchObject({ status: 503, retryAfter: '5' });
    expect(firstUnready!.at).toBeLessThan(3000);
    expect(answers.filter((answer) => answer.path === '/ready' && answer.at > 3000 && answer.status !== 503)).toEqual([]);
    expect(readyAfter).toBeLessThan(5000);
  });
});
