// @ts-check
/**
 * The traffic of load-test.js as data: every request the k6 script sends is a step here, and
 * tests/e2e/load-contract.test.ts sends each of them once through Nginx to the real stack, so
 * a renamed route or a changed body breaks that test before it breaks a load run.
 * No k6 import here: Node (jest) reads this file too.
 *
 * Paths and bodies are templates: `{name}` is a variable of the virtual user (its account,
 * tokens, what earlier steps captured, or a value `choose` drew for this iteration).
 * `name` is the request's k6 `name` tag: ids never create a series each.
 */

/**
 * @typedef {'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE'} Method
 * @typedef {{ field: string, filename: string, contentType: string, text: string }} Upload
 * @typedef {{ field: string, done: string[], failed: string[], intervalSeconds: number, maxTries: number }} Poll
 * @typedef {object} Step
 * @property {string} name the `name` tag (URL group) and the key of its latency budget
 * @property {Method} method
 * @property {string} path path template, e.g. `/api/profiles/{peerId}`
 * @property {boolean} [auth] sends `Authorization: Bearer {accessToken}`
 * @property {unknown} [json] JSON body template
 * @property {Upload} [upload] a multipart body with one file
 * @property {number[]} expect the statuses that count as success
 * @property {Record<string, string>} [capture] variable ← dotted path in the JSON answer
 * @property {Poll} [poll] repeat until the answer's `field` is in `done`
 * @property {string} [when] run only when this variable is set
 * @typedef {object} Flow
 * @property {string} name
 * @property {number} weight relative share of iterations
 * @property {string[]} [requires] variables another flow must have provided first
 * @property {string[]} [provides] captured variables the virtual user keeps for later flows
 * @property {Record<string, string[]>} [choose] a variable drawn at random for each run
 * @property {Step[]} steps
 */

/** Search terms and profile edits a learner could type (a word list, not random strings). */
export const words = ['garden', 'travel', 'music', 'cooking', 'football', 'science', 'movies', 'reading', 'history', 'photography', 'business', 'english', 'spanish', 'art', 'games'];

export const levels = ['A1', 'A2', 'B1', 'B2', 'C1', 'C2'];

/** A short reading text: long enough for sections and exercises, small as an upload. */
export const readingText = [
  'Gardening is a popular hobby in many countries. People grow vegetables, flowers and herbs in small gardens behind their houses. Some families share a garden with their neighbours and meet there at the weekend.',
  'A successful garden needs good soil, enough water and plenty of sunlight. Experienced gardeners test the soil before they plant anything. They add compost to improve the soil and protect young plants from insects.',
  'Many gardeners believe that growing food is good for the environment. Vegetables from a local garden do not travel long distances, so they need less packaging and less fuel. Gardening also encourages people to spend time outdoors and stay active.',
  'In cities, people without gardens grow plants on balconies and rooftops. Community projects turn empty land into shared gardens where neighbours learn from each other. These projects often organise workshops for children and beginners.',
].join('\n\n');

/** Jobs are followed by polling (k6 has no EventSource); 0.5 s × 240 covers a busy queue. */
const untilFinished = { field: 'state', done: ['completed'], failed: ['failed', 'stuck'], intervalSeconds: 0.5, maxTries: 240 };

/** How setup() gets accounts: a new one each, or a seeded learner signing in. */
export const accountSteps = {
  /** @type {Step} */
  register: {
    name: 'POST /api/auth/register',
    method: 'POST',
    path: '/api/auth/register',
    json: { email: '{email}', password: '{password}', displayName: '{displayName}' },
    expect: [201],
    capture: { accountId: 'account.id', accessToken: 'accessToken', refreshToken: 'refreshToken' },
  },
  /** @type {Step} */
  login: {
    name: 'POST /api/auth/login',
    method: 'POST',
    path: '/api/auth/login',
    json: { email: '{email}', password: '{password}' },
    expect: [200],
    capture: { accountId: 'account.id', accessToken: 'accessToken', refreshToken: 'refreshToken' },
  },
};

/** @type {Flow[]} */
export const flows = [
  {
    name: 'public profile',
    weight: 30,
    steps: [{ name: 'GET /api/profiles/<id>', method: 'GET', path: '/api/profiles/{peerId}', expect: [200] }],
  },
  {
    name: 'search',
    weight: 18,
    choose: { word: words, level: levels },
    steps: [
      { name: 'GET /api/search/profiles', method: 'GET', path: '/api/search/profiles?q={word}', expect: [200] },
      { name: 'GET /api/search/profiles', method: 'GET', path: '/api/search/profiles?q={word}&level={level}&page=2', expect: [200] },
    ],
  },
  {
    name: 'statistics',
    weight: 8,
    steps: [{ name: 'GET /api/stats', method: 'GET', path: '/api/stats', expect: [200] }],
  },
  {
    // Also what keeps a long run signed in: access tokens last 15 minutes.
    name: 'login',
    weight: 4,
    provides: ['accessToken', 'refreshToken'],
    steps: [{ ...accountSteps.login, name: 'POST /api/auth/login' }],
  },
  {
    name: 'profile update',
    weight: 10,
    choose: { word: words, level: levels },
    steps: [
      { name: 'GET /api/profiles/me', method: 'GET', path: '/api/profiles/me', auth: true, expect: [200] },
      { name: 'PATCH /api/profiles/me', method: 'PATCH', path: '/api/profiles/me', auth: true, json: { bio: 'Practising English with texts about {word}.', level: '{level}' }, expect: [200] },
    ],
  },
  {
    name: 'document upload',
    weight: 5,
    provides: ['documentId'],
    steps: [
      {
        name: 'POST /api/documents',
        method: 'POST',
        path: '/api/documents',
        auth: true,
        upload: { field: 'file', filename: 'reading.txt', contentType: 'text/plain', text: readingText },
        expect: [202],
        capture: { documentId: 'document.id', uploadJobId: 'jobId' },
      },
      { name: 'GET /api/jobs/<id>', method: 'GET', path: '/api/jobs/{uploadJobId}', auth: true, expect: [200], poll: untilFinished },
    ],
  },
  {
    // A lesson already generated for the document answers 200 at once; a new one is a job.
    name: 'lesson request',
    weight: 10,
    requires: ['documentId'],
    provides: ['lessonId'],
    steps: [
      {
        name: 'POST /api/lessons',
        method: 'POST',
        path: '/api/lessons',
        auth: true,
        json: { documentId: '{documentId}' },
        expect: [200, 202],
        capture: { lessonId: 'lesson.id', lessonJobId: 'jobId' },
      },
      {
        name: 'GET /api/jobs/<id>',
        method: 'GET',
        path: '/api/jobs/{lessonJobId}',
        auth: true,
        when: 'lessonJobId',
        expect: [200],
        poll: untilFinished,
        capture: { lessonId: 'result.lessonId' },
      },
    ],
  },
  {
    name: 'practice attempt',
    weight: 15,
    requires: ['lessonId'],
    steps: [
      { name: 'GET /api/lessons/<id>', method: 'GET', path: '/api/lessons/{lessonId}', auth: true, expect: [200], capture: { exerciseId: 'exercises.0.id' } },
      {
        name: 'POST /api/lessons/<id>/attempts',
        method: 'POST',
        path: '/api/lessons/{lessonId}/attempts',
        auth: true,
        json: { answers: [{ exerciseId: '{exerciseId}', answer: 'garden' }] },
        expect: [200, 201],
      },
      { name: 'GET /api/progress/me', method: 'GET', path: '/api/progress/me', auth: true, expect: [200] },
    ],
  },
];

/**
 * Latency budgets per URL group (ms), checked as k6 thresholds. Reads come from the cache;
 * sign-in pays a slow password hash on purpose; uploads and lesson requests write and enqueue.
 * @type {Record<string, { p95: number, p99: number }>}
 */
export const budgets = {
  'POST /api/auth/register': { p95: 800, p99: 1500 },
  'POST /api/auth/login': { p95: 800, p99: 1500 },
  'GET /api/profiles/<id>': { p95: 100, p99: 250 },
  'GET /api/search/profiles': { p95: 150, p99: 400 },
  'GET /api/stats': { p95: 100, p99: 250 },
  'GET /api/profiles/me': { p95: 100, p99: 250 },
  'PATCH /api/profiles/me': { p95: 200, p99: 500 },
  'POST /api/documents': { p95: 300, p99: 800 },
  'GET /api/jobs/<id>': { p95: 100, p99: 250 },
  'POST /api/lessons': { p95: 200, p99: 500 },
  'GET /api/lessons/<id>': { p95: 100, p99: 250 },
  'POST /api/lessons/<id>/attempts': { p95: 200, p99: 500 },
  'GET /api/progress/me': { p95: 150, p99: 400 },
};
