import { accountModel } from '../../src/components/accounts/account.model';
import { createProfilesService } from '../../src/components/profiles/profiles.service';
import { createSearchService } from '../../src/components/search/search.service';
import { createCache } from '../../src/infra/cache/cache';
import { bearer, registerLearner } from '../support/learners';
import { startTestApp, type TestApp } from '../support/test-app';

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
      await api.request.patch('/api/profiles/me').set(...bearer(session)).send(profile).expect(200);
      ids.set(displayName, session.account.id);
    }
  });
  afterAll(() => api.close());

  const names = (results: Found[]): string[] => results.map((result) => result.displayName);
  const search = async (query: string) => (await api.request.get(`/api/search/profiles?${query}`).expect(200)).body as { results: Found[]; total: number; totalPages: number; ranking: string };

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

  it('ranks the same way on the word-index fallback whatever the server supports', async () => {
    const accounts = accountModel(api.deps.database.connection);
    const cache = createCache({ redis: null, logger: api.deps.logger, keyPrefix: 'unused:', ttlSeconds: { profile: 0, search: 0, stats: 0, lesson: 0 } });
    const fallback = createSearchService({
      accounts,
      storage: api.deps.storage,
      capabilities: () => ({ ...api.deps.database.capabilities()!, textSearch: false }),
      cache,
      staleReadPreference: 'primary',
      profiles: createProfilesService({ accounts, storage: api.deps.storage, logger: api.deps.logger, cache, staleReadPreference: 'primary' }),
    });
    const page = await fallback.searchProfiles({ q: 'hiking', page: 1, limit: 10 });
    expect(page.ranking).toBe('terms');
    expect(page.results.map((result) => result.id)).toEqual([
      ...[ids.get('Hannah Hiking'), ids.get('Émile Híking')].sort(),
      ids.get('Bob'),
      ids.get('Carl'),
    ]);
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
