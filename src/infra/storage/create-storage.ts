import type { Config } from '../config/config';
import { createLocalStorage } from './local-storage';
import type { StorageDriver } from './storage-driver';
import { createSupabaseStorage } from './supabase-storage';

export function createStorage(config: Config['storage']): StorageDriver {
  return config.driver === 'supabase' ? createSupabaseStorage(config) : createLocalStorage({ root: config.localDir, publicBaseUrl: config.publicBaseUrl });
}
