import { createClient } from '@supabase/supabase-js';
import { assertSafeKey, type StorageDriver } from './storage-driver';

export interface SupabaseStorageOptions {
  url: string;
  serviceKey: string;
  bucket: string;
  publicBucket: boolean;
  signedUrlTtlSeconds: number;
}

/** Supabase Storage through @supabase/supabase-js, with the service key (server side only). */
export function createSupabaseStorage(options: SupabaseStorageOptions): StorageDriver {
  const bucket = createClient(options.url, options.serviceKey, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
  }).storage.from(options.bucket);

  const fail = (action: string, key: string, error: { message: string }): never => {
    throw new Error(`supabase storage ${action} ${key} failed: ${error.message}`);
  };

  return {
    name: 'supabase',
    async put(key, body, contentType) {
      assertSafeKey(key);
      const { error } = await bucket.upload(key, body, { contentType, upsert: false, cacheControl: '31536000' });
      if (error) fail('upload', key, error);
    },
    async get(key) {
      assertSafeKey(key);
      const { data, error } = await bucket.download(key);
      if (error) fail('download', key, error);
      return Buffer.from(await data!.arrayBuffer());
    },
    async delete(key) {
      assertSafeKey(key);
      const { error } = await bucket.remove([key]);
      if (error) fail('delete', key, error);
    },
    async url(key) {
      assertSafeKey(key);
      if (options.publicBucket) return bucket.getPublicUrl(key).data.publicUrl;
      const { data, error } = await bucket.createSignedUrl(key, options.signedUrlTtlSeconds);
      if (error) fail('sign', key, error);
      return data!.signedUrl;
    },
  };
}
