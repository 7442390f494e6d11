import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { loadConfig } from '../../src/infra/config/config';
import { envSchema, fileVariableOf, secretSettings } from '../../src/infra/config/schema';
import {
  appContainers,
  containerOf,
  environmentOf,
  kustomizations,
  named,
  objectsOfKind,
  plainValue,
  podEnvironment,
  podSpecOf,
  renderEveryKustomization,
  secretFilesOf,
  writeSecretVolume,
  type EnvironmentValue,
  type IContainer,
  type IDeployment,
  type KubernetesObject,
} from '../support/kubernetes';
import { apiNodeFlags } from '../support/node-flags';
import { projectRoot } from '../support/servers';

/**
 * The manifests read together with the app's own settings and code, so that neither can change
 * without the other: the variables they set, the ports and probe paths, and the shutdown timings
 * the grace periods are derived from.
 */

/** A value of the right shape for each key of the Secret the operator creates (docs/kubernetes.md). */
const secretValues: Record<string, string> = {
  'jwt-secret': 'a-production-secret-of-at-least-32-characters',
  'mongodb-uri': 'mongodb+srv://app:password@cluster0.example.mongodb.net/english_practice',
  'redis-url': 'rediss://:password@redis.example.com:6380',
  'supabase-url': 'https://project.supabase.co',
  'supabase-service-key': 'service-role-key',
};
/** Time for a process to exit and the kubelet to see it once the app's own timeout has passed. */
const exitMarginMs = 2000;

const appVariables = new Set<string>([...Object.keys(envSchema.shape), ...secretSettings.map(fileVariableOf)]);
const entrypoint = readFileSync(join(projectRoot, 'docker', 'nginx-entrypoint.sh'), 'utf8');
const docs = readFileSync(join(projectRoot, 'docs', 'kubernetes.md'), 'utf8');

const render = renderEveryKustomization();

/** A setting as the app sees it in this container: the manifest's value, else the schema's default. */
function effective<K extends keyof typeof envSchema.shape>(environment: Map<string, EnvironmentValue>, name: K): number {
  const value = envSchema.shape[name].parse(plainValue(environment, name)) as unknown;
  if (typeof value !== 'number') throw new Error(`${name} is not a number setting`);
  return value;
}

function preStopMs(container: IContainer): number {
  const seconds = container.lifecycle?.preStop?.sleep?.seconds;
  if (seconds === undefined) throw new Error(`${container.name} has no preStop sleep`);
  return seconds * 1000;
}

function graceMs(deployment: IDeployment): number {
  const seconds = podSpecOf(deployment).terminationGracePeriodSeconds;
  if (seconds === undefined) throw new Error(`${deployment.metadata?.name} sets no terminationGracePeriodSeconds`);
  return seconds * 1000;
}

/**
 * A duration directive (`keepalive_timeout 2s;`), in ms, of one of the edge's Nginx files: its
 * main file by default, or the router's (the Nginx behind it that holds the pool to the API).
 */
function edgeDirectiveMs(objects: KubernetesObject[], directive: string, file?: string): number {
  const edge = named<IDeployment>(objects, 'Deployment', 'english-practice-edge');
  const volume = podSpecOf(edge).volumes?.find((candidate) => candidate.configMap !== undefined);
  const mainFile = file ?? posix.basename(containerOf(edge, 'nginx').env?.find((variable) => variable.name === 'NGINX_CONF')?.value ?? '');
  const text = named<{ data?: Record<string, string> }>(objects, 'ConfigMap', volume?.configMap?.name ?? '').data?.[mainFile] ?? '';
  const match = new RegExp(`^\\s*${directive}\\s+(\\d+)s;`, 'm').exec(text);
  if (match === null) throw new Error(`${mainFile} sets no ${directive}`);
  return Number(match[1]) * 1000;
}

describe.each(kustomizations)('%s, read with the app settings', (dir) => {
  const deployments = (): (IDeployment & KubernetesObject)[] => objectsOfKind<IDeployment>(render(dir), 'Deployment');

  it('sets in the app containers only variables the app reads (src/infra/config/schema.ts)', () => {
    for (const deployment of deployments()) {
      for (const container of appContainers(deployment)) {
        const unknown = [...environmentOf(container, render(dir)).keys()].filter((name) => !appVariables.has(name));
        expect({ container: container.name, unknown }).toEqual({ container: container.name, unknown: [] });
      }
    }
  });

  it('sets in the edge container only variables docker/nginx-entrypoint.sh reads', () => {
    const nginx = containerOf(named<IDeployment>(render(dir), 'Deployment', 'english-practice-edge'), 'nginx');
    for (const variable of nginx.env ?? [])
      expect({ variable: variable.name, read: entrypoint.includes(`\${${variable.name}:-`) }).toEqual({ variable: variable.name, read: true });
  });

  it('gives every app container an environment the app starts with: production, secrets as files of the Secret', () => {
    const folder = mkdtempSync(join(tmpdir(), 'ep-k8s-secrets-'));
    writeSecretVolume(folder, secretValues);
    try {
      for (const deployment of deployments()) {
        for (const container of appContainers(deployment)) {
          const environment = environmentOf(container, render(dir));
          const config = loadConfig(podEnvironment(render(dir), deployment, container, secretValues, folder));
          expect(config.env).toBe('production');
          expect(config.mongo.uri).toBe(secretValues['mongodb-uri']);
          expect(config.auth.jwtSecret).toBe(secretValues['jwt-secret']);
          expect(config.redis.server).toEqual({ mode: 'standalone', url: secretValues['redis-url'] });
          // Pods share no disk.
          expect(config.storage).toMatchObject({ driver: 'supabase', url: secretValues['supabase-url'], serviceKey: secretValues['supabase-service-key'] });
          // Secret values never sit in the environment: each one is a file.
          for (const setting of secretSettings) expect(environment.has(setting)).toBe(false);
        }
      }
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('reads from the Secret only keys that docs/kubernetes.md tells the operator to create', () => {
    const keys = new Set<string>();
    for (const deployment of deployments()) {
      for (const container of appContainers(deployment)) {
        const environment = environmentOf(container, render(dir));
        for (const entry of environment.values()) if ('secret' in entry) keys.add(entry.key);
        for (const file of secretFilesOf(deployment, container, environment)) keys.add(file.key);
      }
    }
    expect([...keys].sort()).toEqual(Object.keys(secretValues).sort());
    for (const key of keys) expect(docs).toMatch(new RegExp(`--from-(literal|file)=${key}=`));
  });

  it('runs one Node process per container, under the image entrypoint (no PM2): the API (with its V8 flags), its migration, the worker', () => {
    const api = named<IDeployment>(render(dir), 'Deployment', 'english-practice-api');
    const worker = named<IDeployment>(render(dir), 'Deployment', 'english-practice-worker');
    expect(appContainers(api).map((container) => container.args)).toEqual([
      ['node', 'dist/cli/migrate.js'],
      ['node', ...apiNodeFlags, 'dist/server.js'],
    ]);
    expect(appContainers(worker).map((container) => container.args)).toEqual([['node', 'dist/worker.js']]);
    for (const container of [...appContainers(api), ...appContainers(worker)]) {
      expect(container.command).toBeUndefined();
      // dist/x.js is the build of src/x.ts.
      const script = container.args!.at(-1)!;
      expect(existsSync(join(projectRoot, script.replace(/^dist\//, 'src/').replace(/\.js$/, '.ts')))).toBe(true);
    }
  });

  it("probes the API's own port and paths: /live for start-up and liveness, /ready for readiness", () => {
    const objects = render(dir);
    const apiContainer = containerOf(named<IDeployment>(objects, 'Deployment', 'english-practice-api'), 'api');
    const environment = environmentOf(apiContainer, objects);
    const port = effective(environment, 'PORT');
    expect(plainValue(environment, 'HOST')).toBe('0.0.0.0');
    expect(apiContainer.ports).toEqual([{ name: 'http', containerPort: port }]);
    expect(apiContainer.startupProbe?.httpGet).toEqual({ path: '/live', port: 'http' });
    expect(apiContainer.livenessProbe?.httpGet).toEqual({ path: '/live', port: 'http' });
    expect(apiContainer.readinessProbe?.httpGet).toEqual({ path: '/ready', port: 'http' });

    // The edge finds the pods through the headless Service, on the same port.
    const service = named<{ spec?: { clusterIP?: string; ports?: { port: number; targetPort: string }[] } }>(objects, 'Service', 'english-practice-api');
    expect(service.spec?.clusterIP).toBe('None');
    expect(service.spec?.ports).toEqual([{ name: 'http', port, targetPort: 'http' }]);
    const edgeEnv = environmentOf(containerOf(named<IDeployment>(objects, 'Deployment', 'english-practice-edge'), 'nginx'), objects);
    expect(plainValue(edgeEnv, 'APP_HOST')).toBe('english-practice-api');
    expect(plainValue(edgeEnv, 'APP_PORT')).toBe(String(port));
  });

  it("derives the API's preStop and grace period from its shutdown settings: preStop + drain < grace", () => {
    const objects = render(dir);
    const api = named<IDeployment>(objects, 'Deployment', 'english-practice-api');
    const container = containerOf(api, 'api');
    const environment = environmentOf(container, objects);
    const timeoutMs = effective(environment, 'SHUTDOWN_TIMEOUT_MS');
    const readinessDelayMs = effective(environment, 'SHUTDOWN_READINESS_DELAY_MS');
    const idleGraceMs = effective(environment, 'SHUTDOWN_IDLE_GRACE_MS');
    // SHUTDOWN_TIMEOUT_MS bounds the whole drain (graceful-shutdown.ts); the kubelet counts the
    // grace period from the start of preStop.
    expect(preStopMs(container) + timeoutMs + exitMarginMs).toBeLessThanOrEqual(graceMs(api));
    // The drain's fixed parts fit in its timeout, leaving time for requests in flight.
    expect(readinessDelayMs + idleGraceMs).toBeLessThan(timeoutMs);
    // The edge polls /ready every APP_POLL_SECONDS: it drops a stopping pod before its listener closes.
    const pollSeconds = Number(/APP_POLL_SECONDS="\$\{APP_POLL_SECONDS:-(\d+)\}"/.exec(entrypoint)?.[1]);
    expect(pollSeconds * 1000).toBeLessThan(readinessDelayMs);
    // The edge, not the API, closes an idle pooled connection (nginx/README.md).
    expect(edgeDirectiveMs(objects, 'keepalive_timeout', 'router.conf')).toBeLessThan(idleGraceMs);
  });

  it('gives the worker and the edge grace periods above their own stop timeouts', () => {
    const objects = render(dir);
    const worker = named<IDeployment>(objects, 'Deployment', 'english-practice-worker');
    const workerTimeoutMs = effective(environmentOf(containerOf(worker, 'worker'), objects), 'WORKER_SHUTDOWN_TIMEOUT_MS');
    expect(workerTimeoutMs + exitMarginMs).toBeLessThanOrEqual(graceMs(worker));

    const edge = named<IDeployment>(objects, 'Deployment', 'english-practice-edge');
    // A graceful stop lets Nginx's workers run this long (event streams), then closes the rest.
    expect(preStopMs(containerOf(edge, 'nginx')) + edgeDirectiveMs(objects, 'worker_shutdown_timeout') + exitMarginMs).toBeLessThanOrEqual(graceMs(edge));
  });
});
