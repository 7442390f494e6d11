import type { Profile, SearchTerms } from '../profiles/profile.schema';

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

export function searchTermsFor(profile: Pick<Profile, 'displayName' | 'interests' | 'bio'>): SearchTerms {
  return {
    name: normaliseWords(profile.displayName),
    interests: normaliseWords(profile.interests.join(' ')),
    bio: normaliseWords(profile.bio),
  };
}

