import type { Redis } from 'ioredis';
import { loadConfig } from '../../src/infra/config/config';
import { createLogger } from '../../src/infra/logger';
import { createConnections, type RedisConnections } from '../../src/infra/redis/connections';
import { testRedisUrl } from '../support/test-env';
import { waitFor } from '../support/wait';

const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', REDIS_URL: testRedisUrl() });
const logger = createLogger(config);

/**
 * ioredis ends a client for good (status `end`, no retry) when its connector's connect fails,
 * which its failover detector causes by disconnecting the connector while the client reconnects.
 * The same failure, made on purpose: the connector disconnected before its connect completes.
 */
function failConnectInFlight(client: Redis): void {
  (client as unknown as { connector: { disconnect(): void } }).connector.disconnect();
}

describe('the Redis connection factory', () => {
  let connections: RedisConnections;
  let clients: Redis[];
  beforeEach(() => {
    connections = createConnections({ ...config.redis, server: config.redis.server! }, logger);
    clients = [];
  });
  afterEach(() => {
    for (const client of clients) {
      connections.release(client);
      client.disconnect();
    }
  });

  const open = (): Redis => {
    const client = connections.open('shared');
    clients.push(client);
    return client;
  };

  it('connects again a client that ioredis gave up on without its owner closing it', async () => {
    const client = open();
    failConnectInFlight(client);
    await waitFor('the client to end', () => client.status === 'end');
    await waitFor('the client to be connected again', () => client.status === 'ready', 5000);
    expect(await client.ping()).toBe('PONG');
    expect(connections.stats().revived).toBe(1);
  });

  it('leaves a released client closed', async () => {
    const client = open();
    await waitFor('the client to be ready', () => client.status === 'ready');
    connections.release(client);
    await client.quit();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(client.status).toBe('end');
    expect(connections.stats().revived).toBe(0);
  });

  it('counts a reconnection once the client is ready again, and names the server it reaches', async () => {
    const client = open();
    await waitFor('the client to be ready', () => client.status === 'ready');
    expect(connections.stats().master).toBe(`127.0.0.1:${new URL(testRedisUrl()).port}`);
    client.disconnect(true);
    await waitFor('the client to be ready again', () => connections.stats().reconnections.shared === 1);
    expect(connections.stats().failovers).toBe(0);
  });
});
