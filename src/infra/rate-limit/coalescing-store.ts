import type { ClientRateLimitInfo, Options, Store } from 'express-rate-limit';
import type { RedisHandle } from '../redis/redis';
import type { RateLimitMode } from './failover-store';

interface WindowCount {
  /** The cluster-wide count Redis returned at the last merge. */
  shared: number;
  /** Hits this process counted since then. */
  pending: number;
  resetTime: Date;
}

/** Share of the limit below which hits are merged in the background; above it, every hit asks Redis. */
const exactFrom = 0.5;

/**
 * A fixed-window counter for high-volume limits, shared through Redis without a Redis
 * round trip on most requests: hits are counted here and merged into Redis (INCRBY) every
 * `flushMs`, and a request is judged on the last cluster-wide total plus this process's
 * unmerged hits. Once a client has used half its limit, each hit is merged at once, so a
 * client is judged on the exact cluster total where it matters; the only overshoot left is
 * other processes' unmerged hits: at most `flushMs` worth, and never more than half the
 * limit per process (it merges at once past that). With Redis unreachable the
 * counts stay in this process (the documented fallback) and are merged when it returns.
 */
export class CoalescingRedisStore implements Store {
  private readonly windows = new Map<string, WindowCount>();
  private windowMs = 60_000;
  private limitFor: (key: string) => number = () => Number.POSITIVE_INFINITY;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly redis: RedisHandle | null,
    readonly prefix: string,
    private readonly mode: RateLimitMode,
    flushMs = 50,
  ) {
    this.timer = setInterval(() => void this.flushAll(), flushMs);
    this.timer.unref();
  }

  init(options: Options): void {
    this.windowMs = options.windowMs;
  }

  /** The limit for a key, so the store knows when a client is close to it. */
  useLimit(limitFor: (key: string) => number): void {
    this.limitFor = limitFor;
  }

  private windowKey(key: string, now: number): { id: string; resetTime: Date } {
    const start = Math.floor(now / this.windowMs) * this.windowMs;
    return { id: `${this.prefix}${key}:${start}`, resetTime: new Date(start + this.windowMs) };
  }

  async increment(key: string): Promise<ClientRateLimitInfo> {
    const { id, resetTime } = this.windowKey(key, Date.now());
    const count = this.windows.get(id) ?? { shared: 0, pending: 0, resetTime };
    this.windows.set(id, count);
    count.pending++;
    if (count.shared + count.pending >= this.limitFor(key) * exactFrom) await this.flush(id, count);
    return { totalHits: count.shared + count.pending, resetTime: count.resetTime };
  }

  decrement(key: string): Promise<void> {
    const count = this.windows.get(this.windowKey(key, Date.now()).id);
    if (count) count.pending--;
    return Promise.resolve();
  }

  async resetKey(key: string): Promise<void> {
    const { id } = this.windowKey(key, Date.now());
    this.windows.delete(id);
    if (this.redis?.isReady()) await this.redis.client.del(id).catch(() => undefined);
  }

  shutdown(): void {
    clearInterval(this.timer);
  }

  private async flush(id: string, count: WindowCount): Promise<void> {
    const hits = count.pending;
    if (this.redis === null || !this.redis.isReady()) {
      this.mode.set(this.redis === null);
      return;
    }
    try {
      count.pending -= hits;
      const results = await this.redis.client.multi().incrby(id, hits).pexpireat(id, count.resetTime.getTime()).exec();
      const total = Number(results?.[0]?.[1]);
      if (!Number.isFinite(total)) throw new Error('unexpected INCRBY reply');
      count.shared = Math.max(count.shared, total);
      this.mode.set(true);
    } catch {
      count.pending += hits;
      this.mode.set(false);
    }
  }

  private async flushAll(): Promise<void> {
    const now = Date.now();
    await Promise.all(
      [...this.windows].map(async ([id, count]) => {
        if (count.resetTime.getTime() <= now) {
          this.windows.delete(id);
          return;
        }
        if (count.pending > 0) await this.flush(id, count);
      }),
    );
  }
}
