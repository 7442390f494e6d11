import { randomBytes } from 'node:crypto';
import { startApiProcess, type ApiProcess } from '../support/api-process';
import { testMongoUri } from '../support/test-env';

/** One login attempt with a wrong password, as client `client` (seen through one trusted proxy). */
async function attempt(api: ApiProcess, client: string, email: string): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${api.port}/api/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Forwarded-For': client },
    body: JSON.stringify({ email, password: 'wrong password' }),
  });
  return response.status;
}

describe('a rate limit shared by two API processes', () => {
  let processes: ApiProcess[];
  beforeAll(async () => {
    const shared = {
      MONGODB_URI: testMongoUri(),
      REDIS_KEY_PREFIX: `rl${randomBytes(3).toString('hex')}:`,
      RATE_LIMIT_AUTH_ADDRESS_MAX: '5',
      TRUST_PROXY_HOPS: '1',
    };
    processes = await Promise.all([startApiProcess(shared), startApiProcess(shared)]);
  }, 60_000);
  afterAll(async () => {
    for (const api of processes) api.child.kill('SIGTERM');
    await Promise.all(processes.map((api) => api.exitCode));
  });

  it.each([
    ['the second', 0],
    ['the first', 1],
  ])('holds in total when requests alternate and the 6th reaches %s process', async (_which, start) => {
    const client = `203.0.113.${start + 10}`;
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      statuses.push(await attempt(processes[(start + i) % 2]!, client, `${randomBytes(4).toString('hex')}@example.com`));
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
  });
});
