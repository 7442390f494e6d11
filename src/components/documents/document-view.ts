import type { LearnerDocument } from './document.model';

/** A document as its owner sees it in lists: no section text. */
export function documentSummary(document: Omit<LearnerDocument, 'sections'>) {
  return {
    id: document._id.toHexString(),
    filename: document.filename,
    kind: document.kind,
    sizeBytes: document.sizeBytes,
    status: document.status,
    jobId: document.jobId,
    failure: document.failure ?? null,
    sectionCount: document.sectionCount,
    wordCount: document.wordCount,
    processedAt: document.processedAt?.toISOString() ?? null,
    createdAt: document.createdAt.toISOString(),
  };
}

/** One document with its sections, for choosing what to practise. */
export function documentDetail(document: LearnerDocument) {
  return { ...documentSummary(document), sections: document.sections.map(({ index, title, text, wordCount }) => ({ index, title, text, wordCount })) };
}

export type DocumentSummary = ReturnType<typeof documentSummary>;
