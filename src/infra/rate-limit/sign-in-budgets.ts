import type { Request, Response } from 'express';
import { ipKeyGenerator } from 'express-rate-limit';
import { createHash } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { SignInRules } from '../config/config';
import { rateLimited } from '../errors/app-error';
import type { RedisHandle } from '../redis/redis';
import type { RateLimitMode } from './failover-store';

/**
 * An attempt first reserves a place in its address's and its (e-mail, address) pair's budgets:
 * reservations count against a budget until the attempt ends, so a thousand guesses sent at once
 * get no more tries than a thousand sent one by one. When only reservations fill a budget (a
 * classroom signing in at once behind one address), the attempt waits for them to end instead of
 * being refused: only failures refuse. Returns [outcome, milliseconds until the refusing
 * budget's window ends].
 */
const reserveScript = `
local function count(key, field) return tonumber(redis.call('HGET', key, field) or '0') end
local guarded = count(KEYS[3], 'f') >= tonumber(ARGV[4])
local limits = { tonumber(ARGV[1]), guarded and tonumber(ARGV[3]) or tonumber(ARGV[2]) }
for i = 1, 2 do
  local failures = count(KEYS[i], 'f')
  if failures >= limits[i] then return { 'refused', redis.call('PTTL', KEYS[i]) } end
  if failures + count(KEYS[i], 'p') >= limits[i] then return { 'wait', 0 } end
end
for i = 1, 2 do
  redis.call('HINCRBY', KEYS[i], 'p', 1)
  if redis.call('PTTL', KEYS[i]) < 0 then redis.call('PEXPIRE', KEYS[i], ARGV[5]) end
end
return { 'granted', 0 }`;

/**
 * Ends an attempt: its reservations go; a failure counts against all three budgets (the
 * e-mail's own, from every address, decides when it is guarded); a success clears its pair.
 */
const settleScript = `
for i = 1, 2 do
  if tonumber(redis.call('HINCRBY', KEYS[i], 'p', -1)) < 0 then redis.call('HSET', KEYS[i], 'p', 0) end
end
if ARGV[1] == 'failed' then
  for i = 1, 3 do redis.call('HINCRBY', KEYS[i], 'f', 1) end
elseif ARGV[1] == 'succeeded' then
  redis.call('DEL', KEYS[2])
end
for i = 1, 3 do
  if redis.call('EXISTS', KEYS[i]) == 1 and redis.call('PTTL', KEYS[i]) < 0 then redis.call('PEXPIRE', KEYS[i], ARGV[2]) end
end
return 1`;

type Reservation = { outcome: 'granted' } | { outcome: 'wait' } | { outcome: 'refused'; retryAfterMs: number };
type Settlement = 'failed' | 'succeeded' | 'abandoned';

interface Budget {
  failures: number;
  reserved: number;
  endsAt: number;
}

/** The same budgets in this process's memory: the fallback while Redis is unreachable. */
class LocalBudgets {
  private readonly budgets = new Map<string, Budget>();

  constructor(private readonly rules: SignInRules) {}

  private budget(key: string, now = Date.now()): Budget {
    const found = this.budgets.get(key);
    if (found && found.endsAt > now) return found;
    if (this.budgets.size > 100_000) this.dropEnded(now);
    const fresh = { failures: 0, reserved: 0, endsAt: now + this.rules.windowMs };
    this.budgets.set(key, fresh);
    return fresh;
  }

  private dropEnded(now: number): void {
    for (const [key, budget] of this.budgets) if (budget.endsAt <= now) this.budgets.delete(key);
  }

  reserve([address, pair, account]: string[]): Reservation {
    const guarded = this.budget(account!).failures >= this.rules.guardFrom;
    const checks: [Budget, number][] = [
      [this.budget(address!), this.rules.perAddress],
      [this.budget(pair!), guarded ? this.rules.perAddressWhileGuarded : this.rules.perAccountAndAddress],
    ];
    for (const [budget, limit] of checks) {
      if (budget.failures >= limit) return { outcome: 'refused', retryAfterMs: budget.endsAt - Date.now() };
      if (budget.failures + budget.reserved >= limit) return { outcome: 'wait' };
    }
    for (const [budget] of checks) budget.reserved++;
    return { outcome: 'granted' };
  }

  settle([address, pair, account]: string[], settlement: Settlement): void {
    for (const key of [address!, pair!]) {
      const budget = this.budget(key);
      budget.reserved = Math.max(0, budget.reserved - 1);
    }
    if (settlement === 'failed') for (const key of [address!, pair!, account!]) this.budget(key).failures++;
    if (settlement === 'succeeded') this.budgets.delete(pair!);
  }
}

/** How long an attempt waits for other attempts' reservations to end before it is refused. */
const waitLimitMs = 10_000;
const waitStepMs = 50;

export interface SignInBudgets {
  /**
   * Runs `signIn` within the client's budgets: 429 with Retry-After when a budget is spent.
   * Only an error `isFailure` accepts (wrong credentials) counts; a success clears the
   * (e-mail, address) budget, anything else (a bad request, the database away) counts nothing.
   */
  attempt<T>(req: Request, res: Response, email: string, signIn: () => Promise<T>): Promise<T>;
}

/**
 * Budgets of failed sign-ins, counted in Redis (shared by every process) or, while Redis is
 * unreachable, in this process. What each attacker address can do: at most `perAccountAndAddress`
 * wrong guesses at one account and `perAddress` in total per window; once an account has taken
 * `guardFrom` failures from all addresses in a window, each address gets `perAddressWhileGuarded`
 * at it. A stranger can spend only the budgets of their own addresses: the owner, from any other
 * address, is never refused.
 */
export function createSignInBudgets(options: {
  rules: SignInRules;
  enabled: boolean;
  redis: RedisHandle | null;
  keyPrefix: string;
  mode: RateLimitMode;
  isFailure: (error: unknown) => boolean;
  onRejected: () => void;
}): SignInBudgets {
  const { rules, redis, mode } = options;
  const local = new LocalBudgets(rules);
  const prefix = `${options.keyPrefix}rl:sign-in:`;
  const limits = [rules.perAddress, rules.perAccountAndAddress, rules.perAddressWhileGuarded, rules.guardFrom, rules.windowMs].map(String);

  async function shared<T>(inRedis: (client: RedisHandle['client']) => Promise<T>, inMemory: () => T): Promise<T> {
    if (redis !== null && redis.isReady()) {
      try {
        const result = await inRedis(redis.client);
        mode.set(true);
        return result;
      } catch {
        // Counted in this process below.
      }
    }
    mode.set(redis === null);
    return inMemory();
  }

  const reserve = (keys: string[]): Promise<Reservation> =>
    shared(
      async (client) => {
        const [outcome, ttl] = (await client.eval(reserveScript, 3, ...keys, ...limits)) as [string, number];
        if (outcome === 'refused') return { outcome, retryAfterMs: ttl > 0 ? ttl : rules.windowMs };
        return { outcome: outcome === 'wait' ? 'wait' : 'granted' };
      },
      () => local.reserve(keys),
    );

  const settle = (keys: string[], settlement: Settlement): Promise<unknown> =>
    shared(
      (client) => client.eval(settleScript, 3, ...keys, settlement, String(rules.windowMs)),
      () => local.settle(keys, settlement),
    );

  function refuse(res: Response, retryAfterMs: number): never {
    options.onRejected();
    res.setHeader('Retry-After', String(Math.max(1, Math.ceil(retryAfterMs / 1000))));
    throw rateLimited('Too many failed sign-ins; try again after the time in Retry-After');
  }

  return {
    async attempt(req, res, email, signIn) {
      if (!options.enabled) return signIn();
      const address = ipKeyGenerator(req.ip ?? 'unknown');
      // The e-mail hashed: key names are no place for personal data.
      const account = createHash('sha256').update(email).digest('base64url').slice(0, 22);
      const keys = [`${prefix}address:${address}`, `${prefix}pair:${account}:${address}`, `${prefix}account:${account}`];
      const waitUntil = Date.now() + waitLimitMs;
      for (;;) {
        const reservation = await reserve(keys);
        if (reservation.outcome === 'granted') break;
        if (reservation.outcome === 'refused') refuse(res, reservation.retryAfterMs);
        if (Date.now() >= waitUntil) refuse(res, waitStepMs);
        await delay(waitStepMs);
      }
      let settlement: Settlement = 'abandoned';
      try {
        const result = await signIn();
        settlement = 'succeeded';
        return result;
      } catch (error) {
        if (options.isFailure(error)) settlement = 'failed';
        throw error;
      } finally {
        await settle(keys, settlement).catch(() => undefined);
      }
    },
  };
}
