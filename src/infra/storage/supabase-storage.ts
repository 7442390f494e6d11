import { createClient } from '@supabase/supabase-js';
import { assertSafeKey, isPublicKey, type StorageDriver } from './storage-driver';

export interface SupabaseStorageOptions {
  url: string;
  serviceKey: string;
  bucket: string;
  publicBucket: boolean;
  /** Where everything but avatars goes: a bucket that is never public. */
  privateBucket: string;
  signedUrlTtlSeconds: number;
}

/**
 * Supabase Storage through @supabase/supabase-js, with the service key (server side only).
 * Avatars go to `bucket` (public or signed URLs), everything else to `privateBucket`.
 */
export function createSupabaseStorage(options: SupabaseStorageOptions): StorageDriver {
  const storage = createClient(options.url, options.serviceKey, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
  }).storage;
  const avatars = storage.from(options.bucket);
  const privateFiles = storage.from(options.privateBucket);
  const bucketOf = (key: string) => {
    assertSafeKey(key);
    return isPublicKey(key) ? avatars : privateFiles;
  };

  const fail = (action: string, key: string, error: { message: string }): never => {
    throw new Error(`supabase storage ${action} ${key} failed: ${error.message}`);
  };

  return {
    name: 'supabase',
    async put(key, body, contentType) {
      const { error } = await bucketOf(key).upload(key, body, { contentType, upsert: false, cacheControl: '31536000' });
      if (error) fail('upload', key, error);
    },
    async get(key) {
      const { data, error } = await bucketOf(key).download(key);
      if (error) fail('download', key, error);
      return Buffer.from(await data!.arrayBuffer());
    },
    async delete(key) {
      const { error } = await bucketOf(key).remove([key]);
      if (error) fail('delete', key, error);
    },
    async url(key) {
      const bucket = bucketOf(key);
      if (options.publicBucket && isPublicKey(key)) return bucket.getPublicUrl(key).data.publicUrl;
      const { data, error } = await bucket.createSignedUrl(key, options.signedUrlTtlSeconds);
      if (error) fail('sign', key, error);
      return data!.signedUrl;
    },
  };
}
