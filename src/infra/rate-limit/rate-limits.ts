import type { Request, RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import type { Config, RateLimitRule } from '../config/config';
import { AppError } from '../errors/app-error';
import type { Logger } from '../logger';
import type { RedisHandle } from '../redis/redis';
import { CoalescingRedisStore } from './coalescing-store';
import { FailoverStore, RateLimitMode } from './failover-store';

/** How much more a signed-in account may do than the base limit, by tier. */
export const tierMultipliers = { starter: 1, professional: 5, enterprise: 25 } as const;

export interface RateLimits {
  /**
   * Login and register, failed attempts only: per client address, per e-mail and client,
   * and a higher ceiling per e-mail. A success wipes the e-mail's counts.
   */
  authAttempts: RequestHandler[];
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

function emailOf(req: Request): string | null {
  const email: unknown = (req.body as { email?: unknown } | undefined)?.email;
  return typeof email === 'string' ? email.trim().toLowerCase() : null;
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
      skip?: (req: Request) => boolean;
      /** `uncount`: a successful request takes its hit back; `reset`: it clears the key's count. */
      onSuccess?: 'uncount' | 'reset';
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
      skip: options.skip,
      identifier: name,
      // draft-7's RateLimit and RateLimit-Policy: draft-8 adds a sha256 of the key to every
      // response, which cost 4 % of the API's CPU under load.
      standardHeaders: 'draft-7',
      legacyHeaders: false,
      store,
      // Without trusted proxies a forwarded-for header is just a client's claim: ignore it quietly.
      validate: { xForwardedForHeader: config.http.trustProxyHops > 0 },
      skipSuccessfulRequests: options.onSuccess === 'uncount',
      handler: (_req, _res, next) => {
        onRejected(name);
        next(new AppError(429, 'RATE_LIMITED', `Too many ${name} requests; try again after the time in Retry-After`));
      },
    });
    if (options.onSuccess !== 'reset') return handler;
    return (req, res, next) => {
      res.once('finish', () => {
        if (res.statusCode < 400) void Promise.resolve(handler.resetKey(options.key(req))).catch(() => undefined);
      });
      return handler(req, res, next);
    };
  }

  const { auth, authEmail, api, upload, search, lessonJobs, uploadJobs } = config.rateLimits;
  const address = (req: Request): string => `ip:${ipKeyGenerator(req.ip ?? 'unknown')}`;
  const noEmail = (req: Request): boolean => emailOf(req) === null;
  return {
    // Only failures count, so registering and signing in never use up anyone's budget. The
    // e-mail's own count is per client: strangers' wrong guesses cannot lock the owner out
    // of the address they use; the per-e-mail ceiling still bounds a distributed guess.
    // The per-address count is only uncounted, never wiped, by a success: signing in to
    // one's own account between guesses at others must not restore the guesser's budget.
    authAttempts: [
      limiter('auth', auth, { key: address, exact: true, onSuccess: 'uncount' }),
      limiter('auth-account', auth, { key: (req) => `email:${emailOf(req)}:${address(req)}`, exact: true, skip: noEmail, onSuccess: 'reset' }),
      limiter('auth-email', authEmail, { key: (req) => `email:${emailOf(req)}`, exact: true, skip: noEmail, onSuccess: 'reset' }),
    ],
    api: limiter('api', api, { key: clientKey, exact: false }),
    upload: limiter('upload', upload, { key: clientKey, exact: false }),
    search: limiter('search', search, { key: clientKey, exact: false }),
    // Exact: a handful per minute, and the 11th lesson job must be refused on any process.
    lessonJobs: limiter('lesson-jobs', lessonJobs, { key: clientKey, exact: true }),
    uploadJobs: limiter('upload-jobs', uploadJobs, { key: clientKey, exact: true }),
    mode,
  };
}
