import { statsSources } from '../../src/components/stats/stats.service';
import { bearer, registerLearner } from '../support/learners';
import { startTestApp, type TestApp } from '../support/test-app';

describe('statistics', () => {
  let api: TestApp;
  beforeAll(async () => {
    // Uncached, so each call shows the database's current figures.
    api = await startTestApp({ CACHE_TTL_STATS_SECONDS: '0' });
  });
  afterAll(() => api.close());

  it('starts at zero', async () => {
    const response = await api.request.get('/api/stats').expect(200);
    expect(response.body).toMatchObject({
      learners: { total: 0, byLevel: { A1: 0, A2: 0, B1: 0, B2: 0, C1: 0, C2: 0, unknown: 0 } },
      documentsProcessed: 0,
      lessonsGenerated: 0,
      practiceAttempts: 0,
      averageScore: null,
    });
  });

  it('counts learners by level', async () => {
    for (const level of ['B1', 'B1', 'C2', null]) {
      const learner = await registerLearner(api.request);
      if (level)
        await api.request
          .patch('/api/profiles/me')
          .set(...bearer(learner))
          .send({ level })
          .expect(200);
    }
    const response = await api.request.get('/api/stats').expect(200);
    expect(response.body.learners).toEqual({ total: 4, byLevel: { A1: 0, A2: 0, B1: 2, B2: 0, C1: 0, C2: 1, unknown: 1 } });
  });

  it('totals documents, lessons and attempts with the average score, in the database', async () => {
    const db = api.deps.database.connection;
    await db.collection(statsSources.documents).insertMany([{ status: 'ready' }, { status: 'queued' }, { status: 'failed' }]);
    await db.collection(statsSources.lessons).insertOne({ title: 'x' });
    await db.collection(statsSources.attempts).insertMany([{ score: 80 }, { score: 60 }, { score: 75 }]);
    const response = await api.request.get('/api/stats').expect(200);
    expect(response.body).toMatchObject({ documentsProcessed: 1, lessonsGenerated: 1, practiceAttempts: 3, averageScore: 71.7 });
  });

  it('serves cached figures for CACHE_TTL_STATS_SECONDS', async () => {
    const cached = await startTestApp({ CACHE_TTL_STATS_SECONDS: '600' });
    try {
      const first = await cached.request.get('/api/stats').expect(200);
      await registerLearner(cached.request);
      const second = await cached.request.get('/api/stats').expect(200);
      expect(second.body).toEqual(first.body);
      expect(cached.deps.cache.counters().stats).toMatchObject({ loads: 1, hits: 1 });
    } finally {
      await cached.close();
    }
  });
});
