import type { Profile, SearchTerms } from './profile.schema';

export interface SearchFilters {
  level?: string | undefined;
  nativeLanguage?: string | undefined;
}

/** Words too common to say anything about a learner. */
const stopWords = new Set(
  'a an and are as at be but by for from has have i in is it its me my of on or our so that the their this to was we with you your'.split(' '),
);
const maxTermsPerField = 200;

/** Lower-case words without accents, at least two characters long, each once. */
export function normaliseWords(text: string): string[] {
  const words = text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word.length >= 2 && !stopWords.has(word));
  return [...new Set(words)].slice(0, maxTermsPerField);
}

/** The profile fields the search words come from: the one rule for "a profile becomes search words". */
type SearchableText = Pick<Profile, 'displayName' | 'interests' | 'bio'>;
const sourceOf = { name: 'displayName', interests: 'interests', bio: 'bio' } as const satisfies Record<keyof SearchTerms, keyof SearchableText>;
const kinds = Object.keys(sourceOf) as (keyof SearchTerms)[];

/** The search words of each searchable field present in `fields` (a whole profile or a patch). */
export function searchTermsOf(fields: Partial<SearchableText>): Partial<SearchTerms> {
  const terms: Partial<SearchTerms> = {};
  for (const kind of kinds) {
    const value = fields[sourceOf[kind]];
    if (value !== undefined) terms[kind] = normaliseWords(Array.isArray(value) ? value.join(' ') : value);
  }
  return terms;
}

export function searchTermsFor(profile: SearchableText): SearchTerms {
  const { name = [], interests = [], bio = [] } = searchTermsOf(profile);
  return { name, interests, bio };
}

/** Every search word of a profile, whichever field it comes from. */
export function searchWordsOf(profile: SearchableText): string[] {
  const { name, interests, bio } = searchTermsFor(profile);
  return [...name, ...interests, ...bio];
}
