import { z } from 'zod';

/**
 * Format characters (Unicode Cf) render as nothing or reorder what follows: bidi overrides
 * and isolates (U+202A–U+202E, U+2066–U+2069) make a name read differently from what it
 * is, zero-width spaces make blank text look filled. ZWNJ and ZWJ are the exceptions, as
 * some scripts and emoji sequences need them, and so are the tag characters of flag emoji.
 * Hangul fillers are letters to Unicode but just as invisible.
 */
const formatOrFiller = /[\p{Cf}\u115F\u1160\u3164\uFFA0]/gu;
const keptFormat = /^(?:\u200C|\u200D|[\u{E0020}-\u{E007F}])$/u;
const hasRefusedFormat = (text: string): boolean => [...text.matchAll(formatOrFiller)].some(([character]) => !keptFormat.test(character));
/** Control characters (NUL, ESC, DEL, C1 …); multi-line text keeps its line breaks and tabs. */
const refusedControl = /\p{Cc}/u;
const refusedControlMultiline = /(?![\n\t])\p{Cc}/u;
/** What still counts towards nothing once the refused characters are gone. */
const invisible = /\s|\u200C|\u200D/gu;

export interface PlainTextRules {
  min: number;
  max: number;
  /** Allows line breaks and tabs (a bio); single-line fields (names) refuse them. */
  multiline?: boolean;
}

/**
 * Human-readable text as people type it: NFC-normalised (so one letter is stored one way)
 * and trimmed, with no control, bidi or invisible characters, and a minimum length that
 * counts only what can be seen.
 */
export function plainText({ min, max, multiline = false }: PlainTextRules) {
  const control = multiline ? refusedControlMultiline : refusedControl;
  return z
    .string()
    .transform((text) => text.normalize('NFC').trim())
    .refine((text) => !control.test(text), 'must not contain control characters')
    .refine((text) => !hasRefusedFormat(text), 'must not contain invisible or direction-changing characters')
    .refine((text) => text.replace(invisible, '').length >= min, min === 1 ? 'must not be blank' : `must have at least ${min} visible characters`)
    .refine((text) => text.length <= max, `must be at most ${max} characters`);
}
