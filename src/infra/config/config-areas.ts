import { hostname } from 'node:os';
import type { CacheKind } from '../cache/cache-kinds';
import { readPackageVersion } from './package-version';
import type { RedisConfig } from './redis-config';
import type { Env } from './schema';

/**
 * The service's configuration by area, each built from the validated environment. What the
 * environment cannot say: the JWT secret (its rules depend on how the process runs), Redis
 * (redis-config.ts) and which PM2 instance this process is.
 */
export interface Derived {
  jwtSecret: string;
  redis: RedisConfig;
  /** NODE_APP_INSTANCE, set by PM2 for each process of a cluster. */
  instanceNumber: string;
}

export interface RateLimitRule {
  max: number;
  windowMs: number;
  /** The limit of a client that is not signed in, where it differs from `max`. */
  anonymousMax?: number;
}

/** Budgets of failed sign-ins (src/infra/rate-limit/sign-in-budgets.ts). */
export interface SignInRules {
  /** Failed sign-ins per e-mail and client address in a window. */
  perAccountAndAddress: number;
  /** Failed sign-ins per client address in a window, whatever the e-mails. */
  perAddress: number;
  /** Failed sign-ins per e-mail from all addresses past which the e-mail is guarded. */
  guardFrom: number;
  /** Failed sign-ins per e-mail and address while the e-mail is guarded. */
  perAddressWhileGuarded: number;
  windowMs: number;
}

const withoutTrailingSlashes = (url: string): string => url.replace(/\/+$/, '');

export function httpConfig(env: Env) {
  return {
    host: env.HOST,
    port: env.PORT,
    corsOrigins: env.CORS_ORIGINS,
    bodyLimit: env.BODY_LIMIT,
    trustProxyHops: env.TRUST_PROXY_HOPS,
    compression: env.HTTP_COMPRESSION,
    /** `edge`: the reverse proxy sends helmet's headers (nginx/security-headers.conf) and the app none. */
    securityHeaders: env.SECURITY_HEADERS,
    keepAliveTimeoutMs: env.KEEP_ALIVE_TIMEOUT_MS,
    /** Pending connections the kernel queues for the listening socket (capped at net.core.somaxconn). */
    listenBacklog: env.LISTEN_BACKLOG,
  };
}

export function mongoConfig(env: Env) {
  return {
    uri: env.MONGODB_URI,
    poolMax: env.MONGODB_POOL_MAX,
    poolMin: env.MONGODB_POOL_MIN,
    readPreference: env.MONGODB_READ_PREFERENCE,
    serverSelectionTimeoutMs: env.MONGODB_SERVER_SELECTION_TIMEOUT_MS,
    connectRetryMs: env.MONGODB_CONNECT_RETRY_MS,
    /** How long a database answer may take (socket timeout); 0: no bound. */
    operationTimeoutMs: env.MONGODB_OPERATION_TIMEOUT_MS,
    /** How long an operation may wait for a pooled connection, its set-up included; 0: no bound. */
    poolWaitTimeoutMs: env.MONGODB_POOL_WAIT_TIMEOUT_MS,
  };
}

export function cacheConfig(env: Env) {
  const ttlSeconds: Record<CacheKind, number> = {
    profile: env.CACHE_TTL_PROFILE_SECONDS,
    search: env.CACHE_TTL_SEARCH_SECONDS,
    stats: env.CACHE_TTL_STATS_SECONDS,
    lesson: env.CACHE_TTL_LESSON_SECONDS,
  };
  return { ttlSeconds, local: { ttlMs: env.CACHE_LOCAL_TTL_MS, maxBytes: env.CACHE_LOCAL_MAX_MB * 1024 * 1024 } };
}

export function rateLimitsConfig(env: Env) {
  const rule = (max: number, windowSeconds: number): RateLimitRule => ({ max, windowMs: windowSeconds * 1000 });
  const signIn: SignInRules = {
    perAccountAndAddress: env.RATE_LIMIT_AUTH_MAX,
    perAddress: env.RATE_LIMIT_AUTH_ADDRESS_MAX,
    guardFrom: env.RATE_LIMIT_AUTH_EMAIL_MAX,
    perAddressWhileGuarded: env.RATE_LIMIT_AUTH_GUARDED_MAX,
    windowMs: env.RATE_LIMIT_AUTH_WINDOW_SECONDS * 1000,
  };
  return {
    enabled: env.RATE_LIMIT_ENABLED,
    signIn,
    register: rule(env.RATE_LIMIT_REGISTER_MAX, env.RATE_LIMIT_REGISTER_WINDOW_SECONDS),
    api: rule(env.RATE_LIMIT_API_MAX, env.RATE_LIMIT_API_WINDOW_SECONDS),
    upload: rule(env.RATE_LIMIT_UPLOAD_MAX, env.RATE_LIMIT_UPLOAD_WINDOW_SECONDS),
    search: { ...rule(env.RATE_LIMIT_SEARCH_MAX, env.RATE_LIMIT_SEARCH_WINDOW_SECONDS), anonymousMax: env.RATE_LIMIT_SEARCH_ANONYMOUS_MAX },
    lessonJobs: rule(env.RATE_LIMIT_LESSON_JOBS_MAX, env.RATE_LIMIT_LESSON_JOBS_WINDOW_SECONDS),
    uploadJobs: rule(env.RATE_LIMIT_UPLOAD_JOBS_MAX, env.RATE_LIMIT_UPLOAD_JOBS_WINDOW_SECONDS),
  };
}

export function storageConfig(env: Env) {
  if (env.STORAGE_DRIVER === 'local') {
    return { driver: 'local' as const, localDir: env.STORAGE_LOCAL_DIR, publicBaseUrl: withoutTrailingSlashes(env.STORAGE_PUBLIC_BASE_URL) };
  }
  return {
    driver: 'supabase' as const,
    url: env.SUPABASE_URL ?? '',
    serviceKey: env.SUPABASE_SERVICE_KEY ?? '',
    bucket: env.SUPABASE_BUCKET,
    publicBucket: env.SUPABASE_PUBLIC_BUCKET,
    privateBucket: env.SUPABASE_PRIVATE_BUCKET,
    signedUrlTtlSeconds: env.SUPABASE_SIGNED_URL_TTL_SECONDS,
  };
}

export function documentsConfig(env: Env) {
  return {
    maxBytes: env.DOCUMENT_MAX_BYTES,
    maxWords: env.DOCUMENT_MAX_WORDS,
    sectionWords: env.DOCUMENT_SECTION_WORDS,
    extraction: {
      timeoutMs: env.DOCUMENT_EXTRACT_TIMEOUT_MS,
      memoryMb: env.DOCUMENT_EXTRACT_MEMORY_MB,
      maxPages: env.DOCUMENT_MAX_PAGES,
      maxInflatedBytes: env.DOCUMENT_MAX_INFLATED_BYTES,
      maxEntries: env.DOCUMENT_MAX_ZIP_ENTRIES,
    },
  };
}

export function queuesConfig(env: Env) {
  return {
    attempts: env.QUEUE_ATTEMPTS,
    backoffMs: env.QUEUE_BACKOFF_MS,
    keepCompleted: env.QUEUE_KEEP_COMPLETED,
    keepFailed: env.QUEUE_KEEP_FAILED,
    lockDurationMs: env.QUEUE_LOCK_DURATION_MS,
    stalledIntervalMs: env.QUEUE_STALLED_INTERVAL_MS,
    enqueueTimeoutMs: env.QUEUE_ENQUEUE_TIMEOUT_MS,
    depthWarn: env.QUEUE_DEPTH_WARN,
  };
}

export function workerConfig(env: Env, instanceNumber: string) {
  return {
    id: env.WORKER_ID ?? `${hostname()}-worker-${instanceNumber}-${process.pid}`,
    uploadConcurrency: env.WORKER_UPLOAD_CONCURRENCY,
    lessonConcurrency: env.WORKER_LESSON_CONCURRENCY,
    shutdownTimeoutMs: env.WORKER_SHUTDOWN_TIMEOUT_MS,
  };
}

export function lessonsConfig(env: Env) {
  return {
    generator: env.LESSON_GENERATOR,
    llm: {
      baseUrl: withoutTrailingSlashes(env.LLM_BASE_URL),
      apiKey: env.LLM_API_KEY ?? '',
      model: env.LLM_MODEL,
      timeoutMs: env.LLM_TIMEOUT_MS,
      breaker: { errorPercent: env.LLM_BREAKER_ERROR_PERCENT, volume: env.LLM_BREAKER_VOLUME, resetMs: env.LLM_BREAKER_RESET_MS },
    },
  };
}

/** The whole configuration: what the environment schema's output is (config.ts). */
export function configOf(env: Env, derived: Derived) {
  return {
    env: env.NODE_ENV,
    version: readPackageVersion(),
    instanceId: env.INSTANCE_ID ?? `${hostname()}-${derived.instanceNumber}-${process.pid}`,
    logLevel: env.LOG_LEVEL,
    requestLog: { slowMs: env.LOG_SLOW_REQUEST_MS, clientErrorsPerSecond: env.LOG_CLIENT_ERRORS_PER_SECOND },
    http: httpConfig(env),
    mongo: mongoConfig(env),
    redis: derived.redis,
    cache: cacheConfig(env),
    search: { maxTimeMs: env.SEARCH_MAX_TIME_MS, maxConcurrent: env.SEARCH_MAX_CONCURRENT, index: env.SEARCH_INDEX },
    rateLimits: rateLimitsConfig(env),
    shutdown: { timeoutMs: env.SHUTDOWN_TIMEOUT_MS, readinessDelayMs: env.SHUTDOWN_READINESS_DELAY_MS, idleGraceMs: env.SHUTDOWN_IDLE_GRACE_MS },
    health: { memoryWarnRatio: env.HEALTH_MEMORY_WARN_RATIO, eventLoopLagWarnMs: env.HEALTH_EVENT_LOOP_LAG_WARN_MS },
    /** `token` null: /metrics answers internal addresses only. */
    metrics: { enabled: env.METRICS_ENABLED, token: env.METRICS_TOKEN ?? null, publishIntervalMs: env.METRICS_PUBLISH_INTERVAL_MS },
    auth: {
      jwtSecret: derived.jwtSecret,
      accessTokenTtlSeconds: env.ACCESS_TOKEN_TTL_SECONDS,
      refreshTokenTtlDays: env.REFRESH_TOKEN_TTL_DAYS,
      passwordHash: { memoryKib: env.PASSWORD_HASH_MEMORY_KIB, timeCost: env.PASSWORD_HASH_TIME_COST },
    },
    storage: storageConfig(env),
    uploads: { avatarMaxBytes: env.AVATAR_MAX_BYTES },
    documents: documentsConfig(env),
    queues: queuesConfig(env),
    streams: {
      maxPerAccount: env.SSE_MAX_STREAMS_PER_ACCOUNT,
      maxLifetimeMs: env.SSE_MAX_LIFETIME_SECONDS * 1000,
      heartbeatMs: env.SSE_HEARTBEAT_SECONDS * 1000,
    },
    worker: workerConfig(env, derived.instanceNumber),
    lessons: lessonsConfig(env),
  };
}
