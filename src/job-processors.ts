import type { Cache } from './infra/cache/cache';
import type { Config } from './infra/config/config';
import type { Database } from './infra/db/database';
import type { Logger } from './infra/logger';
import type { StorageDriver } from './infra/storage/storage-driver';
import { documentModel, documentProcessor, markDocumentFailed } from './components/documents';
import type { JobQueues } from './components/jobs';
import { lessonProcessor, type LessonGenerator, lessonModel } from './components/lessons';

export interface WorkerDependencies {
  config: Config;
  logger: Logger;
  database: Database;
  storage: StorageDriver;
  cache: Cache;
  queues: JobQueues;
  generator: LessonGenerator;
}

export interface WorkerActivity {
  active: number;
  processed: number;
  failed: number;
}

/** Registers the processors of both queues in this process and counts what they do. */
export function startJobProcessors(deps: WorkerDependencies): WorkerActivity {
  const { config, logger, database, queues } = deps;
  const documents = documentModel(database.connection);
  const activity: WorkerActivity = { active: 0, processed: 0, failed: 0 };
  const log = logger.child({ component: 'worker' });

  for (const { queue } of [queues.uploads, queues.lessons]) {
    queue.on('active', (job) => {
      activity.active++;
      log.debug({ queue: queue.name, jobId: job.id }, 'job started');
    });
    queue.on('completed', (job) => {
      activity.active--;
      activity.processed++;
      log.info({ queue: queue.name, jobId: job.id, ms: (job.finishedOn ?? Date.now()) - (job.processedOn ?? job.timestamp) }, 'job completed');
    });
    queue.on('failed', (job, error) => {
      activity.active--;
      activity.failed++;
      log.warn({ queue: queue.name, jobId: job.id, attemptsMade: job.attemptsMade, reason: error.message }, 'job failed');
    });
  }

  // A job Bull gives up on after it stalled too often never reached our processor's own
  // failure handling: its document must not stay `processing`.
  queues.uploads.queue.on('failed', (job, error) => {
    if (!/stalled more than allowable limit/.test(error.message)) return;
    const reason = 'Processing stopped repeatedly on this file; upload a smaller or simpler copy';
    markDocumentFailed(documents, (job.data as { documentId: string }).documentId, 'PROCESSING_FAILED', reason).catch((failure: unknown) =>
      log.error({ err: failure, jobId: job.id }, 'could not mark the document of a stalled job failed'),
    );
  });

  const { maxWords, sectionWords, extraction } = config.documents;
  void queues.uploads.queue.process(
    config.worker.uploadConcurrency,
    documentProcessor({ documents, storage: deps.storage, logger, maxWords, sectionWords, extraction }),
  );
  void queues.lessons.queue.process(
    config.worker.lessonConcurrency,
    lessonProcessor({ documents, lessons: lessonModel(database.connection), cache: deps.cache, generator: deps.generator, workerId: config.worker.id }),
  );
  return activity;
}
