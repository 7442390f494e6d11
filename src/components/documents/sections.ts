import type { DocumentSection } from './document.model';

const wordPattern = /[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*/gu;

export function countWords(text: string): number {
  return text.match(wordPattern)?.length ?? 0;
}

/** Paragraphs: blocks separated by blank lines, inner line breaks (PDF wrapping) joined. */
function paragraphsOf(text: string): string[] {
  return text
    .split(/\n\s*\n/)
    .map((block) =>
      block
        .replace(/\s*\n\s*/g, ' ')
        .replace(/\s+/g, ' ')
        .trim(),
    )
    .filter((block) => countWords(block) > 0);
}

const sentenceSegmenter = new Intl.Segmenter('en', { granularity: 'sentence' });

/** A paragraph far longer than a section is cut at sentence ends. */
function piecesOf(paragraph: string, targetWords: number): string[] {
  if (countWords(paragraph) <= targetWords * 2) return [paragraph];
  const pieces: string[] = [];
  let current = '';
  for (const { segment } of sentenceSegmenter.segment(paragraph)) {
    if (current !== '' && countWords(current) + countWords(segment) > targetWords) {
      pieces.push(current.trim());
      current = '';
    }
    current += segment;
  }
  if (current.trim() !== '') pieces.push(current.trim());
  return pieces;
}

function titleOf(text: string): string {
  const words = text.split(/\s+/).slice(0, 8).join(' ');
  return words.length < text.length ? `${words}…` : words;
}

/** Sections of about `targetWords` words, made of whole paragraphs, in reading order. */
export function splitIntoSections(text: string, targetWords: number): DocumentSection[] {
  const sections: DocumentSection[] = [];
  let buffer: string[] = [];
  let words = 0;
  const flush = (): void => {
    if (buffer.length === 0) return;
    const sectionText = buffer.join('\n\n');
    sections.push({ index: sections.length, title: titleOf(sectionText), text: sectionText, wordCount: words });
    buffer = [];
    words = 0;
  };
  for (const piece of paragraphsOf(text).flatMap((paragraph) => piecesOf(paragraph, targetWords))) {
    const pieceWords = countWords(piece);
    if (words > 0 && words + pieceWords > targetWords) flush();
    buffer.push(piece);
    words += pieceWords;
  }
  flush();
  return sections;
}
