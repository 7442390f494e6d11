import type { ReadPreferenceMode } from '../../infra/db/database';
import mongoose, { Types, type Model, type QueryFilter, type SortOrder } from 'mongoose';
import type { Cache } from '../../infra/cache/cache';
import type { DatabaseCapabilities } from '../../infra/db/capabilities';
import type { StorageDriver } from '../../infra/storage/storage-driver';
import type { Account } from './account.model';
import { publicProfile, type PublicProfile } from './profile-view';
import type { ProfilesService } from './profiles.service';
import { NotFoundError } from '../../infra/errors/app-error';
import { queryTags } from './search-tags';
import { searchGate } from './search-gate';
import type { IndexedLearner, SearchIndex } from './search-index';
import { normaliseWords } from './search-terms';
import type { SearchQuery } from './search.validation';

export interface SearchPage {
  results: PublicProfile[];
  page: number;
  limit: number;
  total: number;
  totalPages: number;
  /** `text`: MongoDB's weighted text score; `terms`: name, then interests, then bio matches. */
  ranking: 'text' | 'terms' | 'none';
}

export interface SearchServiceDependencies {
  accounts: Model<Account>;
  storage: StorageDriver;
  capabilities: () => DatabaseCapabilities | null;
  cache: Cache;
  staleReadPreference: ReadPreferenceMode;
  /** Cached search entries hold ids; the profiles come from here (and its cache). */
  profiles: Pick<ProfilesService, 'getPublic'>;
  /** Database time limit of each query (maxTimeMS). */
  maxTimeMs: number;
  /** Uncached searches at once in this process (database searches; the index needs no cap). */
  maxConcurrent: number;
  /** Answers searches where the database has no usable index (FerretDB). */
  index: Pick<SearchIndex, 'query' | 'learners'>;
}

/** What the search cache keeps of a page: the ids, so a profile edit never outdates it. */
type CachedPage = Omit<SearchPage, 'results'> & { ids: string[] };

const resultFields = { profile: 1, createdAt: 1 } as const;
type Filter = QueryFilter<Account>;

export function createSearchService(deps: SearchServiceDependencies) {
  const { accounts, storage } = deps;
  const limit = { maxTimeMS: deps.maxTimeMs };
  const gated = searchGate(deps.maxConcurrent);

  function filtersOf(query: SearchQuery): Filter {
    const filter: Filter = {};
    if (query.level) filter['profile.level'] = query.level;
    if (query.nativeLanguage) filter['profile.nativeLanguage'] = query.nativeLanguage;
    return filter;
  }

  async function page(found: Account[], total: number, query: SearchQuery, ranking: SearchPage['ranking']): Promise<SearchPage> {
    return {
      results: await Promise.all(found.map((account) => publicProfile(account, storage))),
      page: query.page,
      limit: query.limit,
      total,
      totalPages: Math.ceil(total / query.limit),
      ranking,
    };
  }

  /** One page of a single ordered query, and its total. */
  async function sortedPage(
    filter: Filter,
    order: { projection: Record<string, unknown>; sort: Record<string, SortOrder | { $meta: 'textScore' }> },
    query: SearchQuery,
    ranking: SearchPage['ranking'],
    read: ReadPreferenceMode,
  ): Promise<SearchPage> {
    const [found, total] = await Promise.all([
      accounts
        .find(filter, order.projection)
        .sort(order.sort)
        .skip((query.page - 1) * query.limit)
        .limit(query.limit)
        .maxTimeMS(deps.maxTimeMs)
        .read(read)
        .lean<Account[]>(),
      accounts.countDocuments(filter, limit).read(read),
    ]);
    return page(found, total, query, ranking);
  }

  function byTextIndex(q: string, query: SearchQuery, read: ReadPreferenceMode): Promise<SearchPage> {
    const filter: Filter = { ...filtersOf(query), $text: mongoose.trusted({ $search: q }) };
    const score = { $meta: 'textScore' } as const;
    return sortedPage(filter, { projection: { ...resultFields, score }, sort: { score, _id: 1 } }, query, 'text', read);
  }

  /**
   * Without a text index: three tiers, each an indexed match on stored search words —
   * name matches, then interest-only matches, then bio-only matches — ordered by id within
   * a tier. Counting the tiers first lets a page be cut exactly across tier boundaries.
   */
  async function byTerms(words: string[], query: SearchQuery, read: ReadPreferenceMode): Promise<SearchPage> {
    const base = filtersOf(query);
    // Our own operators, marked as trusted so sanitizeFilter leaves them alone.
    const any = (): { $in: string[] } => mongoose.trusted({ $in: words });
    const none = (): { $nin: string[] } => mongoose.trusted({ $nin: words });
    const tiers: Filter[] = [
      { ...base, 'search.name': any() },
      { ...base, 'search.interests': any(), 'search.name': none() },
      { ...base, 'search.bio': any(), 'search.name': none(), 'search.interests': none() },
    ];
    const counts = await Promise.all(tiers.map((tier) => accounts.countDocuments(tier, limit).read(read)));
    const found: Account[] = [];
    let skip = (query.page - 1) * query.limit;
    for (const [index, tier] of tiers.entries()) {
      const count = counts[index]!;
      if (found.length === query.limit) break;
      if (skip >= count) {
        skip -= count;
        continue;
      }
      const taken = await accounts
        .find(tier, resultFields)
        .sort({ _id: 1 })
        .skip(skip)
        .limit(query.limit - found.length)
        .maxTimeMS(deps.maxTimeMs)
        .read(read)
        .lean<Account[]>();
      found.push(...taken);
      skip = 0;
    }
    return page(found, counts.reduce((sum, count) => sum + count, 0), query, 'terms');
  }

  function byFiltersOnly(query: SearchQuery, read: ReadPreferenceMode): Promise<SearchPage> {
    return sortedPage(filtersOf(query), { projection: resultFields, sort: { _id: 1 } }, query, 'none', read);
  }

  async function search(query: SearchQuery, words: string[], read: ReadPreferenceMode): Promise<SearchPage> {
    if (query.q && words.length === 0) return page([], 0, query, 'terms');
    const indexed = await byIndex(words, query);
    if (indexed) return indexed;
    return gated(() => {
      if (!query.q) return byFiltersOnly(query, read);
      return deps.capabilities()?.textSearch ? byTextIndex(query.q, query, read) : byTerms(words, query, read);
    });
  }

  const viewOf = (learner: IndexedLearner): Promise<PublicProfile> =>
    publicProfile({ _id: new Types.ObjectId(learner.id), profile: learner.profile, createdAt: learner.createdAt }, storage);

  /** Profiles by id: from the search index's entries, or else the profile cache; one gone since is left out. */
  async function profilesOf(ids: string[]): Promise<PublicProfile[]> {
    const indexed = new Map(((await deps.index.learners(ids)) ?? []).map((learner) => [learner.id, learner]));
    const found = await Promise.all(
      ids.map(async (id) => {
        const learner = indexed.get(id);
        if (learner) return viewOf(learner);
        try {
          return await deps.profiles.getPublic(id);
        } catch (error) {
          if (error instanceof NotFoundError) return null;
          throw error;
        }
      }),
    );
    return found.filter((profile) => profile !== null);
  }

  /** A page from the search index, profiles included (no database read), or null when it cannot answer. */
  async function byIndex(words: string[], query: SearchQuery): Promise<SearchPage | null> {
    const found = await deps.index.query(words, query, { offset: (query.page - 1) * query.limit, limit: query.limit });
    if (found === null) return null;
    return {
      results: await Promise.all(found.learners.map(viewOf)),
      page: query.page,
      limit: query.limit,
      total: found.total,
      totalPages: Math.ceil(found.total / query.limit),
      ranking: words.length > 0 ? 'terms' : 'none',
    };
  }

  async function hydrate({ ids, ...rest }: CachedPage): Promise<SearchPage> {
    return { ...rest, results: await profilesOf(ids) };
  }

  return {
    /**
     * Cached by the normalised query: "Hiking ", "hiking" and "híking" share one entry. A miss
     * answers with the profiles it just read; a hit takes them from the profile cache.
     */
    async searchProfiles(query: SearchQuery): Promise<SearchPage> {
      const words = normaliseWords(query.q ?? '');
      const key = JSON.stringify([query.q ? words.join(' ') : '', query.level ?? '', query.nativeLanguage ?? '', query.page, query.limit]);
      const tags = queryTags(query.q ? words : null, deps.capabilities()?.textSearch === true);
      let loaded: SearchPage | undefined;
      const cached = await deps.cache.getOrLoad<CachedPage>(
        'search',
        key,
        async ({ afterWrite }) => {
          const { results, ...rest } = (loaded = await search(query, words, afterWrite ? 'primary' : deps.staleReadPreference));
          return { ...rest, ids: results.map((profile) => profile.id) };
        },
        tags,
      );
      return loaded ?? hydrate(cached);
    },
  };
}

export type SearchService = ReturnType<typeof createSearchService>;
