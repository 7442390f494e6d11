import type { Profile } from './profile.schema';
import { searchWordsOf } from './search-terms';

/**
 * Cache tags of search entries: what an entry's list of matches depends on, so a profile
 * edit outdates only the searches it can change. Entries hold ids only (the profiles come
 * from the profile cache), so an edit that changes no match changes no search.
 *
 * - A word search matches profiles by their words: tag `word:<w>` per query word. A profile
 *   edit that touches a searchable field or a filter outdates the words it had and has.
 * - MongoDB's text index stems words and ranks by score, so exact words do not bound what an
 *   edit can change: text-ranked searches share the one tag `text`.
 * - A search without words lists profiles by filters: tag `filters`.
 */
type SearchableProfile = Pick<Profile, 'displayName' | 'interests' | 'bio' | 'level' | 'nativeLanguage'>;

const searchable = ['displayName', 'interests', 'bio', 'level', 'nativeLanguage'] as const;

export function queryTags(words: string[] | null, textRanking: boolean): string[] {
  if (words === null) return ['filters'];
  return textRanking ? ['text'] : words.map((word) => `word:${word}`);
}

/** The tags an edit from `before` to `after` can outdate; none when no searchable field changed. */
export function profileChangeTags(before: SearchableProfile, after: SearchableProfile): string[] {
  const changed = searchable.filter((field) => JSON.stringify(before[field] ?? null) !== JSON.stringify(after[field] ?? null));
  if (changed.length === 0) return [];
  const words = new Set([...searchWordsOf(before), ...searchWordsOf(after)]);
  const filtersChanged = changed.includes('level') || changed.includes('nativeLanguage');
  return [...[...words].map((word) => `word:${word}`), 'text', ...(filtersChanged ? ['filters'] : [])];
}
