import { captured, pollOutcome, prepare, shouldRun, type PreparedRequest, type Vars } from '../../load/steps.js';
import type { Flow, Step } from '../../load/flows.js';
import { setTimeout as delay } from 'node:timers/promises';

/** One answer to a step, as the contract test checks it. */
export interface StepAnswer {
  name: string;
  status: number;
  body: unknown;
}

function bodyOf(request: PreparedRequest): FormData | string | null {
  if (request.upload) {
    const form = new FormData();
    form.append(request.upload.field, new Blob([request.upload.text], { type: request.upload.contentType }), request.upload.filename);
    return form;
  }
  return request.json ?? null;
}

async function send(request: PreparedRequest): Promise<{ status: number; body: unknown }> {
  const response = await fetch(request.url, { method: request.method, headers: request.headers, body: bodyOf(request) });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON (a 204): the text is what the step got.
  }
  return { status: response.status, body };
}

/**
 * Sends a step of load/flows.js with fetch, exactly as load-test.js sends it with k6 (the
 * request is built by the same load/steps.js), and records every answer. Stops at the first
 * answer the step does not expect.
 */
export async function runStep(step: Step, vars: Vars, baseUrl: string, answers: StepAnswer[]): Promise<void> {
  const tries = step.poll?.maxTries ?? 1;
  for (let attempt = 0; attempt < tries; attempt++) {
    const { status, body } = await send(prepare(step, vars, baseUrl));
    answers.push({ name: step.name, status, body });
    if (!step.expect.includes(status)) throw new Error(`${step.name} answered ${status}: ${JSON.stringify(body)}`);
    const outcome = pollOutcome(step, body);
    if (outcome === 'failed') throw new Error(`${step.name} finished as failed: ${JSON.stringify(body)}`);
    if (outcome === 'done') {
      Object.assign(vars, captured(step, body));
      return;
    }
    await delay((step.poll?.intervalSeconds ?? 0) * 1000);
  }
  throw new Error(`${step.name} did not finish after ${tries} polls`);
}

export async function runFlow(flow: Flow, vars: Vars, baseUrl: string, answers: StepAnswer[]): Promise<void> {
  for (const step of flow.steps) if (shouldRun(step, vars)) await runStep(step, vars, baseUrl, answers);
}
