import type Bull from 'bull';
import { ServiceUnavailableError } from '../errors/app-error';
import { withTimeout } from '../with-timeout';

/**
 * Adds a job, or throws a 503 when Redis does not acknowledge it within `timeoutMs`. A job
 * is acknowledged (and the client told 202) only after Redis stored it.
 */
export async function enqueue<T>(open: { queue: Bull.Queue<T>; isReady(): boolean }, data: T, options: Bull.JobOptions, timeoutMs: number): Promise<Bull.Job<T>> {
  if (!open.isReady()) throw queueUnavailable();
  try {
    return await withTimeout(open.queue.add(data, options), timeoutMs, `enqueue to ${open.queue.name}`);
  } catch {
    throw queueUnavailable();
  }
}

/** The 503 of every enqueue that cannot reach Redis (or runs without one). */
export function queueUnavailable(): ServiceUnavailableError {
  return new ServiceUnavailableError('QUEUE_UNAVAILABLE', 'The job queue is unavailable; try again shortly');
}
