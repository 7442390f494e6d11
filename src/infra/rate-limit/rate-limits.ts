import type { Request, RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import type { Config, RateLimitRule } from '../config/config';
import { InvalidCredentialsError, rateLimited } from '../errors/app-error';
import type { Logger } from '../logger';
import type { RedisHandle } from '../redis/redis';
import { CoalescingRedisStore } from './coalescing-store';
import { FailoverStore, RateLimitMode } from './failover-store';
import { createSignInBudgets, type SignInBudgets } from './sign-in-budgets';

/** How much more a signed-in account may do than the base limit, by tier. */
export const tierMultipliers = { starter: 1, professional: 5, enterprise: 25 } as const;

export interface RateLimits {
  /** Failed sign-ins only: per client address, per e-mail and address, guarded per e-mail. */
  signIn: SignInBudgets;
  /** Every registration, per client address: each new account brings fresh per-account budgets. */
  register: RequestHandler;
  api: RequestHandler;
  upload: RequestHandler;
  search: RequestHandler;
  /** Heavy work per signed-in learner: lesson-generation and upload-processing jobs. */
  lessonJobs: RequestHandler;
  uploadJobs: RequestHandler;
  mode: RateLimitMode;
}

interface Identified {
  auth?: { accountId: string; tier: keyof typeof tierMultipliers };
}

/**
 * Signed-in requests count per account, anonymous ones per client address (IPv6 per /56).
 * The key names the tier, so a store can tell each client's limit from its key alone.
 */
export function clientKey(req: Request & Identified): string {
  return req.auth ? `account:${req.auth.tier}:${req.auth.accountId}` : `ip:${ipKeyGenerator(req.ip ?? 'unknown')}`;
}

function limitOfKey(rule: RateLimitRule, key: string): number {
  const tier = /^account:(\w+):/.exec(key)?.[1] as keyof typeof tierMultipliers | undefined;
  return tier ? rule.max * tierMultipliers[tier] : (rule.anonymousMax ?? rule.max);
}

/** `onRejected` is told the limit's name each time one refuses a request (for the metrics). */
export function createRateLimits(config: Config, redis: RedisHandle | null, logger: Logger, onRejected: (limit: string) => void = () => undefined): RateLimits {
  const mode = new RateLimitMode(logger.child({ component: 'rate-limit' }));
  const prefix = `${config.redis.keyPrefix}rl:`;

  /**
   * `exact` limits ask Redis on every hit (login attempts: rare, and the 6th must fail on
   * any process); the others merge hits in the background until a client nears its limit.
   */
  function limiter(
    name: string,
    rule: RateLimitRule,
    options: {
      key: (req: Request) => string;
      exact: boolean;
    },
  ): RequestHandler {
    if (!config.rateLimits.enabled) return (_req, _res, next) => next();
    const storePrefix = `${prefix}${name}:`;
    let store: FailoverStore | CoalescingRedisStore;
    if (options.exact) {
      store = new FailoverStore(redis, storePrefix, mode);
    } else {
      const coalescing = new CoalescingRedisStore(redis, storePrefix, mode);
      coalescing.useLimit((key) => limitOfKey(rule, key));
      store = coalescing;
    }
    const handler = rateLimit({
      windowMs: rule.windowMs,
      limit: (req: Request) => limitOfKey(rule, options.key(req)),
      keyGenerator: options.key,
      identifier: name,
      // draft-7's RateLimit and RateLimit-Policy: draft-8 adds a sha256 of the key to every
      // response (its cost: docs/design-decisions.md, measured costs).
      standardHeaders: 'draft-7',
      legacyHeaders: false,
      store,
      // Without trusted proxies a forwarded-for header is just a client's claim: ignore it quietly.
      validate: { xForwardedForHeader: config.http.trustProxyHops > 0 },
      handler: (_req, _res, next) => {
        onRejected(name);
        next(rateLimited(`Too many ${name} requests; try again after the time in Retry-After`));
      },
    });
    return handler;
  }

  const { signIn, register, api, upload, search, lessonJobs, uploadJobs } = config.rateLimits;
  const address = (req: Request): string => `ip:${ipKeyGenerator(req.ip ?? 'unknown')}`;
  return {
    signIn: createSignInBudgets({
      rules: signIn,
      enabled: config.rateLimits.enabled,
      redis,
      keyPrefix: config.redis.keyPrefix,
      mode,
      isFailure: (error) => error instanceof InvalidCredentialsError,
      onRejected: () => onRejected('sign-in'),
    }),
    // Exact: a few an hour, and the next must be refused on any process. Failed registrations
    // (an e-mail taken) count too: they tell which e-mails have accounts.
    register: limiter('register', register, { key: address, exact: true }),
    api: limiter('api', api, { key: clientKey, exact: false }),
    upload: limiter('upload', upload, { key: clientKey, exact: false }),
    search: limiter('search', search, { key: clientKey, exact: false }),
    // Exact: a handful per minute, and the 11th lesson job must be refused on any process.
    lessonJobs: limiter('lesson-jobs', lessonJobs, { key: clientKey, exact: true }),
    uploadJobs: limiter('upload-jobs', uploadJobs, { key: clientKey, exact: true }),
    mode,
  };
}
