import { z } from 'zod';
import { cefrLevels } from '../../shared/cefr-levels';

export const maxPageSize = 50;

export const searchQuery = z.strictObject({
  q: z.string().trim().max(100).optional(),
  level: z.enum(cefrLevels).optional(),
  nativeLanguage: z
    .string()
    .regex(/^[a-z]{2,3}$/, 'must be an ISO 639 language code such as "es"')
    .optional(),
  page: z.coerce.number().int().min(1).max(1000).default(1),
  limit: z.coerce.number().int().min(1).max(maxPageSize).default(20),
});

export type SearchQuery = z.infer<typeof searchQuery>;
