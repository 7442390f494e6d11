/**
 * The stack file of a Docker Swarm deployment (docs/swarm.md), from the compose files as
 * `docker-compose config` prints them merged (docker-compose.yml, the stand-in file where it
 * applies, docker-compose.swarm.yml): what `docker stack deploy` cannot take or cannot mean on
 * several nodes is changed, each by one rule below, and every secret setting in a service's
 * environment becomes a Docker secret that the app reads through <NAME>_FILE.
 * scripts/lib/render-swarm-stack.mts runs it; the stack file names the secrets and holds none
 * of their values.
 */
import { createHash } from 'node:crypto';
import { fileVariableOf, secretSettings } from '../../src/infra/config/schema.ts';

type Mapping = Record<string, unknown>;

export interface SwarmSecret {
  /** The key in the stack file. */
  key: string;
  /** The name in the swarm: a secret cannot change, so a new value gets a new name. */
  name: string;
  value: string;
}

export interface SwarmStack {
  stack: Mapping;
  secrets: SwarmSecret[];
}

/** The user the app's image runs as (Dockerfile: node, uid 1000): the one reader of its secrets. */
const appUser = '1000';
/** Where Docker mounts a service's secrets. */
const secretsDir = '/run/secrets';

/**
 * Compose settings a stack does not take: the images are built and loaded on every node before
 * the deployment; a swarm has no start order (each service waits by itself: the API is not ready,
 * so not in the edge's upstream, until its database is migrated), and `docker stack deploy`
 * refuses depends_on's long form; deploy.restart_policy replaces restart.
 */
const composeOnly = ['build', 'depends_on', 'restart'];

const isMapping = (value: unknown): value is Mapping => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A scalar as text (YAML may give a number or a boolean where a string is meant). */
function text(value: unknown, what: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new Error(`${what} must be a scalar`);
}

/** A volume or config entry's source and target, whichever syntax it is in. */
function mount(entry: unknown, what: string): { source: string; target: string; bind: boolean } {
  if (isMapping(entry)) {
    return { source: text(entry.source ?? '', what), target: text(entry.target ?? '', what), bind: entry.type === 'bind' };
  }
  const [source = '', target = ''] = text(entry, what).split(':');
  return { source, target, bind: source.startsWith('/') || source.startsWith('.') };
}

function mappingAt(parent: Mapping, key: string): Mapping {
  const value = parent[key];
  if (value === undefined) return {};
  if (!isMapping(value)) throw new Error(`${key} is not a mapping`);
  return value;
}

/**
 * Published ports in host mode, on the node that runs the task (the edge's nodes): the routing
 * mesh (ingress mode) needs IPVS, which forgets idle connections and is missing from some kernels,
 * and it replaces the client's address with its own, which the per-address limits key on. A swarm
 * cannot bind one address of the node: the port is published on all of them.
 */
function hostModePorts(service: string, ports: unknown[]): Mapping[] {
  return ports.map((port) => {
    if (isMapping(port)) return { ...port, mode: 'host' };
    const match = /^(?:(?:\[[^\]]+\]|[^:]+):)?(\d+):(\d+)(?:\/(tcp|udp))?$/.exec(String(port));
    if (!match) throw new Error(`${service}: port ${String(port)} must name a published and a target port`);
    return { target: Number(match[2]), published: Number(match[1]), protocol: match[3] ?? 'tcp', mode: 'host' };
  });
}

/**
 * A bind mount is a folder of the machine that ran the deployment, which no other node has. One
 * whose files the service receives as configs instead (docker-compose.swarm.yml) is dropped;
 * any other stops the deployment, naming it.
 */
function withoutBindMounts(service: string, volumes: unknown[], configTargets: string[]): unknown[] {
  return volumes.filter((volume) => {
    const { source, target, bind } = mount(volume, `${service}: a volume`);
    if (!bind) return true;
    if (configTargets.some((file) => file === target || file.startsWith(`${target}/`))) return false;
    throw new Error(`${service}: the bind mount ${source}:${target} names a folder no other node has; give its files as configs in docker-compose.swarm.yml`);
  });
}

/** docker-compose prints a CPU count as a number; the stack file's schema takes a string. */
function cpusAsStrings(deploy: unknown): void {
  if (!isMapping(deploy)) return;
  for (const kind of ['limits', 'reservations']) {
    const resources = mappingAt(mappingAt(deploy, 'resources'), kind);
    if (resources.cpus !== undefined) resources.cpus = text(resources.cpus, 'cpus');
  }
}

function secretName(stack: string, setting: string, value: string): string {
  const version = createHash('sha256').update(`${stack}\0${setting}\0${value}`).digest('hex').slice(0, 12);
  return `${stack}_${setting.toLowerCase()}_${version}`;
}

/**
 * Each secret setting in the environment is replaced by <NAME>_FILE, naming the file a Docker
 * secret is mounted at, readable by the app's user only.
 */
function secretsOutOf(stack: string, service: Mapping, secrets: Map<string, SwarmSecret>): void {
  const environment = mappingAt(service, 'environment');
  const references: Mapping[] = [];
  for (const setting of secretSettings) {
    if (environment[setting] === undefined || environment[setting] === null) continue;
    const value = text(environment[setting], setting);
    if (value === '') continue;
    const key = setting.toLowerCase();
    const secret: SwarmSecret = { key, name: secretName(stack, setting, value), value };
    const known = secrets.get(key);
    if (known && known.name !== secret.name) throw new Error(`${setting} differs between services: one value per stack`);
    secrets.set(key, secret);
    delete environment[setting];
    environment[fileVariableOf(setting)] = `${secretsDir}/${key}`;
    references.push({ source: key, target: key, uid: appUser, gid: appUser, mode: 0o400 });
  }
  if (references.length > 0) service.secrets = references;
}

/** The stack file and the secrets it names, from `docker-compose config`'s output. */
export function toStack(compose: Mapping, stackName: string): SwarmStack {
  const services = mappingAt(compose, 'services');
  const secrets = new Map<string, SwarmSecret>();
  const stackServices: Mapping = {};
  for (const [name, definition] of Object.entries(services)) {
    if (!isMapping(definition)) throw new Error(`service ${name} is not a mapping`);
    // A profile is something compose starts on request (the monitoring profile, the replica-set
    // members the stand-in leaves out); the stack holds what always runs.
    if (definition.profiles !== undefined) continue;
    const service: Mapping = { ...definition };
    for (const key of composeOnly) delete service[key];
    if (Array.isArray(service.ports)) service.ports = hostModePorts(name, service.ports);
    const configTargets = (Array.isArray(service.configs) ? service.configs : []).map((config) => mount(config, `${name}: a config`).target);
    if (Array.isArray(service.volumes)) service.volumes = withoutBindMounts(name, service.volumes, configTargets);
    cpusAsStrings(service.deploy);
    secretsOutOf(stackName, service, secrets);
    stackServices[name] = service;
  }
  const used = new Set(
    Object.entries(stackServices).flatMap(([name, service]) => {
      const volumes = (service as Mapping).volumes;
      return (Array.isArray(volumes) ? volumes : []).map((volume) => mount(volume, `${name}: a volume`).source);
    }),
  );
  const volumes = Object.fromEntries(Object.entries(mappingAt(compose, 'volumes')).filter(([name]) => used.has(name)));
  const stack: Mapping = { version: compose.version ?? '3.9', services: stackServices, volumes };
  if (compose.configs !== undefined) stack.configs = compose.configs;
  if (secrets.size > 0) stack.secrets = Object.fromEntries([...secrets.values()].map((secret) => [secret.key, { external: true, name: secret.name }]));
  return { stack, secrets: [...secrets.values()] };
}
