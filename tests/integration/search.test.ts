import { accountModel } from '../../src/components/learners/account.model';
import { createProfilesService } from '../../src/components/learners/profiles.service';
import { createMutex } from '../../src/infra/redis/mutex';
import { createSearchIndex } from '../../src/components/learners/search-index';
import { indexedLearners } from '../../src/components/learners/indexed-learners';
import { createSearchService } from '../../src/components/learners/search.service';
import { createCache } from '../../src/infra/cache/cache';
import { bearer, registerLearner } from '../support/learners';
import { startTestApp, type TestApp } from '../support/test-app';
import { waitFor } from '../support/wait';

interface Found {
  id: string;
  displayName: string;
}

const learners = [
  { displayName: 'Hannah Hiking', interests: ['cooking'], bio: 'Teacher', level: 'B2', nativeLanguage: 'en' },
  { displayName: 'Bob', interests: ['hiking', 'chess'], bio: 'Engineer', level: 'B1', nativeLanguage: 'fr' },
  { displayName: 'Carl', interests: ['music'], bio: 'I love hiking in the Alps', level: 'B1', nativeLanguage: 'de' },
  { displayName: 'Dora', interests: ['chess'], bio: 'Nothing about mountains', level: 'A2', nativeLanguage: 'de' },
  { displayName: 'Émile Híking', interests: [], bio: '', level: 'C1', nativeLanguage: 'fr' },
];

describe('profile search', () => {
  let api: TestApp;
  const ids = new Map<string, string>();

  beforeAll(async () => {
    api = await startTestApp();
    for (const { displayName, ...profile } of learners) {
      const session = await registerLearner(api.request, { displayName });
      await api.request
        .patch('/api/profiles/me')
        .set(...bearer(session))
        .send(profile)
        .expect(200);
      ids.set(displayName, session.account.id);
    }
  });
  afterAll(() => api.close());

  /** Searches of the database itself: a search index without Redis never answers. */
  const noIndex = () =>
    createSearchIndex({
      redis: null,
      keyPrefix: 'unused:',
      logger: api.deps.logger,
      enabled: () => true,
      learners: indexedLearners(accountModel(api.deps.database.connection)),
    });
  const names = (results: Found[]): string[] => results.map((result) => result.displayName);
  const search = async (query: string) =>
    (await api.request.get(`/api/search/profiles?${query}`).expect(200)).body as { results: Found[]; total: number; totalPages: number; ranking: string };

  it('ranks name matches above interest matches above bio matches, ignoring case and accents', async () => {
    const page = await search('q=HIKING');
    expect(page.total).toBe(4);
    expect(names(page.results).slice(0, 2).sort()).toEqual(['Hannah Hiking', 'Émile Híking']);
    expect(names(page.results).slice(2)).toEqual(['Bob', 'Carl']);
    expect(page.results[0]).not.toHaveProperty('email');
  });

  it('applies the level and native-language filters', async () => {
    expect(names((await search('q=hiking&level=B1')).results)).toEqual(['Bob', 'Carl']);
    expect(names((await search('q=hiking&nativeLanguage=de')).results)).toEqual(['Carl']);
    expect((await search('q=hiking&level=A1')).total).toBe(0);
  });

  it('paginates stably: the pages together are the full ranking, each learner once', async () => {
    const full = names((await search('q=hiking&limit=50')).results);
    const pages: string[] = [];
    for (let page = 1; page <= 4; page++) {
      const result = await search(`q=hiking&limit=1&page=${page}`);
      expect(result.totalPages).toBe(4);
      pages.push(...names(result.results));
    }
    expect(pages).toEqual(full);
    expect((await search('q=hiking&limit=1&page=5')).results).toEqual([]);
  });

  it('lists learners by filters alone when there is no query', async () => {
    const page = await search('nativeLanguage=de');
    expect(names(page.results).sort()).toEqual(['Carl', 'Dora']);
  });

  it('finds nothing for a query of stop words only', async () => {
    expect((await search('q=the%20and')).total).toBe(0);
  });

  it.each([
    ['an operator in a filter', 'level[$ne]=A1'],
    ['an operator in the query', 'q[$regex]=.*'],
    ['a repeated parameter', 'q=a&q=b'],
    ['an unknown level', 'level=Z9'],
    ['an unknown parameter', 'q=hiking&sort=email'],
    ['a zero page', 'page=0'],
    ['a page size over the maximum', 'limit=51'],
    ['a non-numeric page size', 'limit=ten'],
    ['a query over 100 characters', `q=${'x'.repeat(101)}`],
  ])('refuses %s with 400', async (_case, query) => {
    const response = await api.request.get(`/api/search/profiles?${query}`).expect(400);
    expect(response.body.error.code).toBe('VALIDATION_FAILED');
  });

  /** A search service on the database alone (no index, no cache), as on a server without the search index. */
  function databaseSearch(options: { maxConcurrent: number; textSearch?: false }): ReturnType<typeof createSearchService> {
    const accounts = accountModel(api.deps.database.connection);
    const cache = createCache({ redis: null, logger: api.deps.logger, keyPrefix: 'unused:', ttlSeconds: { profile: 0, search: 0, stats: 0, lesson: 0 } });
    const capabilities = (): ReturnType<typeof api.deps.database.capabilities> =>
      options.textSearch === false ? { ...api.deps.database.capabilities()!, textSearch: false } : api.deps.database.capabilities();
    return createSearchService({
      accounts,
      storage: api.deps.storage,
      capabilities,
      cache,
      staleReadPreference: 'primary',
      profiles: createProfilesService({
        accounts,
        storage: api.deps.storage,
        logger: api.deps.logger,
        cache,
        staleReadPreference: 'primary',
        searchIndex: noIndex(),
        exclusive: createMutex(null, ''),
      }),
      maxTimeMs: 5000,
      maxConcurrent: options.maxConcurrent,
      index: noIndex(),
    });
  }

  it('ranks the same way on the word-index fallback whatever the server supports', async () => {
    const fallback = databaseSearch({ maxConcurrent: 4, ...{ textSearch: false } });
    const page = await fallback.searchProfiles({ q: 'hiking', page: 1, limit: 10 });
    expect(page.ranking).toBe('terms');
    expect(page.results.map((result) => result.id)).toEqual([...[ids.get('Hannah Hiking'), ids.get('Émile Híking')].sort(), ids.get('Bob'), ids.get('Carl')]);
  });

  describe('the search index (FerretDB: the database pushes down nothing but _id)', () => {
    const runsHere = !process.env.MONGODB_URI;
    const indexKey = (name: string): string => `${api.deps.config.redis.keyPrefix}search-index:{v2}:${name}`;
    /** The app's own index (its Redis and key prefix). */
    const appIndex = () =>
      createSearchIndex({
        redis: api.deps.redis,
        keyPrefix: api.deps.config.redis.keyPrefix,
        logger: api.deps.logger,
        enabled: () => true,
        learners: indexedLearners(accountModel(api.deps.database.connection)),
      });
    /** The app's own index, behind a service that may not touch the database for a search at all. */
    const indexOnly = () => {
      const accounts = accountModel(api.deps.database.connection);
      const cache = createCache({ redis: null, logger: api.deps.logger, keyPrefix: 'unused:', ttlSeconds: { profile: 0, search: 0, stats: 0, lesson: 0 } });
      const index = appIndex();
      const profiles = createProfilesService({
        accounts,
        storage: api.deps.storage,
        logger: api.deps.logger,
        cache,
        staleReadPreference: 'primary',
        searchIndex: index,
        exclusive: createMutex(null, ''),
      });
      // No slot for a database search: an answer can only come from the index.
      return createSearchService({
        accounts,
        storage: api.deps.storage,
        capabilities: () => api.deps.database.capabilities(),
        cache,
        staleReadPreference: 'primary',
        profiles,
        maxTimeMs: 5000,
        maxConcurrent: 0,
        index,
      });
    };
    const whenBuilt = () => waitFor('the search index', async () => (await api.deps.redis!.client.exists(indexKey('built'))) === 1);

    (runsHere ? it : it.skip)('is built on the first search, and then ranks exactly as the database does', async () => {
      await api.deps.redis!.client.del(indexKey('built'));
      // Answered by the database while the index is rebuilt.
      expect((await search('q=hiking&limit=7')).total).toBe(4);
      await whenBuilt();
      const fromIndex = await indexOnly().searchProfiles({ q: 'hiking', page: 1, limit: 10 });
      expect(fromIndex.ranking).toBe('terms');
      expect(fromIndex.results.map((result) => result.id)).toEqual([
        ...[ids.get('Hannah Hiking'), ids.get('Émile Híking')].sort(),
        ids.get('Bob'),
        ids.get('Carl'),
      ]);
      const filtered = await indexOnly().searchProfiles({ q: 'hiking', level: 'B1', page: 1, limit: 10 });
      expect(filtered.results.map((result) => result.displayName)).toEqual(['Bob', 'Carl']);
      const secondPage = await indexOnly().searchProfiles({ q: 'hiking', page: 2, limit: 3 });
      expect(secondPage).toMatchObject({ total: 4, totalPages: 2 });
      expect(secondPage.results.map((result) => result.displayName)).toEqual(['Carl']);
      const byFilters = await indexOnly().searchProfiles({ nativeLanguage: 'de', level: 'A2', page: 1, limit: 10 });
      expect(byFilters.results.map((result) => result.displayName)).toEqual(['Dora']);
    });

    (runsHere ? it : it.skip)('follows an edit at once: new words in, old words out', async () => {
      await search('q=mountaineering');
      await whenBuilt();
      const dora = await registerLearner(api.request, { displayName: 'Dora Second' });
      await api.request
        .patch('/api/profiles/me')
        .set(...bearer(dora))
        .send({ interests: ['mountaineering'] })
        .expect(200);
      expect((await indexOnly().searchProfiles({ q: 'mountaineering', page: 1, limit: 10 })).results.map((result) => result.id)).toEqual([dora.account.id]);
      await api.request
        .patch('/api/profiles/me')
        .set(...bearer(dora))
        .send({ interests: ['knitting'] })
        .expect(200);
      expect((await indexOnly().searchProfiles({ q: 'mountaineering', page: 1, limit: 10 })).total).toBe(0);
      expect(await api.deps.redis!.client.zscore(indexKey('interests:knitting'), dora.account.id)).toBe('1');
    });

    (runsHere ? it : it.skip)('keeps the newest version of a profile whatever order the updates arrive in (edit races, a rebuild)', async () => {
      await search('q=zeppelins');
      await whenBuilt();
      const racer = await registerLearner(api.request, { displayName: 'Version Racer' });
      const index = appIndex();
      const profile = (interests: string[]) => ({
        displayName: 'Version Racer',
        bio: '',
        nativeLanguage: null,
        level: null,
        interests,
        goals: [],
        timezone: null,
        avatar: null,
      });
      const createdAt = new Date();
      await index.put({ id: racer.account.id, version: 7, profile: profile(['zeppelins']), createdAt });
      await index.put({ id: racer.account.id, version: 6, profile: profile(['submarines']), createdAt });
      const found = await indexOnly().searchProfiles({ q: 'zeppelins submarines', page: 1, limit: 10 });
      expect(found.results.map((result) => [result.id, result.interests])).toEqual([[racer.account.id, ['zeppelins']]]);
    });

    (runsHere ? it : it.skip)('leaves public profiles to the database: a lookup by id uses its index on PostgreSQL (docs/database.md)', async () => {
      await search('q=lighthouses');
      await whenBuilt();
      const keeper = await registerLearner(api.request, { displayName: 'Lighthouse Keeper' });
      // An entry the database does not have: a profile served from the index would show it.
      const profile = { displayName: 'Seen In The Index', bio: '', nativeLanguage: null, level: null, interests: [], goals: [], timezone: null, avatar: null };
      await appIndex().put({ id: keeper.account.id, version: 50, profile, createdAt: new Date() });
      await api.deps.cache.invalidate('profile', keeper.account.id);
      expect((await api.request.get(`/api/profiles/${keeper.account.id}`).expect(200)).body.displayName).toBe('Lighthouse Keeper');
    });

    (runsHere ? it : it.skip)('counts the learners of the statistics from the index, the same counts the database groups', async () => {
      await search('q=statistics');
      await whenBuilt();
      const accounts = accountModel(api.deps.database.connection);
      const grouped = await accounts.aggregate<{ _id: string | null; count: number }>([{ $group: { _id: '$profile.level', count: { $sum: 1 } } }]);
      const stats = (await api.request.get('/api/stats').expect(200)).body as { learners: { total: number; byLevel: Record<string, number> } };
      expect(stats.learners.total).toBe(grouped.reduce((sum, entry) => sum + entry.count, 0));
      for (const { _id, count } of grouped)
        expect({ level: _id ?? 'unknown', count: stats.learners.byLevel[_id ?? 'unknown'] }).toEqual({ level: _id ?? 'unknown', count });
    });
  });

  it('answers 503 SEARCH_BUSY at once, instead of queueing, when the uncached searches of a process are at their cap', async () => {
    const capped = databaseSearch({ maxConcurrent: 1 });
    const outcomes = await Promise.allSettled(['hiking', 'chess', 'music', 'cooking', 'teacher'].map((q) => capped.searchProfiles({ q, page: 1, limit: 10 })));
    const refused = outcomes.filter((outcome) => outcome.status === 'rejected').map((outcome) => outcome.reason as { status: number; code: string });
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled').length).toBeGreaterThanOrEqual(1);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    for (const error of refused) expect(error).toMatchObject({ status: 503, code: 'SEARCH_BUSY' });
    // The slot is free again afterwards.
    expect((await capped.searchProfiles({ q: 'hiking', page: 1, limit: 10 })).total).toBe(4);
  });

  it('gives anonymous clients a tighter search budget than signed-in learners', async () => {
    const limited = await startTestApp({ RATE_LIMIT_SEARCH_MAX: '4', RATE_LIMIT_SEARCH_ANONYMOUS_MAX: '2' });
    try {
      const learner = await registerLearner(limited.request);
      for (let i = 0; i < 2; i++) await limited.request.get(`/api/search/profiles?q=anon${i}`).expect(200);
      const refused = await limited.request.get('/api/search/profiles?q=anon3').expect(429);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      for (let i = 0; i < 4; i++)
        await limited.request
          .get(`/api/search/profiles?q=signed${i}`)
          .set(...bearer(learner))
          .expect(200);
      await limited.request
        .get('/api/search/profiles?q=signed5')
        .set(...bearer(learner))
        .expect(429);
    } finally {
      await limited.close();
    }
  });

  const textSearchAvailable = Boolean(process.env.MONGODB_URI);
  if (!textSearchAvailable) {
    process.stdout.write('search: $text path skipped: set MONGODB_URI to a real MongoDB to run it (FerretDB has no text indexes)\n');
  }
  (textSearchAvailable ? it : it.skip)('uses the weighted $text index on MongoDB', async () => {
    expect(api.deps.database.capabilities()?.textSearch).toBe(true);
    const page = await search('q=hiking');
    expect(page.ranking).toBe('text');
    expect(names(page.results).slice(2)).toEqual(['Bob', 'Carl']);
  });
});
