import { randomUUID } from 'node:crypto';
import { Types, type Model } from 'mongoose';
import { findOwned } from '../../infra/db/find-owned';
import { NotFoundError } from '../../infra/errors/app-error';
import type { Logger } from '../../infra/logger';
import { enqueue, queueUnavailable } from '../../infra/queue/enqueue';
import { withTimeout } from '../../infra/with-timeout';
import type { StorageDriver } from '../../infra/storage/storage-driver';
import { uploadJobId, type JobQueues, bullPriority, effectivePriority, type Priority } from '../jobs';
import type { LearnerDocument } from './document.model';
import type { DocumentType } from './document-types';
import { documentDetail, documentSummary } from './document-view';
import type { Tier } from '../../shared/tiers';

export interface DocumentsServiceDependencies {
  documents: Model<LearnerDocument>;
  /** Removes the lessons made from a document (the lessons component owns them). */
  deleteLessonsOf: (documentId: Types.ObjectId) => Promise<unknown>;
  storage: StorageDriver;
  queues: JobQueues | null;
  enqueueTimeoutMs: number;
  logger: Logger;
}

export interface Upload {
  bytes: Buffer;
  originalName: string;
  type: DocumentType;
}

/** A display name only (the stored key is generated): no path, no control characters. */
function displayName(originalName: string, extension: string): string {
  const base = originalName.split(/[\\/]/).pop() ?? '';
  const clean = base
    .replace(/[\p{C}]/gu, '')
    .trim()
    .slice(0, 200);
  return clean === '' ? `document.${extension}` : clean;
}

async function removeWaitingJob(queues: JobQueues | null, jobId: string): Promise<void> {
  await (await queues?.uploads.queue.getJob(jobId))?.remove();
}

async function ownedDocument(documents: Model<LearnerDocument>, ownerId: string, id: string): Promise<LearnerDocument> {
  const document = await findOwned(documents, id, ownerId);
  if (!document) throw new NotFoundError('No such document');
  return document;
}

export function createDocumentsService(deps: DocumentsServiceDependencies) {
  const { documents, storage, logger } = deps;

  const ownDocument = (ownerId: string, id: string): Promise<LearnerDocument> => ownedDocument(documents, ownerId, id);

  return {
    /**
     * Stores the file, records the document `queued` and enqueues its processing. Answers
     * only once the job is acknowledged (enqueue); if it cannot be, the document, the file and
     * the job are removed and the caller gets 503, so no document waits for a job that does
     * not exist.
     */
    async upload(owner: { accountId: string; tier: Tier }, upload: Upload, requested: Priority | undefined) {
      const id = new Types.ObjectId();
      const storageKey = `documents/${owner.accountId}/${randomUUID()}.${upload.type.extension}`;
      const jobId = uploadJobId(id.toHexString());
      const priority = effectivePriority(owner.tier, requested);
      await storage.put(storageKey, upload.bytes, upload.type.contentType);
      const created = await documents.create({
        _id: id,
        ownerId: owner.accountId,
        filename: displayName(upload.originalName, upload.type.extension),
        kind: upload.type.kind,
        contentType: upload.type.contentType,
        sizeBytes: upload.bytes.length,
        storageKey,
        status: 'queued',
        jobId,
      });
      try {
        if (!deps.queues) throw queueUnavailable();
        // The job id names the new document: no other request can join this job.
        await enqueue(
          deps.queues.uploads,
          { documentId: id.toHexString(), ownerId: owner.accountId },
          { jobId, priority: bullPriority(priority) },
          { timeoutMs: deps.enqueueTimeoutMs, ownJobId: true },
        );
      } catch (error) {
        await Promise.all([documents.deleteOne({ _id: id }), storage.delete(storageKey)]).catch((cleanup: unknown) =>
          logger.warn({ err: cleanup, documentId: id }, 'could not remove a document whose job was not queued'),
        );
        throw error;
      }
      return { document: documentSummary(created.toObject()), jobId, priority };
    },

    async list(ownerId: string, query: { page: number; limit: number; status?: LearnerDocument['status'] }) {
      const filter = { ownerId, ...(query.status ? { status: query.status } : {}) };
      const [items, total] = await Promise.all([
        documents
          .find(filter, { sections: 0 })
          .sort({ createdAt: -1, _id: -1 })
          .skip((query.page - 1) * query.limit)
          .limit(query.limit)
          .lean<Omit<LearnerDocument, 'sections'>[]>(),
        documents.countDocuments(filter),
      ]);
      return { items: items.map(documentSummary), page: query.page, limit: query.limit, total };
    },

    get: async (ownerId: string, id: string) => documentDetail(await ownDocument(ownerId, id)),

    /**
     * Removes the document, its file, its lessons and its waiting job. A job already running
     * finds the document gone and stops without a result.
     */
    async remove(ownerId: string, id: string): Promise<void> {
      const document = await ownDocument(ownerId, id);
      await documents.deleteOne({ _id: document._id });
      await Promise.all([
        storage.delete(document.storageKey),
        deps.deleteLessonsOf(document._id),
        // Best effort within the enqueue deadline: a job left behind finds the document gone.
        withTimeout(removeWaitingJob(deps.queues, document.jobId), deps.enqueueTimeoutMs, 'job removal').catch(() => undefined),
      ]);
    },
  };
}

export type DocumentsService = ReturnType<typeof createDocumentsService>;
