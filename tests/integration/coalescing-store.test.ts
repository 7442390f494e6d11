import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { Options } from 'express-rate-limit';
import { CoalescingRedisStore } from '../../src/infra/rate-limit/coalescing-store';
import { RateLimitMode } from '../../src/infra/rate-limit/failover-store';
import { loadConfig } from '../../src/infra/config/config';
import { createLogger } from '../../src/infra/logger';
import { createRedis, type RedisHandle } from '../../src/infra/redis/redis';
import { startRedis, type LocalServer } from '../support/servers';
import { testRedisUrl } from '../support/test-env';
import { waitFor } from '../support/wait';

const logger = createLogger({ logLevel: 'silent', instanceId: 'test', version: '0' });
const limit = 100;

function storeOn(redis: RedisHandle, prefix: string, mode = new RateLimitMode(logger), flushMs = 50): CoalescingRedisStore {
  const store = new CoalescingRedisStore(redis, prefix, mode, flushMs);
  store.init({ windowMs: 60_000 } as Options);
  store.useLimit(() => limit);
  return store;
}

async function connected(url: string): Promise<RedisHandle> {
  const redis = createRedis(loadConfig({ NODE_ENV: 'test', REDIS_URL: url }).redis, logger)!;
  await waitFor('redis client', () => redis.isReady());
  return redis;
}

describe('the coalescing rate-limit store', () => {
  let redis: RedisHandle;
  let stores: CoalescingRedisStore[];
  let prefix: string;
  beforeEach(async () => {
    redis = await connected(testRedisUrl());
    prefix = `coalesce-${randomBytes(4).toString('hex')}:`;
    stores = [storeOn(redis, prefix), storeOn(redis, prefix)];
  });
  afterEach(async () => {
    for (const store of stores) store.shutdown();
    await redis.close();
  });

  it('allows exactly the limit when two processes share a client and it nears the limit', async () => {
    // No background merges here: only the near-limit path decides.
    const exact = [storeOn(redis, `${prefix}exact:`, undefined, 3_600_000), storeOn(redis, `${prefix}exact:`, undefined, 3_600_000)];
    let allowed = 0;
    for (let hit = 0; hit < 130; hit++) {
      const { totalHits } = await exact[hit % 2]!.increment('ip:203.0.113.9');
      if (totalHits <= limit) allowed++;
    }
    for (const store of exact) store.shutdown();
    expect(allowed).toBe(limit);
  });

  it('overshoots by at most what one process counted between two merges', async () => {
    let allowed = 0;
    for (let hit = 0; hit < 300; hit++) {
      const { totalHits } = await stores[hit % 2]!.increment('ip:203.0.113.10');
      if (totalHits <= limit) allowed++;
    }
    expect(allowed).toBeGreaterThanOrEqual(limit);
    expect(allowed).toBeLessThanOrEqual(limit * (1 + 0.5));
  });

  it('merges hits in the background so every process learns the cluster total', async () => {
    for (let hit = 0; hit < 10; hit++) await stores[0]!.increment('ip:198.51.100.1');
    await delay(150);
    await stores[1]!.increment('ip:198.51.100.1');
    await delay(150);
    expect((await stores[1]!.increment('ip:198.51.100.1')).totalHits).toBe(12);
    // The 12th hit reaches Redis with the next background merge, within 50 ms.
    const keys = await redis.client.keys(`${stores[0]!.prefix}ip:198.51.100.1:*`);
    await waitFor('the last hit to be merged', async () => Number(await redis.client.get(keys[0]!)) === 12, 1000);
  });

  it('keeps separate counts per client', async () => {
    await stores[0]!.increment('ip:192.0.2.1');
    expect((await stores[0]!.increment('ip:192.0.2.2')).totalHits).toBe(1);
  });
});

describe('the coalescing store while Redis is down', () => {
  let server: LocalServer;
  let redis: RedisHandle;
  afterAll(async () => {
    await redis.close();
    await server.destroy();
  });

  it('counts in this process, reports the fallback, and merges into Redis once it is back', async () => {
    server = await startRedis();
    redis = await connected(server.url);
    const mode = new RateLimitMode(logger);
    const store = storeOn(redis, 'outage:', mode);
    await server.stop();
    for (let hit = 0; hit < 60; hit++) await store.increment('ip:192.0.2.50');
    expect((await store.increment('ip:192.0.2.50')).totalHits).toBe(61);
    expect(mode.isShared()).toBe(false);

    await server.start();
    await waitFor('the hits to reach redis', async () => {
      const keys = await redis.client.keys('outage:ip:192.0.2.50:*').catch(() => []);
      return keys.length === 1 && Number(await redis.client.get(keys[0]!)) === 61;
    });
    expect(mode.isShared()).toBe(true);
    store.shutdown();
  });
});
