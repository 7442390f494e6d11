import { createHash } from 'node:crypto';
import type { CefrLevel } from '../profiles/profile.schema';

/** Same text, level and generator version: the same lesson, whoever asks. */
export function lessonContentKey(text: string, level: CefrLevel, generatorVersion: string): string {
  return createHash('sha256').update(generatorVersion).update('\0').update(level).update('\0').update(text).digest('hex');
}
