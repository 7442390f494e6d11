import { plainText } from '../../src/infra/validation/plain-text';

const name = plainText({ min: 1, max: 10 });
const bio = plainText({ min: 0, max: 100, multiline: true });
const refusal = (schema: typeof name, text: string): string | undefined => schema.safeParse(text).error?.issues[0]?.message;

describe('plain text as people type it', () => {
  it('is NFC-normalised and trimmed', () => {
    expect(name.parse('  Jose\u0301 ')).toBe('José');
    expect(name.parse('José').length).toBe(4);
  });

  it('refuses control characters, and line breaks in a one-line field only', () => {
    expect(refusal(name, 'a\u0007b')).toBe('must not contain control characters');
    expect(refusal(name, 'a\nb')).toBe('must not contain control characters');
    expect(refusal(name, 'a\u2028b')).toBe('must be one line');
    expect(bio.parse('line one\n\tline two')).toBe('line one\n\tline two');
    expect(refusal(bio, 'a\u001bb')).toBe('must not contain control characters');
  });

  it('refuses direction-changing and invisible characters', () => {
    for (const text of ['a\u202Eb', 'a\u200Bb', '\u2800', 'a\u{E0041}', 'a\u2066b']) {
      expect([text, refusal(name, text)]).toEqual([text, 'must not contain invisible or direction-changing characters']);
    }
  });

  it('keeps the joiners, selectors and tags visible text needs, only where they do something', () => {
    expect(name.parse('👩\u200D💻')).toBe('👩\u200D💻');
    expect(name.parse('\u2764\uFE0F')).toBe('\u2764\uFE0F');
    const scotland = '\u{1F3F4}\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}';
    expect(plainText({ min: 1, max: 20 }).parse(scotland)).toBe(scotland);
    expect(refusal(name, '\u200Da')).toBe('must not contain invisible or direction-changing characters');
    expect(refusal(name, 'a\uFE0F\uFE0F')).toBe('must not contain invisible or direction-changing characters');
  });

  it('counts only what can be seen towards the minimum, and every character towards the maximum', () => {
    expect(refusal(name, '   ')).toBe('must not be blank');
    expect(refusal(name, '\u0301\u0301')).toBe('must not be blank');
    expect(refusal(plainText({ min: 3, max: 10 }), 'ab')).toBe('must have at least 3 visible characters');
    expect(refusal(name, 'abcdefghijk')).toBe('must be at most 10 characters');
  });
});
