import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { Collection } from 'mongodb';
import { createCache, type Cache } from '../../src/infra/cache/cache';
import { startSecondApp, startTestApp, type TestApp } from '../support/test-app';

jest.setTimeout(60_000);

/** Two caches on one Redis key space behave like the caches of two API processes. */
describe('the cache against races and loader failures (real Redis and database)', () => {
  let api: TestApp;
  let first: Cache;
  let second: Cache;
  let values: Collection<{ _id: string; n: number }>;

  beforeAll(async () => {
    api = await startTestApp();
    const options = {
      redis: api.deps.redis,
      logger: api.deps.logger,
      keyPrefix: `${api.deps.config.redis.keyPrefix}race:`,
      ttlSeconds: api.deps.config.cache.ttlSeconds,
    };
    first = createCache(options);
    second = createCache(options);
    values = api.deps.database.connection.collection('race_values');
  });
  afterAll(() => api.close());

  const readValue = async (): Promise<number> => (await values.findOne({ _id: 'x' }))!.n;

  it('never lets a load that started before a write put the old value back', async () => {
    await values.insertOne({ _id: 'x', n: 0 });
    for (let n = 1; n <= 25; n++) {
      const key = `key-${n}`;
      // A slow load on the second process reads the old value, then takes a while.
      let readOld!: () => void;
      const oldValueRead = new Promise<void>((resolve) => (readOld = resolve));
      const slow = second.getOrLoad('profile', key, async () => {
        const value = await readValue();
        readOld();
        await delay(60);
        return value;
      });
      await oldValueRead;
      await values.updateOne({ _id: 'x' }, { $set: { n } });
      await first.invalidate('profile', key);
      // Read while the slow load is still running, on both processes, and after it ended.
      const during = await Promise.all([first.getOrLoad('profile', key, readValue), second.getOrLoad('profile', key, readValue)]);
      expect(during).toEqual([n, n]);
      expect(await slow).toBe(n - 1);
      expect(await second.getOrLoad('profile', key, readValue)).toBe(n);
      expect(await first.getOrLoad('profile', key, readValue)).toBe(n);
    }
  });

  it('passes a loader error to the caller once, frees the lock at once, and counts no cache error', async () => {
    const key = `failing-${randomBytes(4).toString('hex')}`;
    const [firstBefore, secondBefore] = [first.counters().stats, second.counters().stats];
    const failing = first.getOrLoad('stats', key, async () => {
      await delay(100);
      throw new Error('the database failed');
    });
    await delay(30);
    const started = Date.now();
    const waiting = second.getOrLoad('stats', key, () => Promise.resolve('loaded by the waiter'));
    await expect(failing).rejects.toThrow('the database failed');
    expect(await waiting).toBe('loaded by the waiter');
    // The waiter took over when the lock was freed, not after the 3 s lock wait.
    expect(Date.now() - started).toBeLessThan(3000);
    expect(first.counters().stats).toMatchObject({ loads: firstBefore.loads + 1, errors: firstBefore.errors });
    expect(second.counters().stats).toMatchObject({ loads: secondBefore.loads + 1, errors: secondBefore.errors });
  });
});

describe('a missing profile asked for on two API processes', () => {
  it('answers 404 on both without waiting for the lock and loads once, counting no cache error', async () => {
    const first = await startTestApp();
    const second = await startSecondApp(first);
    try {
      const missing = `/api/profiles/${randomBytes(12).toString('hex')}`;
      const started = Date.now();
      const responses = await Promise.all(Array.from({ length: 10 }, (_, index) => (index % 2 === 0 ? first : second).request.get(missing)));
      expect(responses.map((response) => response.status)).toEqual(Array(10).fill(404));
      // Waiting out the lock took 3 s (lockWaitMs) before the fix.
      expect(Date.now() - started).toBeLessThan(3000);
      const counters = [first.deps.cache.counters().profile, second.deps.cache.counters().profile];
      expect(counters[0]!.errors + counters[1]!.errors).toBe(0);
      expect(counters[0]!.loads + counters[1]!.loads).toBe(1);
      // The "not found" is remembered briefly: asking again does not reach the database.
      await first.request.get(missing).expect(404);
      expect(first.deps.cache.counters().profile.loads + second.deps.cache.counters().profile.loads).toBe(1);
    } finally {
      await second.close();
      await first.close();
    }
  });
});
