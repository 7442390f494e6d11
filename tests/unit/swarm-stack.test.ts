import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { toStack, type SwarmStack } from '../../scripts/lib/swarm-stack.mts';
import { projectRoot } from '../support/servers';

/**
 * The stack file of the Docker Swarm deployment, made as ./scripts/swarm makes it (the compose
 * files merged by docker-compose, then scripts/lib/swarm-stack.mts), read for the rules
 * docs/swarm.md gives: no virtual IPs, ports on the edge's node, rollouts that start first and
 * roll back, data services with their volumes, secrets as files, no host folder.
 * tests/e2e/swarm.test.ts deploys it for real.
 */

type Mapping = Record<string, unknown>;

const secrets = { JWT_SECRET: 'swarm-unit-jwt-secret-of-at-least-32-characters', METRICS_TOKEN: 'swarm-unit-metrics-token' };
/** What scripts/swarm merges (its compose_files), by where the images come from. */
const composeFiles = {
  standin: 'docker-compose.yml:docker-compose.standin.yml:docker-compose.swarm.yml:docker-compose.swarm-standin.yml',
  registry: 'docker-compose.yml:docker-compose.swarm.yml',
};
const dataServices = {
  standin: ['redis', 'mongo1', 'ferretdb-postgresql'],
  registry: ['redis', 'mongo1', 'mongo2', 'mongo3'],
};
const folder = mkdtempSync(join(tmpdir(), 'ep-swarm-stack-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

/** docker-compose config's output, with .env.example plus `secrets` (and `settings`) as the app's settings. */
function composeConfig(mode: keyof typeof composeFiles, variables: Record<string, string> = {}, settings: string[] = []): Mapping {
  const envFile = join(folder, `${mode}.env`);
  const lines = [...Object.entries(secrets).map(([name, value]) => `${name}=${value}`), ...settings];
  writeFileSync(envFile, `${readFileSync(join(projectRoot, '.env.example'), 'utf8')}\n${lines.join('\n')}\n`);
  const [command, ...args] = existsSync('/usr/bin/docker-compose') ? ['docker-compose'] : ['docker', 'compose'];
  const output = execFileSync(command, [...args, 'config'], {
    cwd: projectRoot,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    env: {
      PATH: process.env.PATH,
      COMPOSE_FILE: composeFiles[mode],
      ENV_FILE: envFile,
      POSTGRESQL_IMAGE: 'english-practice/postgresql:unit',
      SWARM_STACK: 'unit',
      SWARM_EDGE_CONFIG_VERSION: 'v1',
      SWARM_MONGO_INIT_VERSION: 'v1',
      SWARM_APP_REPLICAS: '5',
      ...variables,
    },
  });
  return parse(output) as Mapping;
}

const stacks: Record<keyof typeof composeFiles, SwarmStack> = {
  standin: toStack(composeConfig('standin'), 'unit'),
  registry: toStack(composeConfig('registry'), 'unit'),
};

const servicesOf = (stack: SwarmStack): Record<string, Mapping> => stack.stack.services as Record<string, Mapping>;
const deployOf = (service: Mapping): Mapping => service.deploy as Mapping;
const seconds = (duration: unknown): number => {
  const match = /^(\d+)(ms|s|m)$/.exec(String(duration));
  if (!match) throw new Error(`not a duration: ${String(duration)}`);
  return Number(match[1]) * { ms: 0.001, s: 1, m: 60 }[match[2] as 'ms' | 's' | 'm'];
};

/** How long the image's health check may take to call a task unhealthy: retries × (interval + timeout). */
function healthWindowSeconds(): number {
  const line = /^HEALTHCHECK (.*)$/m.exec(readFileSync(join(projectRoot, 'Dockerfile'), 'utf8'))?.[1] ?? '';
  const option = (name: string): number => seconds(new RegExp(`--${name}=(\\S+)`).exec(line)?.[1]);
  const retries = Number(/--retries=(\d+)/.exec(line)?.[1]);
  return retries * (option('interval') + option('timeout'));
}

describe.each(Object.keys(stacks) as (keyof typeof composeFiles)[])('the stack with %s images', (mode) => {
  const stack = stacks[mode];
  const services = servicesOf(stack);

  test('no service has a virtual IP (IPVS): every one resolves to its tasks (dnsrr)', () => {
    for (const [name, service] of Object.entries(services)) expect([name, deployOf(service).endpoint_mode]).toEqual([name, 'dnsrr']);
  });

  test('only what always runs: no profile service (monitoring; the replica set where the stand-in has none)', () => {
    expect(services.prometheus).toBeUndefined();
    if (mode === 'standin') expect(Object.keys(services)).not.toEqual(expect.arrayContaining(['mongo2']));
  });

  test('ports are published on the edge node itself (mode host), and only the edge publishes', () => {
    for (const [name, service] of Object.entries(services)) {
      if (name === 'nginx') continue;
      expect([name, service.ports]).toEqual([name, undefined]);
    }
    expect(services.nginx!.ports).toEqual([
      { target: 80, published: 80, protocol: 'tcp', mode: 'host' },
      { target: 443, published: 443, protocol: 'tcp', mode: 'host' },
    ]);
  });

  test('no host folder is mounted: a node has no checkout (the edge gets its configuration as configs)', () => {
    for (const service of Object.values(services)) {
      for (const volume of (service.volumes as string[] | undefined) ?? []) expect(volume).not.toMatch(/^[/.]/);
    }
  });

  test('the API and the workers roll out start-first, roll back on failure, and watch a new task longer than its health check', () => {
    for (const name of ['app', 'worker']) {
      const deploy = deployOf(services[name]!);
      const update = deploy.update_config as Mapping;
      expect(update).toMatchObject({ order: 'start-first', failure_action: 'rollback' });
      expect(seconds(update.monitor)).toBeGreaterThan(healthWindowSeconds());
      expect(deploy.rollback_config).toMatchObject({ order: 'start-first' });
      expect(deploy.restart_policy).toMatchObject({ condition: 'any' });
      expect(deploy.resources).toMatchObject({ limits: { cpus: expect.any(String), memory: expect.any(String) }, reservations: { cpus: expect.any(String) } });
      expect(deploy.placement).toMatchObject({ preferences: [{ spread: 'node.labels.english-practice.zone' }] });
    }
    expect(deployOf(services.app!).replicas).toBe(5);
  });

  test('each data service runs once, on the node labelled for it, with its volume, stopped before it is replaced', () => {
    expect(Object.keys(services)).toEqual(expect.arrayContaining(dataServices[mode]));
    for (const name of dataServices[mode]) {
      const deploy = deployOf(services[name]!);
      expect([name, deploy.replicas, deploy.placement]).toEqual([name, 1, { constraints: [`node.labels.english-practice.${name} == true`] }]);
      expect(deploy.update_config).toMatchObject({ order: 'stop-first' });
      expect((services[name]!.volumes as string[]).some((volume) => /^[a-z0-9-]+-data:/.test(volume))).toBe(true);
    }
  });

  test('one-shot services run to completion: restarted on failure only, and their exit is not a failed update', () => {
    for (const name of ['migrate', 'mongo-init']) {
      expect(deployOf(services[name]!)).toMatchObject({ restart_policy: { condition: 'on-failure' }, update_config: { failure_action: 'continue' } });
    }
  });

  test('every secret setting is a Docker secret the app reads through <NAME>_FILE, and the stack file holds no secret', () => {
    const text = stringify(stack.stack);
    for (const value of Object.values(secrets)) expect(text).not.toContain(value);
    for (const name of ['app', 'worker', 'migrate']) {
      const environment = services[name]!.environment as Mapping;
      for (const setting of ['JWT_SECRET', 'METRICS_TOKEN', 'MONGODB_URI', 'REDIS_URL']) {
        expect(environment[setting]).toBeUndefined();
        expect(environment[`${setting}_FILE`]).toBe(`/run/secrets/${setting.toLowerCase()}`);
        expect(services[name]!.secrets).toContainEqual({ source: setting.toLowerCase(), target: setting.toLowerCase(), uid: '1000', gid: '1000', mode: 0o400 });
      }
    }
    expect(stack.secrets.find((secret) => secret.key === 'jwt_secret')?.value).toBe(secrets.JWT_SECRET);
    for (const secret of stack.secrets) {
      expect((stack.stack.secrets as Mapping)[secret.key]).toEqual({ external: true, name: secret.name });
      expect(secret.name).toMatch(new RegExp(`^unit_${secret.key}_[0-9a-f]{12}$`));
    }
  });
});

test('a secret that changes gets a new name (a Docker secret cannot change), the same value the same name', () => {
  const again = toStack(composeConfig('standin'), 'unit');
  const changed = toStack(composeConfig('standin', {}, ['JWT_SECRET=another-secret-of-at-least-32-characters-long']), 'unit');
  const nameOf = (stack: SwarmStack): string | undefined => stack.secrets.find((secret) => secret.key === 'jwt_secret')?.name;
  expect(nameOf(again)).toBe(nameOf(stacks.standin));
  expect(nameOf(changed)).not.toBe(nameOf(stacks.standin));
});

test('the edge gets, as configs, every file its two Nginx main files include from the configuration folder', () => {
  const folderPath = '/etc/nginx/english-practice/';
  const included = new Set<string>();
  const visit = (file: string): void => {
    if (included.has(file)) return;
    included.add(file);
    for (const [, name] of readFileSync(join(projectRoot, 'nginx', file), 'utf8').matchAll(/^\s*include\s+([^;\s]+);/gm)) {
      if (name!.startsWith(folderPath)) visit(name!.slice(folderPath.length));
      else if (!name!.startsWith('/')) visit(name!);
    }
  };
  visit('compose.conf');
  visit('router.conf');
  const targets = (servicesOf(stacks.standin).nginx!.configs as Mapping[]).map((config) => String(config.target));
  expect(targets.sort()).toEqual([...included].map((file) => `${folderPath}${file}`).sort());
  for (const config of Object.values(stacks.standin.stack.configs as Record<string, Mapping>)) expect(config.name).toMatch(/^unit_.+-v1$/);
});

test('a folder of this machine mounted into a service stops the stack file, naming it', () => {
  expect(() => toStack(composeConfig('standin', { NGINX_TLS_DIR: '/etc/letsencrypt/live/example.org' }), 'unit')).toThrow(
    'nginx: the bind mount /etc/letsencrypt/live/example.org:/etc/nginx/tls names a folder no other node has',
  );
});

test('a secret setting with different values in two services stops the stack file', () => {
  const compose = { services: { app: { environment: { JWT_SECRET: 'one' } }, worker: { environment: { JWT_SECRET: 'two' } } } };
  expect(() => toStack(compose, 'unit')).toThrow('JWT_SECRET differs between services');
});
