import type Bull from 'bull';
import { NotFoundError, ServiceUnavailableError } from '../../infra/errors/app-error';
import type { JobEvents, JobEvent } from '../../infra/queue/job-events';
import { withTimeout } from '../../infra/with-timeout';
import { queueOfJobId } from './job-ids';
import type { JobQueues } from './job-queues';
import { jobView, type JobView } from './job-view';

export interface JobsServiceDependencies {
  queues: JobQueues | null;
  events: JobEvents;
  timeoutMs: number;
}

export function createJobsService(deps: JobsServiceDependencies) {
  function queueOf(jobId: string): Bull.Queue<{ ownerId: string }> {
    if (deps.queues === null) throw new ServiceUnavailableError('QUEUE_UNAVAILABLE', 'The job queue is not configured');
    return deps.queues[queueOfJobId(jobId)].queue;
  }

  /** The job, if it exists and belongs to `ownerId`: others' jobs are as good as missing. */
  async function ownJob(ownerId: string, jobId: string): Promise<Bull.Job<{ ownerId: string }>> {
    let job: Bull.Job<{ ownerId: string }> | null;
    try {
      job = await withTimeout(queueOf(jobId).getJob(jobId), deps.timeoutMs, 'job lookup');
    } catch (error) {
      if (error instanceof ServiceUnavailableError) throw error;
      throw new ServiceUnavailableError('QUEUE_UNAVAILABLE', 'The job queue is unavailable; try again shortly');
    }
    if (!job || job.data.ownerId !== ownerId) throw new NotFoundError('No such job');
    return job;
  }

  return {
    get: async (ownerId: string, jobId: string): Promise<JobView> => jobView(await ownJob(ownerId, jobId)),

    /**
     * The job's current view, then every later event until it ends. Subscribes before reading
     * the state, so an event between the two is never missed.
     */
    async follow(ownerId: string, jobId: string, onEvent: (event: JobEvent) => void): Promise<{ current: JobView; stop: () => void }> {
      const queue = queueOf(jobId);
      const stop = deps.events.subscribe(queue, jobId, onEvent);
      try {
        return { current: await jobView(await ownJob(ownerId, jobId)), stop };
      } catch (error) {
        stop();
        throw error;
      }
    },
  };
}

export type JobsService = ReturnType<typeof createJobsService>;
