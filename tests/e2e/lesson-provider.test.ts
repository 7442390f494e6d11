import { readingText } from '../support/documents';
import { llmEnvironment, startFakeLlm, type FakeLlm } from '../support/fake-llm';
import { finishedJob } from '../support/jobs';
import { bearer, registerLearner, type TestSession } from '../support/learners';
import { readyDocument } from '../support/ready-document';
import { startTestApp, type TestApp } from '../support/test-app';
import { waitFor } from '../support/wait';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process';

jest.setTimeout(60_000);

let llm: FakeLlm;
let api: TestApp;
let learner: TestSession;
let documentId: string;
let worker: WorkerProcess | undefined;

beforeAll(async () => {
  llm = await startFakeLlm();
  api = await startTestApp(llmEnvironment(llm, { LLM_TIMEOUT_MS: '500', LLM_BREAKER_VOLUME: '2', LLM_BREAKER_RESET_MS: '60000' }));
  learner = await registerLearner(api.request);
  documentId = (await readyDocument(api, learner.account.id, readingText, 50)).id;
});

afterEach(async () => {
  await worker?.stop();
  worker = undefined;
});

afterAll(async () => {
  await api.close();
  await llm.close();
});

async function lesson(section: number, level: string) {
  const queued = await api.request
    .post('/api/lessons')
    .set(...bearer(learner))
    .send({ documentId, section, level });
  expect(queued.status).toBe(202);
  return finishedJob(api.request, learner, queued.body.jobId as string);
}

type Circuit = { status: string; observedValue: string; fallbacks: number; failures: number };
const circuit = async (): Promise<Circuit | undefined> => ((await api.request.get('/health')).body.checks['lessonGenerator:circuit'] as Circuit[])[0];

test('a healthy provider writes the lesson; our requests follow the chat-completions contract', async () => {
  worker = await startWorkerProcess(api.env);
  llm.mode = 'ok';
  const job = await lesson(0, 'B2');
  expect(job.result).toMatchObject({ generator: 'openai-1:test-model', fallback: false });
  const body = (
    await api.request
      .get(`/api/lessons/${job.result!.lessonId as string}`)
      .set(...bearer(learner))
      .expect(200)
  ).body;
  expect(body.title).toBe('Provider lesson');
  expect((body.exercises as { type: string }[]).map((exercise) => exercise.type)).toEqual(['cloze', 'multipleChoice', 'sentenceOrder']);
  expect(JSON.stringify(body)).not.toMatch(/"answer"/);
  expect(llm.requests).toHaveLength(1);
  expect(llm.requests[0]).toMatchObject({ problems: [], level: 'B2' });
  expect(llm.requests[0]!.text).toContain('Gardening');
});

test('a failing provider: lessons still come (local fallback), the breaker opens and stops calling it, /health warns', async () => {
  worker = await startWorkerProcess(api.env);
  llm.mode = 'error';
  const before = llm.requests.length;
  const jobs = [];
  for (const level of ['A1', 'A2', 'B1', 'C1']) jobs.push(await lesson(1, level));
  for (const job of jobs) expect(job).toMatchObject({ state: 'completed', result: { generator: 'local-1', fallback: true } });
  // Two failures open the breaker (volume 2); the later lessons never reach the provider.
  expect(llm.requests.length - before).toBe(2);
  await waitFor('the open circuit in /health', async () => (await circuit())?.observedValue === 'open', 10_000);
  expect(await circuit()).toMatchObject({ status: 'warn', fallbacks: 4, failures: 2 });
  expect((await api.request.get('/health')).body.status).toBe('warn');
});

test('a provider that never answers: each call gives up at LLM_TIMEOUT_MS and the local lesson is used', async () => {
  worker = await startWorkerProcess(api.env);
  llm.mode = 'hang';
  const started = Date.now();
  const job = await lesson(2, 'B1');
  expect(job.result).toMatchObject({ generator: 'local-1', fallback: true });
  expect(Date.now() - started).toBeLessThan(10_000);
  expect(worker.output()).toMatch(/lesson provider timed out/);
});

test('a fallback lesson is made again by the provider once it is healthy, under the same job id', async () => {
  llm.mode = 'error';
  worker = await startWorkerProcess(api.env);
  const fallback = await lesson(0, 'C2');
  expect(fallback.result).toMatchObject({ generator: 'local-1', fallback: true });
  await worker.stop();

  // A new worker (its breaker closed) and a healthy provider: the same request is a new job.
  llm.mode = 'ok';
  worker = await startWorkerProcess(api.env);
  const regenerated = await lesson(0, 'C2');
  expect(regenerated.id).toBe(fallback.id);
  expect(regenerated.result).toMatchObject({ generator: 'openai-1:test-model', fallback: false });
  expect(regenerated.result!.lessonId).not.toBe(fallback.result!.lessonId);

  // A lesson from the provider is not replaced: asking again answers it at once.
  const again = await api.request
    .post('/api/lessons')
    .set(...bearer(learner))
    .send({ documentId, section: 0, level: 'C2' });
  expect(again.status).toBe(200);
  expect(again.body.lesson.id).toBe(regenerated.result!.lessonId);
});
