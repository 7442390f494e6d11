import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cefrLevels, type CefrLevel } from '../../shared/cefr-levels';

/** From src/ and from dist/ alike, the project root is three folders up. */
const wordListPath = join(__dirname, '..', '..', '..', 'assets', 'word-levels.txt');

interface WordList {
  levels: Map<string, CefrLevel>;
  byLevel: Record<CefrLevel, string[]>;
}

let loaded: WordList | null = null;

function load(): WordList {
  if (loaded) return loaded;
  const levels = new Map<string, CefrLevel>();
  const byLevel = Object.fromEntries(cefrLevels.map((level) => [level, [] as string[]])) as Record<CefrLevel, string[]>;
  for (const line of readFileSync(wordListPath, 'utf8').split('\n')) {
    const [level, ...words] = line.trim().split(' ');
    if (!cefrLevels.includes(level as CefrLevel)) continue;
    for (const word of words) {
      if (levels.has(word)) continue;
      levels.set(word, level as CefrLevel);
      byLevel[level as CefrLevel].push(word);
    }
  }
  loaded = { levels, byLevel };
  return loaded;
}

/**
 * The level-graded word list (assets/word-levels.txt, built from spoken-English frequencies
 * by scripts/build-word-levels.mts): each word with the CEFR level it is usually learnt at.
 */
export function levelOfWord(word: string): CefrLevel | null {
  return load().levels.get(word) ?? null;
}

/** Words of one level, in frequency order: distractors for multiple choice. */
export function wordsAtLevel(level: CefrLevel): readonly string[] {
  return load().byLevel[level];
}
