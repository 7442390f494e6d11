import request from 'supertest';
import { rmSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { compose, composeProject, containersOf, docker, healthOf, leftovers, requireDockerEngine, type ComposeProject } from '../support/compose';
import { readingText, txtOf } from '../support/documents';
import { registerOver, underMixedTraffic } from '../support/edge-traffic';
import { startLoad, type LoadResult, type LoadTarget } from '../support/http-load';
import { finishedJob } from '../support/jobs';
import { bearer, registerLearner, type TestSession } from '../support/learners';
import { waitFor } from '../support/wait';

/**
 * The compose deployment on the real Docker engine (stand-in images where no registry is
 * reachable): `./scripts/compose up --scale app=5` behind Nginx, failures under load, the
 * worker, a Redis restart, and `down`. Every count of failed requests is logged for the record.
 */
jest.setTimeout(600_000);

let project: ComposeProject;
let learner: TestSession;
let sessions: TestSession[];
let load: LoadTarget[];
const minutes = (ms: number): string => `${(ms / 60_000).toFixed(1)} min`;
const record = (line: string): void => void process.stdout.write(`compose: ${line}\n`);

async function replicasReached(attempts: number): Promise<Set<string>> {
  const reached = new Set<string>();
  for (let i = 0; i < attempts; i += 1) {
    const live = await request(project.url).get('/live').expect(200);
    reached.add(String(live.body.instanceId).slice(0, 12));
  }
  return reached;
}

async function allAppsHealthy(count: number): Promise<void> {
  await waitFor(
    `${count} healthy app replicas`,
    async () => {
      const apps = await containersOf(project, 'app');
      return apps.length === count && (await Promise.all(apps.map(healthOf))).every((status) => status === 'healthy');
    },
    180_000,
  );
}

async function underLoad(what: string, action: () => Promise<void>): Promise<LoadResult> {
  const traffic = startLoad(project.url, load);
  await delay(2000);
  await action();
  await delay(3000);
  const result = await traffic.stop();
  record(
    `${what}: ${result.ok} ok, ${result.failed} failed, ${result.retriedOnClosedConnection} resent after Nginx closed an idle connection${result.failures.length ? `: ${result.failures.join('; ')}` : ''}`,
  );
  return result;
}

beforeAll(async () => {
  await requireDockerEngine();
  project = await composeProject();
  const started = Date.now();
  await compose(project, ['up', '--scale', 'app=5'], 900_000);
  record(`./scripts/compose up --scale app=5: healthy after ${minutes(Date.now() - started)}`);
  learner = await registerLearner(request(project.url));
  sessions = [];
  for (let i = 0; i < 6; i++) sessions.push(await registerOver(project.url, `Compose Client ${i}`));
  load = [{ path: '/live' }, { path: '/api/auth/me', headers: { Authorization: `Bearer ${learner.accessToken}` } }];
}, 900_000);

afterAll(async () => {
  if (!project) return;
  await compose(project, ['down', '-v']).catch((error: unknown) => record(`down failed: ${String(error)}`));
  rmSync(project.directory, { recursive: true, force: true });
});

test('up --scale app=5: five healthy replicas, every one reached through Nginx', async () => {
  const apps = await containersOf(project, 'app');
  expect(apps).toHaveLength(5);
  expect(await Promise.all(apps.map(healthOf))).toEqual(Array(5).fill('healthy'));
  expect(await replicasReached(50)).toEqual(new Set(apps.map((id) => id.slice(0, 12))));
});

// A killed container's address drops packets: nothing resets the connections Nginx holds to it.
// Clients that never retry, GET, PATCH and POST from six addresses (tests/support/edge-traffic.ts).
test('a replica SIGKILLed, then scaling 5 → 4 → 5, under traffic: at most 3 failed requests, none waiting over 5 s, Nginx reaches the new replica', async () => {
  const [victim] = await containersOf(project, 'app');
  const result = await underMixedTraffic(
    Number(new URL(project.url).port),
    sessions,
    'docker kill of a replica, then scale 5 → 4 → 5',
    async () => {
      await docker(['kill', victim!]);
      await delay(5000);
      await compose(project, ['scale', 'app=4']);
      await compose(project, ['scale', 'app=5']);
    },
    record,
  );
  expect(result.byMethod.PATCH?.sent).toBeGreaterThan(50);
  expect(result.failures.length).toBeLessThanOrEqual(3);
  expect(result.slow).toEqual([]);
  await allAppsHealthy(5);
  const apps = await containersOf(project, 'app');
  expect(await replicasReached(50)).toEqual(new Set(apps.map((id) => id.slice(0, 12))));
});

test('./scripts/compose rollout under load: every replica replaced, no request failed', async () => {
  const before = await containersOf(project, 'app');
  const started = Date.now();
  const result = await underLoad('rollout', async () => {
    await compose(project, ['rollout']);
  });
  record(`rollout of 5 app replicas and the worker: ${minutes(Date.now() - started)}`);
  expect(result.failed).toBe(0);
  const after = await containersOf(project, 'app');
  expect(after).toHaveLength(5);
  expect(after.filter((id) => before.includes(id))).toEqual([]);
});

async function uploadDocument(name: string): Promise<{ documentId: string; jobId: string }> {
  const response = await request(project.url)
    .post('/api/documents')
    .set(...bearer(learner))
    .attach('file', txtOf(readingText), name);
  expect(response.status).toBe(202);
  return { documentId: response.body.document.id as string, jobId: response.body.jobId as string };
}

// Job look-ups answer 503 when Redis is slower than their 1 s bound (this box is shared and
// busy): polled again, as a client following Retry-After would.
test('a document uploaded through Nginx becomes ready in the compose worker, and its lesson is generated', async () => {
  const api = request(project.url);
  const { documentId, jobId } = await uploadDocument('garden.txt');
  expect(await finishedJob(api, learner, jobId, 60_000, { retryUnavailable: true })).toMatchObject({ state: 'completed', result: { status: 'ready' } });
  const queued = await api
    .post('/api/lessons')
    .set(...bearer(learner))
    .send({ documentId, level: 'B1' });
  expect(queued.status).toBe(202);
  const job = await finishedJob(api, learner, queued.body.jobId as string, 60_000, { retryUnavailable: true });
  expect(job).toMatchObject({ state: 'completed' });
  const lesson = await api
    .get(`/api/lessons/${job.result!.lessonId as string}`)
    .set(...bearer(learner))
    .expect(200);
  expect(lesson.body).toMatchObject({ documentId, level: 'B1' });
});

test('docker-compose restart redis: every acknowledged job survives', async () => {
  // No worker takes the jobs before the restart: they all wait in Redis through it.
  await compose(project, ['scale', 'worker=0']);
  const accepted = [];
  for (let i = 0; i < 8; i += 1) accepted.push(await uploadDocument(`survivor-${i}.txt`));
  await compose(project, ['restart', 'redis']);
  await compose(project, ['scale', 'worker=1']);
  const api = request(project.url);
  for (const { jobId, documentId } of accepted) {
    expect(await finishedJob(api, learner, jobId, 120_000, { retryUnavailable: true })).toMatchObject({ state: 'completed', result: { status: 'ready' } });
    expect(
      (
        await api
          .get(`/api/documents/${documentId}`)
          .set(...bearer(learner))
          .expect(200)
      ).body.status,
    ).toBe('ready');
  }
});

test('down leaves no container or network behind', async () => {
  await compose(project, ['down', '-v']);
  expect(await leftovers(project)).toEqual([]);
});
