import { execFile, spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment' with { 'resolution-mode': 'import' };
import type { IContainer } from 'kubernetes-models/v1/Container' with { 'resolution-mode': 'import' };
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec' with { 'resolution-mode': 'import' };
import type { PodSandbox } from './pod-sandbox';
import { projectRoot } from './servers';

const run = promisify(execFile);

export type { IContainer, IDeployment, IPodSpec };

export const kubernetesRoot = join(projectRoot, 'deploy', 'kubernetes');

/** The base and every overlay: a new overlay is covered without naming it here. */
export const kustomizations = ['base', ...readdirSync(join(kubernetesRoot, 'overlays')).map((overlay) => `overlays/${overlay}`)];
export const overlays = kustomizations.filter((dir) => dir.startsWith('overlays/'));

export interface KubernetesObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

/** `kustomize build <dir>` (what `kubectl apply -k` applies), parsed. */
export async function renderKustomization(dir: string): Promise<KubernetesObject[]> {
  const kustomize = process.env.KUSTOMIZE_BIN ?? join(projectRoot, '.tools', 'bin', 'kustomize');
  if (!existsSync(kustomize)) throw new Error(`${kustomize} is missing: npm test builds it (ensure_kustomize in scripts/lib/tools.sh)`);
  const { stdout } = await run(kustomize, ['build', join(kubernetesRoot, dir)], { maxBuffer: 16 * 1024 * 1024 });
  return parseAllDocuments(stdout).map((document) => {
    if (document.errors.length > 0) throw new Error(`kustomize build ${dir} printed invalid YAML: ${document.errors[0]?.message}`);
    return document.toJS() as KubernetesObject;
  });
}

/** Renders the base and every overlay once, before the calling file's tests; returns the lookup. */
export function renderEveryKustomization(): (dir: string) => KubernetesObject[] {
  const rendered = new Map<string, KubernetesObject[]>();
  beforeAll(async () => {
    for (const dir of kustomizations) rendered.set(dir, await renderKustomization(dir));
  });
  return (dir) => {
    const objects = rendered.get(dir);
    if (objects === undefined) throw new Error(`${dir} was not rendered`);
    return objects;
  };
}

export interface SchemaReport {
  object: string;
  problems: string[];
}

/**
 * Each object checked offline as the API server would check it: against the Kubernetes API
 * schema (types, enums, required fields: kubernetes-schema.mts, in Node itself, as those
 * validators are ES modules) and decoded strictly into the API's Go types (unknown, misspelt or
 * duplicate fields: kubernetes-fields/, which npm test builds).
 */
export async function validateKubernetesObjects(objects: unknown[]): Promise<SchemaReport[]> {
  const fieldCheck = process.env.KUBERNETES_FIELDS_BIN ?? join(projectRoot, '.tools', 'bin', 'kubernetes-fields');
  if (!existsSync(fieldCheck)) throw new Error(`${fieldCheck} is missing: npm test builds it (ensure_kubernetes_fields in scripts/lib/tools.sh)`);
  const input = JSON.stringify(objects);
  const [schema, fields] = await Promise.all([
    reportsOf(process.execPath, [join(__dirname, 'kubernetes-schema.mts')], input),
    reportsOf(fieldCheck, [], input),
  ]);
  if (schema.length !== objects.length || fields.length !== objects.length) throw new Error('a check did not report on every object');
  return schema.map((report, index) => ({ object: report.object, problems: [...report.problems, ...fields[index]!.problems] }));
}

async function reportsOf(program: string, args: string[], input: string): Promise<SchemaReport[]> {
  const child = spawn(program, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
  child.stdin.end(input);
  if ((await exited) !== 0) throw new Error(`${program} failed: ${stderr}`);
  return JSON.parse(stdout) as SchemaReport[];
}

export function objectsOfKind<T>(objects: KubernetesObject[], kind: string): (T & KubernetesObject)[] {
  return objects.filter((object) => object.kind === kind) as (T & KubernetesObject)[];
}

export function named<T>(objects: KubernetesObject[], kind: string, name: string): T & KubernetesObject {
  const found = objectsOfKind<T>(objects, kind).find((object) => object.metadata.name === name);
  if (found === undefined) throw new Error(`no ${kind} ${name} in the rendered manifests`);
  return found;
}

export function podSpecOf(deployment: IDeployment): IPodSpec {
  const spec = deployment.spec?.template.spec;
  if (spec === undefined) throw new Error(`Deployment ${deployment.metadata?.name} has no pod spec`);
  return spec;
}

export function containerOf(deployment: IDeployment, name: string): IContainer {
  const spec = podSpecOf(deployment);
  const container = [...spec.containers, ...(spec.initContainers ?? [])].find((candidate) => candidate.name === name);
  if (container === undefined) throw new Error(`Deployment ${deployment.metadata?.name} has no container ${name}`);
  return container;
}

/** Where a variable of a container's environment comes from. */
export type EnvironmentValue = { value: string } | { secret: string; key: string };

/**
 * A container's environment as the kubelet assembles it: `envFrom` ConfigMaps first, then `env`
 * (which wins). Any other source is refused, so a test never reads a variable it cannot see.
 */
export function environmentOf(container: IContainer, objects: KubernetesObject[]): Map<string, EnvironmentValue> {
  const environment = new Map<string, EnvironmentValue>();
  for (const source of container.envFrom ?? []) {
    if (source.configMapRef === undefined || source.prefix !== undefined) throw new Error(`${container.name}: only plain configMapRef envFrom is read here`);
    const configMap = named<{ data?: Record<string, string> }>(objects, 'ConfigMap', source.configMapRef.name ?? '');
    for (const [name, value] of Object.entries(configMap.data ?? {})) environment.set(name, { value });
  }
  for (const variable of container.env ?? []) {
    const secret = variable.valueFrom?.secretKeyRef;
    if (variable.value !== undefined) environment.set(variable.name, { value: variable.value });
    else if (secret?.name !== undefined) environment.set(variable.name, { secret: secret.name, key: secret.key });
    else throw new Error(`${container.name}: ${variable.name} has a source not read here`);
  }
  return environment;
}

/** The value of a variable set directly (a ConfigMap's or a literal), or undefined. */
export function plainValue(environment: Map<string, EnvironmentValue>, name: string): string | undefined {
  const entry = environment.get(name);
  return entry !== undefined && 'value' in entry ? entry.value : undefined;
}

/** The app image's containers: those that run `node dist/...` (the API, its migration, the worker). */
export function appContainers(deployment: IDeployment): IContainer[] {
  const spec = podSpecOf(deployment);
  return [...(spec.initContainers ?? []), ...spec.containers].filter((container) => container.args?.[0] === 'node');
}

/** The Secret the operator creates (docs/kubernetes.md): the external services' addresses and the keys. */
export const secretName = 'english-practice-secrets';

export interface SecretFile {
  variable: string;
  mountPath: string;
  key: string;
}

/** The secret files a container reads: its `<NAME>_FILE` paths, each of which must be in a read-only mount of the Secret. */
export function secretFilesOf(deployment: IDeployment, container: IContainer, environment: Map<string, EnvironmentValue>): SecretFile[] {
  const secretVolumes = new Set(
    (podSpecOf(deployment).volumes ?? []).filter((volume) => volume.secret?.secretName === secretName).map((volume) => volume.name),
  );
  const mounts = (container.volumeMounts ?? []).filter((mount) => secretVolumes.has(mount.name) && mount.readOnly === true);
  return [...environment.keys()]
    .filter((name) => name.endsWith('_FILE'))
    .map((variable) => {
      const path = plainValue(environment, variable) ?? '';
      const mount = mounts.find((candidate) => posix.dirname(path) === candidate.mountPath);
      if (mount === undefined) throw new Error(`${container.name}: ${variable}=${path} is not in a read-only mount of the Secret ${secretName}`);
      return { variable, mountPath: mount.mountPath, key: posix.basename(path) };
    });
}

/** The Secret's volume as the kubelet lays it out in `folder`: one file per key, with the pod's mode and group. */
export function writeSecretVolume(folder: string, secret: Record<string, string>, ownership: { mode?: number; group?: number } = {}): void {
  mkdirSync(folder, { recursive: true });
  chmodSync(folder, 0o755);
  for (const [key, value] of Object.entries(secret)) {
    const file = join(folder, key);
    writeFileSync(file, `${value}\n`);
    if (ownership.group !== undefined) chownSync(file, 0, ownership.group);
    if (ownership.mode !== undefined) chmodSync(file, ownership.mode);
  }
}

/**
 * The environment a container of the rendered manifests would get, with `secret` standing for
 * the Secret: variables from its keys take their values, and every `<NAME>_FILE` must name one
 * of its keys in a mount of it. The paths stay the pod's (for a process in a pod sandbox, where
 * the Secret is mounted there), or with `secretFolder` point into that folder instead.
 */
export function podEnvironment(
  objects: KubernetesObject[],
  deployment: IDeployment,
  container: IContainer,
  secret: Record<string, string>,
  secretFolder?: string,
): Record<string, string> {
  const environment = environmentOf(container, objects);
  const variables: Record<string, string> = {};
  for (const [name, entry] of environment) {
    if ('value' in entry) variables[name] = entry.value;
    else if (entry.secret === secretName && secret[entry.key] !== undefined) variables[name] = secret[entry.key]!;
    else throw new Error(`${container.name}: ${name} reads ${entry.secret}/${entry.key}, which is not a key of the Secret`);
  }
  for (const { variable, key } of secretFilesOf(deployment, container, environment)) {
    if (secret[key] === undefined) throw new Error(`${container.name}: ${variable} names the file ${key}, not a key of the Secret`);
    if (secretFolder !== undefined) variables[variable] = join(secretFolder, key);
  }
  return variables;
}

/**
 * The sandbox a container runs in, from its pod's security context and volumes: `emptyDir`
 * volumes writable, every other volume read-only from the folder `sources` gives for its name.
 */
export function podSandboxOf(
  deployment: IDeployment,
  container: IContainer,
  sources: Record<string, string>,
  options: Pick<PodSandbox, 'ownNetwork' | 'etcNginxFiles' | 'image'> = {},
): PodSandbox {
  const spec = podSpecOf(deployment);
  const { runAsUser, runAsGroup, fsGroup } = { ...spec.securityContext, ...container.securityContext };
  if (runAsUser === undefined || runAsGroup === undefined) throw new Error(`${container.name}: no runAsUser and runAsGroup`);
  const mounts = (container.volumeMounts ?? []).map((mount): PodSandbox['mounts'][number] => {
    const volume = spec.volumes?.find((candidate) => candidate.name === mount.name);
    if (volume?.emptyDir !== undefined) return { path: mount.mountPath, emptyDir: true };
    // Secret and ConfigMap volumes: the kubelet mounts them read-only whatever the mount says.
    const source = sources[mount.name];
    if (source === undefined || (volume?.secret === undefined && volume?.configMap === undefined))
      throw new Error(`${container.name}: volume ${mount.name} needs a source folder`);
    return { path: mount.mountPath, readOnlyFrom: source };
  });
  return { user: runAsUser, group: runAsGroup, ...(fsGroup === undefined ? {} : { fsGroup }), mounts, ...options };
}
