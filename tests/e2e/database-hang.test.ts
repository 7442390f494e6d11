import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { startApiProcess, type ApiProcess } from '../support/api-process';
import { startFerretDb, type LocalServer } from '../support/servers';

jest.setTimeout(300_000);

interface Answer {
  path: string;
  status: number;
  ms: number;
  retryAfter: string | null;
}
interface HangAnswer extends Answer {
  hang: number;
  /** ms since the database was stopped. */
  at: number;
}

/**
 * How long each hang lasts. The first is the outage as it was reported (20 s); the slow answers
 * come in the first seconds of a hang, before the process notices it, and depend on where the
 * stop falls between the driver's heartbeats and the gate's pings. So the hang is repeated,
 * starting at a different moment each time: six hangs miss a tail that one hang in two shows
 * with a chance of 1 in 64.
 */
const hangsMs = [20_000, 8_000, 8_000, 8_000, 8_000, 8_000];
/** Every answer within this, hang or not (docs/operations.md, Degradation: the budget). */
const answerBudgetMs = 3000;

/**
 * A database that hangs (SIGSTOP: its sockets stay open, nothing answers) under light traffic:
 * cached reads, a write, a primary read, a stale-tolerant read that misses the cache, and the
 * probes. The database process is this test's own, so no other test file is frozen.
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

  it(`answers every request within ${answerBudgetMs} ms through ${hangsMs.length} hangs, serves cached reads throughout, refuses the rest at once, and is ready again soon after each`, async () => {
    const registered = await fetch(`${base()}/api/auth/register`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: 'hang@example.com', password: 'correct horse battery', displayName: 'Hanging Hugo' }),
    });
    const session = (await registered.json()) as { accessToken: string; account: { id: string } };
    const signedIn = { Authorization: `Bearer ${session.accessToken}` };
    const profile = `/api/profiles/${session.account.id}`;
    const edit = { method: 'PATCH', headers: { 'Content-Type': 'application/json', ...signedIn }, body: '{"bio":"frozen"}' };
    const primaryRead = { headers: signedIn };
    // In the cache before the first outage; their TTLs (5 and 10 min) outlast the test.
    expect((await call(profile)).status).toBe(200);
    expect((await call('/api/stats')).status).toBe(200);

    const answers: HangAnswer[] = [];
    const readyAfterMs: number[] = [];
    for (const [hang, hangMs] of hangsMs.entries()) {
      // A different moment relative to the heartbeat (2 s) and the ping (1 s) each time.
      await delay((hang * 700) % 2000);
      database.signal('SIGSTOP');
      const stoppedAt = performance.now();
      const client = async (requests: (() => [string, RequestInit?])[]): Promise<void> => {
        while (performance.now() - stoppedAt < hangMs) {
          for (const request of requests) {
            const [path, init] = request();
            answers.push({ ...(await call(path, init)), hang, at: performance.now() - stoppedAt });
          }
          await delay(100);
        }
      };
      // A learner nobody asked for: never in the cache, so the read goes to the database.
      const uncachedProfile = (): [string] => [`/api/profiles/${randomBytes(12).toString('hex')}`];
      await Promise.all([
        client([() => [profile], () => ['/api/stats']]),
        client([() => ['/api/profiles/me', edit], () => ['/ready'], () => ['/live']]),
        client([() => ['/api/documents', primaryRead], uncachedProfile]),
      ]);
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
      readyAfterMs.push(Math.round(readyAfter));
      // The next hang starts from a process that reads from the database again.
      while (performance.now() - resumedAt < 15_000 && (await call('/api/documents', primaryRead)).status !== 200) await delay(100);
    }

    const slowestPerHang = hangsMs.map((_, hang) => Math.max(...answers.filter((answer) => answer.hang === hang).map((answer) => answer.ms)));
    const slowest = answers.reduce((worst, answer) => (answer.ms > worst.ms ? answer : worst));
    process.stdout.write(
      `database hung ${hangsMs.length} times (${hangsMs.map((ms) => ms / 1000).join(', ')} s): ${answers.length} answers; ` +
        `slowest per hang ${slowestPerHang.join(', ')} ms; slowest of all ${slowest.ms} ms (${slowest.path.replace(/[0-9a-f]{24}/, ':id')}, ${slowest.status}, ` +
        `${Math.round(slowest.at)} ms into hang ${slowest.hang + 1}); ready again ${readyAfterMs.join(', ')} ms after each\n`,
    );

    expect(answers.filter((answer) => answer.ms >= answerBudgetMs)).toEqual([]);
    expect(answers.filter((answer) => [profile, '/api/stats', '/live'].includes(answer.path) && answer.status !== 200)).toEqual([]);
    // The rest is either answered (a request the database took before it stopped) or refused
    // with 503 and Retry-After; never a 500.
    const refusable = answers.filter(
      (answer) => answer.path === '/api/profiles/me' || answer.path === '/api/documents' || /^\/api\/profiles\/[0-9a-f]{24}$/.test(answer.path),
    );
    expect(refusable.filter((answer) => ![200, 404, 503].includes(answer.status) || (answer.status === 503 && answer.retryAfter !== '5'))).toEqual([]);
    for (const [hang] of hangsMs.entries()) {
      const ofHang = answers.filter((answer) => answer.hang === hang);
      const writes = ofHang.filter((answer) => answer.path === '/api/profiles/me');
      expect(writes.length).toBeGreaterThan(3);
      expect(writes.filter((write) => write.status !== 503)).toEqual([]);
      expect(ofHang.filter((answer) => answer.path === '/api/documents' && answer.at > answerBudgetMs && answer.status !== 503)).toEqual([]);
      const firstUnready = ofHang.find((answer) => answer.path === '/ready' && answer.status === 503);
      expect(firstUnready?.at).toBeLessThan(answerBudgetMs);
      expect(ofHang.filter((answer) => answer.path === '/ready' && answer.at > answerBudgetMs && answer.status !== 503)).toEqual([]);
    }
    expect(readyAfterMs.filter((ms) => ms >= 5000)).toEqual([]);
  });
});
