import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApiProcess, type ApiProcess } from '../support/api-process';
import { readingText, txtOf } from '../support/documents';
import { openEventStream } from '../support/sse';
import { testEnvironment } from '../support/test-env';
import { waitFor } from '../support/wait';
import { startWorkerProcess } from '../support/worker-process';

jest.setTimeout(60_000);

const uploads = mkdtempSync(join(tmpdir(), 'ep-sse-'));
const env = testEnvironment({ STORAGE_LOCAL_DIR: uploads, SHUTDOWN_READINESS_DELAY_MS: '0' });
let first: ApiProcess;
let second: ApiProcess;
let auth: Record<string, string>;

const url = (api: ApiProcess, path: string): string => `http://127.0.0.1:${api.port}${path}`;

async function call(api: ApiProcess, path: string, init: RequestInit = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url(api, path), { ...init, headers: { ...auth, ...(init.headers as Record<string, string>) } });
  return { status: response.status, body: (await response.json().catch(() => ({}))) as Record<string, unknown> };
}

beforeAll(async () => {
  [first, second] = await Promise.all([startApiProcess(env), startApiProcess(env)]);
  const registered = await fetch(url(first, '/api/auth/register'), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: `sse-${Date.now()}@example.com`, password: 'correct horse battery', displayName: 'Streaming Sam' }),
  });
  auth = { authorization: `Bearer ${((await registered.json()) as { accessToken: string }).accessToken}` };
});

afterAll(async () => {
  for (const api of [first, second]) {
    api?.child.kill('SIGTERM');
    await api?.exitCode;
  }
  rmSync(uploads, { recursive: true, force: true });
});

test('a client on one API process receives the progress of a job enqueued through another', async () => {
  const form = new FormData();
  form.append('file', new Blob([txtOf(readingText)]), 'reading.txt');
  const uploaded = await call(first, '/api/documents', { method: 'POST', body: form });
  expect(uploaded.status).toBe(202);
  const documentId = (uploaded.body.document as { id: string }).id;

  // Through the second process, with no worker yet: the stream starts with the waiting job.
  const uploadStream = await openEventStream(url(second, `/api/jobs/${uploaded.body.jobId as string}/events`), auth);
  expect(uploadStream.status).toBe(200);
  expect(uploadStream.headers.get('content-type')).toMatch(/^text\/event-stream/);
  expect((await uploadStream.waitFor('state')).data).toMatchObject({ state: 'waiting' });

  const worker = await startWorkerProcess(env);
  try {
    const events = await uploadStream.events();
    expect(events.filter((event) => event.event === 'progress').map((event) => (event.data as { progress: number }).progress)).toEqual([10, 30, 70, 100]);
    expect(events.at(-1)).toMatchObject({ event: 'completed', data: { result: { documentId, status: 'ready' } } });

    await worker.stop();
    const lesson = await call(first, '/api/lessons', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ documentId }) });
    expect(lesson.status).toBe(202);
    const lessonStream = await openEventStream(url(second, `/api/jobs/${lesson.body.jobId as string}/events`), auth);
    await lessonStream.waitFor('state');
    const another = await startWorkerProcess(env);
    try {
      const lessonEvents = await lessonStream.events();
      expect(lessonEvents.map((event) => event.event)).toEqual(['state', 'progress', 'progress', 'progress', 'completed']);
      expect(lessonEvents.at(-1)!.data).toMatchObject({ result: { generator: 'local-1' } });
    } finally {
      await another.stop();
    }
  } finally {
    await worker.stop();
  }

  // A finished job's stream says so at once and ends.
  const replay = await openEventStream(url(second, `/api/jobs/${uploaded.body.jobId as string}/events`), auth);
  expect((await replay.events()).map((event) => event.event)).toEqual(['state']);
});

test('event streams need a signed-in owner: 401 without a token, 404 for a job not theirs, 400 for a malformed id', async () => {
  const anonymous = await fetch(url(second, '/api/jobs/upload-0123456789abcdef01234567/events'));
  expect(anonymous.status).toBe(401);
  expect((await call(second, '/api/jobs/upload-0123456789abcdef01234567/events')).status).toBe(404);
  expect((await call(second, '/api/jobs/not-a-job/events')).status).toBe(400);
});

test('shutting an API process down ends its open event streams, so shutdown is not held up', async () => {
  const form = new FormData();
  form.append('file', new Blob([txtOf(readingText)]), 'again.txt');
  const uploaded = await call(first, '/api/documents', { method: 'POST', body: form });
  const stream = await openEventStream(url(second, `/api/jobs/${uploaded.body.jobId as string}/events`), auth);
  await stream.waitFor('state');
  const started = Date.now();
  second.child.kill('SIGTERM');
  await stream.events();
  expect(stream.raw()).toContain('retry: 1000');
  expect(await second.exitCode).toBe(0);
  expect(Date.now() - started).toBeLessThan(5000);
  await waitFor('the stopped process to refuse connections', async () => (await fetch(url(second, '/live')).catch(() => null)) === null);
});
