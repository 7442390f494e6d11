import { MongoClient } from 'mongodb';
import { spawnApi } from '../support/api-process';
import { migrateDatabase } from '../support/migrate';
import { freePort } from '../support/ports';
import { testEnvironment } from '../support/test-env';
import { waitFor } from '../support/wait';

jest.setTimeout(60_000);

type Probe = { status: number; body: { status?: string; error?: { code: string; message: string }; checks?: Record<string, { capabilities?: unknown }[]> } };
const get = async (port: number, path: string, init?: RequestInit): Promise<Probe> => {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, init);
  return { status: response.status, body: (await response.json()) as Probe['body'] };
};

describe('start-up against a database that scripts/migrate has not prepared', () => {
  it('serves /live, refuses readiness and /api with the reason, creates nothing, and gets ready once migrated', async () => {
    const env = testEnvironment({ PORT: String(await freePort()), HOST: '127.0.0.1', LOG_LEVEL: 'info' });
    const port = Number(env.PORT);
    const client = new MongoClient(env.MONGODB_URI!);
    const db = client.db();
    const api = spawnApi(env);
    try {
      await waitFor('/live', async () => (await get(port, '/live').catch(() => null))?.status === 200);
      await waitFor('the schema check', () => /not ready: the database schema/.test(api.output()));

      const ready = await get(port, '/ready');
      expect(ready.status).toBe(503);
      expect(ready.body.error).toMatchObject({ code: 'SCHEMA_NOT_MIGRATED', message: expect.stringMatching(/never migrated: run scripts\/migrate/) });
      const register = await get(port, '/api/auth/register', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ email: 'early@example.com', password: 'correct horse battery', displayName: 'Early' }),
      });
      expect(register.status).toBe(503);
      expect(register.body.error?.code).toBe('SCHEMA_NOT_MIGRATED');
      // No DDL at process start: the process created no collection (no capability probe, no index).
      expect(await db.listCollections().toArray()).toEqual([]);

      // Migrated, but the unique e-mail index is gone: the reason names it.
      await migrateDatabase(env.MONGODB_URI!);
      // A mark on migrate's record shows later that the process read it rather than probing.
      await db.collection<{ _id: string }>('_meta').updateOne({ _id: 'capabilities' }, { $set: { serverVersion: 'recorded-by-migrate' } });
      await db.collection('accounts').dropIndex('email_unique');
      await waitFor('the missing index in /ready', async () =>
        /accounts\.email_unique \(one account per e-mail\)/.test((await get(port, '/ready')).body.error?.message ?? ''),
      );

      await db.collection('accounts').createIndex({ email: 1 }, { unique: true, name: 'email_unique' });
      await waitFor('readiness', async () => (await get(port, '/ready')).status === 200);
      const health = await get(port, '/health');
      expect(health.body.checks?.['mongodb:responseTime']?.[0]?.capabilities).toMatchObject({ serverVersion: 'recorded-by-migrate' });
    } finally {
      api.child.kill('SIGTERM');
      await api.exitCode;
      await db.dropDatabase().catch(() => undefined);
      await client.close();
    }
  });
});
