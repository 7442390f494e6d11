import { hostname } from 'node:os';
import { envSchema, secretsWithDefaults, type Env } from './schema';
import { readPackageVersion } from './package-version';

export interface Config {
  env: Env['NODE_ENV'];
  version: string;
  instanceId: string;
  logLevel: Env['LOG_LEVEL'];
  requestLog: { slowMs: number; clientErrorsPerSecond: number };
  http: {
    host: string;
    port: number;
    corsOrigins: string[];
    bodyLimit: string;
    trustProxyHops: number;
    compression: boolean;
    keepAliveTimeoutMs: number;
  };
  mongo: {
    uri: string;
    poolMax: number;
    poolMin: number;
    readPreference: Env['MONGODB_READ_PREFERENCE'];
    serverSelectionTimeoutMs: number;
    connectRetryMs: number;
  };
  redis: { url: string | null; keyPrefix: string };
  cache: { ttlSeconds: { profile: number; search: number; stats: number; lesson: number } };
  rateLimits: {
    enabled: boolean;
    auth: RateLimitRule;
    api: RateLimitRule;
    upload: RateLimitRule;
    search: RateLimitRule;
    lessonJobs: RateLimitRule;
    uploadJobs: RateLimitRule;
  };
  shutdown: { timeoutMs: number; readinessDelayMs: number; idleGraceMs: number };
  health: { memoryWarnRatio: number; eventLoopLagWarnMs: number };
  auth: {
    jwtSecret: string;
    accessTokenTtlSeconds: number;
    refreshTokenTtlDays: number;
    passwordHash: { memoryKib: number; timeCost: number };
  };
  storage:
    | { driver: 'local'; localDir: string; publicBaseUrl: string }
    | { driver: 'supabase'; url: string; serviceKey: string; bucket: string; publicBucket: boolean; signedUrlTtlSeconds: number };
  uploads: { avatarMaxBytes: number };
  documents: { maxBytes: number; maxWords: number; sectionWords: number };
  queues: {
    attempts: number;
    backoffMs: number;
    keepCompleted: number;
    keepFailed: number;
    lockDurationMs: number;
    stalledIntervalMs: number;
    enqueueTimeoutMs: number;
    depthWarn: number;
  };
  worker: { id: string; uploadConcurrency: number; lessonConcurrency: number; shutdownTimeoutMs: number };
  lessons: {
    generator: Env['LESSON_GENERATOR'];
    llm: { baseUrl: string; apiKey: string; model: string; timeoutMs: number; breaker: { errorPercent: number; volume: number; resetMs: number } };
  };
}

export interface RateLimitRule {
  max: number;
  windowMs: number;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Validates the environment once. Throws a ConfigError whose message names every bad
 * variable, so the entry point can print one line and stop.
 */
export function loadConfig(environment: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(withoutEmptyValues(environment));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`);
    throw new ConfigError(`invalid environment: ${problems.join('; ')}`);
  }
  const env = parsed.data;
  if (env.MONGODB_POOL_MIN > env.MONGODB_POOL_MAX) {
    throw new ConfigError('invalid environment: MONGODB_POOL_MIN must not exceed MONGODB_POOL_MAX');
  }
  if (env.STORAGE_DRIVER === 'supabase' && (!env.SUPABASE_URL || !env.SUPABASE_SERVICE_KEY)) {
    throw new ConfigError('invalid environment: SUPABASE_URL and SUPABASE_SERVICE_KEY are required when STORAGE_DRIVER=supabase');
  }
  if (env.LESSON_GENERATOR === 'openai' && !env.LLM_API_KEY) {
    throw new ConfigError('invalid environment: LLM_API_KEY is required when LESSON_GENERATOR=openai');
  }
  if (env.NODE_ENV === 'production') {
    const defaults = envSchema.parse({});
    const unchanged = secretsWithDefaults.filter((name) => env[name] === defaults[name]);
    if (unchanged.length > 0) {
      throw new ConfigError(`invalid environment: ${unchanged.join(', ')} must be set in production (the default is for development only)`);
    }
  }
  return toConfig(env);
}

/** An empty variable (`PORT=`) means "use the default", as in most dotenv tooling. */
function withoutEmptyValues(environment: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(
    Object.entries(environment).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ''),
  );
}

function toConfig(env: Env): Config {
  return {
    env: env.NODE_ENV,
    version: readPackageVersion(),
    instanceId: env.INSTANCE_ID ?? `${hostname()}-${process.env.NODE_APP_INSTANCE ?? '0'}-${process.pid}`,
    logLevel: env.LOG_LEVEL,
    requestLog: { slowMs: env.LOG_SLOW_REQUEST_MS, clientErrorsPerSecond: env.LOG_CLIENT_ERRORS_PER_SECOND },
    http: {
      host: env.HOST,
      port: env.PORT,
      corsOrigins: env.CORS_ORIGINS,
      bodyLimit: env.BODY_LIMIT,
      trustProxyHops: env.TRUST_PROXY_HOPS,
      compression: env.HTTP_COMPRESSION,
      keepAliveTimeoutMs: env.KEEP_ALIVE_TIMEOUT_MS,
    },
    mongo: {
      uri: env.MONGODB_URI,
      poolMax: env.MONGODB_POOL_MAX,
      poolMin: env.MONGODB_POOL_MIN,
      readPreference: env.MONGODB_READ_PREFERENCE,
      serverSelectionTimeoutMs: env.MONGODB_SERVER_SELECTION_TIMEOUT_MS,
      connectRetryMs: env.MONGODB_CONNECT_RETRY_MS,
    },
    redis: { url: env.REDIS_URL === '' ? null : env.REDIS_URL, keyPrefix: env.REDIS_KEY_PREFIX },
    cache: {
      ttlSeconds: {
        profile: env.CACHE_TTL_PROFILE_SECONDS,
        search: env.CACHE_TTL_SEARCH_SECONDS,
        stats: env.CACHE_TTL_STATS_SECONDS,
        lesson: env.CACHE_TTL_LESSON_SECONDS,
      },
    },
    rateLimits: {
      enabled: env.RATE_LIMIT_ENABLED,
      auth: { max: env.RATE_LIMIT_AUTH_MAX, windowMs: env.RATE_LIMIT_AUTH_WINDOW_SECONDS * 1000 },
      api: { max: env.RATE_LIMIT_API_MAX, windowMs: env.RATE_LIMIT_API_WINDOW_SECONDS * 1000 },
      upload: { max: env.RATE_LIMIT_UPLOAD_MAX, windowMs: env.RATE_LIMIT_UPLOAD_WINDOW_SECONDS * 1000 },
      search: { max: env.RATE_LIMIT_SEARCH_MAX, windowMs: env.RATE_LIMIT_SEARCH_WINDOW_SECONDS * 1000 },
      lessonJobs: { max: env.RATE_LIMIT_LESSON_JOBS_MAX, windowMs: env.RATE_LIMIT_LESSON_JOBS_WINDOW_SECONDS * 1000 },
      uploadJobs: { max: env.RATE_LIMIT_UPLOAD_JOBS_MAX, windowMs: env.RATE_LIMIT_UPLOAD_JOBS_WINDOW_SECONDS * 1000 },
    },
    shutdown: {
      timeoutMs: env.SHUTDOWN_TIMEOUT_MS,
      readinessDelayMs: env.SHUTDOWN_READINESS_DELAY_MS,
      idleGraceMs: env.SHUTDOWN_IDLE_GRACE_MS,
    },
    health: { memoryWarnRatio: env.HEALTH_MEMORY_WARN_RATIO, eventLoopLagWarnMs: env.HEALTH_EVENT_LOOP_LAG_WARN_MS },
    auth: {
      jwtSecret: env.JWT_SECRET,
      accessTokenTtlSeconds: env.ACCESS_TOKEN_TTL_SECONDS,
      refreshTokenTtlDays: env.REFRESH_TOKEN_TTL_DAYS,
      passwordHash: { memoryKib: env.PASSWORD_HASH_MEMORY_KIB, timeCost: env.PASSWORD_HASH_TIME_COST },
    },
    storage:
      env.STORAGE_DRIVER === 'supabase'
        ? {
            driver: 'supabase',
            url: env.SUPABASE_URL ?? '',
            serviceKey: env.SUPABASE_SERVICE_KEY ?? '',
            bucket: env.SUPABASE_BUCKET,
            publicBucket: env.SUPABASE_PUBLIC_BUCKET,
            signedUrlTtlSeconds: env.SUPABASE_SIGNED_URL_TTL_SECONDS,
          }
        : { driver: 'local', localDir: env.STORAGE_LOCAL_DIR, publicBaseUrl: env.STORAGE_PUBLIC_BASE_URL.replace(/\/+$/, '') },
    uploads: { avatarMaxBytes: env.AVATAR_MAX_BYTES },
    documents: { maxBytes: env.DOCUMENT_MAX_BYTES, maxWords: env.DOCUMENT_MAX_WORDS, sectionWords: env.DOCUMENT_SECTION_WORDS },
    queues: {
      attempts: env.QUEUE_ATTEMPTS,
      backoffMs: env.QUEUE_BACKOFF_MS,
      keepCompleted: env.QUEUE_KEEP_COMPLETED,
      keepFailed: env.QUEUE_KEEP_FAILED,
      lockDurationMs: env.QUEUE_LOCK_DURATION_MS,
      stalledIntervalMs: env.QUEUE_STALLED_INTERVAL_MS,
      enqueueTimeoutMs: env.QUEUE_ENQUEUE_TIMEOUT_MS,
      depthWarn: env.QUEUE_DEPTH_WARN,
    },
    worker: {
      id: env.WORKER_ID ?? `${hostname()}-worker-${process.env.NODE_APP_INSTANCE ?? '0'}-${process.pid}`,
      uploadConcurrency: env.WORKER_UPLOAD_CONCURRENCY,
      lessonConcurrency: env.WORKER_LESSON_CONCURRENCY,
      shutdownTimeoutMs: env.WORKER_SHUTDOWN_TIMEOUT_MS,
    },
    lessons: {
      generator: env.LESSON_GENERATOR,
      llm: {
        baseUrl: env.LLM_BASE_URL.replace(/\/+$/, ''),
        apiKey: env.LLM_API_KEY ?? '',
        model: env.LLM_MODEL,
        timeoutMs: env.LLM_TIMEOUT_MS,
        breaker: { errorPercent: env.LLM_BREAKER_ERROR_PERCENT, volume: env.LLM_BREAKER_VOLUME, resetMs: env.LLM_BREAKER_RESET_MS },
      },
    },
  };
}
