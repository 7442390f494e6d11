import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { assertSafeKey, type StorageDriver } from './storage-driver';

/** Files in a folder; the API (or Nginx) serves the folder at `publicBaseUrl`. */
export function createLocalStorage(options: { root: string; publicBaseUrl: string }): StorageDriver {
  const root = resolve(options.root);
  const pathOf = (key: string): string => {
    assertSafeKey(key);
    return resolve(root, key);
  };
  return {
    name: 'local',
    async put(key, body) {
      const path = pathOf(key);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, body, { flag: 'wx' });
    },
    get: (key) => readFile(pathOf(key)),
    async delete(key) {
      await rm(pathOf(key), { force: true });
    },
    url: (key) => {
      assertSafeKey(key);
      return Promise.resolve(`${options.publicBaseUrl}/${key}`);
    },
  };
}
