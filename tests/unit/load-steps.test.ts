import { flows, type Flow } from '../../load/flows.js';
import { answerKind, captured, choices, fill, pickFlow, planFor, pollOutcome, prepare } from '../../load/steps.js';

const named = (name: string): Flow => flows.find((flow) => flow.name === name)!;

test('a practice attempt by a new virtual user first uploads a document and requests a lesson', () => {
  expect(planFor(flows, named('practice attempt'), {}).map((flow) => flow.name)).toEqual(['document upload', 'lesson request', 'practice attempt']);
  expect(planFor(flows, named('practice attempt'), { lessonId: 'x' }).map((flow) => flow.name)).toEqual(['practice attempt']);
});

test('flows are drawn in proportion to their weights', () => {
  const total = flows.reduce((sum, flow) => sum + flow.weight, 0);
  expect(pickFlow(flows, 0).name).toBe(flows[0]!.name);
  expect(pickFlow(flows, (flows[0]!.weight + 0.5) / total).name).toBe(flows[1]!.name);
  expect(pickFlow(flows, 0.999999).name).toBe(flows.at(-1)!.name);
});

test('templates: path values are URL-encoded, JSON values are not; a missing variable is an error', () => {
  expect(fill('/api/search/profiles?q={word}', { word: 'a&b c' }, encodeURIComponent)).toBe('/api/search/profiles?q=a%26b%20c');
  const step = named('profile update').steps[1]!;
  const request = prepare(step, { accessToken: 't', word: 'a&b', level: 'B2' }, 'http://edge');
  expect(request).toMatchObject({
    method: 'PATCH',
    url: 'http://edge/api/profiles/me',
    headers: { authorization: 'Bearer t', 'content-type': 'application/json' },
  });
  expect(JSON.parse(request.json!)).toEqual({ bio: 'Practising English with texts about a&b.', level: 'B2' });
  expect(() => prepare(step, { word: 'x', level: 'B2' }, 'http://edge')).toThrow('no value for {accessToken}');
});

test('captures take what is present (a cached 200 and a queued 202 differ), polls settle on done or failed', () => {
  const lessonRequest = named('lesson request').steps[0]!;
  expect(captured(lessonRequest, { lesson: { id: 'L' }, cached: true })).toEqual({ lessonId: 'L' });
  expect(captured(lessonRequest, { jobId: 'J' })).toEqual({ lessonJobId: 'J' });
  const poll = named('lesson request').steps[1]!;
  expect([{ state: 'active' }, { state: 'completed' }, { state: 'failed' }].map((body) => pollOutcome(poll, body))).toEqual(['again', 'done', 'failed']);
});

test("each run's choices come from the flow's lists", () => {
  expect(choices(named('search'), () => 0)).toEqual({ word: named('search').choose!.word![0], level: 'A1' });
});

test('an answer is served, refused on purpose (429 or 503 with a Retry-After), or failed', () => {
  expect(answerKind([200], 200, undefined)).toBe('served');
  expect(answerKind([200, 202], 202, undefined)).toBe('served');
  expect(answerKind([200], 503, '1')).toBe('refused');
  expect(answerKind([200], 429, '898')).toBe('refused');
  // What a client cannot act on, or the box did not mean: failures.
  expect(answerKind([200], 503, undefined)).toBe('failed');
  expect(answerKind([200], 503, 'soon')).toBe('failed');
  expect(answerKind([200], 502, '1')).toBe('failed');
  expect(answerKind([200], 500, undefined)).toBe('failed');
  expect(answerKind([200], 0, undefined)).toBe('failed');
  expect(answerKind([201], 400, undefined)).toBe('failed');
});
