import { lessonModel } from '../../src/components/lessons/lesson.model';
import { readingText } from '../support/documents';
import { llmEnvironment, startFakeLlm, type FakeLlm } from '../support/fake-llm';
import { finishedJob } from '../support/jobs';
import { bearer, registerLearner, type TestSession } from '../support/learners';
import { readyDocument } from '../support/ready-document';
import { startTestApp, type TestApp } from '../support/test-app';
import { startWorkerProcess } from '../support/worker-process';

jest.setTimeout(60_000);

let llm: FakeLlm;
let api: TestApp;
let learner: TestSession;
let documentId: string;

beforeAll(async () => {
  llm = await startFakeLlm();
  // Short locks so a dead worker's job is found stalled within seconds.
  api = await startTestApp(llmEnvironment(llm, { QUEUE_LOCK_DURATION_MS: '1500', QUEUE_STALLED_INTERVAL_MS: '1000' }));
  learner = await registerLearner(api.request);
  documentId = (await readyDocument(api, learner.account.id, readingText)).id;
});

afterAll(async () => {
  await api.close();
  await llm.close();
});

const completions = (output: string, jobId: string): number =>
  output.split('\n').filter((line) => line.includes('"job completed"') && line.includes(jobId)).length;

test('a worker killed (SIGKILL) mid-job: another worker completes the job exactly once', async () => {
  const first = await startWorkerProcess({ ...api.env, WORKER_ID: 'worker-a' });
  llm.delayMs = 30_000;
  const queued = await api.request
    .post('/api/lessons')
    .set(...bearer(learner))
    .send({ documentId, level: 'B1' })
    .expect(202);
  const jobId = queued.body.jobId as string;
  await llm.nextRequest();
  first.child.kill('SIGKILL');
  expect(await first.exitCode).toBeNull();

  llm.delayMs = 0;
  const second = await startWorkerProcess({ ...api.env, WORKER_ID: 'worker-b' });
  try {
    const job = await finishedJob(api.request, learner, jobId, 30_000);
    expect(job).toMatchObject({ state: 'completed', result: { workerId: 'worker-b', fallback: false } });
    expect(await lessonModel(api.deps.database.connection).countDocuments({ documentId })).toBe(1);
    expect(completions(first.output(), jobId)).toBe(0);
    expect(completions(second.output(), jobId)).toBe(1);
    expect(llm.requests).toHaveLength(2);
  } finally {
    await second.stop();
  }
});

test('a worker stopped (SIGTERM) mid-job finishes the job, then exits 0', async () => {
  const worker = await startWorkerProcess({ ...api.env, WORKER_ID: 'worker-c' });
  llm.delayMs = 1500;
  const queued = await api.request
    .post('/api/lessons')
    .set(...bearer(learner))
    .send({ documentId, level: 'C1' })
    .expect(202);
  await llm.nextRequest();
  const exit = worker.stop('SIGTERM');
  expect(await exit).toBe(0);
  const job = await finishedJob(api.request, learner, queued.body.jobId as string);
  expect(job).toMatchObject({ state: 'completed', result: { workerId: 'worker-c' } });
  const output = worker.output();
  expect(output.indexOf('worker stopping')).toBeLessThan(output.indexOf('"job completed"'));
});
