import type { Exercise } from './lesson-content';
import type { LessonRecord } from './lesson.model';

/** An exercise as the learner sees it: its fields listed one by one, so an answer key never slips out. */
function withoutAnswer(exercise: Exercise) {
  const { id, type, prompt } = exercise;
  switch (exercise.type) {
    case 'cloze':
      return { id, type, prompt, hint: exercise.hint };
    case 'multipleChoice':
      return { id, type, prompt, options: exercise.options };
    case 'sentenceOrder':
      return { id, type, prompt, items: exercise.items };
  }
}

export function lessonSummary(lesson: Pick<LessonRecord, '_id' | 'documentId' | 'section' | 'level' | 'generator' | 'title' | 'createdAt'>) {
  return {
    id: lesson._id.toHexString(),
    documentId: lesson.documentId.toHexString(),
    section: lesson.section,
    level: lesson.level,
    generator: lesson.generator,
    title: lesson.title,
    createdAt: lesson.createdAt.toISOString(),
  };
}

export function lessonView(lesson: LessonRecord) {
  return { ...lessonSummary(lesson), summary: lesson.summary, vocabulary: lesson.vocabulary, exercises: lesson.exercises.map(withoutAnswer) };
}

export type LessonView = ReturnType<typeof lessonView>;
