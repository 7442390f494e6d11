import { z } from 'zod';
import { plainText } from '../../infra/validation/plain-text';

const email = z.string().trim().toLowerCase().pipe(z.email('must be an e-mail address').max(254));
// argon2 would hash megabytes happily; a cap keeps a login from costing more than a login.
const password = z.string().min(8, 'must be at least 8 characters').max(128);
export const displayName = plainText({ min: 1, max: 60 });

export const registerBody = z.strictObject({ email, password, displayName });
export const loginBody = z.strictObject({ email, password: z.string().min(1).max(128) });
export const refreshBody = z.strictObject({ refreshToken: z.string().min(1).max(200) });
