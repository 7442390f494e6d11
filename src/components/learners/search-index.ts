import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../../infra/logger';
import { luaScript } from '../../infra/redis/lua-script';
import type { RedisHandle } from '../../infra/redis/redis';
import type { Profile } from './profile.schema';
import { searchTermsFor, type SearchFilters } from './search-terms';

/**
 * The search index where the database cannot answer a search from its own: FerretDB 1.24 on
 * SQLite uses no index at all (its `_id` lookup is written as `sjson->'$._id'` while the
 * index is on `sjson->"_id"`, so even that is a table scan: ~0.2–0.4 s at 10,000 learners),
 * and its updates read then write, so shared posting documents in the database would lose
 * concurrent edits. Redis sorted sets are updated atomically and combined server-side, so
 * the index lives there:
 * - one set per field word (`name:`, `interests:`, `bio:`), per filter value (`level:`,
 *   `lang:`) and one of everyone (`all`), each member a learner id with score 1;
 * - a hash of each learner's entry: the profile a result shows, its sets, and the version
 *   of the profile it was made from, so a search page needs no database read at all, and a
 *   public profile missing from the profile cache is read from here, not by a table scan
 *   (the learner counts of the statistics too).
 *
 * An entry is replaced only by one of a newer profile version (Lua, atomically), so edits,
 * their races and a rebuild in progress all end at the database's latest version. It is
 * derived data: a marker says it is complete; without it (never built, Redis emptied, or an
 * edit this process could not index) searches go to the database while one process rebuilds
 * it from the accounts (`./scripts/migrate --rebuild-search-index` does it by hand). A process
 * that dies between an edit's database write and its index update leaves that one edit out
 * until the learner's next edit or a rebuild.
 */
export type IndexedProfile = Pick<Profile, 'displayName' | 'interests' | 'bio' | 'level' | 'nativeLanguage'>;

/** One learner as the index keeps it: the profile a result shows, and its version. */
export interface IndexedLearner {
  id: string;
  version: number;
  profile: Profile;
  createdAt: Date;
}

export interface IndexedPage {
  total: number;
  learners: IndexedLearner[];
}

export interface SearchIndexOptions {
  redis: Pick<RedisHandle, 'client' | 'isReady'> | null;
  keyPrefix: string;
  logger: Logger;
  /** False where the database ranks searches itself (MongoDB's text index): nothing is kept. */
  enabled: () => boolean;
  /** Every learner, read when the index is (re)built. */
  learners: () => AsyncIterable<IndexedLearner>;
}

interface StoredEntry {
  v: number;
  keys: string[];
  profile: Profile;
  createdAt: string;
}

/**
 * Replaces a learner's entry unless the stored one is of a newer version.
 * KEYS: the entries hash. ARGV: id, version, entry JSON, key base. Returns 1 if applied.
 */
const putEntry = luaScript<number>('epSearchPut', `
local stored = redis.call('HGET', KEYS[1], ARGV[1])
local had = {}
if stored then
  local old = cjson.decode(stored)
  if tonumber(old.v) > tonumber(ARGV[2]) then return 0 end
  for _, name in ipairs(old.keys) do had[name] = true end
end
local has = {}
for _, name in ipairs(cjson.decode(ARGV[3]).keys) do
  has[name] = true
  if not had[name] then redis.call('ZADD', ARGV[4] .. name, 1, ARGV[1]) end
end
for name in pairs(had) do
  if not has[name] then redis.call('ZREM', ARGV[4] .. name, ARGV[1]) end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1
`);

/**
 * One round trip: the tiers as one sorted set (score 1 name, 2 interests, 3 bio; the best tier
 * of each learner wins), cut by the filters, counted, sliced and joined with the entries.
 * Equal scores sort by member, so each tier is in id order: the ranking of the database path.
 * KEYS: marker, entries hash, scratch key, n name sets, n interest sets, n bio sets, m filter
 * sets. ARGV: n, m, offset, limit. Returns nil when the marker is missing.
 */
const queryIndex = luaScript<[number, string[], (string | null)[]] | null>('epSearchQuery', `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local n, m = tonumber(ARGV[1]), tonumber(ARGV[2])
local first, last = tonumber(ARGV[3]), tonumber(ARGV[3]) + tonumber(ARGV[4]) - 1
local scratch = KEYS[3]
local source = KEYS[4]
if n > 0 then
  local union = {'ZUNIONSTORE', scratch, 3 * n}
  for i = 1, 3 * n do union[#union + 1] = KEYS[3 + i] end
  union[#union + 1] = 'WEIGHTS'
  for tier = 1, 3 do for _ = 1, n do union[#union + 1] = tier end end
  union[#union + 1] = 'AGGREGATE'
  union[#union + 1] = 'MIN'
  redis.call(unpack(union))
  source = scratch
end
if m > (n > 0 and 0 or 1) then
  local sets = {}
  if n > 0 then sets[1] = scratch end
  for i = 1, m do sets[#sets + 1] = KEYS[3 + 3 * n + i] end
  local inter = {'ZINTERSTORE', scratch, #sets}
  for _, name in ipairs(sets) do inter[#inter + 1] = name end
  inter[#inter + 1] = 'WEIGHTS'
  for i = 1, #sets do inter[#inter + 1] = (n > 0 and i == 1) and 1 or 0 end
  redis.call(unpack(inter))
  source = scratch
end
local total = redis.call('ZCARD', source)
local ids = redis.call('ZRANGE', source, first, last)
redis.call('DEL', scratch)
local entries = {}
if #ids > 0 then entries = redis.call('HMGET', KEYS[2], unpack(ids)) end
return {total, ids, entries}
`);

/** Entries by id, only while the index is complete. KEYS: marker, entries hash. ARGV: ids. */
const readEntries = luaScript<(string | null)[] | null>(
  'epSearchEntries',
  `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
return redis.call('HMGET', KEYS[2], unpack(ARGV))
`,
);

/** Learners in all and in each of the given sets, while the index is complete. KEYS: marker, all, sets. */
const countLearners = luaScript<number[] | null>('epSearchCounts', `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local counts = {}
for i = 2, #KEYS do counts[#counts + 1] = redis.call('ZCARD', KEYS[i]) end
return counts
`);

const rebuildBatch = 500;
const rebuildLockMs = 5 * 60_000;

/** The sets a learner belongs to. */
function setsOf(profile: IndexedProfile): string[] {
  const terms = searchTermsFor(profile);
  return [
    ...terms.name.map((word) => `name:${word}`),
    ...terms.interests.map((word) => `interests:${word}`),
    ...terms.bio.map((word) => `bio:${word}`),
    ...(profile.level ? [`level:${profile.level}`] : []),
    ...(profile.nativeLanguage ? [`lang:${profile.nativeLanguage}`] : []),
    'all',
  ];
}

function entryOf(learner: IndexedLearner): string {
  const entry: StoredEntry = { v: learner.version, keys: setsOf(learner.profile), profile: learner.profile, createdAt: learner.createdAt.toISOString() };
  return JSON.stringify(entry);
}

function learnerOf(id: string, stored: string): IndexedLearner {
  const entry = JSON.parse(stored) as StoredEntry;
  return { id, version: entry.v, profile: entry.profile, createdAt: new Date(entry.createdAt) };
}

/** The key whose presence says the index of a deployment (its Redis key prefix) is complete. */
export function searchIndexMarker(keyPrefix: string): string {
  return `${searchIndexBase(keyPrefix)}built`;
}

// One hash tag: every key of a script is in one slot, should Redis ever be a cluster.
const searchIndexBase = (keyPrefix: string): string => `${keyPrefix}search-index:{v2}:`;

export function createSearchIndex(options: SearchIndexOptions) {
  const { logger } = options;
  const base = searchIndexBase(options.keyPrefix);
  const marker = searchIndexMarker(options.keyPrefix);
  const lock = `${base}rebuilding`;
  const entries = `${base}entries`;
  const key = (name: string): string => `${base}${name}`;
  const log = logger.child({ component: 'search-index' });
  let rebuilding: Promise<void> | null = null;
  // An edit this process could not index: the index is no longer complete.
  let incomplete = false;

  /** Redis, when the index is in use. */
  const usable = (): Redis | null => (options.enabled() ? (options.redis?.client ?? null) : null);
  /**
   * Redis for a read, when it answers now: a search or a statistic while it is away or hung
   * goes to the database at once, rather than after a command timeout.
   */
  const readable = (): Redis | null => (options.redis?.isReady() ? usable() : null);

  async function forgetIfIncomplete(client: Redis): Promise<void> {
    if (!incomplete) return;
    await client.del(marker);
    incomplete = false;
  }

  const put = (client: Redis, learner: IndexedLearner): Promise<unknown> => putEntry(client, [entries], learner.id, learner.version, entryOf(learner), base);

  /** `fresh`: from nothing, dropping entries of learners the database no longer has. */
  async function rebuild(client: Redis, fresh: boolean): Promise<void> {
    if ((await client.set(lock, process.pid.toString(), 'PX', rebuildLockMs, 'NX')) !== 'OK') return;
    const started = performance.now();
    try {
      await client.del(marker);
      if (fresh) await dropAll(client);
      let count = 0;
      let batch: Promise<unknown>[] = [];
      // Entries of newer versions (edits while this runs) stay as they are.
      for await (const learner of options.learners()) {
        batch.push(put(client, learner));
        count += 1;
        if (batch.length === rebuildBatch) {
          await Promise.all(batch);
          batch = [];
        }
      }
      await Promise.all(batch);
      await client.set(marker, new Date().toISOString());
      log.info({ learners: count, ms: Math.round(performance.now() - started) }, 'search index rebuilt');
    } finally {
      await client.del(lock);
    }
  }

  async function dropAll(client: Redis): Promise<void> {
    let cursor = '0';
    do {
      const [next, found] = await client.scan(cursor, 'MATCH', `${base}*`, 'COUNT', 1000);
      const dropped = found.filter((name) => name !== lock);
      if (dropped.length > 0) await client.unlink(...dropped);
      cursor = next;
    } while (cursor !== '0');
  }

  function rebuildInBackground(client: Redis): void {
    rebuilding ??= rebuild(client, false)
      .catch((error: unknown) => log.error({ err: error }, 'search index rebuild failed'))
      .finally(() => (rebuilding = null));
  }

  return {
    /** Puts a learner's entry in place, unless the index holds a newer version already. */
    async put(learner: IndexedLearner): Promise<void> {
      const redis = usable();
      if (!redis) return;
      try {
        await forgetIfIncomplete(redis);
        await put(redis, learner);
      } catch (error) {
        incomplete = true;
        log.warn({ err: error }, 'could not index a profile edit; searches use the database until the index is rebuilt');
      }
    },

    /**
     * A page of learners in ranking order and the total, or null when the index cannot answer
     * (disabled, Redis unavailable, not built yet). A missing index starts a rebuild.
     */
    async query(words: string[], filters: SearchFilters, page: { offset: number; limit: number }): Promise<IndexedPage | null> {
      const redis = readable();
      if (!redis) return null;
      try {
        await forgetIfIncomplete(redis);
        const filterSets = [
          ...(filters.level ? [key(`level:${filters.level}`)] : []),
          ...(filters.nativeLanguage ? [key(`lang:${filters.nativeLanguage}`)] : []),
        ];
        // Without words, the filters cut the set of everyone (or it is the whole answer).
        const sets = words.length > 0 ? filterSets : [key('all'), ...filterSets];
        const keys = [
          marker,
          entries,
          key(`scratch:${randomUUID()}`),
          ...words.map((word) => key(`name:${word}`)),
          ...words.map((word) => key(`interests:${word}`)),
          ...words.map((word) => key(`bio:${word}`)),
          ...sets,
        ];
        const answer = await queryIndex(redis, keys, words.length, sets.length, page.offset, page.limit);
        if (answer === null) {
          rebuildInBackground(redis);
          return null;
        }
        const [total, ids, stored] = answer;
        return { total, learners: ids.flatMap((id, n) => (stored[n] ? [learnerOf(id, stored[n])] : [])) };
      } catch (error) {
        log.warn({ err: error }, 'search index unavailable; searching the database');
        return null;
      }
    },

    /**
     * The entries of these learners (those it has), or null when the index cannot answer or
     * is not complete (an entry may then be older than the database).
     */
    async learners(ids: string[]): Promise<IndexedLearner[] | null> {
      const redis = readable();
      if (!redis || ids.length === 0) return redis ? [] : null;
      try {
        const stored = await readEntries(redis, [marker, entries], ...ids);
        if (stored === null) return null;
        return ids.flatMap((id, n) => (stored[n] ? [learnerOf(id, stored[n])] : []));
      } catch {
        return null;
      }
    },

    /**
     * How many learners there are, in all and per level, from the complete index (statistics
     * without a scan); null when it cannot say.
     */
    async levelCounts<Level extends string>(levels: readonly Level[]): Promise<{ total: number; byLevel: Record<Level, number> } | null> {
      const redis = readable();
      if (!redis) return null;
      try {
        const keys = [marker, key('all'), ...levels.map((level) => key(`level:${level}`))];
        const counts = await countLearners(redis, keys);
        if (counts === null) return null;
        const [total, ...perLevel] = counts;
        return { total: total!, byLevel: Object.fromEntries(levels.map((level, n) => [level, perLevel[n]!])) as Record<Level, number> };
      } catch {
        return null;
      }
    },

    /** Whether the index is complete; false when it is disabled or Redis cannot say. */
    async built(): Promise<boolean> {
      const redis = usable();
      if (!redis) return false;
      return (await redis.exists(marker).catch(() => 0)) === 1;
    },

    /** Rebuilds now (the migrate and seed commands); true if the index is complete afterwards. */
    async rebuildNow(fresh: boolean): Promise<boolean> {
      const redis = usable();
      if (!redis) return false;
      await rebuild(redis, fresh);
      return (await redis.exists(marker)) === 1;
    },
  };
}

export type SearchIndex = ReturnType<typeof createSearchIndex>;
