import { startNginx, type Nginx } from '../support/nginx';
import { registerOver, mixedClients } from '../support/edge-traffic';
import { startPacedTraffic, type TrafficResult } from '../support/paced-traffic';
import { migrateDatabase } from '../support/migrate';
import { freePort } from '../support/ports';
import { privatePm2, type Pm2 } from '../support/pm2';
import { testEnvironment } from '../support/test-env';
import type { TestSession } from '../support/learners';
import { waitFor } from '../support/wait';

jest.setTimeout(600_000);

const api = 'english-practice-api';
let pm2: Pm2;
let apiPort: number;
let nginx: Nginx;
let sessions: TestSession[];

function report(what: string, result: TrafficResult): void {
  const methods = Object.entries(result.byMethod)
    .map(([method, counts]) => `${method} ${counts.failed}/${counts.sent}`)
    .join(', ');
  process.stdout.write(`${what}: ${result.sent} requests, ${result.failures.length} failed (${methods})\n${result.failures.slice(0, 10).join('\n')}\n`);
}

async function apiPids(): Promise<number[]> {
  const list = JSON.parse(await pm2.command('jlist')) as { name: string; pid: number; pm2_env: { status: string } }[];
  return list.filter((entry) => entry.name === api && entry.pm2_env.status === 'online').map((entry) => entry.pid);
}

/** Paced mixed traffic at `port` while `during` runs: 6 clients, a 40 ms pause between requests. */
async function underTraffic(port: number, during: () => Promise<void>): Promise<TrafficResult> {
  const traffic = startPacedTraffic(port, mixedClients(sessions), { pauseMs: 40, maxMs: 540_000 });
  await during();
  return traffic.stop();
}

async function reloads(count: number): Promise<void> {
  const started = Date.now();
  for (let i = 0; i < count; i++) await pm2.command('reload', api);
  process.stdout.write(`${count} reloads took ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

beforeAll(async () => {
  apiPort = await freePort();
  const env = testEnvironment({ PORT: String(apiPort), API_INSTANCES: '2', LOG_LEVEL: 'warn' });
  await migrateDatabase(env.MONGODB_URI!);
  pm2 = privatePm2(env);
  await pm2.command('start', 'ecosystem.config.js', '--only', api);
  await waitFor('the cluster to be ready', async () => (await fetch(`http://127.0.0.1:${apiPort}/ready`).catch(() => null))?.status === 200, 60_000);
  nginx = await startNginx({ apiPort });
  sessions = [];
  for (let i = 0; i < 6; i++) sessions.push(await registerOver(nginx.url, `Reload Client ${i}`));
}, 120_000);

afterAll(async () => {
  await pm2?.kill();
  await nginx?.stop();
});

test('10 back-to-back `pm2 reload`s behind Nginx fail no request: GET, POST and PATCH, pooled and new connections', async () => {
  const before = await apiPids();
  const result = await underTraffic(nginx.port, () => reloads(10));
  report('10 pm2 reloads through Nginx', result);
  expect(result.sent).toBeGreaterThan(300);
  for (const method of ['GET', 'POST', 'PATCH']) expect(result.byMethod[method]?.sent).toBeGreaterThan(50);
  expect(result.failures).toEqual([]);
  const after = await apiPids();
  expect(after).toHaveLength(2);
  expect(after.some((pid) => before.includes(pid))).toBe(false);
});

test('the same 10 reloads straight at the cluster port, measured for comparison', async () => {
  const result = await underTraffic(apiPort, () => reloads(10));
  report('10 pm2 reloads straight at the cluster port', result);
  expect(result.sent).toBeGreaterThan(300);
});

test('an API process SIGKILLed under load behind Nginx fails no GET', async () => {
  const [victim] = await apiPids();
  const result = await underTraffic(nginx.port, async () => {
    await new Promise((resolve) => setTimeout(resolve, 1500));
    process.kill(victim!, 'SIGKILL');
    await waitFor(
      'PM2 to replace the killed process',
      async () => {
        const pids = await apiPids();
        return pids.length === 2 && !pids.includes(victim!);
      },
      30_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 1500));
  });
  report('SIGKILL of one API process through Nginx', result);
  expect(result.byMethod.GET?.sent).toBeGreaterThan(20);
  expect(result.byMethod.GET?.failed).toBe(0);
});
