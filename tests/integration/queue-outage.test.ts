import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { documentModel } from '../../src/components/documents/document.model';
import { lessonContentKey } from '../../src/components/lessons/lesson-key';
import { generateLocalLesson, localGeneratorVersion } from '../../src/components/lessons/local-generator';
import { readingText, txtOf } from '../support/documents';
import { finishedJob } from '../support/jobs';
import { readyDocument } from '../support/ready-document';
import { bearer, registerLearner, type TestSession } from '../support/learners';
import { startRedis, type LocalServer } from '../support/servers';
import { startTestApp, type TestApp } from '../support/test-app';
import { waitFor } from '../support/wait';
import { startWorkerProcess } from '../support/worker-process';

jest.setTimeout(60_000);

describe('enqueueing with Redis down', () => {
  let redis: LocalServer;
  let api: TestApp;
  let learner: TestSession;

  beforeAll(async () => {
    redis = await startRedis({ appendOnly: true });
    api = await startTestApp({ REDIS_URL: redis.url });
    learner = await registerLearner(api.request);
  });
  afterAll(async () => {
    await api.close();
    await redis.destroy();
  });

  const upload = () =>
    api.request
      .post('/api/documents')
      .set(...bearer(learner))
      .attach('file', txtOf(readingText), 'reading.txt');
  const storedFiles = (): string[] => {
    const folder = join(api.env.STORAGE_LOCAL_DIR!, 'documents', learner.account.id);
    return readdirSync(folder);
  };

  it('answers 503 within a second, keeps no document without a job, and loses no acknowledged job', async () => {
    const acknowledged = await upload();
    expect(acknowledged.status).toBe(202);

    await redis.stop();
    const started = performance.now();
    const refused = await upload();
    const elapsedMs = performance.now() - started;
    expect(refused.status).toBe(503);
    expect(refused.body.error.code).toBe('QUEUE_UNAVAILABLE');
    expect(elapsedMs).toBeLessThan(1000);
    expect(await documentModel(api.deps.database.connection).countDocuments({ ownerId: learner.account.id })).toBe(1);
    expect(storedFiles()).toHaveLength(1);
    const jobLookup = await api.request.get(`/api/jobs/${acknowledged.body.jobId as string}`).set(...bearer(learner));
    expect(jobLookup.status).toBe(503);

    await redis.start();
    // The job acknowledged before the outage is still queued, and a worker processes it.
    const worker = await startWorkerProcess(api.env);
    try {
      const job = await finishedJob(api.request, learner, acknowledged.body.jobId as string);
      expect(job.state).toBe('completed');
    } finally {
      await worker.stop();
    }
    await waitFor('the queue connection to come back', async () => (await upload()).status === 202);
  });
});

describe('per-learner limits on heavy work', () => {
  let api: TestApp;
  afterEach(() => api.close());

  it('refuses the upload job over the limit with 429 and RateLimit headers, per learner and tier-scaled', async () => {
    api = await startTestApp({ RATE_LIMIT_UPLOAD_JOBS_MAX: '2' });
    const [first, second] = [await registerLearner(api.request), await registerLearner(api.request)];
    const upload = (session: TestSession) =>
      api.request
        .post('/api/documents')
        .set(...bearer(session))
        .attach('file', txtOf(readingText), 'a.txt');
    expect((await upload(first)).status).toBe(202);
    expect((await upload(first)).status).toBe(202);
    const limited = await upload(first);
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toMatch(/^\d+$/);
    expect(limited.headers.ratelimit).toMatch(/limit=2, remaining=0/);
    expect((await upload(second)).status).toBe(202);
  });

  it('refuses the lesson job over the limit; a lesson answered from the cache does not count', async () => {
    api = await startTestApp({ RATE_LIMIT_LESSON_JOBS_MAX: '2' });
    const learner = await registerLearner(api.request);
    const { id: documentId } = await readyDocument(api, learner.account.id, readingText);
    const sectionText = readingText.join('\n\n');
    const ask = (level: string) =>
      api.request
        .post('/api/lessons')
        .set(...bearer(learner))
        .send({ documentId, level });
    expect((await ask('A1')).status).toBe(202);
    expect((await ask('A2')).status).toBe(202);
    expect((await ask('B1')).status).toBe(429);

    const key = lessonContentKey(sectionText, 'C1', localGeneratorVersion);
    await api.deps.cache.put('lesson', key, generateLocalLesson({ text: sectionText, title: 'cached', level: 'C1', seed: key }));
    const cached = await ask('C1');
    expect(cached.status).toBe(200);
    expect(cached.body).toMatchObject({ cached: true, lesson: { level: 'C1', documentId } });
  });
});
