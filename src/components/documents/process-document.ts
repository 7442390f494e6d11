import type Bull from 'bull';
import mongoose, { type Model } from 'mongoose';
import type { Logger } from '../../infra/logger';
import { isLastAttempt, PermanentJobError, processor } from '../../infra/queue/permanent-failure';
import type { StorageDriver } from '../../infra/storage/storage-driver';
import type { DocumentStatus, LearnerDocument } from './document.model';
import type { DocumentJobData } from '../jobs';
import { countWords, splitIntoSections } from './sections';
import { extractIsolated, type ExtractionLimits } from './isolated-extraction';

export interface DocumentProcessorDependencies {
  documents: Model<LearnerDocument>;
  storage: StorageDriver;
  logger: Logger;
  maxWords: number;
  sectionWords: number;
  extraction: ExtractionLimits;
}

export interface DocumentJobResult {
  documentId: string;
  status: 'ready';
  sectionCount: number;
  wordCount: number;
}

/**
 * Extracts the text, splits it into sections and marks the document `ready`; or `failed`
 * with a reason. Idempotent: a document already finished is reported, not processed again.
 */
/** Our own operator, marked trusted so the global sanitizeFilter leaves it alone. */
const unfinished = (): { $in: DocumentStatus[] } => mongoose.trusted({ $in: ['queued', 'processing'] as DocumentStatus[] });

/** Fails a document still queued or processing; one that finished meanwhile stays as it is. */
export async function markDocumentFailed(documents: Model<LearnerDocument>, documentId: string, code: string, reason: string): Promise<void> {
  await documents.updateOne({ _id: documentId, status: unfinished() }, { $set: { status: 'failed', failure: { code, reason }, processedAt: new Date() } });
}

export function documentProcessor(deps: DocumentProcessorDependencies) {
  const { documents } = deps;
  const markFailed = (documentId: string, code: string, reason: string): Promise<void> => markDocumentFailed(documents, documentId, code, reason);

  async function process(job: Bull.Job<DocumentJobData>): Promise<DocumentJobResult> {
    const { documentId } = job.data;
    const document = await documents.findById(documentId, { sections: 0 }).lean<Omit<LearnerDocument, 'sections'>>();
    if (!document) throw new PermanentJobError('DOCUMENT_DELETED', 'The document was deleted before it was processed');
    if (document.status === 'ready') return { documentId, status: 'ready', sectionCount: document.sectionCount, wordCount: document.wordCount };
    if (document.status === 'failed') throw new PermanentJobError(document.failure?.code ?? 'FAILED', document.failure?.reason ?? 'Processing failed');

    await documents.updateOne({ _id: documentId, status: unfinished() }, { $set: { status: 'processing' } });
    await job.progress(10);
    const bytes = await deps.storage.get(document.storageKey).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new PermanentJobError('FILE_MISSING', 'The stored file is gone');
      throw error;
    });
    await job.progress(30);
    const text = await extractIsolated(document.kind, bytes, deps.extraction);
    const wordCount = countWords(text);
    if (wordCount === 0) throw new PermanentJobError('EMPTY', 'The document contains no text (a scanned image or an empty file)');
    if (wordCount > deps.maxWords) {
      throw new PermanentJobError('TOO_LONG', `The document has ${wordCount} words; the limit is ${deps.maxWords}`);
    }
    await job.progress(70);
    const sections = splitIntoSections(text, deps.sectionWords);
    await documents.updateOne(
      { _id: documentId, status: 'processing' },
      { $set: { status: 'ready', sections, sectionCount: sections.length, wordCount, failure: null, processedAt: new Date() } },
    );
    await job.progress(100);
    return { documentId, status: 'ready', sectionCount: sections.length, wordCount };
  }

  return processor<DocumentJobData, DocumentJobResult>(async (job) => {
    try {
      return await process(job);
    } catch (error) {
      if (error instanceof PermanentJobError) {
        await markFailed(job.data.documentId, error.code, error.message);
      } else if (isLastAttempt(job)) {
        deps.logger.error({ err: error, jobId: job.id }, 'document processing failed on its last attempt');
        await markFailed(job.data.documentId, 'PROCESSING_FAILED', 'The document could not be processed; try uploading it again').catch(() => undefined);
      }
      throw error;
    }
  });
}
