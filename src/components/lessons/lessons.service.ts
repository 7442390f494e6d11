import type Bull from 'bull';
import type { Model } from 'mongoose';
import type { Cache } from '../../infra/cache/cache';
import { ConflictError, NotFoundError, ValidationError } from '../../infra/errors/app-error';
import { findOwned } from '../../infra/db/find-owned';
import { enqueue, queueUnavailable } from '../../infra/queue/enqueue';
import type { Account } from '../learners';
import type { LearnerDocument } from '../documents';
import { lessonJobId, type JobQueues, bullPriority, effectivePriority, type LessonJobData } from '../jobs';
import type { LessonJobResult } from './generate-lesson';
import type { LessonContent } from './lesson-content';
import { lessonContentKey, lessonIdOf } from './lesson-key';
import type { LessonRecord } from './lesson.model';
import { storeLesson } from './lesson-store';
import { lessonSummary, lessonView, type LessonView } from './lesson-view';
import type { LessonRequestBody } from './lessons.validation';
import type { CefrLevel } from '../../shared/cefr-levels';
import type { Tier } from '../../shared/tiers';

export interface LessonsServiceDependencies {
  lessons: Model<LessonRecord>;
  documents: Model<LearnerDocument>;
  accounts: Model<Account>;
  cache: Cache;
  queues: JobQueues | null;
  generatorVersion: string;
  enqueueTimeoutMs: number;
}

/** A lesson request resolved against the learner's document and level. */
export interface ResolvedLessonRequest {
  ownerId: string;
  documentId: string;
  section: number;
  level: CefrLevel;
  contentKey: string;
  requestedPriority: LessonRequestBody['priority'];
}

const defaultLevel: CefrLevel = 'B1';

function contentOf(lesson: LessonRecord): LessonContent {
  return { title: lesson.title, summary: lesson.summary, vocabulary: lesson.vocabulary, exercises: lesson.exercises };
}

/**
 * A finished job does not answer a new request when its lesson came from the fallback
 * generator (the provider may be healthy again) or the lesson is gone since.
 */
async function replaceable(lessons: Model<LessonRecord>, job: Bull.Job<LessonJobData>): Promise<boolean> {
  const result = job.returnvalue as Partial<LessonJobResult> | null;
  if (!result?.lessonId || result.fallback !== false) return true;
  return (await lessons.exists({ _id: result.lessonId })) === null;
}

export function createLessonsService(deps: LessonsServiceDependencies) {
  const { lessons, documents, cache } = deps;

  return {
    /** Checks the document and section, and settles the level: asked for, else the profile's, else B1. */
    async resolve(ownerId: string, body: LessonRequestBody): Promise<ResolvedLessonRequest> {
      const document = await findOwned(documents, body.documentId, ownerId, ['status', 'sections']);
      if (!document) throw new NotFoundError('No such document');
      if (document.status !== 'ready') throw new ConflictError(`The document is ${document.status}, not ready`, 'DOCUMENT_NOT_READY');
      const section = document.sections[body.section];
      if (!section) throw new ValidationError(`The document has ${document.sections.length} sections; section ${body.section} does not exist`);
      const level =
        body.level ?? (await deps.accounts.findById(ownerId, { 'profile.level': 1 }).lean<Pick<Account, 'profile'>>())?.profile.level ?? defaultLevel;
      return {
        ownerId,
        documentId: body.documentId,
        section: body.section,
        level,
        contentKey: lessonContentKey(section.text, level, deps.generatorVersion),
        requestedPriority: body.priority,
      };
    },

    /**
     * The lesson at once if it was generated before: from the lesson cache (the same content
     * and level in any document), else from this document's stored lessons.
     */
    async findExisting(request: ResolvedLessonRequest): Promise<LessonView | null> {
      const cached = await cache.peek<LessonContent>('lesson', request.contentKey);
      const stored = cached
        ? await storeLesson(lessons, { ...request, generator: deps.generatorVersion, content: cached })
        : await lessons.findById(lessonIdOf(request.documentId, request.contentKey)).lean<LessonRecord>();
      if (!stored) return null;
      if (!cached) await cache.put('lesson', request.contentKey, contentOf(stored));
      return lessonView(stored);
    },

    /** Enqueues the generation; the same lesson asked for again joins the same job. */
    async enqueue(request: ResolvedLessonRequest, tier: Tier) {
      const jobId = lessonJobId(request.documentId, request.contentKey);
      const priority = effectivePriority(tier, request.requestedPriority);
      if (!deps.queues) throw queueUnavailable();
      const data = { ownerId: request.ownerId, documentId: request.documentId, section: request.section, level: request.level, contentKey: request.contentKey };
      const job = await enqueue(
        deps.queues.lessons,
        data,
        { jobId, priority: bullPriority(priority) },
        { timeoutMs: deps.enqueueTimeoutMs, outdated: (job) => replaceable(lessons, job) },
      );
      return { jobId: String(job.id), priority, level: request.level };
    },

    async get(ownerId: string, id: string): Promise<LessonView> {
      const lesson = await findOwned(lessons, id, ownerId);
      if (!lesson) throw new NotFoundError('No such lesson');
      return lessonView(lesson);
    },

    async list(ownerId: string, query: { documentId?: string; page: number; limit: number }) {
      const filter = { ownerId, ...(query.documentId ? { documentId: query.documentId } : {}) };
      const [items, total] = await Promise.all([
        lessons
          .find(filter, { exercises: 0, vocabulary: 0, summary: 0 })
          .sort({ createdAt: -1, _id: -1 })
          .skip((query.page - 1) * query.limit)
          .limit(query.limit)
          .lean<LessonRecord[]>(),
        lessons.countDocuments(filter),
      ]);
      return { items: items.map(lessonSummary), page: query.page, limit: query.limit, total };
    },
  };
}

export type LessonsService = ReturnType<typeof createLessonsService>;
