import type { Redis } from 'ioredis';
import type { Logger } from '../../infra/logger';
import { luaScript } from '../../infra/redis/lua-script';
import { entryOf, type IndexedLearner, type SearchIndexKeys } from './search-index-entries';

const putEntry = luaScript<number>('epSearchPut', 'search-put');

const rebuildBatch = 500;
const rebuildLockMs = 5 * 60_000;

/** Puts a learner's entry in place, unless the index holds a newer version already. */
export const putLearner = (client: Redis, keys: SearchIndexKeys, learner: IndexedLearner): Promise<unknown> =>
  putEntry(client, [keys.entries], learner.id, learner.version, entryOf(learner), keys.base);

async function dropAll(client: Redis, keys: SearchIndexKeys): Promise<void> {
  let cursor = '0';
  do {
    const [next, found] = await client.scan(cursor, 'MATCH', `${keys.base}*`, 'COUNT', 1000);
    const dropped = found.filter((name) => name !== keys.lock);
    if (dropped.length > 0) await client.unlink(...dropped);
    cursor = next;
  } while (cursor !== '0');
}

/**
 * Builds the index from every learner, under a lock (one process at a time), then marks it
 * complete. `fresh`: from nothing, dropping entries of learners the database no longer has.
 */
export async function rebuildIndex(
  client: Redis,
  keys: SearchIndexKeys,
  learners: () => AsyncIterable<IndexedLearner>,
  log: Logger,
  fresh: boolean,
): Promise<void> {
  if ((await client.set(keys.lock, process.pid.toString(), 'PX', rebuildLockMs, 'NX')) !== 'OK') return;
  const started = performance.now();
  try {
    await client.del(keys.marker);
    if (fresh) await dropAll(client, keys);
    let count = 0;
    let batch: Promise<unknown>[] = [];
    // Entries of newer versions (edits while this runs) stay as they are.
    for await (const learner of learners()) {
      batch.push(putLearner(client, keys, learner));
      count += 1;
      if (batch.length === rebuildBatch) {
        await Promise.all(batch);
        batch = [];
      }
    }
    await Promise.all(batch);
    await client.set(keys.marker, new Date().toISOString());
    log.info({ learners: count, ms: Math.round(performance.now() - started) }, 'search index rebuilt');
  } finally {
    await client.del(keys.lock);
  }
}
