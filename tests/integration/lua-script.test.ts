import type { Redis } from 'ioredis';
import { loadConfig } from '../../src/infra/config/config';
import { createLogger } from '../../src/infra/logger';
import { createConnections } from '../../src/infra/redis/connections';
import { luaScript } from '../../src/infra/redis/lua-script';
import { testRedisUrl } from '../support/test-env';

const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', REDIS_URL: testRedisUrl() });
// Loaded before any client is made, as every script module is (they are imported at start-up).
const releaseIfHeld = luaScript<number>('epTestReleaseIfHeld', 'cache-release-lock');

describe('Lua scripts on an auto-pipelining client (the shared one)', () => {
  const connections = createConnections({ ...config.redis, server: config.redis.server! }, createLogger(config));
  const opened: Redis[] = [];
  async function ready(): Promise<Redis> {
    const client = connections.open('shared');
    opened.push(client);
    if (client.status !== 'ready') await new Promise((resolve) => client.once('ready', resolve));
    return client;
  }
  afterAll(() => {
    for (const client of opened) {
      connections.release(client);
      client.disconnect();
    }
  });

  it("runs a script's first calls in the same tick as other commands", async () => {
    const client = await ready();
    const key = `${config.redis.keyPrefix}lua-script-test:${process.pid}`;
    await client.set(key, 'mine');
    // One pipeline gathers all four: the script must be in it from the start (ioredis copies a
    // client's commands into each pipeline it makes; one defined later throws inside it).
    const [before, wrongToken, released, after] = await Promise.all([
      client.get(key),
      releaseIfHeld(client, [key], 'theirs'),
      releaseIfHeld(client, [key], 'mine'),
      client.get(key),
    ]);
    expect([before, wrongToken, released, after]).toEqual(['mine', 0, 1, null]);
  });

  it('defines a script loaded after the client was made, with a plain EVAL for its first call', async () => {
    const client = await ready();
    const late = luaScript<number>('epTestLateReleaseIfHeld', 'cache-release-lock');
    const key = `${config.redis.keyPrefix}lua-script-test-late:${process.pid}`;
    await client.set(key, 'mine');
    const [before, released] = await Promise.all([client.get(key), late(client, [key], 'mine')]);
    expect([before, released]).toEqual(['mine', 1]);
    expect(await late(client, [key], 'mine')).toBe(0);
  });
});
