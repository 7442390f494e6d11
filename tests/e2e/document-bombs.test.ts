import { readingText, txtOf } from '../support/documents';
import { docxDeepNesting, docxHugeRun, docxInflationBomb, pdfFlateBomb, pdfPageTreeBomb } from '../support/bombs';
import { finishedJob } from '../support/jobs';
import { bearer, registerLearner, type TestSession } from '../support/learners';
import { startTestApp, type TestApp } from '../support/test-app';
import { waitFor } from '../support/wait';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process';

jest.setTimeout(120_000);

let api: TestApp;
let worker: WorkerProcess;
let learner: TestSession;

beforeAll(async () => {
  // Generous deadlines: the machine running the tests is shared and slow.
  api = await startTestApp({ DOCUMENT_MAX_BYTES: String(4 * 1024 * 1024), DOCUMENT_EXTRACT_TIMEOUT_MS: '8000', QUEUE_BACKOFF_MS: '200' });
  worker = await startWorkerProcess(api.env);
  learner = await registerLearner(api.request);
});

afterAll(async () => {
  await worker?.stop();
  await api?.close();
});

async function upload(bytes: Buffer, filename: string): Promise<{ documentId: string; jobId: string }> {
  const response = await api.request
    .post('/api/documents')
    .set(...bearer(learner))
    .attach('file', bytes, filename)
    .expect(202);
  return { documentId: response.body.document.id as string, jobId: response.body.jobId as string };
}

const documentOf = async (id: string) =>
  (
    await api.request
      .get(`/api/documents/${id}`)
      .set(...bearer(learner))
      .expect(200)
  ).body as { status: string; failure?: { code: string } };

it.each([
  ['a PDF page tree claiming 2^30 pages', () => pdfPageTreeBomb(30), 'bomb.pdf', ['TOO_LARGE']],
  ['a PDF with a 200 MB Flate stream', () => pdfFlateBomb(200), 'flate.pdf', ['TOO_LARGE']],
  ['a DOCX whose document.xml inflates to 100 MB', () => docxInflationBomb(100), 'inflate.docx', ['TOO_LARGE']],
  ['a DOCX with a single 60 MB run', () => docxHugeRun(60), 'run.docx', ['TOO_LARGE']],
  ['a DOCX nested 200,000 elements deep', () => docxDeepNesting(200_000), 'deep.docx', ['TOO_LARGE', 'CORRUPT']],
])('%s ends failed with a reason; an honest TXT right after it is ready; the worker lives on', async (_case, bomb, filename, reasons) => {
  const pid = worker.child.pid;
  const hostile = await upload(bomb(), filename);
  const honest = await upload(txtOf(readingText), 'honest.txt');

  const honestJob = await finishedJob(api.request, learner, honest.jobId, 30_000);
  expect(honestJob.state).toBe('completed');
  expect((await documentOf(honest.documentId)).status).toBe('ready');

  await waitFor('the bomb to end', async () => (await documentOf(hostile.documentId)).status === 'failed', 60_000);
  expect(reasons).toContain((await documentOf(hostile.documentId)).failure?.code);
  expect(worker.child.exitCode).toBeNull();
  expect(worker.child.pid).toBe(pid);
});
