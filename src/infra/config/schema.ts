import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
const nonNegativeInt = z.coerce.number().int().min(0);

/** A comma-separated environment value, trimmed, empty entries dropped. */
const csv = z
  .string()
  .default('')
  .transform((value) =>
    value
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry.length > 0),
  );

/** `true` or `false`, as a boolean. */
const flag = (fallback: 'true' | 'false') =>
  z
    .enum(['true', 'false'])
    .default(fallback)
    .transform((value) => value === 'true');

/** host:port, the host a name, an IPv4 address or an IPv6 one in brackets. */
export const sentinelAddress = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

export const readPreferences = ['primary', 'primaryPreferred', 'secondary', 'secondaryPreferred', 'nearest'] as const;

/**
 * Every environment variable the service reads. `.env.example` documents each one;
 * keep the two in step (a unit test compares them).
 */
export const envSchema = z.object({
  // Fail closed: a process started without NODE_ENV runs as production and needs real secrets.
  NODE_ENV: z.enum(['development', 'test', 'production']).default('production'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: port.default(3000),
  INSTANCE_ID: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_SLOW_REQUEST_MS: positiveInt.default(1000),
  LOG_CLIENT_ERRORS_PER_SECOND: nonNegativeInt.default(10),

  MONGODB_URI: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\/\S+$/, 'must be a mongodb:// or mongodb+srv:// URI')
    .default('mongodb://127.0.0.1:27017/english_practice'),
  MONGODB_POOL_MAX: positiveInt.default(20),
  MONGODB_POOL_MIN: nonNegativeInt.default(5),
  MONGODB_READ_PREFERENCE: z.enum(readPreferences).default('secondaryPreferred'),
  MONGODB_SERVER_SELECTION_TIMEOUT_MS: positiveInt.default(2000),
  MONGODB_CONNECT_RETRY_MS: positiveInt.default(1000),
  MONGODB_OPERATION_TIMEOUT_MS: nonNegativeInt.default(2000),
  MONGODB_POOL_WAIT_TIMEOUT_MS: nonNegativeInt.default(500),

  REDIS_URL: z
    .string()
    .regex(/^(rediss?:\/\/\S+)?$/, 'must be a redis:// or rediss:// URL, or empty to run without Redis')
    .default(''),

  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_-]{1,32}$/, 'must be 1-32 letters, digits, ":", "_" or "-"')
    .default('ep:'),
  // Sentinel mode (instead of REDIS_URL): the sentinels to ask for the master of REDIS_SENTINEL_NAME.
  REDIS_SENTINELS: csv.pipe(z.array(z.string().regex(sentinelAddress, 'must be host:port entries, comma-separated'))),
  REDIS_SENTINEL_NAME: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1-64 letters, digits, ".", "_" or "-"')
    .optional(),
  REDIS_USERNAME: z.string().min(1).optional(),
  REDIS_PASSWORD: z.string().min(1).optional(),
  REDIS_SENTINEL_PASSWORD: z.string().min(1).optional(),
  REDIS_TLS: flag('false'),
  REDIS_SENTINEL_TLS: flag('false'),
  REDIS_TLS_CA_FILE: z.string().min(1).optional(),
  REDIS_COMMAND_TIMEOUT_MS: positiveInt.default(500),
  REDIS_ACK_REPLICAS: z.union([z.literal('auto'), nonNegativeInt]).optional(),
  REDIS_ACK_TIMEOUT_MS: positiveInt.default(500),

  CACHE_TTL_PROFILE_SECONDS: nonNegativeInt.default(300),
  CACHE_TTL_SEARCH_SECONDS: nonNegativeInt.default(120),
  CACHE_TTL_STATS_SECONDS: nonNegativeInt.default(600),
  CACHE_TTL_LESSON_SECONDS: nonNegativeInt.default(86_400),
  CACHE_LOCAL_TTL_MS: nonNegativeInt.default(5000),
  CACHE_LOCAL_MAX_MB: positiveInt.default(32),

  RATE_LIMIT_ENABLED: z
    .enum(['true', 'false'])
    .default('true')
    .transform((value) => value === 'true'),
  RATE_LIMIT_AUTH_MAX: positiveInt.default(5),
  RATE_LIMIT_AUTH_WINDOW_SECONDS: positiveInt.default(900),
  RATE_LIMIT_AUTH_ADDRESS_MAX: positiveInt.default(20),
  RATE_LIMIT_AUTH_EMAIL_MAX: positiveInt.default(50),
  RATE_LIMIT_AUTH_GUARDED_MAX: positiveInt.default(2),
  RATE_LIMIT_REGISTER_MAX: positiveInt.default(20),
  RATE_LIMIT_REGISTER_WINDOW_SECONDS: positiveInt.default(3600),
  RATE_LIMIT_API_MAX: positiveInt.default(100),
  RATE_LIMIT_API_WINDOW_SECONDS: positiveInt.default(900),
  RATE_LIMIT_UPLOAD_MAX: positiveInt.default(50),
  RATE_LIMIT_UPLOAD_WINDOW_SECONDS: positiveInt.default(3600),
  RATE_LIMIT_SEARCH_MAX: positiveInt.default(1000),
  RATE_LIMIT_SEARCH_WINDOW_SECONDS: positiveInt.default(3600),
  RATE_LIMIT_SEARCH_ANONYMOUS_MAX: positiveInt.default(100),
  SEARCH_MAX_TIME_MS: positiveInt.default(1500),
  SEARCH_MAX_CONCURRENT: positiveInt.default(4),
  SEARCH_INDEX: z.enum(['auto', 'off']).default('auto'),
  RATE_LIMIT_LESSON_JOBS_MAX: positiveInt.default(10),
  RATE_LIMIT_LESSON_JOBS_WINDOW_SECONDS: positiveInt.default(60),
  RATE_LIMIT_UPLOAD_JOBS_MAX: positiveInt.default(5),
  RATE_LIMIT_UPLOAD_JOBS_WINDOW_SECONDS: positiveInt.default(60),

  CORS_ORIGINS: csv,
  BODY_LIMIT: z
    .string()
    .regex(/^\d+(b|kb|mb)$/i, 'must be a size such as 100kb or 1mb')
    .default('100kb'),
  TRUST_PROXY_HOPS: nonNegativeInt.default(0),
  HTTP_COMPRESSION: z
    .enum(['true', 'false'])
    .default('true')
    .transform((value) => value === 'true'),
  SECURITY_HEADERS: z.enum(['app', 'edge']).default('app'),
  KEEP_ALIVE_TIMEOUT_MS: positiveInt.default(65_000),
  LISTEN_BACKLOG: positiveInt.default(4096),
  SHUTDOWN_TIMEOUT_MS: positiveInt.default(10_000),
  SHUTDOWN_READINESS_DELAY_MS: nonNegativeInt.default(500),
  SHUTDOWN_IDLE_GRACE_MS: nonNegativeInt.default(3000),

  HEALTH_MEMORY_WARN_RATIO: z.coerce.number().gt(0).lte(1).default(0.85),
  HEALTH_EVENT_LOOP_LAG_WARN_MS: positiveInt.default(200),

  METRICS_ENABLED: z
    .enum(['true', 'false'])
    .default('true')
    .transform((value) => value === 'true'),
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  // At most 10 s: a dead process's snapshot is dropped after 3 intervals, within the 30 s promised.
  METRICS_PUBLISH_INTERVAL_MS: z.coerce.number().int().min(500).max(10_000).default(5000),

  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  // Short-lived by rule: the tier in a token sets its limits until it expires (docs/security.md).
  ACCESS_TOKEN_TTL_SECONDS: positiveInt.max(3600, 'must be at most 3600: a token is trusted (its tier too) until it expires').default(900),
  REFRESH_TOKEN_TTL_DAYS: positiveInt.default(30),
  PASSWORD_HASH_MEMORY_KIB: z.coerce.number().int().min(8192).default(19_456),
  PASSWORD_HASH_TIME_COST: z.coerce.number().int().min(1).default(2),

  STORAGE_DRIVER: z.enum(['local', 'supabase']).default('local'),
  STORAGE_LOCAL_DIR: z.string().min(1).default('data/uploads'),
  STORAGE_PUBLIC_BASE_URL: z.string().min(1).default('/files'),
  SUPABASE_URL: z.url({ protocol: /^https?$/ }).optional(),
  SUPABASE_SERVICE_KEY: z.string().min(1).optional(),
  SUPABASE_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]{1,62}$/, 'must be a bucket name')
    .default('uploads'),
  SUPABASE_PRIVATE_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]{1,62}$/, 'must be a bucket name')
    .default('private-uploads'),
  SUPABASE_PUBLIC_BUCKET: z
    .enum(['true', 'false'])
    .default('true')
    .transform((value) => value === 'true'),
  SUPABASE_SIGNED_URL_TTL_SECONDS: positiveInt.default(3600),
  AVATAR_MAX_BYTES: positiveInt.default(2 * 1024 * 1024),
  DOCUMENT_MAX_BYTES: positiveInt.default(10 * 1024 * 1024),
  DOCUMENT_MAX_WORDS: positiveInt.default(100_000),
  DOCUMENT_SECTION_WORDS: z.coerce.number().int().min(50).default(400),
  DOCUMENT_EXTRACT_TIMEOUT_MS: positiveInt.default(20_000),
  DOCUMENT_EXTRACT_MEMORY_MB: z.coerce.number().int().min(32).default(256),
  DOCUMENT_MAX_PAGES: positiveInt.default(2000),
  DOCUMENT_MAX_INFLATED_BYTES: positiveInt.default(50 * 1024 * 1024),
  DOCUMENT_MAX_ZIP_ENTRIES: positiveInt.default(1000),

  QUEUE_ATTEMPTS: positiveInt.default(3),
  QUEUE_BACKOFF_MS: positiveInt.default(2000),
  QUEUE_KEEP_COMPLETED: nonNegativeInt.default(1000),
  QUEUE_KEEP_FAILED: nonNegativeInt.default(5000),
  QUEUE_LOCK_DURATION_MS: z.coerce.number().int().min(1000).default(30_000),
  QUEUE_STALLED_INTERVAL_MS: z.coerce.number().int().min(1000).default(30_000),
  QUEUE_ENQUEUE_TIMEOUT_MS: positiveInt.default(1000),
  QUEUE_DEPTH_WARN: positiveInt.default(100),

  SSE_MAX_STREAMS_PER_ACCOUNT: positiveInt.default(5),
  SSE_MAX_LIFETIME_SECONDS: positiveInt.default(300),
  SSE_HEARTBEAT_SECONDS: positiveInt.default(15),

  WORKER_ID: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1-64 letters, digits, ".", "_" or "-"')
    .optional(),
  WORKER_UPLOAD_CONCURRENCY: positiveInt.default(5),
  WORKER_LESSON_CONCURRENCY: positiveInt.default(3),
  WORKER_SHUTDOWN_TIMEOUT_MS: positiveInt.default(30_000),

  LESSON_GENERATOR: z.enum(['local', 'openai']).default('local'),
  LLM_BASE_URL: z.url({ protocol: /^https?$/ }).default('https://api.openai.com/v1'),
  LLM_API_KEY: z.string().min(1).optional(),
  LLM_MODEL: z.string().min(1).default('gpt-4o-mini'),
  LLM_TIMEOUT_MS: positiveInt.default(20_000),
  LLM_BREAKER_ERROR_PERCENT: z.coerce.number().int().min(1).max(100).default(50),
  LLM_BREAKER_VOLUME: positiveInt.default(3),
  LLM_BREAKER_RESET_MS: positiveInt.default(30_000),
});

export type Env = z.infer<typeof envSchema>;

/**
 * The settings that are secrets (keys, passwords, URIs that may carry a password). Each may
 * instead be given as a file, named by `<NAME>_FILE` (secret-files.ts): how Docker and
 * Kubernetes hand secrets to a container without putting them in its environment.
 */
export const secretSettings = [
  'JWT_SECRET',
  'MONGODB_URI',
  'REDIS_URL',
  'REDIS_PASSWORD',
  'REDIS_SENTINEL_PASSWORD',
  'METRICS_TOKEN',
  'SUPABASE_SERVICE_KEY',
  'LLM_API_KEY',
] as const satisfies readonly (keyof typeof envSchema.shape)[];

/** The variable that names the file holding a secret setting. */
export function fileVariableOf(setting: string): string {
  return `${setting}_FILE`;
}

/**
 * Used only when NODE_ENV is explicitly `test` (the test suite's in-process apps and throwaway
 * processes on loopback); refused everywhere else, development included, since it is committed
 * here and anyone could sign tokens with it: a local stack that ran on it accepted forged tokens
 * from anyone who reached its port. `./scripts/stack up` makes a random secret per stack instead.
 */
export const developmentJwtSecret = 'development-only-jwt-secret-change-me!';

/** The environments that may run on the committed secret. */
export const developmentEnvironments: readonly Env['NODE_ENV'][] = ['test'];
