// @ts-check
/**
 * The k6 options of load-test.js: one scenario chosen by SCENARIO, and thresholds built from
 * the latency budgets of flows.js. No k6 import here: tests/unit/load-options.test.ts reads it.
 */
import { budgets } from './flows.js';

/** @typedef {import('k6/options').Options} Options */
/** @typedef {import('k6/options').Scenario} Scenario */
/** @typedef {import('k6/options').Threshold} Threshold */

/**
 * The scenarios. VU-based ones are closed models (a slow answer delays the VU's next request);
 * spike and breakpoint are open models (`*-arrival-rate`): iterations start on schedule
 * whatever the server does, and those k6 cannot start count as dropped_iterations.
 * @type {Record<string, Scenario>}
 */
export const scenarios = {
  smoke: { executor: 'constant-vus', vus: 2, duration: '30s' },
  load: {
    executor: 'ramping-vus',
    startVUs: 0,
    stages: [
      { duration: '2m', target: 50 },
      { duration: '10m', target: 50 },
      { duration: '2m', target: 0 },
    ],
    gracefulRampDown: '30s',
  },
  stress: {
    executor: 'ramping-vus',
    startVUs: 0,
    stages: [
      { duration: '2m', target: 200 },
      { duration: '3m', target: 500 },
      { duration: '3m', target: 1000 },
      { duration: '3m', target: 2000 },
      { duration: '3m', target: 2000 },
      { duration: '2m', target: 0 },
    ],
    gracefulRampDown: '30s',
  },
  spike: {
    executor: 'ramping-arrival-rate',
    startRate: 10,
    timeUnit: '1s',
    preAllocatedVUs: 50,
    maxVUs: 1000,
    stages: [
      { duration: '1m', target: 10 }, // baseline
      { duration: '10s', target: 200 }, // 20× within seconds
      { duration: '1m', target: 200 }, // hold
      { duration: '10s', target: 10 }, // drop
      { duration: '2m', target: 10 }, // recovery window: do p95 and errors come back?
    ],
  },
  breakpoint: {
    executor: 'ramping-arrival-rate',
    startRate: 10,
    timeUnit: '1s',
    preAllocatedVUs: 100,
    maxVUs: 2000,
    stages: [{ duration: '20m', target: 2000 }],
  },
};

/**
 * Scenarios that offer more than the box can serve on purpose: there a refusal (429 or 503 with
 * Retry-After, load/steps.js answerKind) is an expected answer, not a failure; timeouts,
 * connection errors and other 5xx still fail the run (`unexpected_failures`).
 */
export const refusalsExpected = new Set(['spike']);

/** Scenarios stopped as soon as a threshold breaks: past that point they only measure collapse. */
const abortsOnFail = new Set(['stress', 'breakpoint']);

/** @param {string} name @param {string[]} expressions @returns {Threshold[]} */
function thresholdsOf(name, expressions) {
  if (!abortsOnFail.has(name)) return expressions;
  // delayAbortEval: the first seconds of a ramp have too few samples to judge.
  return expressions.map((threshold) => ({ threshold, abortOnFail: true, delayAbortEval: '30s' }));
}

/** @param {string} name @returns {Record<string, Threshold[]>} */
export function thresholdsFor(name) {
  /** @type {Record<string, string[]>} */
  const expressions = {
    http_req_failed: ['rate<0.01'],
    checks: ['rate>0.99'],
    // Iterations an arrival-rate scenario could not start: the box (or k6's VU pool) is saturated.
    dropped_iterations: ['count<10'],
  };
  // Answers that are neither served nor refused on purpose (timeouts, connection errors, 5xx).
  if (refusalsExpected.has(name)) expressions.unexpected_failures = ['count<1'];
  for (const [group, budget] of Object.entries(budgets)) {
    expressions[`http_req_duration{name:${group}}`] = [`p(95)<${budget.p95}`, `p(99)<${budget.p99}`];
  }
  return Object.fromEntries(Object.entries(expressions).map(([metric, list]) => [metric, thresholdsOf(name, list)]));
}

/** The most VUs a scenario runs at once: one account each. @param {Scenario} scenario */
export function vusOf(scenario) {
  switch (scenario.executor) {
    case 'constant-vus':
    case 'per-vu-iterations':
    case 'shared-iterations':
      return scenario.vus ?? 1;
    case 'ramping-vus':
      return Math.max(scenario.startVUs ?? 1, ...scenario.stages.map((stage) => stage.target));
    case 'constant-arrival-rate':
    case 'ramping-arrival-rate':
      return scenario.maxVUs ?? scenario.preAllocatedVUs;
  }
}

/** @param {string | undefined} requested SCENARIO, smoke when unset @returns {Options} */
export function optionsFor(requested) {
  const name = requested || 'smoke';
  const scenario = scenarios[name];
  if (!scenario) throw new Error(`SCENARIO must be one of ${Object.keys(scenarios).join(', ')}; got ${name}`);
  return {
    scenarios: { [name]: scenario },
    thresholds: thresholdsFor(name),
    // Registering 2,000 accounts pays 2,000 password hashes.
    setupTimeout: '10m',
    summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)'],
  };
}
