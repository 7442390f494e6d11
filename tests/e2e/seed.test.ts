import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { projectRoot } from '../support/servers';
import { startTestApp } from '../support/test-app';

const run = promisify(execFile);

describe('scripts/seed', () => {
  it('inserts learners the API can list, search, count and sign in as', async () => {
    const api = await startTestApp();
    try {
      const { stdout } = await run(process.execPath, [join(projectRoot, 'dist', 'cli', 'seed.js'), '--learners', '120', '--batch', '50'], {
        env: { PATH: process.env.PATH ?? '', MONGODB_URI: api.deps.config.mongo.uri, LOG_LEVEL: 'silent' },
      });
      expect(stdout).toMatch(/seeded 120 learners/);
      const email = /e-mails (seed-[0-9a-f]+-)<n>@example\.com/.exec(stdout)![1]! + '7@example.com';

      const listing = await api.request.get('/api/search/profiles?limit=50').expect(200);
      expect(listing.body.total).toBe(120);
      const learner = listing.body.results[0];
      expect(learner).toMatchObject({ displayName: expect.any(String), level: expect.stringMatching(/^[ABC][12]$/), memberSince: expect.any(String) });
      await api.request.get(`/api/profiles/${learner.id}`).expect(200);

      const interest = learner.interests[0] as string;
      expect((await api.request.get(`/api/search/profiles?q=${interest}`).expect(200)).body.total).toBeGreaterThan(0);
      expect((await api.request.get('/api/stats').expect(200)).body.learners.total).toBe(120);
      await api.request.post('/api/auth/login').send({ email, password: 'practice-makes-perfect' }).expect(200);
    } finally {
      await api.close();
    }
  });

  it('refuses a learner count that is not a positive number', async () => {
    await expect(
      run(process.execPath, [join(projectRoot, 'dist', 'cli', 'seed.js'), '--learners', 'lots'], { env: { PATH: process.env.PATH ?? '' } }),
    ).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('--learners must be a positive whole number'),
    });
  });
});
