import type { ReadPreferenceMode } from '../../infra/db/database';
import { Types, type Model } from 'mongoose';
import type { Cache } from '../../infra/cache/cache';
import type { DatabaseCapabilities } from '../../infra/db/capabilities';
import type { StorageDriver } from '../../infra/storage/storage-driver';
import type { Account } from './account.model';
import { byFiltersOnly, byTerms, byTextIndex, resultPage, type SearchPage } from './database-search';
import { publicProfile, type PublicProfile } from './profile-view';
import type { ProfilesService } from './profiles.service';
import { NotFoundError } from '../../infra/errors/app-error';
import { queryTags } from './search-tags';
import { searchGate } from './search-gate';
import type { IndexedLearner, SearchIndex } from './search-index';
import { normaliseWords } from './search-terms';
import type { SearchQuery } from './search.validation';

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

export function createSearchService(deps: SearchServiceDependencies) {
  const { storage } = deps;
  const database = { accounts: deps.accounts, storage, maxTimeMs: deps.maxTimeMs };
  const gated = searchGate(deps.maxConcurrent);

  async function search(query: SearchQuery, words: string[], read: ReadPreferenceMode): Promise<SearchPage> {
    if (query.q && words.length === 0) return resultPage(database, [], 0, query, 'terms');
    const indexed = await byIndex(words, query);
    if (indexed) return indexed;
    return gated(() => {
      if (!query.q) return byFiltersOnly(database, query, read);
      return deps.capabilities()?.textSearch ? byTextIndex(database, query.q, query, read) : byTerms(database, words, query, read);
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
