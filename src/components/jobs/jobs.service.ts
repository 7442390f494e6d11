import type Bull from 'bull';
import { NotFoundError } from '../../infra/errors/app-error';
import { queueUnavailable } from '../../infra/queue/enqueue';
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
    if (deps.queues === null) throw queueUnavailable();
    return deps.queues[queueOfJobId(jobId)].queue;
  }

  /**
   * The view of the job, if it exists and belongs to `ownerId` (others' jobs are as good as
   * missing). Every Redis read of the look-up shares one deadline; failing or missing it is a 503.
   */
  async function ownJobView(ownerId: string, jobId: string): Promise<JobView> {
    const queue = queueOf(jobId);
    const lookup = async (): Promise<JobView | null> => {
      const job = await queue.getJob(jobId);
      return job && job.data.ownerId === ownerId ? jobView(job) : null;
    };
    let view: JobView | null;
    try {
      view = await withTimeout(lookup(), deps.timeoutMs, 'job lookup');
    } catch {
      throw queueUnavailable();
    }
    if (!view) throw new NotFoundError('No such job');
    return view;
  }

  return {
    get: ownJobView,

    /**
     * The job's current view, then every later event until it ends. Subscribes before reading
     * the state, so an event between the two is never missed.
     */
    async follow(ownerId: string, jobId: string, onEvent: (event: JobEvent) => void): Promise<{ current: JobView; stop: () => void }> {
      const queue = queueOf(jobId);
      const subscribing = deps.events.subscribe(queue, jobId, onEvent);
      let stop: () => void;
      try {
        stop = await withTimeout(subscribing, deps.timeoutMs, 'job event subscription');
      } catch {
        // A subscription that completes after the deadline must not stay behind.
        void subscribing.then(
          (late) => late(),
          () => undefined,
        );
        throw queueUnavailable();
      }
      try {
        return { current: await ownJobView(ownerId, jobId), stop };
      } catch (error) {
        stop();
        throw error;
      }
    },
  };
}

export type JobsService = ReturnType<typeof createJobsService>;
