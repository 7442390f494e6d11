import { z } from 'zod';

/** A MongoDB ObjectId as it appears in a path or a body: 24 lower-case hex digits. */
export const objectId = z.string().regex(/^[a-f0-9]{24}$/, 'must be an id');
