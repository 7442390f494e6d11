import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { migrateDatabase } from '../support/migrate';
import { freePort } from '../support/ports';
import { privatePm2, type Pm2 } from '../support/pm2';
import { promtool } from '../support/promtool';
import { projectRoot, startPrometheus, startRedis, type LocalServer } from '../support/servers';
import { testEnvironment } from '../support/test-env';
import { waitFor } from '../support/wait';

/** One request on a connection of its own, so the cluster can hand it to any process. */
function send(port: number, method: string, path: string, body?: unknown): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers = payload === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) };
    const req = httpRequest({ host: '127.0.0.1', port, path, method, headers, agent: false, timeout: 5000 }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(payload);
  });
}

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parse(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const match = /^(\w+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) continue;
    const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((pair) => [pair[1]!, pair[2]!]));
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

const select = (samples: Sample[], name: string, labels: Record<string, string> = {}): Sample[] =>
  samples.filter((sample) => sample.name === name && Object.entries(labels).every(([label, value]) => sample.labels[label] === value));

/** Per API process: the count of 2xx GETs of the profile route. */
function profileCounts(samples: Sample[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const sample of select(samples, 'http_request_duration_seconds_count', {
    role: 'api',
    method: 'GET',
    route: '/api/profiles/:id',
    status_class: '2xx',
  })) {
    counts.set(sample.labels.instance_id!, sample.value);
  }
  return counts;
}

const processIds = (samples: Sample[], role: string): Set<string> =>
  new Set(select(samples, 'process_start_time_seconds', { role }).map((sample) => sample.labels.instance_id!));

describe('metrics of a PM2 cluster (2 API processes and a worker)', () => {
  let redis: LocalServer;
  let pm2: Pm2;
  let prometheus: LocalServer | null = null;
  let port: number;
  let profileId: string;

  const scrape = async (): Promise<{ text: string; samples: Sample[] }> => {
    const response = await send(port, 'GET', '/metrics');
    expect(response.status).toBe(200);
    return { text: response.body, samples: parse(response.body) };
  };

  beforeAll(async () => {
    // A Redis of this test's own: one test stops it.
    redis = await startRedis();
    port = await freePort();
    const env = testEnvironment({
      PORT: String(port),
      HOST: '127.0.0.1',
      API_INSTANCES: '2',
      LOG_LEVEL: 'warn',
      REDIS_URL: redis.url,
      METRICS_PUBLISH_INTERVAL_MS: '1000',
    });
    await migrateDatabase(env.MONGODB_URI!);
    pm2 = privatePm2(env);
    await pm2.command('start', 'ecosystem.config.js');
    await waitFor('the cluster to be ready', async () => (await send(port, 'GET', '/ready').catch(() => null))?.status === 200, 30_000);
    const registered = await send(port, 'POST', '/api/auth/register', {
      email: `metrics-${Date.now()}@example.com`,
      password: 'correct horse battery',
      displayName: 'Metrics Learner',
    });
    expect(registered.status).toBe(201);
    profileId = (JSON.parse(registered.body) as { account: { id: string } }).account.id;
    // Generous: on a busy machine the second API process and the worker may wait seconds for the database.
    let seen = 'no scrape yet';
    await waitFor(
      'every process in the scrape',
      async () => {
        const { samples } = await scrape();
        const api = processIds(samples, 'api').size;
        const worker = processIds(samples, 'worker').size;
        seen = `${api} API and ${worker} worker processes`;
        return api === 2 && worker === 1;
      },
      60_000,
    ).catch(async (error: unknown) => {
      const processes = JSON.parse(await pm2.command('jlist')) as { name: string; pm2_env: { status: string; restart_time: number } }[];
      const states = processes.map((entry) => `${entry.name} ${entry.pm2_env.status} (restarts ${entry.pm2_env.restart_time})`).join(', ');
      throw new Error(`${String(error)}; the last scrape had ${seen}; PM2: ${states}`);
    });
  }, 120_000);

  afterAll(async () => {
    await pm2.kill();
    await prometheus?.destroy();
    await redis.destroy();
  }, 60_000);

  it('one scrape shows N profile reads counted from both API processes, and the queues from the worker', async () => {
    const before = profileCounts((await scrape()).samples);
    const n = 40;
    for (let i = 0; i < n; i++) expect((await send(port, 'GET', `/api/profiles/${profileId}`)).status).toBe(200);

    let after = new Map<string, number>();
    const total = (counts: Map<string, number>): number => [...counts.values()].reduce((sum, count) => sum + count, 0);
    await waitFor('the reads in one scrape', async () => {
      after = profileCounts((await scrape()).samples);
      return total(after) - total(before) === n;
    });
    expect(after.size).toBe(2);
    for (const [instanceId, count] of after) expect({ instanceId, risen: count > (before.get(instanceId) ?? 0) }).toEqual({ instanceId, risen: true });

    const { text, samples } = await scrape();
    expect(text).not.toContain(profileId);
    const waiting = select(samples, 'queue_jobs', { role: 'worker', state: 'waiting' });
    expect(waiting.map((sample) => sample.labels.queue).sort()).toEqual(['lesson-generation', 'upload-processing']);
    expect(select(samples, 'metrics_view_partial')[0]?.value).toBe(0);
    const checked = await promtool(['check', 'metrics'], text);
    expect(checked).toEqual({ code: 0, output: '' });
  });

  it('a real Prometheus scrapes the cluster through monitoring/prometheus.yml', async () => {
    const configured = readFileSync(join(projectRoot, 'monitoring', 'prometheus.yml'), 'utf8');
    // The same file with the test's port, short intervals, and without the compose job (no DNS here).
    const config = configured
      .replace('127.0.0.1:3000', `127.0.0.1:${port}`)
      .replace(/scrape_interval: \d+s/, 'scrape_interval: 1s')
      .replace(/scrape_timeout: \d+s/, 'scrape_timeout: 1s')
      .replace(/evaluation_interval: \d+s/, 'evaluation_interval: 1s')
      .replace(/\n {2}# The compose deployment[\s\S]*$/, '\n');
    expect(config).toContain(`127.0.0.1:${port}`);
    // alerts.yml keeps production `for:` durations; the copy waits 1 s so the test need not wait minutes.
    const alerts = readFileSync(join(projectRoot, 'monitoring', 'alerts.yml'), 'utf8').replace(/for: \d+[smh]/g, 'for: 1s');
    prometheus = await startPrometheus({ 'prometheus.yml': config, 'alerts.yml': alerts });
    const query = async (expression: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> => {
      const response = await fetch(`${prometheus!.url}/api/v1/query?query=${encodeURIComponent(expression)}`);
      return ((await response.json()) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } }).data.result;
    };

    await waitFor('the target to be up', async () => (await query('up{job="english-practice"}'))[0]?.value[1] === '1', 20_000);
    await waitFor(
      'the request histogram',
      async () => (await query('http_request_duration_seconds_bucket{route="/api/profiles/:id",le="+Inf"}')).length > 0,
      20_000,
    );
    const reads = await query('sum by (instance_id) (http_request_duration_seconds_count{route="/api/profiles/:id",status_class="2xx"})');
    expect(reads).toHaveLength(2);
    expect(reads.reduce((sum, series) => sum + Number(series.value[1]), 0)).toBeGreaterThanOrEqual(40);

    // The Grafana dashboard: every query is valid PromQL here, and every series it reads is in a scrape.
    const dashboard = JSON.parse(readFileSync(join(projectRoot, 'monitoring', 'grafana-dashboard.json'), 'utf8')) as {
      panels: { targets: { expr: string }[] }[];
    };
    const expressions = dashboard.panels.flatMap((panel) => panel.targets.map((target) => target.expr));
    for (const expression of expressions) {
      const response = await fetch(`${prometheus.url}/api/v1/query?query=${encodeURIComponent(expression)}`);
      expect({ expression, status: response.status }).toEqual({ expression, status: 200 });
    }
    const names = new Set(expressions.flatMap((expression) => [...expression.matchAll(/([a-z_][a-z0-9_]*)[{[]/g)].map((match) => match[1]!)));
    const scraped = new Set((await scrape()).samples.map((sample) => sample.name));
    expect([...names].filter((name) => !scraped.has(name))).toEqual([]);
  }, 60_000);

  it('an alert evaluated by that Prometheus fires when Redis stops', async () => {
    expect(prometheus).not.toBeNull();
    type Alert = { labels: { alertname: string }; state: string };
    const alerts = async (): Promise<Alert[]> =>
      ((await (await fetch(`${prometheus!.url}/api/v1/alerts`)).json()) as { data: { alerts: Alert[] } }).data.alerts;
    expect((await alerts()).filter((alert) => alert.labels.alertname === 'RedisDown')).toEqual([]);

    await redis.stop();
    await waitFor(
      'RedisDown to fire',
      async () => (await alerts()).some((alert) => alert.labels.alertname === 'RedisDown' && alert.state === 'firing'),
      30_000,
    );
    const { samples } = await scrape();
    expect(select(samples, 'metrics_view_partial')[0]?.value).toBe(1);
    expect(select(samples, 'redis_up', { role: 'api' }).map((sample) => sample.value)).toEqual([0]);
    await redis.start();
    await waitFor('the whole view again', async () => select((await scrape()).samples, 'metrics_view_partial')[0]?.value === 0, 20_000);
  }, 60_000);

  it("after `pm2 reload` the old processes' series are gone within 30 s", async () => {
    let old = new Set<string>();
    await waitFor('all 3 processes in the scrape', async () => {
      const { samples } = await scrape();
      old = new Set([...processIds(samples, 'api'), ...processIds(samples, 'worker')]);
      return old.size === 3;
    });
    await pm2.command('reload', 'ecosystem.config.js');
    const reloaded = Date.now();
    await waitFor(
      "only the new processes' series",
      async () => {
        const { samples } = await scrape();
        const ids = [...processIds(samples, 'api'), ...processIds(samples, 'worker')];
        const instanceIds = new Set(samples.map((sample) => sample.labels.instance_id).filter((id) => id !== undefined));
        return ids.length === 3 && ids.every((id) => !old.has(id)) && [...instanceIds].every((id) => !old.has(id));
      },
      30_000,
    );
    process.stdout.write(`old series gone ${Date.now() - reloaded} ms after pm2 reload returned\n`);
  }, 90_000);

  it("a killed process's series leave the scrape within 30 s", async () => {
    let worker = '';
    await waitFor('the worker in the scrape', async () => {
      worker = [...processIds((await scrape()).samples, 'worker')][0] ?? '';
      return worker !== '';
    });
    const processes = JSON.parse(await pm2.command('jlist')) as { name: string; pid: number }[];
    const pid = processes.find((entry) => entry.name === 'english-practice-worker')!.pid;
    expect(worker).toContain(String(pid));
    // No shutdown: its snapshot stays in Redis and must be left out for its age.
    process.kill(pid, 'SIGKILL');
    const killed = Date.now();
    await waitFor('the killed worker to leave the scrape', async () => !processIds((await scrape()).samples, 'worker').has(worker), 30_000);
    process.stdout.write(`killed worker's series gone ${Date.now() - killed} ms after SIGKILL\n`);
  }, 60_000);
});
