/**
 * The realistic mix of load-test.js for Node benchmarks (report.mts, chaos.mts): learners
 * registered through the API, and the stand-alone flows of load/flows.js as planned requests.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { flows, words } from '../../../load/flows.js';
import { prepare } from '../../../load/steps.js';
import { root } from '../bench-kit.mts';
import type { PlannedRequest } from './open-model.mts';

/** The load profile's budgets (load/load-profile.env): the limiters run, nobody is limited. */
export function loadProfileLimits(): Record<string, string> {
  return Object.fromEntries(
    readFileSync(join(root, 'load', 'load-profile.env'), 'utf8')
      .split('\n')
      .filter((line) => /^RATE_LIMIT_\w+=/.test(line))
      .map((line) => line.split('=') as [string, string]),
  );
}

export async function registerLearners(port: number, count: number): Promise<{ id: string; token: string }[]> {
  const learners = [];
  for (let n = 0; n < count; n++) {
    const response = await fetch(`http://127.0.0.1:${port}/api/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: `bench-${Date.now()}-${n}@example.com`, password: 'practice-makes-perfect', displayName: `Bench Learner ${n}` }),
    });
    if (response.status !== 201) throw new Error(`register answered ${response.status}`);
    const body = (await response.json()) as { accessToken: string; account: { id: string } };
    learners.push({ id: body.account.id, token: body.accessToken });
  }
  return learners;
}

/**
 * The mix: the flows of load-test.js that stand alone (public profile reads, search, statistics,
 * profile views and edits), each as often as its weight, built by load/steps.js as k6 builds them.
 */
export function mixRequests(learners: { id: string; token: string }[]): PlannedRequest[] {
  const planned: PlannedRequest[] = [];
  for (const flow of flows.filter((candidate) => !candidate.requires && !candidate.provides)) {
    for (let copy = 0; copy < flow.weight; copy++) {
      const learner = learners[(planned.length * 7) % learners.length]!;
      const vars = { peerId: learner.id, accessToken: learner.token, word: words[copy % words.length]!, level: 'B1' };
      for (const step of flow.steps) {
        const request = prepare(step, vars, '');
        planned.push({ method: request.method as PlannedRequest['method'], path: request.url, headers: request.headers, ...(request.json ? { body: request.json } : {}) });
      }
    }
  }
  return planned;
}
