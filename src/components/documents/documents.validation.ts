import { z } from 'zod';
import { priorities } from '../jobs';
import { objectId } from '../../shared/object-id';

export const documentIdParams = z.object({ id: objectId });
export const uploadFields = z.strictObject({ priority: z.enum(priorities).optional() });
export const documentListQuery = z.strictObject({
  page: z.coerce.number().int().min(1).max(1000).default(1),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  status: z.enum(['queued', 'processing', 'ready', 'failed']).optional(),
});
