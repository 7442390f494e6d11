import type Bull from 'bull';
import { ServiceUnavailableError } from '../errors/app-error';
import { withTimeout } from '../with-timeout';
import type { OpenQueue } from './bull-queue';

export interface EnqueueRules<T> {
  /** The whole enqueue, the replicas' confirmation included, or 503. */
  timeoutMs: number;
  /**
   * A completed job with the same id that no longer answers the request starts afresh (Bull's
   * `add` would otherwise return the finished job).
   */
  outdated?: (completed: Bull.Job<T>) => Promise<boolean>;
  /**
   * The job id is this request's alone (an upload's new document): a job it added and could not
   * get acknowledged is removed again. An id other requests can join (the same lesson asked for
   * twice) is left alone, since another request may have been acknowledged for that job.
   */
  ownJobId?: boolean;
}

type QueueForEnqueue<T> = Pick<OpenQueue<T>, 'queue' | 'client' | 'acknowledgement' | 'isReady'>;

class Unacknowledged extends Error {}

/**
 * Adds the job, then WAITs on the connection that added it until the replicas the policy names
 * hold it: WAIT covers every write of the connection before it, the job's own or, when the id
 * joins a queued job, the counter it bumps after that job's writes. Redis replicates in order,
 * so a replica that has one has the other. Adding an id that is already queued joins that job;
 * an id whose job failed for good (kept while retained) starts afresh.
 */
async function addAndConfirm<T>(
  open: QueueForEnqueue<T>,
  data: T,
  options: Bull.JobOptions & { jobId: string },
  replicas: number,
  outdated: EnqueueRules<T>['outdated'],
): Promise<Bull.Job<T>> {
  const previous = await open.queue.getJob(options.jobId);
  if (previous && ((await previous.isFailed()) || (outdated && (await previous.isCompleted()) && (await outdated(previous))))) await previous.remove();
  const job = await open.queue.add(data, options);
  if (replicas > 0 && (await open.client.wait(replicas, open.acknowledgement.timeoutMs)) < replicas) throw new Unacknowledged();
  return job;
}

/** Best effort: a job a worker already holds stays (it finds its document gone and stops). */
async function removeJob(queue: Bull.Queue, jobId: string): Promise<void> {
  await (await queue.getJob(jobId))?.remove();
}

/**
 * Adds a job and returns it once it is acknowledged: stored by Redis and, per
 * REDIS_ACK_REPLICAS, on its replicas too, so that a failover keeps it. Otherwise throws a 503
 * within `timeoutMs` (docs/redis-high-availability.md: what is and is not promised).
 */
export async function enqueue<T>(
  open: QueueForEnqueue<T>,
  data: T,
  options: Bull.JobOptions & { jobId: string },
  rules: EnqueueRules<T>,
): Promise<Bull.Job<T>> {
  if (!open.isReady()) throw queueUnavailable();
  const replicas = open.acknowledgement.replicas();
  if (replicas === null) throw unacknowledged();
  const attempt = addAndConfirm(open, data, options, replicas, rules.outdated);
  try {
    return await withTimeout(attempt, rules.timeoutMs, `enqueue to ${open.queue.name}`);
  } catch (error) {
    // Once the attempt has settled: a job removed before its add lands would stay queued.
    if (rules.ownJobId) void attempt.catch(() => undefined).then(() => removeJob(open.queue, options.jobId).catch(() => undefined));
    throw error instanceof Unacknowledged ? unacknowledged() : queueUnavailable();
  }
}

/** The 503 of every enqueue that cannot reach Redis (or runs without one). */
export function queueUnavailable(): ServiceUnavailableError {
  return new ServiceUnavailableError('QUEUE_UNAVAILABLE');
}

/** The 503 of an enqueue whose job the replicas did not confirm in time: a failover could lose it. */
function unacknowledged(): ServiceUnavailableError {
  return new ServiceUnavailableError('QUEUE_UNAVAILABLE', 'The job could not be confirmed on enough Redis replicas; try again shortly');
}
