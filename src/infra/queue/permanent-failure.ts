import type Bull from 'bull';

/**
 * A failure that running the job again cannot fix (a corrupt file, a deleted document).
 * The job fails at once with this message as its reason; other errors are retried.
 */
export class PermanentJobError extends Error {
  override readonly name = 'PermanentJobError';

  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Wraps a processor so permanent failures are not retried (Bull's `discard`). */
export function processor<T, R>(run: (job: Bull.Job<T>) => Promise<R>): (job: Bull.Job<T>) => Promise<R> {
  return async (job) => {
    try {
      return await run(job);
    } catch (error) {
      if (error instanceof PermanentJobError) await job.discard();
      throw error;
    }
  };
}

/** True when this run is the job's last try: a transient failure now fails it for good. */
export function isLastAttempt(job: Bull.Job): boolean {
  return job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
}
