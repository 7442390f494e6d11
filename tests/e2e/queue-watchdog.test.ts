import { readingText } from '../support/documents';
import { startHangingProxy, type HangingProxy } from '../support/hanging-proxy';
import { finishedJob } from '../support/jobs';
import { bearer, registerLearner, type TestSession } from '../support/learners';
import { readyDocument } from '../support/ready-document';
import { startTestApp, type TestApp } from '../support/test-app';
import { testRedisUrl } from '../support/test-env';
import { waitFor } from '../support/wait';
import { startWorkerProcess } from '../support/worker-process';

jest.setTimeout(60_000);

let proxy: HangingProxy;
let api: TestApp;
let learner: TestSession;
let documentId: string;

beforeAll(async () => {
  proxy = await startHangingProxy(Number(new URL(testRedisUrl()).port));
  api = await startTestApp();
  learner = await registerLearner(api.request);
  documentId = (await readyDocument(api, learner.account.id, readingText)).id;
});

afterAll(async () => {
  await api.close();
  await proxy.close();
});

/**
 * The failure of bull #1170 without a failover to cause it: the worker's blocking connections
 * wait for an answer that never comes (as from a master that froze, or stopped being one while
 * the connection stayed open). Jobs pile up; the worker's watchdog must notice and reconnect.
 */
test('a worker whose blocking connections hang takes jobs again, without a restart', async () => {
  proxy.hangBlocking = true;
  const worker = await startWorkerProcess({ ...api.env, REDIS_URL: proxy.url, WORKER_ID: 'watched-worker' });
  try {
    // One blocking connection per queue (uploads and lessons), each frozen at its first BRPOPLPUSH.
    await waitFor('both blocking connections to hang', () => proxy.frozen() === 2);
    proxy.hangBlocking = false;

    const queued = await api.request
      .post('/api/lessons')
      .set(...bearer(learner))
      .send({ documentId, level: 'B2' })
      .expect(202);
    const job = await finishedJob(api.request, learner, queued.body.jobId as string, 30_000);
    expect(job).toMatchObject({ state: 'completed', result: { workerId: 'watched-worker' } });
    expect(worker.output()).toMatch(/"queue":"lesson-generation".*"msg":"jobs wait and this worker takes none: reconnecting its blocking connection"/);
    expect(worker.child.exitCode).toBeNull();
  } finally {
    await worker.stop();
  }
});
