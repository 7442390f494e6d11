import { documentModel } from '../../src/components/documents/document.model';
import { countWords, splitIntoSections } from '../../src/components/documents/sections';
import type { TestApp } from './test-app';

/** A processed document written straight to the database: for tests about lessons, not uploads. */
export async function readyDocument(api: TestApp, ownerId: string, paragraphs: string[], sectionWords = 400): Promise<{ id: string; sections: number }> {
  const text = paragraphs.join('\n\n');
  const sections = splitIntoSections(text, sectionWords);
  const document = await documentModel(api.deps.database.connection).create({
    ownerId,
    filename: 'ready.txt',
    kind: 'txt',
    contentType: 'text/plain',
    sizeBytes: text.length,
    storageKey: `documents/${ownerId}/ready.txt`,
    status: 'ready',
    jobId: 'upload-test',
    sections,
    sectionCount: sections.length,
    wordCount: countWords(text),
  });
  return { id: document._id.toHexString(), sections: sections.length };
}
