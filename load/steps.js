// @ts-check
/**
 * How a step of flows.js becomes a request and what its answer means: the same functions
 * for k6 (load-test.js) and for Node (the contract test), so both send exactly the same.
 * No k6 import here.
 */

/** @typedef {import('./flows.js').Step} Step */
/** @typedef {import('./flows.js').Flow} Flow */
/** @typedef {Record<string, string>} Vars */
/**
 * @typedef {object} PreparedRequest
 * @property {string} method
 * @property {string} url
 * @property {Record<string, string>} headers
 * @property {string} [json] the JSON body, serialised
 * @property {import('./flows.js').Upload} [upload]
 */

const placeholder = /\{(\w+)\}/g;

/** @param {Vars} vars @param {string} name */
function valueOf(vars, name) {
  const value = vars[name];
  if (value === undefined) throw new Error(`no value for {${name}}`);
  return value;
}

/** @param {string} template @param {Vars} vars @param {(value: string) => string} [encode] */
export function fill(template, vars, encode = (value) => value) {
  return template.replace(placeholder, (_match, /** @type {string} */ name) => encode(valueOf(vars, name)));
}

/** @param {unknown} template @param {Vars} vars @returns {unknown} */
export function fillJson(template, vars) {
  if (typeof template === 'string') return fill(template, vars);
  if (Array.isArray(template)) return template.map((item) => fillJson(item, vars));
  if (template !== null && typeof template === 'object') {
    return Object.fromEntries(Object.entries(template).map(([key, value]) => [key, fillJson(value, vars)]));
  }
  return template;
}

/** @param {Step} step @param {Vars} vars @param {string} baseUrl @returns {PreparedRequest} */
export function prepare(step, vars, baseUrl) {
  /** @type {PreparedRequest} */
  const request = { method: step.method, url: baseUrl + fill(step.path, vars, encodeURIComponent), headers: {} };
  if (step.auth) request.headers.authorization = `Bearer ${valueOf(vars, 'accessToken')}`;
  if (step.json !== undefined) {
    request.headers['content-type'] = 'application/json';
    request.json = JSON.stringify(fillJson(step.json, vars));
  }
  if (step.upload) request.upload = step.upload;
  return request;
}

/** The value at a dotted path (`document.id`, `exercises.0.id`), or undefined. @param {unknown} body @param {string} path */
export function at(body, path) {
  /** @type {unknown} */
  let value = body;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = /** @type {Record<string, unknown>} */ (value)[key];
  }
  return value;
}

/** What the step captures from an answer: only the paths present (a 200 and a 202 differ). @param {Step} step @param {unknown} body @returns {Vars} */
export function captured(step, body) {
  /** @type {Vars} */
  const values = {};
  for (const [name, path] of Object.entries(step.capture ?? {})) {
    const value = at(body, path);
    if (typeof value === 'string' || typeof value === 'number') values[name] = String(value);
  }
  return values;
}

/** The statuses with which the box (or a budget) refuses a request on purpose and says when to come back. */
export const refusalStatuses = [429, 503];

/**
 * What an answer means: `served` (a status the step expects), `refused` (429 or 503 with a
 * Retry-After: the box is full, or a budget is spent, and says so on purpose: expected under a
 * spike), or `failed` (anything else: no answer (0, a timeout or a connection error), another
 * 5xx or 4xx, a 503 without Retry-After).
 * @param {number[]} expected @param {number} status @param {string | undefined} retryAfter
 * @returns {'served' | 'refused' | 'failed'}
 */
export function answerKind(expected, status, retryAfter) {
  if (expected.includes(status)) return 'served';
  if (refusalStatuses.includes(status) && retryAfter !== undefined && /^\d+$/.test(retryAfter)) return 'refused';
  return 'failed';
}

/** @param {Step} step @param {unknown} body @returns {'done' | 'again' | 'failed'} */
export function pollOutcome(step, body) {
  if (!step.poll) return 'done';
  const value = String(at(body, step.poll.field));
  if (step.poll.done.includes(value)) return 'done';
  return step.poll.failed.includes(value) ? 'failed' : 'again';
}

/** @param {Step} step @param {Vars} vars */
export const shouldRun = (step, vars) => step.when === undefined || vars[step.when] !== undefined;

/** A flow drawn by weight; `random` is in [0, 1). @param {Flow[]} all @param {number} random */
export function pickFlow(all, random) {
  const total = all.reduce((sum, flow) => sum + flow.weight, 0);
  let left = random * total;
  for (const flow of all) {
    left -= flow.weight;
    if (left < 0) return flow;
  }
  return /** @type {Flow} */ (all[all.length - 1]);
}

/**
 * The flows to run for `flow`, in order: first those that provide what it requires and the
 * virtual user does not have yet (a practice attempt needs a lesson, which needs a document).
 * @param {Flow[]} all @param {Flow} flow @param {Vars} vars @returns {Flow[]}
 */
export function planFor(all, flow, vars) {
  /** @type {Flow[]} */
  const before = [];
  for (const name of flow.requires ?? []) {
    if (vars[name] !== undefined) continue;
    const provider = all.find((candidate) => candidate.provides?.includes(name));
    if (!provider) throw new Error(`no flow provides ${name}`);
    before.push(...planFor(all, provider, vars));
  }
  return [...before, flow];
}

/** This run's random choices. @param {Flow} flow @param {() => number} random @returns {Vars} */
export function choices(flow, random) {
  return Object.fromEntries(Object.entries(flow.choose ?? {}).map(([name, values]) => [name, String(values[Math.floor(random() * values.length)])]));
}

/** What the virtual user keeps after a flow: the variables it provides. @param {Flow} flow @param {Vars} vars @returns {Vars} */
export function kept(flow, vars) {
  return Object.fromEntries((flow.provides ?? []).filter((name) => vars[name] !== undefined).map((name) => [name, /** @type {string} */ (vars[name])]));
}
