import type { Exercise } from '../lessons';

export type Answer = string | number | string[];

export interface ExerciseResult {
  exerciseId: string;
  correct: boolean;
  expected: Answer;
}

export interface Score {
  score: number;
  correct: number;
  total: number;
  results: ExerciseResult[];
}

const normalise = (word: string): string =>
  word
    .trim()
    .toLowerCase()
    .replace(/[’]/g, "'")
    .replace(/[.,;:!?"]+$/g, '');

function isCorrect(exercise: Exercise, answer: Answer | undefined): boolean {
  switch (exercise.type) {
    case 'cloze':
      return typeof answer === 'string' && normalise(answer) === normalise(exercise.answer);
    case 'multipleChoice':
      return typeof answer === 'number' && answer === exercise.answer;
    case 'sentenceOrder':
      return Array.isArray(answer) && answer.length === exercise.answer.length && answer.every((word, i) => normalise(word) === normalise(exercise.answer[i]!));
  }
}

/** Scores answers against the server-side keys; an exercise left unanswered is wrong. */
export function scoreAttempt(exercises: Exercise[], answers: Map<string, Answer>): Score {
  const results = exercises.map((exercise) => ({ exerciseId: exercise.id, correct: isCorrect(exercise, answers.get(exercise.id)), expected: exercise.answer }));
  const correct = results.filter((result) => result.correct).length;
  const total = exercises.length;
  return { score: total === 0 ? 0 : Math.round((correct / total) * 1000) / 10, correct, total, results };
}
