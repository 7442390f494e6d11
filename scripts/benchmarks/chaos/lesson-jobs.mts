/**
 * Lesson jobs as a client makes and follows them through Nginx: a processed document of many
 * sections, one lesson request per section and level (each a new job), and the jobs' states.
 * Shared by the chaos benchmark and the Sentinel failover test.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { levels, readingText } from '../../../load/flows.js';
import type { PlannedRequest } from '../report/open-model.mts';

/** A call to the API through Nginx, as a client makes it. */
export async function api<T>(port: number, path: string, init: { token: string; form?: FormData }): Promise<{ status: number; body: T }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { method: init.form ? 'POST' : 'GET', headers: { authorization: `Bearer ${init.token}` }, body: init.form ?? null });
  const text = await response.text();
  return { status: response.status, body: (text.startsWith('{') ? JSON.parse(text) : text) as T };
}

/** The state of each job once finished (or 'missing'), waiting at most `windowMs`; unfinished ones keep their last state. */
export async function jobStates(port: number, token: string, jobIds: string[], windowMs: number): Promise<Map<string, string>> {
  const states = new Map<string, string>();
  const finished = (id: string): boolean => ['completed', 'failed', 'missing'].includes(states.get(id) ?? '');
  for (const deadline = Date.now() + windowMs; ; await delay(500)) {
    for (const id of jobIds.filter((candidate) => !finished(candidate))) {
      const answer = await api<{ state?: string }>(port, `/api/jobs/${encodeURIComponent(id)}`, { token });
      states.set(id, answer.status === 404 ? 'missing' : answer.status === 200 ? (answer.body.state ?? 'unknown') : `unanswered (${answer.status})`);
    }
    if (jobIds.every(finished) || Date.now() > deadline) return states;
  }
}

/** A document of `sections` distinct sections (each a paragraph of ~46 words), uploaded and processed by a worker; its id. */
export async function readyDocument(port: number, token: string, sections: number): Promise<string> {
  const paragraphs = readingText.split('\n\n');
  const text = Array.from({ length: sections }, (_, i) => `${paragraphs[i % paragraphs.length]} This is note ${i + 1} of the chaos run.`).join('\n\n');
  const form = new FormData();
  form.append('file', new Blob([text], { type: 'text/plain' }), 'chaos.txt');
  const uploaded = await api<{ document: { id: string } }>(port, '/api/documents', { token, form });
  if (uploaded.status !== 202) throw new Error(`the upload answered ${uploaded.status}`);
  const id = uploaded.body.document.id;
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await delay(200)) {
    const status = (await api<{ status: string }>(port, `/api/documents/${id}`, { token })).body.status;
    if (status === 'failed') throw new Error('the document failed to process');
    if (status === 'ready') return id;
  }
  throw new Error('the document was not processed within 60 s');
}

/** One lesson request per section and level of the document: each a distinct lesson, so a new job. */
export function lessonRequests(documentId: string, token: string, sections: number): PlannedRequest[] {
  return Array.from({ length: sections * levels.length }, (_, i) => ({
    method: 'POST',
    path: '/api/lessons',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ documentId, section: Math.floor(i / levels.length), level: levels[i % levels.length] }),
  }));
}
