import type Bull from 'bull';
import type { Redis } from 'ioredis';
import type { Logger } from '../logger';
import { withTimeout } from '../with-timeout';

export interface WatchedQueue {
  queue: Bull.Queue;
  /** Jobs this process runs at once from the queue. */
  concurrency: number;
}

export interface QueueWatchdog {
  /** Times a stuck blocking connection was replaced, per queue name. */
  restarts(): Record<string, number>;
  stop(): void;
}

export interface WatchdogOptions {
  intervalMs?: number;
  /** How long jobs may wait while this worker has a free slot and starts none. */
  stuckMs?: number;
}

/**
 * Bull does not always take jobs again after a Redis failover (OptimalBits/bull #1170, #1390:
 * workers idle while jobs wait): its blocking connection can be left waiting for an answer from
 * a master that hangs or no longer is one. Every `intervalMs`, for each queue: when jobs have
 * been waiting for `stuckMs` while this worker had a free slot and started none of them, the
 * blocking connection is dropped and made again (to the master Sentinel names now), and the
 * BRPOPLPUSH it was waiting on is sent again on the new one. No process restart.
 */
export function watchQueues(watched: WatchedQueue[], logger: Logger, options: WatchdogOptions = {}): QueueWatchdog {
  const { intervalMs = 2000, stuckMs = 5000 } = options;
  const log = logger.child({ component: 'queue-watchdog' });
  const restarts: Record<string, number> = {};
  const states = watched.map(({ queue, concurrency }) => {
    // waitingSince: when a check first saw jobs waiting while this worker had a free slot.
    const state = { queue, concurrency, active: 0, waitingSince: null as number | null };
    restarts[queue.name] = 0;
    queue.on('active', () => {
      state.active++;
      state.waitingSince = null;
    });
    const finished = (): void => {
      state.active = Math.max(0, state.active - 1);
    };
    queue.on('completed', finished);
    queue.on('failed', finished);
    return state;
  });
  let checking = false;

  async function check(): Promise<void> {
    if (checking) return;
    checking = true;
    try {
      for (const state of states) {
        const waiting = await withTimeout(state.queue.getWaitingCount(), intervalMs, 'waiting jobs').catch(() => 0);
        if (waiting === 0 || state.active >= state.concurrency) {
          state.waitingSince = null;
          continue;
        }
        const now = Date.now();
        state.waitingSince ??= now;
        if (now - state.waitingSince < stuckMs) continue;
        restarts[state.queue.name]!++;
        log.warn({ queue: state.queue.name, waiting, active: state.active }, 'jobs wait and this worker takes none: reconnecting its blocking connection');
        (state.queue as unknown as { bclient: Redis }).bclient.disconnect(true);
        state.waitingSince = null;
      }
    } finally {
      checking = false;
    }
  }

  const timer = setInterval(() => void check(), intervalMs);
  timer.unref();
  return {
    restarts: () => ({ ...restarts }),
    stop: () => clearInterval(timer),
  };
}
