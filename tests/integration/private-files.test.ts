import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { txtOf, readingText } from '../support/documents';
import { tinyPng } from '../support/images';
import { bearer, registerLearner } from '../support/learners';
import { startTestApp, type TestApp } from '../support/test-app';

function filesUnder(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(root, join(entry.parentPath, entry.name)));
}

describe('stored files on the local driver', () => {
  let api: TestApp;
  let root: string;
  beforeAll(async () => {
    api = await startTestApp();
    const storage = api.deps.config.storage;
    if (storage.driver !== 'local') throw new Error('this test needs the local storage driver');
    root = storage.localDir;
  });
  afterAll(() => api.close());

  it("serves avatars to anyone but never a learner's document, at any path", async () => {
    const learner = await registerLearner(api.request);
    const avatar = await api.request
      .put('/api/profiles/me/avatar')
      .set(...bearer(learner))
      .attach('avatar', tinyPng(), 'me.png')
      .expect(200);
    await api.request.get(avatar.body.avatarUrl as string).expect(200);
    await api.request
      .post('/api/documents')
      .set(...bearer(learner))
      .attach('file', txtOf(readingText), 'garden.txt')
      .expect(202);

    const documentFiles = filesUnder(root).filter((path) => path.startsWith('documents/'));
    expect(documentFiles).toEqual([expect.stringMatching(new RegExp(`^documents/${learner.account.id}/[0-9a-f-]{36}\\.txt$`))]);
    const [documentPath] = documentFiles;
    for (const path of [`/files/${documentPath}`, `/files/avatars/../${documentPath}`, `/files/avatars/..%2F${documentPath}`]) {
      const response = await api.request.get(path);
      expect(response.status).toBe(404);
      expect(response.text).not.toContain('Gardening');
    }
    // The owner gets no file URL either: the API reads the text for them.
    await api.request
      .get(`/files/${documentPath}`)
      .set(...bearer(learner))
      .expect(404);
  });
});
