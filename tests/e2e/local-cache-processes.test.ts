import { randomBytes } from 'node:crypto';
import { startApiProcess, type ApiProcess } from '../support/api-process';
import { testMongoUri } from '../support/test-env';

jest.setTimeout(120_000);

/**
 * Two real API processes on one Redis and one database, each with its in-process cache layer
 * (CACHE_LOCAL_TTL_MS at its default): an edit through either is on the other's very next read.
 */
describe('an edit and the in-process caches of two API processes', () => {
  let processes: ApiProcess[] = [];
  const url = (api: ApiProcess, path: string): string => `http://127.0.0.1:${api.port}${path}`;

  beforeAll(async () => {
    const shared = { MONGODB_URI: testMongoUri(), REDIS_KEY_PREFIX: `t${randomBytes(4).toString('hex')}:` };
    processes = await Promise.all([startApiProcess(shared), startApiProcess(shared)]);
  });
  afterAll(async () => {
    for (const api of processes) {
      api.child.kill('SIGTERM');
      await api.exitCode;
    }
  });

  const localHits = async (api: ApiProcess): Promise<number> => {
    const report = (await (await fetch(url(api, '/health'))).json()) as { checks: Record<string, { byKind: Record<string, { localHits: number }> }[]> };
    return report.checks['cache:hitRate']![0]!.byKind.profile!.localHits;
  };

  it('shows every edit on the next read of the other process, 60 edits in both directions', async () => {
    const [first, second] = processes as [ApiProcess, ApiProcess];
    const registered = await fetch(url(first, '/api/auth/register'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: `local-${randomBytes(4).toString('hex')}@example.com`, password: 'correct horse battery', displayName: 'Start' }),
    });
    expect(registered.status).toBe(201);
    const session = (await registered.json()) as { accessToken: string; account: { id: string } };
    const profilePath = `/api/profiles/${session.account.id}`;
    const nameOn = async (api: ApiProcess): Promise<string> => {
      const response = await fetch(url(api, profilePath));
      expect(response.status).toBe(200);
      return ((await response.json()) as { displayName: string }).displayName;
    };

    const hitsBefore = (await localHits(first)) + (await localHits(second));
    const stale: string[] = [];
    for (let n = 1; n <= 60; n++) {
      const [writer, reader] = n % 2 === 0 ? [first, second] : [second, first];
      // The reader holds the current value in memory: a load, a Redis hit kept, a local hit.
      for (let i = 0; i < 3; i++) await nameOn(reader);
      const edited = await fetch(url(writer, '/api/profiles/me'), {
        method: 'PATCH',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${session.accessToken}` },
        body: JSON.stringify({ displayName: `Edit ${n}` }),
      });
      expect(edited.status).toBe(200);
      const seen = await nameOn(reader);
      if (seen !== `Edit ${n}`) stale.push(`edit ${n}: saw "${seen}"`);
    }
    expect(stale).toEqual([]);
    // The layer was in use: at least one local hit per round.
    expect((await localHits(first)) + (await localHits(second)) - hitsBefore).toBeGreaterThanOrEqual(60);
  });
});
