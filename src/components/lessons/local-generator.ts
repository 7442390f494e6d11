import seedrandom from 'seedrandom';
import type { Exercise, LessonContent, LessonInput, VocabularyItem } from './lesson-content';
import { shuffle } from './shuffle';
import { sentencesOf, type Sentence } from './text-units';
import { levelOfWord, wordsAtLevel } from './word-levels';
import { cefrLevels, type CefrLevel } from '../../shared/cefr-levels';

/** Part of every lesson's cache key: bump it when the output for the same input changes. */
export const localGeneratorVersion = 'local-1';

const vocabularySize = 8;
const clozeCount = 4;
const multipleChoiceCount = 3;
const sentenceOrderCount = 2;
const blank = '_____';

interface WordStats {
  word: string;
  occurrences: number;
  level: CefrLevel | null;
}

/** Word counts of the text; words seen only capitalised (names, places) are left out. */
function wordStats(sentences: Sentence[]): WordStats[] {
  const counts = new Map<string, number>();
  const seenLowerCase = new Set<string>();
  for (const { tokens } of sentences) {
    for (const token of tokens) {
      const lower = token.toLowerCase();
      counts.set(lower, (counts.get(lower) ?? 0) + 1);
      if (token === lower) seenLowerCase.add(lower);
    }
  }
  return [...counts]
    .filter(([word]) => seenLowerCase.has(word) && /^[a-z]{4,}$/.test(word))
    .map(([word, occurrences]) => ({ word, occurrences, level: levelOfWord(word) }));
}

const rankOf = (level: CefrLevel | null): number => (level === null ? cefrLevels.length : cefrLevels.indexOf(level));

/**
 * Words worth learning at `level`: first those graded at the learner's level up to two
 * above it, then any rarer word; the most frequent in the text first. A1 words are known.
 */
function chooseVocabulary(stats: WordStats[], level: CefrLevel, sentences: Sentence[]): VocabularyItem[] {
  const learnerRank = cefrLevels.indexOf(level);
  const group = (entry: WordStats): number => {
    const distance = rankOf(entry.level) - learnerRank;
    return entry.level !== null && distance >= 0 && distance <= 2 ? 0 : 1;
  };
  return stats
    .filter((entry) => rankOf(entry.level) > 0)
    .sort(
      (a, b) =>
        group(a) - group(b) ||
        Math.abs(rankOf(a.level) - learnerRank) - Math.abs(rankOf(b.level) - learnerRank) ||
        b.occurrences - a.occurrences ||
        a.word.localeCompare(b.word),
    )
    .slice(0, vocabularySize)
    .map(({ word, occurrences, level: wordLevel }) => ({
      word,
      level: wordLevel,
      occurrences,
      example: sentences.find((sentence) => sentence.tokens.some((token) => token.toLowerCase() === word))?.text ?? '',
    }));
}

/** Key sentences: most content words that recur in the text, per length, in reading order. */
function summarise(sentences: Sentence[], stats: WordStats[]): string[] {
  const weight = new Map(stats.filter((entry) => rankOf(entry.level) > 0).map((entry) => [entry.word, entry.occurrences]));
  const candidates = sentences.filter((sentence) => sentence.tokens.length >= 6 && sentence.tokens.length <= 40);
  const pool = candidates.length > 0 ? candidates : sentences;
  const scored = pool.map((sentence) => ({
    sentence,
    score: sentence.tokens.reduce((sum, token) => sum + (weight.get(token.toLowerCase()) ?? 0), 0) / Math.sqrt(sentence.tokens.length),
  }));
  const count = Math.min(3, Math.max(1, Math.ceil(pool.length / 4)));
  return scored
    .sort((a, b) => b.score - a.score || a.sentence.index - b.sentence.index)
    .slice(0, count)
    .sort((a, b) => a.sentence.index - b.sentence.index)
    .map(({ sentence }) => sentence.text);
}

function withBlank(sentence: Sentence, word: string): string {
  return sentence.text.replace(new RegExp(`\\b${word}\\b`, 'i'), blank);
}

/**
 * The deterministic local generator: no network, the same lesson for the same input. A
 * summary of key sentences, vocabulary by frequency against the graded word list, and
 * cloze, multiple-choice and sentence-order exercises taken from the text.
 */
export function generateLocalLesson(input: LessonInput): LessonContent {
  const random = seedrandom(input.seed);
  const sentences = sentencesOf(input.text);
  const stats = wordStats(sentences);
  const vocabulary = chooseVocabulary(stats, input.level, sentences);
  const used = new Set<number>();
  const exercises: Exercise[] = [];
  const nextId = (): string => `e${exercises.length + 1}`;
  const sentenceWith = (word: string): Sentence | undefined =>
    sentences.find((sentence) => !used.has(sentence.index) && sentence.tokens.some((token) => token.toLowerCase() === word));

  for (const { word } of vocabulary.slice(0, clozeCount)) {
    const sentence = sentenceWith(word);
    if (!sentence) continue;
    used.add(sentence.index);
    exercises.push({
      id: nextId(),
      type: 'cloze',
      prompt: `Fill in the gap: ${withBlank(sentence, word)}`,
      hint: `${word[0]}… (${word.length} letters)`,
      answer: word,
    });
  }

  const vocabularyWords = vocabulary.map((item) => item.word);
  for (const { word, level } of vocabulary.slice(clozeCount, clozeCount + multipleChoiceCount)) {
    const sentence = sentenceWith(word);
    if (!sentence) continue;
    used.add(sentence.index);
    const pool = [...vocabularyWords, ...wordsAtLevel(level ?? input.level).slice(0, 300)].filter((candidate) => candidate !== word && candidate.length >= 4);
    const distractors = shuffle([...new Set(pool)], random).slice(0, 3);
    const options = shuffle([word, ...distractors], random);
    exercises.push({
      id: nextId(),
      type: 'multipleChoice',
      prompt: `Choose the word that completes the sentence: ${withBlank(sentence, word)}`,
      options,
      answer: options.indexOf(word),
    });
  }

  const orderable = sentences.filter((sentence) => !used.has(sentence.index) && sentence.tokens.length >= 5 && sentence.tokens.length <= 12);
  const step = Math.max(1, Math.floor(orderable.length / sentenceOrderCount));
  for (let i = 0, made = 0; i < orderable.length && made < sentenceOrderCount; i += step, made++) {
    const answer = orderable[i]!.tokens;
    let items = shuffle(answer, random);
    // A shuffle that happens to keep the order would be no exercise: rotate it instead.
    if (items.join(' ') === answer.join(' ')) items = [...answer.slice(1), answer[0]!];
    exercises.push({ id: nextId(), type: 'sentenceOrder', prompt: 'Put the words in order to make a sentence from the text.', items, answer });
  }

  return { title: input.title, summary: summarise(sentences, stats), vocabulary, exercises };
}
