import type Bull from 'bull';
import { ServiceUnavailableError } from '../errors/app-error';
import { withTimeout } from '../with-timeout';

/**
 * Adds a job, or throws a 503 when Redis does not do it within `timeoutMs`. A job is
 * acknowledged (and the client told 202) only after Redis stored it. Adding an id that is
 * already queued joins that job; an id whose job failed for good (kept while retained)
 * starts afresh, and so does one whose completed job `outdated` says no longer answers the
 * request (Bull's `add` would otherwise return the finished job).
 */
export async function enqueue<T>(
  open: { queue: Bull.Queue<T>; isReady(): boolean },
  data: T,
  options: Bull.JobOptions & { jobId: string },
  timeoutMs: number,
  outdated?: (completed: Bull.Job<T>) => Promise<boolean>,
): Promise<Bull.Job<T>> {
  if (!open.isReady()) throw queueUnavailable();
  const add = async (): Promise<Bull.Job<T>> => {
    const previous = await open.queue.getJob(options.jobId);
    if (previous && ((await previous.isFailed()) || (outdated && (await previous.isCompleted()) && (await outdated(previous))))) await previous.remove();
    return open.queue.add(data, options);
  };
  try {
    return await withTimeout(add(), timeoutMs, `enqueue to ${open.queue.name}`);
  } catch {
    throw queueUnavailable();
  }
}

/** The 503 of every enqueue that cannot reach Redis (or runs without one). */
export function queueUnavailable(): ServiceUnavailableError {
  return new ServiceUnavailableError('QUEUE_UNAVAILABLE', 'The job queue is unavailable; try again shortly');
}
