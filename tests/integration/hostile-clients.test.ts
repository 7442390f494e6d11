import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { tinyPng } from '../support/images';
import { bearer, registerLearner, uniqueEmail, type TestSession } from '../support/learners';
import { startTestApp, type TestApp } from '../support/test-app';

/** Issue 30 ("Hostile clients at the edge, round two"): the findings that need no Nginx. */
describe('hostile clients', () => {
  let api: TestApp;
  let learner: TestSession;
  beforeAll(async () => {
    api = await startTestApp({ TRUST_PROXY_HOPS: '1', RATE_LIMIT_REGISTER_MAX: '4' });
    learner = await registerLearner(api.request, { displayName: 'Case Carla' });
  });
  afterAll(() => api.close());

  it('finding 3: every spelling of an id is one cache entry, and an edit is seen through all of them', async () => {
    const id = learner.account.id;
    const spellings = [id, id.toUpperCase(), id.replace(/[a-f]/g, (letter, index: number) => (index % 2 === 0 ? letter.toUpperCase() : letter))];
    for (const spelling of spellings) expect((await api.request.get(`/api/profiles/${spelling}`).expect(200)).body.displayName).toBe('Case Carla');
    const loadsBefore = api.deps.cache.counters().profile.loads;
    await api.request
      .patch('/api/profiles/me')
      .set(...bearer(learner))
      .send({ displayName: 'Carla Renamed' })
      .expect(200);
    for (const spelling of spellings) {
      const response = await api.request.get(`/api/profiles/${spelling}`).expect(200);
      expect(response.body).toMatchObject({ id, displayName: 'Carla Renamed' });
    }
    // Ten more case variants of the same id: no new database load.
    const loadsAfterEdit = api.deps.cache.counters().profile.loads;
    expect(loadsAfterEdit - loadsBefore).toBe(1);
    for (let i = 0; i < 10; i++) {
      const variant = [...id].map((character, index) => ((index + i) % 3 === 0 ? character.toUpperCase() : character)).join('');
      await api.request.get(`/api/profiles/${variant}`).expect(200);
    }
    expect(api.deps.cache.counters().profile.loads).toBe(loadsAfterEdit);
  });

  it.each([
    ['a profile', '/api/profiles/%ff'],
    ['a profile, a truncated sequence', '/api/profiles/%E0%A4%A'],
    ['a document', '/api/documents/%ff'],
    ['a lesson', '/api/lessons/%ff'],
    ['a job', '/api/jobs/%ff'],
    ["a job's events", '/api/jobs/%c0%af/events'],
  ])('finding 4: invalid percent-encoding in %s path is a 400 in the error shape', async (_what, path) => {
    const response = await api.request
      .get(path)
      .set(...bearer(learner))
      .expect(400);
    expect(response.body).toEqual({ error: { code: 'MALFORMED_URL', message: expect.any(String) } });
    expect(JSON.stringify(response.body)).not.toMatch(/at .*\.js/);
  });

  it('finding 7: registration has a budget of its own per client address', async () => {
    const register = (address: string, email = uniqueEmail()) =>
      api.request.post('/api/auth/register').set('X-Forwarded-For', address).send({ email, password: 'correct horse battery', displayName: 'Newcomer' });
    for (let i = 0; i < 4; i++) await register('203.0.113.70').expect(201);
    const refused = await register('203.0.113.70').expect(429);
    expect(refused.body.error.code).toBe('RATE_LIMITED');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    // Failed registrations (an e-mail taken) count as well: they probe which e-mails exist.
    await register('203.0.113.71', learner.account.email).expect(409);
    for (let i = 0; i < 3; i++) await register('203.0.113.71').expect(201);
    await register('203.0.113.71').expect(429);
    // Another address is not affected, and signing in is not registering.
    await register('203.0.113.72').expect(201);
    await api.request
      .post('/api/auth/login')
      .set('X-Forwarded-For', '203.0.113.70')
      .send({ email: learner.account.email, password: 'correct horse battery' })
      .expect(200);
  });

  it('finding 9: concurrent avatar uploads leave one file, and a delete leaves none', async () => {
    const owner = await registerLearner(api.request);
    const storage = api.deps.config.storage;
    if (storage.driver !== 'local') throw new Error('this test reads the local storage folder');
    const folder = join(storage.localDir, 'avatars', owner.account.id);
    const files = (): string[] => {
      try {
        return readdirSync(folder);
      } catch {
        return [];
      }
    };
    const uploads = await Promise.all(
      Array.from({ length: 10 }, () =>
        api.request
          .put('/api/profiles/me/avatar')
          .set(...bearer(owner))
          .attach('avatar', tinyPng(), 'a.png'),
      ),
    );
    expect(uploads.map((response) => response.status)).toEqual(Array.from({ length: 10 }, () => 200));
    const current = (
      await api.request
        .get('/api/profiles/me')
        .set(...bearer(owner))
        .expect(200)
    ).body.avatarUrl as string;
    expect(files()).toEqual([current.split('/').pop()]);
    const served = await api.request.get(new URL(current, 'http://x').pathname).expect(200);
    expect(served.headers['content-type']).toBe('image/png');

    await api.request
      .delete('/api/profiles/me/avatar')
      .set(...bearer(owner))
      .expect(200);
    expect(files()).toEqual([]);
    for (const response of uploads) await api.request.get(new URL(response.body.avatarUrl as string, 'http://x').pathname).expect(404);
  });

  it('finding 13: a non-ASCII file name as browsers and curl send it (raw UTF-8) is stored as it was', async () => {
    const response = await api.request
      .post('/api/documents')
      .set(...bearer(learner))
      .attach('file', Buffer.from('A short text about gardens and the weather.\n'), { filename: 'lección über Straße 学习.txt', contentType: 'text/plain' })
      .expect(202);
    expect(response.body.document.filename).toBe('lección über Straße 学习.txt');
  });
});
