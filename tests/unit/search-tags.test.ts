import type { Profile } from '../../src/components/learners';
import { profileChangeTags, queryTags } from '../../src/components/learners/search-tags';

const profile = (fields: Partial<Profile>): Profile => ({
  displayName: 'Ana Lopez',
  bio: 'I like chess',
  nativeLanguage: 'es',
  level: 'B1',
  interests: ['hiking'],
  goals: [],
  timezone: null,
  avatar: null,
  ...fields,
});

describe('the cache tags of searches', () => {
  it('tag a word search by its words, a text-ranked one as text, and one without words as filters', () => {
    expect(queryTags(['hiking', 'chess'], false)).toEqual(['word:hiking', 'word:chess']);
    expect(queryTags(['hiking'], true)).toEqual(['text']);
    expect(queryTags(null, false)).toEqual(['filters']);
    expect(queryTags(null, true)).toEqual(['filters']);
  });
});

describe('the searches a profile edit outdates (profileChangeTags)', () => {
  it('are none when no searchable field changed', () => {
    expect(profileChangeTags(profile({}), profile({ goals: ['fluency'], timezone: 'Europe/Madrid', avatar: { key: 'k', contentType: 'image/png' } }))).toEqual(
      [],
    );
  });

  it('are the words it had and has, and text-ranked searches, when a searchable field changed', () => {
    const tags = profileChangeTags(profile({}), profile({ displayName: 'Ana García' }));
    expect(new Set(tags)).toEqual(new Set(['word:ana', 'word:lopez', 'word:garcia', 'word:like', 'word:chess', 'word:hiking', 'text']));
    expect(tags).not.toContain('filters');
  });

  it('include the searches by filters when the level or native language changed', () => {
    expect(profileChangeTags(profile({}), profile({ level: 'B2' }))).toContain('filters');
    expect(profileChangeTags(profile({}), profile({ nativeLanguage: 'pt' }))).toContain('filters');
    expect(profileChangeTags(profile({ level: null }), profile({ level: 'A1' }))).toEqual(expect.arrayContaining(['filters', 'text', 'word:ana']));
  });

  it('see a change of interests even when only their order changed', () => {
    expect(profileChangeTags(profile({ interests: ['a1', 'b2'] }), profile({ interests: ['b2', 'a1'] }))).toContain('text');
  });
});
