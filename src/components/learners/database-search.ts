import type { ReadPreferenceMode } from '../../infra/db/database';
import mongoose, { type Model, type QueryFilter, type SortOrder } from 'mongoose';
import type { StorageDriver } from '../../infra/storage/storage-driver';
import type { Account } from './account.model';
import { publicProfile, type PublicProfile } from './profile-view';
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

/** The profile search where no search index answers: queries on the accounts collection. */
export interface DatabaseSearch {
  accounts: Model<Account>;
  storage: StorageDriver;
  /** Database time limit of each query (maxTimeMS). */
  maxTimeMs: number;
}

const resultFields = { profile: 1, createdAt: 1 } as const;
type Filter = QueryFilter<Account>;

function filtersOf(query: SearchQuery): Filter {
  const filter: Filter = {};
  if (query.level) filter['profile.level'] = query.level;
  if (query.nativeLanguage) filter['profile.nativeLanguage'] = query.nativeLanguage;
  return filter;
}

export async function resultPage(db: DatabaseSearch, found: Account[], total: number, query: SearchQuery, ranking: SearchPage['ranking']): Promise<SearchPage> {
  return {
    results: await Promise.all(found.map((account) => publicProfile(account, db.storage))),
    page: query.page,
    limit: query.limit,
    total,
    totalPages: Math.ceil(total / query.limit),
    ranking,
  };
}

/** One page of a single ordered query, and its total. */
async function sortedPage(
  db: DatabaseSearch,
  filter: Filter,
  order: { projection: Record<string, unknown>; sort: Record<string, SortOrder | { $meta: 'textScore' }> },
  query: SearchQuery,
  ranking: SearchPage['ranking'],
  read: ReadPreferenceMode,
): Promise<SearchPage> {
  const [found, total] = await Promise.all([
    db.accounts
      .find(filter, order.projection)
      .sort(order.sort)
      .skip((query.page - 1) * query.limit)
      .limit(query.limit)
      .maxTimeMS(db.maxTimeMs)
      .read(read)
      .lean<Account[]>(),
    db.accounts.countDocuments(filter, { maxTimeMS: db.maxTimeMs }).read(read),
  ]);
  return resultPage(db, found, total, query, ranking);
}

export function byTextIndex(db: DatabaseSearch, q: string, query: SearchQuery, read: ReadPreferenceMode): Promise<SearchPage> {
  const filter: Filter = { ...filtersOf(query), $text: mongoose.trusted({ $search: q }) };
  const score = { $meta: 'textScore' } as const;
  return sortedPage(db, filter, { projection: { ...resultFields, score }, sort: { score, _id: 1 } }, query, 'text', read);
}

/**
 * Without a text index: three tiers, each an indexed match on stored search words —
 * name matches, then interest-only matches, then bio-only matches — ordered by id within
 * a tier. Counting the tiers first lets a page be cut exactly across tier boundaries.
 */
export async function byTerms(db: DatabaseSearch, words: string[], query: SearchQuery, read: ReadPreferenceMode): Promise<SearchPage> {
  const base = filtersOf(query);
  // Our own operators, marked as trusted so sanitizeFilter leaves them alone.
  const any = (): { $in: string[] } => mongoose.trusted({ $in: words });
  const none = (): { $nin: string[] } => mongoose.trusted({ $nin: words });
  const tiers: Filter[] = [
    { ...base, 'search.name': any() },
    { ...base, 'search.interests': any(), 'search.name': none() },
    { ...base, 'search.bio': any(), 'search.name': none(), 'search.interests': none() },
  ];
  const counts = await Promise.all(tiers.map((tier) => db.accounts.countDocuments(tier, { maxTimeMS: db.maxTimeMs }).read(read)));
  const found: Account[] = [];
  let skip = (query.page - 1) * query.limit;
  for (const [index, tier] of tiers.entries()) {
    const count = counts[index]!;
    if (found.length === query.limit) break;
    if (skip >= count) {
      skip -= count;
      continue;
    }
    const taken = await db.accounts
      .find(tier, resultFields)
      .sort({ _id: 1 })
      .skip(skip)
      .limit(query.limit - found.length)
      .maxTimeMS(db.maxTimeMs)
      .read(read)
      .lean<Account[]>();
    found.push(...taken);
    skip = 0;
  }
  return resultPage(
    db,
    found,
    counts.reduce((sum, count) => sum + count, 0),
    query,
    'terms',
  );
}

export function byFiltersOnly(db: DatabaseSearch, query: SearchQuery, read: ReadPreferenceMode): Promise<SearchPage> {
  return sortedPage(db, filtersOf(query), { projection: resultFields, sort: { _id: 1 } }, query, 'none', read);
}
