import type { Model, Types } from 'mongoose';
import type { CefrLevel } from '../profiles/profile.schema';
import type { LessonContent } from './lesson-content';
import type { LessonRecord } from './lesson.model';

export interface LessonToStore {
  ownerId: Types.ObjectId | string;
  documentId: Types.ObjectId | string;
  section: number;
  level: CefrLevel;
  contentKey: string;
  generator: string;
  content: LessonContent;
}

const duplicateKey = 11000;

/**
 * The lesson of a document for a content key, created if there is none. The unique index
 * makes this one atomic write however many workers or requests race: the first insert
 * wins, the others read it.
 */
export async function storeLesson(lessons: Model<LessonRecord>, lesson: LessonToStore): Promise<LessonRecord> {
  const filter = { documentId: lesson.documentId, contentKey: lesson.contentKey };
  const existing = await lessons.findOne(filter).lean<LessonRecord>();
  if (existing) return existing;
  try {
    const created = await lessons.create({
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
    if ((error as { code?: unknown }).code !== duplicateKey) throw error;
    const winner = await lessons.findOne(filter).lean<LessonRecord>();
    if (!winner) throw error;
    return winner;
  }
}
