const sentenceSegmenter = new Intl.Segmenter('en', { granularity: 'sentence' });
const tokenPattern = /[A-Za-z]+(?:['’][A-Za-z]+)*/g;

export interface Sentence {
  index: number;
  text: string;
  /** The words as written, without punctuation. */
  tokens: string[];
}

/** The sentences of a text, in order, with their words. */
export function sentencesOf(text: string): Sentence[] {
  const flat = text.replace(/\s+/g, ' ').trim();
  const sentences: Sentence[] = [];
  for (const { segment } of sentenceSegmenter.segment(flat)) {
    const trimmed = segment.trim();
    const tokens = trimmed.match(tokenPattern) ?? [];
    if (tokens.length > 0) sentences.push({ index: sentences.length, text: trimmed, tokens });
  }
  return sentences;
}
