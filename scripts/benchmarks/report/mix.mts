/**
 * The realistic mix of load-test.js for Node benchmarks (report.mts, chaos.mts): the
 * stand-alone flows of load/flows.js as planned requests.
 */
import { flows, words } from '../../../load/flows.js';
import { prepare } from '../../../load/steps.js';
import type { PlannedRequest } from './open-model.mts';

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
