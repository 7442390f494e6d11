import type TestAgent from 'supertest/lib/agent';
import { bearer } from './learners';
import { waitFor } from './wait';

export interface JobBody {
  id: string;
  state: string;
  progress: unknown;
  priority: string;
  attemptsMade: number;
  result: Record<string, unknown> | null;
  failure: { reason: string } | null;
  finishedAt: string | null;
}

/**
 * Polls GET /api/jobs/:id until the job completed or failed for good. `retryUnavailable`: a 503
 * (Retry-After) is asked again, as a client would, rather than failing the test.
 */
export async function finishedJob(
  request: TestAgent,
  session: { accessToken: string },
  jobId: string,
  timeoutMs = 20_000,
  options: { retryUnavailable?: boolean } = {},
): Promise<JobBody> {
  let job: JobBody | undefined;
  await waitFor(
    `job ${jobId} to finish`,
    async () => {
      const response = await request.get(`/api/jobs/${jobId}`).set(...bearer(session));
      if (response.status === 503 && options.retryUnavailable) return false;
      if (response.status !== 200) throw new Error(`GET /api/jobs/${jobId} answered ${response.status}: ${JSON.stringify(response.body)}`);
      job = response.body as JobBody;
      return job.state === 'completed' || job.state === 'failed';
    },
    timeoutMs,
  );
  return job!;
}
