import { lessonContentKey } from '../../src/components/lessons/lesson-key';
import { generateLocalLesson, localGeneratorVersion } from '../../src/components/lessons/local-generator';
import { levelOfWord } from '../../src/components/lessons/word-levels';
import { readingText } from '../support/documents';
import { cefrLevels } from '../../src/shared/cefr-levels';

const text = readingText.join('\n\n');
const input = (level: (typeof cefrLevels)[number], seed = 'seed-1') => ({ text, title: 'Gardens', level, seed });

describe('the local lesson generator', () => {
  it('is deterministic: the same input gives the same lesson, another seed may shuffle differently', () => {
    expect(generateLocalLesson(input('B1'))).toEqual(generateLocalLesson(input('B1')));
    expect(generateLocalLesson(input('B1')).vocabulary).toEqual(generateLocalLesson(input('B1', 'seed-2')).vocabulary);
  });

  it('makes cloze, multiple-choice and sentence-order exercises whose keys match the text', () => {
    const lesson = generateLocalLesson(input('B1'));
    const byType = (type: string) => lesson.exercises.filter((exercise) => exercise.type === type);
    expect(byType('cloze').length).toBeGreaterThanOrEqual(2);
    expect(byType('multipleChoice').length).toBeGreaterThanOrEqual(1);
    expect(byType('sentenceOrder')).toHaveLength(2);
    expect(new Set(lesson.exercises.map((exercise) => exercise.id)).size).toBe(lesson.exercises.length);
    for (const exercise of lesson.exercises) {
      if (exercise.type === 'cloze') {
        expect(exercise.prompt).toContain('_____');
        expect(text.toLowerCase()).toContain(exercise.prompt.replace('Fill in the gap: ', '').replace('_____', exercise.answer).toLowerCase());
      } else if (exercise.type === 'multipleChoice') {
        expect(exercise.options).toHaveLength(4);
        expect(new Set(exercise.options).size).toBe(4);
        expect(text.toLowerCase()).toContain(exercise.prompt.split(': ')[1]!.replace('_____', exercise.options[exercise.answer]!).toLowerCase());
      } else {
        expect([...exercise.items].sort()).toEqual([...exercise.answer].sort());
        expect(exercise.items).not.toEqual(exercise.answer);
        expect(text.replace(/[^\w\s']/g, '').replace(/\s+/g, ' ')).toContain(exercise.answer.join(' '));
      }
    }
  });

  it('summarises with sentences of the text, in reading order', () => {
    const { summary } = generateLocalLesson(input('B1'));
    expect(summary.length).toBeGreaterThanOrEqual(1);
    expect(summary.length).toBeLessThanOrEqual(3);
    const positions = summary.map((sentence) => text.indexOf(sentence));
    expect(positions.every((position) => position >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });

  it('picks vocabulary at or above the learner level, never A1 words or names', () => {
    for (const level of ['A2', 'B1', 'C1'] as const) {
      const { vocabulary } = generateLocalLesson(input(level));
      expect(vocabulary.length).toBeGreaterThanOrEqual(4);
      for (const item of vocabulary) {
        expect(item.level).not.toBe('A1');
        expect(item.word).toBe(item.word.toLowerCase());
        expect(text.toLowerCase()).toContain(item.word);
        expect(item.example.toLowerCase()).toContain(item.word);
      }
    }
    const advanced = generateLocalLesson(input('C1')).vocabulary.filter((item) => item.level !== null);
    const rank = (level: string | null) => cefrLevels.indexOf(level as (typeof cefrLevels)[number]);
    expect(advanced.every((item) => rank(item.level) >= rank('B1'))).toBe(true);
  });

  it('copes with text too short for exercises and with hostile text', () => {
    expect(generateLocalLesson({ ...input('B1'), text: 'Hi.' }).exercises).toEqual([]);
    const hostile = generateLocalLesson({ ...input('B1'), text: 'The (.*) regex [a-z]+ $where __proto__ constructor appears twice here. '.repeat(5) });
    expect(hostile.exercises.length).toBeGreaterThan(0);
  });

  it('grades words from the shipped list', () => {
    expect(levelOfWord('the')).toBe('A1');
    expect(levelOfWord('compost')).not.toBe('A1');
    expect(levelOfWord('zzzzqx')).toBeNull();
  });
});

describe('lesson content keys', () => {
  it('differ by text, level and generator version', () => {
    const key = lessonContentKey(text, 'B1', localGeneratorVersion);
    expect(key).toMatch(/^[a-f0-9]{64}$/);
    expect(lessonContentKey(text, 'B2', localGeneratorVersion)).not.toBe(key);
    expect(lessonContentKey(`${text}.`, 'B1', localGeneratorVersion)).not.toBe(key);
    expect(lessonContentKey(text, 'B1', 'openai-1:m')).not.toBe(key);
    expect(lessonContentKey(text, 'B1', localGeneratorVersion)).toBe(key);
  });
});
