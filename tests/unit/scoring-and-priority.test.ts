import { effectivePriority } from '../../src/components/jobs/priority';
import type { Exercise } from '../../src/components/lessons/lesson-content';
import { scoreAttempt, type Answer } from '../../src/components/practice/scoring';

const exercises: Exercise[] = [
  { id: 'e1', type: 'cloze', prompt: 'A _____ day', hint: 's… (5 letters)', answer: 'sunny' },
  { id: 'e2', type: 'multipleChoice', prompt: 'Pick', options: ['a', 'b', 'c'], answer: 2 },
  { id: 'e3', type: 'sentenceOrder', prompt: 'Order', items: ['b', 'a'], answer: ['We', 'garden'] },
];

describe('scoring', () => {
  it('scores right answers, tolerating case, spacing, curly apostrophes and end punctuation', () => {
    const answers = new Map<string, Answer>([
      ['e1', '  Sunny. '],
      ['e2', 2],
      ['e3', ['we', 'GARDEN']],
    ]);
    expect(scoreAttempt(exercises, answers)).toMatchObject({ score: 100, correct: 3, total: 3 });
  });

  it('counts missing and wrongly typed answers as wrong', () => {
    const result = scoreAttempt(
      exercises,
      new Map<string, Answer>([
        ['e1', 2],
        ['e2', '2'],
      ]),
    );
    expect(result).toMatchObject({ score: 0, correct: 0, total: 3 });
    expect(result.results.map((entry) => entry.correct)).toEqual([false, false, false]);
    expect(scoreAttempt(exercises, new Map<string, Answer>([['e3', ['garden', 'we']]])).correct).toBe(0);
    expect(scoreAttempt(exercises, new Map<string, Answer>([['e3', ['we']]])).correct).toBe(0);
  });

  it('rounds to one decimal', () => {
    expect(scoreAttempt(exercises, new Map<string, Answer>([['e2', 2]])).score).toBe(33.3);
    expect(scoreAttempt([], new Map()).score).toBe(0);
  });
});

describe('job priority by tier', () => {
  it.each([
    ['starter', undefined, 'normal'],
    ['starter', 'high', 'normal'],
    ['starter', 'low', 'low'],
    ['professional', undefined, 'normal'],
    ['professional', 'high', 'high'],
    ['professional', 'low', 'low'],
    ['enterprise', undefined, 'high'],
    ['enterprise', 'low', 'normal'],
    ['enterprise', 'normal', 'normal'],
  ] as const)('%s asking for %s runs at %s', (tier, asked, expected) => {
    expect(effectivePriority(tier, asked)).toBe(expected);
  });
});
