import { hostname } from 'node:os';
import { developmentEnvironments, developmentJwtSecret, envSchema, type Env } from './schema';
import { ConfigError } from './config-error';
import { readPackageVersion } from './package-version';
import { readSecretFiles } from './secret-files';
import { redisConfigOf, type RedisConfig } from './redis-config';

export { ConfigError } from './config-error';

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
    /** `edge`: the reverse proxy sends helmet's headers (nginx/security-headers.conf) and the app none. */
    securityHeaders: 'app' | 'edge';
    keepAliveTimeoutMs: number;
    /** Pending connections the kernel queues for the listening socket (capped at net.core.somaxconn). */
    listenBacklog: number;
  };
  mongo: {
    uri: string;
    poolMax: number;
    poolMin: number;
    readPreference: Env['MONGODB_READ_PREFERENCE'];
    serverSelectionTimeoutMs: number;
    connectRetryMs: number;
    /** How long a database answer may take (socket timeout); 0: no bound. */
    operationTimeoutMs: number;
    /** How long an operation may wait for a pooled connection, its set-up included; 0: no bound. */
    poolWaitTimeoutMs: number;
  };
  redis: RedisConfig;
  cache: {
    ttlSeconds: { profile: number; search: number; stats: number; lesson: number };
    local: { ttlMs: number; maxBytes: number };
  };
  search: { maxTimeMs: number; maxConcurrent: number; index: 'auto' | 'off' };
  rateLimits: {
    enabled: boolean;
    signIn: SignInRules;
    register: RateLimitRule;
    api: RateLimitRule;
    upload: RateLimitRule;
    search: RateLimitRule;
    lessonJobs: RateLimitRule;
    uploadJobs: RateLimitRule;
  };
  shutdown: { timeoutMs: number; readinessDelayMs: number; idleGraceMs: number };
  health: { memoryWarnRatio: number; eventLoopLagWarnMs: number };
  /** `token` null: /metrics answers internal addresses only. */
  metrics: { enabled: boolean; token: string | null; publishIntervalMs: number };
  auth: {
    jwtSecret: string;
    accessTokenTtlSeconds: number;
    refreshTokenTtlDays: number;
    passwordHash: { memoryKib: number; timeCost: number };
  };
  storage:
    | { driver: 'local'; localDir: string; publicBaseUrl: string }
    | {
        driver: 'supabase';
        url: string;
        serviceKey: string;
        bucket: string;
        publicBucket: boolean;
        privateBucket: string;
        signedUrlTtlSeconds: number;
      };
  uploads: { avatarMaxBytes: number };
  documents: {
    maxBytes: number;
    maxWords: number;
    sectionWords: number;
    extraction: { timeoutMs: number; memoryMb: number; maxPages: number; maxInflatedBytes: number; maxEntries: number };
  };
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
  streams: { maxPerAccount: number; maxLifetimeMs: number; heartbeatMs: number };
  worker: { id: string; uploadConcurrency: number; lessonConcurrency: number; shutdownTimeoutMs: number };
  lessons: {
    generator: Env['LESSON_GENERATOR'];
    llm: { baseUrl: string; apiKey: string; model: string; timeoutMs: number; breaker: { errorPercent: number; volume: number; resetMs: number } };
  };
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

/**
 * Validates the environment once. Throws a ConfigError whose message names every bad
 * variable, so the entry point can print one line and stop.
 */
export function loadConfig(environment: NodeJS.ProcessEnv = process.env, options: LoadOptions = {}): Config {
  const secrets = readSecretFiles(withoutEmptyValues(environment));
  if (secrets.problems.length > 0) throw new ConfigError(`invalid environment: ${secrets.problems.join('; ')}`);
  const parsed = envSchema.safeParse(secrets.environment);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const name = issue.path.join('.');
      const file = secrets.readFrom.get(name);
      return `${file === undefined ? name : `${name} (read from ${file})`} ${issue.message}`;
    });
    throw new ConfigError(`invalid environment: ${problems.join('; ')}`);
  }
  const env = parsed.data;
  if (env.MONGODB_POOL_MIN > env.MONGODB_POOL_MAX) {
    throw new ConfigError('invalid environment: MONGODB_POOL_MIN must not exceed MONGODB_POOL_MAX');
  }
  if (env.STORAGE_DRIVER === 'supabase' && (!env.SUPABASE_URL || !env.SUPABASE_SERVICE_KEY)) {
    throw new ConfigError('invalid environment: SUPABASE_URL and SUPABASE_SERVICE_KEY are required when STORAGE_DRIVER=supabase');
  }
  if (env.SUPABASE_PRIVATE_BUCKET === env.SUPABASE_BUCKET) {
    throw new ConfigError('invalid environment: SUPABASE_PRIVATE_BUCKET must differ from SUPABASE_BUCKET (documents must not share the avatar bucket)');
  }
  if (env.LESSON_GENERATOR === 'openai' && !env.LLM_API_KEY) {
    throw new ConfigError('invalid environment: LLM_API_KEY is required when LESSON_GENERATOR=openai');
  }
  return toConfig(env, jwtSecretOf(env, options), redisConfigOf(env));
}

export interface LoadOptions {
  /**
   * False for one-shot commands (migrate, seed) that neither issue nor verify tokens:
   * they run without JWT_SECRET whatever NODE_ENV says.
   */
  needsSecrets?: boolean;
}

/** The development secret only where NODE_ENV explicitly allows it; elsewhere a real one or a stop. */
function jwtSecretOf(env: Env, options: LoadOptions): string {
  const developmentAllowed = developmentEnvironments.includes(env.NODE_ENV) || options.needsSecrets === false;
  if (env.JWT_SECRET !== undefined && (env.JWT_SECRET !== developmentJwtSecret || developmentAllowed)) return env.JWT_SECRET;
  if (developmentAllowed) return developmentJwtSecret;
  throw new ConfigError(
    `invalid environment: JWT_SECRET must be set to a secret of your own (e.g. \`openssl rand -hex 32\`), or JWT_SECRET_FILE to a file holding one (NODE_ENV=${env.NODE_ENV}; the committed development secret is accepted only with NODE_ENV=test)`,
  );
}

/** An empty variable (`PORT=`) means "use the default", as in most dotenv tooling. */
function withoutEmptyValues(environment: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(
    Object.entries(environment).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ''),
  );
}

function toConfig(env: Env, jwtSecret: string, redis: RedisConfig): Config {
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
      securityHeaders: env.SECURITY_HEADERS,
      keepAliveTimeoutMs: env.KEEP_ALIVE_TIMEOUT_MS,
      listenBacklog: env.LISTEN_BACKLOG,
    },
    mongo: {
      uri: env.MONGODB_URI,
      poolMax: env.MONGODB_POOL_MAX,
      poolMin: env.MONGODB_POOL_MIN,
      readPreference: env.MONGODB_READ_PREFERENCE,
      serverSelectionTimeoutMs: env.MONGODB_SERVER_SELECTION_TIMEOUT_MS,
      connectRetryMs: env.MONGODB_CONNECT_RETRY_MS,
      operationTimeoutMs: env.MONGODB_OPERATION_TIMEOUT_MS,
      poolWaitTimeoutMs: env.MONGODB_POOL_WAIT_TIMEOUT_MS,
    },
    redis,
    cache: {
      ttlSeconds: {
        profile: env.CACHE_TTL_PROFILE_SECONDS,
        search: env.CACHE_TTL_SEARCH_SECONDS,
        stats: env.CACHE_TTL_STATS_SECONDS,
        lesson: env.CACHE_TTL_LESSON_SECONDS,
      },
      local: { ttlMs: env.CACHE_LOCAL_TTL_MS, maxBytes: env.CACHE_LOCAL_MAX_MB * 1024 * 1024 },
    },
    search: { maxTimeMs: env.SEARCH_MAX_TIME_MS, maxConcurrent: env.SEARCH_MAX_CONCURRENT, index: env.SEARCH_INDEX },
    rateLimits: {
      enabled: env.RATE_LIMIT_ENABLED,
      signIn: {
        perAccountAndAddress: env.RATE_LIMIT_AUTH_MAX,
        perAddress: env.RATE_LIMIT_AUTH_ADDRESS_MAX,
        guardFrom: env.RATE_LIMIT_AUTH_EMAIL_MAX,
        perAddressWhileGuarded: env.RATE_LIMIT_AUTH_GUARDED_MAX,
        windowMs: env.RATE_LIMIT_AUTH_WINDOW_SECONDS * 1000,
      },
      register: { max: env.RATE_LIMIT_REGISTER_MAX, windowMs: env.RATE_LIMIT_REGISTER_WINDOW_SECONDS * 1000 },
      api: { max: env.RATE_LIMIT_API_MAX, windowMs: env.RATE_LIMIT_API_WINDOW_SECONDS * 1000 },
      upload: { max: env.RATE_LIMIT_UPLOAD_MAX, windowMs: env.RATE_LIMIT_UPLOAD_WINDOW_SECONDS * 1000 },
      search: {
        max: env.RATE_LIMIT_SEARCH_MAX,
        windowMs: env.RATE_LIMIT_SEARCH_WINDOW_SECONDS * 1000,
        anonymousMax: env.RATE_LIMIT_SEARCH_ANONYMOUS_MAX,
      },
      lessonJobs: { max: env.RATE_LIMIT_LESSON_JOBS_MAX, windowMs: env.RATE_LIMIT_LESSON_JOBS_WINDOW_SECONDS * 1000 },
      uploadJobs: { max: env.RATE_LIMIT_UPLOAD_JOBS_MAX, windowMs: env.RATE_LIMIT_UPLOAD_JOBS_WINDOW_SECONDS * 1000 },
    },
    shutdown: {
      timeoutMs: env.SHUTDOWN_TIMEOUT_MS,
      readinessDelayMs: env.SHUTDOWN_READINESS_DELAY_MS,
      idleGraceMs: env.SHUTDOWN_IDLE_GRACE_MS,
    },
    health: { memoryWarnRatio: env.HEALTH_MEMORY_WARN_RATIO, eventLoopLagWarnMs: env.HEALTH_EVENT_LOOP_LAG_WARN_MS },
    metrics: { enabled: env.METRICS_ENABLED, token: env.METRICS_TOKEN ?? null, publishIntervalMs: env.METRICS_PUBLISH_INTERVAL_MS },
    auth: {
      jwtSecret,
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
            privateBucket: env.SUPABASE_PRIVATE_BUCKET,
            signedUrlTtlSeconds: env.SUPABASE_SIGNED_URL_TTL_SECONDS,
          }
        : { driver: 'local', localDir: env.STORAGE_LOCAL_DIR, publicBaseUrl: env.STORAGE_PUBLIC_BASE_URL.replace(/\/+$/, '') },
    uploads: { avatarMaxBytes: env.AVATAR_MAX_BYTES },
    documents: {
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
    },
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
    streams: {
      maxPerAccount: env.SSE_MAX_STREAMS_PER_ACCOUNT,
      maxLifetimeMs: env.SSE_MAX_LIFETIME_SECONDS * 1000,
      heartbeatMs: env.SSE_HEARTBEAT_SECONDS * 1000,
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
