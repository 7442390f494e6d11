import type { Profile } from './profile.schema';
import { searchTermsFor, type SearchFilters } from './search-terms';

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

interface StoredEntry {
  v: number;
  keys: string[];
  profile: Profile;
  createdAt: string;
}

// One hash tag: every key of a script is in one slot, should Redis ever be a cluster.
const searchIndexBase = (keyPrefix: string): string => `${keyPrefix}search-index:{v2}:`;

/** The key whose presence says the index of a deployment (its Redis key prefix) is complete. */
export function searchIndexMarker(keyPrefix: string): string {
  return `${searchIndexBase(keyPrefix)}built`;
}

/** The index's Redis keys under one deployment's key prefix. */
export function searchIndexKeys(keyPrefix: string) {
  const base = searchIndexBase(keyPrefix);
  return {
    base,
    marker: searchIndexMarker(keyPrefix),
    lock: `${base}rebuilding`,
    entries: `${base}entries`,
    set: (name: string): string => `${base}${name}`,
  };
}

export type SearchIndexKeys = ReturnType<typeof searchIndexKeys>;

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

export function entryOf(learner: IndexedLearner): string {
  const entry: StoredEntry = { v: learner.version, keys: setsOf(learner.profile), profile: learner.profile, createdAt: learner.createdAt.toISOString() };
  return JSON.stringify(entry);
}

export function learnerOf(id: string, stored: string): IndexedLearner {
  const entry = JSON.parse(stored) as StoredEntry;
  return { id, version: entry.v, profile: entry.profile, createdAt: new Date(entry.createdAt) };
}

/** The filter sets of a search: the sets a result must be in. */
export function filterSets(keys: SearchIndexKeys, filters: SearchFilters): string[] {
  return [...(filters.level ? [keys.set(`level:${filters.level}`)] : []), ...(filters.nativeLanguage ? [keys.set(`lang:${filters.nativeLanguage}`)] : [])];
}
