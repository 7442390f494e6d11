import type { ReadPreferenceMode } from '../../infra/db/database';
import mongoose, { type Model, type QueryFilter, type SortOrder } from 'mongoose';
import type { Cache } from '../../infra/cache/cache';
import type { DatabaseCapabilities } from '../../infra/db/capabilities';
import type { StorageDriver } from '../../infra/storage/storage-driver';
import type { Account } from '../accounts/account.model';
import { publicProfile, type PublicProfile } from '../profiles/profile-view';
import { searchGate } from './search-gate';
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
  /** Database time limit of each query (maxTimeMS). */
  maxTimeMs: number;
  /** Uncached searches at once in this process. */
  maxConcurrent: number;
}

const resultFields = { profile: 1, createdAt: 1 } as const;
type Filter = QueryFilter<Account>;

export function createSearchService(deps: SearchServiceDependencies) {
  const { accounts, storage } = deps;
  const read = deps.staleReadPreference;
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

  function byTextIndex(q: string, query: SearchQuery): Promise<SearchPage> {
    const filter: Filter = { ...filtersOf(query), $text: mongoose.trusted({ $search: q }) };
    const score = { $meta: 'textScore' } as const;
    return sortedPage(filter, { projection: { ...resultFields, score }, sort: { score, _id: 1 } }, query, 'text');
  }

  /**
   * Without a text index: three tiers, each an indexed match on stored search words —
   * name matches, then interest-only matches, then bio-only matches — ordered by id within
   * a tier. Counting the tiers first lets a page be cut exactly across tier boundaries.
   */
  async function byTerms(words: string[], query: SearchQuery): Promise<SearchPage> {
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

  function byFiltersOnly(query: SearchQuery): Promise<SearchPage> {
    return sortedPage(filtersOf(query), { projection: resultFields, sort: { _id: 1 } }, query, 'none');
  }

  async function search(query: SearchQuery, words: string[]): Promise<SearchPage> {
    if (query.q === undefined || query.q === '') return byFiltersOnly(query);
    if (words.length === 0) return page([], 0, query, 'terms');
    return deps.capabilities()?.textSearch ? byTextIndex(query.q, query) : byTerms(words, query);
  }

  return {
    /** Cached by the normalised query: "Hiking ", "hiking" and "híking" share one entry. */
    async searchProfiles(query: SearchQuery): Promise<SearchPage> {
      const words = normaliseWords(query.q ?? '');
      const key = JSON.stringify([query.q ? words.join(' ') : '', query.level ?? '', query.nativeLanguage ?? '', query.page, query.limit]);
      return deps.cache.getOrLoad('search', key, () => gated(() => search(query, words)));
    },
  };
}

export type SearchService = ReturnType<typeof createSearchService>;
