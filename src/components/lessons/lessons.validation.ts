import { z } from 'zod';
import { priorities } from '../jobs';
import { cefrLevels } from '../../shared/cefr-levels';
import { objectId } from '../../shared/object-id';

export const lessonRequestBody = z.strictObject({
  documentId: objectId,
  section: z.number().int().min(0).max(100_000).default(0),
  level: z.enum(cefrLevels).optional(),
  priority: z.enum(priorities).optional(),
});
export type LessonRequestBody = z.infer<typeof lessonRequestBody>;

export const lessonIdParams = z.object({ id: objectId });

export const lessonListQuery = z.strictObject({
  documentId: objectId.optional(),
  page: z.coerce.number().int().min(1).max(1000).default(1),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});
