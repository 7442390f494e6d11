import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { promisify } from 'node:util';
import { migrateDatabase } from '../support/migrate';
import { freePort } from '../support/ports';
import { privatePm2, type Pm2 } from '../support/pm2';
import { testEnvironment } from '../support/test-env';
import { waitFor } from '../support/wait';

const run = promisify(execFile);

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
  let env: Record<string, string>;

  beforeAll(async () => {
    port = await freePort();
    env = testEnvironment({ PORT: String(port), HOST: '127.0.0.1', API_INSTANCES: '2', LOG_LEVEL: 'warn' });
    await migrateDatabase(env.MONGODB_URI!);
    pm2 = privatePm2(env);
    await pm2.command('start', 'ecosystem.config.js');
    await waitFor('the cluster to be ready', async () => (await get(port, '/ready').catch(() => null))?.status === 200, 30_000);
  }, 60_000);

  afterAll(() => pm2.kill());

  it('answers from 2 processes with different instance ids', async () => {
    const ids = await instanceIds(port, 20);
    expect(ids.size).toBe(2);
  });

  it("listens with LISTEN_BACKLOG's queue (4096), not Node's default 511, through the cluster's primary", async () => {
    // ss prints a listening socket's backlog in its Send-Q column.
    const { stdout } = await run('ss', ['-Hltn', `sport = :${port}`]);
    const backlogs = stdout
      .trim()
      .split('\n')
      .map((line) => Number(line.trim().split(/\s+/)[2]));
    expect(backlogs).toEqual([Math.min(4096, Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8')))]);
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
  ] as const)(
    '`pm2 reload` replaces every process without failing a request (%s)',
    async (kind, agent) => {
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
    },
    90_000,
  );

  it('`pm2 reload` of a release that cannot reach the database keeps the cluster serving /live and cached reads', async () => {
    const register = await fetch(`http://127.0.0.1:${port}/api/auth/register`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: `reload-${port}@example.com`, password: 'correct horse battery', displayName: 'Reload Rita' }),
    });
    expect(register.status).toBe(201);
    const profile = `/api/profiles/${((await register.json()) as { account: { id: string } }).account.id}`;
    // Every process has it cached (the cache is shared in Redis).
    expect((await get(port, profile)).status).toBe(200);

    let reloading = true;
    const failures: string[] = [];
    let sent = 0;
    const client = async (): Promise<void> => {
      for (; reloading; sent++) {
        for (const path of ['/live', profile]) {
          const response = await get(port, path).catch((error: unknown) => ({ status: 0, body: String(error) }));
          if (response.status !== 200) failures.push(`${path}: ${response.status} ${response.body}`);
        }
      }
    };
    const clients = Array.from({ length: 2 }, () => client());
    const unreachable = `mongodb://127.0.0.1:${await freePort()}/nowhere`;
    await pm2.commandWithEnv({ MONGODB_URI: unreachable }, 'reload', 'ecosystem.config.js', '--only', 'english-practice-api', '--update-env');
    // Past the reload, too: the new processes serve without ever reaching the database.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    reloading = false;
    await Promise.all(clients);

    process.stdout.write(`pm2 reload with the database unreachable: ${sent} rounds of /live and a cached profile, ${failures.length} failed\n`);
    expect(failures).toEqual([]);
    expect(sent).toBeGreaterThan(20);
    const processes = JSON.parse(await pm2.command('jlist')) as { name: string; pm2_env: { status: string } }[];
    expect(processes.filter((entry) => entry.name === 'english-practice-api' && entry.pm2_env.status === 'online')).toHaveLength(2);
    expect((await get(port, '/ready')).status).toBe(503);
  }, 120_000);
});
