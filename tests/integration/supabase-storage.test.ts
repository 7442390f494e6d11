import { createSupabaseStorage } from '../../src/infra/storage/supabase-storage';
import { startFakeSupabaseStorage } from '../support/fake-supabase-storage';
import { tinyPng } from '../support/images';
import { bearer, registerLearner } from '../support/learners';
import { startTestApp } from '../support/test-app';

const serviceKey = 'service-role-key-for-tests';
const key = 'avatars/64b000000000000000000001/0b7c3f5e-1111-4222-8333-944445555666.png';

describe('the supabase storage driver', () => {
  let fake: Awaited<ReturnType<typeof startFakeSupabaseStorage>>;
  beforeEach(async () => {
    fake = await startFakeSupabaseStorage(serviceKey);
  });
  afterEach(() => fake.close());

  const driver = (publicBucket = true) =>
    createSupabaseStorage({ url: fake.url, serviceKey, bucket: 'uploads', publicBucket, privateBucket: 'private-uploads', signedUrlTtlSeconds: 600 });

  it('uploads with the service key, the content type and no overwrite', async () => {
    await driver().put(key, tinyPng(), 'image/png');
    expect(fake.requests).toHaveLength(1);
    const [upload] = fake.requests;
    expect(upload).toMatchObject({ method: 'POST', path: `/storage/v1/object/uploads/${key}` });
    expect(upload!.headers).toMatchObject({
      authorization: `Bearer ${serviceKey}`,
      apikey: serviceKey,
      'content-type': 'image/png',
      'x-upsert': 'false',
      'cache-control': 'max-age=31536000',
    });
    expect(Buffer.compare(upload!.body, tinyPng())).toBe(0);
  });

  it('downloads, deletes by prefix and builds public and signed URLs', async () => {
    await driver().put(key, tinyPng(), 'image/png');
    expect(Buffer.compare(await driver().get(key), tinyPng())).toBe(0);
    expect(await driver().url(key)).toBe(`${fake.url}/storage/v1/object/public/uploads/${key}`);
    expect(await driver(false).url(key)).toBe(`${fake.url}/storage/v1/object/sign/uploads/${key}?token=signed-600`);
    await driver().delete(key);

    const [, download, sign, remove] = fake.requests;
    expect(download).toMatchObject({ method: 'GET', path: `/storage/v1/object/uploads/${key}` });
    expect(sign).toMatchObject({ method: 'POST', path: `/storage/v1/object/sign/uploads/${key}` });
    expect(JSON.parse(sign!.body.toString())).toEqual({ expiresIn: 600 });
    expect(remove).toMatchObject({ method: 'DELETE', path: '/storage/v1/object/uploads' });
    expect(JSON.parse(remove!.body.toString())).toEqual({ prefixes: [key] });
    expect(fake.objects.size).toBe(0);
  });

  it('keeps documents in the private bucket, with signed URLs even when avatars are public', async () => {
    const documentKey = 'documents/64b000000000000000000001/0b7c3f5e-1111-4222-8333-944445555666.txt';
    await driver().put(documentKey, Buffer.from('private reading'), 'text/plain');
    expect([...fake.objects.keys()]).toEqual([`private-uploads/${documentKey}`]);
    expect((await driver().get(documentKey)).toString()).toBe('private reading');
    expect(await driver().url(documentKey)).toBe(`${fake.url}/storage/v1/object/sign/private-uploads/${documentKey}?token=signed-600`);
    await driver().delete(documentKey);
    expect(fake.objects.size).toBe(0);
  });

  it('reports a refused upload as an error naming the key', async () => {
    await driver().put(key, tinyPng(), 'image/png');
    await expect(driver().put(key, tinyPng(), 'image/png')).rejects.toThrow(key);
  });

  it('refuses an unsafe key before sending anything', async () => {
    await expect(driver().put('avatars/../../secrets.png', tinyPng(), 'image/png')).rejects.toThrow(/unsafe storage key/);
    expect(fake.requests).toHaveLength(0);
  });

  it('serves avatar uploads end to end when the API is configured for supabase', async () => {
    const api = await startTestApp({ STORAGE_DRIVER: 'supabase', SUPABASE_URL: fake.url, SUPABASE_SERVICE_KEY: serviceKey });
    try {
      const learner = await registerLearner(api.request);
      const response = await api.request
        .put('/api/profiles/me/avatar')
        .set(...bearer(learner))
        .attach('avatar', tinyPng(), 'me.png')
        .expect(200);
      expect(response.body.avatarUrl).toMatch(new RegExp(`^${fake.url}/storage/v1/object/public/uploads/avatars/${learner.account.id}/[0-9a-f-]{36}\\.png$`));
      expect([...fake.objects.keys()]).toEqual([expect.stringMatching(new RegExp(`^uploads/avatars/${learner.account.id}/`))]);
      await api.request
        .delete('/api/profiles/me/avatar')
        .set(...bearer(learner))
        .expect(200);
      expect(fake.objects.size).toBe(0);
    } finally {
      await api.close();
    }
  });
});
