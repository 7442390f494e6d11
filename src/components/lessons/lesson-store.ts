import type { Model, Types } from 'mongoose';
import { isDuplicateKey } from '../../infra/db/duplicate-key';
import type { LessonContent } from './lesson-content';
import { lessonIdOf } from './lesson-key';
import type { LessonRecord } from './lesson.model';
import type { CefrLevel } from '../../shared/cefr-levels';

export interface LessonToStore {
  ownerId: Types.ObjectId | string;
  documentId: Types.ObjectId | string;
  section: number;
  level: CefrLevel;
  contentKey: string;
  generator: string;
  content: LessonContent;
}

/**
 * The lesson of a document for a content key, created if there is none. Its id is derived
 * from both, so this is one atomic insert however many workers or requests race: the first
 * wins, the others read it.
 */
export async function storeLesson(lessons: Model<LessonRecord>, lesson: LessonToStore): Promise<LessonRecord> {
  const _id = lessonIdOf(String(lesson.documentId), lesson.contentKey);
  const existing = await lessons.findById(_id).lean<LessonRecord>();
  if (existing) return existing;
  try {
    const created = await lessons.create({
      _id,
      ownerId: lesson.ownerId,
      documentId: lesson.documentId,
      section: lesson.section,
      level: lesson.level,
      contentKey: lesson.contentKey,
      generator: lesson.generator,
      ...lesson.content,
    });
    return created.toObject();
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    const winner = await lessons.findById(_id).lean<LessonRecord>();
    if (!winner) throw error;
    return winner;
  }
}
