import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { PermanentJobError } from '../../infra/queue/permanent-failure';
import { checkPdfPageCount, checkZipDirectory, type ArchiveLimits } from './bomb-checks';
import type { DocumentKind } from './document.model';
import type { ExtractionReply } from './extraction-thread';

export interface ExtractionLimits extends ArchiveLimits {
  timeoutMs: number;
  memoryMb: number;
}

const threadFile = join(__dirname, 'extraction-thread.js');
const zipSignature = Buffer.from([0x50, 0x4b, 0x03, 0x04]);

const tooLarge = (what: string): PermanentJobError => new PermanentJobError('TOO_LARGE', `The document is too large or too complex to process (${what})`);

/**
 * The text of a document, extracted in a worker thread with a heap limit and a deadline,
 * after cheap checks of what the file claims. A bomb ends the thread, never the worker
 * process, and fails its document for good (TOO_LARGE or CORRUPT).
 */
export function extractIsolated(kind: DocumentKind, bytes: Buffer, limits: ExtractionLimits): Promise<string> {
  // An encrypted Word file is an OLE container, not a ZIP: the extractor names it ENCRYPTED.
  if (kind === 'docx' && bytes.subarray(0, 4).equals(zipSignature)) checkZipDirectory(bytes, limits);
  if (kind === 'pdf') checkPdfPageCount(bytes, limits);
  return new Promise((resolve, reject) => {
    const thread = new Worker(threadFile, {
      workerData: { kind, bytes: new Uint8Array(bytes) },
      resourceLimits: { maxOldGenerationSizeMb: limits.memoryMb, maxYoungGenerationSizeMb: Math.min(64, limits.memoryMb / 4), stackSizeMb: 4 },
      stdout: true,
      stderr: true,
    });
    let settled = false;
    const settle = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      void thread.terminate();
      outcome();
    };
    const deadline = setTimeout(() => settle(() => reject(tooLarge(`over ${limits.timeoutMs} ms`))), limits.timeoutMs);
    thread.once('message', (reply: ExtractionReply) =>
      settle(() => {
        if ('text' in reply) resolve(reply.text);
        else reject(reply.failure ? new PermanentJobError(reply.failure.code, reply.failure.message) : new Error(reply.message));
      }),
    );
    thread.once('error', (error: Error & { code?: string }) =>
      settle(() => reject(error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? tooLarge(`over ${limits.memoryMb} MB of memory`) : error)),
    );
    thread.once('exit', (code) => settle(() => reject(tooLarge(`the reader stopped with code ${code}`))));
  });
}
