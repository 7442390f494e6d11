import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { accountSteps, flows } from '../../load/flows.js';
import { planFor, type Vars } from '../../load/steps.js';
import { startApiProcess, type ApiProcess } from '../support/api-process';
import { runFlow, runStep, type StepAnswer } from '../support/flow-runner';
import { uniqueEmail } from '../support/learners';
import { behindNginx, startNginx, type Nginx } from '../support/nginx';
import { testEnvironment } from '../support/test-env';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process';

/**
 * The k6 script's traffic (load/flows.js) sent once, from that same data, through Nginx to a
 * real API process and worker: a renamed route, a changed body or a changed answer shape
 * fails here, not in the middle of a load run.
 */
jest.setTimeout(120_000);

const uploads = mkdtempSync(join(tmpdir(), 'ep-load-contract-'));
// The deployment's settings behind Nginx (as tests/e2e/edge.test.ts), with its rate limits on.
const env = testEnvironment({
  STORAGE_LOCAL_DIR: uploads,
  ...behindNginx,
  SHUTDOWN_READINESS_DELAY_MS: '0',
});
let app: ApiProcess;
let worker: WorkerProcess;
let edge: Nginx;
const answers: StepAnswer[] = [];
const session: Vars = {};

beforeAll(async () => {
  app = await startApiProcess(env);
  worker = await startWorkerProcess(env);
  edge = await startNginx({ apiPort: app.port, storageDir: uploads });
});

afterAll(async () => {
  await edge?.stop();
  await worker?.stop();
  app?.child.kill('SIGTERM');
  await app?.exitCode;
  rmSync(uploads, { recursive: true, force: true });
});

test("setup()'s account steps: register, then sign in with the same password", async () => {
  Object.assign(session, { email: uniqueEmail('k6'), password: 'practice-makes-perfect', displayName: 'Load Learner 0' });
  await runStep(accountSteps.register, session, edge.url, answers);
  const registered = { ...session };
  await runStep(accountSteps.login, session, edge.url, answers);
  expect(registered.accountId).toMatch(/^[0-9a-f]{24}$/);
  expect(session.accountId).toBe(registered.accountId);
  expect(session.accessToken).toBeDefined();
  expect(session.refreshToken).toBeDefined();
});

// In the order a new virtual user would meet them, with what each requires run first (as
// load-test.js plans it): the lesson request runs twice, first generated (202), then cached (200).
describe.each(flows.map((flow) => [flow.name, flow] as const))('flow: %s', (_name, flow) => {
  test('every step answers what the flow expects, and what it provides is captured', async () => {
    expect(session.accessToken).toBeDefined();
    for (const planned of planFor(flows, flow, session)) {
      const vars: Vars = { ...session, peerId: session.accountId!, word: 'garden', level: 'B1' };
      await runFlow(planned, vars, edge.url, answers);
      for (const name of planned.provides ?? []) {
        expect(vars[name]).toBeDefined();
        session[name] = vars[name]!;
      }
    }
  });
});

test('a second lesson request for the same document is answered at once from the lessons (200)', async () => {
  const lessonRequest = flows.find((flow) => flow.name === 'lesson request')!;
  const vars: Vars = { ...session };
  await runFlow(lessonRequest, vars, edge.url, answers);
  expect(answers.at(-1)).toMatchObject({ name: 'POST /api/lessons', status: 200 });
  expect(vars.lessonId).toBe(session.lessonId);
});

test('every step of every flow was sent, and every answer came through Nginx in the expected status', () => {
  const sent = new Set(answers.map((answer) => answer.name));
  for (const step of flows.flatMap((flow) => flow.steps)) expect(sent).toContain(step.name);
  expect(answers.filter((answer) => answer.name === 'POST /api/lessons').map((answer) => answer.status)).toEqual([202, 200]);
});
