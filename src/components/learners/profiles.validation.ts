import { z } from 'zod';
import { plainText } from '../../infra/validation/plain-text';
import { displayName } from './accounts.validation';
import { cefrLevels } from '../../shared/cefr-levels';

const languageNames = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'none' });
const timeZones = new Set([...Intl.supportedValuesOf('timeZone'), 'UTC']);

const languageCode = z
  .string()
  .regex(/^[a-z]{2,3}$/, 'must be an ISO 639 language code such as "es"')
  .refine((code) => languageNames.of(code) !== undefined, 'is not a known language code');
const timezone = z.string().refine((zone) => timeZones.has(zone), 'must be an IANA time zone such as "Europe/Madrid"');

export const profilePatchBody = z
  .strictObject({
    displayName,
    bio: plainText({ min: 0, max: 500, multiline: true }),
    nativeLanguage: languageCode.nullable(),
    level: z.enum(cefrLevels).nullable(),
    interests: z.array(plainText({ min: 1, max: 40 })).max(20),
    goals: z.array(plainText({ min: 1, max: 200 })).max(10),
    timezone: timezone.nullable(),
  })
  .partial()
  .refine((patch) => Object.keys(patch).length > 0, 'send at least one field to change');

export type ProfilePatch = z.infer<typeof profilePatchBody>;

/**
 * Ids are hex and match in any case, so they are lower-cased here: the cache key (and every other
 * key derived from the id) has one spelling per learner. `/api/profiles/<ID>` was a cache entry of
 * its own that an edit did not invalidate.
 */
export const accountIdParams = z.strictObject({
  id: z
    .string()
    .regex(/^[0-9a-f]{24}$/i, 'must be a 24-character hex id')
    .transform((id) => id.toLowerCase()),
});
