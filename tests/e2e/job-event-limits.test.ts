import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { startApiProcess, type ApiProcess } from '../support/api-process';
import { readingText, txtOf } from '../support/documents';
import { uniqueEmail } from '../support/learners';
import { openEventStream } from '../support/sse';
import { testEnvironment } from '../support/test-env';
import { waitFor } from '../support/wait';
import { startWorkerProcess } from '../support/worker-process';

jest.setTimeout(90_000);

const uploads = mkdtempSync(join(tmpdir(), 'ep-sse-limits-'));
const env = testEnvironment({
  STORAGE_LOCAL_DIR: uploads,
  SHUTDOWN_READINESS_DELAY_MS: '0',
  SSE_MAX_STREAMS_PER_ACCOUNT: '2',
  SSE_MAX_LIFETIME_SECONDS: '4',
  SSE_HEARTBEAT_SECONDS: '1',
});
let api: ApiProcess;

const url = (path: string, on: ApiProcess = api): string => `http://127.0.0.1:${on.port}${path}`;

async function signUp(on: ApiProcess = api): Promise<Record<string, string>> {
  const registered = await fetch(url('/api/auth/register', on), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: uniqueEmail('sse'), password: 'correct horse battery', displayName: 'Streaming Sam' }),
  });
  return { authorization: `Bearer ${((await registered.json()) as { accessToken: string }).accessToken}` };
}

/** Uploads a TXT; with no worker running its job stays waiting. */
async function upload(auth: Record<string, string>, on: ApiProcess = api): Promise<{ documentId: string; jobId: string }> {
  const form = new FormData();
  form.append('file', new Blob([txtOf(readingText)]), 'reading.txt');
  const response = await fetch(url('/api/documents', on), { method: 'POST', headers: auth, body: form });
  expect(response.status).toBe(202);
  const body = (await response.json()) as { document: { id: string }; jobId: string };
  return { documentId: body.document.id, jobId: body.jobId };
}

async function streamCounts(on: ApiProcess = api): Promise<{ open: number; listeners: number }> {
  const report = (await (await fetch(url('/health', on))).json()) as { checks: Record<string, { observedValue: number; listeners: number }[]> };
  const [check] = report.checks['events:streams']!;
  return { open: check!.observedValue, listeners: check!.listeners };
}

beforeAll(async () => {
  api = await startApiProcess(env);
});

afterAll(async () => {
  api?.child.kill('SIGTERM');
  await api?.exitCode;
  rmSync(uploads, { recursive: true, force: true });
});

test('an account holds at most SSE_MAX_STREAMS_PER_ACCOUNT streams; more get 429 with Retry-After', async () => {
  const auth = await signUp();
  const { jobId } = await upload(auth);
  const aborts = [new AbortController(), new AbortController()];
  const open = await Promise.all(aborts.map((abort) => fetch(url(`/api/jobs/${jobId}/events`), { headers: auth, signal: abort.signal })));
  expect(open.map((response) => response.status)).toEqual([200, 200]);

  const refused = await fetch(url(`/api/jobs/${jobId}/events`), { headers: auth });
  expect(refused.status).toBe(429);
  expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('TOO_MANY_STREAMS');

  // Another account is not affected; a closed stream frees its slot.
  const other = await signUp();
  const othersJob = await upload(other);
  const theirs = new AbortController();
  expect((await fetch(url(`/api/jobs/${othersJob.jobId}/events`), { headers: other, signal: theirs.signal })).status).toBe(200);
  aborts[0]!.abort();
  await waitFor('the closed stream to free its slot', async () => (await streamCounts()).open === 2);
  const again = new AbortController();
  expect((await fetch(url(`/api/jobs/${jobId}/events`), { headers: auth, signal: again.signal })).status).toBe(200);
  for (const abort of [aborts[1]!, theirs, again]) abort.abort();
  await waitFor('every stream to be released', async () => (await streamCounts()).open === 0);
});

test('a stream on a job that never ends closes after SSE_MAX_LIFETIME_SECONDS, telling the client to reconnect', async () => {
  const auth = await signUp();
  const { jobId } = await upload(auth);
  const started = Date.now();
  const stream = await openEventStream(url(`/api/jobs/${jobId}/events`), auth);
  expect(stream.status).toBe(200);
  expect((await stream.events()).map((event) => event.event)).toEqual(['state']);
  const lasted = Date.now() - started;
  expect(lasted).toBeGreaterThanOrEqual(3500);
  expect(lasted).toBeLessThan(20_000);
  expect(stream.raw()).toContain('retry: 1000');
  expect(stream.raw()).toContain(': keep-alive');
});

test('the heartbeat re-reads the job: a stream whose job is gone ends', async () => {
  const auth = await signUp();
  const { documentId, jobId } = await upload(auth);
  const stream = await openEventStream(url(`/api/jobs/${jobId}/events`), auth);
  await stream.waitFor('state');
  // Deleting the document removes its waiting job; no event says so.
  expect((await fetch(url(`/api/documents/${documentId}`), { method: 'DELETE', headers: auth })).status).toBe(204);
  const started = Date.now();
  await stream.events();
  expect(Date.now() - started).toBeLessThan(3500);
});

test('a client that disconnects while the stream is being set up leaves no listener behind', async () => {
  const auth = await signUp();
  const { jobId } = await upload(auth);
  const before = await streamCounts();
  const attempts = Array.from({ length: 20 }, async (_, index) => {
    const abort = new AbortController();
    const request = fetch(url(`/api/jobs/${jobId}/events`), { headers: auth, signal: abort.signal }).catch(() => null);
    await delay(index % 5);
    abort.abort();
    await request;
  });
  await Promise.all(attempts);
  await waitFor('every listener and slot to be released', async () => {
    const counts = await streamCounts();
    return counts.open === before.open && counts.listeners === before.listeners;
  });
  expect(await streamCounts()).toEqual({ open: 0, listeners: 0 });
});

test("the first stream of a fresh API process sees its job's completed event", async () => {
  const fresh = await startApiProcess({ ...env, SSE_HEARTBEAT_SECONDS: '600', SSE_MAX_LIFETIME_SECONDS: '600' });
  const worker = await startWorkerProcess(env);
  try {
    const auth = await signUp(fresh);
    const { jobId } = await upload(auth, fresh);
    const stream = await openEventStream(url(`/api/jobs/${jobId}/events`, fresh), auth);
    const events = await Promise.race([stream.events(), delay(15_000, null)]);
    expect(events).not.toBeNull();
    const last = events!.at(-1)!;
    // Either the job was already done when the stream started, or its completed event arrived.
    expect(last.event === 'completed' || (last.event === 'state' && (last.data as { state: string }).state === 'completed')).toBe(true);
  } finally {
    await worker.stop();
    fresh.child.kill('SIGTERM');
    await fresh.exitCode;
  }
});
