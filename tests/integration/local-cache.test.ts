import { bearer, registerLearner, type TestSession } from '../support/learners';
import { startRedis, type LocalServer } from '../support/servers';
import { startSecondApp, startTestApp, type TestApp } from '../support/test-app';
import { waitFor } from '../support/wait';

jest.setTimeout(60_000);

/**
 * Two apps on one Redis key space and one database behave like two API processes: each keeps
 * the hottest reads in its own memory, and an edit on either must show on the other's next read.
 */
describe('the in-process cache layer across two processes', () => {
  let redis: LocalServer;
  let first: TestApp;
  let second: TestApp;
  let learner: TestSession;
  let path: string;

  beforeAll(async () => {
    redis = await startRedis();
    first = await startTestApp({ REDIS_URL: redis.url });
    second = await startSecondApp(first);
    learner = await registerLearner(first.request, { displayName: 'Local Lena' });
    path = `/api/profiles/${learner.account.id}`;
  });
  afterAll(async () => {
    await second.close();
    await first.close();
    await redis.destroy();
  });

  const localHits = (app: TestApp): number => app.deps.cache.counters().profile.localHits;
  const nameOn = async (app: TestApp): Promise<string> => (await app.request.get(path).expect(200)).body.displayName as string;

  it('answers repeated reads from memory, without asking Redis', async () => {
    // A load, then a Redis hit that is kept locally, then local hits.
    for (let i = 0; i < 3; i++) await nameOn(second);
    const before = second.deps.cache.counters().profile;
    for (let i = 0; i < 20; i++) expect(await nameOn(second)).toBe('Local Lena');
    const after = second.deps.cache.counters().profile;
    expect(after.localHits - before.localHits).toBe(20);
    expect(after.hits - before.hits).toBe(20);
  });

  it('shows an edit made on one process on the next read of the other, every time, in both directions', async () => {
    for (let n = 1; n <= 40; n++) {
      const [writer, reader] = n % 2 === 0 ? [first, second] : [second, first];
      // The reader holds the old value in memory before the edit.
      await nameOn(reader);
      await nameOn(reader);
      const heldBefore = localHits(reader);
      await nameOn(reader);
      expect(localHits(reader)).toBe(heldBefore + 1);
      await writer.request
        .patch('/api/profiles/me')
        .set(...bearer(learner))
        .send({ displayName: `Edit ${n}` })
        .expect(200);
      expect(await nameOn(reader)).toBe(`Edit ${n}`);
      expect(await nameOn(writer)).toBe(`Edit ${n}`);
    }
  });

  it('drops searches that an edit changes, on every process', async () => {
    const search = async (app: TestApp, q: string): Promise<number> => (await app.request.get(`/api/search/profiles?q=${q}`).expect(200)).body.total as number;
    await first.request
      .patch('/api/profiles/me')
      .set(...bearer(learner))
      .send({ displayName: 'Searchable Sami' })
      .expect(200);
    for (let i = 0; i < 3; i++) expect(await search(second, 'sami')).toBe(1);
    expect(second.deps.cache.counters().search.localHits).toBeGreaterThan(0);
    await first.request
      .patch('/api/profiles/me')
      .set(...bearer(learner))
      .send({ displayName: 'Renamed Rui' })
      .expect(200);
    expect(await search(second, 'sami')).toBe(0);
    expect(await search(second, 'rui')).toBe(1);
  });

  it('forgets everything while Redis is away, shows edits made meanwhile, and keeps values again once it is back', async () => {
    for (let i = 0; i < 3; i++) await nameOn(second);
    expect(second.deps.cache.localSize()).toBeGreaterThan(0);

    await redis.stop();
    await waitFor('the local layer to be emptied', () => second.deps.cache.localSize() === 0 && first.deps.cache.localSize() === 0);
    // The edit cannot reach Redis; the other process must not answer from its memory.
    await first.request
      .patch('/api/profiles/me')
      .set(...bearer(learner))
      .send({ displayName: 'Offline Olga' })
      .expect(200);
    const held = localHits(second);
    expect(await nameOn(second)).toBe('Offline Olga');
    expect(localHits(second)).toBe(held);

    await redis.start();
    await waitFor('local hits again', async () => {
      await nameOn(second);
      return localHits(second) > held;
    });
    expect(await nameOn(second)).toBe('Offline Olga');
  });
});
