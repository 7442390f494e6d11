import { readFileSync } from 'node:fs';
import { errorText } from '../error-text';
import { ConfigError } from './config-error';
import { sentinelAddress, type Env } from './schema';

export interface SentinelAddress {
  host: string;
  port: number;
}

/** Where Redis is: one server by URL, or the master that Sentinel names for a master group. */
export type RedisServer =
  | { mode: 'standalone'; url: string }
  | {
      mode: 'sentinel';
      sentinels: SentinelAddress[];
      name: string;
      username: string | null;
      password: string | null;
      sentinelPassword: string | null;
      /** TLS to the data nodes, and to the sentinels. */
      tls: boolean;
      sentinelTls: boolean;
    };

export interface RedisConfig {
  /** Null: no Redis (no cache, per-process limits, no queues). */
  server: RedisServer | null;
  keyPrefix: string;
  /** How long a command of a fail-fast client may take before it fails (a hung server). */
  commandTimeoutMs: number;
  /** The CA bundle that signs the servers' TLS certificates, when not a public one. */
  tlsCa: string | null;
  /**
   * A queued job is acknowledged once this many replicas hold it (WAIT). `auto`: every replica
   * Sentinel could promote, at least one. 0: once the master holds it.
   */
  ackReplicas: number | 'auto';
  ackTimeoutMs: number;
}

const sentinelOnly = ['REDIS_SENTINEL_NAME', 'REDIS_USERNAME', 'REDIS_PASSWORD', 'REDIS_SENTINEL_PASSWORD'] as const;

function fail(message: string): never {
  throw new ConfigError(`invalid environment: ${message}`);
}

function sentinelAddressOf(entry: string): SentinelAddress {
  const [, host = '', port = ''] = sentinelAddress.exec(entry) ?? [];
  return { host: host.replace(/^\[|\]$/g, ''), port: Number(port) };
}

function serverOf(env: Env): RedisServer | null {
  const url = env.REDIS_URL === '' ? null : env.REDIS_URL;
  if (env.REDIS_SENTINELS.length === 0) {
    const misplaced = [
      ...sentinelOnly.filter((name) => env[name] !== undefined),
      ...(env.REDIS_TLS ? ['REDIS_TLS'] : []),
      ...(env.REDIS_SENTINEL_TLS ? ['REDIS_SENTINEL_TLS'] : []),
    ];
    if (misplaced.length > 0) fail(`${misplaced.join(', ')} only apply with REDIS_SENTINELS (REDIS_URL carries its own credentials and rediss:// scheme)`);
    return url === null ? null : { mode: 'standalone', url };
  }
  if (url !== null) fail('set either REDIS_URL (one server) or REDIS_SENTINELS (Sentinel), not both');
  if (env.REDIS_SENTINEL_NAME === undefined) fail('REDIS_SENTINEL_NAME is required with REDIS_SENTINELS (the master group the sentinels monitor)');
  return {
    mode: 'sentinel',
    sentinels: env.REDIS_SENTINELS.map(sentinelAddressOf),
    name: env.REDIS_SENTINEL_NAME,
    username: env.REDIS_USERNAME ?? null,
    password: env.REDIS_PASSWORD ?? null,
    sentinelPassword: env.REDIS_SENTINEL_PASSWORD ?? null,
    tls: env.REDIS_TLS,
    sentinelTls: env.REDIS_SENTINEL_TLS,
  };
}

function tlsCaOf(file: string | undefined): string | null {
  if (file === undefined) return null;
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    return fail(`REDIS_TLS_CA_FILE cannot be read: ${errorText(error)}`);
  }
}

/** The Redis settings, checked against each other; throws a ConfigError naming the variables at fault. */
export function redisConfigOf(env: Env): RedisConfig {
  const server = serverOf(env);
  const ackReplicas = env.REDIS_ACK_REPLICAS ?? (server?.mode === 'sentinel' ? 'auto' : 0);
  if (ackReplicas === 'auto' && server?.mode !== 'sentinel')
    fail('REDIS_ACK_REPLICAS=auto needs REDIS_SENTINELS (it counts the replicas Sentinel knows); give a number');
  if (env.REDIS_ACK_TIMEOUT_MS >= env.QUEUE_ENQUEUE_TIMEOUT_MS)
    fail('REDIS_ACK_TIMEOUT_MS must be below QUEUE_ENQUEUE_TIMEOUT_MS (the acknowledgement wait is part of the enqueue)');
  return {
    server,
    keyPrefix: env.REDIS_KEY_PREFIX,
    commandTimeoutMs: env.REDIS_COMMAND_TIMEOUT_MS,
    tlsCa: tlsCaOf(env.REDIS_TLS_CA_FILE),
    ackReplicas,
    ackTimeoutMs: env.REDIS_ACK_TIMEOUT_MS,
  };
}
