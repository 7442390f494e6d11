import { MemoryStore, type ClientRateLimitInfo, type Options, type Store } from 'express-rate-limit';
import { RedisStore, type RedisReply } from 'rate-limit-redis';
import type { Logger } from '../logger';
import type { RedisHandle } from '../redis/redis';

/** Which store the limits are counted in right now; /health reports it. */
export class RateLimitMode {
  private degraded = false;

  constructor(private readonly logger: Logger) {}

  isShared(): boolean {
    return !this.degraded;
  }

  set(shared: boolean): void {
    if (shared === !this.degraded) return;
    this.degraded = !shared;
    if (shared) this.logger.info('rate limits are shared through redis again');
    else this.logger.warn('redis unreachable: rate limits fall back to per-process counters');
  }
}

/**
 * Counts in Redis, shared by every process and replica. While Redis is unreachable it
 * counts in this process's memory instead, so abuse stays bounded and no request fails
 * because of Redis; once Redis is back, counting returns there.
 */
export class FailoverStore implements Store {
  private readonly memory = new MemoryStore();
  private readonly shared: RedisStore | null;
  private options: Options | null = null;
  private sharedReady = false;

  constructor(
    private readonly redis: RedisHandle | null,
    readonly prefix: string,
    private readonly mode: RateLimitMode,
  ) {
    this.shared =
      redis === null
        ? null
        : new RedisStore({ prefix, sendCommand: (command: string, ...args: string[]) => redis.client.call(command, ...args) as Promise<RedisReply> });
    // rate-limit-redis loads its scripts once in init(); after an outage they are loaded again.
    redis?.client.on('ready', () => void this.initShared());
  }

  init(options: Options): void {
    this.options = options;
    this.memory.init(options);
    void this.initShared();
  }

  private async initShared(): Promise<void> {
    if (this.shared === null || this.options === null) return;
    try {
      await this.shared.init(this.options);
      this.sharedReady = true;
    } catch {
      this.sharedReady = false;
    }
  }

  private async withFailover<T>(shared: (store: RedisStore) => Promise<T>, local: (store: MemoryStore) => Promise<T>): Promise<T> {
    if (this.shared !== null && this.redis?.isReady()) {
      try {
        // Right after start-up the scripts may still be loading: wait for them rather than
        // count the first requests somewhere else.
        if (!this.sharedReady) await this.initShared();
        if (this.sharedReady) {
          const result = await shared(this.shared);
          this.mode.set(true);
          return result;
        }
      } catch {
        // Fall through to the local counter below.
      }
    }
    this.mode.set(this.redis === null);
    return local(this.memory);
  }

  increment(key: string): Promise<ClientRateLimitInfo> {
    return this.withFailover(
      (store) => store.increment(key),
      (store) => store.increment(key),
    );
  }

  decrement(key: string): Promise<void> {
    return this.withFailover(
      (store) => store.decrement(key),
      (store) => store.decrement(key),
    );
  }

  resetKey(key: string): Promise<void> {
    return this.withFailover(
      (store) => store.resetKey(key),
      (store) => store.resetKey(key),
    );
  }

  shutdown(): void {
    this.memory.shutdown();
  }
}
