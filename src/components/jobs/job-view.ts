import type Bull from 'bull';
import { priorityOfBull, type Priority } from './priority';

export interface JobView {
  id: string;
  queue: string;
  state: Bull.JobStatus | 'stuck';
  progress: unknown;
  priority: Priority;
  attemptsMade: number;
  result: unknown;
  failure: { reason: string } | null;
  createdAt: string;
  finishedAt: string | null;
}

export async function jobView(loaded: Bull.Job): Promise<JobView> {
  const state = await loaded.getState();
  // The job may have finished between loading it and reading its state: a finished job's
  // data no longer changes, so reading it again gives its result.
  const job = state === 'completed' || state === 'failed' ? ((await loaded.queue.getJob(loaded.id)) ?? loaded) : loaded;
  return {
    id: String(job.id),
    queue: job.queue.name,
    state,
    progress: job.progress() as unknown,
    priority: priorityOfBull(job.opts.priority),
    attemptsMade: job.attemptsMade,
    result: state === 'completed' ? (job.returnvalue as unknown) : null,
    failure: state === 'failed' ? { reason: job.failedReason ?? 'unknown' } : null,
    createdAt: new Date(job.timestamp).toISOString(),
    finishedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
  };
}
