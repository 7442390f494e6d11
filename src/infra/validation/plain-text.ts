import { z } from 'zod';

/**
 * Characters that render as nothing: Unicode's default-ignorable code points (format
 * characters such as bidi overrides and zero-width spaces, tag characters, variation
 * selectors, the combining grapheme joiner, Hangul fillers, invisible Khmer vowels …), every
 * other format character (Cf), and the Braille blank, which shows as an empty cell. They make
 * blank text look filled, reorder what follows, or carry text nobody sees.
 */
const invisibleCharacter = /[\p{Default_Ignorable_Code_Point}\p{Cf}\u2800]/u;
/**
 * The few invisible characters that visible text needs, each only where it does something:
 * ZWNJ and ZWJ between two visible characters (scripts, emoji sequences); one variation
 * selector right after a visible character (emoji or text presentation, ideograph variants);
 * tag characters inside a flag emoji's tag sequence (🏴 + tags + cancel tag). Anywhere else they
 * are refused: a run of them is a way to hide text.
 */
const flagTagSequence = /\u{1F3F4}[\u{E0020}-\u{E007E}]+\u{E007F}/gu;
const notVisible = String.raw`\s\p{M}\p{Default_Ignorable_Code_Point}\p{Cf}\u2800`;
const selectors = String.raw`\uFE00-\uFE0F\u{E0100}-\u{E01EF}`;
/** A visible character with its combining marks (a variation selector is a mark too, but only one may follow). */
const visibleWithMarks = String.raw`[^${notVisible}](?:(?![${selectors}])\p{M})*`;
const joinerInside = new RegExp(String.raw`(?<=${visibleWithMarks}[${selectors}]?)[\u200C\u200D](?=[^${notVisible}])`, 'gu');
const selectorAfterVisible = new RegExp(String.raw`(?<=${visibleWithMarks})[${selectors}]`, 'gu');
/** Control characters (NUL, ESC, DEL, C1 …); multi-line text keeps its line breaks and tabs. */
const refusedControl = /\p{Cc}/u;
const refusedControlMultiline = /(?![\n\t])\p{Cc}/u;
/** U+2028 and U+2029 break a line as \n does: not in a one-line field. */
const lineOrParagraphSeparator = /[\u2028\u2029]/u;
/** What shows nothing on its own: spaces, combining marks (they need a base; variation selectors are marks too), the kept joiners. */
const countsForNothing = /\s|\p{M}|\u200C|\u200D/gu;

/** The text with the invisible characters it may keep taken out: what is left must have none. */
function withoutKeptInvisibles(text: string): string {
  return text.replace(flagTagSequence, '\u{1F3F4}').replace(joinerInside, '').replace(selectorAfterVisible, '');
}

const hasRefusedInvisible = (text: string): boolean => invisibleCharacter.test(withoutKeptInvisibles(text));
const visibleLength = (text: string): number => [...withoutKeptInvisibles(text).replace(countsForNothing, '')].length;

export interface PlainTextRules {
  min: number;
  max: number;
  /** Allows line breaks and tabs (a bio); single-line fields (names) refuse them. */
  multiline?: boolean;
}

/**
 * Human-readable text as people type it: NFC-normalised (so one letter is stored one way)
 * and trimmed, with no control, bidi or invisible characters, and a minimum length that
 * counts only what can be seen (combining marks alone are blank).
 */
export function plainText({ min, max, multiline = false }: PlainTextRules) {
  const control = multiline ? refusedControlMultiline : refusedControl;
  return z
    .string()
    .transform((text) => text.normalize('NFC').trim())
    .refine((text) => !control.test(text), 'must not contain control characters')
    .refine((text) => multiline || !lineOrParagraphSeparator.test(text), 'must be one line')
    .refine((text) => !hasRefusedInvisible(text), 'must not contain invisible or direction-changing characters')
    .refine((text) => visibleLength(text) >= min, min === 1 ? 'must not be blank' : `must have at least ${min} visible characters`)
    .refine((text) => text.length <= max, `must be at most ${max} characters`);
}
