import type Bull from 'bull';
import type { Model } from 'mongoose';
import type { Cache } from '../../infra/cache/cache';
import { PermanentJobError, processor } from '../../infra/queue/permanent-failure';
import type { LearnerDocument } from '../documents';
import type { LessonGenerator } from './lesson-generator';
import type { LessonJobData } from '../jobs';
import { lessonContentKey } from './lesson-key';
import type { LessonRecord } from './lesson.model';
import { storeLesson } from './lesson-store';

export interface LessonProcessorDependencies {
  documents: Model<LearnerDocument>;
  lessons: Model<LessonRecord>;
  cache: Cache;
  generator: LessonGenerator;
  workerId: string;
}

export interface LessonJobResult {
  lessonId: string;
  generator: string;
  fallback: boolean;
  workerId: string;
}

/**
 * Generates the lesson of one document section and stores it. Idempotent: the lesson is
 * keyed by document and content, so a job run twice (a worker died mid-job) leaves one.
 */
export function lessonProcessor(deps: LessonProcessorDependencies) {
  return processor<LessonJobData, LessonJobResult>(async (job: Bull.Job<LessonJobData>) => {
    const { documentId, section, level, ownerId } = job.data;
    const document = await deps.documents.findById(documentId, { sections: 1, filename: 1 }).lean<Pick<LearnerDocument, 'sections' | 'filename'>>();
    if (!document) throw new PermanentJobError('DOCUMENT_DELETED', 'The document was deleted');
    const source = document.sections[section];
    if (!source) throw new PermanentJobError('NO_SUCH_SECTION', `The document has no section ${section}`);
    await job.progress(10);

    const generated = await deps.generator.generate({ text: source.text, title: `${document.filename} — ${source.title}`, level, seed: job.data.contentKey });
    if (generated.content.exercises.length === 0) throw new PermanentJobError('TOO_SHORT', 'The section is too short to make exercises from');
    await job.progress(70);

    // A fallback lesson is keyed under the generator that made it, so the provider is asked again next time.
    const contentKey = generated.version === deps.generator.version ? job.data.contentKey : lessonContentKey(source.text, level, generated.version);
    const lesson = await storeLesson(deps.lessons, {
      ownerId,
      documentId,
      section,
      level,
      contentKey,
      generator: generated.version,
      content: generated.content,
    });
    await deps.cache.put('lesson', contentKey, generated.content);
    await job.progress(100);
    return { lessonId: lesson._id.toHexString(), generator: generated.version, fallback: generated.fallback, workerId: deps.workerId };
  });
}
