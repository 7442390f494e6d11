import { setTimeout as delay } from 'node:timers/promises';
import mongoose from 'mongoose';
import { startApiProcess, type ApiProcess } from '../support/api-process';
import { startFerretDb, type DatabaseServer } from '../support/servers';
import { waitFor } from '../support/wait';

jest.setTimeout(120_000);

interface Answer {
  path: string;
  status: number;
  ms: number;
  at: number;
}

/**
 * FerretDB's PostgreSQL killed (SIGKILL) under steady reads and writes, then started again on
 * the same data: a crash of the database's storage, which FerretDB itself survives.
 */
const describeOnPostgresql = process.env.FERRETDB_BACKEND === 'sqlite' || process.env.MONGODB_URI ? describe.skip : describe;

describeOnPostgresql('the API when PostgreSQL under FerretDB is killed mid-traffic', () => {
  let database: DatabaseServer;
  let api: ApiProcess;
  const databaseName = 'pgkill';
  beforeAll(async () => {
    database = await startFerretDb();
    api = await startApiProcess({ MONGODB_URI: `${database.url}/${databaseName}`, LOG_LEVEL: 'warn' });
  });
  afterAll(async () => {
    api.child.kill('SIGTERM');
    await api.exitCode;
    await database.destroy();
  });

  const base = (): string => `http://127.0.0.1:${api.port}`;
  let startedAt = 0;
  const answers: Answer[] = [];
  async function call(path: string, init: RequestInit = {}): Promise<Response | null> {
    const started = performance.now();
    const response = await fetch(`${base()}${path}`, { ...init, signal: AbortSignal.timeout(10_000) }).catch(() => null);
    await response?.arrayBuffer();
    answers.push({ path, status: response?.status ?? 0, ms: Math.round(performance.now() - started), at: Math.round(started - startedAt) });
    return response;
  }
  const json = (body: unknown, token?: string): RequestInit => ({
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });

  /** PostgreSQL again on the same port and data; a start right after SIGKILL can meet the old server's last processes. */
  async function restartPostgresql(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await database.postgresql!.start();
        return;
      } catch (error) {
        if (attempt === 5) throw error;
        await delay(500);
      }
    }
  }

  it('answers 503 while it is down, never 500, turns /ready 503 and back, and loses no acknowledged write', async () => {
    const registered = await fetch(`${base()}/api/auth/register`, {
      method: 'POST',
      ...json({ email: 'editor@example.com', password: 'correct horse battery', displayName: 'Editor Edna' }),
    });
    const { accessToken } = (await registered.json()) as { accessToken: string };
    startedAt = performance.now();

    const registeredEmails: string[] = [];
    let lastAcknowledgedEdit = -1;
    let stop = false;
    const registrations = async (): Promise<void> => {
      for (let n = 0; !stop; n++) {
        const email = `pgkill-${n}@example.com`;
        const response = await call('/api/auth/register', {
          method: 'POST',
          ...json({ email, password: 'correct horse battery', displayName: `Learner ${n}` }),
        });
        if (response?.status === 201) registeredEmails.push(email);
        await delay(50);
      }
    };
    const edits = async (): Promise<void> => {
      for (let n = 0; !stop; n++) {
        const response = await call('/api/profiles/me', { method: 'PATCH', ...json({ bio: `edit ${n}` }, accessToken) });
        if (response?.status === 200) lastAcknowledgedEdit = n;
        await delay(50);
      }
    };
    const probes = async (): Promise<void> => {
      while (!stop) {
        await call('/ready');
        await delay(100);
      }
    };
    const traffic = Promise.all([registrations(), edits(), probes()]);

    await delay(2000);
    database.postgresql!.signal('SIGKILL');
    const killedAt = performance.now() - startedAt;
    await waitFor('/ready to turn 503', () => answers.some((answer) => answer.path === '/ready' && answer.status === 503 && answer.at > killedAt), 10_000);
    await delay(3000);
    await restartPostgresql();
    const restartedAt = performance.now() - startedAt;
    await waitFor('/ready to pass again', () => answers.some((answer) => answer.path === '/ready' && answer.status === 200 && answer.at > restartedAt), 30_000);
    await delay(2000);
    stop = true;
    await traffic;

    const statuses = (path: string): Record<number, number> =>
      answers
        .filter((answer) => answer.path === path)
        .reduce<Record<number, number>>((counts, { status }) => ({ ...counts, [status]: (counts[status] ?? 0) + 1 }), {});
    process.stdout.write(
      `PostgreSQL killed at ${Math.round(killedAt)} ms, restarted at ${Math.round(restartedAt)} ms; ` +
        `register ${JSON.stringify(statuses('/api/auth/register'))}, edit ${JSON.stringify(statuses('/api/profiles/me'))}, ready ${JSON.stringify(statuses('/ready'))}; ` +
        `slowest ${Math.max(...answers.map((answer) => answer.ms))} ms\n`,
    );
    // Only what the API answers on purpose: its answers, or 503 while the database cannot.
    expect(answers.filter((answer) => ![200, 201, 503].includes(answer.status))).toEqual([]);
    expect(answers.filter((answer) => answer.ms > 5000)).toEqual([]);
    expect(answers.some((answer) => answer.path === '/api/profiles/me' && answer.status === 503)).toBe(true);

    // Every write answered 2xx before, during or after the crash is there.
    const client = await new mongoose.mongo.MongoClient(`${database.url}/${databaseName}`).connect();
    try {
      const accounts = client.db().collection<{ email: string; profile: { bio: string } }>('accounts');
      const stored = await accounts.find({ email: { $in: registeredEmails } }, { projection: { email: 1 } }).toArray();
      expect(registeredEmails.length).toBeGreaterThan(10);
      expect(stored.map((account) => account.email).sort()).toEqual([...registeredEmails].sort());
      const editor = await accounts.findOne({ email: 'editor@example.com' });
      expect(Number(/^edit (\d+)$/.exec(editor!.profile.bio)![1])).toBeGreaterThanOrEqual(lastAcknowledgedEdit);
    } finally {
      await client.close();
    }
  });
});
