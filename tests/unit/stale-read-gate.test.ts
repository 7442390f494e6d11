import express from 'express';
import supertest from 'supertest';
import { errorHandler } from '../../src/infra/http/error-handler';
import { requireDatabase } from '../../src/infra/http/lifecycle-middleware';
import { staleTolerantReads } from '../../src/api-routes';

/** The gate in front of /api, driven by what the topology allows (see database-availability). */
function appWith(state: { canWrite: boolean; schemaProblem: string | null }) {
  const app = express();
  app.use(requireDatabase({ canWrite: () => state.canWrite, schemaProblem: () => state.schemaProblem }, staleTolerantReads));
  app.use((_req, res) => {
    res.json({ passed: true });
  });
  app.use(errorHandler);
  return supertest(app);
}

describe('the database gate of /api', () => {
  it('without a primary: stale-tolerant reads pass to the cache, writes and primary reads are 503 with Retry-After', async () => {
    const request = appWith({ canWrite: false, schemaProblem: null });
    for (const path of ['/profiles/5f0c3a9e8b1d2c0012345678', '/search/profiles', '/stats']) await request.get(path).expect(200);
    for (const response of [await request.patch('/profiles/me'), await request.get('/profiles/me'), await request.get('/documents')]) {
      expect(response.status).toBe(503);
      expect(response.headers['retry-after']).toBe('5');
      expect(response.body.error.code).toBe('DATABASE_UNAVAILABLE');
    }
  });

  it('with a primary every route passes; an unmigrated database refuses every route with the reason', async () => {
    await appWith({ canWrite: true, schemaProblem: null }).post('/auth/register').expect(200);
    const refused = await appWith({ canWrite: true, schemaProblem: 'missing indexes: accounts.email_unique' }).get('/stats').expect(503);
    expect(refused.body.error).toMatchObject({ code: 'SCHEMA_NOT_MIGRATED', message: expect.stringMatching(/email_unique/) });
  });
});
