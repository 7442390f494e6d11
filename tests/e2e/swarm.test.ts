import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { docker, requireDockerEngine, type ComposeProject } from '../support/compose';
import { registerOver, underMixedTraffic } from '../support/edge-traffic';
import type { TestSession } from '../support/learners';
import type { TrafficResult } from '../support/paced-traffic';
import { databaseGateLines, forgetIdleConnections, nodeNumber, onNode, runningTasks, swarm, swarmProject } from '../support/swarm';
import { waitFor } from '../support/wait';

/**
 * A real swarm of three Docker engines on this box (`./scripts/swarm up --nodes 3`, each engine a
 * container running its own dockerd), five API replicas behind the edge, under paced traffic
 * through the edge the whole time: GET, PATCH and POST from six client addresses, half on pooled
 * connections, by clients that never retry. Every count is logged for the record.
 */
jest.setTimeout(900_000);

let project: ComposeProject;
let port: number;
let sessions: TestSession[];
const record = (line: string): void => void process.stdout.write(`swarm: ${line}\n`);
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** Paced traffic through the edge while `action` runs; the replicas' database gate changes meanwhile are recorded. */
async function underTraffic(what: string, action: () => Promise<void>, slowMs?: number): Promise<TrafficResult> {
  const since = new Date().toISOString();
  const result = await underMixedTraffic(port, sessions, what, action, record, slowMs);
  for (const line of await databaseGateLines(project, since)) record(`${what}: ${line}`);
  return result;
}

/** The replicas that answer /live through the edge, by container. */
async function replicasReached(attempts: number): Promise<Set<string>> {
  const reached = new Set<string>();
  for (let i = 0; i < attempts; i++) {
    const live = (await (await fetch(`${project.url}/live`)).json()) as { instanceId: string };
    reached.add(live.instanceId.slice(0, 12));
  }
  return reached;
}

beforeAll(async () => {
  await requireDockerEngine();
  project = await swarmProject();
  port = Number(new URL(project.url).port);
  const started = Date.now();
  await swarm(project, ['up', '--nodes', '3', '--scale', 'app=5'], 1_200_000);
  record(`./scripts/swarm up --nodes 3 --scale app=5: settled after ${seconds(Date.now() - started)}`);
  sessions = [];
  for (let i = 0; i < 6; i++) sessions.push(await registerOver(project.url, `Swarm Client ${i}`));
}, 1_200_000);

afterAll(async () => {
  if (!project) return;
  await swarm(project, ['down']).catch((error: unknown) => record(`down failed: ${String(error)}`));
  rmSync(project.directory, { recursive: true, force: true });
});

test('five replicas spread over at least two nodes, every one answering through the edge', async () => {
  const tasks = await runningTasks(project, 'app');
  record(`replicas per node: ${JSON.stringify(Object.groupBy(tasks, (task) => task.node))}`);
  expect(tasks).toHaveLength(5);
  expect(new Set(tasks.map((task) => task.node)).size).toBeGreaterThanOrEqual(2);
  expect(await replicasReached(60)).toEqual(new Set(tasks.map((task) => task.container)));
});

test('scaling 5 → 10 → 5 under traffic fails no request', async () => {
  const result = await underTraffic('scale 5 → 10 → 5', async () => {
    await swarm(project, ['scale', 'app=10']);
    expect(await runningTasks(project, 'app')).toHaveLength(10);
    await swarm(project, ['scale', 'app=5']);
  });
  expect(result.byMethod.PATCH?.sent).toBeGreaterThan(50);
  expect(result.failures).toEqual([]);
  const tasks = await runningTasks(project, 'app');
  expect(tasks).toHaveLength(5);
  expect(await replicasReached(60)).toEqual(new Set(tasks.map((task) => task.container)));
});

test('./scripts/swarm rollout of a new image under traffic: every replica replaced, no request failed', async () => {
  const before = await runningTasks(project, 'app');
  const current = await onNode(project, 1, ['service', 'inspect', '-f', '{{.Spec.TaskTemplate.ContainerSpec.Image}}', `${project.name}_app`]);
  // A new image: the one deployed plus a label, as a new release differs from the last.
  const release = `english-practice-api:swarm-test-${process.pid}`;
  execFileSync('docker', ['build', '-q', '-t', release, '--label', `english-practice.test-release=${Date.now()}`, '-'], {
    input: `FROM ${current}\n`,
    stdio: ['pipe', 'ignore', 'inherit'],
  });
  const started = Date.now();
  const result = await underTraffic('rollout', async () => {
    await swarm(project, ['rollout', '--image', release]);
  });
  record(`rollout of 5 replicas and the worker: ${seconds(Date.now() - started)}`);
  expect(result.failures).toEqual([]);
  const after = await runningTasks(project, 'app');
  expect(after).toHaveLength(5);
  expect(after.filter((task) => before.some((old) => old.container === task.container))).toEqual([]);
  await docker(['rmi', release]).catch(() => undefined);
});

test('connections idle past the path’s timeout (IPVS’s, lowered to 130 s) do not fail or hold up the next requests', async () => {
  // Above the longest keep-alive of the app's pooled connections (the MongoDB driver's, 120 s):
  // each must outlast the timeout by its keep-alive, as IPVS's 900 s. A request sent on a
  // connection the path forgot would wait for the router's read timeout (3 s) or fail.
  const timeoutSeconds = 130;
  const tasks = [...(await runningTasks(project, 'app')), ...(await runningTasks(project, 'worker'))];
  for (const task of tasks) await forgetIdleConnections(task, timeoutSeconds);
  await delay((timeoutSeconds + 15) * 1000);
  const result = await underTraffic(`the first requests after ${timeoutSeconds + 15} s idle`, () => delay(10_000), 2000);
  expect(result.sent).toBeGreaterThan(100);
  expect(result.failures).toEqual([]);
  expect(result.slow).toEqual([]);
});

test('a node that runs replicas killed under traffic: at most 3 failed requests, none waiting over 5 s, 5 healthy replicas within 60 s', async () => {
  const tasks = await runningTasks(project, 'app');
  const byNode = Object.groupBy(
    tasks.filter((task) => nodeNumber(task.node) !== 1),
    (task) => task.node,
  );
  // The node with the most replicas; never node 1, the manager (one manager here).
  const [victim, replicas] = Object.entries(byNode).sort(([, a], [, b]) => b!.length - a!.length)[0]!;
  let recoveredMs = 0;
  const result = await underTraffic(`${victim} killed with ${replicas!.length} replicas`, async () => {
    const killed = Date.now();
    await docker(['kill', victim]);
    await waitFor(
      '5 healthy replicas on the nodes left',
      async () => {
        const now = await runningTasks(project, 'app');
        return now.length === 5 && now.every((task) => task.node !== victim);
      },
      90_000,
    );
    recoveredMs = Date.now() - killed;
  });
  record(`5 healthy replicas again ${seconds(recoveredMs)} after the kill`);
  expect(result.failures.length).toBeLessThanOrEqual(3);
  expect(result.slow).toEqual([]);
  expect(recoveredMs).toBeLessThanOrEqual(60_000);
});

test('down removes every node, network and volume it made', async () => {
  await swarm(project, ['down']);
  const label = `label=english-practice.swarm=${project.name}`;
  const leftovers = [
    await docker(['ps', '-aq', '--filter', label]),
    await docker(['volume', 'ls', '-q', '--filter', label]),
    await docker(['network', 'ls', '-q', '--filter', label]),
  ].filter((ids) => ids !== '');
  expect(leftovers).toEqual([]);
});
