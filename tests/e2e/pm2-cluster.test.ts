import { Agent, request as httpRequest } from 'node:http';
import { freePort } from '../support/ports';
import { privatePm2, type Pm2 } from '../support/pm2';
import { testEnvironment } from '../support/test-env';
import { waitFor } from '../support/wait';

/**
 * One request, by default on a connection of its own so the cluster can hand it to any
 * process; with an agent, on a reused keep-alive connection (as Nginx's upstream keep-alive).
 */
function get(port: number, path: string, agent: Agent | false = false): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, agent, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

async function instanceIds(port: number, requests: number): Promise<Set<string>> {
  const ids = new Set<string>();
  for (let i = 0; i < requests; i++) {
    const response = await get(port, '/health');
    ids.add((JSON.parse(response.body) as { instanceId: string }).instanceId);
  }
  return ids;
}

describe('the API as a PM2 cluster', () => {
  let pm2: Pm2;
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    pm2 = privatePm2(testEnvironment({ PORT: String(port), HOST: '127.0.0.1', API_INSTANCES: '2', LOG_LEVEL: 'warn' }));
    await pm2.command('start', 'ecosystem.config.js');
    await waitFor('the cluster to be ready', async () => (await get(port, '/ready').catch(() => null))?.status === 200, 30_000);
  }, 60_000);

  afterAll(() => pm2.kill());

  it('answers from 2 processes with different instance ids', async () => {
    const ids = await instanceIds(port, 20);
    expect(ids.size).toBe(2);
  });

  it('starts a queue worker beside the API processes, seen by /health', async () => {
    const processes = JSON.parse(await pm2.command('jlist')) as { name: string; pm2_env: { status: string; exec_mode: string } }[];
    const online = (name: string) => processes.filter((entry) => entry.name === name && entry.pm2_env.status === 'online');
    expect(online('english-practice-api')).toHaveLength(2);
    expect(online('english-practice-worker').map((entry) => entry.pm2_env.exec_mode)).toEqual(['fork_mode']);
    await waitFor('the worker heartbeat in /health', async () => {
      const report = JSON.parse((await get(port, '/health')).body) as { checks: Record<string, { observedValue?: unknown }[]> };
      return report.checks['workers:alive']?.[0]?.observedValue === 1;
    });
  });

  it.each([
    ['new connections', false],
    ['keep-alive connections', new Agent({ keepAlive: true, maxSockets: 4 })],
  ] as const)('`pm2 reload` replaces every process without failing a request (%s)', async (kind, agent) => {
    const before = await instanceIds(port, 10);
    let sent = 0;
    const failures: string[] = [];
    let reloading = true;
    const client = async (): Promise<void> => {
      while (reloading) {
        sent++;
        try {
          const response = await get(port, '/live', agent);
          if (response.status !== 200) failures.push(`status ${response.status}`);
        } catch (error) {
          failures.push(String(error));
        }
      }
    };
    const clients = Array.from({ length: 4 }, () => client());
    await pm2.command('reload', 'ecosystem.config.js');
    reloading = false;
    await Promise.all(clients);

    if (agent) agent.destroy();
    process.stdout.write(`pm2 reload under load (${kind}): ${sent} requests sent, ${failures.length} failed\n`);
    expect(sent).toBeGreaterThan(100);
    expect(failures).toEqual([]);
    const after = await instanceIds(port, 10);
    expect(after.size).toBe(2);
    expect([...after].some((id) => before.has(id))).toBe(false);
  }, 90_000);
});
