// @ts-check
/**
 * k6 load test of the API through Nginx: `k6 run load-test.js` (docs/load-tests.md).
 *   SCENARIO   smoke (default) | load | stress | spike | breakpoint   (load/options.js); under a
 *              spike, 429/503 with Retry-After are expected answers (refused_answers), and
 *              timeouts, connection errors and other 5xx fail it (unexpected_failures)
 *   BASE_URL   default http://127.0.0.1:3000 (the local stack's Nginx)
 *   ACCOUNTS   accounts to prepare (default: the scenario's most VUs; each VU uses its own)
 *   SEED_RUN_ID  sign in the learners of `./scripts/seed` (seed-<id>-<n>@example.com) instead
 *              of registering new accounts
 *   THINK_SECONDS  pause between a VU's iterations in VU-based scenarios (default 1)
 * The traffic is data (load/flows.js), proven against the real stack by
 * tests/e2e/load-contract.test.ts; only the k6 calls live here.
 */
import http from 'k6/http';
import { check, fail, sleep } from 'k6';
import { Counter } from 'k6/metrics';
import { accountSteps, flows } from './load/flows.js';
import { optionsFor, refusalsExpected, scenarios, vusOf } from './load/options.js';
import { answerKind, captured, choices, kept, pickFlow, planFor, pollOutcome, prepare, refusalStatuses, shouldRun } from './load/steps.js';
import { htmlReport, textReport } from './load/summary.js';

/** @typedef {import('./load/steps.js').Vars} Vars */
/** @typedef {import('./load/flows.js').Step} Step */

const scenario = __ENV.SCENARIO || 'smoke';
const baseUrl = (__ENV.BASE_URL || 'http://127.0.0.1:3000').replace(/\/$/, '');
const thinkSeconds = Number(__ENV.THINK_SECONDS ?? 1);
/** The seed's known password (src/cli/seed.ts); registered accounts use it too. */
const password = 'practice-makes-perfect';

export const options = optionsFor(scenario);

/** Refusals on purpose (429/503 with Retry-After) and answers that are neither served nor refused. */
const refusedAnswers = new Counter('refused_answers');
const unexpectedFailures = new Counter('unexpected_failures');
const refusalsAreExpected = refusalsExpected.has(scenario);
// A spike's refusals are expected answers: http_req_failed counts only the rest.
if (refusalsAreExpected) http.setResponseCallback(http.expectedStatuses({ min: 200, max: 399 }, ...refusalStatuses));

/** @param {import('./load/steps.js').PreparedRequest} request @param {string} name */
function send(request, name) {
  const params = { headers: request.headers, tags: { name } };
  if (request.upload) {
    const { field, filename, contentType, text } = request.upload;
    return http.request(request.method, request.url, { [field]: http.file(text, filename, contentType) }, params);
  }
  return http.request(request.method, request.url, request.json ?? null, params);
}

/** @param {import('k6/http').RefinedResponse<'text'>} response */
function jsonOf(response) {
  try {
    return response.json();
  } catch {
    return null;
  }
}

/** Sends a step (repeating a poll until it settles); false when it failed. @param {Step} step @param {Vars} vars */
function runStep(step, vars) {
  const tries = step.poll ? step.poll.maxTries : 1;
  for (let attempt = 0; attempt < tries; attempt++) {
    const response = send(prepare(step, vars, baseUrl), step.name);
    const kind = answerKind(step.expect, response.status, response.headers['Retry-After']);
    if (kind === 'refused') refusedAnswers.add(1, { name: step.name });
    if (kind === 'failed' && (response.status === 0 || response.status >= 500)) unexpectedFailures.add(1, { name: step.name });
    // Refused on purpose under a spike: the virtual user gives up this iteration, as a client told to come back later would.
    if (kind === 'refused' && refusalsAreExpected) return false;
    const answered = check(response, { [`${step.name} answers ${step.expect.join(' or ')}`]: () => kind === 'served' });
    if (!answered) return false;
    const body = jsonOf(/** @type {import('k6/http').RefinedResponse<'text'>} */ (response));
    const outcome = pollOutcome(step, body);
    if (outcome !== 'again') {
      Object.assign(vars, captured(step, body));
      return check(outcome, { [`${step.name} finishes`]: (value) => value === 'done' });
    }
    sleep(/** @type {import('./load/flows.js').Poll} */ (step.poll).intervalSeconds);
  }
  return check(null, { [`${step.name} finishes in time`]: () => false });
}

/** @param {number} count @returns {Vars[]} */
function prepareAccounts(count) {
  const runId = Date.now().toString(36);
  /** @type {Vars[]} */
  const accounts = [];
  // 20 at a time: fast enough for 2,000 accounts, gentle on the password hashing.
  for (let start = 0; start < count; start += 20) {
    /** @type {Vars[]} */
    const batch = [];
    for (let n = start; n < Math.min(count, start + 20); n++) {
      const email = __ENV.SEED_RUN_ID ? `seed-${__ENV.SEED_RUN_ID}-${n}@example.com` : `k6-${runId}-${n}@example.com`;
      batch.push({ email, password, displayName: `Load Learner ${n}` });
    }
    const step = __ENV.SEED_RUN_ID ? accountSteps.login : accountSteps.register;
    const responses = http.batch(
      batch.map((vars) => {
        const request = prepare(step, vars, baseUrl);
        return { method: request.method, url: request.url, body: request.json ?? null, params: { headers: request.headers, tags: { name: step.name } } };
      }),
    );
    responses.forEach((response, index) => {
      if (!step.expect.includes(response.status)) fail(`${step.name} answered ${response.status}: ${String(response.body)}`);
      accounts.push({ ...batch[index], ...captured(step, response.json()) });
    });
  }
  return accounts;
}

export function setup() {
  const wanted = Number(__ENV.ACCOUNTS || 0) || vusOf(/** @type {import('k6/options').Scenario} */ (scenarios[scenario]));
  return { accounts: prepareAccounts(wanted) };
}

/** What this VU knows across iterations (k6 gives each VU its own module instance). @type {Vars | null} */
let session = null;

/** @param {{ accounts: Vars[] }} data */
export default function (data) {
  if (session === null) session = { ...(/** @type {Vars} */ (data.accounts[(__VU - 1) % data.accounts.length])) };
  const peer = /** @type {Vars} */ (data.accounts[Math.floor(Math.random() * data.accounts.length)]);
  for (const flow of planFor(flows, pickFlow(flows, Math.random()), session)) {
    /** @type {Vars} */
    const vars = { ...session, peerId: /** @type {string} */ (peer.accountId), ...choices(flow, Math.random) };
    const completed = flow.steps.every((step) => !shouldRun(step, vars) || runStep(step, vars));
    if (!completed) break;
    Object.assign(session, kept(flow, vars));
  }
  // Arrival-rate scenarios pace themselves; VU-based ones think between pages.
  if (!String(options.scenarios?.[scenario]?.executor).includes('arrival-rate')) sleep(thinkSeconds);
}

/** @param {import('./load/summary.js').SummaryData} data */
export function handleSummary(data) {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const text = textReport(data, scenario);
  return {
    stdout: text,
    [`load-results/${scenario}-${stamp}.json`]: JSON.stringify(data, null, 2),
    [`load-results/${scenario}-${stamp}.txt`]: text,
    [`load-results/${scenario}-${stamp}.html`]: htmlReport(data, scenario),
  };
}
