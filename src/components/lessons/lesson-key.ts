import { createHash } from 'node:crypto';
import { Types } from 'mongoose';
import type { CefrLevel } from '../../shared/cefr-levels';

/** Same text, level and generator version: the same lesson, whoever asks. */
export function lessonContentKey(text: string, level: CefrLevel, generatorVersion: string): string {
  return createHash('sha256').update(generatorVersion).update('\0').update(level).update('\0').update(text).digest('hex');
}

/**
 * The id of a document's lesson for a content key. Deriving it makes "one lesson per document
 * and content" the `_id`'s own uniqueness, and every lookup an `_id` lookup, which every
 * server answers from its primary index (FerretDB pushes down no other filter).
 */
export function lessonIdOf(documentId: string, contentKey: string): Types.ObjectId {
  return new Types.ObjectId(createHash('sha256').update(documentId).update('\0').update(contentKey).digest('hex').slice(0, 24));
}
