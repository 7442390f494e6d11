import type { CefrLevel } from '../../shared/cefr-levels';

/** What a lesson-generation job carries; the section text is read fresh by the worker. */
export interface LessonJobData {
  ownerId: string;
  documentId: string;
  section: number;
  level: CefrLevel;
  /** The cache key the API looked up: content, level and generator version. */
  contentKey: string;
}
