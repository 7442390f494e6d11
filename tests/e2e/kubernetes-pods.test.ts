import { selfSignedCertificate } from '../support/self-signed';
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { builtServer, spawnReadyApi, trackProcess, type StartedProcess } from '../support/api-process';
import { startFakeSupabaseStorage } from '../support/fake-supabase-storage';
import {
  appContainers,
  containerOf,
  named,
  podEnvironment,
  podSandboxOf,
  podSpecOf,
  renderKustomization,
  writeSecretVolume,
  type IContainer,
  type IDeployment,
  type KubernetesObject,
} from '../support/kubernetes';
import { inPodNetwork, pathInPodImage, spawnInPodSandbox, type PodSandbox } from '../support/pod-sandbox';
import { apiNodeFlags } from '../support/node-flags';
import { freePort } from '../support/ports';
import { projectRoot } from '../support/servers';
import { testMongoUri, testRedisUrl } from '../support/test-env';
import { waitFor } from '../support/wait';

const run = promisify(execFile);

/**
 * The production overlay's containers run as the kubelet would run them: their commands, their
 * environment (the ConfigMap, the Secret's variables, the Secret mounted as files) and their
 * security context (the pod's user and groups, no capabilities, no privilege escalation, a
 * read-only root file system with only the pod's volumes writable: tests/support/pod-sandbox.ts),
 * then their probes and their stop. What differs, because no cluster runs here: processes that
 * must reach the test servers share this machine's network, so the API listens on 127.0.0.1 and
 * a free port instead of the pod's 0.0.0.0:3000; the edge has a network of its own, where cluster
 * DNS is missing, so it finds the API at 127.0.0.1; each test gets its own Redis key prefix on the
 * shared test Redis; Supabase Storage is the test double (it cannot run here).
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

/** The Secret's volume of a pod, laid out with the pod's file mode and group. */
function secretVolumeOf(deployment: IDeployment): string {
  const spec = podSpecOf(deployment);
  const volume = spec.volumes?.find((candidate) => candidate.secret?.secretName === 'english-practice-secrets');
  const location = join(folder, `${deployment.metadata?.name}-secrets`);
  writeSecretVolume(location, secret, { mode: volume?.secret?.defaultMode, group: spec.securityContext?.fsGroup });
  return location;
}

/** What the app image's /app holds (the Dockerfile's `prebuilt` stage), taken from the project. */
const appImage = { from: projectRoot, entries: ['package.json', 'assets', 'node_modules', 'dist'] };

/** A container of the app image in its pod's sandbox: `args` run from the image's /app. */
function startInPod(deployment: IDeployment, container: IContainer, env: Record<string, string>): StartedProcess {
  const [program, ...args] = container.args ?? [];
  expect(program).toBe('node');
  const sandbox = podSandboxOf(deployment, container, { secrets: secretVolumeOf(deployment) }, { image: appImage });
  const node = pathInPodImage(sandbox, process.execPath);
  return trackProcess(spawnInPodSandbox(sandbox, [node, ...args], { ...env, REDIS_KEY_PREFIX: `k${randomBytes(4).toString('hex')}:` }));
}

/** The user, capabilities and root file system a process of a pod sandbox really has. */
function processIdentity(pid: number): { uid: string; effectiveCapabilities: string; noNewPrivileges: string; rootReadOnly: boolean } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): string => new RegExp(`^${name}:\\s+(\\S+)`, 'm').exec(status)?.[1] ?? '';
  const root = readFileSync(`/proc/${pid}/mountinfo`, 'utf8')
    .split('\n')
    .find((line) => line.split(' ')[4] === '/');
  return {
    uid: field('Uid'),
    effectiveCapabilities: field('CapEff'),
    noNewPrivileges: field('NoNewPrivs'),
    rootReadOnly: /^ro\b|,ro\b/.test(root?.split(' ')[5] ?? ''),
  };
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

    // The init container first, with its own environment.
    const migration = startInPod(api, migrate!, podEnvironment(objects, api, migrate!, secret));
    expect({ code: await migration.exitCode, output: migration.output() }).toEqual({ code: 0, output: expect.stringMatching(/created/) });

    expect(container.args).toEqual(['node', ...apiNodeFlags, relative(projectRoot, builtServer)]);
    const env = { ...podEnvironment(objects, api, container, secret), HOST: '127.0.0.1', PORT: String(port) };
    const apiProcess = await spawnReadyApi(env, port, (environment) => startInPod(api, container, environment));
    let exitedAt = 0;
    void apiProcess.exitCode.then(() => (exitedAt = Date.now()));
    try {
      expect(processIdentity(apiProcess.child.pid!)).toEqual({
        uid: '1000',
        effectiveCapabilities: '0000000000000000',
        noNewPrivileges: '1',
        rootReadOnly: true,
      });
      // The V8 flags reached Node (a misspelt one would have stopped it).
      expect(readFileSync(`/proc/${apiProcess.child.pid!}/cmdline`, 'utf8').split('\0')).toEqual(expect.arrayContaining([...apiNodeFlags]));
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
    const worker = startInPod(deployment, container!, podEnvironment(objects, deployment, container!, secret));
    await waitFor('the worker to start', () => {
      if (worker.child.exitCode !== null) throw new Error(`the worker exited:\n${worker.output()}`);
      return worker.output().includes('"worker started"');
    });
    expect(processIdentity(worker.child.pid!)).toMatchObject({ uid: '1000', effectiveCapabilities: '0000000000000000', rootReadOnly: true });
    const signalledAt = Date.now();
    worker.child.kill('SIGTERM');
    expect(await worker.exitCode).toBe(0);
    expect(Date.now() - signalledAt).toBeLessThan((podSpecOf(deployment).terminationGracePeriodSeconds ?? 0) * 1000);
    expect(worker.output()).toContain('worker stopped');
  });

  it('the edge pod: Nginx as its own user with no capabilities on a read-only root serves HTTP and HTTP/2 on TLS, passes the API’s answers on, and stops cleanly', async () => {
    const edge = named<IDeployment>(objects, 'Deployment', 'english-practice-edge');
    const nginx = containerOf(edge, 'nginx');
    // The image's entrypoint (docker/nginx.Dockerfile) runs: the manifest sets no command.
    expect(nginx.command).toBeUndefined();
    const spec = podSpecOf(edge);
    const volumeOf = (name: string): NonNullable<typeof spec.volumes>[number] | undefined => spec.volumes?.find((volume) => volume.name === name);

    // The ConfigMap's volume, and the production certificate's (the TLS Secret), with its mode and group.
    const config = join(folder, 'edge-config');
    mkdirSync(config, { mode: 0o755 });
    const configData = named<{ data?: Record<string, string> }>(objects, 'ConfigMap', volumeOf('config')?.configMap?.name ?? '').data ?? {};
    for (const [file, text] of Object.entries(configData)) writeFileSync(join(config, file), text, { mode: 0o644 });
    const tls = join(folder, 'edge-tls');
    mkdirSync(tls, { mode: 0o755 });
    await selfSignedCertificate(join(tls, 'tls.key'), join(tls, 'tls.crt'));
    expect(volumeOf('tls')?.secret?.secretName).toBe('english-practice-tls');
    for (const file of ['tls.key', 'tls.crt']) {
      chownSync(join(tls, file), 0, spec.securityContext?.fsGroup ?? 0);
      chmodSync(join(tls, file), volumeOf('tls')?.secret?.defaultMode ?? 0o644);
    }

    const sandbox: PodSandbox = podSandboxOf(
      edge,
      nginx,
      { config, tls },
      { ownNetwork: true, etcNginxFiles: ['mime.types'], image: { from: projectRoot, entries: ['docker/nginx-entrypoint.sh'] } },
    );
    const env = Object.fromEntries((nginx.env ?? []).map((variable) => [variable.name, variable.value ?? '']));
    const edgeProcess = trackProcess(
      spawnInPodSandbox(sandbox, ['bash', pathInPodImage(sandbox, join(projectRoot, 'docker', 'nginx-entrypoint.sh'))], { ...env, APP_HOST: '127.0.0.1' }),
    );
    const pid = edgeProcess.child.pid!;
    // An API in the edge pod's network, with no database to reach: nothing there is ready.
    const apiPort = env.APP_PORT ?? '';
    const apiProcess = trackProcess(
      spawn(inPodNetwork(pid, [])[0]!, [...inPodNetwork(pid, []).slice(1), process.execPath, builtServer], {
        env: {
          PATH: process.env.PATH ?? '',
          NODE_ENV: 'test',
          LOG_LEVEL: 'warn',
          HOST: '127.0.0.1',
          PORT: apiPort,
          MONGODB_URI: 'mongodb://127.0.0.1:1/nothing-there',
          MONGODB_SERVER_SELECTION_TIMEOUT_MS: '500',
          TRUST_PROXY_HOPS: '1',
          SECURITY_HEADERS: 'edge',
          HTTP_COMPRESSION: 'false',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    const port = (name: string): number => nginx.ports?.find((candidate) => candidate.name === name)?.containerPort ?? 0;
    const curl = async (url: string, ...options: string[]): Promise<{ status: string; version: string; body: string }> => {
      const [program, ...args] = inPodNetwork(pid, ['curl', '-sk', '--max-time', '5', '-w', '\n%{http_code} %{http_version}', ...options, url]);
      const { stdout } = await run(program!, args).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
      const lines = stdout.split('\n');
      const [status = '', version = ''] = (lines.pop() ?? '').split(' ');
      return { status, version, body: lines.join('\n') };
    };
    try {
      await waitFor(
        'the edge to pass /live on to the API',
        async () => {
          if (edgeProcess.child.exitCode !== null) throw new Error(`the edge exited:\n${edgeProcess.output()}`);
          return (await curl(`http://127.0.0.1:${port('http')}/live`)).status === '200';
        },
        20_000,
      );
      expect(processIdentity(pid)).toEqual({ uid: String(sandbox.user), effectiveCapabilities: '0000000000000000', noNewPrivileges: '1', rootReadOnly: true });
      expect(await curl(`https://127.0.0.1:${port('https')}/live`, '--http2')).toMatchObject({ status: '200', version: '2' });
      // No API pod is ready (no database): the edge passes the API's own 503 on, not a 502 of its own.
      const ready = await curl(`http://127.0.0.1:${port('http')}/ready`);
      expect(ready.status).toBe('503');
      expect(JSON.parse(ready.body)).toMatchObject({ error: { code: 'DATABASE_UNAVAILABLE' } });

      edgeProcess.child.kill('SIGTERM');
      expect(await edgeProcess.exitCode).toBe(0);
    } finally {
      edgeProcess.child.kill('SIGKILL');
      apiProcess.child.kill('SIGKILL');
      await apiProcess.exitCode;
    }
  });
});
