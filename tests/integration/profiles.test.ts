import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { jpegBytes, jpegWithExif, pngSignatureWithHtml, tinyPng, webpBytes } from '../support/images';
import { bearer, registerLearner, type TestSession } from '../support/learners';
import { startTestApp, type TestApp } from '../support/test-app';

function storedFiles(root: string): string[] {
  try {
    return readdirSync(root, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath, entry.name));
  } catch {
    return [];
  }
}

describe('profiles', () => {
  let api: TestApp;
  let learner: TestSession;
  let uploads: string;
  beforeAll(async () => {
    api = await startTestApp({ AVATAR_MAX_BYTES: String(64 * 1024) });
    const storage = api.deps.config.storage;
    uploads = storage.driver === 'local' ? storage.localDir : '';
    learner = await registerLearner(api.request, { displayName: 'Maria Lopez' });
  });
  afterAll(() => api.close());

  it('updates the own profile and shows it publicly without e-mail or tier', async () => {
    const patch = {
      bio: 'Nurse from Valencia practising for an exam',
      nativeLanguage: 'es',
      level: 'B2',
      interests: ['medicine', 'hiking'],
      goals: ['Pass IELTS 7.0'],
      timezone: 'Europe/Madrid',
    };
    const updated = await api.request
      .patch('/api/profiles/me')
      .set(...bearer(learner))
      .send(patch)
      .expect(200);
    expect(updated.body).toMatchObject({ ...patch, displayName: 'Maria Lopez', email: learner.account.email, tier: 'starter' });

    const own = await api.request
      .get('/api/profiles/me')
      .set(...bearer(learner))
      .expect(200);
    expect(own.body).toEqual(updated.body);

    const seen = await api.request.get(`/api/profiles/${learner.account.id}`).expect(200);
    expect(seen.body).toMatchObject({ id: learner.account.id, ...patch, avatarUrl: null });
    expect(seen.body).not.toHaveProperty('email');
    expect(seen.body).not.toHaveProperty('tier');
  });

  it('clears a nullable field with null', async () => {
    const response = await api.request
      .patch('/api/profiles/me')
      .set(...bearer(learner))
      .send({ level: null })
      .expect(200);
    expect(response.body.level).toBeNull();
  });

  it.each([
    ['an unknown CEFR level', { level: 'D1' }],
    ['an unknown time zone', { timezone: 'Mars/Olympus_Mons' }],
    ['an unknown language', { nativeLanguage: 'qq' }],
    ['a language name instead of a code', { nativeLanguage: 'Spanish' }],
    ['too many interests', { interests: Array.from({ length: 21 }, (_, index) => `topic ${index}`) }],
    ['a bio over 500 characters', { bio: 'x'.repeat(501) }],
    ['an empty display name', { displayName: '   ' }],
    ['a field that is not a profile field', { email: 'new@example.com' }],
    ['an update operator as a key', { $set: { tier: 'enterprise' } }],
    ['a nested operator as a value', { displayName: { $gt: '' } }],
    ['nothing to change', {}],
    ['a string for a list', { interests: 'hiking' }],
    ['a NUL in a display name', { displayName: 'Maria\u0000Lopez' }],
    ['an ESC sequence in a bio', { bio: 'Hello \u001b[31mred' }],
    ['a DEL in a goal', { goals: ['Pass\u007f IELTS'] }],
    ['a line break in a display name', { displayName: 'Maria\nLopez' }],
    ['a right-to-left override', { displayName: 'Maria \u202egpj.exe' }],
    ['a bidi isolate in an interest', { interests: ['\u2066hiking\u2069'] }],
    ['a zero-width space inside a word', { interests: ['hi\u200bking'] }],
    ['an interest of one zero-width space', { interests: ['\u200b'] }],
    ['an interest of zero-width joiners and spaces', { interests: [' \u200d\u200d '] }],
    ['a Hangul filler as a display name', { displayName: '\u3164' }],
    ['a byte-order mark inside a goal', { goals: ['Pass\ufeffIELTS'] }],
    // Issue 30, finding 10: invisible or blank text that passed.
    ['a display name of tag characters alone', { displayName: '\u{E0041}\u{E0042}\u{E0043}' }],
    ['text hidden in tag characters after a visible name', { displayName: 'Maria\u{E0068}\u{E0069}' }],
    ['a Braille blank as a display name', { displayName: '\u2800' }],
    ['combining marks alone', { displayName: '\u0301\u0308\u0301' }],
    ['a combining grapheme joiner alone', { displayName: '\u034F' }],
    ['a variation selector alone', { interests: ['\uFE0F'] }],
    ['a run of variation selectors after a letter', { displayName: 'A\uFE0F\uFE0E\uFE0F' }],
    ['invisible Khmer vowels', { displayName: '\u17B4\u17B5' }],
    ['a line separator in a one-line field', { displayName: 'Maria\u2028Lopez' }],
    ['a paragraph separator in a goal', { goals: ['Pass\u2029IELTS'] }],
    ['joiners hiding bits after a name', { displayName: 'Ana\u200D\u200C\u200D\u200C' }],
  ])('refuses %s with 400 and changes nothing', async (_case, patch) => {
    const before = await api.request.get('/api/profiles/me').set(...bearer(learner));
    const response = await api.request
      .patch('/api/profiles/me')
      .set(...bearer(learner))
      .send(patch)
      .expect(400);
    expect(response.body.error.code).toBe('VALIDATION_FAILED');
    const after = await api.request.get('/api/profiles/me').set(...bearer(learner));
    expect(after.body).toEqual(before.body);
  });

  it('stores text NFC-normalised and trimmed, keeping what languages and emoji need', async () => {
    const patch = {
      displayName: '  Jose\u0301 Garci\u0301a ',
      bio: 'Line one\nLine two\twith a tab',
      interests: ['می\u200Cخواهم', '\u{1F469}\u200D\u{1F4BB} coding'],
      goals: ['Scotland \u{1F3F4}\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}', 'love \u2764\uFE0F', 'keycap 1\uFE0F\u20E3'],
    };
    const response = await api.request
      .patch('/api/profiles/me')
      .set(...bearer(learner))
      .send(patch)
      .expect(200);
    expect(response.body).toMatchObject({
      displayName: 'Jos\u00e9 Garc\u00eda',
      bio: 'Line one\nLine two\twith a tab',
      interests: ['می\u200Cخواهم', '\u{1F469}\u200D\u{1F4BB} coding'],
      goals: patch.goals,
    });
    await api.request
      .patch('/api/profiles/me')
      .set(...bearer(learner))
      .send({ displayName: 'Maria Lopez' })
      .expect(200);
  });

  it('refuses control characters in a display name at registration', async () => {
    const response = await api.request
      .post('/api/auth/register')
      .send({ email: `ctl-${Date.now()}@example.com`, password: 'correct horse battery', displayName: 'Eve\u0000' })
      .expect(400);
    expect(response.body.error.code).toBe('VALIDATION_FAILED');
  });

  it('answers 400 for a malformed id and 404 for an unknown one', async () => {
    expect((await api.request.get('/api/profiles/not-an-id').expect(400)).body.error.code).toBe('VALIDATION_FAILED');
    await api.request.get('/api/profiles/%24where').expect(400);
    expect((await api.request.get('/api/profiles/64b000000000000000000000').expect(404)).body.error.code).toBe('NOT_FOUND');
  });

  it('needs a signed-in learner to change a profile', async () => {
    await api.request.patch('/api/profiles/me').send({ bio: 'x' }).expect(401);
    await api.request.put('/api/profiles/me/avatar').attach('avatar', tinyPng(), 'a.png').expect(401);
  });

  describe('avatars', () => {
    let owner: TestSession;
    beforeAll(async () => {
      owner = await registerLearner(api.request);
    });

    it('stores PNG, JPEG and WebP under generated names, replacing the previous one', async () => {
      const png = await api.request
        .put('/api/profiles/me/avatar')
        .set(...bearer(owner))
        .attach('avatar', tinyPng(), { filename: '../../../etc/passwd.png', contentType: 'image/png' })
        .expect(200);
      expect(png.body.avatarUrl).toMatch(new RegExp(`^/files/avatars/${owner.account.id}/[0-9a-f-]{36}\\.png$`));
      const served = await api.request.get(png.body.avatarUrl as string).expect(200);
      // Re-encoded, so not the same bytes, but the same single pixel.
      const pixels = await sharp(served.body as Buffer)
        .raw()
        .toBuffer({ resolveWithObject: true });
      expect(pixels.info).toMatchObject({ width: 1, height: 1, format: 'raw' });
      expect([...pixels.data.subarray(0, 3)]).toEqual([255, 0, 0]);

      for (const [bytes, extension] of [
        [await jpegBytes(), 'jpg'],
        [await webpBytes(), 'webp'],
      ] as const) {
        const response = await api.request
          .put('/api/profiles/me/avatar')
          .set(...bearer(owner))
          .attach('avatar', bytes, 'photo.bin')
          .expect(200);
        expect(response.body.avatarUrl).toMatch(new RegExp(`\\.${extension}$`));
      }
      const files = storedFiles(join(uploads, 'avatars', owner.account.id));
      expect(files).toHaveLength(1);
      expect(files[0]).toMatch(/\.webp$/);
      await api.request.get(png.body.avatarUrl as string).expect(404);
    });

    it('publishes an avatar without the EXIF and GPS data it was uploaded with', async () => {
      const original = await jpegWithExif();
      expect((await sharp(original).metadata()).exif).toBeDefined();
      expect(original.includes('secret-camera-note')).toBe(true);
      const response = await api.request
        .put('/api/profiles/me/avatar')
        .set(...bearer(owner))
        .attach('avatar', original, 'phone.jpg')
        .expect(200);
      const served = (await api.request.get(response.body.avatarUrl as string).expect(200)).body as Buffer;
      const metadata = await sharp(served).metadata();
      expect(metadata).toMatchObject({ format: 'jpeg', width: 8, height: 8 });
      expect(metadata.exif).toBeUndefined();
      expect(served.includes('secret-camera-note')).toBe(false);
    });

    it('deletes the avatar and its file', async () => {
      const response = await api.request
        .delete('/api/profiles/me/avatar')
        .set(...bearer(owner))
        .expect(200);
      expect(response.body.avatarUrl).toBeNull();
      expect(storedFiles(join(uploads, 'avatars', owner.account.id))).toEqual([]);
    });

    it.each([
      [
        'a text file that claims to be a PNG',
        (r: ReturnType<TestApp['request']['put']>) =>
          r.attach('avatar', Buffer.from('just text, not an image'), { filename: 'a.png', contentType: 'image/png' }),
        415,
      ],
      ['a PDF', (r: ReturnType<TestApp['request']['put']>) => r.attach('avatar', Buffer.from('%PDF-1.7\n%...'), 'a.png'), 415],
      ['a PNG signature followed by HTML', (r: ReturnType<TestApp['request']['put']>) => r.attach('avatar', pngSignatureWithHtml(), 'a.png'), 422],
      ['a PNG cut short', (r: ReturnType<TestApp['request']['put']>) => r.attach('avatar', tinyPng().subarray(0, 40), 'a.png'), 422],
      ['a zero-byte file', (r: ReturnType<TestApp['request']['put']>) => r.attach('avatar', Buffer.alloc(0), 'a.png'), 400],
      [
        'a file over the limit',
        (r: ReturnType<TestApp['request']['put']>) => r.attach('avatar', Buffer.concat([tinyPng(), Buffer.alloc(70 * 1024)]), 'big.png'),
        413,
      ],
      ['a file in the wrong field', (r: ReturnType<TestApp['request']['put']>) => r.attach('picture', tinyPng(), 'a.png'), 400],
      ['two files', (r: ReturnType<TestApp['request']['put']>) => r.attach('avatar', tinyPng(), 'a.png').attach('avatar', tinyPng(), 'b.png'), 400],
      ['no file at all', (r: ReturnType<TestApp['request']['put']>) => r.field('note', 'hello'), 400],
      ['JSON instead of multipart', (r: ReturnType<TestApp['request']['put']>) => r.send({ avatar: 'data:image/png;base64,AAAA' }), 415],
      [
        'a truncated multipart body',
        (r: ReturnType<TestApp['request']['put']>) =>
          r
            .set('Content-Type', 'multipart/form-data; boundary=XYZ')
            .send('--XYZ\r\nContent-Disposition: form-data; name="avatar"; filename="a.png"\r\n\r\n\x89PNG'),
        400,
      ],
    ])('refuses %s and stores nothing', async (_case, attach, status) => {
      const response = await attach(api.request.put('/api/profiles/me/avatar').set(...bearer(owner))).expect(status);
      expect(response.body.error.code).toEqual(expect.any(String));
      expect(storedFiles(join(uploads, 'avatars', owner.account.id))).toEqual([]);
      const profile = await api.request.get('/api/profiles/me').set(...bearer(owner));
      expect(profile.body.avatarUrl).toBeNull();
    });

    it('does not serve anything outside the upload folder', async () => {
      await api.request.get('/files/../package.json').expect(404);
      await api.request.get('/files/%2e%2e/package.json').expect(404);
      await api.request.get('/files/.env').expect((response) => expect([403, 404]).toContain(response.status));
    });
  });
});
