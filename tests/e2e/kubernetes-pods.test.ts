import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { builtServer, spawnReadyApi } from '../support/api-process';
import { startFakeSupabaseStorage } from '../support/fake-supabase-storage';
import { appContainers, containerOf, named, podEnvironment, podSpecOf, renderKustomization, type IContainer, type KubernetesObject, type IDeployment } from '../support/kubernetes';
import { freePort } from '../support/ports';
import { projectRoot } from '../support/servers';
import { testMongoUri, testRedisUrl } from '../support/test-env';
import { waitFor } from '../support/wait';
import { startWorkerProcess } from '../support/worker-process';

/**
 * The production overlay's containers run for real, as the kubelet would run them: their
 * commands, their environment (the ConfigMap, the Secret's variables, the Secret mounted as
 * files) and their probes. What differs, because no cluster runs here: the processes share this
 * machine's loopback, so the API listens on 127.0.0.1 and a free port instead of the pod's own
 * 0.0.0.0:3000; each test gets its own Redis key prefix on the shared test Redis; and Supabase
 * Storage is the test double (it cannot run here).
 */

const serviceKey = 'service-role-key-for-the-pod-test';
let objects: KubernetesObject[];
let supabase: Awaited<ReturnType<typeof startFakeSupabaseStorage>>;
let folder: string;
let secret: Record<string, string>;

beforeAll(async () => {
  objects = await renderKustomization('overlays/production');
  supabase = await startFakeSupabaseStorage(serviceKey);
  folder = mkdtempSync(join(tmpdir(), 'ep-k8s-pod-'));
  secret = {
    'jwt-secret': randomBytes(32).toString('hex'),
    'mongodb-uri': testMongoUri(),
    'redis-url': testRedisUrl(),
    'supabase-url': supabase.url,
    'supabase-service-key': serviceKey,
  };
});
afterAll(async () => {
  await supabase.close();
  rmSync(folder, { recursive: true, force: true });
});

function environmentFor(deployment: IDeployment, container: IContainer, overrides: Record<string, string>): Record<string, string> {
  return { ...podEnvironment(objects, deployment, container, secret, folder), REDIS_KEY_PREFIX: `k${randomBytes(4).toString('hex')}:`, ...overrides };
}

/** A container's command (`args` under the image's entrypoint) run from the project's root, as from the image's /app. */
function runToExit(container: IContainer, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const [program, ...args] = container.args ?? [];
  expect(program).toBe('node');
  const child = spawn(process.execPath, args, { cwd: projectRoot, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, output })));
}

async function statusOf(port: number, path: string | undefined): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  await response.body?.cancel();
  return response.status;
}

describe('the production overlay’s pods, run as the kubelet runs them', () => {
  it('the API pod: migration, then the API answers its probes, and on SIGTERM readiness fails first and it exits within its grace period', async () => {
    const api = named<IDeployment>(objects, 'Deployment', 'english-practice-api');
    const [migrate] = podSpecOf(api).initContainers ?? [];
    const container = containerOf(api, 'api');
    const port = await freePort();
    const env = environmentFor(api, container, { HOST: '127.0.0.1', PORT: String(port) });

    // The init container, with its own environment.
    const migration = await runToExit(migrate!, environmentFor(api, migrate!, {}));
    expect({ code: migration.code, output: migration.output }).toEqual({ code: 0, output: expect.stringMatching(/created/) });

    expect(container.args).toEqual(['node', relative(projectRoot, builtServer)]);
    const apiProcess = await spawnReadyApi(env, port);
    let exitedAt = 0;
    void apiProcess.exitCode.then(() => (exitedAt = Date.now()));
    try {
      for (const probe of [container.startupProbe, container.livenessProbe, container.readinessProbe]) {
        expect(await statusOf(port, probe?.httpGet?.path)).toBe(200);
      }
      // No secret reached the logs.
      for (const value of Object.values(secret)) expect(apiProcess.output()).not.toContain(value);

      // The kubelet runs preStop (a pause), then sends SIGTERM.
      const signalledAt = Date.now();
      apiProcess.child.kill('SIGTERM');
      await waitFor('readiness to fail', async () => (await statusOf(port, container.readinessProbe?.httpGet?.path)) === 503, 2000);
      // Still alive meanwhile: the kubelet must not restart a pod that is draining.
      expect(await statusOf(port, container.livenessProbe?.httpGet?.path)).toBe(200);
      expect(await apiProcess.exitCode).toBe(0);
      const budgetMs = (podSpecOf(api).terminationGracePeriodSeconds ?? 0) * 1000 - (container.lifecycle?.preStop?.sleep?.seconds ?? 0) * 1000;
      expect(exitedAt - signalledAt).toBeLessThan(budgetMs);
      expect(apiProcess.output()).toContain('shutdown complete');
    } finally {
      apiProcess.child.kill('SIGKILL');
    }
  });

  it('the worker pod starts with its environment and stops cleanly within its grace period', async () => {
    const deployment = named<IDeployment>(objects, 'Deployment', 'english-practice-worker');
    const [container] = appContainers(deployment);
    expect(container?.args).toEqual(['node', 'dist/worker.js']);
    const worker = await startWorkerProcess(environmentFor(deployment, container!, {}));
    const signalledAt = Date.now();
    expect(await worker.stop('SIGTERM')).toBe(0);
    expect(Date.now() - signalledAt).toBeLessThan((podSpecOf(deployment).terminationGracePeriodSeconds ?? 0) * 1000);
    expect(worker.output()).toContain('worker stopped');
  });
});
