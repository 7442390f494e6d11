import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { luaScript } from '../../infra/redis/lua-script';
import { filterSets, learnerOf, type IndexedLearner, type IndexedPage, type SearchIndexKeys } from './search-index-entries';
import type { SearchFilters } from './search-terms';

// The scripts, each documented in its file under assets/lua/.
const queryIndex = luaScript<[number, string[], (string | null)[]] | null>('epSearchQuery', 'search-query');
const readEntries = luaScript<(string | null)[] | null>('epSearchEntries', 'search-entries');
const countLearners = luaScript<number[] | null>('epSearchCounts', 'search-counts');

const learnersOf = (ids: string[], stored: (string | null)[]): IndexedLearner[] => ids.flatMap((id, n) => (stored[n] ? [learnerOf(id, stored[n])] : []));

/** A page of learners in ranking order and the total, in one round trip; null when the index is not built. */
export async function queryPage(
  client: Redis,
  keys: SearchIndexKeys,
  words: string[],
  query: SearchFilters,
  page: { offset: number; limit: number },
): Promise<IndexedPage | null> {
  const filters = filterSets(keys, query);
  // Without words, the filters cut the set of everyone (or it is the whole answer).
  const sets = words.length > 0 ? filters : [keys.set('all'), ...filters];
  const scriptKeys = [
    keys.marker,
    keys.entries,
    keys.set(`scratch:${randomUUID()}`),
    ...words.map((word) => keys.set(`name:${word}`)),
    ...words.map((word) => keys.set(`interests:${word}`)),
    ...words.map((word) => keys.set(`bio:${word}`)),
    ...sets,
  ];
  const answer = await queryIndex(client, scriptKeys, words.length, sets.length, page.offset, page.limit);
  if (answer === null) return null;
  const [total, ids, stored] = answer;
  return { total, learners: learnersOf(ids, stored) };
}

/** The entries of these learners (those it has); null when the index is not complete. */
export async function entriesOf(client: Redis, keys: SearchIndexKeys, ids: string[]): Promise<IndexedLearner[] | null> {
  const stored = await readEntries(client, [keys.marker, keys.entries], ...ids);
  return stored === null ? null : learnersOf(ids, stored);
}

/** Learners in all and per level; null when the index is not complete. */
export async function levelCountsOf<Level extends string>(
  client: Redis,
  keys: SearchIndexKeys,
  levels: readonly Level[],
): Promise<{ total: number; byLevel: Record<Level, number> } | null> {
  const counts = await countLearners(client, [keys.marker, keys.set('all'), ...levels.map((level) => keys.set(`level:${level}`))]);
  if (counts === null) return null;
  const [total, ...perLevel] = counts;
  return { total: total!, byLevel: Object.fromEntries(levels.map((level, n) => [level, perLevel[n]!])) as Record<Level, number> };
}
