import { z } from 'zod';

export const attemptBody = z.strictObject({
  answers: z
    .array(
      z.strictObject({
        exerciseId: z.string().regex(/^e\d{1,3}$/, 'must be an exercise id'),
        answer: z.union([z.string().max(200), z.number().int().min(0).max(100), z.array(z.string().max(100)).max(60)]),
      }),
    )
    .max(100),
});

export const progressQuery = z.strictObject({ days: z.coerce.number().int().min(1).max(365).default(30) });
