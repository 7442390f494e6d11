import { parentPort, workerData } from 'node:worker_threads';
import { PermanentJobError } from '../../infra/queue/permanent-failure';
import type { DocumentKind } from './document.model';
import { extractText } from './text-extraction';

/** The message the extraction thread answers with: the text, or why there is none. */
export type ExtractionReply = { text: string } | { failure: { code: string; message: string } | null; message: string };

/** Runs in a worker thread with its own heap limit: a hostile file can only kill this thread. */
async function run(): Promise<ExtractionReply> {
  const { kind, bytes } = workerData as { kind: DocumentKind; bytes: Uint8Array };
  try {
    return { text: await extractText(kind, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)) };
  } catch (error) {
    if (error instanceof PermanentJobError) return { failure: { code: error.code, message: error.message }, message: error.message };
    // A stack overflow on deep nesting is the file's fault, not a reason to retry.
    if (error instanceof RangeError) return { failure: { code: 'CORRUPT', message: 'The document is nested too deeply to read' }, message: error.message };
    return { failure: null, message: error instanceof Error ? error.message : String(error) };
  }
}

void run().then((reply) => parentPort?.postMessage(reply));
