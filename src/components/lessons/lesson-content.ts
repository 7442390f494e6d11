import type { CefrLevel } from '../../shared/cefr-levels';

export interface VocabularyItem {
  word: string;
  /** The word's level in the graded list, or null when the list does not have it. */
  level: CefrLevel | null;
  occurrences: number;
  example: string;
}

export type Exercise =
  | { id: string; type: 'cloze'; prompt: string; hint: string; answer: string }
  | { id: string; type: 'multipleChoice'; prompt: string; options: string[]; answer: number }
  | { id: string; type: 'sentenceOrder'; prompt: string; items: string[]; answer: string[] };

export type ExerciseType = Exercise['type'];

/** What a generator produces. The `answer` of each exercise never leaves the server. */
export interface LessonContent {
  title: string;
  summary: string[];
  vocabulary: VocabularyItem[];
  exercises: Exercise[];
}

export interface LessonInput {
  text: string;
  title: string;
  level: CefrLevel;
  /** Makes the generator's choices repeatable for the same input. */
  seed: string;
}
