import { readingText } from '../support/documents';
import { finishedJob, type JobBody } from '../support/jobs';
import { bearer, type TestSession } from '../support/learners';
import { readyDocument } from '../support/ready-document';
import { startTestApp, type TestApp } from '../support/test-app';
import { learnerWithTier } from '../support/tiers';
import { startWorkerProcess } from '../support/worker-process';
import { cefrLevels } from '../../src/shared/cefr-levels';

jest.setTimeout(60_000);

let api: TestApp;

beforeAll(async () => {
  api = await startTestApp();
});
afterAll(() => api.close());

async function askLesson(session: TestSession, documentId: string, section: number, level: string, priority: string) {
  const response = await api.request
    .post('/api/lessons')
    .set(...bearer(session))
    .send({ documentId, section, level, priority });
  expect(response.status).toBe(202);
  return response.body as { jobId: string; priority: string };
}

test('the tier raises or caps the priority a learner asks for', async () => {
  const cases = [
    ['starter', 'high', 'normal'],
    ['starter', 'low', 'low'],
    ['professional', 'high', 'high'],
    ['enterprise', 'low', 'normal'],
  ] as const;
  for (const [tier, asked, expected] of cases) {
    const learner = await learnerWithTier(api, tier);
    const { id } = await readyDocument(api, learner.account.id, readingText);
    expect((await askLesson(learner, id, 0, 'B1', asked)).priority).toBe(expected);
  }
});

test('with the lesson queue backed up, high-priority jobs complete before low-priority ones', async () => {
  const learner = await learnerWithTier(api, 'professional');
  const { id, sections } = await readyDocument(api, learner.account.id, readingText, 40);
  expect(sections).toBeGreaterThanOrEqual(3);
  // Twelve distinct lessons queued while no worker runs: eight low first, then four high.
  const lows = [];
  for (const level of cefrLevels.slice(0, 4)) for (const section of [0, 1]) lows.push(await askLesson(learner, id, section, level, 'low'));
  const highs = [];
  for (const level of cefrLevels.slice(0, 4)) highs.push(await askLesson(learner, id, 2, level, 'high'));

  const worker = await startWorkerProcess({ ...api.env, WORKER_LESSON_CONCURRENCY: '1' });
  try {
    const finished = async (jobs: { jobId: string }[]): Promise<JobBody[]> =>
      Promise.all(jobs.map((job) => finishedJob(api.request, learner, job.jobId, 30_000)));
    const [low, high] = [await finished(lows), await finished(highs)];
    const finishedAt = (jobs: JobBody[]) => jobs.map((job) => Date.parse(job.finishedAt!));
    expect(Math.max(...finishedAt(high))).toBeLessThanOrEqual(Math.min(...finishedAt(low)));
    expect([...low, ...high].every((job) => job.state === 'completed')).toBe(true);
  } finally {
    await worker.stop();
  }
});
